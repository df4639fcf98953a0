"""End to end: ``transnet build`` and ``transnet run`` from the bundle's size to a province's.

Data: :func:`transnet.testing.write_osm_extract`, a synthetic OSM China extract over real county
polygons (dual carriageways, junction nodes, ramps, hubs, Chinese refs, place nodes), at growing
``scale`` over the Taixin zone and over all of Shanxi. Plan: :func:`synthetic_plan`, seeded cards
drawn on the built network (upgrades of county roads, expressway widenings, new grade-2 roads,
new expressways between county seats with a planned interchange). Townships: the extract's own
place nodes and admin_level 8 boundaries (``--townships extract.osm.pbf``).

Each command runs in a fresh subprocess (the real ``transnet.cli.main``), with a timer wrapped
around each pipeline stage, so the figures are those a user gets, and peak memory (the
process's ``VmHWM``, not ``ru_maxrss``, which carries over the parent's size) is that
command's. Printed per size and stage: seconds (own time, nested stages
subtracted) with its CPU seconds and the kernel's part of them (page faults, mostly), the
process's peak memory after it, and, per region (a fixed
county set and card count, so that exponents measure growth in edges, not in counties or
cards), the growth exponent of CPU seconds (other load on the machine inflates them far less
than wall time) between consecutive sizes ``log(t2 / t1) / log(n2 / n1)`` in edges, each stage's
share of its command at the largest size, and a flag on every stage above ``MAX_EXPONENT``
(1.15) between the region's two largest sizes that takes at least 2 % of its command, with,
beside each stage above it, its exponent in user CPU alone (the kernel's part taken out),
and the host's own floor: how one division per edge grows between the same two edge counts.

Baseline, in the same run, at the sizes where it finishes within ``--baseline-timeout`` seconds:
the same core job done the way a user of the peers would, osmnx ``graph_from_xml`` on the same
roads as ``.osm`` XML, then networkx for the length by class and each seat's minutes to the
nearest interchange (``multi_source_dijkstra`` from the junction nodes on the reversed graph,
osmnx's speeds and travel times). transnet's core job: ``build`` (parse and graph) and the
seat-minute step (:func:`transnet.attribution.seat_minutes_to_interchange`).

osmnx refuses ways cut by the extract's edge, so the baseline reads the extract's complete
ways only (:func:`bench_osm.write_highways_only`), a few per cent fewer than transnet reads.

Run: ``.venv/bin/python benchmarks/bench_pipeline.py`` (Taixin ×1, ×4, ×16 and Shanxi ×1.125,
×2.25, ×4.5, up to about 190,000 edges; about 15 minutes on a quiet 2-core machine).
``--quick``: the two smallest (about 2 minutes). ``--region taixin`` or ``--region shanxi``: one
series. ``--national``: adds all of China (2,891 counties) at ``--national-scale`` (default
0.02, about 226,000 edges; 0.2: 785,000; 0.5: 1.5 million; 2: 5.1 million; a list gives
a national series, with its growth exponents and, from the two largest sizes, the figures
extrapolated to 5 million edges, printed as such), ``run --no-maps``,
without the osmnx baseline; ``--no-baseline`` skips it at every size; ``--extracts DIR`` keeps
the generated extracts in ``DIR`` and reuses them on the next run (the generator is seeded:
the same extract). Sized for 2 cores and 24 GB. Wall times on a busy machine are inflated, and
so are exponents where the load changes between two sizes: rerun on a quiet machine for figures
to quote.
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import subprocess
import sys
import tempfile
import time
from itertools import pairwise
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: (label, region, scale, cards): two fixed-region series, each with one card count, so that a
#: growth exponent between two sizes of a region is growth in edges alone: Taixin (12 counties)
#: from the bundle's scale up, then all of Shanxi (117 counties) up to about 190,000 edges.
SIZES = [
    ("taixin x1", "taixin", 1.0, 40),
    ("taixin x4", "taixin", 4.0, 40),
    ("taixin x16", "taixin", 16.0, 40),
    ("shanxi x1.1", "140000", 1.125, 100),
    ("shanxi x2.25", "140000", 2.25, 100),
    ("shanxi x4.5", "140000", 4.5, 100),
]
#: ``--national``: all of China (2,891 counties) at the scale ``--national-scale`` (default
#: 0.02, about 226,000 edges; 2.0 is 5.1 million), ``run --no-maps`` only.
NATIONAL = ("china", "china", 0.02, 300)
#: Growth above this exponent, between the two largest sizes of a region, is flagged.
MAX_EXPONENT = 1.15
#: A stage is flagged only if it takes at least this share of its command at the largest size
#: (a stage of a tenth of a second grows by noise).
FLAG_MIN_SHARE = 0.02

STAGES = {
    "osm parse": ("transnet.io.osm.files", "_read_osm_file"),
    "graph build": ("transnet.io.osm.files", "network_from_ways"),
    "save network": ("transnet.io.network_store", "save_network"),
    "load network": ("transnet.io.network_store", "load_network"),
    "townships": ("transnet.io.places", "load_townships"),
    "plan application": ("transnet.study", "apply_plan"),
    "metrics": ("transnet.study", "evaluate_scenario"),
    "travel-time matrix": ("transnet.access", "AccessGraph.from_network"),
    "attribution": ("transnet.study", "attribute_seat_minutes"),
    "sensitivity": ("transnet.study", "_without_illustrative"),
    "maps HTML": ("transnet.viz.web", "write_study_maps"),
    "static PNG": ("transnet.viz.static", "write_static_maps"),
    "report": ("transnet.report", "write_reports"),
}

# A child's own peak memory: ``ru_maxrss`` carries over the parent's resident size at the fork
# (Linux keeps it across exec), so a parent holding a loaded network inflated it; VmHWM is the
# high-water mark of the child's own address space.
PEAK = r"""
import resource
def peak_mib():
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
"""

# The child: wraps each stage with a timer, then runs the real command line.
CHILD = PEAK + r"""
import importlib, json, sys, time
stages = json.loads(sys.argv[1])
argv = json.loads(sys.argv[2])
own, cpu, kernel, calls, peak, stack = {}, {}, {}, {}, {}, []

