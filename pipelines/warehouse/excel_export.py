"""Excel-ready exports of the marts: `<mart>_excel.csv` beside the plain `.csv` and `.parquet`.

What Swedish Excel opens right: UTF-8 with a byte order mark (so å, ä, ö show), `;`
between fields, decimal comma, Swedish column headings, rows in a fixed order, and
values rounded as the report shows them. Codes (kommun, DeSO, area) are written as the
text they are, with their leading zeros. The plain files stay as they were, for programs.

Rounding is done on the shortest decimal form of each value (`repr`), half away from
zero, so the same inputs always give the same bytes.
"""

from __future__ import annotations

import csv
import io
import math
import shutil
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import duckdb

BOM = "\ufeff"
EXCEL_BLOCK_ROWS = 50_000  # rows per block where Python formats (types DuckDB cannot)

# Swedish column headings, one place for every mart column. A column missing here keeps
# its own name (and the test of the exports points it out).
HEADINGS: dict[str, str] = {
    "kommun": "Kommun (kod)",
    "deso": "DeSO (kod)",
    "division": "DeSO-indelning",
    "area_id": "Område (id)",
    "area_name": "Område",
    "regso": "RegSO (kod)",
    "regso_name": "RegSO",
    "status": "Status (bekräftad av kommunen)",
    "comment": "Kommentar",
    "series_runs_on": "Serien löper vidare över indelningsbytet",
    "continuity_note": "Varför (indelningsbytet)",
    "indicator": "Indikator (id)",
    "indicator_name": "Indikator",
    "theme": "Tema",
    "unit": "Enhet",
    "gap_unit": "Enhet för skillnad",
    "higher_is_better": "Högre är bättre",
    "year": "År",
    "sex": "Kön (1 män, 2 kvinnor, 1+2 totalt)",
    "value": "Värde",
    "numerator": "Täljare (antal)",
    "denominator": "Nämnare (antal)",
    "deso_count": "Antal DeSO",
    "deso_missing": "Antal DeSO utan uppgift",
    "kommun_value": "Kommunens värde",
    "rest_of_kommun_value": "Övriga kommunens värde",
    "comparison_value": "Jämförelsevärde",
    "comparison_level": "Jämförelse",
    "gap": "Skillnad mot jämförelsevärdet",
    "ratio_to_kommun": "Kvot mot kommunen",
    "method_note": "Beräkning",
    "status_symbols": "SCB:s symboler",
    "demo": "Demodata",
    "source_table": "Källa (tabell)",
    "source_updated": "Källans datum",
    "reference_year": "Referensår",
    "population": "Befolkningsgrupp",
    "series_break": "Serieavbrott",
    "series_restarts": "Serien börjar om",
    "restart_reason": "Skäl till att serien börjar om",
    "utrikes_fodda_antal": "Utrikes födda, antal",
    "utrikes_fodda_andel": "Utrikes födda, andel (%)",
    "inrikes_fodda_tva_utrikes_foraldrar_antal": (
        "Inrikes födda med två utrikes födda föräldrar, antal"
    ),
    "inrikes_fodda_tva_utrikes_foraldrar_andel": (
        "Inrikes födda med två utrikes födda föräldrar, andel (%)"
    ),
    "inrikes_fodda_ovriga_antal": "Övriga inrikes födda, antal",
    "inrikes_fodda_ovriga_andel": "Övriga inrikes födda, andel (%)",
    "totalt_antal": "Totalt, antal",
    "inrikes_ovriga_method": "Beräkning av övriga inrikes födda",
    "first_year": "Första år",
    "latest_year": "Senaste år",
    "as_of_year": "Beräknat per år",
    "years_with_data": "Antal år med uppgift",
    "gap_first": "Skillnad första år",
    "gap_latest": "Skillnad senaste år",
    "gap_change": "Förändring av skillnaden",
    "abs_gap_change": "Förändring av skillnadens storlek",
    "gap_slope_per_year": "Skillnadens förändring per år",
    "gap_slope_low": "Skillnadens förändring per år, 95 % intervall, nedre gräns",
    "gap_slope_high": "Skillnadens förändring per år, 95 % intervall, övre gräns",
    "abs_gap_slope_per_year": "Skillnadens storlek, förändring per år",
    "abs_gap_slope_low": "Skillnadens storlek, förändring per år, 95 % intervall, nedre gräns",
    "abs_gap_slope_high": "Skillnadens storlek, förändring per år, 95 % intervall, övre gräns",
    "trend_threshold": "Gräns för oförändrat",
    "direction": "Riktning",
    "parity_year_at_current_pace": "År då skillnaden är borta i nuvarande takt",
    "value_latest": "Värde senaste år",
    "kommun_value_latest": "Kommunens värde senaste år",
    "series_start_year": "Seriens första år",
    "previous_first_year": "Förra seriens första år",
    "previous_latest_year": "Förra seriens senaste år",
    "previous_gap_first": "Förra seriens skillnad första år",
    "previous_gap_latest": "Förra seriens skillnad senaste år",
    "previous_direction": "Förra seriens riktning",
    # national context (focus_area_national_context)
    "percentile": "Percentil bland DeSO (andel med lägre värde, %)",
    "share_of_deso_better_off": "Andel DeSO med gynnsammare värde (%)",
    "deso_compared": "Antal DeSO i jämförelsen",
    "kommuner_compared": "Antal kommuner i jämförelsen",
    # segregation_index
    "kommun_name": "Kommun",
    "measure": "Mått (kod)",
    "measure_name": "Mått",
    "groups": "Grupper",
    "expected_random": "Förväntat värde vid slumpmässig fördelning",
    "adjusted": "Justerat värde",
    "interval_low": "Simuleringsintervall, nedre (95 %)",
    "interval_high": "Simuleringsintervall, övre (95 %)",
    "areas": "Antal DeSO i beräkningen",
    "areas_suppressed": "Antal DeSO utan uppgift (..)",
    "areas_empty": "Antal DeSO utan boende",
    "residents": "Antal boende i de två grupperna",
    "rank_among_kommuner": "Placering bland kommunerna (1 = mest segregerad)",
    # -- did the plan work? (regso_indicator, comparison_area, plan_effect)
    "contains_focus_area": "Rymmer fokusområde",
    "plan_name": "Plan",
    "start_year": "Planens startår",
    "start_year_assumed": "Startåret antaget (ej ifyllt av kommunen)",
    "start_year_note": "Om startåret",
    "comparison_regso": "Jämförelseområde, RegSO (kod)",
    "comparison_regso_name": "Jämförelseområde",
    "comparison_kommun": "Jämförelseområdets kommun (kod)",
    "rank": "Plats (1 = mest likt)",
    "distance": "Avstånd (standardiserat)",
    "candidates": "Antal kandidater",
    "baseline_type_year": "Områdestypens år",
    "baseline_note": "Om områdestypens år",
    "matched_on": "Jämfört på",
    "why": "Varför valt",
    "estimate_made": "Skattning gjord",
    "no_estimate_reason": "Varför ingen skattning",
    "pre_first_year": "Före planen, första år",
    "pre_last_year": "Före planen, sista år",
    "post_first_year": "Efter start, första år",
    "post_last_year": "Efter start, sista år",
    "area_pre": "Området före",
    "area_post": "Området efter",
    "area_change": "Förändring i området",
    "comparison_pre": "Jämförelseområdena före (medel)",
    "comparison_post": "Jämförelseområdena efter (medel)",
    "comparison_change": "Förändring i jämförelseområdena (medel)",
    "comparisons_used": "Antal jämförelseområden med värden",
    "difference_in_differences": "Skillnad i förändring (område − jämförelse)",
    "pre_level_gap": "Skillnad i nivå före planen",
    "pre_trend_difference": "Skillnad i trend per år före planen",
    "placebo_min": "Placebo, lägsta",
    "placebo_max": "Placebo, högsta",
    "placebo_better_than": "Större förbättring än i antal jämförelseområden",
    "placebo_count": "Antal placeboskattningar",
    "placebo_text": "Placebo i ord",
    "distinguishable": "Går att skilja från jämförelseområdena",
    "effect_text": "Resultat i ord",
    "note": "Anmärkning",
}

