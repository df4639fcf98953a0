"""HTML map size and render time: transnet's maps against plain ``GeoDataFrame.explore()``.

Two data sets, each drawn both ways in the same run:

- the embedded Taixin bundle: the "after" network (a few hundred edges), with its plan cards,
  counties and seats;
- a synthetic road network of 200,000 edges (20,000 with ``--quick``) from
  :func:`transnet.testing.synthetic_network` (the tests use the same generator): a square grid
  of roads 500 m apart near Taiyuan (UTM 49N), five vertices per edge with the inner three
  jittered (σ 6 m); every 40th grid line an expressway, every 20th grade 1, every 10th grade 2,
  every 4th grade 3 and the rest grade 4, so most edges are minor roads, as in OpenStreetMap;
  minor roads carry street names (one per ten edges) and trunk roads their refs; interchanges
  where expressways cross every 10th line; 4 × 4 square counties with a seat at each centre.

For each data set:

- transnet: :func:`transnet.viz.web.scenario_map` (``tiles="none"``) and
  :func:`transnet.viz.web.save_map` (self-contained: Leaflet inlined). Above 20,000 edges the map
  simplifies geometry and shows grade 3–4 roads only from zoom 11 on.
- explore(): ``edges.to_crs("EPSG:4326").explore()`` with geopandas' and folium's defaults
  (every column in the tooltip, OpenStreetMap tiles, Leaflet and its plugins from CDNs), saved
  with ``Map.save``.

Measured:

- size of the HTML file, in MB (10^6 bytes);
- build + write: wall-clock seconds from the projected network to the file on disk;
- render: headless Chromium (Debian's ``chromium``, driven by Playwright, no network: every
  http(s) request is aborted), from navigation start to the map painted: the page's ``load``
  event, then two animation frames, read as ``performance.now()`` in the page; median of
  ``RUNS`` runs, each in a fresh browser context;
- zoom in: the map set to zoom 11 at its centre (no animation) until two animation frames later,
  ``performance.now()`` difference; on a large network this is when transnet adds the minor
  roads.

``explore()`` loads Leaflet from a CDN, so offline it does not render at all; that is reported
as such, not as a number. For a render time all the same, it is measured a second time with the
benchmark answering the CDN's ``leaflet.js`` and ``leaflet.css`` requests from the local copy in
the ``xstatic-leaflet`` package (jQuery, Bootstrap and the other CDN assets still fail). That
row is labelled; it is not how the page behaves offline.

Budgets (issue 5): the bundle's maps (``before.html``, ``after.html``, ``compare.html`` as
``transnet run`` writes them, here with ``tiles="none"``) under 3 MB each; the 200,000-edge map
under 25 MB and rendered in under 5 s. Each is printed as met or NOT met.

Run: ``.venv/bin/python benchmarks/bench_maps.py`` (``--quick``: 20,000 edges; the 200,000-edge
budgets are then not measured). Needs Debian's ``chromium`` (``apt-get install chromium``).
"""

from __future__ import annotations

import argparse
import contextlib
import re
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
from playwright.sync_api import Browser, Error, Page, Route, sync_playwright

from transnet.network import RoadNetwork
from transnet.testing import synthetic_network as synthetic_grid
from transnet.viz.style import county_values
from transnet.viz.web import save_map, scenario_map, write_study_maps

FULL_EDGES = 200_000
QUICK_EDGES = 20_000
RUNS = 3
ZOOM_IN = 11
RENDER_TIMEOUT_S = 180.0
VIEWPORT = {"width": 1280, "height": 800}
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
BUNDLE_BUDGET_MB = 3.0
LARGE_BUDGET_MB = 25.0
LARGE_BUDGET_RENDER_S = 5.0

