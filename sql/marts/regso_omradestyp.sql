-- Områdestyp per RegSO och år för hela landet (Delmos och SCB:s socioekonomiska index): typ 1 (stora socioekonomiska utmaningar) till 5 (mycket goda socioekonomiska förutsättningar), med SCB:s indexvärde och de tre andelar indexet bygger på där SCB publicerar dem (annars tomt).
-- Indexet är medelvärdet av andelen med låg ekonomisk standard, andelen 20–64 år med förgymnasial utbildning och andelen 20–64 år med ekonomiskt bistånd och/eller långtidsarbetslöshet; typen är avståndet från årets riksmedelvärde i standardavvikelser (1: minst +2, 2: +1 till +2, 3: 0 till +1, 4: −1 till 0, 5: under −1). recomputed_index och recomputed_type är pipelinens omräkning där andelarna finns.
-- regso_division är RegSO 2020 (till och med 2023) eller RegSO 2025 (från 2024). Offline är 2022 och 2023 SCB:s verkliga exporter (demo = false).
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
