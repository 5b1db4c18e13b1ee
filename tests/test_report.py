"""The committee report as a person sees it: opened in a real headless browser."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys

import pandas as pd
import pytest
from test_pipeline import fingerprints, run_all

import pipelines.assets.publish as publish
from pipelines.catalog import load_catalog
from pipelines.report import ReportError, write_report

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--virtual-time-budget=20000",
]


def chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        pytest.fail(
            "Chromium is needed for the report test: apt-get install chromium (.ci/run does this)."
        )
    return path


def browse(tmp_path, page, *args) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            chromium(),
            *CHROMIUM_FLAGS,
            f"--user-data-dir={tmp_path / 'profile'}",
            *args,
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )


def test_report_renders_every_chart_in_a_real_browser(raw_dir, marts_dir, tmp_path):
    assert run_all()
    page = marts_dir / "rapport_0123.html"
    assert page.exists() and (marts_dir / "rapport_0680.html").exists()

    dom = browse(tmp_path, page, "--dump-dom").stdout
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
    assert len(plots) == expected == 1 + 3 * 7 + 3 + 6 + 1
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
    map_dom = dom[map_start : dom.index("</section>", map_start)]
    assert len(re.findall(r'<path class="js-fill"[^>]* d="M[^"]+', map_dom)) == len(shapes)
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
    map_shot = tmp_path / "karta_0123.png"
    result = browse(tmp_path, page, "--window-size=1280,1300", f"--screenshot={map_shot}")
    assert map_shot.exists() and map_shot.stat().st_size > 50_000, result.stderr[-500:]

    shot = tmp_path / "rapport_0123.png"
    result = browse(tmp_path, page, "--window-size=1280,2400", f"--screenshot={shot}")
    assert shot.exists() and shot.stat().st_size > 50_000, result.stderr[-500:]


def test_report_command_writes_one_kommun(raw_dir, marts_dir, tmp_path):
    assert run_all()
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
    assert "DEMO DATA" in result.stdout
    assert "<script src=" not in text and len(text) > 3_000_000  # plotly inlined: opens offline


def test_report_without_published_marts_is_a_clear_error(tmp_path):
    with pytest.raises(ReportError, match="run the pipeline first"):
        write_report(tmp_path / "nothing", "0123", "Järfälla", tmp_path / "r.html")


def test_a_failing_report_publishes_nothing_and_keeps_marts_and_reports(
    raw_dir, marts_dir, monkeypatch
):
    assert run_all()
    before = fingerprints(marts_dir)
    assert {"rapport_0123.html", "rapport_0680.html", "focus_area_trend.parquet"} <= set(before)
    (raw_dir / "local" / "extra.csv").write_text(  # new data, so new marts would differ
        "kommun,area_id,deso,indicator,year,numerator,denominator,value,source\n"
        "0123,termovagen,,valdeltagande,2014,500,1000,,Valmyndigheten\n",
        encoding="utf-8",
    )
    real = publish.build_report

    rendered = []

    def second_kommun_fails(frames, kommun, name, run_date, *args):
        rendered.append(kommun)
        if kommun == "0680":
            raise RuntimeError("rendering failed")
        return real(frames, kommun, name, run_date, *args)

    monkeypatch.setattr(publish, "build_report", second_kommun_fails)
    assert not run_all()
    assert rendered == ["0123", "0680"]  # the run got as far as the reports
    assert fingerprints(marts_dir) == before  # no mart, export or report replaced, no leftovers
    monkeypatch.setattr(publish, "build_report", real)
    assert run_all()
    assert fingerprints(marts_dir) != before
