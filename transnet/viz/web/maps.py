"""Interactive scenario maps: roads by technical grade, plan projects, counties and caveats.

The maps follow the conventions of Chinese road-planning maps: one colour and line width per
technical grade, expressways heaviest. Plan projects are drawn on top, one line style per action,
each with a popup showing its project card. Counties are shaded by a chosen metric
(:data:`CHOROPLETH_METRICS`) with a legend in its units. The caveats the caller passes in
``notes`` (e.g. that the network is schematic or that some cards are illustrative) are shown in a
box that is always visible, never behind a click.

Maps work offline: :func:`save_map` inlines Leaflet's JavaScript and CSS (taken at run time from
the installed ``django-leaflet`` package, never copied into this repository) and the maps need no
other script library. Only the base tiles come from the network (``tiles="none"`` draws none).

Every coordinate written to the HTML is in WGS-84, rounded to 5 decimals (about 1 m), except with
``tiles="gaode"``, where every overlay is converted to GCJ-02 so that it lines up with Gaode's
tiles.
"""

from __future__ import annotations

import base64
import functools
import html
import importlib.util
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import Element, Figure, MacroElement
from folium.plugins import DualMap
from folium.template import Template
from shapely.geometry import mapping
from shapely.geometry.base import BaseGeometry

from transnet._errors import InputError, TransnetError
from transnet._progress import progress
from transnet.crs import GEOGRAPHIC_CRS
from transnet.grades import GRADES
from transnet.network import RoadNetwork
from transnet.plan import ACTIONS

if TYPE_CHECKING:
    from transnet.study import Study

__all__ = [
    "CHOROPLETH_METRICS",
    "GRADE_STYLES",
    "LAYER_NAMES",
    "PLAN_ACTION_STYLES",
    "TILE_PROVIDERS",
    "MapView",
    "check_map_options",
    "compare_map",
    "map_html",
    "save_map",
    "scenario_map",
    "study_maps",
    "write_study_maps",
]

#: Decimals kept in WGS-84 coordinates: 1e-5° is about 1 m.
COORDINATE_DECIMALS = 5

#: Line style of each technical grade, best first: label, colour and width in pixels.
GRADE_STYLES: dict[str, dict[str, Any]] = {
    "expressway": {"label": "Expressway", "color": "#c0392b", "weight": 5.0},
    "1": {"label": "Grade 1", "color": "#e67e22", "weight": 4.0},
    "2": {"label": "Grade 2", "color": "#f1c40f", "weight": 3.0},
    "3": {"label": "Grade 3", "color": "#3498db", "weight": 2.0},
    "4": {"label": "Grade 4", "color": "#95a5a6", "weight": 1.5},
}
_RAMP_WEIGHT = 1.5

#: Line style of each plan-card action: colour and SVG dash pattern (``None`` is solid).
PLAN_ACTION_STYLES: dict[str, dict[str, Any]] = {
    "new": {"color": "#8e44ad", "dash_array": None},
    "widen": {"color": "#8e44ad", "dash_array": "12 8"},
    "upgrade": {"color": "#c2185b", "dash_array": "1 10"},
    "realign": {"color": "#8e44ad", "dash_array": "16 6 2 6"},
}
_PLAN_WEIGHT = 6.0
_HALO_WEIGHT = 16.0
_HALO_OPACITY = 0.25

#: Names of the map's toggleable layers, as shown in the layer control.
LAYER_NAMES: dict[str, str] = {
    "expressway": "Expressway",
    "1": "Grade 1 road",
    "2": "Grade 2 road",
    "3": "Grade 3 road",
    "4": "Grade 4 road",
    "counties": "Counties",
    "plan": "Plan projects",
    "interchanges": "Interchanges",
    "seats": "County seats",
}

#: Per-county metrics a map can shade counties by: record key of
#: ``study.metrics[scenario]["counties"]`` → (label, unit).
CHOROPLETH_METRICS: dict[str, tuple[str, str]] = {
    "seat_to_interchange_min": ("minutes from county seat to the nearest interchange", "min"),
    "seat_to_interchange_km": ("distance from county seat to the nearest interchange", "km"),
    "seat_to_grade1_km": ("distance from county seat to the nearest grade-1 road", "km"),
    "seat_to_grade1_min": ("minutes from county seat to the nearest grade-1 road", "min"),
    "density_per_100km2": ("road density, all grades in the network", "km/100 km²"),
    "expressway_density_per_100km2": ("expressway density", "km/100 km²"),
}

#: Base-map tile providers ``tiles`` accepts.
TILE_PROVIDERS: tuple[str, ...] = ("none", "osm", "tianditu", "gaode")

_TIANDITU_URL = (
    "https://t{{s}}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
    "&LAYER={layer}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={{z}}&TILEROW={{y}}"
    "&TILECOL={{x}}&tk={key}"
)
_TIANDITU_ATTRIBUTION = '&copy; <a href="https://www.tianditu.gov.cn/">天地图 Tianditu</a>'
_GAODE_URL = (
    "https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8"
    "&x={x}&y={y}&z={z}"
)
_GAODE_ATTRIBUTION = '&copy; <a href="https://www.amap.com/">高德地图 AutoNavi</a>'
_GAODE_NOTE = (
    "Overlays are converted from WGS-84 to GCJ-02 to line up with the Gaode base map: "
    "coordinates in this file are GCJ-02, not for measurement."
)
# Shown where there are no tiles or they cannot load (offline).
_BACKGROUND = "#f4f2ec"

# Sequential greens: the roads use red, orange, yellow, blue and grey, so a green fill keeps
# them legible on top of the shading.
_CHOROPLETH_COLORS = ("#edf8e9", "#bae4b3", "#74c476", "#31a354", "#006d2c")
_CHOROPLETH_OPACITY = 0.55
_NO_DATA_COLOR = "#bdbdbd"
_MISSING = "—"

# Large networks: simplification tolerance in metres by grade, and the grades drawn only when
# zoomed in.
_SIMPLIFY_M = {"expressway": 10.0, "1": 10.0, "2": 10.0, "3": 30.0, "4": 30.0}
_MINOR_GRADES = ("3", "4")


# --------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------


