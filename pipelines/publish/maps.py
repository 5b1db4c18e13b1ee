"""Maps for the committee report and the notebooks: DeSO, RegSO and kommuner, drawn offline.

Plotly's geographic traces (`go.Choropleth`, `scattergeo`) load their base map from a CDN
and draw nothing offline. So every map here is a plain `go.Scatter` figure: each polygon is
a filled trace (`fill="toself"`) on SWEREF 99 TM coordinates (EPSG:3006, metres), with equal
axes (`scaleanchor`), axes hidden. It opens in any browser without a network.

Boundaries come from the raw layer (`data/raw/`):

- `geography/deso2025_<kommun>_sweref99tm.geojson`: SCB's DeSO 2025 boundaries (CC0), shipped
  for the bundled kommuner. Simplified (about 40 m) and without holes, so an area that
  surrounds another overlaps it; polygons are drawn largest first, so the inner one stays
  visible (the same order as the files).
- `geodata/<layer>/<kommun>/`: boundaries fetched in live mode from SCB's open map service
  (WFS), stored verbatim with a manifest like every other response (:func:`fetch_deso_boundaries`).
- `geography/kommuner_wgs84.geojson`: the 290 kommuner, WGS84, heavily simplified
  (okfse/sweden-geojson, from Valmyndigheten's data), projected here to SWEREF 99 TM.

Values are joined to shapes by DeSO code, whichever division the data is on: a code that is
the same in DeSO 2018 and DeSO 2025 matches; a shape without a value is grey and says
"uppgift saknas", never the lowest colour. A suppressed cell (`..`) is missing, never 0.
"""

from __future__ import annotations

import html
import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.colors import sample_colorscale

from pipelines.analysis.omradestyp import SHORT_TYPE_LABELS
from pipelines.publish import texts
from pipelines.publish.chart_style import decimals, number, template
from pipelines.publish.texts import UNIT_TITLES
from pipelines.sources.raw_store import RawFile, RawStore
from pipelines.sources.wfs import get_feature_params

GEOGRAPHY = "geography"
DESO_FILE = "deso2025_{kommun}_sweref99tm.geojson"
KOMMUN_OUTLINES = "kommuner_wgs84.geojson"
DESO_KEYS = {
    "DeSO 2025": ("koppling-deso2025-regso2025.csv", "deso_2025", "regso_2025", "regso_name"),
    "DeSO 2018": ("koppling-deso2018-regso2020.csv", "DeSO_2018", "RegSOkod_2020", "RegSO_2020"),
}

# SCB's open map service (GeoServer WFS 1.1.0, CC0). VERIFY LIVE: the layer names and the
# attributes `desokod`, `regsokod`, `kommunkod` are as SCB's GetCapabilities and
# DescribeFeatureType listed them in 2026; the newest division is tried first.
SCB_WFS_LAYERS = (("DeSO 2025", "stat:DeSO_2025"), ("DeSO 2018", "stat:DeSO_2018"))
GEODATA_SOURCE = "geodata"  # folder of the raw layer: data/raw/geodata/<layer>/<kommun>/

DEFAULT_MAP_INDICATOR = "lag_ekonomisk_standard"
SCALE = "YlGnBu"  # sequential, light (low) to dark (high)
MISSING_COLOR = "#c9c9c9"
MISSING_LABEL = texts.MAP_MISSING
OUTLINE_COLOR = "#b03a2e"
SIMPLIFY_METRES = 15.0
OMRADESTYP_COLORS = {1: "#b2182b", 2: "#ef8a62", 3: "#f7f7f7", 4: "#67a9cf", 5: "#2166ac"}
OMRADESTYP = {k: (SHORT_TYPE_LABELS[k], color) for k, color in OMRADESTYP_COLORS.items()}


class MapError(RuntimeError):
    """Boundaries are missing, malformed, or do not cover the kommun's DeSO."""


@dataclass(frozen=True)
class Boundaries:
    """One kommun's DeSO polygons in SWEREF 99 TM, and where they come from."""

    kommun: str
    division: str
    features: list[dict]
    source: str
    regso: dict[str, tuple[str, str]] = field(default_factory=dict)  # DeSO → (code, name)

    @property
    def codes(self) -> list[str]:
        return [f["properties"]["desokod"] for f in self.features]


