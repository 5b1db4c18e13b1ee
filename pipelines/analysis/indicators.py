"""Indicator inputs per DeSO from the catalog: numerator and denominator, before aggregation.

For every indicator in `data/raw/catalog.toml` this builds one SELECT over the raw SCB
table(s) it names, with the catalog's codes passed as query parameters. The result,
`staging.stg_deso_indicator_inputs`, has one row per indicator × region × year × sex:

- `ratio`: numerator and denominator are sums of the selected cells;
- `sum`: numerator only;
- `weighted_mean`: numerator = DeSO value × weight, denominator = weight (population).

A numerator or denominator built from any missing cell (`..` in SCB's status) is NULL,
never a partial sum: the marts then leave the area's value missing for that year.
Rows for whole kommuner (where the table has them) are kept with `region_level =
'kommun'`, so checks can compare the sum of DeSO with SCB's own kommun figure.
"""

from __future__ import annotations

import re

from pipelines.registry.catalog import Catalog, Indicator
from pipelines.warehouse.database import identifier

_CODE = re.compile(r"^[A-Za-z0-9+_.\-]+$")
_VARIABLE = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
INPUT_COLUMNS = (
    "indicator, kommun, region, division, region_level, year, sex, numerator, denominator, "
    "status_symbols, demo, source_table, population, source_updated"
)


def _condition(filters: dict[str, list[str]], params: list[object], alias: str = "") -> str:
    if not filters:
        return "TRUE"
    parts = []
    for var, codes in filters.items():
        if not _VARIABLE.match(var) or not all(_CODE.match(c) for c in codes):
            raise ValueError(
                f"data/raw/catalog.toml: filtret {var}={codes} har otillåtna tecken; "
                "koder får ha bokstäver a–z, siffror och + _ . -"
            )
        parts.append(f'{alias}"{var}" IN ({", ".join("?" for _ in codes)})')
        params.extend(codes)
    return " AND ".join(parts)


def _strict_sum(expr: str, condition: str) -> str:
    """Σ expr over rows meeting condition, NULL if any of those rows is missing.

    The rows are added in order of value, so the last digits do not depend on the order in
    which DuckDB's threads deliver them (an unchanged rerun gives the same bytes)."""
    return (
        f"CASE WHEN count(*) FILTER (WHERE {condition} AND ({expr}) IS NULL) > 0 THEN NULL "
        f"ELSE sum({expr} ORDER BY {expr}) FILTER (WHERE {condition}) END"
    )


def _population(indicator: Indicator, catalog: Catalog, params: list[object]) -> str:
    """The group measured, per row: the table's `population` where the series' tables
    differ (e.g. 25–64 år, then 25–65 år), otherwise the indicator's."""
    spans = [s for s in catalog.request(indicator.request).tables if s.population]
    if not spans:
        params.append(indicator.population)
        return "?::VARCHAR"
    cases = " ".join("WHEN ? THEN ?" for _ in spans)
    for span in spans:
        params.extend([span.table_id, span.population])
    params.append(indicator.population)
    return f"CASE v.table_id {cases} ELSE ? END"


def indicator_select(indicator: Indicator, catalog: Catalog, params: list[object]) -> str:
    request = catalog.request(indicator.request)
    region = request.region_variable or "Region"
    table = f"raw.{identifier('scb_' + request.name)}"
    sex = '"Kon"' if indicator.by_sex else "'1+2'"
    params.append(indicator.id)  # placeholders in the order they stand in the SQL text
    population = _population(indicator, catalog, params)
    common = f"""
        ? AS indicator,
        substr(v."{region}", 1, 4) AS kommun,
        v."{region}"::VARCHAR AS region,
        v.division::VARCHAR AS division,
        CASE WHEN length(v."{region}") = 4 THEN 'kommun' ELSE 'deso' END AS region_level,
        CAST(v."Tid" AS INTEGER) AS year,
        {sex.replace('"Kon"', 'v."Kon"')}::VARCHAR AS sex,
        {population} AS population"""
    if indicator.method == "weighted_mean":
        return _weighted_mean_select(indicator, catalog, params, common, table, region)
    return _sum_select(indicator, params, common, table)


