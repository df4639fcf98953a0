"""Township targets done right (issue 12): kinds counted, lower bounds, township seats on maps.

Hand-checkable cases: a square county with a grade-2 road along y = 0 (conftest), and four seats
placed by hand on and off the Taixin bundle's schematic roads.
"""

from __future__ import annotations

import dataclasses
import json

import geopandas as gpd
import pandas as pd
import pytest
from conftest import UTM, X0, Y0, lines_frame

from transnet._errors import InputError
from transnet.cli import main
from transnet.io.places import load_townships
from transnet.metrics import GradeCriterion, MetricSettings, evaluate_scenario
from transnet.network import network_from_lines
from transnet.targets import (
    DataAvailability,
    Target,
    TargetParams,
    evaluate_targets,
    load_targets_file,
    settings_from_targets,
)

# On the schematic G108 near 阳曲 (two 镇), far from any road (a 乡), and a 街道 385 m from G108.
TOWNS_CSV = (
    "name,code,kind,lon,lat\n"
    "黄寨镇,140122101,镇,112.679,38.060\n"
    "近郊镇,140122102,镇,112.746,38.404\n"
    "远山乡,140122201,乡,113.45,38.85\n"
    "城区街道,140122001,街道,112.70,38.10\n"
)


def _exit_code(argv: list[str]) -> int:
    with pytest.raises(SystemExit) as info:
        main(argv)
    return int(info.value.code or 0)


