"""Codes found by their labels: a catalog request may name a content (or any value) by a
label pattern instead of a code, where SCB renumbers codes between tables.

`labels = { ContentsCode = { KVARTIL1 = "kvartil 1" } }` in a request says: the value the
request calls `KVARTIL1` is the one whose label in the table's metadata contains the words
`kvartil 1` (case and whitespace do not matter; the pattern must stand as whole words, so
`kvartil 1` does not match `kvartil 10`). Exactly one label must match: none or several is
an error that names the table and the candidates.

The resolved codes are asked for, stored in the raw layer's manifest (`resolved_codes`)
and turned back into the request's own names when the stored responses are read, so the
SQL models see `KVARTIL1` whatever SCB calls it.
"""

from __future__ import annotations

import re

from pipelines.sources.scb.jsonstat import TableMetadata
from pipelines.sources.scb.selection import SelectionError

Resolved = dict[str, dict[str, str]]  # VARIABLE → {our code: the table's code}


class LabelError(SelectionError):
    """A label pattern matches no label, or several, in a table's metadata."""


def _norm(text: str) -> str:
    return " ".join(str(text).casefold().split())


def matches(pattern: str, label: str) -> bool:
    """Does `label` contain the words of `pattern` (case- and whitespace-insensitive)?"""
    wanted = re.escape(_norm(pattern))
    return re.search(rf"(?<!\w){wanted}(?!\w)", _norm(label)) is not None


def resolve_labels(
    metadata: TableMetadata, labels: dict[str, dict[str, str]], table_id: str
) -> Resolved:
    """Each named code's code in this table, found by its label pattern.

    Raises :class:`LabelError` naming the table, the pattern and the candidates (every
    value of the variable with its label when none matches; the matching ones when
    several do)."""
    resolved: Resolved = {}
    problems: list[str] = []
    for var, mapping in labels.items():
        if var not in metadata.codes:
            problems.append(f"ingen variabel {var} (tabellen har {', '.join(metadata.codes)})")
            continue
        dim = metadata.dimension(var)
        pairs = list(zip(dim.codes, dim.labels, strict=True))
        for ours, pattern in mapping.items():
            found = [(c, lab) for c, lab in pairs if matches(pattern, lab)]
            if len(found) == 1:
                resolved.setdefault(var, {})[ours] = found[0][0]
                continue
            listed = "; ".join(f"{c} ({lab})" for c, lab in (found or pairs))
            what = "ingen etikett" if not found else f"{len(found)} etiketter"
            problems.append(f"{var} {ours} = '{pattern}' matchar {what}; kandidater: {listed}")
    if problems:
        raise LabelError(f"{table_id}: " + " | ".join(problems))
    return resolved


def describe(resolved: Resolved, labels: dict[str, dict[str, str]]) -> str:
    """`KVARTIL1 'kvartil 1' → 000006T4, …` for the check's table and logs."""
    return ", ".join(
        f"{ours} '{labels[var][ours]}' → {code}"
        for var, mapping in resolved.items()
        for ours, code in mapping.items()
    )


def label_codes(resolved: Resolved) -> dict[str, dict[str, str]]:
    """The table's codes → our codes, per variable (to recode what was read)."""
    return {var: {code: ours for ours, code in m.items()} for var, m in resolved.items()}
