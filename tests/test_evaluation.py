"""Did the plan work? The trend's interval, comparison areas and the before/after estimate.

Every expected value is worked out here from the construction of the inputs and the
textbook formulas (least squares, Student's t by numerical integration), never by the
code under test.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from test_focus_areas import build_marts

from pipelines.analysis.evaluation import distinguishable, match_comparisons, plan_effects, verdict


def t_quantile_975(df: int) -> float:
    """Student's t 0.975 quantile by integrating the density and bisecting."""
    const = math.gamma((df + 1) / 2) / (math.sqrt(df * math.pi) * math.gamma(df / 2))

    def cdf(t: float) -> float:
        x = np.linspace(0.0, t, 100_001)
        y = const * (1 + x**2 / df) ** (-(df + 1) / 2)
        return 0.5 + float(np.sum((y[1:] + y[:-1]) / 2 * np.diff(x)))

    lo, hi = 0.0, 30.0
    for _ in range(60):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if cdf(mid) < 0.975 else (lo, mid)
    return (lo + hi) / 2


def slope_interval(years: np.ndarray, ys: np.ndarray) -> tuple[float, float, float]:
    """OLS slope and its 95 % t-interval: b ± t(n−2) · sqrt(SSE / (n−2) / Sxx)."""
    x = years - years.mean()
    sxx = float(np.sum(x**2))
    b = float(np.sum(x * (ys - ys.mean())) / sxx)
    a = ys.mean() - b * years.mean()
    sse = float(np.sum((ys - a - b * years) ** 2))
    n = len(ys)
    half = t_quantile_975(n - 2) * math.sqrt(sse / (n - 2) / sxx)
    return b, b - half, b + half


def gap_inputs(years, gaps) -> list[tuple]:
    """The area is DeSO 0999C0001, the kommun that DeSO plus 0999C0003 (50 %), each of 100
    people: the kommun's share is (a + 50) / 2, so the gap a − (a + 50) / 2 = (a − 50) / 2,
    and an area share of 50 + 2·gap gives exactly the wanted gap."""
    inputs = []
    for year, gap in zip(years, gaps, strict=True):
        inputs += [
            ("share", "0999C0001", int(year), 50 + 2 * gap, 100),
            ("share", "0999C0003", int(year), 50, 100),
        ]
    return inputs


AREA = [("0999", "a", "Område A", "0999C0001")]


def test_trend_interval_contains_the_true_slope(tmp_path):
    years = np.arange(2011, 2021)
    residuals = np.array([0.3, -0.2, 0.1, -0.4, 0.2, 0.0, -0.1, 0.3, -0.3, 0.1])
    gaps = 10 - 0.5 * (years - 2010) + residuals  # true slope −0.5 a year
    w = build_marts(tmp_path, gap_inputs(years, gaps), AREA)
    trend = w.query("SELECT * FROM marts.focus_area_trend").iloc[0]
    b, low, high = slope_interval(years.astype(float), gaps)
    assert trend.gap_slope_per_year == pytest.approx(b)
    assert trend.gap_slope_low == pytest.approx(low, abs=1e-3)
    assert trend.gap_slope_high == pytest.approx(high, abs=1e-3)
    assert trend.gap_slope_low < -0.5 < trend.gap_slope_high
    assert trend.gap_slope_high < 0  # clearly closing: 9.8 → 5.1
    assert trend.direction == "närmar sig"


def test_flat_noisy_gap_is_no_sure_change(tmp_path):
    years = np.arange(2015, 2021)
    gaps = np.array([10.0, 13.0, 8.0, 12.5, 9.0, 12.0])  # flat around 10.75, noisy
    w = build_marts(tmp_path, gap_inputs(years, gaps), AREA)
    trend = w.query("SELECT * FROM marts.focus_area_trend").iloc[0]
    b, low, high = slope_interval(years.astype(float), gaps)
    assert low < 0 < high  # the construction: the slope is within noise
    assert trend.gap_slope_low == pytest.approx(low, abs=1e-3)
    assert trend.gap_slope_high == pytest.approx(high, abs=1e-3)
    # first → latest grew by 2 points, past the threshold of 1: without the interval this
    # would read "fjärmar sig"
    assert trend.direction == "ingen säker förändring"
    assert pd.isna(trend.parity_year_at_current_pace)


# -- before and after: plan_effects on constructed series ------------------------------------

