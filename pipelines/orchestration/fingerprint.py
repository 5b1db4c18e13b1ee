"""What a run's marts are built from, in one digest: a run whose digest equals that of the
last successful publish, with every published file still there, has nothing to rebuild.

The fingerprint covers
- the raw layer: per fetch folder (one with a `manifest.json`), the sha256 of each file
  the manifest lists, so a response that changed changes it and a refetch of the same
  bytes (a new `fetched_at`) does not; every other file under the raw folder (the
  analyst's kommuner, focus areas, plans, local value files, catalog.toml, boundaries)
  byte for byte. Hidden files and folders (a fetch being swapped in) are left out;
- the SQL models (`sql/**/*.sql`);
- the code: the installed package's version and a digest of the `pipelines/` source;
- the settings that change what the marts hold (SCB's label language, comparison areas).

The digest of the last successful publish is kept in `<marts>/.fingerprint.json`, written
last in the publish swap (see `Warehouse.publish`), with the names of the files published.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from pipelines.core.settings import PROJECT_ROOT, Settings

STAMP_FILE = ".fingerprint.json"
PACKAGE = "segregation-pipeline"
CODE_DIR = PROJECT_ROOT / "pipelines"
SQL_DIR = PROJECT_ROOT / "sql"
MANIFEST = "manifest.json"


@dataclass(frozen=True)
class Fingerprint:
    """The digest of a run's inputs and the digest of each part (for saying what changed)."""

    digest: str
    parts: dict[str, str]

    def changed_parts(self, other: dict[str, str]) -> list[str]:
        """The parts that differ from `other` (added, removed or changed), sorted."""
        keys = set(self.parts) | set(other)
        return sorted(k for k in keys if self.parts.get(k) != other.get(k))


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _visible_files(root: Path) -> list[Path]:
    """Files under `root`, sorted, without hidden files or anything in a hidden folder."""
    if not root.exists():
        return []
    return sorted(
        p
        for p in root.rglob("*")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(root).parts)
    )


def raw_parts(raw_dir: Path) -> dict[str, str]:
    """One digest per fetch folder (from its manifest's sha256s) and per other file."""
    raw_dir = Path(raw_dir)
    files = _visible_files(raw_dir)
    fetches = {p.parent for p in files if p.name == MANIFEST}
    parts: dict[str, str] = {}
    for folder in sorted(fetches):
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        listed = sorted((f["file"], f["sha256"]) for f in manifest.get("files", []))
        parts[f"raw/{folder.relative_to(raw_dir).as_posix()}/"] = _sha(json.dumps(listed).encode())
    for path in files:
        if path.parent not in fetches:
            parts[f"raw/{path.relative_to(raw_dir).as_posix()}"] = _sha(path.read_bytes())
    return parts


def code_parts(code_dir: Path = CODE_DIR, sql_dir: Path = SQL_DIR) -> dict[str, str]:
    """The package version, a digest of the Python source and one digest per SQL file."""
    try:
        version = metadata.version(PACKAGE)
    except metadata.PackageNotFoundError:
        version = "not installed"
    source = hashlib.sha256()
    for path in _visible_files(code_dir):
        if path.suffix == ".py":
            source.update(path.relative_to(code_dir).as_posix().encode() + b"\0")
            source.update(path.read_bytes())
    parts = {"version": version, "code/pipelines": source.hexdigest()}
    for path in _visible_files(sql_dir):
        if path.suffix == ".sql":
            parts[f"sql/{path.relative_to(sql_dir).as_posix()}"] = _sha(path.read_bytes())
    return parts


def compute(settings: Settings) -> Fingerprint:
    """The fingerprint of everything a run of these settings builds its marts from."""
    parts = {
        **raw_parts(settings.raw_dir),
        **code_parts(),
        "settings": f"scb_lang={settings.scb_lang} comparison_k={settings.comparison_k}",
    }
    return Fingerprint(_sha(json.dumps(parts, sort_keys=True).encode()), parts)


def stamp_text(fingerprint: Fingerprint, files: list[str]) -> str:
    """The content of `.fingerprint.json` for a publish of these files."""
    return json.dumps(
        {"fingerprint": fingerprint.digest, "files": sorted(files), "parts": fingerprint.parts},
        indent=1,
        ensure_ascii=False,
    )


def read_stamp(marts_dir: Path) -> dict | None:
    """The last successful publish's stamp, or None if there is none (or it is unreadable)."""
    try:
        stamp = json.loads((Path(marts_dir) / STAMP_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return stamp if isinstance(stamp, dict) and "fingerprint" in stamp else None


def missing_published(marts_dir: Path, stamp: dict) -> list[str]:
    """The files of the last publish that are no longer there."""
    return [name for name in stamp.get("files", []) if not (Path(marts_dir) / name).exists()]
