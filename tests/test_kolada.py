"""Kolada v3 and the kommun's own files, against a local Kolada server and malformed files."""

from __future__ import annotations

import json
from datetime import date

import duckdb
import pytest
from conftest import KOLADA_KPIS, kolada_value
from kolada_server import KoladaKpi, KoladaServer
from test_pipeline import fingerprints, run_all, run_refresh

from pipelines.registry.areas import load_areas
from pipelines.registry.catalog import load_catalog
from pipelines.sources.kolada.client import KoladaClient, KoladaError, parse_pages
from pipelines.sources.local_files import LocalFileError, load_local_values


def client_for(server: KoladaServer, **kwargs) -> KoladaClient:
    return KoladaClient(server.url, backoff_base=0.02, retry_budget=5, timeout=2, **kwargs)


def test_paging_follows_next_url_and_returns_every_item_once():
    kpis = [KoladaKpi("N05401", "Valdeltagande", value=kolada_value, years=range(2015, 2020))]
    with KoladaServer(kpis, per_page=3) as server:
        pages = client_for(server).data_pages(
            ["N05401"], ["0000", "0123", "0680"], range(2015, 2020)
        )
        assert len(server.data_requests()) == len(pages) == 5  # 15 items, 3 a page
    rows = parse_pages([p.content for p in pages])
    assert len(rows) == 15 == len({(r["municipality"], r["year"]) for r in rows})
    row = next(r for r in rows if r["municipality"] == "0680" and r["year"] == 2017)
    assert row["value"] == kolada_value("0680", 2017, "T")


def test_more_than_25_ids_are_split_across_requests():
    municipalities = [f"{i:04d}" for i in range(100, 130)]  # 30 kommuner
    kpis = [KoladaKpi("N00957", "Ohälsotal", value=kolada_value, years=[2022])]
    with KoladaServer(kpis, municipalities=municipalities) as server:
        pages = client_for(server).data_pages(["N00957"], municipalities, [2022])
        segments = [
            r.path.split("/municipality/")[1].split("/")[0].split(",")
            for r in server.data_requests()
        ]
        assert all(r.status == 200 for r in server.data_requests())
    assert sorted(len(s) for s in segments) == [5, 25]
    assert len(parse_pages([p.content for p in pages])) == 30


def test_503_is_retried_and_persistent_failure_names_the_kpi():
    kpis = [KoladaKpi("N05401", "Valdeltagande", value=kolada_value)]
    with KoladaServer(kpis) as server:
        server.inject("status", status=503, times=2)
        pages = client_for(server).data_pages(["N05401"], ["0123"], [2022])
        assert [r.status for r in server.data_requests()] == [503, 503, 200]
        server.inject("status", status=503, times=100)
        with pytest.raises(KoladaError) as err:
            client_for(server, max_retries=2).data_pages(["N05401"], ["0123"], [2022])
    assert len(parse_pages([p.content for p in pages])) == 1
    assert "N05401" in str(err.value) and "/data/kpi/N05401" in str(err.value)


def test_unknown_kpi_is_a_clear_error_naming_only_that_id():
    kpis = [KoladaKpi("N05401", "Valdeltagande")]
    with KoladaServer(kpis) as server, pytest.raises(KoladaError) as err:
        client_for(server).kpis(["N05401", "N99999"])
    assert (
        "inget nyckeltal N99999:" in str(err.value)
        and "N05401" not in str(err.value).split("url")[0]
    )


def test_kpi_descriptions_are_asked_for_25_ids_a_call():
    ids = [f"N{i:05d}" for i in range(30)]
    with KoladaServer([KoladaKpi(i, i) for i in ids]) as server:
        described, pages = client_for(server).kpis(ids)
        sizes = sorted(len(r.path.split("/kpi/")[1].split(",")) for r in server.requests)
    assert sorted(described) == ids and len(pages) == 2 and sizes == [5, 25]


def kolada_fetch(server: KoladaServer, raw_dir, **kwargs):
    from pipelines.sources.kolada.snapshot import fetch_kolada
    from pipelines.sources.raw_store import RawStore

    return fetch_kolada(
        client_for(server), RawStore(raw_dir), load_catalog(raw_dir), ["0123", "0680"], **kwargs
    )


