"""Targets: loading, evaluation (pass / fail / not_evaluated) and JUnit output."""

from __future__ import annotations

from xml.etree import ElementTree

import pytest
from conftest import county_record, scenario_metrics

from transnet import InputError
from transnet.report.junit import write_junit
from transnet.targets import DataAvailability, evaluate_targets, load_targets

SCENARIOS = {
    "before": scenario_metrics(expressway_density=4.0),
    "after": scenario_metrics(expressway_density=5.0),
}


def _write(tmp_path, text):
    path = tmp_path / "targets.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_pass_fail_and_not_evaluated(tmp_path):
    path = _write(
        tmp_path,
        """
targets:
  - {id: dens, metric: density_per_100km2.expressway, op: ">=", threshold: 4.9}
  - {id: dens_before, metric: density_per_100km2.expressway, scenario: before, op: ">=", threshold: 4.9}
  - {id: total, metric: density_per_100km2.total, op: ">=", threshold: 94, requires: complete_network}
  - {id: towns, metric: township_grade2_coverage.share, op: ">=", threshold: 0.7}
""",
    )
    results = {
        r.id: r
        for r in evaluate_targets(load_targets(path), SCENARIOS, available=DataAvailability())
    }
    assert results["dens"].status == "pass"
    assert results["dens"].value == 5.0
    assert results["dens_before"].status == "fail"
    assert results["total"].status == "not_evaluated"
    assert "does not hold every public road" in results["total"].reason
    assert results["towns"].status == "not_evaluated"
    assert "not computed" in results["towns"].reason
    # The same target on a complete network is evaluated, not skipped.
    complete = evaluate_targets(
        load_targets(path), SCENARIOS, available=DataAvailability(complete_network=True)
    )
    assert next(r for r in complete if r.id == "total").status == "fail"


def test_scenario_override(tmp_path):
    path = _write(
        tmp_path,
        'targets:\n  - {id: d, metric: density_per_100km2.expressway, op: ">=", threshold: 4.9}\n',
    )
    [result] = evaluate_targets(
        load_targets(path), SCENARIOS, available=DataAvailability(), scenario="before"
    )
    assert (result.scenario, result.status) == ("before", "fail")


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ('targets:\n  - {id: a, metric: ramp_km, op: "=>", threshold: 1}\n', "op"),
        ("targets:\n  - {id: a, metric: ramp_km, op: '>=', threshold: high}\n", "threshold"),
        (
            "targets:\n  - {id: a, metric: county_expressway_coverage.share, op: '>=', threshold: 1,"
            " params: {rule: nearby}}\n",
            "params.rule",
        ),
        (
            "targets:\n  - {id: a, metric: density_per_100km2.expresway, op: '>=', threshold: 5.5}\n",
            "metric",
        ),
        (
            "targets:\n  - {id: a, metric: ramp_km, op: '>=', threshold: 1}\ntravel:\n  speeds_kmh: {'2': 0}\n",
            "speeds_kmh.2",
        ),
        (
            "targets:\n  - {id: a, metric: ramp_km, op: '>=', threshold: 1}\n"
            "travel:\n  speeds_kmh: {expressway: -100}\n",
            "speeds_kmh.expressway",
        ),
        (
            "targets:\n  - {id: a, metric: ramp_km, op: '>=', threshold: 1}\ntravel:\n  access_speed_kmh: 0\n",
            "access_speed_kmh",
        ),
        ("targets: 3\n", "targets"),
    ],
)
def test_bad_targets_name_the_field(tmp_path, text, field):
    with pytest.raises(InputError) as info:
        load_targets(_write(tmp_path, text))
    assert info.value.field == field


