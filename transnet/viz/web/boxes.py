"""The boxes over a map, always visible: title, caveats ("Read before use") and legend.

Examples
--------
>>> notes_html(["Network is SCHEMATIC"]).count("<li")
1
>>> rows = legend({"expressway"}, None, None, planned=False, large=False, min_zoom=11)
>>> [road["label"] for road in rows["roads"]]
['Expressway']
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from transnet.network import RoadNetwork
from transnet.viz.style import (
    GRADE_STYLES,
    INTERCHANGE_MARKER,
    PLAN_ACTION_STYLES,
    PLANNED_STYLE,
    SEAT_MARKER,
)
from transnet.viz.web.geometry import MINOR_GRADES, SIMPLIFY_M
from transnet.viz.web.templating import render
from transnet.viz.web.tiles import GAODE_NOTE

if TYPE_CHECKING:
    import geopandas as gpd

    from transnet.viz.web.layers import Shading

__all__ = ["data_line", "legend", "legend_html", "map_notes", "notes_html", "title_html"]

# Legend markers are drawn a little smaller than on the map, to fit the legend's rows.
_LEGEND_RADIUS_MAX = 4.5


def data_line(network: RoadNetwork) -> str:
    """Return the network's source and date, from its metadata, e.g. ``"Data: OSM, 2024-05-01"``.

    Examples
    --------
    >>> data_line(network)[:6]
    'Data: '

    """
    source = network.metadata.get("source")
    date = network.metadata.get("date")
    if not source:
        return ""
    return f"Data: {source}" + (f", {date}" if date else "")


def map_notes(*, gcj02: bool, large: bool, min_zoom: int) -> list[str]:
    """Caveats the map adds itself: GCJ-02 coordinates, simplified geometry.

    Examples
    --------
    >>> map_notes(gcj02=False, large=True, min_zoom=11)[0][:14]
    'Large network:'

    """
    notes = [GAODE_NOTE] if gcj02 else []
    if large:
        notes.append(
            f"Large network: geometry simplified ({SIMPLIFY_M['1']:g} m tolerance, "
            f"{SIMPLIFY_M['3']:g} m for grades 3–4); grade 3–4 roads appear from zoom "
            f"{min_zoom} on, drawn without names."
        )
    return notes


def legend(
    grades: set[str],
    plan: gpd.GeoDataFrame | None,
    shading: Shading | None,
    *,
    planned: bool,
    large: bool,
    min_zoom: int,
) -> dict[str, Any]:
    """Return the legend's content: road and plan styles (or the planned one), markers, shading.

    Examples
    --------
    >>> legend({"3"}, None, None, planned=False, large=True, min_zoom=11)["roads"][0]["label"]
    'Grade 3 (zoom ≥ 11)'

    """
    roads = [
        {
            "color": style["color"],
            "weight": style["weight"],
            "label": style["label"]
            + (f" (zoom ≥ {min_zoom})" if large and grade in MINOR_GRADES else ""),
        }
        for grade, style in GRADE_STYLES.items()
        if grade in grades
    ]
    has_plan = plan is not None and not plan.empty
    actions = set(plan["action"]) if has_plan else set()
    return {
        "roads": roads,
        "plan": [
            {"color": style["color"], "dash_array": style["dash_array"], "action": action}
            for action, style in PLAN_ACTION_STYLES.items()
            if action in actions and not planned
        ],
        "planned": PLANNED_STYLE if has_plan and planned else None,
        "markers": [
            {**marker, "radius": min(marker["radius"], _LEGEND_RADIUS_MAX)}
            for marker in (SEAT_MARKER, INTERCHANGE_MARKER)
        ],
        "shading": shading.legend() if shading is not None else None,
    }


def title_html(title: str, data: str) -> str:
    """Return the title box, with the data line under the title.

    Examples
    --------
    >>> "A &amp; B" in title_html("A & B", "Data: OSM")
    True

    """
    return str(render("title.html.j2", title=title, data=data))


def notes_html(notes: list[str]) -> str:
    """Return the caveats box, bottom left.

    Examples
    --------
    >>> "Read before use" in notes_html(["x"])
    True

    """
    return str(render("notes.html.j2", notes=notes))


def legend_html(content: dict[str, Any]) -> str:
    """Return the legend box, bottom right, of :func:`legend`'s content.

    Examples
    --------
    >>> legend_html(legend(set(), None, None, planned=False, large=False, min_zoom=11))[:30]
    '<div class="transnet-legend" s'

    """
    return str(render("legend.html.j2", legend=content))
