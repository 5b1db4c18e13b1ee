"""The client and parser on real SCB responses, served by the local PxWebApi 2.0 server.

The fixtures in ``tests/fixtures/scb/`` are real answers of SCB's server (see the README there).
Expected values are read from those files here, by index arithmetic written out in the tests,
never from the code under test.
"""

from __future__ import annotations

import copy
import hashlib
import itertools
import json
import math
import re
from pathlib import Path

import pytest
import requests
from pxweb_server import PxWebServer, RecordedTable

from pipelines.sources.scb import PxWebClient, ScbRequestError
from pipelines.sources.scb.jsonstat import combine, has_ckm_note, parse_jsonstat2, parse_metadata

FIXTURES = Path(__file__).parent / "fixtures" / "scb"
METADATA_FILE = FIXTURES / "TAB6471_metadata.json"
DATA_FILE = FIXTURES / "TAB6471_data.json"
TABLES_FILE = FIXTURES / "tables.json"
TIMEOUT = 5.0
TABLE = "TAB6471"


def load(path: Path) -> dict:
    return json.loads(path.read_bytes())


META = load(METADATA_FILE)
DATA = load(DATA_FILE)
LISTING = load(TABLES_FILE)


def codes_in_order(doc: dict, variable: str) -> list[str]:
    index = doc["dimension"][variable]["category"]["index"]
    return sorted(index, key=index.get)


def raw_index(doc: dict, cell: dict[str, str]) -> int:
    """Row-major position of a cell in a json-stat2 ``value`` array, written out by hand."""
    position = 0
    for variable, size in zip(doc["id"], doc["size"], strict=True):
        position = position * size + doc["dimension"][variable]["category"]["index"][cell[variable]]
    return position


def raw_value(cell: dict[str, str]) -> float | int | None:
    return DATA["value"][raw_index(DATA, cell)]


def recorded_table() -> RecordedTable:
    return RecordedTable.from_files(METADATA_FILE, DATA_FILE)


def client_for(server: PxWebServer, **kwargs) -> PxWebClient:
    return PxWebClient(server.url, backoff_base=0.05, retry_budget=10, timeout=TIMEOUT, **kwargs)


@pytest.fixture
def server():
    with PxWebServer([recorded_table()], max_calls=50, time_window=1.0) as srv:
        srv.add_listing(LISTING["tables"])
        yield srv


def rows_by_cell(frame, variables: list[str]) -> dict[tuple[str, ...], object]:
    return {
        tuple(str(row[v]) for v in variables): row
        for row in frame.to_dict("records")  # small frames only
    }


# --------------------------------------------------------------------------- the fixtures


def test_fixtures_are_the_recorded_files_noted_in_the_readme():
    readme = (FIXTURES / "README.md").read_text(encoding="utf-8")
    noted = dict(re.findall(r"`([\w.]+\.json)`[^\n]*sha256 `([0-9a-f]{64})`", readme))
    assert sorted(noted) == ["TAB6471_data.json", "TAB6471_metadata.json", "tables.json"]
    for name, digest in noted.items():
        assert hashlib.sha256((FIXTURES / name).read_bytes()).hexdigest() == digest, name


# --------------------------------------------------------------------------- metadata


def test_metadata_is_served_byte_for_byte_and_parsed_as_recorded(server):
    client = client_for(server)
    assert client.metadata_bytes(TABLE) == METADATA_FILE.read_bytes()
    meta = client.metadata(TABLE)

    assert meta.codes == META["id"] == ["Region", "Alder", "Kon", "ContentsCode", "Tid"]
    assert [len(d.codes) for d in meta.dimensions] == META["size"] == [312, 134, 3, 1, 16]
    for dim in meta.dimensions:
        raw = META["dimension"][dim.code]
        assert list(dim.codes) == codes_in_order(META, dim.code)
        assert list(dim.labels) == [raw["category"]["label"][c] for c in dim.codes]
        assert dim.label == raw["label"]
        assert dim.elimination is raw["extension"]["elimination"]
        assert list(dim.codelists) == [(c["id"], c["label"]) for c in raw["extension"]["codelists"]]
    # What the recording says, so that the loop above checks something on both sides.
    assert {d.code for d in meta.dimensions if d.elimination} == {"Region", "Kon"}
    assert ("vs_CKM02Län", "län") in meta.dimension("Region").codelists
    assert ("vs_CKM0410årN", "10-årsklasser 0-100+") in meta.dimension("Alder").codelists
    assert meta.dimension("Kon").codelists == ()

    assert meta.updated == META["updated"] == "2026-06-08T06:00:00Z"
    assert meta.time_dimension == "Tid"
    assert meta.label == META["label"]
    assert meta.notes == META["note"] and len(meta.notes) == 4
    assert meta.ckm is True


