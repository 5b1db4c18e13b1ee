-- Gapets utveckling så som den såg ut vid varje års slut (ett år i taget): samma beräkning som focus_area_trend, men bara med åren till och med as_of_year (seriebrott till och med det året). Den rad som har kommunens senaste år är focus_area_trend. Integrationsbokslutet läser riktningen det år bokslutet gäller och året före, och säger vilka indikatorer som bytt riktning sedan förra bokslutet. Reglerna för riktning, intervall och seriebrott står i focus_area_trend.
-- column kommun: kommunkod (fyra siffror, t.ex. 0123)
-- column area_id: fokusområdets id (ur focus_areas.csv)
-- column area_name: fokusområdets namn
-- column indicator: indikatorns id (ur [indicators.*] i catalog.toml)
-- column indicator_name: indikatorns svenska namn
-- column sex: kön: 1 = män, 2 = kvinnor, 1+2 = båda könen
-- column as_of_year: året beräkningen gäller: bara år till och med detta ingår
-- column unit: indikatorns enhet (procent, personer, tkr, dagar …)
-- column gap_unit: gapets enhet: procentenheter för andelar, annars indikatorns enhet
-- column first_year: första året i den nuvarande serien (efter senaste brottet)
-- column latest_year: senaste året med värde
-- column years_with_data: antal år med gap i den nuvarande serien
-- column gap_first: gapet (område minus kommun) första året
-- column gap_latest: gapet senaste året
-- column gap_change: gap_latest minus gap_first
-- column abs_gap_change: förändringen av det absoluta gapet, |gap_latest| minus |gap_first|
-- column gap_slope_per_year: gapets lutning per år (minsta kvadrat-linje över årens gap)
-- column gap_slope_low: nedre gräns för 95-procentigt intervall för gap_slope_per_year (tomt med färre än tre år)
-- column gap_slope_high: övre gräns för 95-procentigt intervall för gap_slope_per_year
-- column abs_gap_slope_per_year: det absoluta gapets lutning per år
-- column abs_gap_slope_low: nedre gräns för 95-procentigt intervall för abs_gap_slope_per_year
-- column abs_gap_slope_high: övre gräns för 95-procentigt intervall för abs_gap_slope_per_year
-- column trend_threshold: indikatorns tröskel för en förändring (trend_threshold i catalog.toml)
-- column direction: riktning: närmar sig, fjärmar sig, oförändrat, ingen säker förändring eller för få år
-- column parity_year_at_current_pace: året då det absoluta gapet vore noll i nuvarande takt (senaste året + |gap| / lutningen), där det minskat minst tröskeln och lutningens intervall inte rymmer noll; annars tomt (rapporten visar det bara med minst 5 år i serien och högst 20 år fram)
-- column value_latest: områdets värde senaste året
-- column kommun_value_latest: kommunens värde senaste året
-- column series_start_year: året då den nuvarande serien börjar (efter senaste brottet som ändrar vad som mäts)
-- column restart_reason: varför serien börjar om, tomt om den inte gör det
-- column previous_first_year: före brottet: första året
-- column previous_latest_year: före brottet: sista året
-- column previous_gap_first: före brottet: gapet första året
-- column previous_gap_latest: före brottet: gapet sista året
-- column previous_direction: före brottet: riktningen
-- column demo: sant om raden bygger på demodata (påhittade siffror), falskt för publicerad statistik
-- column source_table: källtabellen (SCB:s tabell-id, Kolada-nyckeltal eller kommunens fil); flera med +
-- column reference_year: referensåret, det år uppgiften avser (senaste året)
-- depends_on: marts.focus_area_indicator, raw.indicator_catalog
-- unique_key: kommun, area_id, indicator, sex, as_of_year
WITH t_quantiles(df, t975) AS (
    -- the 0.975 quantile of Student's t with df degrees of freedom (df > 30: a series in 1/df)
    VALUES (1, 12.7062), (2, 4.3027), (3, 3.1824), (4, 2.7764), (5, 2.5706), (6, 2.4469),
           (7, 2.3646), (8, 2.3060), (9, 2.2622), (10, 2.2281), (11, 2.2010), (12, 2.1788),
           (13, 2.1604), (14, 2.1448), (15, 2.1314), (16, 2.1199), (17, 2.1098), (18, 2.1009),
           (19, 2.0930), (20, 2.0860), (21, 2.0796), (22, 2.0739), (23, 2.0687), (24, 2.0639),
           (25, 2.0595), (26, 2.0555), (27, 2.0518), (28, 2.0484), (29, 2.0452), (30, 2.0423)
),
as_of AS (
    -- every year a key has a row in is a year the trend is computed as of
    SELECT DISTINCT kommun, area_id, indicator, sex, year AS as_of_year
    FROM marts.focus_area_indicator
),
rows_with_gap AS (
    SELECT f.*, a.as_of_year
    FROM marts.focus_area_indicator f
    JOIN as_of a USING (kommun, area_id, indicator, sex)
    WHERE f.gap IS NOT NULL AND f.year <= a.as_of_year
),
restarts AS (
    SELECT a.kommun, a.area_id, a.indicator, a.sex, a.as_of_year,
           max(f.year) FILTER (WHERE f.series_restarts) AS series_start_year,
           arg_max(f.restart_reason, f.year) FILTER (WHERE f.series_restarts) AS restart_reason
    FROM as_of a
    JOIN marts.focus_area_indicator f
      ON f.kommun = a.kommun AND f.area_id = a.area_id AND f.indicator = a.indicator
     AND f.sex = a.sex AND f.year <= a.as_of_year
    GROUP BY ALL
),
segmented AS (
    SELECT g.*, r.series_start_year, r.restart_reason,
           CASE WHEN r.series_start_year IS NULL OR g.year >= r.series_start_year
                THEN 'current' ELSE 'previous' END AS segment
    FROM rows_with_gap g LEFT JOIN restarts r USING (kommun, area_id, indicator, sex, as_of_year)
),
previous AS (
    SELECT kommun, area_id, indicator, sex, as_of_year,
           min(year) AS previous_first_year, max(year) AS previous_latest_year,
           arg_min(gap, year) AS previous_gap_first, arg_max(gap, year) AS previous_gap_latest
    FROM segmented WHERE segment = 'previous'
    GROUP BY ALL
),
gaps AS (
    SELECT * FROM segmented WHERE segment = 'current'
),
ends AS (
    SELECT
        kommun, area_id, min(area_name) AS area_name, indicator, sex, as_of_year,
        min(series_start_year) AS series_start_year,
        min(restart_reason) AS restart_reason,
        min(indicator_name) AS indicator_name, min(unit) AS unit,
        min(gap_unit) AS gap_unit,
        min(year) AS first_year,
        max(year) AS latest_year,
        arg_min(gap, year) AS gap_first,
        arg_max(gap, year) AS gap_latest,
        arg_max(value, year) AS value_latest,
        arg_max(kommun_value, year) AS kommun_value_latest,
        -- the regressions add the years in order, so a rerun gives the same last digits
        regr_slope(gap, year ORDER BY year) AS gap_slope_per_year,
        regr_slope(abs(gap), year ORDER BY year) AS abs_gap_slope_per_year,
        -- standard errors of the slopes: sqrt(SSE / (n − 2) / Sxx), SSE = Syy − slope² · Sxx
        sqrt(greatest(regr_syy(gap, year ORDER BY year)
                      - regr_slope(gap, year ORDER BY year) ^ 2 * regr_sxx(gap, year ORDER BY year), 0)
             / nullif(CAST(regr_count(gap, year) AS BIGINT) - 2, 0)
             / nullif(regr_sxx(gap, year ORDER BY year), 0))
            AS gap_slope_se,
        sqrt(greatest(regr_syy(abs(gap), year ORDER BY year)
                      - regr_slope(abs(gap), year ORDER BY year) ^ 2
                        * regr_sxx(abs(gap), year ORDER BY year), 0)
             / nullif(CAST(regr_count(gap, year) AS BIGINT) - 2, 0)
             / nullif(regr_sxx(abs(gap), year ORDER BY year), 0))
            AS abs_gap_slope_se,
        count(*) AS years_with_data,
        bool_or(demo) AS demo,
        string_agg(DISTINCT source_table, ',' ORDER BY source_table) AS source_table
    FROM gaps
    GROUP BY kommun, area_id, indicator, sex, as_of_year
),
intervals AS (
    SELECT
        e.*,
        CASE WHEN e.years_with_data >= 3 THEN coalesce(
            q.t975,
            1.959964 + (1.959964 ^ 3 + 1.959964) / (4 * (e.years_with_data - 2))
                + (5 * 1.959964 ^ 5 + 16 * 1.959964 ^ 3 + 3 * 1.959964)
                  / (96 * (e.years_with_data - 2) ^ 2)
        ) END AS t975
    FROM ends e LEFT JOIN t_quantiles q ON q.df = e.years_with_data - 2
),
judged AS (
    SELECT
        i.*,
        i.gap_slope_per_year - i.t975 * i.gap_slope_se AS gap_slope_low,
        i.gap_slope_per_year + i.t975 * i.gap_slope_se AS gap_slope_high,
        i.abs_gap_slope_per_year - i.t975 * i.abs_gap_slope_se AS abs_gap_slope_low,
        i.abs_gap_slope_per_year + i.t975 * i.abs_gap_slope_se AS abs_gap_slope_high
    FROM intervals i
)
SELECT
    e.kommun, e.area_id, e.area_name, e.indicator, e.indicator_name, e.sex, e.as_of_year,
    e.unit, e.gap_unit,
    e.first_year, e.latest_year, e.years_with_data,
    e.gap_first, e.gap_latest,
    e.gap_latest - e.gap_first                     AS gap_change,
    abs(e.gap_latest) - abs(e.gap_first)           AS abs_gap_change,
    e.gap_slope_per_year,
    e.gap_slope_low,
    e.gap_slope_high,
    e.abs_gap_slope_per_year,
    e.abs_gap_slope_low,
    e.abs_gap_slope_high,
    c.trend_threshold,
    CASE
        WHEN e.years_with_data < 2 THEN 'för få år'
        WHEN e.years_with_data >= 3 AND e.abs_gap_slope_low <= 0 AND e.abs_gap_slope_high >= 0
             AND ((abs(e.gap_latest) - abs(e.gap_first) <= -c.trend_threshold
                   AND abs(e.gap_latest) < abs(e.gap_first))
               OR (abs(e.gap_latest) - abs(e.gap_first) >= c.trend_threshold
                   AND abs(e.gap_latest) > abs(e.gap_first)))
             THEN 'ingen säker förändring'
        WHEN abs(e.gap_latest) - abs(e.gap_first) <= -c.trend_threshold
             AND abs(e.gap_latest) < abs(e.gap_first) THEN 'närmar sig'
        WHEN abs(e.gap_latest) - abs(e.gap_first) >= c.trend_threshold
             AND abs(e.gap_latest) > abs(e.gap_first) THEN 'fjärmar sig'
        ELSE 'oförändrat'
    END                                            AS direction,
    CASE
        WHEN e.years_with_data >= 2
             AND abs(e.gap_latest) - abs(e.gap_first) <= -c.trend_threshold
             AND abs(e.gap_latest) < abs(e.gap_first)
             AND e.abs_gap_slope_per_year < 0
             AND NOT (e.years_with_data >= 3 AND e.abs_gap_slope_high >= 0)
        THEN CAST(ceil(e.latest_year + abs(e.gap_latest) / -e.abs_gap_slope_per_year) AS INTEGER)
    END                                            AS parity_year_at_current_pace,
    e.value_latest, e.kommun_value_latest,
    e.series_start_year,
    e.restart_reason,
    p.previous_first_year,
    p.previous_latest_year,
    p.previous_gap_first,
    p.previous_gap_latest,
    CASE
        WHEN p.previous_first_year IS NULL THEN NULL
        WHEN p.previous_latest_year = p.previous_first_year THEN 'för få år'
        WHEN abs(p.previous_gap_latest) - abs(p.previous_gap_first) <= -c.trend_threshold
             AND abs(p.previous_gap_latest) < abs(p.previous_gap_first) THEN 'närmar sig'
        WHEN abs(p.previous_gap_latest) - abs(p.previous_gap_first) >= c.trend_threshold
             AND abs(p.previous_gap_latest) > abs(p.previous_gap_first) THEN 'fjärmar sig'
        ELSE 'oförändrat'
    END                                            AS previous_direction,
    e.demo, e.source_table,
    e.latest_year                                  AS reference_year
FROM judged e JOIN raw.indicator_catalog c USING (indicator)
LEFT JOIN previous p USING (kommun, area_id, indicator, sex, as_of_year)
ORDER BY e.kommun, e.area_id, e.indicator, e.sex, e.as_of_year
