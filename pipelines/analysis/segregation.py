"""Segregation indices for two groups over small areas, and their value under random allocation.

Every function works on many "units" at once (a unit is one kommun × year × division ×
pair of groups). Areas are given as flat arrays sorted by unit, and `starts[u]` is the
index of unit u's first area (as for `np.add.reduceat`). Per area: `x` residents of the
first group, `t` residents of both groups (so the second group is `y = t − x`).

Measures (X = Σ x, Y = Σ y, T = X + Y; areas with t = 0 contribute nothing):

- dissimilarity D = ½ Σ |x_i/X − y_i/Y|                  (Duncan & Duncan 1955)
- Theil's H = Σ t_i (E − E_i) / (T E), E the entropy of the split X/T and E_i of the
  area's split x_i/t_i, with 0·ln 0 = 0; natural logarithms (H does not depend on the base)
- isolation xPx = Σ (x_i/X)(x_i/t_i), exposure xPy = Σ (x_i/X)(y_i/t_i)
                                                          (Massey & Denton 1988)

A unit where one group is empty (X = 0 or Y = 0) has no D, H, isolation or exposure (NaN).

Random allocation (:func:`simulate`): the areas' sizes t_i are kept fixed and every
resident's group is drawn at random with the unit's share P = X/T, that is
x_i ~ Binomial(t_i, P) independently (method "binomial", the default). The exact
alternative with the unit's totals also fixed, x ~ multivariate hypergeometric(t, X)
(method "hypergeometric", drawn as a chain of ordinary hypergeometric draws), gives the
same expected values at DeSO sizes (hundreds to thousands of residents) within the
simulation's own noise but costs about three times as long on the whole country. Both run
vectorised over every area and draw at once; a draw where one group comes out empty has
no value and is left out of the mean and the interval.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

MEASURES = ("dissimilarity", "theil_h", "isolation", "exposure")
DEFAULT_SEED = 20_250_101
DEFAULT_DRAWS = 200
INTERVAL = (2.5, 97.5)  # percentiles of the draws: a 95 % simulation interval


def _unit_sum(values: np.ndarray, starts: np.ndarray) -> np.ndarray:
    return np.add.reduceat(values, starts, axis=0)


def _entropy(p: np.ndarray) -> np.ndarray:
    """Two-group entropy −[p ln p + (1 − p) ln(1 − p)], with 0 ln 0 = 0."""
    p = np.asarray(p, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        a = np.where(p > 0, p * np.log(np.where(p > 0, p, 1.0)), 0.0)
        b = np.where(p < 1, (1 - p) * np.log(np.where(p < 1, 1 - p, 1.0)), 0.0)
    return -(a + b)


def measures(x: np.ndarray, t: np.ndarray, starts: np.ndarray) -> dict[str, np.ndarray]:
    """D, H, isolation and exposure per unit.

    `x` has shape (areas,) or (areas, draws); `t` has shape (areas,). Returns arrays of
    shape (units,) or (units, draws)."""
    x = np.asarray(x, dtype=float)
    t = np.asarray(t, dtype=float)
    tt = t if x.ndim == 1 else t[:, None]
    y = tt - x
    big_x = _unit_sum(x, starts)
    big_y = _unit_sum(y, starts)
    big_t = big_x + big_y
    rows = np.repeat(np.arange(len(starts)), np.diff(np.append(starts, len(t))))
    with np.errstate(divide="ignore", invalid="ignore"):
        share_x = x / big_x[rows]
        share_y = y / big_y[rows]
        dissimilarity = 0.5 * _unit_sum(np.abs(share_x - share_y), starts)
        within = np.where(tt > 0, x / np.where(tt > 0, tt, 1.0), 0.0)
        isolation = _unit_sum(share_x * within, starts)
        exposure = _unit_sum(share_x * (1 - within) * (tt > 0), starts)
        entropy = _entropy(big_x / big_t)
        area_entropy = _entropy(within)
        theil = _unit_sum(tt * (entropy[rows] - area_entropy), starts) / (big_t * entropy)
    undefined = (big_x <= 0) | (big_y <= 0)
    out = {
        "dissimilarity": dissimilarity,
        "theil_h": theil,
        "isolation": isolation,
        "exposure": exposure,
    }
    return {k: np.where(undefined, np.nan, v) for k, v in out.items()}


def random_allocation(
    x_total: np.ndarray,
    t: np.ndarray,
    starts: np.ndarray,
    draws: int,
    rng: np.random.Generator,
    method: str = "binomial",
) -> np.ndarray:
    """`draws` random allocations per unit: x of shape (areas, draws), x_i ≤ t_i.

    binomial: x_i ~ Binomial(t_i, X/T); hypergeometric: Σ x = X exactly in every draw
    (multivariate hypergeometric, drawn as a chain of hypergeometrics)."""
    t = np.asarray(t, dtype=np.int64)
    if method == "binomial":
        totals = _unit_sum(t, starts).astype(float)
        with np.errstate(divide="ignore", invalid="ignore"):
            share = np.where(totals > 0, np.asarray(x_total) / np.where(totals > 0, totals, 1), 0)
        rows = np.repeat(np.arange(len(starts)), np.diff(np.append(starts, len(t))))
        return rng.binomial(t[:, None], share[rows][:, None], size=(len(t), draws))
    if method != "hypergeometric":
        raise ValueError(f"unknown allocation method {method!r}: binomial or hypergeometric")
    n_units = len(starts)
    sizes = np.diff(np.append(starts, len(t)))
    good = np.repeat(np.asarray(x_total, dtype=np.int64)[:, None], draws, axis=1)
    bad = np.repeat((_unit_sum(t, starts) - np.asarray(x_total))[:, None], draws, axis=1)
    out = np.zeros((len(t), draws), dtype=np.int64)
    for position in range(int(sizes.max()) if n_units else 0):
        active = np.flatnonzero(sizes > position)
        rows = starts[active] + position
        sample = np.repeat(t[rows][:, None], draws, axis=1)
        g, b = good[active], bad[active]
        drawn = np.where(sample > 0, rng.hypergeometric(g, b, np.maximum(sample, 0)), 0)
        out[rows] = drawn
        good[active] = g - drawn
        bad[active] = b - (sample - drawn)
    return out


def _k_ln_k(limit: int) -> np.ndarray:
    """k ln k for k = 0 … limit (0 ln 0 = 0): a lookup table for integer counts."""
    k = np.arange(limit + 1, dtype=float)
    return k * np.log(np.maximum(k, 1.0))


def count_measures(x: np.ndarray, t: np.ndarray, starts: np.ndarray) -> dict[str, np.ndarray]:
    """The same measures as :func:`measures` for integer draws x of shape (areas, draws),
    rearranged so that the work per cell is a few multiplications and table look-ups:

    - D = ½ Σ |x_i (1/X + 1/Y) − t_i/Y|
    - isolation = Σ x_i² / t_i / X, and exposure = 1 − isolation (with two groups
      Σ (x_i/X)(y_i/t_i) = Σ (x_i/X)(1 − x_i/t_i); areas with t_i = 0 hold nobody)
    - H = 1 − Σ t_i E_i / (T E), with t_i E_i = t ln t − x ln x − y ln y for counts.
    """
    t = np.asarray(t, dtype=np.int64)
    sizes = np.diff(np.append(starts, len(t)))
    big_x = _unit_sum(x, starts).astype(float)
    big_t = _unit_sum(t, starts).astype(float)[:, None]
    big_y = big_t - big_x
    with np.errstate(divide="ignore", invalid="ignore"):
        inv_x = 1.0 / big_x
        inv_y = 1.0 / big_y
        a = np.repeat(inv_x + inv_y, sizes, axis=0)
        b = np.repeat(inv_y, sizes, axis=0) * t[:, None]
        dissimilarity = 0.5 * _unit_sum(np.abs(x * a - b), starts)
        inv_t = np.where(t > 0, 1.0 / np.maximum(t, 1), 0.0)[:, None]
        isolation = _unit_sum(x * x * inv_t, starts) * inv_x
        table = _k_ln_k(int(t.max()) if len(t) else 0)
        area_entropy = table[t][:, None] - table[x] - table[t[:, None] - x]
        entropy = _entropy(big_x / big_t)
        theil = 1.0 - _unit_sum(area_entropy, starts) / (big_t * entropy)
    undefined = (big_x <= 0) | (big_y <= 0)
    out = {
        "dissimilarity": dissimilarity,
        "theil_h": theil,
        "isolation": isolation,
        "exposure": 1.0 - isolation,
    }
    return {k: np.where(undefined, np.nan, v) for k, v in out.items()}


@dataclass(frozen=True)
class Simulation:
    """Per unit and measure: the mean of the draws and the 2.5/97.5 percentiles."""

    expected: dict[str, np.ndarray]
    low: dict[str, np.ndarray]
    high: dict[str, np.ndarray]
    draws: int
    seed: int
    method: str


def simulate(
    x: np.ndarray,
    t: np.ndarray,
    starts: np.ndarray,
    draws: int = DEFAULT_DRAWS,
    seed: int = DEFAULT_SEED,
    *,
    chunk_cells: int = 4_000_000,
    method: str = "binomial",
) -> Simulation:
    """Expected value and simulation interval of every measure under random allocation.

    Units are processed in chunks of about `chunk_cells` area × draw cells (memory stays
    small on the whole country); one generator seeded once makes the result reproducible."""
    rng = np.random.default_rng(seed)
    x = np.asarray(x, dtype=np.int64)
    t = np.asarray(t, dtype=np.int64)
    starts = np.asarray(starts, dtype=np.int64)
    n_units = len(starts)
    ends = np.append(starts[1:], len(t))
    big_x = _unit_sum(x, starts) if n_units else np.zeros(0, dtype=np.int64)
    expected = {m: np.full(n_units, np.nan) for m in MEASURES}
    low = {m: np.full(n_units, np.nan) for m in MEASURES}
    high = {m: np.full(n_units, np.nan) for m in MEASURES}
    first = 0
    while first < n_units:
        last = first
        while last < n_units and (ends[last] - starts[first]) * draws <= chunk_cells:
            last += 1
        last = max(last, first + 1)
        lo, hi = starts[first], ends[last - 1]
        local_starts = starts[first:last] - lo
        sim_x = random_allocation(big_x[first:last], t[lo:hi], local_starts, draws, rng, method)
        values = count_measures(sim_x, t[lo:hi], local_starts)
        for m in MEASURES:
            v = values[m]
            ok = ~np.isnan(v).all(axis=1)
            if not ok.any():
                continue
            sub = v[ok]
            if np.isnan(sub).any():
                mean = np.nanmean(sub, axis=1)
                lo_q, hi_q = np.nanpercentile(sub, INTERVAL, axis=1)
            else:
                mean = sub.mean(axis=1)
                lo_q, hi_q = np.percentile(sub, INTERVAL, axis=1)
            expected[m][first:last][ok] = mean
            low[m][first:last][ok] = lo_q
            high[m][first:last][ok] = hi_q
        first = last
    return Simulation(expected, low, high, draws, seed, method)


def adjusted(measure: str, value: np.ndarray, expected: np.ndarray) -> np.ndarray:
    """D and H: Carrington & Troske (1997) (value − E)/(1 − E), NaN where E ≥ 1;
    isolation and exposure: value − E."""
    value = np.asarray(value, dtype=float)
    expected = np.asarray(expected, dtype=float)
    if measure in ("dissimilarity", "theil_h", "income_dissimilarity"):
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(expected < 1, (value - expected) / (1 - expected), np.nan)
    return value - expected


# -- from the staging table to one row per unit and measure ---------------------------------

PAIR_MEASURES = {
    "background": {m: m for m in MEASURES},
    "income": {"dissimilarity": "income_dissimilarity"},
}
UNIT_KEY = ["kommun", "year", "division", "pair"]


def random_allocation_frame(
    counts: pd.DataFrame,
    draws: int = DEFAULT_DRAWS,
    seed: int = DEFAULT_SEED,
    method: str = "binomial",
) -> pd.DataFrame:
    """Expected value and 95 % simulation interval under random allocation, per kommun, year,
    division and measure, from `staging.stg_deso_group_counts` (columns kommun, year,
    division, pair, group_x, total, suppressed). Suppressed and empty DeSO are left out,
    as in the observed values; counts derived from shares are rounded to whole persons."""
    usable = counts.loc[~counts["suppressed"].astype(bool) & (counts["total"] > 0)]
    usable = usable.sort_values(UNIT_KEY + ["deso"], kind="stable").reset_index(drop=True)
    columns = [
        *UNIT_KEY[:3],
        "measure",
        "expected_random",
        "interval_low",
        "interval_high",
        "draws",
        "seed",
        "allocation_method",
    ]
    if usable.empty:
        return pd.DataFrame({c: [] for c in columns}).astype(
            {"year": "int32", "draws": "int32", "seed": "int64"}
        )
    x = np.rint(usable["group_x"].to_numpy(float)).astype(np.int64)
    t = np.rint(usable["total"].to_numpy(float)).astype(np.int64)
    x = np.minimum(x, t)
    keys = usable[UNIT_KEY]
    new_unit = (keys != keys.shift()).any(axis=1).to_numpy()
    starts = np.flatnonzero(new_unit)
    units = keys.iloc[starts].reset_index(drop=True)
    result = simulate(x, t, starts, draws=draws, seed=seed, method=method)
    frames = []
    for pair, wanted in PAIR_MEASURES.items():
        mask = (units["pair"] == pair).to_numpy()
        for source, measure in wanted.items():
            part = units.loc[mask, UNIT_KEY[:3]].copy()
            part["measure"] = measure
            part["expected_random"] = result.expected[source][mask]
            part["interval_low"] = result.low[source][mask]
            part["interval_high"] = result.high[source][mask]
            frames.append(part)
    out = pd.concat(frames, ignore_index=True)
    out["draws"] = np.int32(draws)
    out["seed"] = np.int64(seed)
    out["allocation_method"] = method
    out["year"] = out["year"].astype("int32")
    return out[columns]
