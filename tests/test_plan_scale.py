"""Plan application and attribution that scale, checked against the old approach.

The old approach is kept here as the reference: the builder's rows as one dict per edge (what
``NetworkBuilder.from_network`` built before), a brute-force search over every edge for cuts,
and attribution re-applying the plan once per card. No timings: ``benchmarks/bench_plan.py``
prints them.
"""

from __future__ import annotations

import importlib.util
import sys
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from conftest import X0, Y0, lines_frame, roads_to_east_interchange, square_region
from shapely.geometry import Point
from test_plan import _card, _plan

from transnet._errors import TransnetWarning
from transnet.attribution import (
    MINUTES_TOLERANCE,
    attribute_seat_minutes,
    seat_minutes_to_interchange,
)
from transnet.metrics import MetricSettings
from transnet.network import network_from_lines
from transnet.network.build import (
    EXPRESSWAY_LAYER,
    ORDINARY_LAYER,
    NetworkBuilder,
    _occurrence,
    _reinferred,
    _Rows,
)
from transnet.network.model import finish_edges
from transnet.plan import apply_plan
from transnet.region import Region
from transnet.study import _without_illustrative
from transnet.testing import synthetic_network

_BENCH = Path(__file__).parents[1] / "benchmarks" / "bench_plan.py"


def _synthetic_plan(n_edges: int, n_cards: int):
    spec = importlib.util.spec_from_file_location("bench_plan", _BENCH)
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_plan"] = module
    spec.loader.exec_module(module)
    return module.synthetic_plan(n_edges, n_cards)


def applied_grid(n_edges: int, n_cards: int):
    """A synthetic grid, a plan of cards of every action on it, and the plan applied once."""
    grid = synthetic_network(n_edges)
    plan = _synthetic_plan(n_edges, n_cards)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TransnetWarning)
        result = apply_plan(grid.network, plan)
    return grid, plan, result


@pytest.fixture(scope="module")
def medium():
    """A 4,000-edge grid, 25 cards of every action, the plan applied once."""
    return applied_grid(4000, 25)


def test_builder_columns_give_the_frame_the_old_row_dicts_gave(medium):
    grid, _, _ = medium
    builder = NetworkBuilder.from_network(grid.network)
    # The old builder: one dict per edge, changed in place, a frame built from the dicts.
    records = grid.network.edges.drop(columns=["length_m"]).to_dict("records")
    builder.update_edges({3: {"lanes": 6, "project_id": "C1", "design_speed_kmh": 80.0}})
    records[3].update({"lanes": 6, "project_id": "C1", "design_speed_kmh": 80.0})
    line = [(X0, Y0 - 700), (X0 + 900, Y0 - 700)]
    attributes = {"name": "new", "grade": "2", "line_id": "C9", "ramp": False}
    builder.add_line(line, attributes, ORDINARY_LAYER)
    records.append({**attributes, "u": -1, "v": -1, "geometry": shapely.LineString(line)})
    new_frame = builder.edge_frame()
    old = pd.DataFrame(records).assign(key=new_frame["key"])
    old.loc[len(old) - 1, ["u", "v"]] = new_frame.loc[len(old) - 1, ["u", "v"]].to_numpy()
    old_frame = finish_edges(old, grid.network.crs)
    pd.testing.assert_frame_equal(
        new_frame.drop(columns="geometry"), old_frame.drop(columns="geometry")
    )
    assert new_frame.geometry.geom_equals(old_frame.geometry).all()
    assert builder.layer_nodes(EXPRESSWAY_LAYER)[0].tolist() == sorted(
        set(grid.network.edges.loc[grid.network.mainline, ["u", "v"]].to_numpy().ravel())
    )


