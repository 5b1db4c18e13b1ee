"""`segregation check`: one pre-flight check of everything a run depends on, in seconds.

1. **The analyst's files**: kommuner, focus areas (both DeSO divisions) and the kommun's
   local files, with the same file/line/reason messages as a run.
2. **Coverage**: does the source in use hold every configured kommun, table and year.
3. **The catalog against the source**: for every table of every request, does the table
   exist (if not, candidates from SCB's table search on the v1 table name), do its
   variables and every selected code exist (placeholders expanded), do the catalog's years
   exist and reach the table's last period ("SCB har nyare år"), is the table newer than
   the stored fetch; for every Kolada KPI, does it exist and does its title match.

Offline (snapshot) it reads the stored `table.json` and `metadata.json` of each fetch and
the real Kolada catalogue rows in `data/raw/kolada/kpi_catalogue.csv`; live, it asks SCB
and Kolada with metadata calls only. Every `segregation run` runs it first and stops
before any data call when something is wrong.

Findings are `fel` (the run cannot be trusted: stop), `obs` (worth knowing, the run goes
on) or `ok`.
"""

from __future__ import annotations

import csv
import json
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from pipelines.core.geography import DESO_CODE, KOMMUN_LEVEL, split_code
from pipelines.core.settings import Settings
from pipelines.registry.areas import AreaMember, AreaRegistryError, load_areas
from pipelines.registry.catalog import Catalog, CatalogError, ScbRequest, TableSpan, load_catalog
from pipelines.registry.goals import EMPLOYEES_FILE, GoalFileError, load_employees
from pipelines.registry.kommuner import KommunerError, load_kommuner
from pipelines.registry.measures import MeasureRegistryError, load_measures
from pipelines.registry.newly_arrived import NEWLY_ARRIVED_FILE, load_newly_arrived
from pipelines.registry.plans import DEFAULT_START_YEAR, PlanRegistryError, load_plans
from pipelines.registry.schools import SCHOOLS_FILE, SchoolRegistryError, load_schools
from pipelines.sources.kolada.client import KoladaClient, KoladaError
from pipelines.sources.kolada.snapshot import REQUEST as KOLADA_REQUEST
from pipelines.sources.kolada.snapshot import SOURCE as KOLADA_SOURCE
from pipelines.sources.kolada.snapshot import TABLE as KOLADA_TABLE
from pipelines.sources.local_files import LocalFileError, load_local_values
from pipelines.sources.raw_store import RawStore, RawStoreError
from pipelines.sources.scb.client import PxWebClient
from pipelines.sources.scb.errors import ScbError, ScbRequestError
from pipelines.sources.scb.jsonstat import TableMetadata, parse_metadata
from pipelines.sources.scb.labels import LabelError, describe, resolve_labels
from pipelines.sources.scb.selection import SelectionError, resolve_selection
from pipelines.sources.scb.snapshot import SOURCE as SCB_SOURCE

ERROR, NOTE, OK = "fel", "obs", "ok"
KPI_CATALOGUE = Path("kolada") / "kpi_catalogue.csv"


@dataclass(frozen=True)
class Finding:
    part: str  # filer, täckning, katalog, Kolada, verifiera
    subject: str  # a file, a table (request) or a KPI
    status: str  # fel, obs, ok
    message: str
    request: str = ""  # the catalog request the finding is about, if any
    skipped: bool = False  # the run goes on without this request (see _settle)


@dataclass
class CheckReport:
    source: str
    findings: list[Finding] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not any(f.status == ERROR for f in self.findings)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.status == ERROR]

    @property
    def skipped(self) -> dict[str, str]:
        """Requests the run goes on without (unconfirmed, failing live): request → why."""
        return {f.request: f.message for f in self.findings if f.skipped}

    def add(
        self,
        part: str,
        subject: str,
        status: str,
        message: str,
        *,
        request: str = "",
        skipped: bool = False,
    ) -> None:
        self.findings.append(Finding(part, subject, status, message, request, skipped))

    def table(self, only_problems: bool = False) -> str:
        """One plain-text table, the verdict last (`only_problems`: leave out the ok rows)."""
        headers = ("del", "vad", "status", "besked")
        rows = [
            (f.part, f.subject, f.status, f.message)
            for f in self.findings
            if not (only_problems and f.status == OK)
        ]
        widths = [
            max(len(headers[i]), *(len(r[i]) for r in rows)) if rows else len(headers[i])
            for i in range(3)
        ]
        lines = ["  ".join(h.ljust(w) for h, w in zip(headers, [*widths, 0], strict=False))]
        lines.append("  ".join("-" * w for w in widths) + "  " + "-" * 6)
        for r in rows:
            lines.append(
                "  ".join(c.ljust(w) for c, w in zip(r[:3], widths, strict=True)) + "  " + r[3]
            )
        n_err = len(self.errors)
        n_note = sum(f.status == NOTE for f in self.findings)
        verdict = (
            f"Kontrollen klar på {self.seconds:.1f} s ({self.source}): "
            + ("inga fel" if n_err == 0 else f"{n_err} fel")
            + (f", {n_note} att notera" if n_note else "")
            + "."
        )
        if n_err:
            verdict += " Inget har hämtats eller byggts; rätta felen och kör igen."
        return "\n".join([*lines, "", verdict])


