"""SQL models in `sql/staging/` and `sql/marts/`: one SELECT per file, file name = table name.

Each file starts with comment lines: the first ones describe the table (in Swedish,
shown in the Dagster UI), and a line `-- depends_on: schema.table, …` names the tables it
reads. The asset graph is built from these headers. Marts also declare
`-- unique_key: col, …`, which an asset check enforces, and describe every column on a line
`-- column name: beskrivning`, which the Dagster UI shows and docs/marts.md is generated from
(`python -m pipelines.warehouse.reference`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from pipelines.core.settings import PROJECT_ROOT
from pipelines.warehouse.database import identifier

SQL_DIR = PROJECT_ROOT / "sql"
LAYERS = ("staging", "marts")
_DEPENDS = re.compile(r"^--\s*depends_on:\s*(.*)$", re.IGNORECASE)
_UNIQUE = re.compile(r"^--\s*unique_key:\s*(.*)$", re.IGNORECASE)
_COLUMN = re.compile(r"^--\s*column\s+(\w+)\s*:\s*(.*)$", re.IGNORECASE)


@dataclass(frozen=True)
class SqlModel:
    layer: str
    name: str
    path: Path
    description: str
    depends_on: tuple[tuple[str, str], ...]
    unique_key: tuple[str, ...] = ()
    columns: dict[str, str] = field(default_factory=dict, hash=False)

    @property
    def sql(self) -> str:
        return self.path.read_text(encoding="utf-8")


def discover_models(sql_dir: Path = SQL_DIR) -> list[SqlModel]:
    models = []
    for layer in LAYERS:
        for path in sorted((sql_dir / layer).glob("*.sql")):
            models.append(_read_model(layer, path))
    return models


def _read_model(layer: str, path: Path) -> SqlModel:
    description, deps, unique = [], [], []
    columns: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("--"):
            break
        match = _DEPENDS.match(line)
        key_match = _UNIQUE.match(line)
        column_match = _COLUMN.match(line)
        if column_match:
            name = identifier(column_match.group(1))
            if name in columns:
                raise ValueError(f"{path}: column {name!r} is described twice.")
            columns[name] = column_match.group(2).strip()
        elif key_match:
            unique = [identifier(c.strip()) for c in key_match.group(1).split(",") if c.strip()]
        elif match:
            for ref in filter(None, (r.strip() for r in match.group(1).split(","))):
                schema, _, table = ref.partition(".")
                if not table:
                    raise ValueError(f"{path}: depends_on entry {ref!r} must be schema.table.")
                deps.append((identifier(schema), identifier(table)))
        else:
            description.append(line.lstrip("-").strip())
    return SqlModel(
        layer=layer,
        name=identifier(path.stem),
        path=path,
        description=" ".join(d for d in description if d),
        depends_on=tuple(deps),
        unique_key=tuple(unique),
        columns=columns,
    )
