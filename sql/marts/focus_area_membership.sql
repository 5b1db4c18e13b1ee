-- Fokusområdenas DeSO och RegSO per DeSO-indelning, med kommunens status (bekräftad eller obekräftad) och kommentar, enligt data/raw/areas/focus_areas.csv. Rapporten anger dem överst i varje områdes avsnitt. series_runs_on och continuity_note säger om områdets serie löper vidare över indelningsbytet och varför.
-- depends_on: raw.focus_area_deso
-- unique_key: kommun, area_id, division, deso
SELECT kommun, area_id, area_name, division, deso, regso, regso_name, status, comment,
       series_runs_on, continuity_note
FROM raw.focus_area_deso
ORDER BY kommun, area_id, division, deso
