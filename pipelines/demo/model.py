"""Invented but coherent figures for the demo snapshot: one population, every table.

The demo must not contradict itself or the real figures it continues:

- **Kommun totals.** Järfälla 2005–2015 are the real counts of Tabell 1 (integration plan
  2017–2018, source SCB); later years continue them smoothly. Jönköping is invented.
- **DeSO figures add up to the kommun's.** Each year the kommun's total is spread over the
  DeSO of that year's division (DeSO 2018 to 2023, DeSO 2025 from 2024) and rounded so that
  the DeSO sum equals the kommun total exactly; residents with utländsk bakgrund (codes 08 +
  4 of the kommun table) likewise. A DeSO 2025 code inherits the size and character of the
  DeSO 2018 code it continues (kept, or split: the parts share it).
- **Focus-area DeSO are more deprived**, and each area's gap to the kommun closes, widens or
  stays, so that every trend label shows.

Stable pseudo-random numbers come from sha256 of a code, the same on every machine.
"""

from __future__ import annotations

import csv
import hashlib
from functools import cache
from pathlib import Path

import numpy as np

from pipelines.areas import load_areas
from pipelines.geography import DESO2018, DESO2025, division_for_year, load_deso_key
from pipelines.kommuner import load_kommuner

FIRST_YEAR = 2005
CKM_YEAR = 2025


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


