"""The scenario runner (serial, local Dask cluster, unreachable scheduler) and the engine."""

from __future__ import annotations

import json
import shutil
import warnings
from pathlib import Path

import pytest

from transnet._errors import InputError, TransnetWarning
from transnet.io.bundle import load_bundle
from transnet.scenarios import (
    ScenarioBase,
    ScenarioRunner,
    evaluate_cards,
    project_values,
    run_scenarios,
)
from transnet.study import run_study


def _offset_times(shared: dict, item: int) -> int:
    return shared["offset"] + shared["factor"] * item


def test_serial_runner_keeps_the_order_of_the_items():
    assert run_scenarios(_offset_times, [3, 1, 2], shared={"offset": 1, "factor": 10}) == [
        31,
        11,
        21,
    ]


def test_local_cluster_gives_the_serial_results_and_scatters_the_base_once():
    shared = {"offset": 5, "factor": 2}
    items = list(range(12))
    serial = run_scenarios(_offset_times, items, shared=shared)
    with ScenarioRunner(shared, workers=2, processes=False) as runner:
        first = runner.map(_offset_times, items)
        second = runner.map(_offset_times, items[::-1])
        assert runner.where == "local cluster of 2 workers"
        holders = runner._client.who_has()[runner._shared_future.key]
    assert first == serial
    assert second == serial[::-1]
    assert len(holders) == 2  # broadcast to both workers, once for both sweeps


def test_an_unreachable_scheduler_is_bad_input_with_a_hint():
    runner = ScenarioRunner({}, scheduler="tcp://127.0.0.1:9", timeout_s=1)
    with pytest.raises(InputError, match="--workers") as caught:
        runner.__enter__()
    assert caught.value.field == "scheduler"


@pytest.mark.parametrize("workers", [0, -1, True, 1.5])
def test_a_bad_number_of_workers_is_bad_input(workers):
    with pytest.raises(InputError, match="--workers"):
        ScenarioRunner({}, workers=workers)


# The engine: a subset evaluated on the prepared base equals the real pipeline.


@pytest.fixture(scope="module")
def base(bundle_study) -> ScenarioBase:
    return ScenarioBase.from_study(bundle_study)


def _bundle_with_plan(folder: Path, cards: tuple[str, ...]) -> Path:
    shutil.copytree(load_bundle("taixin").folder, folder)
    path = folder / "plan.geojson"
    document = json.loads(path.read_text(encoding="utf-8"))
    document["features"] = [f for f in document["features"] if f["properties"]["id"] in cards]
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return folder


@pytest.mark.parametrize(
    "cards",
    [
        ("E1", "E3", "N7", "N12"),
        ("E1", "E2", "E3", "E4", "E5", "E6", "E7", "E8", "N1", "N2", "N3", "N5", "N10"),
    ],
    ids=["four-cards", "all-but-some"],
)
def test_a_subset_on_the_prepared_base_equals_run_study_on_that_plan(base, tmp_path, cards):
    outcome = base.evaluate(cards)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TransnetWarning)
        real = run_study(_bundle_with_plan(tmp_path / "bundle", cards))
    assert outcome.cards == cards
    assert outcome.values == {r.id: r.value for r in real.results}
    assert outcome.statuses == {r.id: r.status for r in real.results}
    mine, theirs = outcome.metrics, real.metrics["after"]
    assert mine.length_km == pytest.approx(theirs.length_km, abs=1e-6)
    assert [r.seat_to_interchange_min for r in mine.counties] == pytest.approx(
        [r.seat_to_interchange_min for r in theirs.counties], abs=0.011
    )
    assert [r.covered for r in mine.pois] == [r.covered for r in theirs.pois]


def test_unknown_card_in_a_subset_is_bad_input_with_a_hint(base):
    with pytest.raises(InputError, match="did you mean 'E1'"):
        base.evaluate(["E1x"])


def test_project_values_are_identical_serial_and_on_a_local_dask_cluster(base):
    serial = project_values(base)
    # Threads of this process (processes=False): worker processes cost seconds to start on a
    # shared 2-core machine; the CLI test below runs real worker processes.
    with ScenarioRunner(base, workers=2, processes=False) as runner:
        on_dask = project_values(base, runner=runner)
    assert on_dask.table.equals(serial.table)
    assert on_dask.evaluations == serial.evaluations == 2 + 2 * len(base.changed_ids)


def test_subsets_on_dask_come_back_in_order(base):
    subsets = [(), ("E3",), ("E3", "E5"), base.card_ids]
    serial = run_scenarios(evaluate_cards, subsets, shared=base)
    with ScenarioRunner(base, workers=2, processes=False) as runner:
        on_dask = runner.map(evaluate_cards, subsets)
    assert [o.values for o in on_dask] == [o.values for o in serial]
    assert [o.cards for o in on_dask] == [tuple(s) for s in subsets]


_BENCH_PLAN = Path(__file__).parents[1] / "benchmarks" / "bench_plan.py"