CATALOG = pd.DataFrame(
    [
        {
            "indicator": "share",
            "indicator_name": "Andel",
            "unit": "procent",
            "higher_is_better": "true",
        },
        {
            "indicator": "low",
            "indicator_name": "Låg",
            "unit": "procent",
            "higher_is_better": "false",
        },
    ]
)
YEARS = range(2014, 2024)
START = 2018
K = 10
# comparison j: level 40 + j, and from the start a change c_j spread evenly around 2
CHANGES = [2 + (j - 4.5) * 0.4 for j in range(K)]


def plan_frame(indicators="share|low") -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "kommun": "0999",
                "area_id": "a",
                "area_name": "Område A",
                "plan_name": "Planen",
                "start_year": START,
                "start_year_assumed": False,
                "start_year_note": "startår enligt kommunens beslut",
                "target_indicators": indicators,
                "comparison_k": K,
            }
        ]
    )


def area_frame(indicator: str, values: dict[int, float], breaks: dict[int, tuple] | None = None):
    breaks = breaks or {}
    return pd.DataFrame(
        [
            {
                "kommun": "0999",
                "area_id": "a",
                "indicator": indicator,
                "sex": "1+2",
                "comparison_level": "område mot kommun (DeSO)",
                "year": y,
                "value": v,
                "division": "DeSO2018",
                "series_break": breaks.get(y, (None, False))[0],
                "series_restarts": breaks.get(y, (None, False))[1],
                "restart_reason": None,
                "demo": False,
                "source_table": "T1",
            }
            for y, v in values.items()
        ]
    )


def comparison_frames(indicator: str):
    regso = pd.DataFrame(
        [
            {
                "kommun": "0888",
                "regso": f"0888R{j:03d}",
                "regso_division": "RegSO2020",
                "indicator": indicator,
                "sex": "1+2",
                "year": y,
                "value": 40 + j + (CHANGES[j] if y >= START else 0),
                "contains_focus_area": False,
                "demo": False,
            }
            for j in range(K)
            for y in YEARS
        ]
    )
    comparisons = pd.DataFrame(
        {"kommun": "0999", "area_id": "a", "comparison_regso": [f"0888R{j:03d}" for j in range(K)]}
    )
    return regso, comparisons


def effects(area: pd.DataFrame, indicator: str = "share") -> pd.Series:
    regso, comparisons = comparison_frames(indicator)
    out = plan_effects(plan_frame(indicator), area, regso, comparisons, CATALOG)
    assert len(out) == 1
    return out.iloc[0]


def test_area_that_improves_like_its_comparisons_gives_zero_and_a_middle_rank():
    area = area_frame("share", {y: 30 + (2 if y >= START else 0) for y in YEARS})
    r = effects(area)
    assert r.estimate_made
    assert (r.pre_first_year, r.pre_last_year) == (2015, 2017)  # the last three before 2018
    assert (r.post_first_year, r.post_last_year) == (2021, 2023)  # the latest three
    assert r.area_change == pytest.approx(2.0)
    assert r.comparison_change == pytest.approx(np.mean(CHANGES))  # = 2 by construction
    assert r.difference_in_differences == pytest.approx(0.0, abs=1e-12)
    assert r.pre_level_gap == pytest.approx(30 - np.mean([40 + j for j in range(K)]))
    assert r.pre_trend_difference == pytest.approx(0.0, abs=1e-12)  # all flat before
    # placebo j: c_j − mean of the others, half below 0 and half above
    assert r.placebo_count == K and r.placebo_better_than == K // 2
    assert r.placebo_text == f"större förbättring än i {K // 2} av {K} jämförelseområden"
    # a zero in the middle of the placebo estimates is told as no difference, not as a rank
    assert not r.distinguishable
    assert "ingen skillnad som går att skilja från jämförelseområdena" in r.effect_text
    assert "större förbättring" not in r.effect_text


@pytest.mark.parametrize(
    ("did", "better", "k", "expected"),
    [
        (1.5, 10, 10, True),  # better than all ten: the top 1 of 11
        (-1.5, 0, 10, True),  # worse than all ten: the bottom 1 of 11
        (1.5, 9, 10, False),  # second of 11 is not within the top 10 %
        (0.04, 10, 10, False),  # better than all, but shown as 0,0
        (1.5, 19, 19, True),  # 19 of 19: first of 20, the top 10 % holds 2
        (1.5, 18, 19, True),  # second of 20
        (1.5, 17, 19, False),
        (1.5, -1, 10, False),  # no direction: never ranked
    ],
)
def test_only_an_estimate_in_the_placebo_tails_that_shows_as_nonzero_is_distinguishable(
    did, better, k, expected
):
    assert distinguishable(did, better, k) is expected


