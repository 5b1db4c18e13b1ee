"""Invented Kolada pages in v3's shape, for the offline snapshot."""

from __future__ import annotations

import json

from pipelines.demo.model import DemoPopulation
from pipelines.registry.catalog import Catalog
from pipelines.sources.kolada.snapshot import RIKET

BASE = {
    "N05401": 84.0,
    "N00957": 25.0,
    "N15428": 85.0,
    "N07403": 950.0,
    "N07540": 12500.0,
    "N02267": 80.0,
}
EMPLOYMENT_KPI = "N02267"  # sysselsättningsgrad 20–64: agrees with the demo DeSO employment


def _value(kpi: str, municipality: str, year: int, first: int, model: DemoPopulation) -> float:
    if kpi == EMPLOYMENT_KPI and municipality != RIKET:
        if year >= 2020:
            return model.kommun_employment_rate(municipality, year)
        return model.kommun_employment_rate(municipality, 2020) - 0.3 * (2020 - year)
    offset = {RIKET: 0.0, "0123": -1.5, "0680": 0.8}.get(municipality, 0.3)
    return BASE.get(kpi, 50.0) * (1 + offset / 100 + 0.004 * (year - first))


def demo_pages(catalog: Catalog, model: DemoPopulation, per_page: int = 200) -> list[bytes]:
    first, last = catalog.kolada_years
    items = []
    for ind in sorted(catalog.kolada.values(), key=lambda i: i.kpi):
        for m in [RIKET, *model.kommuner]:
            for year in range(first, last + 1):
                if ind.kpi == "N05401" and year not in (2010, 2014, 2018, 2022):
                    continue  # elections only
                v = _value(ind.kpi, m, year, first, model)
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