def test_cuts_through_the_spatial_index_split_what_a_scan_of_every_edge_splits(medium):
    grid, _, _ = medium
    rng = np.random.default_rng(3)
    bounds = grid.network.edges.total_bounds
    points = [
        Point(rng.uniform(bounds[0], bounds[2]), rng.uniform(bounds[1], bounds[3]))
        for _ in range(30)
    ]
    builder = NetworkBuilder.from_network(grid.network)
    for number, point in enumerate(points):
        expressway = number % 3 == 0
        rows = builder.edge_rows
        # The old split_near: every current edge of the class, within the distance.
        scanned = sorted(
            i
            for i in range(len(rows))
            if not rows[i].get("ramp", False)
            and (rows[i]["grade"] == "expressway") == expressway
            and shapely.dwithin(rows[i]["geometry"], point, 300.0)
        )
        assert builder.edges_near(point, 300.0, expressway=expressway).tolist() == scanned
        builder.split_near(point, max_distance_m=300.0, expressway=expressway)
    lengths = builder.edge_frame()["length_m"]
    assert lengths.sum() == pytest.approx(grid.network.edges["length_m"].sum(), rel=1e-12)


def test_node_lookups_of_a_builder_give_what_the_dict_of_every_node_gave(medium):
    grid, _, _ = medium
    network = grid.network
    builder = NetworkBuilder.from_network(network)
    mainline = set(network.edges.loc[network.mainline, ["u", "v"]].to_numpy().ravel().tolist())
    # The old lookup: one dict entry per node, the last node at a key winning.
    old = {}
    for node, x, y in zip(network.nodes.index, network.nodes["x"], network.nodes["y"], strict=True):
        layer = EXPRESSWAY_LAYER if node in mainline else ORDINARY_LAYER
        old[(layer, round(x), round(y))] = node
    for (layer, x, y), node in old.items():
        assert builder.node(x + 0.2, y - 0.2, layer) == node
        assert builder.nodes_by_id[node]["node"] == node
    start = builder.next_node_id
    assert start == network.nodes.index.max() + 1  # every lookup found its node
    fork = builder.fork()
    new = fork.node(-123_456.0, 7.0, ORDINARY_LAYER)
    assert new == start and fork.node(-123_456.4, 6.6, ORDINARY_LAYER) == new
    assert new in fork.nodes_by_id and new not in builder.nodes_by_id
    assert builder.node(-123_456.0, 7.0, ORDINARY_LAYER) == start  # made again, in the builder
    assert len(fork.nodes_by_id) == len(builder.nodes_by_id) == len(network.nodes) + 1
    assert list(fork.nodes_by_id)[: len(network.nodes)] == network.nodes.index.tolist()


def test_ends_snap_to_the_nodes_near_them_as_to_every_node_of_the_layer(medium):
    from transnet.plan.snap import snap_ends

    grid, _, _ = medium
    builder = NetworkBuilder.from_network(grid.network)
    builder.add_line([(X0 + 500, Y0 + 700), (X0 + 1900, Y0 + 2300)], {"grade": "2"}, ORDINARY_LAYER)
    rng = np.random.default_rng(5)
    xy = grid.network.nodes[["x", "y"]].to_numpy()
    snapped = 0
    for layer in (ORDINARY_LAYER, EXPRESSWAY_LAYER):
        all_ids, all_xy = builder.layer_nodes(layer)
        for _ in range(40):
            ends = xy[rng.integers(0, len(xy), 2)] + rng.uniform(-1500, 1500, (2, 2))
            ids, near_xy = builder.layer_nodes_near(layer, ends, 1000.0)
            gaps = np.hypot(*(all_xy[:, None, :] - ends[None, :, :]).transpose(2, 0, 1))
            within = all_ids[(gaps <= 1000.0).any(axis=1)]
            assert set(within.tolist()) <= set(ids.tolist())
            assert ids.tolist() == [i for i in all_ids.tolist() if i in set(ids.tolist())]
            line = shapely.LineString(ends)
            full = snap_ends(line, all_ids, all_xy, tolerance_m=1000.0)
            near = snap_ends(line, ids, near_xy, tolerance_m=1000.0)
            assert full.line.equals_exact(near.line, 0)
            for a, b in ((full.start, near.start), (full.end, near.end)):
                assert a.node == b.node
                np.testing.assert_array_equal(
                    [a.distance_m, a.refused_m], [b.distance_m, b.refused_m]
                )
                snapped += a.node is not None
    assert snapped >= 20  # most ends found a node: the comparison means something