def test_table_info_is_derived_from_the_recorded_metadata(server):
    info = client_for(server).table_info(TABLE)
    periods = codes_in_order(META, "Tid")
    assert info["id"] == TABLE
    assert info["label"] == META["label"]
    assert info["updated"] == META["updated"]
    assert (info["firstPeriod"], info["lastPeriod"]) == (periods[0], periods[-1])
    assert (info["firstPeriod"], info["lastPeriod"]) == ("2025M01", "2026M04")
    assert info["variableNames"] == [META["dimension"][v]["label"] for v in META["id"]]
    assert info["timeUnit"] == "Monthly"
    assert info["language"] == "sv"


def test_ckm_note_is_found_only_in_the_note_that_names_the_method():
    ckm_notes = [n for n in META["note"] if "Cell Key Method" in n]
    other_notes = [n for n in META["note"] if "Cell Key Method" not in n]
    assert len(ckm_notes) == 1 and len(other_notes) == 3
    assert has_ckm_note(ckm_notes)
    assert not has_ckm_note(other_notes)
    assert not has_ckm_note([])
    assert has_ckm_note(["Cells are protected with the cell key method."])
    assert not has_ckm_note(["Tabellen fortsätter som UtlSvBakgFinCKM."])  # a table name
    assert parse_metadata({**META, "note": other_notes}).ckm is False


# --------------------------------------------------------------------------- data, parsed


CELLS = [  # (Region, Alder, Kon, Tid): first, last and some in between
    ("01", "0-9", "TotSa", "2026M01"),
    ("25", "100+10", "2", "2026M04"),
    ("12", "30-39", "1", "2026M02"),
    ("03", "80-89", "TotSa", "2026M03"),
    ("20", "50-59", "2", "2026M01"),
]


def test_recorded_data_parses_to_the_recorded_cells():
    parsed = parse_jsonstat2(DATA, expected_dimensions=META["id"], context=TABLE)
    frame = parsed.frame
    assert len(frame) == math.prod(DATA["size"]) == 21 * 11 * 3 * 1 * 4
    assert parsed.dimension_codes == DATA["id"]
    assert [len(d.codes) for d in parsed.dimensions] == DATA["size"]
    # Hand-computed: strides over size [21, 11, 3, 1, 4] are [132, 12, 4, 4, 1].
    assert raw_index(DATA, dict(zip(DATA["id"], ("25", "100+10", "2", "000007SF", "2026M04")))) == (
        20 * 132 + 10 * 12 + 2 * 4 + 0 * 4 + 3
    )
    assert DATA["value"][0] == 245284 and frame.value[0] == 245284
    for region, age, sex, month in CELLS:
        cell = {
            "Region": region,
            "Alder": age,
            "Kon": sex,
            "ContentsCode": "000007SF",
            "Tid": month,
        }
        i = raw_index(DATA, cell)
        row = frame.iloc[i]
        assert (row.Region, row.Alder, row.Kon, row.Tid) == (region, age, sex, month)
        assert row.value == DATA["value"][i]
        assert row.Region_label == DATA["dimension"]["Region"]["category"]["label"][region]
    assert frame.value.tolist() == DATA["value"]
    assert parsed.updated == DATA["updated"] == "2026-06-08T06:00:00Z"
    assert parsed.notes == DATA["note"]
    assert parsed.ckm is True
    assert parsed.label == DATA["label"]