def test_kolada_is_fetched_again_only_when_a_kpi_is_republished_or_the_fetch_is_old(raw_dir):
    from datetime import datetime, timedelta

    manifest_path = raw_dir / "kolada" / "kpi" / "kommun_series" / "manifest.json"
    kpis = [KoladaKpi(k, k, value=kolada_value) for k in KOLADA_KPIS]
    with KoladaServer(kpis) as server:
        assert kolada_fetch(server, raw_dir).changed  # the demo snapshot is always replaced
        fetched = json.loads(manifest_path.read_text())
        assert fetched["demo"] is False
        assert fetched["publication_dates"]["N00957"] == ["2025-03-01", None]

        start = len(server.requests)
        second = kolada_fetch(server, raw_dir)
        calls = [r.path for r in server.requests[start:]]
        assert not second.changed and "oförändrad" in second.reason
        assert calls == ["/v3/kpi/" + ",".join(sorted(KOLADA_KPIS))]  # one call, no data
        assert json.loads(manifest_path.read_text()) == fetched

        server.add_kpi(
            KoladaKpi("N00957", "N00957", value=kolada_value, publication_date="2025-09-15")
        )
        start = len(server.requests)
        assert kolada_fetch(server, raw_dir).changed
        assert any("/data/" in r.path for r in server.requests[start:])
        republished = json.loads(manifest_path.read_text())
        assert republished["publication_dates"]["N00957"] == ["2025-09-15", None]

        stored_at = datetime.fromisoformat(republished["fetched_at"])
        kept = kolada_fetch(server, raw_dir, now=stored_at + timedelta(days=6, hours=23))
        old = kolada_fetch(server, raw_dir, now=stored_at + timedelta(days=7))
        assert not kept.changed and old.changed

        server.add_kpi(KoladaKpi("N02267", "N02267", value=kolada_value, publication_date=None))
        assert kolada_fetch(server, raw_dir).changed  # no date from Kolada: no way to tell
        assert kolada_fetch(server, raw_dir).changed


@pytest.mark.xdist_group("live_run")
def test_live_run_puts_kolada_and_the_kommuns_files_into_the_marts(live_run):
    assert {
        kpi
        for path in live_run.kolada_paths
        if "/kpi/" in path and "/data/" not in path
        for kpi in path.split("/")[-1].split(",")
    } == set(KOLADA_KPIS)
    con = duckdb.connect(str(live_run.marts / "segregation.duckdb"), read_only=True)
    kommun = con.execute(
        """SELECT value, comparison_value, gap, comparison_level, demo FROM marts.focus_area_indicator
           WHERE kommun = '0123' AND area_id = 'hela_kommunen' AND indicator = 'ohalsotal'
             AND year = 2020 AND sex = '1+2'"""
    ).fetchone()
    area = con.execute(
        """SELECT value, comparison_value, comparison_level, demo FROM marts.focus_area_indicator
           WHERE area_id = 'sangvagen' AND indicator = 'valdeltagande' AND year = 2022"""
    ).fetchone()
    con.close()
    assert kommun[0] == kolada_value("0123", 2020, "T") and kommun[1] == kolada_value(
        "0000", 2020, "T"
    )
    assert kommun[2] == pytest.approx(kommun[0] - kommun[1])
    assert kommun[3].startswith("kommun mot riket") and kommun[4] is False
    # the shipped demo file: 590 of 1010 voted in Sångvägen in 2022
    assert area[0] == pytest.approx(100 * 590 / 1010)
    assert area[1] == kolada_value("0123", 2022, "T")
    assert area[2].startswith("område mot kommun") and area[3] is True


