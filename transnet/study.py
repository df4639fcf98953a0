"""A study: region, base network, plan and targets, evaluated before and after the plan."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd

from transnet._errors import InputError
from transnet.bundle import Bundle, load_bundle
from transnet.io import read_features
from transnet.metrics import evaluate_scenario
from transnet.network import RoadNetwork, network_from_lines
from transnet.plan import Plan, PlanResult, apply_plan, load_plan
from transnet.region import Region, region_from_bundle
from transnet.targets import DataAvailability, Target, TargetResult, evaluate_targets, load_targets

__all__ = ["Study", "load_bundle_network", "run_study"]


def load_bundle_network(bundle: Bundle) -> RoadNetwork:
    """Build the base network of a bundle from its line and interchange files.

    Raises
    ------
    InputError
        On a bad feature, naming the file, feature id and field.

    """
    lines_path = bundle.path("network")
    lines = read_features(lines_path)
    interchanges_path = bundle.path("interchanges")
    interchanges = read_features(interchanges_path) if interchanges_path else None
    metadata = {
        "source": f"bundle {bundle.name}: {lines_path.name}",
        "completeness": bundle.manifest.get("network_completeness", "complete"),
        "label": bundle.manifest.get("network_label", ""),
        "date": bundle.manifest.get("network_date", ""),
    }
    return network_from_lines(lines, interchanges, metadata=metadata, path=lines_path)


@dataclass
class Study:
    """Everything a run produces: inputs, the two scenarios, their metrics and target results.

    Attributes
    ----------
    bundle, region, plan, targets, townships
        The inputs (``townships`` may be None).
    before
        The base network.
    plan_result
        The "after" network and the per-card application log.
    metrics
        ``{"before": {...}, "after": {...}}`` as from :func:`transnet.metrics.evaluate_scenario`.
    results
        Target outcomes.

    """

    bundle: Bundle
    region: Region
    before: RoadNetwork
    plan: Plan
    plan_result: PlanResult
    targets: list[Target]
    metrics: dict[str, dict[str, Any]]
    results: list[TargetResult]
    targets_path: Path
    availability: DataAvailability = field(default_factory=DataAvailability)
    townships: gpd.GeoDataFrame | None = None

    @property
    def after(self) -> RoadNetwork:
        """The network with the plan applied."""
        return self.plan_result.network


def _coverage_parameters(targets: list[Target]) -> dict[str, Any]:
    """Read the coverage rule and distances from the targets that use them."""
    parameters: dict[str, Any] = {}
    for target in targets:
        if target.metric.startswith("township_grade") and "within_m" in target.params:
            parameters["township_within_m"] = float(target.params["within_m"])
        if target.metric.startswith("county_expressway_coverage"):
            if "rule" in target.params:
                parameters["coverage_rule"] = target.params["rule"]
            if "within_km" in target.params:
                parameters["seat_within_km"] = float(target.params["within_km"])
        if target.metric.startswith("county_grade1_coverage") and "within_km" in target.params:
            parameters["grade1_within_km"] = float(target.params["within_km"])
    return parameters


def run_study(
    bundle: str | Path | Bundle = "taixin",
    *,
    targets_path: str | Path | None = None,
    scenario: str | None = None,
    network: RoadNetwork | None = None,
    townships: gpd.GeoDataFrame | None = None,
) -> Study:
    """Load a bundle, apply its plan and evaluate both scenarios against the targets.

    Parameters
    ----------
    bundle
        Bundle name, folder, or a loaded :class:`~transnet.bundle.Bundle`.
    targets_path
        A targets file to use instead of the bundle's.
    scenario
        Evaluate every target on this scenario (``"before"`` or ``"after"``).
    network
        A base network to use instead of the bundle's schematic one.
    townships
        Township seats (``name``, points in WGS-84), e.g. from
        :func:`transnet.places.load_places`; township targets are evaluated when given.

    Returns
    -------
    Study

    Examples
    --------
    >>> study = run_study("taixin")  # doctest: +SKIP
    >>> study.metrics["after"]["density_per_100km2"]["expressway"]  # doctest: +SKIP

    """
    if not isinstance(bundle, Bundle):
        bundle = load_bundle(bundle)
    if scenario not in (None, "before", "after"):
        raise InputError(
            f"unknown scenario {scenario!r}; expected 'before' or 'after'", field="scenario"
        )
    targets_file = Path(targets_path) if targets_path else bundle.path("targets")
    targets = load_targets(targets_file)
    region = region_from_bundle(bundle)
    before = network if network is not None else load_bundle_network(bundle)
    plan = load_plan(bundle.path("plan"))
    plan_result = apply_plan(before, plan)
    parameters = _coverage_parameters(targets)
    metrics = {
        "before": evaluate_scenario(before, region, townships=townships, **parameters),
        "after": evaluate_scenario(plan_result.network, region, townships=townships, **parameters),
    }
    availability = DataAvailability(
        complete_network=before.metadata.get("completeness") == "complete",
        townships=townships is not None and len(townships) > 0,
    )
    results = evaluate_targets(targets, metrics, available=availability, scenario=scenario)
    return Study(
        bundle=bundle,
        region=region,
        before=before,
        plan=plan,
        plan_result=plan_result,
        targets=targets,
        metrics=metrics,
        results=results,
        targets_path=targets_file,
        availability=availability,
        townships=townships,
    )