def _concatenated(rows: _Rows) -> pd.DataFrame:
    """The frame as the table's unread rows concatenated with the changed ones gave it."""
    read = sorted(rows._read)
    changed = [rows._read[i] for i in read] + rows._added
    extra = pd.DataFrame(changed, index=[*read, *range(rows.n_table, len(rows))])
    if "geometry" in extra.columns:
        extra["geometry"] = extra["geometry"].astype(object)
    both = pd.concat([rows._table.drop(index=read), extra], sort=False)
    return _reinferred(both.sort_index(kind="stable"))


def test_rows_written_into_the_columns_give_the_frame_concatenation_gave():
    table = pd.DataFrame(
        {
            "u": [0, 1, 2, 3],
            "lanes": pd.array([2, None, 4, 2], dtype="Int64"),
            "grade": ["1", "2", None, "3"],
            "ramp": [False, True, False, False],
            "opened": [None, None, None, None],
            "speed": [60.0, np.nan, 80.0, 40.0],
            "geometry": [shapely.Point(i, 0) for i in range(4)],
        }
    )
    rows = _Rows(table)
    rows[1]["lanes"] = 6.5  # Int64 takes a float
    rows[2]["ramp"] = None  # bool takes a missing value
    rows[2]["opened"] = 2024  # all-missing objects take an integer
    rows[3]["line_id"] = "C9"  # a column the table lacks
    rows.append({"u": 9, "grade": "2", "geometry": shapely.Point(9, 0)})  # lacks most columns
    rows.append({"u": 10, "speed": 100, "design_speed_kmh": 80.0})
    frame = rows.frame()
    pd.testing.assert_frame_equal(frame, _concatenated(rows), check_index_type=False)
    assert frame["lanes"].tolist()[:2] == [2, 6.5]
    assert frame["ramp"].tolist()[2] is None
    assert frame["line_id"].isna().tolist() == [True, True, True, False, True, True]
    assert len(table) == 4 and table["lanes"].isna().sum() == 1  # the table is left as it was


def test_rows_read_and_added_over_a_networks_table_give_the_frame_concatenation_gave(medium):
    grid, _, _ = medium
    rows = NetworkBuilder.from_network(grid.network).edge_rows
    rows.append({"u": -1, "v": -2, "grade": "2", "geometry": shapely.Point(0, 0)})
    rows[5]["lanes"] = 8
    rows[7]["name"] = None
    pd.testing.assert_frame_equal(rows.frame(), _concatenated(rows), check_index_type=False)


def test_parallel_edges_are_numbered_in_the_order_they_come():
    assert _occurrence(np.array([5, 3, 5, 5, 3, 7])).tolist() == [0, 0, 1, 2, 1, 0]
    assert _occurrence(np.array([], dtype=np.int64)).tolist() == []
    codes = np.random.default_rng(1).integers(0, 500, 2000)
    expected = pd.Series(codes).groupby(codes).cumcount().to_numpy()
    assert _occurrence(codes).tolist() == expected.tolist()


def test_the_after_networks_node_points_are_at_their_coordinates(medium):
    grid, _, result = medium
    nodes = result.network.nodes
    assert len(nodes) > len(grid.network.nodes)  # the plan added nodes after the base's
    xy = shapely.get_coordinates(nodes.geometry.values)
    np.testing.assert_array_equal(xy, nodes[["x", "y"]].to_numpy())
    assert nodes.crs == grid.network.crs


