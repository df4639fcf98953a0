import json
import re
import time
from pathlib import Path

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from fast_geocn import wgs84_to_gcj02
from geopandas.testing import assert_geodataframe_equal
from shapely.geometry import LineString, Point, box

from transnet._errors import InputError, TransnetError
from transnet.network import RoadNetwork, network_from_lines
from transnet.summary import headline
from transnet.testing import synthetic_network as synthetic_grid
from transnet.viz.web import (
    CHOROPLETH_METRICS,
    LAYER_NAMES,
    TILE_PROVIDERS,
    compare_map,
    save_map,
    scenario_map,
    write_study_maps,
)

PROJECTED = "EPSG:32649"
CARD_NAME = "G208 太原绕城改线"
NOTES = [
    "Network is SCHEMATIC: trunk roads drawn through real places",
    "Cards E8, N3–N13 are ILLUSTRATIVE",
]
CAPTION = "Road density (km/100 km2)"


def make_network() -> RoadNetwork:
    # Around lon 112.5, lat 38 (x = 631 700 m, y = 4 206 877 m in UTM 49N); odd decimals on
    # purpose, so that unrounded output would show.
    lines = gpd.GeoDataFrame(
        {
            "id": ["x1", "g1", "g2"],
            "name": ["太旧高速", "G108", "S317"],
            "ref": ["G5", "G108", "S317"],
            "grade": ["expressway", "1", "2"],
            "lanes": [4, 4, 2],
        },
        geometry=[
            LineString([(620000.123, 4200000.456), (630000.789, 4201000.321), (640000.5, 4200000)]),
            LineString([(620000.77, 4206000.11), (630000.33, 4206000.66), (640000.9, 4205000.2)]),
            LineString([(627000.41, 4195000.59), (627000.2, 4202000.8), (627000.37, 4210000.13)]),
        ],
        crs=PROJECTED,
    )
    interchanges = gpd.GeoDataFrame(
        {"name": ["阳曲 IC"]}, geometry=[Point(625000.0, 4200500.0)], crs=PROJECTED
    )
    return network_from_lines(lines, interchanges)


def make_counties() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "code": ["140122"],
            "name": ["阳曲县"],
            "area_km2": [2062.1],
            "density_per_100km2": [42.123456789],
        },
        geometry=[box(112.3000001234, 37.8500004321, 112.9000006789, 38.1500009876)],
        crs="EPSG:4326",
    )


def make_seats() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"code": ["140122"], "name": ["黄寨镇"]},
        geometry=[Point(112.6123456789, 37.9876543219)],
        crs="EPSG:4326",
    )


def make_plan(name: str = CARD_NAME) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "id": ["N3"],
            "name": [name],
            "class": ["national_provincial"],
            "action": ["realign"],
            "length_km": [27.5],
            "length_basis": ["estimated"],
            "investment_100m_cny": [12.25],
            "investment_basis": ["apportioned"],
            "status": ["planned"],
            "opened": [None],
            "grade": ["1"],
            "lanes": [4],
            "ref": ["G208"],
            "provenance": ["illustrative"],
            "source": [""],
            "interchanges": [[]],
            "geometry_km": [27.1],
            "outcome": ["added"],
        },
        geometry=[LineString([(112.4012345678, 37.9012345678), (112.7098765432, 37.9298765432)])],
        crs="EPSG:4326",
    )


def render(tmp_path: Path, *, self_contained: bool = True, **overrides) -> str:
    arguments = {
        "counties": make_counties(),
        "seats": make_seats(),
        "plan": make_plan(),
        "title": "太忻一体化经济区 — after the plan",
        "notes": NOTES,
        "choropleth": "density_per_100km2",
        "choropleth_label": CAPTION,
        **overrides,
    }
    network = arguments.pop("network", None) or make_network()
    m = scenario_map(network, **arguments)
    assert isinstance(m, folium.Map)
    path = tmp_path / "map.html"
    save_map(m, path, self_contained=self_contained)
    return path.read_text(encoding="utf-8")


