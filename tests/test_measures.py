"""The measures registry (areas/measures.csv), the mart plan_measure and its checks."""

from __future__ import annotations

import codecs
import csv
import io
from pathlib import Path

import pandas as pd
import pytest
from test_pipeline import fingerprints

from pipelines.cli import main
from pipelines.orchestration.checks import (
    measure_status_outside_years,
    measure_unknown_areas,
    measure_unknown_theme_or_indicator,
)
from pipelines.registry.areas import load_areas
from pipelines.registry.catalog import load_catalog
from pipelines.registry.measures import MeasureRegistryError, load_measures
from pipelines.registry.plans import load_plans
from pipelines.warehouse.database import Warehouse

PLAN = "Handlingsplan för områden med socioekonomiska utmaningar"
HEADER = (
    "measure_id,kommun,plan,area_id,theme,measure,responsible,start_year,end_year,"
    "target_indicators,cost_tkr,example,comment,status_2019,status_2020,status_2021"
)


def load(raw_dir: Path):
    catalog = load_catalog(raw_dir)
    members = load_areas(raw_dir, ["0123", "0680"])
    return load_measures(raw_dir, catalog, load_plans(raw_dir, catalog, members))


def row(measure_id="a-1", kommun="0123", plan=PLAN, area="", theme="bostadsområden", **kw):
    fields = {
        "start": "2020",
        "end": "",
        "indicators": "befolkning",
        "s2019": "",
        "s2020": "pågår",
        "s2021": "",
    }
    fields.update(kw)
    return (
        f"{measure_id},{kommun},{plan},{area},{theme},Trygghetsvandringar,Kommunstyrelsen,"
        f"{fields['start']},{fields['end']},{fields['indicators']},,,,"
        f"{fields['s2019']},{fields['s2020']},{fields['s2021']}"
    )