# JavaScript: after the load event, wait two animation frames, then report whether a Leaflet map
# was drawn and the time since navigation start.
PAINTED = """() => new Promise((resolve) => {
    if (typeof window.L !== "object") {
        resolve({leaflet: false, maps: 0, drawn: 0, ms: null});
        return;
    }
    const maps = Object.keys(window).filter((key) => {
        try { return window[key] instanceof L.Map; } catch (error) { return false; }
    });
    requestAnimationFrame(() => requestAnimationFrame(() => {
        const pane = document.querySelector(".leaflet-overlay-pane");
        const drawn = pane ? pane.querySelectorAll("canvas, path").length : 0;
        resolve({leaflet: true, maps: maps.length, drawn: drawn, ms: performance.now()});
    }));
})"""
# JavaScript: zoom the (first) map in at its centre; milliseconds until painted.
ZOOMED = """(zoom) => new Promise((resolve) => {
    const name = Object.keys(window).find((key) => {
        try { return window[key] instanceof L.Map; } catch (error) { return false; }
    });
    const map = window[name], start = performance.now();
    map.setView(map.getCenter(), zoom, {animate: false});
    requestAnimationFrame(() => requestAnimationFrame(() => resolve(performance.now() - start)));
})"""


# --------------------------------------------------------------------------------------------
# Data
# --------------------------------------------------------------------------------------------


@dataclass
class MapData:
    """What both tools draw: a network, counties, seats and (for the bundle) plan cards."""

    label: str
    network: RoadNetwork
    counties: gpd.GeoDataFrame
    seats: gpd.GeoDataFrame
    plan: gpd.GeoDataFrame | None
    choropleth: str | None
    title: str
    notes: list[str]


def synthetic_network(n_edges: int) -> MapData:
    """The synthetic grid network of exactly ``n_edges`` edges, its counties and seats."""
    grid = synthetic_grid(n_edges)
    return MapData(
        label=f"synthetic {n_edges:,} edges",
        network=grid.network,
        counties=grid.counties,
        seats=grid.seats,
        plan=None,
        choropleth="value",
        title="Synthetic grid network (benchmark)",
        notes=["SYNTHETIC network generated by transnet.testing.synthetic_network"],
    )


def bundle_data(study: Any) -> MapData:
    """The Taixin bundle's "after" network with its plan cards, counties and seats."""
    from transnet.summary import caveats

    metric = "seat_to_interchange_min"
    counties = study.region.counties.assign(**{metric: county_values(study, "after", metric)})
    plan = study.plan.frame.merge(study.plan_result.log[["id", "outcome"]], on="id", how="left")
    return MapData(
        label=f"Taixin bundle ({len(study.after.edges):,} edges)",
        network=study.after,
        counties=counties,
        seats=study.region.seats,
        plan=plan,
        choropleth=metric,
        title=f"{study.region.name}: after the plan",
        notes=caveats(study),
    )


# --------------------------------------------------------------------------------------------
# Building the two maps
# --------------------------------------------------------------------------------------------


def build_transnet(data: MapData, path: Path) -> float:
    """Draw and save transnet's map; return the wall-clock seconds."""
    start = time.perf_counter()
    m = scenario_map(
        data.network,
        counties=data.counties,
        seats=data.seats,
        plan=data.plan,
        title=data.title,
        notes=data.notes,
        choropleth=data.choropleth,
        tiles="none",
    )
    save_map(m, path, self_contained=True)
    return time.perf_counter() - start


def build_explore(data: MapData, path: Path) -> float:
    """Draw and save the same edges with plain ``GeoDataFrame.explore()``; return seconds."""
    start = time.perf_counter()
    m = data.network.edges.to_crs("EPSG:4326").explore()
    m.save(str(path))
    return time.perf_counter() - start


# --------------------------------------------------------------------------------------------
# Rendering
# --------------------------------------------------------------------------------------------


def chromium_path() -> str:
    """Debian's chromium; exit with a message if it is missing."""
    found = shutil.which("chromium") or (
        "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None
    )
    if not found:
        sys.exit("Debian's chromium is needed: apt-get install --no-install-recommends chromium")
    return found


def local_leaflet() -> dict[str, tuple[bytes, str]]:
    """Leaflet's ``leaflet.js`` and ``leaflet.css`` from the installed ``xstatic-leaflet``."""
    import xstatic.pkg.leaflet as xstatic_leaflet

    folder = Path(xstatic_leaflet.BASE_DIR)
    return {
        "leaflet.js": ((folder / "leaflet.js").read_bytes(), "application/javascript"),
        "leaflet.css": ((folder / "leaflet.css").read_bytes(), "text/css"),
    }


