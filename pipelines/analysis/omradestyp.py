"""Områdestyp: SCB's socioekonomiska index and area types per RegSO, read and recomputed.

Delmos and SCB classify every RegSO each year by a socioeconomic index, the mean of three
shares of its residents (in per cent), as SCB's table lists them (TAB6586, most likely, the
v2 table of IntGr5Socio):

- låg ekonomisk standard (all ages),
- förgymnasial utbildning (only förgymnasial; 20–64 år),
- ekonomiskt bistånd at least 10 months of the year and/or unemployed more than 6 months
  (långtidsarbetslöshet; 20–64 år).

A RegSO's type is the distance of its index from that year's national mean μ, in national
standard deviations σ (all RegSO of the country that year):

    1  index ≥ μ + 2σ          stora socioekonomiska utmaningar
    2  μ + σ ≤ index < μ + 2σ  socioekonomiska utmaningar
    3  μ ≤ index < μ + σ       socioekonomiskt blandade områden
    4  μ − σ ≤ index < μ       goda socioekonomiska förutsättningar
    5  index < μ − σ           mycket goda socioekonomiska förutsättningar

Choices where SCB's description leaves room (documented in the README):

- σ is the **population** standard deviation (divide by N): the RegSO of a year are the
  whole country, not a sample of it. With 3 363 RegSO the sample σ is 0.015 % larger, which
  moves a RegSO only if its index lies within 0.00015σ of a cut point.
- An index **exactly on a cut point** gets the type below the cut (the more challenged
  one): each type's lower bound is inclusive, as written above.
- μ and σ are taken over the RegSO that have all three shares that year; a RegSO missing a
  share gets no recomputed index or type.

This module is pure (pandas in, pandas out): the staging asset and the tests call it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from pipelines.core.geography import DIVISIONS, split_region_column

# SCB's and Delmos's names of the five types (Delmos, "Områdestyper"; SCB's table notes).
TYPE_LABELS = {
    1: "Områden med stora socioekonomiska utmaningar",
    2: "Områden med socioekonomiska utmaningar",
    3: "Socioekonomiskt blandade områden",
    4: "Områden med goda socioekonomiska förutsättningar",
    5: "Områden med mycket goda socioekonomiska förutsättningar",
}
# The same names without "Områden med", for map legends and sentences.
SHORT_TYPE_LABELS = {
    1: "Stora socioekonomiska utmaningar",
    2: "Socioekonomiska utmaningar",
    3: "Socioekonomiskt blandade områden",
    4: "Goda socioekonomiska förutsättningar",
    5: "Mycket goda socioekonomiska förutsättningar",
}

# The table's contents. TAB6586 (the v2 table, most likely: public clients query it) names
# the index 000008IT and the type 000008IU; 000005QX is the type in SCB's exports of the v1
# table IntGr5Socio (the bundled snapshot's source). The three input shares' codes are not
# known offline: they are recognised by their Swedish label, first pattern that matches.
OMRADESTYP_CODES = ("000008IU", "000005QX")
INDEX_CODE = "000008IT"
INPUTS = ("low_economic_standard_andel", "forgymnasial_andel", "bistand_arbetslos_andel")
MEASURES = ("omradestyp", "index_value", *INPUTS)
_LABEL_PATTERNS = (
    ("omradestyp", re.compile(r"områdestyp", re.IGNORECASE)),
    ("index_value", re.compile(r"index", re.IGNORECASE)),
    ("low_economic_standard_andel", re.compile(r"låg ekonomisk standard", re.IGNORECASE)),
    ("forgymnasial_andel", re.compile(r"förgymnasial", re.IGNORECASE)),
    ("bistand_arbetslos_andel", re.compile(r"bistånd|arbetslös", re.IGNORECASE)),
)

# SCB's published counts of RegSO per type in the exports of 2025-01-31 (the bundled
# snapshot; data/raw/published/ and ../shared/reference/README.md). A table with the same
# `updated` must have exactly these counts.
PUBLISHED_UPDATED = "2025-01-31T08:00:00Z"
PUBLISHED_COUNTS = {
    2022: {1: 160, 2: 289, 3: 855, 4: 1770, 5: 289},
    2023: {1: 162, 2: 293, 3: 835, 4: 1781, 5: 292},
}

# A RegSO division's years are those of the DeSO division it is built from.
REGSO_DIVISION_YEARS = {d.regso_division: (d.first_year, d.last_year) for d in DIVISIONS.values()}
DESO_DIVISION_OF = {d.regso_division: d.code for d in DIVISIONS.values()}

_REGION_LABEL = re.compile(r"^(?:\d{4}R\d{3}\s+)?(?P<kommun>.+?) \((?P<regso>.*)\)$")


def measure_of(code: str, label: str) -> str | None:
    """Which measure a content code stands for (None: a content the pipeline does not use)."""
    if code in OMRADESTYP_CODES:
        return "omradestyp"
    if code == INDEX_CODE:
        return "index_value"
    for measure, pattern in _LABEL_PATTERNS:
        if pattern.search(label or ""):
            return measure
    return None


def regso_name(label: str) -> str:
    """`Järfälla (Centrala Söderhöjden)` (or `0123R007 Järfälla (…)`) → `Centrala Söderhöjden`."""
    match = _REGION_LABEL.match(str(label).strip())
    return match.group("regso") if match else str(label)


def regso_table(raw: pd.DataFrame) -> pd.DataFrame:
    """SCB's cells (`raw.scb_regso_omradestyp`) → one row per RegSO, division and year.

    Columns: kommun, regso, regso_name, regso_division, year, omradestyp, index_value, the
    three input shares, status_symbols, demo, source_table, source_updated. Cells of a
    division outside its years (SCB lists both divisions every year and leaves the other
    one's cells empty) are dropped; a content the pipeline does not use is ignored.
    """
    columns = [
        "kommun",
        "regso",
        "regso_name",
        "regso_division",
        "year",
        *MEASURES,
        "status_symbols",
        "demo",
        "source_table",
        "source_updated",
    ]
    if raw.empty:
        return pd.DataFrame(columns=columns)
    frame = _regso_cells(raw)
    keys = ["regso", "regso_division", "year"]
    wide = frame.groupby([*keys, "measure"])["value"].first().unstack("measure")
    wide = wide.reindex(columns=list(MEASURES)).reset_index()
    wide.columns.name = None
    grouped = frame.groupby(keys, observed=True)
    extra = grouped.agg(
        regso_label=("Region_label", "first"),
        demo=("demo", "any"),
        source_table=("table_id", "first"),
        source_updated=("updated", "max"),
    ).reset_index()
    symbols = (
        frame.dropna(subset=["status"])
        .groupby(keys, observed=True)["status"]
        .agg(lambda s: ",".join(sorted(set(map(str, s)))))
        .rename("status_symbols")
        .reset_index()
    )
    out = wide.merge(extra, on=keys, how="left").merge(symbols, on=keys, how="left")
    out["kommun"] = out["regso"].str.slice(0, 4)
    out["regso_name"] = [regso_name(lab) for lab in out["regso_label"]]
    out["omradestyp"] = out["omradestyp"].round().astype("Int64")
    return out[columns].sort_values(keys).reset_index(drop=True)


def _regso_cells(raw: pd.DataFrame) -> pd.DataFrame:
    """SCB's RegSO cells with regso, regso_division, year and measure; only the cells of a
    division inside its years and of a content the pipeline uses."""
    frame = raw.copy()
    codes, divisions = split_region_column(frame["Region"].astype(str))
    frame["regso"], frame["regso_division"] = codes, divisions
    frame = frame[frame["regso"].str.fullmatch(r"\d{4}R\d{3}")].copy()
    frame["year"] = pd.to_numeric(frame["Tid"].astype(str)).astype(int)
    inside = pd.Series(False, index=frame.index)
    for division, (first, last) in REGSO_DIVISION_YEARS.items():
        years_ok = frame["year"].between(first or 0, last or 9999)
        inside |= (frame["regso_division"] == division) & years_ok
    frame = frame[inside].copy()
    pairs = frame[["ContentsCode", "ContentsCode_label"]].astype(str).drop_duplicates()
    lookup = {(c, lab): measure_of(c, lab) for c, lab in pairs.itertuples(index=False)}
    frame["measure"] = [
        lookup[(c, lab)]
        for c, lab in zip(
            frame["ContentsCode"].astype(str), frame["ContentsCode_label"].astype(str)
        )
    ]
    frame = frame[frame["measure"].notna()].copy()
    return frame


def recompute(frame: pd.DataFrame) -> pd.DataFrame:
    """Add the recomputed index and type (and the year's μ, σ and RegSO count) to a frame
    with columns year and the three shares (INPUTS). Pure: returns a new frame.

    recomputed_index = mean of the three shares; recomputed_type by μ ± kσ of that year's
    recomputed indices over every RegSO that has all three (population σ, lower bounds
    inclusive: see the module docstring). Rows missing a share get NaN / <NA>.
    """
    out = frame.copy()
    shares = out[list(INPUTS)].astype("float64")
    complete = shares.notna().all(axis=1)
    out["recomputed_index"] = shares.sum(axis=1, min_count=3).where(complete) / 3.0
    out["national_mean"] = np.nan
    out["national_sd"] = np.nan
    out["regso_in_computation"] = 0
    types = pd.Series(pd.NA, index=out.index, dtype="Int64")
    for _, rows in out[complete].groupby("year").groups.items():
        index = out.loc[rows, "recomputed_index"].to_numpy(dtype="float64")
        mean = float(index.mean())
        sd = float(index.std(ddof=0))
        out.loc[rows, "national_mean"] = mean
        out.loc[rows, "national_sd"] = sd
        out.loc[rows, "regso_in_computation"] = len(index)
        types.loc[rows] = classify(index, mean, sd)
    out["recomputed_type"] = types
    return out


def classify(index: np.ndarray, mean: float, sd: float) -> np.ndarray:
    """Types 1–5 for index values, given μ and σ (lower bounds inclusive)."""
    index = np.asarray(index, dtype="float64")
    return np.select(
        [index >= mean + 2 * sd, index >= mean + sd, index >= mean, index >= mean - sd],
        [1, 2, 3, 4],
        default=5,
    ).astype(int)


@dataclass(frozen=True)
class Agreement:
    """How the recomputed types compare with SCB's, where both exist."""

    compared: int
    agree: int
    by_year: dict[int, tuple[int, int]]  # year → (compared, agree)
    examples: list[dict]  # a few RegSO where they differ

    @property
    def share(self) -> float | None:
        return self.agree / self.compared if self.compared else None


def agreement(frame: pd.DataFrame) -> Agreement:
    """Compare `omradestyp` (SCB) with `recomputed_type` where both are present."""
    both = frame[frame["omradestyp"].notna() & frame["recomputed_type"].notna()]
    same = both["omradestyp"].astype(int) == both["recomputed_type"].astype(int)
    by_year = {
        int(year): (len(rows), int(same.loc[rows.index].sum()))
        for year, rows in both.groupby("year")
    }
    differ = both[~same].head(5)
    examples = [
        {
            "regso": r.regso,
            "year": int(r.year),
            "scb": int(r.omradestyp),
            "recomputed": int(r.recomputed_type),
        }
        for r in differ.itertuples()
    ]
    return Agreement(len(both), int(same.sum()), by_year, examples)