def overlays(page: str) -> dict[str, str]:
    """Map layer-control names to their JavaScript variables."""
    block = re.search(r"overlays\s*:\s*\{(.*?)\}", page, re.DOTALL)
    assert block, "no layer control in the page"
    return {json.loads(k): v for k, v in re.findall(r'("[^"]*")\s*:\s*(\w+)', block.group(1))}


def fit_bounds(page: str) -> list[list[float]]:
    match = re.search(r"map_\w+\.fitBounds\(\s*(\[\[.*?\]\]),", page)
    assert match, "the map is not fitted to bounds"
    return json.loads(match.group(1))


def layer_data(page: str, name: str) -> dict:
    variable = overlays(page)[name]
    match = re.search(rf"{variable}_add\((\{{.*?\}})\);\n", page)
    assert match, f"no GeoJSON data for layer {name!r}"
    return json.loads(match.group(1))


def popups(page: str) -> dict[str, str]:
    """Map each popup's variable to its HTML content."""
    contents = {}
    for popup in re.findall(r"var (popup_\w+) = L\.popup\(", page):
        match = re.search(rf"{popup}\.setContent\((\".*?\")\);\n", page)
        assert match, f"popup {popup} has no content"
        contents[popup] = json.loads(match.group(1))
    return contents


def test_layer_control_lists_each_grade_present_and_the_other_layers(tmp_path):
    page = render(tmp_path)
    names = overlays(page)
    for name in ("Expressway", "Grade 1 road", "Grade 2 road"):
        assert name in names
    assert "Grade 3 road" not in names  # no grade-3 road in the network
    for key in ("counties", "plan", "interchanges", "seats"):
        assert LAYER_NAMES[key] in names
    assert '"collapsed": false' in page
    assert '"preferCanvas": true' in page
    assert "L.control.scale({imperial: false})" in page  # metric scale bar
    assert "tile.openstreetmap.org" in page


def test_roads_are_merged_per_grade_name_and_ref_with_tooltips(tmp_path):
    page = render(tmp_path)
    expressway = layer_data(page, "Expressway")["features"]
    # Two main-line edges (the line is split at the interchange) merge into one feature;
    # the ramp is a feature of its own.
    assert len(expressway) == 2
    mainline = next(f for f in expressway if not f["properties"]["ramp"])
    assert mainline["geometry"]["type"] == "LineString"
    assert len(mainline["geometry"]["coordinates"]) == 4
    assert mainline["properties"] == {
        "name": "太旧高速",
        "ref": "G5",
        "grade": "Expressway",
        "lanes": "4",
        "ramp": False,
    }
    variable = overlays(page)["Expressway"]
    styler = re.search(rf"function {variable}_styler.*?\n        }}\n", page, re.DOTALL).group(0)
    assert '"color": "#c0392b"' in styler
    assert '"weight": 5.0' in styler
    assert '"weight": 1.5' in styler  # the ramp
    assert re.search(rf'{variable}\.bindTooltip\(.*?"name", "ref", "grade", "lanes"', page, re.S)


def test_plan_card_is_in_a_popup_bound_to_its_lines(tmp_path):
    page = render(tmp_path)
    contents = popups(page)
    card = [name for name, html in contents.items() if CARD_NAME in html]
    assert len(card) == 1
    html = contents[card[0]]
    for text in ("N3", "realign", "27.5 km (estimated)", "12.25 亿元 (apportioned)", "added"):
        assert text in html
    assert "ILLUSTRATIVE" in html
    group = re.search(rf"(\w+)\.bindPopup\({card[0]}\)", page).group(1)
    lines = re.findall(rf"L\.polyline\(.*?\)\.addTo\({group}\);", page, re.DOTALL)
    assert len(lines) == 2  # halo and line
    assert '"dashArray": "16 6 2 6"' in lines[1]


def test_text_is_escaped(tmp_path):
    page = render(tmp_path, plan=make_plan("Ring <b>road</b> `${alert(1)}`"), title="A & B")
    html = next(iter(popups(page).values()))
    assert "Ring &lt;b&gt;road&lt;/b&gt;" in html
    assert "<b>road" not in page
    assert "${alert" not in page
    assert ">A &amp; B<" in page


