-- Fokusområdena i ett större sammanhang: för varje område, indikator, år och kön var områdets värde hamnar bland alla DeSO i de kommuner som är inlästa (samma indikator, år, kön och DeSO-indelning). percentile är andelen DeSO (0–100) med lägre värde än området, där lika värden räknas till hälften: 90 betyder att området har ett högre värde än nio av tio DeSO. Om ett högt värde är bra eller dåligt säger higher_is_better; share_of_deso_better_off är andelen DeSO med ett gynnsammare värde än området. Jämförelsen gäller bara de kommuner som är inlästa (deso_compared, kommuner_compared): med hela landet i kommunfilen är det en nationell jämförelse.
-- Bara andelar och medianer som SCB redovisar per DeSO (inte antal, där en percentil bara säger hur stort området är); en DeSO med saknat värde (..) räknas inte.
-- column kommun: kommunkod (fyra siffror, t.ex. 0123)
-- column area_id: fokusområdets id (ur focus_areas.csv)
-- column area_name: fokusområdets namn
-- column indicator: indikatorns id (ur [indicators.*] i catalog.toml)
-- column indicator_name: indikatorns svenska namn
-- column unit: indikatorns enhet (procent, personer, tkr, dagar …)
-- column year: år
-- column sex: kön: 1 = män, 2 = kvinnor, 1+2 = båda könen
-- column division: DeSO-indelning: DeSO2018 (till och med 2023) eller DeSO2025 (från 2024)
-- column value: områdets värde (som i focus_area_indicator)
-- column percentile: andel DeSO (0–100) med lägre värde än området, lika värden räknas till hälften
-- column higher_is_better: om ett högt värde är bättre: true, false eller neutral (catalog.toml)
-- column share_of_deso_better_off: andel DeSO (0–100) med ett gynnsammare värde än området, enligt higher_is_better
-- column deso_compared: antal DeSO i jämförelsen
-- column kommuner_compared: antal kommuner som de jämförda DeSO ligger i
-- column demo: sant om raden bygger på demodata (påhittade siffror), falskt för publicerad statistik
-- column source_table: källtabellen (SCB:s tabell-id, Kolada-nyckeltal eller kommunens fil); flera med +
-- column reference_year: referensåret, det år uppgiften avser
-- depends_on: marts.focus_area_indicator, marts.deso_indicator, raw.indicator_catalog
-- unique_key: kommun, area_id, indicator, year, sex
WITH areas AS (
    SELECT kommun, area_id, area_name, indicator, indicator_name, unit, year, sex, division,
           value, demo, source_table
    FROM marts.focus_area_indicator
    WHERE comparison_level = 'område mot kommun (DeSO)' AND value IS NOT NULL
),
deso AS (
    SELECT kommun, indicator, year, sex, division, value, demo
    FROM marts.deso_indicator
    WHERE value IS NOT NULL
),
ranked AS (
    SELECT
        a.kommun, a.area_id, a.indicator, a.year, a.sex,
        count(*)                                       AS deso_compared,
        count(DISTINCT d.kommun)                       AS kommuner_compared,
        count(*) FILTER (WHERE d.value < a.value)      AS deso_below,
        count(*) FILTER (WHERE d.value = a.value)      AS deso_equal,
        count(*) FILTER (WHERE d.value > a.value)      AS deso_above,
        bool_or(d.demo)                                AS deso_demo
    FROM areas a
    JOIN deso d
      ON d.indicator = a.indicator AND d.year = a.year AND d.sex = a.sex
     AND d.division = a.division
    GROUP BY ALL
)
SELECT
    a.kommun, a.area_id, a.area_name, a.indicator, a.indicator_name, a.unit, a.year, a.sex,
    a.division, a.value,
    round(100.0 * (r.deso_below + 0.5 * r.deso_equal) / r.deso_compared, 1) AS percentile,
    c.higher_is_better,
    CASE c.higher_is_better
        WHEN 'true' THEN round(100.0 * r.deso_above / r.deso_compared, 1)
        WHEN 'false' THEN round(100.0 * r.deso_below / r.deso_compared, 1)
    END                                                                    AS share_of_deso_better_off,
    r.deso_compared,
    r.kommuner_compared,
    a.demo OR r.deso_demo                                                  AS demo,
    a.source_table,
    a.year                                                                 AS reference_year
FROM areas a
JOIN ranked r USING (kommun, area_id, indicator, year, sex)
JOIN raw.indicator_catalog c USING (indicator)
WHERE c.method <> 'sum'
ORDER BY a.kommun, a.area_id, a.indicator, a.sex, a.year
