-- Indikatorvärden per DeSO, underlag för kartorna i rapporten: för varje kommun, DeSO, indikator, år och kön DeSO:ns eget värde, räknat som i fokusområdena (andel = 100 × täljare / nämnare, antal = täljaren, viktat medelvärde = täljare / nämnare). En undertryckt eller saknad cell (..) ger saknat värde, aldrig noll; status_symbols visar SCB:s symboler.
-- division är DeSO-indelningen (DeSO2018 till och med 2023, DeSO2025 från 2024); area_id och area_name anger fokusområdet som DeSO:n hör till i den indelningen (tomt utanför fokusområdena).
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
