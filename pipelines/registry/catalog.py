"""The catalog: which SCB tables the pipeline reads and how, from `data/raw/catalog.toml`.

SCB revises tables and gives them new ids; the ids live only in that file, never in code.
A request's selection may use two placeholders that follow the kommuner configured in
`data/raw/areas/kommuner.csv`:

- `"{kommuner}"`: the kommun codes themselves (for kommun-level tables);
- `"{deso}"`: every DeSO of those kommuner (codes `KKKK` + A/B/C + four digits).
"""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pipelines.core.geography import DEFAULT_DIVISION, DIVISIONS, deso_patterns

CATALOG_FILE = "catalog.toml"
PLACEHOLDERS = ("{kommuner}", "{deso}")
METHODS = ("ratio", "sum", "weighted_mean")
THEMES = (
    "bostadsområden",
    "brottslighet och trygghet",
    "barn och ungas uppväxtvillkor",
    "kultur, demokrati och civilsamhälle",
    "arbete och vuxenutbildning",
)
_REQUEST_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_TABLE_ID = re.compile(r"^[A-Za-z0-9_]+$")


class CatalogError(ValueError):
    """The catalog file is missing something or has a value the pipeline cannot use."""


@dataclass(frozen=True)
class TableSpan:
    """One SCB table in a request's series, for the reference years it covers.

    When SCB continues a series in a new table (a new id, sometimes other codes), the
    request lists the tables in order. `recode` maps this table's codes to the request's
    own codes (`{Kon = {TotSa = "1+2"}}`), so the marts see one series; `selection`
    overrides whole variables in this table's own codes; `population` names the group
    measured (e.g. "25–65 år") when it differs between the tables.
    """

    table_id: str
    v1_path: str = ""
    first_year: int | None = None
    last_year: int | None = None
    population: str = ""
    recode: dict[str, dict[str, str]] = field(default_factory=dict)
    selection: dict[str, str | list[str]] = field(default_factory=dict)
    codelists: dict[str, str] = field(default_factory=dict)
    # The division of bare DeSO codes in this table (suffixed codes say their own).
    division: str = DEFAULT_DIVISION

    @property
    def years_expression(self) -> str | None:
        """The `Tid` selection for this table's years, or None to keep the request's."""
        if self.first_year is not None and self.last_year is not None:
            return f"range({self.first_year},{self.last_year})"
        if self.first_year is not None:
            return f"from({self.first_year})"
        if self.last_year is not None:
            return f"to({self.last_year})"
        return None

    def covers(self, year: int) -> bool:
        return (self.first_year is None or year >= self.first_year) and (
            self.last_year is None or year <= self.last_year
        )

    @property
    def search_terms(self) -> list[str]:
        """What to search SCB's table list for when the id is unknown: the last element of
        the v1 path (the old table name), then its folder (SCB lists each table's place in
        the old v1 tree in `paths`)."""
        parts = [p for p in self.v1_path.split("/") if p]
        return list(reversed(parts[-2:])) if parts else [self.table_id]


@dataclass(frozen=True)
class ScbRequest:
    """One selection from one SCB series, as named in the catalog: one table, or several
    that continue each other over the years (`tables`, oldest first)."""

    name: str
    title: str
    selection: dict[str, str | list[str]]
    tables: tuple[TableSpan, ...]
    # VARIABLE → {our code: label pattern}: codes SCB renumbers, found in each table's
    # metadata by their label (see :func:`pipelines.sources.scb.labels.resolve_labels`)
    labels: dict[str, dict[str, str]] = field(default_factory=dict)
    confirmed: bool = True  # are the table ids and codes confirmed against SCB?
    source: str = ""  # where the ids and codes come from
    verify: str = ""  # what to check against SCB while the request is not confirmed

    @property
    def table_id(self) -> str:
        """The newest table of the series."""
        return self.tables[-1].table_id

    @property
    def table_ids(self) -> list[str]:
        return [t.table_id for t in self.tables]

    @property
    def v1_path(self) -> str:
        return self.tables[-1].v1_path

    def span(self, table_id: str) -> TableSpan:
        for span in self.tables:
            if span.table_id == table_id:
                return span
        raise CatalogError(f"förfrågan {self.name} har ingen tabell {table_id}.")

    def selection_for(
        self,
        kommuner: Sequence[str],
        span: TableSpan | None = None,
        resolved: dict[str, dict[str, str]] | None = None,
    ) -> dict[str, str | list[str]]:
        """The selection for one table of the series, in that table's own codes, with
        `{kommuner}` and `{deso}` (both DeSO divisions) replaced for these kommuner.
        `resolved` (VARIABLE → {our code: the table's code}) replaces the codes named by
        label; without it they stay as the request names them."""
        span = span or self.tables[-1]
        inverse = {
            var: {ours: theirs for theirs, ours in mapping.items()}
            for var, mapping in span.recode.items()
        }
        for var, mapping in (resolved or {}).items():
            inverse[var] = {**inverse.get(var, {}), **mapping}
        out: dict[str, str | list[str]] = {}
        for var, wanted in self.selection.items():
            back = inverse.get(var, {})
            if isinstance(wanted, str) and wanted not in PLACEHOLDERS:
                out[var] = back.get(wanted, wanted)
                continue
            items = [wanted] if isinstance(wanted, str) else wanted
            expanded: list[str] = []
            for item in items:
                if item == "{kommuner}":
                    expanded.extend(kommuner)
                elif item == "{deso}":
                    expanded.extend(p for k in kommuner for p in deso_patterns(k))
                else:
                    expanded.append(back.get(item, item))
            out[var] = expanded
        out.update(span.selection)
        if span.years_expression is not None:
            out["Tid"] = span.years_expression
        return out

    def recode_frame(self, frame, span: TableSpan):
        """Turn a table's own codes into the request's codes (in place; returns the frame)."""
        for var, mapping in span.recode.items():
            if var in frame.columns:
                frame[var] = frame[var].astype(str).replace(mapping)
        return frame

    @property
    def region_variable(self) -> str | None:
        """The variable whose selection follows the configured kommuner, if any."""
        for var, wanted in self.selection.items():
            items = [wanted] if isinstance(wanted, str) else wanted
            if any(item in PLACEHOLDERS for item in items):
                return var
        return None