# -- områdestyp (marts regso_omradestyp, focus_area_omradestyp) --
HEADINGS.update(
    {
        "regso_division": "RegSO-indelning",
        "omradestyp": "Områdestyp (1-5)",
        "omradestyp_label": "Områdestyp",
        "index_value": "Socioekonomiskt index (SCB)",
        "low_economic_standard_andel": "Låg ekonomisk standard, andel (%)",
        "forgymnasial_andel": "Förgymnasial utbildning 20-64 år, andel (%)",
        "bistand_arbetslos_andel": (
            "Ekonomiskt bistånd och/eller långtidsarbetslös 20-64 år, andel (%)"
        ),
        "recomputed_index": "Index, omräknat",
        "recomputed_type": "Områdestyp, omräknad",
        "regso_population": "Befolkning i RegSO:t (områdets DeSO)",
        "area_population": "Områdets befolkning",
        "population_andel": "Andel av områdets befolkning (%)",
        "share_note": "Anmärkning om andelen",
        "omradestyp_demo": "Områdestypen är demodata",
        "population_demo": "Befolkningen är demodata",
    }
)

# -- the plan's themes and the sources a run went without (marts plan_theme, source_status) --
HEADINGS.update(
    {
        "position": "Plats i planen",
        "heading": "Planens rubrik",
        "request": "Förfrågan (katalogen)",
        "subject": "Vad som kontrollerades",
        "reason": "Varför den saknas",
    }
)