class DemoPopulation:
    """The demo population of the configured kommuner, year by year, in both divisions."""

    def __init__(self, raw_dir: Path, published: Path) -> None:
        self.kommuner = [k.code for k in load_kommuner(raw_dir)]
        self.tabell1 = read_tabell1(published)
        self.deso: dict[str, dict[str, list[str]]] = {}
        for division in (DESO2018, DESO2025):
            key = load_deso_key(raw_dir, division.code)
            self.deso[division.code] = {
                k: sorted(key.loc[key.kommun == k, "deso"]) for k in self.kommuner
            }
        members = load_areas(raw_dir, self.kommuner)
        self.area_of = {(m.division, m.deso): m.area_id for m in members}

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
        else:
            total = (95000 + int(kommun) * 40) * 1.0102 ** (year - FIRST_YEAR)
            share08 = 0.12 + 0.0035 * (year - FIRST_YEAR)
            share4 = 0.04 + 0.0015 * (year - FIRST_YEAR)
        n08, n4 = round(total * share08), round(total * share4)
        n5 = round((total - n08 - n4) * 0.08)
        n6 = round(total) - n08 - n4 - n5
        return {"TotUI": n08 + n4 + n5 + n6, "08": n08, "4": n4, "5": n5, "6": n6}

    # -- DeSO level -----------------------------------------------------------------

    def parent(self, deso: str) -> str:
        """The DeSO 2018 code a DeSO 2025 code continues (itself, or the code it split from)."""
        if deso in self._codes2018:
            return deso
        candidates = [c for c in self._codes2018 if c[:8] == deso[:8]]
        return candidates[0] if candidates else deso

    @property
    def _codes2018(self) -> set[str]:
        return self._all_codes(DESO2018.code)

    @cache  # noqa: B019 - one model per build
    def _all_codes(self, division: str) -> set[str]:
        return {d for codes in self.deso[division].values() for d in codes}

    def area(self, deso: str, division: str) -> str | None:
        return self.area_of.get((division, deso))

    def deprivation(self, deso: str, division: str) -> float:
        parent = self.parent(deso) if division == DESO2025.code else deso
        if self.area(deso, division) is not None or (DESO2018.code, parent) in self.area_of:
            return 0.75 + 0.25 * unit(parent, "d")
        return 0.45 * unit(parent, "d")

    def pace(self, deso: str, division: str) -> float:
        """+1 the area catches up, -1 it falls behind, 0 it stays (by area)."""
        area = self.area(deso, division)
        if area is None and division == DESO2025.code:
            area = self.area_of.get((DESO2018.code, self.parent(deso)))
        return 0.0 if area is None else (1.0, -1.0, 0.0)[int(unit(area, "p") * 3)]

    def _weight(self, deso: str, division: str, year: int) -> float:
        parent = self.parent(deso) if division == DESO2025.code else deso
        siblings = 1
        if division == DESO2025.code and parent != deso:
            siblings = sum(1 for c in self._all_codes(DESO2025.code) if c[:8] == deso[:8])
        base = (1100 + 1500 * unit(parent, "n")) / siblings
        growth = -0.004 + 0.02 * unit(parent, "g")
        return base * (1 + growth) ** (year - 2010)

    @cache  # noqa: B019
    def deso_counts(self, kommun: str, year: int) -> dict[str, dict[str, int]]:
        """Per DeSO of the year's division: residents and residents with utländsk bakgrund,
        by sex (`1`, `2`). The sums over DeSO equal the kommun's counts exactly."""
        division = division_for_year(year)
        codes = self.deso[division][kommun]
        counts = self.background(kommun, year)
        weights = np.array([self._weight(d, division, year) for d in codes])
        population = largest_remainder(weights, counts["TotUI"])
        propensity = np.array(
            [
                0.12
                + 0.55 * self.deprivation(d, division)
                + 0.004
                * (year - 2010)
                * (1 - self.pace(d, division) * self.deprivation(d, division))
                for d in codes
            ]
        )
        foreign_total = counts["08"] + counts["4"]
        foreign = largest_remainder(
            population * np.minimum(propensity, 0.9), foreign_total, upper=population
        )
        out = {}
        for d, pop, fgn in zip(codes, population, foreign, strict=True):
            men_share = 0.48 + 0.04 * unit(d, "s")
            men = round(pop * men_share)
            foreign_men = min(round(fgn * men_share), men)
            foreign_women = min(int(fgn) - foreign_men, int(pop) - men)
            foreign_men = int(fgn) - foreign_women
            out[d] = {
                "1": men,
                "2": int(pop) - men,
                "foreign_1": foreign_men,
                "foreign_2": foreign_women,
            }
        return out

    def people(self, deso: str, year: int, sex: str, kommun: str) -> int:
        row = self.deso_counts(kommun, year)[deso]
        return row["1"] + row["2"] if sex == "1+2" else row[sex]

    def foreign(self, deso: str, year: int, sex: str, kommun: str) -> int:
        row = self.deso_counts(kommun, year)[deso]
        if sex == "1+2":
            return row["foreign_1"] + row["foreign_2"]
        return row[f"foreign_{sex}"]

    def employed(self, deso: str, year: int, sex: str, kommun: str) -> tuple[int, int]:
        """(sysselsatta, totalt) 20–64 år."""
        division = division_for_year(year)
        d, pace = self.deprivation(deso, division), self.pace(deso, division)
        base = round(self.people(deso, year, sex, kommun) * 0.58)
        rate = 0.87 - 0.35 * d + 0.02 * (year - 2020) * d * pace - (0.03 if sex == "2" else 0)
        return round(base * rate), base

    def median(self, deso: str, year: int) -> float:
        division = division_for_year(year)
        d, pace = self.deprivation(deso, division), self.pace(deso, division)
        return round(330 - 150 * d + 6 * (year - 2011) + 4 * (year - 2011) * d * pace, 1)

    def low_standard(self, deso: str, year: int) -> float:
        division = division_for_year(year)
        d, pace = self.deprivation(deso, division), self.pace(deso, division)
        return round(max(1.0, 7 + 30 * d - 0.6 * (year - 2011) * d * pace), 1)

    def income_quintiles(self, deso: str, year: int) -> tuple[float, float]:
        """Shares (%) of residents in the lowest and highest fifth of the national ekonomisk
        standard, coherent with the DeSO's demo low-standard share and median: the lowest
        fifth follows the low-standard share (a poorer cut than <60 % of the median, so a
        little larger), the highest fifth the median's distance from the year's level."""
        low = self.low_standard(deso, year)
        relative_median = self.median(deso, year) - (330 + 6 * (year - 2011))
        lowest = round(min(60.0, max(2.0, 1.2 * low + 4)), 1)
        highest = round(min(60.0, max(2.0, 30 + 0.17 * relative_median)), 1)
        return lowest, highest

    def education(self, deso: str, year: int, kommun: str) -> dict[str, int]:
        """Residents 25–64 år (25–65 år from 2024) by level."""
        division = division_for_year(year)
        d, pace = self.deprivation(deso, division), self.pace(deso, division)
        band = 0.533 if year >= 2024 else 0.52
        total = round(self.people(deso, year, "1+2", kommun) * band)
        pre = round(total * (0.07 + 0.22 * d - 0.004 * (year - 2015) * d * pace))
        post = round(total * (0.52 - 0.3 * d + 0.004 * (year - 2015) * d * pace))
        unknown = round(total * 0.01)
        return {
            "21": pre,
            "5": round(post * 0.4),
            "6": post - round(post * 0.4),
            "US": unknown,
            "3+4": total - pre - post - unknown,
        }

    def kommun_employment_rate(self, kommun: str, year: int) -> float:
        """Sysselsättningsgrad 20–64 in %, summed over the kommun's DeSO (for Kolada's N02267)."""
        division = division_for_year(year)
        pairs = [
            self.employed(d, year, sex, kommun)
            for d in self.deso[division][kommun]
            for sex in ("1", "2")
        ]
        return 100.0 * sum(p[0] for p in pairs) / sum(p[1] for p in pairs)
