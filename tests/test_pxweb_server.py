"""Checks of the PxWebApi 2.0 test server against the protocol, independent of any client."""

from __future__ import annotations

import itertools
import json
import socket
import time
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
import requests

try:
    from pxweb_server import FakeTable, PxWebServer, RecordedRequest, Variable
except ModuleNotFoundError:  # collected with tests/ as a package
    from tests.pxweb_server import FakeTable, PxWebServer, RecordedRequest, Variable

REGIONS = [("0114", "Upplands Väsby"), ("0180", "Stockholm"), ("1480", "Göteborg")]
CONTENTS = [("BE0101N1", "Folkmängd"), ("BE0101A9", "Medelålder")]
YEARS = [("2021", "2021"), ("2022", "2022"), ("2023", "2023")]
TIMEOUT = 5.0


def cell_value(coords: dict[str, str]) -> float | int | None:
    """Deterministic values; Stockholm/Folkmängd/2022 is missing."""
    if coords == {"Region": "0180", "ContentsCode": "BE0101N1", "Tid": "2022"}:
        return None
    region = [c for c, _ in REGIONS].index(coords["Region"])
    content = [c for c, _ in CONTENTS].index(coords["ContentsCode"])
    year = int(coords["Tid"])
    return region * 10_000 + content * 1_000 + year if content == 0 else 40.5 + region


def cell_status(coords: dict[str, str]) -> str | None:
    return ".." if cell_value(coords) is None else None


def make_table(table_id: str = "TAB6571", **overrides: object) -> FakeTable:
    fields: dict[str, object] = {
        "id": table_id,
        "label": "Population by region, contents and year",
        "updated": "2025-03-20T08:00:00Z",
        "variables": [
            Variable("Region", "region", list(REGIONS)),
            Variable(
                "ContentsCode",
                "contents",
                list(CONTENTS),
                metric=True,
                units={"BE0101N1": ("persons", 0), "BE0101A9": ("years", 1)},
            ),
            Variable("Tid", "year", list(YEARS), time=True),
        ],
        "value": cell_value,
        "status": cell_status,
        "note": [".. = Data not available"],
    }
    fields.update(overrides)
    return FakeTable(**fields)  # type: ignore[arg-type]


ALL_SELECTION = {"Region": ["*"], "ContentsCode": ["*"], "Tid": ["*"]}


def post_body(selection: dict[str, list[str]]) -> dict:
    return {"selection": [{"variableCode": k, "valueCodes": v} for k, v in selection.items()]}


def get_params(selection: dict[str, list[str]]) -> dict[str, str]:
    return {f"valuecodes[{k}]": ",".join(v) for k, v in selection.items()}


@pytest.fixture
def server() -> Iterator[PxWebServer]:
    with PxWebServer([make_table()], enforce_rate_limit=False) as srv:
        yield srv


def assert_problem(resp: requests.Response, status: int, *fragments: str) -> dict:
    assert resp.status_code == status
    assert resp.headers["Content-Type"].startswith("application/problem+json")
    problem = resp.json()
    assert problem["type"] == "about:blank"
    assert problem["status"] == status
    assert problem["title"]
    for fragment in fragments:
        assert fragment in problem["detail"]
    return problem


# --------------------------------------------------------------------------- basics


def test_url_is_local_and_ephemeral(server: PxWebServer) -> None:
    parts = urlsplit(server.url)
    assert parts.hostname == "127.0.0.1"
    assert parts.port and parts.port > 0
    assert parts.path == "/api/v2"


def test_config_reflects_constructor() -> None:
    with PxWebServer(max_data_cells=1234, max_calls=7, time_window=10.0) as srv:
        resp = requests.get(f"{srv.url}/config", timeout=TIMEOUT)
    assert resp.status_code == 200
    assert resp.headers["Content-Type"] == "application/json; charset=utf-8"
    config = resp.json()
    assert config["maxDataCells"] == 1234
    assert config["maxCallsPerTimeWindow"] == 7
    assert config["timeWindow"] == 10 and isinstance(config["timeWindow"], int)
    assert config["defaultDataFormat"] == "json-stat2"
    assert {lang["id"] for lang in config["languages"]} == {"en", "sv"}
    for key in ("apiVersion", "appVersion", "defaultLanguage", "license", "dataFormats"):
        assert key in config


