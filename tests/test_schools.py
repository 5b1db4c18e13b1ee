"""Differences between schools: goals/schools.csv, D across schools, the marts
school_background and school_segregation and their checks."""

from __future__ import annotations

import codecs
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from pipelines.analysis.schools import school_dissimilarity
from pipelines.orchestration.checks import school_index_out_of_range, school_part_above_total
from pipelines.registry.schools import SchoolRegistryError, load_schools, schools_frame
from pipelines.sources.preflight import ERROR, OK, CheckReport, _check_schools
from pipelines.warehouse.database import Warehouse
from pipelines.warehouse.models import discover_models

HEADER = (
    "kommun,year,school_unit_code,school_name,pupils,pupils_foreign_background,source,"
    "example,comment"
)
KOMMUNER = ["0123", "0680"]


def row(kommun="0123", year="2020", code="01000001", name="Skola A", pupils="300", part="90"):
    return f"{kommun},{year},{code},{name},{pupils},{part},Kommunens elevregister,nej,"


def write(raw_dir: Path, lines: list[str], **kw) -> Path:
    path = raw_dir / "goals" / "schools.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8", **kw)
    return path


def test_every_problem_is_named_with_file_line_and_reason_in_swedish(tmp_path):
    last = date.today().year
    path = write(
        tmp_path,
        [
            HEADER,
            row(),  # 2: fine
            row(kommun="0999"),
            row(kommun="123"),
            row(code="1000001"),
            row(code="0100000A"),
            row(code="01000002", part="301"),
            row(code="01000003", pupils="-4", part="0"),
            row(code="01000004", year="1999"),
            row(),  # 10: line 2 again
            row(name="Skola B"),  # 11: line 2's code, another name, the same year
            row(year="2021", name="Skola B"),  # 12: another year may have another name
            row(code="01000005", pupils="12.5"),
        ],
    )
    with pytest.raises(SchoolRegistryError) as caught:
        load_schools(tmp_path, KOMMUNER)
    at = f"{path}, rad"
    assert caught.value.problems == [
        f"{at} 3: kommun 0999 finns inte bland kommunerna i kommuner.csv.",
        f"{at} 4: kommunkoden '123' har inte fyra siffror; menade du 0123? (Excel tar bort "
        "inledande nollor: formatera kolumnen som Text)",
        f"{at} 5: skolenhetskoden '1000001' ska vara åtta siffror (Skolverkets skolenhetskod); "
        "menade du 01000001? (Excel tar bort inledande nollor: formatera kolumnen som Text)",
        f"{at} 6: skolenhetskoden '0100000A' ska vara åtta siffror (Skolverkets skolenhetskod).",
        f"{at} 7: pupils_foreign_background 301 är fler än pupils 300; delen kan inte vara "
        "större än totalen.",
        f"{at} 8: pupils -4 är negativt; ett antal elever är 0 eller mer.",
        f"{at} 9: year '1999' ska vara ett år från 2000 till {last}.",
        f"{at} 10: skolenhetskoden 01000001 står redan för kommun 0123 år 2020 på rad 2.",
        f"{at} 11: skolenhetskoden 01000001 heter 'Skola A' på rad 2 samma år (2020), här "
        "'Skola B'; en skolenhet har ett namn per år.",
        f"{at} 13: pupils '12.5' ska vara ett antal elever (ett heltal).",
    ]


def test_a_missing_column_stops_at_the_header(tmp_path):
    path = write(tmp_path, [HEADER.replace(",source", ""), "0123,2020,01000001,A,3,1,nej,"])
    with pytest.raises(SchoolRegistryError) as caught:
        load_schools(tmp_path, KOMMUNER)
    assert caught.value.problems == [f"{path}, rad 1: kolumn saknas: source."]


def test_the_excel_dialect_reads_the_same_schools(tmp_path):
    plain, excel = tmp_path / "plain", tmp_path / "excel"
    lines = [HEADER, row(), row(code="00120034", name="Skola Å", pupils="1 200", part="0")]
    write(plain, lines)
    # Swedish Excel's "CSV UTF-8": a byte order mark, semicolons and CRLF line endings
    text = codecs.BOM_UTF8 + "\r\n".join(s.replace(",", ";") for s in lines).encode("utf-8")
    (excel / "goals").mkdir(parents=True)
    (excel / "goals" / "schools.csv").write_bytes(text + b"\r\n")
    a, b = load_schools(plain, KOMMUNER), load_schools(excel, KOMMUNER)
    assert [(s.school_unit_code, s.school_name, s.pupils) for s in b] == [
        ("01000001", "Skola A", 300),
        ("00120034", "Skola Å", 1200),  # the leading zeros kept; "1 200" read as 1200
    ]
    assert [s.school_unit_code for s in a] == [s.school_unit_code for s in b]


