"""Failures that are fast and readable: a source that gave up is not asked again in the run,
what no retry can fix is not retried, and the terminal shows one line per failure."""

from __future__ import annotations

import pytest
from pxweb_server import PxWebServer
from test_scb_client import client_for, grid_table

from pipelines.cli import main
from pipelines.sources.scb import PxWebClient, ScbRequestError


def test_a_source_that_gave_up_fails_at_once_for_the_rest_of_the_run():
    with PxWebServer([grid_table()], max_calls=100) as server:
        server.inject("status", status=503, times=100, path_contains="/tables/")
        client = client_for(server, max_retries=2)
        with pytest.raises(ScbRequestError) as first:
            client.table_info("TAB0001")
        asked = len(server.requests)
        assert asked == 1 + 1 + 2  # /config, the first try of /tables/TAB0001, two retries
        for _ in range(3):  # later tables of the same run: no call, the same message at once
            with pytest.raises(ScbRequestError) as later:
                client.metadata("TAB0001")
            assert "Gav upp efter 3 försök" in str(later.value)
            assert str(first.value).split("\n")[0] in str(later.value)
        assert len(server.requests) == asked


def test_a_host_that_does_not_resolve_is_not_retried():
    client = PxWebClient("http://no-such-host.invalid/api/v2", backoff_base=0.05, max_retries=5)
    with pytest.raises(ScbRequestError, match="går inte att hitta.*inget nytt försök gjordes"):
        client.table_info("TAB0001")
    assert client.stats.retries == 0
    assert client.stats.calls["config"] == 1


def test_a_kommun_the_snapshot_lacks_fails_in_words_without_traceback(raw_dir, capsys):
    with (raw_dir / "areas" / "kommuner.csv").open("a", encoding="utf-8") as handle:
        handle.write("1280,Malmö\n")
    assert main(["run"]) == 1
    captured = capsys.readouterr()
    terminal = captured.out + captured.err
    assert "ögonblicksbilden saknar kommun 1280; hämta den med SEGREGATION_SOURCE=live" in terminal
    assert "Traceback" not in terminal and "DEBUG" not in terminal
    assert "FAILED: None" not in terminal and "FEL i None" not in terminal
    assert "Körningen misslyckades" in terminal
    # the check's table of problems, the verdict and a few progress lines; not a log dump
    assert len(terminal.splitlines()) < 30, terminal


def test_a_damaged_stored_fetch_is_named_by_the_check_not_called_missing(
    raw_dir, marts_dir, capsys
):
    part = raw_dir / "scb" / "TAB6680" / "deso_employment" / "part-001.json.gz"
    part.write_bytes(part.read_bytes()[:-50])
    assert main(["run"]) == 1
    err = capsys.readouterr().err
    [line] = [x for x in err.splitlines() if "TAB6680" in x]
    assert "part-001.json" in line and "sha256" in line and "saknar" not in line
    assert "Traceback" not in err
    assert not (marts_dir / "segregation.duckdb").exists()


def test_the_same_error_in_many_steps_is_one_line_naming_them(raw_dir, marts_dir, capsys):
    # the marts folder is a file: every step that writes the working database fails alike
    marts_dir.parent.mkdir(parents=True, exist_ok=True)
    marts_dir.write_text("not a folder", encoding="utf-8")
    assert main(["run"]) == 1
    err = capsys.readouterr().err
    lines = [x for x in err.splitlines() if x.startswith("FEL i ")]
    assert len(lines) == 1, err
    assert "raw/focus_area_deso" in lines[0] and "raw/scb_deso_employment" in lines[0]
    assert str(marts_dir) in lines[0]
    assert "Traceback" not in err and "DagsterExecutionStepExecutionError" not in err