def test_every_problem_is_named_with_file_line_and_reason_in_swedish(raw_dir):
    path = raw_dir / "areas" / "measures.csv"
    lines = [
        HEADER,
        row(),  # 2: fine
        row("a-2", kommun="0999"),
        row("a-3", plan="Annan plan"),
        row("a-4", area="centrum"),
        row("a-5", theme="idrott"),
        row("a-6", indicators="befolkning|okand"),
        row("a-7", start="2018", s2019="pågår"),
        row("a-8", start="2020", end="2020", s2021="planerad"),
        row("a-9", s2020="klar"),
        row("a-10", start="2023", end="2021", s2020=""),
        row("a-1"),  # 12: the id of line 2 again
        row("a-12", theme="idrott"),
        row("a-13", kommun="123"),
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(MeasureRegistryError) as caught:
        load(raw_dir)
    at = f"{path}, rad"
    themes = (
        "bostadsområden; brottslighet och trygghet; barn och ungas uppväxtvillkor; "
        "kultur, demokrati och civilsamhälle; arbete och vuxenutbildning"
    )
    expected = [
        f"{at} 3: kommun 0999 har ingen plan i areas/plans.csv; en åtgärd hör till en plan.",
        f"{at} 4: planen 'Annan plan' finns inte för kommun 0123 i areas/plans.csv; skriv "
        f"planens namn som där: {PLAN}.",
        f"{at} 5: area_id 'centrum' är inget av planens fokusområden: sangvagen, soderhojden, "
        "termovagen (eller lämna tomt för alla planens områden).",
        f"{at} 6, 13 (2 rader): temat 'idrott' är inte något av: {themes}.",
        f"{at} 8: status_2019 ligger före planens startår 2020 (plans.csv).",
        f"{at} 9: status_2021 ligger utanför åtgärdens år (2020–2020).",
        f"{at} 10: status_2020 'klar' är ingen status; skriv en av: planerad, pågår, "
        "genomförd, avbruten.",
        f"{at} 11: end_year 2021 ligger före start_year 2023.",
        f"{at} 12: measure_id 'a-1' finns redan på rad 2; varje åtgärd behöver ett eget id.",
        f"{at} 14: kommunkoden '123' har inte fyra siffror; menade du 0123? (Excel tar bort "
        "inledande nollor: formatera kolumnen som Text)",
    ]
    problems = caught.value.problems
    indicator = [p for p in problems if p.startswith(f"{at} 7: ")]
    assert indicator and indicator[0].startswith(
        f"{at} 7: okänd indikator okand; använd id från [indicators.*] eller "
        "[kolada_indicators.*] i catalog.toml: "
    )
    assert [p for p in problems if p not in indicator] == expected
    assert str(caught.value).startswith("Filen med åtgärder har fel:\n")


def test_a_status_column_without_a_year_stops_at_the_header(raw_dir):
    path = raw_dir / "areas" / "measures.csv"
    path.write_text(HEADER + ",status_senaste\n" + row() + ",pågår\n", encoding="utf-8")
    with pytest.raises(MeasureRegistryError) as caught:
        load(raw_dir)
    assert caught.value.problems == [
        f"{path}, rad 1: kolumnen 'status_senaste' ska heta status_<år>, t.ex. status_2024."
    ]


def excel_semicolon_copy(raw_dir: Path) -> None:
    """The bundled file as Swedish Excel's "CSV UTF-8" saves it: BOM, `;`, CRLF."""
    path = raw_dir / "areas" / "measures.csv"
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    out = io.StringIO()
    csv.writer(out, delimiter=";", lineterminator="\r\n").writerows(rows)
    path.write_bytes(codecs.BOM_UTF8 + out.getvalue().encode("utf-8"))


def test_the_excel_dialect_reads_the_same_measures(raw_dir):
    excel_semicolon_copy(raw_dir)
    assert (raw_dir / "areas" / "measures.csv").read_bytes()[:3] == codecs.BOM_UTF8
    found = {m.measure_id: m for m in load(raw_dir)}
    assert sorted(found) == [
        "jfl-ar-01",
        "jfl-bo-01",
        "jfl-bo-02",
        "jfl-bu-01",
        "jfl-ku-01",
        "jfl-tr-01",
    ]
    assert found["jfl-ku-01"].theme == "kultur, demokrati och civilsamhälle"
    assert found["jfl-ar-01"].cost_tkr == 1200.5  # written 1200,5
    assert found["jfl-ar-01"].end_year == 2026
    assert found["jfl-bo-02"].end_year is None
    assert found["jfl-bu-01"].status == {
        2021: "pågår",
        2022: "pågår",
        2023: "pågår",
        2024: "genomförd",
    }
    assert found["jfl-tr-01"].areas == ("sangvagen", "soderhojden", "termovagen")
    assert found["jfl-tr-01"].target_indicators == ("vald_brott", "brott_totalt")
    assert all(
        m.example and m.comment.startswith("EXEMPEL – påhittad åtgärd") for m in found.values()
    )


def test_the_snapshot_run_publishes_one_row_per_measure_and_year(snapshot_run, published_marts):
    frame = pd.read_parquet(published_marts / "plan_measure.parquet")
    # bo-01 2020–2023, bo-02 2022–(2024, the latest reported year), tr-01 2020–2024,
    # bu-01 2021–2024, ku-01 2021–2022, ar-01 2023–2026
    assert frame.groupby("measure_id").size().to_dict() == {
        "jfl-ar-01": 4,
        "jfl-bo-01": 4,
        "jfl-bo-02": 3,
        "jfl-bu-01": 4,
        "jfl-ku-01": 2,
        "jfl-tr-01": 5,
    }
    assert len(frame) == 22
    assert frame.example.all() and set(frame.kommun) == {"0123"}
    ar = frame[frame.measure_id == "jfl-ar-01"].set_index("year")
    assert ar.status.fillna("ingen").to_dict() == {
        2023: "planerad",
        2024: "pågår",
        2025: "ingen",
        2026: "ingen",
    }
    assert set(ar.area_id) == {"soderhojden"} and set(ar.cost_tkr) == {1200.5}
    tr = frame[frame.measure_id == "jfl-tr-01"]
    assert tr.area_id.isna().all()
    assert set(tr.areas) == {"sangvagen|soderhojden|termovagen"}
    assert set(tr.responsible) == {"Kommunstyrelsen"} and set(tr.plan_start_year) == {2020}
    assert set(frame.source_file) == {"areas/measures.csv"}
    assert frame[frame.measure_id == "jfl-ku-01"].status.tolist() == ["pågår", "avbruten"]
    checks = {
        e.check_name: e.passed
        for e in snapshot_run.check_evaluations
        if e.asset_key.path == ["marts", "plan_measure"]
    }
    assert checks == {
        "unique_key": True,
        "shares_within_0_100": True,
        "themes_and_indicators_known": True,
        "status_years_within_plan": True,
        "areas_in_focus_area_registry": True,
    }


def hand_made(tmp_path: Path, rows: list[tuple]) -> Warehouse:
    """The tables the checks read: two indicators, Järfälla's plan from 2020 for two areas."""
    warehouse = Warehouse(tmp_path / "marts")
    warehouse.replace_table(
        "raw", "indicator_catalog", pd.DataFrame({"indicator": ["befolkning", "vald_brott"]})
    )
    warehouse.replace_table(
        "raw",
        "plans",
        pd.DataFrame(
            {
                "kommun": ["0123", "0123"],
                "area_id": ["sangvagen", "termovagen"],
                "plan_name": [PLAN, PLAN],
                "start_year": [2020, 2020],
            }
        ),
    )
    warehouse.replace_table(
        "raw",
        "focus_area_deso",
        pd.DataFrame({"kommun": ["0123", "0123"], "area_id": ["sangvagen", "termovagen"]}),
    )
    columns = ["measure_id", "year", "kommun", "plan_name", "areas", "theme"]
    columns += ["start_year", "end_year", "status", "target_indicators"]
    frame = pd.DataFrame(rows, columns=columns).astype({"end_year": "Int64"})
    warehouse.replace_table("marts", "plan_measure", frame)
    return warehouse


GOOD = ("m1", 2021, "0123", PLAN, "sangvagen|termovagen", "bostadsområden", 2020, None)


def test_the_checks_pass_on_sound_rows(tmp_path):
    warehouse = hand_made(
        tmp_path,
        [
            (*GOOD, "pågår", "befolkning|vald_brott"),
            ("m1", 2022, *GOOD[2:], None, "befolkning|vald_brott"),
        ],
    )
    assert measure_unknown_theme_or_indicator(warehouse).empty
    assert measure_status_outside_years(warehouse).empty
    assert measure_unknown_areas(warehouse).empty


def test_the_checks_name_rows_that_slip_past_the_registry(tmp_path):
    late = ("m3", 2019, "0123", PLAN, "sangvagen", "bostadsområden", 2018, 2019)
    warehouse = hand_made(
        tmp_path,
        [
            ("m2", 2021, "0123", PLAN, "sangvagen|centrum", "idrott", 2020, None, "pågår", "okand"),
            (*late, "pågår", None),  # before the plan's start year 2020
            (
                "m4",
                2021,
                "0123",
                PLAN,
                "termovagen",
                "bostadsområden",
                2022,
                2023,
                "planerad",
                None,
            ),
        ],
    )
    unknown = measure_unknown_theme_or_indicator(warehouse)
    assert unknown.values.tolist() == [["m2", "indikator", "okand"], ["m2", "tema", "idrott"]]
    outside = measure_status_outside_years(warehouse)
    assert outside[["measure_id", "year"]].values.tolist() == [["m3", 2019], ["m4", 2021]]
    assert measure_unknown_areas(warehouse).values.tolist() == [["m2", "0123", "centrum"]]


def test_a_bad_registry_stops_the_run_before_anything_is_built(raw_dir, published_marts, capsys):
    before = fingerprints(published_marts)
    path = raw_dir / "areas" / "measures.csv"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace(",pågår,genomförd,\n", ",pågår,klar,\n", 1), encoding="utf-8")
    assert main(["run"]) == 1
    terminal = "".join(capsys.readouterr())
    assert "status_2023 'klar' är ingen status" in terminal
    assert "measures.csv" in terminal and "rad 2" in terminal
    assert fingerprints(published_marts) == before