# --------------------------------------------------------------------------- projection


def wgs84_to_sweref99tm(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(easting, northing) in SWEREF 99 TM from WGS84 degrees (Gauss–Krüger, Lantmäteriet)."""
    a, f = 6378137.0, 1 / 298.257222101  # GRS 80
    lon0, k0, false_easting = math.radians(15.0), 0.9996, 500000.0
    e2 = f * (2 - f)
    n = f / (2 - f)
    a_roof = a / (1 + n) * (1 + n**2 / 4 + n**4 / 64)
    A = e2
    B = (5 * e2**2 - e2**3) / 6
    C = (104 * e2**3 - 45 * e2**4) / 120
    D = 1237 * e2**4 / 1260
    beta = (
        n / 2 - 2 * n**2 / 3 + 5 * n**3 / 16 + 41 * n**4 / 180,
        13 * n**2 / 48 - 3 * n**3 / 5 + 557 * n**4 / 1440,
        61 * n**3 / 240 - 103 * n**4 / 140,
        49561 * n**4 / 161280,
    )
    phi = np.radians(np.asarray(lat, dtype=float))
    dlam = np.radians(np.asarray(lon, dtype=float)) - lon0
    s = np.sin(phi)
    phi_star = phi - s * np.cos(phi) * (A + B * s**2 + C * s**4 + D * s**6)
    xi = np.arctan(np.tan(phi_star) / np.cos(dlam))
    eta = np.arctanh(np.cos(phi_star) * np.sin(dlam))
    north, east = xi.copy(), eta.copy()
    for j, b in enumerate(beta, start=1):
        north += b * np.sin(2 * j * xi) * np.cosh(2 * j * eta)
        east += b * np.cos(2 * j * xi) * np.sinh(2 * j * eta)
    return k0 * a_roof * east + false_easting, k0 * a_roof * north


# --------------------------------------------------------------------------- geometry


def exterior_rings(geometry: Mapping) -> list[np.ndarray]:
    """The outer ring of each polygon (holes dropped), as (n, 2) arrays."""
    kind = geometry.get("type")
    if kind == "Polygon":
        polygons = [geometry["coordinates"]]
    elif kind == "MultiPolygon":
        polygons = geometry["coordinates"]
    else:
        raise MapError(f"geometritypen {kind!r} är ingen polygon")
    return [np.asarray(p[0], dtype=float)[:, :2] for p in polygons if p and len(p[0]) >= 4]


def ring_area(ring: np.ndarray) -> float:
    x, y = ring[:, 0], ring[:, 1]
    return float(abs(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))) / 2)


def ring_centroid(ring: np.ndarray) -> tuple[float, float, float]:
    """(x, y, area) of a ring's centroid; the vertex mean for a degenerate ring."""
    x, y = ring[:, 0], ring[:, 1]
    x1, y1 = np.roll(x, -1), np.roll(y, -1)
    cross = x * y1 - x1 * y
    area = cross.sum() / 2
    if abs(area) < 1e-9:
        return float(x.mean()), float(y.mean()), 0.0
    return (
        float(((x + x1) * cross).sum() / (6 * area)),
        float(((y + y1) * cross).sum() / (6 * area)),
        float(abs(area)),
    )


def simplify(ring: np.ndarray, tolerance: float = SIMPLIFY_METRES) -> np.ndarray:
    """Douglas–Peucker on a closed ring; keeps at least four points."""
    if len(ring) <= 5 or tolerance <= 0:
        return ring
    keep = np.zeros(len(ring), dtype=bool)
    keep[0] = keep[-1] = True
    far = int(np.argmax(np.hypot(*(ring - ring[0]).T)))
    keep[far] = True
    stack = [(0, far), (far, len(ring) - 1)]
    while stack:
        i, j = stack.pop()
        if j <= i + 1:
            continue
        seg = ring[j] - ring[i]
        pts = ring[i + 1 : j] - ring[i]
        length = math.hypot(*seg)
        if length == 0:
            dist = np.hypot(pts[:, 0], pts[:, 1])
        else:
            dist = np.abs(seg[0] * pts[:, 1] - seg[1] * pts[:, 0]) / length
        k = int(np.argmax(dist))
        if dist[k] > tolerance:
            keep[i + 1 + k] = True
            stack += [(i, i + 1 + k), (i + 1 + k, j)]
    out = ring[keep]
    return out if len(out) >= 4 else ring


def _xy(rings: Iterable[np.ndarray]) -> tuple[list, list]:
    """Rings joined with None separators, rounded to whole metres, for one trace."""
    xs: list = []
    ys: list = []
    for ring in rings:
        if xs:
            xs.append(None)
            ys.append(None)
        xs += np.round(ring[:, 0]).tolist()
        ys += np.round(ring[:, 1]).tolist()
    return xs, ys


def _largest_first(features: list[dict]) -> list[dict]:
    """Largest polygon first, so an area drawn over one it surrounds never hides it."""
    area = [sum(ring_area(r) for r in exterior_rings(f["geometry"])) for f in features]
    order = sorted(range(len(features)), key=lambda i: -area[i])
    return [features[i] for i in order]


# --------------------------------------------------------------------------- boundaries


def _read_features(text: bytes | str, where: str, kommun: str | None = None) -> list[dict]:
    try:
        doc = json.loads(text)
    except ValueError as exc:
        raise MapError(f"{where} är inte giltig GeoJSON ({exc}).") from None
    features = doc.get("features") if isinstance(doc, dict) else None
    if not isinstance(features, list):
        raise MapError(f"{where} är ingen GeoJSON FeatureCollection (ingen lista 'features').")
    out = []
    for i, feature in enumerate(features):
        props = feature.get("properties") or {}
        code = props.get("desokod")
        if not code:
            raise MapError(f"{where}: objekt {i} saknar egenskapen 'desokod'.")
        if kommun and props.get("kommunkod", code[:4]) != kommun:
            continue
        try:
            if not exterior_rings(feature.get("geometry") or {}):
                raise MapError("ingen ring med minst fyra punkter")
        except (MapError, TypeError, ValueError, IndexError) as exc:
            raise MapError(
                f"{where}: formen för DeSO {code} går inte att använda ({exc})."
            ) from None
        out.append(feature)
    return out


def _regso_key(raw_dir: Path, division: str) -> dict[str, tuple[str, str]]:
    name, deso_col, code_col, name_col = DESO_KEYS[division]
    path = Path(raw_dir) / GEOGRAPHY / name
    if not path.exists():
        return {}
    key = pd.read_csv(path, dtype=str, encoding="utf-8-sig")
    return {d: (c, n) for d, c, n in zip(key[deso_col], key[code_col], key[name_col], strict=True)}


def load_deso_boundaries(raw_dir: Path, kommun: str) -> Boundaries | None:
    """The kommun's DeSO boundaries from the raw layer, or None when there are none.

    A live fetch stored under `geodata/` comes first (newest division first), then the
    shipped file in `geography/`. Stored fetches are verified against their manifest.
    """
    raw_dir = Path(raw_dir)
    store = RawStore(raw_dir)
    for division, layer in SCB_WFS_LAYERS:
        folder = _layer_folder(layer)
        if store.manifest(GEODATA_SOURCE, folder, kommun) is None:
            continue
        stored = store.read(GEODATA_SOURCE, folder, kommun)
        features = _read_features(stored.read("features.json"), str(stored.folder), kommun)
        if features:
            url = stored.manifest["files"][0].get("url", "")
            return Boundaries(
                kommun,
                division,
                features,
                texts.MAP_FETCHED_SOURCE.format(
                    layer=layer, fetched=stored.manifest.get("fetched_at", "")[:10], url=url
                ),
                _regso_key(raw_dir, division),
            )
    path = raw_dir / GEOGRAPHY / DESO_FILE.format(kommun=kommun)
    if path.exists():
        features = _read_features(path.read_bytes(), str(path), kommun)
        if features:
            return Boundaries(
                kommun,
                "DeSO 2025",
                features,
                texts.MAP_SHIPPED_SOURCE,
                _regso_key(raw_dir, "DeSO 2025"),
            )
    return None


def check_coverage(boundaries: Boundaries, deso_codes: Iterable[str]) -> None:
    """Every DeSO code must have a shape; the error names the first codes without one."""
    have = set(boundaries.codes)
    missing = sorted(set(deso_codes) - have)
    if missing:
        raise MapError(
            f"{len(missing)} DeSO i kommun {boundaries.kommun} ({boundaries.division}) saknar "
            f"form i {boundaries.source}: {', '.join(missing[:10])}"
            f"{' …' if len(missing) > 10 else ''}. Hämta gränserna igen "
            "(SEGREGATION_SOURCE=live) eller byt ut filen."
        )


def _layer_folder(layer: str) -> str:
    return layer.split(":")[-1]


def fetch_deso_boundaries(
    store: RawStore, http, base_url: str, kommun: str
) -> tuple[str, int] | None:
    """Fetch a kommun's DeSO boundaries from SCB's WFS into the raw layer (verbatim + manifest).

    Tries each layer of :data:`SCB_WFS_LAYERS` in turn and keeps the first that has features
    for the kommun. Returns (layer, number of features), or None when no layer has any.
    `http` is the project's :class:`pipelines.sources.http.JsonHttp`.
    """
    for division, layer in SCB_WFS_LAYERS:
        params = get_feature_params(layer, kommun)  # WFS 2.0: typeNames, SWEREF 99 TM
        response = http.request(
            "boundaries",
            "GET",
            base_url,
            params=params,
            refuse=lambda r, layer=layer: MapError(
                f"SCB:s karttjänst nekade {layer} för kommun {kommun}: HTTP {r.status_code} "
                f"på {r.url}: {r.text[:200].strip()}"
            ),
            give_up=lambda message, layer=layer: MapError(
                f"SCB:s karttjänst ({base_url}, {layer}) svarade inte: {message}"
            ),
        )
        content = response.content
        features = _read_features(content, response.url, kommun)
        if not features:
            continue
        store.write(
            GEODATA_SOURCE,
            _layer_folder(layer),
            kommun,
            [RawFile("features.json", content, url=response.url)],
            layer=layer,
            division=division,
            kommun=kommun,
            features=len(features),
            licence="CC0 (SCB:s öppna geodata)",
        )
        return layer, len(features)
    return None


# --------------------------------------------------------------------------- drawing


def _value_text(value: float | None, unit: str) -> str:
    if value is None or pd.isna(value):
        return MISSING_LABEL
    return number(value, decimals(unit)) + texts.UNIT_SUFFIX.get(unit, f" {unit}")


def _layout(fig: go.Figure, title: str, height: int) -> go.Figure:
    fig.update_layout(
        title={"text": title, "font": {"size": 15}},
        height=height,
        template=template(),
        plot_bgcolor="white",
        margin={"l": 10, "r": 10, "t": 70, "b": 10},
        legend={"orientation": "h", "x": 0, "y": -0.02, "yanchor": "top"},
        separators=", ",
        font={"family": "sans-serif"},
        hoverlabel={"align": "left"},
    )
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False, scaleanchor="x", scaleratio=1)
    return fig


