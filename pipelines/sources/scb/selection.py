"""Selections: resolve value expressions against a table's metadata and split them into calls.

A selection maps each variable code to value codes or one PxWeb value expression:
`*` (all), a wildcard such as `0123C*`, `top(n)`, `bottom(n)`, `from(code)`, `to(code)`
or `range(a,b)`. The client resolves expressions itself, so it knows the exact number of
cells before it asks, and can split a selection larger than the server's `maxDataCells`
into the fewest calls.
"""

from __future__ import annotations

import fnmatch
import math
import re
from collections.abc import Mapping, Sequence

from pipelines.sources.scb.jsonstat import TableMetadata

Selection = dict[str, list[str]]
_EXPRESSION = re.compile(r"^(top|bottom|from|to|range)\((.*)\)$", re.IGNORECASE)


class SelectionError(ValueError):
    """A selection names a variable or value the table does not have."""


def resolve_selection(
    metadata: TableMetadata, selection: Mapping[str, str | Sequence[str]], table_id: str = ""
) -> Selection:
    """Turn expressions into explicit value codes, in the table's own order.

    A variable left out of the selection is left out of the request too when the table
    allows elimination (the server then returns totals over it); otherwise leaving it out
    is an error. Unknown variables and value codes are errors that name the table and list
    what exists.
    """
    known = metadata.codes
    unknown = [v for v in selection if v not in known]
    if unknown:
        raise SelectionError(
            f"{table_id}: tabellen har ingen variabel {', '.join(unknown)}; den har {', '.join(known)}."
        )
    resolved: Selection = {}
    for dim in metadata.dimensions:
        if dim.code not in selection:
            if dim.elimination:
                continue
            raise SelectionError(
                f"{table_id}: variabeln {dim.code} kan inte elimineras och måste väljas i catalog.toml."
            )
        wanted = selection[dim.code]
        items = [wanted] if isinstance(wanted, str) else list(wanted)
        chosen: set[str] = set()
        patterns = [i.strip() for i in items if _is_wildcard(i.strip())]
        if patterns:  # one pass over the codes for all wildcards (a country is 580 of them)
            combined = re.compile("|".join(f"(?:{fnmatch.translate(p)})" for p in patterns))
            chosen.update(c for c in dim.codes if combined.match(c))
        for item in items:
            if not _is_wildcard(item.strip()):
                chosen.update(
                    _expand(item.strip(), dim.codes, f"{table_id} {dim.code}", dim.labels)
                )
        resolved[dim.code] = [c for c in dim.codes if c in chosen]
        if not resolved[dim.code]:
            raise SelectionError(
                f"{table_id}: urvalet {items!r} av {dim.code} matchar inget värde."
            )
    return resolved


def _is_wildcard(item: str) -> bool:
    return item != "*" and not _EXPRESSION.match(item) and any(ch in item for ch in "*?[")


def _expand(item: str, codes: Sequence[str], where: str, labels: Sequence[str] = ()) -> list[str]:
    """The codes `item` selects. A code the table lacks is an error that lists the table's
    codes, with their labels where there are few (content codes say nothing by themselves)."""
    if item == "*":
        return list(codes)
    match = _EXPRESSION.match(item)
    if match:
        kind, args = match.group(1).lower(), [a.strip() for a in match.group(2).split(",")]
        if kind in ("top", "bottom"):
            n = int(args[0])
            return list(codes[-n:]) if kind == "top" else list(codes[:n])
        if kind == "from":
            return list(codes[_position(args[0], codes, where) :])
        if kind == "to":
            return list(codes[: _position(args[0], codes, where) + 1])
        start, end = _position(args[0], codes, where), _position(args[1], codes, where)
        return list(codes[start : end + 1])
    if any(ch in item for ch in "*?["):
        return [c for c in codes if fnmatch.fnmatchcase(c, item)]
    if item not in codes:
        named = len(labels) == len(codes) and len(codes) <= 12
        shown = [
            f"{c} ({lab})" if named and lab != c else c for c, lab in zip(codes, labels or codes)
        ]
        sample = ", ".join(shown[:12]) + (" …" if len(codes) > 12 else "")
        raise SelectionError(f"{where}: inget värde {item!r}; värdena är {sample}.")
    return [item]


def _position(code: str, codes: Sequence[str], where: str) -> int:
    try:
        return list(codes).index(code)
    except ValueError:
        raise SelectionError(
            f"{where}: inget värde {code!r} att börja eller sluta ett intervall på."
        ) from None


def cell_count(selection: Mapping[str, Sequence[str]]) -> int:
    return math.prod(len(v) for v in selection.values())


