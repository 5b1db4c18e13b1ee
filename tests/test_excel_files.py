"""The analyst's files as Swedish Excel saves them: BOM, semicolons, decimal comma, cp1252,
kommun codes without their leading zero, and implausible values in the kommun's files."""

from __future__ import annotations

import csv
import io
import os

import pytest

from pipelines.core.settings import Settings
from pipelines.registry.areas import AreaRegistryError, load_areas
from pipelines.registry.catalog import CatalogError, load_catalog
from pipelines.registry.kommuner import KommunerError, load_kommuner
from pipelines.sources.local_files import LocalFileError, load_local_values
from pipelines.sources.preflight import ERROR, run_check

LOCAL_HEADER = "kommun,area_id,deso,indicator,year,numerator,denominator,value,source\n"


def as_excel(text: str) -> bytes:
    """What Swedish Excel's "CSV UTF-8" writes with ';' as list separator: BOM, ';', CRLF,
    quotes only where a field needs them."""
    out = io.StringIO()
    csv.writer(out, delimiter=";", lineterminator="\r\n").writerows(csv.reader(io.StringIO(text)))
    return b"\xef\xbb\xbf" + out.getvalue().encode("utf-8")


# -- kommuner.csv ---------------------------------------------------------------------------


def test_kommuner_with_bom_and_semicolons_reads_like_the_original(raw_dir):
    path = raw_dir / "areas" / "kommuner.csv"
    path.write_bytes(as_excel("kommun,namn\n0123,Järfälla\n0680,Jönköping\n"))
    assert [(k.code, k.name) for k in load_kommuner(raw_dir)] == [
        ("0123", "Järfälla"),
        ("0680", "Jönköping"),
    ]


def test_kommuner_in_cp1252_is_rejected_naming_the_file(raw_dir):
    path = raw_dir / "areas" / "kommuner.csv"
    path.write_bytes("kommun;namn\r\n0123;Järfälla\r\n".encode("cp1252"))
    with pytest.raises(KommunerError) as err:
        load_kommuner(raw_dir)
    message = str(err.value)
    assert str(path) in message and "är inte UTF-8" in message
    assert "CSV UTF-8 (kommaavgränsad)" in message and "\n" not in message


def test_kommun_code_without_leading_zero_gets_a_hint(raw_dir):
    (raw_dir / "areas" / "kommuner.csv").write_bytes(as_excel("kommun,namn\n123,Järfälla\n"))
    with pytest.raises(KommunerError, match=r"rad 2: .*menade du 0123\?"):
        load_kommuner(raw_dir)


# -- focus_areas.csv ------------------------------------------------------------------------


def test_focus_areas_with_bom_and_semicolons_read_like_the_original(raw_dir):
    path = raw_dir / "areas" / "focus_areas.csv"
    original = load_areas(raw_dir, ["0123", "0680"])
    path.write_bytes(as_excel(path.read_text(encoding="utf-8")))
    assert path.read_bytes().startswith(b"\xef\xbb\xbfkommun;area_id;")
    assert load_areas(raw_dir, ["0123", "0680"]) == original
    assert any(m.area_name == "Sångvägen" and m.kommun == "0123" for m in original)


EXCEL_AREAS = (
    "kommun,area_id,area_name,division,deso,status,comment\n"
    '0680,raslatt,Råslätt,DeSO2018,0680C1070,obekräftad,"RegSO Råslätt; norra delen"\n'
    "0680,raslatt,Råslätt,DeSO2018,0680C1090,obekräftad,\n"
)


def test_areas_propose_write_keeps_the_excel_form_of_the_file(raw_dir):
    from test_cli import segregation

    path = raw_dir / "areas" / "focus_areas.csv"
    original = as_excel(EXCEL_AREAS)
    path.write_bytes(original)
    result = segregation(
        "areas", "--propose", "--write", env_extra={"SEGREGATION_RAW_DIR": str(raw_dir)}
    )
    assert result.returncode == 0, result.stderr
    assert "Skrev 3 rader för DeSO 2025 som obekräftad" in result.stdout
    written = path.read_bytes()
    assert written.startswith(original)  # BOM, header and the existing rows, byte for byte
    added = written[len(original) :].decode("utf-8")
    assert added.split("\r\n") == [
        "0680;raslatt;Råslätt;DeSO2025;0680C1071;obekräftad;förslag: 0680C1070 (DeSO 2018) "
        "delades i 0680C1071, 0680C1072, alla i områdets RegSO 0680R024",
        "0680;raslatt;Råslätt;DeSO2025;0680C1072;obekräftad;förslag: 0680C1070 (DeSO 2018) "
        "delades i 0680C1071, 0680C1072, alla i områdets RegSO 0680R024",
        "0680;raslatt;Råslätt;DeSO2025;0680C1090;obekräftad;förslag: samma kod i DeSO 2025 "
        "som i DeSO 2018 (RegSO 0680R024)",
        "",
    ]
    assert written.count(b"\r\n") == written.count(b"\n")  # no bare LF anywhere
    assert len(load_areas(raw_dir, ["0123", "0680"])) == 5  # and the file reads back


