"""A study: region, base network, plan and targets, evaluated before and after the plan."""

from __future__ import annotations

import html
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from transnet import options
from transnet._errors import InputError, TransnetWarning, expect_type
from transnet._memory import release_freed_memory
from transnet.attribution import SeatAttribution, attribute_seat_minutes
from transnet.io.bundle import Bundle, load_bundle
from transnet.io.files import read_features
from transnet.io.places import load_places, load_townships
from transnet.metrics import MetricSettings, ScenarioMetrics, evaluate_scenario, zone_density
from transnet.network import RoadNetwork, network_from_lines
from transnet.phasing import Phasing, evaluate_phasing, with_years
from transnet.plan import Plan, PlanResult, apply_plan, load_plan
from transnet.region import (
    Region,
    cards_share_inside,
    check_network_extent,
    region_from_bundle,
)
from transnet.summary import caveats, county_table, data_notes, headline_frame, illustrative_cards
from transnet.targets import (
    DataAvailability,
    Target,
    TargetResults,
    evaluate_targets,
    load_targets_file,
    settings_from_targets,
    verdict,
)

__all__ = ["Study", "load_bundle_network", "run_study"]


def load_bundle_network(bundle: Bundle) -> RoadNetwork:
    """Build the base network of a bundle from its line and interchange files.

    Parameters
    ----------
    bundle
        A loaded bundle; its manifest names the ``network`` (lines) and ``interchanges``
        (points) files and may describe the network (``network_completeness``,
        ``network_label``, ``network_date``, ``network_caveat``).

    Returns
    -------
    RoadNetwork
        Built by :func:`~transnet.network.network_from_lines`; its metadata carries the
        manifest's description of the network.

    Raises
    ------
    InputError
        On a bad feature, naming the file, feature id and field; for a bundle whose network is
        a GeoPackage not built yet, naming it and the ``transnet build`` command that makes it.

    Examples
    --------
    >>> network = load_bundle_network(bundle)
    >>> network.metadata["completeness"], network.metadata["label"]
    ('trunk_only', 'schematic')
    >>> int(network.nodes["interchange"].sum()) > 0
    True

    """
    lines_path = bundle.path("network")
    if lines_path.suffix.lower() == ".gpkg":
        if not lines_path.is_file():
            raise InputError(
                f"the bundle has no road network yet: {lines_path.name} is missing; build it "
                f"with `transnet build --source FILE --bundle {bundle.folder}` (FILE: a road "
                "file of the region such as an .osm.pbf extract, or 'osm' to download; see "
                "`transnet build --help`), then run again",
                path=lines_path,
                field="network",
            )
        from transnet.io.network_store import load_network

        return load_network(lines_path)
    lines = read_features(lines_path)
    interchanges_path = bundle.path("interchanges")
    interchanges = read_features(interchanges_path) if interchanges_path else None
    metadata = {
        "source": f"bundle {bundle.name}: {lines_path.name}",
        "completeness": bundle.manifest.get("network_completeness", "complete"),
        "label": bundle.manifest.get("network_label", ""),
        "date": bundle.manifest.get("network_date", ""),
        "caveat": bundle.manifest.get("network_caveat", ""),
    }
    return network_from_lines(lines, interchanges, metadata=metadata, path=lines_path)


