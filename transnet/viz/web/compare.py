"""The synced compare map: before and after side by side, one legend, a panel of deltas.

The deltas of a study come from :func:`transnet.summary.headline`, the figures the CLI and the
report print.

Examples
--------
>>> rows = study_deltas(study)
>>> rows[1][0], rows[1][1] == f"{study.metrics['before'].density_per_100km2['expressway']:.2f}"
('Expressway density (km/100 km²)', True)
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import folium
import geopandas as gpd
import pandas as pd
from branca.element import Element
from folium.plugins import DualMap

from transnet.network import RoadNetwork
from transnet.summary import HeadlineRow, headline
from transnet.viz.style import PLANNED_STYLE, format_number, metric_caption
from transnet.viz.web.boxes import data_line, legend, map_notes
from transnet.viz.web.canvas import dress, shading
from transnet.viz.web.geometry import center, interchange_frame
from transnet.viz.web.layers import Overlays, road_features
from transnet.viz.web.templating import render, script_template
from transnet.viz.web.text import MISSING
from transnet.viz.web.tiles import check_tiles
from transnet.viz.web.townships import add_townships, township_legend_markers

if TYPE_CHECKING:
    from transnet.study import Study

__all__ = ["compare_map", "delta_row", "study_deltas"]

_HEADER_PX = 61
_PANEL_HEIGHT = "30%"


class _SyncedDualMap(DualMap):
    """folium's DualMap with inline synchronisation instead of Leaflet.Sync from a CDN."""

    default_js: list[tuple[str, str]] = []  # noqa: RUF012 (folium's attribute, replaced)
    _template = script_template("sync.js.j2")


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
    townships: tuple[gpd.GeoDataFrame | None, gpd.GeoDataFrame | None] | None = None,
) -> DualMap:
    """Draw two scenarios side by side, with synchronised pan and zoom and a panel of deltas.

    The left half shows ``before``: the base network, with the plan's alignments only as a
    faint layer of projects not yet built, off until ticked in its layer control. The right
    half shows ``after`` with the plan projects drawn as on :func:`scenario_map
    <transnet.viz.web.scenario_map>`. Both carry roads by grade, shaded counties, seats and
    interchanges, one layer control each. Panning or zooming either half moves the other; the
    synchronisation is a few lines of inline JavaScript, so the page works offline. A header
    names the halves; a panel below them shows the notes, the metric deltas and one legend for
    both (the county shading uses the same classes on both sides).

    Parameters
    ----------
    before, after
        The two scenarios' networks, in any projected CRS.
    counties, seats, plan, title, notes
        As for :func:`~transnet.viz.web.scenario_map`.
    deltas
        Rows of the deltas panel: (metric with unit, before, after, change), as text, e.g.
        ``("Expressway density (km/100 km²)", "4.19", "4.86", "+0.67")``; see
        :func:`study_deltas`.
    choropleth
        Two numeric columns of ``counties``, shading the ``before`` and ``after`` halves.
    townships
        The township seats of each half (:func:`transnet.summary.township_points`), or None.
    choropleth_label, choropleth_missing
        As for :func:`~transnet.viz.web.scenario_map`.
    choropleth_bins
        Class edges; default: up to five quantile classes of both columns together.
    tiles, tianditu_key, large_network_edges, minor_roads_min_zoom
        As for :func:`~transnet.viz.web.scenario_map`; the network is large if either
        scenario is.

    Returns
    -------
    folium.plugins.DualMap
        Save it with :func:`~transnet.viz.web.save_map`; its halves are ``.m1`` (before) and
        ``.m2`` (after).

    Raises
    ------
    InputError
        On an unknown tile provider or ``tianditu`` without a key.
    ValueError
        On bad frames, as for :func:`~transnet.viz.web.scenario_map`.

    Examples
    --------
    >>> dual = compare_map(network, network, counties=region.counties, seats=region.seats,
    ...                    plan=plan.frame, title="Before and after", notes=[],
    ...                    deltas=[("Expressway km", "10", "12", "+2")], tiles="none")
    >>> dual.m1.get_name() != dual.m2.get_name()
    True

    """
    provider, key = check_tiles(tiles, tianditu_key)
    gcj02 = provider == "gaode"
    large = max(len(before.edges), len(after.edges)) > large_network_edges
    columns: tuple[str | None, str | None] = choropleth or (None, None)
    halves = [
        Overlays.prepare(counties=counties, seats=seats, plan=plan, gcj02=gcj02, choropleth=c)
        for c in columns
    ]
    networks = (before, after)
    edges = [road_features(network, large=large, gcj02=gcj02) for network in networks]
    label = choropleth_label or metric_caption(columns[0])
    bins = choropleth_bins
    if bins is None and columns[0] is not None:
        both = [*(halves[0].values() or []), *(halves[1].values() or [])]
        shared = shading(both, bins=None, label=label, missing=choropleth_missing)
        bins = (shared.classes.bins if shared else None) or None
    shadings = [
        shading(half.values(), bins=bins, label=label, missing=choropleth_missing)
        for half in halves
    ]

    grades = edges[0].grades | edges[1].grades
    bounds = halves[0].bounds
    dual = _SyncedDualMap(location=center(bounds), zoom_start=9, tiles=None, prefer_canvas=True)
    both_towns = townships or (None, None)
    for m, half, frame, network, planned, shaded, towns in zip(
        (dual.m1, dual.m2),
        halves,
        edges,
        networks,
        (True, False),
        shadings,
        both_towns,
        strict=True,
    ):
        dress(m, provider=provider, key=key, bounds=bounds)
        half.draw(
            m,
            frame,
            interchange_frame(network, gcj02=gcj02),
            grades=grades,
            shading=shaded,
            planned=planned,
            large=large,
            minor_min_zoom=minor_roads_min_zoom,
        )
        if towns is not None:
            add_townships(m, towns, gcj02=gcj02)
        folium.LayerControl(collapsed=True).add_to(m)

    all_notes = [*notes, *map_notes(gcj02=gcj02, large=large, min_zoom=minor_roads_min_zoom)]
    one = shadings[0]
    if one is not None and shadings[1] is not None:
        missing = one.classes.has_missing or shadings[1].classes.has_missing
        one = dataclasses.replace(
            one, classes=dataclasses.replace(one.classes, has_missing=missing)
        )
    content = legend(
        grades, halves[1].plan, one, planned=False, large=large, min_zoom=minor_roads_min_zoom
    )
    if content["plan"]:
        content["planned"] = PLANNED_STYLE  # the before half's faint layer
    content["markers"] += township_legend_markers(_either(both_towns))
    data = data_line(before)
    if data_line(after) != data:
        data = f"before: {data}; after: {data_line(after)}"
    root = dual.get_root()
    css = render(
        "compare.css.j2",
        left=dual.m1.get_name(),
        right=dual.m2.get_name(),
        header_px=_HEADER_PX,
        panel_height=_PANEL_HEIGHT,
    )
    root.header.add_child(Element(str(css)), name="transnet_compare_css")
    header = render("compare_header.html.j2", title=title, data=data, header_px=_HEADER_PX)
    root.html.add_child(Element(str(header)))
    panel = render(
        "compare_panel.html.j2",
        notes=all_notes,
        deltas=list(deltas),
        legend=content,
        panel_height=_PANEL_HEIGHT,
    )
    root.html.add_child(Element(str(panel)))
    return dual