def test_writing_back_a_file_without_the_division_column_adds_it_in_the_same_form(raw_dir):
    from pipelines.registry.areas import propose_next_division, write_proposals

    path = raw_dir / "areas" / "focus_areas.csv"
    path.write_bytes(
        "kommun;area_id;area_name;deso;status\n0680;raslatt;Råslätt;0680C1090;obekräftad\n".encode()
    )
    members = load_areas(raw_dir, ["0680"])
    assert write_proposals(raw_dir, propose_next_division(members, raw_dir)) == 1
    assert path.read_bytes().decode("utf-8").split("\n") == [
        "kommun;area_id;area_name;deso;status;division;comment",
        "0680;raslatt;Råslätt;0680C1090;obekräftad;DeSO2018;",
        "0680;raslatt;Råslätt;0680C1090;obekräftad;DeSO2025;förslag: samma kod i DeSO 2025 "
        "som i DeSO 2018 (RegSO 0680R024)",
        "",
    ]


def test_the_dialect_of_a_file_is_read_with_it(tmp_path):
    from pipelines.core.csv_input import CsvDialect, read_csv

    excel = tmp_path / "excel.csv"
    excel.write_bytes(as_excel('a,b\n1,"2,5"\n'))
    plain = tmp_path / "plain.csv"
    plain.write_bytes(b"a,b\n1,2.5\n")
    assert read_csv(excel).dialect == CsvDialect(";", True, "\r\n", ",")
    assert read_csv(plain).dialect == CsvDialect(",", False, "\n", ".")
    whole = tmp_path / "whole.csv"  # no decimals to tell from: Excel's mark for its separator
    whole.write_bytes(as_excel("a,b\n1,2\n"))
    assert read_csv(whole).dialect.decimal == ","


def test_focus_areas_in_cp1252_are_rejected_naming_the_file(raw_dir):
    path = raw_dir / "areas" / "focus_areas.csv"
    text = path.read_text(encoding="utf-8").replace(",", ";")
    path.write_bytes(text.encode("cp1252"))
    with pytest.raises(AreaRegistryError) as err:
        load_areas(raw_dir, ["0123", "0680"])
    assert err.value.problems == [
        f"{path} är inte UTF-8: spara den från Excel som 'CSV UTF-8 (kommaavgränsad)'."
    ]


def test_focus_area_kommun_without_leading_zero_gets_a_hint(raw_dir):
    path = raw_dir / "areas" / "focus_areas.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[1].startswith("0123,")
    lines[1] = lines[1][1:]  # what Excel makes of 0123 in a number column
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(AreaRegistryError) as err:
        load_areas(raw_dir, ["0123", "0680"])
    assert any(
        p.startswith(f"{path}, rad 2: kommunkoden '123'") and "menade du 0123?" in p
        for p in err.value.problems
    )


# -- local files ----------------------------------------------------------------------------


def load_local(raw_dir):
    return load_local_values(raw_dir, load_catalog(raw_dir), load_areas(raw_dir, ["0123", "0680"]))


def test_local_file_with_bom_semicolons_and_decimal_comma(raw_dir):
    path = raw_dir / "local" / "ohalsa.csv"
    path.write_bytes(
        b"\xef\xbb\xbf"
        + (
            "kommun;area_id;deso;indicator;year;numerator;denominator;value;source\r\n"
            "0123;sangvagen;;ohalsotal;2022;;;31,5;Försäkringskassan\r\n"
            "0123;termovagen;;valdeltagande;2014;1 204;2 010;;Valmyndigheten\r\n"
        ).encode()
    )
    frame = load_local(raw_dir)
    mine = frame[frame["file"] == "ohalsa.csv"].set_index("area_id")
    assert mine.at["sangvagen", "value"] == 31.5
    assert mine.at["sangvagen", "kommun"] == "0123"
    assert mine.at["sangvagen", "source"] == "Försäkringskassan"
    assert (mine.at["termovagen", "numerator"], mine.at["termovagen", "denominator"]) == (
        1204.0,
        2010.0,
    )


