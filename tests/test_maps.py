"""Maps: shipped boundaries cover every DeSO, the figures draw what they should, live fetch.

Expected values come from SCB's files (the DeSO 2025 key, the SWEREF 99 TM boundary file),
from a coordinate pair SCB's map service returned in both systems, and from plotly's own
colour list, never from the functions under test.
"""

from __future__ import annotations

import csv
import json
import re
import urllib.parse
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import PROJECT
from dagster import materialize
from local_http import LocalHttpServer, RequestHandler
from plotly.colors import hex_to_rgb, sequential

from pipelines.orchestration.assets.boundaries import deso_boundaries
from pipelines.orchestration.resources import PipelineResource
from pipelines.publish import maps
from pipelines.publish.map_section import map_section
from pipelines.publish.report import render
from pipelines.sources.http import JsonHttp, RateLimiter
from pipelines.sources.raw_store import RawStore

GEOGRAPHY = PROJECT / "data" / "raw" / "geography"
SHARED_MAPS = PROJECT.parent / "shared" / "reference" / "geography" / "maps"


def key_2025(kommun: str) -> set[str]:
    with (GEOGRAPHY / "koppling-deso2025-regso2025.csv").open(encoding="utf-8-sig") as handle:
        return {r["deso_2025"] for r in csv.DictReader(handle) if r["kommun"] == kommun}


def rgb(color: str) -> tuple[float, ...]:
    """(r, g, b) of '#rrggbb' or 'rgb(r, g, b)'."""
    if color.startswith("#"):
        return tuple(float(c) for c in hex_to_rgb(color))
    return tuple(float(c) for c in re.findall(r"[\d.]+", color))


def fills(fig) -> dict[str, object]:
    return {t.name: t for t in fig.data if t.fill == "toself"}


# -- the shipped boundaries --------------------------------------------------------------


@pytest.mark.parametrize(("kommun", "count"), [("0123", 44), ("0680", 78)])
def test_every_deso_of_the_current_division_has_a_shape(kommun, count):
    boundaries = maps.load_deso_boundaries(PROJECT / "data" / "raw", kommun)
    assert boundaries is not None and boundaries.division == "DeSO 2025"
    codes = key_2025(kommun)
    assert len(codes) == count  # SCB's DeSO 2025 key
    maps.check_coverage(boundaries, codes)
    assert sorted(boundaries.codes) == sorted(codes)  # one shape each, nothing else
    for feature in boundaries.features:
        ring = maps.exterior_rings(feature["geometry"])[0]
        assert (ring[0] == ring[-1]).all(), feature["properties"]["desokod"]


def test_a_deso_without_a_shape_is_a_clear_error(tmp_path):
    folder = tmp_path / "geography"
    folder.mkdir()
    doc = json.loads((GEOGRAPHY / "deso2025_0123_sweref99tm.geojson").read_text("utf-8"))
    doc["features"] = [f for f in doc["features"] if f["properties"]["desokod"] != "0123C1290"]
    (folder / "deso2025_0123_sweref99tm.geojson").write_text(json.dumps(doc), "utf-8")
    boundaries = maps.load_deso_boundaries(tmp_path, "0123")
    with pytest.raises(maps.MapError, match=r"1 DeSO i kommun 0123 .* saknar form .* 0123C1290"):
        maps.check_coverage(boundaries, key_2025("0123"))


def test_a_shape_without_a_code_names_the_file(tmp_path):
    folder = tmp_path / "geography"
    folder.mkdir()
    (folder / "deso2025_0123_sweref99tm.geojson").write_text(
        json.dumps({"type": "FeatureCollection", "features": [{"properties": {}}]}), "utf-8"
    )
    with pytest.raises(
        maps.MapError,
        match="deso2025_0123_sweref99tm.geojson: objekt 0 saknar egenskapen 'desokod'",
    ):
        maps.load_deso_boundaries(tmp_path, "0123")


def test_projection_to_sweref99tm_matches_scb():
    # one corner of DeSO 1280C1070 as SCB's map service wrote it in EPSG:4326 and EPSG:3006
    east, north = maps.wgs84_to_sweref99tm(np.array([13.09577306]), np.array([55.5417832]))
    assert east[0] == pytest.approx(379844.1709, abs=0.05)
    assert north[0] == pytest.approx(6156729.8055, abs=0.05)