# -- where table descriptions come from ----------------------------------------------


class TableSource:
    """What the check asks about a table: its description and metadata, or None if unknown."""

    name = ""

    def info(self, request: ScbRequest, span: TableSpan) -> dict | None:
        raise NotImplementedError

    def metadata(self, request: ScbRequest, span: TableSpan) -> TableMetadata:
        raise NotImplementedError

    def candidates(self, span: TableSpan) -> list[dict]:
        return []


class SnapshotTables(TableSource):
    """The stored fetch of each table in the raw layer (verified against its manifest)."""

    name = "ögonblicksbild"

    def __init__(self, store: RawStore) -> None:
        self.store = store

    def info(self, request: ScbRequest, span: TableSpan) -> dict | None:
        if self.store.manifest(SCB_SOURCE, span.table_id, request.name) is None:
            return None
        # a damaged stored fetch (a file that does not match its sha256) raises RawStoreError
        return self.store.read(SCB_SOURCE, span.table_id, request.name).read_json("table.json")

    def metadata(self, request: ScbRequest, span: TableSpan) -> TableMetadata:
        stored = self.store.read(SCB_SOURCE, span.table_id, request.name)
        return parse_metadata(stored.read_json("metadata.json"), context=str(stored.folder))


class LiveTables(TableSource):
    """SCB's PxWebApi: `/tables/{id}` and `/tables/{id}/metadata` only (no data calls).

    A table whose `updated` equals the stored fetch's is checked against the stored
    metadata (SCB has not changed it since), so an unchanged nightly run asks only
    `/tables/{id}`, an answer the run's fetch then reuses.
    """

    name = "SCB live"

    def __init__(self, client: PxWebClient, store: RawStore) -> None:
        self.client = client
        self.store = store

    def info(self, request: ScbRequest, span: TableSpan) -> dict | None:
        try:
            return json.loads(self.client.table_info_bytes(span.table_id))
        except ScbRequestError as exc:
            if exc.status in (400, 404):
                return None
            raise

    def metadata(self, request: ScbRequest, span: TableSpan) -> TableMetadata:
        stored = self.store.manifest(SCB_SOURCE, span.table_id, request.name)
        updated = self.info(request, span) or {}
        if stored is not None and stored.get("updated") == updated.get("updated"):
            try:
                return SnapshotTables(self.store).metadata(request, span)
            except RawStoreError:
                pass  # a damaged stored fetch: ask SCB
        return self.client.metadata(span.table_id)

    def candidates(self, span: TableSpan) -> list[dict]:
        """Tables found for the v1 table name; failing that, the tables in its v1 folder."""
        terms = span.search_terms
        for i, term in enumerate(terms):
            try:
                found = self.client.search_tables(term, page_size=50, max_pages=2)
            except ScbError:
                return []
            if i > 0:  # a folder: keep the tables that stand in it
                found = [
                    t
                    for t in found
                    if any(p and p[-1].get("id") == term for p in t.get("paths") or [])
                ]
            if found:
                return found
        return []


# -- the checks ---------------------------------------------------------------------