def test_notes_and_title_are_visible_without_clicking(tmp_path):
    page = render(tmp_path)
    body = page.split("<body>", 1)[1].split("<script>", 1)[0]
    for note in NOTES:
        assert f'<li style="margin:2px 0">{note}</li>' in body
    assert "太忻一体化经济区 — after the plan" in body
    assert "position:fixed" in body


def legend(page: str) -> str:
    match = re.search(r'<div class="transnet-legend".*?</div></div>\s*<', page, re.DOTALL)
    assert match, "no legend box"
    return match.group(0)


def test_choropleth_legend_and_outline_only(tmp_path):
    page = render(tmp_path)
    box_html = legend(page)
    assert CAPTION in box_html
    assert "42.12" in box_html  # one county: one class from its value
    assert "d3.scale" not in page and "/d3/" not in page  # no branca colormap
    county = layer_data(page, "Counties")["features"][0]
    assert county["properties"] == {"name": "阳曲县", "value": "42.12"}

    (tmp_path / "plain").mkdir()
    plain = render(tmp_path / "plain", choropleth=None, plan=None, tiles="none")
    assert CAPTION not in plain
    assert "Plan projects" not in overlays(plain)
    assert "tile.openstreetmap.org" not in plain
    assert ".leaflet-container {background:#f4f2ec}" in plain


def test_inputs_are_not_mutated(tmp_path):
    network = make_network()
    counties, seats, plan = make_counties(), make_seats(), make_plan()
    nodes, edges, metadata = network.nodes.copy(), network.edges.copy(), dict(network.metadata)
    copies = (counties.copy(), seats.copy(), plan.copy())
    notes = list(NOTES)
    render(tmp_path, network=network, counties=counties, seats=seats, plan=plan, notes=notes)
    assert_geodataframe_equal(network.nodes, nodes)
    assert_geodataframe_equal(network.edges, edges)
    assert network.metadata == metadata
    for frame, copy in zip((counties, seats, plan), copies, strict=True):
        assert_geodataframe_equal(frame, copy)
        assert list(frame.columns) == list(copy.columns)
    assert notes == NOTES


def _decimals(value: float) -> int:
    text = repr(float(value))
    return len(text.split(".")[1]) if "." in text and "e" not in text else 0


def _flatten(values) -> list[float]:
    if isinstance(values, list):
        return [v for item in values for v in _flatten(item)]
    return [values]


def test_coordinates_are_rounded_to_five_decimals(tmp_path):
    page = render(tmp_path)
    geojson = [
        v
        for found in re.findall(r'"coordinates":\s*(\[[-0-9.,\s\[\]e]*\])', page)
        for v in _flatten(json.loads(found))
    ]
    polylines = [
        v
        for found in re.findall(r"L\.polyline\(\s*(\[\[.*?\]\]),", page, re.DOTALL)
        for v in _flatten(json.loads(found))
    ]
    markers = [
        v
        for found in re.findall(r"L\.circleMarker\(\s*(\[[^\]]*\]),", page)
        for v in json.loads(found)
    ]
    bounds = _flatten(fit_bounds(page))
    # County ring, expressway and its ramp, grade 1 and grade 2 roads, the interchange.
    assert len(geojson) >= 2 * (5 + 4 + 2 + 3 + 3 + 1)
    assert len(polylines) == 2 * 2 * 2
    assert len(markers) == 2
    assert len(bounds) == 4
    for value in geojson + polylines + markers + bounds:
        assert _decimals(value) <= 5, value
    assert max(_decimals(v) for v in geojson + polylines + markers) == 5


def test_rejects_bad_inputs(tmp_path):
    with pytest.raises(ValueError, match="no_such_column"):
        render(tmp_path, choropleth="no_such_column")
    with pytest.raises(ValueError, match="no CRS"):
        render(tmp_path, counties=make_counties().set_crs(None, allow_override=True))
    with pytest.raises(ValueError, match="name"):
        render(tmp_path, seats=make_seats().drop(columns="name"))
    bad_plan = make_plan()
    bad_plan["action"] = "demolish"
    with pytest.raises(ValueError, match="demolish"):
        render(tmp_path, plan=bad_plan)
    with pytest.raises(ValueError, match="empty"):
        render(tmp_path, counties=make_counties().iloc[:0])


