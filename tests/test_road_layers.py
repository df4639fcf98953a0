"""Users' own road layers (issue 12): a provincial road database read into the one network.

The Gauss–Krüger lines are hand-checkable: straight lines of known length in EPSG:4525
(CGCS2000 3-degree zone 37, central meridian 111°E) near Taiyuan. transnet measures lengths in
UTM zone 49N, whose central meridian is also 111°E: there UTM's scale is 0.9996 × Gauss–Krüger's
at every easting (both grow as 1 + x²/2R² away from the meridian), so each line measures its
drawn length × 0.9996.
"""

from __future__ import annotations

import json
import math

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
from pyproj import Transformer
from shapely.geometry import LineString, Point

from transnet import InputError
from transnet.cli import main
from transnet.io import text
from transnet.io.network_store import load_network
from transnet.io.road_layer_network import network_from_road_layer
from transnet.io.road_layers import likely_crs, parse_fields, read_road_layer
from transnet.metrics.density import zone_density
from transnet.testing import write_road_database

#: A point near Taiyuan in EPSG:4525 (zone number 37, so eastings start with 37).
E0, N0 = 37_640_000.0, 4_195_000.0
UTM_OVER_GK = 0.9996

#: (路线编号, 路线名称, 技术等级, 车道数, vertices as offsets in metres from E0, N0, drawn length)
LINES = [
    ("G5", "京昆高速", "高速公路", 4, [(0, 0), (6000, 0)], 6000.0),
    # Ends on the expressway line between its vertices: joined there, an access interchange.
    ("S318", "太佳线", "二级", 2, [(3000, 0), (3000, 4000)], 4000.0),
    ("X012", "阳曲—东黄水", "三级公路", 2, [(10000, 1000), (13000, 5000)], 5000.0),
    ("", "西村路", "等外", None, [(10000, 10000), (11000, 10000), (11000, 12000)], 3000.0),
    # Crosses the expressway with no shared vertex: a bridge, no access.
    ("G208", "国道208", "一级公路", 4, [(1000, -2000), (1000, 2000)], 4000.0),
    # Shares S318's end and X012's start.
    ("Y005", "东黄水乡道", "四级", None, [(3000, 4000), (10000, 1000)], math.hypot(7000, 3000)),
]


def _write_gk(path, *, lines=LINES, crs="EPSG:4525", encoding="GBK", **extra):
    frame = gpd.GeoDataFrame(
        {
            "路线编号": [r for r, *_ in lines],
            "路线名称": [n for _, n, *_ in lines],
            "技术等级": [g for _, _, g, *_ in lines],
            "车道数": [0 if lanes is None else lanes for *_, lanes, _, _ in lines],
            **extra,
        },
        geometry=[LineString([(E0 + dx, N0 + dy) for dx, dy in xy]) for *_, xy, _ in lines],
        crs=crs,
    )
    frame.to_file(path, driver="ESRI Shapefile", encoding=encoding)
    return path


@pytest.fixture
def gk_shapefile(tmp_path):
    return _write_gk(tmp_path / "路网.shp")


def _per_line(network):
    edges = network.edges[~network.edges["ramp"]]
    return edges.groupby("line_id").agg(
        length_m=("length_m", "sum"),
        grade=("grade", "first"),
        name=("name", "first"),
        ref=("ref", "first"),
        admin_class=("admin_class", "first"),
        lanes=("lanes", "first"),
        edges=("u", "size"),
    )


