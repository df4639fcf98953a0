"""Phasing: the network of each year, the targets in each, the first year each is met.

The hand-checkable case: one square county of exactly 100 km² with a 10 km north–south grade-2
road, so expressway density (km per 100 km²) equals the expressway km the open cards add. Cards
A (3 km, opened 2023), B (2 km, 2024), C (2 km, no year) and D (1 km, says 2023 but requires C),
each ending with an interchange 500 m short of the road: density 0 in 2022, 3 in 2023, 5 in
2024, 8 at the 2025 horizon.
"""

from __future__ import annotations

import json
import warnings

import geopandas as gpd
import pandas as pd
import pytest
from conftest import UTM, X0, Y0, lines_frame, square_region
from shapely.geometry import LineString, Point

from transnet import InputError
from transnet._errors import TransnetWarning
from transnet.metrics import MetricSettings
from transnet.network import network_from_lines
from transnet.phasing import card_years, evaluate_phasing, parse_years, with_years
from transnet.plan import Plan, ProjectCard
from transnet.targets import DataAvailability, PhasingSettings, Target, load_targets_file


def _card(card_id: str, length_km: float, y_m: float, **fields) -> tuple[dict, LineString]:
    properties = {
        "id": card_id,
        "name": f"expressway {card_id}",
        "class": "expressway",
        "action": "new",
        "length_km": length_km,
        "investment_100m_cny": 10.0,
        "status": "planned",
        "grade": "expressway",
        "provenance": "illustrative",
        **fields,
    }
    end = (X0 + 4500, Y0 + y_m)
    line = LineString([(end[0] - length_km * 1000, end[1]), end])
    lon, lat = gpd.GeoSeries([Point(end)], crs=UTM).to_crs("EPSG:4326").iloc[0].coords[0]
    properties["interchanges"] = [{"name": f"{card_id} interchange", "lon": lon, "lat": lat}]
    return properties, line


def _plan(cards: list[tuple[dict, LineString]]) -> Plan:
    models = [ProjectCard.model_validate(props) for props, _ in cards]
    frame = gpd.GeoDataFrame(
        [m.model_dump(by_alias=True) for m in models],
        geometry=[line for _, line in cards],
        crs=UTM,
    ).to_crs("EPSG:4326")
    return Plan(cards=models, frame=frame)


# Rows 3 km apart, farther than the 2 km a new link's end snaps across.
PLAN = _plan(
    [
        _card("A", 3.0, -4500, opened=2023, status="opened"),
        _card("B", 2.0, -1500, opened=2024, status="under_construction"),
        _card("C", 2.0, 1500),
        _card("D", 1.0, 4500, opened=2023, status="under_construction", requires=["C"]),
    ]
)
TARGETS = [
    Target(id="density_5", metric="density_per_100km2.expressway", op=">=", threshold=5),
    Target(id="density_7", metric="density_per_100km2.expressway", op=">=", threshold=7),
    Target(id="density_10", metric="density_per_100km2.expressway", op=">=", threshold=10),
    Target(id="road_length", metric="length_km.total", op=">=", threshold=1,
           requires=["complete_network"]),
]  # fmt: skip


def _phasing(settings: PhasingSettings | None = None):
    base = network_from_lines(
        lines_frame(
            [{"id": "g", "name": "S1", "grade": "2", "coords": [(5000, -5000), (5000, 5000)]}]
        )
    )
    with pytest.warns(TransnetWarning, match="card D counts from 2023 .* requires C"):
        return evaluate_phasing(
            base,
            PLAN,
            square_region(),
            TARGETS,
            settings=MetricSettings(),
            availability=DataAvailability(),
            phasing=settings,
            runner=lambda fn, items, *, shared, desc: [fn(shared, item) for item in items],
        )


def test_density_each_year_and_first_year_met():
    phasing = _phasing()
    assert phasing.years == [2022, 2023, 2024, 2025]
    values = phasing.pivot("value").loc["density_5"].tolist()
    assert values == pytest.approx([0, 3, 5, 8], abs=1e-3)
    assert phasing.pivot("status").loc["density_5"].tolist() == ["fail", "fail", "pass", "pass"]
    first = phasing.first_met.set_index("target")
    assert first.loc["density_5", "first_year"] == 2024
    assert first.loc["density_7", "first_met"] == "2025"
    assert first.loc["density_10", "first_met"] == "not by 2025"
    assert first.loc["density_10", "first_year"] is None
    assert first.loc["road_length", "first_met"] == "not evaluated"
    assert phasing.networks["opening"].tolist() == [[], ["A"], ["B"], ["C", "D"]]
    assert phasing.table["cards_open"].tolist()[::4] == [0, 1, 2, 4]


