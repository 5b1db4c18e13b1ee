"""Invented but coherent figures for the demo snapshot: one population, every table.

The demo must not contradict itself or the real figures it continues:

- **Kommun totals.** Järfälla 2005–2015 are the real counts of Tabell 1 (integration plan
  2017–2018, source SCB); later years continue them smoothly. Jönköping is invented.
- **DeSO figures add up to the kommun's.** Each year the kommun's total is spread over the
  DeSO of that year's division (DeSO 2018 to 2023, DeSO 2025 from 2024) and rounded so that
  the DeSO sum equals the kommun total exactly; residents with utländsk bakgrund (codes 08 +
  4 of the kommun table) likewise. A DeSO 2025 code inherits the size and character of the
  DeSO 2018 code it continues (kept, or split: the parts share it).
- **Each DeSO's level follows SCB's real områdestyp of its RegSO** (2023, else 2022, from
  SCB's exports in `data/raw/published/`; a DeSO 2025 code without a DeSO 2018 parent takes
  type 4): type 1 (stora socioekonomiska utmaningar) is the most deprived, type 5 (mycket
  goda förutsättningar) the least, with a little noise within a type that never crosses into
  the next. So a type-1 or type-2 area's demo figures are worse than its kommun's and a
  type-5 area's better, in every kommun of the snapshot. The kommun's share with utländsk
  bakgrund follows its mix of types (Järfälla's published and Jönköping's invented series
  excepted).
- **Trends**: each focus area (in a kommun that has them), and each type-1 or type-2 RegSO
  elsewhere, catches up, falls behind or stays, so that every trend label shows. A moving
  area is at its type's level in the year of the latest områdestyp (2023) and moves towards
  it before and on from it after, so the types hold that year whatever the trend.

Everything is computed once, as arrays over every region (kommun rows and the DeSO of both
divisions, codes as SCB lists them) and year, so the builder reads whole tables at a time.

Stable pseudo-random numbers come from sha256 of a code, the same on every machine.
"""

from __future__ import annotations

import csv
import hashlib
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd

from pipelines.core.geography import DESO2018, DESO2025, division_for_year, load_deso_key
from pipelines.demo.omradestyp import EXPORT_YEARS, export_path, map_export
from pipelines.registry.areas import load_areas
from pipelines.registry.kommuner import load_kommuner

FIRST_YEAR = 2005
CKM_YEAR = 2025
DESO_FIRST_YEAR = 2010  # the first year of the DeSO tables
EDUCATION_LEVELS = ("21", "3+4", "5", "6", "US")
# deprivation d (0 = none, 1 = most) at the centre of each områdestyp, and the half-width of
# the noise within a type: the bands never overlap, so the types stay ordered
TYPE_LEVEL = {1: 0.92, 2: 0.72, 3: 0.46, 4: 0.25, 5: 0.06}
TYPE_NOISE = 0.04
# an area that moves (catches up, falls behind) reaches its type's level in the year of the
# latest områdestyp: the types hold that year, the trend leads up to it and continues after
TYPE_YEAR = EXPORT_YEARS[-1]
UNKNOWN_TYPE = 4  # a DeSO 2025 code that continues no DeSO 2018 code: the commonest type


def real_types(raw_dir: Path) -> dict[str, int]:
    """SCB's real områdestyp per RegSO 2020 code: the latest export year that lists it."""
    types: dict[str, int] = {}
    for year in EXPORT_YEARS:  # later years overwrite earlier ones
        frame = map_export(export_path(raw_dir, year), raw_dir)
        types |= dict(zip(frame["regso"], frame["omradestyp"].astype(int), strict=True))
    return types


def level(kind: int, code: str) -> float:
    """A DeSO's deprivation from its RegSO's områdestyp, with stable noise within the type."""
    return TYPE_LEVEL[kind] + TYPE_NOISE * (2 * unit(code, "d") - 1)


def unit(code: str, salt: str = "") -> float:
    """A stable number in [0, 1) from a code."""
    digest = hashlib.sha256(f"{salt}{code}".encode()).digest()
    return int.from_bytes(digest[:4], "big") / 2**32


def largest_remainder(
    values: np.ndarray, total: int, upper: np.ndarray | None = None
) -> np.ndarray:
    """Round non-negative `values` to integers that sum to `total` (and stay ≤ `upper`)."""
    values = np.maximum(values, 0.0)
    scale = total / values.sum() if values.sum() > 0 else 0.0
    exact = values * scale
    out = np.floor(exact).astype(np.int64)
    if upper is not None:
        out = np.minimum(out, upper)
    remainder = exact - out
    order = np.argsort(-remainder, kind="stable")
    missing = int(total - out.sum())
    i = 0
    while missing > 0 and i < 10 * len(out):
        j = order[i % len(out)]
        if upper is None or out[j] < upper[j]:
            out[j] += 1
            missing -= 1
        i += 1
    return out