def test_gbk_gauss_kruger_shapefile_loads_grades_lengths_and_names(gk_shapefile):
    assert gk_shapefile.with_suffix(".cpg").read_text().strip().upper() == "GBK"
    assert "京昆高速".encode("gbk") in gk_shapefile.with_suffix(".dbf").read_bytes()
    network = network_from_road_layer(
        gk_shapefile, fields="技术等级=grade,路线编号=ref,车道数=lanes,路线名称=name"
    )
    assert network.crs.to_epsg() == 32649
    lines = _per_line(network)
    expected_grades = ["expressway", "2", "3", "below_4", "1", "4"]
    expected_admin = ["national_expressway", "provincial", "county", "unknown", "national"]
    for number, (ref, name, _, lanes, _, drawn_m) in enumerate(LINES):
        row = lines.loc[f"feature #{number + 1}"]
        assert row["grade"] == expected_grades[number]
        assert row["name"] == name and row["ref"] == ref
        assert row["length_m"] == pytest.approx(drawn_m * UTM_OVER_GK, abs=0.2), name
        assert pd.isna(row["lanes"]) if lanes is None else row["lanes"] == lanes
    assert lines["admin_class"].tolist()[:5] == expected_admin
    assert lines.loc["feature #6", "admin_class"] == "township"
    # The expressway is cut where S318 ends on it: two edges of 3 km.
    assert lines.loc["feature #1", "edges"] == 2
    assert network.interchange_counts() == {"access": 1, "hub": 0}
    assert network.metadata["interchange_method"] == "road_meets_expressway"
    (node,) = network.interchange_ids
    assert network.nodes.loc[node, "interchange_name"] == "G5 × S318"
    # It lies where S318 ends, on the expressway.
    where = Transformer.from_crs("EPSG:4525", "EPSG:32649", always_xy=True).transform(E0 + 3000, N0)
    assert network.nodes.loc[node, ["x", "y"]].tolist() == pytest.approx(where, abs=0.01)
    assert network.metadata["crossings_without_vertex"] == 1  # G208 passes under
    assert network.metadata["completeness"] == "complete"
    assert network.metadata["crs_read"] == "EPSG:4525"
    assert network.metadata["grade_values"]["等外"] == ["below_4", 1]
    # S318, Y005 and X012 are one connected road through their shared ends.
    s318, y005, x012 = (
        network.edges[network.edges["line_id"] == f"feature #{n}"] for n in (2, 6, 3)
    )
    assert set(s318[["u", "v"]].to_numpy().ravel()) & set(y005[["u", "v"]].to_numpy().ravel())
    assert set(y005[["u", "v"]].to_numpy().ravel()) & set(x012[["u", "v"]].to_numpy().ravel())


def test_fields_are_detected_by_their_chinese_names_and_reported(gk_shapefile):
    roads = read_road_layer(gk_shapefile)
    assert roads.mapping.detected
    assert roads.mapping.columns == {
        "grade": "技术等级",
        "ref": "路线编号",
        "name": "路线名称",
        "lanes": "车道数",
    }
    assert "fields detected 技术等级=grade" in roads.summary()
    assert roads.grade_counts["高速公路"] == ("expressway", 1)


def test_a_yaml_mapping_with_the_files_own_grade_values(tmp_path):
    lines = [(*LINES[0][:2], "准高速", *LINES[0][3:]), *LINES[1:]]
    path = _write_gk(tmp_path / "roads.shp", lines=lines)
    mapping = tmp_path / "fields.yaml"
    mapping.write_text(
        "fields:\n  技术等级: grade\n  路线名称: name\ngrade_values:\n  准高速: '1'\n",
        encoding="gbk",
    )
    roads = read_road_layer(path, fields=mapping)
    assert roads.lines["grade"].iloc[0] == "1"
    assert roads.lines["ref"].iloc[0] == ""  # not mapped
    assert parse_fields({"技术等级": "grade"}).columns == {"grade": "技术等级"}
    mapping.write_text("fields:\n  技术等级: grade\ngrade_value:\n  准高速: '1'\n")
    with pytest.raises(InputError, match="did you mean 'grade_values'") as caught:
        parse_fields(mapping)
    assert caught.value.path == str(mapping)
    mapping.write_text("fields:\n  技术等级: grade\ngrade_values:\n  准高速: '0.5'\n")
    with pytest.raises(InputError, match=r"unknown grade '0\.5'") as caught:
        parse_fields(mapping)
    assert caught.value.record == "准高速" and caught.value.field == "grade_values"


@pytest.mark.parametrize("kind", [str, int, float])
def test_numeric_grade_codes_0_to_4(tmp_path, kind):
    lines = [
        (r, n, kind(code), lanes, xy, m) for code, (r, n, _, lanes, xy, m) in enumerate(LINES[:5])
    ]
    roads = read_road_layer(_write_gk(tmp_path / "codes.shp", lines=lines))
    assert roads.lines["grade"].tolist() == ["expressway", "1", "2", "3", "4"]


def test_a_bad_margin_stops(gk_shapefile):
    with pytest.raises(InputError, match="finite distance") as caught:
        network_from_road_layer(gk_shapefile, margin_m=float("nan"))
    assert caught.value.field == "margin_km"


