"""Did the plan work? Comparison areas and the before/after estimate, as plain pandas/NumPy.

Both functions take frames shaped like the marts they read and return frames shaped like
the tables they feed (`comparison_area`, `plan_effect`), so they can be tested on small
hand-made inputs.

Comparison areas (:func:`match_comparisons`): RegSO outside the focus area's kommun that
contain no focus-area DeSO, of the same områdestyp as the focus area in the baseline year
(the last year before the plan's start with a type; if every type year is later, the
earliest, and `baseline_note` says so), ranked by the Euclidean distance on z-scores
(across the candidates) of the pre-plan level (mean) and trend (least-squares slope per
year) of each targeted indicator; the k nearest are kept.

Before and after (:func:`plan_effects`): per focus area and targeted indicator (both
sexes), the mean of the last :data:`PRE_YEARS` years before the start against the mean of
the latest :data:`POST_YEARS` years from the start, in the area and in each comparison
area; the difference in differences; the pre-plan gap and trend difference; and a placebo
distribution (each comparison area against the mean of the others).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from pipelines.analysis.omradestyp import SHORT_TYPE_LABELS
from pipelines.core.geography import DIVISIONS
from pipelines.registry.plans import PLAN_FIELDS

PRE_YEARS = 3
POST_YEARS = 3
DESO_LEVEL = "område mot kommun (DeSO)"
# in a sentence: "(2: socioekonomiska utmaningar)"
TYPE_LABELS = {k: v[0].lower() + v[1:] for k, v in SHORT_TYPE_LABELS.items()}

COMPARISON_COLUMNS = [
    *PLAN_FIELDS,
    "comparison_regso",
    "comparison_regso_name",
    "comparison_kommun",
    "rank",
    "distance",
    "candidates",
    "omradestyp",
    "baseline_type_year",
    "baseline_note",
    "matched_on",
    "why",
    "demo",
]


COMPARISON_TYPES = {
    "start_year": "int64",
    "start_year_assumed": "bool",
    "rank": "int64",
    "candidates": "int64",
    "omradestyp": "int64",
    "baseline_type_year": "int64",
    "distance": "float64",
    "demo": "bool",
}


def plan_fields(plan) -> dict[str, object]:
    """The columns that name a plan (`PLAN_FIELDS`), from a row of `raw.plans`."""
    return {
        "kommun": plan.kommun,
        "area_id": plan.area_id,
        "area_name": plan.area_name,
        "plan_name": plan.plan_name,
        "start_year": int(plan.start_year),
        "start_year_assumed": bool(plan.start_year_assumed),
        "start_year_note": plan.start_year_note,
    }


def empty_comparisons() -> pd.DataFrame:
    frame = pd.DataFrame({c: pd.Series(dtype="string") for c in COMPARISON_COLUMNS})
    return frame.astype(COMPARISON_TYPES)


def _slope(years: np.ndarray, values: np.ndarray) -> float:
    if len(years) < 2:
        return math.nan
    x = years - years.mean()
    sxx = float(np.sum(x**2))
    return float(np.sum(x * (values - values.mean())) / sxx) if sxx else math.nan


def _is_measure_break(row: pd.Series) -> bool:
    """A break that changes what is measured: a restart (new age group, new division not
    proven the same area), a new table, or SCB's noise (CKM)."""
    text = str(row.get("series_break") or "")
    return bool(row.get("series_restarts")) or "ny tabell" in text or "CKM" in text


