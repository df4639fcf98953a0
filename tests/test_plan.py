"""Plan cards: validation of bad input, and applying upgrades, new links and duplicates."""

from __future__ import annotations

import json
import math

import geopandas as gpd
import pytest
from conftest import UTM, X0, Y0, lines_frame, points_frame
from shapely.geometry import LineString

from transnet import InputError
from transnet._errors import TransnetWarning
from transnet.metrics import evaluate_scenario
from transnet.network import network_from_lines
from transnet.plan import Plan, ProjectCard, apply_plan, load_plan


def _card(**overrides) -> dict:
    card = {
        "id": "N1",
        "name": "G108 upgrade",
        "class": "national_provincial",
        "action": "upgrade",
        "length_km": 10.0,
        "length_basis": "estimated",
        "investment_100m_cny": 5.0,
        "investment_basis": "apportioned",
        "status": "planned",
        "grade": "1",
        "lanes": 4,
        "ref": "",
        "provenance": "illustrative",
        "source": "test",
        "interchanges": [],
    }
    card.update(overrides)
    return card


def _plan(cards: list[tuple[dict, list[tuple[float, float]]]]) -> Plan:
    """A plan from (properties, coordinates in metres relative to X0, Y0)."""
    models = [ProjectCard.model_validate(props) for props, _ in cards]
    geometries = [LineString([(X0 + x, Y0 + y) for x, y in coords]) for _, coords in cards]
    frame = gpd.GeoDataFrame(
        [m.model_dump(by_alias=True) for m in models], geometry=geometries, crs=UTM
    ).to_crs("EPSG:4326")
    return Plan(cards=models, frame=frame)


def _base():
    lines = lines_frame(
        [
            {
                "id": "g",
                "name": "G108",
                "ref": "G108",
                "grade": "2",
                "coords": [(0, 0), (10_000, 0)],
            },
            {"id": "s", "name": "S-road", "grade": "3", "coords": [(10_000, 0), (10_000, 8000)]},
            {
                "id": "x",
                "name": "G55",
                "grade": "expressway",
                "lanes": 4,
                "coords": [(0, 20_000), (20_000, 20_000)],
            },
        ]
    )
    # An interchange with no ordinary road within reach: it exists, but cannot be entered.
    interchanges = points_frame([{"id": "i", "name": "IC", "road": "x", "x": 10_000, "y": 20_000}])
    return network_from_lines(lines, interchanges)


def test_upgrade_changes_the_grade_of_matched_edges_only(region):
    base = _base()
    result = apply_plan(base, _plan([(_card(), [(0, 50), (10_000, 50)])]))
    after = result.network
    g108 = after.edges[after.edges["name"] == "G108"]
    assert set(g108["grade"]) == {"1"}
    assert set(g108["lanes"]) == {4}
    assert set(g108["project_id"]) == {"N1"}
    assert set(after.edges.loc[after.edges["name"] == "S-road", "grade"]) == {"3"}
    assert result.log.loc[0, "outcome"] == "modified"
    # The base network is untouched.
    assert set(base.edges.loc[base.edges["name"] == "G108", "grade"]) == {"2"}
    # Density by grade moves 10 km from grade 2 to grade 1 (the whole road lies in the county).
    before_metrics = evaluate_scenario(base, region)
    after_metrics = evaluate_scenario(after, region)
    assert before_metrics.length_km["2"] == pytest.approx(10.0, abs=1e-3)
    assert after_metrics.length_km["1"] == pytest.approx(10.0, abs=1e-3)
    assert after_metrics.length_km["2"] == pytest.approx(0.0, abs=1e-3)
    assert after_metrics.length_km["total"] == pytest.approx(before_metrics.length_km["total"])


def test_upgrade_never_downgrades_and_reports_no_match():
    base = _base()
    plan = _plan(
        [
            (_card(id="N2", grade="4"), [(0, 0), (10_000, 0)]),
            (_card(id="N3"), [(0, -5000), (10_000, -5000)]),
        ]
    )
    with pytest.warns(TransnetWarning, match=r"plan card N3 \(upgrade\) matches no road"):
        result = apply_plan(base, plan)
    assert set(result.network.edges.loc[result.network.edges["name"] == "G108", "grade"]) == {"2"}
    log = result.log.set_index("id")
    assert log.at["N3", "outcome"] == "no_match"
    assert "nothing changed" in log.at["N3", "note"]


