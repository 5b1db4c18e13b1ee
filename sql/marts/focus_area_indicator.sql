-- Fokusområden jämförda med kommunen: för varje område, indikator, år och kön områdets värde, kommunens värde (alla DeSO), värdet för resten av kommunen (utom alla fokusområden), gapet och kvoten. Områdets värde räknas från summerade täljare och nämnare över områdets DeSO, aldrig som medelvärde av andelar; saknas en cell (..) i någon DeSO saknas värdet det året.
-- depends_on: staging.stg_deso_indicator_inputs, raw.focus_area_deso, raw.indicator_catalog
-- unique_key: kommun, area_id, indicator, year, sex
WITH inputs AS (
    SELECT * FROM staging.stg_deso_indicator_inputs WHERE region_level = 'deso'
),
areas AS (
    SELECT DISTINCT kommun, area_id, area_name, deso FROM raw.focus_area_deso
),
members AS (
    -- each focus area
    SELECT a.area_id AS grouping, i.*
    FROM inputs i JOIN areas a ON a.kommun = i.kommun AND a.deso = i.region
    UNION ALL
    -- the whole kommun: every DeSO
    SELECT '__kommun' AS grouping, i.* FROM inputs i
    WHERE i.kommun IN (SELECT kommun FROM areas)
    UNION ALL
    -- the rest of the kommun: DeSO outside all of its focus areas
    SELECT '__rest' AS grouping, i.* FROM inputs i
    WHERE i.kommun IN (SELECT kommun FROM areas)
      AND NOT EXISTS (SELECT 1 FROM areas a WHERE a.kommun = i.kommun AND a.deso = i.region)
),
summed AS (
    SELECT
        m.kommun, m.grouping, m.indicator, m.year, m.sex,
        count(*) AS deso_count,
        count(*) FILTER (WHERE m.numerator IS NULL
                         OR (c.method <> 'sum' AND m.denominator IS NULL)) AS deso_missing,
        sum(m.numerator) AS numerator,
        sum(m.denominator) AS denominator,
        any_value(c.method) AS method,
        string_agg(DISTINCT m.status_symbols, ',') AS status_symbols,
        bool_or(m.demo) AS demo,
        string_agg(DISTINCT m.source_table, ',') AS source_table,
        max(m.source_updated) AS source_updated
    FROM members m JOIN raw.indicator_catalog c USING (indicator)
    GROUP BY ALL
),
valued AS (
    SELECT
        *,
        CASE
            WHEN deso_missing > 0 THEN NULL
            WHEN method = 'sum' THEN numerator
            WHEN denominator IS NULL OR denominator = 0 THEN NULL
            WHEN method = 'ratio' THEN 100.0 * numerator / denominator
            ELSE numerator / denominator
        END AS value
    FROM summed
)
SELECT
    a.kommun,
    a.grouping                                  AS area_id,
    n.area_name,
    a.indicator,
    c.indicator_name,
    c.theme,
    c.unit,
    c.higher_is_better,
    a.year,
    a.sex,
    a.value,
    CASE WHEN a.deso_missing > 0 THEN NULL ELSE a.numerator END   AS numerator,
    CASE WHEN a.deso_missing > 0 OR a.method = 'sum' THEN NULL ELSE a.denominator END AS denominator,
    a.deso_count,
    a.deso_missing,
    k.value                                     AS kommun_value,
    r.value                                     AS rest_of_kommun_value,
    CASE WHEN a.method = 'sum' THEN NULL ELSE a.value - k.value END AS gap,
    CASE WHEN c.unit = 'procent' THEN 'procentenheter' ELSE c.unit END AS gap_unit,
    CASE WHEN a.method = 'sum' OR k.value = 0 THEN NULL ELSE a.value / k.value END AS ratio_to_kommun,
    c.method_note,
    'område mot kommun (DeSO)'                  AS comparison_level,
    a.status_symbols,
    a.demo OR coalesce(k.demo, FALSE)           AS demo,
    a.source_table,
    a.source_updated,
    a.year                                      AS reference_year
FROM valued a
JOIN raw.indicator_catalog c USING (indicator)
JOIN (SELECT DISTINCT kommun, area_id, area_name FROM areas) n
  ON n.kommun = a.kommun AND n.area_id = a.grouping
LEFT JOIN valued k
  ON k.kommun = a.kommun AND k.grouping = '__kommun' AND k.indicator = a.indicator AND k.year = a.year AND k.sex = a.sex
LEFT JOIN valued r
  ON r.kommun = a.kommun AND r.grouping = '__rest' AND r.indicator = a.indicator AND r.year = a.year AND r.sex = a.sex
ORDER BY a.kommun, area_id, a.indicator, a.sex, a.year
