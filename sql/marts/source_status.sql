-- Källor som körningen gick vidare utan: en obekräftad SCB-förfrågan som inte klarade kontrollen före körningen (raw.preflight_check, skipped) hoppas över i en körning mot SCB, och måtten som bygger på den saknas. En rad per överhoppad förfrågan; tom när inget hoppades över (alltid offline). Rapporten säger under Om siffrorna vilket mått som saknas och varför.
-- column request: förfrågans namn i katalogen ([scb.<namn>] i catalog.toml)
-- column subject: vad kontrollen prövade (tabell-id och förfrågan)
-- column reason: varför förfrågan hoppades över, på svenska (kontrollens fynd)
-- depends_on: raw.preflight_check
-- unique_key: request
SELECT
    request,
    string_agg(DISTINCT subject, '; ' ORDER BY subject) AS subject,
    string_agg(DISTINCT message, '; ' ORDER BY message) AS reason
FROM raw.preflight_check
WHERE skipped AND request IS NOT NULL AND request <> ''
GROUP BY request
ORDER BY request
