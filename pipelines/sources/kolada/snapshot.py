"""Kolada into the raw layer (`data/raw/kolada/kpi/kommun_series/`) and back.

Live mode first asks `/kpi/{ids}` for every KPI in the catalog (an unknown id stops the
run there). Kolada v3 documents no "changed since" query for data; what it does give is
each KPI's `publication_date` (and `prel_publication_date`). So the data are fetched again
only when

- there is no stored fetch, or it is the demo snapshot, or it was made from another base
  URL, for other KPIs, kommuner or years;
- any KPI's publication dates differ from those stored with the fetch, or Kolada gives
  none; or
- the stored fetch is older than `SEGREGATION_KOLADA_MAX_AGE_DAYS` (default 7): Kolada
  revises figures without announcing it, so a weekly full fetch catches silent revisions.

Otherwise the run makes that one metadata call and says "oförändrad". A fetch stores every
page verbatim with a manifest. Both modes then read the stored pages through one parser.
Kolada's JSON has no note field: a stored fetch that is demonstration data says
`"demo": true` in its manifest.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import pandas as pd

from pipelines.registry.catalog import Catalog
from pipelines.sources.kolada.client import KoladaClient, KoladaError, parse_pages
from pipelines.sources.raw_store import RawFile, RawStore, RawStoreError

SOURCE, TABLE, REQUEST = "kolada", "kpi", "kommun_series"
RIKET = "0000"
GENDER_TO_SEX = {"T": "1+2", "M": "1", "K": "2"}


@dataclass(frozen=True)
class KoladaFetch:
    """What a live fetch did: `changed` is False when the stored fetch was still current."""

    changed: bool
    reason: str


def fetch_kolada(
    client: KoladaClient,
    store: RawStore,
    catalog: Catalog,
    kommuner: Sequence[str],
    *,
    max_age_days: float = 7.0,
    now: datetime | None = None,
) -> KoladaFetch:
    """Fetch the catalog's KPIs for riket and `kommuner` unless the stored fetch is current."""
    kpis = sorted({k.kpi for k in catalog.kolada.values()})
    described, kpi_pages = client.kpis(kpis)  # an unknown id stops here, before anything is stored
    published = {
        k: [described[k].get("publication_date"), described[k].get("prel_publication_date")]
        for k in kpis
    }
    first, last = catalog.kolada_years
    municipalities = [RIKET, *kommuner]
    selection = {
        "base_url": client.base_url,
        "kpis": kpis,
        "municipalities": municipalities,
        "years": [first, last],
    }
    previous = store.manifest(SOURCE, TABLE, REQUEST)
    current = _still_current(previous, selection, published, max_age_days, now)
    if current:
        return KoladaFetch(False, current)
    pages = client.data_pages(kpis, municipalities, range(first, last + 1))
    # Malformed or incomplete pages never replace the stored fetch.
    rows = parse_pages([p.content for p in pages], context=f"Kolada {client.base_url}")
    absent = sorted(set(municipalities) - {r["municipality"] for r in rows})
    if absent:
        raise KoladaError(
            f"Kolada gav inga data för {', '.join(absent)} (nyckeltal {', '.join(kpis)}); den "
            "sparade hämtningen behålls. Kontrollera kommunkoderna i areas/kommuner.csv.",
            url=client.base_url,
        )
    files = [
        RawFile(f"kpi-{i:03d}.json", p.content, url=p.url, fetched_at=p.fetched_at)
        for i, p in enumerate(kpi_pages, start=1)
    ]
    files += [
        RawFile(f"page-{i:03d}.json", p.content, url=p.url, fetched_at=p.fetched_at)
        for i, p in enumerate(pages, start=1)
    ]
    store.write(SOURCE, TABLE, REQUEST, files, **selection, publication_dates=published, demo=False)
    return KoladaFetch(True, f"hämtade {len(pages)} sida/sidor för {len(kpis)} nyckeltal")


def _still_current(
    previous: dict | None,
    selection: dict,
    published: dict[str, list],
    max_age_days: float,
    now: datetime | None,
) -> str | None:
    """Why the stored fetch may be kept, or None when the data must be fetched again."""
    if previous is None or previous.get("demo"):
        return None
    if any(previous.get(key) != value for key, value in selection.items()):
        return None
    if not all(dates[0] for dates in published.values()):
        return None  # Kolada gives no publication date: no way to tell, so fetch
    if previous.get("publication_dates") != published:
        return None
    fetched_at = datetime.fromisoformat(previous["fetched_at"])
    age_days = ((now or datetime.now(UTC)) - fetched_at).total_seconds() / 86400
    if age_days >= max_age_days:
        return None
    return (
        f"oförändrad: varje nyckeltal har samma publiceringsdatum som vid den sparade hämtningen "
        f"{previous['fetched_at']} (hämtas helt var {max_age_days:g}:e dag)"
    )


def load_kolada(store: RawStore, kommuner: Sequence[str]) -> tuple[pd.DataFrame, dict]:
    stored = store.read(SOURCE, TABLE, REQUEST)
    pages = [f["file"] for f in stored.manifest["files"] if f["file"].startswith("page-")]
    rows = parse_pages([stored.read(p) for p in pages], context=str(stored.folder))
    frame = pd.DataFrame(rows, columns=["kpi", "municipality", "year", "gender", "value", "status"])
    held = set(frame.municipality)
    missing = [k for k in kommuner if k not in held]
    if missing:
        raise RawStoreError(
            f"{stored.folder} har inga Kolada-data för kommun {', '.join(missing)}: hämta dem med "
            "SEGREGATION_SOURCE=live."
        )
    frame = frame[frame.municipality.isin([RIKET, *kommuner])].copy()
    frame["sex"] = frame.gender.map(GENDER_TO_SEX)
    frame["demo"] = bool(stored.manifest.get("demo", False))
    # The KPI's publication date at Kolada where the fetch recorded one, else the fetch time.
    published = stored.manifest.get("publication_dates") or {}
    frame["source_updated"] = [
        (published.get(k) or [None])[0] or stored.manifest.get("fetched_at") for k in frame.kpi
    ]
    return frame.reset_index(drop=True), stored.manifest