def run_check(
    settings: Settings,
    *,
    scb_client: PxWebClient | None = None,
    kolada_client: KoladaClient | None = None,
    progress: Callable[[str], None] | None = None,
) -> CheckReport:
    """Check files, coverage and catalog against the source in use (see module docstring)."""
    started = time.monotonic()
    report = CheckReport("live" if settings.live else "ögonblicksbild")
    say = progress or (lambda message: None)
    raw_dir = settings.raw_dir
    say("Kontrollerar kommunens filer …")
    kommuner, members = _check_files(report, raw_dir)
    try:
        catalog = load_catalog(raw_dir)
    except CatalogError as exc:
        report.add("katalog", "catalog.toml", ERROR, str(exc))
        report.seconds = time.monotonic() - started
        return report
    if members is not None:
        _check_local_files(report, raw_dir, catalog, members)
        _check_plans(report, raw_dir, catalog, members, settings.comparison_k)
    if kommuner is not None:
        _check_schools(report, raw_dir, kommuner)
        _check_goals(report, raw_dir, kommuner)
    store = RawStore(raw_dir)
    # Kolada is asked beside SCB, so that two sources that are down cost the wait of one.
    kpis = CheckReport(report.source)
    say("Kontrollerar Koladas nyckeltal …")
    with ThreadPoolExecutor(max_workers=1) as pool:
        kpi_check = pool.submit(_check_kpis, kpis, catalog, raw_dir, settings, kolada_client)
        if kommuner is None:  # every table's selection follows the kommuner: nothing to check
            report.add(
                "katalog",
                "SCB:s tabeller",
                NOTE,
                "kontrolleras när areas/kommuner.csv är rättad (urvalet följer kommunerna)",
            )
        else:
            _check_tables(report, catalog, store, kommuner, settings, scb_client, say)
        kpi_check.result()
    report.findings.extend(kpis.findings)
    report.seconds = time.monotonic() - started
    return report


def _check_tables(
    report: CheckReport,
    catalog: Catalog,
    store: RawStore,
    kommuner: list[str],
    settings: Settings,
    scb_client: PxWebClient | None,
    say: Callable[[str], None],
) -> None:
    if settings.live:
        client = scb_client or _scb_client(settings)
        tables: TableSource = LiveTables(client, store)
    else:
        tables = SnapshotTables(store)
    say(f"Kontrollerar katalogen mot {tables.name} …")
    try:
        for request in catalog.scb.values():
            found = CheckReport(report.source)
            for span in request.tables:
                _check_table(found, tables, store, request, span, kommuner, settings.live)
            _settle(report, request, found.findings, settings.live)
    except ScbError as exc:  # the source did not answer: no table can be checked
        report.add("täckning", "SCB", ERROR, f"SCB svarar inte: {_flat(exc)}")


def _settle(report: CheckReport, request: ScbRequest, findings: list[Finding], live: bool) -> None:
    """Add one request's findings. Live, a request the catalog marks unconfirmed that fails
    the check does not stop the run: its errors become notes and a warning says the run
    goes on without it (a confirmed request that fails still stops the run). Live, every
    unconfirmed request also says what to verify."""
    failed = [f for f in findings if f.status == ERROR]
    skip = live and not request.confirmed and bool(failed)
    for f in findings:
        status = NOTE if skip and f.status == ERROR else f.status
        report.add(f.part, f.subject, status, f.message, request=request.name)
    if skip:
        report.add(
            "katalog",
            request.name,
            NOTE,
            f"VARNING: hoppas över – obekräftad i katalogen och klarar inte kontrollen "
            f"({'; '.join(f.message for f in failed)}); körningen fortsätter utan "
            f"{request.title}",
            request=request.name,
            skipped=True,
        )
    if live and not request.confirmed:
        report.add(
            "verifiera",
            request.name,
            NOTE,
            f"obekräftad: verifiera {request.verify} (källa: {request.source})",
            request=request.name,
        )


def _flat(exc: BaseException) -> str:
    """An error's whole message on one line (it names the URL and what failed)."""
    return (
        "; ".join(line.strip() for line in str(exc).splitlines() if line.strip())
        or type(exc).__name__
    )


def _check_files(
    report: CheckReport, raw_dir: Path
) -> tuple[list[str] | None, list[AreaMember] | None]:
    """The kommuner and the focus areas, each read once; None where the file has problems."""
    try:
        kommuner = [k.code for k in load_kommuner(raw_dir)]
    except KommunerError as exc:
        report.add("filer", "areas/kommuner.csv", ERROR, str(exc))
        return None, None
    report.add(
        "filer", "areas/kommuner.csv", OK, f"{len(kommuner)} kommuner: {', '.join(kommuner)}"
    )
    try:
        members = load_areas(raw_dir, kommuner)
    except AreaRegistryError as exc:
        for problem in exc.problems:
            report.add("filer", "areas/focus_areas.csv", ERROR, problem)
        return kommuner, None
    divisions = sorted({m.division for m in members})
    areas = {(m.kommun, m.area_id) for m in members}
    unconfirmed = sum(m.status != "bekräftad" for m in members)
    report.add(
        "filer",
        "areas/focus_areas.csv",
        OK,
        f"{len(areas)} områden, {len(members)} DeSO-rader ({', '.join(divisions)}); "
        f"{unconfirmed} obekräftade",
    )
    return kommuner, members


