"""Asset checks: every mart is guarded before it is published.

Checks are blocking: when one fails, `published_marts` does not run and readers keep the
previous files.
"""

import pandas as pd
from dagster import AssetCheckResult, AssetCheckSeverity, AssetKey, MetadataValue, asset_check

from pipelines.analysis.omradestyp import PUBLISHED_COUNTS, PUBLISHED_UPDATED, agreement
from pipelines.orchestration.assets.preflight import skipped_requests
from pipelines.orchestration.resources import PipelineResource
from pipelines.registry.catalog import THEMES
from pipelines.warehouse.database import Warehouse
from pipelines.warehouse.models import SqlModel


def no_rows(
    found: pd.DataFrame, count: str, examples: int = 3, **metadata: object
) -> AssetCheckResult:
    """A check that passes when its query found no offending rows: their number under
    `count`, the first few as `example`, and any other metadata given."""
    return AssetCheckResult(
        passed=found.empty,
        metadata={
            count: len(found),
            "example": str(found.head(examples).to_dict("records")),
            **metadata,
        },
    )


# SCB adds controlled noise to cells from reference year 2025 (the Cell Key Method): parts
# need not add up exactly to totals. Allow this much, in persons, from 2025 on.
CKM_FIRST_YEAR = 2025
CKM_TOLERANCE_PERSONS = 10


def build_mart_checks(model: SqlModel) -> list:
    checks = []
    key = AssetKey([model.layer, model.name])
    table = f"{model.layer}.{model.name}"

    if model.unique_key:
        cols = ", ".join(model.unique_key)

        @asset_check(
            asset=key,
            name="unique_key",
            blocking=True,
            description=f"Högst en rad per {cols}.",
        )
        def _unique(pipeline: PipelineResource) -> AssetCheckResult:
            dupes = pipeline.warehouse().query(
                f"SELECT {cols}, count(*) AS n FROM {table} GROUP BY ALL HAVING count(*) > 1"
            )
            return no_rows(dupes, "duplicate_keys")

        checks.append(_unique)

    @asset_check(
        asset=key,
        name="shares_within_0_100",
        blocking=True,
        description="Alla andelar (kolumner som slutar på _andel, samt value för procent) ligger mellan 0 och 100.",
    )
    def _shares(pipeline: PipelineResource) -> AssetCheckResult:
        warehouse = pipeline.warehouse()
        columns = [c for c, _ in warehouse.summary(model.layer, model.name).columns]
        share_cols = [c for c in columns if c.endswith("_andel")]
        conditions = [f"({c} < 0 OR {c} > 100)" for c in share_cols]
        if "unit" in columns and "value" in columns:
            conditions.append("(unit = 'procent' AND (value < 0 OR value > 100))")
        if not conditions:
            return AssetCheckResult(passed=True, metadata={"share_columns": 0})
        bad = warehouse.query(f"SELECT count(*) AS n FROM {table} WHERE {' OR '.join(conditions)}")
        n_bad = int(bad["n"][0])
        return AssetCheckResult(
            passed=n_bad == 0,
            metadata={"rows_out_of_range": n_bad, "share_columns": len(share_cols)},
        )

    checks.append(_shares)
    return checks


@asset_check(
    asset=AssetKey(["marts", "population_background"]),
    name="groups_add_up_to_total",
    blocking=True,
    description=(
        "Utrikes födda + inrikes födda med två utrikes födda föräldrar + övriga inrikes födda "
        f"= totalt (exakt före {CKM_FIRST_YEAR}; från {CKM_FIRST_YEAR} inom ±{CKM_TOLERANCE_PERSONS} "
        "personer, eftersom SCB då lägger till brus)."
    ),
)
def population_background_adds_up(pipeline: PipelineResource) -> AssetCheckResult:
    off = pipeline.warehouse().query(
        f"""
        SELECT kommun, year,
               utrikes_fodda_antal + inrikes_fodda_tva_utrikes_foraldrar_antal
                 + inrikes_fodda_ovriga_antal - totalt_antal AS difference
        FROM marts.population_background
        WHERE abs(utrikes_fodda_antal + inrikes_fodda_tva_utrikes_foraldrar_antal
                  + inrikes_fodda_ovriga_antal - totalt_antal)
              > CASE WHEN year >= {CKM_FIRST_YEAR} THEN {CKM_TOLERANCE_PERSONS} ELSE 0 END
        """
    )
    return no_rows(off, "rows_not_adding_up")