@pytest.fixture(scope="module")
def grid_base() -> ScenarioBase:
    """A 4,000-edge synthetic grid with 40 cards, townships and POIs, prepared once."""
    import importlib.util
    import sys

    import geopandas as gpd
    import numpy as np

    from transnet.metrics import MetricSettings, evaluate_scenario
    from transnet.plan import apply_plan
    from transnet.region import Region
    from transnet.targets import DataAvailability, Target
    from transnet.testing import synthetic_network

    spec = importlib.util.spec_from_file_location("bench_plan", _BENCH_PLAN)
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_plan"] = module
    spec.loader.exec_module(module)
    grid = synthetic_network(4000)
    plan = module.synthetic_plan(4000, 40)
    region = Region(name="grid", counties=grid.counties, seats=grid.seats)
    x0, y0, x1, y1 = grid.network.edges.total_bounds
    rng = np.random.default_rng(3)

    def places(n: int, prefix: str) -> gpd.GeoDataFrame:
        xy = rng.uniform([x0, y0], [x1, y1], size=(n, 2))
        return gpd.GeoDataFrame(
            {"name": [f"{prefix}{i}" for i in range(n)]},
            geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]),
            crs=grid.network.crs,
        )

    townships, pois = places(60, "T"), places(20, "P")
    settings = MetricSettings(county_rule="seat_within_min", seat_within_min=10.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TransnetWarning)
        result = apply_plan(grid.network, plan)
    kwargs = {"settings": settings, "townships": townships, "pois": pois}
    before = evaluate_scenario(grid.network, region, **kwargs)
    after = evaluate_scenario(result.network, region, **kwargs)
    metrics = [
        "density_per_100km2.expressway",
        "density_per_100km2.1",
        "county_expressway_coverage.share",
        "county_grade1_coverage.share",
        "township_grade2_coverage.share",
        "township_grade3_coverage.share",
        "poi_grade2_coverage.share",
        "rai.network_share",
    ]
    targets = [Target(id=m, metric=m, op=">=", threshold=0.5) for m in metrics]
    return ScenarioBase(
        before=grid.network,
        plan=plan,
        result=result,
        region=region,
        settings=settings,
        targets=targets,
        availability=DataAvailability(complete_network=True, townships=True, pois=True),
        base_metrics=before,
        full_metrics=after,
        townships=townships,
        pois=pois,
    )


def _subsets(base: ScenarioBase) -> list[tuple[str, ...]]:
    import numpy as np

    rng = np.random.default_rng(11)
    ids = base.card_ids
    changed = base.changed_ids
    picks = [tuple(rng.choice(ids, size=k, replace=False)) for k in (5, 20, 35)]
    single = [(changed[0],), (changed[len(changed) // 2],)]
    all_but = [tuple(c for c in ids if c != changed[i]) for i in (1, -1)]
    return [*single, *all_but, *picks]


def test_the_undone_network_is_the_one_plan_result_without_gives(grid_base):
    import pandas as pd

    undone = 0
    for subset in _subsets(grid_base):
        left_out = [c for c in grid_base.card_ids if c not in subset]
        slow = grid_base.result.without(left_out)
        fast, reapplied = grid_base.network(subset)
        assert reapplied == (slow is None)
        if slow is not None:
            undone += 1
            pd.testing.assert_frame_equal(fast.edges, slow.edges)
            pd.testing.assert_frame_equal(fast.nodes, slow.nodes)
    assert undone >= 3  # the fast path was exercised, not only the re-applied one


def test_the_undone_matrices_equal_those_built_from_the_network(grid_base):
    import pandas as pd

    from transnet.access import AccessGraph

    checked = 0
    for subset in _subsets(grid_base):
        timed, _, graph = grid_base._network(subset, timed=True)
        if graph is None:  # re-applied: built from the network afresh
            continue
        network, _ = grid_base.network(subset)
        fresh = AccessGraph.from_network(network, speeds_kmh=grid_base.settings.speeds_kmh)
        assert timed is graph.network
        pd.testing.assert_frame_equal(graph.network.edges, fresh.network.edges)
        assert (graph.time != fresh.time).nnz == 0
        assert (graph.distance != fresh.distance).nnz == 0
        checked += 1
    assert checked >= 3


def test_fast_evaluation_equals_the_real_pipeline_on_random_subsets(grid_base):
    met_somewhere = set()
    for subset in _subsets(grid_base):
        fast, real = grid_base.evaluate(subset), grid_base.verify(subset)
        assert fast.statuses == real.statuses
        for target, value in fast.values.items():
            other = real.values[target]
            assert (value is None) == (other is None)
            if value is not None:
                assert abs(value - other) <= 1e-9, (subset, target)
        met_somewhere.update(t for t, s in fast.statuses.items() if s == "pass")
    assert len(met_somewhere) >= 2


def test_fast_metrics_equal_those_measured_on_the_undone_network_afresh(grid_base):
    from transnet.metrics import evaluate_scenario

    for subset in _subsets(grid_base)[:4]:
        network, _ = grid_base.network(subset)
        fresh = evaluate_scenario(
            network,
            grid_base.region,
            settings=grid_base.settings,
            townships=grid_base.townships,
            pois=grid_base.pois,
        )
        assert grid_base.evaluate(subset).metrics == fresh, subset
