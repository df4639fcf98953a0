"""Project values, the exact and greedy prioritisation, the frontier and `transnet prioritise`."""

from __future__ import annotations

import itertools
import json
import math
import shutil
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from transnet._errors import InputError, TransnetWarning
from transnet.cli import main
from transnet.io.bundle import load_bundle
from transnet.scenarios import ScenarioBase, prioritise, project_values
from transnet.scenarios.prioritise import check_choices
from transnet.study import run_study

#: The cards of the bundle that add expressway inside the zone (the others add none).
EXPRESSWAY_ADDERS = ("E1", "E3", "E4", "E5", "E6", "E8")


@pytest.fixture(scope="module")
def base(bundle_study) -> ScenarioBase:
    return ScenarioBase.from_study(bundle_study)


@pytest.fixture(scope="module")
def values(base):
    return project_values(base)


def _exit_code(argv: list[str]) -> int:
    with pytest.raises(SystemExit) as info:
        main(argv)
    return int(info.value.code or 0)


# The value table.


def test_value_table_has_one_row_per_card_ranked_by_value_per_100m_cny(base, values):
    table = values.table
    assert sorted(table["id"]) == sorted(base.card_ids)
    assert table["rank"].tolist() == list(range(1, len(table) + 1))
    per = table["value_per_100m_cny"].to_numpy()
    assert (np.diff(per) <= 1e-12).all()
    ratio = table["value"] / table["investment_100m_cny"]
    assert table["value_per_100m_cny"].to_numpy() == pytest.approx(ratio.to_numpy(), abs=1e-6)


def test_a_new_expressway_adds_its_length_inside_the_zone_alone_and_removed_last(base, values):
    row = values.table.set_index("id").loc["E5"]
    edges = base.result.network.edges
    # E5 lies wholly inside the zone: its km alone are the km of the edges it added.
    added_km = edges.loc[edges["project_id"] == "E5", "length_m"].sum() / 1000
    assert row["expressway_km_alone"] == pytest.approx(added_km, rel=0.01)
    assert row["expressway_km_without"] == pytest.approx(row["expressway_km_alone"], abs=0.01)
    area = (
        base.full_metrics.length_km["expressway"]
        / base.full_metrics.density_per_100km2["expressway"]
    )
    assert row["expressway_density_alone"] == pytest.approx(added_km / area, abs=2e-4)


def test_cards_that_change_no_road_have_no_value(values):
    table = values.table.set_index("id")
    assert table.loc["E2", "value"] == 0  # already in the base network
    assert table.loc["E2", "expressway_km_alone"] == 0
    assert table.loc["E7", "value"] == 0  # a widening adds no km


def test_seat_minutes_saved_match_the_attribution(bundle_study, values):
    credits = bundle_study.attribution.credits.groupby("project")["minutes_saved"].sum()
    table = values.table.set_index("id")
    for card_id, minutes in credits.items():
        assert table.loc[card_id, "seat_min_saved_sum_without"] == pytest.approx(minutes, abs=0.02)


# The least-cost subset meeting the targets.


def test_least_cost_answer_meets_every_target_and_is_the_true_optimum(base, values):
    answer = prioritise(base, values)
    assert answer.method == "exact"
    assert all(answer.choice.targets[t]["status"] == "pass" for t in values.targets)
    # Brute force over every subset of the cards that add expressway, really evaluated.
    cost = {c: base.investment_100m_cny(c) for c in base.card_ids}
    best = math.inf
    for size in range(len(EXPRESSWAY_ADDERS) + 1):
        for subset in itertools.combinations(EXPRESSWAY_ADDERS, size):
            if base.evaluate(subset).statuses["expressway_density"] == "pass":
                best = min(best, sum(cost[c] for c in subset))
    assert answer.choice.cost_100m_cny == pytest.approx(best)
    assert answer.choice.cost_100m_cny <= answer.greedy.cost_100m_cny


@pytest.mark.parametrize("budget", [60.0, 150.0, 250.0, 400.0])
def test_under_a_budget_the_exact_answer_is_never_worse_than_greedy(base, values, budget):
    answer = prioritise(base, values, budget_100m_cny=budget, frontier_steps=0)
    assert answer.choice.cost_100m_cny <= budget
    assert answer.greedy.cost_100m_cny <= budget
    assert (answer.choice.met, answer.choice.margin) >= (
        answer.greedy.met,
        answer.greedy.margin - 1e-9,
    )