# -- differences between schools (marts school_background, school_segregation) -------------
HEADINGS.update(
    {
        "school_unit_code": "Skolenhetskod",
        "school_name": "Skola",
        "pupils": "Antal elever",
        "pupils_foreign_background": "Elever med utländsk bakgrund",
        "share_foreign_background": "Andel elever med utländsk bakgrund (%)",
        "kommun_share_foreign_background": "Kommunens andel elever med utländsk bakgrund (%)",
        "diff_pp": "Skillnad mot kommunen (procentenheter)",
        "source": "Källa",
        "schools": "Antal skolor",
        "residential_d": "Boendesegregationens D",
        "residential_division": "DeSO-indelning för boendets D",
        "residential_demo": "Boendets D är demodata",
    }
)

# Headings of one mart where a column name means something else there than elsewhere.
MART_HEADINGS: dict[str, dict[str, str]] = {
    "school_segregation": {
        "value": "Olikhetsindex D mellan skolorna",
        "expected_random": "D vid slumpmässig fördelning",
        "adjusted": "D justerat för slumpen",
        "example": "Bygger på påhittade exempel",
    },
    "school_background": {"example": "Påhittat exempel"},
    "plan_measure": {
        "measure_id": "Åtgärd (id)",
        "plan_start_year": "Planens startår",
        "areas": "Fokusområden",
        "measure": "Åtgärd",
        "responsible": "Ansvarig nämnd, styrelse eller bolag",
        "start_year": "Åtgärdens startår",
        "end_year": "Åtgärdens slutår",
        "status": "Status det året",
        "target_indicators": "Indikatorer åtgärden siktar på",
        "cost_tkr": "Kostnad (tkr)",
        "example": "Påhittat exempel",
        "source_file": "Fil",
    },
    # the integration plan's goals (data/raw/goals/*.csv)
    "staff_background": {
        "forvaltning": "Förvaltning (tom = hela kommunen)",
        "employees": "Anställda",
        "employees_foreign_background": "Anställda med utländsk bakgrund",
        "share_foreign_background": "Anställda med utländsk bakgrund, andel (%)",
        "residents_share_foreign_background": "Invånare med utländsk bakgrund, andel (%)",
        "residents_basis": "Invånarnas andel avser",
        "gap_pp": "Skillnad anställda − invånare (procentenheter)",
        "gap_change_pp": "Förändring av skillnaden sedan första året (procentenheter)",
        "example": "Påhittat exempel",
        "source": "Källa",
        "residents_demo": "Invånarnas andel är demodata",
        "source_file": "Fil",
    },
    "newly_arrived": {
        "sex": "Kön",
        "received": "Mottagna nyanlända",
        "followed_up": "Avslutad etableringstid (personer)",
        "in_work_or_studies": "I arbete eller studier (personer)",
        "share_in_work_or_studies": "I arbete eller studier, andel (%)",
        "example": "Påhittat exempel",
        "source": "Källa",
        "source_file": "Fil",
    },
}


def heading(column: str, mart: str | None = None) -> str:
    """The Swedish heading of a column in the Excel-ready copy of `mart`."""
    return MART_HEADINGS.get(mart or "", {}).get(column) or HEADINGS.get(column, column)


# Decimals per column for numbers that are not whole by type: counts 0, a ratio 2, every
# other value, gap and share 1 (as in the report).
COUNT_COLUMNS = frozenset({"numerator", "denominator"})
DECIMALS = {"ratio_to_kommun": 2}
DEFAULT_DECIMALS = 1
# Marts whose values are indices between 0 and 1: three decimals, as the README shows them.
MART_DECIMALS = {
    "segregation_index": {
        c: 3 for c in ("value", "expected_random", "adjusted", "interval_low", "interval_high")
    }
    | {"residents": 0},
    "school_segregation": {
        c: 3
        for c in (
            "value",
            "expected_random",
            "adjusted",
            "interval_low",
            "interval_high",
            "residential_d",
        )
    },
}