def test_a_card_without_a_year_is_reported_not_guessed():
    phasing = _phasing()
    cards = phasing.cards.set_index("id")
    assert phasing.undated == ["C"]
    assert cards.loc["C", "opened"] is None
    assert cards.loc["C", "basis"] == "undated"
    assert "counted at the horizon 2025 only" in cards.loc["C", "note"]
    assert cards.loc["D", "basis"] == "after_requirements"
    assert "requires C, which has no opened year" in cards.loc["D", "note"]
    record = phasing.to_record()
    assert record["undated"] == ["C"]
    json.dumps(record, allow_nan=False)


def test_the_users_expected_year_by_status_is_used_and_labelled():
    phasing = _phasing(PhasingSettings(expected_opened={"planned": 2024}))
    cards = phasing.cards.set_index("id")
    assert cards.loc["C", ["year", "basis"]].tolist() == [2024, "expected_by_status"]
    assert "user's assumption" in cards.loc["C", "note"]
    assert cards.loc["D", "year"] == 2024
    assert phasing.pivot("value").loc["density_5"].tolist() == pytest.approx([0, 3, 8, 8], abs=1e-3)
    assert phasing.expected_opened == {"planned": 2024}
    assert phasing.undated == []


def test_other_years_and_a_card_opening_after_the_horizon():
    plan = _plan([_card("A", 3.0, 0, opened=2023), _card("B", 2.0, 3000, opened=2031)])
    years = card_years(plan, PhasingSettings(base_year=2020, horizon_year=2030)).set_index("id")
    assert years.loc["B", "year"] == 2031
    assert "opens after the horizon 2030" in years.loc["B", "note"]


def test_a_dated_requirement_later_than_the_card_moves_it():
    plan = _plan([_card("A", 3.0, 0, opened=2025), _card("B", 2.0, 3000, opened=2023,
                                                          requires=["A"])])  # fmt: skip
    with pytest.warns(TransnetWarning, match="B counts from 2023 .* A, which counts from 2025"):
        years = card_years(plan).set_index("id")
    assert years.loc["B", ["year", "basis"]].tolist() == [2025, "after_requirements"]


def test_consistent_years_give_no_warning():
    plan = _plan([_card("A", 3.0, 0, opened=2023), _card("B", 2.0, 3000, opened=2024,
                                                          requires=["A"])])  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        years = card_years(plan).set_index("id")
    assert years["basis"].tolist() == ["opened", "opened"]


def test_an_expected_year_for_a_status_no_card_has_is_refused():
    with pytest.raises(InputError, match="did you mean 'under_construction'") as caught:
        card_years(PLAN, PhasingSettings(expected_opened={"under_constrution": 2024}))
    assert (caught.value.record, caught.value.field) == (
        "phasing",
        "expected_opened.under_constrution",
    )


def test_the_phasing_section_of_a_targets_file(tmp_path):
    path = tmp_path / "targets.yaml"
    path.write_text(
        "phasing:\n  base_year: 2021\n  horizon_year: 2030\n"
        "  expected_opened: {planned: 2030, started: 2026}\n"
        "targets:\n  - {id: d, metric: density_per_100km2.expressway, op: '>=', threshold: 1}\n",
        encoding="utf-8",
    )
    phasing = load_targets_file(path).phasing
    assert (phasing.base_year, phasing.horizon_year) == (2021, 2030)
    assert phasing.expected_opened == {"planned": 2030, "started": 2026}


