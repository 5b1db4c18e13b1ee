"""Meeting SCB as it is: content codes found by their labels, unconfirmed requests that do not
block a live run, and cells outside a division's years that are no data.

Metadata in SCB's recorded shape; runs against the local PxWebApi 2.0 and Kolada servers.
Expected codes and counts are written out here, never taken from the code under test.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import duckdb
import pytest
from conftest import TAB6684_CONTENTS, _regions, _years, all_tables
from pxweb_server import FakeTable, PxWebServer, Variable

from pipelines.cli import main
from pipelines.registry.catalog import load_catalog
from pipelines.sources.raw_store import RawStore
from pipelines.sources.scb.client import PxWebClient
from pipelines.sources.scb.jsonstat import parse_metadata
from pipelines.sources.scb.labels import LabelError, resolve_labels
from pipelines.sources.scb.snapshot import fetch_request, load_request

FIXTURES = Path(__file__).parent / "fixtures" / "scb"
QUARTILES = {"ContentsCode": {"KVARTIL1": "kvartil 1", "KVARTIL4": "kvartil 4"}}


def tab6684_metadata() -> dict:
    """SCB's recorded metadata document (TAB6471) with TAB6684's contents in its place, in
    the same shape: category index, labels, units and SCB's extension fields."""
    doc = json.loads((FIXTURES / "TAB6471_metadata.json").read_text(encoding="utf-8"))
    doc = copy.deepcopy(doc)
    contents = doc["dimension"]["ContentsCode"]
    codes = [code for code, _ in TAB6684_CONTENTS]
    contents["category"] = {
        "index": {code: i for i, code in enumerate(codes)},
        "label": dict(TAB6684_CONTENTS),
        "unit": {code: {"base": "procent", "decimals": 1} for code in codes},
    }
    ext = contents["extension"]
    for key in ("refperiod", "measuringType", "priceType", "adjustment", "alternativeText"):
        first = next(iter(ext[key].values()))
        ext[key] = {code: first for code in codes}
    ext["alternativeText"] = dict(TAB6684_CONTENTS)
    doc["size"][doc["id"].index("ContentsCode")] = len(codes)
    return doc


def test_quartile_labels_in_scbs_metadata_shape_resolve_to_their_codes():
    metadata = parse_metadata(tab6684_metadata(), context="TAB6684")
    resolved = resolve_labels(metadata, QUARTILES, "TAB6684")
    assert resolved == {"ContentsCode": {"KVARTIL1": "000006T4", "KVARTIL4": "000006T7"}}
    # case and whitespace do not matter
    loose = {"ContentsCode": {"KVARTIL4": "  KVARTIL   4 "}}
    assert resolve_labels(metadata, loose, "TAB6684") == {"ContentsCode": {"KVARTIL4": "000006T7"}}


def test_a_pattern_matching_no_label_or_several_names_the_table_and_candidates():
    metadata = parse_metadata(tab6684_metadata(), context="TAB6684")
    with pytest.raises(LabelError) as none:
        resolve_labels(metadata, {"ContentsCode": {"Q1": "kvintil 1"}}, "TAB6684")
    message = str(none.value)
    assert message.startswith("TAB6684: ") and "'kvintil 1' matchar ingen etikett" in message
    assert "000006T4 (Kvartil 1, andel personer, procent)" in message
    assert "000008AB (Medianvärde, tkr)" in message  # every content is a candidate
    with pytest.raises(LabelError) as several:
        resolve_labels(metadata, {"ContentsCode": {"Q": "kvartil"}}, "TAB6684")
    message = str(several.value)
    assert "'kvartil' matchar 4 etiketter" in message
    assert "000006T7 (Kvartil 4, andel personer, procent)" in message
    assert "000008AB" not in message  # only the ones that match


def test_resolved_codes_are_asked_for_stored_and_read_back_as_the_requests_names(raw_dir):
    request = load_catalog(raw_dir).request("deso_income_quartiles")
    store = RawStore(raw_dir)
    with PxWebServer(all_tables(), max_calls=50) as server:
        [outcome] = fetch_request(PxWebClient(server.url), store, request, ["0123"])
        assert outcome.changed
        [call] = server.data_requests()
    [contents] = [s for s in call.body["selection"] if s["variableCode"] == "ContentsCode"]
    assert contents["valueCodes"] == ["000006T4", "000006T7"]
    manifest = store.manifest("scb", "TAB6684", "deso_income_quartiles")
    assert manifest["resolved_codes"] == {
        "ContentsCode": {"KVARTIL1": "000006T4", "KVARTIL4": "000006T7"}
    }
    frame = load_request(store, request, ["0123"]).frame
    assert set(frame["ContentsCode"]) == {"KVARTIL1", "KVARTIL4"}
    # the local server's formula: kvartil 1 = 10 + last digit of the DeSO code (DeSO 2018 to 2023)
    row = frame[(frame.Region == "0123C1290") & (frame.Tid == "2020")].set_index("ContentsCode")
    assert row.loc["KVARTIL1", "value"] == 10.0 and row.loc["KVARTIL4", "value"] == 30.0


def without_quartiles() -> list:
    """The local server's tables, TAB6684 listing only the median (no quartile labels)."""
    tables = all_tables()
    for table in tables:
        if table.id == "TAB6684":
            [contents] = [v for v in table.variables if v.code == "ContentsCode"]
            contents.values = [(c, label) for c, label in contents.values if c == "000008AB"]
    return tables