@dataclass
class Study:
    """Everything a run produces: inputs, the two scenarios, their metrics and target results.

    Attributes
    ----------
    bundle, region, plan, targets, townships, pois
        The inputs (``townships`` and ``pois`` may be None).
    before
        The base network.
    plan_result
        The "after" network and the per-card application log.
    metrics
        ``{"before": ScenarioMetrics, "after": ScenarioMetrics}``
        (:func:`transnet.metrics.evaluate_scenario`).
    results
        Target outcomes.
    settings
        The metric settings read from the targets file.
    attribution
        Minutes from each seat to an interchange before and after, and the projects that
        change them (see :func:`transnet.attribution.attribute_seat_minutes`).
    sensitivity
        Length and density after the plan without the cards whose provenance or alignment is
        illustrative, so a reader sees how much of a result rests on stand-in data.
    cards_inside
        How much of each plan card lies inside the region: ``id``, ``length_km``,
        ``share_inside`` (0–1) and ``beyond_km`` (see
        :func:`transnet.region.cards_share_inside`).
    phasing
        The targets in each year from the base year to the horizon, and the first year each
        is met (:class:`transnet.phasing.Phasing`); None when not asked for.

    Examples
    --------
    In Jupyter a study shows its headline metrics, caveats and the coloured target table:

    >>> study = run_study("taixin")  # doctest: +SKIP
    >>> study  # doctest: +SKIP
    >>> study.compare()  # doctest: +SKIP
    >>> study.results.failed  # doctest: +SKIP

    """

    bundle: Bundle
    region: Region
    before: RoadNetwork
    plan: Plan
    plan_result: PlanResult
    targets: list[Target]
    metrics: dict[str, ScenarioMetrics]
    results: TargetResults
    targets_path: Path
    settings: MetricSettings
    attribution: SeatAttribution
    sensitivity: dict[str, Any]
    availability: DataAvailability = field(default_factory=DataAvailability)
    cards_inside: pd.DataFrame = field(default_factory=pd.DataFrame)
    townships: gpd.GeoDataFrame | None = None
    pois: gpd.GeoDataFrame | None = None
    phasing: Phasing | None = None

    @property
    def after(self) -> RoadNetwork:
        """The network with the plan applied.

        Examples
        --------
        >>> study = run_study("taixin")  # doctest: +SKIP
        >>> study.after is study.plan_result.network  # doctest: +SKIP
        True

        """
        return self.plan_result.network

    def compare(self) -> pd.DataFrame:
        """Return the headline figures before and after the plan, and the change.

        Returns
        -------
        pandas.DataFrame
            :func:`transnet.summary.headline_frame`.

        Examples
        --------
        >>> study.compare().loc["expressway_km", ["before", "after"]].tolist()  # doctest: +SKIP
        """
        return headline_frame(self)

    def map(
        self,
        scenario: str = "after",
        *,
        tiles: str = "osm",
        metric: str = "seat_to_interchange_min",
        tianditu_key: str | None = None,
    ):
        """Return the map of ``"before"``, ``"after"`` or ``"compare"``; it shows inline.

        The map is self-contained (Leaflet inlined), so it displays in a notebook with no
        network; ``.map`` holds the Folium object and ``.save(path)`` writes it.

        Examples
        --------
        >>> run_study("taixin").map("compare", tiles="none")  # doctest: +SKIP
        """
        from transnet.viz.web import MapView, study_maps  # folium only when a map is asked for

        maps = study_maps(
            self, tiles=tiles, tianditu_key=tianditu_key, metric=metric, which=(scenario,)
        )
        return MapView(maps[scenario])

    def project_values(self, *, workers: int | None = None, scheduler: str | None = None):
        """Measure the value of each project (alone and removed last), once; see :attr:`projects`.

        Two evaluations per card that changed the network, serially or on Dask
        (``workers``: a local cluster; ``scheduler``: an existing one). The result is kept:
        later calls and :attr:`projects` reuse it.

        Returns
        -------
        transnet.scenarios.ProjectValues

        Examples
        --------
        >>> values = study.project_values()
        >>> values.targets
        ['expressway_density', 'county_expressway', 'county_grade1', 'poi_grade2']
        """
        cached = self.__dict__.get("_project_values")
        if cached is None:
            from transnet.scenarios import ScenarioBase, ScenarioRunner, project_values

            base = ScenarioBase.from_study(self)
            with ScenarioRunner(base, workers=workers, scheduler=scheduler) as runner:
                cached = project_values(base, runner=runner)
            self.__dict__["_project_values"] = cached
        return cached

    @property
    def projects(self) -> pd.DataFrame:
        """The value of each project: one row per card, ranked by value per 亿元.

        Computed on first use (two scenario evaluations per card; a few seconds on the bundle),
        then kept. Columns and order: :mod:`transnet.scenarios.values`; sort by any column
        with ``sort_values``.

        Examples
        --------
        >>> study.projects[["rank", "id", "value_per_100m_cny"]].head(2)
           rank  id  value_per_100m_cny
        0     1  E5            0.003692
        1     2  E8            0.003692
        >>> study.projects.sort_values("expressway_km_alone", ascending=False)["id"].iloc[0]
        'E3'
        """
        return self.project_values().table

    def projects_for_outputs(self) -> pd.DataFrame | None:
        """Return :attr:`projects` if already computed or cheap to compute, else None.

        Cheap: at most :data:`~transnet.options.REPORT_PROJECT_VALUES_MAX_EDGE_EVALUATIONS`
        (two evaluations per card that changed the network, times the edges). The report and
        the maps rank the projects only then, so that ``transnet run`` stays quick on a
        province; ``transnet prioritise`` always ranks them. None for a plan without cards.

        Examples
        --------
        >>> study.projects_for_outputs()["id"].tolist()[:2]
        ['E5', 'E8']
        """
        if not self.plan.cards:
            return None
        if "_project_values" not in self.__dict__:
            log = self.plan_result.log
            changed = int(log["outcome"].isin(["added", "modified"]).sum())
            cost = (2 + 2 * changed) * len(self.after.edges)
            if cost > options.REPORT_PROJECT_VALUES_MAX_EDGE_EVALUATIONS:
                return None
        return self.projects

    def county_table(self) -> pd.DataFrame:
        """Return per-county metrics before and after (as in ``metrics_by_county.csv``).

        Returns
        -------
        pandas.DataFrame
            See :func:`transnet.summary.county_table`.

        Examples
        --------
        >>> study.county_table().set_index("name")["expressway_km_after"]  # doctest: +SKIP

        """
        return county_table(self)

    def _repr_html_(self) -> str:
        notes = "".join(f"<li>{html.escape(note)}</li>" for note in caveats(self))
        return (
            f"<h4>{html.escape(self.region.name)}</h4>"
            f"<ul style='color:#8a2b2b'>{notes}</ul>"
            f"{self.compare().to_html()}"
            f"<h5>Targets</h5>{self.results._repr_html_()}"
        )


