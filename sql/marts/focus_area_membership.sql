-- Fokusområdenas DeSO och RegSO per DeSO-indelning, med kommunens status (bekräftad eller obekräftad) och kommentar, enligt data/raw/areas/focus_areas.csv. Rapporten anger dem överst i varje områdes avsnitt. series_runs_on och continuity_note säger om områdets serie löper vidare över indelningsbytet och varför.
-- column kommun: kommunkod (fyra siffror, t.ex. 0123)
-- column area_id: fokusområdets id (ur focus_areas.csv)
-- column area_name: fokusområdets namn
-- column division: DeSO-indelning: DeSO2018 (till och med 2023) eller DeSO2025 (från 2024)
-- column deso: DeSO-kod (utan indelningssuffix)
-- column regso: RegSO-kod som DeSO:n hör till enligt SCB:s nyckel
-- column regso_name: RegSO:ts namn
-- column status: kommunens status för raden: bekräftad eller obekräftad
-- column comment: kommunens kommentar (focus_areas.csv)
-- column series_runs_on: sant om områdets serie löper vidare över bytet från DeSO 2018 till DeSO 2025
-- column continuity_note: varför serien löper vidare eller börjar om, på svenska
-- depends_on: raw.focus_area_deso
-- unique_key: kommun, area_id, division, deso
SELECT kommun, area_id, area_name, division, deso, regso, regso_name, status, comment,
       series_runs_on, continuity_note
FROM raw.focus_area_deso
ORDER BY kommun, area_id, division, deso
