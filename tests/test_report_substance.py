"""The committee report says the same as before: headings, table cells and charts of the
bundled run's reports, compared with golden files (`tests/report_substance.py` says how to
regenerate them when the marts or the wording change on purpose)."""

from __future__ import annotations

import json
from datetime import date

import pytest
from report_substance import golden_path, substance

from pipelines.publish.report import write_report

KOMMUNER = {"0123": "Järfälla", "0680": "Jönköping"}
REPORT_DATE = date(2026, 12, 5)  # the date is in the introduction's text, not in the substance


def assert_same(found: dict, golden: dict, kommun: str) -> None:
    """Part by part, so a failure names what changed first."""
    assert found.keys() == golden.keys()
    for part in golden:
        if part == "tables" and found[part] != golden[part]:
            for i, (table, expected) in enumerate(zip(found[part], golden[part], strict=False)):
                assert table == expected, f"{kommun}: table {i + 1} ({expected[0]})"
        assert found[part] == golden[part], f"{kommun}: {part}"


@pytest.mark.parametrize("kommun", sorted(KOMMUNER))
def test_golden_files_hold_a_full_report(kommun):
    golden = json.loads(golden_path(kommun).read_text(encoding="utf-8"))
    assert golden["headings"][0].startswith(f"Segregationsuppföljning – {KOMMUNER[kommun]}")
    assert golden["chart_count"] == len(golden["charts"]) > 30
    assert {"maps", "area", "kommuner", "background", "about"} <= set(golden["sections"])


@pytest.mark.xdist_group("bundled_run")
def test_bundled_run_reports_say_what_the_golden_files_say(bundled_run, tmp_path):
    marts_dir = bundled_run.marts
    for kommun, name in KOMMUNER.items():
        golden = json.loads(golden_path(kommun).read_text(encoding="utf-8"))
        published = (marts_dir / f"rapport_{kommun}.html").read_text(encoding="utf-8")
        assert_same(substance(published), golden, kommun)
        # and rebuilt from the published marts, on a fixed date
        out = tmp_path / f"rapport_{kommun}.html"
        result = write_report(marts_dir, kommun, name, out, REPORT_DATE, bundled_run.raw)
        page = out.read_text(encoding="utf-8")
        assert result.charts == golden["chart_count"] and result.demo
        assert f"Rapportdatum\n{REPORT_DATE.isoformat()}." in page
        assert_same(substance(page), golden, kommun)


@pytest.mark.xdist_group("bundled_run")
def test_make_tests_groups_reach_the_scheduler(request):
    """`make test` runs with `--dist loadgroup`: xdist must tag this test's id with its group,
    or the tests sharing a session run are spread over the workers and each makes the run
    (pytest 9.2 renamed the id xdist 3.8 tags; pyproject.toml keeps pytest below it)."""
    if request.config.getvalue("loadgroup"):
        assert request.node.nodeid.endswith("@bundled_run")