@dataclass(frozen=True)
class Indicator:
    """One indicator: what it means and how it is computed from an SCB request."""

    id: str
    name: str
    theme: str
    unit: str
    population: str
    higher_is_better: str  # "true", "false" or "neutral"
    method: str
    request: str
    by_sex: bool
    numerator: dict[str, list[str]]
    denominator: dict[str, list[str]]
    weight_request: str | None
    trend_threshold: float
    plausible: tuple[float, float] = (-math.inf, math.inf)  # [min, max] of a value


@dataclass(frozen=True)
class KoladaIndicator:
    """A kommun-level series from Kolada; area values for it may come from the kommun's files."""

    id: str
    name: str
    theme: str
    unit: str
    higher_is_better: str
    kpi: str
    trend_threshold: float
    kpi_title: str = ""  # Kolada's own title of the KPI, checked by `segregation check`
    plausible: tuple[float, float] = (-math.inf, math.inf)  # [min, max] of a value


@dataclass(frozen=True)
class Catalog:
    path: Path
    scb: dict[str, ScbRequest]
    indicators: dict[str, Indicator] = field(default_factory=dict)
    kolada: dict[str, KoladaIndicator] = field(default_factory=dict)
    kolada_years: tuple[int, int] = (2010, 2024)

    @property
    def indicator_ids(self) -> set[str]:
        return set(self.indicators) | set(self.kolada)

    def request(self, name: str) -> ScbRequest:
        try:
            return self.scb[name]
        except KeyError:
            raise CatalogError(f"{self.path}: [scb.{name}] saknas.") from None