def _without_illustrative(
    before: RoadNetwork, plan: Plan, region: Region, result: PlanResult | None = None
) -> dict[str, Any]:
    """Zone length and density after the plan without cards drawn or invented as stand-ins.

    With ``result`` (the plan applied to ``before``), those cards are undone in its network
    (:meth:`~transnet.plan.PlanResult.without`) rather than the plan applied again.
    """
    left_out = illustrative_cards(plan.frame)["all"]
    network = result.without(left_out) if result is not None else None
    if network is None:
        network = apply_plan(before, plan.without(left_out)).network
    density = zone_density(network, region)
    return {
        "cards_left_out": left_out,
        "length_km": density.length_km,
        "density_per_100km2": density.density_per_100km2,
    }


def _flag_verdicts_resting_on_illustrative_cards(
    results: TargetResults, targets: list[Target], sensitivity: dict[str, Any]
) -> None:
    """Note on a length or density target when its verdict flips without illustrative cards."""
    by_id = {t.id: t for t in targets}
    for result in results:
        family, _, key = result.metric.partition(".")
        if result.scenario != "after" or result.status == "not_evaluated":
            continue
        if family not in ("length_km", "density_per_100km2") or not sensitivity["cards_left_out"]:
            continue
        without = sensitivity[family][key]
        if verdict(by_id[result.id], without) != result.status:
            note = (
                f"{'passes' if result.status == 'pass' else 'fails'} only with the illustrative "
                f"cards and alignments; without them: {without:g}"
            )
            result.reason = "; ".join(filter(None, [result.reason, note]))


