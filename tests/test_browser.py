"""The study's HTML maps in a real browser: Debian's chromium, headless, driven by Playwright.

Playwright never downloads a browser here (no ``playwright install``): it launches the system's
``chromium`` (``make test`` installs it, see the Makefile's ``browser`` target) through
``executable_path``. Without it the tests fail when ``CI`` is set, so CI cannot skip them
silently, and are skipped elsewhere.

The maps are written once per module, offline (``tiles="none"``, self-contained), into
``outputs/browser-tests/`` with the screenshots, which are kept there as test artefacts (outputs/
is not in git).
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pytest
from PIL import Image
from playwright.sync_api import Browser, ConsoleMessage, Page, Playwright, Request, sync_playwright

from transnet.study import Study
from transnet.viz.web import LAYER_NAMES, save_map, scenario_map, write_study_maps

ROOT = Path(__file__).resolve().parent.parent
ARTEFACTS = ROOT / "outputs" / "browser-tests"
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
VIEWPORT = {"width": 1280, "height": 800}
# The Taixin region, roughly: lon 111.7–114.0, lat 37.6–39.5.
TAIXIN_BBOX = (111.7, 37.6, 114.0, 39.5)
UTM = "EPSG:32649"
# A plan card is clicked at its midpoint when nothing else drawn over or near it is closer than
# this (about 20 px at the fitted zoom, more than the 8 px half-width of the card's halo).
CLICK_CLEARANCE_M = 10_000.0
EXPRESSWAY_RGB = (0xC0, 0x39, 0x2B)
PLAN_RGB = (0x8E, 0x44, 0xAD)

# JavaScript: the names of the page's global Leaflet maps, in the order they were created.
FIND_MAPS = """() => Object.keys(window).filter((key) => {
    try { return window[key] instanceof L.Map; } catch (error) { return false; }
})"""
# JavaScript: resolve after two animation frames, when the canvases have been painted.
TWO_FRAMES = """() => new Promise((resolve) =>
    requestAnimationFrame(() => requestAnimationFrame(() => resolve(true))))"""


# --------------------------------------------------------------------------------------------
# Fixtures
# --------------------------------------------------------------------------------------------


def chromium_executable() -> str | None:
    """Path of Debian's chromium, or None."""
    found = shutil.which("chromium")
    if found:
        return found
    return "/usr/bin/chromium" if os.access("/usr/bin/chromium", os.X_OK) else None


@pytest.fixture(scope="module")
def chromium() -> str:
    path = chromium_executable()
    if path is None:
        message = (
            "Debian's chromium is not installed (no `chromium` on PATH, no /usr/bin/chromium): "
            "run `make test` as root, or `apt-get install --no-install-recommends chromium "
            "fonts-noto-cjk`"
        )
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return path


@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="module")
def browser(chromium: str, playwright: Playwright) -> Iterator[Browser]:
    # launch() (not a persistent context) starts from a fresh, temporary profile.
    browser = playwright.chromium.launch(
        executable_path=chromium, headless=True, args=CHROMIUM_ARGS
    )
    yield browser
    browser.close()


@pytest.fixture(scope="module")
def study(bundle_study) -> Study:
    return bundle_study


@pytest.fixture(scope="module")
def maps(study: Study) -> dict[str, Path]:
    """before.html, after.html and compare.html with no tiles, under outputs/browser-tests/."""
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    paths = write_study_maps(study, ARTEFACTS, tiles="none")
    return {path.stem: path for path in paths}


@pytest.fixture(scope="module")
def osm_maps(study: Study) -> dict[str, Path]:
    """The same maps with the default OpenStreetMap tiles, under outputs/browser-tests/osm/."""
    folder = ARTEFACTS / "osm"
    folder.mkdir(parents=True, exist_ok=True)
    paths = write_study_maps(study, folder, tiles="osm")
    return {path.stem: path for path in paths}