def load_catalog(raw_dir: Path) -> Catalog:
    """Read and check `catalog.toml` in the raw folder."""
    path = Path(raw_dir) / CATALOG_FILE
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CatalogError(
            f"{path} saknas: katalogen säger vilka SCB-tabeller som ska läsas."
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise CatalogError(f"{path}: inte giltig TOML ({exc}).") from None
    requests = {name: _request(name, entry, path) for name, entry in (doc.get("scb") or {}).items()}
    if not requests:
        raise CatalogError(f"{path}: inga förfrågningar [scb.*].")
    indicators = {
        name: _indicator(name, entry, requests, path)
        for name, entry in (doc.get("indicators") or {}).items()
    }
    kolada = {
        name: _kolada_indicator(name, entry, indicators, path)
        for name, entry in (doc.get("kolada_indicators") or {}).items()
    }
    settings = doc.get("kolada") or {}
    years = (int(settings.get("first_year", 2010)), int(settings.get("last_year", 2024)))
    return Catalog(path, requests, indicators, kolada, years)


def _request(name: str, entry: dict, path: Path) -> ScbRequest:
    """One `[scb.NAME]` request: a valid name, and a selection of strings or string lists."""
    where = f"{path} [scb.{name}]"
    if not _REQUEST_NAME.match(name):
        raise CatalogError(
            f"{where}: ett förfrågningsnamn har bara små bokstäver a–z, siffror och _."
        )
    selection = entry.get("selection")
    if not isinstance(selection, dict) or not selection:
        raise CatalogError(f"{where}: behöver en tabell [scb.{name}.selection].")
    for var, wanted in selection.items():
        ok = isinstance(wanted, str) or (  # a string, or a list of codes/placeholders
            isinstance(wanted, list) and wanted and all(isinstance(w, str) for w in wanted)
        )
        if not ok:
            raise CatalogError(
                f"{where}: urvalet för {var} ska vara en textsträng eller en lista av textsträngar."
            )
    return ScbRequest(
        name=name,
        title=str(entry.get("title", name)),
        selection=dict(selection),
        tables=_spans(entry, where),
        labels=_labels(entry, selection, where),
        **_provenance(entry, where),
    )


def _kolada_indicator(
    name: str, entry: dict, indicators: dict[str, Indicator], path: Path
) -> KoladaIndicator:
    """One `[kolada_indicators.NAME]`: a new id, the required keys, a known theme and a KPI id."""
    where = f"{path} [kolada_indicators.{name}]"
    if not _REQUEST_NAME.match(name) or name in indicators:
        raise CatalogError(
            f"{where}: id:t ska vara nytt och bara ha små bokstäver a–z, siffror och _."
        )
    for key in ("name", "theme", "unit", "kpi"):
        if not entry.get(key):
            raise CatalogError(f"{where}: '{key}' saknas.")
    if entry["theme"] not in THEMES:
        raise CatalogError(
            f"{where}: temat {entry['theme']!r} är inte något av: {'; '.join(THEMES)}."
        )
    if not re.fullmatch(r"[NU]\d{5}", str(entry["kpi"])):
        raise CatalogError(
            f"{where}: kpi {entry['kpi']!r} är inget KPI-id i Kolada (t.ex. N05401)."
        )
    return KoladaIndicator(
        id=name,
        name=str(entry["name"]),
        theme=str(entry["theme"]),
        unit=str(entry["unit"]),
        higher_is_better=str(entry.get("higher_is_better", "neutral")).lower(),
        kpi=str(entry["kpi"]),
        trend_threshold=float(entry.get("trend_threshold", 0)),
        kpi_title=str(entry.get("kpi_title", "")),
        plausible=_plausible(entry, where),
    )


def _labels(entry: dict, selection: dict, where: str) -> dict[str, dict[str, str]]:
    """`labels = { ContentsCode = { KVARTIL1 = "kvartil 1" } }`: each code so named must be
    in the request's selection, and each pattern must have some text."""
    labels = entry.get("labels") or {}
    ok = isinstance(labels, dict) and all(
        isinstance(m, dict) and all(isinstance(p, str) and p.strip() for p in m.values())
        for m in labels.values()
    )
    if not ok:
        raise CatalogError(f'{where}: labels must map VARIABLE = {{ our_code = "label pattern" }}.')
    for var, mapping in labels.items():
        wanted = selection.get(var)
        items = [wanted] if isinstance(wanted, str) else list(wanted or [])
        missing = [code for code in mapping if code not in items]
        if missing:
            raise CatalogError(
                f"{where}: labels names {var} {', '.join(missing)}, which the selection "
                f"of {var} does not list."
            )
    return {str(var): dict(mapping) for var, mapping in labels.items()}


def _provenance(entry: dict, where: str) -> dict[str, object]:
    """`confirmed` (true|false) and `source` are required; an unconfirmed request says
    what to `verify`."""
    confirmed = entry.get("confirmed")
    if not isinstance(confirmed, bool):
        raise CatalogError(
            f"{where}: confirmed = true|false is missing (are the table ids and codes "
            "confirmed against SCB?)."
        )
    source = str(entry.get("source", "")).strip()
    verify = str(entry.get("verify", "")).strip()
    if not source:
        raise CatalogError(f"{where}: source is missing (where the ids and codes come from).")
    if not confirmed and not verify:
        raise CatalogError(f"{where}: an unconfirmed request says what to verify (verify = ...).")
    return {"confirmed": confirmed, "source": source, "verify": verify}


def _spans(entry: dict, where: str) -> tuple[TableSpan, ...]:
    """The request's table, or its series of tables (`[[scb.NAME.tables]]`, oldest first)."""
    listed = entry.get("tables")
    if listed is None:
        listed = [{k: entry[k] for k in ("table_id", "v1_path", "codelists") if k in entry}]
    elif "table_id" in entry:
        raise CatalogError(f"{where}: ange table_id eller [[tables]], inte båda.")
    if not isinstance(listed, list) or not listed:
        raise CatalogError(f"{where}: tables ska lista minst en tabell.")
    spans: list[TableSpan] = []
    for i, item in enumerate(listed, start=1):
        at = f"{where} tabell {i}"
        table_id = str(item.get("table_id", ""))
        if not _TABLE_ID.match(table_id):
            raise CatalogError(f"{at}: table_id {table_id!r} saknas eller är felskrivet.")
        years = []
        for key in ("first_year", "last_year"):
            value = item.get(key)
            if value is not None and not isinstance(value, int):
                raise CatalogError(f"{at}: {key} ska vara ett år (ett heltal).")
            years.append(value)
        recode = item.get("recode") or {}
        if not isinstance(recode, dict) or not all(
            isinstance(m, dict) and all(isinstance(v, str) for v in m.values())
            for m in recode.values()
        ):
            raise CatalogError(f"{at}: recode ska ha formen VARIABEL = {{ deras_kod = vår_kod }}.")
        division = str(item.get("division", DEFAULT_DIVISION))
        if division not in DIVISIONS:
            raise CatalogError(
                f"{at}: division {division!r} ska vara en av {', '.join(DIVISIONS)}."
            )
        spans.append(
            TableSpan(
                table_id=table_id,
                v1_path=str(item.get("v1_path", "")),
                first_year=years[0],
                last_year=years[1],
                population=str(item.get("population", "")),
                recode={str(k): dict(v) for k, v in recode.items()},
                selection=dict(item.get("selection") or {}),
                codelists=dict(item.get("codelists") or {}),
                division=division,
            )
        )
    if len(spans) > 1:
        for before, after in zip(spans, spans[1:]):
            if before.last_year is None or after.first_year is None:
                raise CatalogError(
                    f"{where}: varje tabell utom den sista behöver last_year och varje tabell utom "
                    "den första first_year, så att varje år kommer från en tabell."
                )
            if after.first_year <= before.last_year:
                raise CatalogError(
                    f"{where}: {after.table_id} börjar {after.first_year}, innan "
                    f"{before.table_id} slutar ({before.last_year}): åren skulle överlappa."
                )
    return tuple(spans)


def _plausible(entry: dict, where: str) -> tuple[float, float]:
    """`plausible = [min, max]`: the range a value of the indicator can take (`inf` for no
    upper bound). Values from the kommun's files outside it are rejected."""
    value = entry.get("plausible")
    if (
        not isinstance(value, list)
        or len(value) != 2
        or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in value)
        or math.isnan(value[0])
        or math.isnan(value[1])
        or value[0] >= value[1]
    ):
        raise CatalogError(
            f"{where}: 'plausible' ska vara [min, max] med min mindre än max "
            "(t.ex. [0, 100] för procent; inf för ingen övre gräns)."
        )
    return float(value[0]), float(value[1])


