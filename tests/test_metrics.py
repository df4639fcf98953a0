"""Density and coverage on hand-checkable geometry (a 10 km x 10 km county)."""

from __future__ import annotations

import pytest
from conftest import lines_frame, points_frame, square_region

from transnet.metrics import GradeCriterion, MetricSettings, evaluate_scenario
from transnet.network import network_from_lines


def test_density_of_a_square_county_crossed_by_a_line(region):
    # 20 km of grade-2 road from x=-5 km to x=15 km: exactly 10 km lie inside the 100 km² county.
    lines = lines_frame(
        [{"id": "r", "name": "R", "grade": "2", "coords": [(-5000, 0), (15_000, 0)]}]
    )
    metrics = evaluate_scenario(network_from_lines(lines), region)
    assert region.area_km2 == pytest.approx(100.0)
    assert metrics.length_km["2"] == pytest.approx(10.0, abs=1e-3)
    assert metrics.length_km["total"] == pytest.approx(10.0, abs=1e-3)
    assert metrics.density_per_100km2["2"] == pytest.approx(10.0, abs=1e-3)
    assert metrics.density_per_100km2["expressway"] == 0
    county = metrics.counties[0]
    assert county.density_per_100km2 == pytest.approx(10.0, abs=1e-3)
    assert county.crossed is False


def _network_with_interchange():
    lines = lines_frame(
        [
            # Ordinary road from the seat's side of the county east to x = 12 km.
            {"id": "g", "name": "G108", "grade": "2", "coords": [(0, 0), (12_000, 0)]},
            # Expressway running north-south at x = 12 km, outside the county (east edge 10 km).
            {
                "id": "x",
                "name": "G55",
                "grade": "expressway",
                "coords": [(12_000, -6000), (12_000, 6000)],
            },
        ]
    )
    interchanges = points_frame([{"id": "i", "name": "East", "road": "x", "x": 12_000, "y": 500}])
    return network_from_lines(lines, interchanges)


def test_seat_at_a_known_network_distance_from_an_interchange():
    # Seat 300 m north of the road at x = 1 km: 300 m access + 11 km road + 500 m ramp = 11.8 km.
    region = square_region(seat_xy=(1000, 300))
    settings = MetricSettings(county_rule="seat_within_km", seat_within_km=12.0)
    metrics = evaluate_scenario(_network_with_interchange(), region, settings=settings)
    county = metrics.counties[0]
    assert county.seat_snap_m == pytest.approx(300, abs=0.01)
    assert county.seat_to_interchange_km == pytest.approx(11.8, abs=1e-3)
    assert county.crossed is False
    assert county.interchanges == 0
    assert county.covered is True  # rule seat_within_km, 11.8 <= 12
    # Minutes: 300 m at 20 km/h (54 s) + 11 km grade 2 at 60 km/h (660 s) + 500 m of ramp at
    # 40 km/h (45 s) = 759 s.
    assert county.seat_to_interchange_min == pytest.approx(759 / 60, abs=1e-3)
    tighter_settings = MetricSettings(county_rule="seat_within_km", seat_within_km=11.7)
    tighter = evaluate_scenario(_network_with_interchange(), region, settings=tighter_settings)
    assert tighter.counties[0].covered is False
    assert tighter.county_expressway_coverage.share == 0


@pytest.mark.parametrize(
    ("rule", "covered"),
    [
        ("crossed", False),
        ("interchange_inside", False),
        ("seat_within_km", True),
        ("seat_within_min", True),
    ],
)
def test_coverage_rule_is_chosen_by_the_caller(rule, covered):
    region = square_region(seat_xy=(1000, 300))
    metrics = evaluate_scenario(
        _network_with_interchange(), region, settings=MetricSettings(county_rule=rule)
    )
    assert metrics.counties[0].covered is covered
    assert metrics.county_expressway_coverage.rule == rule
    assert metrics.county_expressway_coverage.by_criterion["seat_within_min"] == 1


def test_seat_within_minutes_threshold():
    region = square_region(seat_xy=(1000, 300))
    settings = MetricSettings(seat_within_min=12.6)  # the seat is 12.65 minutes away
    metrics = evaluate_scenario(_network_with_interchange(), region, settings=settings)
    assert metrics.counties[0].covered is False
    assert metrics.counties[0].seat_within_km is True


def test_crossed_and_interchange_inside():
    lines = lines_frame(
        [
            {"id": "g", "name": "G108", "grade": "2", "coords": [(0, 0), (5000, 0)]},
            {
                "id": "x",
                "name": "G55",
                "grade": "expressway",
                "coords": [(5000, -8000), (5000, 8000)],
            },
        ]
    )
    interchanges = points_frame([{"id": "i", "name": "Mid", "road": "x", "x": 5000, "y": 0}])
    metrics = evaluate_scenario(network_from_lines(lines, interchanges), square_region())
    county = metrics.counties[0]
    assert county.crossed is True
    assert county.expressway_km == pytest.approx(10.0, abs=1e-3)  # 16 km line, 10 km inside
    assert county.interchanges == 1
    assert metrics.density_per_100km2["expressway"] == pytest.approx(10.0, abs=1e-3)