def scenario_map(
    network: RoadNetwork,
    *,
    counties: gpd.GeoDataFrame,
    seats: gpd.GeoDataFrame,
    plan: gpd.GeoDataFrame | None,
    title: str,
    notes: list[str],
    choropleth: str | None = None,
    choropleth_label: str = "",
    choropleth_bins: Sequence[float] | None = None,
    choropleth_missing: str = "no data",
    tiles: str = "osm",
    tianditu_key: str | None = None,
    large_network_edges: int = 20_000,
    minor_roads_min_zoom: int = 11,
) -> folium.Map:
    """Draw one scenario's road network, plan projects and counties on an interactive map.

    Roads are coloured and sized by technical grade, one toggleable layer per grade present in
    the network (see :data:`LAYER_NAMES`); segments sharing grade, name and ``ref`` are merged
    into one feature whose tooltip shows name, ref, grade and lanes. Plan projects are drawn
    over a translucent halo, styled by action (:data:`PLAN_ACTION_STYLES`); clicking one opens
    its project card, flagged ILLUSTRATIVE where its provenance is illustrative. A title box
    (with the network's ``source`` and ``date`` from its metadata), a notes box listing
    ``notes`` and a legend of road styles, project styles and the county shading are always
    visible. The view is north-up and fitted to the counties, with a scale bar and a layer
    control.

    The map needs no script library but Leaflet (no jQuery, Bootstrap, Font Awesome or d3), so
    :func:`save_map` can inline everything it needs.

    Parameters
    ----------
    network
        The scenario's network, in any projected CRS.
    counties
        County polygons with ``code``, ``name`` and ``area_km2`` (and ``name_en`` if known),
        plus the ``choropleth`` column if one is given. Any CRS; the map fits their bounds.
    seats
        County-seat points with ``code`` and ``name``, drawn with permanent name labels.
    plan
        Project cards as :attr:`transnet.plan.Plan.frame`, optionally with an ``outcome``
        column (``added``, ``already_in_base``, ``modified``, ``no_match``) shown in the
        popup; ``None`` draws no plan layer.
    title
        Shown in a box at the top of the map, e.g. ``"太忻一体化经济区 — after the plan"``.
    notes
        Caveats shown in a box at the bottom left, one line each, e.g. that the network is
        SCHEMATIC or which cards are ILLUSTRATIVE. The map adds its own (GCJ-02 conversion,
        simplified geometry) where they apply.
    choropleth
        A numeric column of ``counties`` to shade the counties by; ``None`` draws outlines only.
    choropleth_label
        Caption of the colour legend, with units, e.g. ``"Road density (km/100 km²)"``;
        default: from :data:`CHOROPLETH_METRICS` if ``choropleth`` is one of its keys.
    choropleth_bins
        Increasing class edges (at least two); default: up to five quantile classes of the
        column. Pass the same edges to maps that should be compared.
    choropleth_missing
        How counties with no value (shaded grey) are labelled, e.g. ``"unreachable"``.
    tiles
        Base map, one of :data:`TILE_PROVIDERS`: ``"none"`` (plain light background),
        ``"osm"`` (OpenStreetMap), ``"tianditu"`` (天地图 vector map and labels, CGCS2000,
        which matches WGS-84 at map scale, so overlays are not shifted) or ``"gaode"`` (高德;
        every overlay coordinate is converted to GCJ-02 to line up with it).
    tianditu_key
        Tianditu API key (``tk``) for ``tiles="tianditu"``; default: the ``TIANDITU_KEY``
        environment variable. The key is written into the HTML.
    large_network_edges
        Above this many edges, geometry is simplified (10 m tolerance, 30 m for grades 3 and 4)
        and grade 3 and 4 roads are shown only from ``minor_roads_min_zoom`` on.
    minor_roads_min_zoom
        Zoom level from which grade 3 and 4 roads of a large network appear.

    Returns
    -------
    folium.Map
        Save it with :func:`save_map`.

    Raises
    ------
    InputError
        On an unknown tile provider (field ``tiles``) or ``tianditu`` without a key (field
        ``tianditu_key``).
    ValueError
        If a frame has no CRS or lacks a required column, ``counties`` is empty, the network has
        an unknown grade, a card has an unknown action or no geometry, or the ``choropleth``
        column has values but none numeric (a column of missing values only is drawn grey).

    Examples
    --------
    >>> from pathlib import Path
    >>> from transnet.study import run_study
    >>> study = run_study("taixin")  # doctest: +SKIP
    >>> counties = study.region.counties.merge(
    ...     pd.DataFrame(study.metrics["after"]["counties"])[["code", "density_per_100km2"]]
    ... )  # doctest: +SKIP
    >>> m = scenario_map(
    ...     study.after,
    ...     counties=counties,
    ...     seats=study.region.seats,
    ...     plan=study.plan.frame.merge(study.plan_result.log[["id", "outcome"]], on="id"),
    ...     title="太忻一体化经济区 — after the plan",
    ...     notes=["Network is SCHEMATIC: trunk roads drawn through real places"],
    ...     choropleth="density_per_100km2",
    ...     tiles="none",
    ... )  # doctest: +SKIP
    >>> save_map(m, Path("after.html"))  # doctest: +SKIP

    """
    provider, key = _check_tiles(tiles, tianditu_key)
    gcj02 = provider == "gaode"
    large = len(network.edges) > large_network_edges
    layers = _Overlays.prepare(
        counties=counties, seats=seats, plan=plan, gcj02=gcj02, choropleth=choropleth
    )
    edges = _road_frame(network, large=large, gcj02=gcj02)
    shading = _Shading.build(
        layers.values(),
        bins=choropleth_bins,
        label=choropleth_label or _metric_caption(choropleth),
        missing=choropleth_missing,
    )

    m = _new_map(layers.bounds, provider=provider, key=key)
    layers.draw(
        m,
        edges,
        _interchange_frame(network, gcj02=gcj02),
        grades=set(edges["grade"]),
        shading=shading,
        large=large,
        minor_min_zoom=minor_roads_min_zoom,
    )
    folium.LayerControl(collapsed=False).add_to(m)

    root = m.get_root()
    root.html.add_child(folium.Element(_title_html(title, _data_line(network))))
    all_notes = [*notes, *_map_notes(gcj02=gcj02, large=large, min_zoom=minor_roads_min_zoom)]
    if all_notes:
        root.html.add_child(folium.Element(_notes_html(all_notes)))
    legend = _legend_rows(
        set(edges["grade"]), layers.plan, shading, large=large, min_zoom=minor_roads_min_zoom
    )
    root.html.add_child(folium.Element(_legend_box(legend)))
    return m


def compare_map(
    before: RoadNetwork,
    after: RoadNetwork,
    *,
    counties: gpd.GeoDataFrame,
    seats: gpd.GeoDataFrame,
    plan: gpd.GeoDataFrame | None,
    title: str,
    notes: list[str],
    deltas: Sequence[tuple[str, str, str, str]] = (),
    choropleth: tuple[str, str] | None = None,
    choropleth_label: str = "",
    choropleth_bins: Sequence[float] | None = None,
    choropleth_missing: str = "no data",
    tiles: str = "osm",
    tianditu_key: str | None = None,
    large_network_edges: int = 20_000,
    minor_roads_min_zoom: int = 11,
) -> DualMap:
    """Draw two scenarios side by side, with synchronised pan and zoom and a panel of deltas.

    The left half shows ``before``, the right half ``after``; both carry the same layers as
    :func:`scenario_map` (roads by grade, plan projects with their cards, shaded counties,
    seats, interchanges), one layer control each. Panning or zooming either half moves the
    other; the synchronisation is a few lines of inline JavaScript, so the page works offline.
    A header names the halves; a panel below them shows the notes, the metric deltas and one
    legend for both (the county shading uses the same classes on both sides).

    Parameters
    ----------
    before, after
        The two scenarios' networks, in any projected CRS.
    counties, seats, plan, title, notes
        As for :func:`scenario_map`.
    deltas
        Rows of the deltas panel: (metric with unit, before, after, change), as text, e.g.
        ``("Expressway density (km/100 km²)", "4.19", "4.86", "+0.67")``.
    choropleth
        Two numeric columns of ``counties``, shading the ``before`` and ``after`` halves.
    choropleth_label, choropleth_missing
        As for :func:`scenario_map`.
    choropleth_bins
        Class edges; default: up to five quantile classes of both columns together.
    tiles, tianditu_key, large_network_edges, minor_roads_min_zoom
        As for :func:`scenario_map`; the network is large if either scenario is.

    Returns
    -------
    folium.plugins.DualMap
        Save it with :func:`save_map`; its halves are ``.m1`` (before) and ``.m2`` (after).

    Raises
    ------
    InputError
        On an unknown tile provider or ``tianditu`` without a key.
    ValueError
        On bad frames, as for :func:`scenario_map`.

    Examples
    --------
    >>> from transnet.summary import caveats
    >>> from transnet.study import run_study
    >>> study = run_study("taixin")  # doctest: +SKIP
    >>> minutes = ["seat_to_interchange_min_before", "seat_to_interchange_min_after"]
    >>> counties = study.region.counties.merge(
    ...     study.county_table()[["code", *minutes]]
    ... )  # doctest: +SKIP
    >>> m = compare_map(
    ...     study.before,
    ...     study.after,
    ...     counties=counties,
    ...     seats=study.region.seats,
    ...     plan=study.plan.frame,
    ...     title="太忻一体化经济区: before and after the plan",
    ...     notes=caveats(study),
    ...     deltas=[("Expressway density (km/100 km²)", "4.19", "5.30", "+1.11")],
    ...     choropleth=tuple(minutes),
    ...     choropleth_label="minutes from county seat to the nearest interchange (min)",
    ...     tiles="none",
    ... )  # doctest: +SKIP
    >>> save_map(m, Path("compare.html"))  # doctest: +SKIP

    """
    provider, key = _check_tiles(tiles, tianditu_key)
    gcj02 = provider == "gaode"
    large = max(len(before.edges), len(after.edges)) > large_network_edges
    columns: tuple[str | None, str | None] = choropleth or (None, None)
    halves = [
        _Overlays.prepare(counties=counties, seats=seats, plan=plan, gcj02=gcj02, choropleth=c)
        for c in columns
    ]
    networks = (before, after)
    edges = [_road_frame(network, large=large, gcj02=gcj02) for network in networks]
    label = choropleth_label or _metric_caption(columns[0])
    bins = choropleth_bins
    if bins is None and columns[0] is not None:
        both = [*(halves[0].values() or []), *(halves[1].values() or [])]
        shared = _Shading.build(both, bins=None, label=label, missing=choropleth_missing)
        bins = (shared.bins if shared else None) or None
    shadings = [
        _Shading.build(half.values(), bins=bins, label=label, missing=choropleth_missing)
        for half in halves
    ]

    grades = set(edges[0]["grade"]) | set(edges[1]["grade"])
    bounds = halves[0].bounds
    dual = _SyncedDualMap(location=_center(bounds), zoom_start=9, tiles=None, prefer_canvas=True)
    for m, half, frame, network, shading in zip(
        (dual.m1, dual.m2), halves, edges, networks, shadings, strict=True
    ):
        m.add_child(_MetricScale())
        _leaflet_only(m)
        _add_tiles(m, provider, key)
        _set_background(m)
        half.draw(
            m,
            frame,
            _interchange_frame(network, gcj02=gcj02),
            grades=grades,
            shading=shading,
            large=large,
            minor_min_zoom=minor_roads_min_zoom,
        )
        folium.LayerControl(collapsed=True).add_to(m)
        m.add_child(_FitBounds(bounds))

    all_notes = [*notes, *_map_notes(gcj02=gcj02, large=large, min_zoom=minor_roads_min_zoom)]
    shading = shadings[0]
    if shading is not None and shadings[1] is not None:
        shading.has_missing = shading.has_missing or shadings[1].has_missing  # one legend
    legend = _legend_rows(
        grades, halves[0].plan, shading, large=large, min_zoom=minor_roads_min_zoom
    )
    data = _data_line(before)
    if _data_line(after) != data:
        data = f"before: {data}; after: {_data_line(after)}"
    root = dual.get_root()
    root.header.add_child(Element(_compare_css(dual)), name="transnet_compare_css")
    root.html.add_child(Element(_compare_header_html(title, data)))
    root.html.add_child(Element(_compare_panel_html(all_notes, deltas, legend)))
    return dual