@asset_check(
    asset=AssetKey(["marts", "focus_area_indicator"]),
    name="kommun_value_matches_published_kommun_total",
    blocking=True,
    description=(
        "Kommunvärdet räknat från alla DeSO stämmer med SCB:s egen kommunsiffra där tabellen har "
        f"en (summor och kvoter; exakt före {CKM_FIRST_YEAR} inom avrundning, från {CKM_FIRST_YEAR} "
        "inom 1 % eftersom SCB då lägger till brus). Befolkningsviktade medianer jämförs inte."
    ),
)
def kommun_value_matches_published(pipeline: PipelineResource) -> AssetCheckResult:
    off = pipeline.warehouse().query(
        f"""
        WITH deso AS (
            SELECT kommun, indicator, year, sex, sum(numerator) AS num, sum(denominator) AS den
            FROM staging.stg_deso_indicator_inputs WHERE region_level = 'deso'
            GROUP BY ALL
            -- a suppressed DeSO cell (..) makes the sum partial: nothing to compare then
            HAVING count(*) FILTER (WHERE numerator IS NULL) = 0
        ),
        kommun AS (
            SELECT kommun, indicator, year, sex, numerator AS num, denominator AS den
            FROM staging.stg_deso_indicator_inputs WHERE region_level = 'kommun'
        )
        SELECT k.kommun, k.indicator, k.year, k.sex, d.num AS deso_sum, k.num AS kommun_published
        FROM kommun k
        JOIN deso d USING (kommun, indicator, year, sex)
        JOIN raw.indicator_catalog c USING (indicator)
        WHERE c.method IN ('ratio', 'sum')
          AND k.num IS NOT NULL AND d.num IS NOT NULL
          AND (abs(d.num - k.num) > CASE WHEN k.year >= {CKM_FIRST_YEAR} THEN 0.01 * abs(k.num) ELSE 0.5 END
               OR abs(coalesce(d.den, 0) - coalesce(k.den, 0))
                  > CASE WHEN k.year >= {CKM_FIRST_YEAR} THEN 0.01 * abs(coalesce(k.den, 0)) ELSE 0.5 END)
        """
    )
    return no_rows(off, "mismatches")


@asset_check(
    asset=AssetKey(["marts", "focus_area_indicator"]),
    name="every_area_every_year",
    blocking=True,
    description="Varje konfigurerat fokusområde finns för varje indikator, år och kön som kommunen har data för.",
)
def every_area_every_year(pipeline: PipelineResource) -> AssetCheckResult:
    missing = pipeline.warehouse().query(
        """
        WITH expected AS (
            SELECT DISTINCT i.kommun, a.area_id, i.indicator, i.year, i.sex
            FROM staging.stg_deso_indicator_inputs i
            JOIN (SELECT DISTINCT kommun, area_id FROM raw.focus_area_deso) a USING (kommun)
            WHERE i.region_level = 'deso'
        )
        SELECT e.* FROM expected e
        ANTI JOIN marts.focus_area_indicator m USING (kommun, area_id, indicator, year, sex)
        """
    )
    return no_rows(missing, "missing_rows")


focus_area_checks = [kommun_value_matches_published, every_area_every_year]


# -- the kommun's population across tables --------------------------------------------------

POPULATION_TABLES = "staging.stg_deso_indicator_inputs (DeSO-summa) mot marts.population_background"