def test_config_fractional_time_window() -> None:
    with PxWebServer(time_window=0.5) as srv:
        config = requests.get(f"{srv.url}/config", timeout=TIMEOUT).json()
    assert config["timeWindow"] == 0.5


def test_table_info(server: PxWebServer) -> None:
    resp = requests.get(f"{server.url}/tables/TAB6571", params={"lang": "sv"}, timeout=TIMEOUT)
    assert resp.status_code == 200
    info = resp.json()
    assert info["language"] == "sv"
    assert info["id"] == "TAB6571"
    assert info["label"] == "Population by region, contents and year"
    assert info["updated"] == "2025-03-20T08:00:00Z"
    assert (info["firstPeriod"], info["lastPeriod"]) == ("2021", "2023")
    assert info["variableNames"] == ["region", "contents", "year"]
    assert info["timeUnit"] == "Annual"
    assert info["source"] == "SCB"
    assert {link["rel"] for link in info["links"]} >= {"self", "metadata", "data"}


def test_table_list(server: PxWebServer) -> None:
    listing = requests.get(f"{server.url}/tables", timeout=TIMEOUT).json()
    assert [t["id"] for t in listing["tables"]] == ["TAB6571"]
    assert listing["page"]["totalElements"] == 1


def test_metadata_shape(server: PxWebServer) -> None:
    resp = requests.get(f"{server.url}/tables/TAB6571/metadata", timeout=TIMEOUT)
    assert resp.status_code == 200
    meta = resp.json()
    assert meta["version"] == "2.0"
    assert meta["class"] == "dataset"
    assert meta["id"] == ["Region", "ContentsCode", "Tid"]
    assert meta["size"] == [3, 2, 3]
    assert meta["role"] == {"time": ["Tid"], "metric": ["ContentsCode"]}
    assert meta["updated"] == "2025-03-20T08:00:00Z"
    assert meta["note"] == [".. = Data not available"]
    assert meta["value"] == []
    region = meta["dimension"]["Region"]
    assert region["label"] == "region"
    assert region["category"]["index"] == {"0114": 0, "0180": 1, "1480": 2}
    assert region["category"]["label"]["0180"] == "Stockholm"
    assert region["extension"]["elimination"] is False
    units = meta["dimension"]["ContentsCode"]["category"]["unit"]
    assert units == {
        "BE0101N1": {"base": "persons", "decimals": 0},
        "BE0101A9": {"base": "years", "decimals": 1},
    }
    assert "unit" not in meta["dimension"]["Tid"]["category"]


def test_set_updated_and_add_table(server: PxWebServer) -> None:
    server.set_updated("TAB6571", "2025-04-01T08:00:00Z")
    server.add_table(make_table("TAB9999", label="Another"))
    info = requests.get(f"{server.url}/tables/TAB6571", timeout=TIMEOUT).json()
    meta = requests.get(f"{server.url}/tables/TAB6571/metadata", timeout=TIMEOUT).json()
    data = requests.get(
        f"{server.url}/tables/TAB6571/data", params=get_params(ALL_SELECTION), timeout=TIMEOUT
    ).json()
    assert info["updated"] == meta["updated"] == data["updated"] == "2025-04-01T08:00:00Z"
    other = requests.get(f"{server.url}/tables/TAB9999", timeout=TIMEOUT).json()
    assert other["label"] == "Another"


# --------------------------------------------------------------------------- data


def expected_values(selection: dict[str, list[tuple[str, str]]]) -> list[float | int | None]:
    names = list(selection)
    return [
        cell_value(dict(zip(names, combo, strict=True)))
        for combo in itertools.product(*([c for c, _ in v] for v in selection.values()))
    ]


def test_get_and_post_give_same_dataset(server: PxWebServer) -> None:
    selection = {"Region": ["0114", "1480"], "ContentsCode": ["BE0101N1"], "Tid": ["*"]}
    url = f"{server.url}/tables/TAB6571/data"
    got = requests.get(
        url, params={**get_params(selection), "outputFormat": "json-stat2"}, timeout=TIMEOUT
    )
    posted = requests.post(url, params={"lang": "en"}, json=post_body(selection), timeout=TIMEOUT)
    assert got.status_code == posted.status_code == 200
    assert got.headers["Content-Type"] == "application/json; charset=utf-8"
    assert got.json() == posted.json()
    data = got.json()
    assert data["version"] == "2.0" and data["class"] == "dataset"
    assert data["id"] == ["Region", "ContentsCode", "Tid"]
    assert data["size"] == [2, 1, 3]
    assert data["value"] == expected_values(
        {"Region": [REGIONS[0], REGIONS[2]], "ContentsCode": CONTENTS[:1], "Tid": YEARS}
    )
    assert "status" not in data
    assert data["role"]["time"] == ["Tid"]
    assert data["dimension"]["ContentsCode"]["category"]["unit"] == {
        "BE0101N1": {"base": "persons", "decimals": 0}
    }


