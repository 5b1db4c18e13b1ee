-- Planens åtgärder per år: en rad per åtgärd och år enligt kommunens åtgärdsregister (data/raw/areas/measures.csv), med plan, område, tema, ansvarig nämnd, styrelse eller bolag, status det året och de indikatorer åtgärden siktar på. Åren går från åtgärdens startår till slutåret; för en pågående åtgärd (inget slutår) till det senaste år som kommunen har rapporterat någon status för, minst startåret. status är tom för ett år utan rapporterad status. Raderna med example sant är påhittade exempel för demonstrationen, inte kommunens åtgärder. En åtgärd tillskrivs aldrig en indikators förändring: indikatorerna säger vad åtgärden siktar på, inte vad den har åstadkommit.
-- column measure_id: åtgärdens id (measures.csv), stabilt mellan åren
-- column year: året
-- column kommun: kommunkod (fyra siffror, t.ex. 0123)
-- column plan_name: planens namn (plans.csv)
-- column plan_start_year: planens startår (plans.csv; antaget om planens startår saknas)
-- column area_id: fokusområdets id (focus_areas.csv); tom = alla planens områden
-- column areas: de fokusområden åtgärden gäller, åtskilda med |
-- column theme: planens tema (ett av katalogens fem teman)
-- column measure: åtgärden, i kommunens ord
-- column responsible: ansvarig nämnd, styrelse eller bolag
-- column start_year: åtgärdens startår
-- column end_year: åtgärdens slutår; tomt = pågående
-- column status: status det året: planerad, pågår, genomförd eller avbruten; tom = ingen status rapporterad för året
-- column target_indicators: indikatorer åtgärden siktar på (id ur catalog.toml), åtskilda med |
-- column cost_tkr: kostnad i tkr enligt kommunen (tom om den inte angetts)
-- column example: sant för en påhittad exempelrad (demonstration), falskt för kommunens egen åtgärd
-- column comment: kommentar ur measures.csv
-- column source_file: filen åtgärden lästes från, i rådatakatalogen (areas/measures.csv)
-- depends_on: raw.measures
-- unique_key: measure_id, year
SELECT
    m.measure_id,
    y.year::INTEGER AS year,
    m.kommun,
    m.plan_name,
    m.plan_start_year,
    nullif(m.area_id, '') AS area_id,
    m.areas,
    m.theme,
    m.measure,
    m.responsible,
    m.start_year,
    m.end_year,
    s.status,
    nullif(m.target_indicators, '') AS target_indicators,
    m.cost_tkr,
    m.example,
    nullif(m.comment, '') AS comment,
    m.source_file
FROM raw.measures m
CROSS JOIN LATERAL (SELECT unnest(range(m.start_year, m.last_year + 1)) AS year) y
LEFT JOIN raw.measure_status s ON s.measure_id = m.measure_id AND s.year = y.year
ORDER BY m.kommun, m.measure_id, year
