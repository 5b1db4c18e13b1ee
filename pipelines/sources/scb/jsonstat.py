"""json-stat2 → tidy table, one row per cell, by index arithmetic over whole arrays.

A json-stat2 dataset stores its cells in row-major order over the dimensions listed in
`id`, with `size` values each. The position of cell *i* in dimension *d* is
`(i // stride[d]) % size[d]`, where `stride[d]` is the product of the sizes after *d*;
that is computed once per dimension with NumPy, never per cell in Python. Dimension
columns are pandas categoricals (codes plus one copy of each label), which keeps a
million-cell table small.

Missing cells (`null` in `value`, or absent from a `value` object) become NaN, and the
status symbol SCB sends for them (`..`, `.`, `-`) is kept in the `status` column: a
suppressed cell never turns into 0.

From reference year 2025 SCB protects cells with the Cell Key Method (small controlled
noise, so parts need not sum to totals) and says so in a note; `has_ckm_note` finds it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from pipelines.sources.scb.errors import ScbResponseError

VALUE_COLUMN = "value"
STATUS_COLUMN = "status"
_CKM_NOTE = re.compile(r"cell key method|\bCKM\b", re.IGNORECASE)


def has_ckm_note(notes: Iterable[str]) -> bool:
    """Whether a table's notes say its cells carry Cell Key Method noise (SCB, from 2025)."""
    return any(_CKM_NOTE.search(str(note)) for note in notes)


@dataclass(frozen=True)
class Dimension:
    """One dimension of a json-stat2 dataset: its code, label and ordered categories."""

    code: str
    label: str
    codes: tuple[str, ...]
    labels: tuple[str, ...]
    elimination: bool = False  # may be left out of a selection (the server then sums over it)
    # Codelists the server offers for the dimension (`extension.codelists`): (id, label).
    codelists: tuple[tuple[str, str], ...] = ()


@dataclass
class ParsedTable:
    """A parsed json-stat2 dataset: the tidy frame plus what the dataset says about itself."""

    frame: pd.DataFrame
    dimensions: list[Dimension]
    label: str = ""
    source: str = ""
    updated: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def dimension_codes(self) -> list[str]:
        return [d.code for d in self.dimensions]

    @property
    def ckm(self) -> bool:
        """The notes say the cells carry Cell Key Method noise."""
        return has_ckm_note(self.notes)


@dataclass
class ParsedCells:
    """One json-stat2 response's cells as arrays, before any DataFrame is built.

    The parts of one table are joined at this level (:func:`cells_frame`): building a
    DataFrame per part costs more than parsing it when a table comes in hundreds of parts.
    """

    dimensions: list[Dimension]
    positions: list[np.ndarray]  # per dimension, each cell's category position
    values: np.ndarray
    status: np.ndarray  # int8 index into status_symbols; -1 where the cell has no symbol
    status_symbols: list[str]
    label: str = ""
    source: str = ""
    updated: str | None = None
    notes: list[str] = field(default_factory=list)


def parse_jsonstat2(
    doc: dict,
    *,
    expected_dimensions: Iterable[str] | None = None,
    context: str = "response",
) -> ParsedTable:
    """Parse one json-stat2 dataset into a :class:`ParsedTable`.

    Columns: one categorical column per dimension with the category codes, one
    `<dimension>_label` column with the labels, `value` (float64, NaN where missing) and
    `status` (the cell's status symbol or missing).

    `expected_dimensions` are the table's variable codes from its metadata; a dataset
    with other dimensions is an error, not a guess. `context` names the response (table
    id, file) in error messages.
    """
    cells = parse_cells(doc, expected_dimensions=expected_dimensions, context=context)
    return ParsedTable(
        frame=cells_frame([cells], context),
        dimensions=cells.dimensions,
        label=cells.label,
        source=cells.source,
        updated=cells.updated,
        notes=cells.notes,
    )