def population_differences(warehouse: Warehouse) -> pd.DataFrame:
    """Kommun × year where the DeSO sums disagree with the kommun-level table beyond SCB's
    noise: folkmängd (befolkning, both sexes) against `totalt_antal`, and the share with
    utländsk bakgrund (Σ numerator / Σ denominator over the DeSO) against (utrikes födda +
    inrikes födda med två utrikes födda föräldrar) / totalt. Before 2025 the two must agree
    to half a person; from 2025 (CKM noise) within 1 %. Years where a DeSO cell is
    suppressed are not compared (the sum would be partial)."""
    return warehouse.query(
        f"""
        WITH deso AS (
            SELECT kommun, year,
                   sum(numerator) FILTER (WHERE indicator = 'befolkning') AS population,
                   sum(numerator) FILTER (WHERE indicator = 'utlandsk_bakgrund') AS foreign_num,
                   sum(denominator) FILTER (WHERE indicator = 'utlandsk_bakgrund') AS foreign_den,
                   count(*) FILTER (WHERE indicator = 'befolkning') AS population_cells,
                   count(*) FILTER (WHERE indicator = 'utlandsk_bakgrund') AS foreign_cells,
                   count(*) FILTER (WHERE numerator IS NULL
                                    OR (indicator = 'utlandsk_bakgrund' AND denominator IS NULL))
                     AS suppressed
            FROM staging.stg_deso_indicator_inputs
            WHERE region_level = 'deso' AND sex = '1+2'
              AND indicator IN ('befolkning', 'utlandsk_bakgrund')
            GROUP BY kommun, year
        ),
        kommun AS (
            SELECT kommun, year, totalt_antal AS population,
                   100.0 * (utrikes_fodda_antal + inrikes_fodda_tva_utrikes_foraldrar_antal)
                     / nullif(totalt_antal, 0) AS foreign_share
            FROM marts.population_background
            WHERE totalt_antal IS NOT NULL
        ),
        compared AS (
            SELECT k.kommun, k.year, 'folkmängd (personer)' AS measure,
                   d.population::DOUBLE AS deso_sum, k.population::DOUBLE AS kommun_table,
                   CASE WHEN k.year >= {CKM_FIRST_YEAR} THEN 0.01 * k.population ELSE 0.5 END
                     AS tolerance
            FROM kommun k JOIN deso d USING (kommun, year)
            WHERE d.suppressed = 0 AND d.population_cells > 0
            UNION ALL
            SELECT k.kommun, k.year, 'andel med utländsk bakgrund (%)',
                   100.0 * d.foreign_num / d.foreign_den, k.foreign_share,
                   CASE WHEN k.year >= {CKM_FIRST_YEAR} THEN 0.01 * k.foreign_share
                        ELSE 100.0 * 0.5 / k.population END
            FROM kommun k JOIN deso d USING (kommun, year)
            WHERE d.suppressed = 0 AND d.foreign_cells > 0 AND d.foreign_den > 0
              AND k.foreign_share IS NOT NULL
        )
        SELECT kommun, year, measure, deso_sum, kommun_table,
               deso_sum - kommun_table AS difference
        FROM compared
        WHERE abs(deso_sum - kommun_table) > tolerance + 1e-9
        ORDER BY kommun, year, measure
        """
    )


@asset_check(
    asset=AssetKey(["marts", "population_background"]),
    name="population_agrees_across_tables",
    blocking=True,
    additional_deps=[AssetKey(["staging", "stg_deso_indicator_inputs"])],
    description=(
        "Kommunens folkmängd och andel med utländsk bakgrund är desamma summerade över DeSO "
        "(staging.stg_deso_indicator_inputs) som i kommuntabellen (marts.population_background): "
        f"exakt före {CKM_FIRST_YEAR} (inom en halv person), från {CKM_FIRST_YEAR} inom 1 % "
        "eftersom SCB då lägger till brus."
    ),
)
def population_agrees_across_tables(pipeline: PipelineResource) -> AssetCheckResult:
    off = population_differences(pipeline.warehouse())
    lines = [
        f"| {r.kommun} | {r.year} | {r.measure} | {r.deso_sum:.2f} | {r.kommun_table:.2f} "
        f"| {r.difference:+.2f} |"
        for r in off.head(20).itertuples()
    ]
    table = "\n".join(
        [
            "| kommun | år | mått | DeSO-summa | kommuntabell | skillnad |",
            "|---|---|---|---|---|---|",
        ]
        + lines
    )
    return AssetCheckResult(
        passed=off.empty,
        metadata={
            "tables": POPULATION_TABLES,
            "differences": len(off),
            "largest_difference": float(off["difference"].abs().max()) if len(off) else 0.0,
            "details": MetadataValue.md(table if lines else "inga skillnader"),
        },
    )


# -- segregation indices -------------------------------------------------------------------

SEGREGATION_TOLERANCE = 1e-9


@asset_check(
    asset=AssetKey(["marts", "segregation_index"]),
    name="indices_within_range",
    blocking=True,
    description=(
        "D, H, isolering, exponering och inkomstsegregation, slumpvärdet och "
        "simuleringsintervallet ligger mellan 0 och 1, och intervallets nedre gräns ≤ "
        "slumpvärdet ≤ övre gräns."
    ),
)
def segregation_indices_within_range(pipeline: PipelineResource) -> AssetCheckResult:
    eps = SEGREGATION_TOLERANCE
    off = pipeline.warehouse().query(
        f"""
        SELECT kommun, year, division, measure, value, expected_random,
               interval_low, interval_high
        FROM marts.segregation_index
        WHERE value < -{eps} OR value > 1 + {eps}
           OR expected_random < -{eps} OR expected_random > 1 + {eps}
           OR interval_low < -{eps} OR interval_high > 1 + {eps}
           OR interval_low > expected_random + {eps}
           OR expected_random > interval_high + {eps}
        """
    )
    return no_rows(off, "rows_out_of_range")