def test_literal_brackets_and_split_params(server: PxWebServer) -> None:
    url = (
        f"{server.url}/tables/TAB6571/data?valuecodes[Region]=0114&valuecodes[Region]=0180"
        "&valuecodes[ContentsCode]=*&valuecodes[Tid]=2021,2023&codelist[Region]=vs_RegionKommun"
    )
    resp = requests.get(url, timeout=TIMEOUT)
    assert resp.status_code == 200, resp.text
    assert resp.json()["size"] == [2, 2, 2]
    recorded = server.data_requests()[-1]
    assert recorded.query["valuecodes[Tid]"] == ["2021,2023"]
    assert recorded.cells == 8


def test_values_follow_metadata_order(server: PxWebServer) -> None:
    selection = {
        "Region": ["1480", "0114"],
        "ContentsCode": ["BE0101A9", "BE0101N1"],
        "Tid": ["2023", "2021"],
    }
    data = requests.post(
        f"{server.url}/tables/TAB6571/data", json=post_body(selection), timeout=TIMEOUT
    ).json()
    assert data["dimension"]["Region"]["category"]["index"] == {"0114": 0, "1480": 1}
    assert data["dimension"]["Tid"]["category"]["index"] == {"2021": 0, "2023": 1}
    assert data["value"] == expected_values(
        {"Region": [REGIONS[0], REGIONS[2]], "ContentsCode": CONTENTS, "Tid": [YEARS[0], YEARS[2]]}
    )


def test_missing_cell_is_null_with_status(server: PxWebServer) -> None:
    data = requests.get(
        f"{server.url}/tables/TAB6571/data", params=get_params(ALL_SELECTION), timeout=TIMEOUT
    ).json()
    assert data["size"] == [3, 2, 3]
    assert len(data["value"]) == 18
    # Region 0180 (1), BE0101N1 (0), 2022 (1) -> 1*6 + 0*3 + 1 = 7
    assert data["value"][7] is None
    assert data["status"] == {"7": ".."}
    assert data["value"] == expected_values(
        {"Region": REGIONS, "ContentsCode": CONTENTS, "Tid": YEARS}
    )


def test_value_as_object_omits_nulls() -> None:
    with PxWebServer([make_table()], value_as_object=True, enforce_rate_limit=False) as srv:
        data = requests.post(
            f"{srv.url}/tables/TAB6571/data", json=post_body(ALL_SELECTION), timeout=TIMEOUT
        ).json()
    full = expected_values({"Region": REGIONS, "ContentsCode": CONTENTS, "Tid": YEARS})
    assert data["value"] == {str(i): v for i, v in enumerate(full) if v is not None}
    assert "7" not in data["value"]
    assert data["status"] == {"7": ".."}