def parse_cells(
    doc: dict,
    *,
    expected_dimensions: Iterable[str] | None = None,
    context: str = "response",
) -> ParsedCells:
    """Check and parse one json-stat2 dataset into arrays (see :func:`parse_jsonstat2`)."""
    if not isinstance(doc, dict) or doc.get("class", "dataset") != "dataset":
        raise ScbResponseError(f"{context}: inget json-stat2-dataset (ingen class 'dataset').")
    try:
        ids: list[str] = list(doc["id"])
        sizes: list[int] = [int(s) for s in doc["size"]]
        dimension_docs = doc["dimension"]
    except (KeyError, TypeError, ValueError) as exc:
        raise ScbResponseError(
            f"{context}: json-stat2-datasetet saknar {exc} (id/size/dimension)."
        ) from None
    if len(ids) != len(sizes):
        raise ScbResponseError(
            f"{context}: 'id' har {len(ids)} poster men 'size' har {len(sizes)}."
        )

    if expected_dimensions is not None:
        expected = list(expected_dimensions)
        if sorted(expected) != sorted(ids):
            extra = sorted(set(ids) - set(expected))
            missing = sorted(set(expected) - set(ids))
            raise ScbResponseError(
                f"{context}: dimensionerna {ids} stämmer inte med tabellens metadata {expected}"
                f" (oväntade: {extra or 'inga'}; saknas: {missing or 'inga'}). Tabellen kan ha"
                " reviderats hos SCB: jämför dess metadata med data/raw/catalog.toml."
            )

    dimensions = [_dimension(code, dimension_docs, size, context) for code, size in zip(ids, sizes)]
    n_cells = int(np.prod(sizes, dtype=np.int64)) if sizes else 0
    values = _values(doc.get("value"), n_cells, context)
    status, symbols = _status(doc.get("status"), n_cells, context)

    positions_of: list[np.ndarray] = []
    positions = np.arange(n_cells, dtype=np.int64)
    stride = n_cells
    for size in sizes:
        stride //= max(size, 1)
        category_pos = (positions // stride) % size if size else positions
        positions_of.append(category_pos.astype(_smallest_int(size)))

    notes = doc.get("note") or []
    if isinstance(notes, str):
        notes = [notes]
    return ParsedCells(
        dimensions=dimensions,
        positions=positions_of,
        values=values,
        status=status,
        status_symbols=symbols,
        label=str(doc.get("label", "")),
        source=str(doc.get("source", "")),
        updated=doc.get("updated"),
        notes=[str(n) for n in notes],
    )


def cells_frame(parts: Sequence[ParsedCells], context: str = "response") -> pd.DataFrame:
    """One tidy frame (columns as :func:`parse_jsonstat2`) of the cells of one or more
    responses of the same table, in order. Each dimension's categories are those of every
    part, in the order first seen; each cell keeps the label its own part gives it."""
    if not parts:
        raise ScbResponseError(f"{context}: inga datadelar.")
    first = parts[0]
    codes = [d.code for d in first.dimensions]
    for i, part in enumerate(parts[1:], start=2):
        if sorted(d.code for d in part.dimensions) != sorted(codes):
            raise ScbResponseError(
                f"{context}: del {i} har dimensionerna {[d.code for d in part.dimensions]}, "
                f"del 1 har {codes}."
            )
    columns: dict[str, object] = {}
    for i, code in enumerate(codes):
        if len(parts) == 1:
            dim, positions = first.dimensions[i], first.positions[i]
            labels, label_positions = _unique_labels(dim), positions
        else:
            dim, positions, labels, label_positions = _merge_dimension(parts, code)
        columns[code] = pd.Categorical.from_codes(
            positions, categories=pd.Index(dim.codes, dtype="object")
        )
        columns[f"{code}_label"] = pd.Categorical.from_codes(
            label_positions, categories=pd.Index(labels, dtype="object")
        )
    if len(parts) == 1:
        values, status, symbols = first.values, first.status, first.status_symbols
    else:
        values = np.concatenate([p.values for p in parts])
        status, symbols = _merge_status(parts)
    columns[VALUE_COLUMN] = values
    # categorical; missing where the cell has no symbol
    columns[STATUS_COLUMN] = pd.Categorical.from_codes(
        status, categories=pd.Index(symbols, dtype="object")
    )
    return pd.DataFrame(columns, copy=False)


def _merge_dimension(
    parts: Sequence[ParsedCells], code: str
) -> tuple[Dimension, np.ndarray, list[str], np.ndarray]:
    """A dimension over several parts: the union of categories and each cell's position, and
    the same for the labels. Labels are made unique within each part, as one part alone
    makes them, and then joined by their text (two codes with one label in different parts
    keep that label)."""
    seen: dict[str, int] = {}
    first_labels: list[str] = []
    label_seen: dict[str, int] = {}
    chunks, label_chunks = [], []
    for part in parts:
        j = next(k for k, d in enumerate(part.dimensions) if d.code == code)
        dim = part.dimensions[j]
        mapping = np.empty(len(dim.codes), dtype=np.int64)
        for k, (c, label) in enumerate(zip(dim.codes, dim.labels)):
            if c not in seen:
                seen[c] = len(seen)
                first_labels.append(label)
            mapping[k] = seen[c]
        label_mapping = np.array(
            [label_seen.setdefault(label, len(label_seen)) for label in _unique_labels(dim)],
            dtype=np.int64,
        )
        chunks.append(mapping[part.positions[j]])
        label_chunks.append(label_mapping[part.positions[j]])
    first = next(d for d in parts[0].dimensions if d.code == code)
    merged = Dimension(code, first.label, tuple(seen), tuple(first_labels))
    return (
        merged,
        np.concatenate(chunks).astype(_smallest_int(len(seen))),
        list(label_seen),
        np.concatenate(label_chunks).astype(_smallest_int(len(label_seen))),
    )


def _merge_status(parts: Sequence[ParsedCells]) -> tuple[np.ndarray, list[str]]:
    symbols: dict[str, int] = {}
    chunks = []
    for part in parts:
        mapping = np.empty(len(part.status_symbols) + 1, dtype=np.int8)
        mapping[-1] = -1  # index -1: no symbol
        for k, symbol in enumerate(part.status_symbols):
            mapping[k] = symbols.setdefault(symbol, len(symbols))
        chunks.append(mapping[part.status])
    return np.concatenate(chunks), list(symbols)


def combine(parts: Sequence[ParsedTable], context: str = "response") -> ParsedTable:
    """Concatenate parsed parts of one table (chunked calls) into one table.

    All parts must have the same dimensions; the combined dimensions list every
    category seen, in first-seen order. Duplicate cells across parts are an error.
    """
    if not parts:
        raise ScbResponseError(f"{context}: inga datadelar att slå ihop.")
    if len(parts) == 1:
        return parts[0]
    codes = parts[0].dimension_codes
    for i, part in enumerate(parts[1:], start=2):
        if part.dimension_codes != codes:
            raise ScbResponseError(
                f"{context}: del {i} har dimensionerna {part.dimension_codes}, del 1 har {codes}."
            )
    frames = []
    for part in parts:
        frame = part.frame.copy(deep=False)
        for code in codes:  # categoricals with differing categories concatenate as object
            frame[code] = frame[code].astype("object")
            frame[f"{code}_label"] = frame[f"{code}_label"].astype("object")
        frames.append(frame)
    frame = pd.concat(frames, ignore_index=True)
    if frame.duplicated(subset=codes).any():
        raise ScbResponseError(f"{context}: delarna överlappar (samma cell kom två gånger).")
    merged_dims = []
    for i, code in enumerate(codes):
        seen: dict[str, str] = {}
        for part in parts:
            dim = part.dimensions[i]
            for c, lab in zip(dim.codes, dim.labels):
                seen.setdefault(c, lab)
        merged_dims.append(
            Dimension(code, parts[0].dimensions[i].label, tuple(seen), tuple(seen.values()))
        )
        frame[code] = pd.Categorical(frame[code], categories=list(seen))
        frame[f"{code}_label"] = frame[f"{code}_label"].astype("category")
    updated = max((p.updated for p in parts if p.updated), default=None)
    notes: list[str] = []
    for part in parts:
        notes.extend(n for n in part.notes if n not in notes)
    return ParsedTable(frame, merged_dims, parts[0].label, parts[0].source, updated, notes)


def _dimension(code: str, dimension_docs: dict, size: int, context: str) -> Dimension:
    try:
        dim_doc = dimension_docs[code]
        category = dim_doc["category"]
    except (KeyError, TypeError):
        raise ScbResponseError(
            f"{context}: dimensionen {code!r} finns i 'id' men beskrivs inte."
        ) from None
    index = category.get("index")
    labels = category.get("label") or {}
    if index is None:  # a single category may omit the index
        ordered = list(labels)
    elif isinstance(index, list):
        ordered = [str(c) for c in index]
    else:
        ordered = [None] * len(index)
        for c, pos in index.items():
            if not 0 <= int(pos) < len(index) or ordered[int(pos)] is not None:
                raise ScbResponseError(f"{context}: dimensionen {code!r} har fel index för {c!r}.")
            ordered[int(pos)] = str(c)
    if len(ordered) != size:
        raise ScbResponseError(
            f"{context}: dimensionen {code!r} har {len(ordered)} kategorier men size säger {size}."
        )
    extension = dim_doc.get("extension") or {}
    return Dimension(
        code=code,
        label=str(dim_doc.get("label", code)),
        codes=tuple(ordered),
        labels=tuple(str(labels.get(c, c)) for c in ordered),
        elimination=bool(extension.get("elimination", False)),
        codelists=tuple(
            (str(c["id"]), str(c.get("label", c["id"])))
            for c in extension.get("codelists") or []
            if isinstance(c, dict) and c.get("id") is not None
        ),
    )


def _values(raw: object, n_cells: int, context: str) -> np.ndarray:
    if raw is None:
        raise ScbResponseError(f"{context}: json-stat2-datasetet saknar 'value'.")
    if isinstance(raw, list):
        if len(raw) != n_cells:
            raise ScbResponseError(
                f"{context}: 'value' har {len(raw)} celler men dimensionerna ger {n_cells}."
            )
        try:
            return np.array(raw, dtype=np.float64)  # null → NaN
        except (TypeError, ValueError):
            raise ScbResponseError(
                f"{context}: 'value' innehåller något som inte är ett tal."
            ) from None
    if isinstance(raw, dict):
        out = np.full(n_cells, np.nan)
        if raw:
            idx = np.fromiter((int(k) for k in raw), dtype=np.int64, count=len(raw))
            if idx.min() < 0 or idx.max() >= n_cells:
                raise ScbResponseError(
                    f"{context}: en nyckel i 'value' ligger utanför {n_cells} celler."
                )
            out[idx] = np.array(list(raw.values()), dtype=np.float64)
        return out
    raise ScbResponseError(f"{context}: 'value' är varken en lista eller ett objekt.")


def _status(raw: object, n_cells: int, context: str) -> tuple[np.ndarray, list[str]]:
    """Status symbols as codes (int8, -1 where none) and the symbols, in the order first
    seen: a few distinct symbols over many cells."""
    codes = np.full(n_cells, -1, dtype=np.int8)
    symbols: list[str] = []

    def encode(cells: np.ndarray, found: list[object]) -> None:
        nonlocal symbols
        if found:
            positions, uniques = pd.factorize(np.array([str(v) for v in found], dtype=object))
            codes[cells] = positions
            symbols = [str(u) for u in uniques]

    if raw is None:
        pass
    elif isinstance(raw, str):
        codes[:] = 0
        symbols = [raw]
    elif isinstance(raw, list):
        if len(raw) != n_cells:
            raise ScbResponseError(
                f"{context}: listan 'status' har {len(raw)} poster, inte {n_cells}."
            )
        cells = [i for i, symbol in enumerate(raw) if symbol is not None]
        encode(np.array(cells, dtype=np.int64), [raw[i] for i in cells])
    elif isinstance(raw, dict):
        if raw:
            idx = np.fromiter((int(k) for k in raw), dtype=np.int64, count=len(raw))
            if idx.min() < 0 or idx.max() >= n_cells:
                raise ScbResponseError(
                    f"{context}: en nyckel i 'status' ligger utanför {n_cells} celler."
                )
            encode(idx, list(raw.values()))
    else:
        raise ScbResponseError(
            f"{context}: 'status' är varken en sträng, en lista eller ett objekt."
        )
    return codes, symbols


def _unique_labels(dim: Dimension) -> list[str]:
    """Category labels must be unique for a categorical; disambiguate repeats by code."""
    seen: set[str] = set()
    out = []
    for code, label in zip(dim.codes, dim.labels):
        out.append(label if label not in seen else f"{label} ({code})")
        seen.add(label)
    return out


def _smallest_int(size: int) -> type:
    if size < 2**7:
        return np.int8
    if size < 2**15:
        return np.int16
    return np.int32


@dataclass(frozen=True)
class TableMetadata:
    """A table's variables as its json-stat2 `/metadata` describes them."""

    dimensions: list[Dimension]
    label: str
    updated: str | None
    notes: list[str]
    time_dimension: str | None

    def dimension(self, code: str) -> Dimension:
        for dim in self.dimensions:
            if dim.code == code:
                return dim
        raise KeyError(code)

    @property
    def codes(self) -> list[str]:
        return [d.code for d in self.dimensions]

    @property
    def ckm(self) -> bool:
        """The notes say the cells carry Cell Key Method noise."""
        return has_ckm_note(self.notes)


def parse_metadata(doc: dict, *, context: str = "metadata") -> TableMetadata:
    """Read the variables of a table from its json-stat2 metadata (a dataset with no values)."""
    try:
        ids = list(doc["id"])
        sizes = [int(s) for s in doc["size"]]
        dimension_docs = doc["dimension"]
    except (KeyError, TypeError, ValueError) as exc:
        raise ScbResponseError(f"{context}: inte json-stat2-metadata (saknar {exc}).") from None
    dims = [_dimension(code, dimension_docs, size, context) for code, size in zip(ids, sizes)]
    role = doc.get("role") or {}
    time = (role.get("time") or [None])[0]
    notes = doc.get("note") or []
    return TableMetadata(
        dimensions=dims,
        label=str(doc.get("label", "")),
        updated=doc.get("updated"),
        notes=[notes] if isinstance(notes, str) else [str(n) for n in notes],
        time_dimension=time,
    )