def decimals_for(column: str, mart: str | None = None) -> int:
    if column in MART_DECIMALS.get(mart or "", {}):
        return MART_DECIMALS[mart or ""][column]
    if column in COUNT_COLUMNS or column.endswith("_antal"):
        return 0
    return DECIMALS.get(column, DEFAULT_DECIMALS)


def format_number(value: float, decimals: int) -> str:
    """`value` rounded half away from zero on its shortest decimal form, with a decimal
    comma and no thousands separator; '' for a missing value; never '-0'."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    quantum = Decimal(1).scaleb(-decimals)
    rounded = Decimal(repr(float(value))).quantize(quantum, rounding=ROUND_HALF_UP)
    if rounded.is_zero():
        rounded = abs(rounded)
    return f"{rounded:f}".replace(".", ",")


def format_cell(column: str, value: object, mart: str | None = None) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "ja" if value else "nej"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float | Decimal):
        return format_number(float(value), decimals_for(column, mart))
    return str(value)


def excel_csv(
    columns: Sequence[str], rows: Sequence[Sequence[object]], mart: str | None = None
) -> bytes:
    """The Excel-ready file's bytes: BOM, Swedish headings, `;`, decimal comma, CRLF."""
    return excel_header(columns, mart) + excel_rows(columns, rows, mart)


def excel_header(columns: Sequence[str], mart: str | None = None) -> bytes:
    """The first bytes of the Excel-ready file: BOM and the Swedish headings."""
    out = io.StringIO()
    csv.writer(out, delimiter=";", lineterminator="\r\n").writerow(
        [heading(c, mart) for c in columns]
    )
    return (BOM + out.getvalue()).encode("utf-8")


def excel_rows(
    columns: Sequence[str], rows: Sequence[Sequence[object]], mart: str | None = None
) -> bytes:
    """Rows of the Excel-ready file, formatted as :func:`format_cell` does, column by column
    (a country's marts are millions of cells: write them in blocks)."""
    if not rows:
        return b""
    out = io.StringIO()
    decimals = [decimals_for(c, mart) for c in columns]
    formatted = [
        _format_column(c, d, values)
        for c, d, values in zip(columns, decimals, zip(*rows, strict=True), strict=True)
    ]
    csv.writer(out, delimiter=";", lineterminator="\r\n").writerows(zip(*formatted, strict=True))
    return out.getvalue().encode("utf-8")


def _format_column(column: str, decimals: int, values: Sequence[object]) -> list[str]:
    """One column of cells as :func:`format_cell` writes them, without a call per cell
    where the column holds only text, whole numbers or decimals."""
    kinds = set(map(type, values)) - {type(None)}
    if kinds <= {str}:
        return ["" if v is None else v for v in values]  # type: ignore[misc]
    if kinds == {int}:
        return ["" if v is None else str(v) for v in values]
    if kinds == {float}:
        return ["" if v is None else _cached_number(v, decimals) for v in values]  # type: ignore[arg-type]
    return [_fast_cell(column, decimals, v) for v in values]


def _fast_cell(column: str, decimals: int, value: object) -> str:
    kind = type(value)
    if kind is str:
        return value  # type: ignore[return-value]
    if kind is float:
        return _cached_number(value, decimals)
    if isinstance(value, Decimal):
        return format_number(float(value), decimals)
    return format_cell(column, value)


def _cached_number(value: float, decimals: int) -> str:
    """:func:`format_number` for a float, by rounding its shortest decimal form (`repr`) half
    up as text: the same result without building a Decimal (falls back for nan, inf, 1e-05)."""
    text = repr(value)
    if "e" in text or "n" in text:
        return format_number(value, decimals)
    negative = text.startswith("-")
    whole, _, fraction = text.lstrip("-").partition(".")
    if len(fraction) <= decimals:
        number = int(whole + fraction.ljust(decimals, "0"))
    else:
        number = int(whole + fraction[:decimals]) + (fraction[decimals] >= "5")
    digits = str(number).rjust(decimals + 1, "0")
    sign = "-" if negative and number else ""
    if not decimals:
        return sign + digits
    return f"{sign}{digits[:-decimals]},{digits[-decimals:]}"


# -- the same formatting in DuckDB, for large marts --------------------------------------
# A country's marts are millions of cells; formatting them in SQL and letting Python's csv
# writer only join the strings is an order of magnitude faster. Each expression gives the
# text :func:`format_cell` gives (a test compares the two): a decimal number goes through its
# shortest decimal text (as `repr`) to DECIMAL, which DuckDB rounds half away from zero.
_INTEGER_TYPES = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT",
                  "USMALLINT", "UINTEGER", "UBIGINT")  # fmt: skip
