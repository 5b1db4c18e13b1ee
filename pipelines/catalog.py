"""The catalog: which SCB tables the pipeline reads and how, from `data/raw/catalog.toml`.

SCB revises tables and gives them new ids; the ids live only in that file, never in code.
A request's selection may use two placeholders that follow the kommuner configured in
`data/raw/areas/kommuner.csv`:

- `"{kommuner}"`: the kommun codes themselves (for kommun-level tables);
- `"{deso}"`: every DeSO of those kommuner (codes `KKKK` + A/B/C + four digits).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

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
class ScbRequest:
    """One selection from one SCB table, as named in the catalog."""

    name: str
    table_id: str
    title: str
    selection: dict[str, str | list[str]]
    v1_path: str = ""
    codelists: dict[str, str] = field(default_factory=dict)

    def selection_for(self, kommuner: Sequence[str]) -> dict[str, str | list[str]]:
        """The selection with `{kommuner}` and `{deso}` replaced for these kommuner."""
        out: dict[str, str | list[str]] = {}
        for var, wanted in self.selection.items():
            if isinstance(wanted, str) and wanted not in PLACEHOLDERS:
                out[var] = wanted
                continue
            items = [wanted] if isinstance(wanted, str) else wanted
            expanded: list[str] = []
            for item in items:
                if item == "{kommuner}":
                    expanded.extend(kommuner)
                elif item == "{deso}":
                    expanded.extend(f"{k}[ABC][0-9][0-9][0-9][0-9]" for k in kommuner)
                else:
                    expanded.append(item)
            out[var] = expanded
        return out

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
            raise CatalogError(f"{self.path}: no [scb.{name}] entry.") from None


def load_catalog(raw_dir: Path) -> Catalog:
    """Read and check `catalog.toml` in the raw folder."""
    path = Path(raw_dir) / CATALOG_FILE
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CatalogError(
            f"{path} is missing: the catalog says which SCB tables to read."
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise CatalogError(f"{path}: not valid TOML ({exc}).") from None
    requests = {}
    for name, entry in (doc.get("scb") or {}).items():
        where = f"{path} [scb.{name}]"
        if not _REQUEST_NAME.match(name):
            raise CatalogError(f"{where}: a request name is lower case letters, digits and _.")
        table_id = str(entry.get("table_id", ""))
        if not _TABLE_ID.match(table_id):
            raise CatalogError(f"{where}: table_id {table_id!r} is missing or malformed.")
        selection = entry.get("selection")
        if not isinstance(selection, dict) or not selection:
            raise CatalogError(f"{where}: needs a [scb.{name}.selection] table.")
        for var, wanted in selection.items():
            ok = isinstance(wanted, str) or (  # a string, or a list of codes/placeholders
                isinstance(wanted, list) and wanted and all(isinstance(w, str) for w in wanted)
            )
            if not ok:
                raise CatalogError(
                    f"{where}: selection of {var} must be a string or list of strings."
                )
        requests[name] = ScbRequest(
            name=name,
            table_id=table_id,
            title=str(entry.get("title", name)),
            selection=dict(selection),
            v1_path=str(entry.get("v1_path", "")),
            codelists=dict(entry.get("codelists") or {}),
        )
    if not requests:
        raise CatalogError(f"{path}: no [scb.*] requests.")
    indicators = {
        name: _indicator(name, entry, requests, path)
        for name, entry in (doc.get("indicators") or {}).items()
    }
    kolada = {}
    for name, entry in (doc.get("kolada_indicators") or {}).items():
        where = f"{path} [kolada_indicators.{name}]"
        if not _REQUEST_NAME.match(name) or name in indicators:
            raise CatalogError(f"{where}: the id must be new, lower case letters, digits and _.")
        for key in ("name", "theme", "unit", "kpi"):
            if not entry.get(key):
                raise CatalogError(f"{where}: '{key}' is missing.")
        if entry["theme"] not in THEMES:
            raise CatalogError(
                f"{where}: theme {entry['theme']!r} is not one of: {'; '.join(THEMES)}."
            )
        if not re.fullmatch(r"[NU]\d{5}", str(entry["kpi"])):
            raise CatalogError(
                f"{where}: kpi {entry['kpi']!r} is not a Kolada KPI id (e.g. N05401)."
            )
        kolada[name] = KoladaIndicator(
            id=name,
            name=str(entry["name"]),
            theme=str(entry["theme"]),
            unit=str(entry["unit"]),
            higher_is_better=str(entry.get("higher_is_better", "neutral")).lower(),
            kpi=str(entry["kpi"]),
            trend_threshold=float(entry.get("trend_threshold", 0)),
        )
    settings = doc.get("kolada") or {}
    years = (int(settings.get("first_year", 2010)), int(settings.get("last_year", 2024)))
    return Catalog(path, requests, indicators, kolada, years)


def _filters(value: object, where: str, what: str) -> dict[str, list[str]]:
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(
        isinstance(v, list) and v and all(isinstance(c, str) for c in v) for v in value.values()
    ):
        raise CatalogError(f"{where}: {what} must be a table of VARIABLE = [codes].")
    return {str(k): list(v) for k, v in value.items()}


def _indicator(name: str, entry: dict, requests: dict[str, ScbRequest], path: Path) -> Indicator:
    where = f"{path} [indicators.{name}]"
    if not _REQUEST_NAME.match(name):
        raise CatalogError(f"{where}: an indicator id is lower case letters, digits and _.")
    for key in ("name", "theme", "unit", "method", "request"):
        if not entry.get(key):
            raise CatalogError(f"{where}: '{key}' is missing.")
    if entry["theme"] not in THEMES:
        raise CatalogError(f"{where}: theme {entry['theme']!r} is not one of: {'; '.join(THEMES)}.")
    method = entry["method"]
    if method not in METHODS:
        raise CatalogError(f"{where}: method {method!r} must be one of {', '.join(METHODS)}.")
    for key in ("request", "weight_request"):
        if entry.get(key) and entry[key] not in requests:
            raise CatalogError(f"{where}: {key} {entry[key]!r} has no [scb.{entry[key]}] entry.")
    better = str(entry.get("higher_is_better", "neutral")).lower()
    if better not in ("true", "false", "neutral"):
        raise CatalogError(f"{where}: higher_is_better must be true, false or neutral.")
    if method == "weighted_mean":
        numerator = _filters(entry.get("value"), where, "value")
        denominator = _filters(entry.get("weight"), where, "weight")
        if not entry.get("weight_request"):
            raise CatalogError(f"{where}: weighted_mean needs weight_request and weight.")
    else:
        numerator = _filters(entry.get("numerator"), where, "numerator")
        denominator = _filters(entry.get("denominator"), where, "denominator")
        if method == "ratio" and not denominator:
            raise CatalogError(f"{where}: a ratio needs a denominator.")
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
    )
