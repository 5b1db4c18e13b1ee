"""DeSO 2018 and DeSO 2025 in one series: codes, registry proposals, successions and breaks.

Expected values are worked out here from SCB's keys, the local server's formulas, or small
hand-made tables; never from the code under test.
"""

from __future__ import annotations

import csv

import duckdb
import pandas as pd
import pytest
from conftest import DESO25, SUFFIX, all_tables, deso_people
from pxweb_server import PxWebServer
from test_focus_areas import build_marts

from pipelines.cli import main
from pipelines.registry.areas import (
    AREAS_FILE,
    division_continuity,
    load_areas,
    propose_next_division,
    write_proposals,
)
from pipelines.registry.catalog import load_catalog
from pipelines.sources.raw_store import RawStore
from pipelines.sources.scb.client import PxWebClient
from pipelines.sources.scb.snapshot import fetch_request, load_request

HEADER = "kommun,area_id,area_name,division,deso,status,comment\n"


def write_areas(raw_dir, rows: str) -> None:
    (raw_dir / AREAS_FILE).write_text(HEADER + rows, encoding="utf-8")


# -- one table, two divisions -------------------------------------------------------------


def test_both_divisions_in_one_table_keep_their_own_years(raw_dir):
    request = load_catalog(raw_dir).request("deso_population_background")
    store = RawStore(raw_dir)
    with PxWebServer(all_tables(), max_calls=50) as server:
        client = PxWebClient(server.url)
        [outcome] = fetch_request(client, store, request, ["0680"])
        assert outcome.changed
        # the selection asked for both divisions' codes, as the table's metadata lists them
        [call] = server.data_requests()
        [region] = [s for s in call.body["selection"] if s["variableCode"] == "Region"]
        asked = set(region["valueCodes"])
    assert (
        "0680C1070" in asked and "0680C1071" + SUFFIX in asked and "0680C1070" + SUFFIX not in asked
    )
    frame = load_request(store, request, ["0680"]).frame
    assert not frame["Region"].str.contains("_").any()  # the suffix became the division
    deso = frame[frame["Region"].str.len() == 9]
    years = deso.groupby("division")["Tid"].agg(lambda t: sorted({int(y) for y in t}))
    assert years["DeSO2018"] == list(range(2010, 2024))
    assert years["DeSO2025"] == [2024]
    assert not deso["value"].isna().any()  # the other division's empty cells are gone
    codes_2024 = set(deso.loc[deso["Tid"] == "2024", "Region"])
    assert codes_2024 == set(DESO25["0680"])
    # a DeSO kept in both divisions has one row per year and sex in each of its years
    kept = deso[
        (deso["Region"] == "0680C1090") & (deso["UtlBakgrund"] == "SA") & (deso["Kon"] == "1+2")
    ]
    assert sorted(kept["Tid"].astype(int)) == list(range(2010, 2025))
    assert kept.set_index("Tid").loc["2024", "value"] == deso_people("0680C1090", 2024, "1+2")


@pytest.mark.xdist_group("live_run")
def test_live_area_value_for_2024_sums_its_deso_2025_members(live_run):
    con = duckdb.connect(str(live_run.marts / "segregation.duckdb"), read_only=True)
    rows = con.execute(
        """SELECT year, value, kommun_value, division, series_break FROM marts.focus_area_indicator
           WHERE area_id = 'raslatt' AND indicator = 'befolkning' AND sex = '1+2' AND year >= 2023
           ORDER BY year"""
    ).fetchall()
    con.close()
    (y23, v23, k23, d23, b23), (y24, v24, k24, d24, b24) = rows
    # Råslätt: 0680C1070 (split into C1071, C1072), C1090, C1100
    assert v23 == sum(deso_people(d, 2023, "1+2") for d in ("0680C1070", "0680C1090", "0680C1100"))
    assert v24 == sum(
        deso_people(d, 2024, "1+2") for d in ("0680C1071", "0680C1072", "0680C1090", "0680C1100")
    )
    assert k24 == sum(deso_people(d, 2024, "1+2") for d in DESO25["0680"])
    assert (d23, d24) == ("DeSO2018", "DeSO2025")
    assert b23 is None and b24 == "ny indelning: DeSO 2025"


# -- the registry: from DeSO 2018 to DeSO 2025 ----------------------------------------------