_DECIMAL_TYPES = ("DOUBLE", "FLOAT", "REAL")


def _sql_cell(column: str, sql_type: str, mart: str | None = None) -> str | None:
    """A DuckDB expression for one column's Excel text, or None where only Python will do."""
    col = '"' + column.replace('"', '""') + '"'
    kind = sql_type.upper()
    if kind == "VARCHAR":
        return f"coalesce({col}, '')"
    if kind in _INTEGER_TYPES:
        return f"coalesce(CAST({col} AS VARCHAR), '')"
    if kind == "BOOLEAN":
        return f"CASE WHEN {col} IS NULL THEN '' WHEN {col} THEN 'ja' ELSE 'nej' END"
    if kind in _DECIMAL_TYPES or kind.startswith("DECIMAL"):
        d = decimals_for(column, mart)
        x = f"CAST({col} AS DOUBLE)"
        exact = (
            f"CAST(CAST(round(CAST(CAST({x} AS VARCHAR) AS DECIMAL(38,18)), {d}) "
            f"AS DECIMAL(38,{d})) AS VARCHAR)"
        )
        return (
            f"CASE WHEN {x} IS NULL OR isnan({x}) THEN '' "
            f"WHEN abs({x}) < 1e19 THEN replace({exact}, '.', ',') "
            f"ELSE replace(printf('%.{d}f', {x}), '.', ',') END"
        )
    return None


def excel_sql(
    source: str,
    columns: Sequence[tuple[str, str]],
    mart: str | None = None,
    *,
    empty_as_null: bool = False,
) -> str | None:
    """A query giving the Excel text of every cell of `source` (a table or view name, rows in
    ORDER BY ALL), for columns given as (name, DuckDB type); None if a type needs Python.

    With `empty_as_null`, an empty cell is NULL instead of '': DuckDB's CSV writer then
    leaves it bare, as Python's csv module does (it would quote an empty string)."""
    cells = [_sql_cell(name, sql_type, mart) for name, sql_type in columns]
    if any(c is None for c in cells):
        return None
    if empty_as_null:
        cells = [f"nullif({c}, '')" for c in cells]
    names = ", ".join(f"{c} AS c{i}" for i, c in enumerate(cells))
    order = ", ".join('"' + name.replace('"', '""') + '"' for name, _ in columns)
    return f"SELECT {names} FROM {source} ORDER BY {order}"  # ORDER BY ALL of the table


def write_excel_csv(
    con: duckdb.DuckDBPyConnection, table: str, mart: str | None, path: Path
) -> None:
    """Write `table`'s Excel-ready file to `path`: BOM and Swedish headings, then the rows in
    ORDER BY ALL. Where every column type has a DuckDB expression (:func:`excel_sql`),
    DuckDB formats and writes the rows itself (`COPY`, `;`, CRLF, quoted only where needed,
    no comment character, so a `#` stays bare: the bytes Python's csv writer gives, compared
    in a test); otherwise Python formats them
    in blocks of :data:`EXCEL_BLOCK_ROWS`."""
    typed = con.execute(f"DESCRIBE {table}").fetchall()
    columns = [row[0] for row in typed]
    sql = excel_sql(table, [(row[0], row[1]) for row in typed], mart, empty_as_null=True)
    with path.open("wb") as handle:
        handle.write(excel_header(columns, mart))
        if sql is None:
            result = con.execute(f"SELECT * FROM {table} ORDER BY ALL")
            while block := result.fetchmany(EXCEL_BLOCK_ROWS):
                handle.write(excel_rows(columns, block, mart))
            return
    body = path.with_name(path.name + ".rows")
    try:
        con.execute(
            f"COPY ({sql}) TO {sql_string(str(body))} "
            "(FORMAT csv, DELIMITER ';', QUOTE '\"', HEADER false, NEW_LINE '\r\n', COMMENT '')"
        )
        with path.open("ab") as handle, body.open("rb") as rows:
            shutil.copyfileobj(rows, handle, 1 << 20)
    finally:
        body.unlink(missing_ok=True)


def sql_string(text: str) -> str:
    """A SQL string literal (file paths in COPY and ATTACH)."""
    return "'" + text.replace("'", "''") + "'"


def excel_text_rows(rows: Sequence[Sequence[str]]) -> bytes:
    """Rows of already formatted text, written as :func:`excel_rows` writes them."""
    out = io.StringIO()
    csv.writer(out, delimiter=";", lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode("utf-8")