def test_counties_in_another_crs_are_reprojected(tmp_path):
    projected = make_counties().to_crs(PROJECTED)
    page = render(tmp_path, counties=projected)
    bounds = fit_bounds(page)
    assert bounds[0] == pytest.approx([37.85, 112.3], abs=1e-4)
    assert pd.Series(_flatten(bounds)).between(30, 120).all()


# --------------------------------------------------------------------------------------------
# Offline pages
# --------------------------------------------------------------------------------------------

REMOTE_ASSET = re.compile(r"<(?:script|link)\b[^>]*\b(?:src|href)\s*=\s*[\"']?(?:https?:)?//", re.I)


def visible_html(page: str) -> str:
    """The page's HTML without its scripts and styles: what is shown without clicking."""
    body = page.split("<body>", 1)[1]
    return re.sub(r"<(script|style)\b.*?</\1>", "", body, flags=re.DOTALL)


def test_self_contained_page_inlines_leaflet_and_loads_no_other_library(tmp_path):
    page = render(tmp_path, tiles="none")
    assert not REMOTE_ASSET.search(page)
    assert "Leaflet 1.9" in page  # the library's banner: its code is in the page
    assert "sourceMappingURL" not in page
    assert "url(data:image/png;base64," in page  # the layer-control icon of leaflet.css
    lowered = page.lower()
    for library in ("jquery", "bootstrap", "awesome-markers", "fontawesome", "/d3/"):
        assert library not in lowered
    assert "$(" not in page  # popups are set without jQuery
    assert len(re.findall(r"<script>", page)) >= 2  # Leaflet, then the map


def test_cdn_page_links_leaflet_only(tmp_path):
    page = render(tmp_path, self_contained=False, tiles="none")
    scripts = re.findall(r"<script\b[^>]*\bsrc=\"([^\"]+)\"", page)
    sheets = re.findall(r"<link\b[^>]*\bhref=\"([^\"]+)\"", page)
    assert len(scripts) == 1 and re.search(r"leaflet@1\.9\.\d+/dist/leaflet\.js$", scripts[0])
    assert len(sheets) == 1 and sheets[0].endswith("/leaflet.css")
    assert "Leaflet 1.9" not in page


def test_a_remote_asset_left_in_a_self_contained_page_is_an_error(tmp_path):
    m = scenario_map(
        make_network(),
        counties=make_counties(),
        seats=make_seats(),
        plan=None,
        title="T",
        notes=[],
        tiles="none",
    )
    m.get_root().header.add_child(folium.JavascriptLink("https://example.com/extra.js"))
    path = tmp_path / "map.html"
    with pytest.raises(TransnetError, match=re.escape("https://example.com/extra.js")):
        save_map(m, path)
    assert not path.exists()
    save_map(m, path, self_contained=False)  # allowed when the page may use the network
    assert "https://example.com/extra.js" in path.read_text(encoding="utf-8")


# --------------------------------------------------------------------------------------------
# Tiles
# --------------------------------------------------------------------------------------------


def first_marker(page: str) -> list[float]:
    return json.loads(re.search(r"L\.circleMarker\(\s*(\[[^\]]*\]),", page).group(1))