def test_an_estimate_that_rounds_to_zero_is_never_a_success():
    # the area beats all ten placebo estimates, by less than the shown precision
    text = verdict(0.04, 10, 10)
    assert text == "ingen skillnad som går att skilja från jämförelseområdena"
    assert verdict(1.5, 10, 10) == "större förbättring än i alla 10 jämförelseområdena"


@pytest.mark.parametrize("extra", [1.5, -0.7])
def test_an_extra_improvement_of_x_shows_x(extra):
    area = area_frame("share", {y: 30 + (2 + extra if y >= START else 0) for y in YEARS})
    r = effects(area)
    assert r.difference_in_differences == pytest.approx(extra)
    placebo = [c - (sum(CHANGES) - c) / (K - 1) for c in CHANGES]
    assert r.placebo_better_than == sum(extra > p for p in placebo)
    assert r.placebo_min == pytest.approx(min(placebo))


def test_where_lower_is_better_a_fall_is_the_improvement():
    # "low" (lower is better): the area rises 1.5 less than its comparisons, an improvement
    area = area_frame("low", {y: 30 + (2 - 1.5 if y >= START else 0) for y in YEARS})
    r = effects(area, "low")
    assert r.difference_in_differences == pytest.approx(-1.5)
    placebo = [c - (sum(CHANGES) - c) / (K - 1) for c in CHANGES]
    # a placebo p is beaten when the area's fall is larger: −1.5 < p
    assert r.placebo_better_than == sum(p > -1.5 for p in placebo) > K // 2


def test_a_break_between_before_and_after_blocks_the_estimate():
    values = {y: 30 + (2 if y >= START else 0) for y in YEARS}
    area = area_frame("share", values, {2020: ("ny tabell: T2", False)})
    r = effects(area)
    assert not r.estimate_made and pd.isna(r.difference_in_differences)
    assert "2020" in r.no_estimate_reason and "mäter inte samma sak" in r.no_estimate_reason


def test_a_restart_before_the_plan_shortens_the_pre_period():
    values = {y: 30 + (2 if y >= START else 0) for y in YEARS}
    area = area_frame("share", values, {2017: ("ny åldersgrupp: 25–65 år", True)})
    r = effects(area)
    assert r.estimate_made and (r.pre_first_year, r.pre_last_year) == (2017, 2017)


def test_an_indicator_without_pre_plan_years_gets_no_estimate():
    area = area_frame("share", {y: 30.0 for y in range(START, 2024)})  # starts with the plan
    r = effects(area)
    assert not r.estimate_made
    assert (
        r.no_estimate_reason == f"inga år före planens start {START} i serien (den börjar {START})"
    )


# -- comparison areas: RegSO sums in DuckDB, then the matching ------------------------------