def test_an_empty_layer_stops(tmp_path):
    path = tmp_path / "empty.gpkg"
    gpd.GeoDataFrame({"技术等级": []}, geometry=[], crs=4490).to_file(path)
    with pytest.raises(InputError, match="no features"):
        read_road_layer(path)


# --- Bad input: each names the file, the record and the field ------------------------------


def test_a_mapping_naming_a_field_the_file_lacks(gk_shapefile):
    with pytest.raises(InputError) as caught:
        read_road_layer(gk_shapefile, fields="技术等级=grade,路线编码=ref")
    error = caught.value
    assert error.path == str(gk_shapefile) and error.field == "路线编码"
    assert "路线编号" in error.reason  # the file's fields, and the one meant
    assert "did you mean '路线编号'" in error.reason


def test_an_unknown_role_in_the_mapping():
    with pytest.raises(InputError, match="did you mean 'lanes'"):
        parse_fields("技术等级=grade,车道数=lane")
    with pytest.raises(InputError, match="no column is mapped to grade"):
        parse_fields("路线编号=ref")
    with pytest.raises(InputError, match="is not COLUMN=ROLE"):
        parse_fields("技术等级")
    with pytest.raises(InputError, match="mapped twice"):
        parse_fields("技术等级=grade,技术等级=ref")
    with pytest.raises(InputError, match="two columns for one role"):
        parse_fields("技术等级=grade,等级=grade")


def test_a_grade_value_outside_the_vocabulary_lists_the_values_seen(tmp_path):
    lines = [LINES[0], (*LINES[1][:2], "快速路", *LINES[1][3:]), (*LINES[2][:2], "", *LINES[2][3:])]
    path = _write_gk(tmp_path / "roads.shp", lines=lines)
    with pytest.raises(InputError) as caught:
        read_road_layer(path)
    error = caught.value
    assert error.field == "技术等级" and error.record == "feature #2"
    assert "'快速路' (1)" in error.reason and "'<empty>' (1)" in error.reason
    assert "高速公路" not in error.reason.split("known")[0]  # only the unknown values listed


def test_a_file_without_a_crs_lists_the_likely_zone(gk_shapefile):
    gk_shapefile.with_suffix(".prj").unlink()
    with pytest.raises(InputError) as caught:
        read_road_layer(gk_shapefile)
    error = caught.value
    assert error.path == str(gk_shapefile) and error.field == "crs"
    assert "EPSG:4525" in error.reason and "zone number 37" in error.reason
    # Given the CRS, it reads.
    assert read_road_layer(gk_shapefile, crs="EPSG:4525").crs == "EPSG:4525"


def test_crs_overrides_a_declared_one_and_says_so(tmp_path):
    # A file declaring WGS-84 whose coordinates are GCJ-02 (a Gaode export): --crs gcj02.
    path = tmp_path / "gaode.gpkg"
    gpd.GeoDataFrame(
        {"技术等级": ["二级"]}, geometry=[LineString([(112.55, 37.87), (112.56, 37.88)])], crs=4326
    ).to_file(path)
    assert read_road_layer(path).warnings == []
    roads = read_road_layer(path, crs="EPSG:4490")
    assert roads.warnings == ["gaode.gpkg declares EPSG:4326; read as EPSG:4490 (--crs)"]
    network = network_from_road_layer(path, crs="EPSG:4490")
    assert network.warnings[0] == roads.warnings[0]


def test_likely_crs_of_each_kind_of_coordinates():
    assert likely_crs((19_400_000, 4_000_000, 19_600_000, 4_100_000))[0].startswith("EPSG:4497")
    assert likely_crs((38_400_000, 4_000_000, 38_600_000, 4_100_000))[0].startswith("EPSG:4526")
    assert likely_crs((112.0, 37.0, 113.0, 38.0))[0].startswith("EPSG:4490")
    no_zone = likely_crs((400_000, 4_100_000, 600_000, 4_300_000), lon_hint=112.6)
    assert no_zone[0].startswith("EPSG:4547")  # 3-degree, central meridian 114°E (112.5-115.5)
    assert no_zone[1].startswith("EPSG:4508")  # 6-degree, central meridian 111°E
    assert "pick the central meridian" in likely_crs((400_000, 4_100_000, 600_000, 4_300_000))[0]