def pre_post_years(rows: pd.DataFrame, start: int) -> dict:
    """Which years of an area's series (one indicator, both sexes) count as before and after.

    Returns pre (all pre-plan years of the segment), pre_window, post_window, the division,
    a blocking reason (Swedish) or None, and a note (Swedish) or None."""
    rows = rows[rows.value.notna()].sort_values("year")
    out: dict = {"pre": [], "pre_window": [], "post_window": [], "division": None}
    out.update(reason=None, note=None)
    if rows.empty:
        out["reason"] = "området har inga värden för indikatorn"
        return out
    before = rows[rows.year < start]
    if before.empty:
        out["reason"] = (
            f"inga år före planens start {start} i serien (den börjar {int(rows.year.min())})"
        )
        return out
    division = before.division.iloc[-1]
    out["division"] = division
    same = rows[rows.division == division]
    breaks = [int(r.year) for _, r in same.iterrows() if _is_measure_break(r)]
    segment_start = max([b for b in breaks if b <= start], default=None)
    pre = same[same.year < start]
    if segment_start is not None:
        pre = pre[pre.year >= segment_start]
    if pre.empty:
        out["reason"] = (
            f"serien bryts {segment_start} (det som mäts ändras) och har inga år före "
            f"planens start {start} efter brottet"
        )
        return out
    out["pre"] = [int(y) for y in pre.year]  # enough for matching, even without after-years
    post = same[same.year >= start]
    later = rows[(rows.year >= start) & (rows.division != division)]
    if not later.empty:
        out["note"] = (
            f"år på {DIVISIONS[later.division.iloc[0]].label if later.division.iloc[0] in DIVISIONS else later.division.iloc[0]} "
            f"({int(later.year.min())}–) ingår inte: jämförelseområdenas RegSO har andra gränser "
            "i den nya indelningen"
        )
    if post.empty:
        out["reason"] = (
            f"inga år från planens start {start} på samma indelning som åren före "
            f"({division}): före och efter går inte att jämföra"
        )
        return out
    crossing = [b for b in breaks if pre.year.max() < b <= post.year.max()]
    if crossing:
        r = same[same.year == crossing[0]].iloc[0]
        what = r.get("restart_reason") or r.get("series_break") or "seriebrott"
        out["reason"] = (
            f"serien bryts {crossing[0]} ({what}): åren före och efter planen mäter inte samma sak"
        )
        return out
    out["pre_window"] = out["pre"][-PRE_YEARS:]
    out["post_window"] = [int(y) for y in post.year][-POST_YEARS:]
    return out


def area_type(area_types: pd.DataFrame, kommun: str, area_id: str, start: int):
    """(type, year used, note) for an area: the type of the RegSO with the largest share of
    the area's population, in the last year before `start` that has one (else the earliest)."""
    rows = area_types[(area_types.kommun == kommun) & (area_types.area_id == area_id)]
    rows = rows[rows.omradestyp.notna()]
    # marts.focus_area_omradestyp: population_andel (%); population_share also accepted
    share = "population_andel" if "population_andel" in rows.columns else "population_share"
    if rows.empty:
        return None, None, "ingen områdestyp för området"
    years = sorted(set(int(y) for y in rows.year))
    before = [y for y in years if y <= start - 1]
    if before:
        year = before[-1]
        note = f"områdestyp {year}, sista året med typ före planens start {start}"
    else:
        year = years[0]
        note = (
            f"områdestyp finns först för {year}, efter planens start {start}: typen {year} "
            "används i stället för typen året före starten"
        )
    in_year = rows[rows.year == year].sort_values(
        [share, "omradestyp"], ascending=[False, True], na_position="last"
    )
    return int(in_year.omradestyp.iloc[0]), year, note


def _features(years: list[int], series: dict[int, float]) -> tuple[float, float]:
    pts = [(y, series[y]) for y in years if y in series and not pd.isna(series[y])]
    if not pts:
        return math.nan, math.nan
    ys = np.array([p[0] for p in pts], dtype=float)
    vs = np.array([p[1] for p in pts], dtype=float)
    return float(vs.mean()), _slope(ys, vs)


def _regso_division(deso_division: str) -> str:
    return DIVISIONS[deso_division].regso_division if deso_division in DIVISIONS else deso_division


def match_comparisons(
    plans: pd.DataFrame,
    area_values: pd.DataFrame,
    regso_values: pd.DataFrame,
    area_types: pd.DataFrame,
    regso_types: pd.DataFrame,
    catalog: pd.DataFrame,
) -> pd.DataFrame:
    """The k nearest comparison RegSO per focus area with a plan (columns: COMPARISON_COLUMNS).

    plans: raw.plans; area_values: marts.focus_area_indicator; regso_values:
    marts.regso_indicator; area_types: marts.focus_area_omradestyp (kommun, area_id, year,
    regso, omradestyp, population_andel); regso_types: marts.regso_omradestyp (kommun, regso,
    regso_name, regso_division, year, omradestyp); catalog: raw.indicator_catalog."""
    names = dict(zip(catalog.indicator, catalog.indicator_name))
    area_values = area_values[
        (area_values.sex == "1+2") & (area_values.comparison_level == DESO_LEVEL)
    ]
    regso = regso_values[(regso_values.sex == "1+2") & ~regso_values.contains_focus_area]
    out = []
    for plan in plans.itertuples(index=False):
        out += _plan_comparisons(plan, area_values, regso, area_types, regso_types, names)
    if not out:
        return empty_comparisons()
    return pd.DataFrame(out, columns=COMPARISON_COLUMNS).astype(COMPARISON_TYPES)


