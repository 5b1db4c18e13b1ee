-- Fokusområden jämförda med kommunen: för varje område, indikator, år och kön områdets värde, kommunens värde (alla DeSO), värdet för resten av kommunen (utom alla fokusområden), gapet och kvoten. Områdets värde räknas från summerade täljare och nämnare över områdets DeSO, aldrig som medelvärde av andelar; saknas en cell (..) i någon DeSO saknas värdet det året.
-- Varje rad säger vilken DeSO-indelning (division: DeSO2018 till och med 2023, DeSO2025 från 2024) och vilken tabell (source_table) den kommer från. series_break namnger det som ändrades det året: ny indelning, ny tabell, ny åldersgrupp eller SCB:s brus (CKM) från 2025. series_restarts säger om serien måste börja om där (ny åldersgrupp, eller ny indelning där området inte bevisligen täcker samma mark och kommunen bekräftat det), restart_reason varför.
-- Indikatorer som SCB saknar per DeSO kommer ur kommunens egna filer (område mot kommunens värde i Kolada) och ur Kolada (hela kommunen mot riket); comparison_level och comparison_value säger vad värdet jämförs med.
-- column kommun: kommunkod (fyra siffror, t.ex. 0123)
-- column area_id: fokusområdets id (ur focus_areas.csv); hela_kommunen för Kolada-rader kommun mot riket
-- column area_name: fokusområdets namn
-- column indicator: indikatorns id (ur [indicators.*] i catalog.toml)
-- column indicator_name: indikatorns svenska namn
-- column theme: planens tema som indikatorn hör till
-- column unit: indikatorns enhet (procent, personer, tkr, dagar …)
-- column higher_is_better: om ett högt värde är bättre: true, false eller neutral (catalog.toml)
-- column year: år
-- column sex: kön: 1 = män, 2 = kvinnor, 1+2 = båda könen
-- column value: områdets värde: summerade täljare / summerade nämnare över områdets DeSO (× 100 för andelar), summa för antal, befolkningsviktat medelvärde för medianer; ur kommunens fil för dess indikatorer, och kommunens Kolada-värde på rader kommun mot riket
-- column numerator: summerad täljare över områdets DeSO (eller ur kommunens fil)
-- column denominator: summerad nämnare över områdets DeSO (eller ur kommunens fil)
-- column deso_count: antal DeSO i området detta år
-- column deso_missing: antal av områdets DeSO med undertryckt eller saknad cell (..); är det fler än noll saknas värdet
-- column kommun_value: kommunens värde, räknat på samma sätt över kommunens alla DeSO
-- column rest_of_kommun_value: värdet för resten av kommunen: kommunen utom alla dess fokusområden
-- column comparison_value: värdet området jämförs med (kommunens värde, eller rikets för Kolada-rader); se comparison_level
-- column gap: områdets värde minus jämförelsevärdet, i gap_unit
-- column gap_unit: gapets enhet: procentenheter för andelar, annars indikatorns enhet
-- column ratio_to_kommun: områdets värde delat med jämförelsevärdet
-- column method_note: hur värdet räknats (summa över DeSO, summa täljare / summa nämnare, befolkningsviktat medelvärde som approximation, Kolada, kommunens fil)
-- column comparison_level: vad som jämförs: område mot kommun (DeSO), område mot kommun (kommunens fil och Kolada) eller kommun mot riket (Kolada)
-- column status_symbols: SCB:s statussymboler i underlaget (.. undertryckt, . saknas, - noll), tomt om inga
-- column demo: sant om raden bygger på demodata (påhittade siffror), falskt för publicerad statistik
-- column source_table: källtabellen (SCB:s tabell-id, Kolada-nyckeltal eller kommunens fil); flera med +
-- column source_updated: källans datum: tabellens updated hos SCB; för Kolada nyckeltalets publiceringsdatum, eller hämtdatumet där inget finns
-- column reference_year: referensåret, det år uppgiften avser
-- column division: DeSO-indelning: DeSO2018 (till och med 2023) eller DeSO2025 (från 2024); tomt för Kolada och kommunens filer
-- column population: gruppen som mäts (t.ex. 20–64 år, 25–65 år, alla åldrar)
-- column series_break: vad som ändrades detta år: ny indelning, ny tabell, ny åldersgrupp eller SCB:s brus (CKM) från 2025; annars tomt
-- column series_restarts: sant om serien börjar om detta år (ny åldersgrupp, eller ny indelning där området inte bevisligen är detsamma)
-- column restart_reason: varför serien börjar om, på svenska
-- depends_on: staging.stg_deso_indicator_inputs, raw.focus_area_deso, raw.indicator_catalog, raw.kolada_kommun_series, raw.local_area_values
-- unique_key: kommun, area_id, indicator, year, sex
WITH inputs AS (
    SELECT * FROM staging.stg_deso_indicator_inputs WHERE region_level = 'deso'
),
areas AS (
    SELECT DISTINCT kommun, area_id, area_name, division, deso FROM raw.focus_area_deso
),
continuity AS (
    SELECT DISTINCT kommun, area_id, series_runs_on, continuity_note FROM raw.focus_area_deso
),
members AS (
    -- each focus area, with its DeSO of the year's division
    SELECT a.area_id AS grouping, i.*
    FROM inputs i
    JOIN areas a ON a.kommun = i.kommun AND a.division = i.division AND a.deso = i.region
    UNION ALL
    -- the whole kommun: every DeSO
    SELECT '__kommun' AS grouping, i.* FROM inputs i
    WHERE i.kommun IN (SELECT kommun FROM areas)
    UNION ALL
    -- the rest of the kommun: DeSO outside all of its focus areas
    SELECT '__rest' AS grouping, i.* FROM inputs i
    WHERE i.kommun IN (SELECT kommun FROM areas)
      AND NOT EXISTS (SELECT 1 FROM areas a
                      WHERE a.kommun = i.kommun AND a.division = i.division AND a.deso = i.region)
),
summed AS (
    SELECT
        m.kommun, m.grouping, m.indicator, m.year, m.sex,
        count(*) AS deso_count,
        count(*) FILTER (WHERE m.numerator IS NULL
                         OR (c.method <> 'sum' AND m.denominator IS NULL)) AS deso_missing,
        sum(m.numerator ORDER BY m.numerator) AS numerator,
        sum(m.denominator ORDER BY m.denominator) AS denominator,
        min(c.method) AS method,
        string_agg(DISTINCT m.status_symbols, ',' ORDER BY m.status_symbols) AS status_symbols,
        bool_or(m.demo) AS demo,
        string_agg(DISTINCT m.source_table, ',' ORDER BY m.source_table) AS source_table,
        string_agg(DISTINCT m.division, ',' ORDER BY m.division) AS division,
        string_agg(DISTINCT m.population, ',' ORDER BY m.population) AS population,
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
),
scb_rows AS (
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
    k.value                                     AS comparison_value,
    CASE WHEN a.method = 'sum' THEN NULL ELSE a.value - k.value END AS gap,
    CASE WHEN c.unit = 'procent' THEN 'procentenheter' ELSE c.unit END AS gap_unit,
    CASE WHEN a.method = 'sum' OR k.value = 0 THEN NULL ELSE a.value / k.value END AS ratio_to_kommun,
    c.method_note,
    'område mot kommun (DeSO)'                  AS comparison_level,
    a.status_symbols,
    a.demo OR coalesce(k.demo, FALSE)           AS demo,
    a.source_table,
    a.source_updated::VARCHAR                   AS source_updated,
    a.year                                      AS reference_year,
    a.division,
    a.population
FROM valued a
JOIN raw.indicator_catalog c USING (indicator)
JOIN (SELECT DISTINCT kommun, area_id, area_name FROM areas) n
  ON n.kommun = a.kommun AND n.area_id = a.grouping
LEFT JOIN valued k
  ON k.kommun = a.kommun AND k.grouping = '__kommun' AND k.indicator = a.indicator AND k.year = a.year AND k.sex = a.sex
LEFT JOIN valued r
  ON r.kommun = a.kommun AND r.grouping = '__rest' AND r.indicator = a.indicator AND r.year = a.year AND r.sex = a.sex
),
kolada AS (
    SELECT c.indicator, k.municipality, k.year, k.sex, k.value, k.demo, k.kpi, k.source_updated
    FROM raw.kolada_kommun_series k JOIN raw.indicator_catalog c ON c.kpi = k.kpi
),
local_summed AS (
    SELECT
        l.kommun, l.area_id, min(l.area_name) AS area_name, l.indicator, l.year,
        count(*) AS n_rows,
        count(*) FILTER (WHERE l.numerator IS NULL OR l.denominator IS NULL) AS n_without_counts,
        sum(l.numerator ORDER BY l.numerator) AS numerator,
        sum(l.denominator ORDER BY l.denominator) AS denominator,
        min(l.value) AS single_value,
        bool_or(l.demo) AS demo,
        string_agg(DISTINCT l.source, '; ' ORDER BY l.source) AS source_text
    FROM raw.local_area_values l
    GROUP BY ALL
),
local_rows AS (
    SELECT
        l.kommun, l.area_id, l.area_name, l.indicator, c.indicator_name, c.theme, c.unit,
        c.higher_is_better, l.year, '1+2' AS sex,
        CASE
            WHEN l.n_without_counts = 0 AND c.unit = 'procent' THEN 100.0 * l.numerator / l.denominator
            WHEN l.n_without_counts = 0 AND c.unit = 'per 100 000 inv.' THEN 100000.0 * l.numerator / l.denominator
            WHEN l.n_without_counts = 0 THEN l.numerator / l.denominator
            WHEN l.n_rows = 1 THEN l.single_value
        END AS value,
        CASE WHEN l.n_without_counts = 0 THEN l.numerator END AS numerator,
        CASE WHEN l.n_without_counts = 0 THEN l.denominator END AS denominator,
        NULL::BIGINT AS deso_count, 0::BIGINT AS deso_missing,
        k.value AS kommun_value, NULL::DOUBLE AS rest_of_kommun_value, k.value AS comparison_value
    FROM local_summed l
    JOIN raw.indicator_catalog c USING (indicator)
    LEFT JOIN kolada k ON k.indicator = l.indicator AND k.municipality = l.kommun AND k.year = l.year AND k.sex = '1+2'
),
local_final AS (
    SELECT
        r.kommun, r.area_id, r.area_name, r.indicator, r.indicator_name, r.theme, r.unit, r.higher_is_better,
        r.year, r.sex, r.value, r.numerator, r.denominator, r.deso_count, r.deso_missing,
        r.kommun_value, r.rest_of_kommun_value, r.comparison_value,
        r.value - r.comparison_value AS gap,
        CASE WHEN r.unit = 'procent' THEN 'procentenheter' ELSE r.unit END AS gap_unit,
        r.value / nullif(r.comparison_value, 0) AS ratio_to_kommun,
        'områdesvärde ur kommunens egen fil; kommunens värde ur Kolada' AS method_note,
        'område mot kommun (kommunens fil och Kolada)' AS comparison_level,
        NULL::VARCHAR AS status_symbols,
        l.demo OR coalesce(kv.demo, FALSE) AS demo,
        'kommunens fil: ' || l.source_text || coalesce(' + Kolada ' || kv.kpi, '') AS source_table,
        kv.source_updated::VARCHAR AS source_updated,
        r.year AS reference_year,
        'kommunens avgränsning' AS division,
        NULL::VARCHAR AS population
    FROM local_rows r
    JOIN local_summed l USING (kommun, area_id, indicator, year)
    LEFT JOIN kolada kv ON kv.indicator = r.indicator AND kv.municipality = r.kommun AND kv.year = r.year AND kv.sex = '1+2'
),
kommun_rows AS (
    SELECT
        k.municipality AS kommun, 'hela_kommunen' AS area_id, 'Hela kommunen' AS area_name,
        k.indicator, c.indicator_name, c.theme, c.unit, c.higher_is_better, k.year, k.sex,
        k.value, NULL::DOUBLE AS numerator, NULL::DOUBLE AS denominator,
        NULL::BIGINT AS deso_count, 0::BIGINT AS deso_missing,
        k.value AS kommun_value, NULL::DOUBLE AS rest_of_kommun_value, riket.value AS comparison_value,
        k.value - riket.value AS gap,
        CASE WHEN c.unit = 'procent' THEN 'procentenheter' ELSE c.unit END AS gap_unit,
        k.value / nullif(riket.value, 0) AS ratio_to_kommun,
        c.method_note,
        'kommun mot riket (Kolada)' AS comparison_level,
        NULL::VARCHAR AS status_symbols,
        k.demo OR coalesce(riket.demo, FALSE) AS demo,
        'Kolada ' || k.kpi AS source_table,
        k.source_updated::VARCHAR AS source_updated,
        k.year AS reference_year,
        'kommun' AS division,
        NULL::VARCHAR AS population
    FROM kolada k
    JOIN raw.indicator_catalog c USING (indicator)
    LEFT JOIN kolada riket ON riket.indicator = k.indicator AND riket.municipality = '0000' AND riket.year = k.year AND riket.sex = k.sex
    WHERE k.municipality IN (SELECT kommun FROM areas)
),
all_rows AS (
    SELECT * FROM scb_rows
    UNION ALL BY NAME SELECT * FROM local_final
    UNION ALL BY NAME SELECT * FROM kommun_rows
),
with_previous AS (
    SELECT
        r.*,
        coalesce(ct.series_runs_on, TRUE) AS series_runs_on,
        ct.continuity_note,
        lag(r.year) OVER w AS previous_year,
        lag(r.division) OVER w AS previous_division,
        lag(r.source_table) OVER w AS previous_table,
        lag(r.population) OVER w AS previous_population
    FROM all_rows r
    LEFT JOIN continuity ct USING (kommun, area_id)
    WINDOW w AS (PARTITION BY r.kommun, r.area_id, r.indicator, r.sex ORDER BY r.year)
),
breaks AS (
    SELECT
        *,
        previous_division IS NOT NULL AND division <> previous_division AS new_division,
        comparison_level = 'område mot kommun (DeSO)'
            AND previous_table IS NOT NULL AND source_table <> previous_table AS new_table,
        previous_population IS NOT NULL AND population <> previous_population AS new_population,
        comparison_level = 'område mot kommun (DeSO)'
            AND year >= 2025 AND (previous_year IS NULL OR previous_year < 2025) AS ckm_starts
    FROM with_previous
)
SELECT
    * EXCLUDE (previous_year, previous_division, previous_table, previous_population,
               new_division, new_table, new_population, ckm_starts, series_runs_on, continuity_note),
    nullif(concat_ws('; ',
        CASE WHEN new_division THEN 'ny indelning: ' || replace(division, 'DeSO', 'DeSO ') END,
        CASE WHEN new_table THEN 'ny tabell: ' || source_table END,
        CASE WHEN new_population THEN 'ny åldersgrupp: ' || population END,
        CASE WHEN ckm_starts THEN 'SCB:s brus (CKM) från 2025' END
    ), '')                                                    AS series_break,
    (new_division AND NOT series_runs_on) OR new_population  AS series_restarts,
    CASE
        WHEN new_population THEN 'ny åldersgrupp: ' || previous_population || ' → ' || population
        WHEN new_division AND NOT series_runs_on THEN continuity_note
    END                                                       AS restart_reason
FROM breaks
ORDER BY kommun, area_id, indicator, sex, year