def test_coordinates_not_in_china_stop(tmp_path):
    path = tmp_path / "germany.gpkg"
    gpd.GeoDataFrame(
        {"技术等级": ["二级"]}, geometry=[LineString([(10.0, 50.0), (10.1, 50.0)])], crs=4490
    ).to_file(path)
    with pytest.raises(InputError, match="do not fall in China") as caught:
        read_road_layer(path)
    assert caught.value.record == "feature #1" and caught.value.field == "geometry"
    # A Gauss–Krüger file read as the wrong zone lands outside China too.
    gk = _write_gk(tmp_path / "gk.shp")
    with pytest.raises(InputError, match="do not fall in China") as caught:
        read_road_layer(gk, crs="EPSG:4491")
    assert "look like EPSG:4525" in caught.value.reason
    # A .prj that lies (CGCS2000 lon/lat over Gauss–Krüger numbers) stops the same way.
    lying = _write_gk(tmp_path / "lying.shp", crs="EPSG:4490")
    with pytest.raises(InputError, match=r"read in EPSG:4490.*look like EPSG:4525"):
        read_road_layer(lying)


@pytest.fixture
def no_cpg(gk_shapefile):
    gk_shapefile.with_suffix(".cpg").unlink()
    data = bytearray(gk_shapefile.with_suffix(".dbf").read_bytes())
    data[29] = 0  # no language driver id: GDAL reads the DBF as latin-1
    gk_shapefile.with_suffix(".dbf").write_bytes(bytes(data))
    return gk_shapefile


def test_mojibake_gbk_read_as_latin1_says_pass_encoding_gbk(no_cpg):
    with pytest.raises(InputError, match=r"looks like GBK read as latin-1.*pass --encoding gbk"):
        read_road_layer(no_cpg)


def test_mojibake_in_names_names_the_record(tmp_path):
    garbled = "京昆高速".encode("gbk").decode("latin-1")
    path = tmp_path / "roads.gpkg"
    gpd.GeoDataFrame(
        {"技术等级": ["二级", "二级"], "路线名称": ["太佳线", garbled]},
        geometry=[LineString([(112.5, 38.0), (112.6, 38.0)])] * 2,
        crs=4490,
    ).to_file(path)
    with pytest.raises(InputError, match="GBK read as latin-1 \\('京昆高速'") as caught:
        read_road_layer(path)
    assert caught.value.record == "feature #2" and caught.value.field == "路线名称"
    path = tmp_path / "replaced.gpkg"
    gpd.GeoDataFrame(
        {"技术等级": ["二级"], "路线名称": ["\ufffd\ufffd线"]},
        geometry=[LineString([(112.5, 38.0), (112.6, 38.0)])],
        crs=4490,
    ).to_file(path)
    with pytest.raises(InputError, match="GBK read as UTF-8: pass --encoding gbk"):
        read_road_layer(path)


def test_encoding_gbk_reads_a_dbf_without_cpg(no_cpg, monkeypatch):
    monkeypatch.setattr(text.settings, "encoding", "gbk")
    roads = read_road_layer(no_cpg)
    assert roads.lines["name"].iloc[0] == "京昆高速"


def test_a_wrong_cpg_stops_and_encoding_wins_over_it(gk_shapefile, monkeypatch):
    gk_shapefile.with_suffix(".cpg").write_text("UTF-8")
    with pytest.raises(
        InputError, match=r"do not decode as the encoding its \.cpg file names"
    ) as caught:
        read_road_layer(gk_shapefile)
    assert caught.value.field == "encoding" and "pass --encoding gbk" in caught.value.reason
    monkeypatch.setattr(text.settings, "encoding", "gbk")
    assert read_road_layer(gk_shapefile).lines["name"].iloc[0] == "京昆高速"


def test_bad_lanes_and_geometry_are_named(tmp_path):
    path = tmp_path / "roads.gpkg"
    gpd.GeoDataFrame(
        {"技术等级": ["二级", "二级"], "车道数": ["2", "wide"]},
        geometry=[LineString([(112.5, 38.0), (112.6, 38.0)])] * 2,
        crs=4490,
    ).to_file(path)
    with pytest.raises(InputError, match="lanes 'wide'") as caught:
        read_road_layer(path)
    assert caught.value.record == "feature #2" and caught.value.field == "车道数"
    path = tmp_path / "points.gpkg"
    gpd.GeoDataFrame({"技术等级": ["二级"]}, geometry=[Point(112.5, 38.0)], crs=4490).to_file(path)
    with pytest.raises(InputError, match="geometry is Point; expected LineString"):
        read_road_layer(path)


