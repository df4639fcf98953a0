"""Static before/after maps for slides: PNGs drawn with matplotlib, styled as the HTML maps.

A static map shows one scenario of a study in the network's projected CRS (metres), so that its
scale bar is true: counties shaded by a per-county metric in the classes of the HTML maps
(:func:`transnet.viz.style.study_classes`), roads coloured and sized by technical grade as on the
HTML map (:data:`transnet.viz.style.GRADE_STYLES`), plan projects on top of the "after" map, one
line style per action (:data:`transnet.viz.style.PLAN_ACTION_STYLES`), county seats and
interchanges. The "before" map shows the base network: the plan's alignments only as a faint
dashed outline labelled "planned". Each map carries a title with its data source and date, a
legend, a colour bar of the classes, a north arrow, a scale bar and the study's caveats in a box
at the bottom.

Figures are built on :class:`matplotlib.figure.Figure` with an Agg canvas: no ``pyplot``, no
global backend state. Text is drawn in the default sans-serif font; Chinese names are used only
when a CJK-capable font is installed, English names (``name_en``) otherwise, so no glyph is ever
missing.
"""

from __future__ import annotations

import math
import re
import textwrap
from collections.abc import Iterable, Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from matplotlib import font_manager, patheffects, rcParams
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.cm import ScalarMappable
from matplotlib.collections import LineCollection, PathCollection
from matplotlib.colors import BoundaryNorm, ListedColormap, to_rgb
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.legend_handler import HandlerTuple
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.path import Path as MplPath
from matplotlib.transforms import Bbox
from mpl_toolkits.axes_grid1.anchored_artists import AnchoredSizeBar
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry
from shapely.geometry.polygon import orient

from transnet._errors import InputError
from transnet.crs import GEOGRAPHIC_CRS
from transnet.grades import GRADES
from transnet.summary import caveats
from transnet.viz.style import (
    CHOROPLETH_OPACITY,
    GRADE_STYLES,
    HALO_OPACITY,
    HALO_WEIGHT_PX,
    NO_DATA_COLOR,
    PLAN_ACTION_STYLES,
    PLAN_WEIGHT_PX,
    PLANNED_STYLE,
    RAMP_WEIGHT_PX,
    ChoroplethClasses,
    county_values,
    format_number,
    study_classes,
)

if TYPE_CHECKING:
    from transnet.network import RoadNetwork
    from transnet.study import Study

__all__ = ["SCENARIOS", "metric_names", "static_map", "write_static_maps"]

#: The scenarios a study maps, in order.
SCENARIOS: tuple[str, ...] = ("before", "after")

_HEADINGS = {"before": "before the plan (base network)", "after": "after the plan"}

# The HTML map's widths are in screen pixels; on a slide-sized figure 0.6 pt per pixel keeps the
# same proportions (expressway 3 pt, grade 4 road 0.9 pt).
_PX_TO_PT = 0.6
_RAMP_WEIGHT_PX = RAMP_WEIGHT_PX
_PLAN_WEIGHT_PX = PLAN_WEIGHT_PX
_HALO_WEIGHT_PX = HALO_WEIGHT_PX
_HALO_ALPHA = HALO_OPACITY
_FALLBACK_COLOR = "#7f8c8d"

# Counties: the HTML map's class colours at its fill opacity, pre-blended with white so that
# the colour bar shows exactly the colours of the map.
_NO_VALUE_COLOR = NO_DATA_COLOR
_NO_VALUE_HATCH_COLOR = "#8c8c8c"
_NO_VALUE_HATCH = "///"
_OUTLINE_COLOR = "#333333"
_BACKGROUND = "#f4f4f1"
_CAVEAT_COLOR = "#c0392b"

_FONT_SIZE = 9.0
_TITLE_SIZE = 13.0
_SUBTITLE_SIZE = 8.5
_CAVEAT_SIZE = 8.5
_LINE_SPACING = 1.25
_NBSP = "\N{NO-BREAK SPACE}"
# Average advance of a character in em of DejaVu Sans; text is wrapped with it.
_CHAR_EM = 0.56

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

