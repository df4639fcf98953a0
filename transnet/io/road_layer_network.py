"""A user's road layer as a :class:`~transnet.network.RoadNetwork`: topology and interchanges.

Topology: a road database draws one line per section, and sections that meet share an end
vertex (or a vertex through which both are drawn). A node is a line's end or a vertex (to the
metre) shared by two lines, or met twice by one; lines are cut there, as OSM ways are. Lines
that merely cross, without a shared vertex, pass over or under each other.

Expressway main lines keep their own layer, as everywhere in transnet. A database has no
ramps, so interchanges come either from a points layer (``interchanges``: each point is put on
its nearest expressway line and joined by a ramp to the nearest ordinary road, as for a
bundle), or, without one, from where the lines meet (``interchange_method``
``"road_meets_expressway"``): an ordinary road whose end lies within
:data:`~transnet.options.ROAD_LAYER_JOIN_M` of an expressway line (the expressway gets a vertex
there), or that shares a vertex with one, is joined to it at that node, marked an access
interchange; expressway lines meeting where three or more of their edges end and two or more
expressways (by ``ref``, else ``name``) meet make a hub (枢纽). Physical interchanges are then
clustered by :func:`transnet.network.model.interchange_table`, as for OSM.

Dual carriageways: a database may draw a divided road as two lines (上行/下行). An expressway
or grade-1 edge running parallel within ``carriageway_gap_m`` of another edge of the same road,
sharing no node with it, over most of its length, counts half in density
(``centerline_factor`` 0.5), as OSM's one-way pairs do.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from itertools import pairwise
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS
from pyproj.exceptions import CRSError
from shapely.geometry import LineString
from shapely.geometry.base import BaseGeometry

from transnet import options
from transnet._errors import InputError
from transnet.crs import GEOGRAPHIC_CRS, utm_crs
from transnet.io.files import check_geometry, read_vector
from transnet.io.osm.build import check_margin_m
from transnet.io.places import load_places
from transnet.io.road_layers import FieldMapping, RoadLayer, _set_crs, read_road_layer
from transnet.network import RoadNetwork
from transnet.network.build import NetworkBuilder, insert_vertex
from transnet.network.model import finish_edges
from transnet.region import Region, check_network_extent

__all__ = ["network_from_road_layer"]

_COMPLETENESS = ("complete", "trunk_only")


def network_from_road_layer(
    path: str | Path,
    *,
    layer: str | None = None,
    fields: str | Path | Mapping[str, Any] | FieldMapping | None = None,
    crs: str | int | None = None,
    region: Region | BaseGeometry | None = None,
    margin_m: float = options.OSM_MARGIN_KM * 1000,
    interchanges: str | Path | gpd.GeoDataFrame | None = None,
    completeness: str | None = None,
    join_m: float = options.ROAD_LAYER_JOIN_M,
    interchange_snap_m: float = options.INTERCHANGE_SNAP_M,
    ramp_max_m: float = options.RAMP_MAX_M,
    carriageway_gap_m: float = options.DUAL_CARRIAGEWAY_GAP_M,
    projected_crs: Any = None,
) -> RoadNetwork:
    """Build a road network from a user's road layer (shapefile, GeoPackage, File Geodatabase).

    Parameters
    ----------
    path, layer, fields, crs
        As :func:`~transnet.io.road_layers.read_road_layer`.
    region
        A :class:`~transnet.region.Region` or a lon/lat polygon: lines intersecting it,
        buffered by ``margin_m``, are kept (whole), and a region's network must lie in it
        (:func:`~transnet.region.check_network_extent`). None keeps every line.
    margin_m
        Buffer around the region, metres.
    interchanges
        A points file (GeoJSON, GPKG, shapefile in its own CRS, else ``crs``; or a CSV with
        lon/lat columns, read as :func:`~transnet.io.places.load_places` reads it) or a
        GeoDataFrame of interchanges, with an optional ``name`` (名称) column. Default: derived
        where ordinary roads meet expressway lines (see the module).
    completeness
        ``"complete"`` (every road class of the zone) or ``"trunk_only"``; default
        ``"complete"`` when the layer holds roads of grade 4 or below, else ``"trunk_only"``.
    join_m
        An ordinary road's end this close to an expressway line joins it.
    interchange_snap_m, ramp_max_m
        With ``interchanges``: the farthest a point may lie from its expressway, and the
        longest ramp to an ordinary road.
    carriageway_gap_m
        Largest gap between the two lines of a divided road drawn as two (上行/下行): each
        counts half in density (``centerline_factor`` 0.5).
    projected_crs
        CRS for lengths; default the UTM zone of the data's centre.

    Returns
    -------
    RoadNetwork
        ``metadata`` holds ``source``, ``label`` (``"road database"``), ``completeness``,
        ``interchange_method``, ``fields``, ``crs_read``, ``grade_values``,
        ``crossings_without_vertex`` (expressway crossings read as grade-separated) and a
        ``caveat``.

    Raises
    ------
    InputError
        As :func:`~transnet.io.road_layers.read_road_layer`, and when no line lies in the
        region, or an interchange point is too far from every expressway.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from shapely import LineString
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = pathlib.Path(folder) / "roads.gpkg"
    ...     gpd.GeoDataFrame(
    ...         {"技术等级": ["高速", "二级"], "路线编号": ["G5", "S318"]},
    ...         geometry=[LineString([(112.50, 38.00), (112.60, 38.00)]),
    ...                   LineString([(112.55, 38.00), (112.55, 38.05)])],
    ...         crs="EPSG:4490").to_file(path)
    ...     network = network_from_road_layer(path)
    >>> network.interchange_counts(), network.metadata["interchange_method"]
    ({'access': 1, 'hub': 0}, 'road_meets_expressway')

    """
    if completeness is not None and completeness not in _COMPLETENESS:
        raise InputError(
            f"unknown completeness {completeness!r}; expected {' or '.join(_COMPLETENESS)}",
            field="completeness",
        )
    margin_m = check_margin_m(margin_m)
    outline = region.outline if isinstance(region, Region) else region
    lon_hint = None if outline is None else float(outline.centroid.x)
    roads = read_road_layer(path, layer=layer, fields=fields, crs=crs, lon_hint=lon_hint)
    lines = roads.lines.explode(index_parts=False).reset_index(drop=True)
    lines = lines[~lines.geometry.is_empty & (shapely.length(lines.geometry.array) > 0)]
    if outline is not None:
        zone = _buffered(outline, margin_m)
        kept = lines[lines.intersects(zone)]
        if kept.empty:
            box = [round(float(v), 3) for v in lines.total_bounds]
            region_box = [round(float(v), 3) for v in outline.bounds]
            raise InputError(
                f"no road of the file lies within the region {region_box} + "
                f"{margin_m / 1000:g} km; the file covers lon/lat {box}",
                path=roads.path,
                field="geometry",
            )
        lines = kept
    lines = lines.reset_index(drop=True)
    if projected_crs is None:
        centre = shapely.box(*lines.total_bounds).centroid
        projected_crs = utm_crs(centre.x, centre.y)
    lines = lines.to_crs(projected_crs)

    points = None
    if interchanges is not None:
        points = _interchange_points(interchanges, crs=crs, lon_hint=lon_hint)
        points = points.to_crs(projected_crs)
    network = _network(
        lines, points, roads, join_m, interchange_snap_m, ramp_max_m, carriageway_gap_m
    )
    grades = set(network.edges["grade"])
    network.metadata["completeness"] = completeness or (
        "complete" if grades & {"4", "below_4"} else "trunk_only"
    )
    if isinstance(region, Region):
        network.metadata["region"] = region.name
        check_network_extent(network, region, source=roads.path, margin_m=margin_m)
    if (network.edges["grade"] == "expressway").any() and not len(network.interchange_ids):
        network.warnings.append(
            "no interchange found: no ordinary road ends on or shares a vertex with an "
            "expressway line; pass --interchanges FILE (a points layer)"
        )
    return network


def _buffered(outline: BaseGeometry, margin_m: float) -> BaseGeometry:
    centre = outline.centroid
    local = utm_crs(centre.x, centre.y)
    series = gpd.GeoSeries([outline], crs=GEOGRAPHIC_CRS).to_crs(local).buffer(float(margin_m))
    return series.to_crs(GEOGRAPHIC_CRS).iloc[0]


def _interchange_points(
    source: str | Path | gpd.GeoDataFrame, *, crs: str | int | None, lon_hint: float | None
) -> gpd.GeoDataFrame:
    if isinstance(source, gpd.GeoDataFrame):
        frame, path = source.copy(), Path("interchanges")
        if frame.crs is None:
            raise InputError("the interchange points have no CRS", field="crs")
    elif Path(source).suffix.lower() == ".csv":
        # lon/lat columns: in --crs when that is lon/lat (gcj02 converted), else WGS-84.
        path = Path(source)
        frame = load_places(path, crs=crs if _is_lonlat(crs) else None)
    else:
        path = Path(source)
        frame = read_vector(path)
        if frame.crs is None:  # a file's own CRS wins: --crs is the road layer's
            _set_crs(frame, crs, path=path, lon_hint=lon_hint)
    names = next((c for c in ("name", "名称", "互通名称", "NAME") if c in frame.columns), None)
    rows = []
    for number, (shape, name) in enumerate(
        zip(
            frame.geometry,
            frame[names] if names else [None] * len(frame),
            strict=True,
        )
    ):
        record = f"feature #{number + 1}"
        check_geometry(shape, expected="Point", path=path, record=record)
        label = str(name).strip() if isinstance(name, str) and name.strip() else record
        rows.append({"name": label, "record": record, "geometry": shape})
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=frame.crs).assign(path=str(path))


def _is_lonlat(crs: str | int | None) -> bool:
    if crs is None or str(crs).strip().lower().replace("-", "") == "gcj02":
        return crs is not None
    try:
        return CRS.from_user_input(int(crs) if str(crs).isdigit() else crs).is_geographic
    except CRSError:
        return False


def _network(
    lines: gpd.GeoDataFrame,
    points: gpd.GeoDataFrame | None,
    roads: RoadLayer,
    join_m: float,
    interchange_snap_m: float,
    ramp_max_m: float,
    carriageway_gap_m: float,
) -> RoadNetwork:
    crs = lines.crs
    geometries = [LineString(shapely.get_coordinates(g)) for g in lines.geometry]
    main = (lines["grade"] == "expressway").to_numpy()
    main_index = np.flatnonzero(main)
    other_index = np.flatnonzero(~main)
    forced: set[tuple[int, int]] = set()
    marks: list[tuple[float, float, str]] = []

    # Expressway ends on another expressway's line: a vertex there, so the two meet.
    _join_ends(geometries, main_index, main_index, join_m)
    if points is not None:
        for row in points.itertuples():
            best, distance = _nearest_line(geometries, main_index, row.geometry)
            if best is None or distance > interchange_snap_m:
                far = "no expressway" if best is None else f"{distance:.0f} m from an expressway"
                raise InputError(
                    f"interchange is {far}; expected within {interchange_snap_m:.0f} m of one",
                    path=row.path,
                    record=row.record,
                    field="geometry",
                )
            geometries[best], at = insert_vertex(
                geometries[best], geometries[best].project(row.geometry)
            )
            forced.add((round(at.x), round(at.y)))
            marks.append((at.x, at.y, row.name))
        method = f"points layer {Path(str(points['path'].iloc[0])).name if len(points) else ''}"
    else:
        _join_ends(geometries, other_index, main_index, join_m)
        method = "road_meets_expressway"

    coords = [shapely.get_coordinates(g) for g in geometries]
    sizes = np.array([len(c) for c in coords])
    xy = np.concatenate(coords)
    line_of = np.repeat(np.arange(len(coords)), sizes)
    rx, ry = np.round(xy[:, 0]).astype(np.int64), np.round(xy[:, 1]).astype(np.int64)
    on_main = np.repeat(main, sizes)
    layer = on_main.astype(np.int64)
    joins = set()
    if points is None:
        # A vertex of an ordinary road on a vertex of an expressway: the two meet there.
        cell = (rx - rx.min()) * (int(ry.max() - ry.min()) + 1) + (ry - ry.min())
        joined = ~on_main & np.isin(cell, cell[on_main])
        layer[joined] = 1
        joins = set(zip(rx[joined].tolist(), ry[joined].tolist(), strict=True))
    crossings = _crossings(geometries, main_index, other_index, joins)
    keys, key_of = np.unique(np.column_stack([layer, rx, ry]), axis=0, return_inverse=True)
    key_of = key_of.ravel()
    pairs = np.unique(np.column_stack([key_of, line_of]), axis=0)
    n_lines = np.bincount(pairs[:, 0], minlength=len(keys))
    n_uses = np.bincount(key_of, minlength=len(keys))
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    is_node = (n_lines >= 2) | (n_uses > n_lines)
    is_node[key_of[starts]] = True
    is_node[key_of[starts + sizes - 1]] = True
    for x, y in forced:
        hit = (keys[:, 0] == 1) & (keys[:, 1] == x) & (keys[:, 2] == y)
        is_node[hit] = True

    attributes = lines.drop(columns="geometry").to_dict("records")
    rows = []
    for number, (start, size) in enumerate(zip(starts.tolist(), sizes.tolist(), strict=True)):
        ids = key_of[start : start + size]
        cuts = np.flatnonzero(is_node[ids])
        attrs = attributes[number]
        for a, b in pairwise(cuts.tolist()):
            piece = coords[number][a : b + 1]
            u, v = int(ids[a]), int(ids[b])
            geometry = LineString(piece)
            if u == v and geometry.length < 1.0:
                continue
            rows.append(
                {
                    "u": u,
                    "v": v,
                    "name": attrs["name"],
                    "ref": attrs["ref"],
                    "grade": attrs["grade"],
                    "admin_class": attrs["admin_class"],
                    "lanes": attrs["lanes"],
                    "opened": None,
                    "source": attrs["source"],
                    "line_id": attrs["id"],
                    "geometry": geometry,
                }
            )
    edges = pd.DataFrame(rows)
    edges["lanes"] = pd.array(edges["lanes"], dtype="Int64")
    used = np.unique(edges[["u", "v"]].to_numpy().ravel())
    first = np.zeros(len(keys), dtype=np.int64)
    first[key_of[::-1]] = np.arange(len(key_of))[::-1]
    node_xy = xy[first[used]]
    renumber = np.full(len(keys), -1, dtype=np.int64)
    renumber[used] = np.arange(len(used))
    edges["u"], edges["v"] = renumber[edges["u"]], renumber[edges["v"]]
    pair = np.sort(edges[["u", "v"]].to_numpy(), axis=1)
    edges["key"] = pd.DataFrame(pair).groupby([0, 1]).cumcount().to_numpy()
    edges = finish_edges(edges, crs)
    edges["centerline_factor"] = _centerline_factor(edges, gap_m=carriageway_gap_m)

    names = np.full(len(used), None, dtype=object)
    flags = np.zeros(len(used), dtype=bool)
    if points is None:
        _mark_access(edges, keys[used], joins, flags, names)
    hubs = _mark_hubs(edges, flags, names)
    nodes = gpd.GeoDataFrame(
        {"x": node_xy[:, 0], "y": node_xy[:, 1], "interchange": flags, "interchange_name": names},
        index=pd.Index(np.arange(len(used)), name="node"),
        geometry=gpd.points_from_xy(node_xy[:, 0], node_xy[:, 1]),
        crs=crs,
    )
    metadata = _metadata(roads, method, crossings, hubs)
    halved = edges["centerline_factor"].to_numpy() < 1
    metadata["dual_carriageway_km"] = round(float(edges["length_m"][halved].sum()) / 1000, 3)
    if halved.any():
        metadata["warnings"].append(
            f"{metadata['dual_carriageway_km']:,.1f} km of expressway or grade-1 lines run as two "
            "parallel carriageways of one road: each counts half in density"
        )
    network = RoadNetwork(nodes, edges, metadata)
    if marks:
        builder = NetworkBuilder.from_network(network)
        ids = [builder.mark_interchange(x, y, name) for x, y, name in marks]
        builder.add_ramps(ids, ramp_max_m=ramp_max_m)
        network = builder.build(metadata)
    return network


def _centerline_factor(edges: gpd.GeoDataFrame, *, gap_m: float) -> np.ndarray:
    """0.5 for each of two carriageways of a divided road drawn as two lines, else 1.

    An expressway or grade-1 edge is one carriageway when at least
    :data:`~transnet.options.PLAN_MATCH_SHARE` of its length lies within ``gap_m`` of a
    parallel edge of the same road (``ref``, else ``name``) that shares none of its nodes.
    """
    factor = np.ones(len(edges))
    identity = edges["ref"].where(edges["ref"] != "", edges["name"]).to_numpy(dtype=object)
    divided = edges["grade"].isin(["expressway", "1"]).to_numpy() & (identity != "")
    candidates = np.flatnonzero(divided)
    if len(candidates) < 2:
        return factor
    geometries = edges.geometry.values[candidates]
    left, right = shapely.STRtree(geometries).query(geometries, predicate="dwithin", distance=gap_m)
    left, right = candidates[left], candidates[right]
    u, v = edges["u"].to_numpy(), edges["v"].to_numpy()
    apart = (u[left] != u[right]) & (u[left] != v[right]) & (v[left] != u[right])
    apart &= v[left] != v[right]
    keep = (left != right) & apart & (identity[left] == identity[right])
    left, right = left[keep], right[keep]
    if not len(left):
        return factor
    lines = edges.geometry.values
    start = shapely.get_coordinates(shapely.get_point(lines, 0))
    direction = shapely.get_coordinates(shapely.get_point(lines, -1)) - start
    norm = np.hypot(direction[:, 0], direction[:, 1])
    norm[norm == 0] = 1.0
    unit = direction / norm[:, None]
    parallel = np.abs((unit[left] * unit[right]).sum(axis=1)) > 0.7
    left, right = left[parallel], right[parallel]
    near = shapely.intersection(lines[left], shapely.buffer(lines[right], gap_m))
    share = pd.Series(shapely.length(near)).groupby(left).sum()
    share = share / edges["length_m"].to_numpy()[share.index]
    factor[share.index[share.to_numpy() >= options.PLAN_MATCH_SHARE]] = 0.5
    return factor


def _nearest_line(
    geometries: list[LineString], candidates: np.ndarray, point: BaseGeometry
) -> tuple[int | None, float]:
    if not len(candidates):
        return None, np.inf
    distances = np.array([geometries[i].distance(point) for i in candidates])
    best = int(np.argmin(distances))
    return int(candidates[best]), float(distances[best])


def _join_ends(
    geometries: list[LineString], sources: np.ndarray, targets: np.ndarray, join_m: float
) -> None:
    """Move each ``sources`` line's end lying within ``join_m`` of a ``targets`` line onto it.

    The target line gets a vertex there (unless one lies within 1 m).
    """
    if not len(sources) or not len(targets):
        return
    tree = shapely.STRtree([geometries[i] for i in targets])
    lines = np.asarray([geometries[i] for i in sources], dtype=object)
    ends = np.stack([shapely.get_point(lines, 0), shapely.get_point(lines, -1)], axis=1).ravel()
    query, hit = tree.query(ends, predicate="dwithin", distance=join_m)
    owner = np.repeat(sources, 2)
    mine = targets[hit] != owner[query]
    query, hit = query[mine], hit[mine]
    distance = shapely.distance(ends[query], tree.geometries[hit])
    order = np.lexsort((distance, query))
    query, hit = query[order], hit[order]
    first = np.concatenate([[True], query[1:] != query[:-1]]) if len(query) else query
    for end, target in zip(query[first].tolist(), hit[first].tolist(), strict=True):
        point, line_id, best = ends[end], int(owner[end]), int(targets[target])
        geometries[best], at = insert_vertex(geometries[best], geometries[best].project(point))
        coords = shapely.get_coordinates(geometries[line_id])
        position = 0 if end % 2 == 0 else len(coords) - 1
        if (round(at.x), round(at.y)) != tuple(np.round(coords[position]).astype(int)):
            coords[position] = (at.x, at.y)
            geometries[line_id] = LineString(coords)


def _crossings(
    geometries: list[LineString],
    main_index: np.ndarray,
    other_index: np.ndarray,
    joins: set[tuple[int, int]],
) -> int:
    """Ordinary roads crossing an expressway line without a shared vertex (over/underpasses)."""
    if not len(main_index) or not len(other_index):
        return 0
    tree = shapely.STRtree([geometries[i] for i in main_index])
    others = [geometries[i] for i in other_index]
    left, right = tree.query(others, predicate="crosses")
    count = 0
    for a, b in zip(left.tolist(), right.tolist(), strict=True):
        meet = shapely.get_coordinates(others[a].intersection(geometries[main_index[b]]))
        count += sum((round(x), round(y)) not in joins for x, y in meet)
    return count


def _mark_access(
    edges: gpd.GeoDataFrame,
    node_keys: np.ndarray,
    joins: set[tuple[int, int]],
    flags: np.ndarray,
    names: np.ndarray,
) -> None:
    main = (edges["grade"] == "expressway").to_numpy()
    at = np.array(
        [key[0] == 1 and (int(key[1]), int(key[2])) in joins for key in node_keys], dtype=bool
    )
    ends = np.concatenate([edges["u"].to_numpy(), edges["v"].to_numpy()])
    both_main = np.concatenate([main, main])
    label = np.where(edges["ref"] != "", edges["ref"], edges["name"]).astype(object)
    labels = np.concatenate([label, label])
    on_main = np.zeros(len(flags), dtype=bool)
    on_other = np.zeros(len(flags), dtype=bool)
    on_main[ends[both_main]] = True
    on_other[ends[~both_main]] = True
    for node in np.flatnonzero(at & on_main & on_other).tolist():
        mine = ends == node
        expressway = next((s for s in labels[mine & both_main] if s), "expressway")
        road = next((s for s in labels[mine & ~both_main] if s), "road")
        flags[node] = True
        names[node] = f"{expressway} × {road}"


def _mark_hubs(edges: gpd.GeoDataFrame, flags: np.ndarray, names: np.ndarray) -> int:
    main = edges[(edges["grade"] == "expressway").to_numpy()]
    identity = np.where(main["ref"] != "", main["ref"], main["name"]).astype(object)
    ends = pd.DataFrame(
        {
            "node": np.concatenate([main["u"].to_numpy(), main["v"].to_numpy()]),
            "road": np.concatenate([identity, identity]),
        }
    )
    degree = ends.groupby("node").size()
    roads = ends[ends["road"] != ""].groupby("node")["road"].agg(lambda r: sorted(set(r)))
    count = 0
    for node, degree_here in degree.items():
        met = roads.get(node, [])
        if degree_here >= 3 and len(met) >= 2 and not flags[node]:
            flags[node] = True
            names[node] = " × ".join(met)
            count += 1
    return count


def _metadata(roads: RoadLayer, method: str, crossings: int, hubs: int) -> dict[str, Any]:
    today = dt.date.today().isoformat()
    where = roads.path.name + (f" layer {roads.layer}" if roads.layer else "")
    warnings = list(roads.warnings)
    if crossings:
        warnings.append(
            f"{crossings:,} crossings of an ordinary road and an expressway share no vertex: "
            "read as over/underpasses (no access)"
        )
    return {
        "source": where,
        "date": today,
        "label": "road database",
        "interchange_method": method,
        "fields": roads.mapping.describe(),
        "fields_detected": roads.mapping.detected,
        "crs_read": roads.crs,
        "grade_values": {k: list(v) for k, v in roads.grade_counts.items()},
        "crossings_without_vertex": crossings,
        "hubs_at_shared_vertices": hubs,
        "caveat": (
            f"Road network from the user's road layer {where} (read {today}; fields "
            f"{roads.mapping.describe()}, CRS {roads.crs}); grades as the layer records them. "
            "Interchanges "
            + (
                "where ordinary roads meet expressway lines at a vertex: a database has no "
                "ramps, so each junction stands for an interchange and minutes to it leave out "
                "ramp travel."
                if method == "road_meets_expressway"
                else f"from the {method}, each joined to the nearest ordinary road by a straight "
                "ramp (approximate)."
            )
        ),
        "warnings": warnings,
    }