@pytest.fixture(scope="module")
def towns_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("towns") / "townships.csv"
    path.write_text(TOWNS_CSV, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def towns_study(towns_file):
    from transnet.study import run_study

    return run_study("taixin", townships=load_townships(towns_file))


# --- reading kind and code ----------------------------------------------------------------


def test_load_townships_reads_code_as_text_and_kind(towns_file):
    towns = load_townships(towns_file)
    assert towns.columns.tolist() == ["name", "code", "kind", "geometry"]
    assert towns["code"].tolist()[0] == "140122101"
    assert towns["kind"].tolist() == ["镇", "镇", "乡", "街道"]


def test_a_file_without_kind_keeps_every_point_counted(tmp_path, region):
    path = tmp_path / "towns.csv"
    path.write_text("name,lon,lat\nA,112.5,38\n", encoding="utf-8")
    assert "kind" not in load_townships(path).columns
    # With no kind, a place counts whatever the criterion's kinds.
    assert GradeCriterion("2", within_m=1000.0, kinds=("镇",)).counts([None]) == [True]


@pytest.mark.parametrize(
    ("kind", "message"),
    [("街道办", "did you mean '街道'"), ("", "missing kind"), ("town", "unknown kind 'town'")],
)
def test_a_bad_kind_names_the_row_and_column(tmp_path, kind, message):
    path = tmp_path / "towns.csv"
    path.write_text(f"name,类型,lon,lat\nA,镇,112.5,38\nB,{kind},112.6,38\n", encoding="utf-8")
    with pytest.raises(InputError, match=message) as info:
        load_townships(path)
    assert (info.value.record, info.value.field) == ("row 3 (B)", "类型")


def test_osm_townships_get_their_kind_from_the_name(tmp_path):
    from test_places import PLACES_OSM

    path = tmp_path / "places.osm"
    path.write_text(PLACES_OSM, encoding="utf-8")
    towns = load_townships(path)
    assert set(zip(towns["name"], towns["kind"], strict=True)) >= {
        ("黄寨镇", "镇"),
        ("侯村乡", "乡"),
    }


# --- kinds in the shares --------------------------------------------------------------------


def _square_towns(kinds: list[str | None]) -> gpd.GeoDataFrame:
    # 800 m, 500 m, 1,200 m and 300 m north of the grade-2 road along y = 0.
    offsets = [(2000, 800), (4000, 500), (6000, 1200), (8000, 300)]
    return gpd.GeoDataFrame(
        {"name": ["a", "b", "c", "d"], "kind": kinds, "code": ["1", "2", "3", "4"]},
        geometry=gpd.points_from_xy([X0 + x for x, _ in offsets], [Y0 + y for _, y in offsets]),
        crs=UTM,
    ).to_crs(4326)


@pytest.fixture
def square_network():
    lines = lines_frame(
        [{"id": "g2", "name": "S201", "grade": "2", "coords": [(0, 0), (10_000, 0)]}]
    )
    return network_from_lines(lines)


def test_jiedao_are_kept_as_places_but_left_out_of_the_share(square_network, region):
    # a, b within 1 km (镇, 乡), c 1.2 km away (镇); d, a 街道 300 m away, does not count.
    towns = _square_towns(["镇", "乡", "镇", "街道"])
    metrics = evaluate_scenario(square_network, region, townships=towns)
    coverage = metrics.township_grade2_coverage
    assert (coverage.covered, coverage.total, coverage.left_out) == (2, 3, 1)
    assert coverage.kinds == ["乡", "民族乡", "镇"]
    assert [t.counted["township_grade2"] for t in metrics.townships] == [True, True, True, False]
    assert metrics.townships[3].covered["township_grade2"]  # measured all the same
    assert metrics.townships[3].kind == "街道" and metrics.townships[3].code == "4"
    assert metrics.townships[0].road["2"] == "S201"
    # The Rural Access Index counts the rural seats only: a, b, c (0.8, 0.5, 1.2 km), not d.
    assert (metrics.rai.total, metrics.rai.network_share) == (3, 1.0)
    # Counting 街道 too (a target's params): 3 of 4.
    settings = MetricSettings(
        township_grade2=GradeCriterion("2", within_m=1000.0, kinds=("镇", "乡", "街道"))
    )
    wider = evaluate_scenario(square_network, region, townships=towns, settings=settings)
    assert (wider.township_grade2_coverage.covered, wider.township_grade2_coverage.total) == (3, 4)


def test_without_kinds_every_place_counts(square_network, region):
    metrics = evaluate_scenario(square_network, region, townships=_square_towns([None] * 4))
    assert metrics.township_grade2_coverage.total == 4
    assert metrics.township_grade2_coverage.covered == 3


def _targets_file(tmp_path, params: str, metric: str = "township_grade2_coverage.share"):
    path = tmp_path / "targets.yaml"
    path.write_text(
        f"targets:\n  - {{id: t, metric: {metric}, op: '>=', threshold: 0.7, params: {params}}}\n",
        encoding="utf-8",
    )
    return path


def test_targets_file_kinds_set_the_criterion_and_the_targets_own_value(
    tmp_path, square_network, region
):
    targets = load_targets_file(_targets_file(tmp_path, "{kinds: [镇, 乡, 街道]}"))
    settings = settings_from_targets(targets)
    assert settings.township_grade2 == GradeCriterion(
        "2", within_m=1000.0, kinds=("镇", "乡", "街道")
    )
    assert settings.township_grade3.kinds == ("乡", "民族乡", "镇")  # untouched
    towns = _square_towns(["镇", "乡", "镇", "街道"])
    metrics = evaluate_scenario(square_network, region, townships=towns)  # default kinds: 2/3
    own = Target(
        id="t", metric="township_grade2_coverage.share", op=">=", threshold=0.7,
        params=TargetParams(kinds=("镇", "乡", "街道"), within_m=1500),
    )  # fmt: skip
    results = evaluate_targets(
        [own], {"after": metrics}, available=DataAvailability(townships=True)
    )
    assert results[0].value == 1.0  # 1.5 km: all four, 街道 counted


@pytest.mark.parametrize(
    ("params", "metric", "field", "message"),
    [
        ("{kinds: [镇, 街到]}", "township_grade2_coverage.share", "params.kinds", "街到"),
        ("{kinds: [民族]}", "township_grade3_coverage.share", "params.kinds", "民族乡"),
        ("{kinds: [镇]}", "poi_grade2_coverage.share", "params.kinds", "township targets only"),
        ("{kinds: []}", "township_grade2_coverage.share", "params.kinds", "at least 1"),
    ],
)
def test_bad_kinds_in_a_targets_file_exit_with_the_field(tmp_path, params, metric, field, message):
    with pytest.raises(InputError, match=message) as info:
        load_targets_file(_targets_file(tmp_path, params, metric))
    assert (info.value.record, info.value.field) == ("t", field)


# --- lower bounds ---------------------------------------------------------------------------


def test_a_lower_bound_below_the_threshold_is_not_evaluated(towns_study):
    results = {r.id: r for r in towns_study.results}
    grade2 = results["township_grade2"]
    # 黄寨镇 and 近郊镇 on G108, 远山乡 7 km from any road; 城区街道 not counted: 2 of 3.
    assert grade2.value == pytest.approx(2 / 3, abs=1e-4)
    assert (grade2.status, grade2.bound) == ("not_evaluated", "lower_bound")
    assert grade2.reason.startswith("lower bound below threshold")
    assert results["township_grade3"].status == "not_evaluated"


def test_a_lower_bound_that_passes_passes_with_its_note(towns_study):
    results = {r.id: r for r in towns_study.results}
    # County grade-1 coverage is a lower bound on a trunk-only network too (grade-1 county
    # roads are missing); county-expressway coverage is exact (every expressway is there).
    assert (results["county_grade1"].status, results["county_grade1"].bound) == (
        "pass",
        "lower_bound",
    )
    assert "lower bound" in results["county_grade1"].reason
    assert results["county_expressway"].bound == "exact"
    assert results["expressway_density"].bound == "exact"


def test_lower_bounds_follow_the_operator(towns_study):
    metrics = towns_study.metrics
    available = DataAvailability(townships=True, network_completeness="trunk_only")

    def status(op, threshold, completeness="trunk_only"):
        target = Target(id="x", metric="township_grade2_coverage.share", op=op, threshold=threshold)
        available = DataAvailability(townships=True, network_completeness=completeness)
        return evaluate_targets([target], metrics, available=available)[0].status

    assert status(">=", 0.6) == "pass"
    assert status(">=", 0.7) == "not_evaluated"
    assert status("<=", 0.5) == "fail"  # the true share is at least 0.667 > 0.5: proved
    assert status("<=", 0.9) == "not_evaluated"  # could exceed 0.9
    assert status(">=", 0.7, "complete") == "fail"  # exact on a complete network
    assert status(">=", 0.7, "osm") == "fail"  # OSM: grades inferred, no bound claimed
    total = Target(id="n", metric="township_grade2_coverage.total", op=">=", threshold=3)
    assert evaluate_targets([total], metrics, available=available)[0].bound == "exact"


def test_check_exit_codes_follow_the_statuses(towns_file, tmp_path):
    # The failing lower bound is not evaluated, so nothing fails: exit 0.
    assert _exit_code(["check", "--townships", str(towns_file), "-q"]) == 0
    strict = tmp_path / "targets.yaml"
    strict.write_text(
        "targets:\n  - {id: few, metric: township_grade2_coverage.share, op: '<=', "
        "threshold: 0.5, requires: townships}\n",
        encoding="utf-8",
    )
    # At least 2/3 of the counted seats are covered: a proved fail of "<= 0.5".
    argv = ["check", "--townships", str(towns_file), "--targets", str(strict), "-q"]
    assert _exit_code(argv) == 1


# --- reports --------------------------------------------------------------------------------


def test_reports_say_lower_bound_and_kinds(towns_study, tmp_path):
    from transnet.report.document import metrics_document
    from transnet.report.markdown import report_markdown
    from transnet.summary import place_table

    document = json.loads(json.dumps(metrics_document(towns_study), default=str))
    assert document["schema_version"] == 2
    assert "township_grade2_coverage" in document["data"]["lower_bounds"]
    bounds = {t["id"]: t["bound"] for t in document["targets"]}
    assert bounds["township_grade2"] == "lower_bound" and bounds["county_expressway"] == "exact"
    assert document["scenarios"]["after"]["township_grade2_coverage"]["left_out"] == 1
    assert any("LOWER BOUND" in note for note in document["data"]["caveats"])
    assert any("1 街道 (urban sub-district) seats" in note for note in document["data"]["caveats"])
    text = report_markdown(towns_study)
    assert "≥ 0.67 (lower bound)" in text
    assert "0.67 (lower bound)" in text.split("## Townships and points of interest")[1]
    assert "Not counted in the township targets: 1 街道" in text
    assert "Counted seats without a grade-2 road within the criterion after: 远山乡." in text
    table = place_table(towns_study, "townships")
    assert table.columns[:5].tolist() == [
        "name",
        "code",
        "kind",
        "township_grade2_counted",
        "township_grade3_counted",
    ]
    assert table["township_grade2_counted"].tolist() == [True, True, True, False]
    assert table["grade2_road_after"].iloc[0].startswith("国道 G108")


def test_metrics_json_with_townships_validates_against_the_schema(towns_study):
    import jsonschema

    from transnet.report.document import SCHEMA_PATH, metrics_document

    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    document = json.loads(json.dumps(metrics_document(towns_study), default=str))
    jsonschema.validate(document, schema, cls=jsonschema.Draft202012Validator)


def test_townships_csv_keeps_code_and_kind(towns_file, tmp_path):
    out = tmp_path / "run"
    assert _exit_code(["run", "--townships", str(towns_file), "--out", str(out), "-q"]) == 0
    table = pd.read_csv(out / "townships.csv", dtype={"code": str})
    assert table["code"].tolist()[:2] == ["140122101", "140122102"]
    assert table["kind"].tolist() == ["镇", "镇", "乡", "街道"]


# --- maps -----------------------------------------------------------------------------------


def test_township_points_follow_the_grade2_criterion(towns_study):
    from transnet.summary import township_points

    points = township_points(towns_study, "after")
    assert points["status"].tolist() == ["covered", "covered", "not_covered", "not_counted"]
    assert points["bound"].unique().tolist() == ["lower_bound"]
    # 城区街道: 385 m by its access leg onto G108 (measured, though not counted).
    assert points["to_road_m"].iloc[3] == pytest.approx(385.0, abs=1.0)
    assert points["to_road_m"].iloc[2] is None or pd.isna(points["to_road_m"].iloc[2])
    assert points.crs.to_epsg() == 4326


def test_html_maps_draw_township_seats_with_popups_and_legend(towns_study, tmp_path):
    from transnet.viz.web import save_map, study_maps

    maps = study_maps(towns_study, tiles="none")
    for name, m in maps.items():
        path = tmp_path / f"{name}.html"
        save_map(m, path)
        page = path.read_text(encoding="utf-8")
        assert page.count('"Township seats"') >= (2 if name == "compare" else 1), name
        # One popup per seat, escaped into the GeoJSON; the name, code, kind, metres, minutes
        # and the road's name are all in it.
        assert "\\u8fdc\\u5c71\\u4e61" in page  # 远山乡, as JSON writes it
        assert "code 140122001" in page and "385 m, 1.2 min along the network" in page
        assert "not counted in the township targets" in page
        assert "Township seat: none in reach (a lower bound: trunk-only network)" in page
        assert "Sub-district (街道), other: not counted" in page  # the legend


def test_township_popups_escape_the_users_names():
    from transnet.viz.web.townships import township_popup_html

    html = township_popup_html({"name": "<script>x</script>", "status": "covered"})
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_a_thousand_township_seats_keep_the_map_small(towns_study, tmp_path):
    import numpy as np

    from transnet.viz.web import save_map, scenario_map

    rng = np.random.default_rng(1)
    towns = gpd.GeoDataFrame(
        {
            "name": [f"第{i}镇" for i in range(1000)],
            "code": [str(140100000 + i) for i in range(1000)],
            "kind": ["镇"] * 1000,
            "status": rng.choice(["covered", "not_covered", "not_counted"], 1000),
            "to_road_text": ["1.23 km"] * 1000,
            "to_road_min": [3.7] * 1000,
            "road": ["国道 G108 太原–忻州"] * 1000,
            "criterion": ["grade 2 or better within 1,000 m"] * 1000,
            "bound": ["lower_bound"] * 1000,
        },
        geometry=gpd.points_from_xy(rng.uniform(112.3, 113.5, 1000), rng.uniform(37.7, 39.2, 1000)),
        crs=4326,
    )
    region = towns_study.region
    common = {"counties": region.counties, "seats": region.seats, "plan": None, "notes": []}
    bare = tmp_path / "bare.html"
    save_map(scenario_map(towns_study.after, title="t", tiles="none", **common), bare)
    drawn = tmp_path / "towns.html"
    m = scenario_map(towns_study.after, title="t", tiles="none", townships=towns, **common)
    save_map(m, drawn)
    per_seat = (drawn.stat().st_size - bare.stat().st_size) / len(towns)
    assert per_seat < 1_500, f"{per_seat:.0f} bytes per township seat"


def test_the_png_draws_township_seats_in_the_legend(towns_study):
    from transnet.viz.static import static_map

    figure = static_map(towns_study, "after", metric=None)
    labels = [text.get_text() for text in figure.axes[0].get_legend().get_texts()]
    assert "Township seat: grade-2 road in reach\n(a lower bound: trunk-only network)" in labels
    assert "Township seat: none in reach\n(a lower bound: trunk-only network)" in labels
    assert any(label.startswith("Sub-district") for label in labels)
    # Without township seats, no township entry.
    bare = dataclasses.replace(towns_study, townships=None)
    without = static_map(bare, "after", metric=None)
    assert not any("Township" in t.get_text() for t in without.axes[0].get_legend().get_texts())


def test_a_click_on_a_township_seat_opens_its_popup_in_a_browser(towns_study, tmp_path):
    import shutil

    sync_api = pytest.importorskip("playwright.sync_api")
    from transnet.viz.web import write_study_maps

    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    if not shutil.which(chromium):
        pytest.skip("Debian's chromium is not installed")
    paths = {p.stem: p for p in write_study_maps(towns_study, tmp_path, tiles="none")}
    find = """() => { let seat = null, map = null;
        for (const key in window) { const value = window[key];
            if (value instanceof L.Map) map = value;
            if (value instanceof L.GeoJSON) value.eachLayer(layer => {
                if (layer.feature && layer.feature.properties.name === '远山乡') seat = layer; }); }
        const point = map.latLngToContainerPoint(seat.getLatLng());
        const box = map.getContainer().getBoundingClientRect();
        return {x: point.x + box.left, y: point.y + box.top}; }"""
    with sync_api.sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=chromium, headless=True)
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(paths["after"].as_uri())
        page.wait_for_function("() => typeof L !== 'undefined'")
        where = page.evaluate(find)
        page.mouse.click(where["x"], where["y"])
        popup = page.wait_for_selector(".leaflet-popup-content").inner_text()
        browser.close()
    assert errors == []
    assert popup.startswith("远山乡\ncode 140122201 · kind 乡")
    assert "NOT covered" in popup and "lower bound" in popup
    assert "五台–豆村–台怀" in popup  # the nearest grade-2 road, by name


def test_jupyter_target_table_marks_lower_bounds(towns_study):
    page = towns_study.results._repr_html_()
    assert "≥ 0.6667 (lower bound)" in page
    assert towns_study.results.to_frame().set_index("id").at["township_grade2", "bound"] == (
        "lower_bound"
    )


def test_seats_none_of_a_counted_kind_say_so(square_network, region):
    metrics = evaluate_scenario(square_network, region, townships=_square_towns(["街道"] * 4))
    assert (metrics.township_grade2_coverage.total, metrics.township_grade2_coverage.share) == (
        0,
        None,
    )
    target = Target(id="t", metric="township_grade2_coverage.share", op=">=", threshold=0.7)
    result = evaluate_targets(
        [target], {"after": metrics}, available=DataAvailability(townships=True)
    )[0]
    assert result.status == "not_evaluated"
    assert result.reason.startswith("none of the 4 township seats is of a counted kind (乡")


def test_a_frame_of_seats_with_an_unknown_kind_is_refused(square_network, region):
    towns = _square_towns(["镇", "乡", "township", None])
    with pytest.raises(InputError, match="unknown kind 'township'") as info:
        evaluate_scenario(square_network, region, townships=towns)
    assert (info.value.record, info.value.field) == ("c", "kind")