HEADER = "kommun,area_id,deso,indicator,year,numerator,denominator,value,source\n"


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (
            "0123,nowhere,,valdeltagande,2022,1,2,,x\n",
            "rad 2: okänt område 'nowhere' i kommun '0123'",
        ),
        ("0123,sangvagen,,lycka,2022,1,2,,x\n", "rad 2: okänd indikator 'lycka'"),
        (
            "0123,sangvagen,,valdeltagande,2022,många,2,,x\n",
            "rad 2: numerator, denominator och value ska vara tal",
        ),
        (
            "0123,sangvagen,,valdeltagande,2021,1,2,,x\n0123,sangvagen,,valdeltagande,2021,3,4,,y\n",
            "rad 3: samma som",
        ),
        ("0123,sangvagen,,valdeltagande,1889,1,2,,x\n", "rad 2: året 1889 ligger utanför"),
        (
            "0123,sangvagen,0123C1290,valdeltagande,2022,1,2,,x\n",
            "rad 2: ange antingen area_id eller deso, inte båda",
        ),
        (
            "0123,,0123C1010,valdeltagande,2022,1,2,,x\n",
            "rad 2: DeSO '0123C1010' ligger inte i något fokusområde",
        ),
        (
            "0123,sangvagen,,valdeltagande,2022,1,,,x\n",
            "rad 2: ange numerator och denominator, eller value.",
        ),
        (
            "0123,sangvagen,,valdeltagande,2022,10,5,99,x\n",
            "rad 2: ange numerator och denominator, eller value, inte båda",
        ),
        (
            "0680,,0680C1410,ohalsotal,2021,,,30.5,x\n",
            "rad 2: en rad per DeSO behöver numerator och denominator",
        ),
    ],
)
def test_malformed_local_file_names_file_line_and_reason(raw_dir, rows, message):
    path = raw_dir / "local" / "valdistrikt.csv"
    path.write_text(HEADER + rows, encoding="utf-8")
    members = load_areas(raw_dir, ["0123", "0680"])
    with pytest.raises(LocalFileError) as err:
        load_local_values(raw_dir, load_catalog(raw_dir), members)
    assert message in str(err.value) and str(path) in str(err.value)


def test_every_problem_of_the_local_files_is_listed_in_file_order(raw_dir):
    """Each bad row gives its one problem, in line order; the per-DeSO coverage problems of
    the folder come after the rows."""
    folder = raw_dir / "local"
    path = folder / "kommun.csv"
    path.write_text(
        HEADER
        + "123,sangvagen,,valdeltagande,2022,1,2,,x\n"
        + "0123,sangvagen,,valdeltagande,2022,3,2,,x\n"
        + "0123,sangvagen,,ohalsotal,2022,,,120,x\n"
        + "0123,sangvagen,,valdeltagande,2022,1,0,,x\n"
        + "0123,sangvagen,,valdeltagande,20x2,1,2,,x\n"
        + "0680,,0680C1410,vald_brott,2022,3,1000,,x\n"
        + "0680,osterangen,,ohalsotal,2022,,,20.5,x\n"
        + "0680,,0680C1410,ohalsotal,2022,5,100,,x\n",
        encoding="utf-8",
    )
    members = load_areas(raw_dir, ["0123", "0680"])
    with pytest.raises(LocalFileError) as err:
        load_local_values(raw_dir, load_catalog(raw_dir), members)
    assert err.value.problems == [
        f"{path}, rad 2: kommunkoden '123' har inte fyra siffror (t.ex. 0123); menade du 0123? "
        "(Excel tar bort inledande nollor: formatera kolumnen som Text)",
        f"{path}, rad 3: numerator 3 är större än denominator 2; en andel kan inte vara större "
        "än det hela (har kolumnerna bytt plats?).",
        f"{path}, rad 4: ohalsotal 120 dagar ligger utanför det rimliga intervallet 0–100 "
        "(catalog.toml); kontrollera siffran.",
        f"{path}, rad 5: denominator ska vara större än 0.",
        f"{path}, rad 6: year '20x2' är inget år.",
        f"{folder}: 0680 osterangen vald_brott 2022 är angivet per DeSO men saknar 0680C1430; "
        "ange alla områdets DeSO, eller en rad för hela området.",
        f"{folder}: 0680 osterangen ohalsotal 2022 är angivet både för området och per DeSO; "
        "använd det ena eller det andra, annars räknas DeSO två gånger.",
    ]


