"""The plan applied again without a card another card joins, as an edit of the "after" network.

Every check compares with the plan applied again and its network built and measured afresh
(``PlanResult.reapplied_without``, ``seat_minutes_to_interchange``): the edit must describe
that network, and the minutes measured through it must be that network's.
"""

from __future__ import annotations

import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from conftest import X0, Y0, lines_frame, roads_to_east_interchange, square_region
from shapely.geometry import LineString
from test_plan import _card, _plan
from test_plan_scale import _old_attribution_credits, applied_grid

from transnet._errors import TransnetWarning
from transnet.access import AccessGraph, build_matrix, cost_to_nearest
from transnet.attribution import (
    _EntriesWithout,
    _MaskedMatrix,
    _PathTouches,
    attribute_seat_minutes,
    seat_minutes_to_interchange,
)
from transnet.metrics import MetricSettings
from transnet.network import RoadNetwork, network_from_lines
from transnet.network.model import finish_edges
from transnet.plan import PlanResult, apply_plan
from transnet.plan.replay import PlanEdit, _canonical, _node_frame, edit_without
from transnet.region import Region


@pytest.fixture(scope="module")
def joined():
    """A 2,000-edge grid and 40 cards, some of whose roads join other cards' roads."""
    grid, plan, result = applied_grid(2000, 40)
    added = result.log.loc[result.log["outcome"] == "added", "id"]
    dependent = [card_id for card_id in added if result.undo([card_id]) is None]
    return grid, plan, result, dependent


def _canonical_network(network: RoadNetwork) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Edges and nodes as sorted tables, each edge's ends by their place (ids differ)."""
    edges, nodes = network.edges, network.nodes
    columns = [c for c in edges.columns if c not in ("u", "v", "key", "geometry")]
    table = edges[columns].astype(str)
    for end in ("u", "v"):
        place = nodes.loc[edges[end], ["x", "y"]].to_numpy()
        table[f"{end}_x"], table[f"{end}_y"] = place[:, 0], place[:, 1]
    table["wkb"] = [geometry.wkb_hex for geometry in edges.geometry]
    table = table.sort_values(list(table.columns)).reset_index(drop=True)
    places = nodes[["x", "y", "interchange", "interchange_name"]].astype(str)
    return table, places.sort_values(list(places.columns)).reset_index(drop=True)


def _reapplied(result: PlanResult, card_ids: list[str]) -> RoadNetwork:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TransnetWarning)
        return result.reapplied_without(card_ids).network


def test_the_grid_has_cards_joined_by_other_cards_roads(joined):
    # Without them the tests below would check only the plain undo.
    _, _, _, dependent = joined
    assert len(dependent) >= 2


def test_the_edit_describes_the_network_the_plan_applied_again_builds(joined):
    _, _, result, dependent = joined
    for card_ids in [*([c] for c in dependent), dependent[:2]]:
        edit = edit_without(result, card_ids)
        assert len(edit.removed) > 0 and len(edit.added) > 0
        mine = _canonical_network(edit.network(result.network))
        again = _canonical_network(_reapplied(result, card_ids))
        pd.testing.assert_frame_equal(mine[0], again[0])
        pd.testing.assert_frame_equal(mine[1], again[1])
        plan = result._start[1]
        assert edit.log["id"].tolist() == [c.id for c in plan.cards if c.id not in card_ids]


def test_an_edit_of_a_card_nothing_joins_removes_its_road_and_adds_nothing(joined):
    grid, _, result, dependent = joined
    added = result.log.loc[result.log["outcome"] == "added", "id"]
    free = next(c for c in added if c not in dependent)
    edit = edit_without(result, [free])
    assert set(result.network.edges.loc[edit.removed, "project_id"]) == {free}
    assert len(edit.added) == 0 and len(edit.new_nodes) == 0
    mine = _canonical_network(edit.network(result.network))
    reapplied = _reapplied(result, [free])
    pd.testing.assert_frame_equal(mine[0], _canonical_network(reapplied)[0])
    # Measured through the edit, with nothing to add, as on that network.
    settings = MetricSettings()
    seats = grid.seats.set_index("code").geometry
    minutes = _PathTouches(result.network, seats, settings=settings).minutes_edited(edit)
    pd.testing.assert_series_equal(
        minutes,
        seat_minutes_to_interchange(reapplied, seats, settings=settings),
        check_names=False,
        rtol=1e-12,
    )


def test_the_minutes_through_the_edit_are_the_re_applied_networks(joined):
    grid, _, result, dependent = joined
    settings = MetricSettings()
    seats = grid.seats.set_index("code").geometry
    touches = _PathTouches(result.network, seats, settings=settings)
    for card_id in dependent:
        mine = touches.minutes_edited(edit_without(result, [card_id]))
        again = seat_minutes_to_interchange(_reapplied(result, [card_id]), seats, settings=settings)
        pd.testing.assert_series_equal(mine, again, check_names=False, rtol=1e-12)