def _shape_of(codes: Iterable[str], shape_codes: set[str]) -> dict[str, str]:
    """Shape code for each code: itself, or the parts of a DeSO that was split.

    SCB numbers the parts of a split DeSO by changing its last digit (0680C1070 became
    0680C1071 and 0680C1072 in DeSO 2025), so a code without a shape of its own maps to
    the shapes that share its first eight characters and are not codes themselves.
    """
    codes = set(codes)
    out: dict[str, str] = {}
    for code in codes:
        if code in shape_codes:
            out[code] = code
        elif code.endswith("0"):
            for shape in shape_codes:
                if shape[:8] == code[:8] and shape not in codes:
                    out[shape] = code
    return out


def _area_labels(fig: go.Figure, features: list[dict], area_of: Mapping[str, str]) -> None:
    """Thick outlines around the focus areas, and their names at each area's centre."""
    rings_by_area: dict[str, list[np.ndarray]] = {}
    for f in features:
        area = area_of.get(f["properties"]["desokod"])
        if area:
            rings_by_area.setdefault(area, []).extend(exterior_rings(f["geometry"]))
    if not rings_by_area:
        return
    xs, ys = _xy(simplify(r) for rings in rings_by_area.values() for r in rings)
    fig.add_trace(
        go.Scatter(
            x=xs,
            y=ys,
            mode="lines",
            line={"color": OUTLINE_COLOR, "width": 3},
            name=texts.MAP_FOCUS_AREA,
            hoverinfo="skip",
        )
    )
    label_x, label_y, names = [], [], []
    for area, rings in rings_by_area.items():
        centres = [ring_centroid(r) for r in rings]
        weight = sum(c[2] for c in centres) or 1.0
        label_x.append(sum(c[0] * c[2] for c in centres) / weight)
        label_y.append(sum(c[1] * c[2] for c in centres) / weight)
        names.append(f"<b>{html.escape(area)}</b>")
    fig.add_trace(
        go.Scatter(
            x=label_x,
            y=label_y,
            mode="text",
            text=names,
            textposition="top center",
            textfont={"size": 13, "color": "#111", "shadow": "auto"},
            showlegend=False,
            hoverinfo="skip",
        )
    )


