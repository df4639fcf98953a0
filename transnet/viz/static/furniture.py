"""Map furniture of the static maps: legend, colour bar, north arrow, scale bar, titles, caveats.

The legend, colour bar, north arrow and scale bar go in the side column right of the map; the
title and source line above it, the caveats in a box below it.

Examples
--------
>>> _scale_length_m(130_000.0)
20000
>>> _metric_label("seat_to_interchange_min")
'Minutes from county seat to the nearest interchange (min)'

"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import geopandas as gpd
from matplotlib.axes import Axes
from matplotlib.cm import ScalarMappable
from matplotlib.colors import BoundaryNorm, ListedColormap
from matplotlib.font_manager import FontProperties
from matplotlib.legend_handler import HandlerTuple
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from mpl_toolkits.axes_grid1.anchored_artists import AnchoredSizeBar
from shapely.geometry import Point

from transnet.crs import GEOGRAPHIC_CRS
from transnet.viz.static.figure import (
    _GAP,
    _NORTH_ARROW_X,
    _SIDE_ROW_Y,
    _axes_width_in,
    _root_figure,
)
from transnet.viz.static.layers import (
    _HALO_ALPHA,
    _HALO_WEIGHT_PX,
    _INTERCHANGE_MARKER,
    _NO_VALUE_COLOR,
    _NO_VALUE_HATCH,
    _NO_VALUE_HATCH_COLOR,
    _PX_TO_PT,
    _RAMP_WEIGHT_PX,
    _SEAT_MARKER,
    _action_style,
    _dashes,
    _grade_style,
    _on_white,
)
from transnet.viz.static.text import (
    _CAVEAT_SIZE,
    _FONT_SIZE,
    _LINE_SPACING,
    _NBSP,
    _SUBTITLE_SIZE,
    _TITLE_SIZE,
    _caveat_block,
    _text_style,
    _wrap,
)
from transnet.viz.style import PLANNED_STYLE, ChoroplethClasses, format_number

_CAVEAT_COLOR = "#c0392b"

#: Caption of a few metrics; others are derived from the name.
_METRIC_LABELS = {
    "seat_to_interchange_min": "Minutes from county seat to the nearest interchange",
    "seat_to_interchange_km": "Road distance from county seat to the nearest interchange",
    "density_per_100km2": "Road density of the network shown",
    "expressway_density_per_100km2": "Expressway density",
    "length_km": "Road length of the network shown",
    "expressway_km": "Expressway length",
    "interchanges": "Interchanges in the county",
    "area_km2": "County area",
}
_UNIT_SUFFIXES = (
    ("_per_100km2", "km per 100 km²"),
    ("_km2", "km²"),
    ("_min", "min"),
    ("_km", "km"),
    ("_m", "m"),
)


def _metric_label(metric: str) -> str:
    unit = next((u for suffix, u in _UNIT_SUFFIXES if metric.endswith(suffix)), "")
    if metric == "interchanges":
        unit = "count"
    text = _METRIC_LABELS.get(metric)
    if text is None:
        stem = metric
        for suffix, _ in _UNIT_SUFFIXES:
            if stem.endswith(suffix):
                stem = stem[: -len(suffix)]
                break
        text = stem.replace("_", " ").strip().capitalize() or metric
    # No-break spaces keep a unit on one line when the caption is wrapped.
    return f"{text} ({unit.replace(' ', _NBSP)})" if unit else text


def _add_legend(
    ax: Axes,
    grades: list[str],
    has_ramps: bool,
    actions: list[str],
    has_interchanges: bool,
    *,
    missing: bool,
    planned: bool = False,
    extra: Sequence[tuple[Any, str]] = (),
) -> None:
    handles: list[Any] = []
    labels: list[str] = []
    for grade in grades:
        style = _grade_style(grade)
        handles.append(Line2D([], [], color=style["color"], lw=style["width"]))
        labels.append(style["label"])
    if has_ramps:
        handles.append(Line2D([], [], color="#555555", lw=_RAMP_WEIGHT_PX * _PX_TO_PT))
        labels.append("Ramp (colour of its grade)")
    for action in actions:
        style = _action_style(action)
        halo = Line2D(
            [], [], color=style["color"], lw=_HALO_WEIGHT_PX * _PX_TO_PT, alpha=_HALO_ALPHA
        )
        line = Line2D(
            [],
            [],
            color=style["color"],
            lw=style["width"],
            ls=style["linestyle"],
            dash_capstyle=style["capstyle"],
        )
        handles.append((halo, line))
        labels.append(f"Plan project: {action}")
    if planned:
        width = PLANNED_STYLE["weight"] * _PX_TO_PT
        linestyle, capstyle = _dashes(PLANNED_STYLE["dash_array"], width)
        handles.append(
            Line2D(
                [],
                [],
                color=PLANNED_STYLE["color"],
                lw=width,
                ls=linestyle,
                alpha=PLANNED_STYLE["opacity"],
                dash_capstyle=capstyle,
            )
        )
        labels.append(PLANNED_STYLE["label"])
    handles.append(Line2D([], [], ls="none", **_SEAT_MARKER))
    labels.append("County seat")
    if has_interchanges:
        handles.append(Line2D([], [], ls="none", **_INTERCHANGE_MARKER))
        labels.append("Interchange")
    for handle, label in extra:
        handles.append(handle)
        labels.append(label)
    if missing:
        handles.append(
            Patch(
                facecolor=_NO_VALUE_COLOR,
                edgecolor=_NO_VALUE_HATCH_COLOR,
                hatch=_NO_VALUE_HATCH,
                linewidth=0,
            )
        )
        labels.append("County with no value\n(e.g. unreachable)")
    gap = _GAP / max(_axes_width_in(ax), 1e-6)
    ax.legend(
        handles,
        labels,
        loc="upper left",
        bbox_to_anchor=(1 + gap, 1.0),
        borderaxespad=0.0,
        frameon=False,
        # The labels were filtered for the map's fonts (_displayable): drawn in those fonts.
        prop={"family": _text_style()["fontfamily"], "size": _FONT_SIZE},
        title="Legend",
        title_fontproperties={"family": _text_style()["fontfamily"], "size": _FONT_SIZE + 1},
        alignment="left",
        handlelength=3.6,
        handler_map={tuple: HandlerTuple(ndivide=1)},
    )


def _add_colorbar(ax: Axes, classes: ChoroplethClasses, metric: str, *, side_width: float) -> None:
    """Draw a colour bar of the classes: a block per class, edges labelled as on the HTML map."""
    width_in = max(_axes_width_in(ax), 1e-6)
    height_in = ax.get_position().height * _root_figure(ax).get_figheight()
    gap = _GAP / width_in
    cax = ax.inset_axes((1 + gap, 0.06, side_width / width_in, 0.16 / max(height_in, 1e-6)))
    cmap = ListedColormap([_on_white(color) for color in classes.colors], name="transnet_classes")
    norm = BoundaryNorm(list(classes.bins), ncolors=cmap.N)
    colorbar = _root_figure(ax).colorbar(
        ScalarMappable(norm=norm, cmap=cmap),
        cax=cax,
        orientation="horizontal",
        ticks=list(classes.bins),
        spacing="uniform",
    )
    colorbar.ax.set_xticklabels([format_number(edge) for edge in classes.bins])
    label = _wrap(
        f"{_metric_label(metric)}. Same classes on the before and after maps.",
        width_in=side_width,
        size=_FONT_SIZE,
    )
    colorbar.set_label(label, fontsize=_FONT_SIZE, labelpad=4)
    cax.xaxis.set_label_position("top")
    cax.tick_params(labelsize=_FONT_SIZE - 1)
    colorbar.outline.set_linewidth(0.6)


def _add_north_arrow(ax: Axes, crs: Any) -> None:
    """Draw an arrow to true north, with an "N" at its head, in the side column."""
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    centre = gpd.GeoSeries([Point((x0 + x1) / 2, (y0 + y1) / 2)], crs=crs).to_crs(GEOGRAPHIC_CRS)
    lon, lat = centre.iloc[0].x, centre.iloc[0].y
    north = gpd.GeoSeries([Point(lon, lat), Point(lon, min(lat + 0.1, 89.9))], crs=GEOGRAPHIC_CRS)
    start, end = north.to_crs(crs)
    angle = math.atan2(end.x - start.x, end.y - start.y)  # clockwise from grid north
    length = 30.0
    width_in = max(_axes_width_in(ax), 1e-6)
    ax.annotate(
        "N",
        xy=(1 + (_GAP + _NORTH_ARROW_X) / width_in, _SIDE_ROW_Y),
        xycoords="axes fraction",
        xytext=(length * math.sin(angle), length * math.cos(angle)),
        textcoords="offset points",
        ha="center",
        va="bottom",
        fontsize=_FONT_SIZE + 3,
        fontweight="bold",
        arrowprops={
            "arrowstyle": "<|-,head_length=0.8,head_width=0.4",
            "color": "#111111",
            "lw": 2.0,
            "shrinkA": 1,
            "shrinkB": 0,
        },
        annotation_clip=False,
        zorder=9,
        parse_math=False,
    )


def _scale_length_m(width_m: float) -> float:
    """Return the longest 1-2-5 length (10 km, 20 km, 50 km...) of at most a fifth of the width."""
    target = max(width_m / 5, 1.0)
    exponent = math.floor(math.log10(target))
    return max(step * 10**exponent for step in (1, 2, 5) if step * 10**exponent <= target)


def _add_scale_bar(ax: Axes) -> None:
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    length = _scale_length_m(x1 - x0)
    label = f"{length / 1000:g} km" if length >= 1000 else f"{length:g} m"
    bar = AnchoredSizeBar(
        ax.transData,
        length,
        label,
        loc="lower left",
        bbox_to_anchor=(1 + _GAP / max(_axes_width_in(ax), 1e-6), _SIDE_ROW_Y),
        bbox_transform=ax.transAxes,
        pad=0.5,
        borderpad=0.0,
        sep=4,
        color="#111111",
        frameon=True,
        size_vertical=(y1 - y0) / 150,
        fontproperties=FontProperties(size=_FONT_SIZE),
    )
    bar.patch.set_facecolor("white")
    bar.patch.set_edgecolor("#999999")
    bar.set_zorder(9)
    ax.add_artist(bar)


def _add_titles(ax: Axes, title: str, subtitle: str, *, width_in: float) -> None:
    subtitle = _wrap(subtitle, width_in=width_in, size=_SUBTITLE_SIZE)
    ax.annotate(
        subtitle,
        xy=(0, 1),
        xycoords="axes fraction",
        xytext=(0, 6),
        textcoords="offset points",
        ha="left",
        va="bottom",
        fontsize=_SUBTITLE_SIZE,
        color="#444444",
        linespacing=_LINE_SPACING,
        **_text_style(),
    )
    offset = 6 + (subtitle.count("\n") + 1) * _SUBTITLE_SIZE * _LINE_SPACING + 4
    ax.annotate(
        _wrap(title, width_in=width_in, size=_TITLE_SIZE * 1.1),
        xy=(0, 1),
        xycoords="axes fraction",
        xytext=(0, offset),
        textcoords="offset points",
        ha="left",
        va="bottom",
        fontsize=_TITLE_SIZE,
        fontweight="bold",
        linespacing=_LINE_SPACING,
        **_text_style(),
    )


def _add_caveats(ax: Axes, notes: list[str], *, width_in: float) -> None:
    pad_pt = 0.5 * _CAVEAT_SIZE
    ax.annotate(
        _caveat_block(notes, width_in=width_in - 2 * pad_pt / 72),
        xy=(0, 0),
        xycoords="axes fraction",
        xytext=(pad_pt, -(_GAP * 72)),
        textcoords="offset points",
        ha="left",
        va="top",
        fontsize=_CAVEAT_SIZE,
        color="#222222",
        linespacing=_LINE_SPACING,
        bbox={
            "boxstyle": "round,pad=0.5",
            "facecolor": "#fffaf0",
            "edgecolor": _CAVEAT_COLOR,
            "linewidth": 1.2,
        },
        annotation_clip=False,
        **_text_style(),
    )