# --- Formats, layers, interchanges, GCJ-02 ------------------------------------------------


def _two_layer_file(path, driver):
    roads = gpd.read_file(_write_gk(path.parent / "src.shp")).to_crs(4490)
    roads["车道数"] = roads["车道数"].astype("int32")  # FileGDB's Integer
    roads.to_file(path, layer="公路", driver=driver)
    roads.iloc[:1].to_file(path, layer="高速", driver=driver)
    return path


@pytest.mark.parametrize(("name", "driver"), [("roads.gpkg", "GPKG"), ("roads.gdb", "OpenFileGDB")])
def test_geopackage_and_file_geodatabase_layers(tmp_path, name, driver):
    path = _two_layer_file(tmp_path / name, driver)
    with pytest.raises(InputError, match="2 layers") as caught:
        read_road_layer(path)
    assert caught.value.field == "--layer"
    with pytest.raises(InputError, match="did you mean '公路'"):
        read_road_layer(path, layer="公路网")
    roads = read_road_layer(path, layer="公路")
    assert len(roads.lines) == len(LINES) and roads.lines["name"].iloc[1] == "太佳线"
    assert roads.lines.crs.to_epsg() == 4326


def test_interchanges_from_a_points_layer(gk_shapefile, tmp_path):
    points = tmp_path / "互通.gpkg"
    gpd.GeoDataFrame(
        {"名称": ["阳曲互通"]}, geometry=[Point(E0 + 1020, N0 + 40)], crs="EPSG:4525"
    ).to_file(points)
    network = network_from_road_layer(gk_shapefile, interchanges=points)
    assert network.metadata["interchange_method"] == "points layer 互通.gpkg"
    assert network.interchange_counts() == {"access": 1, "hub": 0}
    ramps = network.edges[network.edges["ramp"]]
    # The point goes onto the expressway at easting +1020 m; its ramp runs to G208 (20 m off).
    assert len(ramps) == 1 and ramps["length_m"].iloc[0] == pytest.approx(20 * UTM_OVER_GK, abs=0.5)
    (node,) = network.interchange_ids
    assert network.nodes.loc[node, "interchange_name"] == "阳曲互通"
    # The same point as a CSV of lon/lat (WGS-84).
    lon, lat = Transformer.from_crs("EPSG:4525", "EPSG:4326", always_xy=True).transform(
        E0 + 1020, N0 + 40
    )
    csv = tmp_path / "互通.csv"
    csv.write_text(f"name,lon,lat\n阳曲互通,{lon:.7f},{lat:.7f}\n", encoding="gbk")
    from_csv = network_from_road_layer(gk_shapefile, interchanges=csv)
    assert from_csv.interchange_counts() == {"access": 1, "hub": 0}
    assert from_csv.edges["ramp"].sum() == 1
    far = tmp_path / "far.gpkg"
    gpd.GeoDataFrame({"名称": ["远"]}, geometry=[Point(E0, N0 + 5000)], crs="EPSG:4525").to_file(
        far
    )
    with pytest.raises(InputError, match="from an expressway") as caught:
        network_from_road_layer(gk_shapefile, interchanges=far)
    assert caught.value.record == "feature #1"
    # The road layer's projected --crs is not the CSV's: its lon/lat stay WGS-84.
    gk_shapefile.with_suffix(".prj").unlink()
    no_prj = network_from_road_layer(gk_shapefile, crs="EPSG:4525", interchanges=csv)
    assert no_prj.interchange_counts() == {"access": 1, "hub": 0}


def test_expressways_meeting_at_a_shared_vertex_make_a_hub(tmp_path):
    lines = [
        ("G5", "京昆高速", "高速", 4, [(0, 0), (3000, 0), (6000, 0)], 6000.0),
        ("G55", "二广高速", "高速", 4, [(3000, 0), (3000, 5000)], 5000.0),
        ("S318", "太佳线", "二级", 2, [(3000, 5000), (3000, 9000)], 4000.0),
    ]
    network = network_from_road_layer(_write_gk(tmp_path / "hub.shp", lines=lines))
    assert network.interchange_counts() == {"access": 1, "hub": 1}
    hub = network.interchange_points().query("hub")
    assert hub["interchange_name"].tolist() == ["G5 × G55"]


