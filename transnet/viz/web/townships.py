"""The township-seat layer of a map: seats styled covered, not covered or not counted.

One GeoJSON layer for every seat (a county group can hold hundreds), each a circle marker
styled by :data:`~transnet.viz.style.TOWNSHIP_MARKERS` with a popup: name, code, kind, metres
and minutes to a road of the township grade-2 target's grade, and that road's name.

Examples
--------
>>> LAYER_NAME
'Township seats'
"""

from __future__ import annotations

from typing import Any

import folium
import geopandas as gpd
import pandas as pd

from transnet.viz.style import TOWNSHIP_MARKERS
from transnet.viz.web.geometry import rounded, to_geographic
from transnet.viz.web.text import escape

__all__ = ["LAYER_NAME", "add_townships", "township_legend_markers", "township_popup_html"]

LAYER_NAME = "Township seats"

_STATUS_TEXT = {
    "covered": "covered",
    "not_covered": "NOT covered",
    "not_counted": "not counted in the township targets (kind left out)",
}


def _text(value: Any, empty: str = "—") -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return empty
    return escape(str(value))


def township_popup_html(row: dict[str, Any]) -> str:
    """Return one seat's popup: name, code, kind, distance and time to the road, its name.

    Parameters
    ----------
    row
        A row of :func:`transnet.summary.township_points`.

    Examples
    --------
    >>> html = township_popup_html({"name": "黄寨镇", "code": "140122101", "kind": "镇",
    ...     "status": "not_covered", "to_road_text": "1.39 km", "to_road_min": 4.16,
    ...     "road": "G108", "criterion": "grade 2 or better within 1,000 m",
    ...     "bound": "lower_bound"})
    >>> "黄寨镇" in html, "1.39 km" in html, "4.2 min" in html, "lower bound" in html
    (True, True, True, True)

    """
    minutes = row.get("to_road_min")
    if minutes is None or pd.isna(minutes):
        reach = "unreachable along the network (beyond the snap limit, or not connected)"
    else:
        reach = (
            f"{_text(row.get('to_road_text'))}, {minutes:.1f} min along the network "
            "(access leg included)"
        )
    status = _STATUS_TEXT.get(str(row.get("status")), _text(row.get("status")))
    lines = [
        f"<b>{_text(row.get('name'))}</b>",
        f"code {_text(row.get('code'))} · kind {_text(row.get('kind'), 'not given')}",
        f"to a road of {_text(row.get('criterion'))}: {reach}",
        f"nearest such road (straight line): {_text(row.get('road'), 'unnamed')}",
        f"<b>{status}</b>",
    ]
    if row.get("bound") == "lower_bound" and row.get("status") == "not_covered":
        lines.append(
            "<i>trunk-only network: a county or township road it lacks may cover this seat "
            "(the share is a lower bound)</i>"
        )
    return "<br>".join(lines)


def add_townships(m: folium.Map, towns: gpd.GeoDataFrame, *, gcj02: bool = False) -> folium.GeoJson:
    """Add the township seats of :func:`transnet.summary.township_points` to ``m``.

    Examples
    --------
    >>> towns = gpd.GeoDataFrame({"name": ["黄寨镇"], "status": ["covered"]},
    ...     geometry=gpd.points_from_xy([112.679], [38.06]), crs=4326)
    >>> layer = add_townships(folium.Map(tiles=None), towns)
    >>> layer.layer_name
    'Township seats'

    """
    towns = to_geographic(towns, "townships", required=("name", "status"), gcj02=gcj02)
    rows = pd.DataFrame(towns.drop(columns="geometry")).to_dict("records")
    features = [
        {
            "type": "Feature",
            "id": str(number),
            "properties": {
                "status": row["status"],
                "name": _text(row.get("name")),
                "popup": township_popup_html(row),
            },
            "geometry": rounded(point).__geo_interface__,
        }
        for number, (row, point) in enumerate(zip(rows, towns.geometry, strict=True))
        if point is not None and not point.is_empty
    ]

    def style(feature: dict[str, Any]) -> dict[str, Any]:
        marker = TOWNSHIP_MARKERS[feature["properties"]["status"]]
        return {
            "radius": marker["radius"],
            "color": marker["stroke"],
            "weight": 1.2,
            "fillColor": marker["fill"],
            "fillOpacity": 0.95,
        }

    layer = folium.GeoJson(
        {"type": "FeatureCollection", "features": features},
        name=LAYER_NAME,
        marker=folium.CircleMarker(radius=3.5, fill=True),
        style_function=style,
        tooltip=folium.GeoJsonTooltip(fields=["name"], labels=False),
        popup=folium.GeoJsonPopup(
            fields=["popup"],
            labels=False,
            style="margin:auto;font-size:12px;line-height:16px;",
            max_width=340,
            # Clear of the title (top), the legend (right) and the notes (bottom left).
            autoPanPaddingTopLeft=[20, 100],
            autoPanPaddingBottomRight=[300, 260],
        ),
    )
    layer.add_to(m)
    return layer


def township_legend_markers(towns: gpd.GeoDataFrame | None) -> list[dict[str, Any]]:
    """Return the legend rows of the seats' styles present in ``towns`` (none without seats).

    On a trunk-only network the covered style's label says the share is a lower bound.

    Examples
    --------
    >>> towns = gpd.GeoDataFrame({"status": ["covered"], "bound": ["lower_bound"]},
    ...     geometry=gpd.points_from_xy([112.7], [38.1]), crs=4326)
    >>> [row["label"][:30] for row in township_legend_markers(towns)]
    ['Township seat: grade-2 road in']

    """
    if towns is None or towns.empty:
        return []
    present = set(towns["status"])
    lower = "bound" in towns.columns and (towns["bound"] == "lower_bound").any()
    rows = []
    for status, marker in TOWNSHIP_MARKERS.items():
        if status not in present:
            continue
        label = marker["label"]
        if lower and status != "not_counted":
            label += " (a lower bound: trunk-only network)"
        rows.append({**marker, "label": label})
    return rows