def test_grade1_coverage_runs_along_the_network():
    region = square_region(seat_xy=(1000, 300))
    # The seat is 300 m from a grade-2 road; a grade-1 road runs 4 km north of the seat, reached
    # only through a grade-3 link at x = 9 km: 300 + 8,000 + 4,300 = 12,600 m along the network.
    lines = lines_frame(
        [
            {"id": "g2", "name": "grade 2", "grade": "2", "coords": [(0, 0), (9000, 0)]},
            {"id": "g3", "name": "link", "grade": "3", "coords": [(9000, 0), (9000, 4300)]},
            {"id": "g1", "name": "grade 1", "grade": "1", "coords": [(0, 4300), (9000, 4300)]},
        ]
    )
    network = network_from_lines(lines)
    near = MetricSettings(county_grade1=GradeCriterion("1", within_m=12_600.5))
    metrics = evaluate_scenario(network, region, settings=near)
    county = metrics.counties[0]
    assert county.seat_to_grade1_km == pytest.approx(12.6, abs=1e-3)
    assert county.grade1_covered is True
    # A straight-line buffer would say 4 km; along the network 5 km is not enough.
    far = MetricSettings(county_grade1=GradeCriterion("1", within_m=5000))
    assert (
        evaluate_scenario(network, region, settings=far).county_grade1_coverage.covered == 0
    )
    # Minutes: 300 m at 20 km/h (54 s), 8 km at 60 km/h (480 s), 4.3 km at 40 km/h (387 s).
    assert county.seat_to_grade1_min == pytest.approx((54 + 480 + 387) / 60, abs=1e-3)
    by_minutes = MetricSettings(county_grade1=GradeCriterion("1", within_min=15.4))
    assert (
        evaluate_scenario(network, region, settings=by_minutes).county_grade1_coverage.share
        == 1
    )


def test_grade1_coverage_reports_ordinary_roads_apart_from_interchanges():
    # No grade-1 road at all; the interchange is 11.8 km from the seat along the network.
    region = square_region(seat_xy=(1000, 300))
    settings = MetricSettings(county_grade1=GradeCriterion("1", within_m=13_000))
    metrics = evaluate_scenario(_network_with_interchange(), region, settings=settings)
    county = metrics.counties[0]
    assert county.seat_to_grade1_km == pytest.approx(11.8, abs=1e-3)
    assert county.grade1_covered is True
    assert county.seat_to_grade1_road_km is None
    assert county.grade1_road_covered is False
    assert metrics.county_grade1_coverage.ordinary_roads_only.covered == 0


def test_each_set_of_places_is_snapped_once_per_network(monkeypatch):
    import transnet.access as access

    snapped = []
    real = access.snap_points

    def counting(network, points, **options):
        snapped.append(len(points))
        return real(network, points, **options)

    # Every snap goes through access (AccessGraph.snap keeps one per set of places).
    monkeypatch.setattr(access, "snap_points", counting)
    region = square_region(seat_xy=(1000, 300))
    townships = points_frame(
        [
            {"id": "t1", "name": "东镇", "x": 2000, "y": 200},
            {"id": "t2", "name": "西乡", "x": 8000, "y": -300},
        ]
    )
    metrics = evaluate_scenario(_network_with_interchange(), region, townships=townships)
    # The seat once (interchange, grade-1 coverage with and without interchanges), the two
    # townships once (grades 2, 3 and the RAI's grade, each by distance and time).
    assert snapped == [1, 2]
    assert metrics.counties[0].seat_to_interchange_km == pytest.approx(11.8, abs=1e-3)
    assert len(metrics.townships) == 2


def test_density_cuts_only_at_boundaries_and_a_road_touching_one_adds_nothing(region):
    # The county runs from x = 0 to 10 km. A ends on its west edge from outside (meets it in a
    # point: 0 km); B starts on that edge and runs 4 km in (4 km); C crosses the east edge
    # (2 km of its 4 km inside); D lies wholly inside (3 km).
    lines = lines_frame(
        [
            {"id": "a", "name": "A", "grade": "2", "coords": [(-5000, 0), (0, 0)]},
            {"id": "b", "name": "B", "grade": "2", "coords": [(0, 1000), (4000, 1000)]},
            {"id": "c", "name": "C", "grade": "3", "coords": [(8000, 2000), (12_000, 2000)]},
            {"id": "d", "name": "D", "grade": "3", "coords": [(1000, -3000), (4000, -3000)]},
        ]
    )
    metrics = evaluate_scenario(network_from_lines(lines), region)
    assert metrics.length_km["2"] == pytest.approx(4.0, abs=1e-3)
    assert metrics.length_km["3"] == pytest.approx(5.0, abs=1e-3)
    assert metrics.length_km["total"] == pytest.approx(9.0, abs=1e-3)
