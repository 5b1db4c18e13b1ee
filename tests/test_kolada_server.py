"""Checks of the Kolada v3 test server against the documented API, independent of any client."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

try:
    from kolada_server import KoladaKpi, KoladaServer, default_value
except ModuleNotFoundError:  # collected with tests/ as a package
    from tests.kolada_server import KoladaKpi, KoladaServer, default_value

TIMEOUT = 5.0


def school_value(municipality: str, year: int, gender: str) -> float | None:
    """Deterministic values; Jönköping 2021 is missing for every gender."""
    if municipality == "0680" and year == 2021:
        return None
    return default_value(municipality, year, gender)


def make_kpis() -> list[KoladaKpi]:
    return [
        KoladaKpi("N05401", "Valdeltagande i kommunalval, andel (%)", years=range(2014, 2023, 4)),
        KoladaKpi(
            "N15419",
            "Elever i åk 9 som uppnått kunskapskraven i alla ämnen, andel (%)",
            is_divided_by_gender=True,
            value=school_value,
            years=range(2019, 2024),
            operating_area="Grundskola",
        ),
    ]


@pytest.fixture
def server() -> Iterator[KoladaServer]:
    with KoladaServer(make_kpis()) as srv:
        yield srv


def data_url(srv: KoladaServer, kpis: str, municipalities: str, years: str) -> str:
    return f"{srv.url}/data/kpi/{kpis}/municipality/{municipalities}/year/{years}"


def get(url: str, **params: object) -> requests.Response:
    return requests.get(url, params=params or None, timeout=TIMEOUT)


# --------------------------------------------------------------------------- metadata


def test_url_is_local_and_ephemeral(server: KoladaServer) -> None:
    parts = urlsplit(server.url)
    assert parts.scheme == "http"
    assert parts.hostname == "127.0.0.1"
    assert parts.port and parts.port > 0
    assert parts.path == "/v3"


def test_kpi_shape(server: KoladaServer) -> None:
    resp = get(f"{server.url}/kpi/N15419")
    assert resp.status_code == 200
    assert resp.headers["Content-Type"].startswith("application/json")
    assert resp.json() == {
        "count": 1,
        "values": [
            {
                "id": "N15419",
                "title": "Elever i åk 9 som uppnått kunskapskraven i alla ämnen, andel (%)",
                "description": "",
                "is_divided_by_gender": True,
                "municipality_type": "K",
                "operating_area": "Grundskola",
                "has_ou_data": False,
                "publication_date": "2025-03-01",
                "prel_publication_date": None,
            }
        ],
        "next_url": None,
    }


def test_unknown_kpi_is_empty(server: KoladaServer) -> None:
    resp = get(f"{server.url}/kpi/X99999")
    assert resp.status_code == 200
    assert resp.json() == {"count": 0, "values": [], "next_url": None}


def test_kpi_list_and_title_filter(server: KoladaServer) -> None:
    assert [v["id"] for v in get(f"{server.url}/kpi").json()["values"]] == ["N05401", "N15419"]
    found = get(f"{server.url}/kpi", title="valdeltagande").json()
    assert [v["id"] for v in found["values"]] == ["N05401"]
    several = get(f"{server.url}/kpi/N15419,X1,N05401").json()
    assert [v["id"] for v in several["values"]] == ["N15419", "N05401"]


# --------------------------------------------------------------------------- data


def test_data_shape(server: KoladaServer) -> None:
    resp = get(data_url(server, "N05401", "0123", "2018,2022"))
    assert resp.status_code == 200
    body = resp.json()
    assert set(body) == {"count", "values", "next_url"}
    assert body["count"] == 2
    assert body["next_url"] is None
    assert body["values"] == [
        {
            "kpi": "N05401",
            "municipality": "0123",
            "period": year,
            "values": [
                {
                    "gender": "T",
                    "value": default_value("0123", year, "T"),
                    "count": 1,
                    "status": "",
                }
            ],
        }
        for year in (2018, 2022)
    ]


def test_gender_rows(server: KoladaServer) -> None:
    body = get(data_url(server, "N15419,N05401", "0123", "2022")).json()
    by_kpi = {item["kpi"]: item for item in body["values"]}
    assert [r["gender"] for r in by_kpi["N05401"]["values"]] == ["T"]
    rows = by_kpi["N15419"]["values"]
    assert [r["gender"] for r in rows] == ["T", "K", "M"]
    assert [r["value"] for r in rows] == [default_value("0123", 2022, g) for g in "TKM"]


def test_missing_value_is_null_with_status(server: KoladaServer) -> None:
    body = get(data_url(server, "N15419", "0680", "2021")).json()
    assert body["count"] == 1
    assert body["values"][0]["values"] == [
        {"gender": g, "value": None, "count": 0, "status": "Missing"} for g in "TKM"
    ]


def test_items_outside_years_or_municipalities_are_omitted(server: KoladaServer) -> None:
    # N05401 has 2014, 2018, 2022; 0180 is not served; X1 is unknown.
    body = get(data_url(server, "N05401,X1", "0000,0180,0680", "2017,2018,2030")).json()
    assert [(i["kpi"], i["municipality"], i["period"]) for i in body["values"]] == [
        ("N05401", "0000", 2018),
        ("N05401", "0680", 2018),
    ]


def test_stable_order_regardless_of_request_order(server: KoladaServer) -> None:
    body = get(data_url(server, "N15419,N05401", "0680,0000,0123", "2022,2019,2018")).json()
    keys = [(i["kpi"], i["municipality"], i["period"]) for i in body["values"]]
    assert keys == sorted(keys)
    # N05401 has 2018 and 2022, N15419 has 2019 and 2022; three municipalities each
    assert len(keys) == len(set(keys)) == 3 * 2 + 3 * 2


def test_data_path_variants(server: KoladaServer) -> None:
    all_years = get(f"{server.url}/data/kpi/N05401/municipality/0123").json()
    assert [i["period"] for i in all_years["values"]] == [2014, 2018, 2022]
    all_munis = get(f"{server.url}/data/kpi/N05401/year/2022").json()
    assert [i["municipality"] for i in all_munis["values"]] == ["0000", "0123", "0680"]
    all_kpis = get(f"{server.url}/data/municipality/0123/year/2022").json()
    assert [i["kpi"] for i in all_kpis["values"]] == ["N05401", "N15419"]
    assert get(f"{server.url}/data/year/2022/kpi/N05401").status_code == 404


def test_custom_municipalities() -> None:
    with KoladaServer(make_kpis(), municipalities=("0180",)) as srv:
        body = get(data_url(srv, "N05401", "0000,0180", "2022")).json()
    assert [i["municipality"] for i in body["values"]] == ["0180"]


def test_broken_value_callable_gives_500() -> None:
    def broken(municipality: str, year: int, gender: str) -> float:
        raise RuntimeError("boom")

    with KoladaServer([KoladaKpi("N1", "broken", value=broken)]) as srv:
        resp = get(data_url(srv, "N1", "0123", "2020"))
    assert resp.status_code == 500
    assert "boom" in resp.json()["detail"]


# --------------------------------------------------------------------------- paging


def follow(url: str) -> tuple[list[dict], list[str]]:
    """All items of a paged list and the URLs that were fetched."""
    items: list[dict] = []
    urls: list[str] = []
    next_url: str | None = url
    while next_url is not None:
        urls.append(next_url)
        resp = requests.get(next_url, timeout=TIMEOUT)
        assert resp.status_code == 200
        body = resp.json()
        assert body["count"] == len(body["values"])
        items.extend(body["values"])
        next_url = body["next_url"]
    return items, urls


def test_paging_yields_every_item_once() -> None:
    with KoladaServer(make_kpis(), per_page=3) as srv:
        url = data_url(srv, "N05401,N15419", "0000,0123,0680", "2018,2019,2020,2021,2022")
        items, urls = follow(url)
        # N05401: 3 municipalities x {2018, 2022}; N15419: 3 x {2019..2022}
        assert len(items) == 6 + 12
        keys = [(i["kpi"], i["municipality"], i["period"]) for i in items]
        assert len(set(keys)) == len(keys)
        assert keys == sorted(keys)
        assert len(urls) == 6
        for number, next_url in enumerate(urls[1:], start=2):
            parts = urlsplit(next_url)
            assert f"{parts.scheme}://{parts.netloc}" == f"http://{urlsplit(srv.url).netloc}"
            assert parts.path == urlsplit(url).path
            assert parse_qs(parts.query) == {"page": [str(number)], "per_page": ["3"]}
        assert [r.query.get("page") for r in srv.data_requests()] == [
            None,
            *[[str(n)] for n in range(2, 7)],
        ]


def test_per_page_is_capped_by_the_server() -> None:
    with KoladaServer(make_kpis(), per_page=3) as srv:
        body = get(data_url(srv, "N15419", "0123", "2019,2020,2021,2022"), per_page=5000).json()
        assert body["count"] == 3
        assert parse_qs(urlsplit(body["next_url"]).query)["per_page"] == ["3"]
        smaller = get(data_url(srv, "N15419", "0123", "2019,2020,2021,2022"), per_page=2).json()
        assert smaller["count"] == 2


def test_last_page_and_past_the_end(server: KoladaServer) -> None:
    url = data_url(server, "N05401", "0123", "2014,2018,2022")
    last = get(url, page=2, per_page=2).json()
    assert last["count"] == 1
    assert last["next_url"] is None
    beyond = get(url, page=9, per_page=2).json()
    assert beyond == {"count": 0, "values": [], "next_url": None}


@pytest.mark.parametrize("params", [{"page": "0"}, {"page": "x"}, {"per_page": "-1"}])
def test_bad_paging_parameters(server: KoladaServer, params: dict[str, str]) -> None:
    resp = get(data_url(server, "N05401", "0123", "2022"), **params)
    assert resp.status_code == 422
    assert next(iter(params)) in resp.json()["detail"]


# --------------------------------------------------------------------------- limits and errors


@pytest.mark.parametrize("segment", ["kpi", "municipality", "year"])
def test_more_than_25_ids_is_422(server: KoladaServer, segment: str) -> None:
    many = {
        "kpi": ",".join(f"N{i:05d}" for i in range(26)),
        "municipality": ",".join(f"{i:04d}" for i in range(26)),
        "year": ",".join(str(y) for y in range(1990, 2016)),
    }
    lists = {"kpi": "N05401", "municipality": "0123", "year": "2022", segment: many[segment]}
    resp = get(data_url(server, lists["kpi"], lists["municipality"], lists["year"]))
    assert resp.status_code == 422
    detail = resp.json()["detail"]
    assert f"'{segment}'" in detail
    assert "25" in detail
    # exactly 25 is fine
    lists[segment] = ",".join(many[segment].split(",")[:25])
    resp = get(data_url(server, lists["kpi"], lists["municipality"], lists["year"]))
    assert resp.status_code == 200


def test_more_than_25_kpi_ids_in_metadata_is_422(server: KoladaServer) -> None:
    resp = get(f"{server.url}/kpi/" + ",".join(f"N{i:05d}" for i in range(26)))
    assert resp.status_code == 422
    assert "'kpi'" in resp.json()["detail"]


def test_errors(server: KoladaServer) -> None:
    assert get(f"{server.url}/nothing").status_code == 404
    assert get(f"http://{urlsplit(server.url).netloc}/v2/kpi").status_code == 404
    assert get(data_url(server, "N05401", "0123", "tjugo")).status_code == 422
    resp = requests.post(f"{server.url}/kpi/N05401", json={}, timeout=TIMEOUT)
    assert resp.status_code == 405
    assert resp.headers["Allow"] == "GET"
    assert set(resp.json()) == {"detail"}


def test_recorded_requests(server: KoladaServer) -> None:
    get(f"{server.url}/kpi/N05401")
    get(data_url(server, "N05401", "0123", "2022"), per_page=10)
    assert [(r.method, r.path, r.status) for r in server.requests] == [
        ("GET", "/v3/kpi/N05401", 200),
        ("GET", "/v3/data/kpi/N05401/municipality/0123/year/2022", 200),
    ]
    assert server.requests[1].query == {"per_page": ["10"]}
    assert server.data_requests() == server.requests[1:]


# --------------------------------------------------------------------------- faults


def test_inject_status_then_normal(server: KoladaServer) -> None:
    server.inject("status", status=503, times=2)
    server.inject("status", status=429, headers={"Retry-After": "1"})
    url = data_url(server, "N05401", "0123", "2022")
    # /kpi does not match the default path filter and is answered normally
    assert get(f"{server.url}/kpi/N05401").status_code == 200
    responses = [get(url) for _ in range(4)]
    assert [r.status_code for r in responses] == [503, 503, 429, 200]
    assert "503" in responses[0].json()["detail"]
    assert responses[2].headers["Retry-After"] == "1"
    assert [r.status for r in server.data_requests()] == [503, 503, 429, 200]


def test_inject_path_contains(server: KoladaServer) -> None:
    server.inject("status", status=500, path_contains="/kpi/N15419")
    assert get(f"{server.url}/kpi/N05401").status_code == 200
    assert get(f"{server.url}/kpi/N15419").status_code == 500
    assert get(f"{server.url}/kpi/N15419").status_code == 200


def test_inject_delay_triggers_client_timeout(server: KoladaServer) -> None:
    server.inject("delay", delay=0.5)
    url = data_url(server, "N05401", "0123", "2022")
    started = time.monotonic()
    with pytest.raises(requests.exceptions.ReadTimeout):
        requests.get(url, timeout=0.15)
    assert time.monotonic() - started < 0.45
    assert get(url).status_code == 200


def test_inject_delay_answers_normally(server: KoladaServer) -> None:
    server.inject("delay", delay=0.2)
    started = time.monotonic()
    resp = get(data_url(server, "N05401", "0123", "2022"))
    assert resp.status_code == 200
    assert time.monotonic() - started >= 0.2
    assert resp.json()["count"] == 1


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


def test_inject_truncate(server: KoladaServer) -> None:
    target = "/v3/data/kpi/N05401,N15419/municipality/0000,0123/year/2018,2022"
    full_body = get(f"http://{urlsplit(server.url).netloc}{target}").content
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
        get(f"http://{urlsplit(server.url).netloc}{target}")


def test_inject_close(server: KoladaServer) -> None:
    server.inject("close")
    url = data_url(server, "N05401", "0123", "2022")
    with pytest.raises(requests.exceptions.ConnectionError):
        get(url)
    assert server.requests[-1].status == 0
    assert get(url).status_code == 200


def test_inject_rejects_bad_arguments(server: KoladaServer) -> None:
    with pytest.raises(ValueError):
        server.inject("changed_dimensions")
    with pytest.raises(ValueError):
        server.inject("status", times=0)
    with pytest.raises(ValueError):
        KoladaServer(per_page=0)


# --------------------------------------------------------------------------- lifecycle


def test_stop_is_prompt_with_open_keepalive_connection() -> None:
    srv = KoladaServer(make_kpis()).start()
    session = requests.Session()
    try:
        assert session.get(f"{srv.url}/kpi", timeout=TIMEOUT).status_code == 200
        started = time.monotonic()
        srv.stop()
        assert time.monotonic() - started < 1.0
        with pytest.raises(requests.exceptions.ConnectionError):
            requests.get(f"{srv.url}/kpi", timeout=1)
    finally:
        session.close()
        srv.stop()


def test_stop_interrupts_pending_delay() -> None:
    srv = KoladaServer(make_kpis()).start()
    srv.inject("delay", delay=30)
    with pytest.raises(requests.exceptions.ReadTimeout):
        requests.get(data_url(srv, "N05401", "0123", "2022"), timeout=0.1)
    started = time.monotonic()
    srv.stop()
    assert time.monotonic() - started < 1.0
    with pytest.raises(RuntimeError):
        srv.start()