@pytest.mark.skipif(not SHARED_MAPS.exists(), reason="the shared reference folder is not here")
def test_projection_matches_the_boundary_files_in_both_systems():
    wgs = json.loads((SHARED_MAPS / "deso2025_0680_wgs84.geojson").read_text("utf-8"))
    tm = json.loads((SHARED_MAPS / "deso2025_0680_sweref99tm.geojson").read_text("utf-8"))
    target = {f["properties"]["desokod"]: f["geometry"]["coordinates"][0] for f in tm["features"]}
    for feature in wgs["features"]:
        ring = np.asarray(feature["geometry"]["coordinates"][0])
        east, north = maps.wgs84_to_sweref99tm(ring[:, 0], ring[:, 1])
        expected = np.asarray(target[feature["properties"]["desokod"]])
        assert np.abs(np.column_stack([east, north]) - expected).max() < 0.2


# -- the DeSO map ------------------------------------------------------------------------


def test_deso_map_colours_names_and_missing_values():
    boundaries = maps.load_deso_boundaries(PROJECT / "data" / "raw", "0123")
    values = pd.DataFrame(
        {
            "deso": ["0123C1290", "0123C1370", "0123C1010", "0123C1170", "0123C9990"],
            "value": [30.0, 10.0, 20.0, None, 99.0],  # C1170 suppressed; C9990 has no shape
        }
    )
    fig = maps.deso_map(
        boundaries,
        values,
        indicator_name="Andel med låg ekonomisk standard",
        unit="procent",
        year=2023,
        area_of={"0123C1290": "Sångvägen", "0123C1370": "Termovägen", "0123C1170": "Söderhöjden"},
    )
    shapes = fills(fig)
    assert len(shapes) == 44  # one filled shape per DeSO
    # a sequential scale: lowest value the first colour, highest the last, 20 (halfway) the
    # middle one of YlGnBu's nine; the DeSO without a shape does not stretch the scale
    scale = sequential.YlGnBu
    assert rgb(shapes["0123C1370"].fillcolor) == rgb(scale[0])
    assert rgb(shapes["0123C1290"].fillcolor) == rgb(scale[-1])
    assert rgb(shapes["0123C1010"].fillcolor) == rgb(scale[4])
    # a suppressed value and a DeSO without a value are grey, never the lowest colour
    assert shapes["0123C1170"].fillcolor == maps.MISSING_COLOR
    assert shapes["0123C1020"].fillcolor == maps.MISSING_COLOR
    assert rgb(maps.MISSING_COLOR) != rgb(scale[0])
    hover = shapes["0123C1290"].text
    for text in (
        "DeSO 0123C1290",
        "RegSO: Nibble (0123R016)",
        "Fokusområde: Sångvägen",
        "Andel med låg ekonomisk standard: 30,0 % (2023)",
    ):
        assert text in hover, (text, hover)
    assert "Andel med låg ekonomisk standard: uppgift saknas (2023)" in shapes["0123C1170"].text
    assert "Fokusområde: Söderhöjden" in shapes["0123C1170"].text
    assert "Fokusområde" not in shapes["0123C1010"].text
    assert all(t.hoveron == "fills" for t in shapes.values())
    # legend: the colour bar with the unit, a grey entry, the outline; names on the map
    bars = [t for t in fig.data if t.marker and t.marker.showscale]
    assert len(bars) == 1 and bars[0].marker.colorbar.title.text == "Andel (%)"
    assert (bars[0].marker.cmin, bars[0].marker.cmax) == (10.0, 30.0)
    assert [t.name for t in fig.data if t.showlegend is not False and t.fill != "toself"] == [
        "Fokusområde",
        "Uppgift saknas",
    ]
    labels = next(t for t in fig.data if t.mode == "text")
    assert sorted(labels.text) == ["<b>Sångvägen</b>", "<b>Söderhöjden</b>", "<b>Termovägen</b>"]
    assert fig.layout.yaxis.scaleanchor == "x" and fig.layout.xaxis.visible is False
    assert not any(t.type in ("choropleth", "scattergeo", "choroplethmap") for t in fig.data)


def test_largest_shape_is_drawn_first():
    boundaries = maps.load_deso_boundaries(PROJECT / "data" / "raw", "0680")
    fig = maps.deso_map(
        boundaries, pd.DataFrame({"deso": [], "value": []}), indicator_name="x", unit="", year=None
    )
    areas = []
    for trace in fills(fig).values():
        xs = np.array([np.nan if v is None else v for v in trace.x], dtype=float)
        ys = np.array([np.nan if v is None else v for v in trace.y], dtype=float)
        areas.append(maps.ring_area(np.column_stack([xs, ys])[~np.isnan(xs)]))
    assert areas[0] == max(areas) and areas[-1] < areas[0] / 100