def _check_places(places: gpd.GeoDataFrame, region: Region, kind: str) -> None:
    """Refuse places that cannot be used: none at all, no usable point, or outside the region.

    A file of places that yields no point must not run as if no file were given, and a place
    outside the region means a wrong CRS or a wrong file: never silently dropped.
    """
    source = places.attrs.get("source")
    if places.crs is None:
        raise InputError(f"{kind} have no CRS", path=source, field="crs")
    if places.empty:
        raise InputError(
            f"the file yields no {kind}; expected at least one point in the region",
            path=source,
            field="geometry",
        )
    geometry = places.geometry
    coords = geometry.get_coordinates()
    bad_xy = coords.index[~np.isfinite(coords.to_numpy()).all(axis=1)]
    unusable = geometry.isna() | geometry.is_empty | geometry.index.isin(bad_xy)
    if unusable.any():
        record = _place_record(places, int(np.flatnonzero(unusable.to_numpy())[0]))
        count = (
            f"none of the {len(places)} {kind} has a usable point"
            if unusable.all()
            else f"{int(unusable.sum())} of the {len(places)} {kind} have no usable point"
        )
        raise InputError(
            f"{count} (missing, empty or not-a-number coordinates); expected "
            "a lon/lat point for each",
            path=source,
            record=record,
            field="geometry",
        )
    outline = gpd.GeoSeries([region.outline], crs=region.counties.crs).to_crs(places.crs).iloc[0]
    shapely.prepare(outline)
    outside = pd.Series(~shapely.contains(outline, places.geometry.values), index=places.index)
    if outside.any():
        position = int(np.flatnonzero(outside.to_numpy())[0])
        record = _place_record(places, position)
        point = places.geometry.iloc[position]
        raise InputError(
            f"{int(outside.sum())} of {len(places)} {kind} lie outside the region "
            f"(first: {record!r} at {point.x:.5f}, {point.y:.5f}); "
            "check the coordinates and their CRS (WGS-84 lon/lat, or --crs gcj02)",
            path=source,
            record=record,
            field="geometry",
        )


def _place_record(places: gpd.GeoDataFrame, position: int) -> str:
    """Return a place's name for messages, else ``feature <position>``."""
    name = places["name"].iloc[position] if "name" in places.columns else None
    return str(name) if isinstance(name, str) and name else f"feature {position}"