def test_without_the_file_there_are_no_schools_and_no_error(tmp_path):
    assert load_schools(tmp_path, KOMMUNER) == []
    frame = school_dissimilarity(schools_frame([], {}))
    assert frame.empty and "value" in frame.columns
    report = CheckReport("ögonblicksbild")
    _check_schools(report, tmp_path, KOMMUNER)
    assert [(f.status, f.message) for f in report.findings] == [
        (OK, "ingen fil: inga skolor att jämföra")
    ]


def test_the_source_check_reports_a_bad_file_before_a_run(tmp_path):
    write(tmp_path, [HEADER, row(part="301")])
    report = CheckReport("ögonblicksbild")
    _check_schools(report, tmp_path, KOMMUNER)
    assert [(f.subject, f.status) for f in report.findings] == [("goals/schools.csv", ERROR)]
    assert (
        "rad 2: pupils_foreign_background 301 är fler än pupils 300" in report.findings[0].message
    )


def two_schools(x: tuple[int, int], t: tuple[int, int], year: int = 2020) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "kommun": ["0123", "0123"],
            "year": [year, year],
            "school_unit_code": ["01000001", "01000002"],
            "pupils": list(t),
            "pupils_foreign_background": list(x),
            "example": [False, True],
        }
    )


def test_d_across_four_schools_by_hand():
    # with utländsk bakgrund x = 50, 20, 10, 20 (X = 100); without y = 50, 80, 90, 180 (Y = 400)
    # |x/X − y/Y| = |0.50 − 0.125| + |0.20 − 0.20| + |0.10 − 0.225| + |0.20 − 0.45|
    #             = 0.375 + 0 + 0.125 + 0.25 = 0.75, so D = ½ · 0.75 = 0.375
    frame = pd.DataFrame(
        {
            "kommun": "0123",
            "year": 2021,
            "school_unit_code": ["01000001", "01000002", "01000003", "01000004"],
            "pupils": [100, 100, 100, 200],
            "pupils_foreign_background": [50, 20, 10, 20],
            "example": True,
        }
    )
    got = school_dissimilarity(frame).iloc[0]
    assert got.value == pytest.approx(0.375)
    assert (got.schools, got.pupils, got.pupils_foreign_background) == (4, 500, 100)


def test_d_across_two_schools_by_hand():
    # A: 30 of 100 with utländsk bakgrund, B: 10 of 100; X = 40, Y = 160.
    # D = ½(|30/40 − 10/40| + |70/160 − 90/160|) = ½(0.5 + 0.125) = 0.3125
    frame = school_dissimilarity(two_schools((30, 10), (100, 100)))
    got = frame.iloc[0]
    assert got.value == pytest.approx(0.3125)
    assert (got.schools, got.pupils, got.pupils_foreign_background) == (2, 200, 40)
    assert got.example and got.residential_division == "DeSO2018"
    assert got.interval_low <= got.expected_random <= got.interval_high
    # Carrington & Troske: (D − E)/(1 − E) with E the simulated expected value
    e = got.expected_random
    assert got.adjusted == pytest.approx((0.3125 - e) / (1 - e))
    # with a single group D is undefined, not 0
    assert school_dissimilarity(two_schools((0, 0), (100, 100))).value.isna().all()
    assert school_dissimilarity(two_schools((1, 1), (2, 2), 2024)).residential_division[0] == (
        "DeSO2025"
    )


def build_marts(tmp_path: Path, schools: pd.DataFrame, residential: pd.DataFrame) -> Warehouse:
    """The school marts built by their SQL from hand-made raw and staging tables."""
    warehouse = Warehouse(tmp_path / "marts")
    warehouse.replace_table("raw", "schools", schools)
    warehouse.replace_table("staging", "school_dissimilarity", school_dissimilarity(schools))
    warehouse.replace_table("marts", "segregation_index", residential)
    models = {m.name: m for m in discover_models() if m.name.startswith("school_")}
    for name in ("school_background", "school_segregation"):
        warehouse.build_model("marts", name, models[name].sql)
    return warehouse


RESIDENTIAL = pd.DataFrame(
    {
        "kommun": ["0123"],
        "year": [2020],
        "division": ["DeSO2018"],
        "measure": ["dissimilarity"],
        "value": [0.2],
        "demo": [True],
        "note": [None],
    }
).astype({"note": "object"})