# Families whose fonts may carry Chinese glyphs; each candidate is also checked for _CJK_PROBE.
_CJK_FAMILY = re.compile(
    r"cjk|source han|wenquanyi|wqy|simhei|simsun|yahei|pingfang|hiragino sans gb|heiti|songti|"
    r"kaiti|fangsong|ar pl|droid sans fallback|sarasa|lxgw|noto (sans|serif) (sc|tc)",
    re.IGNORECASE,
)
_CJK_PROBE = "县区市高速公路"


def metric_names(study: Study) -> list[str]:
    """Return the per-county metrics a static map can shade counties by.

    They are the keys of the per-county records of ``study.metrics`` whose value is a number
    (not a boolean) or None in every record of both scenarios: a metric with no value anywhere,
    e.g. minutes to an interchange on a network with none, is still a metric; its counties are
    hatched as having no value.

    Parameters
    ----------
    study
        A study from :func:`transnet.study.run_study`.

    Returns
    -------
    list of str
        Sorted metric names.

    Examples
    --------
    >>> "seat_to_interchange_min" in metric_names(study), "covered" in metric_names(study)
    (True, False)

    """
    records = [
        record.model_dump() for scenario in SCENARIOS for record in study.metrics[scenario].counties
    ]
    keys = {key for record in records for key in record}
    return sorted(
        key
        for key in keys
        if all(record.get(key) is None or _is_number(record.get(key)) for record in records)
    )


def static_map(
    study: Study,
    scenario: str,
    *,
    metric: str | None = "seat_to_interchange_min",
    ax: Axes | None = None,
) -> Figure:
    """Draw one scenario of a study as a static map for slides.

    The map is drawn in the projected CRS of the scenario's network, so that distances on it are
    true. Counties are shaded by ``metric`` in classes shared by both scenarios and by the HTML
    maps (:func:`transnet.viz.style.study_classes`), so the maps compare at a glance; counties
    with no value (e.g. a seat that cannot reach an interchange) are hatched grey. Roads are
    coloured and sized by technical grade as on the HTML map, ramps thin. On the ``"after"`` map
    plan projects are drawn over a halo, one line style per action; the ``"before"`` map shows
    the base network, with the plan's alignments only as a faint dashed outline labelled
    "planned", never like built roads. The map has a title with the region, the scenario and
    the network's source and date, a legend, a colour bar, a north arrow (pointing to true
    north), a scale bar and the caveats of :func:`transnet.summary.caveats` in a box under the map.

    Text is English (counties by ``name_en``) unless a CJK-capable font is installed, in which
    case Chinese names are shown as well.

    Parameters
    ----------
    study
        A study from :func:`transnet.study.run_study`.
    scenario
        ``"before"`` or ``"after"``.
    metric
        A per-county metric of ``study.metrics[scenario]["counties"]`` to shade counties by
        (see :func:`metric_names`); ``None`` draws outlines only.
    ax
        Axes to draw into. The legend and colour bar are placed to the right of it and the
        caveats below it, so leave room or save with ``bbox_inches="tight"``. By default a new
        figure is made, sized to the region with room for all of these.

    Returns
    -------
    matplotlib.figure.Figure
        The figure drawn on, with an Agg canvas; save it with ``savefig``.

    Raises
    ------
    InputError
        If ``scenario`` is not ``"before"`` or ``"after"`` (field ``scenario``) or ``metric`` is
        not a per-county metric (field ``metric``).
    ValueError
        If the network is not in a projected CRS.

    Examples
    --------
    >>> fig = static_map(study, "after", metric="density_per_100km2")
    >>> fig.savefig("after.png", dpi=50)

    """
    if scenario not in SCENARIOS:
        raise InputError(
            f"unknown scenario {scenario!r}; expected one of {', '.join(SCENARIOS)}",
            field="scenario",
        )
    if metric is not None:
        _check_metric(study, metric)
    network = study.before if scenario == "before" else study.after
    crs = network.edges.crs
    if crs is None or not crs.is_projected:
        raise ValueError(
            f"the {scenario} network must be in a projected CRS (metres) to draw a true scale "
            f"bar; it is in {crs}"
        )
    counties = study.region.counties.to_crs(crs)
    xmin, ymin, xmax, ymax = counties.total_bounds
    pad = 0.03 * max(xmax - xmin, ymax - ymin)
    extent = (xmin - pad, ymin - pad, xmax + pad, ymax + pad)
    notes = [_displayable(note) for note in caveats(study)]
    title, subtitle = _titles(study, scenario)

    if ax is None:
        fig, ax, text_width = _new_figure(extent, title, subtitle, notes)
    else:
        fig = _root_figure(ax)
        ax.set_aspect("equal")
        text_width = _axes_width_in(ax)
    ax.set_xlim(extent[0], extent[2])
    ax.set_ylim(extent[1], extent[3])
    ax.set_facecolor(_BACKGROUND)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.apply_aspect()

    values = county_values(study, scenario, metric) if metric is not None else None
    classes = study_classes(study, metric) if metric is not None else None
    if classes is not None and not classes.colors:
        classes = None  # no value anywhere: every county hatched, no colour bar
    _draw_counties(ax, counties, values, classes)
    grades, has_ramps = _draw_roads(ax, network)
    plan = study.plan.frame
    actions: list[str] = []
    planned = False
    if not plan.empty and scenario == "after":
        actions = _draw_plan(ax, plan.to_crs(crs))
    elif not plan.empty:
        planned = _draw_planned(ax, plan.to_crs(crs))
    has_interchanges = _draw_interchanges(ax, network)
    _draw_seats(ax, study.region.seats.to_crs(crs), study.region.counties)

    side_width = _SIDE_COLUMN - 0.2
    missing = values is not None and bool(values.isna().any())
    _add_legend(ax, grades, has_ramps, actions, has_interchanges, missing=missing, planned=planned)
    if metric is not None and classes is not None:
        _add_colorbar(ax, classes, metric, side_width=side_width)
    _add_north_arrow(ax, counties.crs)
    _add_scale_bar(ax)
    _add_titles(ax, title, subtitle, width_in=text_width)
    if notes:
        _add_caveats(ax, notes, width_in=text_width)
    return fig