def _plan_comparisons(
    plan,
    area_values: pd.DataFrame,
    regso: pd.DataFrame,
    area_types: pd.DataFrame,
    regso_types: pd.DataFrame,
    names: dict[str, str],
) -> list[dict]:
    """The comparison_area rows of one plan: RegSO of the area's type in other kommuner,
    nearest first (none when the area has no type or nothing to match on)."""
    start = int(plan.start_year)
    typ, type_year, note = area_type(area_types, plan.kommun, plan.area_id, start)
    if typ is None:
        return []
    cands = regso_types[
        (regso_types.year == type_year)
        & (regso_types.omradestyp == typ)
        & (regso_types.kommun != plan.kommun)
    ]
    # marts.regso_omradestyp: regso_division (RegSO2020/RegSO2025); division also accepted
    cand_div = set(cands["regso_division" if "regso_division" in cands else "division"])
    names_of = dict(zip(cands.regso, cands.regso_name))
    kommun_of = dict(zip(cands.regso, cands.kommun))
    pool = regso[regso.regso_division.isin(cand_div) & regso.regso.isin(set(cands.regso))]
    feature_cols, labels = _match_features(plan, start, area_values, pool, cand_div, names)
    if not feature_cols:
        return []
    distance = _distances(feature_cols)
    if distance is None:
        return []
    chosen = distance.head(int(plan.comparison_k))
    demo = bool(area_values[area_values.kommun == plan.kommun].demo.any()) or bool(
        pool[pool.regso.isin(set(chosen.index))].demo.any()
    )
    out = []
    for rank, (code, d) in enumerate(chosen.items(), start=1):
        why = (
            f"Samma områdestyp som området {type_year} ({typ}: {TYPE_LABELS.get(typ, '')}), "
            f"annan kommun ({kommun_of[code]}), inget fokusområde; plats {rank} av "
            f"{len(distance)} kandidater på avståndet {d:.2f} (standardiserade värden) "
            f"över {', '.join(labels)}."
        )
        out.append(
            {
                **plan_fields(plan),
                "comparison_regso": code,
                "comparison_regso_name": names_of.get(code),
                "comparison_kommun": kommun_of[code],
                "rank": rank,
                "distance": float(d),
                "candidates": len(distance),
                "omradestyp": typ,
                "baseline_type_year": type_year,
                "baseline_note": note,
                "matched_on": "; ".join(labels),
                "why": why,
                "demo": demo,
            }
        )
    return out


def _distances(feature_cols: dict[str, tuple[float, pd.Series]]) -> pd.Series | None:
    """Each candidate's Euclidean distance to the area on z-scores (across the candidates),
    nearest first; None when no candidate has every feature."""
    table = pd.DataFrame({k: s for k, (_, s) in feature_cols.items()}).dropna()
    if table.empty:
        return None
    mean, sd = table.mean(), table.std(ddof=0)
    own_z = pd.Series({k: v for k, (v, _) in feature_cols.items()}).sub(mean).div(sd)
    z = table.sub(mean).div(sd)
    return np.sqrt(((z - own_z) ** 2).sum(axis=1)).sort_index().sort_values(kind="stable")