def kernel_s():
    return resource.getrusage(resource.RUSAGE_SELF).ru_stime
from transnet.io.network_store import load_network as unwrapped_load_network

def wrap(stage, function):
    def timed(*args, **kwargs):
        stack.append([0.0, 0.0, 0.0])
        start, start_cpu, start_kernel = time.perf_counter(), time.process_time(), kernel_s()
        try:
            return function(*args, **kwargs)
        finally:
            spent = time.perf_counter() - start
            spent_cpu = time.process_time() - start_cpu
            spent_kernel = kernel_s() - start_kernel
            nested, nested_cpu, nested_kernel = stack.pop()
            own[stage] = own.get(stage, 0.0) + spent - nested
            cpu[stage] = cpu.get(stage, 0.0) + spent_cpu - nested_cpu
            kernel[stage] = kernel.get(stage, 0.0) + spent_kernel - nested_kernel
            calls[stage] = calls.get(stage, 0) + 1
            peak[stage] = peak_mib()
            if stack:
                stack[-1][0] += spent
                stack[-1][1] += spent_cpu
                stack[-1][2] += spent_kernel
    return timed

for stage, (module_name, attribute) in stages.items():
    module = importlib.import_module(module_name)
    if "." in attribute:
        owner_name, name = attribute.split(".")
        owner = getattr(module, owner_name)
        original = getattr(owner, name).__func__
        setattr(owner, name, classmethod(wrap(stage, original)))
    elif hasattr(module, attribute):
        setattr(module, attribute, wrap(stage, getattr(module, attribute)))

import transnet.cli
start, start_cpu = time.perf_counter(), time.process_time()
try:
    transnet.cli.main(argv)
except SystemExit as exc:
    code = exc.code
wall, total_cpu = time.perf_counter() - start, time.process_time() - start_cpu
edges = None
if "--out" in argv and argv[0] == "build":
    edges = len(unwrapped_load_network(argv[argv.index("--out") + 1]).edges)