def write_static_maps(
    study: Study,
    folder: Path,
    *,
    metric: str | None = "seat_to_interchange_min",
    dpi: int = 200,
) -> list[Path]:
    """Write ``before.png`` and ``after.png`` of a study into ``folder``, for slides.

    Both maps shade counties by ``metric`` in the same classes (those of the HTML maps). The
    PNG files carry the map title and the caveats as text metadata.

    Parameters
    ----------
    study
        A study from :func:`transnet.study.run_study`.
    folder
        The folder to write into; it is created if missing.
    metric
        A per-county metric to shade counties by (see :func:`metric_names`); ``None`` draws
        outlines only.
    dpi
        Resolution in dots per inch; at 200 a map is about 1,900 pixels wide.

    Returns
    -------
    list of pathlib.Path
        The files written: ``before.png`` and ``after.png``.

    Raises
    ------
    InputError
        If ``metric`` is not a per-county metric (field ``metric``) or ``dpi`` is not a positive
        number (field ``dpi``); nothing is written.

    Examples
    --------
    >>> write_static_maps(study, Path("slides"), dpi=40)
    [PosixPath('slides/before.png'), PosixPath('slides/after.png')]

    """
    if metric is not None:
        _check_metric(study, metric)
    if isinstance(dpi, bool) or not isinstance(dpi, int | float) or not dpi > 0:
        raise InputError(f"dpi must be a positive number, got {dpi!r}", field="dpi")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for scenario in SCENARIOS:
        fig = static_map(study, scenario, metric=metric)
        title = _titles(study, scenario)[0]
        path = folder / f"{scenario}.png"
        fig.savefig(
            path,
            dpi=dpi,
            format="png",
            facecolor="white",
            metadata={"Title": title, "Disclaimer": " ".join(caveats(study))},
        )
        written.append(path)
    return written


# --- inputs -------------------------------------------------------------------------------------


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float | np.integer | np.floating) and not isinstance(
        value, bool | np.bool_
    )


