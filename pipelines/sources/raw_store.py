"""The raw layer: every source response stored verbatim, with a manifest.

One fetch of one catalog request lives in one folder::

    data/raw/<source>/<table id>/<request>/
        manifest.json     what was asked, where, when, the source's `updated`, sha256 per file
        table.json        the table description (`/tables/{id}`)
        metadata.json     the table's json-stat2 metadata
        part-001.json …   data responses, byte for byte as the server sent them, or
        part-001.json.gz  the same bytes gzip-compressed (`encoding = "gzip"` in the manifest)

A fetch stored with `compress=True` keeps each data response (`part-*`) gzip-compressed
(`part-NNN.json.gz`, deterministic: no file name, mtime 0): the manifest's `sha256` and
`bytes` are those of the stored file, `content_sha256` and `content_bytes` those of the
response as sent, and :meth:`StoredFetch.read` returns the response's own bytes.
Uncompressed folders (older snapshots) read as before.

The folder is written next to the old one and swapped in with two renames (old aside, new
in), so a failed fetch leaves the previous folder (the last good snapshot) in place; if a
crash falls between the two renames, the next read puts the previous folder back, and the
next write of the same request removes the half-written or set-aside folders such a crash
left (`.<request>.new-<hex>`, `.<request>.old-<hex>`). Reading checks every
file's sha256 against the manifest, so an edited or damaged snapshot is an error, not a
silent change of numbers.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import re
import shutil
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

_SAFE_NAME = re.compile(r"^[A-Za-z0-9_.-]+$")
GZIP_SUFFIX = ".gz"
COMPRESSED_PREFIX = "part-"  # with compress=True, the data responses are stored gzip-compressed


def gzip_bytes(content: bytes) -> bytes:
    """gzip without a file name or time stamp, so the same content gives the same bytes."""
    return gzip.compress(content, compresslevel=9, mtime=0)


class RawStoreError(RuntimeError):
    """The raw layer is missing a fetch, or a stored file does not match its manifest."""


@dataclass(frozen=True)
class RawFile:
    """A file to store: its name in the folder and how it was obtained."""

    name: str
    content: bytes
    url: str = ""
    method: str = "GET"
    body: dict | None = None
    cells: int | None = None
    fetched_at: str | None = None


@dataclass(frozen=True)
class StoredFetch:
    """A fetch read back from the raw layer, its files verified."""

    folder: Path
    manifest: dict

    def read(self, name: str) -> bytes:
        """A stored file's content as it was fetched (decompressed if stored as `.gz`)."""
        data = (self.folder / name).read_bytes()
        return gzip.decompress(data) if name.endswith(GZIP_SUFFIX) else data

    def read_json(self, name: str) -> dict:
        return json.loads(self.read(name))

    @property
    def data_files(self) -> list[str]:
        return [f["file"] for f in self.manifest["files"] if f["file"].startswith("part-")]


