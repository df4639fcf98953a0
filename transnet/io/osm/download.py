"""Downloads from OpenStreetMap through osmnx's public API, with its cache; partial answers refused.

osmnx builds the Overpass queries, splits large areas, paces requests and caches each answer
whose HTTP status is OK and that carries no Overpass ``remark``. A remark means a server-side
timeout or memory limit cut the answer short; osmnx only logs it, so a response hook checks every
Overpass answer as it arrives and raises :class:`OSMDownloadError` before osmnx parses or caches
it. osmnx is imported inside the download functions, never when this module is.

Ways come from ``osmnx.graph_from_polygon`` unsimplified (``simplify=False``) with
``all_oneway=True``, which keeps each way once, in its own node order, with its own ``oneway``
tag; the builder then applies transnet's rules, as for files. Two differences from a file remain,
both at the outer edge of the buffered region, where osmnx truncates the graph: a road crossing
it stops at its first node outside, and a closed way (a roundabout) that the edge cuts starts at
a node shared with another road.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from transnet import options
from transnet._errors import TransnetError
from transnet._progress import progress
from transnet.grades import GradeTable
from transnet.io.osm.build import (
    OsmWays,
    _buffered_region,
    _metadata,
    check_margin_m,
    network_from_ways,
)
from transnet.io.osm.tags import (
    DEFAULT_HIGHWAYS,
    WAY_TAGS,
    highway_filter,
    junction_name,
    wanted_highways,
)
from transnet.network import RoadNetwork
from transnet.region import Region

__all__ = ["OSMDownloadError", "network_from_osm"]

_ADVICE = (
    "To use a local OSM file instead, get an extract (.osm.pbf, .osm or .osm.bz2, e.g. from "
    "Geofabrik) and run `transnet build --source FILE`, or call "
    "transnet.io.osm.network_from_osm_file(FILE, region=...)"
)
# osmnx waits and retries on these statuses itself.
_RETRIED_STATUSES = (429, 504)
# osmnx reverses a one-way way's nodes for these ``oneway`` values; the builder wants OSM's order.
_OSMNX_REVERSED = ("-1", "reverse", "T")
_NODE_TAGS = ("highway", "name", "ref")
_SOURCE = "OpenStreetMap (Overpass via osmnx)"


class OSMDownloadError(TransnetError):
    """The OpenStreetMap download failed or came back incomplete.

    Examples
    --------
    Fall back on a local extract when the download fails:

    >>> from transnet.io.osm import network_from_osm_file
    >>> try:  # doctest: +SKIP
    ...     network = network_from_osm(region)
    ... except OSMDownloadError:
    ...     network = network_from_osm_file("shanxi-latest.osm.pbf", region=region)

    """


class _OverpassGuard:
    """A ``requests`` response hook: refuse failed, truncated and partial Overpass answers."""

    def __init__(self, ticker: Iterator[object]) -> None:
        self.ticker = ticker
        self.answers = 0

    def __call__(self, response: Any, *args: Any, **kwargs: Any) -> None:
        if response.request is None or response.request.method != "POST":
            return
        if response.status_code in _RETRIED_STATUSES:
            return
        if not response.ok:
            raise OSMDownloadError(
                f"OpenStreetMap download failed: HTTP {response.status_code} {response.reason} "
                f"from {response.url}. {_ADVICE}"
            )
        try:
            body = response.json()
        except ValueError:
            raise OSMDownloadError(
                f"OpenStreetMap download failed: the answer from {response.url} is not complete "
                f"JSON ({len(response.content):,} bytes). {_ADVICE}"
            ) from None
        if not isinstance(body, dict) or "elements" not in body:
            raise OSMDownloadError("Overpass returned no 'elements': the download is incomplete")
        if "remark" in body:
            raise OSMDownloadError(
                f"Overpass answered with a remark ({body['remark']!r}): the result is "
                "partial, so it is rejected"
            )
        self.answers += 1
        next(self.ticker)


@contextmanager
def _osmnx(**settings: Any) -> Iterator[Any]:
    """Give osmnx with its cache on, the guard on every answer and ``settings``; then restore."""
    import osmnx as ox
    import requests

    ticker = progress(itertools.repeat(None), desc="Downloading from Overpass", unit="request")
    guard = _OverpassGuard(ticker)
    kwargs = dict(ox.settings.requests_kwargs)
    hooks = dict(kwargs.get("hooks") or {})
    earlier = hooks.get("response") or []
    hooks["response"] = [*([earlier] if callable(earlier) else earlier), guard]
    settings = {**settings, "use_cache": True, "requests_kwargs": {**kwargs, "hooks": hooks}}
    saved = {name: getattr(ox.settings, name) for name in settings}
    for name, value in settings.items():
        setattr(ox.settings, name, value)
    try:
        yield ox
    except requests.exceptions.RequestException as exc:
        raise OSMDownloadError(f"OpenStreetMap download failed: {exc}. {_ADVICE}") from exc
    finally:
        for name, value in saved.items():
            setattr(ox.settings, name, value)
        ticker.close()  # type: ignore[attr-defined]


def _runs(segments: list[tuple[int, int]], shared: set[int]) -> list[list[int]]:
    """Chain one way's segments back into runs of node ids, in the way's order.

    A run starts where no segment of the way arrives (the way's first node, or the first node
    after a gap left by truncation). What is left is a closed way; it starts at a node shared
    with another way where there is one, so that no cut is added there.
    """
    following: dict[int, list[int]] = defaultdict(list)
    arriving: set[int] = set()
    for u, v in segments:
        following[u].append(v)
        arriving.add(v)

    def walk(start: int) -> list[int]:
        run = [start]
        while following.get(run[-1]):
            run.append(following[run[-1]].pop(0))
        return run

    runs = [walk(u) for u, _ in segments if u not in arriving and following.get(u)]
    while any(following.values()):
        loop = [u for u, nexts in following.items() if nexts]
        runs.append(walk(min(loop, key=lambda n: (n not in shared, n))))
    return runs


def _ways_from_graph(graph: Any, polygon: BaseGeometry, highways: set[str]) -> OsmWays:
    """Raw ways from an unsimplified, all-one-way osmnx graph; only ways meeting ``polygon``."""
    by_way: dict[int, list[tuple[int, int]]] = defaultdict(list)
    tags_of: dict[int, dict[str, Any]] = {}
    ways_at: dict[int, set[int]] = defaultdict(set)
    for u, v, data in graph.edges(data=True):
        by_way[data["osmid"]].append((u, v))
        tags_of[data["osmid"]] = data
        ways_at[u].add(data["osmid"])
        ways_at[v].add(data["osmid"])
    ways = OsmWays()
    for node, data in graph.nodes(data=True):
        name = junction_name(data)
        if name is not None:
            ways.junctions[node] = name
    shared = {n for n, ids in ways_at.items() if len(ids) > 1} | set(ways.junctions)
    xy = {n: (data["x"], data["y"]) for n, data in graph.nodes(data=True)}
    candidates = []
    for way_id in sorted(by_way):
        tags = {k: tags_of[way_id][k] for k in WAY_TAGS if k in tags_of[way_id]}
        if tags.get("highway") not in highways:
            continue
        for run in _runs(by_way[way_id], shared):
            if str(tags.get("oneway")) in _OSMNX_REVERSED:
                run.reverse()
            candidates.append((way_id, run, [xy[n] for n in run], tags))
    if not candidates:
        return ways
    coords = [c for _, _, c, _ in candidates]
    lines = shapely.linestrings(
        np.concatenate(coords), indices=np.repeat(np.arange(len(coords)), [len(c) for c in coords])
    )
    meets = shapely.intersects(lines, polygon)
    kept_ways = {way_id for (way_id, *_), hit in zip(candidates, meets, strict=True) if hit}
    for way_id, run, run_coords, tags in candidates:
        if way_id in kept_ways:
            ways.add(way_id, run, run_coords, tags)
    return ways


def _download_ways(polygon: BaseGeometry, highways: set[str]) -> OsmWays:
    settings = {
        "all_oneway": True,
        "useful_tags_way": list(WAY_TAGS),
        "useful_tags_node": list(_NODE_TAGS),
    }
    with _osmnx(**settings) as ox:
        try:
            graph = ox.graph_from_polygon(
                polygon,
                custom_filter=highway_filter(highways),
                simplify=False,
                retain_all=True,
                truncate_by_edge=True,
            )
        except ValueError:  # every answer was complete (the guard passed): no roads in it
            return OsmWays()
    return _ways_from_graph(graph, polygon, highways)


def download_features(polygon: BaseGeometry, tags: dict[str, Any]) -> gpd.GeoDataFrame:
    """OSM features with ``tags`` inside ``polygon`` (``osmnx.features_from_polygon``), checked.

    Parameters
    ----------
    polygon
        Lon/lat polygon.
    tags
        osmnx's tag query, e.g. ``{"place": ["town", "village"]}``.

    Returns
    -------
    geopandas.GeoDataFrame
        osmnx's frame, indexed by ``(element, id)``, one column per tag; empty when nothing
        matches.

    Raises
    ------
    OSMDownloadError
        On a timeout, an HTTP error or an incomplete answer.

    Examples
    --------
    >>> seats = download_features(region.outline, {"place": "town"})  # doctest: +SKIP

    """
    with _osmnx() as ox:
        try:
            return ox.features_from_polygon(polygon, tags=tags)
        except ValueError:  # every answer was complete (the guard passed): nothing matched
            index = pd.MultiIndex.from_arrays([[], []], names=["element", "id"])
            return gpd.GeoDataFrame(index=index, geometry=gpd.GeoSeries(), crs="EPSG:4326")


def network_from_osm(
    region: Region | BaseGeometry,
    *,
    margin_m: float = options.OSM_MARGIN_KM * 1000,
    highways: Iterable[str] = DEFAULT_HIGHWAYS,
    include_unclassified: bool = False,
    crs: Any = None,
    carriageway_gap_m: float = options.DUAL_CARRIAGEWAY_GAP_M,
    grade_table: GradeTable | None = None,
) -> RoadNetwork:
    """Download a region's roads from OpenStreetMap with osmnx and build the network.

    osmnx's own cache is used (``osmnx.settings.use_cache``); osmnx saves a response only when
    the HTTP status is OK and Overpass made no remark, and this function rejects a response
    with a remark (a server-side timeout returns partial data), so a partial download is never
    used or cached as if complete.

    Parameters
    ----------
    region
        A :class:`~transnet.region.Region` or a lon/lat polygon.
    margin_m, highways, include_unclassified, crs, carriageway_gap_m, grade_table
        As in :func:`~transnet.io.osm.network_from_osm_file`.

    Returns
    -------
    RoadNetwork

    Raises
    ------
    OSMDownloadError
        On a timeout, an HTTP error or an incomplete answer; the message says how to use a local
        file instead.
    InputError
        If ``margin_m`` is not a finite distance ≥ 0 (field ``margin_km``), or the answer holds
        no roads of the requested classes.

    Examples
    --------
    >>> network = network_from_osm(region, margin_m=10_000)  # doctest: +SKIP
    >>> network.edges.groupby("grade")["length_m"].sum() / 1000  # doctest: +SKIP

    """
    margin_m = check_margin_m(margin_m)
    wanted = wanted_highways(highways, include_unclassified=include_unclassified)
    polygon = _buffered_region(region, margin_m)
    ways = _download_ways(polygon, wanted)
    return network_from_ways(
        ways,
        region=polygon,
        crs=crs,
        metadata=_metadata(_SOURCE, wanted, getattr(region, "name", "polygon"), margin_m),
        path="OpenStreetMap download",
        carriageway_gap_m=carriageway_gap_m,
        grade_table=grade_table,
    )
