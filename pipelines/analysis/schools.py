"""Differences between schools: the dissimilarity index D across a kommun's schools.

The same measure and random-allocation benchmark as for residents over DeSO
(:mod:`pipelines.analysis.segregation`), with schools as the units: per kommun and year,
D = ½ Σ |x_i/X − y_i/Y| over the schools in goals/schools.csv, x_i the pupils with
utländsk bakgrund and y_i the others. The expected value under random allocation keeps
every school's size and draws each pupil's background with the kommun's share (binomial),
with the same seed and number of draws as the residential indices; the adjusted value is
Carrington & Troske's (D − E)/(1 − E). With few units (ten schools rather than a hundred
DeSO) the expected value is small, because schools are large; a school missing from the
file changes D, so D describes only the schools in the file.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipelines.analysis.segregation import (
    DEFAULT_DRAWS,
    DEFAULT_SEED,
    adjusted,
    measures,
    simulate,
)
from pipelines.core.geography import division_for_year

UNIT = ["kommun", "year"]
COLUMNS = [
    "kommun",
    "year",
    "schools",
    "pupils",
    "pupils_foreign_background",
    "value",
    "expected_random",
    "interval_low",
    "interval_high",
    "adjusted",
    "example",
    "residential_division",
    "draws",
    "seed",
]


def school_dissimilarity(
    schools: pd.DataFrame, draws: int = DEFAULT_DRAWS, seed: int = DEFAULT_SEED
) -> pd.DataFrame:
    """One row per kommun and year from raw.schools' columns kommun, year, school_unit_code,
    pupils, pupils_foreign_background and example: D across the schools with pupils, its
    expected value and 95 % interval under random allocation, and the adjusted value.
    `residential_division` is the DeSO division SCB publishes that year on (for comparing with
    the residents' D). D is NaN where one group has no pupils."""
    usable = schools.loc[schools["pupils"] > 0]
    usable = usable.sort_values(UNIT + ["school_unit_code"], kind="stable").reset_index(drop=True)
    if usable.empty:
        return pd.DataFrame({c: [] for c in COLUMNS}).astype(_TYPES)
    x = usable["pupils_foreign_background"].to_numpy(np.int64)
    t = usable["pupils"].to_numpy(np.int64)
    keys = usable[UNIT]
    starts = np.flatnonzero((keys != keys.shift()).any(axis=1).to_numpy())
    observed = measures(x, t, starts)["dissimilarity"]
    result = simulate(x, t, starts, draws=draws, seed=seed)
    expected = result.expected["dissimilarity"]
    grouped = usable.groupby(UNIT, sort=True)
    out = keys.iloc[starts].reset_index(drop=True)
    out["schools"] = grouped.size().to_numpy()
    out["pupils"] = grouped["pupils"].sum().to_numpy()
    out["pupils_foreign_background"] = grouped["pupils_foreign_background"].sum().to_numpy()
    out["value"] = observed
    out["expected_random"] = expected
    out["interval_low"] = result.low["dissimilarity"]
    out["interval_high"] = result.high["dissimilarity"]
    out["adjusted"] = adjusted("dissimilarity", observed, expected)
    out["example"] = grouped["example"].any().to_numpy()
    out["residential_division"] = [division_for_year(int(y)) for y in out["year"]]
    out["draws"] = draws
    out["seed"] = seed
    return out[COLUMNS].astype(_TYPES)


_TYPES = {
    "kommun": "object",
    "year": "int32",
    "schools": "int32",
    "pupils": "int64",
    "pupils_foreign_background": "int64",
    "value": "float64",
    "expected_random": "float64",
    "interval_low": "float64",
    "interval_high": "float64",
    "adjusted": "float64",
    "example": "bool",
    "residential_division": "object",
    "draws": "int32",
    "seed": "int64",
}
