-- Utvecklingen av gapet mellan fokusområde och kommun per indikator och kön: gapet första och senaste året, förändringen, lutningen per år och riktningen (närmar sig, fjärmar sig, oförändrat). Trenden räknas från det senaste seriebrottet som ändrar vad som mäts (series_restarts i focus_area_indicator: ny åldersgrupp, eller ny DeSO-indelning där området inte bevisligen är detsamma); series_start_year och restart_reason säger var och varför, och previous_* beskriver trenden före brottet. Riktningen bedöms på det absoluta gapet: minskar det mer än indikatorns tröskel (trend_threshold i katalogen) närmar sig området kommunen, ökar det mer fjärmar det sig, annars oförändrat. gap_slope_low och gap_slope_high är ett 95-procentigt intervall för gapets lutning per år (minsta kvadrat-linje över årens gap, t-fördelning med n − 2 frihetsgrader), abs_gap_slope_low och abs_gap_slope_high detsamma för det absoluta gapet; med minst tre år och ett intervall för det absoluta gapets lutning som rymmer noll blir riktningen "ingen säker förändring" i stället för närmar sig eller fjärmar sig: förändringen är inte större än årens brus. Där gapet minskar anges det år då det skulle vara slutet i nuvarande takt.
-- column kommun: kommunkod (fyra siffror, t.ex. 0123)
-- column area_id: fokusområdets id (ur focus_areas.csv)
-- column area_name: fokusområdets namn
-- column indicator: indikatorns id (ur [indicators.*] i catalog.toml)
-- column indicator_name: indikatorns svenska namn
-- column sex: kön: 1 = män, 2 = kvinnor, 1+2 = båda könen
-- column unit: indikatorns enhet (procent, personer, tkr, dagar …)
-- column gap_unit: gapets enhet: procentenheter för andelar, annars indikatorns enhet
-- column first_year: första året i den nuvarande serien (efter senaste brottet)
-- column latest_year: senaste året med värde
-- column years_with_data: antal år med gap i den nuvarande serien
-- column gap_first: gapet (område minus kommun) första året
-- column gap_latest: gapet senaste året
-- column gap_change: gap_latest minus gap_first
-- column abs_gap_change: förändringen av det absoluta gapet, |gap_latest| minus |gap_first|
-- column gap_slope_per_year: gapets lutning per år (minsta kvadrat-linje över årens gap)
-- column gap_slope_low: nedre gräns för 95-procentigt intervall för gap_slope_per_year (tomt med färre än tre år)
-- column gap_slope_high: övre gräns för 95-procentigt intervall för gap_slope_per_year
-- column abs_gap_slope_per_year: det absoluta gapets lutning per år
-- column abs_gap_slope_low: nedre gräns för 95-procentigt intervall för abs_gap_slope_per_year
-- column abs_gap_slope_high: övre gräns för 95-procentigt intervall för abs_gap_slope_per_year
-- column trend_threshold: indikatorns tröskel för en förändring (trend_threshold i catalog.toml)
-- column direction: riktning: närmar sig, fjärmar sig, oförändrat, ingen säker förändring eller för få år
-- column parity_year_at_current_pace: året då det absoluta gapet vore noll i nuvarande takt (senaste året + |gap| / lutningen), där det minskat minst tröskeln och lutningens intervall inte rymmer noll; annars tomt (rapporten visar det bara med minst 5 år i serien och högst 20 år fram)
-- column value_latest: områdets värde senaste året
-- column kommun_value_latest: kommunens värde senaste året
-- column series_start_year: året då den nuvarande serien börjar (efter senaste brottet som ändrar vad som mäts)
-- column restart_reason: varför serien börjar om, tomt om den inte gör det
-- column previous_first_year: före brottet: första året
-- column previous_latest_year: före brottet: sista året
-- column previous_gap_first: före brottet: gapet första året
-- column previous_gap_latest: före brottet: gapet sista året
-- column previous_direction: före brottet: riktningen
-- column demo: sant om raden bygger på demodata (påhittade siffror), falskt för publicerad statistik
-- column source_table: källtabellen (SCB:s tabell-id, Kolada-nyckeltal eller kommunens fil); flera med +
-- column reference_year: referensåret, det år uppgiften avser (senaste året)
-- depends_on: marts.focus_area_trend_history, marts.focus_area_indicator
-- unique_key: kommun, area_id, indicator, sex
WITH latest AS (
    -- the trend as of each key's latest year (a year without a gap still counts, as always)
    SELECT kommun, area_id, indicator, sex, max(year) AS as_of_year
    FROM marts.focus_area_indicator
    GROUP BY ALL
)
SELECT
    h.kommun,
    h.area_id,
    h.area_name,
    h.indicator,
    h.indicator_name,
    h.sex,
    h.unit,
    h.gap_unit,
    h.first_year,
    h.latest_year,
    h.years_with_data,
    h.gap_first,
    h.gap_latest,
    h.gap_change,
    h.abs_gap_change,
    h.gap_slope_per_year,
    h.gap_slope_low,
    h.gap_slope_high,
    h.abs_gap_slope_per_year,
    h.abs_gap_slope_low,
    h.abs_gap_slope_high,
    h.trend_threshold,
    h.direction,
    h.parity_year_at_current_pace,
    h.value_latest,
    h.kommun_value_latest,
    h.series_start_year,
    h.restart_reason,
    h.previous_first_year,
    h.previous_latest_year,
    h.previous_gap_first,
    h.previous_gap_latest,
    h.previous_direction,
    h.demo,
    h.source_table,
    h.reference_year
FROM marts.focus_area_trend_history h
JOIN latest l USING (kommun, area_id, indicator, sex, as_of_year)
ORDER BY h.kommun, h.area_id, h.indicator, h.sex
