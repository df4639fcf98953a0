"""Public test fixtures: synthetic data for tests and benchmarks, built with numpy (not data).

Two kinds: an in-memory grid network (:func:`synthetic_network`, :func:`crossing_lines`), and a
synthetic OpenStreetMap extract tagged as OSM China is, over real county polygons, written with
its ground truth (:func:`write_osm_extract`, :func:`write_road_database`).

Examples
--------
>>> grid = synthetic_network(200)
>>> len(grid.network.edges), len(grid.counties), grid.network.edges.crs.to_epsg()
(200, 16, 32649)
"""

from __future__ import annotations

from transnet.testing.networks import SyntheticGrid, crossing_lines, synthetic_network
from transnet.testing.osm_extract import GroundTruth, region_for, write_osm_extract
from transnet.testing.road_database import write_road_database

__all__ = [
    "GroundTruth",
    "SyntheticGrid",
    "crossing_lines",
    "region_for",
    "synthetic_network",
    "write_osm_extract",
    "write_road_database",
]
