"""Fetch catalog requests into the raw layer, and read them back through one parser.

Live mode (`SEGREGATION_SOURCE=live`) first asks `/tables/{id}` whether the table changed
since the stored fetch; if it did (or the selection did), it fetches the data and stores
the responses verbatim. Then both modes do the same thing: read the stored responses,
verify them against the manifest and parse them with `parse_jsonstat2`.

A request may name a series of tables (a table SCB continued under a new id): each table is
fetched and stored in its own folder, `data/raw/scb/<table>/<request>/`, and read back with
its codes turned into the request's codes, so the rows form one series with `table_id` on
each row. Region codes are split into (code, division): `0123C1290_DeSO2025` becomes
`0123C1290` in division `DeSO2025`; cells of a division outside its years (SCB lists both
divisions for every year and leaves the other division's cells empty) are dropped.

Provenance travels with every row: a response whose json-stat2 `note` contains
`DEMODATA` is demonstration data, not SCB's published statistics, and its rows carry
`demo = true` all the way to the marts and the report.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from pipelines.core.geography import DIVISIONS, split_region_column
from pipelines.registry.catalog import ScbRequest, TableSpan
from pipelines.sources.raw_store import RawFile, RawStore, RawStoreError
from pipelines.sources.scb.client import DataPart, PxWebClient
from pipelines.sources.scb.jsonstat import cells_frame, parse_cells, parse_jsonstat2, parse_metadata
from pipelines.sources.scb.labels import label_codes, resolve_labels
from pipelines.sources.scb.selection import response_dimensions

SOURCE = "scb"
DEMO_MARKER = "DEMODATA"
PUBLISHED_MARKER = "PUBLICERAT"


@dataclass(frozen=True)
class FetchOutcome:
    """What a live check or fetch did for one request."""

    request: str
    table_id: str
    changed: bool
    updated: str | None
    data_calls: int
    reason: str


@dataclass
class LoadedTable:
    """A request read back from the raw layer: the tidy frame and where it came from."""

    request: ScbRequest
    frame: pd.DataFrame
    manifests: dict[str, dict]  # table id → manifest of its stored fetch
    notes: list[str]
    region_variable: str | None
    dropped_other_division: int = 0

    @property
    def updated(self) -> str | None:
        """The newest `updated` of the series' tables."""
        dates = [m.get("updated") for m in self.manifests.values() if m.get("updated")]
        return max(dates) if dates else None

    @property
    def demo_rows(self) -> int:
        return int(self.frame["demo"].sum())

    @property
    def data_status(self) -> str:
        """`demodata`, `publicerad statistik` or `blandat` (mixed), for metadata and labels."""
        demo = self.demo_rows
        if demo == 0:
            return "publicerad statistik"
        return (
            "demodata" if demo == len(self.frame) else "blandat: publicerad statistik och demodata"
        )


def fetch_request(
    client: PxWebClient,
    store: RawStore,
    request: ScbRequest,
    kommuner: Sequence[str],
    *,
    force: bool = False,
) -> list[FetchOutcome]:
    """Fetch every table of a request into the raw layer unless its stored fetch is current."""
    return [
        fetch_table(client, store, request, span, kommuner, force=force) for span in request.tables
    ]


def fetch_table(
    client: PxWebClient,
    store: RawStore,
    request: ScbRequest,
    span: TableSpan,
    kommuner: Sequence[str],
    *,
    force: bool = False,
) -> FetchOutcome:
    """Fetch one table of a request unless the stored fetch is still current."""
    table_id = span.table_id
    info_bytes = client.table_info_bytes(table_id)
    updated = json.loads(info_bytes).get("updated")
    previous = store.manifest(SOURCE, table_id, request.name)
    if not force and previous is not None:
        # an unchanged table resolves its labels as before
        selection = request.selection_for(kommuner, span, previous.get("resolved_codes"))
        same = previous.get("updated") == updated and previous.get("selection") == selection
        if same:
            return FetchOutcome(
                request.name,
                table_id,
                False,
                updated,
                0,
                f"oförändrad sedan {updated}: inga data hämtade",
            )
    metadata_bytes = client.metadata_bytes(table_id)
    metadata = client.metadata(table_id)
    resolved = resolve_labels(metadata, request.labels, table_id) if request.labels else {}
    selection = request.selection_for(kommuner, span, resolved)
    parts = client.fetch_data(table_id, selection, codelists=span.codelists or None)
    data_files = _checked_parts(client, request, table_id, selection, parts, metadata)
    store_request(
        store,
        request,
        table_id,
        client.base_url,
        info_bytes,
        metadata_bytes,
        data_files,
        selection=selection,
        updated=updated,
        **({"resolved_codes": resolved} if resolved else {}),
    )
    reason = "första hämtningen" if previous is None else f"uppdaterad hos SCB: {updated}"
    return FetchOutcome(request.name, table_id, True, updated, len(parts), reason)


