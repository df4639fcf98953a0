"""Metrics of one scenario: density, coverage, Rural Access Index, as typed records."""

from transnet.metrics.coverage import grade_access
from transnet.metrics.density import ZoneDensity, clip_edges_to_counties, zone_density
from transnet.metrics.records import (
    RAI,
    CountyExpresswayCoverage,
    CountyRecord,
    GradeCoverage,
    PlaceRecord,
    ScenarioMetrics,
    Share,
)
from transnet.metrics.scenario import METRICS, evaluate_scenario
from transnet.metrics.settings import COVERAGE_RULES, CoverageRule, GradeCriterion, MetricSettings

__all__ = [
    "COVERAGE_RULES",
    "METRICS",
    "RAI",
    "CountyExpresswayCoverage",
    "CountyRecord",
    "CoverageRule",
    "GradeCoverage",
    "GradeCriterion",
    "MetricSettings",
    "PlaceRecord",
    "ScenarioMetrics",
    "Share",
    "ZoneDensity",
    "clip_edges_to_counties",
    "evaluate_scenario",
    "grade_access",
    "zone_density",
]
