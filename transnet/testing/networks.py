"""The synthetic grid network: an in-memory road network for tests and benchmarks.

Examples
--------
>>> grid = synthetic_network(200)
>>> len(grid.network.edges), len(grid.counties), grid.network.edges.crs.to_epsg()
(200, 16, 32649)
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import LineString, Point, box

from transnet.network import RoadNetwork

__all__ = ["SyntheticGrid", "crossing_lines", "synthetic_network"]

#: UTM 49N, the zone of Taiyuan.
SYNTHETIC_CRS = "EPSG:32649"
_X0, _Y0 = 500_000.0, 4_200_000.0  # west of Taiyuan
_SPACING_M = 500.0
_JITTER_M = 6.0
_SEED = 20240601


@dataclass(frozen=True)
class SyntheticGrid:
    """A synthetic road network with its counties and county seats.

    Attributes
    ----------
    network
        The grid network (UTM 49N, metres).
    counties
        4 × 4 square counties with ``code``, ``name``, ``area_km2`` and a numeric ``value``
        (1 to 30) to shade them by.
    seats
        One seat at each county's centre, with ``code`` and ``name``.

    Examples
    --------
    >>> grid = synthetic_network(40)
    >>> grid.seats.columns.tolist()
    ['code', 'name', 'geometry']

    """

    network: RoadNetwork
    counties: gpd.GeoDataFrame
    seats: gpd.GeoDataFrame


def synthetic_network(n_edges: int, *, seed: int = _SEED) -> SyntheticGrid:
    """Build a synthetic grid road network of exactly ``n_edges`` edges near Taiyuan.

    A square grid of roads 500 m apart (UTM 49N), five vertices per edge with the inner three
    jittered across the road (σ 6 m). Every 40th grid line is an expressway, every 20th grade 1,
    every 10th grade 2, every 4th grade 3 and the rest grade 4, so most edges are minor roads,
    as in OpenStreetMap. Minor roads carry street names (one per ten edges) and trunk roads
    their refs; interchanges where expressways cross every 10th line. The region is split into
    4 × 4 square counties with a seat at each centre.

    Parameters
    ----------
    n_edges
        Number of edges.
    seed
        Seed of the jitter; the same seed gives the same network.

    Returns
    -------
    SyntheticGrid

    Examples
    --------
    >>> edges = synthetic_network(2_000).network.edges
    >>> sorted(edges["grade"].unique())
    ['1', '2', '3', '4', 'expressway']
    >>> bool(synthetic_network(2_000).network.nodes["interchange"].any())
    True

    """
    rng = np.random.default_rng(seed)
    side = int(np.ceil(np.sqrt(n_edges / 2))) + 1
    ids = np.arange(side * side).reshape(side, side)
    u = np.concatenate([ids[:, :-1].ravel(), ids[:-1, :].ravel()])[:n_edges]
    v = np.concatenate([ids[:, 1:].ravel(), ids[1:, :].ravel()])[:n_edges]
    horizontal = np.arange(len(u)) < side * (side - 1)
    line = np.where(horizontal, u // side, u % side)  # the grid line an edge runs along
    x = _X0 + (np.arange(side * side) % side) * _SPACING_M
    y = _Y0 + (np.arange(side * side) // side) * _SPACING_M
    t = np.linspace(0, 1, 5)
    xs = x[u][:, None] + (x[v] - x[u])[:, None] * t
    ys = y[u][:, None] + (y[v] - y[u])[:, None] * t
    jitter = rng.normal(0, _JITTER_M, size=(len(u), 3))
    xs[:, 1:-1] += np.where(horizontal[:, None], 0, jitter)
    ys[:, 1:-1] += np.where(horizontal[:, None], jitter, 0)
    geometry = shapely.linestrings(np.stack([xs, ys], axis=-1))
    grade = np.select(
        [line % 40 == 0, line % 20 == 0, line % 10 == 0, line % 4 == 0],
        ["expressway", "1", "2", "3"],
        "4",
    ).astype(object)
    prefix = pd.Series(grade).map({"expressway": "G", "1": "G", "2": "S", "3": "X", "4": ""})
    ref = np.where(prefix != "", prefix + (2 * line + horizontal).astype(str), "")
    # Minor roads get street names, one per stretch of ten edges, as an OSM city would have.
    street = np.char.add("street ", (np.arange(len(u)) // 10).astype(str)).astype(object)
    name = np.where(ref != "", ref, street)
    edges = gpd.GeoDataFrame(
        {
            "u": u,
            "v": v,
            "key": 0,
            "name": name,
            "ref": ref,
            "grade": grade,
            "admin_class": "unknown",
            "lanes": np.where(grade == "expressway", 4, 2),
            "opened": None,
            "source": "synthetic",
            "ramp": False,
            "oneway": False,
            "project_id": None,
            "centerline_factor": 1.0,
            "length_m": shapely.length(geometry),
        },
        geometry=geometry,
        crs=SYNTHETIC_CRS,
    )
    used = np.unique(np.concatenate([u, v]))
    col, row = used % side, used // side
    interchange = ((col % 40 == 0) & (row % 10 == 0)) | ((row % 40 == 0) & (col % 10 == 0))
    nodes = gpd.GeoDataFrame(
        {
            "x": x[used],
            "y": y[used],
            "interchange": interchange,
            "interchange_name": np.where(interchange, "IC", None),
        },
        geometry=gpd.points_from_xy(x[used], y[used]),
        crs=SYNTHETIC_CRS,
        index=pd.Index(used, name="id"),
    )
    network = RoadNetwork(nodes, edges, {"source": "synthetic grid", "date": "2026"})
    step = (side - 1) * _SPACING_M / 4
    squares = [
        box(_X0 + i * step, _Y0 + j * step, _X0 + (i + 1) * step, _Y0 + (j + 1) * step)
        for j in range(4)
        for i in range(4)
    ]
    counties = gpd.GeoDataFrame(
        {"code": [f"C{i}" for i in range(16)], "name": [f"County {i}" for i in range(16)]},
        geometry=squares,
        crs=SYNTHETIC_CRS,
    )
    counties["area_km2"] = counties.area / 1e6
    counties["value"] = np.linspace(1.0, 30.0, 16)
    seats = gpd.GeoDataFrame(
        counties[["code", "name"]], geometry=counties.centroid, crs=SYNTHETIC_CRS
    )
    return SyntheticGrid(network, counties, seats)


def crossing_lines() -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Return the smallest network worth drawing: an expressway, a road and one interchange.

    A 10 km expressway G5 along y = 0 and a 4 km grade-2 road S318 from (5000, 1000) to
    (5000, 5000), in UTM 49N metres, with the interchange "Central" on G5 at (5000, 0): the
    ramp to S318 is 1 km long. Hand-checkable lengths for examples and tests.

    Returns
    -------
    tuple of geopandas.GeoDataFrame
        The lines (``name``, ``grade``) and the interchange points (``name``).

    Examples
    --------
    >>> from transnet.network import network_from_lines
    >>> lines, interchanges = crossing_lines()
    >>> network_from_lines(lines, interchanges).edges["length_m"].sum()
    np.float64(15000.0)

    """
    lines = gpd.GeoDataFrame(
        {"name": ["G5", "S318"], "grade": ["expressway", "2"]},
        geometry=[LineString([(0, 0), (10_000, 0)]), LineString([(5000, 1000), (5000, 5000)])],
        crs=SYNTHETIC_CRS,
    )
    interchanges = gpd.GeoDataFrame(
        {"name": ["Central"]}, geometry=[Point(5000, 0)], crs=SYNTHETIC_CRS
    )
    return lines, interchanges
