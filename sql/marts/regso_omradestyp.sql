-- Områdestyp per RegSO och år för hela landet (Delmos och SCB:s socioekonomiska index): typ 1 (stora socioekonomiska utmaningar) till 5 (mycket goda socioekonomiska förutsättningar), med SCB:s indexvärde och de tre andelar indexet bygger på där SCB publicerar dem (annars tomt).
-- Indexet är medelvärdet av andelen med låg ekonomisk standard, andelen 20–64 år med förgymnasial utbildning och andelen 20–64 år med ekonomiskt bistånd och/eller långtidsarbetslöshet; typen är avståndet från årets riksmedelvärde i standardavvikelser (1: minst +2, 2: +1 till +2, 3: 0 till +1, 4: −1 till 0, 5: under −1). recomputed_index och recomputed_type är pipelinens omräkning där andelarna finns.
-- regso_division är RegSO 2020 (till och med 2023) eller RegSO 2025 (från 2024). Offline är 2022 och 2023 SCB:s verkliga exporter (demo = false).
-- column kommun: kommunkod (fyra siffror, t.ex. 0123)
-- column regso: RegSO-kod
-- column regso_name: RegSO:ts namn
-- column regso_division: RegSO-indelning: RegSO2020 (till och med 2023) eller RegSO2025 (från 2024)
-- column year: år
-- column omradestyp: SCB:s områdestyp 1–5 (1 stora socioekonomiska utmaningar … 5 mycket goda socioekonomiska förutsättningar)
-- column omradestyp_label: områdestypens svenska namn
-- column index_value: SCB:s indexvärde (medelvärdet av de tre andelarna), tomt där SCB inte publicerar det
-- column low_economic_standard_andel: andel (%) med låg ekonomisk standard, alla åldrar
-- column forgymnasial_andel: andel (%) 20–64 år med förgymnasial utbildning
-- column bistand_arbetslos_andel: andel (%) 20–64 år med ekonomiskt bistånd minst 10 månader och/eller arbetslösa mer än 6 månader
-- column recomputed_index: pipelinens omräknade index ur de tre andelarna, tomt där andelar saknas
-- column recomputed_type: pipelinens omräknade områdestyp (avstånd från årets riksmedelvärde i standardavvikelser)
-- column status_symbols: SCB:s statussymboler i underlaget (.. undertryckt, . saknas, - noll), tomt om inga
-- column demo: sant om raden bygger på demodata (påhittade siffror), falskt för publicerad statistik
-- column source_table: källtabellen (SCB:s tabell-id, Kolada-nyckeltal eller kommunens fil); flera med +
-- column source_updated: källans datum: tabellens updated hos SCB; för Kolada nyckeltalets publiceringsdatum, eller hämtdatumet där inget finns
-- depends_on: staging.stg_regso_omradestyp
-- unique_key: regso, year
SELECT
    kommun,
    regso,
    regso_name,
    regso_division,
    CAST(year AS INTEGER)            AS year,
    CAST(omradestyp AS INTEGER)      AS omradestyp,
    omradestyp_label,
    index_value,
    low_economic_standard_andel,
    forgymnasial_andel,
    bistand_arbetslos_andel,
    recomputed_index,
    CAST(recomputed_type AS INTEGER) AS recomputed_type,
    status_symbols,
    demo,
    source_table,
    source_updated
FROM staging.stg_regso_omradestyp
ORDER BY regso, year
