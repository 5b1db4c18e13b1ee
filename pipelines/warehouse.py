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
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import duckdb
import pandas as pd

from pipelines.excel_export import excel_header, excel_rows, excel_sql, excel_text_rows

_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]*$")
SCHEMAS = ("raw", "staging", "marts")
PUBLISHED_DATABASE = "segregation.duckdb"
EXCEL_SUFFIX = "_excel.csv"  # Excel-ready copy of each mart (pipelines/excel_export.py)
EXCEL_BLOCK_ROWS = 50_000
# Excel opens at most 1 048 576 rows, the heading included: a longer Excel-ready file would
# open cut short. Such a mart (DeSO values for the whole country) gets no `_excel.csv`; its
# `.csv` and `.parquet` are complete, and an old Excel copy of it is removed.
EXCEL_MAX_ROWS = 1_048_575


class WarehouseError(RuntimeError):
    """A table could not be built or published."""


def identifier(name: str) -> str:
    """Check a schema or table name that comes from configuration or file names."""
    if not _IDENTIFIER.match(name):
        raise WarehouseError(f"{name!r} is not a valid table name (lower case, digits, _).")
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
        """A connection to the working database, closed on exit."""
        if read_only and not self.work_path.exists():
            raise WarehouseError(f"{self.work_path} does not exist yet: run the pipeline first.")
        self.work_path.parent.mkdir(parents=True, exist_ok=True)
        con = duckdb.connect(str(self.work_path), read_only=read_only)
        try:
            if not read_only:
                for schema in SCHEMAS:
                    con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
            yield con
        finally:
            con.close()

    def replace_table(self, schema: str, name: str, frame: pd.DataFrame) -> TableSummary:
        """Replace `schema.name` with the rows of a DataFrame, in one transaction."""
        target = f"{identifier(schema)}.{identifier(name)}"
        with self.connect() as con:
            con.register("incoming_frame", frame)
            self._replace(con, target, "SELECT * FROM incoming_frame")
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

    def publish(
        self,
        marts: Sequence[str],
        derived: Callable[[dict[str, Path]], dict[str, str]] | None = None,
    ) -> dict[str, Path]:
        """Export marts to Parquet, CSV, Excel-ready CSV and a reader database, each swapped
        in atomically.

        `derived`, if given, is called with the staged Parquet file of each mart and returns
        more files to publish with them (file name → text), e.g. the committee reports.
        All files are first written under temporary names; only when every one is complete
        are they renamed into place, so a failure leaves all previous files untouched.
        """
        self.marts_dir.mkdir(parents=True, exist_ok=True)
        token = uuid.uuid4().hex[:8]
        pending: list[tuple[Path, Path]] = []
        too_long_for_excel: list[Path] = []
        try:
            with self.connect(read_only=True) as con:
                for mart in marts:
                    final = self.marts_dir / f"{identifier(mart)}.parquet"
                    tmp = final.with_name(f".{final.name}.{token}.tmp")
                    con.execute(f"COPY marts.{mart} TO '{tmp}' (FORMAT parquet, COMPRESSION zstd)")
                    pending.append((tmp, final))
                    csv_final = self.marts_dir / f"{mart}.csv"
                    csv_tmp = csv_final.with_name(f".{csv_final.name}.{token}.tmp")
                    con.execute(f"COPY marts.{mart} TO '{csv_tmp}' (FORMAT csv, HEADER true)")
                    pending.append((csv_tmp, csv_final))
                    excel_final = self.marts_dir / f"{mart}{EXCEL_SUFFIX}"
                    rows = con.execute(f"SELECT count(*) FROM marts.{mart}").fetchone()[0]
                    if rows > EXCEL_MAX_ROWS:
                        too_long_for_excel.append(excel_final)
                        continue
                    excel_tmp = excel_final.with_name(f".{excel_final.name}.{token}.tmp")
                    # Every column in the sort, so the rows come in the same order each run.
                    typed = con.execute(f"DESCRIBE marts.{mart}").fetchall()
                    columns = [row[0] for row in typed]
                    sql = excel_sql(f"marts.{mart}", [(row[0], row[1]) for row in typed], mart)
                    if sql is None:
                        result = con.execute(f"SELECT * FROM marts.{mart} ORDER BY ALL")
                        write_block = partial(excel_rows, columns, mart=mart)
                    else:  # formatted by DuckDB (pipelines/excel_export.py)
                        result = con.execute(sql)
                        write_block = excel_text_rows
                    with excel_tmp.open("wb") as handle:  # in blocks: a country's marts are large
                        handle.write(excel_header(columns))
                        while block := result.fetchmany(EXCEL_BLOCK_ROWS):
                            handle.write(write_block(block))
                    pending.append((excel_tmp, excel_final))
            db_tmp = self.marts_dir / f".{PUBLISHED_DATABASE}.{token}.tmp"
            reader = duckdb.connect(str(db_tmp))
            try:
                reader.execute(f"ATTACH '{self.work_path}' AS work (READ_ONLY)")
                reader.execute("CREATE SCHEMA marts")
                for mart in marts:
                    reader.execute(f"CREATE TABLE marts.{mart} AS SELECT * FROM work.marts.{mart}")
                reader.execute("DETACH work")
                reader.execute("CHECKPOINT")
            finally:
                reader.close()
            if derived is not None:
                staged = {final.stem: tmp for tmp, final in pending if final.suffix == ".parquet"}
                for name, text in derived(staged).items():
                    final = self.marts_dir / name
                    tmp = final.with_name(f".{final.name}.{token}.tmp")
                    tmp.write_text(text, encoding="utf-8")
                    pending.append((tmp, final))
            pending.append((db_tmp, self.published_path))
        except BaseException:
            for tmp in self.marts_dir.glob(f".*.{token}.tmp"):
                tmp.unlink(missing_ok=True)
            raise
        for tmp, final in pending:  # each rename is atomic; the reader database goes last
            os.replace(tmp, final)
        for stale in too_long_for_excel:  # an older, shorter Excel copy would mislead
            stale.unlink(missing_ok=True)
        return {final.name: final for _, final in pending}

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
                f"Building {target} failed; the previous table is kept. {exc}"
            ) from exc

    @staticmethod
    def _summary(con: duckdb.DuckDBPyConnection, target: str) -> TableSummary:
        rows = con.execute(f"SELECT count(*) FROM {target}").fetchone()[0]
        columns = [(r[0], r[1]) for r in con.execute(f"DESCRIBE {target}").fetchall()]
        return TableSummary(int(rows), columns)