def _joined_base() -> RoadNetwork:
    """Road A runs 20 km east to an expressway's interchange; road B joins it from the north."""
    return roads_to_east_interchange(
        [
            {"id": "a", "name": "A", "grade": "2", "coords": [(0, 0), (2500, 0), (20_000, 0)]},
            {"id": "b", "name": "B", "grade": "3", "coords": [(2500, 3500), (2500, 0)]},
        ]
    )


def test_a_road_joined_elsewhere_without_the_card_is_measured_where_it_joins(monkeypatch):
    base = _joined_base()
    plan = _plan(
        [
            (_card(id="N1", action="new", length_km=4), [(2000, 0), (2000, 4000)]),
            # N2 starts 100 m from N1's end; without N1 its start joins road B's end, 640 m off.
            (_card(id="N2", action="new", length_km=4), [(2100, 4000), (6000, 4000)]),
        ]
    )
    result = apply_plan(base, plan)
    assert result.undo(["N1"]) is None
    edit = edit_without(result, ["N1"])
    b_end = base.nodes.loc[base.edges.loc[base.edges["name"] == "B", "u"].iloc[0]]
    n2 = edit.added.loc[edit.added["project_id"] == "N2"]
    assert b_end.name in set(n2["u"]) | set(n2["v"])
    assert len(edit.new_nodes) == 0
    region = square_region(seat_xy=(4000, 4300))
    settings = MetricSettings()
    seats = region.seats.set_index("code").geometry
    touches = _PathTouches(result.network, seats, settings=settings)
    mine = touches.minutes_edited(edit)
    again = seat_minutes_to_interchange(_reapplied(result, ["N1"]), seats, settings=settings)
    assert float(mine.iloc[0]) == pytest.approx(float(again.iloc[0]), rel=1e-12)
    assert float(again.iloc[0]) != pytest.approx(float(touches.minutes.iloc[0]))
    # Attribution takes the edit: the plan is applied again, but no network is built.
    monkeypatch.setattr(
        PlanResult, "reapplied_without", lambda *a, **k: pytest.fail("network built again")
    )
    attribution = attribute_seat_minutes(base, plan, result, region, settings=settings)
    monkeypatch.undo()
    old = _old_attribution_credits(base, plan, result, region, settings)
    pd.testing.assert_frame_equal(
        attribution.credits.drop(columns="name").sort_values("project").reset_index(drop=True),
        old.sort_values("project").reset_index(drop=True),
    )


def test_the_attribution_of_the_grid_is_what_re_applying_per_card_gives(joined, monkeypatch):
    grid, plan, result, _ = joined
    region = Region(name="grid", counties=grid.counties, seats=grid.seats)
    settings = MetricSettings()
    monkeypatch.setattr(
        PlanResult, "reapplied_without", lambda *a, **k: pytest.fail("network built again")
    )
    new = attribute_seat_minutes(grid.network, plan, result, region, settings=settings)
    monkeypatch.undo()
    old = _old_attribution_credits(grid.network, plan, result, region, settings)
    key = ["project", "code"]
    pd.testing.assert_frame_equal(
        new.credits.drop(columns="name").sort_values(key).reset_index(drop=True),
        old.sort_values(key).reset_index(drop=True),
        rtol=1e-9,
    )


def test_no_edit_without_the_start_or_of_an_upgrade(joined):
    _, plan, result, _ = joined
    upgrade = next(c.id for c in plan.cards if c.action == "upgrade")
    assert edit_without(result, [upgrade]) is None
    by_hand = PlanResult(network=result.network, log=result.log, context=result.context)
    assert edit_without(by_hand, ["C1"]) is None


def test_the_edited_matrix_is_the_matrix_of_the_edited_edges():
    # Five nodes; edges as (u, v, seconds, one-way). Edge 1 is removed; the added ones: a
    # cheaper parallel of edge 0, two one-way edges to new node 5 and one back from it.
    edges = [(0, 1, 60.0, False), (1, 2, 30.0, False), (2, 3, 45.0, True), (0, 4, 90.0, False)]
    added = [
        (0, 1, 20.0, False),
        (4, 5, 10.0, True),
        (4, 5, 3.0, True),  # parallel to the one before: the cheaper counts
        (5, 2, 5.0, False),
        (3, 2, 1.0, True),
    ]
    u, v, time, oneway = (np.array(c) for c in zip(*edges, strict=True))
    network = RoadNetwork(
        gpd.GeoDataFrame(
            {"x": np.arange(5.0), "y": 0.0, "interchange": False, "interchange_name": None},
            geometry=gpd.points_from_xy(np.arange(5.0), np.zeros(5)),
            crs="EPSG:32649",
        ),
        gpd.GeoDataFrame(
            {
                "u": u,
                "v": v,
                "oneway": oneway,
                "time_s": time,
                "length_m": time,
                "ramp": False,
                "grade": "2",
            },
            geometry=[LineString([(a, 0), (b, 0)]) for a, b in zip(u, v, strict=True)],
            crs="EPSG:32649",
        ),
    )
    matrix = build_matrix(u, v, time, oneway, 5)
    graph = AccessGraph(
        network=network, node_ids=np.arange(5), time=matrix, distance=matrix, edge_index=None
    )
    au, av, at, ao = (np.array(c) for c in zip(*added, strict=True))
    for targets in ([2], [3], [5], [0, 5]):
        cost = _MaskedMatrix(graph, speeds_kmh=None).cost_edited(
            np.array([1]),
            added_u=au,
            added_v=av,
            added_time_s=at,
            added_oneway=ao,
            n_nodes=6,
            targets=np.array(targets),
        )
        keep = np.array([True, False, True, True])
        expected = cost_to_nearest(
            build_matrix(
                np.concatenate([u[keep], au]),
                np.concatenate([v[keep], av]),
                np.concatenate([time[keep], at]),
                np.concatenate([oneway[keep], ao]),
                6,
            ),
            np.array(targets),
        )
        np.testing.assert_array_equal(cost, expected)