@dataclass
class PageLog:
    """What a page reported: uncaught exceptions, console errors and every request's URL."""

    page_errors: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)

    def attach(self, page: Page) -> None:
        page.on("pageerror", lambda error: self.page_errors.append(str(error)))
        page.on("console", self._console)
        page.on("request", self._request)

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.console_errors.append(f"{message.text} ({message.location})")

    def _request(self, request: Request) -> None:
        self.requests.append(request.url)


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A page in a new browser context (no cache, no cookies), 1280 × 800 CSS pixels."""
    context = browser.new_context(viewport=VIEWPORT, device_scale_factor=1)
    yield context.new_page()
    context.close()


@pytest.fixture
def page_log(page: Page) -> PageLog:
    """What ``page`` reports from now on."""
    log = PageLog()
    log.attach(page)
    return log


def open_map(page: Page, path: Path) -> list[str]:
    """Load a map page, wait until it is painted; return its Leaflet maps' variable names."""
    page.goto(path.as_uri(), wait_until="load")
    assert page.evaluate("() => typeof window.L === 'object' && typeof L.Map === 'function'"), (
        "Leaflet (window.L) is not defined"
    )
    page.evaluate(TWO_FRAMES)
    return page.evaluate(FIND_MAPS)


def map_bounds(page: Page, name: str) -> tuple[float, float, float, float]:
    """(west, south, east, north) of a map's current view."""
    bounds = page.evaluate(
        "(name) => { const b = window[name].getBounds();"
        " return [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()]; }",
        name,
    )
    return tuple(bounds)


def expected_layers(study: Study, scenarios: tuple[str, ...], *, planned: bool) -> set[str]:
    """The layer control of a map; ``planned``: the plan is a layer of projects not built."""
    grades = set()
    for scenario in scenarios:
        grades |= set(getattr(study, scenario).edges["grade"].astype(str))
    fixed = ("counties", "planned" if planned else "plan", "interchanges", "seats")
    towns = {"Township seats"} if study.townships is not None else set()
    return {LAYER_NAMES[grade] for grade in grades} | {LAYER_NAMES[key] for key in fixed} | towns


def overlay_checkbox(page: Page, map_name: str, label: str) -> Any:
    """The layer-control checkbox of the overlay called ``label`` on map ``map_name``."""
    container = page.locator(f"#{map_name}")
    return container.locator(".leaflet-control-layers-overlays label", has_text=label).locator(
        "input"
    )


def near_color(pixels: np.ndarray, rgb: tuple[int, int, int], tolerance: float = 40.0) -> int:
    """Number of pixels within ``tolerance`` (RGB distance) of ``rgb``."""
    distance = np.linalg.norm(pixels[..., :3].astype(float) - np.asarray(rgb, float), axis=-1)
    return int((distance < tolerance).sum())


# --------------------------------------------------------------------------------------------
# Tests
# --------------------------------------------------------------------------------------------

SCENARIOS = {"before": ("before",), "after": ("after",), "compare": ("before", "after")}


@pytest.mark.parametrize("name", ["before", "after", "compare"])
def test_no_javascript_errors_and_no_network(page, page_log, maps, name):
    names = open_map(page, maps[name])
    assert len(names) == (2 if name == "compare" else 1), names
    assert page_log.page_errors == []
    assert page_log.console_errors == []
    remote = [url for url in page_log.requests if re.match(r"(https?|wss?):", url, re.I)]
    assert remote == [], f"offline, self-contained map requested {remote}"