def test_selecting_through_the_builders_index_selects_what_the_frames_index_selects(medium):
    from transnet.plan.select import already_in_base, edges_along

    grid, plan, result = medium
    context = result.context  # every card applied: the builder holds parts split since
    assert len(context.builder.edge_rows) > len(context.edges)
    compared = cut_parts = 0
    for card, line in zip(plan.cards, context.lines, strict=True):
        expressway = card.class_ == "expressway"
        for buffer_m in (30.0, 300.0):
            mask = context.class_mask(expressway=expressway)
            own = edges_along(context.edges, line, buffer_m=buffer_m, among=mask)
            shared = edges_along(
                context.edges, line, buffer_m=buffer_m, among=mask, near=context.edges_meeting_box
            )
            assert own == shared, card.id
            compared += len(own)
            zone = line.buffer(buffer_m)
            hits = context.edges.sindex.query(zone, predicate="intersects")
            assert set(hits) <= set(context.edges_meeting_box(zone)), card.id
            cut_parts += int((hits >= len(grid.network.edges)).sum())
            kwargs = {"grade": card.grade, "expressway": expressway, "buffer_m": buffer_m}
            assert already_in_base(context.edges, line, **kwargs) == already_in_base(
                context.edges, line, near=context.edges_meeting_box, **kwargs
            ), card.id
    assert compared > 50 and cut_parts > 0  # parts cut at the start were among the hits


def test_node_lookups_far_beyond_what_packs_into_an_integer_fall_back_to_a_dict():
    lines = lines_frame([{"id": "r", "name": "S1", "grade": "2", "coords": [(0, 0), (10_000, 0)]}])
    network = network_from_lines(lines)
    far = network.copy()
    far.nodes["x"] = far.nodes["x"] + 2**31
    builder = NetworkBuilder.from_network(far)
    for node, x, y in zip(far.nodes.index, far.nodes["x"], far.nodes["y"], strict=True):
        assert builder.node(x, y, ORDINARY_LAYER) == node
    assert builder.node(5.0, 5.0, ORDINARY_LAYER) == builder.next_node_id - 1


def test_undoing_a_card_gives_the_network_the_plan_without_it_gives(medium):
    grid, plan, result = medium
    seats = grid.seats.set_index("code").geometry
    settings = MetricSettings()
    changed = result.log.loc[result.log["outcome"].isin(["added", "modified"]), "id"].tolist()
    assert {"upgrade", "widen", "new", "realign"} <= set(
        result.log.set_index("id").loc[changed, "action"]
    )
    for card_id in changed[::3]:
        undone = result.without([card_id])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", TransnetWarning)
            again = apply_plan(grid.network, plan.without([card_id])).network
        assert undone.edges["length_m"].sum() == pytest.approx(
            again.edges["length_m"].sum(), rel=1e-12
        ), card_id
        assert _interchange_places(undone) == _interchange_places(again), card_id
        np.testing.assert_allclose(
            seat_minutes_to_interchange(undone, seats, settings=settings),
            seat_minutes_to_interchange(again, seats, settings=settings),
            rtol=1e-9,
        )


def test_expressway_cards_are_undone_on_the_after_matrix_as_on_the_network_without_them(medium):
    from transnet.attribution import _EntriesWithout, _PathTouches

    grid, plan, result = medium
    seats = grid.seats.set_index("code").geometry
    settings = MetricSettings()
    touches = _PathTouches(result.network, seats, settings=settings)
    entries = _EntriesWithout(result.network)
    edges = result.network.edges
    expressway = (edges["grade"] == "expressway").to_numpy() | edges["ramp"].to_numpy(bool)
    measured = 0
    for card in plan.cards:
        undo = result.undo([card.id])
        if undo is None or not expressway[undo.removed].any():
            continue
        undone = result.without([card.id])
        assert sorted(entries.ids(undo).tolist()) == sorted(undone.interchange_ids.tolist())
        every_seat = np.ones(len(seats), dtype=bool)
        on_matrix = touches.minutes_without(undo, every_seat)
        if on_matrix is None:
            continue  # a changed edge changes class: measured on the network without the card
        np.testing.assert_allclose(
            on_matrix, seat_minutes_to_interchange(undone, seats, settings=settings), rtol=1e-9
        )
        measured += 1
    assert measured >= 2  # new expressways with their ramps, undone on the matrix