def segregation_missing_rows(warehouse: Warehouse) -> pd.DataFrame:
    """Kommun × year × division × measure that has DeSO counts in staging but no row in the
    mart, or a row without value and without a note saying why."""
    return warehouse.query(
        """
        WITH expected AS (
            SELECT DISTINCT c.kommun, c.year, c.division, m.measure
            FROM staging.stg_deso_group_counts c
            JOIN (VALUES ('background', 'dissimilarity'), ('background', 'theil_h'),
                         ('background', 'isolation'), ('background', 'exposure'),
                         ('income', 'income_dissimilarity')) m(pair, measure)
              ON m.pair = c.pair
        )
        SELECT e.*, 'ingen rad' AS problem FROM expected e
        ANTI JOIN marts.segregation_index s USING (kommun, year, division, measure)
        UNION ALL
        SELECT kommun, year, division, measure, 'värde saknas utan förklaring'
        FROM marts.segregation_index WHERE value IS NULL AND note IS NULL
        ORDER BY 1, 2, 3, 4
        """
    )


@asset_check(
    asset=AssetKey(["marts", "segregation_index"]),
    name="no_kommun_missing",
    blocking=True,
    additional_deps=[AssetKey(["staging", "stg_deso_group_counts"])],
    description=(
        "Varje kommun i urvalet som har DeSO-uppgifter ett år har en rad per mått det året, "
        "och en rad utan värde säger varför (note)."
    ),
)
def segregation_no_kommun_missing(pipeline: PipelineResource) -> AssetCheckResult:
    warehouse = pipeline.warehouse()
    missing = segregation_missing_rows(warehouse)
    selected = {k.code for k in pipeline.kommuner()}
    with_counts = set(
        warehouse.query("SELECT DISTINCT kommun FROM staging.stg_deso_group_counts")["kommun"]
    )
    return no_rows(
        missing,
        "missing_rows",
        kommuner_selected=len(selected),
        kommuner_with_deso_counts=len(with_counts & selected),
        kommuner_without_deso_counts=", ".join(sorted(selected - with_counts)) or "inga",
    )


segregation_checks = [segregation_indices_within_range, segregation_no_kommun_missing]


# -- did the plan work? --------------------------------------------------------------------


@asset_check(
    asset=AssetKey(["marts", "comparison_area"]),
    name="never_same_kommun_or_focus_area",
    blocking=True,
    description=(
        "Inget jämförelseområde ligger i fokusområdets kommun eller rymmer en DeSO i något "
        "fokusområde."
    ),
)
def comparison_never_same_kommun_or_focus_area(pipeline: PipelineResource) -> AssetCheckResult:
    bad = pipeline.warehouse().query(
        """
        SELECT c.kommun, c.area_id, c.comparison_regso, c.comparison_kommun
        FROM marts.comparison_area c
        WHERE c.comparison_kommun = c.kommun
           OR c.comparison_regso IN (
                SELECT k.regso FROM raw.focus_area_deso f
                JOIN raw.deso_regso_key k ON k.deso = f.deso AND k.division = f.division)
        """
    )
    return no_rows(bad, "bad_rows")


@asset_check(
    asset=AssetKey(["marts", "comparison_area"]),
    name="at_most_k_per_area",
    blocking=True,
    description="Högst k jämförelseområden per fokusområde (comparison_k i raw.plans).",
)
def comparison_at_most_k(pipeline: PipelineResource) -> AssetCheckResult:
    over = pipeline.warehouse().query(
        """
        SELECT c.kommun, c.area_id, count(*) AS n, any_value(p.comparison_k) AS k
        FROM marts.comparison_area c
        LEFT JOIN raw.plans p USING (kommun, area_id)
        GROUP BY c.kommun, c.area_id
        HAVING any_value(p.comparison_k) IS NULL OR count(*) > any_value(p.comparison_k)
        """
    )
    return no_rows(over, "areas_over_k")


