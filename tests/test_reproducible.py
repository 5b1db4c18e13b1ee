"""Same inputs, same bytes; and no debris from a run that was killed while publishing."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from conftest import PROJECT
from test_pipeline import run_everything

from pipelines.sources.raw_store import RawFile, RawStore
from pipelines.warehouse.database import Warehouse


def run_all(force: bool = False) -> None:
    """One real run of every asset, check and report, as `segregation run` makes it."""
    assert run_everything(force=force).success


def mart_files(marts_dir: Path) -> dict[str, str]:
    """sha256 of every published Parquet and CSV file (the Excel-ready CSVs included)."""
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(marts_dir.glob("*"))
        if p.suffix in (".parquet", ".csv")
    }


def temporary_files(marts_dir: Path) -> list[str]:
    return sorted(p.name for p in marts_dir.glob(".*") if ".tmp" in p.name)


def published(marts_dir: Path) -> dict[str, str]:
    """sha256 of every file a reader sees: marts, reader database and reports."""
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(marts_dir.iterdir())
        if p.is_file() and not p.name.startswith(".")
    }


def kill_while_publishing(marts_dir: Path) -> None:
    """`segregation run` in a subprocess, killed (SIGKILL) as soon as its first temporary
    file appears in the marts folder, that is, while it publishes."""
    process = subprocess.Popen(
        [sys.executable, "-m", "pipelines.cli", "run", "--force"],  # nothing changed
        cwd=PROJECT,
        env=dict(os.environ),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 180
        while not temporary_files(marts_dir):
            if process.poll() is not None:
                raise AssertionError(
                    f"the run ended ({process.returncode}) before it published: "
                    + process.stderr.read().decode()[-2000:]
                )
            assert time.monotonic() < deadline, "the run did not start publishing in time"
            time.sleep(0.01)
        process.send_signal(signal.SIGKILL)
        assert process.wait(timeout=30) == -signal.SIGKILL
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        process.stderr.close()


def test_a_killed_publish_changes_nothing_and_the_next_unchanged_run_writes_the_same_bytes(
    raw_dir, published_marts
):
    """The session's run of the snapshot, then a run killed while publishing, an unchanged
    run and a forced rebuild: the first and the last must write byte-identical marts."""
    marts_dir = published_marts
    before = published(marts_dir)
    marts = mart_files(marts_dir)
    mart_count = len(list((PROJECT / "sql" / "marts").glob("*.sql")))
    assert len(marts) == 3 * mart_count  # each mart as .parquet, .csv and _excel.csv

    kill_while_publishing(marts_dir)
    assert temporary_files(marts_dir), "the killed run left no temporary file: not mid-publish"
    assert published(marts_dir) == before  # readers still see the last complete publish

    run_all()  # nothing changed: nothing is rebuilt, but the leftovers are cleared
    assert temporary_files(marts_dir) == []
    assert published(marts_dir) == before
    run_all(force=True)  # the same inputs, rebuilt and published again
    assert temporary_files(marts_dir) == []
    after = mart_files(marts_dir)
    assert sorted(name for name in marts if after.get(name) != marts[name]) == []


def test_publishing_removes_only_our_temporary_files_and_holds_the_lock(tmp_path):
    marts_dir = tmp_path / "marts"
    (marts_dir / ".work").mkdir(parents=True)
    ours = [
        ".plan_effect.csv.0a1b2c3d.tmp",
        ".segregation.duckdb.0a1b2c3d.tmp",
        ".segregation.duckdb.0a1b2c3d.tmp.wal",
        ".rapport_0123.html.ffff0000.tmp",
    ]
    others = [
        ".gitkeep",
        "notes.tmp",
        ".plan_effect.csv.tmp",
        ".plan_effect.csv.0A1B2C3D.tmp",
        ".plan_effect.csv.0a1b2c3d.tmp.bak",
        "plan_effect.csv",
    ]
    for name in ours + others:
        (marts_dir / name).write_bytes(b"x" * 10)
    (marts_dir / ".folder.0a1b2c3d.tmp").mkdir()  # not a file we write
    lock = marts_dir / ".work" / "publish.lock"
    try_lock = (
        "import fcntl, sys\n"
        f"handle = open({str(lock)!r}, 'a')\n"
        "try:\n    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)\n"
        "except BlockingIOError:\n    sys.exit(3)\n"
    )

    with Warehouse(marts_dir).publishing() as (removed, freed):
        assert (removed, freed) == (len(ours), 10 * len(ours))
        # another process cannot publish into this folder meanwhile
        assert subprocess.run([sys.executable, "-c", try_lock]).returncode == 3
    assert subprocess.run([sys.executable, "-c", try_lock]).returncode == 0

    left = sorted(p.name for p in marts_dir.iterdir() if p.name != ".work")
    assert left == sorted([*others, ".folder.0a1b2c3d.tmp"])


def test_a_raw_store_write_removes_what_an_interrupted_write_left(tmp_path):
    store = RawStore(tmp_path)
    files = [RawFile("part-001.json", b'{"value": [1]}')]
    store.write("scb", "TAB1", "req", files)
    table = tmp_path / "scb" / "TAB1"
    for name in (".req.new-0123abcd", ".req.old-89abcdef", ".req.new-notes", ".other.new-0123abcd"):
        (table / name).mkdir()
        (table / name / "part-001.json").write_bytes(b"half")

    store.write("scb", "TAB1", "req", files)

    assert sorted(p.name for p in table.iterdir()) == [
        ".other.new-0123abcd",
        ".req.new-notes",
        "req",
    ]
    assert store.read("scb", "TAB1", "req").read("part-001.json") == b'{"value": [1]}'
