"""The report's map section: the kommun's DeSO coloured by an indicator (and zoomed in on the
focus areas when they are small), and SCB's områdestyp per RegSO.

Plain data for `templates/maps.html.j2`: the figures, or the sentence that says why there
is no map.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import plotly.graph_objects as go

from pipelines.publish import maps


def omradestyp_map(
    types: pd.DataFrame | None, kommun: str, boundaries: maps.Boundaries | None
) -> go.Figure | None:
    """The kommun's RegSO coloured by områdestyp the latest year SCB gives one, or None."""
    if types is None or types.empty or boundaries is None:
        return None
    own = types[(types.kommun == kommun) & types.omradestyp.notna()]
    if own.empty:
        return None
    year = int(own.year.max())
    return maps.regso_map(boundaries, own[own.year == year][["regso", "omradestyp"]], year=year)


def map_section(
    marts: dict[str, pd.DataFrame],
    kommun: str,
    kommun_name: str,
    raw_dir: Path | None,
    indicator: str = maps.DEFAULT_MAP_INDICATOR,
) -> dict:
    """The maps to draw (`figures`, whether the last is the områdestyp map), or `message`
    saying why there is none. `raw_dir` holds the boundaries (default: SEGREGATION_RAW_DIR)."""
    if raw_dir is None:
        from pipelines.core.settings import Settings

        raw_dir = Settings.from_env().raw_dir
    boundaries = maps.load_deso_boundaries(raw_dir, kommun)  # read once, for both maps
    figure = maps.deso_map_for_kommun(
        marts.get("deso_indicator"), kommun, kommun_name, raw_dir, indicator, boundaries
    )
    section = {"kommun": kommun, "message": None, "figures": [], "types_map": False}
    if isinstance(figure, str):
        return {**section, "message": figure}
    figures = [figure, *filter(None, [maps.focus_zoom(figure)])]
    types_map = omradestyp_map(marts.get("regso_omradestyp"), kommun, boundaries)
    if types_map is not None:
        figures.append(types_map)
    return {**section, "figures": figures, "types_map": types_map is not None}