@pytest.mark.parametrize("name", ["before", "after", "compare"])
def test_leaflet_map_is_north_up_and_fitted_to_the_region(page, maps, study, name):
    names = open_map(page, maps[name])
    assert names
    min_lon, min_lat, max_lon, max_lat = study.region.counties.to_crs("EPSG:4326").total_bounds
    bw, bs, be, bn = TAIXIN_BBOX
    for map_name in names:
        west, south, east, north = map_bounds(page, map_name)
        assert west < be and east > bw and south < bn and north > bs, (map_name, west, south)
        # Fitted: the whole region in view, at the closest zoom that shows all of it.
        tolerance = 0.01
        assert west <= min_lon + tolerance and east >= max_lon - tolerance
        assert south <= min_lat + tolerance and north >= max_lat - tolerance
        zoom, fitted_zoom = page.evaluate(
            "([name, bounds]) => [window[name].getZoom(), window[name].getBoundsZoom(bounds)]",
            [map_name, [[min_lat, min_lon], [max_lat, max_lon]]],
        )
        assert zoom == fitted_zoom
        # North up: a point north of another is drawn above it, at the same x.
        (x_north, y_north), (x_south, y_south) = page.evaluate(
            "(name) => [[39.4, 112.8], [37.7, 112.8]].map((p) => {"
            " const q = window[name].latLngToContainerPoint(p); return [q.x, q.y]; })",
            map_name,
        )
        assert y_north < y_south and abs(x_north - x_south) < 1


@pytest.mark.parametrize("name", ["before", "after", "compare"])
def test_layer_control_lists_the_expected_layers(page, maps, study, name):
    names = open_map(page, maps[name])
    # The before map (and the before half) shows the plan only as planned projects.
    planned = {"before": [True], "after": [False], "compare": [True, False]}[name]
    assert len(names) == len(planned)
    for map_name, is_planned in zip(names, planned, strict=True):
        wanted = expected_layers(study, SCENARIOS[name], planned=is_planned)
        labels = page.evaluate(
            "(name) => Array.from(window[name].getContainer()"
            ".querySelectorAll('.leaflet-control-layers-overlays label'))"
            ".map((label) => label.textContent.trim())",
            map_name,
        )
        assert set(labels) == wanted, (map_name, labels)
        assert len(labels) == len(wanted)
        if is_planned:  # off until ticked
            assert not overlay_checkbox(page, map_name, LAYER_NAMES["planned"]).is_checked()


def clickable_cards(study: Study, scenario: str) -> list[dict[str, Any]]:
    """Plan cards whose midpoint is clear of other cards, seats and interchanges, in plan order."""
    plan = study.plan.frame.to_crs(UTM)
    network = getattr(study, scenario)
    nodes = network.nodes
    interchanges = nodes[nodes["interchange"].fillna(False).astype(bool)].to_crs(UTM)
    seats = study.region.seats.to_crs(UTM)
    cards = []
    for index, card in plan.iterrows():
        middle = card.geometry.interpolate(0.5, normalized=True)
        clearance = min(
            plan.drop(index=index).distance(middle).min(),
            seats.distance(middle).min(),
            interchanges.distance(middle).min(),
        )
        if clearance >= CLICK_CLEARANCE_M:
            point = gpd.GeoSeries([middle], crs=UTM).to_crs("EPSG:4326").iloc[0]
            cards.append({"id": card["id"], "name": card["name"], "lat": point.y, "lon": point.x})
    return cards