def run_study(
    bundle: str | Path | Bundle = "taixin",
    *,
    targets_path: str | Path | None = None,
    scenario: str | None = None,
    network: RoadNetwork | None = None,
    townships: gpd.GeoDataFrame | None = None,
    pois: gpd.GeoDataFrame | None = None,
    phasing: bool = True,
    years: tuple[int, int] | None = None,
    allow_empty_plan: bool = True,
) -> Study:
    """Load a bundle, apply its plan and evaluate both scenarios against the targets.

    Parameters
    ----------
    bundle
        Bundle name, folder, or a loaded :class:`~transnet.io.bundle.Bundle`.
    targets_path
        A targets file to use instead of the bundle's.
    scenario
        Evaluate every target on this scenario (``"before"`` or ``"after"``).
    network
        A base network to use instead of the bundle's schematic one.
    townships
        Township seats (``name``, points in WGS-84), e.g. from
        :func:`transnet.io.places.load_places`; township targets are evaluated when given.
        Default: the bundle's ``townships`` file, if it has one.
    pois
        Points of interest (scenic spots, development zones); default: the bundle's ``pois``
        file, if it has one.
    phasing
        Also evaluate the targets in each year from the base year to the horizon
        (:func:`transnet.phasing.evaluate_phasing`; the targets file's ``phasing:`` section).
    years
        ``(base_year, horizon_year)`` instead of the targets file's (default 2022–2025).
    allow_empty_plan
        Accept a plan without cards (a new bundle: "after" is the base network), with a
        warning; False refuses it (``transnet check``: a gate with no plan checks nothing).

    Returns
    -------
    Study

    Raises
    ------
    InputError
        On bad input, naming the file, record and field; among others (see
        :mod:`transnet.region`): a network that does not cover the region, a plan card wholly
        outside it, a townships or POI file with no usable point or a point outside the region.

    Warns
    -----
    TransnetWarning
        For a plan card running far beyond the region, a county with no road, an upgrade or
        widening card that matches no road, a card whose year is before that of a card it
        requires.

    Examples
    --------
    >>> study = run_study("taixin")  # doctest: +SKIP
    >>> study.metrics["after"].density_per_100km2["expressway"]  # doctest: +SKIP

    """
    expect_type(bundle, (str, Path, Bundle), "bundle")
    if network is not None:
        expect_type(network, RoadNetwork, "network")
    for name, places in (("townships", townships), ("pois", pois)):
        if places is not None:
            expect_type(places, gpd.GeoDataFrame, name)
    if not isinstance(bundle, Bundle):
        bundle = load_bundle(bundle)
    if scenario not in (None, "before", "after"):
        raise InputError(
            f"unknown scenario {scenario!r}; expected 'before' or 'after'", field="scenario"
        )
    targets_file = load_targets_file(targets_path or bundle.path("targets"))
    settings = settings_from_targets(targets_file)
    region = region_from_bundle(bundle)
    if pois is None and bundle.path("pois") is not None:
        pois = load_places(bundle.path("pois"))
    if townships is None and bundle.path("townships") is not None:
        townships = load_townships(bundle.path("townships"), region=region)
    for places, kind in ((townships, "township seats"), (pois, "points of interest")):
        if places is not None:
            _check_places(places, region, kind)
    before = network if network is not None else load_bundle_network(bundle)
    check_network_extent(
        before,
        region,
        source=before.metadata.get("file") or before.metadata.get("source"),
        min_share_inside=options.NETWORK_MIN_SHARE_INSIDE,
        min_county_share=options.NETWORK_MIN_COUNTY_SHARE,
    )
    plan = load_plan(bundle.path("plan"), allow_empty=allow_empty_plan)
    cards_inside = cards_share_inside(plan, region)
    plan_result = apply_plan(before, plan)
    metrics = {}
    for name, scenario_network in (("before", before), ("after", plan_result.network)):
        release_freed_memory()
        metrics[name] = evaluate_scenario(
            scenario_network, region, settings=settings, townships=townships, pois=pois
        )
    release_freed_memory()
    availability = DataAvailability(
        complete_network=before.metadata.get("completeness") == "complete",
        townships=townships is not None and len(townships) > 0,
        pois=pois is not None and len(pois) > 0,
        notes=data_notes(bundle, before, pois),
        network_completeness=str(before.metadata.get("completeness", "complete")),
    )
    results = evaluate_targets(
        targets_file.targets, metrics, available=availability, scenario=scenario
    )
    with warnings.catch_warnings():
        # Both re-apply the plan without some cards: its warnings were given above.
        warnings.simplefilter("ignore", TransnetWarning)
        attribution = attribute_seat_minutes(before, plan, plan_result, region, settings=settings)
        release_freed_memory()
        sensitivity = _without_illustrative(before, plan, region, plan_result)
    release_freed_memory()
    _flag_verdicts_resting_on_illustrative_cards(results, targets_file.targets, sensitivity)
    phased = None
    if phasing:
        phased = evaluate_phasing(
            before,
            plan,
            region,
            targets_file.targets,
            settings=settings,
            availability=availability,
            phasing=with_years(targets_file.phasing, years),
            townships=townships,
            pois=pois,
            known={
                frozenset(): metrics["before"],
                frozenset(card.id for card in plan.cards): metrics["after"],
            },
            settings_path=targets_file.path,
            in_base=plan_result.log.loc[
                plan_result.log["outcome"] == "already_in_base", "id"
            ].tolist(),
        )
    return Study(
        bundle=bundle,
        region=region,
        before=before,
        plan=plan,
        plan_result=plan_result,
        targets=targets_file.targets,
        metrics=metrics,
        results=results,
        targets_path=targets_file.path,
        settings=settings,
        attribution=attribution,
        sensitivity=sensitivity,
        availability=availability,
        cards_inside=cards_inside,
        townships=townships,
        pois=pois,
        phasing=phased,
    )
