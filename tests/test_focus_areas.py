"""Focus areas against the kommun: aggregation, missing cells, rest of kommun, trend, registry.

Expected values are worked out by hand from small tables written here, or summed
directly from the formulas the local SCB server serves.
"""

from __future__ import annotations

import csv
import subprocess
import sys

import duckdb
import pandas as pd
import pytest
from conftest import DESO, deso_employed, deso_people

from pipelines.registry.areas import AreaRegistryError, load_areas
from pipelines.warehouse.database import Warehouse
from pipelines.warehouse.models import discover_models

# -- the mart SQL on hand-made inputs ------------------------------------------------------


def build_marts(
    tmp_path,
    inputs: list[tuple],
    areas: list[tuple],
    threshold: float = 1.0,
    runs_on: dict[str, bool] | None = None,
    models: tuple[str, ...] = (
        "focus_area_indicator",
        "focus_area_trend_history",
        "focus_area_trend",
    ),
) -> Warehouse:
    """Write staging inputs, areas and catalog by hand, then build both focus-area marts.

    inputs: (indicator, region, year, numerator, denominator[, table, population]); a year
    from 2024 is on DeSO 2025. areas: (kommun, area_id, area_name, deso[, division]);
    runs_on: area_id → whether its series runs on across the change of division; the
    kommun of a row is the first four characters of its region; models: the marts to build,
    in order."""
    warehouse = Warehouse(tmp_path / "marts")
    columns = [
        "indicator",
        "kommun",
        "region",
        "division",
        "region_level",
        "year",
        "sex",
        "numerator",
        "denominator",
        "status_symbols",
        "demo",
        "source_table",
        "population",
        "source_updated",
    ]
    rows = []
    for ind, region, year, num, den, *more in inputs:
        table, population = more if more else ("T1", "alla")
        division = "DeSO2025" if year >= 2024 else "DeSO2018"
        rows.append(
            (
                ind,
                region[:4],
                region,
                division,
                "deso",
                year,
                "1+2",
                num,
                den,
                None,
                False,
                table,
                population,
                "2025-01-01",
            )
        )
    frame = pd.DataFrame(rows, columns=columns).astype(
        {"numerator": "float64", "denominator": "float64"}
    )
    warehouse.replace_table("staging", "stg_deso_indicator_inputs", frame)
    runs_on = runs_on or {}
    area_rows = [
        (
            *a[:4],
            a[4] if len(a) > 4 else "DeSO2018",
            runs_on.get(a[1], True),
            "samma område" if runs_on.get(a[1], True) else "obekräftad DeSO 2025",
        )
        for a in areas
    ]
    warehouse.replace_table(
        "raw",
        "focus_area_deso",
        pd.DataFrame(
            area_rows,
            columns=[
                "kommun",
                "area_id",
                "area_name",
                "deso",
                "division",
                "series_runs_on",
                "continuity_note",
            ],
        ),
    )
    warehouse.replace_table(
        "raw",
        "indicator_catalog",
        pd.DataFrame(
            [
                {
                    "indicator": "share",
                    "indicator_name": "Andel",
                    "theme": "bostadsområden",
                    "unit": "procent",
                    "population": "",
                    "higher_is_better": "true",
                    "method": "ratio",
                    "trend_threshold": threshold,
                    "method_note": "summa täljare / summa nämnare över DeSO",
                    "kpi": None,
                },
                {
                    "indicator": "median",
                    "indicator_name": "Median",
                    "theme": "bostadsområden",
                    "unit": "tkr",
                    "population": "",
                    "higher_is_better": "true",
                    "method": "weighted_mean",
                    "trend_threshold": threshold,
                    "method_note": "befolkningsviktat medelvärde (approximation)",
                    "kpi": None,
                },
            ]
        ),
    )
    # no Kolada series and no kommun files in these cases
    warehouse.replace_table(
        "raw",
        "kolada_kommun_series",
        pd.DataFrame(
            {
                "kpi": pd.Series(dtype="str"),
                "municipality": pd.Series(dtype="str"),
                "year": pd.Series(dtype="int64"),
                "sex": pd.Series(dtype="str"),
                "value": pd.Series(dtype="float64"),
                "demo": pd.Series(dtype="bool"),
                "source_updated": pd.Series(dtype="str"),
            }
        ),
    )
    warehouse.replace_table(
        "raw",
        "local_area_values",
        pd.DataFrame(
            {
                "kommun": pd.Series(dtype="str"),
                "area_id": pd.Series(dtype="str"),
                "area_name": pd.Series(dtype="str"),
                "indicator": pd.Series(dtype="str"),
                "year": pd.Series(dtype="int32"),
                "numerator": pd.Series(dtype="float64"),
                "denominator": pd.Series(dtype="float64"),
                "value": pd.Series(dtype="float64"),
                "source": pd.Series(dtype="str"),
                "demo": pd.Series(dtype="bool"),
            }
        ),
    )
    by_name = {m.name: m for m in discover_models() if m.layer == "marts"}
    for name in models:
        warehouse.build_model("marts", name, by_name[name].sql)
    return warehouse


