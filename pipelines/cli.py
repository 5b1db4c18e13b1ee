"""The `segregation` command: run the pipeline, fetch any SCB table, and more.

segregation run [--force]             materialise every asset (same as the nightly job)
segregation fetch TAB6571 --select Region=0123 --select Tid=from(2020) --out out.parquet
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import os
import re
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
    except Exception as exc:
        if args.verbose:
            raise  # the traceback, in English
        print(
            f"Oväntat fel ({type(exc).__name__}): {exc}\n"
            f"Kör `segregation {args.command} --verbose` för de tekniska detaljerna (på engelska).",
            file=sys.stderr,
        )
        return 1


# argparse's own words (usage, help, its errors) in Swedish, as a message catalog would give them
ARGPARSE_WORDS = {
    "usage: ": "användning: ",
    "options": "flaggor",
    "positional arguments": "argument",
    "show this help message and exit": "visa den här hjälpen och avsluta",
    "%(prog)s: error: %(message)s\n": "%(prog)s: fel: %(message)s\n",
    "the following arguments are required: %s": "dessa argument krävs: %s",
    "unrecognized arguments: %s": "okända argument: %s",
    "invalid choice: %(value)r (choose from %(choices)s)": (
        "ogiltigt val: %(value)r (välj bland %(choices)s)"
    ),
    "argument %(argument_name)s: %(message)s": "argumentet %(argument_name)s: %(message)s",
    "expected one argument": "väntade ett värde",
    "invalid %(type)s value: %(value)r": "ogiltigt värde (%(type)s): %(value)r",
}


def _swedish_argparse() -> None:
    """Let argparse speak Swedish: it looks its words up through `argparse._` at call time."""
    argparse._ = lambda text: ARGPARSE_WORDS.get(text, text)  # type: ignore[attr-defined]


def _parser() -> argparse.ArgumentParser:
    _swedish_argparse()
    parser = argparse.ArgumentParser(
        prog="segregation",
        description=(
            "Följ den socioekonomiska segregationen: data från SCB, Kolada och kommunen blir "
            "DuckDB-marts som jämför fokusområdena med kommunen, och en rapport till nämnden. "
            "Inställningar tas från miljön: SEGREGATION_SOURCE=snapshot|live, SCB_API_URL, "
            "KOLADA_API_URL, SEGREGATION_RAW_DIR, SEGREGATION_MARTS_DIR och de andra i "
            "docs/configuration.md."
        ),
    )
    sub = parser.add_subparsers(dest="command", metavar="KOMMANDO")

    for add in (_add_run, _add_check, _add_fetch, _add_areas, _add_report, _add_bokslut):
        add(sub)
    for command in sub.choices.values():
        if not any("--verbose" in a.option_strings for a in command._actions):
            command.add_argument(
                "--verbose",
                action="store_true",
                help="visa tekniska detaljer vid oväntade fel (traceback, på engelska)",
            )
    return parser


def _add_run(sub: argparse._SubParsersAction) -> None:
    """`segregation run`."""
    run = sub.add_parser(
        "run",
        help="bygg alla tillgångar och publicera marts och rapporter",
        description=(
            "Bygg alla tillgångar i en process, som nattkörningen: hämta det som ändrats (live) "
            "eller läs den medföljande ögonblicksbilden (standard). Har något som marts byggs av "
            "ändrats sedan senaste publiceringen (hämtade svar, filerna i data/raw, SQL-filerna, "
            "koden): bygg om staging och marts, kör kontrollerna och publicera "
            "data/marts/*.parquet, *.csv och segregation.duckdb i ett byte; skriv sedan varje "
            "kommuns rapport till nämnden från de publicerade marts (en Dagster-körning per "
            "kommun). Har inget ändrats byggs inget om och rapporterna behålls. Misslyckas en "
            "hämtning, en modell eller en kontroll lämnas de tidigare publicerade filerna orörda; "
            "en rapport som misslyckas lämnar kommunens förra rapport, de andra skrivs. "
            "Terminalen visar förloppet och en rad per fel: vad som gick fel och varför; hela "
            "loggen med tracebacks finns i körhistoriken (DAGSTER_HOME, se den i `make dev`)."
        ),
    )
    run.add_argument(
        "--verbose",
        action="store_true",
        help="visa Dagsters hela logg i terminalen (varje händelse, med tracebacks, på engelska)",
    )
    run.add_argument(
        "--force",
        action="store_true",
        help="bygg om, publicera och skriv varje rapport även när inget har ändrats",
    )
    run.set_defaults(handler=_run)


def _add_check(sub: argparse._SubParsersAction) -> None:
    """`segregation check`."""
    check = sub.add_parser(
        "check",
        help="kontrollera filer, täckning och katalog mot källan, på några sekunder",
        description=(
            "Kontrollera allt en körning behöver innan den körs: analytikerns filer (kommuner, "
            "fokusområden i båda DeSO-indelningarna, kommunens egna filer), att källan (ögonblicks"
            "bilden, eller SCB och Kolada live) har varje kommun, tabell och år, och katalogen mot "
            "källan: varje tabell finns (annars förslag ur SCB:s tabellsökning), dess variabler "
            "och koder finns, åren når SCB:s senaste år, och varje nyckeltal i Kolada finns med "
            "den titel katalogen väntar sig. Live görs bara metadataanrop. Skriver en tabell; "
            "slutkod 0 när inget är fel, annars 1. `segregation run` gör samma kontroll först."
        ),
    )
    check.add_argument(
        "--live",
        action="store_true",
        help=(
            "kontrollera mot SCB och Kolada live (som SEGREGATION_SOURCE=live); listar för varje "
            "förfrågan som katalogen anger som obekräftad vad som ska verifieras"
        ),
    )
    check.set_defaults(handler=_check)


def _add_fetch(sub: argparse._SubParsersAction) -> None:
    """`segregation fetch`."""
    fetch = sub.add_parser(
        "fetch",
        help="hämta valfri SCB-tabell till Parquet eller CSV",
        description=(
            "Hämta ett urval ur valfri SCB-tabell med pipelinens PxWebApi 2.0-klient "
            "(anropsgräns, uppdelning vid cellgränsen, nya försök) och skriv det som en lång "
            "tabell: en rad per cell med kolumner för kod och text, värdet och SCB:s "
            "statussymbol. Alltid live: frågar SCB_API_URL. Utan --out skrivs i stället "
            "tabellens variabler ut."
        ),
        epilog=(
            "Exempel:\n"
            "  segregation fetch TAB6571                       # variabler och värden\n"
            "  segregation fetch TAB6571 --select 'Region=0123*' --select Tid=2023 --out deso.parquet\n"
            "Värdeuttryck: koder åtskilda med komma, *, 0123*, top(3), from(2015), to(2020), "
            "range(2010,2015).\n"
            "Variabler du utelämnar summeras av SCB där tabellen tillåter det."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    fetch.add_argument("table_id", help="tabellens id i PxWebApi 2.0, t.ex. TAB6571")
    fetch.add_argument(
        "--select",
        action="extend",
        nargs="+",
        default=[],
        metavar="VAR=KODER",
        help=(
            "välj värden för en variabel: VAR=kod1,kod2 eller VAR=UTTRYCK; flera efter en "
            "flagga (--select A=1 B=2) eller upprepade flaggor"
        ),
    )
    fetch.add_argument(
        "--codelist",
        action="append",
        default=[],
        metavar="VAR=ID",
        help="använd en kodlista för en variabel, t.ex. Region=vs_DeSO2025 (kan upprepas)",
    )
    fetch.add_argument("--out", type=Path, help="filen att skriva, .parquet eller .csv")
    fetch.set_defaults(handler=_fetch)


def _add_areas(sub: argparse._SubParsersAction) -> None:
    """`segregation areas`."""
    areas = sub.add_parser(
        "areas",
        help="lista fokusområdena och deras DeSO, visa fel, föreslå DeSO 2025",
        description=(
            "Läs data/raw/areas/focus_areas.csv (under SEGREGATION_RAW_DIR), kontrollera varje rad "
            "mot nyckeln för dess DeSO-indelning (DeSO 2018 eller DeSO 2025) och lista varje "
            "kommuns fokusområden med deras DeSO, RegSO och om kommunen har bekräftat dem. Har "
            "filen fel listas vart och ett (fil, rad, orsak) och slutkoden är 1. Med --propose "
            "föreslås varje områdes DeSO 2025 utifrån dess DeSO 2018: en kod som finns i båda "
            "indelningarna följer med; en kod som inte längre finns ersätts av de DeSO 2025-koder "
            "som börjar med samma åtta tecken, när alla ligger i områdets RegSO; allt annat "
            "listas för kommunen att avgöra. --write lägger till förslagen i filen som "
            "'obekräftad' med en kommentar om hur de togs fram; filen behåller sin form "
            "(avgränsare, BOM, radslut)."
        ),
    )
    areas.add_argument(
        "--propose",
        action="store_true",
        help="föreslå DeSO 2025 för områden som bara har rader för DeSO 2018",
    )
    areas.add_argument(
        "--write",
        action="store_true",
        help="med --propose: lägg till de föreslagna raderna i focus_areas.csv (som obekräftad)",
    )
    areas.set_defaults(handler=_areas)


def _add_report(sub: argparse._SubParsersAction) -> None:
    """`segregation report`."""
    report = sub.add_parser(
        "report",
        help="skriv rapporten till nämnden för en kommun",
        description=(
            "Skriv rapporten till nämnden (en fristående HTML-fil med diagram som öppnas utan nät) "
            "för en kommun ur de publicerade marts i SEGREGATION_MARTS_DIR. Kör pipelinen först."
        ),
    )
    report.add_argument("--kommun", required=True, help="fyrsiffrig kommunkod, t.ex. 0123")
    report.add_argument("--out", type=Path, required=True, help="HTML-filen att skriva")
    report.set_defaults(handler=_report)


def _add_bokslut(sub: argparse._SubParsersAction) -> None:
    """`segregation bokslut`."""
    bokslut = sub.add_parser(
        "bokslut",
        help="skriv integrationsbokslutet för en kommun och ett år",
        description=(
            "Skriv integrationsbokslutet (åtgärderna per ansvarig och tema, indikatorerna de "
            "siktar på, målen för anställda, skolor och nyanlända, och vad som ändrats sedan "
            "förra året) ur de publicerade marts i SEGREGATION_MARTS_DIR. `segregation run` "
            "skriver det senaste årets bokslut själv; med --ar skrivs ett tidigare års."
        ),
    )
    bokslut.add_argument("--kommun", required=True, help="fyrsiffrig kommunkod, t.ex. 0123")
    bokslut.add_argument(
        "--ar",
        type=int,
        help="året bokslutet gäller (standard: det senaste med rapporterad status)",
    )
    bokslut.add_argument(
        "--out",
        type=Path,
        help="HTML-filen att skriva (standard: integrationsbokslut_<kommun>_<år>.html bland marts)",
    )
    bokslut.set_defaults(handler=_bokslut)


def _run(args: argparse.Namespace) -> int:
    from dagster import DagsterInstance

    from pipelines.definitions import defs
    from pipelines.orchestration.runs import refresh_and_report

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
    loggers, run_config = None, None
    if not args.verbose:  # progress lines only; the full log stays in the run history
        loggers, run_config = {"terminal": terminal_logger}, {"loggers": {"terminal": {}}}
    outcome = refresh_and_report(
        defs, instance, force=args.force, loggers=loggers, run_config=run_config
    )
    if not outcome.refresh.success:
        for line in failure_lines(outcome.all_events):
            print(line, file=sys.stderr)
        print(
            f"Körningen misslyckades; de senast publicerade marts och rapporterna i "
            f"{settings.marts_dir} är oförändrade. `segregation run --verbose` visar hela "
            "loggen (på engelska, med tracebacks).",
            file=sys.stderr,
        )
        return 1
    if outcome.failed_reports:
        for line in failure_lines(outcome.all_events):
            print(line, file=sys.stderr)
        print(
            f"Rapporten för {', '.join(outcome.failed_reports)} kunde inte skrivas; den förra "
            "finns kvar. Marts och de andra rapporterna är publicerade. `segregation run "
            "--verbose` visar hela loggen (på engelska, med tracebacks).",
            file=sys.stderr,
        )
        return 1
    if outcome.unchanged and not outcome.reports:
        print(
            "Inget har ändrats sedan senaste publiceringen: marts och rapporter är oförändrade "
            "(`segregation run --force` bygger om ändå)."
        )
    print(f"Klart. Marts i {settings.marts_dir}:")
    for path in sorted(settings.marts_dir.glob("*")):
        if path.is_file() and not path.name.startswith("."):
            print(f"  {path}")
    demo = [
        f"{e.asset_key.to_user_string()} ({e.materialization.metadata['demo_rows'].value} rader)"
        for e in outcome.refresh.get_asset_materialization_events()
        if e.asset_key.path[0] == "raw"
        and "demo_rows" in e.materialization.metadata
        and e.materialization.metadata["demo_rows"].value
    ]
    if demo:
        print(
            "OBS: DEMODATA, inte SCB:s statistik, i "
            + ", ".join(demo)
            + ". Raderna har demo = true; "
            "kör med SEGREGATION_SOURCE=live för verkliga värden (se docs/live.md)."
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
                or text.startswith(("Dependencies for step", "Skipping step"))
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
            own = _without_class(error, event.message).splitlines()
            message = "; ".join(line.strip() for line in own if line.strip())
        by_message.setdefault(message, []).append(step)
    lines = []
    for message, steps in by_message.items():
        if "\n" in message:
            lines.append(message)
        else:
            lines.append(f"FEL i {', '.join(steps)}: {message}")
    return lines


def _without_class(error, fallback: str | None) -> str:
    """The error's own words, without the Python class name Dagster puts before them."""
    if error is None:
        return fallback or ""
    return re.sub(rf"^(?:[\w.]*\.)?{re.escape(error.cls_name or '')}: ", "", error.message)