def test_cell_limit() -> None:
    with PxWebServer([make_table()], max_data_cells=6, enforce_rate_limit=False) as srv:
        url = f"{srv.url}/tables/TAB6571/data"
        ok = requests.post(
            url,
            json=post_body(
                {"Region": ["*"], "ContentsCode": ["BE0101N1"], "Tid": ["2021", "2022"]}
            ),
            timeout=TIMEOUT,
        )
        too_big = requests.post(url, json=post_body(ALL_SELECTION), timeout=TIMEOUT)
        assert ok.status_code == 200
        assert_problem(too_big, 403, "18", "6", "TAB6571")
        assert [r.cells for r in srv.data_requests()] == [6, 18]
        assert [r.status for r in srv.data_requests()] == [200, 403]


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("method", "path", "params", "body", "status", "fragments"),
    [
        ("GET", "/tables/TAB0000", {}, None, 404, ["TAB0000"]),
        ("GET", "/tables/TAB0000/metadata", {}, None, 404, ["TAB0000"]),
        ("POST", "/tables/TAB0000/data", {}, post_body(ALL_SELECTION), 404, ["TAB0000"]),
        ("GET", "/nothing/here", {}, None, 404, ["/nothing/here"]),
        (
            "GET",
            "/tables/TAB6571/data",
            {**get_params(ALL_SELECTION), "valuecodes[Kon]": "1"},
            None,
            400,
            ["Kon"],
        ),
        (
            "POST",
            "/tables/TAB6571/data",
            {},
            post_body({**ALL_SELECTION, "Region": ["9999"]}),
            400,
            ["9999", "Region"],
        ),
        (
            "GET",
            "/tables/TAB6571/data",
            get_params({"Region": ["*"], "Tid": ["*"]}),
            None,
            400,
            ["ContentsCode"],
        ),
        (
            "POST",
            "/tables/TAB6571/data",
            {},
            {"selection": []},
            400,
            ["Region", "ContentsCode", "Tid"],
        ),
        ("POST", "/tables/TAB6571/data", {}, {"nothing": 1}, 400, ["selection"]),
        (
            "GET",
            "/tables/TAB6571/data",
            {**get_params(ALL_SELECTION), "outputFormat": "csv"},
            None,
            400,
            ["csv"],
        ),
        ("GET", "/config", {"lang": "fi"}, None, 400, ["fi"]),
        ("POST", "/config", {}, {}, 405, ["POST"]),
    ],
)
def test_errors_are_problem_json(
    server: PxWebServer,
    method: str,
    path: str,
    params: dict[str, str],
    body: dict | None,
    status: int,
    fragments: list[str],
) -> None:
    resp = requests.request(
        method, f"{server.url}{path}", params=params, json=body, timeout=TIMEOUT
    )
    assert_problem(resp, status, *fragments)
    assert server.requests[-1].status == status


def test_invalid_json_body(server: PxWebServer) -> None:
    resp = requests.post(
        f"{server.url}/tables/TAB6571/data",
        data=b"{not json",
        headers={"Content-Type": "application/json"},
        timeout=TIMEOUT,
    )
    assert_problem(resp, 400, "JSON")


def test_broken_fixture_gives_500() -> None:
    def boom(coords: dict[str, str]) -> float:
        raise RuntimeError("fixture bug")

    with PxWebServer([make_table(value=boom)], enforce_rate_limit=False) as srv:
        resp = requests.post(
            f"{srv.url}/tables/TAB6571/data", json=post_body(ALL_SELECTION), timeout=TIMEOUT
        )
    assert_problem(resp, 500, "fixture bug")


# --------------------------------------------------------------------------- recording


def test_recorded_requests(server: PxWebServer) -> None:
    requests.get(f"{server.url}/config", timeout=TIMEOUT)
    body = post_body(ALL_SELECTION)
    requests.post(f"{server.url}/tables/TAB6571/data", json=body, timeout=TIMEOUT)
    requests.get(
        f"{server.url}/tables/TAB6571/data",
        params={"lang": "sv", **get_params(ALL_SELECTION)},
        timeout=TIMEOUT,
    )
    assert [r.method for r in server.requests] == ["GET", "POST", "GET"]
    config, post, get = server.requests
    assert isinstance(config, RecordedRequest)
    assert config.path == "/api/v2/config" and config.cells is None and config.body is None
    assert post.body == body and post.cells == 18 and post.status == 200
    assert get.query["lang"] == ["sv"]
    assert get.query["valuecodes[Region]"] == ["*"]
    assert server.data_requests() == [post, get]
    assert config.t <= post.t <= get.t


# --------------------------------------------------------------------------- rate limit


def test_rate_limit_429_with_retry_after() -> None:
    with PxWebServer([make_table()], max_calls=3, time_window=0.5) as srv, requests.Session() as s:
        codes = [
            s.get(f"{srv.url}/config", timeout=TIMEOUT).status_code,
            s.get(f"{srv.url}/tables/TAB6571", timeout=TIMEOUT).status_code,
            s.get(f"{srv.url}/tables/TAB6571/metadata", timeout=TIMEOUT).status_code,
        ]
        limited = s.get(f"{srv.url}/config", timeout=TIMEOUT)
        assert codes == [200, 200, 200]
        assert_problem(limited, 429, "3")
        assert limited.headers["Retry-After"] == "1"
        assert srv.rate_violations() == 1
        assert srv.max_calls_in_any_window() == 4
        time.sleep(0.55)
        assert s.get(f"{srv.url}/config", timeout=TIMEOUT).status_code == 200
        assert srv.rate_violations() == 1


