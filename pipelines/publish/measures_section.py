"""The plan's measures as the integrationsbokslut and the committee report show them.

Reads the marts `plan_measure` (the kommun's measures registry, per measure and year),
`focus_area_indicator` and `focus_area_trend_history` (an indicator's direction as it stood at
the end of each year). Every function returns plain data for the templates
`bokslut.html.j2` and `measures.html.j2`.

A measure is never credited with an indicator's change: the text says which indicators moved
while it ran, and leaves the causal question to "Har planen gjort skillnad?" in the committee
report.
"""

from __future__ import annotations

import pandas as pd

from pipelines.publish import texts

STATUSES = ("planerad", "pågår", "genomförd", "avbruten")
MEASURE_MARTS = ("plan_measure", "focus_area_trend_history")
WHOLE_KOMMUN = "hela_kommunen"


def kommun_measures(measures: pd.DataFrame | None, kommun: str) -> pd.DataFrame:
    """The kommun's rows of `plan_measure` (none when the mart or the kommun's rows are absent)."""
    if measures is None or measures.empty:
        return pd.DataFrame(columns=["measure_id", "year", "status", "kommun"])
    return measures[measures.kommun == kommun]


def bokslut_year(measures: pd.DataFrame) -> int | None:
    """The year the bokslut covers: the latest year the kommun reported a status for."""
    reported = measures[measures.status.notna()]
    return None if reported.empty else int(reported.year.max())


def status_in(measures: pd.DataFrame, year: int) -> dict[str, str | None]:
    """Each measure's status in `year` (None: not reported, or outside its years)."""
    rows = measures[measures.year == year]
    status = {m: None for m in measures.measure_id.unique()}
    status.update({r.measure_id: _text(r.status) for r in rows.itertuples()})
    return status


def _text(value: object) -> str | None:
    return None if value is None or pd.isna(value) or value == "" else str(value)


def latest_status(rows: pd.DataFrame, year: int) -> str:
    """A measure's status in `year` ('pågår 2024'); for a measure that ended before `year`, its
    last reported status with that year ('genomförd 2023'); else 'ej rapporterad 2024'."""
    reported = rows[(rows.year <= year) & rows.status.notna()].sort_values("year")
    ended = rows.end_year.notna().any() and rows.end_year.max() < year
    if not reported.empty and (int(reported.year.iloc[-1]) == year or ended):
        return f"{reported.status.iloc[-1]} {int(reported.year.iloc[-1])}"
    return f"{texts.NOT_REPORTED} {year}"


def period(row: pd.Series) -> str:
    """'2021–2024', or '2022–' for a measure without an end year."""
    end = row.end_year
    return f"{int(row.start_year)}–{'' if pd.isna(end) else int(end)}"


def area_words(row: pd.Series, names: dict[str, str]) -> str:
    """The areas a measure concerns, by name; 'alla planens områden' when it names none."""
    if _text(row.area_id) is None:
        return texts.ALL_PLAN_AREAS
    return names.get(row.area_id, row.area_id)


def measure_list(measures: pd.DataFrame) -> pd.DataFrame:
    """One row per measure (its registry columns), in the registry's order."""
    return measures.drop_duplicates("measure_id").sort_values("measure_id")


def responsible_groups(measures: pd.DataFrame, year: int, names: dict[str, str]) -> list[dict]:
    """Per responsible nämnd, styrelse or bolag: its measures with their status the bokslut's
    year and the year before."""
    now, before = status_in(measures, year), status_in(measures, year - 1)
    groups = []
    for responsible, rows in measure_list(measures).groupby("responsible", sort=True):
        body = [
            {
                "name": r.measure,
                "demo": bool(r.example),
                "cells": [
                    r.theme.capitalize(),
                    area_words(r, names),
                    period(r),
                    before.get(r.measure_id) or texts.NOT_REPORTED,
                    now.get(r.measure_id) or texts.NOT_REPORTED,
                ],
            }
            for r in rows.itertuples()
        ]
        groups.append({"responsible": responsible, "rows": body})
    return groups


def status_counts(measures: pd.DataFrame, year: int, area_id: str | None = None) -> list[list]:
    """Per theme the number of measures in each status in `year` (with those without a
    reported status), for one area (its own measures and those for all the plan's areas)."""
    rows = measures[measures.year == year]
    if area_id is not None:
        rows = rows[rows.areas.fillna("").str.split("|").apply(lambda a: area_id in a)]
    out = []
    for theme, t in rows.groupby("theme", sort=True):
        status = t.status.fillna(texts.NOT_REPORTED)
        counts = [int((status == s).sum()) for s in (*STATUSES, texts.NOT_REPORTED)]
        out.append([theme.capitalize(), *[str(c) for c in counts]])
    return out


def status_changes(measures: pd.DataFrame, year: int) -> dict[str, list[str]]:
    """What happened to the measures since the previous bokslut: those started, finished,
    stopped, and newly planned in `year` (by the status reported the year before)."""
    now, before = status_in(measures, year), status_in(measures, year - 1)
    names = measure_list(measures).set_index("measure_id").measure
    out: dict[str, list[str]] = {k: [] for k in texts.STATUS_CHANGES}
    for measure_id, status in now.items():
        was = before.get(measure_id)
        kind = None
        if status == "pågår" and was in (None, "planerad"):
            kind = "started"
        elif status in ("genomförd", "avbruten") and was != status:
            kind = "finished" if status == "genomförd" else "stopped"
        elif status == "planerad" and was is None:
            kind = "planned"
        if kind is not None:
            out[kind].append(str(names[measure_id]))
    return out


def area_measures(marts: dict[str, pd.DataFrame], kommun: str, area_id: str) -> dict | None:
    """The committee report's short "Åtgärder" for one area: per theme the number of measures
    in each status in the bokslut's year, and the bokslut's file name (None: no measures)."""
    measures = kommun_measures(marts.get("plan_measure"), kommun)
    year = bokslut_year(measures)
    if year is None:
        return None
    counts = status_counts(measures, year, area_id)
    if not counts:
        return None
    return {
        "year": year,
        "rows": counts,
        "columns": ["Tema", *(s.capitalize() for s in (*STATUSES, texts.NOT_REPORTED))],
        "example": bool(measures.example.any()),
        "link": texts.BOKSLUT_FILE.format(kommun=kommun, year=year),
    }