def test_matching_never_picks_a_focus_area_or_the_same_kommun(tmp_path):
    """Focus area a (0999) has share 20 every year. The identical RegSO in its own kommun
    (0999R002) and the identical one holding kommun 0888's focus area (0888R001) must never
    be picked; 0888R003 is of another type in the baseline year."""
    from pipelines.warehouse.database import Warehouse
    from pipelines.warehouse.models import discover_models

    w = Warehouse(tmp_path / "marts")
    key = [
        ("0999", "0999C0001", "0999R001"),
        ("0999", "0999C0002", "0999R002"),
        ("0888", "0888C0001", "0888R001"),
        ("0888", "0888C0002", "0888R002"),
        ("0888", "0888C0003", "0888R003"),
        ("0888", "0888C0004", "0888R004"),
        ("0888", "0888C0005", "0888R005"),
        ("0888", "0888C0006", "0888R005"),
    ]
    w.replace_table(
        "raw",
        "deso_regso_key",
        pd.DataFrame(
            [(k, d, "DeSO2018", r, f"Namn {r}", "RegSO2020") for k, d, r in key],
            columns=["kommun", "deso", "division", "regso", "regso_name", "regso_division"],
        ),
    )
    w.replace_table(
        "raw",
        "focus_area_deso",
        pd.DataFrame(
            [
                ("0999", "a", "Område A", "DeSO2018", "0999C0001"),
                ("0888", "b", "Område B", "DeSO2018", "0888C0001"),
            ],
            columns=["kommun", "area_id", "area_name", "division", "deso"],
        ),
    )
    w.replace_table(
        "raw",
        "indicator_catalog",
        pd.DataFrame(
            [
                {
                    "indicator": "share",
                    "indicator_name": "Andel",
                    "unit": "procent",
                    "higher_is_better": "true",
                    "method": "ratio",
                }
            ]
        ),
    )
    # (numerator, denominator) per DeSO; 0888R005 = 10/100 + 90/300 = 25 % (not the mean 20 %)
    counts = {
        "0999C0001": (20, 100),
        "0999C0002": (20, 100),
        "0888C0001": (20, 100),
        "0888C0002": (21, 100),
        "0888C0003": (20.5, 100),
        "0888C0004": (45, 100),
        "0888C0005": (10, 100),
        "0888C0006": (90, 300),
    }
    w.replace_table(
        "marts",
        "deso_indicator",
        pd.DataFrame(
            [
                {
                    "kommun": d[:4],
                    "deso": d,
                    "division": "DeSO2018",
                    "indicator": "share",
                    "unit": "procent",
                    "year": y,
                    "sex": "1+2",
                    "numerator": float(n),
                    "denominator": float(den),
                    "demo": False,
                    "source_table": "T1",
                }
                for d, (n, den) in counts.items()
                for y in range(2015, 2020)
            ]
        ),
    )
    model = next(m for m in discover_models() if m.name == "regso_indicator")
    w.build_model("marts", model.name, model.sql)
    regso = w.query("SELECT * FROM marts.regso_indicator WHERE year = 2015").set_index("regso")
    assert regso.loc["0888R005", "value"] == pytest.approx(100 * 100 / 400)
    assert set(regso.index[regso.contains_focus_area]) == {"0999R001", "0888R001"}

    area_values = pd.DataFrame(
        [
            {
                "kommun": "0999",
                "area_id": "a",
                "indicator": "share",
                "sex": "1+2",
                "comparison_level": "område mot kommun (DeSO)",
                "year": y,
                "value": 20.0,
                "division": "DeSO2018",
                "series_break": None,
                "series_restarts": False,
                "restart_reason": None,
                "demo": False,
                "source_table": "T1",
            }
            for y in range(2015, 2020)
        ]
    )
    types = [
        ("0999R001", 2),
        ("0999R002", 2),
        ("0888R001", 2),
        ("0888R002", 2),
        ("0888R003", 3),
        ("0888R004", 2),
        ("0888R005", 2),
    ]
    regso_types = pd.DataFrame(
        [
            {
                "kommun": r[:4],
                "regso": r,
                "regso_name": f"Namn {r}",
                "regso_division": "RegSO2020",
                "year": year,
                "omradestyp": t if year == 2016 else 2,
            }
            for r, t in types
            for year in (2016, 2022)
        ]
    )
    area_types = pd.DataFrame(
        [
            {
                "kommun": "0999",
                "area_id": "a",
                "area_name": "Område A",
                "year": year,
                "regso": "0999R001",
                "omradestyp": 2,
                "population_andel": 100.0,
            }
            for year in (2016, 2022)
        ]
    )
    plans = plan_frame("share").assign(start_year=2020, comparison_k=2)
    chosen = match_comparisons(
        plans,
        area_values,
        w.query("SELECT * FROM marts.regso_indicator"),
        area_types,
        regso_types,
        CATALOG,
    )
    # candidates: type 2 in 2016, kommun ≠ 0999, no focus area → R002 (21), R004 (45), R005 (25);
    # flat series: the trend has no spread and drops out; distance = |20 − level| / sd(levels)
    levels = np.array([21.0, 45.0, 25.0])
    assert chosen.comparison_regso.tolist() == ["0888R002", "0888R005"]
    assert chosen.distance.tolist() == pytest.approx([1 / levels.std(), 5 / levels.std()])
    assert set(chosen.baseline_type_year) == {2016} and set(chosen.candidates) == {3}
    assert not set(chosen.comparison_regso) & {"0999R002", "0888R001", "0999R001"}
    assert (chosen.comparison_kommun != chosen.kommun).all()

    # a plan that starts before any type year uses the earliest and says so
    early = match_comparisons(
        plans.assign(start_year=2016),
        area_values[area_values.year < 2016],
        w.query("SELECT * FROM marts.regso_indicator"),
        area_types,
        regso_types,
        CATALOG,
    )
    assert set(early.baseline_type_year) == {2016}
    assert "finns först för 2016" in early.baseline_note.iloc[0]


