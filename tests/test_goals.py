"""The integration plan's goals: goals/employees.csv and goals/newly_arrived.csv, the marts
staff_background and newly_arrived, and their checks."""

from __future__ import annotations

import codecs
import csv
import io
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from test_check import settings_for
from test_pipeline import fingerprints

from pipelines.cli import main
from pipelines.core.settings import PROJECT_ROOT
from pipelines.orchestration.checks import (
    forvaltningar_above_kommun_total,
    goal_shares_outside_0_100,
)
from pipelines.registry.goals import (
    EMPLOYEE_FRAME,
    EMPLOYEES_FILE,
    GoalFileError,
    goal_frame,
    load_employees,
)
from pipelines.registry.newly_arrived import (
    NEWLY_ARRIVED_FILE,
    NEWLY_ARRIVED_FRAME,
    load_newly_arrived,
)
from pipelines.sources.preflight import OK, run_check
from pipelines.warehouse.database import Warehouse
from pipelines.warehouse.models import discover_models

KOMMUNER = ["0123", "0680"]
SHIPPED = PROJECT_ROOT / "data" / "raw"
EMPLOYEES_HEADER = (
    "kommun,year,forvaltning,employees,employees_foreign_background,share,source,example,comment"
)
ARRIVED_HEADER = (
    "kommun,year,sex,received,followed_up,in_work_or_studies,share_in_work_or_studies,"
    "source,example,comment"
)


def write(raw_dir: Path, file: Path, lines: list[str]) -> Path:
    path = raw_dir / file
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_every_problem_in_employees_csv_is_named_with_file_line_and_reason(tmp_path):
    path = write(
        tmp_path,
        EMPLOYEES_FILE,
        [
            EMPLOYEES_HEADER,
            "0123,2020,,1000,300,,HR,,",  # 2: fine, the kommun's total
            "0999,2020,,10,1,,HR,,",
            "123,2020,,10,1,,HR,,",
            "0123,1999,,10,1,,HR,,",
            "0123,2021,,tusen,3,,HR,,",
            "0123,2021,,100,120,,HR,,",
            "0123,2021,,,,120,HR,,",
            "0123,2021,,100,30,30,HR,,",
            "0123,2020,,1000,300,,HR,,",  # 10: line 2 again
            "0123,2020,Socialförvaltningen,700,200,,HR,,",  # 11: fine
            "0123,2020,Skolförvaltningen,400,100,,HR,,",  # 12: fine, but 700 + 400 > 1000
            "0123,2021,,,,,HR,,",
            "0123,2021,,100,30,,,,",
            "0123,2021,,,30,,HR,,",
            "0123,2021,X,100,30,,HR,kanske,",
        ],
    )
    with pytest.raises(GoalFileError) as caught:
        load_employees(tmp_path, KOMMUNER)
    at = f"{path}, rad"
    assert caught.value.problems == [
        f"{at} 3: kommun 0999 finns inte bland kommunerna i areas/kommuner.csv.",
        f"{at} 4: kommunkoden '123' har inte fyra siffror; menade du 0123? (Excel tar bort "
        "inledande nollor: formatera kolumnen som Text)",
        f"{at} 5: year '1999' ska vara ett år från 2000 till {date.today().year}.",
        f"{at} 6: employees 'tusen' ska vara ett antal personer (heltal) eller tomt.",
        f"{at} 7: employees_foreign_background 120 är fler än employees 100.",
        f"{at} 8: share '120' ska vara en andel i procent (0–100) eller tomt.",
        f"{at} 9: ange antingen employees_foreign_background eller andelen, inte båda "
        "(andelen räknas från antalen).",
        f"{at} 10: kommun, year, forvaltning 0123, 2020, (tom) finns redan på rad 2.",
        f"{at} 13: varken employees_foreign_background eller andelen är ifylld.",
        f"{at} 14: source är tom; skriv var uppgiften kommer ifrån.",
        f"{at} 15: employees_foreign_background utan employees.",
        f"{at} 16: example 'kanske' ska vara ja, nej eller tomt.",
        f"{at} 2: förvaltningarna (rad 11, 12) har tillsammans 1100 anställda 2020, fler än "
        "kommunens 1000.",
    ]
    assert str(caught.value).startswith("Filen med uppföljning av integrationsmålen har fel:\n")


