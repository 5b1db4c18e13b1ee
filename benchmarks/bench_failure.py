"""Time to failure of `segregation run` in live mode with both sources down.

SCB and Kolada point at ports on 127.0.0.1 where nothing listens (connections are refused
at once, as with a dead service behind a reachable host), with the default retry settings.
Prints the wall time until the command exits, its exit code, how many lines it printed and
whether a traceback reached the terminal. Run from a project folder:
`python -m benchmarks.bench_failure [PROJECT_DIR]` (another checkout gives a before/after).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main(project: Path | None = None) -> None:
    project = Path(project or Path(__file__).resolve().parent.parent)
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "raw"
        shutil.copytree(project / "data" / "raw", raw)
        # the failing source is asked for the two kommuner with focus areas, as in the tests
        (raw / "areas" / "kommuner.csv").write_text(
            "kommun,namn\n0123,Järfälla\n0680,Jönköping\n", encoding="utf-8"
        )
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("SEGREGATION_", "SCB_", "KOLADA_", "DAGSTER_"))
        }
        env.update(
            SEGREGATION_SOURCE="live",
            SCB_API_URL=f"http://127.0.0.1:{_free_port()}/api/v2",
            KOLADA_API_URL=f"http://127.0.0.1:{_free_port()}/v3",
            SEGREGATION_RAW_DIR=str(raw),
            SEGREGATION_MARTS_DIR=str(Path(tmp) / "marts"),
        )
        started = time.monotonic()
        done = subprocess.run(
            [str(project / ".venv" / "bin" / "segregation"), "run"],
            env=env,
            capture_output=True,
            text=True,
            timeout=3600,
        )
        seconds = time.monotonic() - started
    out = done.stdout + done.stderr
    print(
        f"both sources down ({project.name}): exit {done.returncode} after {seconds:.1f} s, "
        f"{len(out.splitlines())} lines on the terminal, "
        f"traceback shown: {'Traceback' in out}"
    )
    for line in done.stderr.splitlines()[-6:]:
        print(f"  | {line[:160]}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else None)