def _shape(
    xs: list, ys: list, color: str, line: dict, text: str, name: str | None = None
) -> go.Scatter:
    """One filled polygon (or several, separated by None) with hover text: draws offline."""
    return go.Scatter(
        x=xs,
        y=ys,
        mode="lines",
        fill="toself",
        fillcolor=color,
        line=line,
        hoveron="fills",
        hoverinfo="text",
        text=text,
        name=name,
        showlegend=False,
    )


def _colorbar(
    x: float, y: float, vmin: float, vmax: float, show: bool, colorbar: dict
) -> go.Scatter:
    """An invisible point that carries the colour scale's legend (the shapes carry colours)."""
    return go.Scatter(
        x=[x],
        y=[y],
        mode="markers",
        marker={
            "size": 0.1,
            "opacity": 0,
            "color": [vmin],
            "cmin": vmin,
            "cmax": vmax,
            "colorscale": SCALE,
            "showscale": show,
            "colorbar": colorbar,
        },
        showlegend=False,
        hoverinfo="skip",
    )


def _fill(value: object, vmin: float, span: float) -> str:
    """The colour of a value on the scale, or grey when it is missing."""
    if value is None or pd.isna(value):
        return MISSING_COLOR
    return sample_colorscale(SCALE, [min(1.0, max(0.0, (value - vmin) / span))])[0]


