"""Any number of kommuner: `län NN` and `alla` rows, compressed raw responses, and a bundled
snapshot that covers every kommun of the configured län."""

from __future__ import annotations

import gzip
import hashlib
import json
from pathlib import Path

import pytest

from pipelines.registry.catalog import load_catalog
from pipelines.registry.kommuner import KommunerError, followed_kommuner, load_kommuner
from pipelines.sources.raw_store import RawFile, RawStore
from pipelines.sources.scb.snapshot import load_request

PROJECT = Path(__file__).resolve().parent.parent


def write(raw_dir: Path, text: str) -> Path:
    path = raw_dir / "areas" / "kommuner.csv"
    path.write_text(text, encoding="utf-8")
    return path


def geojson_kommuner() -> dict[str, tuple[str, str]]:
    """kommun code → (name, län) from the kommun outlines: a source independent of the keys."""
    doc = json.loads((PROJECT / "data/raw/geography/kommuner_wgs84.geojson").read_text())
    return {
        f["properties"]["id"]: (f["properties"]["kom_namn"], f["properties"]["lan_code"])
        for f in doc["features"]
    }


def test_alla_is_every_kommun_of_the_country(raw_dir):
    write(raw_dir, "kommun,namn\nalla,Hela Sverige\n")
    kommuner = load_kommuner(raw_dir)
    outlines = geojson_kommuner()
    assert len(outlines) == 290
    assert sorted(k.code for k in kommuner) == sorted(outlines)
    assert len({k.code for k in kommuner}) == 290


def test_lan_rows_expand_and_a_kommun_row_keeps_its_place_and_name(raw_dir):
    write(raw_dir, "kommun;namn\n0680;Jönköpings kommun\nlän 1;Stockholms län\nLÄN 06;\n")
    kommuner = load_kommuner(raw_dir)
    outlines = geojson_kommuner()
    lan = {c for c, (_, lan) in outlines.items() if lan in ("01", "06")}
    assert {k.code for k in kommuner} == lan and len(kommuner) == len(lan)
    assert kommuner[0].code == "0680" and kommuner[0].name == "Jönköpings kommun"
    names = {k.code: k.name for k in kommuner}
    assert names["0123"] == "Järfälla" and names["0180"] == "Stockholm"
    assert sum(k.lan == "01" for k in kommuner) == 26  # Stockholms län has 26 kommuner


def test_unknown_lan_and_bad_rows_name_file_and_line(raw_dir):
    path = write(raw_dir, "kommun,namn\n0123,Järfälla\nlän 30,Påhittat län\n")
    with pytest.raises(KommunerError, match=rf"{path}, rad 3: län 30 har ingen kommun.*01, 03"):
        load_kommuner(raw_dir)
    write(raw_dir, "kommun,namn\nalle,Hela Sverige\n")
    with pytest.raises(KommunerError, match=r"rad 2: 'alle' är varken .*'alla'"):
        load_kommuner(raw_dir)
    write(raw_dir, "kommun,namn\n0123,Järfälla\nlän 01,\n0123,Järfälla\n")
    with pytest.raises(KommunerError, match=r"rad 4: kommunen 0123 står två gånger"):
        load_kommuner(raw_dir)


def test_only_kommuner_with_focus_areas_are_followed(bundled_raw_dir):
    kommuner = load_kommuner(bundled_raw_dir)
    assert len(kommuner) == 26 + 13  # Stockholms län and Jönköpings län
    followed = followed_kommuner(bundled_raw_dir, kommuner)
    areas = (bundled_raw_dir / "areas" / "focus_areas.csv").read_text(encoding="utf-8")
    with_areas = {line.split(",")[0] for line in areas.splitlines()[1:] if line}
    assert [k.code for k in followed] == [k.code for k in kommuner if k.code in with_areas]
    assert {k.code for k in followed} == {"0123", "0680"}


