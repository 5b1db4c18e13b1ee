"""Which kommuner to load: `data/raw/areas/kommuner.csv`, edited by the analyst.

Each row (header `kommun,namn`) is one of:

- a kommun: `0123,Järfälla` (four-digit kommun code, and its name);
- a län: `län 01,Stockholms län` — every kommun of that län (the first two digits of the
  kommun code); `län 1` is read as `län 01` (Excel drops leading zeros of numbers only,
  but a hand-typed code may lack it);
- the whole country: `alla,Hela Sverige` — all 290 kommuner.

The `namn` of a län or `alla` row is a free label. The kommuner of a län and of the country,
with their names, come from SCB's DeSO keys in `data/raw/geography/` (real data): nothing is
listed by hand. A kommun that is both listed and covered by a län row is loaded once (the
name of its own row wins); a kommun listed twice on its own rows is an error.

Loading a kommun is not the same as following it: every kommun loaded gets marts and
checks (context for the comparisons), but a committee report is written only for the
kommuner *followed*, those with focus areas in `areas/focus_areas.csv`
(:func:`followed_kommuner`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from pipelines.core.csv_input import CsvInputError, kommun_code_hint, read_csv

KOMMUNER_FILE = Path("areas") / "kommuner.csv"
_KOMMUN_CODE = re.compile(r"^\d{4}$")
_LAN_ROW = re.compile(r"^l[äa]n\s*(\d{1,2})$", re.IGNORECASE)
ALL_ROW = "alla"


class KommunerError(ValueError):
    """The kommun file is missing or has a bad row."""


@dataclass(frozen=True)
class Kommun:
    code: str
    name: str

    @property
    def lan(self) -> str:
        """The län code: the kommun code's first two digits."""
        return self.code[:2]


def all_kommuner(raw_dir: Path) -> list[Kommun]:
    """Every kommun in SCB's DeSO keys (both divisions), in code order, with SCB's names."""
    from pipelines.core.geography import DIVISIONS, load_deso_key

    names: dict[str, str] = {}
    for code in reversed(list(DIVISIONS)):  # the newest key's names win
        key = load_deso_key(raw_dir, code)
        pairs = key[["kommun", "kommun_name"]].drop_duplicates()
        for kommun, name in zip(pairs.kommun, pairs.kommun_name, strict=True):
            names.setdefault(str(kommun), str(name))
    return [Kommun(code, names[code]) for code in sorted(names)]


def load_kommuner(raw_dir: Path) -> list[Kommun]:
    """Read the kommun list and expand `län NN` and `alla` rows (see the module docstring)."""
    path = Path(raw_dir) / KOMMUNER_FILE
    if not path.exists():
        raise KommunerError(f"{path} saknas: den listar kommunerna att följa (kommun,namn).")
    try:
        table = read_csv(path)
    except CsvInputError as exc:
        raise KommunerError(str(exc)) from None
    if table.problems:
        raise KommunerError(table.problems[0])
    if not {"kommun", "namn"} <= set(table.fieldnames):
        raise KommunerError(f"{path}: rubrikraden ska vara 'kommun,namn' (eller 'kommun;namn').")
    own: dict[str, str] = {}  # kommuner on their own rows, in order
    groups: list[tuple[int, str | None]] = []  # (line, län code or None for alla)
    order: list[tuple[str, str | None]] = []  # ("kommun", code) or ("group", län/None)
    for line, row in table.rows:
        code = (row.get("kommun") or "").strip()
        name = (row.get("namn") or "").strip()
        lan = _LAN_ROW.match(code)
        if code.lower() == ALL_ROW:
            groups.append((line, None))
            order.append(("group", None))
            continue
        if lan:
            groups.append((line, lan.group(1).zfill(2)))
            order.append(("group", lan.group(1).zfill(2)))
            continue
        if not _KOMMUN_CODE.match(code):
            raise KommunerError(
                f"{path}, rad {line}: {code!r} är varken en fyrsiffrig kommunkod (t.ex. 0123)"
                f"{kommun_code_hint(code) or ''}, 'län NN' (alla kommuner i ett län, t.ex. "
                "län 01) eller 'alla' (alla kommuner)."
            )
        if not name:
            raise KommunerError(f"{path}, rad {line}: kommunen {code} har inget namn.")
        if code in own:
            raise KommunerError(f"{path}, rad {line}: kommunen {code} står två gånger.")
        own[code] = name
        order.append(("kommun", code))
    if not order:
        raise KommunerError(f"{path} listar ingen kommun.")
    known = all_kommuner(raw_dir) if groups else []
    lans = sorted({k.lan for k in known})
    for line, lan in groups:
        if lan is not None and lan not in lans:
            raise KommunerError(
                f"{path}, rad {line}: län {lan} har ingen kommun i SCB:s DeSO-nycklar "
                f"(data/raw/geography/); länskoderna är {', '.join(lans)}."
            )
    kommuner: dict[str, str] = {}
    for kind, value in order:
        if kind == "kommun":
            kommuner.setdefault(value, own[value])
            continue
        for k in known:
            if value is None or k.lan == value:
                kommuner.setdefault(k.code, own.get(k.code, k.name))
    return [Kommun(code, name) for code, name in kommuner.items()]


def kommun_names(raw_dir: Path) -> dict[str, str]:
    """Code → name of every kommun loaded, as the committee report names them (the name of
    its own row in kommuner.csv, else SCB's)."""
    return {k.code: k.name for k in load_kommuner(raw_dir)}


def followed_kommuner(raw_dir: Path, kommuner: Sequence[Kommun]) -> list[Kommun]:
    """The kommuner loaded that have focus areas (`areas/focus_areas.csv`): they get a
    committee report. The others are loaded for context (marts, checks, comparisons)."""
    from pipelines.registry.areas import load_areas

    with_areas = {m.kommun for m in load_areas(raw_dir, [k.code for k in kommuner])}
    return [k for k in kommuner if k.code in with_areas]