def _checked_parts(
    client: PxWebClient,
    request: ScbRequest,
    table_id: str,
    selection: dict[str, str | list[str]],
    parts: list[DataPart],
    metadata: dict,
) -> list[RawFile]:
    """The fetched parts as raw files, each parsed first against the table's metadata."""
    # Parse every response before storing it: a malformed or changed response must never
    # replace the last good fetch in the raw layer.
    expected = response_dimensions(metadata, selection)
    for part in parts:
        parse_jsonstat2(
            json.loads(part.content),
            expected_dimensions=expected,
            context=f"{table_id} ({request.title}) {part.url}",
        )
    data_files = [
        RawFile(
            f"part-{i:03d}.json",
            part.content,
            url=part.url,
            method=part.method,
            body=part.body,
            cells=part.cells,
            fetched_at=part.fetched_at,
        )
        for i, part in enumerate(parts, start=1)
    ]
    return data_files


def store_request(
    store: RawStore,
    request: ScbRequest,
    table_id: str,
    base_url: str,
    table_info: bytes,
    metadata: bytes,
    parts: list[RawFile],
    *,
    selection: object,
    updated: str | None,
    **fields: object,
) -> dict:
    """Store one fetch of one table of a catalog request (`table.json`, `metadata.json`,
    data parts) with the manifest fields :func:`fetch_table` and :func:`load_request` rely on.
    The data responses are stored gzip-compressed (`part-NNN.json.gz`): a country-wide DeSO
    selection is hundreds of megabytes of JSON, a tenth of that compressed."""
    files = [
        RawFile("table.json", table_info, url=f"{base_url}/tables/{table_id}"),
        RawFile("metadata.json", metadata, url=f"{base_url}/tables/{table_id}/metadata"),
        *parts,
    ]
    return store.write(
        SOURCE,
        table_id,
        request.name,
        files,
        compress=True,
        base_url=base_url,
        title=request.title,
        selection=selection,
        updated=updated,
        **fields,
    )


def load_request(store: RawStore, request: ScbRequest, kommuner: Sequence[str]) -> LoadedTable:
    """Read every table of a request, parse every part and keep only the configured kommuner.

    Each table's rows carry `table_id` and `updated`, its codes turned into the request's;
    the region variable is split into bare codes and `division`.
    """
    frames: list[pd.DataFrame] = []
    notes: list[str] = []
    manifests: dict[str, dict] = {}
    dropped = 0
    region = request.region_variable
    for span in request.tables:
        frame, table_notes, manifest = _load_table(store, request, span, kommuner)
        manifests[span.table_id] = manifest
        notes.extend(n for n in table_notes if n not in notes)
        if region is not None:
            frame, n_dropped = _split_divisions(frame, region, span)
            dropped += n_dropped
        frames.append(frame)
    frame = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    if region is not None:
        frame = _keep_kommuner(frame, region, kommuner, store, request)
    return LoadedTable(request, frame, manifests, notes, region, dropped)


def empty_frame(request: ScbRequest) -> pd.DataFrame:
    """No rows, with the columns a loaded request has: what a raw table holds for a request
    the run goes on without (an unconfirmed table that failed the live check)."""
    variables = [v for v in request.selection if v != "Tid"] + ["Tid"]
    columns: dict[str, pd.Series] = {}
    for var in variables:
        columns[var] = pd.Series(dtype="string")
        columns[f"{var}_label"] = pd.Series(dtype="string")
    columns["value"] = pd.Series(dtype="float64")
    for name in ("status", "source_file", "table_id", "updated"):
        columns[name] = pd.Series(dtype="string")
    columns["demo"] = pd.Series(dtype="bool")
    if request.region_variable is not None:
        columns["division"] = pd.Series(dtype="string")
    return pd.DataFrame(columns)


def _parts_for(stored, region: str | None, kommuner: Sequence[str] | None) -> list[str]:
    """The data parts that can hold rows of these kommuner, judged by the region codes each
    part's request asked for (its `body` in the manifest). A snapshot fetched for more
    kommuner than are configured (a whole län, the country) is then read only where needed.
    Parts without a recorded body are always read; if no part matches, all are read (and
    the caller says which kommun is missing)."""
    names = stored.data_files
    if region is None or kommuner is None:
        return names
    wanted = set(kommuner)
    keep = []
    for entry in stored.manifest["files"]:
        if entry["file"] not in names:
            continue
        body = entry.get("body") or {}
        codes = next(
            (
                s.get("valueCodes") or []
                for s in body.get("selection") or []
                if s.get("variableCode") == region
            ),
            None,
        )
        if codes is None or any(str(c)[:4] in wanted for c in codes):
            keep.append(entry["file"])
    return keep or names


