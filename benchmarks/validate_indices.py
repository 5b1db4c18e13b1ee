"""Validate the segregation indices against PySAL's `segregation` package.

PySAL is the field's reference implementation in Python; it is not a dependency of the
project. It is installed beside it, in `.tools/pysal` (`make bench` does this with
`uv pip install --target .tools/pysal segregation`), and put at the end of `sys.path` so the
project's own numpy and pandas stay in charge.

For every kommun, year and division in `marts.segregation_index` of the last run (or of a
fresh snapshot run when there is none) it recomputes D (`Dissim`), H (`Entropy`), isolation
(`Isolation`) and exposure (`Interaction`, PySAL's name for xPy*) from the same DeSO counts
(`staging.stg_deso_group_counts`) and prints the largest absolute difference per measure.
Exit status 1 only when a difference exceeds TOLERANCE; when PySAL cannot be imported it
says why and exits 0 (there is nothing to compare against, which is not a disagreement).
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import pandas as pd

from pipelines.core.settings import PROJECT_ROOT

PYSAL_DIR = PROJECT_ROOT / ".tools" / "pysal"
TOLERANCE = 1e-6  # the mart rounds to 6 decimals
PYSAL_CLASSES = {
    "dissimilarity": "Dissim",
    "theil_h": "Entropy",
    "isolation": "Isolation",
    "exposure": "Interaction",
}


def _pysal():
    if str(PYSAL_DIR) not in sys.path:
        sys.path.append(str(PYSAL_DIR))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from segregation import singlegroup

    return singlegroup


def _warehouse_path(marts_dir: Path) -> Path:
    return marts_dir / ".work" / "warehouse.duckdb"


def _ensure_run(marts_dir: Path) -> None:
    if _warehouse_path(marts_dir).exists():
        return
    from dagster import DagsterInstance

    from pipelines.definitions import defs

    print("  (no warehouse yet: materialising the snapshot first)")
    job = defs.resolve_job_def("refresh_all")  # the marts; the reports are not needed here
    result = job.execute_in_process(instance=DagsterInstance.ephemeral(), raise_on_error=True)
    assert result.success


def compare(marts_dir: Path) -> pd.DataFrame:
    import duckdb

    singlegroup = _pysal()
    with duckdb.connect(str(_warehouse_path(marts_dir)), read_only=True) as con:
        counts = con.execute(
            "SELECT kommun, year, division, deso, group_x, total FROM staging.stg_deso_group_counts "
            "WHERE pair = 'background' AND NOT suppressed AND total > 0"
        ).df()
        mart = con.execute(
            "SELECT kommun, year, division, measure, value FROM marts.segregation_index "
            "WHERE measure IN ('dissimilarity', 'theil_h', 'isolation', 'exposure')"
        ).df()
    rows = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for (kommun, year, division), areas in counts.groupby(["kommun", "year", "division"]):
            frame = areas[["group_x", "total"]].astype(float).reset_index(drop=True)
            for measure, cls in PYSAL_CLASSES.items():
                value = getattr(singlegroup, cls)(frame, "group_x", "total").statistic
                rows.append((kommun, year, division, measure, float(value)))
    pysal = pd.DataFrame(rows, columns=["kommun", "year", "division", "measure", "pysal"])
    both = mart.merge(pysal, on=["kommun", "year", "division", "measure"], how="outer")
    both["difference"] = (both["value"] - both["pysal"]).abs()
    return both


def main() -> int:
    from pipelines.core.settings import Settings

    print("\n== Segregation indices against PySAL (segregation.singlegroup) ==")
    try:
        _pysal()
    except ImportError as exc:
        print(
            f"  PySAL's segregation package is not available ({exc}). Install it beside the "
            f"project: .tools/bin/uv pip install --python .venv/bin/python --target {PYSAL_DIR} "
            "segregation   (make bench tries this). Nothing compared."
        )
        return 0
    marts_dir = Settings.from_env().marts_dir
    _ensure_run(marts_dir)
    both = compare(marts_dir)
    missing = both["value"].isna() != both["pysal"].isna()
    print(f"  {both[['kommun', 'year', 'division']].drop_duplicates().shape[0]} kommun-år compared")
    worst = 0.0
    for measure, cls in PYSAL_CLASSES.items():
        part = both.loc[both.measure == measure, "difference"]
        largest = float(part.max()) if part.notna().any() else float("nan")
        worst = max(worst, largest if largest == largest else 0.0)
        print(f"  {measure:<14} vs PySAL {cls:<12} largest |difference| = {largest:.2e}")
    if missing.any():
        print(f"  {int(missing.sum())} rows have a value on one side only")
    if worst > TOLERANCE or missing.any():
        print(f"  DISAGREEMENT above {TOLERANCE:g}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
