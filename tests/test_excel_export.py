"""The Excel-ready exports: `<mart>_excel.csv` beside the plain files."""

from __future__ import annotations

import csv
import io

import duckdb
import pandas as pd
from test_pipeline import run_refresh

from pipelines.warehouse.database import Warehouse
from pipelines.warehouse.excel_export import format_number, heading
from pipelines.warehouse.models import discover_models

BOM = b"\xef\xbb\xbf"


def read_excel_csv(path) -> list[dict[str, str]]:
    data = path.read_bytes()
    assert data.startswith(BOM)
    return list(csv.DictReader(io.StringIO(data[3:].decode("utf-8"), newline=""), delimiter=";"))


def test_rounding_is_half_away_from_zero_on_the_shown_decimals():
    assert format_number(-25.400000000000006, 1) == "-25,4"
    assert format_number(2.25, 1) == "2,3"  # 2.25 is exact in binary: half rounds away
    assert format_number(-2.25, 1) == "-2,3"
    assert format_number(-0.04, 1) == "0,0"  # no "-0,0"
    assert format_number(1204.5, 0) == "1205"
    assert format_number(123456.78, 1) == "123456,8"  # no thousands separator
    assert format_number(float("nan"), 1) == ""


def test_hand_made_mart_exports_codes_as_text_decimal_comma_and_identical_bytes(tmp_path):
    warehouse = Warehouse(tmp_path / "marts")
    frame = pd.DataFrame(
        {
            "kommun": ["0680", "0123"],
            "year": pd.Series([2020, 2020], dtype="int32"),
            "utrikes_fodda_antal": pd.Series([30000, 21000], dtype="int64"),
            "utrikes_fodda_andel": [22.049999999999997, 100 * 21000 / 79000],
            "totalt_antal": pd.Series([136052, 79000], dtype="int64"),
            "demo": [True, False],
        }
    )
    warehouse.replace_table("marts", "population_background", frame)
    warehouse.publish(["population_background"])
    path = tmp_path / "marts" / "population_background_excel.csv"
    first = path.read_bytes()
    rows = read_excel_csv(path)
    assert list(rows[0]) == [
        "Kommun (kod)",
        "År",
        "Utrikes födda, antal",
        "Utrikes födda, andel (%)",
        "Totalt, antal",
        "Demodata",
    ]
    # rows sorted by every column: 0123 first; 21000 / 79000 = 26.58227…% → 26,6
    assert rows[0] == {
        "Kommun (kod)": "0123",
        "År": "2020",
        "Utrikes födda, antal": "21000",
        "Utrikes födda, andel (%)": "26,6",
        "Totalt, antal": "79000",
        "Demodata": "nej",
    }
    assert rows[1]["Kommun (kod)"] == "0680"
    assert rows[1]["Utrikes födda, andel (%)"] == "22,0"  # 22.049999… is below 22.05
    assert first.split(b"\r\n")[1] == b"0123;2020;21000;26,6;79000;nej"
    # the plain CSV for programs is unchanged: comma, decimal point, no BOM
    plain = (tmp_path / "marts" / "population_background.csv").read_bytes()
    assert not plain.startswith(BOM) and plain.startswith(b"kommun,year,")
    warehouse.publish(["population_background"])
    assert path.read_bytes() == first
    assert not list((tmp_path / "marts").glob(".*.tmp"))


def test_a_mart_longer_than_excel_can_open_gets_no_excel_copy(tmp_path, monkeypatch):
    import pipelines.warehouse.database as warehouse_module

    monkeypatch.setattr(warehouse_module, "EXCEL_MAX_ROWS", 3)  # Excel: 1 048 575 data rows
    warehouse = Warehouse(tmp_path / "marts")
    warehouse.replace_table("marts", "short", pd.DataFrame({"kommun": ["0123", "0680", "0114"]}))
    warehouse.replace_table("marts", "long", pd.DataFrame({"kommun": ["0123"] * 4}))
    stale = tmp_path / "marts" / "long_excel.csv"
    stale.parent.mkdir(parents=True, exist_ok=True)
    stale.write_text("an older, shorter copy", encoding="utf-8")
    published = warehouse.publish(["short", "long"])
    assert "short_excel.csv" in published and (tmp_path / "marts" / "short_excel.csv").exists()
    assert len(read_excel_csv(tmp_path / "marts" / "short_excel.csv")) == 3
    assert "long_excel.csv" not in published and not stale.exists()
    assert len(pd.read_csv(tmp_path / "marts" / "long.csv", dtype=str)) == 4
    assert len(pd.read_parquet(tmp_path / "marts" / "long.parquet")) == 4


def test_snapshot_run_exports_every_mart_for_excel(raw_dir, published_marts):
    marts_dir = published_marts
    first = {p.name: p.read_bytes() for p in sorted(marts_dir.glob("*_excel.csv"))}
    written = {p.name: p.stat().st_mtime_ns for p in marts_dir.glob("*_excel.csv")}
    marts = [m.name for m in discover_models() if m.layer == "marts"]
    assert len(marts) >= 5
    assert set(first) == {f"{name}_excel.csv" for name in marts}
    con = duckdb.connect()
    for name in first:
        columns = [
            r[0]
            for r in con.execute(
                f"DESCRIBE SELECT * FROM '{marts_dir / name.replace('_excel.csv', '.parquet')}'"
            ).fetchall()
        ]
        mart = name.removesuffix("_excel.csv")
        assert [c for c in columns if heading(c, mart) == c] == [], name
    rows = read_excel_csv(marts_dir / "focus_area_indicator_excel.csv")
    assert {r["Kommun (kod)"] for r in rows} == {"0123", "0680"}
    # one value checked against the Parquet file, rounded here by hand
    value, gap = con.execute(
        f"""SELECT value, gap FROM '{marts_dir / "focus_area_indicator.parquet"}'
            WHERE kommun = '0123' AND area_id = 'sangvagen' AND indicator = 'utlandsk_bakgrund'
              AND year = 2020 AND sex = '1+2'"""
    ).fetchone()
    row = next(
        r
        for r in rows
        if (r["Kommun (kod)"], r["Område (id)"], r["Indikator (id)"], r["År"])
        == ("0123", "sangvagen", "utlandsk_bakgrund", "2020")
        and r["Kön (1 män, 2 kvinnor, 1+2 totalt)"] == "1+2"
    )
    for shown, exact in ((row["Värde"], value), (row["Skillnad mot jämförelsevärdet"], gap)):
        whole, _, tenth = shown.lstrip("-").partition(",")
        assert len(tenth) == 1 and whole.isdigit()
        assert abs(float(shown.replace(",", ".")) - exact) <= 0.05 + 1e-9
    con.close()
    assert run_refresh(force=True).success  # rebuilt and published again from the same inputs
    assert all(p.stat().st_mtime_ns > written[p.name] for p in marts_dir.glob("*_excel.csv"))
    assert {p.name: p.read_bytes() for p in sorted(marts_dir.glob("*_excel.csv"))} == first