def row(warehouse: Warehouse, area: str, indicator: str, year: int) -> dict:
    frame = warehouse.query(
        "SELECT * FROM marts.focus_area_indicator WHERE area_id = ? AND indicator = ? AND year = ?",
        [area, indicator, year],
    )
    assert len(frame) == 1
    return frame.iloc[0].to_dict()


AREAS = [("0999", "a", "Område A", "0999C0001"), ("0999", "a", "Område A", "0999C0002")]


def test_area_share_is_summed_counts_not_mean_of_shares(tmp_path):
    # A: 10 of 100 (10 %) and 90 of 300 (30 %) → 100 / 400 = 25 % (the mean of shares would be 20 %)
    # rest of kommun: 50 of 100 → 50 %;  kommun: 150 / 500 = 30 %
    w = build_marts(
        tmp_path,
        [
            ("share", "0999C0001", 2020, 10, 100),
            ("share", "0999C0002", 2020, 90, 300),
            ("share", "0999C0003", 2020, 50, 100),
        ],
        AREAS,
    )
    r = row(w, "a", "share", 2020)
    assert r["value"] == pytest.approx(25.0)
    assert r["numerator"] == 100 and r["denominator"] == 400
    assert r["kommun_value"] == pytest.approx(30.0)
    assert r["rest_of_kommun_value"] == pytest.approx(50.0)
    assert r["gap"] == pytest.approx(-5.0) and r["gap_unit"] == "procentenheter"
    assert r["ratio_to_kommun"] == pytest.approx(25 / 30)


def test_weighted_mean_of_medians_is_population_weighted_and_says_so(tmp_path):
    # staging holds value × weight and weight: medians 200 (pop 100) and 300 (pop 300)
    # → (20 000 + 90 000) / 400 = 275, not the plain mean 250
    w = build_marts(
        tmp_path,
        [
            ("median", "0999C0001", 2020, 200 * 100, 100),
            ("median", "0999C0002", 2020, 300 * 300, 300),
            ("median", "0999C0003", 2020, 400 * 100, 100),
        ],
        AREAS,
    )
    r = row(w, "a", "median", 2020)
    assert r["value"] == pytest.approx(275.0)
    assert r["kommun_value"] == pytest.approx((20_000 + 90_000 + 40_000) / 500)
    assert "approximation" in r["method_note"]


def test_a_missing_cell_makes_the_area_value_missing_never_zero(tmp_path):
    w = build_marts(
        tmp_path,
        [
            ("share", "0999C0001", 2021, None, 100),  # suppressed (..)
            ("share", "0999C0002", 2021, 90, 300),
            ("share", "0999C0003", 2021, 50, 100),
        ],
        AREAS,
    )
    r = row(w, "a", "share", 2021)
    assert pd.isna(r["value"]) and pd.isna(r["gap"])
    assert r["deso_missing"] == 1
    assert pd.isna(r["kommun_value"])  # the kommun includes the missing DeSO too
    assert r["rest_of_kommun_value"] == pytest.approx(50.0)


def test_trend_direction_and_parity_year_by_hand(tmp_path):
    # area (one DeSO) vs kommun (two DeSO of equal size): gaps −20, −15, −10 → closing,
    # 5 points a year, 10 left in 2022 → parity in 2024
    inputs = []
    for year, area_share in ((2020, 30), (2021, 40), (2022, 50)):
        inputs += [
            ("share", "0999C0001", year, area_share, 100),
            ("share", "0999C0003", year, 70, 100),
        ]
    w = build_marts(tmp_path, inputs, [("0999", "a", "Område A", "0999C0001")])
    gaps = w.query("SELECT year, gap FROM marts.focus_area_indicator ORDER BY year")
    assert gaps.gap.tolist() == pytest.approx([-20.0, -15.0, -10.0])
    trend = w.query("SELECT * FROM marts.focus_area_trend").iloc[0]
    assert trend.direction == "närmar sig"
    assert trend.gap_first == pytest.approx(-20) and trend.gap_latest == pytest.approx(-10)
    assert trend.gap_slope_per_year == pytest.approx(5.0)
    assert trend.parity_year_at_current_pace == 2024