def test_a_kommun_without_schools_gets_empty_marts_and_a_missing_residential_d_is_explained(
    tmp_path,
):
    empty = build_marts(tmp_path / "a", schools_frame([], {}), RESIDENTIAL)
    assert empty.query("SELECT * FROM marts.school_background").empty
    assert empty.query("SELECT * FROM marts.school_segregation").empty
    schools = schools_frame([], {})
    rows = two_schools((30, 10), (100, 100), 2021).assign(
        kommun_name="Järfälla", school_name=["A", "B"], source="s", comment="", line=2
    )
    warehouse = build_marts(tmp_path / "b", pd.concat([schools, rows]), RESIDENTIAL)
    got = warehouse.query("SELECT * FROM marts.school_segregation").iloc[0]
    assert pd.isna(got.residential_d) and pd.isna(got.residential_demo)
    assert got.note == (
        "boendets D saknas: SCB:s DeSO-uppgifter för kommunen och året finns inte i körningen; "
        "skolornas D räknas bara över skolorna i filen; en skola som saknas i filen ändrar D"
    )
    assert school_index_out_of_range(warehouse).empty
    assert school_part_above_total(warehouse).empty


def test_the_checks_name_rows_out_of_range(tmp_path):
    warehouse = Warehouse(tmp_path / "marts")
    columns = ["kommun", "year", "value", "expected_random", "interval_low", "interval_high"]
    warehouse.replace_table(
        "marts",
        "school_segregation",
        pd.DataFrame(
            [
                ("0123", 2020, 0.3, 0.05, 0.02, 0.08, 0.2632),  # sound: (0.3−0.05)/0.95
                ("0123", 2021, 1.2, 0.05, 0.02, 0.08, 1.1579),  # D above 1
                ("0123", 2022, 0.3, 0.10, 0.02, 0.08, 0.2222),  # E outside its interval
                ("0123", 2023, 0.0, 0.50, 0.40, 0.60, -1.5),  # below −E/(1 − E) = −1
            ],
            columns=[*columns, "adjusted"],
        ),
    )
    warehouse.replace_table(
        "marts",
        "school_background",
        pd.DataFrame(
            [("0123", 2020, "01000001", 300, 90), ("0123", 2020, "01000002", 300, 301)],
            columns=["kommun", "year", "school_unit_code", "pupils", "pupils_foreign_background"],
        ),
    )
    assert school_index_out_of_range(warehouse).year.tolist() == [2021, 2022, 2023]
    assert school_part_above_total(warehouse).school_unit_code.tolist() == ["01000002"]


def test_the_snapshot_run_publishes_the_example_schools(snapshot_run, published_marts):
    background = pd.read_parquet(published_marts / "school_background.parquet")
    segregation = pd.read_parquet(published_marts / "school_segregation.parquet")
    # the shipped file: Järfälla only, ten schools a year 2016–2024, every row an example
    assert set(background.kommun) == {"0123"} and set(segregation.kommun) == {"0123"}
    assert len(background) == 90 and segregation.year.tolist() == list(range(2016, 2025))
    assert background.example.all() and segregation.example.all()
    assert set(background.comment) == {"EXEMPEL – påhittade siffror"}
    # 2016 in data/raw/goals/schools.csv: pupils 417, 654, 290, 517, 184, 550, 377, 244, 600,
    # 467 (T = 4300); utländsk bakgrund 50, 118, 72, 160, 74, 286, 226, 173, 474, 402
    # (X = 2035, Y = 2265). Kommun share 100 × 2035/4300 = 47.33 %; Exempelskola 1:
    # 100 × 50/417 = 11.99 %, diff 11.9904 − 47.3256 = −35.34 pp.
    first = background[(background.year == 2016) & (background.school_unit_code == "99000001")]
    assert first[
        ["share_foreign_background", "kommun_share_foreign_background", "diff_pp"]
    ].values.tolist() == [[11.99, 47.33, -35.34]]
    # D: schools 6–10 lie above the kommun's share, so D = Σ over them of (x/X − y/Y)
    # = (286+226+173+474+402)/2035 − (264+151+71+126+65)/2265 = 1561/2035 − 677/2265
    # = 0.767076 − 0.298896 = 0.468180
    year = segregation.set_index("year").loc[2016]
    assert year.value == pytest.approx(0.468180, abs=1e-6)
    assert (year.schools, year.pupils) == (10, 4300)
    assert year.interval_low <= year.expected_random <= year.interval_high < year.value
    residential = pd.read_parquet(published_marts / "segregation_index.parquet")
    same = residential[
        (residential.kommun == "0123")
        & (residential.year == 2016)
        & (residential.division == "DeSO2018")
        & (residential.measure == "dissimilarity")
    ]
    assert year.residential_d == pytest.approx(same.value.item())
    assert year.residential_division == "DeSO2018" and year.residential_demo
    assert segregation.set_index("year").loc[2024].residential_division == "DeSO2025"
    checks = {
        (e.asset_key.path[-1], e.check_name): e.passed
        for e in snapshot_run.check_evaluations
        if e.asset_key.path[-1].startswith("school_")
    }
    assert checks == {
        ("school_background", "unique_key"): True,
        ("school_background", "shares_within_0_100"): True,
        ("school_background", "part_within_total"): True,
        ("school_segregation", "unique_key"): True,
        ("school_segregation", "shares_within_0_100"): True,
        ("school_segregation", "index_within_range"): True,
    }