def test_recorded_data_has_no_status_and_a_status_in_a_modified_copy_is_kept():
    assert "status" not in DATA
    assert parse_jsonstat2(DATA).frame.status.isna().all()

    changed = copy.deepcopy(DATA)
    cell = {"Region": "12", "Alder": "90-99", "Kon": "1", "ContentsCode": "000007SF"}
    i = raw_index(changed, {**cell, "Tid": "2026M03"})
    changed["value"][i] = None
    changed["status"] = {str(i): ".."}
    frame = parse_jsonstat2(changed).frame
    assert math.isnan(frame.value[i]) and frame.status[i] == ".."
    assert frame.status.notna().sum() == 1
    assert frame.value.notna().sum() == len(frame) - 1


# --------------------------------------------------------------------------- data, fetched


SUB_SELECTION = {
    "Region": ["25", "01", "12"],
    "Alder": ["100+10", "0-9"],
    "Kon": "*",
    "ContentsCode": "*",
    "Tid": ["2026M04", "2026M02"],
}


def test_a_sub_selection_fetched_through_the_client_is_the_recorded_cells(server):
    client = client_for(server)
    parts = client.fetch_data(
        TABLE, SUB_SELECTION, codelists={"Region": "vs_CKM02Län", "Alder": "vs_CKM0410årN"}
    )
    (call,) = server.data_requests()
    assert call.status == 200 and call.cells == 3 * 2 * 3 * 1 * 2
    assert call.body["selection"][0]["codelist"] == "vs_CKM02Län"

    doc = json.loads(parts[0].content)
    assert doc["size"] == [3, 2, 3, 1, 2]
    # Answered in recorded order, whatever the order asked for.
    assert codes_in_order(doc, "Region") == ["01", "12", "25"]
    assert codes_in_order(doc, "Tid") == ["2026M02", "2026M04"]
    for key in ("label", "source", "updated", "note", "role", "extension"):
        assert doc[key] == DATA[key]
    for variable in DATA["id"]:
        assert doc["dimension"][variable]["extension"] == DATA["dimension"][variable]["extension"]
    assert doc["dimension"]["Alder"]["note"] == DATA["dimension"]["Alder"]["note"]
    assert doc["dimension"]["ContentsCode"]["category"]["unit"] == {
        "000007SF": {"base": "antal", "decimals": 0}
    }
    assert "status" not in doc

    parsed = parse_jsonstat2(doc, expected_dimensions=client.metadata(TABLE).codes)
    assert parsed.ckm and parsed.updated == META["updated"]
    rows = rows_by_cell(parsed.frame, DATA["id"])
    expected = {
        combo: raw_value(dict(zip(DATA["id"], combo)))
        for combo in itertools.product(
            ["01", "12", "25"],
            ["0-9", "100+10"],
            ["TotSa", "1", "2"],
            ["000007SF"],
            SUB_SELECTION["Tid"],
        )
    }
    assert {cell: row["value"] for cell, row in rows.items()} == expected
    assert (
        rows[("25", "100+10", "2", "000007SF", "2026M04")]["value"]
        == DATA["value"][20 * 132 + 10 * 12 + 2 * 4 + 3]
    )


def test_a_selection_over_max_data_cells_is_split_and_combines_to_the_recording():
    with PxWebServer(
        [recorded_table()], max_data_cells=500, max_calls=50, time_window=1.0
    ) as server:
        client = client_for(server)
        selection = {v: codes_in_order(DATA, v) for v in DATA["id"]}
        parts = client.fetch_data(TABLE, selection)
        calls = server.data_requests()
    total = math.prod(DATA["size"])
    assert len(calls) >= math.ceil(total / 500) and len(calls) == len(parts) > 1
    assert all(call.status == 200 and call.cells <= 500 for call in calls)
    assert sum(call.cells for call in calls) == total
    combined = combine([parse_jsonstat2(json.loads(p.content)) for p in parts], context=TABLE)
    got = {cell: row["value"] for cell, row in rows_by_cell(combined.frame, DATA["id"]).items()}
    expected = {
        combo: raw_value(dict(zip(DATA["id"], combo)))
        for combo in itertools.product(*(codes_in_order(DATA, v) for v in DATA["id"]))
    }
    assert got == expected and len(got) == total
    assert combined.notes == DATA["note"] and combined.updated == DATA["updated"]


