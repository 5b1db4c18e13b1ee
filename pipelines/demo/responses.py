"""json-stat2 documents in SCB's shape, for the offline snapshot's responses.

The building blocks both demo builders use (`builder.py` for the demo tables, `omradestyp.py`
for SCB's real områdestyp exports): a dataset, its cells from a value function, one stored
data part and the table's `/tables/{id}` answer.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence

import numpy as np

from pipelines.core.settings import DEFAULT_SCB_API_URL
from pipelines.sources.raw_store import RawFile

SNAPSHOT_UPDATED = "2025-02-21T08:00:00Z"
ASSEMBLED = (
    "Assembled offline for the bundled snapshot (not fetched from SCB): see "
    "data/raw/README.md. SEGREGATION_SOURCE=live replaces it with SCB's responses."
)

Variable = tuple[str, str, list[tuple[str, str]], bool]  # code, label, values, elimination


def dataset(
    *,
    label: str,
    variables: Sequence[Variable],
    values: Sequence[float | None],
    status: dict[int, str] | None = None,
    notes: Sequence[str] = (),
    updated: str = SNAPSHOT_UPDATED,
) -> dict:
    """A json-stat2 dataset (or, with no values, table metadata) in SCB's shape."""
    doc = {
        "version": "2.0",
        "class": "dataset",
        "label": label,
        "source": "SCB",
        "updated": updated,
        "note": list(notes),
        "role": {"time": ["Tid"], "metric": ["ContentsCode"]},
        "id": [v[0] for v in variables],
        "size": [len(v[2]) for v in variables],
        "dimension": {
            code: {
                "label": var_label,
                "category": {
                    "index": {c: i for i, (c, _) in enumerate(cats)},
                    "label": dict(cats),
                },
                "extension": {"elimination": elimination, "show": "value"},
            }
            for code, var_label, cats, elimination in variables
        },
        "value": _json_values(values),
    }
    if status:
        doc["status"] = {str(k): v for k, v in sorted(status.items())}
    return doc


def _json_values(values: Sequence[float | None] | np.ndarray) -> list[float | int | None]:
    """json-stat2 values: whole numbers as integers, others to one decimal, NaN as null."""
    array = np.asarray(values, dtype=float)
    if array.size == 0:
        return []
    missing = np.isnan(array)
    whole = ~missing & (array == np.floor(np.where(missing, 0, array)))
    ints = np.where(whole, array, 0).astype(np.int64).tolist()
    rounded = np.round(np.where(missing, 0, array), 1).tolist()
    return [
        None if m else (i if w else r)
        for m, w, i, r in zip(missing.tolist(), whole.tolist(), ints, rounded, strict=True)
    ]


# A value function gets, for every cell of a response in row-major order, the code of each
# variable (arrays of equal length: `c["Tid"][i]` is cell i's year) and returns the cells'
# values (NaN where SCB would write `..`).
Values = Callable[[dict[str, np.ndarray]], np.ndarray]


def per_cell(value: Callable[[dict[str, str]], float | None]) -> Values:
    """A value function from one that answers a single cell (for the small kommun tables)."""

    def values(c: dict[str, np.ndarray]) -> np.ndarray:
        names = list(c)
        out = [value(dict(zip(names, row, strict=True))) for row in zip(*c.values(), strict=True)]
        return np.array([np.nan if v is None else v for v in out], dtype=float)

    return values


def cells(variables: Sequence[Variable], value: Values) -> tuple[np.ndarray, dict[int, str]]:
    """Values of every cell in row-major order, and `..` status where a value is missing."""
    grids = np.meshgrid(*[np.arange(len(v[2])) for v in variables], indexing="ij")
    coords = {
        var[0]: np.array([code for code, _ in var[2]])[grid.ravel()]
        for var, grid in zip(variables, grids, strict=True)
    }
    out = np.asarray(value(coords), dtype=float)
    status = {int(i): ".." for i in np.flatnonzero(np.isnan(out))}
    return out, status


def data_part(
    name: str,
    table_id: str,
    label: str,
    variables: Sequence[Variable],
    value: Values,
    notes: Sequence[str],
    updated: str = SNAPSHOT_UPDATED,
) -> RawFile:
    """One data response of the snapshot, as the POST a live fetch would have made."""
    values, status = cells(variables, value)
    doc = dataset(
        label=label, variables=variables, values=values, status=status, notes=notes, updated=updated
    )
    body = {
        "selection": [{"variableCode": v[0], "valueCodes": [c for c, _ in v[2]]} for v in variables]
    }
    return RawFile(
        name,
        as_bytes(doc),
        url=f"{DEFAULT_SCB_API_URL}/tables/{table_id}/data?lang=sv&outputFormat=json-stat2",
        method="POST",
        body=body,
        cells=len(values),
    )


def as_bytes(doc: dict) -> bytes:
    return (json.dumps(doc, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")


def table_info(table_id: str, label: str, years: Sequence[int], updated: str) -> bytes:
    return as_bytes(
        {
            "language": "sv",
            "id": table_id,
            "label": label,
            "updated": updated,
            "firstPeriod": str(years[0]),
            "lastPeriod": str(years[-1]),
            "timeUnit": "Annual",
            "source": "SCB",
            "note": [ASSEMBLED],
        }
    )


def years_variable(years: Sequence[int]) -> Variable:
    return ("Tid", "år", [(str(y), str(y)) for y in years], False)