def test_a_seat_on_a_new_road_is_snapped_again_when_the_road_is_undone(medium):
    from transnet.attribution import _PathTouches

    grid, plan, result = medium
    owner, _ = result.owners()
    edges = result.network.edges
    ordinary = ~(result.network.mainline.to_numpy() | edges["ramp"].to_numpy(bool))
    new_roads = [
        card.id
        for card in plan.cards
        if card.action in ("new", "realign") and card.class_ != "expressway"
    ]
    # A seat 5 m off the middle of each new ordinary road: its nearest edge is the card's.
    points, codes = [], []
    for card_id in new_roads:
        labels = [e for e, c in owner.items() if c == card_id and ordinary[e]]
        if labels:
            line = edges.geometry.iloc[max(labels, key=lambda e: edges.at[e, "length_m"])]
            middle = line.interpolate(0.5, normalized=True)
            points.append(shapely.Point(middle.x + 5, middle.y + 5))
            codes.append(f"on-{card_id}")
    seats = pd.concat(
        [
            grid.seats.set_index("code").geometry,
            gpd.GeoSeries(points, index=codes, crs=result.network.crs),
        ]
    )
    settings = MetricSettings()
    touches = _PathTouches(result.network, seats, settings=settings)
    every_seat = np.ones(len(seats), dtype=bool)
    measured = 0
    for card_id in new_roads:
        undo = result.undo([card_id])
        if undo is None or f"on-{card_id}" not in seats.index:
            continue
        on_matrix = touches.minutes_without(undo, every_seat)
        undone = seat_minutes_to_interchange(result.without([card_id]), seats, settings=settings)
        np.testing.assert_allclose(on_matrix, undone, rtol=1e-9)
        measured += int(touches._snapped[seats.index.get_loc(f"on-{card_id}")] in undo.removed)
    assert measured >= 3  # seats snapped onto the card's road, snapped again without it


def test_reapplying_from_the_kept_start_gives_what_applying_the_plan_again_gives(medium):
    grid, plan, result = medium
    new_cards = [c.id for c in plan.cards if c.action in ("new", "realign")]
    upgrades = [c.id for c in plan.cards if c.action in ("upgrade", "widen")]
    assert result.reapplied_without(upgrades[:1]) is None
    for card_id in new_cards[::2]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", TransnetWarning)
            again = result.reapplied_without([card_id])
            fresh = apply_plan(grid.network, plan.without([card_id]))
        pd.testing.assert_frame_equal(again.log, fresh.log)
        pd.testing.assert_frame_equal(again.network.nodes, fresh.network.nodes)
        pd.testing.assert_frame_equal(again.network.edges, fresh.network.edges)
    # The kept start is not changed by re-applying from it.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TransnetWarning)
        first = result.reapplied_without(new_cards[:1]).network.edges
        second = result.reapplied_without(new_cards[:1]).network.edges
    pd.testing.assert_frame_equal(first, second)


def _interchange_places(network) -> list[tuple[float, float]]:
    """Where the interchanges are (node ids differ with the order nodes were made in)."""
    nodes = network.nodes.loc[network.interchange_ids]
    return sorted(zip(nodes["x"].round(3), nodes["y"].round(3), strict=True))


def _old_attribution_credits(before, plan, result, region, settings) -> pd.DataFrame:
    """The old attribution: the plan re-applied without each card, every seat measured."""
    seats = region.seats.set_index("code").geometry
    after_min = seat_minutes_to_interchange(result.network, seats, settings=settings)
    rows = []
    changed = result.log.loc[result.log["outcome"].isin(["added", "modified"]), "id"]
    for card_id in changed:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", TransnetWarning)
            without = apply_plan(before, plan.without([card_id])).network
        worse = seat_minutes_to_interchange(without, seats, settings=settings) - after_min
        for code in seats.index[(worse > MINUTES_TOLERANCE).to_numpy()]:
            rows.append({"code": code, "project": card_id, "minutes_saved": float(worse[code])})
    return pd.DataFrame(rows, columns=["code", "project", "minutes_saved"])


