-- Folkmängd per kommun, år och bakgrundsgrupp från SCB, en rad per cell, med koder och statussymbol.
-- depends_on: raw.scb_population_background
SELECT
    Region::VARCHAR                      AS kommun,
    CAST(Tid AS INTEGER)                 AS year,
    UtlBakgrund::VARCHAR                 AS background_code,
    UtlBakgrund_label::VARCHAR           AS background_label,
    value                                AS persons,
    status                               AS status,
    demo                                 AS demo,
    table_id                             AS source_table,
    updated                              AS source_updated
FROM raw.scb_population_background
WHERE ContentsCode = '000001NT'
