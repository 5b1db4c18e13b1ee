-- Nyanlända per kommun, år och kön enligt kommunens fil data/raw/goals/newly_arrived.csv (planernas mål att nyanlända ska komma i arbete snabbare; Järfälla: inom 1–2 år i stället för rikets 7–8): mottagna nyanlända det året, de vars etableringstid avslutades och hur många av dem som arbetar eller studerar. Andelen räknas från antalen där de finns, annars är den kommunens publicerade andel. Raderna med example sant är påhittade exempel, inte kommunens siffror. Koladas nyckeltal för nyanlända (N00973) är inte bekräftat i Koladas katalog och hämtas inte.
-- column kommun: kommunkod (fyra siffror, t.ex. 0123)
-- column kommun_name: kommunens namn
-- column year: året uppgiften avser
-- column sex: kvinnor, män eller totalt
-- column received: antal nyanlända som kommunen tog emot det året (tomt om det inte angetts)
-- column followed_up: antal personer vars etableringstid avslutades det året (tomt om det inte angetts)
-- column in_work_or_studies: antal av dem som arbetar eller studerar (tomt om det inte angetts)
-- column share_in_work_or_studies: andel i arbete eller studier (%): in_work_or_studies / followed_up, annars den publicerade andelen ur filen
-- column example: sant för en påhittad exempelrad (demonstration), falskt för kommunens egen uppgift
-- column source: källan till siffrorna enligt filen
-- column comment: kommentar ur filen
-- column source_file: filen raden lästes från, i rådatakatalogen (goals/newly_arrived.csv)
-- depends_on: raw.goal_newly_arrived
-- unique_key: kommun, year, sex
SELECT
    kommun,
    kommun_name,
    year::INTEGER AS year,
    sex,
    received::BIGINT AS received,
    followed_up::BIGINT AS followed_up,
    in_work_or_studies::BIGINT AS in_work_or_studies,
    coalesce(
        100.0 * in_work_or_studies / nullif(followed_up, 0), share_in_work_or_studies
    ) AS share_in_work_or_studies,
    example,
    source,
    nullif(comment, '') AS comment,
    source_file
FROM raw.goal_newly_arrived
ORDER BY kommun, year, CASE sex WHEN 'kvinnor' THEN 1 WHEN 'män' THEN 2 ELSE 3 END