def test_compressed_fetch_reads_back_as_sent_and_is_verified(tmp_path):
    store = RawStore(tmp_path)
    content = b'{"value":[1,2,3]}\n' * 100
    manifest = store.write(
        "scb", "T1", "req", [RawFile("part-001.json", content), RawFile("table.json", b"{}")],
        compress=True,
    )  # fmt: skip
    entry = manifest["files"][0]
    stored = (tmp_path / "scb/T1/req/part-001.json.gz").read_bytes()
    assert entry["file"] == "part-001.json.gz" and entry["encoding"] == "gzip"
    assert entry["sha256"] == hashlib.sha256(stored).hexdigest()
    assert entry["content_sha256"] == hashlib.sha256(content).hexdigest()
    assert gzip.decompress(stored) == content and len(stored) < len(content)
    fetch = store.read("scb", "T1", "req")
    assert fetch.data_files == ["part-001.json.gz"] and fetch.read("part-001.json.gz") == content
    assert fetch.read("table.json") == b"{}"  # only data responses are compressed
    (tmp_path / "scb/T1/req/part-001.json.gz").write_bytes(gzip.compress(content + b" "))
    with pytest.raises(Exception, match="sha256"):
        store.read("scb", "T1", "req")


def test_bundled_snapshot_covers_every_configured_kommun_with_deso_adding_up(bundled_raw_dir):
    """Every DeSO table of the snapshot holds every kommun of kommuner.csv, and in a kommun
    the model knows nothing about, the DeSO add up to the kommun row each year."""
    kommuner = [k.code for k in load_kommuner(bundled_raw_dir)]
    catalog = load_catalog(bundled_raw_dir)
    store = RawStore(bundled_raw_dir)
    for request in catalog.scb.values():
        for span in request.tables:
            fetch = store.read("scb", span.table_id, request.name)
            asked = {
                code[:4]
                for entry in fetch.manifest["files"]
                if entry.get("body")
                for var in entry["body"]["selection"]
                if var["variableCode"] == "Region"
                for code in var["valueCodes"]
            }
            if request.name == "regso_omradestyp":
                # national by design: SCB's types are relative to the whole country's RegSO
                assert set(kommuner) <= asked and len(asked) == 290, span.table_id
            else:
                assert asked == set(kommuner), (span.table_id, set(kommuner) ^ asked)
    loaded = load_request(store, catalog.request("deso_population_background"), ["0114", "0687"])
    frame = loaded.frame
    totals = frame[(frame.UtlBakgrund == "SA") & (frame.Kon == "1+2")]
    for (kommun, year), group in totals.assign(k=totals.Region.str[:4]).groupby(["k", "Tid"]):
        kommun_row = group[group.division == "kommun"].value.sum()
        deso = group[group.division != "kommun"]
        assert deso.division.nunique() == 1
        assert deso.value.sum() == kommun_row > 0, (kommun, year)
    low = load_request(store, catalog.request("deso_low_economic_standard"), kommuner).frame
    low = low[(low.division != "kommun") & (low.Tid == "2023")]
    deprived = (low.value > 25).mean()
    # some DeSO are deprived, most are not: the demo levels follow SCB's real områdestyp, and
    # 175 of the 1 496 DeSO 2018 of the two län lie in a type-1 or type-2 RegSO (11.7 %)
    assert 0.02 < deprived < 0.2


