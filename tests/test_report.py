"""The committee report as a person sees it: opened in a real headless browser."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys

import pandas as pd
import pytest
from test_pipeline import fingerprints, run_everything

import pipelines.orchestration.assets.reports as reports
from pipelines import cli
from pipelines.publish.report import ReportError, write_report
from pipelines.registry.catalog import load_catalog


@pytest.mark.e2e
def test_report_renders_every_chart_in_a_real_browser(raw_dir, published_marts, tmp_path, chromium):
    marts_dir = published_marts
    page = marts_dir / "rapport_0123.html"
    assert page.exists() and (marts_dir / "rapport_0680.html").exists()

    tab = chromium.open(page)
    dom = tab.dom()
    assert "<html" in dom
    assert not re.search(r'data-js-errors="', dom), re.findall(r'data-js-errors="[^"]*"', dom)
    # one chart per focus area and indicator, plus the population-by-background chart
    areas = {
        line.split(",")[1]
        for line in (raw_dir / "areas" / "focus_areas.csv").read_text().splitlines()[1:]
        if line.startswith("0123,")
    }
    catalog = load_catalog(raw_dir)
    local_pairs = {
        (line.split(",")[1], line.split(",")[3])
        for path in (raw_dir / "local").glob("*.csv")
        for line in path.read_text().splitlines()[1:]
        if line.startswith("0123,")
    }
    expected = len(areas) * len(catalog.indicators) + len(local_pairs) + len(catalog.kolada) + 1
    plots = re.findall(r'<div class="plot-container plotly"', dom)
    expected += 1  # the DeSO map (Järfälla's focus areas span enough of it: no zoomed copy)
    expected += 1  # the områdestyp map (SCB's real types per RegSO)
    expected += 1  # the kommun's segregation index among the other kommuner
    assert len(plots) == expected == 1 + 3 * 7 + 3 + 6 + 1 + 1 + 1
    # every plot drew its axes and at least one line with data
    assert dom.count('class="main-svg"') >= expected
    assert len(re.findall(r'class="trace scatter', dom)) >= expected
    for text in (
        "Sångvägen",
        "Termovägen",
        "Söderhöjden",
        "Kommunen",
        "Övriga kommunen",
        "År",
        "Andel (%)",
        "Tusen kronor",
        "Befolkning efter bakgrund",
        "DEMODATA",
        "Källor",
    ):
        assert text in dom, text

    # the map drew one filled shape per DeSO of the boundary file (SCB: 44 in Järfälla)
    shapes = json.loads(
        (raw_dir / "geography" / "deso2025_0123_sweref99tm.geojson").read_text(encoding="utf-8")
    )["features"]
    assert len(shapes) == 44
    map_start = dom.index('id="karta-deso-0123-1"')
    types_start = dom.index('id="karta-deso-0123-2"')  # the områdestyp map follows
    map_dom = dom[map_start:types_start]
    types_dom = dom[types_start : dom.index("</section>", types_start)]
    assert len(re.findall(r'<path class="js-fill"[^>]* d="M[^"]+', map_dom)) == len(shapes)
    # SCB's områdestyp per RegSO, every DeSO drawn with its RegSO's type (2023: real types)
    assert len(re.findall(r'<path class="js-fill"[^>]* d="M[^"]+', types_dom)) == len(shapes)
    assert "Områdestyp per RegSO (2023)" in types_dom
    # the latest year of the mapped indicator in the published DeSO mart (2024: DeSO 2025)
    latest = (
        pd.read_parquet(marts_dir / "deso_indicator.parquet")
        .query("kommun == '0123' and indicator == 'lag_ekonomisk_standard' and value.notna()")[
            "year"
        ]
        .max()
    )
    for text in (f"per DeSO ({latest})", "Andel (%)", "Uppgift saknas", "Fokusområde", "Sångvägen"):
        assert text in map_dom, text
    # series breaks are marked on the charts with a short Swedish note
    assert "Seriebrott: DeSO 2025" in dom
    map_shot = tab.screenshot(tmp_path / "karta_0123.png", 1280, 1300)
    assert map_shot.exists() and map_shot.stat().st_size > 50_000

    shot = tab.screenshot(tmp_path / "rapport_0123.png", 1280, 2400)
    assert shot.exists() and shot.stat().st_size > 50_000
    tab.close()


@pytest.mark.e2e
def test_report_command_writes_one_kommun(raw_dir, published_marts, tmp_path):
    out = tmp_path / "jonkoping.html"
    result = subprocess.run(
        [sys.executable, "-m", "pipelines.cli", "report", "--kommun", "0680", "--out", str(out)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    text = out.read_text(encoding="utf-8")
    assert "Jönköping (0680)" in text and "Råslätt" in text and "Öxnehaga" in text
    assert "Sångvägen" not in text
    assert result.stdout.startswith(f"Skrev {out} (")
    assert "diagram). Den innehåller DEMODATA (utmärkt i rapporten)." in result.stdout
    assert "<script src=" not in text and len(text) > 3_000_000  # plotly inlined: opens offline


def test_report_without_published_marts_is_a_clear_error(tmp_path):
    with pytest.raises(ReportError, match="run the pipeline first"):
        write_report(tmp_path / "nothing", "0123", "Järfälla", tmp_path / "r.html")


def test_a_failing_report_leaves_the_other_kommuns_report_and_is_rendered_next_run(
    raw_dir, marts_dir, monkeypatch, capsys
):
    real = reports.build_report

    def second_kommun_fails(frames, kommun, name, run_date, *args):
        if kommun == "0680":
            raise RuntimeError("rendering failed for Jönköping")
        return real(frames, kommun, name, run_date, *args)

    monkeypatch.setattr(reports, "build_report", second_kommun_fails)
    assert cli.main(["run"]) == 1
    err = capsys.readouterr().err
    assert "rendering failed for Jönköping" in err and "Rapporten för 0680" in err
    # the marts are published and the other kommun's report is written
    assert (marts_dir / "focus_area_trend.parquet").exists()
    assert "Järfälla (0123)" in (marts_dir / "rapport_0123.html").read_text(encoding="utf-8")
    assert not (marts_dir / "rapport_0680.html").exists()
    assert not list(marts_dir.glob(".rapport_*"))  # no temporary file left behind
    before = fingerprints(marts_dir)

    monkeypatch.setattr(reports, "build_report", real)
    outcome = run_everything()
    # nothing changed, so nothing is rebuilt, but the missing report is rendered
    assert outcome.success and outcome.unchanged
    assert list(outcome.reports) == ["0680"]
    after = fingerprints(marts_dir)
    assert {name for name in after if before.get(name) != after[name]} == {"rapport_0680.html"}
    assert "Jönköping (0680)" in (marts_dir / "rapport_0680.html").read_text(encoding="utf-8")


def test_parity_year_needs_five_steady_years_within_twenty_years():
    from pipelines.publish.texts import parity_text

    two = pd.DataFrame({"year": [2021, 2022], "gap": [-10.0, -8.0]})
    # two points: the mart's straight line would say 2026; the report gives no year
    assert parity_text(two, 2026) == (
        "inget slutår beräknas: 2 år med data i serien (minst 5 behövs)"
    )
    steady = pd.DataFrame({"year": range(2018, 2023), "gap": [-10.0, -9.0, -8.0, -7.0, -6.0]})
    assert parity_text(steady, 2028) == "i nuvarande takt lika 2028"  # 6 / 1 per year
    assert parity_text(steady, 2122).startswith("inget slutår beräknas: i nuvarande takt mer än 20")
    zigzag = pd.DataFrame({"year": range(2018, 2023), "gap": [10.0, 6.0, 9.0, 5.0, 8.0]})
    assert parity_text(zigzag, 2040) == "inget slutår beräknas: gapet minskar inte jämnt"
    widening = pd.DataFrame({"year": range(2018, 2023), "gap": [5.0, 6.0, 7.0, 8.0, 9.0]})
    assert parity_text(widening, None) == "inget slutår beräknas: gapet minskar inte"


def test_favourable_follows_higher_is_better():
    from pipelines.publish.texts import favourable

    assert favourable(-5.0, "true") == "sämre"
    assert favourable(-5.0, "false") == "bättre"
    assert favourable(5.0, "false") == "sämre"
    assert favourable(5.0, "neutral") == "ingen värdering"
    assert favourable(0.01, "true") == "lika"
    assert favourable(None, "true") == "–"


def test_report_states_deso_and_status_and_one_indicator_order(raw_dir, published_marts):
    marts_dir = published_marts
    text = (marts_dir / "rapport_0123.html").read_text(encoding="utf-8")
    areas = pd.read_csv(raw_dir / "areas" / "focus_areas.csv", dtype=str)
    areas = areas[areas.kommun == "0123"]
    theme_order = [
        "bostadsområden",
        "brottslighet och trygghet",
        "barn och ungas uppväxtvillkor",
        "kultur, demokrati och civilsamhälle",
        "arbete och vuxenutbildning",
    ]
    catalog = load_catalog(raw_dir)
    themes = {i.id: i.theme for i in catalog.indicators.values()}
    themes |= {k.id: k.theme for k in catalog.kolada.values()}
    orders = []
    for name in areas.area_name.unique():
        start = text.index(f"<h2>{name}</h2>")
        section = text[start : text.index("</section>", start)]
        head = section[: section.index("<table")]
        # the area's DeSO and their status at the top of its section
        for deso in areas[areas.area_name == name].deso:
            assert deso in head, (name, deso)
        assert "obekräftad" in head  # every row of the example file is unconfirmed
        assert "RegSO" in head
        # table order == chart order, grouped by the plan's themes in the plan's order
        headline = section[: section.index("</table>")]
        table_names = re.findall(r"<tr><td>([^<]+?)(?: <span|</td>)", headline)
        chart_ids = re.findall(r'class="chart" data-indicator="([^"]+)"', section)
        by_name = (
            pd.read_parquet(marts_dir / "focus_area_indicator.parquet")
            .drop_duplicates("indicator")
            .set_index("indicator_name")
            .indicator
        )
        table_ids = [by_name[n] for n in table_names]
        assert table_ids == chart_ids, name
        ranks = [theme_order.index(themes.get(i, "bostadsområden")) for i in chart_ids]
        assert ranks == sorted(ranks), name
        orders.append(chart_ids)
        assert "Bättre/sämre än kommunen" in section
    assert all(o == orders[0] for o in orders)  # the same order in every area
    # the kommun-wide section says whose values it holds
    start = text.index("<h2>Hela kommunen</h2>")
    kommun = text[start : text.index("</table>", start)]
    assert "<th>Kommunen</th><th>Riket</th>" in kommun and "<th>Området</th>" not in kommun
    # the local two-point valdeltagande series (2018, 2022) gets no parity year
    assert "lika 2026" not in text and "2 år med data i serien" in text
    assert "Om siffrorna" in text and "Dnr Kst 2016/56" in text
    assert "Kvinnor" in text and "Män" in text


@pytest.mark.e2e
def test_printed_report_keeps_every_chart_on_one_page(published_marts, tmp_path, chromium):
    page = published_marts / "rapport_0123.html"
    text = page.read_text(encoding="utf-8")
    assert "size: A4" in text
    assert re.search(r"\.chart, [^{]*\{ break-inside: avoid", text)
    tab = chromium.open(page)
    assert "<html" in tab.dom()
    pdf = tab.pdf(tmp_path / "rapport.pdf")
    tab.close()
    assert pdf.exists() and pdf.stat().st_size > 100_000
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf.read_bytes()))
    # map, Hela kommunen, three areas, background, Om siffrorna: one page break each, and
    # fewer pages than the 16 the report took before charts were kept whole
    assert 7 <= pages < 16, pages
    if shutil.which("pdftotext"):
        plain = subprocess.run(
            ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True
        ).stdout
        for sheet in plain.split("\f"):
            # a chart's title and its axis title 'År' end up on the same page
            for title in re.findall(r"Anmälda våldsbrott per 100 000 invånare\n", sheet):
                assert "År" in sheet[sheet.index(title) :]


def test_other_kommuners_index_lines_are_one_trace_that_names_each_kommun():
    """The report's kommun comparison: every other kommun one line (gaps between them, the
    kommun's name on hover), the report's kommun and its random-allocation value on top."""
    from pipelines.publish.charts import kommun_index_chart

    rows = [
        ("0123", "Järfälla", year, value, 0.1) for year, value in [(2020, 0.30), (2021, 0.32)]
    ] + [
        ("0114", "Upplands Väsby", 2020, 0.25, 0.1),
        ("0114", "Upplands Väsby", 2021, 0.26, 0.1),
        ("0680", "Jönköping", 2021, 0.40, 0.1),
        ("0680", "Jönköping", 2020, 0.41, 0.1),
    ]
    index = pd.DataFrame(
        rows, columns=["kommun", "kommun_name", "year", "value", "expected_random"]
    )
    fig = kommun_index_chart(index, "0123", "Järfälla", demo=True)
    others, own, expected = fig.data
    assert list(others.x) == [2020, 2021, None, 2020, 2021, None]  # each kommun by year
    assert list(others.y) == [0.25, 0.26, None, 0.41, 0.40, None]
    assert list(others.customdata) == ["Upplands Väsby"] * 2 + [""] + ["Jönköping"] * 2 + [""]
    assert others.name == "Övriga inlästa kommuner" and "%{customdata}" in others.hovertemplate
    assert list(own.y) == [0.30, 0.32] and own.name == "Järfälla"
    assert list(expected.y) == [0.1, 0.1]
    assert "2 andra kommuner" in fig.layout.title.text and "DEMODATA" in fig.layout.title.text