def read_tabell1(path: Path) -> dict[int, dict[str, int]]:
    with path.open(encoding="utf-8") as handle:
        return {
            int(row["ar"]): {
                "08": int(row["utrikes_fodda_antal"]),
                "4": int(row["inrikes_fodda_tva_utrikes_foraldrar_antal"]),
                "rest": int(row["inrikes_fodda_ovriga_antal"]),
            }
            for row in csv.DictReader(handle)
        }


def year_numbers(years: np.ndarray) -> np.ndarray:
    """Years as integers, for an array of year codes (converting each distinct code once)."""
    unique, inverse = np.unique(np.asarray(years), return_inverse=True)
    return unique.astype(int)[inverse]


class DemoPopulation:
    """The demo population of the given kommuner, year by year, in both divisions.

    Quantities are 2-D arrays `[region, year]` (see :meth:`rows` and :attr:`years`): NaN
    where a region has no value that year (a DeSO outside its division's years).
    """

    def __init__(
        self,
        raw_dir: Path,
        published: Path,
        kommuner: list[str] | None = None,
        last_year: int = CKM_YEAR,
    ) -> None:
        self.raw_dir = Path(raw_dir)
        self.kommuner = kommuner or [k.code for k in load_kommuner(raw_dir)]
        self.tabell1 = read_tabell1(published)
        self.deso: dict[str, dict[str, list[str]]] = {}
        regso: dict[str, dict[str, str]] = {}
        for division in (DESO2018, DESO2025):
            key = load_deso_key(raw_dir, division.code)
            key = key[key.kommun.isin(self.kommuner)].sort_values("deso")
            grouped = key.groupby("kommun")["deso"].apply(list).to_dict()
            self.deso[division.code] = {k: grouped.get(k, []) for k in self.kommuner}
            regso[division.code] = dict(zip(key.deso, key.regso, strict=True))
        members = load_areas(raw_dir, self.kommuner)
        self.area_of = {(m.division, m.deso): m.area_id for m in members}
        self.followed = {m.kommun for m in members}
        self.years = list(range(DESO_FIRST_YEAR, last_year + 1))
        self._traits(regso)
        self._index = pd.Index(
            [*self.kommuner, *self._codes[DESO2018.code], *self._suffixed(DESO2025)]
        )
        self.q = self._quantities()

    # -- lookups ----------------------------------------------------------------------

    def rows(self, regions: np.ndarray) -> np.ndarray:
        """Row numbers of region codes (kommun, DeSO 2018, DeSO 2025 with its suffix)."""
        unique, inverse = np.unique(np.asarray(regions), return_inverse=True)
        found = self._index.get_indexer(unique.astype(object))
        if (found < 0).any():
            raise KeyError(f"not in the demo population: {unique[found < 0][:5]}")
        return found[inverse]

    def cols(self, years: np.ndarray) -> np.ndarray:
        return year_numbers(years) - self.years[0]

    def at(self, name: str, regions: np.ndarray, years: np.ndarray) -> np.ndarray:
        """Quantity `name` for each (region, year) pair."""
        return self.q[name][self.rows(regions), self.cols(years)]

    def _suffixed(self, division) -> list[str]:
        return [c + division.suffix for c in self._codes[division.code]]

    # -- kommun level ---------------------------------------------------------------

    def background(self, kommun: str, year: int) -> dict[str, int]:
        """Counts by background at kommun level: TotUI, 08, 4, 5, 6 (5 + 6 = the rest)."""
        if kommun == "0123" and year in self.tabell1:
            row = self.tabell1[year]
            n5 = round(row["rest"] * 0.08)
            return {
                "TotUI": row["08"] + row["4"] + row["rest"],
                "08": row["08"],
                "4": row["4"],
                "5": n5,
                "6": row["rest"] - n5,
            }
        if kommun == "0123":  # continues the published 2015 level and trend
            base = self.tabell1[2015]
            total = sum(base.values()) * 1.0222 ** (year - 2015)
            share08 = base["08"] / sum(base.values()) + 0.006 * (year - 2015)
            share4 = base["4"] / sum(base.values()) + 0.0035 * (year - 2015)
        elif kommun == "0680":
            total = (95000 + int(kommun) * 40) * 1.0102 ** (year - FIRST_YEAR)
            share08 = 0.12 + 0.0035 * (year - FIRST_YEAR)
            share4 = 0.04 + 0.0015 * (year - FIRST_YEAR)
        else:  # a kommun the model knows nothing about: sized by its DeSO
            total = self._size[kommun] * (1 + self._growth[kommun]) ** (year - 2010)
            first = self._foreign[kommun]
            share08 = first * 0.75 + 0.003 * (year - FIRST_YEAR)
            share4 = first * 0.25 + 0.001 * (year - FIRST_YEAR)
        n08, n4 = round(total * share08), round(total * share4)
        n5 = round((total - n08 - n4) * 0.08)
        n6 = round(total) - n08 - n4 - n5
        return {"TotUI": n08 + n4 + n5 + n6, "08": n08, "4": n4, "5": n5, "6": n6}

    def kommun_employment_rate(self, kommun: str, year: int) -> float:
        """Sysselsättningsgrad 20–64 in %, summed over the kommun's DeSO (for Kolada's N02267)."""
        regions, years = np.array([kommun]), np.array([year])
        employed = self.at("employed_1", regions, years) + self.at("employed_2", regions, years)
        base = self.at("base_1", regions, years) + self.at("base_2", regions, years)
        return float(100.0 * employed[0] / base[0])

    # -- DeSO level -----------------------------------------------------------------

    def _traits(self, regso: dict[str, dict[str, str]]) -> None:
        """Per DeSO of each division: the DeSO 2018 code it continues, size, growth,
        deprivation (from its RegSO's områdestyp), pace and share of men; per kommun: size,
        growth and share with utländsk bakgrund."""
        types = real_types(self.raw_dir)
        d18, d25 = DESO2018.code, DESO2025.code
        self._codes = {d: [c for k in self.kommuner for c in self.deso[d][k]] for d in (d18, d25)}
        codes2018 = set(self._codes[d18])
        by_prefix: dict[str, str] = {}
        for code in sorted(codes2018):
            by_prefix.setdefault(code[:8], code)
        prefix_count = Counter(c[:8] for c in self._codes[d25])
        self.traits: dict[str, dict[str, np.ndarray]] = {}
        for division in (d18, d25):
            codes = self._codes[division]
            parents, base, growth, dep, pace, men = [], [], [], [], [], []
            for code in codes:
                parent = code
                if division == d25 and code not in codes2018:
                    parent = by_prefix.get(code[:8], code)
                siblings = prefix_count[code[:8]] if division == d25 and parent != code else 1
                kommun = code[:4]
                area = self.area_of.get((division, code)) or self.area_of.get((d18, parent))
                hood = regso[d18].get(parent) or regso[division].get(code, code)
                kind = types.get(hood, UNKNOWN_TYPE)
                d = level(kind, parent)
                if kommun in self.followed:  # the kommun's own focus areas move
                    p = 0.0 if area is None else (1.0, -1.0, 0.0)[int(unit(area, "p") * 3)]
                else:  # type-1 and type-2 RegSO move
                    p = (1.0, -1.0, 0.0)[int(unit(hood, "p") * 3)] if kind <= 2 else 0.0
                parents.append(parent)
                base.append((1100 + 1500 * unit(parent, "n")) / siblings)
                growth.append(-0.004 + 0.02 * unit(parent, "g"))
                dep.append(d)
                pace.append(p)
                men.append(0.48 + 0.04 * unit(code, "s"))
            self.traits[division] = {
                "kommun": np.array([c[:4] for c in codes]),
                "base": np.array(base),
                "growth": np.array(growth),
                "d": np.array(dep),
                "pace": np.array(pace),
                "men": np.array(men),
            }
        t = self.traits[d18]
        self._size = {k: float(t["base"][t["kommun"] == k].sum()) or 1000.0 for k in self.kommuner}
        self._growth = {k: -0.003 + 0.015 * unit(k, "g") for k in self.kommuner}
        # the share with utländsk bakgrund 2005 that, with its trend, meets the kommun's
        # population-weighted propensity (see _quantities) in 2010
        propensity = (0.12 + 0.55 * t["d"]) * t["base"]
        self._foreign = {
            k: float(propensity[t["kommun"] == k].sum()) / self._size[k] - 0.02
            if (t["kommun"] == k).any()
            else 0.1
            for k in self.kommuner
        }

    def _quantities(self) -> dict[str, np.ndarray]:
        """Every quantity for every region and year (NaN outside a division's years)."""
        names = [
            "people_1", "people_2", "foreign_1", "foreign_2", "employed_1", "employed_2",
            "base_1", "base_2", "median", "low_standard", "income_lowest", "income_highest",
            *(f"education_{level}" for level in EDUCATION_LEVELS),
        ]  # fmt: skip
        q = {n: np.full((len(self._index), len(self.years)), np.nan) for n in names}
        n_kommuner = len(self.kommuner)
        offset = {
            DESO2018.code: n_kommuner,
            DESO2025.code: n_kommuner + len(self._codes["DeSO2018"]),
        }
        for j, year in enumerate(self.years):
            division = division_for_year(year)
            t = self.traits[division]
            n = len(t["base"])
            rows = slice(offset[division], offset[division] + n)
            weights = t["base"] * (1 + t["growth"]) ** (year - 2010)
            propensity = np.minimum(
                0.12 + 0.55 * t["d"] + 0.004 * (year - 2010) * (1 - t["pace"] * t["d"]), 0.9
            )
            population = np.zeros(n, dtype=np.int64)
            foreign = np.zeros(n, dtype=np.int64)
            for k in self.kommuner:
                mine = np.flatnonzero(t["kommun"] == k)
                if not len(mine):
                    continue
                counts = self.background(k, year)
                population[mine] = largest_remainder(weights[mine], counts["TotUI"])
                foreign[mine] = largest_remainder(
                    population[mine] * propensity[mine],
                    counts["08"] + counts["4"],
                    upper=population[mine],
                )
            men = np.round(population * t["men"]).astype(np.int64)
            foreign_men = np.minimum(np.round(foreign * t["men"]).astype(np.int64), men)
            foreign_women = np.minimum(foreign - foreign_men, population - men)
            foreign_men = foreign - foreign_women
            people = {"1": men, "2": population - men}
            values = {
                "people_1": men,
                "people_2": population - men,
                "foreign_1": foreign_men,
                "foreign_2": foreign_women,
            }
            d, pace = t["d"], t["pace"]
            for sex, extra in (("1", 0.0), ("2", 0.03)):
                base = np.round(people[sex] * 0.58)
                rate = 0.87 - 0.35 * d + 0.02 * (year - TYPE_YEAR) * d * pace - extra
                values[f"employed_{sex}"] = np.round(base * rate)
                values[f"base_{sex}"] = base
            band = 0.533 if year >= 2024 else 0.52
            total = np.round(population * band)
            pre = np.round(total * (0.07 + 0.22 * d - 0.004 * (year - TYPE_YEAR) * d * pace))
            post = np.round(total * (0.52 - 0.3 * d + 0.004 * (year - TYPE_YEAR) * d * pace))
            unknown = np.round(total * 0.01)
            values |= {
                "education_21": pre,
                "education_5": np.round(post * 0.4),
                "education_6": post - np.round(post * 0.4),
                "education_US": unknown,
                "education_3+4": total - pre - post - unknown,
            }
            for name, v in values.items():
                q[name][rows, j] = v
                sums = np.bincount(
                    self._kommun_number(t["kommun"]), weights=v, minlength=n_kommuner
                )
                q[name][:n_kommuner, j] = sums
            self._income(q, rows, j, year, t, population)
        return q

    def _income(
        self,
        q: dict[str, np.ndarray],
        rows: slice,
        j: int,
        year: int,
        t: dict[str, np.ndarray],
        population: np.ndarray,
    ) -> None:
        """Median, low-standard share and the shares in the lowest and highest national
        quartile of one year's DeSO, and their population-weighted kommun means."""
        n_kommuner = len(self.kommuner)
        d, pace = t["d"], t["pace"]
        median = 330 - 150 * d + 6 * (year - 2011) + 4 * (year - TYPE_YEAR) * d * pace
        low = np.maximum(1.0, 7 + 30 * d - 0.6 * (year - TYPE_YEAR) * d * pace)
        weight = population.astype(float)
        number = self._kommun_number(t["kommun"])
        total_weight = np.bincount(number, weights=weight, minlength=n_kommuner)
        # Shares (%) in the lowest and highest quarter of the national ekonomisk standard,
        # coherent with the low-standard share and the median (for the income-quartile table)
        low_r, median_r = np.round(low, 1), np.round(median, 1)
        relative = median_r - (330 + 6 * (year - 2011))
        lowest = np.minimum(60.0, np.maximum(2.0, 1.2 * low_r + 4))
        highest = np.minimum(60.0, np.maximum(2.0, 30 + 0.17 * relative))
        for name, v in (
            ("median", median),
            ("low_standard", low),
            ("income_lowest", lowest),
            ("income_highest", highest),
        ):
            q[name][rows, j] = np.round(v, 1)
            weighted = np.bincount(number, weights=v * weight, minlength=n_kommuner)
            with np.errstate(invalid="ignore", divide="ignore"):
                q[name][:n_kommuner, j] = np.round(weighted / total_weight, 1)

    def _kommun_number(self, kommuner: np.ndarray) -> np.ndarray:
        return pd.Index(self.kommuner).get_indexer(kommuner)