# -- the plans registry ------------------------------------------------------------------------


def _load(raw_dir):
    from pipelines.registry.areas import load_areas
    from pipelines.registry.catalog import load_catalog
    from pipelines.registry.plans import load_plans

    return load_plans(raw_dir, load_catalog(raw_dir), load_areas(raw_dir), default_k=7)


def test_the_bundled_plans_järfälla_2020_and_jönköping_assumed(raw_dir):
    plans = {(p.kommun, p.area_id): p for p in _load(raw_dir)}
    assert len(plans) == 7  # every focus area of both kommuner
    sang = plans[("0123", "sangvagen")]
    assert sang.start_year == 2020 and not sang.start_year_assumed
    assert "forvarvsarbetande" in sang.target_indicators and sang.comparison_k == 7
    raslatt = plans[("0680", "raslatt")]
    assert raslatt.start_year_assumed and raslatt.start_year == 2020
    assert "antaget" in raslatt.start_year_note


HEADER_PLANS = "kommun,area_id,plan_name,start_year,target_indicators,comparison_k\n"


def test_a_plans_own_themes_are_read_in_its_order_with_their_headings(raw_dir):
    (raw_dir / "areas" / "plans.csv").write_text(
        HEADER_PLANS.strip()
        + ",themes\n0123,,P,2020,forvarvsarbetande,,"
        + "arbete och vuxenutbildning=Egen försörjning| bostadsområden \n",
        encoding="utf-8",
    )
    plan = next(p for p in _load(raw_dir) if p.kommun == "0123")
    assert (
        plan.themes == "arbete och vuxenutbildning=Egen försörjning|bostadsområden=bostadsområden"
    )
    # without the column, or with it empty: the catalog's themes
    assert all(p.themes == "" for p in _load(raw_dir) if p.kommun == "0680")


@pytest.mark.parametrize(
    ("themes", "message"),
    [
        ("arbete=Arbete", "rad 2: temat 'arbete' i themes är inte ett av katalogens"),
        ("bostadsområden=A|bostadsområden=B", "rad 2: temat 'bostadsområden' står två gånger"),
    ],
)
def test_a_theme_the_catalog_does_not_know_is_named_with_file_and_line(raw_dir, themes, message):
    from pipelines.registry.plans import PlanRegistryError

    (raw_dir / "areas" / "plans.csv").write_text(
        HEADER_PLANS.strip() + f",themes\n0123,,P,2020,forvarvsarbetande,,{themes}\n",
        encoding="utf-8",
    )
    with pytest.raises(PlanRegistryError) as err:
        _load(raw_dir)
    assert "plans.csv" in str(err.value) and message in str(err.value)


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ("0123,,P,2020,valdeltagande,\n", "rad 2: okänd indikator valdeltagande"),
        ("0123,,P,20x0,forvarvsarbetande,\n", "rad 2: start_year '20x0' ska vara ett år"),
        (
            "0123,nowhere,P,2020,forvarvsarbetande,\n",
            "rad 2: area_id 'nowhere' är inget fokusområde",
        ),
        ("0123,,P,2020,forvarvsarbetande,0\n", "rad 2: comparison_k '0' ska vara ett heltal"),
        ("123,,P,2020,forvarvsarbetande,\n", "menade du 0123?"),
        (
            "0123,,P,2020,forvarvsarbetande,\n0123,,Q,2019,forvarvsarbetande,\n",
            "rad 3: en andra plan för kommun 0123 (alla områden); den första står på rad 2",
        ),
    ],
)
def test_plan_file_errors_name_file_line_and_reason(raw_dir, rows, message):
    from pipelines.registry.plans import PlanRegistryError

    (raw_dir / "areas" / "plans.csv").write_text(HEADER_PLANS + rows, encoding="utf-8")
    with pytest.raises(PlanRegistryError) as err:
        _load(raw_dir)
    assert "plans.csv" in str(err.value) and message in str(err.value)


