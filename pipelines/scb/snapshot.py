"""Fetch catalog requests into the raw layer, and read them back through one parser.

Live mode (`SEGREGATION_SOURCE=live`) first asks `/tables/{id}` whether the table changed
since the stored fetch; if it did (or the selection did), it fetches the data and stores
the responses verbatim. Then both modes do the same thing: read the stored responses,
verify them against the manifest and parse them with `parse_jsonstat2`.

Provenance travels with every row: a response whose json-stat2 `note` contains
`DEMODATA` is demonstration data, not SCB's published statistics, and its rows carry
`demo = true` all the way to the marts and the report.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from pipelines.catalog import ScbRequest
from pipelines.raw_store import RawFile, RawStore, RawStoreError, StoredFetch
from pipelines.scb.client import PxWebClient
from pipelines.scb.jsonstat import parse_jsonstat2, parse_metadata
from pipelines.scb.selection import response_dimensions

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
    manifest: dict
    notes: list[str]
    region_variable: str | None

    @property
    def updated(self) -> str | None:
        return self.manifest.get("updated")

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
) -> FetchOutcome:
    """Fetch one request into the raw layer unless the stored fetch is still current."""
    selection = request.selection_for(kommuner)
    info_bytes = client.table_info_bytes(request.table_id)
    updated = json.loads(info_bytes).get("updated")
    previous = store.manifest(SOURCE, request.table_id, request.name)
    if not force and previous is not None:
        same = previous.get("updated") == updated and previous.get("selection") == selection
        if same:
            return FetchOutcome(
                request.name,
                request.table_id,
                False,
                updated,
                0,
                f"unchanged since {updated}: no data fetched",
            )
    metadata_bytes = client.metadata_bytes(request.table_id)
    parts = client.fetch_data(request.table_id, selection, codelists=request.codelists or None)
    # Parse every response before storing it: a malformed or changed response must never
    # replace the last good fetch in the raw layer.
    expected = response_dimensions(client.metadata(request.table_id), request.selection)
    for part in parts:
        parse_jsonstat2(
            json.loads(part.content),
            expected_dimensions=expected,
            context=f"{request.table_id} ({request.title}) {part.url}",
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
    store_request(
        store,
        request,
        client.base_url,
        info_bytes,
        metadata_bytes,
        data_files,
        selection=selection,
        updated=updated,
    )
    reason = "first fetch" if previous is None else f"updated at source: {updated}"
    return FetchOutcome(request.name, request.table_id, True, updated, len(parts), reason)


def store_request(
    store: RawStore,
    request: ScbRequest,
    base_url: str,
    table_info: bytes,
    metadata: bytes,
    parts: list[RawFile],
    *,
    selection: object,
    updated: str | None,
    **fields: object,
) -> dict:
    """Store one fetch of a catalog request (`table.json`, `metadata.json`, data parts) with
    the manifest fields :func:`fetch_request` and :func:`load_request` rely on."""
    files = [
        RawFile("table.json", table_info, url=f"{base_url}/tables/{request.table_id}"),
        RawFile("metadata.json", metadata, url=f"{base_url}/tables/{request.table_id}/metadata"),
        *parts,
    ]
    return store.write(
        SOURCE,
        request.table_id,
        request.name,
        files,
        base_url=base_url,
        title=request.title,
        selection=selection,
        updated=updated,
        **fields,
    )


def load_request(store: RawStore, request: ScbRequest, kommuner: Sequence[str]) -> LoadedTable:
    """Read a stored fetch, parse every part and keep only the configured kommuner."""
    stored = store.read(SOURCE, request.table_id, request.name)
    metadata = parse_metadata(
        stored.read_json("metadata.json"), context=f"{stored.folder}/metadata.json"
    )
    expected = response_dimensions(metadata, request.selection)
    frames, notes = [], []
    for name in stored.data_files:
        context = f"{request.table_id} {stored.folder / name}"
        parsed = parse_jsonstat2(
            json.loads(stored.read(name)), expected_dimensions=expected, context=context
        )
        demo = any(DEMO_MARKER in note for note in parsed.notes)
        frame = parsed.frame
        frame["demo"] = demo
        frame["source_file"] = name
        frames.append(frame)
        notes.extend(n for n in parsed.notes if n not in notes)
    if not frames:
        raise RawStoreError(f"{stored.folder}: the manifest lists no data files.")
    frame = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    region = request.region_variable
    if region is not None:
        frame = _keep_kommuner(frame, region, kommuner, stored, request)
    return LoadedTable(request, frame, stored.manifest, notes, region)


def _keep_kommuner(
    frame: pd.DataFrame,
    region: str,
    kommuner: Sequence[str],
    stored: StoredFetch,
    request: ScbRequest,
) -> pd.DataFrame:
    codes = frame[region].astype("string")
    kommun_of_row = codes.str.slice(0, 4)
    present = set(kommun_of_row.unique())
    missing = [k for k in kommuner if k not in present]
    if missing:
        raise RawStoreError(
            f"{stored.folder} ({request.title}) holds no data for kommun {', '.join(missing)}. "
            "The bundled snapshot covers only the kommuner it was fetched for; fetch the new "
            "ones with SEGREGATION_SOURCE=live."
        )
    keep = kommun_of_row.isin(list(kommuner)).to_numpy()
    return frame.loc[keep].reset_index(drop=True) if not keep.all() else frame
