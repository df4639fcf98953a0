"""Nearest-source travel times and place snapping: transnet against networkx and geopandas.

Graph: synthetic and road-like, built here with numpy (it is not part of the library). A
square grid of nodes about 500 m apart (jittered) with 4-neighbour local roads; one diagonal
in a quarter of the cells; every 20th row and column an arterial at 80 km/h carrying an
express layer (links jumping 5 nodes, 2.5 km, at 100 km/h); 1 % of the grid roads doubled by a
slower parallel road (both tools must keep the cheaper); 5 % of all edges one-way; and one-way
spurs into 0.1 % extra dead-end nodes, from which no source can be reached. Cost is travel
time in seconds (length / speed). Seeded, so every run and every subprocess builds the same
graph. Two sizes: about 100,000 and about 1,000,000 edges (exact counts are printed); 200
sources drawn among the grid nodes.

Measured, each tool in its own fresh subprocess, the graph generated there before any clock
starts:

- transnet: ``build_matrix`` (edge arrays to the directed sparse matrix), then
  ``cost_to_nearest`` (one multi-source Dijkstra, transposition included): cost from every
  node to its nearest source. Median of 5 runs.
- networkx: the same directed edge list (two-way edges both ways, parallel edges deduplicated
  keeping the cheapest, with numpy) into an ``nx.DiGraph``, then
  ``nx.multi_source_dijkstra_path_length`` on ``G.reverse(copy=False)``: networkx measures
  cost *from* the sources, so the reversed graph gives the same quantity, cost *to* the
  nearest source. Median of 3 runs.
- Snapping: ``snap_points`` of 10,000 seeded places (uniform over the grid and 1 km around it)
  onto the road lines (straight segments between the nodes; the express layer is expressway
  main line and, as in transnet, never snapped to). Baseline: geopandas ``sjoin_nearest`` on
  the same lines, first match per place, its spatial index built in every run as transnet
  builds its own. Median of 3 runs each; the snap distances must agree to 1e-6 m.

Peak memory: the peak resident set size during the step above the resident set size at its
start (``VmHWM`` reset through ``/proc/self/clear_refs``, so earlier steps do not mask it). It
includes the step's result (the matrix, the graph, the cost array or dict). The results are
checked against each other: the same unreachable nodes and a relative difference under 1e-9
everywhere else; the script exits non-zero otherwise.

Run: ``.venv/bin/python benchmarks/bench_access.py`` (``--quick``: the 100k case only).
"""

from __future__ import annotations

import argparse
import ctypes
import gc
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent

SEED = 20240601
SPACING_M = 500.0
JITTER_M = 40.0
DIAGONAL_SHARE = 0.25
HIGHWAY_EVERY = 20
EXPRESS_JUMP = 5
PARALLEL_SHARE = 0.01
SPUR_SHARE = 0.001
ONEWAY_SHARE = 0.05
LOCAL_KMH = (30.0, 60.0)
ARTERIAL_KMH = 80.0
EXPRESS_KMH = 100.0
N_SOURCES = 200
N_PLACES = 10_000
PLACE_MARGIN_M = 1000.0
SNAP_RUNS = 3
MAX_SNAP_DIFFERENCE_M = 1e-6
CRS = "EPSG:32649"
SIZES = (100_000, 1_000_000)
TRANSNET_RUNS = 5
NETWORKX_RUNS = 3
WEIGHT = "time_s"
MAX_RELATIVE_DIFFERENCE = 1e-9
TARGET_SPEED_UP = 10.0
TARGET_QUERY_S = 2.0
_LIBC = ctypes.CDLL("libc.so.6")


@dataclass(frozen=True)
class RoadGraph:
    """Edge arrays of a synthetic road graph, as :func:`transnet.access.build_matrix` takes them."""

    side: int
    n_nodes: int
    x: np.ndarray
    y: np.ndarray
    u: np.ndarray
    v: np.ndarray
    cost: np.ndarray
    oneway: np.ndarray
    express: np.ndarray
    sources: np.ndarray
    counts: dict[str, int]