def test_every_problem_of_the_plan_file_is_listed_in_line_order(raw_dir):
    """An empty plan_name is listed and the row's other checks go on; any other problem
    ends the row's checks."""
    from datetime import date

    from pipelines.registry.plans import PlanRegistryError

    path = raw_dir / "areas" / "plans.csv"
    path.write_text(
        HEADER_PLANS
        + "0999,,P,2020,forvarvsarbetande,\n"
        + "0123,,,20x0,forvarvsarbetande,\n"
        + "0123,sangvagen,,2020,forvarvsarbetande,101\n"
        + "0123,sangvagen,P,2021,forvarvsarbetande,\n"
        + "0123,sangvagen,Q,,forvarvsarbetande,5\n",
        encoding="utf-8",
    )
    with pytest.raises(PlanRegistryError) as err:
        _load(raw_dir)
    assert err.value.problems == [
        f"{path}, rad 2: kommun 0999 har inget fokusområde i areas/focus_areas.csv (eller "
        "finns inte i areas/kommuner.csv); en plan behöver de områden den gäller.",
        # the same finding on lines 3 and 4: listed once, where it is first found
        f"{path}, rad 3–4 (2 rader): plan_name är tom; skriv planens namn.",
        f"{path}, rad 3: start_year '20x0' ska vara ett år från 2000 till {date.today().year}, "
        "eller tomt så länge kommunen inte har bestämt det.",
        f"{path}, rad 4: comparison_k '101' ska vara ett heltal från 1 till 100.",
        f"{path}, rad 6: en andra plan för kommun 0123, område sangvagen; den första står på "
        "rad 5.",
    ]


@pytest.mark.parametrize("trailing", ["", ",beslutad,"])
def test_a_plan_name_with_an_unquoted_comma_names_the_likely_cause(raw_dir, trailing):
    from pipelines.registry.plans import PlanRegistryError

    header = HEADER_PLANS if not trailing else HEADER_PLANS.replace("_k\n", "_k,status,comment\n")
    path = raw_dir / "areas" / "plans.csv"
    path.write_text(
        header + f"0123,,Fittja och Alby, etapp 2,2019,forvarvsarbetande,{trailing}\n",
        encoding="utf-8",
    )
    with pytest.raises(PlanRegistryError) as err:
        _load(raw_dir)
    fields, columns = (7, 6) if not trailing else (9, 8)
    assert err.value.problems == [
        f"{path}, rad 2: {fields} fält men rubrikraden har {columns}; troligen ett komma utan "
        "citattecken i en text (kanske 'Fittja och Alby, etapp 2'). Sätt texten inom "
        'citattecken ("…") eller spara filen från Excel, som gör det själv.'
    ]
    # quoted, as Excel writes it, the same row is read whole
    path.write_text(
        header + f'0123,,"Fittja och Alby, etapp 2",2019,forvarvsarbetande,{trailing}\n',
        encoding="utf-8",
    )
    assert {p.plan_name for p in _load(raw_dir)} == {"Fittja och Alby, etapp 2"}


def test_report_section_shows_the_estimate_caveats_and_a_chart_with_the_start():
    from pipelines.publish.charts import ChartHtml
    from pipelines.publish.plan_section import plan_section
    from pipelines.publish.report import render

    area = area_frame("share", {y: 30 + (3.5 if y >= START else 0) for y in YEARS})
    area["indicator_name"], area["unit"] = "Andel", "procent"
    regso, comparisons = comparison_frames("share")
    comparisons = comparisons.assign(
        comparison_regso_name=[f"Ort {j}" for j in range(K)],
        comparison_kommun="0888",
        omradestyp=2,
        baseline_type_year=2017,
    )
    effect = plan_effects(plan_frame("share"), area, regso, comparisons, CATALOG)
    marts = {
        "plan_effect": effect,
        "comparison_area": comparisons,
        "regso_indicator": regso,
        "focus_area_indicator": area,
    }
    plots = ChartHtml()
    page = render("plan.html.j2", plots, plan=plan_section(marts, "0999"))
    assert plots.count == 1 and "Har planen gjort skillnad?" in page
    assert "Planen startar 2018" in page and "omr\\u00e5dena, medel" in page  # plotly escapes å
    assert "skillnaden är 1,5 procentenheter" in page  # 3.5 − 2, by construction
    for caveat in ("flyttar in och ut", "Små tal", "brus", "egna satsningar"):
        assert caveat in page
    assert plan_section(marts, "0123") is None