evaluation_checks = [comparison_never_same_kommun_or_focus_area, comparison_at_most_k]

# -- the plan's measures (data/raw/areas/measures.csv → marts.plan_measure) ------------------
# The registry is checked row by row before anything is built; these guard the mart itself.

PLAN_MEASURE = AssetKey(["marts", "plan_measure"])


def measure_unknown_theme_or_indicator(warehouse: Warehouse) -> pd.DataFrame:
    """Rows of marts.plan_measure whose theme is not one of the catalog's themes, or with a
    target indicator that raw.indicator_catalog does not have."""
    themes = ", ".join("'" + t.replace("'", "''") + "'" for t in THEMES)
    return warehouse.query(
        f"""
        SELECT DISTINCT measure_id, 'tema' AS what, theme AS value
        FROM marts.plan_measure WHERE theme NOT IN ({themes})
        UNION ALL
        SELECT DISTINCT p.measure_id, 'indikator', t.indicator
        FROM marts.plan_measure p,
             unnest(string_split(coalesce(p.target_indicators, ''), '|')) t(indicator)
        WHERE t.indicator <> ''
          AND t.indicator NOT IN (SELECT indicator FROM raw.indicator_catalog)
        ORDER BY 1, 2, 3
        """
    )


def measure_status_outside_years(warehouse: Warehouse) -> pd.DataFrame:
    """Years with a status outside the measure's start_year..end_year or before its plan's
    start year in raw.plans (or with a plan raw.plans does not have)."""
    return warehouse.query(
        """
        SELECT p.measure_id, p.year, p.status, p.start_year, p.end_year,
               min(r.start_year) AS plan_start_year
        FROM marts.plan_measure p
        LEFT JOIN raw.plans r ON r.kommun = p.kommun AND r.plan_name = p.plan_name
        WHERE p.status IS NOT NULL
        GROUP BY ALL
        HAVING p.year < p.start_year OR p.year > coalesce(p.end_year, p.year)
            OR min(r.start_year) IS NULL OR p.year < min(r.start_year)
        ORDER BY 1, 2
        """
    )


def measure_unknown_areas(warehouse: Warehouse) -> pd.DataFrame:
    """Areas of marts.plan_measure that are no focus area of the kommun in raw.focus_area_deso."""
    return warehouse.query(
        """
        SELECT DISTINCT p.measure_id, p.kommun, a.area_id
        FROM marts.plan_measure p, unnest(string_split(p.areas, '|')) a(area_id)
        WHERE NOT EXISTS (
            SELECT 1 FROM raw.focus_area_deso f
            WHERE f.kommun = p.kommun AND f.area_id = a.area_id)
        ORDER BY 1, 3
        """
    )


@asset_check(
    asset=PLAN_MEASURE,
    name="themes_and_indicators_known",
    blocking=True,
    description="Varje åtgärds tema finns i katalogens teman och varje indikator i katalogen.",
    additional_deps=[AssetKey(["raw", "indicator_catalog"])],
)
def plan_measure_themes_and_indicators(pipeline: PipelineResource) -> AssetCheckResult:
    return no_rows(measure_unknown_theme_or_indicator(pipeline.warehouse()), "unknown")


@asset_check(
    asset=PLAN_MEASURE,
    name="status_years_within_plan",
    blocking=True,
    description=(
        "Varje år med status ligger inom åtgärdens start- och slutår och inte före planens "
        "startår (raw.plans)."
    ),
    additional_deps=[AssetKey(["raw", "plans"])],
)
def plan_measure_status_years(pipeline: PipelineResource) -> AssetCheckResult:
    return no_rows(measure_status_outside_years(pipeline.warehouse()), "rows_outside")


@asset_check(
    asset=PLAN_MEASURE,
    name="areas_in_focus_area_registry",
    blocking=True,
    description="Varje område en åtgärd gäller finns bland kommunens fokusområden.",
    additional_deps=[AssetKey(["raw", "focus_area_deso"])],
)
def plan_measure_areas_exist(pipeline: PipelineResource) -> AssetCheckResult:
    return no_rows(measure_unknown_areas(pipeline.warehouse()), "unknown_areas")


measure_checks = [
    plan_measure_themes_and_indicators,
    plan_measure_status_years,
    plan_measure_areas_exist,
]

# -- differences between schools (data/raw/goals/schools.csv → school_background,
# school_segregation). The file is checked row by row before anything is built; these guard
# the marts themselves.