def test_an_unconfirmed_request_failing_live_is_skipped_and_the_run_completes(
    raw_dir, marts_dir, capsys, monkeypatch
):
    with PxWebServer(without_quartiles(), max_calls=200, time_window=1) as server:
        monkeypatch.setenv("SCB_API_URL", server.url)
        assert main(["check", "--live"]) == 0
        out = capsys.readouterr().out
        assert "VARNING: hoppas över" in out and "deso_income_quartiles" in out
        assert "'kvartil 1' matchar ingen etikett" in out
        # what to verify, for every request the catalog marks unconfirmed
        verify = [line for line in out.splitlines() if line.startswith("verifiera")]
        assert [line.split()[1] for line in verify] == [
            "population_background",
            "deso_income_quartiles",
            "regso_omradestyp",
        ]
        assert "UtlSvBakgFinCKM" in verify[0] and "TAB6586" in verify[2]
        monkeypatch.setenv("SEGREGATION_SOURCE", "live")
        assert main(["run"]) == 0
        asked = {r.path.split("/")[-2] for r in server.data_requests()}
    assert "TAB6684" in asked  # the confirmed median request is fetched all the same
    con = duckdb.connect(str(marts_dir / "segregation.duckdb"), read_only=True)
    try:
        rows = con.execute(
            "SELECT value, note FROM marts.segregation_index WHERE measure = 'income_dissimilarity'"
        ).fetchall()
        background = con.execute(
            "SELECT count(value) FROM marts.segregation_index WHERE measure = 'dissimilarity'"
        ).fetchone()[0]
    finally:
        con.close()
    assert rows and all(value is None for value, _ in rows)
    assert all(note.startswith("källan saknas i denna körning: VARNING") for _, note in rows)
    assert all("kvartil 1" in note for _, note in rows)
    assert background > 0


def test_a_confirmed_request_failing_live_stops_the_run_before_any_data_call(
    raw_dir, marts_dir, capsys, monkeypatch
):
    tables = [t for t in all_tables() if t.id != "TAB6680"]  # deso_employment: confirmed
    monkeypatch.setenv("SEGREGATION_SOURCE", "live")
    with PxWebServer(tables, max_calls=200, time_window=1) as server:
        monkeypatch.setenv("SCB_API_URL", server.url)
        assert main(["run"]) == 1
        assert server.data_requests() == []
    err = capsys.readouterr().err
    assert "TAB6680" in err and "SCB känner inte till tabellen" in err
    assert not (marts_dir / "segregation.duckdb").exists()


def test_a_zero_outside_its_divisions_years_is_dropped_like_an_empty_cell(raw_dir):
    """TAB6574 answers 0, not `..`, for a code outside its division's years: such a zero is
    dropped on load as an empty cell is, and counted."""
    regions = _regions(True)  # kommun rows, DeSO 2018 codes and codes suffixed _DeSO2025

    def value(c: dict[str, str]) -> float:
        if len(c["Region"]) == 4:
            return 100.0  # a kommun row: no division
        inside = c["Region"].endswith("_DeSO2025") == (c["Tid"] == "2024")
        return 7.0 if inside else 0.0  # never `..`

    table = FakeTable(
        "TAB6571",
        "Folkmängd per DeSO",
        "2025-03-01T08:00:00Z",
        [
            Variable("Region", "region", regions),
            Variable("UtlBakgrund", "bakgrund", [("1", "1"), ("2", "2"), ("SA", "SA")]),
            Variable("Kon", "kön", [("1", "män"), ("2", "kvinnor"), ("1+2", "totalt")]),
            Variable("ContentsCode", "tabellinnehåll", [("000007Y4", "Folkmängd")], metric=True),
            Variable("Tid", "år", _years(2010, 2024), time=True),
        ],
        value,
    )
    request = load_catalog(raw_dir).request("deso_population_background")
    store = RawStore(raw_dir)
    with PxWebServer([table], max_calls=50) as server:
        fetch_request(PxWebClient(server.url), store, request, ["0123"])
    loaded = load_request(store, request, ["0123"])
    deso = loaded.frame[loaded.frame["division"] != "kommun"]
    assert (deso["value"] == 7.0).all()
    codes = [c for c, _ in regions if c.startswith("0123") and len(c) > 4]
    n_2018 = sum(not c.endswith("_DeSO2025") for c in codes)
    n_2025 = len(codes) - n_2018
    # per code 3 backgrounds × 3 sexes a year; DeSO 2018 codes hold 2010-2023 (14 years),
    # DeSO 2025 codes 2024: the rest of the 15 years is dropped
    assert len(deso) == 9 * (14 * n_2018 + 1 * n_2025)
    assert loaded.dropped_other_division == 9 * (1 * n_2018 + 14 * n_2025)


def test_the_catalog_requires_provenance_and_labels_for_codes_it_selects(raw_dir):
    from pipelines.registry.catalog import CatalogError

    path = raw_dir / "catalog.toml"
    original = path.read_text(encoding="utf-8")
    path.write_text(original.replace("confirmed = true\n", "", 1), encoding="utf-8")
    with pytest.raises(CatalogError, match=r"\[scb.deso_population_background\]: confirmed"):
        load_catalog(raw_dir)
    path.write_text(
        original.replace('KVARTIL4 = "kvartil 4"', 'KVARTIL5 = "kvartil 5"'), encoding="utf-8"
    )
    with pytest.raises(CatalogError, match="labels names ContentsCode KVARTIL5"):
        load_catalog(raw_dir)