@dataclass
class Render:
    """One page load: painted or not, and when."""

    rendered: bool
    seconds: float | None = None  # navigation start → painted
    zoom_seconds: float | None = None  # zoom in → painted
    problem: str = ""


def offline_handler(serve: dict[str, tuple[bytes, str]] | None) -> Callable[[Route], None]:
    """Abort every network request, except Leaflet's files when ``serve`` gives them."""

    def handle(route: Route) -> None:
        name = route.request.url.split("?")[0].rsplit("/", 1)[-1]
        if serve and name in serve:
            body, content_type = serve[name]
            route.fulfill(status=200, body=body, content_type=content_type)
        else:
            route.abort("internetdisconnected")

    return handle


@contextlib.contextmanager
def fresh_page(browser: Browser) -> Iterator[Page]:
    """A page in a new browser context (empty cache), closed afterwards."""
    context = browser.new_context(viewport=VIEWPORT, device_scale_factor=1)
    try:
        yield context.new_page()
    finally:
        context.close()


def render_once(
    browser: Browser, path: Path, serve: dict[str, tuple[bytes, str]] | None = None
) -> Render:
    """Load ``path`` offline and measure navigation start → painted, then a zoom-in."""
    with fresh_page(browser) as page:
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.route(re.compile(r"^(https?|wss?)://"), offline_handler(serve))
        try:
            page.goto(path.as_uri(), wait_until="load", timeout=RENDER_TIMEOUT_S * 1000)
            state = page.evaluate(PAINTED)
        except Error as error:  # timeout or a crashed renderer
            message = str(error).splitlines()[0]
            return Render(False, problem=f"did not render: {message[:80]}")
        if not state["leaflet"]:
            first = errors[0].splitlines()[0] if errors else "window.L undefined"
            return Render(False, problem=f"did not render offline (CDN assets): {first[:50]}")
        if not state["maps"] or not state["drawn"]:
            return Render(False, problem=f"no map drawn ({state}); errors: {errors[:1]}")
        zoom_ms = page.evaluate(ZOOMED, ZOOM_IN)
        problem = f"page errors: {errors[0].splitlines()[0][:60]}" if errors else ""
        return Render(True, state["ms"] / 1000, zoom_ms / 1000, problem)


def render(
    browser: Browser, path: Path, serve: dict[str, tuple[bytes, str]] | None = None
) -> Render:
    """Median of ``RUNS`` renders (one, if the first does not render)."""
    runs = [render_once(browser, path, serve)]
    while runs[0].rendered and len(runs) < RUNS:
        runs.append(render_once(browser, path, serve))
    if not all(r.rendered for r in runs):
        return next(r for r in runs if not r.rendered)
    return Render(
        True,
        statistics.median(r.seconds or 0.0 for r in runs),
        statistics.median(r.zoom_seconds or 0.0 for r in runs),
        next((r.problem for r in runs if r.problem), ""),
    )


# --------------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------------


@dataclass
class Row:
    """One line of the table."""

    data: str
    tool: str
    megabytes: float
    build_seconds: float
    render: Render


def measure(browser: Browser, data: MapData, folder: Path) -> list[Row]:
    """Build, write and render both maps of ``data``."""
    slug = re.sub(r"\W+", "-", data.label.lower()).strip("-")
    ours, theirs = folder / f"{slug}-transnet.html", folder / f"{slug}-explore.html"
    rows = []
    seconds = build_transnet(data, ours)
    rows.append(Row(data.label, "transnet", size_mb(ours), seconds, render(browser, ours)))
    seconds = build_explore(data, theirs)
    size = size_mb(theirs)
    rows.append(Row(data.label, "explore()", size, seconds, render(browser, theirs)))
    served = render(browser, theirs, serve=local_leaflet())
    rows.append(Row(data.label, "explore(), Leaflet served locally*", size, seconds, served))
    return rows


def size_mb(path: Path) -> float:
    """Size of a file in MB (10^6 bytes)."""
    return path.stat().st_size / 1e6


