-- Segregationsindex per kommun, år, DeSO-indelning och mått, räknade över kommunens DeSO: olikhetsindex D och Theils informationsindex H för utländsk mot svensk bakgrund, isolering och exponering, samt inkomstsegregation (D mellan lägsta och högsta nationella inkomstkvartilen, kvartil 1 mot 4). expected_random är värdet om de boende vore slumpmässigt fördelade över samma DeSO-storlekar (simulerat, fast frö), interval_low–interval_high dess 95 % simuleringsintervall och adjusted värdet justerat för det (D och H enligt Carrington & Troske: (värde − slumpvärde)/(1 − slumpvärde); isolering och exponering: värde − slumpvärde).
-- DeSO där en cell saknas (..) lämnas utanför och räknas i areas_suppressed; DeSO utan boende i areas_empty. rank_among_kommuner: 1 = mest segregerad (för exponering: lägst exponering) bland de inlästa kommunerna samma år, indelning och mått. note förklarar ett saknat värde. Formlerna står i docs/metod.md (Segregationsindex).
-- Ett mått vars källa hoppades över i kontrollen före körningen (en obekräftad tabell som inte klarade den, raw.preflight_check) får rader utan värde, och note säger vilken källa som saknas och varför.
-- column kommun: kommunkod (fyra siffror, t.ex. 0123)
-- column kommun_name: kommunens namn
-- column year: år
-- column division: DeSO-indelning: DeSO2018 (till och med 2023) eller DeSO2025 (från 2024)
-- column measure: måttets id: dissimilarity, theil_h, isolation, exposure eller income_dissimilarity
-- column measure_name: måttets svenska namn
-- column groups: vilka grupper måttet jämför
-- column value: indexets värde över kommunens DeSO
-- column expected_random: väntat värde om de boende vore slumpmässigt fördelade över samma DeSO-storlekar (200 simuleringar, fast frö)
-- column adjusted: värdet justerat för slumpen: för D, H och inkomst-D (värde − slumpvärde)/(1 − slumpvärde), för isolering och exponering värde − slumpvärde
-- column interval_low: 2,5-percentilen av simuleringarna (nedre gräns för 95 % simuleringsintervall)
-- column interval_high: 97,5-percentilen av simuleringarna (övre gräns)
-- column areas: antal DeSO som ingår
-- column areas_suppressed: antal DeSO som lämnats utanför för att en cell saknas (..)
-- column areas_empty: antal DeSO utan boende
-- column residents: antal personer i de två grupperna i de DeSO som ingår
-- column rank_among_kommuner: kommunens plats bland de inlästa kommunerna samma år, indelning och mått (1 = mest segregerad; för exponering lägst)
-- column kommuner_compared: antal kommuner i rangordningen
-- column note: varför ett värde saknas, annars tomt
-- column demo: sant om raden bygger på demodata (påhittade siffror), falskt för publicerad statistik
-- column source_table: källtabellen (SCB:s tabell-id, Kolada-nyckeltal eller kommunens fil); flera med +
-- column reference_year: referensåret, det år uppgiften avser
-- depends_on: staging.stg_deso_group_counts, staging.segregation_random_allocation, raw.preflight_check
-- unique_key: kommun, year, division, measure
WITH counted AS (
    SELECT
        kommun, year, division, pair,
        min(kommun_name)                                                  AS kommun_name,
        count(*) FILTER (WHERE NOT suppressed AND total > 0)             AS areas,
        count(*) FILTER (WHERE suppressed)                               AS areas_suppressed,
        count(*) FILTER (WHERE NOT suppressed AND total = 0)             AS areas_empty,
        sum(group_x ORDER BY deso) FILTER (WHERE NOT suppressed)         AS big_x,
        sum(group_y ORDER BY deso) FILTER (WHERE NOT suppressed)         AS big_y,
        bool_or(demo)                                                    AS demo,
        string_agg(DISTINCT source_table, ',' ORDER BY source_table)     AS source_table
    FROM staging.stg_deso_group_counts
    GROUP BY kommun, year, division, pair
),
pair_sources (pair, request) AS (
    VALUES ('background', 'deso_population_background'), ('income', 'deso_income_quartiles')
),
skipped AS (
    -- pairs whose source the run went on without, and why
    SELECT s.pair, string_agg(c.message, '; ') AS reason
    FROM raw.preflight_check c
    JOIN pair_sources s USING (request)
    WHERE c.skipped
    GROUP BY s.pair
),
units AS (
    SELECT u.*, NULL::VARCHAR AS skipped_reason FROM counted u
    UNION ALL
    -- a skipped pair: one row per kommun, year and division that the other pairs have
    SELECT DISTINCT ON (o.kommun, o.year, o.division)
        o.kommun, o.year, o.division, s.pair, o.kommun_name, 0, 0, 0, NULL, NULL, o.demo,
        NULL, s.reason
    FROM counted o
    CROSS JOIN skipped s
    WHERE o.pair <> s.pair
      AND NOT EXISTS (SELECT 1 FROM counted i WHERE i.pair = s.pair)
),
areas AS (
    -- the DeSO that count: not suppressed, with residents
    SELECT c.kommun, c.year, c.division, c.pair, c.deso,
           c.group_x AS x, c.group_y AS y, c.total AS t,
           u.big_x, u.big_y, u.big_x + u.big_y AS big_t
    FROM staging.stg_deso_group_counts c
    JOIN units u USING (kommun, year, division, pair)
    WHERE NOT c.suppressed AND c.total > 0 AND u.big_x > 0 AND u.big_y > 0
),
entropy AS (
    SELECT *,
           -- two-group entropy with 0·ln 0 = 0: of the area (e_i) and of the kommun (e)
           - (CASE WHEN x > 0 THEN (x / t) * ln(x / t) ELSE 0 END
              + CASE WHEN y > 0 THEN (y / t) * ln(y / t) ELSE 0 END)      AS e_i,
           - ((big_x / big_t) * ln(big_x / big_t)
              + (big_y / big_t) * ln(big_y / big_t))                       AS e
    FROM areas
),
observed AS (
    SELECT kommun, year, division, pair,
           -- each sum adds the DeSO in code order, so a rerun gives the same last digits
           0.5 * sum(abs(x / big_x - y / big_y) ORDER BY deso)             AS dissimilarity,
           sum(t * (e - e_i) ORDER BY deso) / (min(big_t) * min(e))        AS theil_h,
           sum((x / big_x) * (x / t) ORDER BY deso)                        AS isolation,
           sum((x / big_x) * (y / t) ORDER BY deso)                        AS exposure
    FROM entropy
    GROUP BY kommun, year, division, pair
),
measure_names (pair, measure, source_measure, measure_name, groups, sort_order) AS (
    VALUES
        ('background', 'dissimilarity', 'dissimilarity', 'Olikhetsindex D',
         'utländsk bakgrund / svensk bakgrund', 1),
        ('background', 'theil_h', 'theil_h', 'Theils informationsindex H',
         'utländsk bakgrund / svensk bakgrund', 2),
        ('background', 'isolation', 'isolation', 'Isolering',
         'utländsk bakgrund (andel med utländsk bakgrund i grannskapet för en person med utländsk bakgrund)', 3),
        ('background', 'exposure', 'exposure', 'Exponering',
         'utländsk bakgrund mot svensk bakgrund (andel med svensk bakgrund i grannskapet för en person med utländsk bakgrund)', 4),
        ('income', 'income_dissimilarity', 'dissimilarity', 'Inkomstsegregation D (kvartil 1 mot 4)',
         'lägsta / högsta inkomstkvartilen (ekonomisk standard, hela riket)', 5)
),
long AS (
    SELECT
        u.kommun, u.kommun_name, u.year, u.division, m.measure, m.measure_name, m.groups,
        m.sort_order,
        CASE m.source_measure
            WHEN 'dissimilarity' THEN o.dissimilarity
            WHEN 'theil_h' THEN o.theil_h
            WHEN 'isolation' THEN o.isolation
            WHEN 'exposure' THEN o.exposure
        END                                                               AS value,
        u.areas, u.areas_suppressed, u.areas_empty,
        u.big_x, u.big_y, u.demo, u.source_table, u.skipped_reason
    FROM units u
    JOIN measure_names m USING (pair)
    LEFT JOIN observed o USING (kommun, year, division, pair)
),
joined AS (
    SELECT l.*, r.expected_random, r.interval_low, r.interval_high
    FROM long l
    LEFT JOIN staging.segregation_random_allocation r USING (kommun, year, division, measure)
)
SELECT
    kommun,
    kommun_name,
    year,
    division,
    measure,
    measure_name,
    groups,
    round(value, 6)                                                       AS value,
    round(expected_random, 6)                                             AS expected_random,
    round(CASE
        WHEN value IS NULL OR expected_random IS NULL THEN NULL
        WHEN measure IN ('dissimilarity', 'theil_h', 'income_dissimilarity') THEN
            CASE WHEN expected_random < 1
                 THEN (value - expected_random) / (1 - expected_random) END
        ELSE value - expected_random
    END, 6)                                                               AS adjusted,
    round(interval_low, 6)                                                AS interval_low,
    round(interval_high, 6)                                               AS interval_high,
    CAST(areas AS INTEGER)                                                AS areas,
    CAST(areas_suppressed AS INTEGER)                                     AS areas_suppressed,
    CAST(areas_empty AS INTEGER)                                          AS areas_empty,
    round(coalesce(big_x, 0) + coalesce(big_y, 0))::BIGINT                AS residents,
    CASE WHEN value IS NULL THEN NULL
         -- exposure is the one measure where a lower value means more segregated
         ELSE CAST(rank() OVER (PARTITION BY year, division, measure, value IS NULL
                                ORDER BY CASE WHEN measure = 'exposure' THEN -value
                                              ELSE value END DESC) AS INTEGER) END
                                                                          AS rank_among_kommuner,
    CAST(count(value) OVER (PARTITION BY year, division, measure) AS INTEGER)
                                                                          AS kommuner_compared,
    CASE
        WHEN value IS NOT NULL THEN NULL
        WHEN skipped_reason IS NOT NULL THEN 'källan saknas i denna körning: ' || skipped_reason
        WHEN areas = 0 AND areas_suppressed > 0 THEN 'alla DeSO saknar uppgift (..)'
        WHEN areas = 0 THEN 'inga boende i kommunens DeSO'
        WHEN coalesce(big_x, 0) = 0 OR coalesce(big_y, 0) = 0
            THEN 'en av grupperna saknas i kommunen: måttet är odefinierat'
        ELSE 'kunde inte beräknas'
    END                                                                   AS note,
    demo,
    source_table,
    year                                                                  AS reference_year
FROM joined
ORDER BY kommun, sort_order, division, year