def test_status_symbols_of_a_recording_follow_their_cells_into_a_sub_selection():
    data = copy.deepcopy(DATA)
    suppressed = {
        "Region": "14",
        "Alder": "20-29",
        "Kon": "2",
        "ContentsCode": "000007SF",
        "Tid": "2026M03",
    }
    i = raw_index(data, suppressed)
    data["value"][i] = None
    data["status"] = {str(i): ".."}
    table = RecordedTable(metadata=METADATA_FILE.read_bytes(), data=data)
    with PxWebServer([table], max_calls=50, value_as_object=True) as server:
        client = client_for(server)
        selection = {
            "Region": ["13", "14"],
            "Alder": ["20-29"],
            "Kon": ["1", "2"],
            "ContentsCode": "*",
            "Tid": ["2026M03", "2026M04"],
        }
        (part,) = client.fetch_data(TABLE, selection)
    doc = json.loads(part.content)
    # Region 14 is the second of two, Kon 2 the second of two, 2026M03 the first of two.
    assert doc["status"] == {str(1 * 4 + 0 * 4 + 1 * 2 + 0 * 2 + 0): ".."}
    assert str(1 * 4 + 1 * 2) not in doc["value"]  # a missing cell is left out of the object
    rows = rows_by_cell(parse_jsonstat2(doc).frame, DATA["id"])
    row = rows[("14", "20-29", "2", "000007SF", "2026M03")]
    assert math.isnan(row["value"]) and row["status"] == ".."
    other = rows[("13", "20-29", "2", "000007SF", "2026M03")]
    assert other["value"] == raw_value({**suppressed, "Region": "13"})
    assert sum(1 for r in rows.values() if isinstance(r["status"], str)) == 1


def test_a_get_selection_gives_the_same_cells(server):
    params = {
        "lang": "sv",
        "valuecodes[Region]": "03",
        "valuecodes[Alder]": "60-69,10-19",
        "valuecodes[Kon]": "1",
        "valuecodes[ContentsCode]": "000007SF",
        "valuecodes[Tid]": "2026M01",
    }
    doc = requests.get(f"{server.url}/tables/{TABLE}/data", params=params, timeout=TIMEOUT).json()
    assert doc["size"] == [1, 2, 1, 1, 1]
    assert doc["value"] == [
        raw_value(
            {"Region": "03", "Alder": age, "Kon": "1", "ContentsCode": "000007SF", "Tid": "2026M01"}
        )
        for age in ("10-19", "60-69")
    ]


# --------------------------------------------------------------------------- refusals


def problem(resp: requests.Response, status: int) -> str:
    assert resp.status_code == status
    assert resp.headers["Content-Type"].startswith("application/problem+json")
    return resp.json()["detail"]


def post(
    server: PxWebServer, selection: dict[str, list[str]], codelists: dict[str, str] | None = None
):
    body = {
        "selection": [
            {
                "variableCode": v,
                "valueCodes": c,
                **({"codelist": codelists[v]} if codelists and v in codelists else {}),
            }
            for v, c in selection.items()
        ]
    }
    return requests.post(f"{server.url}/tables/{TABLE}/data?lang=sv", json=body, timeout=TIMEOUT)


BASE = {
    "Region": ["01"],
    "Alder": ["0-9"],
    "Kon": ["1"],
    "ContentsCode": ["000007SF"],
    "Tid": ["2026M01"],
}


