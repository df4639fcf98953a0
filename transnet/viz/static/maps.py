"""The public functions of the static maps: :func:`static_map` and :func:`write_static_maps`.

:func:`static_map` checks its inputs, lays out the page (:mod:`~transnet.viz.static.figure`),
draws the layers (:mod:`~transnet.viz.static.layers`) and then the map furniture
(:mod:`~transnet.viz.static.furniture`); :func:`write_static_maps` saves both scenarios as PNG.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from transnet._errors import InputError, format_number
from transnet.summary import caveats, township_points
from transnet.viz.static.figure import _SIDE_COLUMN, _axes_width_in, _new_figure, _root_figure
from transnet.viz.static.furniture import (
    _add_caveats,
    _add_colorbar,
    _add_legend,
    _add_north_arrow,
    _add_scale_bar,
    _add_titles,
)
from transnet.viz.static.layers import (
    _draw_counties,
    _draw_interchanges,
    _draw_plan,
    _draw_planned,
    _draw_roads,
    _draw_seats,
)
from transnet.viz.static.text import _displayable
from transnet.viz.static.townships import draw_townships
from transnet.viz.style import county_values, study_classes

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from transnet.study import Study

__all__ = ["SCENARIOS", "metric_names", "static_map", "write_static_maps"]


#: The scenarios a study maps, in order.
SCENARIOS: tuple[str, ...] = ("before", "after")

_HEADINGS = {"before": "before the plan (base network)", "after": "after the plan"}

_BACKGROUND = "#f4f4f1"


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
    towns = township_points(study, scenario)
    township_entries = draw_townships(ax, None if towns is None else towns.to_crs(crs))
    _draw_seats(ax, study.region.seats.to_crs(crs), study.region.counties)

    side_width = _SIDE_COLUMN - 0.2
    missing = values is not None and bool(values.isna().any())
    _add_legend(
        ax,
        grades,
        has_ramps,
        actions,
        has_interchanges,
        missing=missing,
        planned=planned,
        extra=township_entries,
    )
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
        raise InputError(f"dpi must be a positive number, got {format_number(dpi)}", field="dpi")
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
