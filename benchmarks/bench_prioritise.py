"""Project values and prioritisation at province scale: serial against Dask, exact against greedy.

Network: :func:`transnet.testing.synthetic_network` (a jittered 500 m grid, 16 counties with
seats, every 40th line an expressway with interchanges); plan: ``bench_plan.synthetic_plan``
with 100 cards (upgrades, widenings, new roads, new expressways, by-passes). Targets, made for
the run (invented, never real): expressway density at 60 % of the way from the base to the
whole plan, and the whole plan's county expressway coverage (seat within 10 minutes of an
interchange) and grade-1 coverage (the default criterion), so some subsets meet them and others
do not.

Measured in one run, per size: the value table (:func:`transnet.scenarios.project_values`,
two evaluations per card that changed the network) serially and on a 2-worker
:class:`dask.distributed.LocalCluster` of processes (its start-up and the scatter of the base
timed apart), checked identical; then :func:`transnet.scenarios.prioritise` without a budget
and with half the plan's cost: the exact answer against the greedy baseline (cost, targets met,
seconds, each re-evaluated with the real pipeline). Printed: seconds, the serial / Dask ratio,
and the growth exponent log(t2/t1) / log(n2/n1) between sizes.

Run: ``.venv/bin/python benchmarks/bench_prioritise.py`` (``--quick``: 10,000 and 40,000
edges; the full run: 50,000 and 200,000 edges, about 20 minutes on 2 busy cores).
"""

from __future__ import annotations

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
    from transnet.plan import apply_plan
    from transnet.region import Region
    from transnet.scenarios import ScenarioBase
    from transnet.targets import DataAvailability, Target
    from transnet.testing import synthetic_network

    grid = synthetic_network(n_edges)
    plan = synthetic_plan(n_edges, N_CARDS)
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


def _growth(rows: list[dict], key: str) -> str:
    if len(rows) < 2:
        return ""
    a, b = rows[-2], rows[-1]
    return f"{math.log(b[key] / a[key]) / math.log(b['edges'] / a['edges']):.2f}"


def main(argv: list[str]) -> int:
    """Run the benchmark and print its table."""
    from transnet.scenarios import ScenarioRunner, prioritise, project_values

    quick = "--quick" in argv
    sizes = [10_000, 40_000] if quick else [50_000, 200_000]
    warnings.simplefilter("ignore")
    print(
        f"{N_CARDS} synthetic cards per plan; invented targets; the machine is shared (others' "
        "tests run on the same 2 cores), so seconds are upper bounds"
    )
    rows = []
    for n_edges in sizes:
        prepare_s, base = _timed(_base, n_edges)
        changed = len(base.changed_ids)
        serial_s, serial = _timed(project_values, base)
        start = time.perf_counter()
        with ScenarioRunner(base, workers=2) as runner:
            startup_s = time.perf_counter() - start
            dask_s, on_dask = _timed(project_values, base, runner=runner)
        identical = on_dask.table.equals(serial.table)
        plain = prioritise(base, serial, frontier_steps=0)
        budget = round(0.5 * float(serial.table["investment_100m_cny"].sum()), 1)
        capped = prioritise(base, serial, budget_100m_cny=budget, frontier_steps=0)
        row = {
            "edges": len(base.result.network.edges),
            "cards_changed": changed,
            "evaluations": serial.evaluations,
            "prepare_s": prepare_s,
            "serial_s": serial_s,
            "per_evaluation_s": serial_s / serial.evaluations,
            "dask_startup_s": startup_s,
            "dask_s": dask_s,
            "identical": identical,
        }
        rows.append(row)
        print(
            f"\n{row['edges']:,} edges, {changed} cards changed the network, "
            f"{serial.evaluations} evaluations (prepared in {prepare_s:.1f} s)"
        )
        print(
            f"  value table: serial {serial_s:.1f} s ({row['per_evaluation_s']:.2f} s each); "
            f"2-worker LocalCluster {dask_s:.1f} s (+{startup_s:.1f} s start-up and scatter); "
            f"serial/Dask {serial_s / dask_s:.2f}; identical: {identical}"
        )
        for label, answer in (("no budget", plain), (f"budget {budget:g}", capped)):
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
    if len(rows) > 1:
        print(
            f"\ngrowth exponent (time ~ edges^k) between the two sizes: serial "
            f"{_growth(rows, 'serial_s')}, Dask {_growth(rows, 'dask_s')}"
        )
    target = rows[-1]
    if not quick:
        verdict = "met" if target["serial_s"] < 120 else "NOT met"
        print(
            f"target '{N_CARDS} cards x 2 evaluations < 2 min serially at ~200,000 edges': "
            f"{verdict} ({target['serial_s']:.0f} s for {target['evaluations']} evaluations)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