def test_gaode_tiles_shift_every_overlay_to_gcj02(tmp_path):
    wgs = render(tmp_path, tiles="none")
    (tmp_path / "gaode").mkdir()
    gcj = render(tmp_path / "gaode", tiles="gaode")
    assert "webrd0{s}.is.autonavi.com" in gcj and '"subdomains": "1234"' in gcj
    assert "tile.openstreetmap.org" not in gcj
    assert "GCJ-02" in visible_html(gcj)  # said in the notes

    def shifted(lon: float, lat: float) -> list[float]:
        return list(wgs84_to_gcj02(lon, lat))

    seat = make_seats().geometry.iloc[0]
    lat, lon = first_marker(gcj)
    assert [lon, lat] == pytest.approx(shifted(seat.x, seat.y), abs=1e-5)
    # The offset near Taiyuan is several hundred metres: far above rounding.
    assert abs(lon - seat.x) > 3e-3

    for layer in ("Counties", "Expressway", "Grade 2 road", "Interchanges"):
        before = _flatten(layer_data(wgs, layer)["features"][0]["geometry"]["coordinates"])
        after = _flatten(layer_data(gcj, layer)["features"][0]["geometry"]["coordinates"])
        expected = [
            v for x, y in zip(before[::2], before[1::2], strict=True) for v in shifted(x, y)
        ]
        assert after == pytest.approx(expected, abs=2e-5), layer
    card = np.array(json.loads(re.search(r"L\.polyline\(\s*(\[\[.*?\]\]),", gcj, re.S).group(1)))
    lat0, lon0 = card[0][0]
    assert [lon0, lat0] == pytest.approx(shifted(112.4012345678, 37.9012345678), abs=1e-5)
    corners = [shifted(x, y) for x in (112.3000001234, 112.9000006789) for y in (37.85, 38.15)]
    (south, west), (north, east) = fit_bounds(gcj)
    assert [west, south] == pytest.approx(np.min(corners, axis=0), abs=1e-5)
    assert [east, north] == pytest.approx(np.max(corners, axis=0), abs=1e-5)


def test_tianditu_tiles_need_a_key_and_keep_wgs84(tmp_path, monkeypatch):
    monkeypatch.delenv("TIANDITU_KEY", raising=False)
    with pytest.raises(InputError, match="TIANDITU_KEY") as error:
        render(tmp_path, tiles="tianditu")
    assert error.value.field == "tianditu_key"

    page = render(tmp_path, tiles="tianditu", tianditu_key="k3y")
    for text in ("t{s}.tianditu.gov.cn/vec_w/wmts", "t{s}.tianditu.gov.cn/cva_w/wmts", "tk=k3y"):
        assert text in page
    assert json.dumps("天地图")[1:-1] in page  # attribution (folium writes JSON, ASCII-escaped)
    seat = make_seats().geometry.iloc[0]
    assert first_marker(page) == [round(seat.y, 5), round(seat.x, 5)]  # CGCS2000: no shift

    monkeypatch.setenv("TIANDITU_KEY", "from-env")
    assert "tk=from-env" in render(tmp_path, tiles="tianditu")


@pytest.mark.parametrize("tiles", ["google", "OpenStreetMap Mapnik", ""])
def test_unknown_tile_provider_is_an_input_error(tmp_path, tiles):
    with pytest.raises(InputError) as error:
        render(tmp_path, tiles=tiles)
    assert error.value.field == "tiles"
    for name in TILE_PROVIDERS:
        assert name in str(error.value)


# --------------------------------------------------------------------------------------------
# Choropleth
# --------------------------------------------------------------------------------------------


def test_counties_without_a_value_are_grey_and_labelled_unreachable(tmp_path):
    counties = pd.concat(
        [make_counties(), make_counties().assign(code="140123", name="无路县")], ignore_index=True
    )
    counties["geometry"] = [box(112.3, 37.85, 112.6, 38.15), box(112.6, 37.85, 112.9, 38.15)]
    counties["seat_to_interchange_min"] = [12.5, None]
    page = render(
        tmp_path,
        counties=counties,
        choropleth="seat_to_interchange_min",
        choropleth_label="",
        choropleth_missing="unreachable",
    )
    box_html = legend(page)
    assert "Minutes from county seat to the nearest interchange (min)" in box_html
    assert "unreachable" in box_html and "#bdbdbd" in box_html
    values = [f["properties"]["value"] for f in layer_data(page, "Counties")["features"]]
    assert values == ["12.5", "unreachable"]
    variable = overlays(page)["Counties"]
    styler = re.search(rf"function {variable}_styler.*?\n        }}\n", page, re.DOTALL).group(0)
    assert '"fillColor": "#bdbdbd"' in styler