def save_map(m: folium.Map | DualMap | Figure, path: Path, *, self_contained: bool = True) -> None:
    """Write a map to an HTML file (UTF-8), replacing any file at ``path``.

    Parameters
    ----------
    m
        A map from :func:`scenario_map` or :func:`compare_map` (or any folium map whose page
        needs no script library but Leaflet).
    path
        The HTML file to write; its folder must exist.
    self_contained
        Inline Leaflet's JavaScript and CSS (with the images the CSS uses, as ``data:`` URIs),
        taken from the installed ``django-leaflet`` package, so the page displays with no
        network; only base tiles, if any, are fetched. ``False`` loads Leaflet from its CDN.

    Raises
    ------
    TransnetError
        If ``self_contained`` and the page would still load a script or style sheet from the
        network (naming it), or Leaflet's files cannot be found.

    Examples
    --------
    >>> from pathlib import Path
    >>> m = scenario_map(network, counties=counties, seats=seats, plan=None, title="Base",
    ...                  notes=[], tiles="none")  # doctest: +SKIP
    >>> save_map(m, Path("base.html"))  # doctest: +SKIP
    >>> save_map(m, Path("base-cdn.html"), self_contained=False)  # doctest: +SKIP

    """
    Path(path).write_text(map_html(m, self_contained=self_contained), encoding="utf-8")


def map_html(m: folium.Map | DualMap | Figure, *, self_contained: bool = True) -> str:
    """Render a map to one HTML page; see :func:`save_map`.

    Parameters
    ----------
    m
        A map from :func:`scenario_map` or :func:`compare_map`, or any folium map.
    self_contained
        Inline Leaflet's JavaScript and CSS, as for :func:`save_map`.

    Returns
    -------
    str
        The page.

    Raises
    ------
    TransnetError
        If ``self_contained`` and the page would still load a script or style sheet.

    Examples
    --------
    >>> from transnet.io.bundle import load_bundle
    >>> from transnet.region import region_from_bundle
    >>> from transnet.study import load_bundle_network
    >>> bundle = load_bundle("taixin")
    >>> region = region_from_bundle(bundle)
    >>> m = scenario_map(load_bundle_network(bundle), counties=region.counties,
    ...                  seats=region.seats, plan=None, title="Base", notes=[], tiles="none")
    >>> page = map_html(m)
    >>> page.startswith("<!DOCTYPE html>"), "<script src=" in page
    (True, False)

    A plain folium map loads jQuery and Bootstrap from the network, so it cannot be made
    self-contained:

    >>> map_html(folium.Map(tiles=None))
    Traceback (most recent call last):
    ...
    transnet._errors.TransnetError: the self-contained map would still load https://code.jquery...
    >>> map_html(folium.Map(tiles=None), self_contained=False)[:15]
    '<!DOCTYPE html>'

    """
    page = m.get_root().render()
    if self_contained:
        page = _inline_assets(page)
        remote = _remote_assets(page)
        if remote:
            raise TransnetError(
                f"the self-contained map would still load {', '.join(remote)} from the network; "
                "draw the map without the feature that needs it, or save with "
                "self_contained=False"
            )
    return page


class MapView:
    """A map that displays inline in Jupyter with no network (Leaflet inlined).

    :meth:`Study.map <transnet.study.Study.map>` returns one.

    Parameters
    ----------
    m
        A map from :func:`scenario_map` or :func:`compare_map`.
    height_px
        Height of the map in the notebook, pixels.

    Attributes
    ----------
    map
        The Folium map, for further customisation.

    Examples
    --------
    >>> from transnet.io.bundle import load_bundle
    >>> from transnet.region import region_from_bundle
    >>> from transnet.study import load_bundle_network
    >>> bundle = load_bundle("taixin")
    >>> region = region_from_bundle(bundle)
    >>> view = MapView(scenario_map(load_bundle_network(bundle), counties=region.counties,
    ...                             seats=region.seats, plan=None, title="Base", notes=[],
    ...                             tiles="none"))
    >>> view  # in Jupyter: the map  # doctest: +SKIP
    >>> view.save("base.html")  # doctest: +SKIP

    """

    def __init__(self, m: folium.Map | DualMap, *, height_px: int = 620) -> None:
        self.map = m
        self.height_px = height_px

    def save(self, path: str | Path, *, self_contained: bool = True) -> None:
        """Write the map to an HTML file (see :func:`save_map`).

        Parameters
        ----------
        path
            The HTML file to write; its folder must exist.
        self_contained
            Inline Leaflet, so the page displays with no network; ``False`` loads it from its
            CDN.

        Examples
        --------
        >>> from transnet.study import run_study
        >>> view = run_study("taixin").map("after", tiles="none")  # doctest: +SKIP
        >>> view.save("after.html")  # doctest: +SKIP
        >>> view.save("after-cdn.html", self_contained=False)  # doctest: +SKIP

        """
        save_map(self.map, Path(path), self_contained=self_contained)

    def _repr_html_(self) -> str:
        page = html.escape(map_html(self.map, self_contained=True), quote=True)
        return (
            f'<iframe srcdoc="{page}" style="width:100%;height:{self.height_px}px;border:none" '
            'sandbox="allow-scripts allow-popups"></iframe>'
        )


def write_study_maps(
    study: Study,
    folder: Path,
    *,
    tiles: str = "osm",
    tianditu_key: str | None = None,
    metric: str = "seat_to_interchange_min",
    self_contained: bool = True,
) -> list[Path]:
    """Write ``before.html``, ``after.html`` and ``compare.html`` of a study into ``folder``.

    Counties are shaded by ``metric`` with the same classes on all three maps, so colours
    compare; counties whose seat cannot reach the target are grey, labelled "unreachable".
    Plan projects are drawn on every map (on ``before`` they show where the plan will act). The
    study's caveats (:func:`transnet.report.caveats`) are always visible; ``compare.html`` adds
    a panel of metric deltas.

    Parameters
    ----------
    study
        A study from :func:`transnet.study.run_study`.
    folder
        An existing folder.
    tiles, tianditu_key
        Base map, as for :func:`scenario_map`.
    metric
        A key of :data:`CHOROPLETH_METRICS`, e.g. ``"density_per_100km2"``.
    self_contained
        Inline every script and style sheet (see :func:`save_map`).

    Returns
    -------
    list of pathlib.Path
        The files written, in the order before, after, compare.

    Raises
    ------
    InputError
        On an unknown metric (field ``metric``), an unknown tile provider (field ``tiles``) or
        ``tianditu`` without a key (field ``tianditu_key``).

    Examples
    --------
    >>> from pathlib import Path
    >>> from transnet.study import run_study
    >>> study = run_study("taixin")  # doctest: +SKIP
    >>> write_study_maps(study, Path("out"), tiles="none")  # doctest: +SKIP
    [PosixPath('out/before.html'), PosixPath('out/after.html'), PosixPath('out/compare.html')]

    """
    maps = study_maps(study, tiles=tiles, tianditu_key=tianditu_key, metric=metric)
    written = []
    for name, m in maps.items():
        path = Path(folder) / f"{name}.html"
        save_map(m, path, self_contained=self_contained)
        written.append(path)
    return written


def study_maps(
    study: Study,
    *,
    tiles: str = "osm",
    tianditu_key: str | None = None,
    metric: str = "seat_to_interchange_min",
    which: tuple[str, ...] = ("before", "after", "compare"),
) -> dict[str, folium.Map | DualMap]:
    """Build a study's maps without writing them: for display in Jupyter or for saving.

    Parameters
    ----------
    study
        A study from :func:`transnet.study.run_study`.
    tiles, tianditu_key, metric
        As for :func:`write_study_maps`.
    which
        Any of ``"before"``, ``"after"`` and ``"compare"``.

    Returns
    -------
    dict
        Map by name, in the order of ``which``.

    Examples
    --------
    >>> study_maps(study, which=("after",))["after"]  # doctest: +SKIP
    """
    from transnet.summary import caveats

    check_map_options(tiles=tiles, tianditu_key=tianditu_key, metric=metric)
    unknown = [name for name in which if name not in ("before", "after", "compare")]
    if unknown:
        raise InputError(
            f"unknown map {unknown[0]!r}; expected before, after or compare", field="which"
        )
    provider, key = _check_tiles(tiles, tianditu_key)
    plan = study.plan.frame.merge(study.plan_result.log[["id", "outcome"]], on="id", how="left")
    counties = study.region.counties.copy()
    for scenario in ("before", "after"):
        records = pd.DataFrame(study.metrics[scenario]["counties"])
        values = dict(zip(records["code"], records[metric], strict=True))
        counties[f"{metric}_{scenario}"] = pd.to_numeric(
            counties["code"].map(values), errors="coerce"
        )
    columns = (f"{metric}_before", f"{metric}_after")
    label = _metric_caption(metric)
    missing = "unreachable" if metric.startswith("seat_to_") else "no data"
    values = [*counties[columns[0]], *counties[columns[1]]]
    bins = _Shading.build(values, bins=None, label=label, missing=missing).bins
    common: dict[str, Any] = {
        "counties": counties,
        "seats": study.region.seats,
        "plan": plan,
        "notes": caveats(study),
        "choropleth_label": label,
        "choropleth_bins": bins or None,
        "choropleth_missing": missing,
        "tiles": provider,
        "tianditu_key": key,
    }
    name = study.region.name
    label_text = study.before.metadata.get("label", "")
    suffix = f" — {label_text.upper()}" if label_text else ""
    headings = {
        "before": (study.before, "before the plan (base network)", columns[0]),
        "after": (study.after, "after the plan", columns[1]),
    }
    maps: dict[str, folium.Map | DualMap] = {}
    for which_map in progress(which, desc="Drawing maps", unit="map"):
        if which_map == "compare":
            maps["compare"] = compare_map(
                study.before,
                study.after,
                title=f"{name}: before and after the plan{suffix}",
                deltas=_study_deltas(study),
                choropleth=columns,
                **common,
            )
            continue
        network, heading, column = headings[which_map]
        maps[which_map] = scenario_map(
            network, title=f"{name}: {heading}{suffix}", choropleth=column, **common
        )
    return maps


