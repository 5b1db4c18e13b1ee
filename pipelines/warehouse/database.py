"""DuckDB: a private working database for the writer, atomically published files for readers.

- The pipeline writes only `data/marts/.work/warehouse.duckdb` (schemas raw, staging,
  marts). Each table is replaced inside a transaction, so a failing statement leaves the
  previous table as it was.
- Readers (notebooks, the report, spreadsheets) use what :meth:`Warehouse.publish`
  writes: `data/marts/<mart>.parquet`, `<mart>.csv`, `<mart>_excel.csv` (for Excel:
  `;`, decimal comma, BOM, Swedish headings) and `data/marts/segregation.duckdb`. Each is
  written to a temporary name and moved into place with an atomic rename, so a reader
  sees either the previous complete file or the new one, never half of one, and a
  reader that holds a file open never blocks the nightly run.
- A run killed while publishing leaves its temporary files behind (the published files
  are intact). The next publish removes them first, holding a lock on
  `data/marts/.work/publish.lock` so that it never removes another publisher's files;
  the operating system releases the lock when a process ends, even on `kill -9`.
"""

from __future__ import annotations

import fcntl
import os
import re
import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from pipelines.warehouse.excel_export import sql_string, write_excel_csv

_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]*$")
SCHEMAS = ("raw", "staging", "marts")
PUBLISHED_DATABASE = "segregation.duckdb"
EXCEL_SUFFIX = "_excel.csv"  # Excel-ready copy of each mart (pipelines/warehouse/excel_export.py)
# Excel opens at most 1 048 576 rows, the heading included: a longer Excel-ready file would
# open cut short. Such a mart (DeSO values for the whole country) gets no `_excel.csv`; its
# `.csv` and `.parquet` are complete, and an old Excel copy of it is removed.
EXCEL_MAX_ROWS = 1_048_575
# The temporary name of a file being published: `.<file name>.<8 hex digits>.tmp` (see
# Warehouse.publish; the report command uses the same form), and the write-ahead log DuckDB
# keeps beside a reader database while it is written (`….tmp.wal`).
_TEMPORARY_NAME = re.compile(r"^\..+\.[0-9a-f]{8}\.tmp(\.wal)?$")
PUBLISH_LOCK = "publish.lock"


# Working databases held open by :meth:`Warehouse.held_open`, by resolved path.
_HELD: dict[Path, duckdb.DuckDBPyConnection] = {}


class WarehouseError(RuntimeError):
    """A table could not be built or published."""


def identifier(name: str) -> str:
    """Check a schema or table name that comes from configuration or file names."""
    if not _IDENTIFIER.match(name):
        raise WarehouseError(f"{name!r} är inget giltigt tabellnamn (gemener, siffror, _).")
    return name


@dataclass(frozen=True)
class TableSummary:
    rows: int
    columns: list[tuple[str, str]]