class RawStore:
    """Reads and writes fetch folders under one root (`SEGREGATION_RAW_DIR`)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def folder(self, source: str, table_id: str, request: str) -> Path:
        for name in (source, table_id, request):
            if not _SAFE_NAME.match(name):
                raise RawStoreError(f"{name!r} går inte att använda som mappnamn i data/raw.")
        return self.root / source / table_id / request

    def manifest(self, source: str, table_id: str, request: str) -> dict | None:
        _recover(self.folder(source, table_id, request))
        path = self.folder(source, table_id, request) / "manifest.json"
        if not path.exists():
            return None
        return json.loads(path.read_text(encoding="utf-8"))

    def write(
        self,
        source: str,
        table_id: str,
        request: str,
        files: list[RawFile],
        *,
        compress: bool = False,
        **fields: object,
    ) -> dict:
        """Store a complete fetch and swap it in for the previous one. Returns the manifest.

        With `compress`, every data response (`part-*`) is stored as `<name>.gz`."""
        target = self.folder(source, table_id, request)
        target.parent.mkdir(parents=True, exist_ok=True)
        _clear_debris(target)
        staging = target.parent / f".{request}.new-{uuid.uuid4().hex[:8]}"
        staging.mkdir()
        try:
            entries = []
            for f in files:
                name, stored = f.name, f.content
                packed = compress and name.startswith(COMPRESSED_PREFIX)
                if packed:
                    name, stored = name + GZIP_SUFFIX, gzip_bytes(f.content)
                (staging / name).write_bytes(stored)
                entry: dict[str, object] = {
                    "file": name,
                    "url": f.url,
                    "method": f.method,
                    "sha256": hashlib.sha256(stored).hexdigest(),
                    "bytes": len(stored),
                }
                if packed:
                    entry["encoding"] = "gzip"
                    entry["content_sha256"] = hashlib.sha256(f.content).hexdigest()
                    entry["content_bytes"] = len(f.content)
                if f.body is not None:
                    entry["body"] = f.body
                if f.cells is not None:
                    entry["cells"] = f.cells
                if f.fetched_at:
                    entry["fetched_at"] = f.fetched_at
                entries.append(entry)
            manifest = {
                "source": source,
                "table_id": table_id,
                "request": request,
                "fetched_at": datetime.now(UTC).isoformat(timespec="seconds"),
                **fields,
                "files": entries,
            }
            (staging / "manifest.json").write_text(
                json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
            )
            _swap_in(staging, target)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        return manifest

    def read(self, source: str, table_id: str, request: str) -> StoredFetch:
        """Open a stored fetch and verify each file against the manifest's sha256."""
        folder = self.folder(source, table_id, request)
        manifest = self.manifest(source, table_id, request)
        if manifest is None:
            raise RawStoreError(
                f"Inga sparade data för {source}-tabell {table_id} ({request}) i {folder}. Med "
                "ögonblicksbilden går bara det som finns under data/raw/ att läsa: kör med "
                "SEGREGATION_SOURCE=live för att hämta den, eller kontrollera SEGREGATION_RAW_DIR."
            )
        for entry in manifest["files"]:
            path = folder / entry["file"]
            if not path.exists():
                raise RawStoreError(
                    f"{path} finns i manifest.json men saknas: återställ den (git checkout) "
                    "eller hämta igen med SEGREGATION_SOURCE=live."
                )
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            if digest != entry["sha256"]:
                raise RawStoreError(
                    f"{path} stämmer inte med sha256 i {folder / 'manifest.json'}: det sparade "
                    "svaret har ändrats efter hämtningen. Återställ det (git checkout) eller "
                    "hämta igen med SEGREGATION_SOURCE=live."
                )
        return StoredFetch(folder, manifest)

    def manifests(self) -> list[dict]:
        """Every manifest under the root, for the audit table."""
        out = []
        for path in sorted(self.root.glob("*/*/*/manifest.json")):
            out.append(json.loads(path.read_text(encoding="utf-8")))
        return out


def _recover(target: Path) -> None:
    """If a swap was interrupted between its two renames, put the previous folder back."""
    if target.exists():
        return
    previous = sorted(target.parent.glob(f".{target.name}.old-*"))
    if previous:
        os.replace(previous[-1], target)


def _clear_debris(target: Path) -> None:
    """Remove what an interrupted write of this request left beside its folder: a staging
    folder (`.<request>.new-<hex>`) and, once the folder is back in place, set-aside ones
    (`.<request>.old-<hex>`). Only a write calls this, and one run writes at a time."""
    _recover(target)
    pattern = re.compile(rf"^\.{re.escape(target.name)}\.(new|old)-[0-9a-f]{{8}}$")
    for path in target.parent.glob(f".{target.name}.*"):
        if pattern.match(path.name) and path.is_dir():
            shutil.rmtree(path, ignore_errors=True)


def _swap_in(staging: Path, target: Path) -> None:
    old = None
    if target.exists():
        old = target.parent / f".{target.name}.old-{uuid.uuid4().hex[:8]}"
        os.replace(target, old)
    try:
        os.replace(staging, target)
    except BaseException:
        if old is not None:
            os.replace(old, target)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