def test_attribution_credits_what_re_applying_the_plan_per_card_credits(medium):
    grid, plan, result = medium
    region = Region(name="grid", counties=grid.counties, seats=grid.seats)
    settings = MetricSettings()
    new = attribute_seat_minutes(grid.network, plan, result, region, settings=settings)
    old = _old_attribution_credits(grid.network, plan, result, region, settings)
    assert len(old) > 0  # the comparison means something: some card is credited
    key = ["project", "code"]
    new_credits = new.credits.drop(columns="name").sort_values(key).reset_index(drop=True)
    pd.testing.assert_frame_equal(
        new_credits, old.sort_values(key).reset_index(drop=True), rtol=1e-9
    )


def test_sensitivity_undone_in_the_result_equals_the_plan_applied_again(medium):
    grid, plan, result = medium
    region = Region(name="grid", counties=grid.counties, seats=grid.seats)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TransnetWarning)
        again = _without_illustrative(grid.network, plan, region)
    undone = _without_illustrative(grid.network, plan, region, result)
    assert undone["cards_left_out"] == again["cards_left_out"]
    assert undone["length_km"] == pytest.approx(again["length_km"], rel=1e-12)


def _road_10km():
    return network_from_lines(
        lines_frame([{"id": "r", "name": "S1", "grade": "2", "coords": [(0, 0), (10_000, 0)]}])
    )


def test_an_end_far_from_nodes_snaps_to_the_foot_point_on_the_line_and_splits_it():
    base = _road_10km()
    # The card ends 300 m north of the road's middle; the road's nodes are 5 km away.
    plan = _plan([(_card(id="N9", action="new", length_km=3), [(5000, 3300), (5000, 300)])])
    result = apply_plan(base, plan)
    log = result.log.set_index("id").loc["N9"]
    assert np.isnan(log["start_snap_m"])
    assert log["end_snap_m"] == pytest.approx(300.0)
    edges = result.network.edges
    road = edges.loc[edges["name"] == "S1"]
    assert sorted(road["length_m"].round(6)) == [5000.0, 5000.0]
    assert road["length_m"].sum() == 10_000.0  # the two parts sum exactly
    card = edges.loc[edges["project_id"] == "N9"]
    assert card["length_m"].sum() == pytest.approx(3300.0)
    # The card and both parts of the road meet at the foot point (5000, 0).
    foot = result.network.nodes.loc[card["v"].iloc[0]]
    assert (foot["x"], foot["y"]) == (pytest.approx(X0 + 5000), pytest.approx(Y0))
    assert foot.name in set(road["u"]) & set(road["v"])


def test_the_foot_point_is_never_back_along_the_card():
    base = _road_10km()
    # The card crosses the road and ends 500 m beyond it: the road's nearest point lies
    # back along the card, so the end stays free (the crossing is no connection either).
    plan = _plan([(_card(id="N9", action="new", length_km=4), [(5000, 4000), (5000, -500)])])
    with pytest.warns(TransnetWarning, match=r"plan card N9 \(new\): its start and end stay"):
        result = apply_plan(base, plan, warn_free_ends=True)
    log = result.log.set_index("id").loc["N9"]
    assert np.isnan(log["end_snap_m"])
    assert len(result.network.edges.loc[result.network.edges["name"] == "S1"]) == 1


def test_an_end_left_unconnected_is_named_in_a_warning():
    base = _road_10km()
    plan = _plan(
        # The start is 4.5 km from the road, the end 1.5 km (it snaps to the road's line).
        [(_card(id="N9", action="new", length_km=3), [(5000, 4500), (5000, 1500)])]
    )
    with pytest.warns(TransnetWarning) as caught:
        result = apply_plan(base, plan, warn_free_ends=True)
    messages = [str(w.message) for w in caught]
    assert messages == [
        "plan card N9 (new): its start stays unconnected: start left free: no ordinary node "
        "within 2000 m"
    ]
    assert result.log.set_index("id").loc["N9", "end_snap_m"] == pytest.approx(1500.0)


