"""Project values and prioritisation at province scale: serial against Dask, exact against greedy.

Network: :func:`transnet.testing.synthetic_network` (a jittered 500 m grid, 16 counties with
seats, every 40th line an expressway with interchanges); plan: ``bench_plan.synthetic_plan``
with 100 cards (upgrades, widenings, new roads, new expressways, by-passes), costing an
invented 1.5 亿元 per km of expressway and 0.3 per km of other road. Targets, made for
the run (invented, never real): expressway density at 60 % of the way from the base to the
whole plan, and the whole plan's county expressway coverage (seat within 10 minutes of an
interchange) and grade-1 coverage (the default criterion), so some subsets meet them and others
do not.

Measured in one run. On 10,000 edges, complete: the value table
(:func:`transnet.scenarios.project_values`, two evaluations per card that changed the network)
serially and on a 2-worker :class:`dask.distributed.LocalCluster` of processes (its start-up
and the scatter of the base timed apart), checked identical; then
:func:`transnet.scenarios.prioritise` without a budget and with half the plan's cost: the exact
answer against the greedy baseline (cost, targets met, seconds, each re-evaluated with the
real pipeline). On about 200,000 edges: the whole value table again, serially and on 2
workers (about 4 minutes in all). Printed: seconds, the serial / Dask ratio and the growth
exponent log(t2/t1) / log(n2/n1) of one evaluation.

Run: ``.venv/bin/python benchmarks/bench_prioritise.py`` (``--quick``: 40,000 edges, and the
evaluations of 5 cards timed there and extrapolated to the whole table).
"""

from __future__ import annotations

import argparse
import math
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_plan import synthetic_plan

N_CARDS = 100


def _timed(function, *args, **kwargs):
    start = time.perf_counter()
    value = function(*args, **kwargs)
    return time.perf_counter() - start, value


def _base(n_edges: int):
    """The prepared scenarios of the synthetic network, its 100-card plan and the targets."""
    from transnet.metrics import MetricSettings, evaluate_scenario
    from transnet.plan import Plan, apply_plan
    from transnet.region import Region
    from transnet.scenarios import ScenarioBase
    from transnet.targets import DataAvailability, Target
    from transnet.testing import synthetic_network

    grid = synthetic_network(n_edges)
    plan = synthetic_plan(n_edges, N_CARDS)
    # Invented costs, so that cards differ: 1.5 亿元 per km of expressway, 0.3 of other roads.
    cost = [round(c.length_km * (1.5 if c.class_ == "expressway" else 0.3), 2) for c in plan.cards]
    plan = Plan(
        cards=[
            c.model_copy(update={"investment_100m_cny": x})
            for c, x in zip(plan.cards, cost, strict=True)
        ],
        frame=plan.frame.assign(investment_100m_cny=cost),
    )
    region = Region(name="grid", counties=grid.counties, seats=grid.seats)
    settings = MetricSettings(county_rule="seat_within_min", seat_within_min=10.0)
    result = apply_plan(grid.network, plan)
    before = evaluate_scenario(grid.network, region, settings=settings)
    after = evaluate_scenario(result.network, region, settings=settings)
    low, high = (m.density_per_100km2["expressway"] for m in (before, after))
    targets = [
        Target(
            id="expressway_density",
            metric="density_per_100km2.expressway",
            op=">=",
            threshold=round(low + 0.6 * (high - low), 4),
        ),
        Target(
            id="county_expressway",
            metric="county_expressway_coverage.share",
            op=">=",
            threshold=after.county_expressway_coverage.share,
            params={"rule": "seat_within_min", "within_min": 10},
        ),
        Target(
            id="county_grade1",
            metric="county_grade1_coverage.share",
            op=">=",
            threshold=after.county_grade1_coverage.share,
        ),
    ]
    return ScenarioBase(
        before=grid.network,
        plan=plan,
        result=result,
        region=region,
        settings=settings,
        targets=targets,
        availability=DataAvailability(complete_network=True),
        base_metrics=before,
        full_metrics=after,
    )


def _sampled(base, n_cards: int) -> dict:
    """Seconds of the value table's evaluations for ``n_cards`` cards, serially and on Dask."""
    from transnet.scenarios import ScenarioRunner, evaluate_cards

    everything = base.card_ids
    cards = base.changed_ids[:n_cards]
    items = [(c,) for c in cards] + [tuple(x for x in everything if x != c) for c in cards]
    serial_s, serial = _timed(ScenarioRunner(base).map, evaluate_cards, items)
    start = time.perf_counter()
    with ScenarioRunner(base, workers=2) as runner:
        startup_s = time.perf_counter() - start
        dask_s, on_dask = _timed(runner.map, evaluate_cards, items)
    identical = [o.values for o in serial] == [o.values for o in on_dask]
    return {
        "items": len(items),
        "serial_s": serial_s,
        "dask_s": dask_s,
        "startup_s": startup_s,
        "identical": identical,
    }