def test_local_file_in_cp1252_is_rejected_naming_the_file(raw_dir):
    path = raw_dir / "local" / "ohalsa.csv"
    path.write_bytes(
        (LOCAL_HEADER + "0123,sangvagen,,ohalsotal,2022,,,31.5,Försäkringskassan\n").encode(
            "cp1252"
        )
    )
    with pytest.raises(LocalFileError) as err:
        load_local(raw_dir)
    assert f"{path} är inte UTF-8: spara den från Excel som 'CSV UTF-8" in str(err.value)


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (
            "0123,sangvagen,,ohalsotal,2022,,,-31.0,FK\n",
            "rad 2: ohalsotal -31 dagar ligger utanför det rimliga intervallet 0–100",
        ),
        (
            "0123,sangvagen,,valdeltagande,2022,1100,1000,,Valmyndigheten\n",
            "rad 2: numerator 1100 är större än denominator 1000",
        ),
        (
            # 100 000 × 2 000 / 1 000 = 200 000 per 100 000 inv.: more crimes than people
            "0123,sangvagen,,vald_brott,2022,2000,1000,,BRÅ\n",
            "rad 2: vald_brott 200000 per 100 000 inv. ligger utanför det rimliga intervallet "
            "0–100000",
        ),
        (
            "123,sangvagen,,valdeltagande,2022,600,1000,,x\n",
            "rad 2: kommunkoden '123' har inte fyra siffror (t.ex. 0123); menade du 0123?",
        ),
    ],
)
def test_implausible_local_values_name_file_line_and_reason(raw_dir, row, message):
    path = raw_dir / "local" / "mina_varden.csv"
    path.write_text(LOCAL_HEADER + row, encoding="utf-8")
    with pytest.raises(LocalFileError) as err:
        load_local(raw_dir)
    assert f"{path}, {message}" in str(err.value)


def test_a_plausible_value_at_the_edge_is_accepted(raw_dir):
    path = raw_dir / "local" / "mina_varden.csv"
    path.write_text(
        LOCAL_HEADER + "0123,sangvagen,,valdeltagande,2014,1000,1000,,x\n", encoding="utf-8"
    )
    frame = load_local(raw_dir)
    assert len(frame[frame["file"] == "mina_varden.csv"]) == 1


def test_every_catalog_indicator_has_a_plausible_range(raw_dir):
    catalog = load_catalog(raw_dir)
    assert catalog.kolada["ohalsotal"].plausible == (0.0, 100.0)
    assert catalog.kolada["vald_brott"].plausible == (0.0, 100000.0)
    assert catalog.indicators["inkomst_median"].plausible == (0.0, 2000.0)
    assert catalog.indicators["befolkning"].plausible == (0.0, float("inf"))
    path = raw_dir / "catalog.toml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("plausible = [0, 100]\n", "", 1), encoding="utf-8")
    with pytest.raises(CatalogError, match=r"'plausible' ska vara \[min, max\]"):
        load_catalog(raw_dir)


def test_the_pre_flight_check_reports_an_implausible_local_value_and_a_cp1252_file(raw_dir):
    local = raw_dir / "local" / "ohalsa.csv"
    local.write_text(LOCAL_HEADER + "0123,sangvagen,,ohalsotal,2022,,,-31.0,FK\n", "utf-8")
    settings = Settings.from_env({**os.environ, "SEGREGATION_RAW_DIR": str(raw_dir)})
    report = run_check(settings)
    errors = [f"{f.subject}: {f.message}" for f in report.findings if f.status == ERROR]
    assert not report.ok
    assert any(f"{local}, rad 2: ohalsotal -31 dagar ligger utanför" in e for e in errors), errors
    local.unlink()
    kommuner = raw_dir / "areas" / "kommuner.csv"
    kommuner.write_bytes("kommun;namn\r\n0123;Järfälla\r\n".encode("cp1252"))
    report = run_check(settings)
    errors = [f"{f.subject}: {f.message}" for f in report.findings if f.status == ERROR]
    assert any(f"{kommuner} är inte UTF-8" in e for e in errors), errors