def test_a_choropleth_with_no_value_at_all_is_grey(tmp_path):
    counties = make_counties().assign(seat_to_interchange_min=None)
    page = render(
        tmp_path,
        counties=counties,
        choropleth="seat_to_interchange_min",
        choropleth_label="",
        choropleth_missing="unreachable",
    )
    assert "unreachable" in legend(page)
    assert layer_data(page, "Counties")["features"][0]["properties"]["value"] == "unreachable"
    dual = compare_map(
        make_network(),
        make_network(),
        counties=counties.assign(after=None),
        seats=make_seats(),
        plan=None,
        title="T",
        notes=[],
        choropleth=("seat_to_interchange_min", "after"),
        choropleth_missing="unreachable",
        tiles="none",
    )
    save_map(dual, tmp_path / "compare.html")
    assert "unreachable" in (tmp_path / "compare.html").read_text(encoding="utf-8")
    with pytest.raises(ValueError, match="no numeric value"):
        render(tmp_path, counties=make_counties().assign(text="abc"), choropleth="text")


def test_choropleth_metrics_have_labels_and_units():
    assert next(iter(CHOROPLETH_METRICS)) == "seat_to_interchange_min"
    for key in (
        "seat_to_interchange_min",
        "seat_to_interchange_km",
        "density_per_100km2",
        "expressway_density_per_100km2",
        "seat_to_grade1_km",
    ):
        label, unit = CHOROPLETH_METRICS[key]
        assert label and unit


# --------------------------------------------------------------------------------------------
# The bundle's maps
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def study(bundle_study):
    return bundle_study