def test_codes_the_recording_lacks_are_a_clear_400(server):
    detail = problem(post(server, {**BASE, "Region": ["01", "0123"]}), 400)
    assert "'0123'" in detail and "not in the recorded response" in detail and "25" in detail
    detail = problem(post(server, {**BASE, "Tid": ["2025M06"]}), 400)
    assert "'2025M06'" in detail and "not in the recorded response" in detail
    detail = problem(post(server, {**BASE, "Region": ["9999"]}), 400)
    assert "'9999' is not a valid value code" in detail
    detail = problem(post(server, {**BASE, "Tid": ["*"]}), 400)
    assert "all 16 values" in detail and "holds 4" in detail
    detail = problem(post(server, {k: v for k, v in BASE.items() if k != "Kon"}), 400)
    assert "'Kon'" in detail
    detail = problem(post(server, BASE, {"Region": "vs_DeSO2025"}), 400)
    assert "vs_DeSO2025" in detail and "vs_CKM02Län" in detail
    assert post(server, {**BASE, "Kon": ["*"], "ContentsCode": ["*"]}).status_code == 200


def test_the_client_reports_a_code_outside_the_recording(server):
    client = client_for(server)
    with pytest.raises(ScbRequestError) as err:
        client.fetch_data(TABLE, {**SUB_SELECTION, "Region": ["0123"]})
    assert err.value.status == 400
    assert "not in the recorded response" in str(err.value) and TABLE in str(err.value)


def test_the_recording_is_served_in_its_own_language_only(server):
    resp = requests.get(
        f"{server.url}/tables/{TABLE}/metadata", params={"lang": "en"}, timeout=TIMEOUT
    )
    assert "'sv' only" in problem(resp, 400)
    resp = requests.get(f"{server.url}/tables/{TABLE}/metadata", timeout=TIMEOUT)
    assert resp.status_code == 200 and resp.content == METADATA_FILE.read_bytes()


def test_a_truncated_recorded_metadata_answer_is_retried(server):
    server.inject("truncate", path_contains="/metadata")
    client = client_for(server)
    assert client.metadata_bytes(TABLE) == METADATA_FILE.read_bytes()
    assert [r.status for r in server.requests if r.path.endswith("/metadata")] == [200, 200]


# --------------------------------------------------------------------------- the listing


def recorded_ids(predicate) -> list[str]:
    return [t["id"] for t in LISTING["tables"] if predicate(t)]


def under(node_id: str):
    return lambda t: any(node["id"] == node_id for path in t["paths"] for node in path)


def test_search_tables_finds_the_recorded_tables_under_a_v1_path_element(server):
    expected = recorded_ids(under("AM0211A"))
    assert expected == ["TAB4707", "TAB4714", "TAB4718", "TAB4723", "TAB4344", "TAB6348", "TAB6349"]
    client = client_for(server)
    found = client.search_tables("AM0211A")
    assert [t["id"] for t in found] == expected
    by_id = {t["id"]: t for t in LISTING["tables"]}
    for table in found:  # as recorded, paths and all
        assert table == by_id[table["id"]]
    assert found[0]["paths"][0][-1] == {
        "id": "AM0211A",
        "label": "Anställningar",
        "sortCode": "001",
    }


def test_search_tables_follows_next_links_a_few_pages_at_most(server):
    client = client_for(server)
    expected = recorded_ids(under("AM0211"))
    assert len(expected) == 18
    found = client.search_tables("am0211", page_size=5)
    assert [t["id"] for t in found] == expected
    listing_calls = [r for r in server.requests if r.path.rstrip("/").endswith("/tables")]
    assert len(listing_calls) == math.ceil(18 / 5)
    assert listing_calls[0].query["pageSize"] == ["5"]
    assert [r.query.get("pageNumber") for r in listing_calls] == [None, ["2"], ["3"], ["4"]]
    assert all(r.query["query"] == ["am0211"] and r.query["lang"] == ["sv"] for r in listing_calls)

    assert [t["id"] for t in client.search_tables("AM0211", page_size=5, max_pages=2)] == expected[
        :10
    ]


