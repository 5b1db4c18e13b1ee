"""Which kommuner to follow: `data/raw/areas/kommuner.csv`, edited by the analyst."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from pipelines.csv_input import CsvInputError, kommun_code_hint, read_csv

KOMMUNER_FILE = Path("areas") / "kommuner.csv"
_KOMMUN_CODE = re.compile(r"^\d{4}$")


class KommunerError(ValueError):
    """The kommun file is missing or has a bad row."""


@dataclass(frozen=True)
class Kommun:
    code: str
    name: str


def load_kommuner(raw_dir: Path) -> list[Kommun]:
    """Read the kommun list; every row needs a four-digit code and a name."""
    path = Path(raw_dir) / KOMMUNER_FILE
    if not path.exists():
        raise KommunerError(f"{path} is missing: it lists the kommuner to follow (kommun,namn).")
    kommuner: list[Kommun] = []
    try:
        table = read_csv(path)
    except CsvInputError as exc:
        raise KommunerError(str(exc)) from None
    if not {"kommun", "namn"} <= set(table.fieldnames):
        raise KommunerError(f"{path}: the header must be 'kommun,namn' (or 'kommun;namn').")
    for line, row in table.rows:
        code = (row.get("kommun") or "").strip()
        name = (row.get("namn") or "").strip()
        if not _KOMMUN_CODE.match(code):
            raise KommunerError(
                f"{path}, line {line}: kommun code {code!r} is not four digits (e.g. 0123)"
                f"{kommun_code_hint(code) or '.'}"
            )
        if not name:
            raise KommunerError(f"{path}, line {line}: kommun {code} has no name.")
        if any(k.code == code for k in kommuner):
            raise KommunerError(f"{path}, line {line}: kommun {code} is listed twice.")
        kommuner.append(Kommun(code, name))
    if not kommuner:
        raise KommunerError(f"{path}: lists no kommun.")
    return kommuner
