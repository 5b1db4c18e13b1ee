"""A third kommun as a new analyst adds it: Botkyrka (0127, in the bundled snapshot's
Stockholms län) with focus areas Alby, Fittja and Hallunda-Norsborg and a plan from 2019,
its files saved by Excel (UTF-8 BOM, semicolons, CRLF). One real Dagster run into temporary
directories; the test reads the Botkyrka report's text as a committee would."""

from __future__ import annotations

import csv
import io
import shutil
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
from test_pipeline import run_all

PROJECT = Path(__file__).resolve().parents[1]
KOMMUNER = [  # as committed, with Botkyrka named: the comparison areas come from both län
    ("0123", "Järfälla"),
    ("0127", "Botkyrka"),
    ("0680", "Jönköping"),
    ("län 01", "Stockholms län"),
    ("län 06", "Jönköpings län"),
]
AREAS = {  # the DeSO of the RegSO named so in the shipped keys (data/raw/geography/)
    ("alby", "Alby"): ("Albyberget", "Albydalen"),
    ("fittja", "Fittja"): ("Fittja",),
    ("hallunda_norsborg", "Hallunda-Norsborg"): ("Hallunda", "Norsborg"),
}
PLAN = (
    "0127;;Botkyrkas plan för Alby, Fittja och Hallunda-Norsborg;2019;"
    "forvarvsarbetande|inkomst_median|lag_ekonomisk_standard;;beslutad;"
)


def excel(lines: list[str]) -> bytes:
    """What Excel writes for "CSV UTF-8" with a Swedish list separator."""
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8")


KEYS = {  # division: (file, columns kommun, DeSO, RegSO name)
    "DeSO2018": ("koppling-deso2018-regso2020.csv", 0, 2, 3),
    "DeSO2025": ("koppling-deso2025-regso2025.csv", 3, 0, 2),
}


def botkyrka_deso(division: str) -> dict[str, list[str]]:
    """Each area's DeSO on a division, from the shipped key of DeSO to RegSO."""
    name, kommun, deso, regso = KEYS[division]
    text = (PROJECT / "data" / "raw" / "geography" / name).read_text(encoding="utf-8-sig")
    rows = [line.split(",") for line in text.splitlines()[1:]]
    return {
        area_id: sorted(r[deso] for r in rows if r[kommun] == "0127" and r[regso] in names)
        for (area_id, _), names in AREAS.items()
    }


def add_botkyrka(raw: Path) -> None:
    """Botkyrka appended to the copied areas files, all three saved Excel-style."""
    areas = raw / "areas"
    kommuner = ["kommun;namn", *(f"{k};{n}" for k, n in KOMMUNER)]
    (areas / "kommuner.csv").write_bytes(excel(kommuner))
    focus = list(csv_lines(areas / "focus_areas.csv"))
    for division in KEYS:
        for (area_id, name), deso in zip(AREAS, botkyrka_deso(division).values(), strict=True):
            assert deso, (area_id, division)
            focus += [f"0127;{area_id};{name};{division};{d};obekräftad;" for d in deso]
    (areas / "focus_areas.csv").write_bytes(excel(focus))
    plans = list(csv_lines(areas / "plans.csv"))
    (areas / "plans.csv").write_bytes(excel([*plans, PLAN]))


def csv_lines(path: Path) -> Iterator[str]:
    """A shipped file's lines re-saved with semicolons (quoted fields may hold commas)."""
    for row in csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))):
        yield ";".join(f'"{c}"' if ";" in c else c for c in row)


class Text(HTMLParser):
    """The report's visible text, paragraph by paragraph, without scripts and styles, with the
    section each piece is in."""

    def __init__(self) -> None:
        super().__init__()
        self.skip = 0
        self.section = ""
        self.parts: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self.skip += 1
        if tag in ("section", "footer"):
            self.section = dict(attrs).get("class") or tag

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self.skip -= 1

    def handle_data(self, data):
        if not self.skip and data.strip():
            self.parts.append((self.section, data))


@pytest.fixture(scope="module")
def botkyrka(tmp_path_factory) -> dict[str, object]:
    tmp = tmp_path_factory.mktemp("botkyrka")
    raw, marts = tmp / "raw", tmp / "marts"
    shutil.copytree(PROJECT / "data" / "raw", raw)
    add_botkyrka(raw)
    with pytest.MonkeyPatch.context() as mp:
        for name in ("SEGREGATION_SOURCE", "SEGREGATION_COMPARISON_K"):
            mp.delenv(name, raising=False)
        mp.setenv("SEGREGATION_RAW_DIR", str(raw))
        mp.setenv("SEGREGATION_MARTS_DIR", str(marts))
        assert run_all()
    page = (marts / "rapport_0127.html").read_text(encoding="utf-8")
    parser = Text()
    parser.feed(page)
    return {"page": page, "parts": parser.parts, "marts": marts}