def _check_local_files(
    report: CheckReport, raw_dir: Path, catalog: Catalog, members: list[AreaMember]
) -> None:
    try:
        frame = load_local_values(raw_dir, catalog, members)
    except LocalFileError as exc:
        for problem in exc.problems:
            report.add("filer", "local/*.csv", ERROR, problem)
        return
    files = sorted(set(frame.file)) if len(frame) else []
    report.add("filer", "local/*.csv", OK, f"{len(frame)} rader i {len(files)} fil(er)")


def _check_plans(
    report: CheckReport,
    raw_dir: Path,
    catalog: Catalog,
    members: list[AreaMember],
    default_k: int,
) -> None:
    try:
        plans = load_plans(raw_dir, catalog, members, default_k)
    except PlanRegistryError as exc:
        for problem in exc.problems:
            report.add("filer", "areas/plans.csv", ERROR, problem)
        return
    assumed = sorted({p.kommun for p in plans if p.start_year_assumed})
    report.add(
        "filer",
        "areas/plans.csv",
        OK,
        f"{len(plans)} områden med plan"
        + (f"; startår antaget ({DEFAULT_START_YEAR}) för {', '.join(assumed)}" if assumed else ""),
    )
    _check_measures(report, raw_dir, catalog, plans)


def _check_measures(report: CheckReport, raw_dir: Path, catalog: Catalog, plans: list) -> None:
    """areas/measures.csv against the plans, before anything is built."""
    try:
        measures = load_measures(raw_dir, catalog, plans)
    except MeasureRegistryError as exc:
        for problem in exc.problems:
            report.add("filer", "areas/measures.csv", ERROR, problem)
        return
    examples = sum(m.example for m in measures)
    report.add(
        "filer",
        "areas/measures.csv",
        OK,
        f"{len(measures)} åtgärder" + (f", varav {examples} påhittade exempel" if examples else ""),
    )


def _check_schools(report: CheckReport, raw_dir: Path, kommuner: list[str]) -> None:
    """goals/schools.csv (optional), before anything is built."""
    if not (raw_dir / SCHOOLS_FILE).exists():
        report.add("filer", SCHOOLS_FILE.as_posix(), OK, "ingen fil: inga skolor att jämföra")
        return
    _check_goal_file(report, raw_dir, kommuner, SCHOOLS_FILE, load_schools, "rader (skola och år)")


def _check_goals(report: CheckReport, raw_dir: Path, kommuner: list[str]) -> None:
    """goals/employees.csv and goals/newly_arrived.csv, each only when the kommun has it."""
    for file, load, what in (
        (EMPLOYEES_FILE, load_employees, "rader om anställda"),
        (NEWLY_ARRIVED_FILE, load_newly_arrived, "rader om nyanlända"),
    ):
        if (raw_dir / file).exists():
            _check_goal_file(report, raw_dir, kommuner, file, load, what)


def _check_goal_file(
    report: CheckReport, raw_dir: Path, kommuner: list[str], file: Path, load, what: str
) -> None:
    """One of the kommun's goal files: every problem with its line, or its rows and how many of
    them are invented examples."""
    try:
        rows = load(raw_dir, kommuner)
    except (GoalFileError, SchoolRegistryError) as exc:
        for problem in exc.problems:
            report.add("filer", file.as_posix(), ERROR, problem)
        return
    examples = sum(bool(r["example"] if isinstance(r, dict) else r.example) for r in rows)
    report.add(
        "filer",
        file.as_posix(),
        OK,
        f"{len(rows)} {what}" + (f", varav {examples} påhittade exempel" if examples else ""),
    )