@pytest.fixture(scope="module")
def bundle_maps(study, tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("maps")
    counties = study.region.counties.copy()
    paths = write_study_maps(study, folder, tiles="none")
    assert_geodataframe_equal(study.region.counties, counties)
    return {path.name: path for path in paths}


def test_study_maps_are_small_self_contained_and_say_what_is_approximate(bundle_maps, study):
    assert list(bundle_maps) == ["before.html", "after.html", "compare.html"]
    for name, path in bundle_maps.items():
        assert path.stat().st_size < 3_000_000, name
        page = path.read_text(encoding="utf-8")
        assert not REMOTE_ASSET.search(page), name
        assert "Leaflet 1.9" in page
        shown = visible_html(page)
        for word in ("SCHEMATIC", "ILLUSTRATIVE", "bundle taixin: network.geojson"):
            assert word in shown, (name, word)
        assert str(study.before.metadata["date"]).split(" ")[0] in shown
        assert "Minutes from county seat to the nearest interchange (min)" in shown


def test_compare_page_has_both_maps_synced_offline_and_the_deltas(bundle_maps, study):
    page = bundle_maps["compare.html"].read_text(encoding="utf-8")
    maps = re.findall(r"var (map_\w+) = L\.map\(", page)
    assert len(maps) == 2
    assert "L.Map.include(" in page
    assert f"{maps[0]}.sync({maps[1]})" in page and f"{maps[1]}.sync({maps[0]})" in page
    assert "L.Map.Sync.min.js" not in page and "jieter" not in page  # no Leaflet.Sync from a CDN
    # Both halves carry the same layers, the plan included.
    controls = re.findall(r"overlays\s*:\s*\{(.*?)\}", page, re.DOTALL)
    assert len(controls) == 2
    names = [re.findall(r'"([^"]*)"\s*:', control) for control in controls]
    # The before half draws the plan as planned projects (off), the after half as built.
    assert LAYER_NAMES["planned"] in names[0] and LAYER_NAMES["plan"] not in names[0]
    assert LAYER_NAMES["plan"] in names[1] and LAYER_NAMES["planned"] not in names[1]
    assert [n for n in names[0] if n != LAYER_NAMES["planned"]] == [
        n for n in names[1] if n != LAYER_NAMES["plan"]
    ]
    assert len(re.findall(r"\.bindPopup\(popup_", page)) == 2 * len(study.plan.frame)

    shown = visible_html(page)
    assert "BEFORE the plan" in shown and "AFTER the plan" in shown
    panel = shown.split('class="transnet-deltas"', 1)[1].split("</table>", 1)[0]
    before, after = study.metrics["before"], study.metrics["after"]
    # One row per headline figure of transnet.summary, in its order (the CLI's and report's).
    rows = re.findall(r"<tr><td>(.*?)</td>", panel)
    assert len(rows) == len(headline(study))
    for row, figure in zip(rows, headline(study), strict=True):
        assert row.startswith(figure.label.split(" (")[0].split(";")[0]), (row, figure.label)
    for label in (
        "Expressway density (km/100 km²)",
        "Trunk-road density",
        "Counties on an expressway",
        "Counties on a grade-1 road",
        "Mean minutes, county seat → nearest interchange",
        "Worst minutes, county seat → nearest interchange",
    ):
        assert label in panel
    density = [round(s.density_per_100km2["expressway"], 2) for s in (before, after)]
    row = re.search(r"Expressway density \(km/100 km²\)</td>(.*?)</tr>", panel).group(1)
    cells = re.findall(r"<td>(.*?)</td>", row)
    assert [float(c) for c in cells[:2]] == pytest.approx(density, abs=0.006)
    assert float(cells[2]) == pytest.approx(density[1] - density[0], abs=0.011)
    coverage = before.county_expressway_coverage
    assert f"{coverage.covered}/{coverage.total}" in panel


def test_before_map_draws_the_plan_only_as_a_faint_planned_layer_off_by_default(tmp_path):
    # Issue 9's bug: the "before" map drew the planned projects like built roads.
    page = render(tmp_path, planned=True)
    names = overlays(page)
    assert LAYER_NAMES["planned"] in names and LAYER_NAMES["plan"] not in names
    variable = names[LAYER_NAMES["planned"]]
    assert f"{variable}.addTo(" not in page  # in the layer control, not on the map
    lines = re.findall(r"L\.polyline\(.*?\)\.addTo\(\w+\);", page, re.DOTALL)
    assert len(lines) == 1  # no halo, one faint dashed line
    assert '"opacity": 0.45' in lines[0] and '"dashArray": "4 6"' in lines[0]
    assert '"weight": 2.0' in lines[0]
    assert "Planned project (not built)" in legend(page)
    assert "realign" not in legend(page)  # no action styles: nothing of the plan is built
    assert "Planned: not built in this scenario" in next(iter(popups(page).values()))

    (tmp_path / "after").mkdir()
    built = render(tmp_path / "after")
    variable = overlays(built)[LAYER_NAMES["plan"]]
    assert f"{variable}.addTo(" in built
    lines = re.findall(r"L\.polyline\(.*?\)\.addTo\(\w+\);", built, re.DOTALL)
    assert len(lines) == 2 and '"weight": 16.0' in lines[0]


def test_bundle_before_map_has_no_built_plan(bundle_maps, study):
    before = bundle_maps["before.html"].read_text(encoding="utf-8")
    after = bundle_maps["after.html"].read_text(encoding="utf-8")
    names = overlays(before)
    assert LAYER_NAMES["plan"] not in names
    assert f"{names[LAYER_NAMES['planned']]}.addTo(" not in before
    assert f"{overlays(after)[LAYER_NAMES['plan']]}.addTo(" in after
    assert '"weight": 16.0' not in before and '"weight": 16.0' in after  # no halo before
    assert len(re.findall(r"\.bindPopup\(popup_", before)) == len(study.plan.frame)


def test_unknown_metric_is_an_input_error(study, tmp_path):
    with pytest.raises(InputError) as error:
        write_study_maps(study, tmp_path, metric="seat_to_airport_min", tiles="none")
    assert error.value.field == "metric"
    for name in CHOROPLETH_METRICS:
        assert name in str(error.value)
    assert not list(tmp_path.iterdir())


def test_study_maps_by_another_metric(study, tmp_path):
    paths = write_study_maps(study, tmp_path, metric="density_per_100km2", tiles="none")
    page = paths[0].read_text(encoding="utf-8")
    assert "Road density, all grades in the network (km/100 km²)" in visible_html(page)


def test_compare_map_of_two_networks(tmp_path):
    dual = compare_map(
        make_network(),
        make_network(),
        counties=make_counties().assign(after=50.0),
        seats=make_seats(),
        plan=make_plan(),
        title="Before and after",
        notes=NOTES,
        deltas=[("Expressway km", "10", "12", "+2")],
        choropleth=("density_per_100km2", "after"),
        choropleth_label=CAPTION,
        tiles="none",
    )
    path = tmp_path / "compare.html"
    save_map(dual, path)
    page = path.read_text(encoding="utf-8")
    assert "<td>Expressway km</td><td>10</td><td>12</td><td>+2</td>" in page
    values = [
        f["properties"]["value"]
        for layer in re.findall(r"(geo_json_\w+)_add\(", page)
        for f in json.loads(re.search(rf"{layer}_add\((\{{.*?\}})\);\n", page).group(1))["features"]
        if "value" in f["properties"]
    ]
    assert values == ["42.12", "50"]


# --------------------------------------------------------------------------------------------
# Large networks
# --------------------------------------------------------------------------------------------


def synthetic_network(n_edges: int) -> tuple[RoadNetwork, gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """The synthetic grid of :mod:`transnet.testing` (``benchmarks/bench_maps.py`` uses it too)."""
    grid = synthetic_grid(n_edges)
    return grid.network, grid.counties, grid.seats


def test_large_network_map_is_simplified_shows_minor_roads_when_zoomed_and_fits_budget(tmp_path):
    # The budget: 200,000 edges under 25 MB (benchmarks/bench_maps.py times rendering).
    network, counties, seats = synthetic_network(200_000)
    grade4_edges = int((network.edges["grade"] == "4").sum())
    start = time.perf_counter()
    m = scenario_map(
        network,
        counties=counties,
        seats=seats,
        plan=None,
        title="Synthetic",
        notes=[],
        choropleth="value",
        tiles="none",
    )
    path = tmp_path / "large.html"
    save_map(m, path)
    seconds = time.perf_counter() - start
    size = path.stat().st_size
    assert size < 25_000_000, f"{size / 1e6:.1f} MB"
    assert seconds < 30, f"{seconds:.1f} s"

    page = path.read_text(encoding="utf-8")
    names = overlays(page)
    for grade in ("3", "4"):  # minor roads: not on the map at region zoom ...
        assert f"{names[LAYER_NAMES[grade]]}.addTo(" not in page
    for grade in ("expressway", "1", "2"):
        assert f"{names[LAYER_NAMES[grade]]}.addTo(" in page
    # ... but added by the inline script from zoom 11 on.
    assert "var minZoom = 11;" in page
    assert "grade 3–4 roads appear from zoom 11" in visible_html(page)
    # Simplified: the jitter (σ 6 m) is below the 30 m tolerance, so each edge keeps its ends,
    # and edges that meet end to end are merged.
    coordinates = _flatten(
        [f["geometry"]["coordinates"] for f in layer_data(page, "Grade 4 road")["features"]]
    )
    assert len(coordinates) / 2 < 2 * grade4_edges


def test_small_networks_are_not_simplified(tmp_path):
    network, counties, seats = synthetic_network(200)
    m = scenario_map(
        network,
        counties=counties,
        seats=seats,
        plan=None,
        title="Small",
        notes=[],
        tiles="none",
        large_network_edges=1_000,
    )
    save_map(m, tmp_path / "small.html")
    page = (tmp_path / "small.html").read_text(encoding="utf-8")
    assert "var minZoom" not in page or "var minor = [];" in page
    names = overlays(page)
    assert f"{names[LAYER_NAMES['4']]}.addTo(" in page


def test_popups_flag_illustrative_alignments_of_announced_projects():
    from transnet.viz.web.layers import card_popup_html as _card_popup_html

    card = {
        "id": "E3",
        "name": "忻州至河北新乐",
        "provenance": "announced",
        "geometry_basis": "illustrative",
    }
    page = _card_popup_html(card)
    assert "ILLUSTRATIVE alignment" in page
    assert "ILLUSTRATIVE alignment" not in _card_popup_html({**card, "geometry_basis": "schematic"})
