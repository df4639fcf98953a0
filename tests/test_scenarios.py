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