def _check_table(
    report: CheckReport,
    tables: TableSource,
    store: RawStore,
    request: ScbRequest,
    span: TableSpan,
    kommuner: list[str],
    live: bool,
) -> None:
    subject = f"{span.table_id} ({request.name})"
    try:
        info = tables.info(request, span)
    except RawStoreError as exc:
        report.add("täckning", subject, ERROR, _flat(exc))
        return
    if info is None:
        _missing_table(report, tables, store, request, span, live)
        return
    metadata = tables.metadata(request, span)
    try:
        resolved = resolve_labels(metadata, request.labels, span.table_id)
    except LabelError as exc:
        report.add("katalog", subject, ERROR, str(exc).removeprefix(f"{span.table_id}: "))
        return
    selection = request.selection_for(kommuner, span, resolved)
    unknown = [v for v in selection if v not in metadata.codes]
    if unknown:
        report.add(
            "katalog",
            subject,
            ERROR,
            f"tabellen har ingen variabel {', '.join(unknown)}; den har {', '.join(metadata.codes)}",
        )
        return
    years = _years(metadata)
    problems, notes = _check_years(request, span, years)
    region = request.region_variable
    if region is not None and region in metadata.codes:
        problems += _coverage(metadata.dimension(region).codes, request, kommuner, live)
    if not problems:
        try:
            resolve_selection(metadata, selection, span.table_id)
        except SelectionError as exc:
            problems.append(str(exc).removeprefix(f"{span.table_id}: "))
    if live:
        notes += _fetch_notes(store, request, span, info)
    for problem in problems:
        part = "täckning" if "saknar" in problem else "katalog"
        report.add(part, subject, ERROR, problem)
    for note in notes:
        report.add("katalog", subject, NOTE, note)
    if not problems:
        span_years = [y for y in years if span.covers(y)]
        by_label = (
            f"; koder efter etikett: {describe(resolved, request.labels)}" if resolved else ""
        )
        report.add(
            "katalog",
            subject,
            OK,
            (
                f"år {span_years[0]}–{span_years[-1]}: {_short(info.get('label') or metadata.label)}"
                if span_years
                else "ok"
            )
            + by_label,
        )


def _missing_table(
    report: CheckReport,
    tables: TableSource,
    store: RawStore,
    request: ScbRequest,
    span: TableSpan,
    live: bool,
) -> None:
    """The source does not know the table: live, with SCB's candidates for it."""
    subject = f"{span.table_id} ({request.name})"
    if not live:
        report.add(
            "täckning",
            subject,
            ERROR,
            f"ögonblicksbilden saknar tabellen ({store.folder(SCB_SOURCE, span.table_id, request.name)}); "
            "hämta den med SEGREGATION_SOURCE=live",
        )
        return
    found = tables.candidates(span)
    hint = (
        "; kandidater: "
        + "; ".join(
            f"{t.get('id')} {t.get('label', '')[:70]} ({t.get('firstPeriod')}–{t.get('lastPeriod')})"
            for t in found[:5]
        )
        if found
        else f"; inga träffar för {' eller '.join(span.search_terms)} i SCB:s tabellista"
    )
    report.add("katalog", subject, ERROR, f"SCB känner inte till tabellen{hint}")


def _check_years(
    request: ScbRequest, span: TableSpan, years: list[int]
) -> tuple[list[str], list[str]]:
    """Problems and notes about the catalog's years against the table's."""
    problems: list[str] = []
    notes: list[str] = []
    if span.first_year is not None and years and span.first_year not in years:
        problems.append(f"katalogen börjar {span.first_year}, tabellen har {years[0]}–{years[-1]}")
    if span.last_year is not None and years and span.last_year not in years:
        problems.append(f"katalogen slutar {span.last_year}, tabellen har {years[0]}–{years[-1]}")
    is_last = span is request.tables[-1]
    if is_last and span.last_year is not None and years and years[-1] > span.last_year:
        notes.append(
            f"SCB har nyare år: {', '.join(str(y) for y in years if y > span.last_year)} "
            f"(katalogen slutar {span.last_year}; ändra last_year i catalog.toml)"
        )
    return problems, notes


def _fetch_notes(store: RawStore, request: ScbRequest, span: TableSpan, info: dict) -> list[str]:
    """Live: will the run fetch the table (never fetched, or newer at SCB)?"""
    previous = store.manifest(SCB_SOURCE, span.table_id, request.name)
    if previous is None:
        return ["inte hämtad tidigare: körningen hämtar den"]
    if previous.get("updated") != info.get("updated"):
        return [
            f"nyare hos SCB ({info.get('updated')}) än sparad hämtning "
            f"({previous.get('updated')}): körningen hämtar den"
        ]
    return []


