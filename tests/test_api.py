"""The notebook API: one-call study, readable HTML, clear errors on wrong arguments."""

from __future__ import annotations

import pytest

import transnet as tn


@pytest.fixture(scope="module")
def study(bundle_study):
    tn.settings.quiet = True
    return bundle_study


def test_study_displays_as_html_with_caveats_and_targets(study):
    html = study._repr_html_()
    assert "SCHEMATIC" in html
    assert "expressway_density" in html
    assert "#d4edda" in html  # a passing target is coloured green


def test_target_table_colours_each_status(study):
    html = study.results._repr_html_()
    assert html.count("<tr style=") == len(study.results)
    assert "#fff3cd" in html  # not evaluated (township targets)
    frame = study.results.to_frame()
    assert set(frame["status"]) <= {"pass", "fail", "not_evaluated"}
    assert study.results.failed == frame.loc[frame["status"] == "fail", "id"].tolist()


def test_compare_gives_before_after_and_change(study):
    table = study.compare()
    assert list(table.columns) == ["label", "unit", "before", "after", "change"]
    row = table.loc["expressway_density_per_100km2"]
    assert row["change"] == pytest.approx(row["after"] - row["before"], abs=1e-3)
    assert len(study.county_table()) == 12


def test_step_by_step_matches_the_one_call_study(study):
    bundle = tn.load_bundle("taixin")
    region = tn.region_from_bundle(bundle)
    before = tn.load_bundle_network(bundle)
    plan = tn.load_plan(bundle.path("plan"))
    after = tn.apply_plan(before, plan).network
    settings = study.settings
    metrics = tn.evaluate_scenario(after, region, settings=settings)
    assert metrics.density_per_100km2 == study.metrics["after"].density_per_100km2
    assert metrics.counties == study.metrics["after"].counties


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda s: tn.apply_plan("network.gpkg", s.plan), "network: expected RoadNetwork, got str"),
        (lambda s: tn.apply_plan(s.before, "plan.geojson"), "plan: expected Plan, got str"),
        (lambda s: tn.evaluate_scenario(s.before, "taixin"), "region: expected Region, got str"),
        (lambda s: tn.run_study(42), "bundle: expected str or Path or Bundle, got int"),
        (
            lambda s: tn.run_study("taixin", townships=[(112.5, 38.0)]),
            "townships: expected GeoDataFrame",
        ),
    ],
)
def test_wrong_argument_types_name_the_argument(study, call, message):
    with pytest.raises(TypeError, match=message):
        call(study)


def test_lines_without_crs_name_the_expected_crs():
    import geopandas as gpd
    from shapely.geometry import LineString

    lines = gpd.GeoDataFrame(
        {"id": ["a"], "name": ["A"], "grade": ["2"]}, geometry=[LineString([(0, 0), (1, 1)])]
    )
    with pytest.raises(tn.InputError, match="EPSG:4326"):
        tn.network_from_lines(lines)


def test_maps_display_inline_without_network(study):
    import re

    view = study.map("compare", tiles="none")
    html = view._repr_html_()
    assert html.startswith("<iframe srcdoc=")
    page = html.split('srcdoc="', 1)[1]
    assert not re.search(r"&lt;script[^&]*src=&quot;https?:", page)
    assert "Leaflet 1.9" in page
    with pytest.raises(tn.InputError, match="unknown map"):
        study.map("later")


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: tn.load_plan(3), "path: expected str or Path, got int"),
        (lambda: tn.load_places(None), "path: expected str or Path, got NoneType"),
        (lambda: tn.load_townships(3.5), "path: expected str or Path, got float"),
        (lambda: tn.load_network(["a.gpkg"]), "path: expected str or Path, got list"),
        (lambda: tn.load_targets({"targets": []}), "path: expected str or Path, got dict"),
        (lambda: tn.load_bundle(7), "name_or_path: expected str or Path, got int"),
        (lambda: tn.network_from_osm_file(b"x.osm"), "path: expected str or Path, got bytes"),
        (lambda: tn.region_from_bundle("taixin"), "bundle: expected Bundle, got str"),
    ],
)
def test_loaders_name_the_argument(call, message):
    with pytest.raises(TypeError, match=message):
        call()


def test_places_without_a_name_column_are_refused(study):
    towns = study.region.seats.drop(columns="name")
    with pytest.raises(tn.InputError, match="'name' column"):
        tn.evaluate_scenario(study.before, study.region, townships=towns)