def test_junit_has_one_case_per_target_with_failures_and_skips(tmp_path):
    path = _write(
        tmp_path,
        """
targets:
  - {id: ok, metric: density_per_100km2.expressway, op: ">=", threshold: 4.9}
  - {id: bad, metric: density_per_100km2.expressway, op: ">=", threshold: 5.5}
  - {id: skip, metric: township_grade2_coverage.share, op: ">=", threshold: 1, requires: townships}
""",
    )
    results = evaluate_targets(load_targets(path), SCENARIOS, available=DataAvailability())
    junit = tmp_path / "report.xml"
    write_junit(results, junit)
    suite = ElementTree.parse(junit).getroot()
    assert suite.get("tests") == "3"
    assert suite.get("failures") == "1"
    assert suite.get("skipped") == "1"
    cases = {case.get("name"): case for case in suite.iter("testcase")}
    assert set(cases) == {"ok", "bad", "skip"}
    assert cases["bad"].find("failure") is not None
    assert cases["skip"].find("skipped") is not None
    assert cases["ok"].find("failure") is None and cases["ok"].find("skipped") is None


def test_a_misspelt_metric_says_what_was_meant(tmp_path):
    path = _write(
        tmp_path,
        "targets:\n  - {id: a, metric: density_per_100km2.expresway, op: '>=', threshold: 5.5}\n",
    )
    with pytest.raises(InputError, match=r"did you mean 'density_per_100km2\.expressway'"):
        load_targets(path)


def test_each_coverage_target_uses_its_own_rule(tmp_path):
    counties = [
        county_record(
            crossed=True,
            interchange_inside=True,
            seat_to_interchange_km=2.0,
            seat_to_interchange_min=3.0,
        ),
        county_record(crossed=True, seat_to_interchange_km=40.0, seat_to_interchange_min=35.0),
        county_record(),
    ]
    scenario = scenario_metrics(counties=counties, county_share=1 / 3, rule="seat_within_min")
    path = _write(
        tmp_path,
        """
targets:
  - {id: crossed, metric: county_expressway_coverage.share, op: ">=", threshold: 1, params: {rule: crossed}}
  - {id: inside, metric: county_expressway_coverage.share, op: ">=", threshold: 1, params: {rule: interchange_inside}}
  - {id: km50, metric: county_expressway_coverage.share, op: ">=", threshold: 1, params: {rule: seat_within_km, within_km: 50}}
  - {id: min30, metric: county_expressway_coverage.share, op: ">=", threshold: 1, params: {rule: seat_within_min, within_min: 30}}
""",
    )
    results = {
        r.id: r.value
        for r in evaluate_targets(
            load_targets(path), {"after": scenario}, available=DataAvailability()
        )
    }
    assert results == pytest.approx(
        {"crossed": 2 / 3, "inside": 1 / 3, "km50": 2 / 3, "min30": 1 / 3}, abs=1e-4
    )


def test_a_coverage_target_whose_own_share_is_zero_fails(tmp_path):
    counties = [
        county_record(
            crossed=True,
            interchange_inside=True,
            seat_to_interchange_km=2.0,
            seat_to_interchange_min=3.0,
        )
    ]
    # The summary was computed under the 'crossed' rule (share 1); the target's own rule gives 0.
    scenario = scenario_metrics(counties=counties, county_share=1.0, rule="crossed")
    path = _write(
        tmp_path,
        "targets:\n  - {id: strict, metric: county_expressway_coverage.share, op: '>=', threshold: 0.5,"
        " params: {rule: seat_within_km, within_km: 1}}\n",
    )
    [result] = evaluate_targets(
        load_targets(path), {"after": scenario}, available=DataAvailability()
    )
    assert (result.value, result.status) == (0.0, "fail")


def test_a_misspelt_params_key_is_an_error_not_ignored(tmp_path):
    # 0.1 ignored `within_mins` and so read the target under the default 30 minutes.
    path = _write(
        tmp_path,
        "targets:\n  - {id: seats, metric: county_expressway_coverage.share, op: '>=',"
        " threshold: 1, params: {rule: seat_within_min, within_mins: 10}}\n",
    )
    with pytest.raises(InputError) as info:
        load_targets(path)
    assert info.value.record == "seats"
    assert "params.within_mins" in str(info.value)