def _short(text: str, limit: int = 70) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _years(metadata: TableMetadata) -> list[int]:
    time_dim = next((d for d in metadata.dimensions if d.code == "Tid"), None)
    if time_dim is None:
        return []
    return sorted(int(c) for c in time_dim.codes if c.isdigit())


def _coverage(codes: list[str], request: ScbRequest, kommuner: list[str], live: bool) -> list[str]:
    """Which configured kommuner the table's Region lists no rows for."""
    wanted = request.selection.get(request.region_variable or "")
    items = [wanted] if isinstance(wanted, str) else list(wanted or [])
    kommun_rows, deso_rows = set(), set()
    for code in codes:
        bare, division = split_code(code)
        if division == KOMMUN_LEVEL:
            kommun_rows.add(bare)
        elif DESO_CODE.match(bare):
            deso_rows.add(bare[:4])
    where = "SCB:s tabell" if live else "ögonblicksbilden"
    fix = "" if live else "; hämta den med SEGREGATION_SOURCE=live"
    out = []
    for k in kommuner:
        if "{kommuner}" in items and k not in kommun_rows:
            out.append(f"{where} saknar kommun {k}{fix}")
        elif "{deso}" in items and k not in deso_rows:
            out.append(f"{where} saknar DeSO i kommun {k}{fix}")
    return out


def _check_kpis(
    report: CheckReport,
    catalog: Catalog,
    raw_dir: Path,
    settings: Settings,
    kolada_client: KoladaClient | None,
) -> None:
    ids = sorted({k.kpi for k in catalog.kolada.values()})
    if not ids:
        return
    if settings.live:
        client = kolada_client or KoladaClient(
            settings.kolada_api_url,
            timeout=settings.http_timeout,
            max_retries=settings.max_retries,
            retry_budget=settings.retry_budget,
        )
        try:
            described, _ = client.kpis(ids, strict=False)
        except KoladaError as exc:
            report.add("Kolada", ", ".join(ids), ERROR, f"Kolada svarar inte: {_flat(exc)}")
            return
        titles = {k: str(v.get("title", "")) for k, v in described.items()}
        where = "Kolada"
    else:
        titles = _kpi_catalogue(Path(raw_dir) / KPI_CATALOGUE)
        where = f"Koladas katalog ({KPI_CATALOGUE})"
        stored = RawStore(raw_dir).manifest(KOLADA_SOURCE, KOLADA_TABLE, KOLADA_REQUEST)
        held = set((stored or {}).get("municipalities") or [])
        lacking = [k for k in _configured(raw_dir) if k not in held]
        if lacking:
            report.add(
                "täckning",
                "Kolada",
                ERROR,
                f"ögonblicksbilden saknar Kolada-data för kommun {', '.join(lacking)}; "
                "hämta den med SEGREGATION_SOURCE=live",
            )
    for indicator in sorted(catalog.kolada.values(), key=lambda i: i.kpi):
        subject = f"{indicator.kpi} ({indicator.id})"
        if indicator.kpi not in titles:
            report.add("Kolada", subject, ERROR, f"{where} har inget nyckeltal {indicator.kpi}")
        elif not indicator.kpi_title:
            report.add(
                "Kolada",
                subject,
                NOTE,
                f"ingen kpi_title i katalogen; Kolada kallar det {titles[indicator.kpi]!r}",
            )
        elif _norm(indicator.kpi_title) != _norm(titles[indicator.kpi]):
            report.add(
                "Kolada",
                subject,
                ERROR,
                f"titeln stämmer inte: katalogen säger {indicator.kpi_title!r}, "
                f"Kolada {titles[indicator.kpi]!r}",
            )
        else:
            report.add("Kolada", subject, OK, titles[indicator.kpi])


def _configured(raw_dir: Path) -> list[str]:
    try:
        return [k.code for k in load_kommuner(raw_dir)]
    except KommunerError:
        return []


def _kpi_catalogue(path: Path) -> dict[str, str]:
    if not path.exists():
        return {}
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return {row["id"]: row["title"] for row in csv.DictReader(handle)}


def _norm(text: str) -> str:
    return " ".join(text.casefold().split())


def _scb_client(settings: Settings) -> PxWebClient:
    return PxWebClient(
        settings.scb_api_url,
        lang=settings.scb_lang,
        timeout=settings.http_timeout,
        max_retries=settings.max_retries,
        retry_budget=settings.retry_budget,
    )