SCHOOL_BACKGROUND = AssetKey(["marts", "school_background"])
SCHOOL_SEGREGATION = AssetKey(["marts", "school_segregation"])
# a rounding margin for values stored with six decimals
_INDEX_MARGIN = 1e-6


def school_index_out_of_range(warehouse: Warehouse) -> pd.DataFrame:
    """Rows of marts.school_segregation where D, its expected value or interval lie outside
    0–1, the interval does not hold the expected value, or the adjusted value lies outside
    its range −E/(1 − E) … 1 (the adjusted value of a D between 0 and 1)."""
    m = _INDEX_MARGIN
    return warehouse.query(
        f"""
        SELECT kommun, year, value, expected_random, interval_low, interval_high, adjusted
        FROM marts.school_segregation
        WHERE value NOT BETWEEN -{m} AND 1 + {m}
           OR expected_random NOT BETWEEN -{m} AND 1 + {m}
           OR interval_low NOT BETWEEN -{m} AND 1 + {m}
           OR interval_high NOT BETWEEN -{m} AND 1 + {m}
           OR expected_random NOT BETWEEN interval_low - {m} AND interval_high + {m}
           OR adjusted > 1 + {m}
           OR adjusted < -expected_random / (1 - expected_random) - {m}
           OR (value IS NOT NULL AND expected_random < 1 AND adjusted IS NULL)
        ORDER BY kommun, year
        """
    )


def school_part_above_total(warehouse: Warehouse) -> pd.DataFrame:
    """Rows of marts.school_background with a negative count or more pupils with utländsk
    bakgrund than pupils."""
    return warehouse.query(
        """
        SELECT kommun, year, school_unit_code, pupils, pupils_foreign_background
        FROM marts.school_background
        WHERE pupils < 0 OR pupils_foreign_background < 0
           OR pupils_foreign_background > pupils
        ORDER BY kommun, year, school_unit_code
        """
    )


@asset_check(
    asset=SCHOOL_SEGREGATION,
    name="index_within_range",
    blocking=True,
    description=(
        "D, slumpvärdet och dess intervall ligger mellan 0 och 1, intervallet innehåller "
        "slumpvärdet och det justerade värdet ligger mellan −E/(1 − E) och 1."
    ),
)
def school_segregation_in_range(pipeline: PipelineResource) -> AssetCheckResult:
    return no_rows(school_index_out_of_range(pipeline.warehouse()), "rows_out_of_range")


@asset_check(
    asset=SCHOOL_BACKGROUND,
    name="part_within_total",
    blocking=True,
    description="Varje skolas antal elever med utländsk bakgrund ligger mellan 0 och antalet elever.",
)
def school_background_part_within_total(pipeline: PipelineResource) -> AssetCheckResult:
    return no_rows(school_part_above_total(pipeline.warehouse()), "bad_rows")


school_checks = [school_segregation_in_range, school_background_part_within_total]


# -- the integration plan's goals (data/raw/goals/*.csv → marts.staff_background,
# marts.newly_arrived). The files are checked row by row before anything is built; these guard
# the marts themselves. Their shares are named share_*, so the generic check does not see them.

STAFF_BACKGROUND = AssetKey(["marts", "staff_background"])
NEWLY_ARRIVED = AssetKey(["marts", "newly_arrived"])
GOAL_SHARES = {
    "staff_background": ("share_foreign_background", "residents_share_foreign_background"),
    "newly_arrived": ("share_in_work_or_studies",),
}


def goal_shares_outside_0_100(warehouse: Warehouse, mart: str) -> pd.DataFrame:
    """Rows of a goals mart with a share below 0 or above 100 %."""
    columns = GOAL_SHARES[mart]
    outside = " OR ".join(f"{c} < 0 OR {c} > 100" for c in columns)
    return warehouse.query(
        f"SELECT kommun, year, {', '.join(columns)} FROM marts.{mart} WHERE {outside}"
    )


def forvaltningar_above_kommun_total(warehouse: Warehouse) -> pd.DataFrame:
    """Kommun and year where the förvaltningar have more employees together than the kommun."""
    return warehouse.query(
        """
        SELECT f.kommun, f.year, sum(f.employees) AS forvaltningar, any_value(k.employees) AS kommun_total
        FROM marts.staff_background f
        JOIN marts.staff_background k
          ON k.kommun = f.kommun AND k.year = f.year AND k.forvaltning IS NULL
        WHERE f.forvaltning IS NOT NULL
        GROUP BY f.kommun, f.year
        HAVING sum(f.employees) > any_value(k.employees)
        ORDER BY 1, 2
        """
    )