def test_rate_limit_counts_rejected_requests() -> None:
    """Rejected requests occupy the window too (the server's strict counting)."""
    with PxWebServer(max_calls=2, time_window=0.5) as srv, requests.Session() as s:
        url = f"{srv.url}/config"
        started = time.monotonic()

        def get_at(offset: float) -> int:
            time.sleep(max(0.0, started + offset - time.monotonic()))
            return s.get(url, timeout=TIMEOUT).status_code

        # 0.00 ok; 0.25 ok; 0.30 rejected (two in window); 0.62: the first call has left the
        # window, but the calls at 0.25 and 0.30 are still in it, so this one is rejected too.
        statuses = [get_at(0.0), get_at(0.25), get_at(0.30), get_at(0.62)]
        assert statuses == [200, 200, 429, 429]
        assert srv.rate_violations() == 2


def test_retry_after_rounds_up_whole_seconds() -> None:
    with PxWebServer(max_calls=1, time_window=2.5) as srv, requests.Session() as s:
        assert s.get(f"{srv.url}/config", timeout=TIMEOUT).status_code == 200
        limited = s.get(f"{srv.url}/config", timeout=TIMEOUT)
    assert limited.status_code == 429
    assert limited.headers["Retry-After"] == "3"


def test_rate_limit_can_be_disabled() -> None:
    with PxWebServer(max_calls=1, time_window=0.5, enforce_rate_limit=False) as srv:
        statuses = [
            requests.get(f"{srv.url}/config", timeout=TIMEOUT).status_code for _ in range(3)
        ]
        assert statuses == [200, 200, 200]
        assert srv.rate_violations() == 0
        assert srv.max_calls_in_any_window() == 3


def test_spaced_calls_stay_within_window() -> None:
    with PxWebServer(max_calls=2, time_window=0.2) as srv, requests.Session() as s:
        for _ in range(4):
            assert s.get(f"{srv.url}/config", timeout=TIMEOUT).status_code == 200
            time.sleep(0.11)
        assert srv.rate_violations() == 0
        assert srv.max_calls_in_any_window() <= 2


# --------------------------------------------------------------------------- faults


def data_url(srv: PxWebServer) -> str:
    return f"{srv.url}/tables/TAB6571/data"


def test_inject_status_then_normal(server: PxWebServer) -> None:
    server.inject("status", status=503, times=2)
    server.inject("status", status=500)
    body = post_body(ALL_SELECTION)
    # /config does not match the default path filter and is answered normally
    assert requests.get(f"{server.url}/config", timeout=TIMEOUT).status_code == 200
    statuses = [
        requests.post(data_url(server), json=body, timeout=TIMEOUT).status_code for _ in range(4)
    ]
    assert statuses == [503, 503, 500, 200]
    assert [r.status for r in server.data_requests()] == statuses


def test_inject_status_problem_body_and_headers(server: PxWebServer) -> None:
    server.inject("status", status=429, headers={"Retry-After": "1"}, path_contains="/config")
    resp = requests.get(f"{server.url}/config", timeout=TIMEOUT)
    assert_problem(resp, 429)
    assert resp.headers["Retry-After"] == "1"
    assert server.rate_violations() == 0


def test_injected_fault_preempts_rate_limit() -> None:
    with PxWebServer([make_table()], max_calls=1, time_window=0.5) as srv:
        assert requests.get(f"{srv.url}/config", timeout=TIMEOUT).status_code == 200
        srv.inject("status", status=502, path_contains="/config")
        assert requests.get(f"{srv.url}/config", timeout=TIMEOUT).status_code == 502
        assert requests.get(f"{srv.url}/config", timeout=TIMEOUT).status_code == 429
        assert srv.rate_violations() == 1


def test_inject_delay_triggers_client_timeout(server: PxWebServer) -> None:
    server.inject("delay", delay=0.6)
    body = post_body(ALL_SELECTION)
    started = time.monotonic()
    with pytest.raises(requests.exceptions.ReadTimeout):
        requests.post(data_url(server), json=body, timeout=0.2)
    assert time.monotonic() - started < 0.5
    resp = requests.post(data_url(server), json=body, timeout=TIMEOUT)
    assert resp.status_code == 200


def test_inject_delay_answers_normally(server: PxWebServer) -> None:
    server.inject("delay", delay=0.2)
    started = time.monotonic()
    resp = requests.post(data_url(server), json=post_body(ALL_SELECTION), timeout=TIMEOUT)
    assert resp.status_code == 200
    assert time.monotonic() - started >= 0.2
    assert len(resp.json()["value"]) == 18