def test_a_split_deso_outlines_its_parts():
    # 0680C1070 (Råslätt, DeSO 2018) became 0680C1071 and 0680C1072 in DeSO 2025
    boundaries = maps.load_deso_boundaries(PROJECT / "data" / "raw", "0680")
    assert "0680C1070" not in boundaries.codes
    fig = maps.deso_map(
        boundaries,
        pd.DataFrame({"deso": ["0680C1090"], "value": [5.0]}),
        indicator_name="Folkmängd",
        unit="personer",
        year=2023,
        area_of={"0680C1070": "Råslätt", "0680C1090": "Råslätt"},
    )
    shapes = fills(fig)
    for code in ("0680C1071", "0680C1072", "0680C1090"):
        assert "Fokusområde: Råslätt" in shapes[code].text, code
    assert "RegSO: Råslätt (0680R024)" in shapes["0680C1071"].text
    assert "Folkmängd: 5 personer (2023)" in shapes["0680C1090"].text
    zoomed = maps.focus_zoom(fig)
    assert zoomed is not None and "fokusområdena närmare" in zoomed.layout.title.text


def test_regso_map_colours_each_deso_by_its_regso_type():
    boundaries = maps.load_deso_boundaries(PROJECT / "data" / "raw", "0123")
    types = pd.DataFrame({"regso": ["0123R007", "0123R016_RegSO2025"], "omradestyp": [1, 2]})
    fig = maps.regso_map(boundaries, types, year=2024)
    shapes = [t for t in fig.data if t.fill == "toself"]
    assert len(shapes) == 44
    by_deso = {t.text.split("DeSO ")[1][:9]: t for t in shapes}
    assert by_deso["0123C1170"].fillcolor == maps.OMRADESTYP[1][1]  # Centrala Söderhöjden
    assert "Områdestyp 1: Stora socioekonomiska utmaningar (2024)" in by_deso["0123C1170"].text
    assert by_deso["0123C1290"].fillcolor == maps.OMRADESTYP[2][1]  # Nibble
    assert by_deso["0123C1370"].fillcolor == maps.MISSING_COLOR  # Ulvsättra: no type given
    legend = [t.name for t in fig.data if t.fill != "toself"]
    assert legend[0] == "1: Stora socioekonomiska utmaningar" and legend[-1] == "Uppgift saknas"


def test_kommun_map_projects_outlines_onto_the_deso_map():
    outlines = maps.load_kommun_outlines(PROJECT / "data" / "raw")
    assert len(outlines) == 290
    fig = maps.kommun_map(
        outlines,
        pd.DataFrame({"kommun": ["0123", "0680"], "value": [1.5, 3.0]}),
        indicator_name="Segregationsindex",
        year=2023,
    )
    coloured = {t.text.split("(")[1][:4]: t for t in fig.data if t.hoveron == "fills"}
    assert set(coloured) == {"0123", "0680"}
    assert "<b>Järfälla</b> (0123)<br>Segregationsindex: 1,5" in coloured["0123"].text
    assert rgb(coloured["0680"].fillcolor) == rgb(sequential.YlGnBu[-1])
    # the projected WGS84 outline of Järfälla lies where SCB's SWEREF 99 TM DeSO are
    deso = json.loads((GEOGRAPHY / "deso2025_0123_sweref99tm.geojson").read_text("utf-8"))
    points = np.array([p for f in deso["features"] for p in f["geometry"]["coordinates"][0]])
    xs = np.array([x for x in coloured["0123"].x if x is not None])
    ys = np.array([y for y in coloured["0123"].y if y is not None])
    assert abs(xs.min() - points[:, 0].min()) < 1500 and abs(xs.max() - points[:, 0].max()) < 1500
    assert abs(ys.min() - points[:, 1].min()) < 1500 and abs(ys.max() - points[:, 1].max()) < 1500


# -- live: SCB's map service on 127.0.0.1 -----------------------------------------------------