def _preflight(settings: Settings):
    from pipelines.sources.preflight import run_check

    return run_check(settings, progress=lambda m: print(m, file=sys.stderr))


def _check(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    if getattr(args, "live", False):
        settings = dataclasses.replace(settings, source="live")
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


def _bokslut(args: argparse.Namespace) -> int:
    from pipelines.publish.bokslut import write_bokslut
    from pipelines.publish.report import ReportError
    from pipelines.registry.kommuner import KommunerError, load_kommuner

    settings = Settings.from_env()
    try:
        names = {k.code: k.name for k in load_kommuner(settings.raw_dir)}
        if args.kommun not in names:
            print(f"Fel: {kommun_hint(args.kommun, names)}", file=sys.stderr)
            return 2
        written = write_bokslut(
            settings.marts_dir, args.kommun, names[args.kommun], args.ar, args.out
        )
    except (ReportError, KommunerError) as exc:
        print(f"Fel: {exc}", file=sys.stderr)
        return 1
    if written is None:
        print(
            f"Fel: {names[args.kommun]} ({args.kommun}) har inga åtgärder i "
            "data/raw/areas/measures.csv: inget bokslut att skriva.",
            file=sys.stderr,
        )
        return 1
    path, bokslut = written
    note = (
        " Det innehåller EXEMPEL eller DEMODATA (utmärkt i bokslutet)."
        if bokslut.example or bokslut.demo
        else ""
    )
    print(f"Skrev {path} (integrationsbokslut {bokslut.year}).{note}")
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