def _edge_counts(side: int) -> dict[str, int]:
    grid = 2 * side * (side - 1)
    lines = len(range(0, side, HIGHWAY_EVERY))
    return {
        "grid": grid,
        "diagonal": round(DIAGONAL_SHARE * (side - 1) ** 2),
        "express": 2 * lines * ((side - 1) // EXPRESS_JUMP),
        "parallel": round(PARALLEL_SHARE * grid),
        "spur": round(SPUR_SHARE * side * side),
    }


def _side_for(target_edges: int) -> int:
    guess = round((target_edges / 2.3) ** 0.5)
    candidates = range(max(guess - 10, 2 * HIGHWAY_EVERY), guess + 11)
    return min(candidates, key=lambda side: abs(sum(_edge_counts(side).values()) - target_edges))


def road_graph(target_edges: int, seed: int = SEED) -> RoadGraph:
    """Build a seeded grid-plus-diagonals-plus-express-layer graph of about ``target_edges``."""
    rng = np.random.default_rng(seed)
    side = _side_for(target_edges)
    counts = _edge_counts(side)
    n_grid = side * side
    n_nodes = n_grid + counts["spur"]
    node = np.arange(n_grid).reshape(side, side)  # node[row, col]
    x = np.tile(np.arange(side) * SPACING_M, side) + rng.normal(0, JITTER_M, n_grid)
    y = np.repeat(np.arange(side) * SPACING_M, side) + rng.normal(0, JITTER_M, n_grid)
    highway = np.zeros(side, dtype=bool)
    highway[::HIGHWAY_EVERY] = True

    # Local roads: right and down neighbours; those along highway rows and columns are arterials.
    u_parts = [node[:, :-1].ravel(), node[:-1, :].ravel()]
    v_parts = [node[:, 1:].ravel(), node[1:, :].ravel()]
    arterial = np.concatenate(
        [np.repeat(highway, side - 1), np.tile(highway, side - 1)]
    )  # row of a horizontal edge, column of a vertical one
    speed_parts = [np.where(arterial, ARTERIAL_KMH, rng.uniform(*LOCAL_KMH, counts["grid"]))]
    detour_parts = [np.where(arterial, 1.02, rng.uniform(1.0, 1.25, counts["grid"]))]

    # Diagonals in a random quarter of the cells, either way across.
    cells = rng.choice((side - 1) ** 2, counts["diagonal"], replace=False)
    row, col = np.divmod(cells, side - 1)
    flip = rng.random(len(cells)) < 0.5
    u_parts.append(np.where(flip, node[row, col + 1], node[row, col]))
    v_parts.append(np.where(flip, node[row + 1, col], node[row + 1, col + 1]))
    speed_parts.append(rng.uniform(*LOCAL_KMH, len(cells)))
    detour_parts.append(rng.uniform(1.0, 1.25, len(cells)))

    # Express layer: every 20th row and column, links between every 5th node.
    lines = np.flatnonzero(highway)
    stops = np.arange(0, side - EXPRESS_JUMP, EXPRESS_JUMP)
    line, stop = (a.ravel() for a in np.meshgrid(lines, stops, indexing="ij"))
    u_parts += [node[line, stop], node[stop, line]]
    v_parts += [node[line, stop + EXPRESS_JUMP], node[stop + EXPRESS_JUMP, line]]
    speed_parts.append(np.full(counts["express"], EXPRESS_KMH))
    detour_parts.append(np.full(counts["express"], 1.02))

    u = np.concatenate(u_parts)
    v = np.concatenate(v_parts)
    length = np.hypot(x[u] - x[v], y[u] - y[v]) * np.concatenate(detour_parts)
    cost = length / (np.concatenate(speed_parts) / 3.6)

    # Slower parallel roads alongside some grid roads, half of them stored the other way round.
    twin = rng.choice(counts["grid"], counts["parallel"], replace=False)
    swap = rng.random(len(twin)) < 0.5
    twin_u = np.where(swap, v[twin], u[twin])
    twin_v = np.where(swap, u[twin], v[twin])
    twin_cost = cost[twin] * rng.uniform(1.1, 2.0, len(twin))

    # One-way spurs into dead ends: they can be entered, never left.
    spur_from = rng.choice(n_grid, counts["spur"], replace=False)
    spur_to = np.arange(n_grid, n_nodes)
    spur_cost = SPACING_M / 2 / (LOCAL_KMH[0] / 3.6) * np.ones(counts["spur"])

    u = np.concatenate([u, twin_u, spur_from])
    v = np.concatenate([v, twin_v, spur_to])
    cost = np.concatenate([cost, twin_cost, spur_cost])
    oneway = rng.random(len(u)) < ONEWAY_SHARE
    oneway[len(u) - counts["spur"] :] = True
    sources = np.sort(rng.choice(n_grid, N_SOURCES, replace=False))
    express = np.zeros(len(u), dtype=bool)
    n_local = counts["grid"] + counts["diagonal"]
    express[n_local : n_local + counts["express"]] = True
    # Dead ends half a spacing north-east of where their spur starts (no draw: same graph).
    x = np.concatenate([x, x[spur_from] + SPACING_M / 2])
    y = np.concatenate([y, y[spur_from] + SPACING_M / 4])
    return RoadGraph(side, n_nodes, x, y, u, v, cost, oneway, express, sources, counts)


def road_lines(graph: RoadGraph):
    """The graph's edges as straight road lines in a GeoDataFrame (UTM metres)."""
    import geopandas as gpd
    import shapely

    ends = np.stack(
        [np.column_stack([graph.x[graph.u], graph.y[graph.u]]),
         np.column_stack([graph.x[graph.v], graph.y[graph.v]])],
        axis=1,
    )
    geometry = shapely.linestrings(ends)
    return gpd.GeoDataFrame(
        {
            "u": graph.u,
            "v": graph.v,
            "grade": np.where(graph.express, "expressway", "3"),
            "ramp": False,
            "oneway": graph.oneway,
            "length_m": shapely.length(geometry),
        },
        geometry=geometry,
        crs=CRS,
    )


def places(graph: RoadGraph, seed: int = SEED + 1):
    """Seeded places, uniform over the grid's extent and ``PLACE_MARGIN_M`` around it."""
    import geopandas as gpd

    rng = np.random.default_rng(seed)
    low, high = -PLACE_MARGIN_M, (graph.side - 1) * SPACING_M + PLACE_MARGIN_M
    xy = rng.uniform(low, high, (N_PLACES, 2))
    return gpd.GeoSeries.from_xy(xy[:, 0], xy[:, 1], crs=CRS)


def directed_edges(graph: RoadGraph) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Directed arcs for networkx: two-way edges both ways, parallel arcs keep the cheapest."""
    two_way = ~graph.oneway
    rows = np.concatenate([graph.u, graph.v[two_way]])
    cols = np.concatenate([graph.v, graph.u[two_way]])
    costs = np.concatenate([graph.cost, graph.cost[two_way]])
    order = np.lexsort((costs, cols, rows))
    rows, cols, costs = rows[order], cols[order], costs[order]
    first = np.ones(len(rows), dtype=bool)
    first[1:] = (rows[1:] != rows[:-1]) | (cols[1:] != cols[:-1])
    return rows[first], cols[first], costs[first]


# ---------------------------------------------------------------------------------------------
# Child process: one tool, one size.


def _status_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/self/status")


def _reset_peak() -> None:
    # Linux >= 4.0: writing 5 resets the peak resident set size (VmHWM) to the current one.
    Path("/proc/self/clear_refs").write_text("5")


def _measured(step: Callable[[], Any]) -> tuple[Any, float, float]:
    gc.collect()
    _LIBC.malloc_trim(0)  # hand freed heap back, so that reusing it still counts as growth
    before = _status_kib("VmRSS")
    _reset_peak()
    start = time.perf_counter()
    result = step()
    seconds = time.perf_counter() - start
    return result, seconds, (_status_kib("VmHWM") - before) / 1024


def _repeat(step: Callable[[], Any], runs: int) -> tuple[Any, dict[str, float]]:
    seconds, peaks, result = [], [], None
    for _ in range(runs):
        result = None  # free the previous run's result before the next one starts
        result, s, peak = _measured(step)
        seconds.append(s)
        peaks.append(peak)
    return result, {"seconds": statistics.median(seconds), "peak_mib": max(peaks), "runs": runs}


def _child(tool: str, target_edges: int, out: Path) -> None:
    graph = road_graph(target_edges)
    steps: dict[str, dict[str, float]] = {}
    if tool == "transnet":
        from transnet.access import build_matrix, cost_to_nearest

        matrix, steps["build"] = _repeat(
            lambda: build_matrix(graph.u, graph.v, graph.cost, graph.oneway, graph.n_nodes),
            TRANSNET_RUNS,
        )
        costs, steps["query"] = _repeat(
            lambda: cost_to_nearest(matrix, graph.sources), TRANSNET_RUNS
        )
    elif tool == "transnet-snap":
        import geopandas as gpd

        from transnet.access import snap_points
        from transnet.network import RoadNetwork

        nodes = gpd.GeoDataFrame(
            {"x": graph.x, "y": graph.y, "interchange": False},
            geometry=gpd.points_from_xy(graph.x, graph.y),
            crs=CRS,
        )
        network = RoadNetwork(nodes, road_lines(graph))
        points = places(graph)
        snapped, steps["snap"] = _repeat(lambda: snap_points(network, points), SNAP_RUNS)
        costs = snapped.snap_m
    elif tool == "geopandas-snap":
        import geopandas as gpd

        lines = road_lines(graph)
        lines = lines.loc[~graph.express, ["geometry"]]
        points = gpd.GeoDataFrame(geometry=places(graph))

        def snap() -> np.ndarray:
            # A copy has no spatial index yet: each run builds its own, as snap_points does.
            joined = gpd.sjoin_nearest(points, lines.copy(), distance_col="snap_m")
            return joined.groupby(level=0)["snap_m"].first().to_numpy()

        costs, steps["snap"] = _repeat(snap, SNAP_RUNS)
    else:
        import networkx as nx

        def build() -> nx.DiGraph:
            rows, cols, arc_costs = directed_edges(graph)
            network = nx.DiGraph()
            network.add_nodes_from(range(graph.n_nodes))
            network.add_weighted_edges_from(
                zip(rows.tolist(), cols.tolist(), arc_costs.tolist(), strict=True), weight=WEIGHT
            )
            return network

        network, steps["build"] = _repeat(build, NETWORKX_RUNS)
        sources = graph.sources.tolist()
        lengths, steps["query"] = _repeat(
            lambda: nx.multi_source_dijkstra_path_length(
                network.reverse(copy=False), sources, weight=WEIGHT
            ),
            NETWORKX_RUNS,
        )
        costs = np.full(graph.n_nodes, np.inf)
        costs[np.fromiter(lengths.keys(), dtype=np.int64)] = np.fromiter(
            lengths.values(), dtype=float
        )
    np.save(out, costs)
    print(json.dumps(steps))


# ---------------------------------------------------------------------------------------------
# Parent process.


def _run_child(tool: str, target_edges: int, folder: Path) -> tuple[dict, np.ndarray]:
    out = folder / f"{tool}-{target_edges}.npy"
    stdout = subprocess.run(
        [sys.executable, __file__, "--child", tool, str(target_edges), str(out)],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    ).stdout
    return json.loads(stdout.strip().splitlines()[-1]), np.load(out)


def _agreement(ours: np.ndarray, theirs: np.ndarray) -> tuple[bool, str]:
    reachable = np.isfinite(ours)
    same_unreachable = bool(np.array_equal(reachable, np.isfinite(theirs)))
    both = reachable & np.isfinite(theirs)
    scale = np.maximum(np.abs(theirs[both]), np.finfo(float).tiny)
    worst = float(np.max(np.abs(ours[both] - theirs[both]) / scale)) if both.any() else 0.0
    ok = same_unreachable and worst < MAX_RELATIVE_DIFFERENCE
    return ok, (
        f"agreement: {'OK' if ok else 'FAILED'}; max relative difference {worst:.2e} "
        f"(limit {MAX_RELATIVE_DIFFERENCE:.0e}) over {int(both.sum()):,} reachable nodes; "
        f"unreachable {int((~reachable).sum()):,} (transnet) vs "
        f"{int((~np.isfinite(theirs)).sum()):,} (networkx): "
        f"{'same set' if same_unreachable else 'DIFFERENT sets'}"
    )


def _verdict(met: bool) -> str:
    return "met" if met else "NOT met"


def _report(target_edges: int, folder: Path) -> bool:
    graph = road_graph(target_edges)
    arcs = len(directed_edges(graph)[0])
    detail = ", ".join(f"{k} {n:,}" for k, n in graph.counts.items())
    print(
        f"\n== {len(graph.u):,} edges ({detail}); {graph.side}x{graph.side} grid, "
        f"{graph.n_nodes:,} nodes, {arcs:,} directed arcs, {int(graph.oneway.sum()):,} one-way, "
        f"{len(graph.sources)} sources"
    )
    ours, our_costs = _run_child("transnet", target_edges, folder)
    theirs, their_costs = _run_child("networkx", target_edges, folder)
    print(f"{'step':58} {'seconds':>8} {'peak MiB':>9} {'runs':>5}")
    rows = [
        ("transnet build_matrix", ours["build"]),
        ("transnet cost_to_nearest (query)", ours["query"]),
        ("networkx DiGraph from the same arcs", theirs["build"]),
        ("networkx multi_source_dijkstra_path_length (reversed view)", theirs["query"]),
    ]
    for label, r in rows:
        print(f"{label:58} {r['seconds']:8.3f} {r['peak_mib']:9.1f} {r['runs']:5d}")
    ok, message = _agreement(our_costs, their_costs)
    finite = our_costs[np.isfinite(our_costs)]
    print(
        f"{message}\ncost to nearest source: median {np.median(finite) / 60:.1f} min, "
        f"max {finite.max() / 60:.1f} min"
    )
    query_ratio = theirs["query"]["seconds"] / ours["query"]["seconds"]
    total_ratio = (theirs["build"]["seconds"] + theirs["query"]["seconds"]) / (
        ours["build"]["seconds"] + ours["query"]["seconds"]
    )
    scope = "" if target_edges == SIZES[-1] else " (the targets are set for the 1M graph)"
    print(
        f"ratio networkx / transnet, query: {query_ratio:.1f}x; build + query: {total_ratio:.1f}x"
    )
    print(
        f"target >= {TARGET_SPEED_UP:.0f}x faster (query): {_verdict(query_ratio >= 10)}; "
        f"(build + query): {_verdict(total_ratio >= TARGET_SPEED_UP)}{scope}"
    )
    print(
        f"target query < {TARGET_QUERY_S:.0f} s: "
        f"{_verdict(ours['query']['seconds'] < TARGET_QUERY_S)} "
        f"({ours['query']['seconds']:.3f} s){scope}"
    )
    return ok & _report_snapping(target_edges, folder)


def _report_snapping(target_edges: int, folder: Path) -> bool:
    ours, our_snap = _run_child("transnet-snap", target_edges, folder)
    theirs, their_snap = _run_child("geopandas-snap", target_edges, folder)
    print(f"{'step':58} {'seconds':>8} {'peak MiB':>9} {'runs':>5}")
    for label, r in (
        (f"transnet snap_points ({N_PLACES:,} places)", ours["snap"]),
        (f"geopandas sjoin_nearest ({N_PLACES:,} places)", theirs["snap"]),
    ):
        print(f"{label:58} {r['seconds']:8.3f} {r['peak_mib']:9.1f} {r['runs']:5d}")
    worst = float(np.max(np.abs(our_snap - their_snap)))
    ok = worst < MAX_SNAP_DIFFERENCE_M
    print(
        f"snapping agreement: {'OK' if ok else 'FAILED'}; max difference {worst:.1e} m "
        f"(limit {MAX_SNAP_DIFFERENCE_M:.0e}); snap distance median {np.median(our_snap):.0f} m, "
        f"max {our_snap.max():.0f} m"
    )
    ratio = theirs["snap"]["seconds"] / ours["snap"]["seconds"]
    print(f"ratio geopandas / transnet, snapping: {ratio:.1f}x")
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0], allow_abbrev=False)
    parser.add_argument("--quick", action="store_true", help="only the 100k-edge case")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        tool, target_edges, out = args.child
        _child(tool, int(target_edges), Path(out))
        return

    import networkx as nx
    import scipy

    print(
        "Nearest-source travel times and place snapping on a synthetic road graph: "
        "transnet against networkx and geopandas"
    )
    print(
        f"numpy {np.__version__}, scipy {scipy.__version__}, networkx {nx.__version__}, "
        f"Python {sys.version.split()[0]}"
    )
    print(
        f"seconds: median over the runs (transnet {TRANSNET_RUNS}, networkx {NETWORKX_RUNS}); "
        "each tool runs in a fresh subprocess"
    )
    print(
        "peak MiB: peak resident set size during the step above the resident set size at its "
        "start (VmHWM reset before each step; includes the step's result; max over the runs)"
    )
    started = time.perf_counter()
    ok = True
    with tempfile.TemporaryDirectory() as folder:
        for target_edges in SIZES[:1] if args.quick else SIZES:
            ok &= _report(target_edges, Path(folder))
    print(f"\ntotal wall time {time.perf_counter() - started:.0f} s")
    if not ok:
        sys.exit("transnet and its baseline (networkx, geopandas) disagree")


if __name__ == "__main__":
    main()
