"""SCB's open map service (GeoServer WFS, CC0): the parameters of a GetFeature request.

The parameter that names the layer depends on the WFS version: `typeNames` in WFS 2.0,
`typeName` in 1.x; a server answers the wrong one with an error or, worse, with its default
layer. Every request says which CRS it asks for (`srsName`); SCB's default is SWEREF 99 TM
(EPSG:3006). Layers: `stat:DeSO_2018`, `stat:DeSO_2025`, `stat:RegSO_2020`,
`stat:RegSO_2025`; DeSO features carry `desokod`, `regsokod`, `kommunkod`, `lanskod`.
"""

from __future__ import annotations

WFS_VERSION = "2.0.0"
DEFAULT_CRS = "EPSG:3006"  # SWEREF 99 TM, metres
LAYERS = {
    "DeSO2018": "stat:DeSO_2018",
    "DeSO2025": "stat:DeSO_2025",
    "RegSO2020": "stat:RegSO_2020",
    "RegSO2025": "stat:RegSO_2025",
}


class WfsError(ValueError):
    """A WFS request the pipeline cannot make (an unknown version)."""


def type_parameter(version: str) -> str:
    """`typeNames` for WFS 2.x, `typeName` for 1.x."""
    major = version.split(".", 1)[0]
    if major == "2":
        return "typeNames"
    if major == "1":
        return "typeName"
    raise WfsError(f"WFS version {version!r}: the pipeline knows 1.x and 2.x.")


def get_feature_params(
    layer: str, kommun: str, *, version: str = WFS_VERSION, crs: str = DEFAULT_CRS
) -> dict[str, str]:
    """GetFeature of one kommun's features of a layer, as GeoJSON in `crs`."""
    return {
        "service": "WFS",
        "version": version,
        "request": "GetFeature",
        type_parameter(version): layer,
        "outputFormat": "application/json",
        "srsName": crs,
        "CQL_FILTER": f"kommunkod='{kommun}'",
    }
