"""The integrationsbokslut and the committee report's "Åtgärder": what the run writes from the
shipped example measures (data/raw/areas/measures.csv), the year-to-year changes, and the rule
that a measure is never credited with an indicator's change.

Expected values are read by hand from measures.csv:
- jfl-ar-01 (Arbetsmarknads- och vuxenutbildningsnämnden): 2023 planerad, 2024 pågår
- jfl-bu-01 (Barn- och ungdomsnämnden, Sångvägen): 2021–2023 pågår, 2024 genomförd
- jfl-bo-01 (Järfällahus AB, all areas, 2020–2023): 2023 genomförd, no 2024 row
- jfl-ku-01 (Kultur- och fritidsnämnden, 2021–2022): 2021 pågår, 2022 avbruten
- jfl-bo-02 (Samhällsbyggnadsnämnden, Termovägen, from 2022): 2022 planerad, 2023–2024 pågår
- jfl-tr-01 (Kommunstyrelsen, all areas, from 2020): pågår every year
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pandas as pd

from pipelines.cli import main
from pipelines.publish import texts
from pipelines.publish.measure_indicators import direction_changes, moved
from pipelines.publish.measures_section import latest_status, status_changes


class _Text(HTMLParser):
    """The page's headings and its text, whitespace collapsed."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.headings: list[str] = []
        self._in: str | None = None

    def handle_starttag(self, tag, attrs):
        if tag in ("h2", "h3"):
            self._in, self._heading = tag, ""

    def handle_endtag(self, tag):
        if tag == self._in:
            self.headings.append(re.sub(r"\s+", " ", self._heading).strip())
            self._in = None

    def handle_data(self, data):
        self.parts.append(data)
        if self._in:
            self._heading += data

    @property
    def text(self) -> str:
        return re.sub(r"\s+", " ", "".join(self.parts))


def read(path) -> _Text:
    parser = _Text()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def test_the_run_writes_the_bokslut_of_the_latest_reported_year(snapshot_run):
    written = sorted(p.name for p in snapshot_run.marts.glob("integrationsbokslut_*.html"))
    assert written == ["integrationsbokslut_0123_2024.html"]  # Jönköping keeps no measures
    page = read(snapshot_run.marts / "integrationsbokslut_0123_2024.html")
    assert page.headings[0] == "Sedan förra bokslutet (2023 → 2024)"
    bodies = [
        "Arbetsmarknads- och vuxenutbildningsnämnden",
        "Barn- och ungdomsnämnden",
        "Järfällahus AB",
        "Kommunstyrelsen",
        "Kultur- och fritidsnämnden",
        "Samhällsbyggnadsnämnden",
    ]
    assert [h for h in page.headings if h in bodies] == bodies
    assert "Har startat: Jobbcoacher och sfi kombinerad med praktik." in page.text
    assert "Har genomförts: Läxhjälp och förlängd skoldag i skolorna nära Sångvägen." in page.text
    assert texts.EXAMPLE_MEASURES in page.text
    assert texts.NOT_CAUSAL.replace('\\"', '"') in page.text
    # a measure that ended before the year shows its last status, not "ej rapporterad"
    assert "2020–2023: genomförd 2023." in page.text


def test_an_earlier_year_from_the_command_line(published_marts, raw_dir, capsys):
    assert main(["bokslut", "--kommun", "0123", "--ar", "2022"]) == 0
    path = published_marts / "integrationsbokslut_0123_2022.html"
    assert str(path) in capsys.readouterr().out
    page = read(path)
    assert "Sedan förra bokslutet (2021 → 2022)" in page.headings
    assert "Har avbrutits: Stöd till föreningar som driver mötesplatser för unga." in page.text
    assert "Nya, planerade: Belysning och gångstråk mellan Termovägen och centrum." in page.text