def _deso_hover(
    boundaries: Boundaries, code: str, area: str | None, value_line: str, feature: dict
) -> str:
    """A DeSO's hover text: its code, RegSO, focus area and value."""
    regso_code, regso_name = boundaries.regso.get(
        code, (feature["properties"].get("regsokod", ""), "")
    )
    lines = [texts.MAP_DESO.format(code=code)]
    if regso_code or regso_name:
        lines.append(texts.MAP_REGSO.format(name=html.escape(regso_name or "–"), code=regso_code))
    if area:
        lines.append(texts.MAP_IN_AREA.format(area=html.escape(area)))
    return "<br>".join([*lines, value_line])


def _deso_legend(fig: go.Figure, vmin: float, vmax: float, known: bool, unit: str) -> None:
    """A colour bar with the unit, and a grey entry for missing values."""
    all_x = [x for t in fig.data if t.fill == "toself" for x in t.x if x is not None]
    all_y = [y for t in fig.data if t.fill == "toself" for y in t.y if y is not None]
    fig.add_trace(
        _colorbar(
            min(all_x) if all_x else 0,
            min(all_y) if all_y else 0,
            vmin,
            vmax,
            known,
            {
                "title": {"text": UNIT_TITLES.get(unit, unit), "side": "right"},
                "thickness": 14,
                "len": 0.75,
            },
        )
    )
    fig.add_trace(
        go.Scatter(
            x=[None],
            y=[None],
            mode="markers",
            marker={"symbol": "square", "size": 13, "color": MISSING_COLOR},
            name=MISSING_LABEL.capitalize(),
        )
    )