def split_selection(selection: Selection, max_cells: int) -> list[Selection]:
    """Split a selection into as few calls as possible that each stay within `max_cells`.

    Every call is a rectangular block of the selection. The planner tries cutting along
    each variable alone and along each pair of variables, and keeps the plan with the
    fewest calls (the larger block wins ties). When even single values of two variables
    are too many cells, it cuts the largest variable into single values and plans each
    piece again.
    """
    if max_cells < 1:
        raise ValueError("max_cells must be at least 1")
    total = cell_count(selection)
    if total <= max_cells:
        return [selection]
    variables = list(selection)
    sizes = {v: len(selection[v]) for v in variables}
    best: tuple[int, dict[str, int]] | None = None  # (calls, block size per cut variable)

    def consider(block: dict[str, int]) -> None:
        nonlocal best
        calls = math.prod(math.ceil(sizes[v] / n) for v, n in block.items())
        if best is None or calls < best[0]:
            best = (calls, block)

    for var in variables:
        rest = total // sizes[var]
        if rest <= max_cells:
            consider({var: min(sizes[var], max_cells // rest)})
    for i, first in enumerate(variables):
        for second in variables[i + 1 :]:
            rest = total // (sizes[first] * sizes[second])
            if rest > max_cells:
                continue
            room = max_cells // rest
            for n_first in range(1, min(sizes[first], room) + 1):
                n_second = min(sizes[second], room // n_first)
                consider({first: n_first, second: n_second})
    if best is None:
        var = max(variables, key=lambda v: sizes[v])
        pieces: list[Selection] = []
        for value in selection[var]:
            pieces.extend(split_selection({**selection, var: [value]}, max_cells))
        return pieces
    chunks: list[Selection] = [dict(selection)]
    for var, n in best[1].items():
        values = selection[var]
        chunks = [
            {**chunk, var: values[i : i + n]} for chunk in chunks for i in range(0, len(values), n)
        ]
    return chunks


def response_dimensions(metadata: TableMetadata, selection: Mapping[str, object]) -> list[str]:
    """The dimensions a response to `selection` has: all but the eliminated ones."""
    return [d.code for d in metadata.dimensions if d.code in selection or not d.elimination]


def split_by_division(
    selection: Selection, region: str = "Region", time: str = "Tid"
) -> list[Selection]:
    """Blocks that ask each DeSO division only for the years SCB publishes on it.

    Since 2025 SCB's DeSO tables list both divisions in one Region variable and leave the
    other division's cells empty (bare DeSO 2018 / RegSO 2020 codes to 2023, codes suffixed
    `_DeSO2025` / `_RegSO2025` from 2024). A rectangular selection asks for those empty cells
    too: half the cells of a country-wide DeSO selection. Split, the selection becomes
    (kommun rows + old division) × its years and (kommun rows + new division) × its years.
    Only for a Region that holds both bare and suffixed small-area codes; otherwise the
    selection is returned whole.
    """
    from pipelines.core.geography import DESO2018, DESO2025, KOMMUN_LEVEL, split_code

    codes, years = selection.get(region), selection.get(time)
    if not codes or not years or not all(y.isdigit() for y in years):
        return [selection]
    old_divisions = {DESO2018.code, DESO2018.regso_division}
    new_divisions = {DESO2025.code, DESO2025.regso_division}
    kinds = [split_code(c)[1] for c in codes]
    has_old = any(k in old_divisions for k in kinds)
    has_new = any(k.endswith("2025") and k in new_divisions for k in kinds)
    if not (has_old and has_new):
        return [selection]
    blocks = []
    for division, members in ((DESO2018, old_divisions), (DESO2025, new_divisions)):
        block_years = [y for y in years if division.covers(int(y))]
        block_codes = [
            c for c, k in zip(codes, kinds, strict=True) if k in members or k == KOMMUN_LEVEL
        ]
        if block_years and block_codes:
            blocks.append({**selection, region: block_codes, time: block_years})
    return blocks


def plan_calls(selection: Selection, max_cells: int) -> list[Selection]:
    """The calls for a resolved selection: the rectangular plan of :func:`split_selection`,
    or, when it needs fewer calls, each DeSO division asked only for its own years."""
    whole = split_selection(selection, max_cells)
    blocks = split_by_division(selection)
    if len(blocks) == 1:
        return whole
    by_division = [call for block in blocks for call in split_selection(block, max_cells)]
    return by_division if len(by_division) < len(whole) else whole


def plan_summary(selection: Selection, max_cells: int) -> dict[str, int]:
    """Figures of the fetch plan for a resolved selection: `calls` (what the client makes),
    `rectangular` (one block cut into pieces) and its `rectangular_cells`, `cells` asked for, `needed` (cells a division
    publishes: the other division's empty years left out) and `minimum`, the fewest calls any
    plan could make for the needed cells, ceil(needed / max_cells)."""
    calls = plan_calls(selection, max_cells)
    needed = sum(cell_count(b) for b in split_by_division(selection))
    return {
        "calls": len(calls),
        "rectangular": len(split_selection(selection, max_cells)),
        "cells": sum(cell_count(c) for c in calls),
        "rectangular_cells": cell_count(selection),
        "needed": needed,
        "minimum": max(1, math.ceil(needed / max_cells)),
    }
