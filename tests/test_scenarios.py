"""The scenario runner (serial, local Dask cluster, unreachable scheduler) and the engine."""

from __future__ import annotations

import pytest

from transnet._errors import InputError
from transnet.scenarios import ScenarioRunner, run_scenarios


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
