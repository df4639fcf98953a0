"""The maps' fast paths draw what the plain ones did: same classes, features and geometry."""

from __future__ import annotations

import json
import re
import warnings

import folium
import geopandas as gpd
import mapclassify
import numpy as np
import pytest
import shapely
from matplotlib.path import Path as MplPath
from shapely.geometry import LineString, MultiLineString

from transnet.viz.static.layers import _compound_path
from transnet.viz.style import quantile_bins
from transnet.viz.web.elements import InlineGeoJson
from transnet.viz.web.geometry import merged_lines
from transnet.viz.web.layers import RoadFeatures, road_features


@pytest.mark.parametrize("k", [1, 2, 3, 5, 7])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_quantile_bins_are_mapclassify_quantiles(k, seed):
    rng = np.random.default_rng(seed)
    values = np.round(rng.gamma(2.0, 10.0, size=int(rng.integers(3, 200))), 1)
    values[: len(values) // 3] = values[0]  # ties, so some quantiles coincide
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = mapclassify.Quantiles(values, k=k).bins
    assert quantile_bins(values, k).tolist() == pytest.approx(expected.tolist(), rel=1e-12)


def _page(layer) -> str:
    m = folium.Map(tiles=None)
    layer.add_to(m)
    return m.get_root().render()


def _data(page: str) -> dict:
    return json.loads(re.search(r"geo_json_\w+_add\((\{.*?\})\);\n", page).group(1))


def test_inline_geojson_renders_the_data_folium_would():
    lines = [LineString([(112.0, 38.0), (112.1, 38.1)]), LineString([(113.0, 37.0), (113.5, 37)])]
    features = [
        {"type": "Feature", "id": str(i), "properties": {"name": f"S{i}", "ramp": i == 1}}
        for i in range(2)
    ]

    def style(feature):
        return {"weight": 1 if feature["properties"]["ramp"] else 3}

    tooltip = {"fields": ["name"], "aliases": ["Road"]}
    plain = folium.GeoJson(
        {
            "type": "FeatureCollection",
            "features": [
                {**f, "geometry": json.loads(shapely.to_geojson(g))}
                for f, g in zip(features, lines, strict=True)
            ],
        },
        style_function=style,
        tooltip=folium.GeoJsonTooltip(**tooltip),
    )
    inline = InlineGeoJson(
        features,
        shapely.to_geojson(np.array(lines, dtype=object)).tolist(),
        style_function=style,
        tooltip=folium.GeoJsonTooltip(**tooltip),
    )
    page = _page(inline)
    assert _data(page) == _data(_page(plain))
    assert "@transnet-geometry" not in page
    assert '"weight": 1' in page and '"weight": 3' in page


def test_inline_geojson_refuses_a_geometry_count_that_does_not_match():
    with pytest.raises(ValueError, match="2 features for 1 geometries"):
        InlineGeoJson([{"id": "0"}, {"id": "1"}], ["{}"])


def _frame() -> gpd.GeoDataFrame:
    # S1 in three touching pieces (one merges), S1's ramp apart, a one-piece S2, a lone G5.
    return gpd.GeoDataFrame(
        {
            "grade": ["2", "2", "2", "2", "2", "expressway"],
            "name": ["S1", "S1", "S1", "S1", "S2", "G5"],
            "ref": ["", "", "", "", "S2", "G5"],
            "lanes": [2, 4, None, 2, None, 4],
            "ramp": [False, False, False, True, False, False],
        },
        geometry=[
            LineString([(0, 0), (1, 0)]),
            LineString([(1, 0), (2, 0)]),
            LineString([(5, 5), (6, 6)]),
            LineString([(2, 0), (2, 1)]),
            LineString([(0, 3), (1, 3), (1, 3)]),
            LineString([(0, 9), (9, 9)]),
        ],
        crs="EPSG:4326",
    )


def test_road_features_merge_as_merged_lines_does_group_by_group():
    frame = _frame()
    roads = RoadFeatures.of(frame)
    assert roads.grades == {"2", "expressway"}
    grade2 = frame[frame["grade"] == "2"]
    expected = [
        merged_lines(group.geometry.to_numpy())
        for _, group in grade2.groupby(["ramp", "name", "ref"], sort=True)
    ]
    got = [shapely.from_geojson(text) for text in roads.geometries["2"]]
    assert [g.equals_exact(e, 0) for g, e in zip(got, expected, strict=True)] == [True] * 3
    assert isinstance(got[0], MultiLineString) and len(got[0].geoms) == 2  # 0–2, and 5–6 apart
    assert got[1].coords[:] == [(0.0, 3.0), (1.0, 3.0)]  # the repeated point is gone
    properties = [f["properties"] for f in roads.features["2"]]
    assert [(p["name"], p["ref"], p["grade"], p["lanes"]) for p in properties] == [
        ("S1", "—", "Grade 2", "2–4"),
        ("S2", "S2", "Grade 2", "—"),
        ("S1", "—", "Grade 2 ramp", "2"),
    ]
    assert [f["id"] for f in roads.features["2"]] == ["0", "1", "2"]
    assert roads.bounds["expressway"] == [[9.0, 0.0], [9.0, 9.0]]


def test_road_features_are_built_once_per_network(monkeypatch):
    from transnet.network import network_from_lines

    lines = gpd.GeoDataFrame(
        {"name": ["A"], "grade": ["2"]},
        geometry=[LineString([(0, 0), (6000, 0)])],
        crs="EPSG:32649",
    )
    network = network_from_lines(lines)
    first = road_features(network, large=False, gcj02=False)
    assert road_features(network, large=False, gcj02=False) is first
    assert road_features(network, large=True, gcj02=False) is not first
    assert road_features(network_from_lines(lines), large=False, gcj02=False) is not first


def test_the_png_road_path_has_one_part_per_line_part():
    lines = np.array(
        [
            LineString([(0, 0), (1, 0), (2, 1)]),
            MultiLineString([[(5, 5), (6, 6)], [(7, 7), (8, 8)]]),
            None,
            LineString(),
        ],
        dtype=object,
    )
    path = _compound_path(lines)
    assert path.codes.tolist() == [
        MplPath.MOVETO, MplPath.LINETO, MplPath.LINETO,
        MplPath.MOVETO, MplPath.LINETO,
        MplPath.MOVETO, MplPath.LINETO,
    ]  # fmt: skip
    assert path.vertices.tolist()[3] == [5.0, 5.0]
    assert _compound_path(np.array([None], dtype=object)) is None


def test_label_overlap_is_the_sum_of_pairwise_overlaps():
    from matplotlib.transforms import Bbox

    from transnet.viz.static.layers import _overlap_areas

    box = Bbox.from_extents(0, 0, 10, 10)
    others = np.array([[5, 5, 15, 15], [-5, -5, 1, 2], [10, 0, 20, 10], [20, 20, 30, 30]], float)
    assert _overlap_areas(box, others) == 25 + 2  # touching edges and disjoint boxes add 0
    assert _overlap_areas(box, others[:0]) == 0