def test_the_same_finding_on_38_rows_is_one_line_with_the_count_and_the_lines(raw_dir):
    """A kommun code that lost its leading zero on rows 4–41 (and 43): one line for all 39,
    between the rows' other problems in line order."""
    folder = raw_dir / "local"
    path = folder / "kommun.csv"
    bad = "127,sangvagen,,valdeltagande,{year},1,2,,x\n"
    path.write_text(
        HEADER
        + "0123,sangvagen,,valdeltagande,2021,1,2,,x\n"  # line 2: good
        + "0123,sangvagen,,valdeltagande,1889,1,2,,x\n"  # line 3: year
        + "".join(bad.format(year=1990 + i) for i in range(38))  # lines 4–41
        + "0123,sangvagen,,valdeltagande,2023,1,0,,x\n"  # line 42: denominator
        + bad.format(year=2030),  # line 43
        encoding="utf-8",
    )
    members = load_areas(raw_dir, ["0123", "0680"])
    with pytest.raises(LocalFileError) as err:
        load_local_values(raw_dir, load_catalog(raw_dir), members)
    assert err.value.problems == [
        f"{path}, rad 3: året 1889 ligger utanför 1990–{date.today().year}.",
        f"{path}, rad 4–41, 43 (39 rader): kommunkoden '127' har inte fyra siffror (t.ex. 0123); "
        "menade du 0127? (Excel tar bort inledande nollor: formatera kolumnen som Text)",
        f"{path}, rad 42: denominator ska vara större än 0.",
    ]
    assert str(err.value).count("\n") == 3  # the heading and three lines


def test_a_bad_local_file_stops_the_run_and_keeps_the_marts(raw_dir, published_marts):
    marts_dir = published_marts
    before = fingerprints(marts_dir)
    (raw_dir / "local" / "brott.csv").write_text(
        HEADER + "0123,sangvagen,,vald_brott,2023,x,y,,BRÅ\n", encoding="utf-8"
    )
    assert not run_all()
    assert fingerprints(marts_dir) == before


def test_kolada_missing_a_kommun_keeps_the_stored_fetch(raw_dir, marts_dir):
    from pipelines.sources.kolada.snapshot import fetch_kolada
    from pipelines.sources.raw_store import RawStore

    stored = (raw_dir / "kolada" / "kpi" / "kommun_series" / "page-001.json").read_bytes()
    kpis = [KoladaKpi(k, k, value=kolada_value) for k in KOLADA_KPIS]
    with (
        KoladaServer(kpis, municipalities=("0000", "0123")) as server,  # Jönköping missing
        pytest.raises(KoladaError, match="inga data för 0680"),
    ):
        fetch_kolada(client_for(server), RawStore(raw_dir), load_catalog(raw_dir), ["0123", "0680"])
    assert (raw_dir / "kolada" / "kpi" / "kommun_series" / "page-001.json").read_bytes() == stored


def test_per_100000_rates_from_the_kommuns_files_are_scaled(raw_dir, marts_dir):
    (raw_dir / "local" / "brott.csv").write_text(
        HEADER + "0123,sangvagen,,vald_brott,2022,30,2000,,BRÅ: anmälda brott i området\n",
        encoding="utf-8",
    )
    assert run_refresh().success
    con = duckdb.connect(str(marts_dir / "segregation.duckdb"), read_only=True)
    value = con.execute(
        "SELECT value FROM marts.focus_area_indicator WHERE area_id = 'sangvagen' AND indicator = 'vald_brott'"
    ).fetchone()[0]
    con.close()
    assert value == pytest.approx(30 / 2000 * 100_000)


def test_snapshot_kolada_is_marked_demo(raw_dir):
    manifest = json.loads(
        (raw_dir / "kolada" / "kpi" / "kommun_series" / "manifest.json").read_text()
    )
    assert manifest["demo"] is True and "not fetched" in manifest["origin"]


def test_settings_from_the_environment_reach_the_assets_resource(monkeypatch):
    from pipelines.orchestration.resources import PipelineResource

    monkeypatch.setenv("SEGREGATION_KOLADA_MAX_AGE_DAYS", "0.5")
    monkeypatch.setenv("SEGREGATION_NIGHTLY_RETRY_BUDGET", "900")
    settings = PipelineResource(source="live").settings()
    assert settings.kolada_max_age_days == 0.5 and settings.nightly_retry_budget == 900
    assert PipelineResource(retry_budget=5).settings().retry_budget == 5
    assert settings.live