print("RESULT " + json.dumps({
    "code": code, "wall_s": wall, "cpu_s": total_cpu, "own_s": own, "own_cpu_s": cpu,
    "own_kernel_s": kernel,
    "calls": calls, "peak_mib": peak,
    "peak_total_mib": peak_mib(),
    "edges": edges,
}))
"""

BASELINE = PEAK + r"""
import json, sys, time
import networkx as nx
import osmnx as ox
path, seats = sys.argv[1], json.loads(sys.argv[2])
start = time.perf_counter()
graph = ox.graph_from_xml(path, bidirectional=False, simplify=True, retain_all=True)
build_s = time.perf_counter() - start
start = time.perf_counter()
undirected = ox.convert.to_undirected(graph)
by_class = {}
for _, _, data in undirected.edges(data=True):
    highway = data.get("highway")
    highway = highway[0] if isinstance(highway, list) else highway
    by_class[highway] = by_class.get(highway, 0.0) + data["length"] / 1000
graph = ox.add_edge_speeds(graph)
graph = ox.add_edge_travel_times(graph)
junctions = [n for n, d in graph.nodes(data=True) if d.get("highway") == "motorway_junction"]
seat_nodes = ox.distance.nearest_nodes(graph, [s[0] for s in seats], [s[1] for s in seats])
minutes = nx.multi_source_dijkstra_path_length(graph.reverse(copy=False), junctions,
                                               weight="travel_time")