def raw_http(url: str, target: str) -> bytes:
    """Send one GET with the standard library and read until the server closes."""
    parts = urlsplit(url)
    assert parts.hostname and parts.port
    with socket.create_connection((parts.hostname, parts.port), timeout=TIMEOUT) as sock:
        request = f"GET {target} HTTP/1.1\r\nHost: {parts.netloc}\r\n\r\n"
        sock.sendall(request.encode("ascii"))
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def test_inject_truncate(server: PxWebServer) -> None:
    target = (
        "/api/v2/tables/TAB6571/data?valuecodes%5BRegion%5D=*&valuecodes%5BContentsCode%5D=*"
        "&valuecodes%5BTid%5D=*"
    )
    full_body = requests.get(
        f"http://{urlsplit(server.url).netloc}{target}", timeout=TIMEOUT
    ).content
    server.inject("truncate")
    raw = raw_http(server.url, target)
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    assert lines[0].split()[1] == "200"
    headers = {k.lower(): v.strip() for k, v in (line.split(":", 1) for line in lines[1:])}
    assert int(headers["content-length"]) == len(full_body)
    assert body == full_body[: len(full_body) // 2]

    server.inject("truncate")
    with pytest.raises(requests.exceptions.RequestException):
        requests.post(data_url(server), json=post_body(ALL_SELECTION), timeout=TIMEOUT)


def test_inject_changed_dimensions(server: PxWebServer) -> None:
    body = post_body(ALL_SELECTION)
    normal = requests.post(data_url(server), json=body, timeout=TIMEOUT).json()
    server.inject("changed_dimensions")
    changed = requests.post(data_url(server), json=body, timeout=TIMEOUT).json()
    assert changed["id"] == ["Extra", *normal["id"]]
    assert changed["size"] == [1, *normal["size"]]
    assert list(changed["dimension"]) == ["Extra", *normal["dimension"]]
    assert len(changed["dimension"]["Extra"]["category"]["index"]) == 1
    assert changed["value"] == normal["value"]
    again = requests.post(data_url(server), json=body, timeout=TIMEOUT).json()
    assert again == normal


def test_inject_close(server: PxWebServer) -> None:
    server.inject("close")
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.post(data_url(server), json=post_body(ALL_SELECTION), timeout=TIMEOUT)
    assert server.requests[-1].status == 0
    resp = requests.post(data_url(server), json=post_body(ALL_SELECTION), timeout=TIMEOUT)
    assert resp.status_code == 200


def test_inject_rejects_unknown_kind(server: PxWebServer) -> None:
    with pytest.raises(ValueError):
        server.inject("explode")


def test_rejects_unusable_limits() -> None:
    with pytest.raises(ValueError):
        PxWebServer(max_calls=0)
    with pytest.raises(ValueError):
        PxWebServer(time_window=0)


# --------------------------------------------------------------------------- lifecycle


def test_stop_is_prompt_with_open_keepalive_connection() -> None:
    srv = PxWebServer([make_table()], enforce_rate_limit=False).start()
    session = requests.Session()
    try:
        assert session.get(f"{srv.url}/config", timeout=TIMEOUT).status_code == 200
        started = time.monotonic()
        srv.stop()
        assert time.monotonic() - started < 1.0
        with pytest.raises(requests.exceptions.ConnectionError):
            requests.get(f"{srv.url}/config", timeout=1)
    finally:
        session.close()
        srv.stop()


def test_stop_interrupts_pending_delay() -> None:
    srv = PxWebServer([make_table()], enforce_rate_limit=False).start()
    srv.inject("delay", delay=30)
    with pytest.raises(requests.exceptions.ReadTimeout):
        requests.post(data_url(srv), json=post_body(ALL_SELECTION), timeout=0.1)
    started = time.monotonic()
    srv.stop()
    assert time.monotonic() - started < 1.0


def test_json_round_trip_of_recorded_body(server: PxWebServer) -> None:
    body = {
        "selection": [
            {"variableCode": k, "valueCodes": v, "codelist": None} for k, v in ALL_SELECTION.items()
        ],
        "placement": {"heading": ["Tid"]},
    }
    resp = requests.post(data_url(server), data=json.dumps(body), timeout=TIMEOUT)
    assert resp.status_code == 200
    assert server.requests[-1].body == body
