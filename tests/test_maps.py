import json
import re
from pathlib import Path

import folium
import geopandas as gpd
import pandas as pd
import pytest
from geopandas.testing import assert_geodataframe_equal
from shapely.geometry import LineString, Point, box

from transnet.maps import LAYER_NAMES, save_map, scenario_map
from transnet.network import RoadNetwork, network_from_lines

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


def render(tmp_path: Path, **overrides) -> str:
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
    save_map(m, path)
    return path.read_text(encoding="utf-8")


def overlays(page: str) -> dict[str, str]:
    """Map layer-control names to their JavaScript variables."""
    block = re.search(r"overlays\s*:\s*\{(.*?)\}", page, re.DOTALL)
    assert block, "no layer control in the page"
    return {json.loads(k): v for k, v in re.findall(r'("[^"]*")\s*:\s*(\w+)', block.group(1))}


def layer_data(page: str, name: str) -> dict:
    variable = overlays(page)[name]
    match = re.search(rf"{variable}_add\((\{{.*?\}})\);\n", page)
    assert match, f"no GeoJSON data for layer {name!r}"
    return json.loads(match.group(1))


def popups(page: str) -> dict[str, str]:
    """Map each popup's variable to its HTML content."""
    contents = {}
    for popup in re.findall(r"var (popup_\w+) = L\.popup\(", page):
        match = re.search(rf"\$\(`(.*?)`\)\[0\];\s*{popup}\.setContent", page, re.DOTALL)
        assert match, f"popup {popup} has no content"
        contents[popup] = match.group(1)
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
    assert "L.control.scale()" in page
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


def test_choropleth_legend_and_outline_only(tmp_path):
    page = render(tmp_path)
    assert f".text({json.dumps(CAPTION)})" in page
    county = layer_data(page, "Counties")["features"][0]
    assert county["properties"] == {"name": "阳曲县", "value": "42.12"}

    (tmp_path / "plain").mkdir()
    plain = render(tmp_path / "plain", choropleth=None, plan=None, tiles=None)
    assert CAPTION not in plain
    assert "d3.scale" not in plain
    assert "Plan projects" not in overlays(plain)
    assert "tile.openstreetmap.org" not in plain


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
        for found in re.findall(r'"coordinates": (\[[-0-9.,\s\[\]e]*\])', page)
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
    bounds = _flatten(json.loads(re.search(r"fitBounds\(\s*(\[\[.*?\]\]),", page).group(1)))
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
    bounds = json.loads(re.search(r"fitBounds\(\s*(\[\[.*?\]\]),", page).group(1))
    assert bounds[0] == pytest.approx([37.85, 112.3], abs=1e-4)
    assert pd.Series(_flatten(bounds)).between(30, 120).all()