def print_table(rows: list[Row]) -> None:
    """Print the measurements, one line per data set and tool."""
    header = (
        f"{'data':28} {'map':36} {'HTML MB':>8} {'build+write s':>14} {'render s':>9} "
        f"{'zoom ' + str(ZOOM_IN) + ' s':>10}"
    )
    print(header)
    print("-" * len(header))
    for row in rows:
        r = row.render
        render_text = f"{r.seconds:9.2f}" if r.rendered else f"{'—':>9}"
        zoom_text = f"{r.zoom_seconds:10.2f}" if r.rendered else f"{'—':>10}"
        print(
            f"{row.data:28} {row.tool:36} {row.megabytes:8.2f} {row.build_seconds:14.2f} "
            f"{render_text} {zoom_text}"
        )
        if r.problem:
            print(f"{'':28}   ↳ {r.problem}")


def verdict(met: bool) -> str:
    """``met`` or ``NOT met``."""
    return "met" if met else "NOT met"


def main() -> None:
    """Run the benchmark and print the table and the budgets."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0], allow_abbrev=False)
    parser.add_argument(
        "--quick", action="store_true", help=f"{QUICK_EDGES:,} synthetic edges, not {FULL_EDGES:,}"
    )
    args = parser.parse_args()
    n_edges = QUICK_EDGES if args.quick else FULL_EDGES
    started = time.perf_counter()

    from transnet.study import run_study

    print("HTML maps: transnet (scenario_map + save_map, self-contained, tiles none) against")
    print("plain GeoDataFrame.explore() (geopandas/folium defaults) on the same edges, one run.")
    print(
        f"Headless Chromium ({chromium_path()}), {VIEWPORT['width']}×{VIEWPORT['height']}, no "
        f"network; render = navigation start → painted, median of {RUNS} runs."
    )
    study = run_study("taixin")
    synthetic = synthetic_network(n_edges)
    with (
        tempfile.TemporaryDirectory(prefix="bench-maps-") as tmp,
        sync_playwright() as driver,
    ):
        folder = Path(tmp)
        browser = driver.chromium.launch(
            executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS
        )
        print(f"Chromium {browser.version}\n")
        rows = [*measure(browser, bundle_data(study), folder)]
        rows += measure(browser, synthetic, folder)
        bundle_folder = folder / "bundle"
        bundle_folder.mkdir()
        bundle_maps = write_study_maps(study, bundle_folder, tiles="none")
        bundle = {path.name: (size_mb(path), render(browser, path)) for path in bundle_maps}
        browser.close()
    print_table(rows)
    print(
        "* not offline behaviour: the benchmark answers the CDN's leaflet.js and leaflet.css from"
        " xstatic-leaflet's copy; jQuery, Bootstrap and the other CDN assets still fail."
    )

    print("\nBudgets (issue 5):")
    for name, (size, r) in bundle.items():
        when = f"rendered in {r.seconds:.2f} s" if r.rendered else r.problem
        print(
            f"  bundle {name:13} < {BUNDLE_BUDGET_MB:g} MB: {size:6.2f} MB  "
            f"{verdict(size < BUNDLE_BUDGET_MB):8} ({when})"
        )
    large = next(row for row in rows if row.data == synthetic.label and row.tool == "transnet")
    if args.quick:
        print(f"  {FULL_EDGES:,}-edge map: not measured (--quick, {n_edges:,} edges)")
    else:
        print(
            f"  {FULL_EDGES:,}-edge map < {LARGE_BUDGET_MB:g} MB: {large.megabytes:6.2f} MB  "
            f"{verdict(large.megabytes < LARGE_BUDGET_MB)}"
        )
        seconds = large.render.seconds
        text = f"{seconds:6.2f} s " if seconds is not None else "not rendered"
        met = large.render.rendered and seconds is not None and seconds < LARGE_BUDGET_RENDER_S
        print(
            f"  {FULL_EDGES:,}-edge map rendered < {LARGE_BUDGET_RENDER_S:g} s: {text}    "
            f"{verdict(met)}"
        )
    print(f"\ntotal wall time {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
