"""The PxWebApi 2.0 client against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import json
import math

import pytest
from pxweb_server import FakeTable, PxWebServer, Variable

from pipelines.sources.scb import PxWebClient, ScbRequestError
from pipelines.sources.scb.jsonstat import combine, parse_jsonstat2


def grid_table(n_regions: int = 40, n_years: int = 30) -> FakeTable:
    """Region × Kon × Tid; value = region*1000 + sex*100 + year offset; region 7 is suppressed."""

    def value(c: dict[str, str]) -> float | None:
        r = int(c["Region"][1:])
        if r == 7:
            return None
        return r * 1000 + int(c["Kon"]) * 100 + (int(c["Tid"]) - 1990)

    return FakeTable(
        id="TAB0001",
        label="Test table",
        updated="2025-01-01T00:00:00Z",
        variables=[
            Variable("Region", "region", [(f"R{i:03d}", f"Region {i}") for i in range(n_regions)]),
            Variable("Kon", "kön", [("1", "män"), ("2", "kvinnor")]),
            Variable("ContentsCode", "tabellinnehåll", [("BE0101", "Antal")], metric=True),
            Variable(
                "Tid", "år", [(str(y), str(y)) for y in range(1990, 1990 + n_years)], time=True
            ),
        ],
        value=value,
        status=lambda c: ".." if c["Region"] == "R007" else None,
    )


def client_for(server: PxWebServer, **kwargs) -> PxWebClient:
    return PxWebClient(server.url, backoff_base=0.05, retry_budget=10, timeout=2, **kwargs)


def parse_parts(client: PxWebClient, parts, table_id: str = "TAB0001"):
    return combine([parse_jsonstat2(json.loads(p.content)) for p in parts], context=table_id)


def test_selection_over_the_cell_limit_is_split_into_the_minimum_calls_under_it():
    table = grid_table(n_regions=40, n_years=30)  # 40 * 2 * 1 * 30 = 2400 cells
    with PxWebServer([table], max_data_cells=500, max_calls=50, time_window=1) as server:
        client = client_for(server)
        parts = client.fetch_data(
            "TAB0001", {"Region": "*", "Kon": "*", "ContentsCode": "*", "Tid": "*"}
        )
        data_calls = server.data_requests()
        assert len(data_calls) == math.ceil(2400 / 500)
        assert all(call.status == 200 and call.cells <= 500 for call in data_calls)
        assert sum(call.cells for call in data_calls) == 2400
        frame = parse_parts(client, parts).frame
    assert len(frame) == 2400
    assert not frame.duplicated(subset=["Region", "Kon", "Tid"]).any()
    row = frame[(frame.Region == "R012") & (frame.Kon == "2") & (frame.Tid == "2001")].iloc[0]
    assert row.value == 12 * 1000 + 2 * 100 + 11


def test_the_call_rate_limit_is_never_exceeded():
    table = grid_table(n_regions=30, n_years=10)  # 600 cells, 100 per call → 6 data calls
    with PxWebServer([table], max_data_cells=100, max_calls=3, time_window=0.5) as server:
        client = client_for(server)
        client.fetch_data("TAB0001", {"Tid": "*", "Region": "*", "Kon": "*", "ContentsCode": "*"})
        client.table_info("TAB0001")
        assert len(server.requests) >= 9  # config + metadata + 6 data + table
        assert server.rate_violations() == 0
        assert server.max_calls_in_any_window() <= 3


def test_429_with_retry_after_and_503_are_retried_then_succeed():
    with PxWebServer([grid_table(4, 3)], max_calls=100, time_window=1) as server:
        server.inject("status", status=429, headers={"Retry-After": "1"})
        server.inject("status", status=503, times=2)
        client = client_for(server)
        parts = client.fetch_data(
            "TAB0001", {"Region": "*", "Kon": "*", "ContentsCode": "*", "Tid": "*"}
        )
        statuses = [r.status for r in server.data_requests()]
        assert statuses == [429, 503, 503, 200]
        gaps = [b.t - a.t for a, b in zip(server.data_requests(), server.data_requests()[1:])]
        assert gaps[0] >= 0.95  # waited for Retry-After
        assert client.stats.retries == 3
    assert len(parse_parts(client, parts).frame) == 4 * 2 * 3


def test_truncated_body_and_closed_connection_are_retried():
    with PxWebServer([grid_table(4, 3)], max_calls=100) as server:
        server.inject("truncate")
        server.inject("close")
        client = client_for(server)
        parts = client.fetch_data(
            "TAB0001", {"Region": "*", "Kon": "*", "ContentsCode": "*", "Tid": "*"}
        )
    assert len(parse_parts(client, parts).frame) == 24


def test_persistent_failure_gives_a_clear_error_naming_table_and_url():
    with PxWebServer([grid_table(4, 3)], max_calls=100) as server:
        server.inject("status", status=503, times=100)
        client = PxWebClient(server.url, backoff_base=0.01, max_retries=3, timeout=2)
        with pytest.raises(ScbRequestError) as err:
            client.fetch_data(
                "TAB0001", {"Region": "*", "Kon": "*", "ContentsCode": "*", "Tid": "*"}
            )
        assert len(server.data_requests()) == 4  # first try + 3 retries
    message = str(err.value)
    assert "TAB0001" in message and "/tables/TAB0001/data" in message
    assert "503" in message and "efter 4 försök" in message


def test_404_quotes_the_server_problem_and_is_not_retried():
    with PxWebServer([grid_table(4, 3)], max_calls=100) as server:
        client = client_for(server)
        with pytest.raises(ScbRequestError) as err:
            client.table_info("TAB9999")
        assert len([r for r in server.requests if "TAB9999" in r.path]) == 1
    assert err.value.status == 404
    assert "TAB9999" in str(err.value) and "SCB svarade" in str(err.value)


def test_400_for_a_selection_quotes_table_and_selection():
    with PxWebServer([grid_table(4, 3)], max_calls=100) as server:
        client = client_for(server)
        server.inject("status", status=400, times=1)
        with pytest.raises(ScbRequestError) as err:
            client.fetch_data(
                "TAB0001", {"Region": ["R001"], "Kon": "*", "ContentsCode": "*", "Tid": "*"}
            )
    assert err.value.status == 400
    assert "R001" in str(err.value) and "TAB0001" in str(err.value)


def test_status_symbols_and_missing_cells_are_preserved_not_zero():
    with PxWebServer([grid_table(10, 2)], max_calls=100, value_as_object=True) as server:
        client = client_for(server)
        parts = client.fetch_data(
            "TAB0001", {"Region": ["R006", "R007"], "Kon": "*", "ContentsCode": "*", "Tid": "*"}
        )
    frame = parse_parts(client, parts).frame
    suppressed = frame[frame.Region == "R007"]
    assert len(suppressed) == 4
    assert suppressed.value.isna().all()
    assert (suppressed.status == "..").all()
    kept = frame[frame.Region == "R006"]
    assert kept.status.isna().all() and (kept.value > 0).all()


def test_a_response_whose_dimensions_changed_is_an_error():
    from pipelines.sources.scb.errors import ScbResponseError

    with PxWebServer([grid_table(4, 3)], max_calls=100) as server:
        server.inject("changed_dimensions")
        client = client_for(server)
        parts = client.fetch_data(
            "TAB0001", {"Region": "*", "Kon": "*", "ContentsCode": "*", "Tid": "*"}
        )
        expected = client.metadata("TAB0001").codes
    with pytest.raises(ScbResponseError, match="Extra"):
        parse_jsonstat2(
            json.loads(parts[0].content), expected_dimensions=expected, context="TAB0001"
        )


def test_config_is_read_once_per_client():
    with PxWebServer([grid_table(4, 3)], max_calls=100) as server:
        client = client_for(server)
        client.table_info("TAB0001")
        client.fetch_data("TAB0001", {"Region": "*", "Kon": "*", "ContentsCode": "*", "Tid": "*"})
        client.fetch_data(
            "TAB0001", {"Region": ["R001"], "Kon": "*", "ContentsCode": "*", "Tid": "*"}
        )
        assert sum(1 for r in server.requests if r.path.endswith("/config")) == 1
