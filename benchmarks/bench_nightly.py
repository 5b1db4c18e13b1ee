"""Nightly refresh with nothing changed: calls made and time taken, on a local PxWebApi server.

Runs the whole graph twice in live mode against tables that do not change between the
runs, as `segregation run` does (the refresh, then the reports that need rendering). The
first run fetches everything; in the second, SCB sees only `/config` and `/tables/{id}`
calls (one per table) and no data call, Kolada (a local v3 server here) one `/kpi/{ids}`
call for the KPIs' publication dates and no data call, and since the fingerprint of the
inputs equals the last publish's, no model, check, publish or report runs.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))


# the figures, not Dagster's step log: only warnings and errors reach the terminal
QUIET = {"loggers": {"console": {"config": {"log_level": "ERROR"}}}}


def kinds(requests) -> Counter:
    out: Counter = Counter()
    for r in requests:
        path = r.path.split("/api/v2", 1)[-1]
        out[
            "data"
            if path.endswith("/data")
            else "metadata"
            if path.endswith("/metadata")
            else "config"
            if path == "/config"
            else "table"
        ] += 1
    return out


def kolada_kinds(requests) -> Counter:
    return Counter("data" if "/data/" in r.path else "kpi" for r in requests)


def main() -> None:
    saved = dict(os.environ)  # the settings this benchmark makes hold only for it
    try:
        _run()
    finally:
        os.environ.clear()
        os.environ.update(saved)


def _run() -> None:
    from conftest import KOLADA_KPIS, all_tables, kolada_titles, kolada_value
    from dagster import DagsterInstance
    from kolada_server import KoladaKpi, KoladaServer
    from pxweb_server import PxWebServer

    from pipelines.definitions import defs
    from pipelines.orchestration.resources import PipelineResource
    from pipelines.orchestration.runs import refresh_and_report

    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "raw"
        shutil.copytree(ROOT / "data" / "raw", raw)
        # the local server has tables for the two kommuner with focus areas only
        (raw / "areas" / "kommuner.csv").write_text(
            "kommun,namn\n0123,Järfälla\n0680,Jönköping\n", encoding="utf-8"
        )
        os.environ["SEGREGATION_RAW_DIR"] = str(raw)
        os.environ["SEGREGATION_MARTS_DIR"] = str(Path(tmp) / "marts")
        instance = DagsterInstance.ephemeral()  # one run history for both runs
        print(
            "\n== nightly refresh (live mode, local server with SCB's limits: 30 calls / 10 s) =="
        )
        titles = kolada_titles()  # Kolada's real titles: the pre-flight check compares them
        kpis = [KoladaKpi(k, titles[k], value=kolada_value) for k in KOLADA_KPIS]
        with (
            KoladaServer(kpis) as kolada,
            PxWebServer(all_tables(), max_calls=30, time_window=10) as server,
        ):
            os.environ["KOLADA_API_URL"] = kolada.url
            for label in ("first run (fetches all)", "second run (nothing changed)"):
                if label.startswith("second"):
                    # nightly runs are a day apart: start the second with SCB's window empty, as
                    # a new run's client (which knows nothing of the previous run's calls) would
                    time.sleep(10.5)
                start, kolada_start = len(server.requests), len(kolada.requests)
                t0 = time.perf_counter()
                result = refresh_and_report(
                    defs,
                    instance,
                    pipeline=PipelineResource(source="live", scb_api_url=server.url),
                    run_config=QUIET,
                )
                elapsed = time.perf_counter() - t0
                calls = kinds(server.requests[start:])
                print(
                    f"{label:30} success={result.success}  time {elapsed:5.1f} s  "
                    f"rebuilt: {'no' if result.unchanged else 'yes'}, "
                    f"reports: {len(result.reports)}  SCB calls: "
                    + ", ".join(f"{k} {n}" for k, n in sorted(calls.items()))
                    + "; Kolada calls: "
                    + ", ".join(
                        f"{k} {n}"
                        for k, n in sorted(kolada_kinds(kolada.requests[kolada_start:]).items())
                    )
                )
            print(f"429 provoked by SCB calls: {server.rate_violations()}")


if __name__ == "__main__":
    main()
