"""Asset checks: every mart is guarded before it is published.

Checks are blocking: when one fails, `published_marts` does not run and readers keep the
previous files.
"""

from dagster import AssetCheckResult, AssetCheckSeverity, AssetKey, asset_check

from pipelines.models import SqlModel
from pipelines.resources import PipelineResource

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
            return AssetCheckResult(
                passed=dupes.empty,
                metadata={
                    "duplicate_keys": len(dupes),
                    "example": str(dupes.head(3).to_dict("records")),
                },
            )

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
    return AssetCheckResult(
        passed=off.empty,
        severity=AssetCheckSeverity.ERROR,
        metadata={"rows_not_adding_up": len(off), "example": str(off.head(3).to_dict("records"))},
    )


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
    return AssetCheckResult(
        passed=off.empty,
        metadata={"mismatches": len(off), "example": str(off.head(3).to_dict("records"))},
    )


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
    return AssetCheckResult(
        passed=missing.empty,
        metadata={"missing_rows": len(missing), "example": str(missing.head(3).to_dict("records"))},
    )


focus_area_checks = [kommun_value_matches_published, every_area_every_year]