def test_search_tables_matches_labels_and_every_word(server):
    client = client_for(server)
    expected = recorded_ids(lambda t: "sjukfrånvaro" in t["label"].casefold())
    assert len(expected) == 4
    assert [t["id"] for t in client.search_tables("Sjukfrånvaro")] == expected
    both = recorded_ids(lambda t: "sjukfrånvaro" in t["label"].casefold() and under("AM0211N")(t))
    assert both == ["TAB6652"]
    assert [t["id"] for t in client.search_tables("sjukfrånvaro AM0211N")] == both
    assert client.search_tables("no such table anywhere") == []


def test_a_served_recorded_table_is_found_by_its_paths():
    paths = [
        [
            {"id": "BE", "label": "Befolkning"},
            {"id": "BE0101", "label": "Befolkningsstatistik"},
            {"id": "BE0101A", "label": "Folkmängd"},
        ]
    ]
    table = RecordedTable.from_files(METADATA_FILE, DATA_FILE, paths=paths)
    with PxWebServer([table], max_calls=50) as server:
        server.add_listing(LISTING["tables"])
        client = client_for(server)
        (found,) = client.search_tables("BE0101A")
        assert found["id"] == TABLE and found["paths"] == paths
        assert found["updated"] == META["updated"] and found["lastPeriod"] == "2026M04"
        assert [t["id"] for t in client.search_tables("folkmängden")] == [TABLE]


def test_the_listing_has_the_shape_of_the_recorded_page_and_pages_by_its_links(server):
    resp = requests.get(
        f"{server.url}/tables", params={"lang": "sv", "pageSize": 20}, timeout=TIMEOUT
    )
    first = resp.json()
    assert set(first) == set(LISTING)
    assert set(first["page"]) == set(LISTING["page"])
    assert first["page"]["totalElements"] == len(LISTING["tables"]) + 1  # and TAB6471
    assert first["page"]["totalPages"] == 2
    assert [link["rel"] for link in first["page"]["links"]] == ["next", "last"]
    assert first["tables"][0]["id"] == TABLE
    assert first["tables"][1:] == LISTING["tables"][:19]

    href = first["page"]["links"][0]["href"]
    assert "pagesize=20" in href  # spelt as SCB spells it
    second = requests.get(href, timeout=TIMEOUT).json()
    assert second["page"]["pageNumber"] == 2
    assert second["tables"] == LISTING["tables"][19:]
    assert [link["rel"] for link in second["page"]["links"]] == ["previous", "last"]

    beyond = requests.get(f"{server.url}/tables", params={"pageNumber": 3}, timeout=TIMEOUT)
    assert "pageNumber 3" in problem(beyond, 400)
    assert "pageSize" in problem(
        requests.get(f"{server.url}/tables", params={"pageSize": 0}, timeout=TIMEOUT), 400
    )


def test_a_listed_only_table_answers_its_info_as_recorded_and_has_no_data(server):
    info = requests.get(
        f"{server.url}/tables/tab4707", params={"lang": "sv"}, timeout=TIMEOUT
    ).json()
    assert info == {"language": "sv", **LISTING["tables"][0]}
    resp = requests.get(f"{server.url}/tables/TAB4707/metadata", timeout=TIMEOUT)
    assert "only listed" in problem(resp, 404)


def test_a_content_code_the_table_lacks_is_named_with_the_codes_and_labels_it_has():
    """What `segregation check` shows for a content code the table does not have: SCB's own
    content codes with their labels, from the recorded metadata."""
    from pipelines.sources.scb.selection import SelectionError, resolve_selection

    metadata = parse_metadata(META)
    [(code, label)] = META["dimension"]["ContentsCode"]["category"]["label"].items()
    with pytest.raises(SelectionError) as err:
        resolve_selection(metadata, {**SUB_SELECTION, "ContentsCode": ["KVINTIL1"]}, TABLE)
    assert "'KVINTIL1'" in str(err.value) and f"{code} ({label})" in str(err.value)
    with pytest.raises(SelectionError) as err:  # many codes: the codes alone, cut at 12
        resolve_selection(metadata, {**SUB_SELECTION, "Region": ["9999"]}, TABLE)
    assert "(" not in str(err.value).split("värdena är")[1] and "…" in str(err.value)