def _either(towns: tuple[gpd.GeoDataFrame | None, ...]) -> gpd.GeoDataFrame | None:
    """Both halves' seats in one frame, for a legend of every style either half draws."""
    present = [frame for frame in towns if frame is not None]
    return pd.concat(present, ignore_index=True) if present else None


def _figure(value: float | None) -> str:
    if value is None:
        return MISSING
    return "unreachable" if math.isinf(value) else format_number(value)


def delta_row(row: HeadlineRow) -> tuple[str, str, str, str]:
    """One row of the deltas panel, as text: metric with unit, before, after, change.

    Counts of counties read ``covered/total``; an unreachable seat makes a worst case
    "unreachable" and its change "—".

    Examples
    --------
    >>> delta_row(HeadlineRow("x", "Expressway length", "km", 100.0, 150.5))
    ('Expressway length (km)', '100', '150.5', '+50.5')
    >>> delta_row(HeadlineRow("c", "Counties on an expressway", "counties", 10, 12, total=12))
    ('Counties on an expressway', '10/12', '12/12', '+2')

    """
    change = row.change
    if change is None:
        change_text = MISSING
    elif round(change, 2) == 0:
        change_text = "±0"
    else:
        change_text = f"{'+' if change > 0 else ''}{format_number(change)}"
    if row.total is not None:
        before = MISSING if row.before is None else f"{int(row.before)}/{row.total}"
        after = MISSING if row.after is None else f"{int(row.after)}/{row.total}"
        return row.label, before, after, change_text
    label = row.label if row.unit == "min" else f"{row.label} ({row.unit})"
    return label, _figure(row.before), _figure(row.after), change_text


def study_deltas(study: Study) -> list[tuple[str, str, str, str]]:
    """Rows of a study's deltas panel: :func:`transnet.summary.headline`, as text.

    Examples
    --------
    >>> [row[0] for row in study_deltas(study)][-1]
    'Worst minutes, county seat → nearest interchange'

    """
    return [delta_row(row) for row in headline(study)]