def _load_table(
    store: RawStore,
    request: ScbRequest,
    span: TableSpan,
    kommuner: Sequence[str] | None = None,
) -> tuple[pd.DataFrame, list[str], dict]:
    stored = store.read(SOURCE, span.table_id, request.name)
    metadata = parse_metadata(
        stored.read_json("metadata.json"), context=f"{stored.folder}/metadata.json"
    )
    expected = response_dimensions(metadata, stored.manifest.get("selection") or request.selection)
    parts, names, notes = [], [], []
    for name in _parts_for(stored, request.region_variable, kommuner):
        context = f"{span.table_id} {stored.folder / name}"
        cells = parse_cells(
            json.loads(stored.read(name)), expected_dimensions=expected, context=context
        )
        parts.append(cells)
        names.append(name)
        notes.extend(n for n in cells.notes if n not in notes)
    if not parts:
        raise RawStoreError(
            f"{stored.folder}: manifest.json listar inga datafiler; hämta tabellen igen "
            "med SEGREGATION_SOURCE=live."
        )
    # one frame for all parts (a country snapshot has hundreds), then per-part columns
    frame = cells_frame(parts, f"{span.table_id} {stored.folder}")
    lengths = [len(p.values) for p in parts]
    frame["demo"] = np.repeat([any(DEMO_MARKER in n for n in p.notes) for p in parts], lengths)
    frame["source_file"] = np.repeat(np.array(names, dtype=object), lengths)
    request.recode_frame(frame, span)
    for var, mapping in label_codes(stored.manifest.get("resolved_codes") or {}).items():
        if var in frame.columns:  # the table's codes for codes named by label → ours
            frame[var] = frame[var].astype(str).replace(mapping)
    frame["table_id"] = span.table_id
    frame["updated"] = stored.manifest.get("updated")
    return frame, notes, stored.manifest


# The years of each DeSO division and of the RegSO division built from it.
DIVISION_YEARS = {
    **{d.code: (d.first_year, d.last_year) for d in DIVISIONS.values()},
    **{d.regso_division: (d.first_year, d.last_year) for d in DIVISIONS.values()},
}


def _split_divisions(frame: pd.DataFrame, region: str, span: TableSpan) -> tuple[pd.DataFrame, int]:
    """Bare codes and `division`; drop every cell of a DeSO or RegSO code outside its
    division's years, whatever it holds: SCB leaves most of them empty (`..`), but some
    tables answer 0 there (TAB6574), and such a zero is not a real zero."""
    codes, divisions = split_region_column(frame[region], span.division)
    frame[region] = codes
    frame["division"] = divisions
    positions, tid = pd.factorize(frame["Tid"], use_na_sentinel=False)  # once per year
    years = pd.Series(
        pd.to_numeric(pd.Series(tid, dtype=object), errors="coerce").to_numpy()[positions],
        index=frame.index,
    )
    outside = pd.Series(False, index=frame.index)
    for code, (first, last) in DIVISION_YEARS.items():
        in_division = divisions == code
        if first is not None:
            outside |= in_division & (years < first)
        if last is not None:
            outside |= in_division & (years > last)
    n = int(outside.sum())
    if n:
        frame = frame.loc[~outside.to_numpy()].reset_index(drop=True)
    return frame, n


def _keep_kommuner(
    frame: pd.DataFrame,
    region: str,
    kommuner: Sequence[str],
    store: RawStore,
    request: ScbRequest,
) -> pd.DataFrame:
    positions, codes = pd.factorize(frame[region], use_na_sentinel=False)  # once per code
    kommun_of_code = pd.Series(codes, dtype="string").str.slice(0, 4)
    present = set(kommun_of_code.dropna())
    missing = [k for k in kommuner if k not in present]
    if missing:
        folders = ", ".join(str(store.folder(SOURCE, t, request.name)) for t in request.table_ids)
        raise RawStoreError(
            f"{folders} ({request.title}) har inga data för kommun {', '.join(missing)}. "
            "Den medföljande ögonblicksbilden täcker bara de kommuner den hämtades för; hämta "
            "de nya med SEGREGATION_SOURCE=live."
        )
    keep = kommun_of_code.isin(list(kommuner)).to_numpy(dtype=bool, na_value=False)[positions]
    return frame.loc[keep].reset_index(drop=True) if not keep.all() else frame