def test_every_problem_in_newly_arrived_csv_is_named_with_file_line_and_reason(tmp_path):
    path = write(
        tmp_path,
        NEWLY_ARRIVED_FILE,
        [
            ARRIVED_HEADER,
            "0123,2023,K,38,30,11,,Plan,,",  # 2: fine
            "0123,2023,M,45,36,19,,Plan,,",  # 3: fine
            "0123,2023,T,80,66,30,,Plan,,",  # 4: received 38 + 45 = 83 > 80
            "0123,2023,barn,1,,,,Plan,,",
            "0123,2024,Kvinnor,10,5,6,,Plan,,",
            "0123,2024,Män,10,5,3,60,Plan,,",
            "0123,2023,kvinnor,1,,,,Plan,,",  # 8: line 2 again (K = kvinnor)
            "0123,2024,totalt,2.5,,,,Plan,,",
            "0123,2024,Totalt,,,4,,Plan,,",
        ],
    )
    with pytest.raises(GoalFileError) as caught:
        load_newly_arrived(tmp_path, KOMMUNER)
    at = f"{path}, rad"
    assert caught.value.problems == [
        f"{at} 5: sex 'barn' ska vara kvinnor, män eller totalt (K, M, T).",
        f"{at} 6: in_work_or_studies 6 är fler än followed_up 5.",
        f"{at} 7: ange antingen in_work_or_studies eller share_in_work_or_studies, inte båda "
        "(andelen räknas från antalen).",
        f"{at} 8: kommun, year, sex 0123, 2023, kvinnor finns redan på rad 2.",
        f"{at} 9: received '2.5' ska vara ett antal personer (heltal) eller tomt.",
        f"{at} 10: in_work_or_studies utan followed_up.",
        f"{at} 4: received kvinnor 38 + män 45 (rad 2, 3) är fler än totalt 80.",
    ]


def excel_copy(source: Path, target: Path, extra: list[str]) -> None:
    """`source` as Swedish Excel's "CSV UTF-8" saves it (BOM, `;`, CRLF), plus `extra` rows."""
    rows = list(csv.reader(io.StringIO(source.read_text(encoding="utf-8"))))
    rows += [line.split(";") for line in extra]
    out = io.StringIO()
    csv.writer(out, delimiter=";", lineterminator="\r\n").writerows(rows)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(codecs.BOM_UTF8 + out.getvalue().encode("utf-8"))


def test_the_excel_dialect_reads_the_same_rows_with_a_decimal_comma(tmp_path):
    extra_e = ["0680;2024;;;;41,5;Personalbokslut;ja;EXEMPEL"]
    extra_n = ["0680;2024;T;;;;52,5;Uppföljning;ja;EXEMPEL"]
    excel_copy(SHIPPED / EMPLOYEES_FILE, tmp_path / EMPLOYEES_FILE, extra_e)
    excel_copy(SHIPPED / NEWLY_ARRIVED_FILE, tmp_path / NEWLY_ARRIVED_FILE, extra_n)
    assert (tmp_path / EMPLOYEES_FILE).read_bytes()[:3] == codecs.BOM_UTF8
    plain_e, plain_n = load_employees(SHIPPED, KOMMUNER), load_newly_arrived(SHIPPED, KOMMUNER)
    excel_e, excel_n = load_employees(tmp_path, KOMMUNER), load_newly_arrived(tmp_path, KOMMUNER)
    assert excel_e[:-1] == plain_e and excel_n[:-1] == plain_n
    assert excel_e[-1]["share"] == 41.5 and excel_e[-1]["employees"] is None
    assert excel_n[-1]["share_in_work_or_studies"] == 52.5 and excel_n[-1]["sex"] == "totalt"
    # the shipped rows: Järfälla's plan (2015) and invented examples for 2022–2024
    real = [r for r in plain_e if not r["example"]]
    assert [(r["year"], r["share"], r["employees"]) for r in real] == [(2015, 33.0, None)]
    assert all(r["comment"] == "EXEMPEL – påhittade siffror" for r in plain_e if r["example"])
    assert [(r["year"], r["received"]) for r in plain_n if not r["example"]] == [
        (2014, 169),
        (2015, 233),
    ]


