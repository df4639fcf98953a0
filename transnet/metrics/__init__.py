"""Metrics of one scenario: density, coverage, Rural Access Index."""

from transnet.metrics.scenario import (
    COVERAGE_RULES,
    METRICS,
    CoverageRule,
    GradeCriterion,
    MetricSettings,
    clip_edges_to_counties,
    evaluate_scenario,
    grade_access,
    zone_density,
)

__all__ = [
    "COVERAGE_RULES",
    "METRICS",
    "CoverageRule",
    "GradeCriterion",
    "MetricSettings",
    "clip_edges_to_counties",
    "evaluate_scenario",
    "grade_access",
    "zone_density",
]