def square(code: str, kommun: str, x: float, y: float, size: float = 1000.0) -> dict:
    ring = [[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]
    return {
        "type": "Feature",
        "id": f"DeSO.{code}",
        "geometry": {"type": "Polygon", "coordinates": [ring]},
        "properties": {"desokod": code, "regsokod": kommun + "R001", "kommunkod": kommun},
    }


class WfsServer(LocalHttpServer):
    """GeoServer's WFS GetFeature for `typeNames` (2.0; `typeName` in 1.x), `srsName` and
    `CQL_FILTER=kommunkod='…'`, as GeoJSON; a request with the wrong layer parameter for
    its version, or without a CRS, is refused (400)."""

    api_prefix = "/geoserver/stat/wfs"

    def __init__(self, layers: dict[str, list[dict]]) -> None:
        super().__init__()
        self.layers = layers

    def _serve(self, handler: RequestHandler) -> None:
        url = urllib.parse.urlsplit(handler.path)
        query = dict(urllib.parse.parse_qsl(url.query))
        self._record(query)
        fault = self._take_fault(url.path)
        if fault is not None and fault.kind == "status":
            self._send_json(handler, fault.status, {"error": "busy"}, "application/json", {})
            return
        if url.path != self.api_prefix or query.get("request") != "GetFeature":
            self._send_json(handler, 400, {"error": "bad request"}, "application/json", {})
            return
        # GeoServer: WFS 2.0 names the layer in typeNames, 1.x in typeName; a CRS is asked for
        wanted = "typeNames" if query.get("version", "").startswith("2.") else "typeName"
        other = "typeName" if wanted == "typeNames" else "typeNames"
        if wanted not in query or other in query or not query.get("srsName"):
            problem = {"error": f"WFS {query.get('version')} takes {wanted} and srsName"}
            self._send_json(handler, 400, problem, "application/json", {})
            return
        kommun = query.get("CQL_FILTER", "").removeprefix("kommunkod='").removesuffix("'")
        features = [
            f for f in self.layers.get(query[wanted], []) if f["properties"]["kommunkod"] == kommun
        ]
        body = {
            "type": "FeatureCollection",
            "features": features,
            "totalFeatures": len(features),
            "numberMatched": len(features),
            "numberReturned": len(features),
            "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::3006"}},
        }
        self._send_json(handler, 200, body, "application/json;charset=UTF-8", {})


def http() -> JsonHttp:
    return JsonHttp(timeout=5, max_retries=2, retry_budget=2, backoff_base=0.01,
                    limiter=RateLimiter(50, 1.0))  # fmt: skip


STOCKHOLM = [square("0180C1010", "0180", 674000, 6580000), square("0180C1020", "0180", 675000, 6580000)]  # fmt: skip


def test_live_fetch_stores_scb_answer_verbatim_and_the_map_reads_it(tmp_path):
    store = RawStore(tmp_path)
    with WfsServer({"stat:DeSO_2025": STOCKHOLM}) as server:
        server.inject("status", path_contains="/wfs", status=503)  # retried by the client
        assert maps.fetch_deso_boundaries(store, http(), server.url, "0180") == (
            "stat:DeSO_2025",
            2,
        )
    assert len(server.requests) == 2
    query = server.requests[-1]
    assert query["typeNames"] == "stat:DeSO_2025" and query["srsName"] == "EPSG:3006"
    assert query["version"].startswith("2.") and "typeName" not in query
    assert query["CQL_FILTER"] == "kommunkod='0180'"
    stored = store.read("geodata", "DeSO_2025", "0180")  # verified against its sha256
    body = json.loads(stored.read("features.json"))
    assert [f["properties"]["desokod"] for f in body["features"]] == ["0180C1010", "0180C1020"]
    assert stored.manifest["layer"] == "stat:DeSO_2025" and stored.manifest["features"] == 2
    assert stored.manifest["files"][0]["url"].startswith(server.url)
    boundaries = maps.load_deso_boundaries(tmp_path, "0180")
    assert boundaries.division == "DeSO 2025" and sorted(boundaries.codes) == [
        "0180C1010",
        "0180C1020",
    ]
    assert "stat:DeSO_2025" in boundaries.source
    fig = maps.deso_map(
        boundaries,
        pd.DataFrame({"deso": ["0180C1010"], "value": [7.0]}),
        indicator_name="Andel",
        unit="procent",
        year=2024,
    )
    assert fills(fig)["0180C1010"].x[:2] == (674000, 675000)


def test_live_fetch_falls_back_to_deso_2018_and_says_when_there_is_none(tmp_path):
    old = [square("1280C1070", "1280", 379000, 6156000)]
    with WfsServer({"stat:DeSO_2025": [], "stat:DeSO_2018": old}) as server:
        assert maps.fetch_deso_boundaries(RawStore(tmp_path), http(), server.url, "1280") == (
            "stat:DeSO_2018",
            1,
        )
        assert [q["typeNames"] for q in server.requests] == ["stat:DeSO_2025", "stat:DeSO_2018"]
        assert maps.fetch_deso_boundaries(RawStore(tmp_path), http(), server.url, "2584") is None
    assert maps.load_deso_boundaries(tmp_path, "1280").division == "DeSO 2018"
    assert maps.load_deso_boundaries(tmp_path, "2584") is None
    assert not (tmp_path / "geodata" / "DeSO_2025").exists()
    section = map_section({}, "2584", "Kiruna", tmp_path)
    assert section["figures"] == []
    assert "Ingen karta: gränserna för DeSO i Kiruna har inte hämtats" in section["message"]
    assert "SEGREGATION_" not in section["message"]  # the setting is in the Teknisk bilaga
    page = render("maps.html.j2", maps=section)
    assert "gränserna för DeSO i Kiruna" in page and "<div" not in page