# --------------------------------------------------------------------------------------------
# Input checks and coordinates
# --------------------------------------------------------------------------------------------


def check_map_options(*, tiles: str, tianditu_key: str | None, metric: str) -> None:
    """Check map options before any work is done.

    Raises
    ------
    InputError
        On an unknown metric (field ``metric``), an unknown tile provider (field ``tiles``) or
        ``tianditu`` without a key (field ``tianditu_key``).

    Examples
    --------
    >>> check_map_options(tiles="none", tianditu_key=None, metric="density_per_100km2")
    """
    if metric not in CHOROPLETH_METRICS:
        raise InputError(
            f"unknown choropleth metric {metric!r}; expected one of "
            f"{', '.join(CHOROPLETH_METRICS)}",
            field="metric",
        )
    _check_tiles(tiles, tianditu_key)


def _check_tiles(tiles: str, tianditu_key: str | None) -> tuple[str, str | None]:
    """Return the provider and its key, or raise :class:`InputError`."""
    provider = str(tiles).strip().lower() if tiles is not None else "none"
    if provider not in TILE_PROVIDERS:
        raise InputError(
            f"unknown tile provider {tiles!r}; expected one of {', '.join(TILE_PROVIDERS)}",
            field="tiles",
        )
    if provider != "tianditu":
        return provider, None
    key = tianditu_key or os.environ.get("TIANDITU_KEY", "")
    if not key.strip():
        raise InputError(
            "tiles 'tianditu' need a Tianditu API key: pass it (--tianditu-key, tianditu_key=) "
            "or set the environment variable TIANDITU_KEY",
            field="tianditu_key",
        )
    return provider, key.strip()


def _metric_caption(column: str | None) -> str:
    if column in CHOROPLETH_METRICS:
        label, unit = CHOROPLETH_METRICS[column]
        return f"{label[:1].upper()}{label[1:]} ({unit})"
    return column or ""


def _wgs84_to_gcj02(geometries: np.ndarray) -> np.ndarray:
    """Convert geometries from WGS-84 to GCJ-02 (Gaode), all coordinates in one pass."""
    from fast_geocn import wgs84_to_gcj02

    def convert(xy: np.ndarray) -> np.ndarray:
        if len(xy) == 0:
            return xy
        return np.array([wgs84_to_gcj02(float(x), float(y)) for x, y in xy], dtype=float)

    return shapely.transform(geometries, convert)


def _to_geographic(
    frame: gpd.GeoDataFrame, what: str, *, required: tuple[str, ...], gcj02: bool = False
) -> gpd.GeoDataFrame:
    """Return a WGS-84 (or GCJ-02) copy of ``frame`` after checking its CRS and columns."""
    if frame.crs is None:
        raise ValueError(f"{what} has no CRS; expected WGS-84 ({GEOGRAPHIC_CRS}) or a known CRS")
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise ValueError(
            f"{what} lacks column(s) {', '.join(missing)}; "
            f"it has {', '.join(map(str, frame.columns))}"
        )
    frame = frame.to_crs(GEOGRAPHIC_CRS)
    if gcj02:
        frame = frame.set_geometry(
            gpd.GeoSeries(_wgs84_to_gcj02(frame.geometry.to_numpy()), index=frame.index)
        )
    return frame


def _round_latlon(lat: float, lon: float) -> list[float]:
    return [round(float(lat), COORDINATE_DECIMALS), round(float(lon), COORDINATE_DECIMALS)]


def _center(bounds: list[list[float]]) -> list[float]:
    (south, west), (north, east) = bounds
    return _round_latlon((south + north) / 2, (west + east) / 2)


def _round_all(geometries: np.ndarray) -> np.ndarray:
    return shapely.transform(geometries, lambda xy: np.round(xy, COORDINATE_DECIMALS))


def _rounded(geometry: BaseGeometry) -> BaseGeometry:
    """Round coordinates to :data:`COORDINATE_DECIMALS`, dropping line parts that collapse."""
    geometry = shapely.transform(geometry, lambda xy: np.round(xy, COORDINATE_DECIMALS))
    if geometry.geom_type not in ("LineString", "MultiLineString"):
        return geometry
    return _merged_lines(shapely.get_parts(geometry))


def _merged_lines(parts: np.ndarray) -> BaseGeometry:
    """One (multi)line of the non-degenerate ``parts``, merged where they meet end to end."""
    parts = shapely.remove_repeated_points(parts[shapely.length(parts) > 0])
    if len(parts) == 1:
        return parts[0]
    return shapely.line_merge(shapely.multilinestrings(parts))


def _latlon_lines(geometry: BaseGeometry) -> list[list[list[float]]]:
    """Return the ``[[lat, lon], ...]`` vertex lists of a (multi)line, as folium wants them."""
    return [np.asarray(part.coords)[:, 1::-1].tolist() for part in shapely.get_parts(geometry)]


def _road_frame(network: RoadNetwork, *, large: bool, gcj02: bool) -> gpd.GeoDataFrame:
    """Edges for drawing: simplified if large, in WGS-84 (or GCJ-02), rounded, no empty lines."""
    unknown = sorted(set(network.edges["grade"].astype(str)) - set(GRADES))
    if unknown:
        raise ValueError(
            f"network has unknown grade(s) {', '.join(unknown)}; expected {', '.join(GRADES)}"
        )
    edges = network.edges[["grade", "name", "ref", "lanes", "ramp", "geometry"]]
    grade = edges["grade"].astype(str)
    geometry = edges.geometry
    if large:
        if geometry.crs is not None and geometry.crs.is_geographic:
            geometry = geometry.to_crs(geometry.estimate_utm_crs())
        tolerance = grade.map(_SIMPLIFY_M).to_numpy(dtype=float)
        geometry = gpd.GeoSeries(
            shapely.simplify(geometry.to_numpy(), tolerance, preserve_topology=False),
            index=edges.index,
            crs=geometry.crs,
        )
    lines = geometry.to_crs(GEOGRAPHIC_CRS).to_numpy()
    if gcj02:
        lines = _wgs84_to_gcj02(lines)
    lines = _round_all(lines)
    keep = ~shapely.is_empty(lines) & (shapely.length(lines) > 0)
    frame = gpd.GeoDataFrame(
        {
            "grade": grade.to_numpy(),
            "name": edges["name"].fillna("").astype(str).to_numpy(),
            "ref": edges["ref"].fillna("").astype(str).to_numpy(),
            "lanes": edges["lanes"].to_numpy(),
            "ramp": edges["ramp"].fillna(False).astype(bool).to_numpy(),
        },
        geometry=shapely.remove_repeated_points(lines),
        crs=GEOGRAPHIC_CRS,
    )
    if large:
        # Minor roads merge into one feature per grade: their names would outweigh the map.
        minor = frame["grade"].isin(_MINOR_GRADES).to_numpy()
        frame.loc[minor, ["name", "ref"]] = ""
        frame.loc[minor, "lanes"] = None
    return frame[keep]


# --------------------------------------------------------------------------------------------
# Text
# --------------------------------------------------------------------------------------------


def _escape(value: Any) -> str:
    """Escape text for HTML that folium also places inside JavaScript template literals."""
    text = html.escape(_format_value(value))
    return text.replace("`", "&#96;").replace("$", "&#36;").replace("\\", "&#92;")


def _is_missing(value: Any) -> bool:
    return value is None or (pd.api.types.is_scalar(value) and bool(pd.isna(value)))


def _format_number(value: float) -> str:
    """Format with thousands separators and at most 2 decimals, without trailing zeros."""
    text = f"{value:,.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _format_value(value: Any) -> str:
    if _is_missing(value) or (isinstance(value, str) and not value.strip()):
        return _MISSING
    if isinstance(value, bool | np.bool_):
        return str(bool(value))
    if isinstance(value, int | np.integer):
        return str(int(value))
    if isinstance(value, float | np.floating):
        return str(int(value)) if float(value).is_integer() else _format_number(float(value))
    return str(value)


def _data_line(network: RoadNetwork) -> str:
    source = network.metadata.get("source")
    date = network.metadata.get("date")
    if not source:
        return ""
    return f"Data: {source}" + (f", {date}" if date else "")