def test_new_link_is_snapped_to_existing_nodes_and_snap_distance_reported():
    base = _base()
    # From 150 m off the G108's west end (0, 0) to 300 m off the S-road's north end (10 km, 8 km).
    card = _card(id="N4", action="new", grade="2", length_km=12.8)
    result = apply_plan(base, _plan([(card, [(0, 150), (10_000, 8300)])]))
    row = result.log.iloc[0]
    assert row["outcome"] == "added"
    assert row["start_snap_m"] == pytest.approx(150, abs=0.01)
    assert row["end_snap_m"] == pytest.approx(300, abs=0.01)
    after = result.network
    new = after.edges[after.edges["project_id"] == "N4"]
    assert len(new) == 1
    # Snapped ends are the existing nodes, so the new line closes a loop: 3 ordinary nodes.
    assert set(new[["u", "v"]].to_numpy().ravel()) <= set(base.nodes.index)
    assert new["length_m"].iloc[0] == pytest.approx((10_000**2 + 8000**2) ** 0.5)


def test_new_link_end_beyond_tolerance_is_left_free():
    base = _base()
    card = _card(id="N5", action="new", grade="2", length_km=5)
    result = apply_plan(base, _plan([(card, [(0, 0), (-5000, 0)])]), snap_tolerance_m=1000)
    row = result.log.iloc[0]
    assert row["start_snap_m"] == pytest.approx(0, abs=1e-6)
    assert row["end_snap_m"] != row["end_snap_m"]  # NaN: left free
    assert row["note"].startswith("end left free")
    assert len(result.network.nodes) == len(base.nodes) + 1


def test_a_project_already_in_the_base_network_is_not_counted_twice(region):
    base = _base()
    ring = _card(
        id="E2",
        name="ring opened 2024",
        action="new",
        grade="expressway",
        length_km=20,
        **{"class": "expressway"},
    )
    result = apply_plan(base, _plan([(ring, [(0, 20_100), (20_000, 20_100)])]))
    assert result.log.iloc[0]["outcome"] == "already_in_base"
    assert result.network.edges["length_m"].sum() == pytest.approx(base.edges["length_m"].sum())


def test_new_expressway_with_an_interchange_gets_a_ramp():
    base = _base()
    # A new expressway from the G55 at (20 km, 20 km) south to (20 km, 0), with an interchange
    # 1 km east of the S-road's north end.
    import pyproj

    to_lonlat = pyproj.Transformer.from_crs(UTM, "EPSG:4326", always_xy=True)
    lon, lat = to_lonlat.transform(X0 + 20_000, Y0 + 8000)
    card = _card(
        id="E3",
        action="new",
        grade="expressway",
        length_km=20,
        name="new expressway",
        interchanges=[{"name": "S-road IC", "lon": lon, "lat": lat}],
        **{"class": "expressway"},
    )
    result = apply_plan(base, _plan([(card, [(20_000, 20_000), (20_000, 0)])]), ramp_max_m=20_000)
    after = result.network
    assert after.nodes["interchange"].sum() == base.nodes["interchange"].sum() + 1
    ramp = after.edges[after.edges["ramp"]]
    assert len(ramp) == 1
    assert ramp["length_m"].iloc[0] == pytest.approx(10_000, abs=1)
    assert result.log.iloc[0]["start_snap_m"] == pytest.approx(0, abs=1e-6)


def _write_plan(tmp_path, features, *, crs=None):
    document = {"type": "FeatureCollection", "features": features}
    if crs:
        document["crs"] = {"type": "name", "properties": {"name": crs}}
    path = tmp_path / "plan.geojson"
    path.write_text(json.dumps(document, ensure_ascii=False))
    return path


def _feature(properties, coords=((112.5, 38.0), (112.6, 38.0))):
    geometry = None if coords is None else {"type": "LineString", "coordinates": list(coords)}
    return {"type": "Feature", "properties": properties, "geometry": geometry}


