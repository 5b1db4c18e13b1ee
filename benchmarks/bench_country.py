"""Country scale: every kommun, every DeSO of both divisions, every catalog table.

Generates a full-size demo snapshot (kommuner.csv = `alla`, the demo builder of
`pipelines/demo/`) in a temporary folder (never committed), prints how many calls SCB's
fetch plan would need for each table against the least possible under `maxDataCells`, then
runs the whole graph on it in a child process, the same job as `segregation run`, with
SEGREGATION_RAW_DIR and SEGREGATION_MARTS_DIR pointing at temporary folders. Prints the wall
time and peak memory (RSS) of generation and of the run, and the run's time per phase
(raw, marts, indices if present, report).

`python -m benchmarks.bench_country` (part of `make bench`).
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAX_DATA_CELLS = 150_000  # SCB's PxWebApi 2.0 /config
TARGET_SECONDS, TARGET_GB = 60, 2.0


def country_raw(target: Path) -> Path:
    """data/raw without the snapshot, its kommuner.csv saying `alla`."""
    source = ROOT / "data" / "raw"
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("scb", "kolada", "geodata"))
    shutil.copytree(source / "kolada", target / "kolada", ignore=shutil.ignore_patterns("kpi"))
    (target / "areas" / "kommuner.csv").write_text("kommun,namn\nalla,Hela Sverige\n", "utf-8")
    return target


def fetch_plan(raw_dir: Path) -> list[tuple[str, dict[str, int]]]:
    """(table, plan figures) for a country-wide selection (see `plan_summary`)."""
    from pipelines.registry.catalog import load_catalog
    from pipelines.registry.kommuner import load_kommuner
    from pipelines.sources.raw_store import RawStore
    from pipelines.sources.scb.jsonstat import parse_metadata
    from pipelines.sources.scb.labels import resolve_labels
    from pipelines.sources.scb.selection import plan_summary, resolve_selection

    kommuner = [k.code for k in load_kommuner(raw_dir)]
    store = RawStore(raw_dir)
    rows = []
    for request in load_catalog(raw_dir).scb.values():
        for span in request.tables:
            stored = store.read("scb", span.table_id, request.name)
            metadata = parse_metadata(stored.read_json("metadata.json"))
            resolved = (  # contents named by label, as a live fetch finds them
                resolve_labels(metadata, request.labels, span.table_id) if request.labels else {}
            )
            selection = resolve_selection(
                metadata, request.selection_for(kommuner, span, resolved), span.table_id
            )
            rows.append((span.table_id, plan_summary(selection, MAX_DATA_CELLS)))
    return rows


def run_graph() -> None:
    """In the child process: what `segregation run` runs; prints step times as JSON."""
    from dagster import DagsterEventType, DagsterInstance

    from pipelines.definitions import defs
    from pipelines.orchestration.runs import refresh_and_report

    started = time.perf_counter()
    result = refresh_and_report(defs, DagsterInstance.ephemeral())
    steps: dict[str, float] = {}
    for e in result.all_events:  # the report runs' steps share one key: their times add up
        if e.event_type == DagsterEventType.STEP_SUCCESS:
            steps[e.step_key] = steps.get(e.step_key, 0) + e.event_specific_data.duration_ms / 1000
    print(
        json.dumps(
            {
                "success": result.success,
                "seconds": time.perf_counter() - started,
                "steps": steps,
                "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            }
        )
    )


def phase(step: str) -> str:
    if "segregation_index" in step or "index" in step.split("__")[-1]:
        return "indices"
    if step.startswith("marts__"):
        return "marts"
    if step == "published_marts":
        return "publish marts"
    if step == "committee_report":
        return "reports (one run per kommun)"
    return "raw + staging + checks"


def main() -> None:
    print("\nLandet: alla kommuner, alla DeSO i båda indelningarna, alla tabeller (demodata)")
    with tempfile.TemporaryDirectory(prefix="country-") as tmp:
        raw = country_raw(Path(tmp) / "raw")
        from pipelines.demo.builder import PUBLISHED, build_all

        started = time.perf_counter()
        build_all(raw, PUBLISHED)
        generate = time.perf_counter() - started
        size = sum(p.stat().st_size for p in (raw / "scb").rglob("*")) / 1e6
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(
            f"  generera ögonblicksbild: {generate:.1f} s, {size:.1f} MB i scb/, topp {rss:.0f} MB"
        )
        print(
            f"  hämtplan, hela landet (maxDataCells {MAX_DATA_CELLS:,}): tabell; anrop; nedre "
            "gräns = celler som behövs / maxDataCells; anrop som ett block; celler som hämtas; "
            "celler som behövs; celler som ett block"
        )
        for table, f in fetch_plan(raw):
            flag = "" if f["calls"] == f["minimum"] else "  (varje anrop är ett rätblock)"
            print(
                f"    {table:<16} {f['calls']:>3} {f['minimum']:>3} {f['rectangular']:>3} "
                f"{f['cells']:>10,} {f['needed']:>10,} {f['rectangular_cells']:>10,}{flag}"
            )
        env = {
            **os.environ,
            "SEGREGATION_RAW_DIR": str(raw),
            "SEGREGATION_MARTS_DIR": str(Path(tmp) / "marts"),
            "SEGREGATION_SOURCE": "snapshot",
        }
        env.pop("DAGSTER_HOME", None)
        started = time.perf_counter()
        out = subprocess.run(
            [sys.executable, "-c", "from benchmarks.bench_country import run_graph; run_graph()"],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        wall = time.perf_counter() - started
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        lines = [line for line in out.stdout.splitlines() if line.startswith("{")]
        if out.returncode or not lines:
            print(out.stderr[-3000:])
            raise SystemExit(f"the country run failed (exit code {out.returncode})")
        summary = json.loads(lines[-1])
        phases: dict[str, float] = {}
        for step, seconds in summary["steps"].items():
            phases[phase(step)] = phases.get(phase(step), 0.0) + seconds
        verdict = "inom" if wall <= TARGET_SECONDS and peak / 1024 <= TARGET_GB else "ÖVER"
        print(
            f"  hela grafen: {wall:.1f} s väggtid (processen inräknad), topp-RSS {peak:.0f} MB, "
            f"{'lyckades' if summary['success'] else 'MISSLYCKADES'}; mål ≤ {TARGET_SECONDS} s "
            f"och ≤ {TARGET_GB:.0f} GB: {verdict}"
        )
        for name, seconds in sorted(phases.items()):
            print(f"    {name}: {seconds:.1f} s (summa av stegen)")
        slowest = sorted(summary["steps"].items(), key=lambda kv: -kv[1])[:10]
        print("    långsammaste steg: " + ", ".join(f"{k} {v:.1f} s" for k, v in slowest))


if __name__ == "__main__":
    main()