def _match_features(
    plan,
    start: int,
    area_values: pd.DataFrame,
    pool: pd.DataFrame,
    cand_div: set[str],
    names: dict[str, str],
) -> tuple[dict[str, tuple[float, pd.Series]], list[str]]:
    """What the plan's area is matched on: per targeted indicator, the pre-plan level and
    trend of the area and of each candidate RegSO in `pool` (`indicator:nivå` → (the area's
    value, the candidates' values)), and the labels that say so."""
    feature_cols: dict[str, tuple[float, pd.Series]] = {}
    labels = []
    for indicator in str(plan.target_indicators).split("|"):
        rows = area_values[
            (area_values.kommun == plan.kommun)
            & (area_values.area_id == plan.area_id)
            & (area_values.indicator == indicator)
        ]
        years = pre_post_years(rows, start)
        pre = years["pre"]
        if not pre or _regso_division(years["division"]) not in cand_div:
            continue
        own = dict(zip(rows.year, rows.value))
        own_level, own_trend = _features(pre, own)
        per_regso = pool[pool.indicator == indicator].groupby("regso")
        levels, trends = {}, {}
        for code, g in per_regso:
            levels[code], trends[code] = _features(pre, dict(zip(g.year, g.value)))
        for kind, own_value, values in (
            ("nivå", own_level, levels),
            ("trend", own_trend, trends),
        ):
            series = pd.Series(values, dtype=float).dropna()
            if pd.isna(own_value) or len(series) < 2 or series.std(ddof=0) == 0:
                continue
            feature_cols[f"{indicator}:{kind}"] = (own_value, series)
            labels.append(f"{names.get(indicator, indicator)} ({kind} {pre[0]}–{pre[-1]})")
    return feature_cols, labels


EFFECT_COLUMNS = [
    "kommun",
    "area_id",
    "area_name",
    "indicator",
    "indicator_name",
    "sex",
    "unit",
    "higher_is_better",
    "plan_name",
    "start_year",
    "start_year_assumed",
    "start_year_note",
    "estimate_made",
    "no_estimate_reason",
    "pre_first_year",
    "pre_last_year",
    "post_first_year",
    "post_last_year",
    "area_pre",
    "area_post",
    "area_change",
    "comparison_pre",
    "comparison_post",
    "comparison_change",
    "comparisons_used",
    "difference_in_differences",
    "pre_level_gap",
    "pre_trend_difference",
    "placebo_min",
    "placebo_max",
    "placebo_better_than",
    "placebo_count",
    "placebo_text",
    "distinguishable",
    "effect_text",
    "note",
    "demo",
    "source_table",
]


SHOWN_DECIMALS = 1  # the precision effect_text shows


def _fmt(x: float, decimals: int = SHOWN_DECIMALS) -> str:
    """A number as shown, with a decimal comma; a value that rounds to zero shows no sign."""
    text = f"{x:.{decimals}f}".replace(".", ",")
    return text.lstrip("-") if float(f"{x:.{decimals}f}") == 0 else text.replace("-", "−")


PLACEBO_TAIL = 0.10  # share of the ranked estimates at each end that counts as distinguishable


def placebo_rank(area_did: float, placebo: np.ndarray, sign: int | None) -> tuple[int, str]:
    """How many comparison areas' placebo estimates the area's estimate beats, direction-aware
    (sign +1: higher is better, −1: lower is better), and the rank in words."""
    k = len(placebo)
    if sign is None:
        return (
            -1,
            "indikatorn har ingen riktning (varken högre eller lägre är bättre): ingen rangordning",
        )
    better = int(np.sum(sign * area_did > sign * placebo + 1e-9))
    return better, f"större förbättring än i {better} av {k} jämförelseområden"


def distinguishable(area_did: float, better: int, k: int) -> bool:
    """Whether the estimate can be told apart from the comparison areas: it does not round to
    zero at the shown precision, and among the k + 1 estimates (the area's and the k placebo
    estimates) ranked from the best change, the area is within the PLACEBO_TAIL at either end
    (with 10 comparison areas: better, or worse, than all of them)."""
    if better < 0 or round(abs(area_did), SHOWN_DECIMALS) == 0:
        return False
    tail = PLACEBO_TAIL * (k + 1)
    return k - better + 1 <= tail or better + 1 <= tail


def verdict(area_did: float, better: int, k: int) -> str:
    """The estimate's verdict in words: never a rank that reads as success when the estimate is
    inside the placebo distribution's middle or rounds to zero."""
    if better < 0:
        return "indikatorn har ingen riktning, så skillnaden värderas inte"
    if not distinguishable(area_did, better, k):
        return "ingen skillnad som går att skilja från jämförelseområdena"
    if better == k:
        return f"större förbättring än i alla {k} jämförelseområdena"
    return f"mindre förbättring än i alla {k} jämförelseområdena"