def test_a_card_joining_another_cards_road_is_applied_again_when_that_card_is_left_out():
    # Road A runs 20 km east to an expressway's interchange (as in test_attribution).
    base = roads_to_east_interchange(
        [{"id": "a", "name": "A", "grade": "2", "coords": [(0, 0), (20_000, 0)]}]
    )
    plan = _plan(
        [
            (_card(id="N1", action="new", length_km=4), [(2000, 0), (2000, 4000)]),
            # N2 starts 100 m from N1's end: it joins N1's road, so without N1 it would be
            # applied differently (its start left free) and cannot simply be kept.
            (_card(id="N2", action="new", length_km=4), [(2100, 4000), (6000, 4000)]),
        ]
    )
    result = apply_plan(base, plan)
    assert result.without(["N1"]) is None
    assert result.without(["N2"]) is not None
    # The seat lies 300 m from N2: its way out runs along N2 and N1 to road A.
    region = square_region(seat_xy=(4000, 4300))
    settings = MetricSettings()
    attribution = attribute_seat_minutes(base, plan, result, region, settings=settings)
    old = _old_attribution_credits(base, plan, result, region, settings)
    assert sorted(attribution.credits["project"]) == ["N1", "N2"]
    pd.testing.assert_frame_equal(
        attribution.credits.drop(columns="name").sort_values("project").reset_index(drop=True),
        old.sort_values("project").reset_index(drop=True),
    )


def test_the_bundles_attribution_is_what_re_applying_the_plan_per_card_gives(bundle_study):
    study = bundle_study
    old = _old_attribution_credits(
        study.before, study.plan, study.plan_result, study.region, study.settings
    )
    assert len(old) > 0
    key = ["project", "code"]
    pd.testing.assert_frame_equal(
        study.attribution.credits.drop(columns="name").sort_values(key).reset_index(drop=True),
        old.sort_values(key).reset_index(drop=True),
        rtol=1e-9,
    )


def test_undoing_one_of_two_upgrades_of_a_road_keeps_the_other():
    from transnet.network import RoadNetwork

    road = network_from_lines(
        lines_frame([{"id": "r", "name": "S1", "grade": "3", "coords": [(0, 0), (10_000, 0)]}])
    )
    # The road has a posted limit; an upgrade drops it (the limit was the old road's).
    base = RoadNetwork(road.nodes, road.edges.assign(maxspeed="50"), road.metadata)
    plan = _plan(
        [
            (_card(id="N1", grade="2", lanes=4), [(0, 0), (10_000, 0)]),
            (_card(id="N2", grade="1", lanes=2), [(0, 0), (10_000, 0)]),
        ]
    )
    result = apply_plan(base, plan)
    after = result.network.edges.iloc[0]
    assert (after["grade"], after["lanes"], after["project_id"]) == ("1", 4, "N2")
    assert after["maxspeed"] is None
    columns = ["grade", "lanes", "project_id", "maxspeed"]
    for left_out, expected in (
        ("N2", ("2", 4, "N1", None)),  # N1 alone: grade 2, 4 lanes, no posted limit
        ("N1", ("1", 2, "N2", None)),  # N2 alone: grade 1, the road's 2 lanes
    ):
        undone = result.without([left_out]).edges[columns]
        again = apply_plan(base, plan.without([left_out])).network.edges[columns]
        assert tuple(undone.iloc[0]) == expected
        assert undone.to_dict("records") == again.to_dict("records")
    both = result.without(["N1", "N2"]).edges.iloc[0]
    assert (both["grade"], both["lanes"], both["maxspeed"]) == ("3", 2, "50")
    assert pd.isna(both["project_id"])