def test_a_kommun_without_the_files_gets_empty_marts(tmp_path):
    assert load_employees(tmp_path, KOMMUNER) == []
    assert load_newly_arrived(tmp_path, KOMMUNER) == []
    warehouse = Warehouse(tmp_path / "marts")
    empty_e = goal_frame([], {}, EMPLOYEE_FRAME, EMPLOYEES_FILE)
    empty_n = goal_frame([], {}, NEWLY_ARRIVED_FRAME, NEWLY_ARRIVED_FILE)
    warehouse.replace_table("raw", "goal_employees", empty_e)
    warehouse.replace_table("raw", "goal_newly_arrived", empty_n)
    population = pd.DataFrame(
        {"kommun": ["0123"], "year": [2015], "utrikes_fodda_antal": [1]}
        | {"inrikes_fodda_tva_utrikes_foraldrar_antal": [1], "totalt_antal": [4], "demo": [False]}
    )
    warehouse.replace_table("marts", "population_background", population)
    models = {m.name: m for m in discover_models() if m.layer == "marts"}
    for name in ("staff_background", "newly_arrived"):
        frame = warehouse.query(models[name].sql)
        assert frame.empty and list(frame.columns) == list(models[name].columns), name


def marts_row(frame: pd.DataFrame, **where: object) -> pd.Series:
    found = frame
    for column, value in where.items():
        found = found[found[column].isna()] if value is None else found[found[column] == value]
    assert len(found) == 1, where
    return found.iloc[0]


def test_the_snapshot_run_publishes_employees_against_residents(snapshot_run):
    frame = pd.read_parquet(snapshot_run.marts / "staff_background.parquet")
    assert len(frame) == 13 and set(frame.kommun) == {"0123"}  # Jönköping has no rows
    plan = marts_row(frame, year=2015, forvaltning=None)
    # residents 2015 (data/raw/published/jarfalla_tabell1_2005_2015.csv, as SCB's TAB4824):
    # (19 445 utrikes födda + 7 668 inrikes födda med två utrikes födda föräldrar) / 72 429
    # = 27 113 / 72 429 = 37.4339 %; the plan's employees 100 − 67 = 33 %; gap −4.4339 pp
    assert plan.share_foreign_background == 33.0 and pd.isna(plan.employees)
    assert plan.residents_share_foreign_background == pytest.approx(37.4339, abs=1e-4)
    assert plan.gap_pp == pytest.approx(-4.4339, abs=1e-4) and plan.gap_change_pp == 0
    assert not plan.example and not plan.residents_demo
    assert plan.residents_basis == "alla åldrar, SCB folkmängd 31 dec"
    # 2022, the kommun (example): 1 435 / 4 100 = 35.0 %; residents (demo snapshot)
    # (26 223 + 11 011) / 84 462 = 44.0837 %; gap −9.0837; change since 2015 −9.0837 + 4.4339
    whole = marts_row(frame, year=2022, forvaltning=None)
    assert whole.share_foreign_background == pytest.approx(35.0)
    assert whole.gap_change_pp == pytest.approx(-4.6498, abs=1e-4)
    assert whole.example and whole.residents_demo
    # Barn- och ungdomsförvaltningen: 2022 666 / 1 800 = 37.0 %, 2024 722 / 1 850 = 39.0270 %;
    # residents 2024 (28 459 + 12 123) / 88 254 = 45.9832 %; change (39.0270 − 45.9832)
    # − (37.0 − 44.0837) = −6.9562 + 7.0837 = 0.1275
    buf = marts_row(frame, year=2024, forvaltning="Barn- och ungdomsförvaltningen")
    assert buf.share_foreign_background == pytest.approx(39.0270, abs=1e-4)
    assert buf.gap_change_pp == pytest.approx(0.1275, abs=2e-4)
    assert (buf.employees, buf.employees_foreign_background) == (1850, 722)
    assert set(frame.source_file) == {"goals/employees.csv"}


def test_the_snapshot_run_publishes_newly_arrived(snapshot_run):
    frame = pd.read_parquet(snapshot_run.marts / "newly_arrived.parquet")
    assert len(frame) == 11 and set(frame.kommun) == {"0123"}
    assert marts_row(frame, year=2014, sex="totalt").received == 169
    plan = marts_row(frame, year=2015, sex="totalt")
    assert plan.received == 233 and not plan.example
    assert pd.isna(plan.share_in_work_or_studies) and pd.isna(plan.followed_up)
    # 2023 totalt: 30 of 66 in work or studies = 45.4545 %; män 19 / 36 = 52.7778 %
    assert marts_row(frame, year=2023, sex="totalt").share_in_work_or_studies == pytest.approx(
        45.4545, abs=1e-4
    )
    assert marts_row(frame, year=2023, sex="män").share_in_work_or_studies == pytest.approx(
        52.7778, abs=1e-4
    )
    assert marts_row(frame, year=2022, sex="kvinnor").share_in_work_or_studies == 30.0
    assert frame[frame.year >= 2022].example.all()
    assert frame.sex.tolist()[2:5] == ["kvinnor", "män", "totalt"]


