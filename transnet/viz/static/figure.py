"""Page layout of the static maps: a figure sized to the region, and the size of axes in inches.

A new figure has the title on top, the map with a side column (legend, north arrow, scale bar,
colour bar) to its right, and the caveats below; its width follows the region's aspect.

Examples
--------
>>> fig, ax, text_width = _new_figure((0.0, 0.0, 1000.0, 800.0), "Title", "Source", [])
>>> round(text_width, 2), round(_axes_width_in(ax), 2), _root_figure(ax) is fig
(10.65, 7.5, True)

"""

from __future__ import annotations

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from transnet.viz.static.text import (
    _CAVEAT_SIZE,
    _SUBTITLE_SIZE,
    _TITLE_SIZE,
    _caveat_block,
    _text_height_in,
    _wrap,
)

# Layout of a figure made by static_map, in inches.
_MAP_HEIGHT = 6.0
_MAP_WIDTH_RANGE = (4.5, 9.0)
_MARGIN = 0.3
_GAP = 0.25
_SIDE_COLUMN = 2.9
# Scale bar and north arrow share a row of the side column, above the colour bar: its height in
# axes fraction, and the arrow's distance from the column's left edge in inches.
_SIDE_ROW_Y = 0.26
_NORTH_ARROW_X = 1.6


def _root_figure(ax: Axes) -> Figure:
    figure = ax.figure
    # A subfigure's ``figure`` is the figure it belongs to; a figure's is itself.
    return getattr(figure, "figure", None) or figure


def _axes_width_in(ax: Axes) -> float:
    figure = _root_figure(ax)
    return float(ax.get_position().width * figure.get_figwidth())


def _new_figure(
    extent: tuple[float, float, float, float], title: str, subtitle: str, notes: list[str]
) -> tuple[Figure, Axes, float]:
    """Make a figure sized to the region: title, map and side column, caveats below.

    Returns the figure, the map axes and the width (inches) to wrap title and caveats to.
    """
    aspect = (extent[2] - extent[0]) / (extent[3] - extent[1])
    map_width = min(max(_MAP_HEIGHT * aspect, _MAP_WIDTH_RANGE[0]), _MAP_WIDTH_RANGE[1])
    width = _MARGIN + map_width + _GAP + _SIDE_COLUMN + _MARGIN
    text_width = width - 2 * _MARGIN
    title_height = (
        _text_height_in(_wrap(title, width_in=text_width, size=_TITLE_SIZE * 1.1), _TITLE_SIZE)
        + _text_height_in(_wrap(subtitle, width_in=text_width, size=_SUBTITLE_SIZE), _SUBTITLE_SIZE)
        + 0.25
    )
    caveat_height = 0.0
    if notes:
        block = _caveat_block(notes, width_in=text_width)
        caveat_height = _text_height_in(block, _CAVEAT_SIZE) + 0.3
    height = _MARGIN + title_height + _MAP_HEIGHT + _GAP + caveat_height + _MARGIN
    fig = Figure(figsize=(width, height), dpi=100, facecolor="white")
    FigureCanvasAgg(fig)
    bottom = _MARGIN + caveat_height + _GAP
    ax = fig.add_axes((_MARGIN / width, bottom / height, map_width / width, _MAP_HEIGHT / height))
    # The figure is already sized to the map's aspect: adjust the limits, keep the box.
    ax.set_aspect("equal", adjustable="datalim")
    return fig, ax, text_width