def _source_note(fig: go.Figure, boundaries: Boundaries) -> None:
    fig.add_annotation(
        text=texts.MAP_BOUNDARIES.format(source=html.escape(boundaries.source)),
        xref="paper",
        yref="paper",
        x=1,
        y=0,
        xanchor="right",
        yanchor="bottom",
        showarrow=False,
        font={"size": 10, "color": "#555"},
    )


def _values_by_code(values: pd.DataFrame) -> dict[str, object]:
    """DeSO code (without a division suffix such as _DeSO2025) → value."""
    if values.empty:
        return {}
    keyed = values.assign(
        deso=values["deso"].astype(str).str.replace(r"_DeSO\d{4}$", "", regex=True)
    )
    return dict(zip(keyed["deso"], keyed["value"], strict=True))


def deso_map(
    boundaries: Boundaries,
    values: pd.DataFrame,
    *,
    indicator_name: str,
    unit: str,
    year: int | None,
    area_of: Mapping[str, str] | None = None,
    demo: bool = False,
    height: int = 680,
) -> go.Figure:
    """The kommun's DeSO coloured by `values` (columns `deso`, `value`), focus areas outlined.

    `area_of` maps a DeSO code to the name of its focus area (a code of either division:
    split DeSO are followed to their parts). A DeSO without a value, or with a suppressed
    one, is grey and its hover text says "uppgift saknas".
    """
    features = _largest_first(boundaries.features)
    shape_codes = {f["properties"]["desokod"] for f in features}
    by_code = _values_by_code(values)
    known = [v for c, v in by_code.items() if c in shape_codes and v is not None and not pd.isna(v)]
    vmin, vmax = (min(known), max(known)) if known else (0.0, 1.0)
    areas = {}
    if area_of:
        areas = {shape: area_of[code] for shape, code in _shape_of(area_of, shape_codes).items()}
    year_text = f" ({year})" if year else ""
    fig = go.Figure()
    for f in features:
        code = f["properties"]["desokod"]
        value = by_code.get(code)
        value_line = f"{html.escape(indicator_name)}: {_value_text(value, unit)}{year_text}"
        text = _deso_hover(boundaries, code, areas.get(code), value_line, f)
        xs, ys = _xy(simplify(r) for r in exterior_rings(f["geometry"]))
        color = _fill(value, vmin, (vmax - vmin) or 1.0)
        fig.add_trace(_shape(xs, ys, color, {"color": "white", "width": 0.8}, text, name=code))
    _area_labels(fig, features, areas)
    _deso_legend(fig, vmin, vmax, bool(known), unit)
    _source_note(fig, boundaries)
    title = texts.MAP_DESO_TITLE.format(indicator=html.escape(indicator_name), year=year_text)
    subtitle = texts.MAP_DESO_SUBTITLE.format(
        division=boundaries.division, kommun=boundaries.kommun
    ) + (texts.MAP_DEMO if demo else "")
    return _layout(fig, f"{title}<br><sup>{subtitle}</sup>", height)


def focus_zoom(fig: go.Figure, share: float = 0.4, pad: float = 1500.0) -> go.Figure | None:
    """The same map zoomed in on the focus areas, when they cover a small part of the kommun.

    Returns None when the focus areas span more than `share` of the map's width or height
    (the whole map shows them well), or when the map outlines no focus area.
    """
    outline = [t for t in fig.data if t.name == texts.MAP_FOCUS_AREA and t.mode == "lines"]
    shapes = [t for t in fig.data if t.fill == "toself"]
    if not outline or not shapes:
        return None

    def box(traces):
        xs = [x for t in traces for x in t.x if x is not None]
        ys = [y for t in traces for y in t.y if y is not None]
        return min(xs), max(xs), min(ys), max(ys)

    x0, x1, y0, y1 = box(outline)
    X0, X1, Y0, Y1 = box(shapes)
    if (x1 - x0) > share * (X1 - X0) or (y1 - y0) > share * (Y1 - Y0):
        return None
    half = max((x1 - x0) * 0.65, (y1 - y0) * 0.65, pad)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    zoomed = go.Figure(fig)
    title = zoomed.layout.title.text.replace(*texts.MAP_ZOOMED, 1)
    zoomed.update_layout(title={"text": title})
    zoomed.update_xaxes(range=[cx - half, cx + half])
    zoomed.update_yaxes(range=[cy - half, cy + half])
    return zoomed