@pytest.mark.parametrize(
    ("section", "field", "message"),
    [
        ("{horizon: 2025}", "horizon", "did you mean 'horizon_year'"),
        ("{base_year: 2026}", "horizon_year", "before the base year 2026"),
        ("{expected_opened: {planned: yes}}", "expected_opened", "yes/no"),
        ("{expected_opened: {planned: 2200}}", "expected_opened.planned", "at most 2,100"),
        ("{expected_opened: [planned]}", "expected_opened", "expected a mapping"),
    ],
)
def test_a_bad_phasing_section_is_refused(tmp_path, section, field, message):
    path = tmp_path / "targets.yaml"
    path.write_text(
        f"phasing: {section}\ntargets:\n"
        "  - {id: d, metric: density_per_100km2.expressway, op: '>=', threshold: 1}\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError, match=message) as caught:
        load_targets_file(path)
    assert (caught.value.path, caught.value.record) == (str(path), "phasing")
    assert caught.value.field == field


def test_years_on_the_command_line():
    assert parse_years("2022-2025") == (2022, 2025)
    assert parse_years("2023..2030") == (2023, 2030)
    assert with_years(PhasingSettings(expected_opened={"planned": 2024}), (2020, 2024)) == (
        PhasingSettings(base_year=2020, horizon_year=2024, expected_opened={"planned": 2024})
    )
    for text in ("2025-2022", "22-25", "2022-2100-1"):
        with pytest.raises(InputError) as caught:
            parse_years(text)
        assert caught.value.field == "--years"


def test_the_bundle_phasing(bundle_study):
    """Only E2 carries a year (2024) and lies already in the base network: the density stays
    at the base network's until the horizon, where the undated cards make the plan's "after"."""
    phasing = bundle_study.phasing
    assert phasing.years == [2022, 2023, 2024, 2025]
    assert "E2" not in phasing.undated and len(phasing.undated) == 20
    density = phasing.pivot("value").loc["expressway_density"]
    before = bundle_study.metrics["before"].density_per_100km2["expressway"]
    after = bundle_study.metrics["after"].density_per_100km2["expressway"]
    assert density.tolist() == pytest.approx([before, before, before, after])
    first = phasing.first_met.set_index("target")["first_met"]
    assert first["expressway_density"] == "2025"
    assert first["road_density"] == "not evaluated"
    figure = phasing.plot()
    assert [ax.get_title() for ax in figure.axes] == [
        "expressway_density",
        "county_expressway",
        "county_grade1",
        "poi_grade2",
    ]


def _exit_code(argv: list[str]) -> int:
    from transnet.cli import main

    with pytest.raises(SystemExit) as info:
        main(argv)
    return int(info.value.code or 0)


def test_run_writes_the_phasing_of_the_years_asked(tmp_path, capsys):
    out = tmp_path / "phased"
    assert _exit_code(["run", "--no-maps", "--years", "2023-2026", "--out", str(out)]) == 0
    table = pd.read_csv(out / "phasing.csv")
    assert sorted(table["year"].unique()) == [2023, 2024, 2025, 2026]
    assert (out / "phasing.png").stat().st_size > 0
    document = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    assert document["phasing"]["years"] == [2023, 2024, 2025, 2026]
    report = (out / "report.md").read_text(encoding="utf-8")
    assert "## Phasing: the targets year by year, 2023–2026" in report
    # The undated cards count at the horizon, now 2026.
    row = "| expressway_density | 4.189 fail | 4.189 fail | 4.189 fail | 5.312 PASS | 2026 |"
    assert row in report
    assert "![targets by year](phasing.png)" in report
    page = (out / "report.html").read_text(encoding="utf-8")
    assert 'alt="targets by year" src="data:image/png;base64,' in page
    printed = capsys.readouterr().out
    assert "Phasing 2023–2026" in printed
    assert "20 cards have no opening year" in printed


def test_run_without_phasing(tmp_path):
    out = tmp_path / "flat"
    assert _exit_code(["run", "--no-maps", "--no-phasing", "--out", str(out), "-q"]) == 0
    assert not (out / "phasing.csv").exists()
    document = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    assert document["phasing"] is None
    assert "## Phasing" not in (out / "report.md").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--years", "2025-2022"], "the horizon 2022 is before the base year 2025"),
        (["--years", "soon"], "expected a span of years"),
        (["--years", "2022-2025", "--no-phasing"], "drop --no-phasing"),
    ],
)
def test_run_refuses_bad_years_before_any_work(tmp_path, capsys, argv, message):
    out = tmp_path / "never"
    assert _exit_code(["run", "--no-maps", "--out", str(out), "-q", *argv]) == 2
    assert message in capsys.readouterr().err
    assert not out.exists()


def test_a_card_already_in_the_base_network_is_said_to_count_every_year(bundle_study):
    from transnet.report.markdown import report_markdown

    assert bundle_study.phasing.in_base == ["E2"]
    report = report_markdown(bundle_study)
    assert (
        "E2 already lies in the base network (outcome already_in_base), so it counts in every year"
        in report
    )


def test_a_year_whose_network_cannot_be_measured_is_not_evaluated_with_the_reason():
    """An expressway opening in 2023 before the card that brings its interchange (2025): the
    county rule cannot be measured on the 2023 network, the other years still are."""
    bare, _ = _card("X", 3.0, -1500, opened=2023)
    bare["interchanges"] = []
    plan = _plan([(bare, _), _card("Y", 2.0, 1500)])
    base = network_from_lines(
        lines_frame(
            [{"id": "g", "name": "S1", "grade": "2", "coords": [(5000, -5000), (5000, 5000)]}]
        )
    )
    phasing = evaluate_phasing(
        base,
        plan,
        square_region(),
        [TARGETS[0]],
        settings=MetricSettings(),
        availability=DataAvailability(),
    )
    rows = phasing.table.set_index("year")
    assert rows["status"].tolist() == ["fail", "not_evaluated", "not_evaluated", "pass"]
    assert rows.loc[2023, "reason"].startswith("the network of 2023 cannot be evaluated: ")
    assert "no interchanges" in rows.loc[2023, "reason"]
    assert phasing.first_met["first_met"].tolist() == ["2025"]
