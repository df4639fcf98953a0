"""Map layers of the static maps: counties, roads, plan projects, interchanges and county seats.

Each layer is drawn into the map axes as a matplotlib collection, styled as on the HTML map
(:mod:`transnet.viz.style`); county seat labels are moved so that they overlap no other label.

Examples
--------
>>> len(_segments([shapely.LineString([(0, 0), (1, 1)]), None]))
1
>>> _dashes("6 4", 1.2)[1], _dashes(None, 1.2)
('butt', ('solid', 'round'))

"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from matplotlib import patheffects, rcParams
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection, PathCollection
from matplotlib.colors import to_rgb
from matplotlib.lines import Line2D
from matplotlib.path import Path as MplPath
from matplotlib.transforms import Bbox
from shapely.geometry.base import BaseGeometry
from shapely.geometry.polygon import orient

from transnet.grades import GRADES
from transnet.viz.static.figure import _root_figure
from transnet.viz.static.text import _FONT_SIZE, _displayable, _has_cjk_font, _text_style
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
)

if TYPE_CHECKING:
    from transnet.network import RoadNetwork


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
            path = _compound_path(geometries[mask])
            if path is None:
                continue
            # One path of many parts per class: a LineCollection of a province's 200,000
            # segments builds a matplotlib Path per segment and strokes each apart.
            ax.add_collection(
                PathCollection(
                    [path],
                    facecolors="none",
                    edgecolors=style["color"],
                    linewidths=_RAMP_WEIGHT_PX * _PX_TO_PT if is_ramp else style["width"],
                    alpha=0.85 if is_ramp else 1.0,
                    capstyle="round",
                    joinstyle="round",
                    zorder=3 + order * 0.01,
                )
            )
    return present, bool(ramp.any())


def _compound_path(geometries: np.ndarray) -> MplPath | None:
    """Return one matplotlib path of every line part of ``geometries``, or None if none."""
    parts = shapely.get_parts(np.asarray(geometries, dtype=object))
    parts = parts[~shapely.is_empty(parts)]
    if parts.size == 0:
        return None
    coords, index = shapely.get_coordinates(parts, return_index=True)
    codes = np.full(len(coords), MplPath.LINETO, dtype=MplPath.code_type)
    codes[np.r_[0, np.flatnonzero(np.diff(index)) + 1]] = MplPath.MOVETO
    return MplPath(coords, codes)


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
    if "interchange" not in network.nodes.columns:
        return False
    # One marker per access interchange, as on the HTML maps; hubs are no way on.
    points = network.interchange_points()
    points = points.loc[~points["hub"].to_numpy(dtype=bool)].to_crs(network.edges.crs).geometry
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
    # Extents (x0, y0, x1, y1) of every seat marker and placed label, grown as labels are placed.
    taken = np.empty((len(to_display) + len(labels), 4))
    taken[: len(to_display)] = np.column_stack([to_display - radius, to_display + radius])
    count = len(to_display)
    for label in labels:
        best, best_overlap = _LABEL_PLACES[0], math.inf
        for place in _LABEL_PLACES:
            offset, ha, va = place
            label.set_position(offset)
            label.set_ha(ha)
            label.set_va(va)
            box = label.get_window_extent(renderer)
            overlap = _overlap_areas(box, taken[:count])
            if overlap < best_overlap:
                best, best_overlap = place, overlap
            if overlap == 0:
                break
        label.set_position(best[0])
        label.set_ha(best[1])
        label.set_va(best[2])
        taken[count] = label.get_window_extent(renderer).extents
        count += 1


def _overlap_areas(box: Bbox, others: np.ndarray) -> float:
    """Total area of ``box`` overlapping each of ``others`` (rows x0, y0, x1, y1)."""
    width = np.minimum(box.x1, others[:, 2]) - np.maximum(box.x0, others[:, 0])
    height = np.minimum(box.y1, others[:, 3]) - np.maximum(box.y0, others[:, 1])
    return float(np.sum(np.where((width > 0) & (height > 0), width * height, 0.0)))
