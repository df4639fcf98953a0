"""transnet: regional road-network planning for China's road classes.

Build a road network (embedded bundle, OpenStreetMap), apply a plan of project cards, measure
density and expressway coverage before and after, and check the plan against its targets.
"""

from __future__ import annotations

__version__ = "0.1.0"

from transnet._errors import InputError, TransnetError
from transnet.bundle import load_bundle
from transnet.network import RoadNetwork, network_from_lines
from transnet.plan import apply_plan, load_plan
from transnet.study import Study, run_study
from transnet.targets import evaluate_targets, load_targets

__all__ = [
    "InputError",
    "RoadNetwork",
    "Study",
    "TransnetError",
    "__version__",
    "apply_plan",
    "evaluate_targets",
    "load_bundle",
    "load_plan",
    "load_targets",
    "network_from_lines",
    "run_study",
]