seat_minutes = [minutes.get(node, float("inf")) / 60 for node in seat_nodes]
core_s = time.perf_counter() - start
print("RESULT " + json.dumps({
    "build_s": build_s, "seat_minutes_s": core_s, "edges": undirected.number_of_edges(),
    "peak_mib": peak_mib(),
}))
"""

TRANSNET_CORE = r"""
import json, resource, sys, time
from transnet.attribution import seat_minutes_to_interchange
from transnet.io.network_store import load_network
from transnet.metrics import MetricSettings
import geopandas as gpd
network = load_network(sys.argv[1])
seats = json.loads(sys.argv[2])
points = gpd.GeoSeries.from_xy([s[0] for s in seats], [s[1] for s in seats], crs="EPSG:4326")
start = time.perf_counter()
seat_minutes_to_interchange(network, points, settings=MetricSettings())
print("RESULT " + json.dumps({"seat_minutes_s": time.perf_counter() - start}))
"""


def _child(script: str, *args: str, timeout: float | None = None) -> dict | None:
    try:
        done = subprocess.run(
            [sys.executable, "-c", script, *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=ROOT,
        )
    except subprocess.TimeoutExpired:
        return None
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    if lines and json.loads(lines[-1][len("RESULT ") :]).get("code") not in (None, 0, 1):
        raise RuntimeError(f"command failed:\n{done.stderr[-3000:]}")
    if not lines:
        raise RuntimeError(f"child failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return json.loads(lines[-1][len("RESULT ") :])


def synthetic_plan(network, region, n_cards: int, *, seed: int = 11):
    """Seeded project cards drawn on a built network, in turn of five kinds.

    Upgrades of county (grade-3) edges to grade 2, widenings of expressway carriageways, new
    grade-2 roads between two nodes 5–15 km apart, new expressways between two county seats
    20–80 km apart with a planned interchange half-way, and upgrades of grade-2 edges to 1.

    Each card draws from its own seeded stream, so the cards drawn from the region alone (the
    new expressways between seats) are the same at every scale of a region's series, and a
    growth exponent between two sizes measures the network's growth, not another plan's.
    """
    import geopandas as gpd
    import numpy as np
    import shapely
    from shapely.geometry import LineString

    from transnet.crs import GEOGRAPHIC_CRS
    from transnet.plan import Plan, ProjectCard

    outline = region.counties.to_crs(network.crs).union_all()
    # Prepared, and asked as `contains` (shapely uses the first argument's preparation): a
    # country's outline asked `within` edge by edge takes many minutes.
    shapely.prepare(outline)
    edges = network.edges[shapely.contains(outline, network.edges.geometry.values)]
    ordinary = edges[~edges["highway"].isin(["motorway", "motorway_link"])]
    mainline = edges[edges["highway"] == "motorway"]
    seats = region.seats.to_crs(network.crs)
    nodes = network.nodes.geometry[shapely.contains(outline, network.nodes.geometry.values)]
    props, lines = [], []
    for number in range(n_cards):
        kind = number % 5
        rng = np.random.default_rng([seed, number])
        base = {
            "id": f"C{number}",
            "name": f"synthetic card {number}",
            "length_basis": "estimated",
            "investment_basis": "estimated",
            "status": "planned",
            "provenance": "illustrative",
            "geometry_basis": "illustrative",
            "source": "bench_pipeline.synthetic_plan",
            "interchanges": [],
        }
        if kind in (0, 4) or (kind == 1 and mainline.empty):
            pool = ordinary[ordinary["grade"] == ("3" if kind == 0 else "2")]
            pool = pool if len(pool) else ordinary
            line = pool.geometry.iloc[int(rng.integers(0, len(pool)))]
            base |= {"class": "national_provincial", "action": "upgrade", "ref": ""}
            base |= {"grade": "2" if kind == 0 else "1", "lanes": 4}
        elif kind == 1:
            line = mainline.geometry.iloc[int(rng.integers(0, len(mainline)))]
            base |= {"class": "expressway", "action": "widen", "grade": "expressway", "lanes": 8}
        elif kind == 2:
            for _ in range(50):
                a = nodes.iloc[int(rng.integers(0, len(nodes)))]
                angle = rng.uniform(0, 2 * math.pi)
                distance = rng.uniform(5_000, 15_000)
                b = (a.x + distance * math.cos(angle), a.y + distance * math.sin(angle))
                line = LineString([(a.x, a.y), b])
                if shapely.contains(outline, line):
                    break
            base |= {"class": "national_provincial", "action": "new", "grade": "2", "lanes": 4}
        else:
            # A seat, then one 20–80 km from it (picking both at random fails in a country).
            xy = np.column_stack([seats.geometry.x, seats.geometry.y])
            for _ in range(50):
                i = int(rng.integers(0, len(seats)))
                distance = np.hypot(*(xy - xy[i]).T)
                near = np.flatnonzero((distance >= 20_000) & (distance <= 80_000))
                if len(near):
                    break
            j = int(near[int(rng.integers(0, len(near)))]) if len(near) else (i + 1) % len(seats)
            a, b = seats.geometry.iloc[i], seats.geometry.iloc[j]
            line = LineString([(a.x, a.y), (b.x, b.y)])
            middle = gpd.GeoSeries([line.interpolate(0.5, normalized=True)], crs=network.crs)
            lon, lat = middle.to_crs(GEOGRAPHIC_CRS).iloc[0].coords[0]
            base |= {"class": "expressway", "action": "new", "grade": "expressway", "lanes": 4}
            base["interchanges"] = [{"name": f"C{number} 互通", "lon": lon, "lat": lat}]
        length_km = max(line.length / 1000, 0.01)
        base |= {"length_km": round(length_km, 3), "investment_100m_cny": round(length_km, 2)}
        props.append(base)
        lines.append(line)
    cards = [ProjectCard.model_validate(p) for p in props]
    frame = gpd.GeoDataFrame(
        [c.model_dump(by_alias=True) for c in cards], geometry=lines, crs=network.crs
    ).to_crs(GEOGRAPHIC_CRS)
    return Plan(cards=cards, frame=frame)


def _bundle(folder: Path, region, plan) -> Path:
    """A bundle folder for ``region`` and ``plan``: the targets of Taixin, the network given."""
    import shapely.geometry

    from transnet.io.bundle import bundle_root

    folder.mkdir(parents=True, exist_ok=True)
    seats = region.seats.set_index("code").geometry
    table = region.counties[["code", "name"]].copy()
    table["seat_lon"] = [seats[code].x for code in table["code"]]
    table["seat_lat"] = [seats[code].y for code in table["code"]]
    table.to_csv(folder / "counties.csv", index=False)
    taixin = bundle_root() / "taixin"
    shutil.copy(taixin / "targets.yaml", folder / "targets.yaml")
    # Never read: every run passes --network; the manifest must name a file.
    shutil.copy(taixin / "network.geojson", folder / "network.geojson")
    features = [
        {
            "type": "Feature",
            "properties": card.model_dump(by_alias=True, mode="json"),
            "geometry": shapely.geometry.mapping(line),
        }
        for card, line in zip(plan.cards, plan.frame.geometry, strict=True)
    ]
    (folder / "plan.geojson").write_text(
        json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False),
        encoding="utf-8",
    )
    (folder / "bundle.yaml").write_text(
        "name: synthetic\ntitle: synthetic benchmark region\ncounties: counties.csv\n"
        "network: network.geojson\nplan: plan.geojson\ntargets: targets.yaml\n"
        "network_completeness: complete\nnetwork_label: synthetic OSM extract\n",
        encoding="utf-8",
    )
    return folder


def _exponent(t1: float, t2: float, n1: float, n2: float) -> str:
    if min(t1, t2) < 0.05 or n1 == n2:
        return "  —  "
    return f"{math.log(t2 / t1) / math.log(n2 / n1):5.2f}"


def _parse(argv: list[str]) -> argparse.Namespace:
    def scales(text: str) -> list[float]:
        try:
            values = [float(part) for part in text.split(",")]
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a list of numbers: {text!r}") from None
        if any(not math.isfinite(value) or value <= 0 for value in values):
            raise argparse.ArgumentTypeError(f"scales must be positive: {text!r}")
        return values

    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        epilog="See the module docstring for the figures.",
        allow_abbrev=False,
    )
    parser.add_argument("--quick", action="store_true", help="the two smallest sizes only")
    parser.add_argument(
        "--region",
        choices=["taixin", "shanxi", "140000", "none"],
        help="one series (140000 is Shanxi's code); none: no regional series",
    )
    parser.add_argument("--national", action="store_true", help="add all of China")
    parser.add_argument(
        "--national-scale",
        type=scales,
        default=[NATIONAL[2]],
        metavar="S[,S...]",
        help=f"scale(s) of the national extract (default {NATIONAL[2]:g})",
    )
    parser.add_argument("--no-baseline", action="store_true", help="skip the osmnx baseline")
    parser.add_argument(
        "--baseline-timeout",
        type=float,
        default=600.0,
        metavar="SECONDS",
        help="give up the baseline at a size after this long (default 600)",
    )
    parser.add_argument(
        "--extracts", type=Path, metavar="DIR", help="keep and reuse the generated extracts here"
    )
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    options = _parse(argv)
    import warnings

    from bench_osm import write_highways_only

    from transnet._memory import release_freed_memory
    from transnet.io.network_store import load_network
    from transnet.testing import region_for

    warnings.simplefilter("ignore")
    sizes = SIZES[:2] if options.quick else list(SIZES)
    if options.region is not None:
        sizes = [size for size in sizes if options.region in (size[0].split()[0], size[1])]
    if options.national:
        for scale in sorted(options.national_scale):
            sizes.append((f"china x{scale:g}", NATIONAL[1], scale, NATIONAL[3]))
    if not sizes:
        raise SystemExit(f"no size is left to run: --region {options.region!r} matches none")
    baseline_timeout = options.baseline_timeout
    no_baseline = options.no_baseline
    cache = options.extracts
    if cache is not None:
        cache.mkdir(parents=True, exist_ok=True)
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-pipeline-") as tmp:
        for label, region_name, scale, n_cards in sizes:
            national = region_name == "china"
            work = Path(tmp) / label.replace(" ", "-")
            work.mkdir()
            region = region_for(region_name)
            start = time.perf_counter()
            truth_edges = _extract(work / "extract.osm.pbf", region, scale, cache)
            generate_s = time.perf_counter() - start
            placeholder = _bundle(work / "bundle", region, _empty_plan())
            build = _child(
                CHILD,
                json.dumps(STAGES),
                json.dumps(
                    [
                        "build",
                        "--quiet",
                        "--unclassified",
                        "--source",
                        str(work / "extract.osm.pbf"),
                        "--bundle",
                        str(placeholder),
                        "--out",
                        str(work / "network.gpkg"),
                    ]
                ),
            )
            network = load_network(work / "network.gpkg")
            plan = synthetic_plan(network, region, n_cards)
            bundle = _bundle(work / "bundle", region, plan)
            del network, plan  # the children's memory, not this process's, is measured
            release_freed_memory()
            run = _child(
                CHILD,
                json.dumps(STAGES),
                json.dumps(
                    [
                        "run",
                        "--quiet",
                        "--bundle",
                        str(bundle),
                        "--network",
                        str(work / "network.gpkg"),
                        "--townships",
                        str(work / "extract.osm.pbf"),
                        "--out",
                        str(work / "out"),
                        *(["--no-maps"] if national else []),
                    ]
                ),
            )
            seats = [[p.x, p.y] for p in region.seats.geometry]
            core = _child(TRANSNET_CORE, str(work / "network.gpkg"), json.dumps(seats))
            # osmnx refuses ways cut by the extract's edge: it gets the complete ways only.
            complete = None
            if not national and not no_baseline:
                complete = write_highways_only(work / "extract.osm.pbf", work / "complete.osm")
            baseline = None
            if not national and not no_baseline:
                # At national scale osmnx's XML path takes hours and much memory.
                baseline = _child(
                    BASELINE, str(complete), json.dumps(seats), timeout=baseline_timeout
                )
            row = {
                "label": label,
                "region": region_name,
                "baseline_skipped": no_baseline,
                "edges": build["edges"],
                "cards": n_cards,
                "counties": len(region.counties),
                "generate_s": generate_s,
                "build": build,
                "run": run,
                "core": core,
                "baseline": baseline,
                "truth_edges": truth_edges,
            }
            results.append(row)
            _print_size(row)
    _print_growth(results)
    return 0


def _extract(path: Path, region, scale: float, cache: Path | None) -> int | None:
    """Write the synthetic extract at ``path`` (copied from ``cache`` if generated before)."""
    from transnet.testing import write_osm_extract

    if cache is None:
        return write_osm_extract(path, region=region, scale=scale, seed=1).counts.get("edges")
    key = f"{len(region.counties)}-counties-x{scale:g}"
    cached, counts = cache / f"{key}.osm.pbf", cache / f"{key}.json"
    if not counts.exists():
        truth = write_osm_extract(cached, region=region, scale=scale, seed=1)
        counts.write_text(json.dumps(truth.counts, default=int))
    shutil.copyfile(cached, path)
    return json.loads(counts.read_text()).get("edges")


def _empty_plan():
    import geopandas as gpd

    from transnet.plan import Plan

    frame = gpd.GeoDataFrame({"id": []}, geometry=[], crs="EPSG:4326")
    return Plan(cards=[], frame=frame)


def _print_size(row: dict) -> None:
    build, run, core, baseline = row["build"], row["run"], row["core"], row["baseline"]
    print(
        f"\n== {row['label']}: {row['edges']:,} edges, {row['counties']} counties, "
        f"{row['cards']} cards (extract generated in {row['generate_s']:.1f} s)",
        flush=True,
    )
    for command, figures in (("build", build), ("run", run)):
        print(
            f"  transnet {command}: {figures['wall_s']:7.1f} s (CPU {figures['cpu_s']:.1f} s), "
            f"exit {figures['code']}, "
            f"peak {figures['peak_total_mib']:,.0f} MiB"
        )
        for stage, seconds in sorted(figures["own_s"].items(), key=lambda kv: -kv[1]):
            print(
                f"    {stage:<20} {seconds:7.2f} s  (CPU {figures['own_cpu_s'][stage]:6.2f} s, "
                f"kernel {figures.get('own_kernel_s', {}).get(stage, 0.0):5.2f} s, "
                f"{figures['calls'][stage]} calls, peak {figures['peak_mib'][stage]:,.0f} MiB)"
            )
        other = figures["wall_s"] - sum(figures["own_s"].values())
        print(f"    {'other (imports, IO)':<20} {other:7.2f} s")
    parse_build = build["own_s"].get("osm parse", 0) + build["own_s"].get("graph build", 0)
    if baseline is None and (row["region"] == "china" or row["baseline_skipped"]):
        print("  baseline (osmnx graph_from_xml + networkx): not run")
    elif baseline is None:
        print("  baseline (osmnx graph_from_xml + networkx): did not finish in time")
    else:
        print(
            f"  baseline osmnx graph_from_xml: {baseline['build_s']:.1f} s against transnet's "
            f"parse + graph {parse_build:.1f} s: {baseline['build_s'] / parse_build:.1f}x; "
            f"networkx length by class + seat minutes {baseline['seat_minutes_s']:.2f} s "
            f"against transnet {core['seat_minutes_s']:.2f} s: "
            f"{baseline['seat_minutes_s'] / max(core['seat_minutes_s'], 1e-6):.1f}x "
            f"(peak {baseline['peak_mib']:,.0f} MiB)"
        )


def _print_growth(results: list[dict]) -> None:
    """Print, per region, each stage's exponent between consecutive sizes; flag the largest."""
    for region in dict.fromkeys(r["region"] for r in results):
        series = [r for r in results if r["region"] == region]
        if len(series) < 2:
            continue
        name = series[0]["label"].split()[0]
        print(
            f"\n== growth exponent log(t2/t1) / log(n2/n1) of CPU seconds in edges, {name}"
            f" ({series[0]['counties']} counties, {series[0]['cards']} cards at every size); "
            f"flagged (!) above {MAX_EXPONENT} between the two largest sizes"
        )
        pairs = list(pairwise(series))
        header = "".join(f"{a['label']} → {b['label']}".rjust(30) for a, b in pairs)
        print(f"{'':<24}{header}")
        flagged = []
        for command in ("build", "run"):
            cells = [
                _exponent(a[command]["cpu_s"], b[command]["cpu_s"], a["edges"], b["edges"])
                for a, b in pairs
            ]
            print(f"{command + ' (whole)':<24}" + "".join(c.rjust(30) for c in cells))
            largest = series[-1][command]
            stages = sorted({s for r in series for s in r[command]["own_s"]})
            for stage in stages:
                cells = [
                    _exponent(
                        a[command]["own_cpu_s"].get(stage, 0),
                        b[command]["own_cpu_s"].get(stage, 0),
                        a["edges"],
                        b["edges"],
                    )
                    for a, b in pairs
                ]
                if all(c.strip() == "—" for c in cells) or stage not in largest["own_s"]:
                    continue
                last = cells[-1].strip()
                share = largest["own_cpu_s"][stage] / max(largest["cpu_s"], 1e-9)
                flag = last != "—" and float(last) > MAX_EXPONENT and share >= FLAG_MIN_SHARE
                if flag:
                    flagged.append(f"{command}: {stage} ({last}, {share:.0%} of {command})")
                a, b = series[-2][command], largest
                per_call = ""
                calls = (a["calls"].get(stage, 0), b["calls"].get(stage, 0))
                if calls[0] and calls[0] != calls[1]:
                    per_call = _exponent(
                        a["own_cpu_s"].get(stage, 0) / calls[0],
                        b["own_cpu_s"][stage] / calls[1],
                        series[-2]["edges"],
                        series[-1]["edges"],
                    )
                    per_call = f", {calls[0]} → {calls[1]} calls: {per_call.strip()} per call"
                if last != "—" and float(last) > MAX_EXPONENT:
                    user = _user_exponent(series[-2], series[-1], command, stage)
                    per_call += f"; user CPU alone {user}"
                print(
                    f"  {stage:<20}{'!' if flag else ' '} "
                    + "".join(c.rjust(30) for c in cells)
                    + f"   {share:4.0%} of {command} at {series[-1]['label']}{per_call}"
                )
        print("  flagged: " + ("; ".join(flagged) if flagged else f"none above {MAX_EXPONENT}"))
        print(_streaming_growth(series[-2]["edges"], series[-1]["edges"]))
        if region == "china":
            _print_national_extrapolation(series[-2], series[-1])


