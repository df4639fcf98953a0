"""Scenario sweeps: many evaluations of one prepared base, serially or on Dask (issue 13).

- :mod:`~transnet.scenarios.runner`: where the evaluations run (serial, LocalCluster, cluster);
- :mod:`~transnet.scenarios.engine`: any subset of the plan's cards on one prepared base;
- :mod:`~transnet.scenarios.values`: the value of each project, alone and removed last;
- :mod:`~transnet.scenarios.prioritise`: the least-cost subset meeting the targets, the best
  under a budget, the frontier (exact with HiGHS, verified, against a greedy baseline);
- :mod:`~transnet.scenarios.output`: ``prioritise.json``, ``projects.csv``, the frontier plot.
"""

from transnet.scenarios.engine import ScenarioBase, ScenarioOutcome, evaluate_cards
from transnet.scenarios.prioritise import Choice, Prioritisation, prioritise
from transnet.scenarios.runner import ScenarioRunner, run_scenarios
from transnet.scenarios.values import ProjectValues, project_values

__all__ = [
    "Choice",
    "Prioritisation",
    "ProjectValues",
    "ScenarioBase",
    "ScenarioOutcome",
    "ScenarioRunner",
    "evaluate_cards",
    "prioritise",
    "project_values",
    "run_scenarios",
]