def plan_effects(
    plans: pd.DataFrame,
    area_values: pd.DataFrame,
    regso_values: pd.DataFrame,
    comparisons: pd.DataFrame,
    catalog: pd.DataFrame,
) -> pd.DataFrame:
    """One row per focus area with a plan × targeted indicator (sex 1+2): EFFECT_COLUMNS."""
    cat = catalog.set_index("indicator")
    area_values = area_values[
        (area_values.sex == "1+2") & (area_values.comparison_level == DESO_LEVEL)
    ]
    regso = regso_values[regso_values.sex == "1+2"]
    out = []
    for plan in plans.itertuples(index=False):
        start = int(plan.start_year)
        comp = comparisons[
            (comparisons.kommun == plan.kommun) & (comparisons.area_id == plan.area_id)
        ]
        for indicator in str(plan.target_indicators).split("|"):
            out.append(_plan_effect(plan, start, indicator, cat, area_values, regso, comp))
    return _effects_frame(out)


def _plan_effect(
    plan,
    start: int,
    indicator: str,
    cat: pd.DataFrame,
    area_values: pd.DataFrame,
    regso: pd.DataFrame,
    comp: pd.DataFrame,
) -> dict:
    """The plan_effect row of one plan and targeted indicator: the estimate, or why none."""
    info = cat.loc[indicator] if indicator in cat.index else None
    rows = area_values[
        (area_values.kommun == plan.kommun)
        & (area_values.area_id == plan.area_id)
        & (area_values.indicator == indicator)
    ]
    rec, sign = _effect_record(plan, indicator, info, rows)
    years = pre_post_years(rows, start)
    rec["note"] = years["note"]
    if years["reason"]:
        rec["no_estimate_reason"] = years["reason"]
        return rec
    pre_w, post_w, pre_all = years["pre_window"], years["post_window"], years["pre"]
    rec.update(
        pre_first_year=pre_w[0],
        pre_last_year=pre_w[-1],
        post_first_year=post_w[0],
        post_last_year=post_w[-1],
    )
    own = dict(zip(rows.year, rows.value))
    area_pre = float(np.mean([own[y] for y in pre_w]))
    area_post = float(np.mean([own[y] for y in post_w]))
    area_slope = _slope(np.array(pre_all, float), np.array([own[y] for y in pre_all]))
    rdiv = _regso_division(years["division"])
    pool = regso[
        (regso.indicator == indicator)
        & (regso.regso_division == rdiv)
        & regso.regso.isin(set(comp.comparison_regso))
    ]
    series = _comparison_series(pool, pre_w, post_w, pre_all, rec)
    rec.update(area_pre=area_pre, area_post=area_post, area_change=area_post - area_pre)
    k = len(series[0])
    rec["comparisons_used"] = k
    if comp.empty:
        rec["no_estimate_reason"] = (
            "inga jämförelseområden: ingen RegSO av samma områdestyp i en annan kommun "
            "utan fokusområde har värden före planen (eller områdestyp saknas)"
        )
        return rec
    if k < 2:
        rec["no_estimate_reason"] = (
            f"för få jämförelseområden med värden före och efter ({k}; minst 2 behövs)"
        )
        return rec
    _estimate(rec, series, area_pre, area_slope, sign, pre_w, post_w)
    return rec


def _effect_record(plan, indicator: str, info, rows: pd.DataFrame) -> tuple[dict, int | None]:
    """A plan_effect row without an estimate yet, and the indicator's direction (+1: higher
    is better, −1: lower is better, None: neither)."""
    better = str(info.higher_is_better).lower() if info is not None else "neutral"
    sign = 1 if better == "true" else -1 if better == "false" else None
    rec = {
        **plan_fields(plan),
        "indicator": indicator,
        "indicator_name": info.indicator_name if info is not None else indicator,
        "sex": "1+2",
        "unit": info.unit if info is not None else None,
        "higher_is_better": better,
        "estimate_made": False,
        "demo": bool(rows.demo.any()),
        "source_table": ",".join(sorted(set(rows.source_table.dropna()))) or None,
    }
    return rec, sign


def _comparison_series(
    pool: pd.DataFrame,
    pre_w: list[int],
    post_w: list[int],
    pre_all: list[int],
    rec: dict,
) -> tuple[list, list, list, list]:
    """(changes, pre means, post means, pre-plan slopes) of the comparison areas with values
    before and after; a demo comparison area marks `rec` as demo."""
    changes, pres, posts, slopes = [], [], [], []
    for _, g in pool.groupby("regso"):
        v = dict(zip(g.year, g.value))
        pre_v = [v[y] for y in pre_w if y in v and pd.notna(v[y])]
        post_v = [v[y] for y in post_w if y in v and pd.notna(v[y])]
        if not pre_v or not post_v:
            continue
        pres.append(np.mean(pre_v))
        posts.append(np.mean(post_v))
        changes.append(np.mean(post_v) - np.mean(pre_v))
        pts = [(y, v[y]) for y in pre_all if y in v and pd.notna(v[y])]
        slopes.append(_slope(np.array([p[0] for p in pts], float), np.array([p[1] for p in pts])))
        rec["demo"] = rec["demo"] or bool(g.demo.any())
    return changes, pres, posts, slopes