def _weighted_mean_select(
    indicator: Indicator,
    catalog: Catalog,
    params: list[object],
    common: str,
    table: str,
    region: str,
) -> str:
    """The SELECT of a mean weighted by another request's values (joined cell by cell)."""
    weight_request = catalog.request(indicator.weight_request or "")
    weight_table = f"raw.{identifier('scb_' + weight_request.name)}"
    wregion = weight_request.region_variable or "Region"
    weight_cond = _condition(indicator.denominator, params, "w.")
    value_cond = _condition(indicator.numerator, params, "v.")
    return f"""
        SELECT {common},
            CASE WHEN bool_or(v.value IS NULL OR w.value IS NULL) THEN NULL ELSE sum(v.value * w.value ORDER BY v.value * w.value) END AS numerator,
            CASE WHEN bool_or(v.value IS NULL OR w.value IS NULL) THEN NULL ELSE sum(w.value ORDER BY w.value) END AS denominator,
            string_agg(DISTINCT coalesce(v.status, w.status), ','
                       ORDER BY coalesce(v.status, w.status)) AS status_symbols,
            bool_or(v.demo OR w.demo) AS demo,
            string_agg(DISTINCT v.table_id || '+' || w.table_id, ','
                       ORDER BY v.table_id || '+' || w.table_id) AS source_table,
            max(v.updated) AS source_updated
        FROM {table} v
        LEFT JOIN {weight_table} w
          ON w."{wregion}" = v."{region}" AND w.division = v.division AND w."Tid" = v."Tid"
             AND {weight_cond}
        WHERE {value_cond}
        GROUP BY ALL"""


def _sum_select(indicator: Indicator, params: list[object], common: str, table: str) -> str:
    """The SELECT of a sum (numerator cells) or ratio (numerator and denominator cells)."""
    num_params: list[object] = []
    num = _condition(indicator.numerator, num_params, "v.")
    den_params: list[object] = []
    den = _condition(indicator.denominator, den_params, "v.") if indicator.denominator else "FALSE"
    numerator = _strict_sum("v.value", num)
    params.extend(num_params * 2)
    if indicator.method == "ratio":
        denominator = _strict_sum("v.value", den)
        params.extend(den_params * 2)
    else:
        denominator = "NULL::DOUBLE"
    params.extend(num_params)
    where = f"({num})"
    if indicator.method == "ratio":
        params.extend(den_params)
        where += f" OR ({den})"
    return f"""
        SELECT {common},
            {numerator} AS numerator,
            {denominator} AS denominator,
            string_agg(DISTINCT v.status, ',' ORDER BY v.status) AS status_symbols,
            bool_or(v.demo) AS demo,
            min(v.table_id) AS source_table,
            max(v.updated) AS source_updated
        FROM {table} v
        WHERE {where}
        GROUP BY ALL"""


def inputs_sql(catalog: Catalog) -> tuple[str, list[object]]:
    """One SELECT for every indicator's inputs, and its parameters."""
    params: list[object] = []
    selects = [indicator_select(ind, catalog, params) for ind in catalog.indicators.values()]
    if not selects:
        raise ValueError(
            f"{catalog.path}: inga [indicators.*]-poster; lägg till minst en indikator."
        )
    sql = " UNION ALL ".join(f"SELECT {INPUT_COLUMNS} FROM ({s})" for s in selects)
    return sql, params


def catalog_frame(catalog: Catalog):
    """The indicator catalog as a table for the marts (`raw.indicator_catalog`)."""
    import pandas as pd

    kolada = [
        {
            "indicator": k.id,
            "indicator_name": k.name,
            "theme": k.theme,
            "unit": k.unit,
            "population": "",
            "higher_is_better": k.higher_is_better,
            "method": "kolada",
            "trend_threshold": k.trend_threshold,
            "kpi": k.kpi,
            "method_note": f"Kolada {k.kpi} för kommun och riket; områdesvärden ur kommunens egna filer",
        }
        for k in catalog.kolada.values()
    ]
    return pd.DataFrame(
        [
            {
                "indicator": i.id,
                "indicator_name": i.name,
                "theme": i.theme,
                "unit": i.unit,
                "population": i.population,
                "higher_is_better": i.higher_is_better,
                "method": i.method,
                "trend_threshold": i.trend_threshold,
                "method_note": {
                    "ratio": "summa täljare / summa nämnare över DeSO",
                    "sum": "summa över DeSO",
                    "weighted_mean": "befolkningsviktat medelvärde av DeSO-värden (approximation)",
                }[i.method],
                "kpi": None,
            }
            for i in catalog.indicators.values()
        ]
        + kolada
    )