@pytest.mark.parametrize("name", ["before", "after"])
def test_clicking_a_plan_project_opens_its_card(page, page_log, maps, study, name):
    (map_name,) = open_map(page, maps[name])
    if name == "before":  # planned projects are off until the reader ticks them
        checkbox = overlay_checkbox(page, map_name, LAYER_NAMES["planned"])
        assert not checkbox.is_checked()
        checkbox.click()
        page.mouse.move(5, 400)  # let the collapsed-or-not control be
        page.evaluate(TWO_FRAMES)
    cards = clickable_cards(study, name)
    assert cards, "no plan card is clear of other features: lower CLICK_CLEARANCE_M"
    # The first such card whose midpoint is on the map's canvas (not under a box or a control).
    on_canvas = page.evaluate(
        """([name, cards]) => {
            const map = window[name], box = map.getContainer().getBoundingClientRect();
            return cards.map((card) => {
                const p = map.latLngToContainerPoint([card.lat, card.lon]);
                const x = box.left + p.x, y = box.top + p.y;
                const element = document.elementFromPoint(x, y);
                const hit = element !== null && element.tagName === "CANVAS"
                    && element.closest(".leaflet-overlay-pane") !== null;
                return hit ? [x, y] : null;
            });
        }""",
        [map_name, cards],
    )
    clickable = [(card, point) for card, point in zip(cards, on_canvas, strict=True) if point]
    assert clickable, f"every clear card's midpoint is covered: {cards}"
    card, (x, y) = clickable[0]
    assert page.locator(".leaflet-popup-content").count() == 0
    page.mouse.click(x, y)
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for(state="visible", timeout=5_000)
    text = popup.inner_text()
    assert card["id"] in text, text
    assert card["name"] in text, text
    assert re.search(rf"Id\s+{re.escape(card['id'])}\b", text), text
    # Screenshot once the popup has faded in.
    page.wait_for_function(
        "() => getComputedStyle(document.querySelector('.leaflet-popup')).opacity === '1'"
    )
    page.screenshot(path=str(ARTEFACTS / f"{name}-popup.png"))
    assert page_log.page_errors == []


@pytest.mark.parametrize("name", ["before", "after", "compare"])
def test_screenshot_is_not_blank(page, maps, name):
    open_map(page, maps[name])
    path = ARTEFACTS / f"{name}.png"
    page.screenshot(path=str(path))
    pixels = np.asarray(Image.open(path).convert("RGB"))
    assert pixels.shape[:2] == (VIEWPORT["height"], VIEWPORT["width"])
    colours = len(np.unique(pixels.reshape(-1, 3), axis=0))
    assert colours > 200, f"{colours} distinct colours"
    assert pixels.std() > 20, f"pixel standard deviation {pixels.std():.1f}"
    # The roads and the plan are painted, not just the boxes (their swatches are tiny).
    assert near_color(pixels, EXPRESSWAY_RGB) > 2_000
    if name == "before":  # the plan is not built: its layer is off, only swatches show it
        assert near_color(pixels, PLAN_RGB) < 300
    else:
        assert near_color(pixels, PLAN_RGB) > 2_000


BOXES = ".transnet-title, .transnet-notes, .transnet-legend, .transnet-panel"
CONTROLS = (
    ".leaflet-control-zoom, .leaflet-control-scale, .leaflet-control-layers,"
    " .leaflet-control-attribution"
)


@pytest.mark.parametrize("name", ["before", "after", "compare"])
def test_boxes_leave_the_map_controls_uncovered(page, maps, name):
    open_map(page, maps[name])
    overlaps = page.evaluate(
        """([boxes, controls]) => {
            const rect = (e) => e.getBoundingClientRect();
            const found = [];
            for (const box of document.querySelectorAll(boxes)) {
                for (const control of document.querySelectorAll(controls)) {
                    const a = rect(box), b = rect(control);
                    const w = Math.min(a.right, b.right) - Math.max(a.left, b.left);
                    const h = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
                    if (w > 2 && h > 2) {
                        found.push(`${box.className} covers ${control.className}: ${w}×${h} px`);
                    }
                }
            }
            return found;
        }""",
        [BOXES, CONTROLS],
    )
    assert overlaps == []