@pytest.mark.parametrize(
    ("area_shares", "threshold", "direction"),
    [
        ((30, 20), 1.0, "fjärmar sig"),
        ((30, 30.5), 1.0, "oförändrat"),
        ((30, 31), 0.5, "närmar sig"),
    ],
)
def test_trend_threshold_decides_direction(tmp_path, area_shares, threshold, direction):
    inputs = []
    for year, share in zip((2020, 2021), area_shares):
        inputs += [("share", "0999C0001", year, share, 100), ("share", "0999C0003", year, 70, 100)]
    w = build_marts(tmp_path, inputs, [("0999", "a", "Område A", "0999C0001")], threshold)
    assert w.query("SELECT direction FROM marts.focus_area_trend").direction[0] == direction


# -- the registry ---------------------------------------------------------------------------

HEADER = "kommun,area_id,area_name,deso,status,comment\n"


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ("0123,a,A,0123X1290,obekräftad,\n", "rad 2: DeSO-koden '0123X1290' är felskriven"),
        (
            "0123,a,A,0680C1190,obekräftad,\n",
            "rad 2: DeSO 0680C1190 hör till kommun 0680, inte 0123",
        ),
        (
            "0123,a,A,0123C1290,obekräftad,\n0123,b,B,0123C1290,obekräftad,\n",
            "rad 3: DeSO 0123C1290 ligger i två av kommun 0123s områden: a och b",
        ),
        (
            "0123,a,A,0123C1290,obekräftad,\n0123,a,Annat namn,0123C1370,obekräftad,\n",
            "rad 3: area_id a heter 'Annat namn' här men 'A' ovanför",
        ),
        ("0123,a,A,0123C9999,obekräftad,\n", "rad 2: DeSO 0123C9999 finns inte"),
        ("0123,a,A,0123C1290,kanske,\n", "rad 2: status 'kanske'"),
        ("0123,a,A,,obekräftad,\n", "rad 2: DeSO-koden '' är felskriven"),
        ("", "listar inget fokusområde"),
    ],
)
def test_registry_errors_name_file_line_and_reason(raw_dir, rows, message):
    path = raw_dir / "areas" / "focus_areas.csv"
    path.write_text(HEADER + rows, encoding="utf-8")
    with pytest.raises(AreaRegistryError) as err:
        load_areas(raw_dir, ["0123", "0680"])
    assert message in str(err.value)
    assert str(path) in str(err.value)


def test_an_area_with_no_valid_deso_is_reported(raw_dir):
    path = raw_dir / "areas" / "focus_areas.csv"
    path.write_text(
        HEADER + "0123,a,A,0123C1290,obekräftad,\n0123,b,B,0123C1290,obekräftad,\n",
        encoding="utf-8",
    )
    with pytest.raises(
        AreaRegistryError, match="området b \\(B\\) i kommun 0123 har ingen giltig DeSO"
    ):
        load_areas(raw_dir, ["0123"])


def test_every_problem_of_the_registry_is_listed_in_line_order(raw_dir):
    """A kommun missing from kommuner.csv, an empty name and a bad status are listed and the
    row's other checks go on; any other problem ends the row's checks. The areas' own
    problems come after the rows."""
    path = raw_dir / "areas" / "focus_areas.csv"
    path.write_text(
        "kommun,area_id,area_name,division,deso,status,comment\n"
        "0123,a,A,DeSO2018,0123C1290,obekräftad,\n"
        "0123,a,A,DeSO2030,0123C1370,obekräftad,\n"
        "0999,b,,DeSO2018,0999C0001,kanske,\n"
        "0123,a,A,DeSO2018,0123C1290,kanske,\n"
        "0123,c,C,DeSO2018,0123C1370,kanske,\n"
        "0123,d,D,DeSO2025,0123C1170,obekräftad,\n",
        encoding="utf-8",
    )
    with pytest.raises(AreaRegistryError) as err:
        load_areas(raw_dir, ["0123", "0680"])
    assert err.value.problems == [
        f"{path}, rad 3: division 'DeSO2030' ska vara DeSO2018 eller DeSO2025 (DeSO2018: "
        "SCB:s data till 2023; DeSO2025: från 2024).",
        f"{path}, rad 4: kommunen 0999 finns inte i areas/kommuner.csv.",
        f"{path}, rad 4: området b har inget area_name.",
        f"{path}, rad 4: DeSO 0999C0001 finns inte i SCB:s indelning DeSO 2018.",
        f"{path}, rad 5: DeSO 0123C1290 står två gånger för området a (DeSO 2018).",
        f"{path}, rad 6: status 'kanske' ska vara 'bekräftad' eller 'obekräftad'.",
        f"{path}: området b () i kommun 0999 har ingen giltig DeSO.",
        f"{path}: området d (D) i kommun 0123 har ingen rad för DeSO 2018; historiken till "
        "2023 är på DeSO 2018, och områdets DeSO 2025 föreslås utifrån den.",
    ]


