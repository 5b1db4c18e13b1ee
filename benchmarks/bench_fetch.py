"""Fetch: data calls against the minimum, and 429s provoked, on a local PxWebApi 2.0 server.

Uses SCB's advertised limits scaled down in time (3 calls per 0.5 s window) and a
selection shaped like every DeSO of the country by background, sex and year.
"""

from __future__ import annotations

import math
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from pxweb_server import FakeTable, PxWebServer, Variable  # noqa: E402

from pipelines.sources.scb import PxWebClient  # noqa: E402


def table(n_regions: int) -> FakeTable:
    return FakeTable(
        id="TAB6571",
        label="bench",
        updated="2025-01-01T00:00:00Z",
        variables=[
            Variable("Region", "region", [(f"{i:04d}C{i:04d}", str(i)) for i in range(n_regions)]),
            Variable("UtlBakgrund", "bakgrund", [("1", "a"), ("2", "b"), ("SA", "t")]),
            Variable("Kon", "kön", [("1", "m"), ("2", "k"), ("1+2", "t")]),
            Variable("ContentsCode", "c", [("000007Y4", "Folkmängd")], metric=True),
            Variable("Tid", "år", [(str(y), str(y)) for y in range(2010, 2026)], time=True),
        ],
        value=lambda c: 1.0,
    )


def main() -> None:
    n_regions, max_cells = 5983, 150_000
    cells = n_regions * 3 * 3 * 16
    with PxWebServer(
        [table(n_regions)], max_data_cells=max_cells, max_calls=3, time_window=0.5
    ) as server:
        client = PxWebClient(server.url, progress=lambda m: None)
        t0 = time.perf_counter()
        client.fetch_data(
            "TAB6571",
            {"Region": "*", "UtlBakgrund": "*", "Kon": "*", "ContentsCode": "*", "Tid": "*"},
        )
        elapsed = time.perf_counter() - t0
        data_calls = len(server.data_requests())
        print(f"\n== fetch: {cells:,} cells, maxDataCells {max_cells:,}, 3 calls per 0.5 s ==")
        print(
            f"data calls: {data_calls} (minimum ⌈cells ÷ maxDataCells⌉ = {math.ceil(cells / max_cells)})"
        )
        print(
            f"all calls: {len(server.requests)}; 429 provoked: {server.rate_violations()}; "
            f"most calls in any window: {server.max_calls_in_any_window()}; time {elapsed:.2f} s"
        )


if __name__ == "__main__":
    main()