def _check_metric(study: Study, metric: Any) -> None:
    names = metric_names(study)
    if not isinstance(metric, str) or metric not in names:
        raise InputError(
            f"unknown metric {metric!r} for the county shading; expected one of "
            f"{', '.join(names)}, or none",
            field="metric",
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


def _titles(study: Study, scenario: str) -> tuple[str, str]:
    """Return the map's title and its source line."""
    network = study.before if scenario == "before" else study.after
    metadata = network.metadata
    title = f"{_displayable(study.region.name) or 'Study region'}: {_HEADINGS[scenario]}"
    parts = [f"Road network: {metadata.get('source') or 'unknown source'}"]
    if metadata.get("label"):
        parts.append(str(metadata["label"]).upper())
    completeness = metadata.get("completeness")
    if completeness and completeness != "complete":
        parts.append(str(completeness).replace("_", " "))
    parts.append(f"dated {metadata.get('date') or 'unknown'}")
    return title, _displayable(" · ".join(parts))


# --- text ---------------------------------------------------------------------------------------


@cache
def _fonts() -> tuple[tuple[str, ...], frozenset[int]]:
    """Return the font families of map text and the code points they can draw.

    The default sans-serif font comes first; a CJK-capable font, if one is installed, is added
    as a fallback for Chinese names.
    """
    path = font_manager.findfont(FontProperties(family=["sans-serif"]))
    font = font_manager.get_font(path)
    families = [font.family_name]
    charset = set(font.get_charmap())
    for entry in font_manager.fontManager.ttflist:
        if not _CJK_FAMILY.search(entry.name):
            continue
        try:
            charmap = font_manager.get_font(entry.fname).get_charmap()
        except (OSError, RuntimeError, ValueError):
            continue
        if all(ord(char) in charmap for char in _CJK_PROBE):
            families.append(entry.name)
            charset.update(charmap)
            break
    return tuple(families), frozenset(charset)


def _has_cjk_font() -> bool:
    return len(_fonts()[0]) > 1


def _text_style() -> dict[str, Any]:
    """Keyword arguments of every text drawn from data: its fonts, and no mathtext."""
    return {"fontfamily": list(_fonts()[0]), "parse_math": False}


def _displayable(text: Any) -> str:
    """Drop the characters the map's fonts cannot draw, and what that leaves dangling.

    Without a CJK font, ``"太忻一体化经济区 Taiyuan–Xinzhou zone"`` becomes
    ``"Taiyuan–Xinzhou zone"`` and ``"原平–定襄连接线 (示意) link"`` becomes ``"link"``. Text the
    fonts can draw is returned unchanged.
    """
    text = str(text or "")
    charset = _fonts()[1]
    if all(char == "\n" or ord(char) in charset for char in text):
        return text
    kept = "".join(char if char == "\n" or ord(char) in charset else " " for char in text)
    lines = []
    for line in kept.split("\n"):
        line = re.sub(r"[(\[]\W*[)\]]", " ", line)  # brackets left with nothing in them
        line = re.sub(r"(?<=\s)[–—\-·/]+(?=\s)", " ", f" {line} ")  # dashes left between gaps
        line = re.sub(r"\s+([,.;:])", r"\1", re.sub(r"\s+", " ", line)).strip(" –—-·,;:/")
        if line:
            lines.append(line)
    return "\n".join(lines)


def _wrap(text: str, *, width_in: float, size: float, indent: str = "") -> str:
    chars = max(20, int(width_in * 72 / (size * _CHAR_EM)))
    return textwrap.fill(text, width=chars, subsequent_indent=indent, break_on_hyphens=False)


def _caveat_block(notes: Sequence[str], *, width_in: float) -> str:
    lines = ["READ BEFORE USE"]
    lines.extend(
        _wrap(f"• {note}", width_in=width_in, size=_CAVEAT_SIZE, indent="   ") for note in notes
    )
    return "\n".join(lines)


def _text_height_in(text: str, size: float) -> float:
    return (text.count("\n") + 1) * size * _LINE_SPACING / 72


# --- figure -------------------------------------------------------------------------------------


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


# --- geometry -----------------------------------------------------------------------------------


def _polygon_path(geometry: BaseGeometry) -> MplPath | None:
    rings = []
    for polygon in shapely.get_parts(geometry):
        if polygon.geom_type != "Polygon" or polygon.is_empty:
            continue
        # Exterior counter-clockwise and holes clockwise, so holes stay empty when filled.
        polygon = orient(polygon, 1.0)
        for ring in (polygon.exterior, *polygon.interiors):
            rings.append(MplPath(np.asarray(ring.coords)[:, :2], closed=True))
    return MplPath.make_compound_path(*rings) if rings else None


def _segments(geometries: Iterable[BaseGeometry | None]) -> list[np.ndarray]:
    """Return the vertex arrays of every line part, for a LineCollection."""
    array = np.asarray(list(geometries), dtype=object)
    if array.size == 0:
        return []
    parts = shapely.get_parts(array)
    parts = parts[~shapely.is_empty(parts)]
    if parts.size == 0:
        return []
    coords, index = shapely.get_coordinates(parts, return_index=True)
    return np.split(coords, np.flatnonzero(np.diff(index)) + 1)


def _flags(values: pd.Series) -> np.ndarray:
    return np.array([bool(v) if pd.notna(v) else False for v in values], dtype=bool)


# --- layers -------------------------------------------------------------------------------------


def _on_white(color: str) -> tuple[float, float, float]:
    """Return the colour of a fill at the HTML map's opacity over white."""
    rgb = np.asarray(to_rgb(color))
    return tuple(CHOROPLETH_OPACITY * rgb + (1 - CHOROPLETH_OPACITY))


def _draw_counties(
    ax: Axes,
    counties: gpd.GeoDataFrame,
    values: pd.Series | None,
    classes: ChoroplethClasses | None,
) -> None:
    shaded, shades, missing, outlines = [], [], [], []
    for position, geometry in enumerate(counties.geometry):
        if geometry is None or geometry.is_empty:
            continue
        path = _polygon_path(geometry)
        if path is None:
            continue
        outlines.append(path)
        if values is None:
            continue
        value = values.iloc[position]
        if pd.isna(value) or classes is None:
            missing.append(path)
        else:
            shaded.append(path)
            shades.append(_on_white(classes.color(float(value))))
    if shaded:
        ax.add_collection(
            PathCollection(shaded, facecolors=shades, edgecolors="none", linewidths=0, zorder=1)
        )
    if missing:
        ax.add_collection(
            PathCollection(
                missing,
                facecolors=_NO_VALUE_COLOR,
                edgecolors=_NO_VALUE_HATCH_COLOR,
                linewidths=0,
                hatch=_NO_VALUE_HATCH,
                zorder=1,
            )
        )
    ax.add_collection(
        PathCollection(
            outlines, facecolors="none", edgecolors=_OUTLINE_COLOR, linewidths=0.7, zorder=2
        )
    )
    outline = shapely.union_all(counties.geometry.to_numpy())
    region = _polygon_path(outline)
    if region is not None:
        ax.add_collection(
            PathCollection(
                [region], facecolors="none", edgecolors=_OUTLINE_COLOR, linewidths=1.6, zorder=2
            )
        )


def _ensure_mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _grade_style(grade: str) -> dict[str, Any]:
    style = _ensure_mapping(GRADE_STYLES.get(grade))
    return {
        "label": str(style.get("label") or f"Grade {grade}"),
        "color": style.get("color", _FALLBACK_COLOR),
        "width": float(style.get("weight", 1.0)) * _PX_TO_PT,
    }


def _draw_roads(ax: Axes, network: RoadNetwork) -> tuple[list[str], bool]:
    """Draw roads by grade, lowest first; return the grades drawn and whether ramps were."""
    edges = network.edges
    grade = edges["grade"].astype(str).to_numpy()
    ramp = _flags(edges["ramp"]) if "ramp" in edges.columns else np.zeros(len(edges), bool)
    present = [g for g in GRADES if g in set(grade)]
    present += sorted(set(grade) - set(GRADES))
    geometries = edges.geometry.to_numpy()
    for order, name in enumerate(reversed(present)):
        style = _grade_style(name)
        for is_ramp in (True, False):
            mask = (grade == name) & (ramp == is_ramp)
            segments = _segments(geometries[mask])
            if not segments:
                continue
            ax.add_collection(
                LineCollection(
                    segments,
                    colors=style["color"],
                    linewidths=_RAMP_WEIGHT_PX * _PX_TO_PT if is_ramp else style["width"],
                    alpha=0.85 if is_ramp else 1.0,
                    capstyle="round",
                    joinstyle="round",
                    zorder=3 + order * 0.01,
                )
            )
    return present, bool(ramp.any())


def _dashes(pattern: Any, linewidth: float) -> tuple[Any, str]:
    """Return a matplotlib line style and cap style for an SVG ``stroke-dasharray``."""
    if pattern is None or (isinstance(pattern, str) and not pattern.strip()):
        return "solid", "round"
    raw = pattern.replace(",", " ").split() if isinstance(pattern, str) else list(pattern)
    values = [float(v) * _PX_TO_PT for v in raw]
    if not any(values):
        return "solid", "round"
    if len(values) % 2:
        values *= 2  # as SVG does with an odd list
    # Round caps turn dots ("1 10") into dots; dashes keep butt caps so their gaps stay open.
    capstyle = "round" if min(values[0::2]) < linewidth else "butt"
    if rcParams["lines.scale_dashes"]:
        values = [v / linewidth for v in values]
    return (0, tuple(values)), capstyle


def _action_style(action: str) -> dict[str, Any]:
    style = _ensure_mapping(PLAN_ACTION_STYLES.get(action))
    width = _PLAN_WEIGHT_PX * _PX_TO_PT
    linestyle, capstyle = _dashes(style.get("dash_array"), width)
    return {
        "color": style.get("color", _FALLBACK_COLOR),
        "width": width,
        "linestyle": linestyle,
        "capstyle": capstyle,
    }


def _draw_plan(ax: Axes, plan: gpd.GeoDataFrame) -> list[str]:
    """Draw plan projects by action over a halo; return the actions drawn, in style order."""
    action = plan["action"].astype(str).to_numpy()
    geometries = plan.geometry.to_numpy()
    ordered = [a for a in PLAN_ACTION_STYLES if a in set(action)]
    ordered += sorted(set(action) - set(ordered))
    for name in ordered:
        segments = _segments(geometries[action == name])
        if not segments:
            continue
        style = _action_style(name)
        ax.add_collection(
            LineCollection(
                segments,
                colors=style["color"],
                linewidths=_HALO_WEIGHT_PX * _PX_TO_PT,
                alpha=_HALO_ALPHA,
                capstyle="round",
                joinstyle="round",
                zorder=5,
            )
        )
        ax.add_collection(
            LineCollection(
                segments,
                colors=style["color"],
                linewidths=style["width"],
                linestyles=[style["linestyle"]],
                capstyle=style["capstyle"],
                joinstyle="round",
                zorder=5.1,
            )
        )
    return ordered


def _draw_planned(ax: Axes, plan: gpd.GeoDataFrame) -> bool:
    """Draw the plan's alignments as a faint dashed outline (not built); return if any was."""
    segments = _segments(plan.geometry.to_numpy())
    if not segments:
        return False
    width = PLANNED_STYLE["weight"] * _PX_TO_PT
    linestyle, capstyle = _dashes(PLANNED_STYLE["dash_array"], width)
    ax.add_collection(
        LineCollection(
            segments,
            colors=PLANNED_STYLE["color"],
            linewidths=width,
            linestyles=[linestyle],
            alpha=PLANNED_STYLE["opacity"],
            capstyle=capstyle,
            joinstyle="round",
            zorder=5,
        )
    )
    return True


_INTERCHANGE_MARKER = {"marker": "o", "mfc": "white", "mec": "#7b241c", "mew": 1.0, "ms": 4.5}
_SEAT_MARKER = {"marker": "o", "mfc": "white", "mec": "#222222", "mew": 1.4, "ms": 6.5}


def _draw_interchanges(ax: Axes, network: RoadNetwork) -> bool:
    nodes = network.nodes
    if "interchange" not in nodes.columns:
        return False
    points = nodes.loc[_flags(nodes["interchange"])].to_crs(network.edges.crs).geometry
    points = points[~points.is_empty & points.notna()]
    if points.empty:
        return False
    ax.add_line(
        Line2D(points.x.to_numpy(), points.y.to_numpy(), ls="none", zorder=6, **_INTERCHANGE_MARKER)
    )
    return True


def _seat_label(name: Any, name_en: Any) -> str:
    english = "" if pd.isna(name_en) else _displayable(name_en)
    local = "" if pd.isna(name) else _displayable(name)
    if _has_cjk_font() and local and english and local != english:
        return f"{english} {local}"
    return english or local


def _draw_seats(ax: Axes, seats: gpd.GeoDataFrame, counties: pd.DataFrame) -> None:
    if seats.empty:
        return
    names = counties.set_index(counties["code"].astype(str))
    points = seats.geometry.representative_point()
    markers = Line2D(points.x.to_numpy(), points.y.to_numpy(), ls="none", zorder=7, **_SEAT_MARKER)
    ax.add_line(markers)
    halo = [patheffects.withStroke(linewidth=2.5, foreground="white")]
    labels = []
    for code, name, point in zip(seats["code"].astype(str), seats["name"], points, strict=True):
        name_en = names["name_en"].get(code) if "name_en" in names.columns else None
        labels.append(
            ax.annotate(
                _seat_label(name, name_en) or code,
                xy=(point.x, point.y),
                xytext=_LABEL_PLACES[0][0],
                textcoords="offset points",
                fontsize=_FONT_SIZE - 0.5,
                color="#111111",
                ha=_LABEL_PLACES[0][1],
                va=_LABEL_PLACES[0][2],
                zorder=8,
                path_effects=halo,
                annotation_clip=True,
                **_text_style(),
            )
        )
    _place_labels(ax, labels, markers)


# Where a seat label may go, in order of preference: offset (points), ha, va.
_LABEL_PLACES: tuple[tuple[tuple[float, float], str, str], ...] = (
    ((5, 2), "left", "bottom"),
    ((5, -2), "left", "top"),
    ((-5, 2), "right", "bottom"),
    ((-5, -2), "right", "top"),
    ((0, 6), "center", "bottom"),
    ((0, -6), "center", "top"),
    ((9, -5), "left", "top"),
    ((-9, -5), "right", "top"),
)


def _place_labels(ax: Axes, labels: list[Any], markers: Line2D) -> None:
    """Move each label to the first place where it overlaps no earlier label and no seat."""
    canvas = _root_figure(ax).canvas
    if not hasattr(canvas, "get_renderer"):
        return
    renderer = canvas.get_renderer()
    to_display = ax.transData.transform(np.column_stack(markers.get_data()))
    radius = markers.get_markersize() / 72 * _root_figure(ax).dpi / 2
    taken = [
        Bbox.from_extents(x - radius, y - radius, x + radius, y + radius) for x, y in to_display
    ]
    for label in labels:
        best, best_overlap = _LABEL_PLACES[0], math.inf
        for place in _LABEL_PLACES:
            offset, ha, va = place
            label.set_position(offset)
            label.set_ha(ha)
            label.set_va(va)
            box = label.get_window_extent(renderer)
            overlap = sum(_overlap_area(box, other) for other in taken)
            if overlap < best_overlap:
                best, best_overlap = place, overlap
            if overlap == 0:
                break
        label.set_position(best[0])
        label.set_ha(best[1])
        label.set_va(best[2])
        taken.append(label.get_window_extent(renderer))


def _overlap_area(a: Bbox, b: Bbox) -> float:
    width = min(a.x1, b.x1) - max(a.x0, b.x0)
    height = min(a.y1, b.y1) - max(a.y0, b.y0)
    return width * height if width > 0 and height > 0 else 0.0


# --- decorations --------------------------------------------------------------------------------


def _add_legend(
    ax: Axes,
    grades: list[str],
    has_ramps: bool,
    actions: list[str],
    has_interchanges: bool,
    *,
    missing: bool,
    planned: bool = False,
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
        fontsize=_FONT_SIZE,
        title="Legend",
        title_fontsize=_FONT_SIZE + 1,
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
