-- Underlag för segregationsindexen: per kommun, DeSO, indelning, år och gruppar antalet i den första gruppen (group_x), i den andra (group_y) och båda (total = group_x + group_y). Par 'background': utländsk bakgrund (UtlBakgrund 1) mot svensk bakgrund (2), båda könen. Par 'income': boende i lägsta mot högsta nationella kvartilen av ekonomisk standard (kvartil 1 mot 4), antal = andel (%) / 100 × folkmängd (SCB publicerar andelar). suppressed = någon cell saknas (..); sådana DeSO lämnas utanför indexen och räknas.
-- depends_on: raw.scb_deso_population_background, raw.scb_deso_income_quartiles
WITH population AS (
    SELECT
        Region::VARCHAR                                                  AS deso,
        division::VARCHAR                                                AS division,
        CAST(Tid AS INTEGER)                                             AS year,
        max(value) FILTER (WHERE UtlBakgrund = '1')                      AS foreign_background,
        max(value) FILTER (WHERE UtlBakgrund = '2')                      AS swedish_background,
        max(value) FILTER (WHERE UtlBakgrund = 'SA')                     AS total_population,
        count(*) FILTER (WHERE UtlBakgrund IN ('1', '2') AND value IS NULL) AS missing_background,
        count(*) FILTER (WHERE UtlBakgrund = 'SA' AND value IS NULL)     AS missing_total,
        string_agg(DISTINCT status, ',' ORDER BY status)                 AS status_symbols,
        bool_or(demo)                                                    AS demo,
        min(table_id)                                                    AS source_table
    FROM raw.scb_deso_population_background
    WHERE division <> 'kommun' AND Kon = '1+2' AND ContentsCode = '000007Y4'
    GROUP BY ALL
),
kommun_names AS (
    SELECT Region::VARCHAR AS kommun, min(Region_label)::VARCHAR AS kommun_name
    FROM raw.scb_deso_population_background
    WHERE division = 'kommun'
    GROUP BY ALL
),
quartiles AS (
    SELECT
        Region::VARCHAR                                                  AS deso,
        division::VARCHAR                                                AS division,
        CAST(Tid AS INTEGER)                                             AS year,
        -- the request's names of the contents SCB's table labels kvartil 1 and 4
        -- (found by label: see deso_income_quartiles in data/raw/catalog.toml)
        max(value) FILTER (WHERE ContentsCode = 'KVARTIL1')              AS lowest_share,
        max(value) FILTER (WHERE ContentsCode = 'KVARTIL4')              AS highest_share,
        count(*) FILTER (WHERE value IS NULL)                            AS missing,
        string_agg(DISTINCT status, ',' ORDER BY status)                 AS status_symbols,
        bool_or(demo)                                                    AS demo,
        min(table_id)                                                    AS source_table
    FROM raw.scb_deso_income_quartiles
    WHERE division <> 'kommun'
    GROUP BY ALL
),
pairs AS (
    SELECT
        substr(deso, 1, 4)                                               AS kommun,
        deso, division, year,
        'background'                                                     AS pair,
        foreign_background                                               AS group_x,
        swedish_background                                               AS group_y,
        missing_background > 0 OR foreign_background IS NULL OR swedish_background IS NULL
                                                                         AS suppressed,
        status_symbols, demo, source_table
    FROM population
    UNION ALL
    SELECT
        substr(q.deso, 1, 4),
        q.deso, q.division, q.year,
        'income',
        q.lowest_share / 100.0 * p.total_population,
        q.highest_share / 100.0 * p.total_population,
        q.missing > 0 OR q.lowest_share IS NULL OR q.highest_share IS NULL
            OR p.total_population IS NULL OR p.missing_total > 0,
        nullif(concat_ws(',', q.status_symbols, p.status_symbols), ''),
        q.demo OR coalesce(p.demo, FALSE),
        q.source_table || '+' || coalesce(p.source_table, '?')
    FROM quartiles q
    LEFT JOIN population p USING (deso, division, year)
)
SELECT
    pairs.kommun,
    n.kommun_name,
    deso,
    division,
    year,
    pair,
    CASE WHEN suppressed THEN NULL ELSE group_x END                      AS group_x,
    CASE WHEN suppressed THEN NULL ELSE group_y END                      AS group_y,
    CASE WHEN suppressed THEN NULL ELSE group_x + group_y END            AS total,
    suppressed,
    status_symbols,
    demo,
    source_table
FROM pairs
LEFT JOIN kommun_names n USING (kommun)
ORDER BY pairs.kommun, pair, division, year, deso
