"""Kolada into the raw layer (`data/raw/kolada/kpi/kommun_series/`) and back.

Live mode checks each KPI id with `/kpi/{id}`, fetches every data page for the configured
kommuner and riket (0000), and stores the pages verbatim with a manifest. Kolada v3 has no
documented "changed since" query, so live mode fetches the (small) series every run. Both
modes then read the stored pages through one parser. Kolada's JSON has no note field: a
stored fetch that is demonstration data says `"demo": true` in its manifest.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import pandas as pd

from pipelines.catalog import Catalog
from pipelines.kolada.client import KoladaClient, KoladaError, parse_pages
from pipelines.raw_store import RawFile, RawStore

SOURCE, TABLE, REQUEST = "kolada", "kpi", "kommun_series"
RIKET = "0000"
GENDER_TO_SEX = {"T": "1+2", "M": "1", "K": "2"}


def fetch_kolada(
    client: KoladaClient, store: RawStore, catalog: Catalog, kommuner: Sequence[str]
) -> dict:
    kpis = sorted({k.kpi for k in catalog.kolada.values()})
    files = []
    for kpi in kpis:
        _, content = client.kpi(kpi)  # an unknown id stops here, before anything is stored
        files.append(RawFile(f"kpi-{kpi}.json", content, url=f"{client.base_url}/kpi/{kpi}"))
    first, last = catalog.kolada_years
    municipalities = [RIKET, *kommuner]
    pages = client.data_pages(kpis, municipalities, range(first, last + 1))
    # Malformed or incomplete pages never replace the stored fetch.
    rows = parse_pages([p.content for p in pages], context=f"Kolada {client.base_url}")
    absent = sorted(set(municipalities) - {r["municipality"] for r in rows})
    if absent:
        raise KoladaError(
            f"Kolada returned no data for {', '.join(absent)} (KPI {', '.join(kpis)}); the stored "
            "fetch is kept.",
            url=client.base_url,
        )
    for i, page in enumerate(pages, start=1):
        files.append(
            RawFile(f"page-{i:03d}.json", page.content, url=page.url, fetched_at=page.fetched_at)
        )
    return store.write(
        SOURCE,
        TABLE,
        REQUEST,
        files,
        base_url=client.base_url,
        kpis=kpis,
        municipalities=municipalities,
        years=[first, last],
        demo=False,
    )


def load_kolada(store: RawStore, kommuner: Sequence[str]) -> tuple[pd.DataFrame, dict]:
    stored = store.read(SOURCE, TABLE, REQUEST)
    pages = [f["file"] for f in stored.manifest["files"] if f["file"].startswith("page-")]
    rows = parse_pages([stored.read(p) for p in pages], context=str(stored.folder))
    frame = pd.DataFrame(rows, columns=["kpi", "municipality", "year", "gender", "value", "status"])
    missing = [k for k in kommuner if k not in set(frame.municipality)]
    if missing:
        from pipelines.raw_store import RawStoreError

        raise RawStoreError(
            f"{stored.folder} holds no Kolada data for kommun {', '.join(missing)}: fetch it with "
            "SEGREGATION_SOURCE=live."
        )
    frame = frame[frame.municipality.isin([RIKET, *kommuner])].copy()
    frame["sex"] = frame.gender.map(GENDER_TO_SEX)
    frame["demo"] = bool(stored.manifest.get("demo", False))
    frame["source_updated"] = stored.manifest.get("fetched_at")
    return frame.reset_index(drop=True), stored.manifest


def demo_pages(catalog: Catalog, kommuner: Sequence[str], per_page: int = 200) -> list[bytes]:
    """Invented Kolada pages in v3's shape, for the offline snapshot."""
    first, last = catalog.kolada_years
    base = {
        "N05401": 84.0,
        "N00957": 25.0,
        "N15428": 85.0,
        "N07403": 950.0,
        "N07540": 12500.0,
        "N00914": 80.0,
    }
    items = []
    for ind in sorted(catalog.kolada.values(), key=lambda i: i.kpi):
        for m in [RIKET, *kommuner]:
            offset = {RIKET: 0.0, "0123": -1.5, "0680": 0.8}.get(m, 0.3)
            for year in range(first, last + 1):
                if ind.kpi == "N05401" and year not in (2010, 2014, 2018, 2022):
                    continue  # elections only
                v = base.get(ind.kpi, 50.0) * (1 + offset / 100 + 0.004 * (year - first))
                items.append(
                    {
                        "kpi": ind.kpi,
                        "municipality": m,
                        "period": year,
                        "values": [{"gender": "T", "value": round(v, 1), "count": 1, "status": ""}],
                    }
                )
    pages = []
    for i in range(0, len(items), per_page):
        last_page = i + per_page >= len(items)
        pages.append(
            json.dumps(
                {
                    "count": len(items[i : i + per_page]),
                    "values": items[i : i + per_page],
                    "next_url": None if last_page else f"demo:page-{i // per_page + 2}",
                },
                ensure_ascii=False,
            ).encode()
        )
    return pages