# 0.1° of longitude at 38° N is about 8.77 km.
@pytest.mark.parametrize(
    ("properties", "coords", "field", "message"),
    [
        (_card(length_km=8.8), None, "geometry", "no geometry"),
        (_card(length_km=8.8, grade="5"), (), "grade", "unknown grade"),
        (_card(length_km=8.8, action="demolish"), (), "action", "new"),
        (_card(length_km=12.0), (), "length_km", "off the geometry's length"),
        ({**_card(length_km=8.8), "lenght_km": 3}, (), "lenght_km", "did you mean 'length_km'"),
    ],
)
def test_bad_cards_name_the_file_card_and_field(tmp_path, properties, coords, field, message):
    feature = _feature(properties, None) if coords is None else _feature(properties)
    path = _write_plan(tmp_path, [feature])
    with pytest.raises(InputError) as info:
        load_plan(path)
    assert info.value.record == "N1"
    assert info.value.field == field
    assert message in str(info.value)
    assert str(path) in str(info.value)


def test_projected_coordinates_without_a_crs_are_rejected(tmp_path):
    feature = _feature(_card(length_km=10), ((500_000, 4_200_000), (510_000, 4_200_000)))
    path = _write_plan(tmp_path, [feature])
    with pytest.raises(InputError, match="looks projected but declares no CRS"):
        load_plan(path)


def test_a_valid_card_loads(tmp_path):
    plan = load_plan(_write_plan(tmp_path, [_feature(_card(length_km=8.8))]))
    assert plan.cards[0].grade == "1"
    assert plan.frame["geometry_km"].iloc[0] == pytest.approx(8.78, abs=0.05)


def test_a_new_link_adds_its_length_to_the_density(region):
    base = _base()
    # A grade-2 link inside the 10 km square county from (1 km, 0) to (1 km, 4 km); its start
    # snaps to the G108's node at (0, 0), 1 km away, so it adds hypot(1, 4) = 4.1231 km.
    card = _card(id="N6", action="new", grade="2", length_km=4.0)
    result = apply_plan(base, _plan([(card, [(1000, 0), (1000, 4000)])]))
    assert result.log.iloc[0]["start_snap_m"] == pytest.approx(1000)
    before = evaluate_scenario(base, region)
    after = evaluate_scenario(result.network, region)
    added_km = math.hypot(1, 4)
    grade2_change = after.length_km["2"] - before.length_km["2"]
    density_change = after.density_per_100km2["total"] - before.density_per_100km2["total"]
    assert grade2_change == pytest.approx(added_km, abs=1e-3)
    assert density_change == pytest.approx(added_km, abs=1e-3)  # the county is 100 km²


def test_upgrade_with_a_ref_and_no_road_nearby_is_no_match():
    with pytest.warns(TransnetWarning, match="plan card N7 .*matches no road"):
        result = apply_plan(
            _base(), _plan([(_card(id="N7", ref="G108"), [(0, -9000), (10_000, -9000)])])
        )
    assert result.log.iloc[0]["outcome"] == "no_match"


def test_upgrade_only_touches_edges_whose_ref_matches():
    # The card runs along both the G108 (ref G108) and, at its east end, nothing else; a card
    # for the G208 along the same line changes nothing.
    with pytest.warns(TransnetWarning, match="plan card N8 .*matches no road"):
        result = apply_plan(_base(), _plan([(_card(id="N8", ref="G208"), [(0, 0), (10_000, 0)])]))
    assert result.log.iloc[0]["outcome"] == "no_match"
    assert set(result.network.edges.loc[result.network.edges["name"] == "G108", "grade"]) == {"2"}


def test_upgrade_leaves_crossing_roads_alone():
    # A 600 m village road crossing the G108 at x = 5 km lies wholly within the card's 500 m
    # buffer, but runs across it: it must not become grade 1.
    lines = lines_frame(
        [
            {
                "id": "g",
                "name": "G108",
                "ref": "G108",
                "grade": "2",
                "coords": [(0, 0), (5000, 0), (10_000, 0)],
            },
            {
                "id": "v",
                "name": "village road",
                "grade": "4",
                "coords": [(5000, -300), (5000, 0), (5000, 300)],
            },
        ]
    )
    base = network_from_lines(lines)
    result = apply_plan(base, _plan([(_card(id="N1", ref=""), [(0, 0), (10_000, 0)])]))
    edges = result.network.edges
    assert set(edges.loc[edges["name"] == "G108", "grade"]) == {"1"}
    assert set(edges.loc[edges["name"] == "village road", "grade"]) == {"4"}