def test_a_kommun_without_measures_or_a_year_outside_them_is_a_clear_error(
    published_marts, raw_dir, capsys
):
    assert main(["bokslut", "--kommun", "0680"]) == 1
    assert "Jönköping (0680) har inga åtgärder" in capsys.readouterr().err
    assert main(["bokslut", "--kommun", "0123", "--ar", "2031"]) == 1
    assert "det täcker 2020–2026" in capsys.readouterr().err
    assert not list(published_marts.glob("integrationsbokslut_0123_2031*"))


def test_the_committee_report_counts_each_areas_measures_per_theme(snapshot_run):
    html = (snapshot_run.marts / "rapport_0123.html").read_text(encoding="utf-8")
    sangvagen = html[html.index("<h2>Sångvägen</h2>") : html.index("<h2>Söderhöjden</h2>")]
    assert "<h3>Åtgärder 2024</h3>" in sangvagen
    assert 'href="integrationsbokslut_0123_2024.html"' in sangvagen
    rows = re.findall(r"<tr><td>([^<]+)</td><td>(\d)</td><td>(\d)</td><td>(\d)</td>", sangvagen)
    # 2024, Sångvägen: jfl-bu-01 genomförd (its own), jfl-tr-01 pågår (all areas);
    # jfl-bo-01 and jfl-ku-01 ended before 2024. Columns: planerad, pågår, genomförd.
    assert rows == [
        ("Barn och ungas uppväxtvillkor", "0", "0", "1"),
        ("Brottslighet och trygghet", "0", "1", "0"),
    ]


def _measure(status_by_year: dict[int, str | None], end: int | None = None) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "measure_id": "m",
            "measure": "Åtgärd",
            "year": list(status_by_year),
            "status": list(status_by_year.values()),
            "start_year": min(status_by_year),
            "end_year": end,
        }
    )


def test_status_changes_between_two_years():
    frame = pd.concat(
        [
            _measure({2022: "planerad", 2023: "pågår"}).assign(measure_id="a", measure="A"),
            _measure({2022: "pågår", 2023: "genomförd"}).assign(measure_id="b", measure="B"),
            _measure({2023: "planerad"}).assign(measure_id="c", measure="C"),
            _measure({2022: "pågår", 2023: "pågår"}).assign(measure_id="d", measure="D"),
        ]
    )
    assert status_changes(frame, 2023) == {
        "started": ["A"],
        "finished": ["B"],
        "stopped": [],
        "planned": ["C"],
    }


def test_latest_status_of_a_measure():
    ended = _measure({2021: "pågår", 2022: "genomförd"}, end=2022)
    assert latest_status(ended, 2024) == "genomförd 2022"
    running = _measure({2023: "pågår", 2024: None})
    assert latest_status(running, 2024) == "ej rapporterad 2024"
    assert latest_status(running, 2023) == "pågår 2023"


def _gaps(gaps: dict[int, float], restart: int | None = None) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "year": list(gaps),
            "gap": list(gaps.values()),
            "series_restarts": [y == restart for y in gaps],
            "unit": "procent",
            "gap_unit": "procentenheter",
            "indicator_name": "Andel förvärvsarbetande",
            "area_name": "Område A",
            "area_id": "a",
        }
    )


def test_what_moved_while_a_measure_ran():
    # |gap| −12.0 → −9.5: 2.5 points smaller, above a threshold of 1.0
    text = moved(_gaps({2020: -12.0, 2021: -11.0, 2022: -9.5}), 1.0, 2020, 2022)
    assert text == (
        "Andel förvärvsarbetande, Område A: gapet −12,0 → −9,5 procentenheter (2020–2022), "
        "närmare kommunen"
    )
    assert moved(_gaps({2020: -12.0, 2022: -11.5}), 1.0, 2020, 2022) == ""  # 0.5 < 1.0
    assert moved(_gaps({2020: -12.0}), 1.0, 2020, 2022) is None  # one year: cannot be said
    # a restart in 2022 leaves one year of the series as it then ran
    assert (
        moved(_gaps({2020: -12.0, 2021: -11.0, 2022: -3.0}, restart=2022), 1.0, 2020, 2022) is None
    )


