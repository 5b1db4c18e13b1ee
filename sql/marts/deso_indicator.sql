-- Indikatorvärden per DeSO, underlag för kartorna i rapporten: för varje kommun, DeSO, indikator, år och kön DeSO:ns eget värde, räknat som i fokusområdena (andel = 100 × täljare / nämnare, antal = täljaren, viktat medelvärde = täljare / nämnare). En undertryckt eller saknad cell (..) ger saknat värde, aldrig noll; status_symbols visar SCB:s symboler.
-- division är DeSO-indelningen (DeSO2018 till och med 2023, DeSO2025 från 2024); area_id och area_name anger fokusområdet som DeSO:n hör till i den indelningen (tomt utanför fokusområdena).
-- column kommun: kommunkod (fyra siffror, t.ex. 0123)
-- column deso: DeSO-kod (utan indelningssuffix)
-- column division: DeSO-indelning: DeSO2018 (till och med 2023) eller DeSO2025 (från 2024)
-- column indicator: indikatorns id (ur [indicators.*] i catalog.toml)
-- column indicator_name: indikatorns svenska namn
-- column unit: indikatorns enhet (procent, personer, tkr, dagar …)
-- column year: år
-- column sex: kön: 1 = män, 2 = kvinnor, 1+2 = båda könen
-- column value: DeSO:ns värde, räknat som för fokusområdena; tomt vid undertryckt eller saknad cell, aldrig noll
-- column numerator: täljare
-- column denominator: nämnare
-- column area_id: fokusområdet som DeSO:n hör till i denna indelning, tomt utanför fokusområdena
-- column area_name: fokusområdets namn, tomt utanför fokusområdena
-- column status_symbols: SCB:s statussymboler i underlaget (.. undertryckt, . saknas, - noll), tomt om inga
-- column demo: sant om raden bygger på demodata (påhittade siffror), falskt för publicerad statistik
-- column source_table: källtabellen (SCB:s tabell-id, Kolada-nyckeltal eller kommunens fil); flera med +
-- column source_updated: källans datum: tabellens updated hos SCB; för Kolada nyckeltalets publiceringsdatum, eller hämtdatumet där inget finns
-- column reference_year: referensåret, det år uppgiften avser
-- depends_on: staging.stg_deso_indicator_inputs, raw.indicator_catalog, raw.focus_area_deso
-- unique_key: kommun, deso, indicator, year, sex
SELECT
    i.kommun,
    i.region                                    AS deso,
    i.division,
    i.indicator,
    c.indicator_name,
    c.unit,
    i.year,
    i.sex,
    CASE
        WHEN i.numerator IS NULL THEN NULL
        WHEN c.method = 'sum' THEN i.numerator
        WHEN i.denominator IS NULL OR i.denominator = 0 THEN NULL
        WHEN c.method = 'ratio' THEN 100.0 * i.numerator / i.denominator
        ELSE i.numerator / i.denominator
    END                                         AS value,
    i.numerator,
    CASE WHEN c.method = 'sum' THEN NULL ELSE i.denominator END AS denominator,
    a.area_id,
    a.area_name,
    i.status_symbols,
    i.demo,
    i.source_table,
    i.source_updated::VARCHAR                   AS source_updated,
    i.year                                      AS reference_year
FROM staging.stg_deso_indicator_inputs i
JOIN raw.indicator_catalog c USING (indicator)
LEFT JOIN (SELECT DISTINCT kommun, division, deso, area_id, area_name FROM raw.focus_area_deso) a
  ON a.kommun = i.kommun AND a.division = i.division AND a.deso = i.region
WHERE i.region_level = 'deso'
ORDER BY i.kommun, i.indicator, i.sex, i.year, i.region
