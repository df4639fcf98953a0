"""Township seats on the static maps: covered, not covered or not counted, as on the HTML maps.

The styles are :data:`transnet.viz.style.TOWNSHIP_MARKERS`, the HTML maps' own; marker sizes
are scaled from pixels to points as for the other static markers.

Examples
--------
>>> sorted(_MARKERS)
['covered', 'not_counted', 'not_covered']
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from matplotlib.lines import Line2D

from transnet.viz.static.text import _displayable
from transnet.viz.style import TOWNSHIP_MARKERS

if TYPE_CHECKING:
    import geopandas as gpd
    from matplotlib.axes import Axes

__all__ = ["draw_townships"]

# A marker's radius in pixels on the HTML map is its diameter in points here, as for seats.
_MARKERS: dict[str, dict[str, Any]] = {
    status: {
        "marker": "o",
        "mfc": style["fill"],
        "mec": style["stroke"],
        "mew": 0.8,
        "ms": style["radius"] * 1.3,
    }
    for status, style in TOWNSHIP_MARKERS.items()
}


def draw_townships(ax: Axes, towns: gpd.GeoDataFrame | None) -> list[tuple[Line2D, str]]:
    """Draw township seats by status under the county seats; return their legend entries.

    Parameters
    ----------
    ax
        The map's axes, in the CRS of ``towns``.
    towns
        :func:`transnet.summary.township_points` in the map's CRS, or None.

    Returns
    -------
    list
        ``(handle, label)`` for each status drawn, the label saying when coverage is a lower
        bound (trunk-only network).

    Examples
    --------
    >>> import geopandas as gpd
    >>> from matplotlib.figure import Figure
    >>> towns = gpd.GeoDataFrame({"status": ["covered", "not_counted"]},
    ...     geometry=gpd.points_from_xy([0, 1], [0, 1]), crs=32649)
    >>> [label[:12] for _, label in draw_townships(Figure().add_subplot(), towns)]
    ['Township sea', 'Sub-district']

    The Chinese in a label (``街道``) is kept only where a CJK font is installed.

    """
    if towns is None or towns.empty:
        return []
    lower = "bound" in towns.columns and bool((towns["bound"] == "lower_bound").any())
    entries = []
    for status, style in _MARKERS.items():
        points = towns.geometry[(towns["status"] == status).to_numpy()]
        points = points[points.notna() & ~points.is_empty]
        if points.empty:
            continue
        ax.add_line(
            Line2D(points.x.to_numpy(), points.y.to_numpy(), ls="none", zorder=6.5, **style)
        )
        label = _displayable(TOWNSHIP_MARKERS[status]["label"])
        if lower and status != "not_counted":
            label += "\n(a lower bound: trunk-only network)"
        entries.append((Line2D([], [], ls="none", **style), label))
    return entries