def test_upgrade_matches_refs_written_with_spaces_or_chinese_separators():
    lines = lines_frame(
        [
            {
                "id": "g",
                "name": "G108",
                "ref": "G 108、G208",
                "grade": "2",
                "coords": [(0, 0), (10_000, 0)],
            }
        ]
    )
    result = apply_plan(
        network_from_lines(lines), _plan([(_card(ref="G108"), [(0, 0), (10_000, 0)])])
    )
    assert set(result.network.edges["grade"]) == {"1"}


def test_upgrade_does_not_touch_interchange_ramps():
    lines = lines_frame(
        [
            {"id": "g", "name": "G108", "grade": "2", "coords": [(0, 0), (10_000, 0)]},
            {"id": "x", "name": "G55", "grade": "expressway", "coords": [(0, 300), (10_000, 300)]},
        ]
    )
    interchanges = points_frame([{"id": "i", "name": "IC", "road": "x", "x": 5000, "y": 300}])
    base = network_from_lines(lines, interchanges)
    # The card runs between the two roads; the 300 m ramp at x = 5 km lies inside its buffer.
    result = apply_plan(base, _plan([(_card(ref=""), [(0, 150), (10_000, 150)])]))
    ramps = result.network.edges[result.network.edges["ramp"]]
    assert len(ramps) == 1
    assert ramps["lanes"].iloc[0] == 1 and ramps["project_id"].isna().all()


def test_a_new_better_road_beside_an_old_one_is_added():
    # A new grade-1 road 400 m from an existing grade-2 road is not "already in the base".
    card = _card(id="N9", action="new", grade="1", length_km=10)
    result = apply_plan(_base(), _plan([(card, [(0, 400), (10_000, 400)])]))
    assert result.log.iloc[0]["outcome"] == "added"


def test_the_plan_card_template_loads():
    from transnet.io.bundle import bundle_root

    plan = load_plan(bundle_root() / "templates" / "plan_cards_template.geojson")
    assert [c.id for c in plan.cards] == ["X1", "X2"]
    assert plan.cards[0].interchanges[0].name.startswith("示例互通")


def test_an_upgrade_covering_part_of_a_long_edge_changes_that_part_only(region):
    # The G108 is one 10 km edge; the card covers its eastern 4 km (x = 6 to 10 km).
    result = apply_plan(_base(), _plan([(_card(ref="G108"), [(6000, 0), (10_000, 0)])]))
    g108 = result.network.edges[result.network.edges["name"] == "G108"]
    lengths = g108.groupby("grade")["length_m"].sum()
    assert lengths["1"] == pytest.approx(4000)
    assert lengths["2"] == pytest.approx(6000)
    metrics = evaluate_scenario(result.network, region)
    assert metrics.length_km["1"] == pytest.approx(4.0, abs=1e-3)


def test_an_upgrade_replaces_the_old_posted_speed():
    from transnet.access import add_travel_times

    base = _base()
    base.edges["maxspeed"] = "60"  # as OSM would post it on the old grade-2 road
    result = apply_plan(
        base, _plan([(_card(ref="G108", design_speed_kmh=100), [(0, 0), (10_000, 0)])])
    )
    timed = add_travel_times(result.network).edges
    g108 = timed[timed["name"] == "G108"]
    assert set(g108["speed_kmh"]) == {100}
    assert set(g108["speed_source"]) == {"plan card design speed"}
    untouched = timed[timed["name"] == "S-road"]
    assert set(untouched["speed_source"]) == {"OSM maxspeed"}


def _crossing_base(*, with_far_node: bool):
    """A road W ending at (0, 0), a cross road C with a vertex at (5 km, 0) and, optionally, a
    road B starting at (6.3 km, 1.2 km)."""
    records = [
        {"id": "w", "name": "W", "grade": "2", "coords": [(-3000, 0), (0, 0)]},
        {"id": "c", "name": "C", "grade": "2", "coords": [(5000, -3000), (5000, 0), (5000, 3000)]},
    ]
    if with_far_node:
        records.append(
            {"id": "b", "name": "B", "grade": "3", "coords": [(6300, 1200), (9000, 1200)]}
        )
    return network_from_lines(lines_frame(records))


