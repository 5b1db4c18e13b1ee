"""The substance of a committee report: what a reader gets from it, apart from its layout.

From a report's HTML: its sections (their classes, in order), every heading (h1–h4), every
table's cells (row by row), and every Plotly chart (its title and number of traces). The
report's date sits in the introduction's running text, which is not part of the substance.

`tests/test_report_substance.py` compares a freshly rendered report with the golden files
`tests/fixtures/report_substance_<kommun>.json`. When the marts or the report's wording
change on purpose, regenerate them from the bundled run:

    make run
    .venv/bin/python -m tests.report_substance --write

(or name the reports to read: `--write data/marts/rapport_0123.html ...`).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from html.parser import HTMLParser
from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures"
PROJECT = Path(__file__).resolve().parent.parent
KOMMUNER = ("0123", "0680")
HEADINGS = {"h1", "h2", "h3", "h4"}
PLOT_CALL = "Plotly.newPlot("


def golden_path(kommun: str) -> Path:
    return FIXTURES / f"report_substance_{kommun}.json"


def _text(parts: list[str]) -> str:
    return re.sub(r"\s+", " ", "".join(parts)).strip()


def chart_summary(script: str) -> dict[str, object]:
    """The title and number of traces of the chart a `Plotly.newPlot(id, data, layout)` draws."""
    decoder = json.JSONDecoder()
    rest = script[script.index(PLOT_CALL) + len(PLOT_CALL) :].lstrip()
    _, end = decoder.raw_decode(rest)  # the div's id
    data, end2 = decoder.raw_decode(rest[end:].lstrip(" \n,"))
    rest = rest[end:].lstrip(" \n,")[end2:].lstrip(" \n,")
    layout, _ = decoder.raw_decode(rest)
    title = layout.get("title", {})
    return {
        "title": title.get("text", "") if isinstance(title, dict) else str(title),
        "traces": len(data),
    }


class _Substance(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.sections: list[str] = []
        self.headings: list[str] = []
        self.tables: list[list[list[str]]] = []
        self.charts: list[dict[str, object]] = []
        self._heading: list[str] | None = None
        self._cell: list[str] | None = None
        self._script: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "section":
            self.sections.append(dict(attrs).get("class") or "")
        elif tag in HEADINGS:
            self._heading = []
        elif tag == "table":
            self.tables.append([])
        elif tag == "tr" and self.tables:
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self._cell = []
        elif tag == "script":
            self._script = []

    def handle_endtag(self, tag: str) -> None:
        if tag in HEADINGS and self._heading is not None:
            self.headings.append(_text(self._heading))
            self._heading = None
        elif tag in ("td", "th") and self._cell is not None:
            self.tables[-1][-1].append(_text(self._cell))
            self._cell = None
        elif tag == "script" and self._script is not None:
            script = "".join(self._script)
            if PLOT_CALL in script and "window.PLOTLYENV" in script:
                self.charts.append(chart_summary(script))
            self._script = None

    def handle_data(self, data: str) -> None:
        for parts in (self._heading, self._cell, self._script):
            if parts is not None:
                parts.append(data)


def substance(page: str) -> dict[str, object]:
    """Sections, headings, table cells and charts of a report's HTML (see the module)."""
    parser = _Substance()
    parser.feed(page)
    parser.close()
    return {
        "sections": parser.sections,
        "headings": parser.headings,
        "tables": parser.tables,
        "chart_count": len(parser.charts),
        "charts": parser.charts,
    }


def write_golden(pages: list[Path]) -> list[Path]:
    """Golden files from reports named rapport_<kommun>.html."""
    FIXTURES.mkdir(exist_ok=True)
    written = []
    for page in pages:
        kommun = re.fullmatch(r"rapport_(\d{4})\.html", page.name)
        if kommun is None:
            raise SystemExit(f"{page}: expected a file named rapport_<kommun>.html")
        out = golden_path(kommun.group(1))
        found = substance(page.read_text(encoding="utf-8"))
        out.write_text(json.dumps(found, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        written.append(out)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--write", action="store_true", help="write the golden files")
    parser.add_argument("reports", nargs="*", type=Path, help="default: data/marts/rapport_*.html")
    args = parser.parse_args(argv)
    pages = args.reports or [PROJECT / "data" / "marts" / f"rapport_{k}.html" for k in KOMMUNER]
    if not args.write:
        for page in pages:
            found = substance(page.read_text(encoding="utf-8"))
            print(page, len(found["headings"]), "headings,", len(found["tables"]), "tables,")
            print("   ", found["chart_count"], "charts")
        return 0
    for out in write_golden(pages):
        print("wrote", out.relative_to(PROJECT))
    return 0


if __name__ == "__main__":
    sys.exit(main())