def test_an_expressway_drawn_as_two_carriageways_counts_once(tmp_path):
    lines = [
        ("G5", "京昆高速", "高速", 2, [(0, 0), (6000, 0)], 6000.0),
        ("G5", "京昆高速", "高速", 2, [(6000, 30), (0, 30)], 6000.0),  # the other direction
        ("S318", "太佳线", "二级", 2, [(3000, 60), (3000, 4000)], 3940.0),
    ]
    network = network_from_road_layer(_write_gk(tmp_path / "dual.shp", lines=lines))
    factor = network.edges.groupby("line_id")["centerline_factor"].min()
    assert factor.to_dict() == {"feature #1": 0.5, "feature #2": 0.5, "feature #3": 1.0}
    assert network.metadata["dual_carriageway_km"] == pytest.approx(12 * UTM_OVER_GK, abs=0.01)
    # Single lines of the Gauss–Krüger layer are never halved.
    single = network_from_road_layer(_write_gk(tmp_path / "single.shp"))
    assert (single.edges["centerline_factor"] == 1).all()


def test_gcj02_coordinates_are_converted_with_fast_geocn(tmp_path):
    from fast_geocn import gcj02_to_wgs84

    path = tmp_path / "gaode.geojson"
    gpd.GeoDataFrame(
        {"grade": ["二级"]}, geometry=[LineString([(112.55, 37.87), (112.56, 37.88)])], crs=4326
    ).to_file(path)
    roads = read_road_layer(path, crs="gcj02")
    assert roads.crs == "GCJ-02"
    x, y = roads.lines.geometry.iloc[0].coords[0]
    assert (x, y) == pytest.approx(gcj02_to_wgs84(112.55, 37.87))
    assert 100 < math.hypot((112.55 - x) * 88_000, (37.87 - y) * 111_000) < 1000


# --- The synthetic provincial road database against its truth -------------------------------


@pytest.fixture(scope="module")
def database(tmp_path_factory):
    path = tmp_path_factory.mktemp("database") / "roads.shp"
    truth = write_road_database(path, region="taixin", scale=1, seed=0)
    return path, truth


def test_the_synthetic_database_matches_its_truth_by_grade_and_county(database):
    path, truth = database
    region = truth.to_region()
    network = network_from_road_layer(path, region=region)
    assert network.metadata["fields"] == (
        "技术等级=grade, 路线编号=ref, 路线名称=name, 车道数=lanes, 行政等级=admin_class"
    )
    density = zone_density(network, region)
    for grade in ("expressway", "1", "2", "3", "4"):
        assert density.length_km[grade] == pytest.approx(truth.km_by_grade[grade], rel=0.005)
    assert density.length_km["below_4"] == 0
    by_county = density.by_county_grade_m.groupby(level="code").sum() / 1000
    for code, classes in truth.km_by_county.items():
        assert by_county[code] == pytest.approx(classes["total"], rel=0.005), code
    # Village roads have no ref: their class comes from 行政等级 (村道).
    assert "village" in set(network.edges["admin_class"])
    # The database's expressways cross roads on bridges and have no ramps: no interchange.
    assert network.interchange_counts() == {"access": 0, "hub": 0}
    assert network.metadata["crossings_without_vertex"] > 0
    assert any("no interchange found" in w for w in network.warnings)


@pytest.fixture(scope="module")
def truth_interchanges(tmp_path_factory):
    """The interchanges of the OSM extract of the same region, scale and seed (same roads)."""
    from transnet.testing import write_osm_extract

    folder = tmp_path_factory.mktemp("extract")
    truth = write_osm_extract(folder / "taixin.osm.pbf", region="taixin", scale=1, seed=0)
    points = folder / "互通.gpkg"
    gpd.GeoDataFrame(
        {"名称": [ic["name"] for ic in truth.interchanges]},
        geometry=[Point(ic["lon"], ic["lat"]) for ic in truth.interchanges],
        crs=4326,
    ).to_file(points)
    return points, truth