def test_must_and_exclude_are_respected(base, values):
    answer = prioritise(base, values, must=["N1"], exclude=["E5"], frontier_steps=0)
    assert "N1" in answer.choice.selected
    assert "E5" not in answer.choice.selected
    assert answer.choice.targets["expressway_density"]["status"] == "pass"


def test_a_target_no_subset_meets_is_named_with_why(base, values):
    answer = prioritise(base, values, exclude=["E3", "E5"], frontier_steps=0)
    assert list(answer.unreachable) == ["expressway_density"]
    assert ">= 4.9" in answer.unreachable["expressway_density"]
    assert "excluded" in answer.unreachable["expressway_density"]


def test_a_card_comes_only_with_the_cards_it_requires(base, values, monkeypatch):
    monkeypatch.setattr(
        ScenarioBase, "requires", lambda self, card_id: ["E4"] if card_id == "E8" else []
    )
    answer = prioritise(base, values, frontier_steps=0)
    chosen = set(answer.choice.selected)
    assert "E8" not in chosen or "E4" in chosen
    assert set(answer.greedy.selected) >= ({"E4"} if "E8" in answer.greedy.selected else set())
    forced = prioritise(base, values, must=["E8"], frontier_steps=0)
    assert {"E4", "E8"} <= set(forced.choice.selected)


# Coverage targets: a set cover over counties.


@pytest.fixture(scope="module")
def coverage_base(tmp_path_factory):
    """The bundle with two tighter county targets, which only some cards make pass."""
    folder = tmp_path_factory.mktemp("coverage")
    document = yaml.safe_load((load_bundle("taixin").folder / "targets.yaml").read_text("utf-8"))
    document["targets"] += [
        {
            "id": "grade1_within_1km",
            "metric": "county_grade1_coverage.share",
            "op": ">=",
            "threshold": 1.0,
            "params": {"within_km": 1},
        },
        {
            "id": "seat_within_7min",
            "metric": "county_expressway_coverage.covered",
            "op": ">=",
            "threshold": 12,
            "params": {"rule": "seat_within_min", "within_min": 7},
        },
    ]
    path = folder / "targets.yaml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TransnetWarning)
        study = run_study("taixin", targets_path=path)
    base = ScenarioBase.from_study(study)
    return base, project_values(base)


def test_coverage_targets_are_met_by_a_minimal_verified_set_cover(coverage_base):
    base, values = coverage_base
    answer = prioritise(base, values, frontier_steps=0)
    assert answer.choice.targets["grade1_within_1km"]["status"] == "pass"
    assert answer.choice.targets["seat_within_7min"]["status"] == "pass"
    assert all(answer.choice.targets[t]["status"] == "pass" for t in values.targets)
    assert max(abs(v) for v in answer.exact.gap().values()) < 1e-4
    # Irreducible: dropping any card of the answer fails a target.
    for card_id in answer.choice.selected:
        fewer = [c for c in answer.choice.selected if c != card_id]
        assert base.evaluate(fewer).met(values.targets) != values.targets
    assert answer.choice.cost_100m_cny <= answer.greedy.cost_100m_cny


def test_the_model_predicts_coverage_of_single_cards(coverage_base):
    base, values = coverage_base
    from transnet.scenarios.prioritise import _Model

    model = _Model(base, values, values.targets)
    for card_id in ("E1", "N10", "N1"):
        predicted = model.predict([card_id])
        real = values.alone[card_id].values
        assert predicted["seat_within_7min"] == pytest.approx(real["seat_within_7min"])
        # Shares are rounded to 4 decimals in the metrics.
        assert predicted["grade1_within_1km"] == pytest.approx(real["grade1_within_1km"], abs=1e-4)


# Bad input.


@pytest.mark.parametrize("budget", [0, -5, float("nan"), float("inf")])
def test_a_budget_that_is_not_positive_is_bad_input(base, budget):
    with pytest.raises(InputError, match="--budget must be a positive number"):
        check_choices(base, must=[], exclude=[], budget_100m_cny=budget)


def test_unknown_or_doubly_named_cards_are_bad_input(base):
    with pytest.raises(InputError, match="did you mean 'N7'") as caught:
        check_choices(base, must=[], exclude=["N77"])
    assert caught.value.field == "exclude"
    with pytest.raises(InputError, match="both --must and --exclude"):
        check_choices(base, must=["E1", "N7"], exclude=["N7"])


