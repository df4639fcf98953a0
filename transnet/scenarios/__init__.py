"""Scenario sweeps: many evaluations of one prepared base, serially or on Dask (issue 13)."""

from transnet.scenarios.runner import ScenarioRunner, run_scenarios

__all__ = ["ScenarioRunner", "run_scenarios"]
