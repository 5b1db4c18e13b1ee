"""The `segregation` command as a user runs it."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest
from conftest import background_table
from pxweb_server import PxWebServer


def segregation(*args: str, env_extra: dict[str, str]) -> subprocess.CompletedProcess:
    import os

    env = {**os.environ, **env_extra}
    return subprocess.run(
        [sys.executable, "-m", "pipelines.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def test_fetch_writes_any_table_through_the_client(tmp_path):
    out = tmp_path / "out.parquet"
    with PxWebServer([background_table()], max_data_cells=20, max_calls=10) as server:
        result = segregation(
            "fetch",
            "TAB4824",
            "--select",
            "Region=0123,0680",
            "--select",
            "Tid=from(2020)",
            "--select",
            "UtlBakgrund=08",
            "--select",
            "ContentsCode=*",
            "--out",
            str(out),
            env_extra={"SCB_API_URL": server.url},
        )
        calls = len(server.data_requests())
    assert result.returncode == 0, result.stderr
    frame = pd.read_parquet(out)
    assert len(frame) == 2 * 5 and calls == 1
    assert set(frame.columns) >= {"Region", "Region_label", "Tid", "value", "status"}


def test_fetch_lists_variables_without_out():
    with PxWebServer([background_table()]) as server:
        result = segregation("fetch", "TAB4824", env_extra={"SCB_API_URL": server.url})
    assert result.returncode == 0, result.stderr
    assert "UtlBakgrund" in result.stdout and "5 värden" in result.stdout


def test_fetch_of_unknown_table_is_a_clear_error():
    with PxWebServer([background_table()]) as server:
        result = segregation("fetch", "TAB9999", env_extra={"SCB_API_URL": server.url})
    assert result.returncode == 1
    assert "TAB9999" in result.stderr and "404" in result.stderr


def test_bad_source_setting_is_a_clear_error():
    result = segregation("run", env_extra={"SEGREGATION_SOURCE": "online"})
    assert result.returncode == 2
    assert "SEGREGATION_SOURCE='online'" in result.stderr


def test_help_explains_each_command():
    result = segregation("fetch", "--help", env_extra={})
    assert "--select" in result.stdout and "--out" in result.stdout and "Exempel" in result.stdout


@pytest.mark.e2e
def test_run_makes_a_missing_dagster_home_and_writes_marts_and_reports(
    raw_dir, marts_dir, tmp_path
):
    home = tmp_path / "new-project" / ".dagster_home"
    result = segregation("run", env_extra={"DAGSTER_HOME": str(home)})
    assert result.returncode == 0, result.stderr[-3000:]
    assert any(home.iterdir())  # the run history is kept there
    for name in (
        "focus_area_indicator.parquet",
        "focus_area_trend.csv",
        "rapport_0123.html",
        "rapport_0680.html",
    ):
        assert (marts_dir / name).stat().st_size > 0, name
    assert "DEMODATA" in result.stdout + result.stderr
    written = {p.name: p.stat().st_mtime_ns for p in marts_dir.iterdir() if p.is_file()}

    # nothing changed: nothing is rebuilt, not even the reports
    again = segregation("run", env_extra={"DAGSTER_HOME": str(home)})
    assert again.returncode == 0, again.stderr[-3000:]
    assert "Inget har ändrats" in again.stdout
    assert {p.name: p.stat().st_mtime_ns for p in marts_dir.iterdir() if p.is_file()} == written

    # `run --force` is exercised by test_reproducible (a forced run killed mid-publish)


def test_relative_dagster_home_is_a_clear_error():
    result = segregation("run", env_extra={"DAGSTER_HOME": "relative/home"})
    assert result.returncode == 2 and "måste vara en absolut sökväg" in result.stderr


def test_fetch_takes_several_selections_after_one_flag(tmp_path):
    one_flag, repeated = tmp_path / "one.parquet", tmp_path / "repeated.parquet"
    with PxWebServer([background_table()], max_data_cells=20, max_calls=10) as server:
        env = {"SCB_API_URL": server.url}
        first = segregation(
            "fetch",
            "TAB4824",
            "--select",
            "Region=0123,0680",
            "Tid=from(2020)",
            "UtlBakgrund=08",
            "ContentsCode=*",
            "--out",
            str(one_flag),
            env_extra=env,
        )
        second = segregation(
            "fetch",
            "TAB4824",
            "--select",
            "Region=0123,0680",
            "Tid=from(2020)",
            "--select",
            "UtlBakgrund=08",
            "--select",
            "ContentsCode=*",
            "--out",
            str(repeated),
            env_extra=env,
        )
    assert first.returncode == 0, first.stderr
    assert second.returncode == 0, second.stderr
    # two kommuner, 2020–2024: the same ten rows either way
    assert len(pd.read_parquet(one_flag)) == 2 * 5
    assert pd.read_parquet(one_flag).equals(pd.read_parquet(repeated))


def test_report_refuses_an_output_that_is_not_html(tmp_path):
    out = tmp_path / "r.pdf"
    result = segregation("report", "--kommun", "0123", "--out", str(out), env_extra={})
    assert result.returncode == 2
    assert ".html" in result.stderr and "r.html" in result.stderr
    assert not out.exists()


def test_report_suggests_the_leading_zero_of_a_kommun_code(raw_dir, tmp_path):
    result = segregation(
        "report",
        "--kommun",
        "123",
        "--out",
        str(tmp_path / "r.html"),
        env_extra={"SEGREGATION_RAW_DIR": str(raw_dir)},
    )
    assert result.returncode == 2
    assert "menade du 0123 (Järfälla)? Kommunkoder har fyra siffror." in result.stderr
    assert "Traceback" not in result.stderr


def test_an_unexpected_error_is_one_swedish_line_and_the_traceback_comes_with_verbose(raw_dir):
    # a DeSO key the area check needs is gone: not a mistake in the analyst's files
    (raw_dir / "geography" / "koppling-deso2025-regso2025.csv").unlink()
    env = {"SEGREGATION_RAW_DIR": str(raw_dir)}
    plain = segregation("areas", env_extra=env)
    assert plain.returncode == 1
    assert plain.stderr.startswith("Oväntat fel (")
    assert "koppling-deso2025-regso2025.csv" in plain.stderr
    assert "Kör `segregation areas --verbose` för de tekniska detaljerna (på engelska)." in (
        plain.stderr
    )
    assert "Traceback" not in plain.stderr
    verbose = segregation("areas", "--verbose", env_extra=env)
    assert verbose.returncode == 1 and "Traceback (most recent call last)" in verbose.stderr


def test_argparse_speaks_swedish_too():
    shown = segregation("check", "--help", env_extra={})
    assert shown.returncode == 0
    assert shown.stdout.startswith("användning: segregation check")
    assert "flaggor:" in shown.stdout and "visa den här hjälpen och avsluta" in shown.stdout
    assert "usage:" not in shown.stdout and "options:" not in shown.stdout
    wrong = segregation("run", "--bogus", env_extra={})
    assert wrong.returncode == 2
    assert "fel: okända argument: --bogus" in wrong.stderr and "error" not in wrong.stderr
