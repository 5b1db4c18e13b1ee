-- Skillnader mellan skolor: olikhetsindex D mellan kommunens skolor per år (elever med utländsk mot svensk bakgrund), räknat över skolorna i data/raw/goals/schools.csv. expected_random är värdet om eleverna vore slumpmässigt fördelade över samma skolor (samma skolstorlekar och andel; 200 simuleringar, fast frö, som för boendesegregationen), interval_low–interval_high dess 95 % simuleringsintervall och adjusted värdet justerat för det enligt Carrington & Troske: (värde − slumpvärde)/(1 − slumpvärde).
-- residential_d är boendesegregationens D (utländsk mot svensk bakgrund över kommunens DeSO, marts.segregation_index) samma år och på årets DeSO-indelning, för jämförelse: skolornas D säger hur olika eleverna fördelas mellan skolorna, boendets D hur olika de boende fördelas mellan områdena. D räknas bara över skolorna i filen: en skola som saknas i filen ändrar D. Raderna med example sant bygger på påhittade exempel. En kommun utan rader i filen (eller utan filen) har inga rader här.
-- column kommun: kommunkod (fyra siffror, t.ex. 0123)
-- column kommun_name: kommunens namn
-- column year: året siffrorna avser
-- column schools: antal skolor med elever som ingår
-- column pupils: antal elever i de skolor som ingår
-- column value: olikhetsindex D mellan skolorna (0 = samma andel i alla skolor, 1 = helt åtskilda)
-- column expected_random: väntat D om eleverna vore slumpmässigt fördelade över samma skolor (200 simuleringar, fast frö)
-- column interval_low: 2,5-percentilen av simuleringarna (nedre gräns för 95 % simuleringsintervall)
-- column interval_high: 97,5-percentilen av simuleringarna (övre gräns)
-- column adjusted: D justerat för slumpen: (värde − slumpvärde)/(1 − slumpvärde)
-- column residential_d: boendesegregationens D (utländsk mot svensk bakgrund över DeSO) samma kommun och år; tom när det saknas (se note)
-- column residential_division: DeSO-indelningen boendets D avser det året (DeSO2018 till och med 2023, DeSO2025 från 2024)
-- column residential_demo: sant om boendets D bygger på demodata (påhittade siffror), falskt för SCB:s publicerade statistik; tom när boendets D saknas
-- column example: sant om någon av årets skolrader är ett påhittat exempel (demonstration)
-- column note: varför boendets D eller skolornas D saknas, och att D bara räknas över skolorna i filen
-- depends_on: staging.school_dissimilarity, raw.schools, marts.segregation_index
-- unique_key: kommun, year
WITH names AS (
    SELECT kommun, any_value(kommun_name) AS kommun_name FROM raw.schools GROUP BY kommun
),
joined AS (
    SELECT d.*, n.kommun_name,
           r.value AS residential_value, r.demo AS residential_demo, r.note AS residential_note,
           r.kommun IS NOT NULL AS residential_found
    FROM staging.school_dissimilarity d
    JOIN names n USING (kommun)
    LEFT JOIN marts.segregation_index r
        ON r.kommun = d.kommun AND r.year = d.year
       AND r.division = d.residential_division AND r.measure = 'dissimilarity'
)
SELECT
    kommun,
    kommun_name,
    year::INTEGER                                   AS year,
    schools::INTEGER                                AS schools,
    pupils::BIGINT                                  AS pupils,
    round(value, 6)                                 AS value,
    round(expected_random, 6)                       AS expected_random,
    round(interval_low, 6)                          AS interval_low,
    round(interval_high, 6)                         AS interval_high,
    round(adjusted, 6)                              AS adjusted,
    round(residential_value, 6)                     AS residential_d,
    residential_division,
    CASE WHEN residential_found THEN residential_demo END AS residential_demo,
    example,
    concat_ws('; ',
        CASE WHEN value IS NULL
             THEN 'skolornas D saknas: en av grupperna har inga elever i filens skolor' END,
        CASE WHEN NOT residential_found
             THEN 'boendets D saknas: SCB:s DeSO-uppgifter för kommunen och året finns inte i körningen'
             WHEN residential_value IS NULL
             THEN 'boendets D saknas: ' || coalesce(residential_note, 'kunde inte beräknas') END,
        'skolornas D räknas bara över skolorna i filen; en skola som saknas i filen ändrar D'
    )                                               AS note
FROM joined
ORDER BY kommun, year