def _goal_share_check(key: AssetKey, mart: str):
    @asset_check(
        asset=key,
        name="goal_shares_within_0_100",
        blocking=True,
        description=f"Andelarna ({', '.join(GOAL_SHARES[mart])}) ligger mellan 0 och 100.",
    )
    def _check(pipeline: PipelineResource) -> AssetCheckResult:
        return no_rows(goal_shares_outside_0_100(pipeline.warehouse(), mart), "rows_outside")

    return _check


@asset_check(
    asset=STAFF_BACKGROUND,
    name="forvaltningar_within_kommun_total",
    blocking=True,
    description="Förvaltningarna har tillsammans aldrig fler anställda än kommunen samma år.",
)
def employee_forvaltningar_within_total(pipeline: PipelineResource) -> AssetCheckResult:
    return no_rows(forvaltningar_above_kommun_total(pipeline.warehouse()), "years_above_total")


goal_checks = [
    _goal_share_check(STAFF_BACKGROUND, "staff_background"),
    _goal_share_check(NEWLY_ARRIVED, "newly_arrived"),
    employee_forvaltningar_within_total,
]

# -- områdestyp (method in pipelines/analysis/omradestyp.py) ------------------------------------------
# Blocking: types lie in 1–5; each year's RegSO counted by type add up to the year's RegSO
# (and equal SCB's published counts for the publication the snapshot holds); every focus
# area has at least one RegSO row for every year the source has. Not blocking: the
# recomputed types against SCB's, where SCB publishes the three shares.

OMRADESTYP_REGSO = AssetKey(["marts", "regso_omradestyp"])
OMRADESTYP_FOCUS = AssetKey(["marts", "focus_area_omradestyp"])
OMRADESTYP_STAGING = AssetKey(["staging", "stg_regso_omradestyp"])
# Below this share of agreeing RegSO the recomputation is flagged: SCB rounds the published
# shares, so a RegSO right at a cut point may land on the other side.
AGREEMENT_WARNING = 0.99


def _types_in_range(
    pipeline: PipelineResource, table: str, columns: tuple[str, ...]
) -> AssetCheckResult:
    outside = " OR ".join(f"{c} NOT BETWEEN 1 AND 5" for c in columns)
    bad = pipeline.warehouse().query(f"SELECT * FROM {table} WHERE {outside}")
    missing = pipeline.warehouse().query(
        f"SELECT count(*) AS n FROM {table} WHERE omradestyp IS NULL"
    )["n"][0]
    return no_rows(bad, "rows_out_of_range", rows_without_type=int(missing))


@asset_check(
    asset=OMRADESTYP_REGSO,
    name="types_within_1_5",
    blocking=True,
    description="SCB:s och den omräknade områdestypen ligger mellan 1 och 5 (eller saknas).",
)
def regso_types_within_1_5(pipeline: PipelineResource) -> AssetCheckResult:
    return _types_in_range(pipeline, "marts.regso_omradestyp", ("omradestyp", "recomputed_type"))


@asset_check(
    asset=OMRADESTYP_FOCUS,
    name="types_within_1_5",
    blocking=True,
    description="Fokusområdenas områdestyp ligger mellan 1 och 5 (eller saknas).",
)
def focus_types_within_1_5(pipeline: PipelineResource) -> AssetCheckResult:
    return _types_in_range(pipeline, "marts.focus_area_omradestyp", ("omradestyp",))