# A new grade-2 card from (0, 0) east through C's vertex (5 km, 0) to (6 km, 0), 6 km long.
_CROSSING_CARD = [(0, 0), (5000, 0), (6000, 0)]


def test_an_end_never_snaps_back_along_its_own_card():
    # The node nearest the card's end is C's vertex (5 km, 0), 1000 m away, but the card passes
    # through it: snapping there would drop the last kilometre. The next node, B's start
    # (6.3 km, 1.2 km), lies ahead of the end: hypot(300, 1200) = 1236.9 m, within the 2 km
    # tolerance, so the end snaps there and the card becomes 5 + hypot(1.3, 1.2) = 6.7692 km.
    card = _card(id="N9", action="new", grade="2", length_km=6.0)
    result = apply_plan(_crossing_base(with_far_node=True), _plan([(card, _CROSSING_CARD)]))
    row = result.log.iloc[0]
    assert row["start_snap_m"] == pytest.approx(0, abs=1e-6)
    assert row["end_snap_m"] == pytest.approx(math.hypot(300, 1200), abs=0.01)
    assert row["length_added_km"] == pytest.approx(5 + math.hypot(1.3, 1.2), abs=1e-6)
    assert row["note"] == ""
    # 1237 m is more than half the 2000 m tolerance: the network carries a warning.
    assert [w for w in result.network.warnings if "N9" in w] == [
        "plan card N9: its end is snapped 1237 m to the network, more than 1000 m (a share of "
        "the 2000 m tolerance): check the card's alignment"
    ]


def test_an_end_with_only_its_own_card_in_reach_stays_free():
    card = _card(id="N9", action="new", grade="2", length_km=6.0)
    result = apply_plan(_crossing_base(with_far_node=False), _plan([(card, _CROSSING_CARD)]))
    row = result.log.iloc[0]
    assert math.isnan(row["end_snap_m"])
    assert row["length_added_km"] == pytest.approx(6.0, abs=1e-9)  # the whole card
    assert row["note"] == (
        "end left free: the nearest ordinary node within 2000 m (1000 m away) lies back along "
        "the card: snapping to it would shorten the card"
    )
    assert result.network.warnings == []
    # It still joins C where it crosses C's vertex.
    new = result.network.edges[result.network.edges["project_id"] == "N9"]
    crossing = result.network.nodes.index[
        (result.network.nodes["x"] == X0 + 5000) & (result.network.nodes["y"] == Y0)
    ]
    assert len(crossing) == 1 and crossing[0] in set(new[["u", "v"]].to_numpy().ravel())


def test_a_short_snap_gives_no_warning():
    card = _card(id="N9", action="new", grade="2", length_km=6.0)
    coords = [(0, 0), (5000, 0), (6000, 0), (6300, 600)]  # ends 600 m below B's start
    result = apply_plan(_crossing_base(with_far_node=True), _plan([(card, coords)]))
    assert result.log.iloc[0]["end_snap_m"] == pytest.approx(600)
    assert result.network.warnings == []


def test_bundle_card_e1_keeps_its_last_segment(bundle_study):
    # E1's second-to-last vertex is a node of G55, 1761 m from its last vertex; the end used to
    # snap back onto it, dropping 1.76 km, and the 赵北峰 ramp then ran 2.0 km from G55.
    result = bundle_study.plan_result
    e1 = result.log.set_index("id").loc["E1"]
    card_km = bundle_study.plan.frame.to_crs(result.network.crs).length.iloc[0] / 1000
    assert e1["length_added_km"] == pytest.approx(card_km, abs=1e-9)
    assert e1["length_added_km"] == pytest.approx(31.156, abs=1e-3)
    assert math.isnan(e1["end_snap_m"])
    assert "1761 m away" in e1["note"]
    edges = result.network.edges
    ramp = edges[edges["ramp"] & edges["name"].str.startswith("赵北峰")]
    assert ramp["length_m"].round().tolist() == [283.0]
    yingze = next(c for c in bundle_study.metrics["after"].counties if c.name == "迎泽区")
    # Figures of the independent recomputation (issue 9): 13.97 per 100 km² and 4.64 minutes.
    assert yingze.expressway_density_per_100km2 == pytest.approx(13.97, abs=0.01)
    assert yingze.seat_to_interchange_min == pytest.approx(4.64, abs=0.01)
