"""transnet: regional road-network planning for China's road classes.

Build a road network (embedded bundle, OpenStreetMap), apply a plan of project cards, measure
density, expressway coverage and travel times before and after, and check the plan against its
targets.

Examples
--------
>>> import transnet as tn
>>> study = tn.run_study("taixin")  # doctest: +SKIP
>>> study  # in Jupyter: headline metrics, caveats and the coloured target table  # doctest: +SKIP
>>> study.results.failed  # doctest: +SKIP

Step by step:

>>> bundle = tn.load_bundle("taixin")  # doctest: +SKIP
>>> region = tn.region_from_bundle(bundle)  # doctest: +SKIP
>>> before = tn.load_bundle_network(bundle)  # doctest: +SKIP
>>> # or: before = tn.network_from_osm_file("shanxi.osm.pbf", region=region)
>>> plan = tn.load_plan(bundle.path("plan"))  # doctest: +SKIP
>>> after = tn.apply_plan(before, plan).network  # doctest: +SKIP
>>> tn.evaluate_scenario(after, region)["density_per_100km2"]  # doctest: +SKIP
"""

from __future__ import annotations

__version__ = "0.1.0"

from transnet._errors import InputError, TransnetError
from transnet._progress import settings
from transnet.io.bundle import load_bundle
from transnet.io.network_store import load_network, save_network
from transnet.io.osm import network_from_osm, network_from_osm_file
from transnet.io.places import load_places, load_townships
from transnet.metrics import GradeCriterion, MetricSettings, evaluate_scenario
from transnet.network import RoadNetwork, network_from_lines
from transnet.plan import Plan, apply_plan, load_plan
from transnet.region import Region, region_from_bundle
from transnet.study import Study, load_bundle_network, run_study
from transnet.targets import evaluate_targets, load_targets

__all__ = [
    "GradeCriterion",
    "InputError",
    "MetricSettings",
    "Plan",
    "Region",
    "RoadNetwork",
    "Study",
    "TransnetError",
    "__version__",
    "apply_plan",
    "evaluate_scenario",
    "evaluate_targets",
    "load_bundle",
    "load_bundle_network",
    "load_network",
    "load_places",
    "load_plan",
    "load_targets",
    "load_townships",
    "network_from_lines",
    "network_from_osm",
    "network_from_osm_file",
    "region_from_bundle",
    "run_study",
    "save_network",
    "settings",
]