def _map_notes(*, gcj02: bool, large: bool, min_zoom: int) -> list[str]:
    notes = [_GAODE_NOTE] if gcj02 else []
    if large:
        notes.append(
            f"Large network: geometry simplified ({_SIMPLIFY_M['1']:g} m tolerance, "
            f"{_SIMPLIFY_M['3']:g} m for grades 3–4); grade 3–4 roads appear from zoom "
            f"{min_zoom} on, drawn without names."
        )
    return notes


# --------------------------------------------------------------------------------------------
# Assets: Leaflet only, inlined from django-leaflet
# --------------------------------------------------------------------------------------------

_LEAFLET_JS_URL = dict(folium.Map.default_js)["leaflet"]
_LEAFLET_CSS_URL = dict(folium.Map.default_css)["leaflet_css"]


def _leaflet_only(m: folium.Map) -> folium.Map:
    """Make the map load Leaflet alone (folium's default adds jQuery, Bootstrap, Font Awesome)."""
    m.default_js = [("leaflet", _LEAFLET_JS_URL)]
    m.default_css = [("leaflet_css", _LEAFLET_CSS_URL)]
    return m


@functools.cache
def _leaflet_folder() -> Path:
    # Locate without importing: django-leaflet's __init__ reads Django settings.
    spec = importlib.util.find_spec("leaflet")
    folders = list(spec.submodule_search_locations or []) if spec else []
    for folder in folders:
        static = Path(folder) / "static" / "leaflet"
        if (static / "leaflet.js").is_file() and (static / "leaflet.css").is_file():
            return static
    raise TransnetError(
        "self-contained maps take Leaflet from the django-leaflet package, which is not "
        "installed (pip install django-leaflet); or save with self_contained=False"
    )


@functools.cache
def _leaflet_assets() -> tuple[str, str]:
    """Return Leaflet's JavaScript and its CSS with the images it uses as ``data:`` URIs."""
    folder = _leaflet_folder()
    script = (folder / "leaflet.js").read_text(encoding="utf-8")
    banner = re.search(r"Leaflet (\d+)\.(\d+)\.\d+", script[:500])
    if not banner or (banner.group(1), banner.group(2)) != ("1", "9"):
        found = banner.group(0) if banner else "no version banner"
        raise TransnetError(f"{folder / 'leaflet.js'}: expected Leaflet 1.9.x, found {found}")
    script = re.sub(r"//# sourceMappingURL=\S+\s*$", "", script).replace("</script", "<\\/script")

    def data_uri(match: re.Match[str]) -> str:
        image = folder / match.group(1)
        if not image.is_file():
            return match.group(0)
        encoded = base64.b64encode(image.read_bytes()).decode("ascii")
        return f"url(data:image/png;base64,{encoded})"

    css = (folder / "leaflet.css").read_text(encoding="utf-8")
    css = re.sub(r"url\((images/[\w@.-]+\.png)\)", data_uri, css).replace("</style", "<\\/style")
    return script, css


_SCRIPT_SRC = re.compile(r"<script\b[^>]*\bsrc\s*=\s*[\"']?([^\"'\s>]+)[^>]*>\s*</script>", re.I)
_LINK_HREF = re.compile(r"<link\b[^>]*\bhref\s*=\s*[\"']?([^\"'\s>]+)[^>]*/?>", re.I)
_REMOTE = re.compile(r"^(https?:)?//", re.I)


def _inline_assets(page: str) -> str:
    """Replace the page's Leaflet script and style-sheet links by their content."""
    script, css = _leaflet_assets()

    def inline_script(match: re.Match[str]) -> str:
        if match.group(1).rsplit("/", 1)[-1] == "leaflet.js":
            return f"<script>\n{script}\n</script>"
        return match.group(0)

    def inline_css(match: re.Match[str]) -> str:
        if match.group(1).rsplit("/", 1)[-1] == "leaflet.css":
            return f"<style>\n{css}\n</style>"
        return match.group(0)

    # A function as replacement: the assets' backslashes must not be read as escapes.
    return _LINK_HREF.sub(inline_css, _SCRIPT_SRC.sub(inline_script, page))


def _remote_assets(page: str) -> list[str]:
    """URLs of scripts and style sheets the page loads from the network."""
    found = [
        *(url for url in _SCRIPT_SRC.findall(page) if _REMOTE.match(url)),
        *(url for url in _LINK_HREF.findall(page) if _REMOTE.match(url)),
    ]
    return list(dict.fromkeys(found))


class _Popup(folium.Popup):
    """A popup whose content is an HTML string (folium's default parses it with jQuery)."""

    _template = Template(
        """
        var {{ this.get_name() }} = L.popup({{ this.options|tojavascript }});
        {{ this.get_name() }}.setContent({{ this.content|tojson }});
        {{ this._parent.get_name() }}.bindPopup({{ this.get_name() }});
        """
    )

    def __init__(self, content: str, **kwargs: Any) -> None:
        super().__init__(None, **kwargs)
        self.content = content
        # Open clear of the title (top), the legend (right) and the notes box (bottom left).
        self.options.update(autoPanPaddingTopLeft=[20, 100], autoPanPaddingBottomRight=[300, 260])


_SYNC_JS = """
    // Synchronised pan and zoom (a small stand-in for Leaflet.Sync, so the page works offline):
    // each map mirrors its view onto the maps it is synced with; a flag stops the echo.
    if (!L.Map.prototype.sync) {
        L.Map.include({
            sync: function (other) {
                var self = this;
                if (!self._transnetSynced) {
                    self._transnetSynced = [];
                    self.on("move zoomend", function () {
                        if (self._transnetSyncing) { return; }
                        var center = self.getCenter(), zoom = self.getZoom();
                        self._transnetSynced.forEach(function (map) {
                            map._transnetSyncing = true;
                            try {
                                map.setView(center, zoom, {animate: false});
                            } finally {
                                map._transnetSyncing = false;
                            }
                        });
                    });
                }
                if (self._transnetSynced.indexOf(other) < 0) { self._transnetSynced.push(other); }
                return self;
            }
        });
    }
"""


class _SyncedDualMap(DualMap):
    """folium's DualMap with inline synchronisation instead of Leaflet.Sync from a CDN."""

    default_js: list[tuple[str, str]] = []  # noqa: RUF012 (folium's attribute, replaced)
    _template = Template(
        "{% macro script(this, kwargs) %}"
        + _SYNC_JS
        + """
        {{ this.m1.get_name() }}.sync({{ this.m2.get_name() }});
        {{ this.m2.get_name() }}.sync({{ this.m1.get_name() }});
        {% endmacro %}
        """
    )


