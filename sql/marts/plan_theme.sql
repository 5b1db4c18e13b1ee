-- Planens egna temarubriker per fokusområde med plan (kolumnen themes i data/raw/areas/plans.csv), i planens ordning: rapporten grupperar indikatorerna under dem. Ett fokusområde vars plan inte anger några teman har inga rader här; då används katalogens teman i katalogens ordning.
-- column kommun: kommunkod (fyra siffror, t.ex. 0123)
-- column area_id: fokusområdets id (ur focus_areas.csv)
-- column position: temats plats i planen, 1 = först
-- column theme: katalogens tema (theme i catalog.toml) som rubriken ersätter
-- column heading: planens rubrik för temat
-- depends_on: raw.plans
-- unique_key: kommun, area_id, theme
WITH listed AS (
    SELECT kommun, area_id, unnest(string_split(themes, '|')) AS pair,
           unnest(generate_series(1, len(string_split(themes, '|')))) AS position
    FROM raw.plans
    WHERE themes IS NOT NULL AND themes <> ''
)
SELECT kommun, area_id, position::INTEGER AS position,
       split_part(pair, '=', 1) AS theme,
       split_part(pair, '=', 2) AS heading
FROM listed
ORDER BY kommun, area_id, position