def test_must_cards_costing_more_than_the_budget_are_bad_input(base):
    with pytest.raises(InputError, match=r"cost 279\.3 亿元, more than the budget of 200"):
        check_choices(base, must=["E1", "E2"], exclude=[], budget_100m_cny=200)


def test_a_card_without_investment_is_named_when_a_budget_is_given(base, monkeypatch):
    monkeypatch.setattr(
        ScenarioBase,
        "investment_100m_cny",
        lambda self, card_id: None if card_id == "N4" else 10.0,
    )
    with pytest.raises(InputError, match="card N4 has no investment") as caught:
        check_choices(base, must=[], exclude=[], budget_100m_cny=100)
    assert caught.value.record == "N4"
    check_choices(base, must=[], exclude=[])  # without a budget it only counts as free


# The command line and its output contract.


@pytest.fixture(scope="module")
def prioritise_folder(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("prioritise") / "out"
    argv = ["prioritise", "--out", str(out), "--quiet", "--workers", "1"]
    assert _exit_code(argv) == 0
    return out


def test_prioritise_writes_the_contract(prioritise_folder, values):
    record = json.loads((prioritise_folder / "prioritise.json").read_text("utf-8"))
    assert {"selected", "cost_100m_cny", "budget_100m_cny", "targets", "frontier", "method"} <= set(
        record
    )
    assert record["budget_100m_cny"] is None
    assert record["method"]["name"] == "exact"
    assert set(values.targets) < set(record["targets"])  # every target, evaluated or not
    assert all(record["targets"][t]["status"] == "pass" for t in values.targets)
    assert record["targets"]["road_density"]["status"] == "not_evaluated"
    assert "every public road" in record["targets"]["road_density"]["reason"]
    step = record["frontier"][0]
    assert set(step) == {"budget_100m_cny", "selected", "cost_100m_cny", "targets_met", "met"}
    assert any(s["cost_100m_cny"] == record["cost_100m_cny"] for s in record["frontier"])
    table = pd.read_csv(prioritise_folder / "projects.csv")
    assert table["id"].tolist() == values.table["id"].tolist()
    assert (prioritise_folder / "frontier.png").read_bytes()[:4] == b"\x89PNG"
    assert len(pd.read_csv(prioritise_folder / "frontier.csv")) == len(record["frontier"])


def test_prioritise_with_a_budget_records_it(tmp_path):
    out = tmp_path / "out"
    assert _exit_code(["prioritise", "--budget", "100", "--out", str(out), "--quiet"]) == 0
    record = json.loads((out / "prioritise.json").read_text("utf-8"))
    assert record["budget_100m_cny"] == 100
    assert record["cost_100m_cny"] <= 100


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--budget", "0"], "--budget must be a positive number"),
        (["--budget", "nan"], "--budget must be a positive number"),
        (["--must", "E1,E99"], "--must names no card of the plan: 'E99'"),
        (["--must", "E1", "--exclude", "E1"], "both --must and --exclude"),
        (["--scheduler", "tcp://127.0.0.1:9"], "use --workers"),
    ],
)
def test_prioritise_bad_input_exits_2(tmp_path, capsys, argv, message):
    out = tmp_path / "out"
    assert _exit_code(["prioritise", "--out", str(out), "--quiet", *argv]) == 2
    assert message in capsys.readouterr().err
    assert not out.exists()


def test_prioritise_refuses_a_folder_of_other_files(tmp_path, capsys):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    assert _exit_code(["prioritise", "--out", str(out), "--quiet"]) == 2
    assert (out / "notes.txt").read_text(encoding="utf-8") == "mine"
    shutil.rmtree(out)


def test_the_report_ranks_projects_only_when_cheap_and_says_so(bundle_study, monkeypatch):
    import dataclasses

    from transnet import options
    from transnet.report.markdown import report_markdown

    ranked = report_markdown(dataclasses.replace(bundle_study))
    assert "| 1 | E5 |" in ranked
    monkeypatch.setattr(options, "REPORT_PROJECT_VALUES_MAX_EDGE_EVALUATIONS", 100)
    fresh = dataclasses.replace(bundle_study)
    assert fresh.projects_for_outputs() is None
    assert "Not computed in this report" in report_markdown(fresh)
    assert fresh.projects["id"].iloc[0] == "E5"  # asked for, it is computed
    assert fresh.projects_for_outputs() is fresh.projects