class Warehouse:
    def __init__(self, marts_dir: Path) -> None:
        self.marts_dir = Path(marts_dir)
        self.work_path = self.marts_dir / ".work" / "warehouse.duckdb"

    @property
    def published_path(self) -> Path:
        return self.marts_dir / PUBLISHED_DATABASE

    @contextmanager
    def connect(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection to the working database, closed on exit.

        Inside :meth:`held_open` it is a cursor on the connection held for the run (the
        database is then open read-write, so `read_only` only asks that it exists)."""
        if read_only and not self.work_path.exists():
            raise WarehouseError(f"{self.work_path} finns inte än: kör först segregation run.")
        held = _HELD.get(self.work_path.resolve())
        if held is not None:
            con = held.cursor()
        else:
            self.work_path.parent.mkdir(parents=True, exist_ok=True)
            con = duckdb.connect(str(self.work_path), read_only=read_only)
        try:
            if not read_only:
                for schema in SCHEMAS:
                    con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
            yield con
        finally:
            con.close()

    @contextmanager
    def held_open(self) -> Iterator[None]:
        """Keep the working database open while the block runs (a whole run).

        Opening a DuckDB database costs tens of milliseconds; a run connects some 300 times.
        While one connection is held, every :meth:`connect` is a cursor on it instead. The
        file stays locked for other processes until the block ends (one run at a time, as
        `dagster.yaml` already says); nested calls share the outer one. If the database
        cannot be opened here, nothing is held and each step reports the error itself.
        """
        key = self.work_path.resolve()
        if key in _HELD:
            yield
            return
        try:
            self.work_path.parent.mkdir(parents=True, exist_ok=True)
            held = duckdb.connect(str(self.work_path))
        except (OSError, duckdb.Error):
            # not held: each step then opens the database itself and says what is wrong
            yield
            return
        _HELD[key] = held
        try:
            yield
        finally:
            _HELD.pop(key).close()

    def replace_table(self, schema: str, name: str, frame: pd.DataFrame) -> TableSummary:
        """Replace `schema.name` with the rows of a DataFrame, in one transaction.

        Categorical columns (the parsed SCB responses') are stored as VARCHAR, not as DuckDB
        ENUMs: text compares and sorts as text whatever the response's category order, and
        the column schema stays short."""
        target = f"{identifier(schema)}.{identifier(name)}"
        categorical = [c for c in frame.columns if isinstance(frame[c].dtype, pd.CategoricalDtype)]
        select = "SELECT * FROM incoming_frame"
        if categorical:
            quoted = ['"' + str(c).replace('"', '""') + '"' for c in categorical]
            casts = ", ".join(f"CAST({q} AS VARCHAR) AS {q}" for q in quoted)
            select = f"SELECT * REPLACE ({casts}) FROM incoming_frame"
        with self.connect() as con:
            con.register("incoming_frame", frame)
            try:
                self._replace(con, target, select)
            finally:
                con.unregister("incoming_frame")
            return self._summary(con, target)

    def build_model(
        self, schema: str, name: str, select_sql: str, params: Sequence[object] | None = None
    ) -> TableSummary:
        """Replace `schema.name` with the result of one SELECT, in one transaction."""
        target = f"{identifier(schema)}.{identifier(name)}"
        with self.connect() as con:
            self._replace(con, target, select_sql, params)
            return self._summary(con, target)

    def summary(self, schema: str, name: str) -> TableSummary:
        with self.connect(read_only=True) as con:
            return self._summary(con, f"{identifier(schema)}.{identifier(name)}")

    def query(self, sql: str, params: Sequence[object] | None = None) -> pd.DataFrame:
        with self.connect(read_only=True) as con:
            return con.execute(sql, params or []).df()

    def leftovers(self) -> list[Path]:
        """Temporary files an interrupted publish left in the marts folder (our names only)."""
        if not self.marts_dir.is_dir():
            return []
        return sorted(
            path
            for path in self.marts_dir.glob(".*.tmp*")
            if _TEMPORARY_NAME.match(path.name) and path.is_file()
        )

    @contextmanager
    def publishing(self) -> Iterator[tuple[int, int]]:
        """Hold the marts folder's publish lock and remove what interrupted runs left behind.

        Yields how many files were removed and their size in bytes. The lock is an OS file
        lock (released when the process ends, however it ends), so a temporary file that
        exists while we hold it belongs to no live publisher."""
        lock_path = self.work_path.parent / PUBLISH_LOCK
        lock_path.parent.mkdir(parents=True, exist_ok=True)
        with lock_path.open("a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # waits while another process publishes here
            try:
                removed = freed = 0
                for path in self.leftovers():
                    with suppress(FileNotFoundError):
                        size = path.stat().st_size
                        path.unlink()
                        removed, freed = removed + 1, freed + size
                yield removed, freed
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def clear_leftovers(self, progress: Callable[[str], None] | None = None) -> int:
        """Remove what an interrupted publish left behind (under the publish lock), also in
        a run that publishes nothing; `progress` hears how many files went."""
        with self.publishing() as (removed, freed):
            if removed and progress is not None:
                progress(
                    f"{removed} tillfälliga filer ({freed / 1e6:.1f} MB) från en avbruten "
                    "publicering borttagna"
                )
            return removed

    def publish(
        self,
        marts: Sequence[str],
        derived: Callable[[dict[str, Path]], dict[str, str]] | None = None,
        progress: Callable[[str], None] | None = None,
        last: Callable[[list[str]], dict[str, str]] | None = None,
    ) -> dict[str, Path]:
        """Export marts to Parquet, CSV, Excel-ready CSV and a reader database, each swapped
        in atomically.

        `derived`, if given, is called with the staged Parquet file of each mart and returns
        more files to publish with them (file name → text), e.g. the committee reports. It
        runs while DuckDB writes the CSV, Excel and reader-database copies in a second
        thread (DuckDB works outside Python's lock), so the two overlap.
        All files are first written under temporary names; only when every one is complete
        are they renamed into place, so a failure leaves all previous files untouched.
        Temporary files of an earlier, interrupted publish are removed first (`progress`
        hears how many).
        `last`, if given, is called with the names of the files about to be renamed and
        returns files (name → text) renamed after all of them, e.g. a stamp that records a
        complete publish: it is there only if everything before it is.
        """
        self.marts_dir.mkdir(parents=True, exist_ok=True)
        with self.publishing() as (removed, freed):
            if removed and progress is not None:
                progress(
                    f"{removed} tillfälliga filer ({freed / 1e6:.1f} MB) från en avbruten "
                    "publicering borttagna"
                )
            return self._publish(marts, derived, last)

    def _publish(
        self,
        marts: Sequence[str],
        derived: Callable[[dict[str, Path]], dict[str, str]] | None,
        last: Callable[[list[str]], dict[str, str]] | None,
    ) -> dict[str, Path]:
        token = uuid.uuid4().hex[:8]

        def staged(final: Path) -> tuple[Path, Path]:
            return final.with_name(f".{final.name}.{token}.tmp"), final

        parquet = {mart: staged(self.marts_dir / f"{identifier(mart)}.parquet") for mart in marts}
        reader = staged(self.published_path)
        too_long_for_excel: list[Path] = []
        try:
            with self.connect() as con:
                for mart, (tmp, _) in parquet.items():
                    con.execute(
                        f"COPY marts.{mart} TO {sql_string(str(tmp))} "
                        "(FORMAT parquet, COMPRESSION zstd)"
                    )
            with ThreadPoolExecutor(max_workers=1, thread_name_prefix="publish") as pool:
                exports = pool.submit(
                    self._write_copies, marts, staged, reader[0], too_long_for_excel
                )
                texts = derived({m: tmp for m, (tmp, _) in parquet.items()}) if derived else {}
                copies = exports.result()
            extra = []
            for name, text in texts.items():
                tmp, final = staged(self.marts_dir / name)
                tmp.write_text(text, encoding="utf-8")
                extra.append((tmp, final))
        except BaseException:
            for tmp in self.marts_dir.glob(f".*.{token}.tmp*"):
                tmp.unlink(missing_ok=True)
            raise
        # each rename is atomic; the reader database goes last
        pending = [*parquet.values(), *copies, *extra, reader]
        after = last([final.name for _, final in pending]) if last else {}
        for name in after:  # gone while the files change: it vouches for a complete publish
            (self.marts_dir / name).unlink(missing_ok=True)
        for tmp, final in pending:
            os.replace(tmp, final)
        for name, text in after.items():
            tmp, final = staged(self.marts_dir / name)
            tmp.write_text(text, encoding="utf-8")
            os.replace(tmp, final)
        for stale in too_long_for_excel:  # an older, shorter Excel copy would mislead
            stale.unlink(missing_ok=True)
        return {final.name: final for _, final in pending}

    def _write_copies(
        self,
        marts: Sequence[str],
        staged: Callable[[Path], tuple[Path, Path]],
        reader_tmp: Path,
        too_long_for_excel: list[Path],
    ) -> list[tuple[Path, Path]]:
        """Each mart's CSV and Excel-ready CSV, and the reader database at `reader_tmp`,
        under temporary names; returns (temporary, final) of the CSV files."""
        written = []
        with self.connect() as con:
            for mart in marts:
                table = f"marts.{mart}"
                csv_tmp, csv_final = staged(self.marts_dir / f"{mart}.csv")
                con.execute(f"COPY {table} TO {sql_string(str(csv_tmp))} (FORMAT csv, HEADER true)")
                written.append((csv_tmp, csv_final))
                excel_tmp, excel_final = staged(self.marts_dir / f"{mart}{EXCEL_SUFFIX}")
                rows = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                if rows > EXCEL_MAX_ROWS:
                    too_long_for_excel.append(excel_final)
                    continue
                write_excel_csv(con, table, mart, excel_tmp)
                written.append((excel_tmp, excel_final))
            # The reader database, written through the working connection (ATTACH), so it
            # holds exactly what this connection sees.
            con.execute(f"ATTACH {sql_string(str(reader_tmp))} AS reader")
            try:
                con.execute("CREATE SCHEMA reader.marts")
                for mart in marts:
                    con.execute(f"CREATE TABLE reader.marts.{mart} AS SELECT * FROM marts.{mart}")
            finally:
                con.execute("DETACH reader")
        return written

    @staticmethod
    def _replace(
        con: duckdb.DuckDBPyConnection,
        target: str,
        select_sql: str,
        params: Sequence[object] | None = None,
    ) -> None:
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(f"CREATE OR REPLACE TABLE {target} AS {select_sql}", params or [])
            con.execute("COMMIT")
        except Exception as exc:
            con.execute("ROLLBACK")
            raise WarehouseError(
                f"Bygget av {target} misslyckades; den tidigare tabellen behålls. Rätta "
                f"SQL-modellen eller indata och kör igen. {exc}"
            ) from exc

    @staticmethod
    def _summary(con: duckdb.DuckDBPyConnection, target: str) -> TableSummary:
        rows = con.execute(f"SELECT count(*) FROM {target}").fetchone()[0]
        columns = [(r[0], r[1]) for r in con.execute(f"DESCRIBE {target}").fetchall()]
        return TableSummary(int(rows), columns)
