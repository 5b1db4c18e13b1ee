"""json-stat2 → tidy table on a 1-million-cell document: time and peak memory.

Compares, side by side on the same document: plain `json.loads` (the floor), this
project's `parse_jsonstat2`, and pxwebpy's flattening if pxwebpy is installed in the
benchmark environment (`uv pip install pxwebpy`; it is not a project dependency).
Each parser runs in a fresh subprocess so its peak memory (max RSS) is its own.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

SIZES = {
    "Region": 1000,
    "Kon": 2,
    "UtlBakgrund": 5,
    "ContentsCode": 1,
    "Tid": 100,
}  # 1 000 000 cells


def make_document(path: Path) -> int:
    ids = list(SIZES)
    dimension = {
        d: {
            "label": d.lower(),
            "category": {
                "index": {f"{d[:1]}{i:04d}": i for i in range(n)},
                "label": {f"{d[:1]}{i:04d}": f"{d} {i}" for i in range(n)},
            },
        }
        for d, n in SIZES.items()
    }
    n_cells = 1
    for n in SIZES.values():
        n_cells *= n
    values = [None if i % 97 == 0 else (i * 7919) % 100_000 for i in range(n_cells)]
    status = {str(i): ".." for i in range(0, n_cells, 97)}
    doc = {
        "version": "2.0",
        "class": "dataset",
        "label": "bench",
        "id": ids,
        "size": list(SIZES.values()),
        "dimension": dimension,
        "value": values,
        "status": status,
    }
    path.write_text(json.dumps(doc))
    return n_cells


RUNNER = r"""
import json, resource, sys, time
path, which = sys.argv[1], sys.argv[2]
text = open(path).read()
if which == "ours":
    from pipelines.sources.scb.jsonstat import parse_jsonstat2
elif which == "pxwebpy":
    from pxweb._internal.functions import unpack_table_data
t0 = time.perf_counter()
doc = json.loads(text)
t1 = time.perf_counter()
if which == "ours":
    rows = len(parse_jsonstat2(doc).frame)
elif which == "pxwebpy":
    rows = len(unpack_table_data(doc))
else:
    rows = 0
t2 = time.perf_counter()
peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"decode_s": t1 - t0, "parse_s": t2 - t1, "rows": rows, "peak_mb": peak_mb}))
"""


def run(path: Path, which: str) -> dict | None:
    proc = subprocess.run(
        [sys.executable, "-c", RUNNER, str(path), which], capture_output=True, text=True
    )
    if proc.returncode != 0:
        return None
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "doc.json"
        n_cells = make_document(path)
        print(
            f"\n== parse: json-stat2 with {n_cells:,} cells ({path.stat().st_size / 1e6:.0f} MB) =="
        )
        baseline = run(path, "decode-only")
        ours = run(path, "ours")
        theirs = run(path, "pxwebpy")
        print(f"{'':24}{'parse s':>10}{'rows':>12}{'peak MB':>10}")
        print(
            f"{'json.loads only':24}{baseline['decode_s']:>10.3f}{'':>12}{baseline['peak_mb']:>10.0f}"
        )
        print(
            f"{'parse_jsonstat2':24}{ours['parse_s']:>10.3f}{ours['rows']:>12,}{ours['peak_mb']:>10.0f}"
        )
        if theirs:
            print(
                f"{'pxwebpy unpack':24}{theirs['parse_s']:>10.3f}{theirs['rows']:>12,}{theirs['peak_mb']:>10.0f}"
            )
            print(f"speed-up over pxwebpy: {theirs['parse_s'] / ours['parse_s']:.1f}x")
        else:
            print(
                "pxwebpy not installed here: `.venv/bin/uv pip install pxwebpy` (or `uv pip install pxwebpy`) to compare"
            )
        print(f"peak memory above json.loads alone: {ours['peak_mb'] - baseline['peak_mb']:.0f} MB")


if __name__ == "__main__":
    main()