def test_each_division_is_asked_only_for_its_years_when_that_saves_calls():
    from pipelines.sources.scb.selection import plan_calls, plan_summary, split_by_division

    regions = ["0123", "0123C1010", "0123C1020", "0123C1010_DeSO2025", "0123C1020_DeSO2025"]
    years = ["2022", "2023", "2024"]
    selection = {"Region": regions, "Kon": ["1", "2"], "Tid": years}
    blocks = split_by_division(selection)
    # DeSO 2018 codes carry data to 2023, DeSO 2025 codes from 2024; kommun rows go with both
    assert blocks == [
        {"Region": ["0123", "0123C1010", "0123C1020"], "Kon": ["1", "2"], "Tid": ["2022", "2023"]},
        {"Region": ["0123", "0123C1010_DeSO2025", "0123C1020_DeSO2025"], "Kon": ["1", "2"],
         "Tid": ["2024"]},
    ]  # fmt: skip
    # whole: 5 regions x 2 x 3 = 30 cells; by division 3x2x2 + 3x2x1 = 18 cells
    assert len(plan_calls(selection, 30)) == 1  # one call either way: keep it whole
    calls = plan_calls(selection, 12)
    assert len(calls) == 2 and sum(len(c["Region"]) * 2 * len(c["Tid"]) for c in calls) == 18
    figures = plan_summary(selection, 12)
    assert figures == {
        "calls": 2, "rectangular": 3, "cells": 18, "rectangular_cells": 30, "needed": 18,
        "minimum": 2,
    }  # fmt: skip
    one_division = {"Region": regions[:3], "Kon": ["1"], "Tid": years}
    assert split_by_division(one_division) == [one_division]


def test_excel_text_from_duckdb_is_what_format_cell_writes(tmp_path):
    """The SQL formatting used for large marts gives, cell for cell and in the same row
    order, the text of the Python formatter (Decimal, half up on the shortest decimal form)."""
    import csv
    import io

    import duckdb

    from pipelines.warehouse.excel_export import excel_rows, excel_sql, excel_text_rows

    con = duckdb.connect()
    con.execute(
        "CREATE TABLE m (kommun VARCHAR, year INTEGER, demo BOOLEAN, value DOUBLE, "
        "ratio_to_kommun DOUBLE, numerator DOUBLE, note VARCHAR)"
    )
    values = [0.05, -0.05, 2.675, -0.0, 0.45, 1e-05, 99.95, -99.95, 12.0, None, float("nan"),
              123456.789, 1.005, 2.5, -2.5, 0.125]  # fmt: skip
    rows = [
        (f"0{i % 3}23", 2010 + i % 4, [True, False, None][i % 3], v, v, v,
         ["a;b", 'say "x"', None, "", "Område #1", " # "][i % 6])
        for i, v in enumerate(values)
    ]  # fmt: skip
    con.executemany("INSERT INTO m VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
    typed = con.execute("DESCRIBE m").fetchall()
    columns = [t[0] for t in typed]
    sql = excel_sql("m", [(t[0], t[1]) for t in typed])
    assert sql is not None
    from_sql = excel_text_rows(con.execute(sql).fetchall())
    from_python = excel_rows(columns, con.execute("SELECT * FROM m ORDER BY ALL").fetchall())
    assert from_sql == from_python
    parsed = list(csv.reader(io.StringIO(from_sql.decode()), delimiter=";"))
    by_value = {r[3] for r in parsed}
    assert {"0,1", "-0,1", "2,7", "0,0", "0,5", "100,0", "-100,0", ""} <= by_value
    assert {r[5] for r in parsed} >= {"0", "3", "100", "-100"}  # counts: no decimals
    assert {r[4] for r in parsed} >= {"0,05", "2,68", "1,01", "0,13"}  # ratio: 2 decimals

    # The whole file as published: DuckDB writes the rows (COPY) where every type allows,
    # Python where one does not (a DATE column); both give the bytes of `excel_csv`.
    from pipelines.warehouse.excel_export import excel_csv, write_excel_csv

    python_rows = con.execute("SELECT * FROM m ORDER BY ALL").fetchall()
    copied = tmp_path / "m_excel.csv"
    write_excel_csv(con, "m", None, copied)
    assert copied.read_bytes() == excel_csv(columns, python_rows)
    assert copied.read_bytes().count(b"\r\n") == len(values) + 1
    assert list(tmp_path.iterdir()) == [copied]  # the COPY's temporary rows file is gone
    con.execute("ALTER TABLE m ADD COLUMN day DATE DEFAULT DATE '2024-12-31'")
    write_excel_csv(con, "m", None, copied)
    dated_rows = con.execute("SELECT * FROM m ORDER BY ALL").fetchall()
    assert copied.read_bytes() == excel_csv([*columns, "day"], dated_rows)