def _filters(value: object, where: str, what: str) -> dict[str, list[str]]:
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(
        isinstance(v, list) and v and all(isinstance(c, str) for c in v) for v in value.values()
    ):
        raise CatalogError(f"{where}: {what} ska vara en tabell med VARIABEL = [koder].")
    return {str(k): list(v) for k, v in value.items()}


def _indicator(name: str, entry: dict, requests: dict[str, ScbRequest], path: Path) -> Indicator:
    where = f"{path} [indicators.{name}]"
    if not _REQUEST_NAME.match(name):
        raise CatalogError(f"{where}: ett indikator-id har bara små bokstäver a–z, siffror och _.")
    for key in ("name", "theme", "unit", "method", "request"):
        if not entry.get(key):
            raise CatalogError(f"{where}: '{key}' saknas.")
    if entry["theme"] not in THEMES:
        raise CatalogError(
            f"{where}: temat {entry['theme']!r} är inte något av: {'; '.join(THEMES)}."
        )
    method = entry["method"]
    if method not in METHODS:
        raise CatalogError(f"{where}: method {method!r} ska vara en av {', '.join(METHODS)}.")
    for key in ("request", "weight_request"):
        if entry.get(key) and entry[key] not in requests:
            raise CatalogError(f"{where}: {key} {entry[key]!r}: [scb.{entry[key]}] saknas.")
    better = str(entry.get("higher_is_better", "neutral")).lower()
    if better not in ("true", "false", "neutral"):
        raise CatalogError(f"{where}: higher_is_better ska vara true, false eller neutral.")
    if method == "weighted_mean":
        numerator = _filters(entry.get("value"), where, "value")
        denominator = _filters(entry.get("weight"), where, "weight")
        if not entry.get("weight_request"):
            raise CatalogError(f"{where}: weighted_mean behöver weight_request och weight.")
    else:
        numerator = _filters(entry.get("numerator"), where, "numerator")
        denominator = _filters(entry.get("denominator"), where, "denominator")
        if method == "ratio" and not denominator:
            raise CatalogError(f"{where}: ratio behöver en denominator.")
    return Indicator(
        id=name,
        name=str(entry["name"]),
        theme=str(entry["theme"]),
        unit=str(entry["unit"]),
        population=str(entry.get("population", "")),
        higher_is_better=better,
        method=method,
        request=str(entry["request"]),
        by_sex=bool(entry.get("by_sex", False)),
        numerator=numerator,
        denominator=denominator,
        weight_request=entry.get("weight_request"),
        trend_threshold=float(entry.get("trend_threshold", 0)),
        plausible=_plausible(entry, where),
    )
