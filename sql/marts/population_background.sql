-- Befolkning efter bakgrund per kommun och år (som Tabell 1 i Järfällas integrationsplan): antal och andel (%) utrikes födda, inrikes födda med två utrikes födda föräldrar och övriga inrikes födda, samt totalt. Andelar räknas från antal.
-- series_break namnger det som ändrades det året: ny tabell (SCB fortsätter serien i UtlSvBakgFinCKM från 2025) och SCB:s brus (CKM) från 2025, då delarna inte alltid summerar exakt till totalen.
-- column kommun: kommunkod (fyra siffror, t.ex. 0123)
-- column year: år (31 december)
-- column utrikes_fodda_antal: antal utrikes födda
-- column utrikes_fodda_andel: andel utrikes födda av totalt (%), räknad från antal
-- column inrikes_fodda_tva_utrikes_foraldrar_antal: antal inrikes födda med två utrikes födda föräldrar
-- column inrikes_fodda_tva_utrikes_foraldrar_andel: andel inrikes födda med två utrikes födda föräldrar (%), räknad från antal
-- column inrikes_fodda_ovriga_antal: antal övriga inrikes födda (en eller två inrikes födda föräldrar)
-- column inrikes_fodda_ovriga_andel: andel övriga inrikes födda (%), räknad från antal
-- column totalt_antal: folkmängden totalt
-- column inrikes_ovriga_method: hur övriga inrikes födda räknats: summa av kod 5 och 6, eller totalt minus kod 08 och 4 där 5 och 6 inte publiceras (Tabell 1)
-- column status_symbols: SCB:s statussymboler i underlaget (.. undertryckt, . saknas, - noll), tomt om inga
-- column demo: sant om raden bygger på demodata (påhittade siffror), falskt för publicerad statistik
-- column source_table: källtabellen (SCB:s tabell-id, Kolada-nyckeltal eller kommunens fil); flera med +
-- column source_updated: källans datum: tabellens updated hos SCB; för Kolada nyckeltalets publiceringsdatum, eller hämtdatumet där inget finns
-- column reference_year: referensåret, det år uppgiften avser
-- column series_break: vad som ändrades detta år (ny tabell, SCB:s brus (CKM) från 2025), annars tomt
-- depends_on: staging.stg_scb_population_background
-- unique_key: kommun, year
WITH cells AS (
    SELECT
        kommun,
        year,
        max(persons) FILTER (WHERE background_code = 'TotUI') AS total_published,
        max(persons) FILTER (WHERE background_code = '08')    AS utrikes_fodda,
        max(persons) FILTER (WHERE background_code = '4')     AS inrikes_tva_utrikes_foraldrar,
        max(persons) FILTER (WHERE background_code = '5')     AS inrikes_en_utrikes_foralder,
        max(persons) FILTER (WHERE background_code = '6')     AS inrikes_tva_inrikes_foraldrar,
        string_agg(DISTINCT status, ',' ORDER BY status) FILTER (WHERE status IS NOT NULL) AS statuses,
        bool_or(demo)                                         AS demo,
        string_agg(DISTINCT source_table, ',' ORDER BY source_table)         AS source_table,
        max(source_updated)                                   AS source_updated
    FROM staging.stg_scb_population_background
    GROUP BY kommun, year
),
groups AS (
    SELECT
        *,
        -- Tabell 1:s tredje grupp är koderna 5 + 6. Där de inte finns var för sig men totalen
        -- gör det, är gruppen totalen minus de två andra (exakt före 2025, då delarna summerar till totalen).
        CASE
            WHEN inrikes_en_utrikes_foralder IS NOT NULL AND inrikes_tva_inrikes_foraldrar IS NOT NULL
                THEN inrikes_en_utrikes_foralder + inrikes_tva_inrikes_foraldrar
            ELSE total_published - utrikes_fodda - inrikes_tva_utrikes_foraldrar
        END AS inrikes_ovriga,
        CASE
            WHEN inrikes_en_utrikes_foralder IS NOT NULL AND inrikes_tva_inrikes_foraldrar IS NOT NULL
                THEN 'summa av kod 5 och 6'
            WHEN total_published IS NOT NULL THEN 'totalt minus kod 08 och 4'
        END AS inrikes_ovriga_method
    FROM cells
),
totals AS (
    SELECT
        *,
        coalesce(total_published, utrikes_fodda + inrikes_tva_utrikes_foraldrar + inrikes_ovriga)
            AS total
    FROM groups
),
ordered AS (
    SELECT *,
           lag(source_table) OVER (PARTITION BY kommun ORDER BY year) AS previous_table,
           lag(year) OVER (PARTITION BY kommun ORDER BY year) AS previous_year
    FROM totals
)
SELECT
    kommun,
    year,
    CAST(utrikes_fodda AS BIGINT)                                   AS utrikes_fodda_antal,
    round(100.0 * utrikes_fodda / total, 4)                         AS utrikes_fodda_andel,
    CAST(inrikes_tva_utrikes_foraldrar AS BIGINT)                   AS inrikes_fodda_tva_utrikes_foraldrar_antal,
    round(100.0 * inrikes_tva_utrikes_foraldrar / total, 4)         AS inrikes_fodda_tva_utrikes_foraldrar_andel,
    CAST(inrikes_ovriga AS BIGINT)                                  AS inrikes_fodda_ovriga_antal,
    round(100.0 * inrikes_ovriga / total, 4)                        AS inrikes_fodda_ovriga_andel,
    CAST(total AS BIGINT)                                           AS totalt_antal,
    inrikes_ovriga_method,
    statuses                                                        AS status_symbols,
    demo,
    source_table,
    source_updated,
    year                                                            AS reference_year,
    nullif(concat_ws('; ',
        CASE WHEN previous_table IS NOT NULL AND source_table <> previous_table
             THEN 'ny tabell: ' || source_table END,
        CASE WHEN year >= 2025 AND (previous_year IS NULL OR previous_year < 2025)
             THEN 'SCB:s brus (CKM) från 2025' END
    ), '')                                                          AS series_break
FROM ordered
ORDER BY kommun, year