def test_interchange_points_of_the_truth_give_its_access_interchanges(database, truth_interchanges):
    path, _ = database
    points, truth = truth_interchanges
    network = network_from_road_layer(path, region=truth.to_region(), interchanges=points)
    assert network.interchange_counts() == {"access": truth.interchange_count, "hub": 0}
    names = set(network.interchange_points()["interchange_name"])
    assert names == {ic["name"] for ic in truth.interchanges}


def test_cli_builds_a_road_layer_and_saves_it(database, tmp_path, capsys):
    path, _ = database
    out = tmp_path / "network.gpkg"
    with pytest.raises(SystemExit) as exited:
        main(["build", "--source", str(path), "--bundle", "taixin", "--out", str(out)])
    assert exited.value.code == 0
    captured = capsys.readouterr()
    assert "fields (detected) 技术等级=grade" in captured.err
    assert "高速→expressway" in captured.err
    crossings = load_network(out).metadata["crossings_without_vertex"]
    assert f"warning: {crossings:,} crossings of an ordinary road and an expressway" in captured.err
    saved = load_network(out)
    assert saved.metadata["label"] == "road database"
    assert saved.metadata["completeness"] == "complete"
    km = saved.edges.groupby("grade")["length_m"].sum()
    assert set(km.index) == {"expressway", "1", "2", "3", "4"}


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--fields", "技术等级=grade,路线编码=ref"], "no field '路线编码'"),
        (["--crs", "EPSG:99999"], "unknown CRS"),
        (["--grades", "g.csv"], "--grades apply to OpenStreetMap"),
    ],
)
def test_cli_bad_road_layer_input_exits_2(database, tmp_path, capsys, extra, message):
    path, _ = database
    out = tmp_path / "network.gpkg"
    with pytest.raises(SystemExit) as exited:
        main(["build", "--source", str(path), "--out", str(out), *extra])
    assert exited.value.code == 2
    assert message in capsys.readouterr().err
    assert not out.exists()


def test_cli_refuses_road_layer_options_for_osm(tmp_path, capsys):
    with pytest.raises(SystemExit) as exited:
        main(
            [
                "build",
                "--source",
                "osm",
                "--fields",
                "技术等级=grade",
                "--out",
                str(tmp_path / "n.gpkg"),
            ]
        )
    assert exited.value.code == 2
    assert "--fields apply to a road layer" in capsys.readouterr().err


def test_metadata_survives_the_geopackage(gk_shapefile, tmp_path):
    from transnet.io.network_store import save_network

    network = network_from_road_layer(gk_shapefile)
    saved = load_network(save_network(network, tmp_path / "n.gpkg"))
    assert saved.interchange_counts() == network.interchange_counts()
    assert (
        json.loads(json.dumps(saved.metadata["grade_values"])) == network.metadata["grade_values"]
    )
    assert pyogrio.list_layers(tmp_path / "n.gpkg") is not None


def test_build_then_run_counts_roads_below_grade_4_apart(database, truth_interchanges, tmp_path):
    path, truth = database
    points, _ = truth_interchanges
    # The database's village roads (村道) recorded as 等外: below grade 4.
    roads = gpd.read_file(path)
    roads.loc[roads["行政等级"] == "村道", "技术等级"] = "等外"
    layer = tmp_path / "等外.gpkg"
    roads.to_file(layer)
    saved, out = tmp_path / "net.gpkg", tmp_path / "run"
    with pytest.raises(SystemExit) as exited:
        main(["build", "--source", str(layer), "--interchanges", str(points), "--out", str(saved)])
    assert exited.value.code == 0
    with pytest.raises(SystemExit) as exited:
        main(["run", "--network", str(saved), "--out", str(out), "-q"])
    assert exited.value.code == 0
    document = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    km = document["scenarios"]["before"]["length_km"]
    assert km["below_4"] == pytest.approx(truth.km_by_class["unclassified"], rel=0.005)
    assert km["4"] == pytest.approx(
        truth.km_by_grade["4"] - truth.km_by_class["unclassified"], rel=0.005
    )
    assert km["total"] == pytest.approx(sum(v for k, v in km.items() if k != "total"), abs=0.01)
    assert document["data"]["network_source"] == "等外.gpkg"
    report = (out / "report.md").read_text(encoding="utf-8")
    assert "| Below grade 4 等外 |" in report
    assert "Road network from the user's road layer 等外.gpkg" in report
