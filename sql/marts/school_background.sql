-- Elever per skola och år med andelen med utländsk bakgrund, enligt kommunens fil data/raw/goals/schools.csv (kommunens egna siffror eller siffror ur Skolverkets Skolenhetsregistret/SIRIS som kommunen har stämt av). En rad per kommun, år och skolenhet. kommun_share_foreign_background är andelen över alla kommunens skolor i filen samma år, och diff_pp skolans skillnad mot den i procentenheter. Raderna med example sant är påhittade exempel för demonstrationen, inte kommunens eller Skolverkets siffror. En kommun utan rader i filen (eller utan filen) har inga rader här.
-- column kommun: kommunkod (fyra siffror, t.ex. 0123)
-- column kommun_name: kommunens namn
-- column year: året siffrorna avser
-- column school_unit_code: skolenhetskod (Skolverkets åttasiffriga kod)
-- column school_name: skolenhetens namn enligt filen
-- column pupils: antal elever
-- column pupils_foreign_background: antal elever med utländsk bakgrund
-- column share_foreign_background: andel elever med utländsk bakgrund (%), 100 × pupils_foreign_background / pupils; tom för en skola utan elever
-- column kommun_share_foreign_background: andel elever med utländsk bakgrund (%) över alla kommunens skolor i filen samma år
-- column diff_pp: skolans andel minus kommunens andel, i procentenheter
-- column example: sant för en påhittad exempelrad (demonstration), falskt för kommunens egna uppgifter
-- column source: varifrån siffrorna kommer enligt filen
-- column comment: kommentar ur schools.csv
-- depends_on: raw.schools
-- unique_key: kommun, year, school_unit_code
WITH kommun_year AS (
    SELECT kommun, year,
           100.0 * sum(pupils_foreign_background) / nullif(sum(pupils), 0) AS kommun_share
    FROM raw.schools
    GROUP BY kommun, year
),
shares AS (
    SELECT s.*,
           100.0 * s.pupils_foreign_background / nullif(s.pupils, 0) AS share,
           k.kommun_share
    FROM raw.schools s
    JOIN kommun_year k USING (kommun, year)
)
SELECT
    kommun,
    kommun_name,
    year::INTEGER                                   AS year,
    school_unit_code,
    school_name,
    pupils::BIGINT                                  AS pupils,
    pupils_foreign_background::BIGINT               AS pupils_foreign_background,
    round(share, 2)                                 AS share_foreign_background,
    round(kommun_share, 2)                          AS kommun_share_foreign_background,
    round(share - kommun_share, 2)                  AS diff_pp,
    example,
    source,
    nullif(comment, '')                             AS comment
FROM shares
ORDER BY kommun, year, school_unit_code