def _streaming_growth(n1: int, n2: int, *, repeats: int = 7) -> str:
    """The host's own growth on the simplest step over every edge, timed here and now.

    One division of two float arrays per edge, into a preallocated array and into a new one
    (fresh pages from the kernel each time where the array is above glibc's mmap threshold,
    32 MB at most), at each size's edge count: how a step that streams over every edge grows
    on this machine's caches and memory, whatever the code. Best of ``repeats``.
    """
    import numpy as np

    cells = []
    for into in ("a preallocated array", "a new array"):
        best = []
        for n in (n1, n2):
            a, b = np.random.default_rng(0).random((2, n)) + 1.0
            out = np.empty(n)
            seconds = []
            for _ in range(repeats):
                start = time.perf_counter()
                if into == "a new array":
                    np.divide(a, b)
                else:
                    np.divide(a, b, out=out)
                seconds.append(time.perf_counter() - start)
            best.append(min(seconds))
            del a, b, out
        cells.append(f"{math.log(best[1] / best[0]) / math.log(n2 / n1):.2f} into {into}")
    return (
        f"  host floor: one division per edge, {n1:,} → {n2:,} elements, grows "
        + " and ".join(cells)
        + " (the same step at both sizes: the growth is this machine's caches and memory)"
    )


def _user_exponent(a: dict, b: dict, command: str, stage: str) -> str:
    """A stage's growth in user CPU alone: its CPU less the kernel's (page faults, mostly).

    The kernel's part is mostly page faults on fresh memory: glibc maps every array above its
    mmap threshold (32 MB at most) anew and unmaps it when freed, so a size whose arrays cross
    that line pays for fresh pages where a smaller size reuses freed memory. Printed beside
    the flag, never instead of it.
    """
    user, calls = [], []
    for row in (a, b):
        figures = row[command]
        kernel = figures.get("own_kernel_s", {}).get(stage, 0.0)
        user.append(figures["own_cpu_s"].get(stage, 0.0) - kernel)
        calls.append(figures["calls"].get(stage, 0))
    exponent = _exponent(user[0], user[1], a["edges"], b["edges"]).strip()
    if 0 < calls[0] != calls[1]:
        per_call = _exponent(user[0] / calls[0], user[1] / calls[1], a["edges"], b["edges"])
        exponent += f" ({per_call.strip()} per call)"
    return exponent