class _MetricScale(MacroElement):
    """A scale bar in metres and kilometres only (miles mean little in a Chinese briefing)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        L.control.scale({imperial: false}).addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )


class _FitBounds(MacroElement):
    """Fit the view to bounds at once (an animated start would swallow the first zoom)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        {{ this._parent.get_name() }}.fitBounds(
            {{ this.bounds|tojson }},
            {"animate": false, "paddingTopLeft": [10, 50], "paddingBottomRight": [200, 10]}
        );
        {% endmacro %}
        """
    )

    def __init__(self, bounds: list[list[float]]) -> None:
        super().__init__()
        self._name = "FitBounds"
        self.bounds = bounds


class _LayerScript(MacroElement):
    """Keep overlays stacked in order and, on large networks, minor roads for close zooms.

    Layers toggled in the layer control come back on top of the canvas; this puts them back in
    order. Minor-road layers are added from ``min_zoom`` on and removed below it, unless the
    reader unticked them.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
            var map = {{ this._parent.get_name() }};
            var order = [{% for layer in this.order %}{{ layer.get_name() }},{% endfor %}];
            var minor = [{% for layer in this.minor %}{{ layer.get_name() }},{% endfor %}];
            var minZoom = {{ this.min_zoom|tojson }};
            var wanted = minor.map(function () { return true; });
            var busy = false, shown = null;
            function restack() {
                order.forEach(function (layer) {
                    if (map.hasLayer(layer)) { layer.bringToFront(); }
                });
            }
            function update() {
                var show = map.getZoom() >= minZoom;
                if (show === shown) { return; }
                shown = show;
                busy = true;
                minor.forEach(function (layer, i) {
                    if (show && wanted[i]) {
                        if (!map.hasLayer(layer)) { map.addLayer(layer); }
                    } else if (map.hasLayer(layer)) {
                        map.removeLayer(layer);
                    }
                });
                busy = false;
                restack();
            }
            map.on("overlayadd overlayremove", function (event) {
                if (busy) { return; }
                var i = minor.indexOf(event.layer);
                if (i >= 0) { wanted[i] = event.type === "overlayadd"; }
                if (event.type === "overlayadd") { restack(); }
            });
            if (minor.length) {
                map.on("zoomend", update);
                map.whenReady(update);
            }
        })();
        {% endmacro %}
        """
    )

    def __init__(self, order: list[Element], minor: list[Element], min_zoom: int) -> None:
        super().__init__()
        self._name = "TransnetLayers"
        self.order = order
        self.minor = minor
        self.min_zoom = int(min_zoom)


# --------------------------------------------------------------------------------------------
# Map and layers
# --------------------------------------------------------------------------------------------


def _new_map(bounds: list[list[float]], *, provider: str, key: str | None) -> folium.Map:
    m = folium.Map(
        location=_center(bounds),
        zoom_start=9,
        tiles=None,
        prefer_canvas=True,
    )
    m.add_child(_MetricScale())
    _leaflet_only(m)
    _add_tiles(m, provider, key)
    _set_background(m)
    m.add_child(_FitBounds(bounds))
    return m


def _add_tiles(m: folium.Map, provider: str, key: str | None) -> None:
    if provider == "osm":
        folium.TileLayer("OpenStreetMap", name="OpenStreetMap").add_to(m)
    elif provider == "tianditu":
        token = quote(key or "", safe="")
        for layer, name, overlay in (
            ("vec", "天地图 Tianditu", False),
            ("cva", "天地图 labels", True),
        ):
            folium.TileLayer(
                _TIANDITU_URL.format(layer=layer, key=token),
                attr=_TIANDITU_ATTRIBUTION,
                name=name,
                subdomains="01234567",
                max_zoom=18,
                overlay=overlay,
            ).add_to(m)
    elif provider == "gaode":
        folium.TileLayer(
            _GAODE_URL, attr=_GAODE_ATTRIBUTION, name="高德 Gaode", subdomains="1234", max_zoom=18
        ).add_to(m)


def _set_background(m: folium.Map) -> None:
    m.get_root().header.add_child(
        Element(f"<style>#{m.get_name()}.leaflet-container {{background:{_BACKGROUND}}}</style>"),
        name=f"{m.get_name()}_background",
    )


def _feature_collection(features: list[dict[str, Any]]) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": features}


def _feature(number: int, geometry: BaseGeometry, properties: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "Feature",
        "id": str(number),
        "properties": properties,
        "geometry": mapping(geometry),
    }


class _Shading:
    """County classes: edges, colours and legend text."""

    def __init__(self, bins: list[float], *, label: str, missing: str, has_missing: bool) -> None:
        self.bins = bins
        self.label = label
        self.missing = missing
        self.has_missing = has_missing
        classes = max(len(bins) - 1, 0)
        picks = np.linspace(0, len(_CHOROPLETH_COLORS) - 1, classes).round().astype(int)
        self.colors = [_CHOROPLETH_COLORS[i] for i in picks] if classes > 1 else []
        if classes == 1:
            self.colors = [_CHOROPLETH_COLORS[2]]

    @classmethod
    def build(
        cls, values: Iterable[Any] | None, *, bins: Sequence[float] | None, label: str, missing: str
    ) -> _Shading | None:
        if values is None:
            return None
        numbers = pd.to_numeric(pd.Series(list(values), dtype=object), errors="coerce")
        numbers = numbers.astype(float).replace([np.inf, -np.inf], np.nan)
        if bins is not None:
            edges = [float(b) for b in bins]
            if len(edges) < 2 or any(b >= a for a, b in zip(edges[1:], edges, strict=False)):
                raise ValueError(f"choropleth_bins must be at least two increasing numbers: {bins}")
        else:
            edges = _quantile_bins(numbers.dropna().to_numpy())
        return cls(edges, label=label, missing=missing, has_missing=bool(numbers.isna().any()))

    def color(self, value: float) -> str:
        if not np.isfinite(value) or not self.colors:
            return _NO_DATA_COLOR
        position = int(np.searchsorted(np.asarray(self.bins[1:-1]), value, side="right"))
        return self.colors[position]

    def legend_rows(self) -> list[str]:
        rows = [f'<div style="font-weight:bold;margin-top:4px">{_escape(self.label)}</div>']
        for low, high, color in zip(self.bins, self.bins[1:], self.colors, strict=False):
            rows.append(
                f"<div>{_fill_swatch(color)} {_format_number(low)} – {_format_number(high)}</div>"
            )
        if self.has_missing or not self.colors:
            rows.append(f"<div>{_fill_swatch(_NO_DATA_COLOR)} {_escape(self.missing)}</div>")
        return rows


def _quantile_bins(values: np.ndarray, classes: int = 5) -> list[float]:
    """Up to ``classes`` quantile classes; inner edges rounded to 3 significant digits."""
    if values.size == 0:
        return []
    low, high = float(values.min()), float(values.max())
    if low == high:
        return [low, high + (abs(high) * 0.05 or 0.5)]
    inner = np.quantile(values, np.linspace(0, 1, classes + 1)[1:-1])
    rounded = sorted({float(f"{v:.3g}") for v in inner} - {low, high})
    return [low, *(v for v in rounded if low < v < high), high]


class _Overlays:
    """The overlays of one map but its roads, checked and in map coordinates."""

    def __init__(
        self,
        counties: gpd.GeoDataFrame,
        seats: gpd.GeoDataFrame,
        plan: gpd.GeoDataFrame | None,
        choropleth: str | None,
    ) -> None:
        self.counties = counties
        self.seats = seats
        self.plan = plan
        self.choropleth = choropleth
        min_lon, min_lat, max_lon, max_lat = counties.total_bounds
        self.bounds = [_round_latlon(min_lat, min_lon), _round_latlon(max_lat, max_lon)]

    @classmethod
    def prepare(
        cls,
        *,
        counties: gpd.GeoDataFrame,
        seats: gpd.GeoDataFrame,
        plan: gpd.GeoDataFrame | None,
        gcj02: bool,
        choropleth: str | None,
    ) -> _Overlays:
        counties = _to_geographic(counties, "counties", required=("code", "name"), gcj02=gcj02)
        seats = _to_geographic(seats, "seats", required=("code", "name"), gcj02=gcj02)
        if plan is not None:
            plan = _to_geographic(plan, "plan", required=("id", "name", "action"), gcj02=gcj02)
            unknown = sorted(set(plan["action"].astype(str)) - set(ACTIONS))
            if unknown:
                raise ValueError(
                    f"plan has unknown action(s) {', '.join(unknown)}; "
                    f"expected {', '.join(ACTIONS)}"
                )
            empty = plan.geometry.isna() | plan.geometry.is_empty
            if empty.any():
                raise ValueError(f"plan card {plan.loc[empty, 'id'].iloc[0]!r} has no geometry")
        if counties.empty:
            raise ValueError("counties is empty; the map is fitted to the counties' bounds")
        if choropleth is not None:
            if choropleth not in counties.columns:
                raise ValueError(
                    f"choropleth column {choropleth!r} is not in counties; it has "
                    f"{', '.join(map(str, counties.columns))}"
                )
            column = counties[choropleth]
            numeric = pd.to_numeric(column, errors="coerce")
            if numeric.isna().all() and column.notna().any():
                # All empty is fine (every seat unreachable, say): the counties are grey.
                raise ValueError(f"choropleth column {choropleth!r} has no numeric value")
        return cls(counties, seats, plan, choropleth)

    def values(self) -> list[Any] | None:
        """Return the choropleth column's values, or None without one."""
        return None if self.choropleth is None else list(self.counties[self.choropleth])

    def draw(
        self,
        m: folium.Map,
        edges: gpd.GeoDataFrame,
        interchanges: gpd.GeoDataFrame,
        *,
        grades: set[str],
        shading: _Shading | None,
        large: bool,
        minor_min_zoom: int,
    ) -> None:
        """Add counties, roads, plan, interchanges and seats to ``m``, bottom to top.

        Roads get one layer per grade in ``grades``, empty where ``edges`` has none of it, so
        that two maps compared side by side list the same layers.
        """
        order: list[Element] = [self._add_counties(m, shading)]
        roads = _add_roads(m, edges, grades=grades, hide_minor=large)
        order.extend(roads.values())
        if self.plan is not None and not self.plan.empty:
            order.append(_add_plan(m, self.plan))
        if not interchanges.empty:
            order.append(_add_interchanges(m, interchanges))
        order.append(_add_seats(m, self.seats))
        minor = [roads[g] for g in _MINOR_GRADES if g in roads] if large else []
        m.add_child(_LayerScript(order, minor, minor_min_zoom))

    def _add_counties(self, m: folium.Map, shading: _Shading | None) -> folium.GeoJson:
        counties = self.counties
        values = None
        if self.choropleth is not None and shading is not None:
            values = pd.to_numeric(counties[self.choropleth], errors="coerce").astype(float)
        has_english = "name_en" in counties.columns
        features = []
        fill_by_id: dict[str, str] = {}
        rows = counties.drop(columns="geometry").to_dict("records")
        for number, (row, geometry) in enumerate(zip(rows, counties.geometry, strict=True)):
            if geometry is None or geometry.is_empty:
                continue
            name = _escape(row["name"])
            if has_english and not _is_missing(row["name_en"]) and row["name_en"] != row["name"]:
                name = f"{name} ({_escape(row['name_en'])})"
            properties: dict[str, Any] = {"name": name}
            feature = _feature(number, _rounded(geometry), properties)
            if values is not None and shading is not None:
                value = float(values.iloc[number])
                missing = not np.isfinite(value)
                properties["value"] = _escape(shading.missing) if missing else _format_number(value)
                fill_by_id[feature["id"]] = shading.color(value)
            features.append(feature)

        def style(feature: dict[str, Any]) -> dict[str, Any]:
            # An unshaded fill still catches the pointer, so the tooltip shows anywhere inside.
            return {
                "color": "#333333",
                "weight": 1.2,
                "opacity": 0.9,
                "fill": True,
                "fillColor": fill_by_id.get(feature["id"], "#ffffff"),
                "fillOpacity": _CHOROPLETH_OPACITY if fill_by_id else 0.0,
            }

        fields, aliases = ["name"], ["County"]
        if values is not None and shading is not None:
            fields.append("value")
            aliases.append(_escape(shading.label))
        layer = folium.GeoJson(
            _feature_collection(features),
            name=LAYER_NAMES["counties"],
            style_function=style,
            tooltip=folium.GeoJsonTooltip(fields=fields, aliases=aliases, sticky=True),
        )
        layer.add_to(m)
        return layer


