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
>>> # or: before = tn.network_from_road_layer("路网.shp", region=region)
>>> plan = tn.load_plan(bundle.path("plan"))  # doctest: +SKIP
>>> after = tn.apply_plan(before, plan).network  # doctest: +SKIP
>>> tn.evaluate_scenario(after, region)["density_per_100km2"]  # doctest: +SKIP
"""

from __future__ import annotations

__version__ = "0.1.0"

from transnet._errors import InputError, TransnetError
from transnet._progress import settings

#: Public name → the module that defines it. Imported on first use (PEP 562), so
#: ``import transnet`` and ``transnet check --help`` stay fast and never load the map stack.
_LAZY = {
    "GradeCriterion": "transnet.metrics",
    "MetricSettings": "transnet.metrics",
    "ScenarioMetrics": "transnet.metrics",
    "evaluate_scenario": "transnet.metrics",
    "Plan": "transnet.plan",
    "apply_plan": "transnet.plan",
    "load_plan": "transnet.plan",
    "Region": "transnet.region",
    "region_from_bundle": "transnet.region",
    "RoadNetwork": "transnet.network",
    "network_from_lines": "transnet.network",
    "Phasing": "transnet.phasing",
    "evaluate_phasing": "transnet.phasing",
    "Study": "transnet.study",
    "load_bundle_network": "transnet.study",
    "run_study": "transnet.study",
    "evaluate_targets": "transnet.targets",
    "load_targets": "transnet.targets",
    "load_bundle": "transnet.io.bundle",
    "load_network": "transnet.io.network_store",
    "save_network": "transnet.io.network_store",
    "load_places": "transnet.io.places",
    "load_townships": "transnet.io.places",
    "network_from_osm": "transnet.io.osm",
    "network_from_osm_file": "transnet.io.osm",
    "init_bundle": "transnet.admin",
    "region_from_codes": "transnet.admin",
    "region_from_file": "transnet.admin",
    "network_from_road_layer": "transnet.io.road_layer_network",
    "read_road_layer": "transnet.io.road_layers",
}


def __getattr__(name: str):
    if name not in _LAZY:
        raise AttributeError(f"module 'transnet' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(_LAZY[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})


__all__ = [
    "GradeCriterion",
    "InputError",
    "MetricSettings",
    "Plan",
    "Region",
    "RoadNetwork",
    "ScenarioMetrics",
    "Study",
    "TransnetError",
    "__version__",
    "apply_plan",
    "evaluate_scenario",
    "evaluate_targets",
    "init_bundle",
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
    "network_from_road_layer",
    "read_road_layer",
    "region_from_bundle",
    "region_from_codes",
    "region_from_file",
    "run_study",
    "save_network",
    "settings",
]