def regso_map(
    boundaries: Boundaries,
    types: pd.DataFrame,
    *,
    year: int | None = None,
    height: int = 420,
) -> go.Figure:
    """The kommun's områdestyp (1–5) per RegSO, drawn with its DeSO.

    `types` has columns `regso` and `omradestyp`. Each DeSO takes the type of its RegSO (the
    key of its division, else the shape's `regsokod`); a RegSO without a type is grey.
    """
    features = _largest_first(boundaries.features)
    keyed = types.assign(
        regso=types["regso"].astype(str).str.replace(r"_RegSO\d{4}$", "", regex=True)
    )
    type_of = dict(zip(keyed["regso"], keyed["omradestyp"], strict=True))
    year_text = f" ({year})" if year else ""
    fig = go.Figure()
    for f in features:
        code = f["properties"]["desokod"]
        regso_code, regso_name = boundaries.regso.get(
            code, (f["properties"].get("regsokod", ""), "")
        )
        kind = type_of.get(regso_code)
        kind = None if kind is None or pd.isna(kind) else int(kind)
        label, color = OMRADESTYP.get(kind, (MISSING_LABEL, MISSING_COLOR))
        xs, ys = _xy(simplify(r) for r in exterior_rings(f["geometry"]))
        text = (
            texts.MAP_REGSO_HOVER.format(
                name=html.escape(regso_name or "–"), code=regso_code, deso=code
            )
            + (texts.MAP_TYPE.format(kind=kind, label=label) if kind else texts.MAP_TYPE_MISSING)
            + year_text
        )
        fig.add_trace(_shape(xs, ys, color, {"color": "#888", "width": 0.4}, text))
    for kind, (label, color) in [*OMRADESTYP.items(), (None, (MISSING_LABEL, MISSING_COLOR))]:
        fig.add_trace(
            go.Scatter(
                x=[None],
                y=[None],
                mode="markers",
                marker={
                    "symbol": "square",
                    "size": 13,
                    "color": color,
                    "line": {"color": "#888", "width": 1},
                },
                name=f"{kind}: {label}" if kind else label.capitalize(),
            )
        )
    return _layout(fig, texts.MAP_TYPE_TITLE.format(year=year_text), height)


def load_kommun_outlines(raw_dir: Path) -> list[dict]:
    """The kommuner's outlines (WGS84) shipped in `geography/`, or [] when the file is absent."""
    path = Path(raw_dir) / GEOGRAPHY / KOMMUN_OUTLINES
    if not path.exists():
        return []
    doc = json.loads(path.read_text(encoding="utf-8"))
    return doc["features"]