def _lanes_text(lanes: pd.Series) -> str:
    numbers = pd.to_numeric(lanes, errors="coerce").dropna()
    if numbers.empty:
        return _MISSING
    low, high = int(numbers.min()), int(numbers.max())
    return str(low) if low == high else f"{low}–{high}"


def _add_roads(
    m: folium.Map, edges: gpd.GeoDataFrame, *, grades: set[str], hide_minor: bool
) -> dict[str, folium.GeoJson]:
    """Add one layer per grade in ``grades``, lowest grade first; return them by grade."""
    layers: dict[str, folium.GeoJson] = {}
    for grade in reversed(GRADES):
        if grade not in grades:
            continue
        of_grade = edges[edges["grade"] == grade]
        style = GRADE_STYLES[grade]
        features = []
        for (ramp, name, ref), group in of_grade.groupby(["ramp", "name", "ref"], sort=True):
            geometry = _merged_lines(group.geometry.to_numpy())
            if geometry.is_empty:
                continue
            label = f"{style['label']} ramp" if ramp else style["label"]
            properties = {
                "name": _escape(name),
                "ref": _escape(ref),
                "grade": label,
                "lanes": _lanes_text(group["lanes"]),
                "ramp": bool(ramp),
            }
            features.append(_feature(len(features), geometry, properties))

        def line_style(feature: dict[str, Any], style: Mapping[str, Any] = style) -> dict[str, Any]:
            ramp = feature["properties"]["ramp"]
            return {
                "color": style["color"],
                "weight": _RAMP_WEIGHT if ramp else style["weight"],
                "opacity": 0.8 if ramp else 0.95,
            }

        layer = folium.GeoJson(
            _feature_collection(features),
            name=LAYER_NAMES[grade],
            style_function=line_style,
            show=not (hide_minor and grade in _MINOR_GRADES),
            tooltip=folium.GeoJsonTooltip(
                fields=["name", "ref", "grade", "lanes"],
                aliases=["Road", "Ref", "Grade", "Lanes"],
                sticky=True,
            )
            if features
            else None,
        )
        layer.add_to(m)
        layers[grade] = layer
    return layers


