"""Interactive scenario maps: roads by technical grade, plan projects, counties and caveats.

The maps follow the conventions of Chinese road-planning maps: one colour and line width per
technical grade, expressways heaviest (:mod:`transnet.viz.style`, shared with the PNG maps).
Plan projects are drawn on top, one line style per action, each with a popup showing its project
card; on a map of the base network they are only a faint layer of projects not yet built, off
until ticked. Counties are shaded by a chosen metric (:data:`CHOROPLETH_METRICS`) in
quantile classes (as :mod:`mapclassify` computes them), with a legend in its units. The caveats
the caller passes in ``notes`` (e.g. that the network is schematic or that some cards are
illustrative) are shown in a box that is always visible, never behind a click.

Maps work offline: :func:`save_map` inlines Leaflet's JavaScript and CSS (taken at run time from
the installed ``xstatic-leaflet`` package, never copied into this repository) and the maps need
no other script library. Only the base tiles come from the network (``tiles="none"`` draws
none). The pieces: :mod:`~transnet.viz.web.layers`, :mod:`~transnet.viz.web.boxes`,
:mod:`~transnet.viz.web.compare`, :mod:`~transnet.viz.web.tiles`,
:mod:`~transnet.viz.web.assets`, their HTML, CSS and JavaScript in ``transnet/viz/templates/``.

Every coordinate written to the HTML is in WGS-84, rounded to 5 decimals (about 1 m), except with
``tiles="gaode"``, where every overlay is converted to GCJ-02 so that it lines up with Gaode's
tiles.

Examples
--------
>>> check_map_options(tiles="none", tianditu_key=None, metric="seat_to_interchange_min")
>>> LAYER_NAMES["planned"]
'Planned projects (not built)'
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import folium
import geopandas as gpd
from branca.element import Figure
from folium.plugins import DualMap

from transnet._errors import InputError, TransnetError
from transnet._progress import progress
from transnet.network import RoadNetwork
from transnet.summary import caveats, township_points
from transnet.viz.style import (
    CHOROPLETH_METRICS,
    GRADE_STYLES,
    PLAN_ACTION_STYLES,
    county_values,
    metric_caption,
    study_classes,
)
from transnet.viz.web.assets import inline_assets, remote_assets
from transnet.viz.web.boxes import data_line, legend, legend_html, map_notes, notes_html, title_html
from transnet.viz.web.canvas import new_map, shading
from transnet.viz.web.compare import compare_map, study_deltas
from transnet.viz.web.geometry import interchange_frame
from transnet.viz.web.layers import LAYER_NAMES, Overlays, road_features
from transnet.viz.web.tiles import TILE_PROVIDERS, check_tiles
from transnet.viz.web.townships import add_townships, township_legend_markers

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
    planned: bool = False,
    tiles: str = "osm",
    tianditu_key: str | None = None,
    large_network_edges: int = 20_000,
    minor_roads_min_zoom: int = 11,
    townships: gpd.GeoDataFrame | None = None,
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
        column (:class:`transnet.viz.style.ChoroplethClasses`). Pass the same edges to maps
        that should be compared.
    choropleth_missing
        How counties with no value (shaded grey) are labelled, e.g. ``"unreachable"``.
    planned
        The plan is not built in ``network`` (a map of the base network): draw its alignments
        only as a faint dashed layer, "Planned projects (not built)", off until ticked in the
        layer control, not like built roads.
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
    townships
        Township seats as :func:`transnet.summary.township_points` gives them, drawn
        covered / not covered / not counted with a popup each
        (:func:`transnet.viz.web.townships.add_townships`); None draws none.

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
    >>> counties = region.counties.assign(
    ...     density_per_100km2=county_values(study, "after", "density_per_100km2"))
    >>> m = scenario_map(
    ...     study.after,
    ...     counties=counties,
    ...     seats=region.seats,
    ...     plan=plan.frame.merge(study.plan_result.log[["id", "outcome"]], on="id"),
    ...     title="太忻一体化经济区 — after the plan",
    ...     notes=["Network is SCHEMATIC: trunk roads drawn through real places"],
    ...     choropleth="density_per_100km2",
    ...     tiles="none",
    ... )
    >>> save_map(m, Path("after.html"))

    """
    provider, key = check_tiles(tiles, tianditu_key)
    gcj02 = provider == "gaode"
    large = len(network.edges) > large_network_edges
    layers = Overlays.prepare(
        counties=counties, seats=seats, plan=plan, gcj02=gcj02, choropleth=choropleth
    )
    roads = road_features(network, large=large, gcj02=gcj02)
    shaded = shading(
        layers.values(),
        bins=choropleth_bins,
        label=choropleth_label or metric_caption(choropleth),
        missing=choropleth_missing,
    )

    m = new_map(layers.bounds, provider=provider, key=key)
    grades = roads.grades
    layers.draw(
        m,
        roads,
        interchange_frame(network, gcj02=gcj02),
        grades=grades,
        shading=shaded,
        planned=planned,
        large=large,
        minor_min_zoom=minor_roads_min_zoom,
    )
    if townships is not None:
        add_townships(m, townships, gcj02=gcj02)
    folium.LayerControl(collapsed=False).add_to(m)

    root = m.get_root()
    root.html.add_child(folium.Element(title_html(title, data_line(network))))
    all_notes = [*notes, *map_notes(gcj02=gcj02, large=large, min_zoom=minor_roads_min_zoom)]
    if all_notes:
        root.html.add_child(folium.Element(notes_html(all_notes)))
    content = legend(
        grades, layers.plan, shaded, planned=planned, large=large, min_zoom=minor_roads_min_zoom
    )
    content["markers"] += township_legend_markers(townships)
    root.html.add_child(folium.Element(legend_html(content)))
    return m


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
        taken from the installed ``xstatic-leaflet`` package, so the page displays with no
        network; only base tiles, if any, are fetched. ``False`` loads Leaflet from its CDN.

    Raises
    ------
    TransnetError
        If ``self_contained`` and the page would still load a script or style sheet from the
        network (naming it), or Leaflet's files cannot be found.

    Examples
    --------
    >>> m = scenario_map(network, counties=region.counties, seats=region.seats, plan=None,
    ...                  title="Base", notes=[], tiles="none")
    >>> save_map(m, Path("base.html"))
    >>> save_map(m, Path("base-cdn.html"), self_contained=False)

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
    >>> m = scenario_map(network, counties=region.counties, seats=region.seats, plan=None,
    ...                  title="Base", notes=[], tiles="none")
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
        page = inline_assets(page)
        remote = remote_assets(page)
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
    >>> view = MapView(scenario_map(network, counties=region.counties, seats=region.seats,
    ...                             plan=None, title="Base", notes=[], tiles="none"))
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
        >>> view = MapView(scenario_map(network, counties=region.counties, seats=region.seats,
        ...                             plan=None, title="Base", notes=[], tiles="none"))
        >>> view.save("base.html")
        >>> view.save("base-cdn.html", self_contained=False)

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

    Counties are shaded by ``metric`` in the same classes on all three maps (and on the PNG maps,
    :func:`transnet.viz.style.study_classes`), so colours compare; counties whose seat cannot
    reach the target are grey, labelled "unreachable". ``before`` shows the base network, the
    plan's alignments only as a faint layer of projects not yet built, off until ticked;
    ``after`` draws the plan projects. The study's caveats (:func:`transnet.summary.caveats`)
    are always visible; ``compare.html`` adds a panel of metric deltas
    (:func:`transnet.summary.headline`).

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
    >>> Path("out").mkdir()
    >>> write_study_maps(study, Path("out"), tiles="none")
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
    >>> list(study_maps(study, tiles="none", which=("after", "before")))
    ['after', 'before']

    """
    check_map_options(tiles=tiles, tianditu_key=tianditu_key, metric=metric)
    unknown = [name for name in which if name not in ("before", "after", "compare")]
    if unknown:
        raise InputError(
            f"unknown map {unknown[0]!r}; expected before, after or compare", field="which"
        )
    provider, key = check_tiles(tiles, tianditu_key)
    plan = study.plan.frame.merge(study.plan_result.log[["id", "outcome"]], on="id", how="left")
    projects = study.projects_for_outputs()
    if projects is not None:
        ranks = projects[["id", "rank", "value", "value_per_100m_cny"]].rename(
            columns={"rank": "value_rank"}
        )
        plan = plan.merge(ranks.assign(value_of=len(ranks)), on="id", how="left")
    counties = study.region.counties.copy()
    columns = (f"{metric}_before", f"{metric}_after")
    for column, scenario in zip(columns, ("before", "after"), strict=True):
        counties[column] = county_values(study, scenario, metric)
    label = metric_caption(metric)
    missing = "unreachable" if metric.startswith("seat_to_") else "no data"
    common: dict[str, Any] = {
        "counties": counties,
        "seats": study.region.seats,
        "plan": plan,
        "notes": caveats(study),
        "choropleth_label": label,
        "choropleth_bins": study_classes(study, metric).bins or None,
        "choropleth_missing": missing,
        "tiles": provider,
        "tianditu_key": key,
    }
    name = study.region.name
    label_text = study.before.metadata.get("label", "")
    suffix = f" — {label_text.upper()}" if label_text else ""
    headings = {
        "before": (study.before, "before the plan (base network)", columns[0], True),
        "after": (study.after, "after the plan", columns[1], False),
    }
    towns = {scenario: township_points(study, scenario) for scenario in ("before", "after")}
    maps: dict[str, folium.Map | DualMap] = {}
    for which_map in progress(which, desc="Drawing maps", unit="map"):
        if which_map == "compare":
            maps["compare"] = compare_map(
                study.before,
                study.after,
                title=f"{name}: before and after the plan{suffix}",
                deltas=study_deltas(study),
                choropleth=columns,
                townships=(towns["before"], towns["after"]),
                **common,
            )
            continue
        network, heading, column, planned = headings[which_map]
        maps[which_map] = scenario_map(
            network,
            title=f"{name}: {heading}{suffix}",
            choropleth=column,
            planned=planned,
            townships=towns[which_map],
            **common,
        )
    return maps


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
    check_tiles(tiles, tianditu_key)