def kommun_map(
    outlines: list[dict],
    values: pd.DataFrame,
    *,
    indicator_name: str,
    unit: str = "",
    year: int | None = None,
    height: int = 700,
) -> go.Figure:
    """Sweden's kommuner (WGS84 outlines, projected), those in `values` coloured by `value`.

    `values` has columns `kommun` (code) and `value`. Kommuner without a value are drawn
    light grey, as the background.
    """
    by_code = dict(zip(values["kommun"].astype(str), values["value"], strict=True))
    known = [v for v in by_code.values() if v is not None and not pd.isna(v)]
    vmin, vmax = (min(known), max(known)) if known else (0.0, 1.0)
    span = (vmax - vmin) or 1.0
    year_text = f" ({year})" if year else ""
    background: list[np.ndarray] = []
    coloured: list[tuple[str, str, float, list[np.ndarray]]] = []
    for f in outlines:
        props = f.get("properties") or {}
        code = str(props.get("id") or f.get("id") or "")
        rings = []
        for ring in exterior_rings(f["geometry"]):
            east, north = wgs84_to_sweref99tm(ring[:, 0], ring[:, 1])
            rings.append(simplify(np.column_stack([east, north]), 300.0))
        if code in by_code:
            coloured.append((code, str(props.get("kom_namn", code)), by_code[code], rings))
        else:
            background.extend(rings)
    fig = go.Figure()
    xs, ys = _xy(background)
    fig.add_trace(
        go.Scatter(
            x=xs,
            y=ys,
            mode="lines",
            fill="toself",
            fillcolor="#eeeeee",
            line={"color": "#bbbbbb", "width": 0.5},
            hoverinfo="skip",
            showlegend=False,
        )
    )
    for code, name, value, rings in coloured:
        color = _fill(value, vmin, span)
        xs, ys = _xy(rings)
        fig.add_trace(
            _shape(
                xs,
                ys,
                color,
                {"color": "#333", "width": 0.8},
                f"<b>{html.escape(name)}</b> ({code})<br>{html.escape(indicator_name)}: "
                f"{_value_text(value, unit)}{year_text}",
            )
        )
    if known:
        first = next((r for *_, rings in coloured for r in rings), None)
        fig.add_trace(
            _colorbar(
                first[0, 0] if first is not None else 0,
                first[0, 1] if first is not None else 0,
                vmin,
                vmax,
                True,
                {"title": {"text": UNIT_TITLES.get(unit, unit)}, "len": 0.6},
            )
        )
    title = texts.MAP_KOMMUN_TITLE.format(indicator=html.escape(indicator_name), year=year_text)
    return _layout(fig, title, height)


# --------------------------------------------------------------------------- from the marts


def latest_deso_values(
    deso_indicator: pd.DataFrame, kommun: str, indicator: str, sex: str = "1+2"
) -> tuple[pd.DataFrame, int | None]:
    """Per-DeSO values of the latest year with any value, from the `deso_indicator` mart."""
    rows = deso_indicator[
        (deso_indicator.kommun == kommun)
        & (deso_indicator.indicator == indicator)
        & (deso_indicator.sex == sex)
    ]
    with_value = rows[rows.value.notna()]
    if with_value.empty:
        return rows.iloc[0:0], None
    year = int(with_value.year.max())
    return rows[rows.year == year], year


def focus_areas_of(deso_indicator: pd.DataFrame, kommun: str) -> dict[str, str]:
    """DeSO code → focus area name, from the `deso_indicator` mart."""
    rows = deso_indicator[(deso_indicator.kommun == kommun) & deso_indicator.area_name.notna()]
    rows = rows.drop_duplicates("deso")
    return dict(zip(rows["deso"].astype(str), rows["area_name"], strict=True))


def deso_map_for_kommun(
    deso_indicator: pd.DataFrame | None,
    kommun: str,
    kommun_name: str,
    raw_dir: Path,
    indicator: str = DEFAULT_MAP_INDICATOR,
    boundaries: Boundaries | None = None,
) -> go.Figure | str:
    """The report's and notebook's DeSO map, or a Swedish sentence saying why there is none.

    `deso_indicator` is the published mart of that name; the latest year with a value of
    `indicator` (both sexes) is drawn. `boundaries`, when the caller has read them already,
    are used instead of reading them again from `raw_dir`.
    """
    if boundaries is None:
        boundaries = load_deso_boundaries(raw_dir, kommun)
    if boundaries is None:
        return texts.NO_BOUNDARIES.format(kommun_name=kommun_name, kommun=kommun)
    if deso_indicator is None:
        return texts.NO_DESO_VALUES
    values, year = latest_deso_values(deso_indicator, kommun, indicator)
    if year is None:
        return texts.NO_INDICATOR_VALUES.format(indicator=indicator, kommun_name=kommun_name)
    return deso_map(
        boundaries,
        values,
        indicator_name=str(values.indicator_name.iloc[0]),
        unit=str(values.unit.iloc[0]),
        year=year,
        area_of=focus_areas_of(deso_indicator, kommun),
        demo=bool(values.demo.any()),
    )