def test_areas_command_lists_and_reports(raw_dir):
    ok = subprocess.run(
        [sys.executable, "-m", "pipelines.cli", "areas"], capture_output=True, text=True
    )
    assert ok.returncode == 0, ok.stderr
    assert "Sångvägen" in ok.stdout and "0123C1290" in ok.stdout and "Råslätt" in ok.stdout
    with (raw_dir / "areas" / "focus_areas.csv").open(encoding="utf-8") as handle:
        shipped = list(csv.DictReader(handle))
    areas = {(r["kommun"], r["area_id"]) for r in shipped}
    unconfirmed = sum(r["status"] != "bekräftad" for r in shipped)
    assert (
        f"{len(shipped)} DeSO-rader i {len(areas)} områden; {unconfirmed} obekräftade." in ok.stdout
    )
    (raw_dir / "areas" / "focus_areas.csv").write_text(
        HEADER + "0123,a,A,0123C12,obekräftad,\n", encoding="utf-8"
    )
    bad = subprocess.run(
        [sys.executable, "-m", "pipelines.cli", "areas"], capture_output=True, text=True
    )
    assert bad.returncode == 1 and "rad 2" in bad.stderr
    assert "Filen med fokusområden har fel" in bad.stderr


# -- end to end through the API --------------------------------------------------------------


@pytest.mark.xdist_group("live_run")
def test_live_run_gives_area_kommun_and_rest_values_summed_by_hand(live_run):
    con = duckdb.connect(str(live_run.marts / "segregation.duckdb"), read_only=True)
    got = (
        con.execute(
            """SELECT area_id, value, kommun_value, rest_of_kommun_value FROM marts.focus_area_indicator
           WHERE indicator = 'forvarvsarbetande' AND year = 2022 AND sex = '2' AND kommun = '0123'"""
        )
        .df()
        .set_index("area_id")
    )
    con.close()
    soderhojden = ["0123C1170", "0123C1130", "0123C1210"]
    in_areas = soderhojden + ["0123C1290", "0123C1370"]
    rest = [d for d in DESO["0123"] if d not in in_areas]

    def share(desos):
        employed = sum(deso_employed(d, 2022, "2")[0] for d in desos)
        total = sum(deso_employed(d, 2022, "2")[1] for d in desos)
        return 100 * employed / total

    assert got.loc["soderhojden", "value"] == pytest.approx(share(soderhojden))
    assert got.loc["soderhojden", "kommun_value"] == pytest.approx(share(DESO["0123"]))
    assert got.loc["soderhojden", "rest_of_kommun_value"] == pytest.approx(share(rest))
    assert got.loc["sangvagen", "value"] == pytest.approx(share(["0123C1290"]))
    assert deso_people("0123C1290", 2022, "2") > 0


def test_national_percentile_counts_every_deso_loaded_by_hand(tmp_path):
    # The area is one DeSO at 20 %. Among the five DeSO with a value in two kommuner
    # (20, 40 in 0999; 10, 20, 60 in 0888) one is lower and two are equal (the area's own
    # included): percentile = 100 × (1 + ½·2) / 5 = 40. Higher is better, so the DeSO better
    # off are the two above: 40 %. The suppressed DeSO and the count indicator are left out.
    inputs = [
        ("share", "0999C0001", 2023, 20, 100),
        ("share", "0999C0002", 2023, 40, 100),
        ("share", "0888C0001", 2023, 10, 100),
        ("share", "0888C0002", 2023, 30, 150),
        ("share", "0888C0003", 2023, 60, 100),
        ("share", "0888C0004", 2023, None, 100),
    ]
    w = build_marts(
        tmp_path,
        inputs,
        [("0999", "a", "Område A", "0999C0001")],
        models=(
            "focus_area_indicator",
            "deso_indicator",
            "focus_area_national_context",
        ),
    )
    rows = w.query("SELECT * FROM marts.focus_area_national_context")
    assert len(rows) == 1
    row = rows.iloc[0]
    assert row["value"] == pytest.approx(20.0)
    assert row["percentile"] == pytest.approx(40.0)
    assert row["share_of_deso_better_off"] == pytest.approx(40.0)
    assert row["deso_compared"] == 5
    assert row["kommuner_compared"] == 2
