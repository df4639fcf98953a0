"""Which projects change the minutes to an interchange, and the illustrative-card sensitivity."""

from __future__ import annotations

import pytest
from conftest import roads_to_east_interchange, square_region
from test_plan import _card, _plan

from transnet.attribution import attribute_seat_minutes
from transnet.metrics import MetricSettings
from transnet.plan import apply_plan
from transnet.study import _without_illustrative


def _base():
    return roads_to_east_interchange(
        [
            # The seat's road: 20 km of grade 2 (60 km/h) east to an expressway.
            {"id": "a", "name": "A", "ref": "S1", "grade": "2", "coords": [(0, 0), (20_000, 0)]},
        ]
    )


def test_the_project_that_shortens_the_trip_is_credited_with_the_minutes():
    base = _base()
    region = square_region(seat_xy=(1000, 300))
    plan = _plan(
        [
            # Upgrading road A to grade 1 (80 km/h): its 19 km from the seat take 14.25 minutes
            # instead of 19, saving 4.75 minutes.
            (_card(id="N1", ref="S1", grade="1"), [(0, 0), (20_000, 0)]),
            # A new road far from the seat changes nothing for it.
            (_card(id="N2", action="new", grade="2", length_km=5), [(0, -30_000), (5000, -30_000)]),
        ]
    )
    result = apply_plan(base, plan)
    attribution = attribute_seat_minutes(base, plan, result, region, settings=MetricSettings())
    row = attribution.by_county.iloc[0]
    # 300 m access at 20 km/h (0.9 min) + 19 km + a 500 m ramp at 40 km/h (0.75 min).
    assert row["before_min"] == pytest.approx(0.9 + 19 + 0.75, abs=0.01)
    assert row["after_min"] == pytest.approx(0.9 + 14.25 + 0.75, abs=0.01)
    assert row["change_min"] == pytest.approx(-4.75, abs=0.01)
    assert row["projects"].startswith("N1 (+4.") and "N2" not in row["projects"]
    projects = attribution.by_project()
    assert projects.index.tolist() == ["N1"]
    assert projects.loc["N1", "minutes_saved_total"] == pytest.approx(4.75, abs=0.01)


def test_sensitivity_leaves_out_illustrative_cards_and_alignments():
    base = _base()
    region = square_region(seat_xy=(1000, 300))
    plan = _plan(
        [
            (
                _card(
                    id="E1",
                    action="new",
                    grade="2",
                    length_km=4,
                    provenance="announced",
                    geometry_basis="schematic",
                ),
                [(2000, 1000), (2000, 5000)],
            ),
            (
                _card(
                    id="E2",
                    action="new",
                    grade="2",
                    length_km=3,
                    provenance="announced",
                    geometry_basis="illustrative",
                ),
                [(4000, 1000), (4000, 4000)],
            ),
            (
                _card(id="N3", action="new", grade="2", length_km=2, provenance="illustrative"),
                [(6000, 1000), (6000, 3000)],
            ),
        ]
    )
    sensitivity = _without_illustrative(base, plan, region)
    assert sensitivity["cards_left_out"] == ["E2", "N3"]
    # The 10 km x 10 km county holds 10 km of road A; only E1 is added: its 4 km, and the 1 km
    # from its start (1 km north of road A, no node within 2 km) to the point of road A it now
    # joins (split there).
    assert sensitivity["length_km"]["2"] == pytest.approx(15.0, abs=1e-3)
    assert sensitivity["density_per_100km2"]["total"] == pytest.approx(15.0, abs=1e-3)


def _detour_base():
    return roads_to_east_interchange(
        [
            # The seat's road: a grade-3 detour (40 km/h), 2 × 14,142 m, to the expressway.
            {
                "id": "a",
                "name": "A",
                "grade": "3",
                "coords": [(0, 0), (10_000, 10_000), (20_000, 0)],
            },
        ]
    )


def test_a_new_road_is_undone_on_the_after_matrix_as_on_the_network_without_it(monkeypatch):
    import transnet.attribution as attribution_module

    base = _detour_base()
    # The seat snaps onto A, 495 m away, at 919 m from A's west end.
    region = square_region(seat_xy=(300, 1000))
    plan = _plan([(_card(id="N3", action="new", grade="2", length_km=20), [(0, 0), (20_000, 0)])])
    result = apply_plan(base, plan)
    assert result.log["outcome"].tolist() == ["added"]
    measured = []
    undo_on_matrix = attribution_module._PathTouches.minutes_without
    monkeypatch.setattr(
        attribution_module._PathTouches,
        "minutes_without",
        lambda self, undo, touched: (
            measured.append(undo_on_matrix(self, undo, touched)) or measured[-1]
        ),
    )
    fast = attribute_seat_minutes(base, plan, result, region, settings=MetricSettings())
    assert len(measured) == 1 and measured[0] is not None
    # The ramp joins A 354 m before its east end. Without N3: A to the ramp, 28,284 - 919 - 354
    # m at 40 km/h, instead of 919 m back, N3's 20 km at 60 km/h and 354 m of A at 40 km/h.
    saved_min = (28_284 - 2 * 919 - 2 * 354) / (40 / 3.6) / 60 - 20_000 / (60 / 3.6) / 60
    assert fast.credits["minutes_saved"].tolist() == [pytest.approx(saved_min, abs=0.05)]
    calls = []
    monkeypatch.setattr(
        attribution_module._PathTouches,
        "minutes_without",
        lambda self, undo, touched: calls.append(undo) and None,
    )
    slow = attribute_seat_minutes(base, plan, result, region, settings=MetricSettings())
    assert len(calls) == 1 and len(calls[0].removed) > 0
    assert slow.credits["minutes_saved"].tolist() == pytest.approx(
        fast.credits["minutes_saved"].tolist(), abs=1e-9
    )
