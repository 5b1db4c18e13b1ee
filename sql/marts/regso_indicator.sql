-- Indikatorvärden per RegSO, underlag för jämförelseområdena: DeSO summerade till sitt RegSO genom SCB:s nyckel (DeSO 2018 till RegSO 2020 till och med 2023, DeSO 2025 till RegSO 2025 från 2024), med summerade täljare och nämnare precis som fokusområdena, aldrig medelvärden av andelar. Saknas en cell (..) i någon DeSO saknas RegSO:ts värde det året. contains_focus_area säger om RegSO:t rymmer en DeSO i något fokusområde (ett sådant RegSO blir aldrig jämförelseområde).
-- column kommun: kommunkod för kommunen som RegSO:t ligger i
-- column regso: RegSO-kod
-- column regso_name: RegSO:ts namn
-- column regso_division: RegSO-indelning: RegSO2020 (till och med 2023) eller RegSO2025 (från 2024)
-- column indicator: indikatorns id (ur [indicators.*] i catalog.toml)
-- column unit: indikatorns enhet (procent, personer, tkr, dagar …)
-- column year: år
-- column sex: kön: 1 = män, 2 = kvinnor, 1+2 = båda könen
-- column value: RegSO:ts värde ur summerade täljare och nämnare över dess DeSO; tomt om någon DeSO saknar värde
-- column numerator: summerad täljare
-- column denominator: summerad nämnare
-- column deso_count: antal DeSO i RegSO:t
-- column deso_missing: antal DeSO med undertryckt eller saknad cell (..)
-- column contains_focus_area: sant om RegSO:t rymmer en DeSO i något fokusområde (blir då aldrig jämförelseområde)
-- column demo: sant om raden bygger på demodata (påhittade siffror), falskt för publicerad statistik
-- column source_table: källtabellen (SCB:s tabell-id, Kolada-nyckeltal eller kommunens fil); flera med +
-- column reference_year: referensåret, det år uppgiften avser
-- depends_on: marts.deso_indicator, raw.deso_regso_key, raw.indicator_catalog, raw.focus_area_deso
-- unique_key: regso, regso_division, indicator, year, sex
WITH joined AS (
    SELECT d.*, k.regso, k.regso_name, k.regso_division, c.method
    FROM marts.deso_indicator d
    JOIN raw.deso_regso_key k ON k.deso = d.deso AND k.division = d.division
    JOIN raw.indicator_catalog c USING (indicator)
),
summed AS (
    SELECT
        min(kommun) AS kommun, regso, min(regso_name) AS regso_name, regso_division,
        indicator, year, sex,
        count(*) AS deso_count,
        count(*) FILTER (WHERE numerator IS NULL
                         OR (method <> 'sum' AND denominator IS NULL)) AS deso_missing,
        sum(numerator ORDER BY numerator) AS numerator,
        sum(denominator ORDER BY denominator) AS denominator,
        min(method) AS method,
        min(unit) AS unit,
        bool_or(demo) AS demo,
        string_agg(DISTINCT source_table, ',' ORDER BY source_table) AS source_table
    FROM joined
    GROUP BY regso, regso_division, indicator, year, sex
),
focus AS (
    SELECT DISTINCT k.regso, k.regso_division
    FROM raw.focus_area_deso f
    JOIN raw.deso_regso_key k ON k.deso = f.deso AND k.division = f.division
)
SELECT
    s.kommun, s.regso, s.regso_name, s.regso_division, s.indicator, s.unit, s.year, s.sex,
    CASE
        WHEN s.deso_missing > 0 THEN NULL
        WHEN s.method = 'sum' THEN s.numerator
        WHEN s.denominator IS NULL OR s.denominator = 0 THEN NULL
        WHEN s.method = 'ratio' THEN 100.0 * s.numerator / s.denominator
        ELSE s.numerator / s.denominator
    END                                                        AS value,
    CASE WHEN s.deso_missing > 0 THEN NULL ELSE s.numerator END AS numerator,
    CASE WHEN s.deso_missing > 0 OR s.method = 'sum' THEN NULL ELSE s.denominator END AS denominator,
    s.deso_count, s.deso_missing,
    f.regso IS NOT NULL                                        AS contains_focus_area,
    s.demo, s.source_table,
    s.year                                                     AS reference_year
FROM summed s
LEFT JOIN focus f ON f.regso = s.regso AND f.regso_division = s.regso_division
ORDER BY s.kommun, s.regso, s.regso_division, s.indicator, s.sex, s.year