def test_proposals_keep_codes_follow_splits_inside_the_area_and_leave_the_rest_to_the_kommun(
    raw_dir,
):
    # Råslätt's 0680C1070 was split in two inside RegSO Råslätt; 0586C2020 (Mjölby) has no
    # DeSO 2025 code at all (SCB's keys, real); in a copy of the 2025 key, 0123C1142 is moved
    # to another RegSO so that 0123C1140's parts fall in two RegSO.
    key = raw_dir / "geography" / "koppling-deso2025-regso2025.csv"
    edit_key = key.read_text(encoding="utf-8").replace(
        "0123C1142,0123R003,Barkarbystaden norra", "0123C1142,0123R002,Barkarby östra-Veddesta"
    )
    key.write_text(edit_key, encoding="utf-8")
    write_areas(
        raw_dir,
        "0680,raslatt,Råslätt,DeSO2018,0680C1070,obekräftad,\n"
        "0680,raslatt,Råslätt,DeSO2018,0680C1090,obekräftad,\n"
        "0123,barkarby,Barkarbystaden,DeSO2018,0123C1140,obekräftad,\n"
        "0586,mjolby,Mjölby,DeSO2018,0586C2020,obekräftad,\n",
    )
    members = load_areas(raw_dir, ["0123", "0680", "0586"])
    proposals = {(p.deso_2018, p.deso_2025): p for p in propose_next_division(members, raw_dir)}
    assert proposals[("0680C1090", "0680C1090")].how == "samma kod"
    assert proposals[("0680C1070", "0680C1071")].how == "delad inom området"
    assert proposals[("0680C1070", "0680C1072")].how == "delad inom området"
    assert "0123C1142" in proposals[("0123C1140", "")].comment  # outside the area's RegSO
    assert "finns inte i DeSO 2025" in proposals[("0586C2020", "")].comment
    assert len(proposals) == 5

    assert write_proposals(raw_dir, list(proposals.values())) == 3
    with (raw_dir / AREAS_FILE).open(encoding="utf-8") as handle:
        written = [r for r in csv.DictReader(handle) if r["division"] == "DeSO2025"]
    assert [(r["area_id"], r["deso"], r["status"]) for r in written] == [
        ("raslatt", "0680C1071", "obekräftad"),
        ("raslatt", "0680C1072", "obekräftad"),
        ("raslatt", "0680C1090", "obekräftad"),
    ]
    assert all(r["comment"].startswith("förslag:") for r in written)
    reloaded = load_areas(raw_dir, ["0123", "0680", "0586"])  # the written file is valid
    continuity = {c.area_id: c for c in division_continuity(reloaded, raw_dir)}
    assert continuity["raslatt"].same_land and not continuity["raslatt"].runs_on  # unconfirmed
    assert not continuity["barkarby"].same_land  # no DeSO 2025 rows yet


def test_series_runs_on_only_when_the_same_land_is_confirmed(raw_dir):
    write_areas(
        raw_dir,
        "0680,raslatt,Råslätt,DeSO2018,0680C1070,bekräftad,\n"
        "0680,raslatt,Råslätt,DeSO2025,0680C1071,bekräftad,\n"
        "0680,raslatt,Råslätt,DeSO2025,0680C1072,bekräftad,\n"
        "0680,half,Halva,DeSO2018,0680C1160,bekräftad,\n"
        "0680,half,Halva,DeSO2025,0680C1161,bekräftad,\n",  # C1162 left out: less land
    )
    continuity = {c.area_id: c for c in division_continuity(load_areas(raw_dir, ["0680"]), raw_dir)}
    assert continuity["raslatt"].runs_on
    assert not continuity["half"].same_land and not continuity["half"].runs_on
    assert "täcker inte samma område" in continuity["half"].reason


def test_a_file_without_division_is_deso_2018_and_deso_2025_rows_use_their_own_key(raw_dir):
    (raw_dir / AREAS_FILE).write_text(
        "kommun,area_id,area_name,deso,status,comment\n0680,raslatt,Råslätt,0680C1070,obekräftad,\n",
        encoding="utf-8",
    )
    [member] = load_areas(raw_dir, ["0680"])
    assert (member.division, member.regso) == ("DeSO2018", "0680R024")
    write_areas(raw_dir, "0680,raslatt,Råslätt,DeSO2018,0680C1071,obekräftad,\n")
    with pytest.raises(ValueError, match="0680C1071 finns inte i SCB:s indelning DeSO 2018"):
        load_areas(raw_dir, ["0680"])