def _estimate(
    rec: dict,
    series: tuple[list, list, list, list],
    area_pre: float,
    area_slope: float,
    sign: int | None,
    pre_w: list[int],
    post_w: list[int],
) -> None:
    """Fill `rec` with the difference in differences, the pre-plan gap and trend difference,
    the placebo distribution and the sentence for people."""
    changes, pres, posts, slopes = series
    k = len(changes)
    changes_a = np.array(changes, float)
    comp_change = float(changes_a.mean())
    did = rec["area_change"] - comp_change
    placebo = np.array([c - np.delete(changes_a, i).mean() for i, c in enumerate(changes_a)])
    rank, text = placebo_rank(did, placebo, sign)
    slopes_a = np.array(slopes, float)
    rec.update(
        estimate_made=True,
        comparison_pre=float(np.mean(pres)),
        comparison_post=float(np.mean(posts)),
        comparison_change=comp_change,
        difference_in_differences=did,
        pre_level_gap=area_pre - float(np.mean(pres)),
        pre_trend_difference=(
            area_slope - float(np.nanmean(slopes_a))
            if not math.isnan(area_slope) and np.isfinite(slopes_a).any()
            else None
        ),
        placebo_min=float(placebo.min()),
        placebo_max=float(placebo.max()),
        placebo_better_than=rank if rank >= 0 else None,
        placebo_count=k,
        placebo_text=text,
        distinguishable=distinguishable(did, rank, k),
    )
    unit = "procentenheter" if rec["unit"] == "procent" else (rec["unit"] or "")
    rec["effect_text"] = (
        f"{rec['indicator_name']}: från {_window(pre_w)} till {_window(post_w)} "
        f"{_change(rec['area_change'], unit)} i området "
        f"och {_change(comp_change, unit)} i genomsnitt i "
        f"{k} jämförelseområden; skillnaden är {_fmt(did)} {unit}: {verdict(did, rank, k)}."
    )


def _effects_frame(out: list[dict]) -> pd.DataFrame:
    """The plan_effect rows as a frame with the mart's column types."""
    frame = pd.DataFrame(out, columns=EFFECT_COLUMNS)
    for col in EFFECT_COLUMNS:
        if frame[col].dtype == object and frame[col].isna().all():
            frame[col] = frame[col].astype("string")
    frame["distinguishable"] = frame["distinguishable"].astype("boolean")
    for col in (
        "pre_first_year",
        "pre_last_year",
        "post_first_year",
        "post_last_year",
        "comparisons_used",
        "placebo_better_than",
        "placebo_count",
        "start_year",
    ):
        frame[col] = frame[col].astype("Int64")
    for col in (
        "area_pre",
        "area_post",
        "area_change",
        "comparison_pre",
        "comparison_post",
        "comparison_change",
        "difference_in_differences",
        "pre_level_gap",
        "pre_trend_difference",
        "placebo_min",
        "placebo_max",
    ):
        frame[col] = frame[col].astype("float64")
    for col in ("estimate_made", "start_year_assumed", "demo"):
        frame[col] = frame[col].astype(bool)
    return frame


def _window(years: list[int]) -> str:
    return str(years[0]) if len(years) == 1 else f"{years[0]}–{years[-1]}"


def _change(change: float, unit: str) -> str:
    """A change in words at the shown precision; one that rounds to zero is said to be smaller
    than half the last shown digit, not "minskade med 0,0"."""
    if round(change, SHOWN_DECIMALS) == 0:
        return (
            f"ändrades med mindre än {_fmt(0.5 * 10**-SHOWN_DECIMALS, SHOWN_DECIMALS + 1)} {unit}"
        )
    verb = "ökade med" if change > 0 else "minskade med"
    return f"{verb} {_fmt(abs(change))} {unit}"
