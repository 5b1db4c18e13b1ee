-- Kommunens anställda med utländsk bakgrund jämförda med invånarna: en rad per kommun, år och förvaltning enligt kommunens fil data/raw/goals/employees.csv (Järfällas integrationsplan: andelen anställda med utländsk bakgrund ska motsvara befolkningens; Jönköpings: andelen utrikes födda anställda ska spegla befolkningen). Utländsk bakgrund är SCB:s definition: utrikes födda och inrikes födda med två utrikes födda föräldrar. Invånarnas andel gäller alla åldrar (SCB:s folkmängd 31 december, marts.population_background) medan de anställda är i arbetsför ålder; en jämförelse med 20–64 år vore skarpare men SCB:s tabell hämtas inte efter ålder. Raderna med example sant är påhittade exempel, inte kommunens siffror; residents_demo säger om invånarnas andel bygger på demodata.
-- column kommun: kommunkod (fyra siffror, t.ex. 0123)
-- column kommun_name: kommunens namn
-- column year: året uppgiften avser
-- column forvaltning: förvaltningen; tom (NULL) = hela kommunen
-- column employees: antal anställda (tomt om bara en publicerad andel finns)
-- column employees_foreign_background: antal anställda med utländsk bakgrund (tomt om bara en publicerad andel finns)
-- column share_foreign_background: andel anställda med utländsk bakgrund (%): räknad från antalen, annars den publicerade andelen ur filen
-- column residents_share_foreign_background: andel invånare med utländsk bakgrund (%), alla åldrar: (utrikes födda + inrikes födda med två utrikes födda föräldrar) / folkmängden, samma kommun och år; tom om befolkningen inte är inläst det året
-- column residents_basis: vad invånarnas andel avser (alla åldrar, SCB folkmängd 31 dec); tom om andelen saknas
-- column gap_pp: skillnaden i procentenheter: anställdas andel minus invånarnas andel (negativ = de anställda har lägre andel än invånarna)
-- column gap_change_pp: förändringen av skillnaden i procentenheter sedan det första år kommunen har en skillnad för samma förvaltning (eller hela kommunen)
-- column example: sant för en påhittad exempelrad (demonstration), falskt för kommunens egen uppgift
-- column source: källan till de anställdas siffror enligt filen
-- column comment: kommentar ur filen
-- column residents_demo: sant om invånarnas andel bygger på demodata (påhittade siffror), falskt för publicerad statistik; tom om andelen saknas
-- column source_file: filen raden lästes från, i rådatakatalogen (goals/employees.csv)
-- depends_on: raw.goal_employees, marts.population_background
-- unique_key: kommun, year, forvaltning
WITH employees AS (
    SELECT
        e.*,
        coalesce(100.0 * e.employees_foreign_background / nullif(e.employees, 0), e.share)
            AS share_foreign_background
    FROM raw.goal_employees e
),
residents AS (
    SELECT
        kommun,
        year,
        100.0 * (utrikes_fodda_antal + inrikes_fodda_tva_utrikes_foraldrar_antal)
            / nullif(totalt_antal, 0) AS residents_share,
        demo
    FROM marts.population_background
),
gaps AS (
    SELECT
        e.*,
        r.residents_share,
        r.demo AS residents_demo,
        e.share_foreign_background - r.residents_share AS gap_pp
    FROM employees e
    LEFT JOIN residents r ON r.kommun = e.kommun AND r.year = e.year
)
SELECT
    kommun,
    kommun_name,
    year::INTEGER AS year,
    nullif(forvaltning, '') AS forvaltning,
    employees::BIGINT AS employees,
    employees_foreign_background::BIGINT AS employees_foreign_background,
    share_foreign_background,
    residents_share AS residents_share_foreign_background,
    CASE WHEN residents_share IS NOT NULL
        THEN 'alla åldrar, SCB folkmängd 31 dec' END AS residents_basis,
    gap_pp,
    gap_pp - first_value(gap_pp IGNORE NULLS) OVER (
        PARTITION BY kommun, forvaltning ORDER BY year
        ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
    ) AS gap_change_pp,
    example,
    source,
    nullif(comment, '') AS comment,
    residents_demo,
    source_file
FROM gaps
ORDER BY kommun, year, forvaltning NULLS FIRST