def _card_rows(card: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Return the (label, escaped HTML value) rows of a card's popup table."""

    def with_basis(amount: Any, unit: str, basis: Any) -> str:
        if _is_missing(amount):
            return _MISSING
        text = f"{_escape(amount)} {unit}"
        return text if _is_missing(basis) else f"{text} ({_escape(basis)})"

    provenance = _escape(card.get("provenance"))
    if card.get("provenance") == "illustrative":
        provenance = '<b style="color:#c0392b">ILLUSTRATIVE</b>'
    rows = [
        ("Id", _escape(card.get("id"))),
        ("Name", _escape(card.get("name"))),
        ("Class", _escape(card.get("class"))),
        ("Action", _escape(card.get("action"))),
        ("Grade", _escape(card.get("grade"))),
        ("Ref", _escape(card.get("ref"))),
        ("Length", with_basis(card.get("length_km"), "km", card.get("length_basis"))),
        (
            "Investment",
            with_basis(card.get("investment_100m_cny"), "亿元", card.get("investment_basis")),
        ),
        ("Status", _escape(card.get("status"))),
        ("Opened", _escape(card.get("opened"))),
        ("Provenance", provenance),
    ]
    if not _is_missing(card.get("geometry_basis")):
        alignment = _escape(card.get("geometry_basis"))
        if card.get("geometry_basis") == "illustrative":
            alignment = '<b style="color:#c0392b">ILLUSTRATIVE alignment</b>'
        rows.append(("Alignment", alignment))
    if "outcome" in card:
        rows.append(("Outcome", _escape(card.get("outcome"))))
    return rows


def _card_popup_html(card: Mapping[str, Any]) -> str:
    banner = ""
    if card.get("provenance") == "illustrative":
        banner = (
            '<div style="background:#c0392b;color:#fff;font-weight:bold;padding:3px 6px;'
            'margin-bottom:4px">ILLUSTRATIVE: not an announced project</div>'
        )
    cells = "".join(
        f'<tr><th style="text-align:left;padding-right:8px">{label}</th><td>{value}</td></tr>'
        for label, value in _card_rows(card)
    )
    return f'<div class="transnet-card" style="font-size:12px">{banner}<table>{cells}</table></div>'


def _add_plan(m: folium.Map, plan: gpd.GeoDataFrame) -> folium.FeatureGroup:
    layer = folium.FeatureGroup(name=LAYER_NAMES["plan"])
    cards = plan.drop(columns="geometry").to_dict("records")
    for card, geometry in zip(cards, plan.geometry, strict=True):
        style = PLAN_ACTION_STYLES[card["action"]]
        locations = _latlon_lines(_rounded(geometry))
        # One group per card, so that a click on the halo or on the line opens the same popup.
        group = folium.FeatureGroup(control=False)
        folium.PolyLine(
            locations, color=style["color"], weight=_HALO_WEIGHT, opacity=_HALO_OPACITY
        ).add_to(group)
        folium.PolyLine(
            locations,
            color=style["color"],
            weight=_PLAN_WEIGHT,
            opacity=0.95,
            dash_array=style["dash_array"],
        ).add_to(group)
        tooltip = f"{_escape(card['id'])} {_escape(card['name'])} ({_escape(card['action'])})"
        if card.get("provenance") == "illustrative":
            tooltip += " — ILLUSTRATIVE"
        folium.Tooltip(tooltip, sticky=True).add_to(group)
        _Popup(_card_popup_html(card), max_width=380).add_to(group)
        group.add_to(layer)
    layer.add_to(m)
    return layer


def _interchange_frame(network: RoadNetwork, *, gcj02: bool) -> gpd.GeoDataFrame:
    nodes = network.nodes.loc[
        network.nodes["interchange"].fillna(False).astype(bool), ["interchange_name", "geometry"]
    ]
    return _to_geographic(nodes, "network nodes", required=(), gcj02=gcj02)


def _add_interchanges(m: folium.Map, nodes: gpd.GeoDataFrame) -> folium.GeoJson:
    features = [
        _feature(number, _rounded(point), {"name": _escape(name)})
        for number, (name, point) in enumerate(
            zip(nodes["interchange_name"], nodes.geometry, strict=True)
        )
    ]
    layer = folium.GeoJson(
        _feature_collection(features),
        name=LAYER_NAMES["interchanges"],
        marker=folium.CircleMarker(
            radius=3.5, color="#7b241c", weight=1.5, fill=True, fill_color="#ffffff"
        ),
        tooltip=folium.GeoJsonTooltip(fields=["name"], labels=False),
    )
    layer.add_to(m)
    return layer


def _add_seats(m: folium.Map, seats: gpd.GeoDataFrame) -> folium.FeatureGroup:
    layer = folium.FeatureGroup(name=LAYER_NAMES["seats"])
    points = seats.geometry.representative_point()
    for name, point in zip(seats["name"], points, strict=True):
        if point is None or point.is_empty:
            continue
        folium.CircleMarker(
            _round_latlon(point.y, point.x),
            radius=5,
            color="#222222",
            weight=2,
            fill=True,
            fill_color="#ffffff",
            fill_opacity=1.0,
            tooltip=folium.Tooltip(_escape(name), permanent=True, direction="right", sticky=False),
        ).add_to(layer)
    layer.add_to(m)
    return layer


# --------------------------------------------------------------------------------------------
# Boxes: title, notes, legend; the comparison page's header and panel
# --------------------------------------------------------------------------------------------

_BOX_STYLE = (
    "position:fixed;z-index:640;background:rgba(255,255,255,0.93);border:1px solid #777;"
    "border-radius:4px;box-shadow:0 1px 4px rgba(0,0,0,0.3);font-family:sans-serif;"
)


def _title_html(title: str, data: str) -> str:
    subtitle = (
        f'<div style="font-size:11px;font-weight:normal;color:#444">{_escape(data)}</div>'
        if data
        else ""
    )
    return (
        f'<div class="transnet-title" style="{_BOX_STYLE}top:10px;left:50%;'
        "transform:translateX(-50%);padding:6px 14px;font-size:16px;font-weight:bold;"
        f'max-width:60%;text-align:center">{_escape(title)}{subtitle}</div>'
    )


def _notes_list(notes: list[str]) -> str:
    items = "".join(f'<li style="margin:2px 0">{_escape(note)}</li>' for note in notes)
    return (
        '<div style="font-weight:bold;color:#c0392b">Read before use</div>'
        f'<ul style="margin:2px 0;padding-left:16px">{items}</ul>'
    )


def _notes_html(notes: list[str]) -> str:
    return (
        f'<div class="transnet-notes" style="{_BOX_STYLE}bottom:44px;left:10px;'
        "padding:6px 10px;font-size:12px;max-width:440px;max-height:45%;overflow:auto;"
        f'border-left:4px solid #c0392b">{_notes_list(notes)}</div>'
    )


def _line_swatch(color: str, weight: float, dash_array: str | None = None) -> str:
    dash = f' stroke-dasharray="{dash_array}"' if dash_array else ""
    return (
        '<svg width="36" height="12" style="vertical-align:middle">'
        f'<line x1="2" y1="6" x2="34" y2="6" stroke="{color}" stroke-width="{weight:g}"'
        f' stroke-linecap="round"{dash}/></svg>'
    )


def _fill_swatch(color: str) -> str:
    return (
        f'<span style="display:inline-block;width:30px;height:11px;margin:0 3px;'
        f"vertical-align:middle;background:{color};opacity:{_CHOROPLETH_OPACITY + 0.2:g};"
        'border:1px solid #333"></span>'
    )


def _point_swatch(stroke: str, radius: float) -> str:
    return (
        '<svg width="36" height="12" style="vertical-align:middle">'
        f'<circle cx="18" cy="6" r="{radius:g}" fill="#fff" stroke="{stroke}" stroke-width="2"/>'
        "</svg>"
    )


def _legend_rows(
    grades: set[str],
    plan: gpd.GeoDataFrame | None,
    shading: _Shading | None,
    *,
    large: bool,
    min_zoom: int,
) -> list[str]:
    rows = ['<div style="font-weight:bold">Roads</div>']
    for grade, style in GRADE_STYLES.items():
        if grade in grades:
            later = f" (zoom ≥ {min_zoom})" if large and grade in _MINOR_GRADES else ""
            swatch = _line_swatch(style["color"], style["weight"])
            rows.append(f"<div>{swatch} {style['label']}{later}</div>")
    if plan is not None and not plan.empty:
        rows.append('<div style="font-weight:bold;margin-top:4px">Plan projects</div>')
        rows.extend(
            f"<div>{_line_swatch(style['color'], 4, style['dash_array'])} {action}</div>"
            for action, style in PLAN_ACTION_STYLES.items()
            if action in set(plan["action"])
        )
    rows.append(f"<div>{_point_swatch('#222222', 4.5)} County seat</div>")
    rows.append(f"<div>{_point_swatch('#7b241c', 3.5)} Interchange</div>")
    if shading is not None:
        rows.extend(shading.legend_rows())
    return rows


def _legend_box(rows: list[str]) -> str:
    return (
        f'<div class="transnet-legend" style="{_BOX_STYLE}bottom:30px;right:10px;'
        "padding:6px 10px;font-size:12px;line-height:16px;max-height:60%;overflow:auto;"
        f'max-width:280px">{"".join(rows)}</div>'
    )


_HEADER_PX = 61
_PANEL_HEIGHT = "30%"


def _compare_css(dual: DualMap) -> str:
    maps = ", ".join(f"#{m.get_name()}" for m in (dual.m1, dual.m2))
    return (
        f"<style>{maps} {{top:{_HEADER_PX}px !important;"
        f"height:calc(100% - {_HEADER_PX}px - {_PANEL_HEIGHT}) !important;}}"
        f"#{dual.m2.get_name()} {{border-left:2px solid #333;box-sizing:border-box;}}"
        ".transnet-panel td, .transnet-panel th {padding:1px 6px;text-align:right;}"
        ".transnet-panel td:first-child, .transnet-panel th:first-child {text-align:left;}"
        "</style>"
    )


def _compare_header_html(title: str, data: str) -> str:
    row = "white-space:nowrap;overflow:hidden;text-overflow:ellipsis;text-align:center;"
    half = (
        "display:inline-block;width:50%;box-sizing:border-box;text-align:center;"
        "font-size:13px;font-weight:bold;line-height:20px;"
    )
    return (
        '<div class="transnet-title" style="position:fixed;top:0;left:0;right:0;'
        f"height:{_HEADER_PX}px;z-index:1000;background:#fff;border-bottom:1px solid #777;"
        'font-family:sans-serif;overflow:hidden">'
        f'<div style="{row}font-size:16px;font-weight:bold;line-height:24px;padding:0 8px">'
        f"{_escape(title)}</div>"
        f'<div style="{row}font-size:11px;color:#444;line-height:16px;padding:0 8px">'
        f"{_escape(data)}</div>"
        f'<div><span style="{half}background:#f3f3f3">BEFORE the plan (base network)</span>'
        f'<span style="{half}background:#f3ecf6;border-left:2px solid #333">AFTER the plan'
        "</span></div></div>"
    )


def _compare_panel_html(
    notes: list[str], deltas: Sequence[tuple[str, str, str, str]], legend: list[str]
) -> str:
    column = "flex:1 1 0;overflow:auto;padding:6px 10px;min-width:0;"
    table = ""
    if deltas:
        head = "".join(f"<th>{h}</th>" for h in ("Metric", "Before", "After", "Change"))
        body = "".join(
            "<tr>" + "".join(f"<td>{_escape(cell)}</td>" for cell in row) + "</tr>"
            for row in deltas
        )
        table = (
            '<div style="font-weight:bold">Metric deltas (before → after)</div>'
            f'<table style="border-collapse:collapse"><thead>{head}</thead>'
            f"<tbody>{body}</tbody></table>"
        )
    return (
        '<div class="transnet-panel" style="position:fixed;left:0;right:0;bottom:0;'
        f"height:{_PANEL_HEIGHT};z-index:1000;background:#fff;border-top:1px solid #777;"
        'display:flex;font-family:sans-serif;font-size:12px;line-height:16px">'
        f'<div class="transnet-notes" style="{column}border-left:4px solid #c0392b">'
        f"{_notes_list(notes)}</div>"
        f'<div class="transnet-deltas" style="{column}">{table}</div>'
        f'<div class="transnet-legend" style="{column}flex:0 0 260px">{"".join(legend)}</div>'
        "</div>"
    )


# --------------------------------------------------------------------------------------------
# Deltas of a study
# --------------------------------------------------------------------------------------------


def _number(value: float | None) -> str:
    return "unreachable" if value is None else _format_number(value)


def _change(before: float | None, after: float | None) -> str:
    if before is None or after is None:
        return _MISSING
    change = after - before
    return "±0" if round(change, 2) == 0 else f"{'+' if change > 0 else ''}{_format_number(change)}"


def _rule_text(coverage: Mapping[str, Any]) -> str:
    rule = coverage.get("rule")
    if rule == "seat_within_km":
        return f"seat ≤ {coverage['within_km']:g} km from an interchange"
    if rule == "seat_within_min":
        return f"seat ≤ {coverage['within_min']:g} min from an interchange"
    if rule == "interchange_inside":
        return "an interchange inside"
    if rule == "crossed":
        return "crossed by an expressway"
    if "within_m" in coverage:
        return f"seat ≤ {coverage['within_m'] / 1000:g} km from one"
    if "within_min" in coverage:
        return f"seat ≤ {coverage['within_min']:g} min from one"
    return str(rule or "")


def _seat_minutes(scenario: Mapping[str, Any]) -> tuple[float | None, float | None, int]:
    minutes = [r.get("seat_to_interchange_min") for r in scenario["counties"]]
    reachable = [float(m) for m in minutes if m is not None]
    unreachable = len(minutes) - len(reachable)
    if not reachable:
        return None, None, unreachable
    return float(np.mean(reachable)), (None if unreachable else max(reachable)), unreachable


def _study_deltas(study: Study) -> list[tuple[str, str, str, str]]:
    """Rows of the comparison's deltas panel: metric, before, after, change."""
    before, after = study.metrics["before"], study.metrics["after"]
    rows: list[tuple[str, str, str, str]] = []

    def numbers(label: str, b: float | None, a: float | None) -> None:
        rows.append((label, _number(b), _number(a), _change(b, a)))

    def trunk(scenario: Mapping[str, Any]) -> float:
        return sum(float(scenario["density_per_100km2"][g]) for g in ("expressway", "1", "2"))

    numbers(
        "Expressway density (km/100 km²)",
        before["density_per_100km2"]["expressway"],
        after["density_per_100km2"]["expressway"],
    )
    numbers("Trunk-road density: expressway + grades 1–2 (km/100 km²)", trunk(before), trunk(after))
    numbers(
        "Road density, all grades in the network (km/100 km²)",
        before["density_per_100km2"]["total"],
        after["density_per_100km2"]["total"],
    )
    for key, label in (
        ("county_expressway_coverage", "Counties on an expressway"),
        ("county_grade1_coverage", "Counties on a grade-1 road"),
    ):
        b, a = before[key], after[key]
        rows.append(
            (
                f"{label} ({_rule_text(b)})",
                f"{b['covered']}/{b['total']}",
                f"{a['covered']}/{a['total']}",
                _change(float(b["covered"]), float(a["covered"])),
            )
        )
    (mean_b, max_b, lost_b), (mean_a, max_a, lost_a) = _seat_minutes(before), _seat_minutes(after)
    reach = f"; unreachable seats: {lost_b} before, {lost_a} after" if lost_b or lost_a else ""
    numbers(f"Mean minutes, county seat → nearest interchange{reach}", mean_b, mean_a)
    numbers("Max minutes, county seat → nearest interchange", max_b, max_a)
    return rows
