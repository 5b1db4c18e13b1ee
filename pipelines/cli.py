"""The `segregation` command: run the pipeline, fetch any SCB table, and more.

segregation run                       materialise every asset (same as the nightly job)
segregation fetch TAB6571 --select Region=0123 --select Tid=from(2020) --out out.parquet
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from dagster import logger

from pipelines.core.settings import Settings, SettingsError


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return 2
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    try:
        return args.handler(args)
    except SettingsError as exc:
        print(f"Fel i inställningarna: {exc}", file=sys.stderr)
        return 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="segregation",
        description=(
            "Follow socioeconomic segregation: SCB and kommun data into DuckDB marts that compare "
            "focus areas with the municipal average. Settings come from the environment: "
            "SEGREGATION_SOURCE=snapshot|live, SCB_API_URL, KOLADA_API_URL, SEGREGATION_RAW_DIR, "
            "SEGREGATION_MARTS_DIR and the others listed in README.md."
        ),
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    for add in (_add_run, _add_check, _add_fetch, _add_areas, _add_report):
        add(sub)
    return parser


def _add_run(sub: argparse._SubParsersAction) -> None:
    """`segregation run`."""
    run = sub.add_parser(
        "run",
        help="materialise every asset and publish the marts",
        description=(
            "Materialise every asset in one process, like the nightly job: fetch what changed "
            "(live mode) or read the bundled snapshot (default), rebuild staging and marts, run the "
            "checks, publish data/marts/*.parquet, *.csv and segregation.duckdb, and write the "
            "committee reports, all in one swap. If anything fails (a fetch, a model, a check or "
            "a report), the previously published files are left as they were. The terminal shows "
            "progress and, per failure, one line with what failed and why; the full log with "
            "tracebacks is kept in the run history (DAGSTER_HOME, see it in `make dev`)."
        ),
    )
    run.add_argument(
        "--verbose",
        action="store_true",
        help="show Dagster's full log on the terminal (every event, tracebacks included)",
    )
    run.set_defaults(handler=_run)


def _add_check(sub: argparse._SubParsersAction) -> None:
    """`segregation check`."""
    check = sub.add_parser(
        "check",
        help="check files, coverage and catalog against the source, in seconds",
        description=(
            "Check everything a run depends on before it runs: the analyst's files (kommuner, "
            "focus areas in both DeSO divisions, the kommun's local files), whether the source in "
            "use (the snapshot, or SCB and Kolada live) holds every configured kommun, table and "
            "year, and the catalog against the source: every table exists (otherwise candidates "
            "from SCB's table search), its variables and codes exist, its years reach SCB's last "
            "year, and every Kolada KPI exists with the title the catalog expects. Live, it makes "
            "metadata calls only. Prints one table; exits 0 when nothing is wrong, 1 otherwise. "
            "`segregation run` runs the same check first."
        ),
    )
    check.set_defaults(handler=_check)


def _add_fetch(sub: argparse._SubParsersAction) -> None:
    """`segregation fetch`."""
    fetch = sub.add_parser(
        "fetch",
        help="fetch any SCB table to Parquet or CSV",
        description=(
            "Fetch a selection from any SCB table through the pipeline's PxWebApi 2.0 client "
            "(rate limit, cell-limit splitting, retries) and write it as a tidy table: one row per "
            "cell with code and label columns, value, and SCB's status symbol. Always live: it "
            "talks to SCB_API_URL. Without --out, it prints the table's variables instead."
        ),
        epilog=(
            "Examples:\n"
            "  segregation fetch TAB6571                       # list variables and values\n"
            "  segregation fetch TAB6571 --select 'Region=0123*' --select Tid=2023 --out deso.parquet\n"
            "Value expressions: codes separated by commas, *, 0123*, top(3), from(2015), to(2020), range(2010,2015).\n"
            "Variables you leave out are eliminated (summed) by SCB where the table allows it."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    fetch.add_argument("table_id", help="the table's PxWebApi 2.0 id, e.g. TAB6571")
    fetch.add_argument(
        "--select",
        action="extend",
        nargs="+",
        default=[],
        metavar="VAR=CODES",
        help=(
            "select values of a variable: VAR=code1,code2 or VAR=EXPRESSION; several after one "
            "flag (--select A=1 B=2) or repeated flags"
        ),
    )
    fetch.add_argument(
        "--codelist",
        action="append",
        default=[],
        metavar="VAR=ID",
        help="use a codelist for a variable, e.g. Region=vs_DeSO2025 (repeatable)",
    )
    fetch.add_argument("--out", type=Path, help="output file, .parquet or .csv")
    fetch.set_defaults(handler=_fetch)


def _add_areas(sub: argparse._SubParsersAction) -> None:
    """`segregation areas`."""
    areas = sub.add_parser(
        "areas",
        help="list the focus areas and their DeSO, report problems, propose DeSO 2025",
        description=(
            "Read data/raw/areas/focus_areas.csv (under SEGREGATION_RAW_DIR), check each row "
            "against the key of its DeSO division (DeSO 2018 or DeSO 2025) and list each kommun's "
            "focus areas with their DeSO, RegSO and whether the kommun has confirmed them. Exits 1 "
            "and lists every problem (file, line, reason) if the file has any. With --propose, "
            "proposes each area's DeSO 2025 membership from its DeSO 2018 membership: a code that "
            "exists in both divisions carries over; a code that no longer exists is replaced by "
            "the DeSO 2025 codes sharing its first eight characters when all of them lie in the "
            "area's RegSO; anything else is listed for the kommun to decide. --write adds the "
            "proposals to the file as 'obekräftad' with a comment saying how they were derived."
        ),
    )
    areas.add_argument(
        "--propose",
        action="store_true",
        help="propose DeSO 2025 members for areas that have only DeSO 2018 rows",
    )
    areas.add_argument(
        "--write",
        action="store_true",
        help="with --propose: add the proposed rows to focus_areas.csv (as obekräftad)",
    )
    areas.set_defaults(handler=_areas)


def _add_report(sub: argparse._SubParsersAction) -> None:
    """`segregation report`."""
    report = sub.add_parser(
        "report",
        help="write the committee report for one kommun",
        description=(
            "Write the Swedish committee report (self-contained HTML with charts, opens offline) for "
            "one kommun from the published marts in SEGREGATION_MARTS_DIR. Run the pipeline first."
        ),
    )
    report.add_argument("--kommun", required=True, help="four-digit kommun code, e.g. 0123")
    report.add_argument("--out", type=Path, required=True, help="the HTML file to write")
    report.set_defaults(handler=_report)


def _run(args: argparse.Namespace) -> int:
    from dagster import DagsterInstance

    from pipelines.definitions import defs

    settings = Settings.from_env()
    print(
        f"Källa: {settings.source} ({'SCB live: ' + settings.scb_api_url if settings.live else 'ögonblicksbild i ' + str(settings.raw_dir)})"
    )

    home = os.environ.get("DAGSTER_HOME")
    if home and not Path(home).is_absolute():
        print(
            f"DAGSTER_HOME={home!r} måste vara en absolut sökväg (`make run` sätter den till "
            "projektets .dagster_home).",
            file=sys.stderr,
        )
        return 2
    if home:
        # the run history goes there; a new project folder may not have it yet
        Path(home).mkdir(parents=True, exist_ok=True)
    instance = DagsterInstance.get() if home else DagsterInstance.ephemeral()
    job = defs.resolve_job_def("refresh_all")
    run_config = None
    if not args.verbose:  # progress lines only; the full log stays in the run history
        job = job.with_logger_defs({"terminal": terminal_logger})
        run_config = {"loggers": {"terminal": {}}}
    result = job.execute_in_process(instance=instance, raise_on_error=False, run_config=run_config)
    if not result.success:
        for line in failure_lines(result.all_events):
            print(line, file=sys.stderr)
        print(
            f"Körningen misslyckades; de senast publicerade marts och rapporterna i "
            f"{settings.marts_dir} är oförändrade. `segregation run --verbose` visar hela "
            "loggen (på engelska, med tracebacks).",
            file=sys.stderr,
        )
        return 1
    print(f"Klart. Marts i {settings.marts_dir}:")
    for path in sorted(settings.marts_dir.glob("*")):
        if path.is_file() and not path.name.startswith("."):
            print(f"  {path}")
    demo = [
        f"{e.asset_key.to_user_string()} ({e.materialization.metadata['demo_rows'].value} rader)"
        for e in result.get_asset_materialization_events()
        if e.asset_key.path[0] == "raw"
        and "demo_rows" in e.materialization.metadata
        and e.materialization.metadata["demo_rows"].value
    ]
    if demo:
        print(
            "OBS: DEMODATA, inte SCB:s statistik, i "
            + ", ".join(demo)
            + ". Raderna har demo = true; "
            "kör med SEGREGATION_SOURCE=live för verkliga värden (se README)."
        )
    return 0


@logger(description="Progress on the terminal: the assets' own messages, one line each.")
def terminal_logger(init_context) -> logging.Logger:
    class _Progress(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            meta = getattr(record, "dagster_meta", None) or {}
            text = str(meta.get("orig_message", record.getMessage()))
            if (
                meta.get("dagster_event") is not None
                or record.levelno < logging.INFO
                or text.startswith("Dependencies for step")
            ):
                return  # engine events (and their tracebacks) stay in the run history
            step = meta.get("step_key") or ""
            text = text.splitlines()[0] if text else ""
            marker = "OBS " if record.levelno >= logging.WARNING else ""
            print(f"  {marker}{step.replace('__', '/')}: {text}", file=sys.stderr, flush=True)

    log = logging.Logger("segregation.terminal", level=logging.INFO)
    log.addHandler(_Progress())
    return log


def failure_lines(events) -> list[str]:
    """One line (or the pre-flight table) per distinct failure: what failed and why."""
    by_message: dict[str, list[str]] = {}
    for event in events:
        if not event.is_step_failure:
            continue
        data = event.step_failure_data
        step = (event.step_key or "").replace("__", "/")
        if data.user_failure_data is not None and data.user_failure_data.description:
            message = data.user_failure_data.description  # e.g. the pre-flight check's table
        else:
            error = data.error
            while error is not None and error.cause is not None:
                error = error.cause  # the pipeline's own error, not Dagster's wrapper
            message = " ".join(
                line.strip()
                for line in (error.message if error else event.message or "").splitlines()
            ).strip()
        by_message.setdefault(message, []).append(step)
    lines = []
    for message, steps in by_message.items():
        if "\n" in message:
            lines.append(message)
        else:
            lines.append(f"FEL i {', '.join(steps)}: {message}")
    return lines


def _preflight(settings: Settings):
    from pipelines.sources.preflight import run_check

    return run_check(settings, progress=lambda m: print(m, file=sys.stderr))


def _check(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    report = _preflight(settings)
    print(report.table())
    return 0 if report.ok else 1


def _fetch(args: argparse.Namespace) -> int:
    from pipelines.sources.scb import PxWebClient, ScbError
    from pipelines.sources.scb.jsonstat import combine, parse_jsonstat2
    from pipelines.sources.scb.selection import SelectionError, response_dimensions

    settings = Settings.from_env()
    client = PxWebClient(
        settings.scb_api_url,
        lang=settings.scb_lang,
        timeout=settings.http_timeout,
        max_retries=settings.max_retries,
        retry_budget=settings.retry_budget,
        progress=lambda m: print(m, file=sys.stderr),
    )
    try:
        selection = _pairs(args.select, "--select")
        codelists = _pairs(args.codelist, "--codelist")
        if args.out is None:
            meta = client.metadata(args.table_id)
            print(f"{args.table_id}: {meta.label} (uppdaterad {meta.updated})")
            for dim in meta.dimensions:
                sample = ", ".join(dim.codes[:8]) + (" …" if len(dim.codes) > 8 else "")
                elim = " (kan utelämnas)" if dim.elimination else ""
                print(f"  {dim.code}: {dim.label}, {len(dim.codes)} värden{elim}: {sample}")
            return 0
        suffix = args.out.suffix.lower()
        if suffix not in (".parquet", ".csv"):
            print(
                f"--out ska sluta på .parquet eller .csv, inte {suffix or 'ingenting'}.",
                file=sys.stderr,
            )
            return 2
        parts = client.fetch_data(args.table_id, selection, codelists=codelists or None)
        expected = response_dimensions(client.metadata(args.table_id), selection)
        parsed = combine(
            [
                parse_jsonstat2(json.loads(p.content), expected_dimensions=expected, context=p.url)
                for p in parts
            ],
            context=args.table_id,
        )
    except (ScbError, SelectionError, ValueError) as exc:
        print(f"Fel: {exc}", file=sys.stderr)
        return 1
    args.out.parent.mkdir(parents=True, exist_ok=True)
    frame = parsed.frame
    if suffix == ".parquet":
        frame.to_parquet(args.out, index=False)
    else:
        frame.to_csv(args.out, index=False)
    print(
        f"Skrev {len(frame)} rader till {args.out} ({len(parts)} anrop efter data; tabellen "
        f"uppdaterad {parsed.updated}).",
        file=sys.stderr,
    )
    return 0


def _areas(args: argparse.Namespace) -> int:
    from pipelines.registry.areas import (
        AREAS_FILE,
        AreaRegistryError,
        load_areas,
        propose_next_division,
        write_proposals,
    )
    from pipelines.registry.kommuner import KommunerError, load_kommuner

    if args.write and not args.propose:
        print("--write används tillsammans med --propose.", file=sys.stderr)
        return 2
    settings = Settings.from_env()
    try:
        kommuner = load_kommuner(settings.raw_dir)
        members = load_areas(settings.raw_dir, [k.code for k in kommuner])
    except (AreaRegistryError, KommunerError) as exc:
        print(exc, file=sys.stderr)
        return 1
    names = {k.code: k.name for k in kommuner}
    if args.propose:
        proposals = propose_next_division(members, settings.raw_dir)
        if not proposals:
            print("Alla områden har redan rader för DeSO 2025; inget att föreslå.")
            return 0
        for p in proposals:
            target = p.deso_2025 or "?"
            print(f"{p.kommun} {p.area_name}: {p.deso_2018} -> {target}  [{p.how}] {p.comment}")
        decide = [p for p in proposals if not p.deso_2025]
        if args.write:
            n = write_proposals(settings.raw_dir, proposals)
            print(
                f"Skrev {n} rader för DeSO 2025 som obekräftad till {settings.raw_dir / AREAS_FILE}."
            )
        else:
            print("Inget skrivet: lägg till --write för att skriva förslagen till filen.")
        if decide:
            print(
                f"{len(decide)} DeSO behöver kommunens beslut (markerade med ?): skriv in deras "
                "rader för DeSO 2025 för hand."
            )
        return 0
    order = {key: i for i, key in enumerate(dict.fromkeys((m.kommun, m.area_id) for m in members))}
    current = None
    for m in sorted(members, key=lambda m: (order[(m.kommun, m.area_id)], m.division)):
        if (m.kommun, m.area_id) != current:
            current = (m.kommun, m.area_id)
            print(f"{m.kommun} {names.get(m.kommun, '')} · {m.area_name} ({m.area_id})")
        print(f"    {m.division}  {m.deso}  RegSO {m.regso} {m.regso_name}  [{m.status}]")
    unconfirmed = sum(m.status != "bekräftad" for m in members)
    print(
        f"{len(members)} DeSO-rader i {len({(m.kommun, m.area_id) for m in members})} områden; "
        f"{unconfirmed} obekräftade."
    )
    return 0


def _report(args: argparse.Namespace) -> int:
    from pipelines.publish.report import ReportError, write_report
    from pipelines.registry.kommuner import KommunerError, load_kommuner

    if args.out.suffix.lower() != ".html":
        print(
            f"Fel: --out {args.out}: rapporten är en HTML-fil; ge ett namn som slutar på .html "
            f"(t.ex. {args.out.with_suffix('.html').name}). Skriv ut den som PDF från webbläsaren.",
            file=sys.stderr,
        )
        return 2
    settings = Settings.from_env()
    try:
        kommuner = load_kommuner(settings.raw_dir)
        names = {k.code: k.name for k in kommuner}
        if args.kommun not in names:
            print(f"Fel: {kommun_hint(args.kommun, names)}", file=sys.stderr)
            return 2
        result = write_report(
            settings.marts_dir, args.kommun, names.get(args.kommun, args.kommun), args.out
        )
    except (ReportError, KommunerError) as exc:
        print(f"Fel: {exc}", file=sys.stderr)
        return 1
    note = " Den innehåller DEMODATA (utmärkt i rapporten)." if result.demo else ""
    print(f"Skrev {result.path} ({result.charts} diagram).{note}")
    return 0


def kommun_hint(code: str, names: dict[str, str]) -> str:
    """Why a kommun code is not configured, with 'did you mean 0123?' when only the leading
    zero is missing."""
    text = f"kommunen {code!r} finns inte i kommuner.csv"
    padded = code.strip().zfill(4)
    if padded != code and padded in names:
        return f"{text}; menade du {padded} ({names[padded]})? Kommunkoder har fyra siffror."
    known = ", ".join(sorted(names))
    return f"{text} (i filen: {known}). Kommunkoder har fyra siffror, t.ex. 0123."


def _pairs(items: Sequence[str], flag: str) -> dict[str, list[str] | str]:
    out: dict[str, list[str] | str] = {}
    for item in items:
        var, sep, codes = item.partition("=")
        if not sep or not var or not codes:
            raise ValueError(f"{flag} {item!r}: skriv VARIABEL=kod1,kod2")
        if "(" in codes:  # an expression such as range(2010,2015) keeps its comma
            out[var] = codes
        else:
            out[var] = [c.strip() for c in codes.split(",") if c.strip()]
    if flag == "--codelist":
        return {k: (v[0] if isinstance(v, list) else v) for k, v in out.items()}
    return out


if __name__ == "__main__":
    sys.exit(main())