def test_compare_halves_pan_and_zoom_together(page, page_log, maps):
    left, right = open_map(page, maps["compare"])

    def view(name: str) -> tuple[float, float, int]:
        lat, lon, zoom = page.evaluate(
            "(name) => { const m = window[name], c = m.getCenter();"
            " return [c.lat, c.lng, m.getZoom()]; }",
            name,
        )
        return lat, lon, zoom

    assert view(left) == pytest.approx(view(right), abs=1e-6)
    for moved, other, target in ((left, right, (38.2, 112.6, 10)), (right, left, (39.0, 113.1, 9))):
        page.evaluate(
            "([name, lat, lon, zoom]) => {"
            " window[name].setView([lat, lon], zoom, {animate: false}); }",
            [moved, *target],
        )
        assert view(moved) == pytest.approx(target, abs=1e-6)
        assert view(other) == pytest.approx(target, abs=1e-6)

    # A real drag on the left half moves the right half too.
    before = view(right)
    box = page.evaluate(
        "(name) => { const r = window[name].getContainer().getBoundingClientRect();"
        " return [r.left, r.top, r.width, r.height]; }",
        left,
    )
    x, y = box[0] + box[2] / 2, box[1] + box[3] / 2
    # No inertia: the test is about synchronisation, not about how far a fling carries.
    page.evaluate("(name) => { window[name].options.inertia = false; }", left)
    page.mouse.move(x, y)
    page.mouse.down()
    for step in range(1, 11):
        page.mouse.move(x - 15 * step, y - 8 * step)
    page.mouse.up()
    # Both halves show the same view, to within a pixel
    # (a dragged map computes its centre from whole pixels, a synced one keeps the exact one).
    same_view = (
        "([a, b]) => { const m = window[a];"
        " const p = m.project(m.getCenter()), q = m.project(window[b].getCenter());"
        " return m.getZoom() === window[b].getZoom() && Math.hypot(p.x - q.x, p.y - q.y) < 1; }"
    )
    page.wait_for_timeout(500)
    page.wait_for_function(same_view, arg=[left, right], timeout=10_000)
    after = view(right)
    assert after[1] > before[1] and after[0] < before[0], (before, after)
    assert page.evaluate(same_view, [left, right])
    assert page_log.page_errors == []


def test_large_network_shows_minor_roads_from_zoom_11(page, page_log, study):
    """A network over ``large_network_edges`` shows grade 3–4 roads only when zoomed in."""
    m = scenario_map(
        study.before,  # the before network has grade 3 roads
        counties=study.region.counties,
        seats=study.region.seats,
        plan=None,
        title="Large-network behaviour",
        notes=[],
        tiles="none",
        large_network_edges=10,
    )
    path = ARTEFACTS / "large-network.html"
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    save_map(m, path)
    (name,) = open_map(page, path)
    grade3 = LAYER_NAMES["3"]

    def shown(zoom: int | None = None) -> bool:
        """Whether the grade-3 layer is ticked (on the map) after zooming to ``zoom``."""
        return page.evaluate(
            """([name, zoom, label]) => {
                const map = window[name];
                if (zoom !== null) { map.setView(map.getCenter(), zoom, {animate: false}); }
                const row = Array.from(map.getContainer()
                    .querySelectorAll(".leaflet-control-layers-overlays label"))
                    .find((element) => element.textContent.trim() === label);
                return row.querySelector("input").checked;
            }""",
            [name, zoom, grade3],
        )

    assert page.evaluate(f"() => window['{name}'].getZoom()") < 11
    assert not shown()
    assert shown(11)
    assert shown(12)
    assert not shown(10)
    assert shown(11)
    # Unticked by the reader, the layer stays off when zooming out and in again.
    page.locator(".leaflet-control-layers-overlays label", has_text=grade3).locator("input").click()
    assert not shown()
    assert not shown(9)
    assert not shown(11)
    assert page_log.page_errors == []


@pytest.mark.parametrize("name", ["after", "compare"])
def test_osm_tiles_offline_raise_no_javascript_error(page, page_log, osm_maps, name):
    """With the default OpenStreetMap tiles and no network the page still works."""
    # Offline, deterministically: every request to the network fails at once.
    page.route(re.compile(r"^https?://"), lambda route: route.abort("internetdisconnected"))
    names = open_map(page, osm_maps[name])
    assert len(names) == (2 if name == "compare" else 1)
    tiles = [url for url in page_log.requests if "tile.openstreetmap.org" in url]
    assert tiles, "the OpenStreetMap layer requested no tile"
    assert page_log.page_errors == []