def test_a_restart_is_not_a_change_of_direction():
    def row(as_of, direction, start=None, indicator="x"):
        return {"kommun": "0999", "sex": "1+2", "area_id": "a", "area_name": "A",
                "indicator": indicator, "indicator_name": indicator.upper(),
                "as_of_year": as_of, "direction": direction, "series_start_year": start}  # fmt: skip

    history = pd.DataFrame(
        [
            row(2022, "fjärmar sig"),
            row(2023, "närmar sig"),
            row(2022, "oförändrat", indicator="y"),
            row(2023, "för få år", 2023, indicator="y"),
        ]
    )
    assert direction_changes(history, "0999", 2023) == {
        "changed": ["X, A: fjärmar sig → närmar sig"],
        "restarted": ["Y, A"],
    }


def _school_d(rows: pd.DataFrame) -> float:
    """D across schools straight from the file: ½ Σ |x_i/X − y_i/Y|, x with and y without
    utländsk bakgrund."""
    x = rows.pupils_foreign_background
    y = rows.pupils - x
    return 0.5 * float((x / x.sum() - y / y.sum()).abs().sum())


def test_the_bokslut_follows_the_differences_between_schools(snapshot_run):
    schools = pd.read_csv(snapshot_run.marts.parent / "raw" / "goals" / "schools.csv", dtype=str)
    schools[["pupils", "pupils_foreign_background"]] = schools[
        ["pupils", "pupils_foreign_background"]
    ].astype(int)
    schools["year"] = schools.year.astype(int)
    first, last = (_school_d(schools[schools.year == y]) for y in (2016, 2024))
    page = read(snapshot_run.marts / "integrationsbokslut_0123_2024.html")
    sentence = f"D mellan skolorna har minskat från {first:.3f} till {last:.3f} (2016–2024)."
    assert sentence.replace(".", ",", 2) in page.text
    assert "Exempelskola 1 påhittat" in page.text


def test_the_indicators_beside_the_measures_show_women_and_men(snapshot_run):
    """Jönköping's goal names women and men: the bokslut puts the mart's values for both beside
    the total (Söderhöjden's share förvärvsarbetande, the year jfl-ar-01 last reported)."""
    rows = pd.read_parquet(snapshot_run.marts / "focus_area_indicator.parquet")
    rows = rows[
        (rows.area_id == "soderhojden")
        & (rows.indicator == "forvarvsarbetande")
        & (rows.year == 2024)
    ].set_index("sex")
    cells = [f"{rows.value[s]:.1f}".replace(".", ",") for s in ("1+2", "2", "1")]
    html = (snapshot_run.marts / "integrationsbokslut_0123_2024.html").read_text(encoding="utf-8")
    row = re.search(r"Andel förvärvsarbetande 20–64 år.*?</tr>", html).group()
    assert re.findall(r"<td>([0-9,]+)</td>", row)[1:4] == cells  # after the year: total, women, men


CAUSAL_WORDS = ("tack vare", "ledde till", "orsakade", "har gett", "resulterade", "effekt av åtgärden", "på grund av åtgärden")  # fmt: skip


def test_no_measure_is_credited_with_an_indicators_change(snapshot_run):
    """The wording rule on the rendered page: the measures' text says what moved while they ran,
    and no sentence about a measure claims it caused anything."""
    html = (snapshot_run.marts / "integrationsbokslut_0123_2024.html").read_text(encoding="utf-8")
    themes = html[html.index("Åtgärder och indikatorer per tema") : html.index("Mål för kommunen")]
    items = [
        re.sub(r"<[^>]+>|\s+", " ", li).lower() for li in re.findall(r"<li>.*?</li>", themes, re.S)
    ]
    assert len(items) == 6  # the six example measures
    assert [w for item in items for w in CAUSAL_WORDS if w in item] == []
    assert all("under åtgärdens" in item or "anger inga indikatorer" in item for item in items)