def test_the_goal_assets_and_checks_in_the_snapshot_run(snapshot_run):
    checks = {
        (e.asset_key.path[-1], e.check_name): e.passed
        for e in snapshot_run.check_evaluations
        if e.asset_key.path[-1] in ("staff_background", "newly_arrived")
    }
    assert checks == {
        ("staff_background", "unique_key"): True,
        ("staff_background", "shares_within_0_100"): True,
        ("staff_background", "goal_shares_within_0_100"): True,
        ("staff_background", "forvaltningar_within_kommun_total"): True,
        ("newly_arrived", "unique_key"): True,
        ("newly_arrived", "shares_within_0_100"): True,
        ("newly_arrived", "goal_shares_within_0_100"): True,
    }
    names = ("goal_employees", "goal_newly_arrived", "staff_background", "newly_arrived")
    shown = {}
    for event in snapshot_run.refresh.get_asset_materialization_events():
        if event.asset_key.path[-1] in names:
            metadata = event.event_specific_data.materialization.metadata
            shown[event.asset_key.to_user_string()] = metadata["example_rows"].value
            if event.asset_key.path[0] == "raw":
                assert metadata["demo"].value is False  # the plan's own rows are not invented
    # 12 of 13 employee rows and 9 of 11 newly arrived rows are invented examples
    assert shown == {
        "raw/goal_employees": 12,
        "raw/goal_newly_arrived": 9,
        "marts/staff_background": 12,
        "marts/newly_arrived": 9,
    }


def test_the_checks_name_forvaltningar_above_the_total_and_shares_outside_0_100(tmp_path):
    warehouse = Warehouse(tmp_path / "marts")
    employees = pd.DataFrame(
        {
            "kommun": ["0123", "0123", "0123", "0123"],
            "year": [2023, 2023, 2023, 2024],
            "forvaltning": [None, "A", "B", None],
            "employees": [100, 60, 50, 100],  # 2023: 60 + 50 = 110 > 100
            "share_foreign_background": [30.0, 120.0, 20.0, 30.0],
            "residents_share_foreign_background": [40.0, 40.0, 40.0, -1.0],
        }
    )
    warehouse.replace_table("marts", "staff_background", employees)
    warehouse.replace_table(
        "marts",
        "newly_arrived",
        pd.DataFrame({"kommun": ["0123"], "year": [2024]}).assign(share_in_work_or_studies=[50.0]),
    )
    above = forvaltningar_above_kommun_total(warehouse)
    assert above.values.tolist() == [["0123", 2023, 110, 100]]
    outside = goal_shares_outside_0_100(warehouse, "staff_background")
    assert outside[["year", "share_foreign_background"]].values.tolist() == [
        [2023, 120.0],
        [2024, 30.0],
    ]
    assert goal_shares_outside_0_100(warehouse, "newly_arrived").empty


def test_segregation_check_reads_both_files(raw_dir):
    report = run_check(settings_for(raw_dir))
    found = [
        (f.subject, f.status, f.message)
        for f in report.findings
        if f.subject in ("goals/employees.csv", "goals/newly_arrived.csv")
    ]
    assert found == [
        ("goals/employees.csv", OK, "13 rader om anställda, varav 12 påhittade exempel"),
        ("goals/newly_arrived.csv", OK, "11 rader om nyanlända, varav 9 påhittade exempel"),
    ]
    path = raw_dir / NEWLY_ARRIVED_FILE
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace(",totalt,76,", ",totalt,70,"), encoding="utf-8")
    report = run_check(settings_for(raw_dir))
    assert not report.ok
    assert [(f.subject, f.message) for f in report.errors] == [
        (
            "goals/newly_arrived.csv",
            f"{path}, rad 12: received kvinnor 35 + män 41 (rad 10, 11) är fler än totalt 70.",
        )
    ]


def test_a_bad_goals_file_stops_the_run_before_anything_is_built(raw_dir, published_marts, capsys):
    before = fingerprints(published_marts)
    path = raw_dir / EMPLOYEES_FILE
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace(",Socialförvaltningen,930,410,", ",Socialförvaltningen,930,990,"))
    assert main(["run"]) == 1
    terminal = "".join(capsys.readouterr())
    assert "rad 13: employees_foreign_background 990 är fler än employees 930." in terminal
    assert fingerprints(published_marts) == before
