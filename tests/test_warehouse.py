"""The working database held open for a run, and publishing while reports are rendered."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from pipelines.warehouse.database import Warehouse


def frame(n: int) -> pd.DataFrame:
    return pd.DataFrame({"kommun": [f"{i:04d}" for i in range(n)], "value": range(n)})


def published_rows(marts_dir, mart: str) -> int:
    con = duckdb.connect(str(marts_dir / "segregation.duckdb"), read_only=True)
    try:
        return con.execute(f"SELECT count(*) FROM marts.{mart}").fetchone()[0]
    finally:
        con.close()


def test_a_held_database_serves_every_step_and_is_released_after(tmp_path):
    warehouse = Warehouse(tmp_path / "marts")
    with warehouse.held_open():
        warehouse.replace_table("marts", "m", frame(3))
        warehouse.build_model("marts", "n", "SELECT * FROM marts.m WHERE value > 0")
        assert warehouse.summary("marts", "n").rows == 2
        assert warehouse.query("SELECT sum(value) AS s FROM marts.m").s[0] == 3
        with warehouse.held_open():  # nested: shares the outer one
            warehouse.replace_table("marts", "m", frame(5))
        published = warehouse.publish(["m", "n"])
        assert published_rows(tmp_path / "marts", "m") == 5
        assert published_rows(tmp_path / "marts", "n") == 2
        # held: a connection with another configuration is refused in this process
        with pytest.raises(duckdb.ConnectionException):
            duckdb.connect(str(warehouse.work_path), read_only=True)
    assert {"m.parquet", "m.csv", "m_excel.csv", "n.csv", "segregation.duckdb"} <= set(published)
    # released: the file opens read-only now, with everything written while it was held
    con = duckdb.connect(str(warehouse.work_path), read_only=True)
    assert con.execute("SELECT count(*) FROM marts.m").fetchone()[0] == 5
    con.close()


def test_a_failing_report_while_copies_are_written_leaves_the_previous_files(tmp_path):
    marts_dir = tmp_path / "marts"
    warehouse = Warehouse(marts_dir)
    warehouse.replace_table("marts", "m", frame(4))
    warehouse.publish(["m"], derived=lambda staged: {"rapport.html": "<p>första</p>"})
    before = {p.name: p.read_bytes() for p in marts_dir.iterdir() if p.is_file()}
    warehouse.replace_table("marts", "m", frame(200_000))

    def failing(staged):
        assert pd.read_parquet(staged["m"]).shape[0] == 200_000  # the staged new rows
        raise RuntimeError("the report could not be drawn")

    with warehouse.held_open(), pytest.raises(RuntimeError, match="could not be drawn"):
        warehouse.publish(["m"], derived=failing)
    after = {p.name: p.read_bytes() for p in marts_dir.iterdir() if p.is_file()}
    assert after == before  # nothing renamed, no temporary file left behind
    assert published_rows(marts_dir, "m") == 4


def test_a_stamp_is_written_after_every_published_file_and_lists_them(tmp_path):
    marts_dir = tmp_path / "marts"
    warehouse = Warehouse(marts_dir)
    warehouse.replace_table("marts", "m", frame(4))
    seen = {}

    def stamp(names):
        # called once every file is staged, before any is renamed: none is in place yet
        seen["names"] = sorted(names)
        seen["in_place"] = sorted(n for n in names if (marts_dir / n).exists())
        return {".stamp": ",".join(sorted(names))}

    published = warehouse.publish(["m"], last=stamp)
    assert seen == {
        "names": ["m.csv", "m.parquet", "m_excel.csv", "segregation.duckdb"],
        "in_place": [],
    }
    assert (marts_dir / ".stamp").read_text() == "m.csv,m.parquet,m_excel.csv,segregation.duckdb"
    written = max((marts_dir / n).stat().st_mtime_ns for n in published)
    assert (marts_dir / ".stamp").stat().st_mtime_ns >= written

    def failing(staged):
        raise RuntimeError("the report could not be drawn")

    seen.clear()
    with pytest.raises(RuntimeError, match="could not be drawn"):
        warehouse.publish(["m"], derived=failing, last=stamp)
    assert seen == {}  # a publish that fails is not stamped; the previous stamp stays
    assert (marts_dir / ".stamp").read_text() == "m.csv,m.parquet,m_excel.csv,segregation.duckdb"
    assert not list(marts_dir.glob(".*.tmp"))