def main(argv: list[str]) -> int:
    """Run the benchmark and print its table."""
    from transnet.scenarios import ScenarioRunner, prioritise, project_values

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0], allow_abbrev=False)
    parser.add_argument("--quick", action="store_true", help="40,000 edges, fewer sampled cards")
    quick = parser.parse_args(argv).quick
    complete, sampled, sample_cards = (10_000, 40_000, 5) if quick else (10_000, 200_000, 10)
    warnings.simplefilter("ignore")
    print(
        f"{N_CARDS} synthetic cards per plan; invented targets; the machine is shared (others' "
        "tests run on the same 2 cores), so seconds are upper bounds"
    )
    prepare_s, base = _timed(_base, complete)
    changed = len(base.changed_ids)
    serial_s, serial = _timed(project_values, base)
    start = time.perf_counter()
    with ScenarioRunner(base, workers=2) as runner:
        startup_s = time.perf_counter() - start
        dask_s, on_dask = _timed(project_values, base, runner=runner)
    identical = on_dask.table.equals(serial.table)
    edges = len(base.result.network.edges)
    per_small = serial_s / serial.evaluations
    print(
        f"\n{edges:,} edges, {changed} cards changed the network, "
        f"{serial.evaluations} evaluations (prepared in {prepare_s:.1f} s)"
    )
    print(
        f"  value table: serial {serial_s:.1f} s ({per_small:.2f} s each); "
        f"2-worker LocalCluster {dask_s:.1f} s (+{startup_s:.1f} s start-up and scatter); "
        f"serial/Dask {serial_s / dask_s:.2f}; identical: {identical}"
    )
    budget = round(0.5 * float(serial.table["investment_100m_cny"].sum()), 1)
    for label, kwargs in (("no budget", {}), (f"budget {budget:g}", {"budget_100m_cny": budget})):
        answer = prioritise(base, serial, frontier_steps=0, **kwargs)
        exact, greedy = answer.exact, answer.greedy
        exact_text = (
            "none"
            if exact is None
            else f"{exact.cost_100m_cny:.1f} 亿元, {exact.met} met, margin {exact.margin:.3f}"
        )
        print(
            f"  {label}: exact {exact_text} in {answer.seconds['exact']:.1f} s "
            f"({answer.rounds} round(s)); greedy {greedy.cost_100m_cny:.1f} 亿元, "
            f"{greedy.met} met, margin {greedy.margin:.3f} in {answer.seconds['greedy']:.1f} s;"
            f" answer: {answer.method}, model gap "
            f"{answer.to_json()['method']['model_gap_max_abs']:.4g}"
        )
    prepare_s, big = _timed(_base, sampled)
    big_edges = len(big.result.network.edges)
    evaluations = 2 + 2 * len(big.changed_ids)
    if quick:
        sample = _sampled(big, sample_cards)
        per_big = sample["serial_s"] / sample["items"]
        print(
            f"\n{big_edges:,} edges, {len(big.changed_ids)} cards changed the network (prepared "
            f"in {prepare_s:.1f} s); {sample['items']} of the value table's {evaluations} "
            f"evaluations timed: serial {per_big:.2f} s each, 2-worker LocalCluster "
            f"{sample['dask_s'] / sample['items']:.2f} s each (+{sample['startup_s']:.1f} s "
            f"start-up); serial/Dask {sample['serial_s'] / sample['dask_s']:.2f}; identical: "
            f"{sample['identical']}"
        )
        whole, on_two = (
            per_big * evaluations,
            per_big * evaluations * sample["dask_s"] / sample["serial_s"],
        )
        how = "extrapolated from the sample"
    else:
        whole, table = _timed(project_values, big)
        start = time.perf_counter()
        with ScenarioRunner(big, workers=2) as runner:
            startup_s = time.perf_counter() - start
            on_two, on_dask = _timed(project_values, big, runner=runner)
        per_big = whole / table.evaluations
        print(
            f"\n{big_edges:,} edges, {len(big.changed_ids)} cards changed the network (prepared "
            f"in {prepare_s:.1f} s); the whole value table, {table.evaluations} evaluations: "
            f"serial {whole:.1f} s ({per_big:.2f} s each), 2-worker LocalCluster {on_two:.1f} s "
            f"(+{startup_s:.1f} s start-up and scatter); serial/Dask {whole / on_two:.2f}; "
            f"identical: {on_dask.table.equals(table.table)}"
        )
        how = "measured"
    growth = math.log(per_big / per_small) / math.log(big_edges / edges)
    print(f"growth exponent of one evaluation (time ~ edges^k): {growth:.2f}")
    verdict = "met" if whole < 120 else "NOT met"
    print(
        f"target '{N_CARDS} cards x 2 evaluations < 2 min serially at {big_edges:,} edges': "
        f"{verdict} ({how}: {whole:.0f} s serially, {on_two:.0f} s on 2 workers)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