def test_areas_command_proposes_and_writes_on_request(raw_dir, capsys):
    write_areas(raw_dir, "0680,raslatt,Råslätt,DeSO2018,0680C1070,obekräftad,\n")
    assert main(["areas", "--propose"]) == 0
    out = capsys.readouterr().out
    assert "0680C1070 -> 0680C1071" in out and "Inget skrivet" in out
    assert "DeSO2025" not in (raw_dir / AREAS_FILE).read_text(encoding="utf-8")
    assert main(["areas", "--propose", "--write"]) == 0
    assert (raw_dir / AREAS_FILE).read_text(encoding="utf-8").count("DeSO2025") == 2


# -- successions and breaks in the marts --------------------------------------------------


def test_the_snapshot_run_marks_successions_and_breaks(published_marts):
    from test_pipeline import mart

    marts_dir = published_marts
    education = mart(
        marts_dir,
        """SELECT year, source_table, population, series_break, series_restarts
           FROM marts.focus_area_indicator
           WHERE area_id = 'sangvagen' AND indicator = 'forgymnasial' AND year >= 2023 ORDER BY year""",
    )
    assert education == [
        (2023, "TAB5956", "25–64 år", None, False),
        (
            2024,
            "TAB6534",
            "25–65 år",
            "ny indelning: DeSO 2025; ny tabell: TAB6534; ny åldersgrupp: 25–65 år",
            True,
        ),
    ]
    background = mart(
        marts_dir,
        "SELECT year, source_table, series_break FROM marts.population_background "
        "WHERE kommun = '0123' AND year >= 2024 ORDER BY year",
    )
    assert background == [
        (2024, "TAB4824", None),
        (2025, "UtlSvBakgFinCKM", "ny tabell: UtlSvBakgFinCKM; SCB:s brus (CKM) från 2025"),
    ]
    # every DeSO indicator reaches 2024, the year SCB publishes on DeSO 2025
    last = dict(
        mart(
            marts_dir,
            "SELECT indicator, max(year) FROM marts.focus_area_indicator "
            "WHERE comparison_level = 'område mot kommun (DeSO)' GROUP BY 1",
        )
    )
    assert set(last.values()) == {2024} and len(last) == 7


def test_trend_runs_on_where_the_area_is_the_same_and_restarts_where_it_is_not(tmp_path):
    # two areas with the same gaps: 2020–2023 on DeSO 2018, 2024 on DeSO 2025.
    # area share = 100 × num/den in its one DeSO; the kommun is both DeSO plus a third.
    inputs = []
    for year, a_share in zip(range(2020, 2025), (20, 22, 24, 26, 28), strict=True):
        for region in ("0999C0001", "0999C0002"):
            inputs.append(("share", region, year, a_share, 100))
        inputs.append(("share", "0999C0003", year, 40, 100))
    areas = [
        ("0999", "same", "Samma", "0999C0001", "DeSO2018"),
        ("0999", "same", "Samma", "0999C0001", "DeSO2025"),
        ("0999", "new", "Ny", "0999C0002", "DeSO2018"),
        ("0999", "new", "Ny", "0999C0002", "DeSO2025"),
    ]
    warehouse = build_marts(tmp_path, inputs, areas, runs_on={"same": True, "new": False})
    trend = warehouse.query(
        """SELECT area_id, first_year, latest_year, series_start_year, restart_reason,
                  previous_first_year, previous_latest_year, direction
           FROM marts.focus_area_trend ORDER BY area_id"""
    ).set_index("area_id")
    # kommun share each year = (2 × a + 40) / 3; gap = a − that = (a − 40) × 2/3
    assert trend.loc["same", "first_year"] == 2020 and trend.loc["same", "latest_year"] == 2024
    assert pd.isna(trend.loc["same", "series_start_year"])
    assert trend.loc["same", "direction"] == "närmar sig"  # |gap| 13.3 → 8.0
    assert trend.loc["new", "first_year"] == 2024 and trend.loc["new", "series_start_year"] == 2024
    assert trend.loc["new", "direction"] == "för få år"
    assert trend.loc["new", "restart_reason"] == "obekräftad DeSO 2025"
    assert (trend.loc["new", "previous_first_year"], trend.loc["new", "previous_latest_year"]) == (
        2020,
        2023,
    )
    rows = warehouse.query(
        "SELECT area_id, year, series_break, series_restarts FROM marts.focus_area_indicator "
        "WHERE year = 2024 ORDER BY area_id"
    )
    assert list(rows.series_break) == ["ny indelning: DeSO 2025"] * 2
    assert list(rows.series_restarts) == [True, False]  # new, same
