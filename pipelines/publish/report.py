"""The committee report: one self-contained Swedish HTML file per kommun.

Reads only Parquet exports, never the writer's database: in a run, the marts' staged
Parquet files, so the reports are published in the same swap as the marts; afterwards,
`segregation report` rebuilds one from the published files. Plotly's JavaScript is inlined
once per file, so the report opens offline in any browser. When any figure comes from
demo data, a banner says so at the top and every affected chart says so in its title.
The map at the top (`pipelines/publish/maps.py`) draws the kommun's DeSO boundaries from the raw
layer, coloured by the `deso_indicator` mart, with plain filled shapes that need no network.

Each section is computed as plain data by its own module (`map_section`, `area_section`,
`context_section`, `background_section`, `plan_section`) and laid out by the Jinja2
templates in `pipelines/publish/templates/`; the words Python puts together are in `texts`.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

import jinja2
import pandas as pd
import pyarrow.parquet as pq

from pipelines.publish import texts
from pipelines.publish.area_section import area_sections
from pipelines.publish.background_section import (
    background_section,
    missing_sources,
    published_years,
    source_names,
    source_rows,
)
from pipelines.publish.chart_style import number
from pipelines.publish.charts import ChartHtml, background_chart, indicator_chart
from pipelines.publish.context_section import kommun_comparison
from pipelines.publish.goals_section import GOAL_MARTS
from pipelines.publish.map_section import map_section
from pipelines.publish.measures_section import MEASURE_MARTS
from pipelines.publish.plan_section import PLAN_MARTS, plan_section

# the notebooks draw with the report's charts and numbers
__all__ = [
    "ReportError",
    "ReportResult",
    "background_chart",
    "build_report",
    "indicator_chart",
    "load_marts",
    "number",
    "read_marts",
    "render",
    "write_atomically",
    "report_path",
    "write_report",
]

MARTS = ("population_background", "focus_area_indicator", "focus_area_trend")
OPTIONAL_MARTS = (  # maps, areas' DeSO, national context (pipelines/publish/context_section.py)
    "deso_indicator",
    "focus_area_membership",
    "segregation_index",
    "regso_omradestyp",
    "focus_area_omradestyp",
    "focus_area_national_context",
    "plan_theme",  # the plan's own theme headings (area_section)
    "source_status",  # sources a live run went on without (Om siffrorna, and at the top)
    *MEASURE_MARTS,  # the areas' "Åtgärder", and the integrationsbokslut
    *GOAL_MARTS,  # the integrationsbokslut's goals for the kommun as a whole
)


class ReportError(RuntimeError):
    """The published marts needed for the report are missing or do not cover the kommun."""


@dataclass
class ReportResult:
    path: Path
    charts: int
    demo: bool


def load_marts(marts_dir: Path, kommuner: Sequence[str] | None = None) -> dict[str, pd.DataFrame]:
    """The published marts the report reads, from Parquet (see :func:`read_marts`)."""
    return read_marts(
        {name: Path(marts_dir) / f"{name}.parquet" for name in MARTS + OPTIONAL_MARTS + PLAN_MARTS},
        kommuner,
    )


def read_marts(
    paths: dict[str, Path], kommuner: Sequence[str] | None = None
) -> dict[str, pd.DataFrame]:
    """The report's marts from these Parquet files (published, or staged for publishing).

    With `kommuner` (the kommuner to report on), the two marts that cover every DeSO and
    RegSO loaded are read only as far as those reports use them: `deso_indicator` for the
    kommuner's own DeSO (the maps), `regso_indicator` for their comparison areas. For the
    whole country that is a few thousand rows instead of 1.4 million."""
    out = {}
    for name in MARTS:
        path = paths.get(name)
        if path is None or not Path(path).exists():
            raise ReportError(f"{path or name} is missing: run the pipeline first (make run).")
        out[name] = pd.read_parquet(path)
    for name in OPTIONAL_MARTS + PLAN_MARTS:
        path = paths.get(name)
        if path is None or not Path(path).exists():
            continue
        if kommuner is not None and name == "deso_indicator":
            out[name] = _read_where(path, "kommun", kommuner)
        elif kommuner is not None and name == "regso_indicator":
            comparisons = out.get("comparison_area")
            wanted = [] if comparisons is None else comparisons.comparison_regso.unique().tolist()
            out[name] = _read_where(path, "regso", wanted)
        else:
            out[name] = pd.read_parquet(path)
    return out


def _read_where(path: Path, column: str, values: Sequence[str]) -> pd.DataFrame:
    """The rows of a Parquet file whose `column` is one of `values` (none: no rows)."""
    if not values:
        return pq.read_schema(path).empty_table().to_pandas()
    return pd.read_parquet(path, filters=[(column, "in", list(values))])


@cache
def environment() -> jinja2.Environment:
    """The report's templates, HTML-escaped: only a figure's own HTML goes in unescaped."""
    return jinja2.Environment(
        loader=jinja2.PackageLoader("pipelines.publish", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )


def render(template: str, plots: ChartHtml | None = None, **context: object) -> str:
    """A template (the page or one section's partial) filled with its sections' data.
    Figures are drawn by `plots` in the order the template shows them."""
    return (
        environment()
        .get_template(template)
        .render(plots=plots or ChartHtml(), texts=texts, **context)
    )


def build_report(
    marts: dict[str, pd.DataFrame],
    kommun: str,
    kommun_name: str,
    run_date: date,
    raw_dir: Path | None = None,
) -> tuple[str, int, bool]:
    """The report's HTML for one kommun, the number of charts, and whether demo data is in it.

    `raw_dir` holds the map's boundaries (default: `SEGREGATION_RAW_DIR`)."""
    indicators = marts["focus_area_indicator"]
    indicators = indicators[(indicators.kommun == kommun) & (indicators.sex == "1+2")]
    background = marts["population_background"]
    background = background[background.kommun == kommun].sort_values("year")
    if indicators.empty and background.empty:
        raise ReportError(f"The published marts hold no data for kommun {kommun}.")
    demo = bool(indicators.demo.any() or background.demo.any())
    plots = ChartHtml()
    names = source_names(raw_dir)
    page = render(
        "report.html.j2",
        plots,
        title=f"Segregationsuppföljning – {kommun_name} ({kommun})",
        run_date=run_date,
        demo=demo,
        maps=map_section(marts, kommun, kommun_name, raw_dir),
        areas=area_sections(marts, kommun),
        kommuner=kommun_comparison(marts, kommun, kommun_name),
        background=background_section(background),
        plan=plan_section(marts, kommun),
        sources=source_rows(indicators, background, kommun, names),
        missing=missing_sources(marts.get("source_status"), names),
        about={"published_years": published_years(background, kommun)},
    )
    return page, plots.count, demo


def write_report(
    marts_dir: Path,
    kommun: str,
    kommun_name: str,
    out: Path,
    run_date: date | None = None,
    raw_dir: Path | None = None,
) -> ReportResult:
    """Write one kommun's report atomically (temporary file, then rename)."""
    page, charts, demo = build_report(
        load_marts(marts_dir, [kommun]), kommun, kommun_name, run_date or date.today(), raw_dir
    )
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(out, page)
    return ReportResult(out, charts, demo)


def write_atomically(path: Path, text: str) -> None:
    """Write `text` to `path` through a temporary file and a rename, so a reader sees the old
    file or the new one, never half of one."""
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def report_path(marts_dir: Path, kommun: str) -> Path:
    return Path(marts_dir) / f"rapport_{kommun}.html"