def test_a_ramp_added_to_a_road_no_ramp_reached_makes_an_entry():
    # The "after" network: road A ends 1 km short of the expressway, and nothing joins them.
    after = network_from_lines(
        lines_frame(
            [
                {"id": "a", "name": "A", "grade": "2", "coords": [(0, 0), (19_000, 0)]},
                {
                    "id": "x",
                    "name": "G55",
                    "grade": "expressway",
                    "coords": [(20_000, -9000), (20_000, 0), (20_000, 9000)],
                },
            ]
        )
    )
    nodes = after.nodes
    at = {
        (round(x - X0), round(y - Y0)): node
        for node, x, y in zip(nodes.index, nodes["x"], nodes["y"], strict=True)
    }
    junction, road_end, top = at[(20_000, 0)], at[(19_000, 0)], at[(20_000, 9000)]
    assert len(after.interchange_ids) == 0
    # The edit: a ramp from the expressway's vertex to A's end, and the vertex marked.
    ramp = pd.DataFrame(
        {
            "u": [junction],
            "v": [road_end],
            "key": [0],
            "grade": ["expressway"],
            "ramp": [True],
            "geometry": [LineString([nodes.loc[junction].geometry, nodes.loc[road_end].geometry])],
        }
    )
    edit = PlanEdit(
        removed=np.array([], dtype=np.int64),
        added=finish_edges(ramp, after.crs),
        new_nodes=_node_frame([], after.crs),
        dropped_nodes=np.array([], dtype=np.int64),
        # The far end marked too: a marked node without ramps is an entry of its own.
        marks={junction: (True, "East"), top: (True, "North")},
        log=pd.DataFrame(),
    )
    entries = sorted([junction, top])
    assert sorted(edit.network(after).interchange_ids.tolist()) == entries
    assert sorted(_EntriesWithout(after).ids_edited(edit).tolist()) == entries


def test_row_values_compare_as_the_same_exactly_when_they_are():
    assert _canonical(float("nan")) == _canonical(None) == _canonical(pd.NA)
    assert _canonical(LineString([(0, 0), (1, 0)])) == _canonical(LineString([(0, 0), (1, 0)]))
    assert _canonical(LineString([(0, 0), (1, 0)])) != _canonical(LineString([(0, 0), (1, 1e-9)]))
    assert _canonical([1, 2]) == _canonical([1, 2]) != _canonical([2, 1])
    assert _canonical("G5") != _canonical("G55")


def test_a_card_is_credited_where_a_road_joining_it_would_join_worse_without_it():
    # C ends on road A's line at 5 km (2.1 km from A's vertex, out of reach: A is split there).
    # D, from the north, ends 1345 m from that point and joins C's node there. Without C, D
    # joins A's vertex at 2.9 km instead (1421 m away, a node, which the rule prefers to a
    # line): the seat on D, whose best path never uses C's road, is farther from the
    # interchange.
    base = roads_to_east_interchange(
        [{"id": "a", "name": "A", "grade": "2", "coords": [(0, 0), (2900, 0), (20_000, 0)]}]
    )
    plan = _plan(
        [
            (_card(id="C", action="new", length_km=3), [(5000, -3000), (5000, 0)]),
            (_card(id="D", action="new", length_km=3), [(4000, 4000), (4000, 900)]),
        ]
    )
    result = apply_plan(base, plan)
    assert result.undo(["C"]) is None
    region = square_region(seat_xy=(4300, 3000))
    settings = MetricSettings()
    seats = region.seats.set_index("code").geometry
    touches = _PathTouches(result.network, seats, settings=settings)
    assert not touches.seats_touching(result.card_edges()["C"]).any()
    attribution = attribute_seat_minutes(base, plan, result, region, settings=settings)
    old = _old_attribution_credits(base, plan, result, region, settings)
    assert "C" in set(old["project"])
    pd.testing.assert_frame_equal(
        attribution.credits.drop(columns="name").sort_values("project").reset_index(drop=True),
        old.sort_values("project").reset_index(drop=True),
    )
