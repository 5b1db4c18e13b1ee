"""The integration plan's own goals in the integrationsbokslut: the kommun's employees against
its residents, the differences between schools, and the newly arrived.

Reads the marts `staff_background`, `school_segregation`, `school_background` and
`newly_arrived` (the kommun's files in `data/raw/goals/`); a kommun without a file gets a
sentence saying the figures are missing, never an invented value. Returns plain data for
`templates/goals.html.j2`.
"""

from __future__ import annotations

import pandas as pd

from pipelines.publish import texts
from pipelines.publish.chart_style import number

GOAL_MARTS = ("staff_background", "school_segregation", "school_background", "newly_arrived")


def _rows(marts: dict[str, pd.DataFrame], name: str, kommun: str, year: int) -> pd.DataFrame:
    frame = marts.get(name)
    if frame is None or frame.empty:
        return pd.DataFrame()
    return frame[(frame.kommun == kommun) & (frame.year <= year)].sort_values("year")


def _pp(value: object) -> str:
    return number(value, 1)


def _signed(value: object) -> str:
    text = _pp(value)
    return f"+{text}" if value is not None and pd.notna(value) and float(value) > 0 else text


def change_words(
    first: pd.Series,
    last: pd.Series,
    column: str,
    unit: str,
    places: int = 1,
    what: str = "Skillnaden",
) -> str | None:
    """'minskat från 9,0 till 6,5 procentenheter (2015–2024)' for a difference the goal wants
    smaller; None with fewer than two years."""
    if first.year == last.year or pd.isna(first[column]) or pd.isna(last[column]):
        return None
    a, b = abs(float(first[column])), abs(float(last[column]))
    verb = "minskat" if b < a else ("ökat" if b > a else "är oförändrad")
    return texts.GOAL_CHANGE.format(
        what=what,
        verb=verb,
        first=number(a, places),
        last=number(b, places),
        unit=unit,
        years=f"{int(first.year)}–{int(last.year)}",
    )


def employees(marts: dict[str, pd.DataFrame], kommun: str, year: int) -> dict | None:
    """The share of the kommun's employees with utländsk bakgrund against its residents',
    per year, and per förvaltning the latest year."""
    rows = _rows(marts, "staff_background", kommun, year)
    if rows.empty:
        return None
    whole = rows[rows.forvaltning.isna()]
    body = [
        {
            "name": str(int(r.year)),
            "demo": bool(r.example) or bool(r.residents_demo),
            "cells": [
                _pp(r.share_foreign_background),
                _pp(r.residents_share_foreign_background),
                _signed(r.gap_pp),
                str(r.source),
            ],
        }
        for r in whole.itertuples()
    ]
    units = rows[rows.forvaltning.notna()]
    units = units[units.year == units.year.max()] if not units.empty else units
    per_unit = [
        {
            "name": str(r.forvaltning),
            "demo": bool(r.example),
            "cells": [str(int(r.year)), _pp(r.share_foreign_background), _signed(r.gap_pp)],
        }
        for r in units.itertuples()
    ]
    gaps = whole[whole.gap_pp.notna()]
    change = (
        None
        if gaps.empty
        else change_words(gaps.iloc[0], gaps.iloc[-1], "gap_pp", " procentenheter")
    )
    basis = rows.residents_basis.dropna()
    return {
        "rows": body,
        "units": per_unit,
        "change": change,
        "basis": str(basis.iloc[0]) if not basis.empty else "",
    }


def schools(marts: dict[str, pd.DataFrame], kommun: str, year: int) -> dict | None:
    """Per year D across the kommun's schools beside its random expectation and the
    residential D; per school the latest year's share against the kommun's."""
    rows = _rows(marts, "school_segregation", kommun, year)
    if rows.empty:
        return None
    body = [
        {
            "name": str(int(r.year)),
            "demo": bool(r.example) or bool(r.residential_demo),
            "cells": [
                str(int(r.schools)),
                number(r.value, 3),
                number(r.expected_random, 3),
                number(r.adjusted, 3),
                number(r.residential_d, 3),
            ],
        }
        for r in rows.itertuples()
    ]
    units = _rows(marts, "school_background", kommun, year)
    units = units[units.year == units.year.max()] if not units.empty else units
    per_school = [
        {
            "name": str(r.school_name),
            "demo": bool(r.example),
            "cells": [
                str(int(r.pupils)),
                _pp(r.share_foreign_background),
                _pp(r.kommun_share_foreign_background),
                _signed(r.diff_pp),
            ],
        }
        for r in units.sort_values("share_foreign_background", ascending=False).itertuples()
    ]
    notes = sorted({str(n)[:1].upper() + str(n)[1:] for n in rows.note.dropna() if str(n)})
    change = change_words(rows.iloc[0], rows.iloc[-1], "value", "", 3, texts.SCHOOL_D)
    return {"rows": body, "schools": per_school, "change": change, "notes": notes}


def newly_arrived(marts: dict[str, pd.DataFrame], kommun: str, year: int) -> dict | None:
    """Newly arrived received per year and the share in work or studies after the
    establishment period, women and men."""
    rows = _rows(marts, "newly_arrived", kommun, year)
    if rows.empty:
        return None
    order = {"totalt": 0, "kvinnor": 1, "män": 2}
    rows = rows.assign(_o=rows.sex.map(order).fillna(3)).sort_values(["year", "_o"])
    body = [
        {
            "name": f"{int(r.year)}, {r.sex}",
            "demo": bool(r.example),
            "cells": [
                number(r.received, 0),
                number(r.followed_up, 0),
                _pp(r.share_in_work_or_studies),
                str(r.source),
            ],
        }
        for r in rows.itertuples()
    ]
    return {"rows": body}


def goals_section(marts: dict[str, pd.DataFrame], kommun: str, year: int) -> dict:
    """The three goals; a goal the kommun has no file for is None (the template says so)."""
    return {
        "employees": employees(marts, kommun, year),
        "schools": schools(marts, kommun, year),
        "newly_arrived": newly_arrived(marts, kommun, year),
    }