#: The national target's size (edges), for the extrapolation from measured national sizes.
NATIONAL_TARGET_EDGES = 5_000_000


def _print_national_extrapolation(a: dict, b: dict) -> None:
    """Print build and run at 5 million edges, from the growth measured between ``a`` and ``b``.

    An extrapolation, never a measurement: printed as such, two ways. Proportional: the larger
    size scaled by ``(n / n2) ** max(k, 1)``, as if nothing were fixed (an upper figure where
    part of the cost does not grow with edges, as the townships, counties and cards do not
    here). Linear with a fixed part: the straight line through both sizes, each further
    million edges costing what the last ones cost.
    """
    n1, n2, n = a["edges"], b["edges"], NATIONAL_TARGET_EDGES
    print(f"\n== extrapolated to {n:,} edges from {a['label']} and {b['label']} (not measured)")
    for command, limit_s in (("build", 15 * 60), ("run", 10 * 60)):
        for what, unit, v1, v2, limit in (
            ("CPU", "s", a[command]["cpu_s"], b[command]["cpu_s"], limit_s),
            ("peak", "MiB", a[command]["peak_total_mib"], b[command]["peak_total_mib"], 16_384),
        ):
            k = math.log(v2 / v1) / math.log(n2 / n1)
            proportional = v2 * (n / n2) ** max(k, 1.0)
            linear = v2 + (v2 - v1) / (n2 - n1) * (n - n2)
            print(
                f"  {command} {what}: {proportional:,.0f} {unit} proportional (exponent "
                f"max({k:.2f}, 1)), {linear:,.0f} {unit} linear with a fixed part "
                f"(target {limit:,} {unit})"
            )


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
