-- Jämförelseområden för varje fokusområde med en plan (data/raw/areas/plans.csv): de k mest lika RegSO i andra kommuner (standard 10, comparison_k i plans.csv eller SEGREGATION_COMPARISON_K). Kandidater är RegSO av samma områdestyp som fokusområdet basåret (sista året med områdestyp före planens start; finns typen bara för senare år används det tidigaste, och baseline_note säger det), utanför fokusområdets kommun och utan någon DeSO i något fokusområde. Bland dem väljs de närmaste på nivå (medelvärde) och trend (lutning per år) före planen för planens indikatorer, som z-värden över kandidaterna, med euklidiskt avstånd (distance). why säger varför området valdes, matched_on vilka mått som vägdes in. start_year_assumed säger om startåret är antaget för demonstrationen.
-- depends_on: staging.comparison_match
-- unique_key: kommun, area_id, comparison_regso
SELECT * FROM staging.comparison_match
ORDER BY kommun, area_id, rank