def test_live_run_fetches_boundaries_only_for_kommuner_without_any(raw_dir, monkeypatch):
    with (raw_dir / "areas" / "kommuner.csv").open("a", encoding="utf-8") as handle:
        handle.write("0180,Stockholm\n")
    # boundaries are fetched for kommuner followed (with focus areas): give Stockholm one
    with (raw_dir / "areas" / "focus_areas.csv").open("a", encoding="utf-8") as handle:
        handle.write("0180,provomrade,Provområde,DeSO2018,0180C4050,obekräftad,\n")
    with WfsServer({"stat:DeSO_2025": STOCKHOLM}) as server:
        monkeypatch.setenv("SCB_GEODATA_URL", server.url)
        resource = PipelineResource(source="live", raw_dir=str(raw_dir))
        result = materialize([deso_boundaries], resources={"pipeline": resource})
        assert result.success
        assert [q["CQL_FILTER"] for q in server.requests] == ["kommunkod='0180'"]
        meta = result.asset_materializations_for_node("raw__deso_boundaries")[0].metadata
        assert meta["fetched"].value == 1 and meta["kommuner_without_boundaries"].value == 0
        # the next live run finds them stored and asks nothing
        assert materialize([deso_boundaries], resources={"pipeline": resource}).success
        assert len(server.requests) == 1
    assert (raw_dir / "geodata" / "DeSO_2025" / "0180" / "manifest.json").exists()
    assert Path(raw_dir / "geography" / "deso2025_0123_sweref99tm.geojson").exists()


def test_a_kommun_without_deso_values_is_told_so_not_to_run_the_pipeline():
    """The report reads `deso_indicator` only for its own kommuner: a kommun with none of its
    DeSO in the mart gets the sentence about the indicator, not "run the pipeline"."""
    columns = ["kommun", "deso", "indicator", "sex", "year", "value", "area_name", "unit"]
    none = pd.DataFrame(columns=columns)
    raw = PROJECT / "data" / "raw"
    text = maps.deso_map_for_kommun(none, "0123", "Järfälla", raw, "lag_ekonomisk_standard")
    assert text == (
        "Det finns inga värden per DeSO för indikatorn lag_ekonomisk_standard i Järfälla."
    )
    no_mart = maps.deso_map_for_kommun(None, "0123", "Järfälla", raw)
    assert no_mart == "Ingen karta: det finns inga värden per DeSO att visa."  # no "make run"


def test_wfs_requests_name_the_layer_as_their_version_does_and_say_their_crs():
    from pipelines.sources.wfs import LAYERS, get_feature_params

    client = http()

    def get(url: str, params: dict[str, str]):
        return client.request(
            "wfs",
            "GET",
            url,
            params=params,
            refuse=lambda r: RuntimeError(f"HTTP {r.status_code}"),
            give_up=RuntimeError,
        )

    with WfsServer({"stat:DeSO_2025": STOCKHOLM}) as server:
        two = get(server.url, get_feature_params(LAYERS["DeSO2025"], "0180"))
        one = get(server.url, get_feature_params("stat:DeSO_2025", "0180", version="1.1.0"))
        assert len(two.json()["features"]) == 2 and len(one.json()["features"]) == 2
        first, second = server.requests
        assert first["typeNames"] == "stat:DeSO_2025" and "typeName" not in first
        assert second["typeName"] == "stat:DeSO_2025" and "typeNames" not in second
        assert first["srsName"] == second["srsName"] == "EPSG:3006"
        # the server refuses the 1.x name in a 2.0 request, and a request without a CRS
        wrong = get_feature_params("stat:DeSO_2025", "0180", version="1.1.0")
        wrong["version"] = "2.0.0"
        no_crs = get_feature_params("stat:DeSO_2025", "0180")
        del no_crs["srsName"]
        for params in (wrong, no_crs):
            with pytest.raises(RuntimeError, match="HTTP 400"):
                get(server.url, params)