@asset_check(
    asset=OMRADESTYP_REGSO,
    name="counts_per_type_add_up",
    blocking=True,
    description=(
        "Varje år summerar antalet RegSO per områdestyp till antalet RegSO det året (inget RegSO "
        "utan typ), och för SCB:s publicering 2025-01-31 (ögonblicksbildens exporter 2022 och "
        "2023) är antalen per typ exakt de publicerade."
    ),
)
def counts_per_type_add_up(pipeline: PipelineResource) -> AssetCheckResult:
    warehouse = pipeline.warehouse()
    per_year = warehouse.query(
        """SELECT year, count(DISTINCT regso) AS regso,
                  count(*) FILTER (WHERE omradestyp BETWEEN 1 AND 5) AS typed,
                  max(source_updated) AS updated
           FROM marts.regso_omradestyp GROUP BY year ORDER BY year"""
    )
    counts = warehouse.query(
        """SELECT year, omradestyp, count(*) AS n FROM marts.regso_omradestyp
           WHERE omradestyp IS NOT NULL GROUP BY ALL"""
    )
    found = {(int(r.year), int(r.omradestyp)): int(r.n) for r in counts.itertuples()}
    problems = [
        f"{r.year}: {r.typed} RegSO med typ av {r.regso}"
        for r in per_year.itertuples()
        if r.typed != r.regso
    ]
    compared_published = []
    for r in per_year.itertuples():
        expected = PUBLISHED_COUNTS.get(int(r.year))
        if expected is None or r.updated != PUBLISHED_UPDATED:
            continue
        compared_published.append(int(r.year))
        got = {t: found.get((int(r.year), t), 0) for t in expected}
        if got != expected:
            problems.append(f"{r.year}: antal per typ {got}, SCB publicerade {expected}")
    # a run that went on without the table (unconfirmed, failed the live check) has no rows
    skipped = skipped_requests(warehouse).get("regso_omradestyp")
    return AssetCheckResult(
        passed=not problems and (not per_year.empty or skipped is not None),
        metadata={
            "skipped": skipped or "nej",
            "years": ", ".join(str(y) for y in per_year["year"]) or "inga",
            "compared_with_published_counts": ", ".join(map(str, compared_published)) or "inga",
            "problems": MetadataValue.md("\n".join(f"- {p}" for p in problems) or "inga"),
        },
    )


@asset_check(
    asset=OMRADESTYP_REGSO,
    name="recomputed_types_agree_with_scb",
    blocking=False,
    description=(
        "Den omräknade områdestypen (medelvärdet av de tre andelarna, årets riksmedelvärde ± "
        "standardavvikelser) jämförd med SCB:s, där SCB publicerar andelarna. Varnar om färre än "
        f"{AGREEMENT_WARNING:.0%} av RegSO stämmer; saknas andelarna säger metadata det."
    ),
)
def recomputed_types_agree_with_scb(pipeline: PipelineResource) -> AssetCheckResult:
    frame = pipeline.warehouse().query(
        "SELECT regso, year, omradestyp, recomputed_type FROM marts.regso_omradestyp"
    )
    result = agreement(frame)
    if result.compared == 0:
        return AssetCheckResult(
            passed=True,
            metadata={
                "compared": 0,
                "result": (
                    "inget att jämföra: källan har inte de tre andelarna (ögonblicksbildens "
                    "exporter innehåller bara områdestypen)"
                ),
            },
        )
    lines = ["| år | jämförda | samma typ |", "|---|---|---|"] + [
        f"| {y} | {n} | {a} |" for y, (n, a) in sorted(result.by_year.items())
    ]
    return AssetCheckResult(
        passed=result.share >= AGREEMENT_WARNING,
        severity=AssetCheckSeverity.WARN,
        metadata={
            "compared": result.compared,
            "agree": result.agree,
            "agreement": round(float(result.share), 4),
            "by_year": MetadataValue.md("\n".join(lines)),
            "differing_examples": str(result.examples),
        },
    )


@asset_check(
    asset=OMRADESTYP_FOCUS,
    name="every_area_every_year",
    blocking=True,
    additional_deps=[AssetKey(["raw", "focus_area_deso"]), OMRADESTYP_STAGING],
    description=(
        "Varje fokusområde har minst en RegSO-rad för varje år som områdestypen finns för i "
        "områdets DeSO-indelning."
    ),
)
def focus_area_every_year(pipeline: PipelineResource) -> AssetCheckResult:
    missing = pipeline.warehouse().query(
        """
        WITH expected AS (
            SELECT DISTINCT a.kommun, a.area_id, o.year
            FROM raw.focus_area_deso a
            JOIN (SELECT DISTINCT year, deso_division FROM staging.stg_regso_omradestyp) o
              ON o.deso_division = a.division
        )
        SELECT e.* FROM expected e
        ANTI JOIN marts.focus_area_omradestyp m USING (kommun, area_id, year)
        ORDER BY ALL
        """
    )
    return no_rows(missing, "missing_area_years", examples=5)


omradestyp_checks = [
    regso_types_within_1_5,
    focus_types_within_1_5,
    counts_per_type_add_up,
    recomputed_types_agree_with_scb,
    focus_area_every_year,
]
