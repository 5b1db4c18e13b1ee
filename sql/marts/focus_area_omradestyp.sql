-- Fokusområdenas områdestyp per år: för varje område, år och RegSO som området ligger i, RegSO:ts områdestyp det året och hur stor andel av områdets befolkning som bor i det RegSO:t (population_andel, från DeSO-befolkningen: SCB:s folkmängd per DeSO, båda könen, alla bakgrunder). Ett område som spänner över flera RegSO får en rad per RegSO.
-- Områdets DeSO hör till årets indelning (DeSO 2018 till och med 2023, DeSO 2025 från 2024) och kopplas till RegSO genom SCB:s nycklar. Saknas befolkningen för någon av områdets DeSO det året lämnas andelen tom och share_note säger varför.
-- omradestyp_demo och population_demo säger om typen respektive befolkningen är demodata; demo om något av dem är det. Nycklar för senare uppföljning: kommun, area_id, year, regso.
-- column kommun: kommunkod (fyra siffror, t.ex. 0123)
-- column area_id: fokusområdets id (ur focus_areas.csv)
-- column area_name: fokusområdets namn
-- column year: år
-- column regso: RegSO-kod som området (helt eller delvis) ligger i
-- column regso_name: RegSO:ts namn
-- column regso_division: RegSO-indelning: RegSO2020 (till och med 2023) eller RegSO2025 (från 2024)
-- column division: DeSO-indelning: DeSO2018 (till och med 2023) eller DeSO2025 (från 2024) (årets indelning för områdets DeSO)
-- column deso: områdets DeSO i detta RegSO, kommaseparerade
-- column omradestyp: RegSO:ts områdestyp 1–5 detta år
-- column omradestyp_label: områdestypens svenska namn
-- column regso_population: folkmängden i områdets DeSO i detta RegSO; tomt om någon av områdets DeSO saknar befolkning
-- column area_population: områdets hela folkmängd detta år; tomt om någon av områdets DeSO saknar befolkning
-- column population_andel: andel (%) av områdets befolkning som bor i detta RegSO; tomt med skäl i share_note
-- column share_note: varför andelen saknas, annars tomt
-- column omradestyp_demo: sant om områdestypen är demodata
-- column population_demo: sant om befolkningen är demodata
-- column demo: sant om typen eller befolkningen är demodata
-- column source_table: källtabellen (SCB:s tabell-id, Kolada-nyckeltal eller kommunens fil); flera med +
-- column source_updated: källans datum: tabellens updated hos SCB; för Kolada nyckeltalets publiceringsdatum, eller hämtdatumet där inget finns
-- depends_on: staging.stg_regso_omradestyp, marts.regso_omradestyp, raw.focus_area_deso, raw.scb_deso_population_background
-- unique_key: kommun, area_id, year, regso
WITH years AS (
    SELECT DISTINCT CAST(year AS INTEGER) AS year, regso_division, deso_division
    FROM staging.stg_regso_omradestyp
),
members AS (
    SELECT a.kommun, a.area_id, a.area_name, a.division, a.deso, a.regso, a.regso_name,
           y.year, y.regso_division
    FROM (SELECT DISTINCT kommun, area_id, area_name, division, deso, regso, regso_name
          FROM raw.focus_area_deso) a
    JOIN years y ON y.deso_division = a.division
),
population AS (
    SELECT "Region" AS deso, division, CAST("Tid" AS INTEGER) AS year,
           value AS persons, demo, table_id, updated
    FROM raw.scb_deso_population_background
    WHERE "UtlBakgrund" = 'SA' AND "Kon" = '1+2' AND "ContentsCode" = '000007Y4'
),
per_regso AS (
    SELECT m.kommun, m.area_id, m.area_name, m.division, m.year, m.regso, m.regso_division,
           min(m.regso_name)                                AS key_regso_name,
           string_agg(m.deso, ', ' ORDER BY m.deso)         AS deso,
           sum(p.persons)                                   AS persons,
           count(*) FILTER (WHERE p.persons IS NULL)        AS deso_without_population,
           bool_or(coalesce(p.demo, false))                 AS population_demo,
           string_agg(DISTINCT p.table_id, ',' ORDER BY p.table_id) AS population_table,
           max(p.updated)                                   AS population_updated
    FROM members m
    LEFT JOIN population p ON p.deso = m.deso AND p.division = m.division AND p.year = m.year
    GROUP BY ALL
),
per_area AS (
    SELECT kommun, area_id, year,
           sum(persons)                   AS area_population,
           sum(deso_without_population)   AS deso_without_population
    FROM per_regso
    GROUP BY ALL
)
SELECT
    r.kommun,
    r.area_id,
    r.area_name,
    r.year,
    r.regso,
    coalesce(o.regso_name, r.key_regso_name)                             AS regso_name,
    r.regso_division,
    r.division,
    r.deso,
    o.omradestyp,
    o.omradestyp_label,
    CAST(CASE WHEN a.deso_without_population = 0 THEN r.persons END AS BIGINT) AS regso_population,
    CAST(CASE WHEN a.deso_without_population = 0 THEN a.area_population END AS BIGINT)
                                                                         AS area_population,
    CASE WHEN a.deso_without_population = 0 AND a.area_population > 0
         THEN 100.0 * r.persons / a.area_population END                 AS population_andel,
    CASE
        WHEN a.deso_without_population > 0
            THEN 'befolkning saknas för ' || a.deso_without_population
                 || ' av områdets DeSO detta år: andelen lämnas tom'
        WHEN a.area_population = 0 THEN 'områdets befolkning är 0: andelen lämnas tom'
    END                                                                  AS share_note,
    coalesce(o.demo, false)                                              AS omradestyp_demo,
    r.population_demo,
    coalesce(o.demo, false) OR r.population_demo                         AS demo,
    concat_ws('+', o.source_table, r.population_table)                   AS source_table,
    o.source_updated                                                     AS source_updated
FROM per_regso r
JOIN per_area a USING (kommun, area_id, year)
LEFT JOIN marts.regso_omradestyp o ON o.regso = r.regso AND o.year = r.year
                                  AND o.regso_division = r.regso_division
ORDER BY r.kommun, r.area_id, r.year, r.regso
