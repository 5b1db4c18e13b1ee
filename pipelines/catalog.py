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
            if wanted == "{kommuner}":
                out[var] = list(kommuner)
            elif wanted == "{deso}":
                out[var] = [f"{k}[ABC][0-9][0-9][0-9][0-9]" for k in kommuner]
            else:
                out[var] = wanted
        return out


@dataclass(frozen=True)
class Catalog:
    path: Path
    scb: dict[str, ScbRequest]

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
            ok = isinstance(wanted, str) or (
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
    return Catalog(path, requests)
