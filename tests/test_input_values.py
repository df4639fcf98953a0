"""Numbers that are not finite or not sane are input errors naming the file, record and field.

Issue 10, "values that are not finite or not sane": every number is validated at the schema
(finite, within a range with its unit, never a YAML yes/no) and every coordinate at load. Each
test writes a small hand-checkable file into ``tmp_path``.
"""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import LineString

from transnet._errors import InputError
from transnet.cli import main
from transnet.grades.tables import GradeTable
from transnet.io.bundle import bundle_root, load_bundle
from transnet.plan.cards import load_plan
from transnet.targets import load_targets_file

NAN, INF = math.nan, math.inf

# A card from (112.50, 38.10) to (112.60, 38.10): 8.77 km in UTM 49N.
LINE = [[112.50, 38.10], [112.60, 38.10]]


def _card(**changes) -> dict:
    properties = {
        "id": "X1",
        "name": "示例高速",
        "class": "expressway",
        "action": "new",
        "length_km": 8.8,
        "investment_100m_cny": 12.0,
        "status": "planned",
        "opened": 2025,
        "grade": "expressway",
        "lanes": 4,
        "provenance": "illustrative",
        "design_speed_kmh": 100,
        "interchanges": [{"name": "示例互通", "lon": 112.55, "lat": 38.10}],
    }
    properties.update(changes)
    return properties


def _feature(properties: dict, coordinates=None) -> dict:
    return {
        "type": "Feature",
        "properties": properties,
        "geometry": {"type": "LineString", "coordinates": [list(p) for p in coordinates or LINE]},
    }


def _write_plan(tmp_path: Path, features: list[dict], name: str = "plan.geojson") -> Path:
    path = tmp_path / name
    # allow_nan writes NaN and Infinity literals, as a careless script would.
    text = json.dumps({"type": "FeatureCollection", "features": features}, allow_nan=True)
    path.write_text(text, encoding="utf-8")
    return path


def _plan_error(path: Path) -> InputError:
    with pytest.raises(InputError) as info:
        load_plan(path)
    return info.value


def _assert_names(error: InputError, path: Path, record: str, field: str, words: str) -> None:
    assert error.path == str(path)
    assert error.record == record
    assert error.field == field
    text = str(error)
    assert path.name in text and record in text and field in text
    assert words in error.reason, error.reason
    assert "np.float64" not in text and "Field required" not in text


def _exit(argv: list[str], capsys) -> tuple[int, str]:
    with pytest.raises(SystemExit) as info:
        main(argv)
    return int(info.value.code or 0), capsys.readouterr().err


# --- plan cards -----------------------------------------------------------------------------

CARD_CASES = [
    # (field, value, words in the reason)
    ("length_km", NAN, "not a finite number, got nan"),
    ("length_km", INF, "not a finite number, got inf"),
    ("length_km", -8.8, "must be greater than 0 km, got -8.8"),
    ("length_km", 0, "must be greater than 0 km, got 0"),
    ("length_km", 1_000_000, "must be at most 3,000 km, got 1,000,000"),
    ("length_km", True, "a yes/no value (True) is not a number"),
    ("investment_100m_cny", NAN, "not a finite number"),
    ("investment_100m_cny", -INF, "not a finite number, got -inf"),
    ("investment_100m_cny", -1, "must be at least 0 (100 million CNY), got -1"),
    ("investment_100m_cny", 1e9, "must be at most 100,000 (100 million CNY), got 1,000,000,000"),
    ("investment_100m_cny", False, "a yes/no value (False) is not a number"),
    ("design_speed_kmh", NAN, "not a finite number"),
    ("design_speed_kmh", INF, "not a finite number"),
    ("design_speed_kmh", -100, "must be at least 5 km/h, got -100"),
    ("design_speed_kmh", 1000, "must be at most 160 km/h, got 1,000"),
    ("design_speed_kmh", True, "a yes/no value"),
    ("lanes", NAN, "finite number"),
    ("lanes", 0, "must be greater than 0, got 0"),
    ("lanes", 100, "must be at most 16, got 100"),
    ("lanes", True, "a yes/no value"),
    ("opened", INF, "finite number"),
    ("opened", 20250, "must be at most 2,100, got 20,250"),
    ("opened", 1066, "must be at least 1,900, got 1,066"),
]


@pytest.mark.parametrize(("field", "value", "words"), CARD_CASES)
def test_a_bad_number_in_a_card_names_card_and_field(tmp_path, field, value, words):
    good = _card(id="X0")
    path = _write_plan(tmp_path, [_feature(good), _feature(_card(**{field: value}))])
    _assert_names(_plan_error(path), path, "X1", field, words)


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("lon", NAN, "not a finite number, got nan"),
        ("lat", INF, "not a finite number, got inf"),
        ("lon", 1125.5, "must be at most 180, got 1,125.5"),
        ("lat", -91, "must be at least -90, got -91"),
        ("lat", True, "a yes/no value"),
    ],
)
def test_a_bad_number_in_a_planned_interchange_names_it(tmp_path, field, value, words):
    interchange = {"name": "示例互通", "lon": 112.55, "lat": 38.10, field: value}
    path = _write_plan(tmp_path, [_feature(_card(interchanges=[interchange]))])
    _assert_names(_plan_error(path), path, "X1", f"interchanges.0.{field}", words)


def test_a_null_required_number_is_missing_not_field_required(tmp_path):
    path = _write_plan(tmp_path, [_feature(_card(length_km=None))])
    error = _plan_error(path)
    _assert_names(error, path, "X1", "length_km", "missing")


def test_a_null_optional_number_takes_its_default(tmp_path):
    path = _write_plan(tmp_path, [_feature(_card(design_speed_kmh=None, lanes=None))])
    card = load_plan(path).cards[0]
    assert card.design_speed_kmh is None and card.lanes is None


def _write_gpkg(tmp_path: Path, **changes) -> Path:
    properties = _card(**changes)
    properties.pop("interchanges")
    frame = gpd.GeoDataFrame([properties], geometry=[LineString(LINE)], crs="EPSG:4326")
    path = tmp_path / "plan.gpkg"
    frame.to_file(path, driver="GPKG")
    return path


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("length_km", INF, "not a finite number, got inf"),
        ("investment_100m_cny", -5.0, "must be at least 0"),
        ("design_speed_kmh", 1000.0, "must be at most 160 km/h, got 1,000"),
        # In a GeoPackage a null and a NaN read alike: an empty required field is missing.
        ("length_km", NAN, "missing value"),
        ("investment_100m_cny", NAN, "missing value"),
    ],
)
def test_a_bad_number_in_a_geopackage_card(tmp_path, field, value, words):
    path = _write_gpkg(tmp_path, **{field: value})
    _assert_names(_plan_error(path), path, "X1", field, words)


def test_an_empty_optional_number_in_a_geopackage_is_absent(tmp_path):
    path = _write_gpkg(tmp_path, design_speed_kmh=NAN)
    assert load_plan(path).cards[0].design_speed_kmh is None


# --- coordinates ----------------------------------------------------------------------------


def test_a_nan_coordinate_in_the_third_feature_names_it(tmp_path):
    features = [_feature(_card(id=f"X{n}")) for n in (1, 2)]
    features.append(_feature(_card(id="X3"), [[112.50, 38.10], [NAN, 38.10]]))
    path = _write_plan(tmp_path, features)
    error = _plan_error(path)
    assert error.path == str(path) and error.field == "geometry"
    assert error.record == "feature #3 (id X3)"
    assert "coordinate (nan, 38.1) is not a finite number" in str(error)
    assert "looks projected" not in str(error)


def test_one_coordinate_out_of_range_names_its_feature_not_a_projection(tmp_path):
    features = [_feature(_card(id=f"X{n}")) for n in (1, 2, 3)]
    features[1]["geometry"]["coordinates"][1] = [1126.0, 38.10]  # a lost decimal point
    path = _write_plan(tmp_path, features)
    error = _plan_error(path)
    assert error.record == "feature #2 (id X2)" and error.field == "geometry"
    assert "coordinate (1126, 38.1) is outside longitude -180 to 180" in error.reason
    assert "projected" not in error.reason


def test_a_file_of_projected_coordinates_looks_projected(tmp_path):
    utm = [[650_000.0, 4_213_000.0], [658_000.0, 4_213_000.0]]
    path = _write_plan(tmp_path, [_feature(_card(id=f"X{n}"), utm) for n in (1, 2)])
    error = _plan_error(path)
    assert error.record is None and "the file looks projected" in error.reason


def test_an_infinite_coordinate_in_a_projected_file_names_the_feature(tmp_path):
    lines = [LineString([(650_000, 4_213_000), (658_000, 4_213_000)])] * 2
    lines.append(LineString([(650_000, 4_213_000), (INF, 4_213_000)]))
    frame = gpd.GeoDataFrame({"id": ["A", "B", "C"]}, geometry=lines, crs="EPSG:32649")
    path = tmp_path / "lines.gpkg"
    frame.to_file(path, driver="GPKG")
    from transnet.io.files import read_features

    with pytest.raises(InputError) as info:
        read_features(path)
    assert info.value.record == "feature #3 (id C)" and info.value.field == "geometry"
    assert "(inf, 4213000) is not a finite number" in info.value.reason


def test_cli_a_nan_coordinate_in_the_bundle_plan_exits_2(tmp_path, capsys):
    folder = tmp_path / "taixin"
    shutil.copytree(bundle_root() / "taixin", folder)
    plan = json.loads((folder / "plan.geojson").read_text(encoding="utf-8"))
    third = plan["features"][2]
    third["geometry"]["coordinates"][1][1] = NAN
    (folder / "plan.geojson").write_text(json.dumps(plan, allow_nan=True), encoding="utf-8")
    code, err = _exit(["check", "--quiet", "--bundle", str(folder)], capsys)
    card_id = third["properties"]["id"]
    assert code == 2, err
    assert "plan.geojson" in err and f"feature #3 (id {card_id})" in err and "geometry" in err
    assert "not a finite number" in err and "Traceback" not in err


def test_cli_a_design_speed_of_1000_kmh_exits_2(tmp_path, capsys):
    folder = tmp_path / "taixin"
    shutil.copytree(bundle_root() / "taixin", folder)
    plan = json.loads((folder / "plan.geojson").read_text(encoding="utf-8"))
    plan["features"][0]["properties"]["design_speed_kmh"] = 1000
    card_id = plan["features"][0]["properties"]["id"]
    (folder / "plan.geojson").write_text(json.dumps(plan, ensure_ascii=False), encoding="utf-8")
    code, err = _exit(["check", "--quiet", "--bundle", str(folder)], capsys)
    assert code == 2, err
    assert f"plan.geojson, record '{card_id}', field 'design_speed_kmh'" in err
    assert "must be at most 160 km/h, got 1,000" in err


# --- targets --------------------------------------------------------------------------------

TARGET = "  - {id: density, metric: density_per_100km2.expressway, op: '>=', threshold: 4.9}\n"
SHARE = (
    "  - {id: county, metric: county_expressway_coverage.share, op: '>=', threshold: 1,\n"
    "     params: {rule: seat_within_min, within_min: 30}}\n"
)


def _targets(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "targets.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _targets_error(path: Path) -> InputError:
    with pytest.raises(InputError) as info:
        load_targets_file(path)
    return info.value


@pytest.mark.parametrize(
    ("value", "words"),
    [
        (".nan", "not a finite number, got nan"),
        (".inf", "not a finite number, got inf"),
        ("-.inf", "not a finite number, got -inf"),
        ("yes", "a yes/no value (True) is not a number"),
        ("no", "a yes/no value (False) is not a number"),
        ("-4.9", "must be at least 0, got -4.9"),
    ],
)
def test_a_bad_threshold_names_the_target(tmp_path, value, words):
    path = _targets(tmp_path, "targets:\n" + TARGET.replace("4.9", value))
    _assert_names(_targets_error(path), path, "density", "threshold", words)


@pytest.mark.parametrize(
    ("value", "words"),
    [("80", "a share is from 0 to 1, got 80 (for 80 % write 0.8)"), ("-0.5", "got -0.5")],
)
def test_a_share_threshold_is_from_0_to_1(tmp_path, value, words):
    path = _targets(tmp_path, "targets:\n" + SHARE.replace("threshold: 1", f"threshold: {value}"))
    _assert_names(_targets_error(path), path, "county", "threshold", words)


@pytest.mark.parametrize(
    ("params", "field", "words"),
    [
        ("within_min: .nan", "within_min", "not a finite number, got nan"),
        ("within_min: .inf", "within_min", "not a finite number, got inf"),
        ("within_min: 0", "within_min", "must be greater than 0 min, got 0"),
        ("within_min: 100000", "within_min", "must be at most 1,440 min, got 100,000"),
        ("within_min: yes", "within_min", "a yes/no value"),
        ("within_km: -5", "within_km", "must be greater than 0 km, got -5"),
        ("within_km: 5000", "within_km", "must be at most 1,000 km, got 5,000"),
        ("within_m: .nan", "within_m", "not a finite number"),
        ("within_m: 1.0e+9", "within_m", "must be at most 1,000,000 m, got 1,000,000,000"),
    ],
)
def test_a_bad_param_names_the_target_and_param(tmp_path, params, field, words):
    text = "targets:\n" + SHARE.replace("within_min: 30", params)
    path = _targets(tmp_path, text)
    _assert_names(_targets_error(path), path, "county", f"params.{field}", words)


@pytest.mark.parametrize(
    ("travel", "field", "words"),
    [
        ("speeds_kmh: {'2': .nan}", "speeds_kmh.2", "not a finite number, got nan"),
        ("speeds_kmh: {expressway: .inf}", "speeds_kmh.expressway", "not a finite number"),
        ("speeds_kmh: {expressway: 1000}", "speeds_kmh.expressway", "at most 160 km/h, got 1,000"),
        ("speeds_kmh: {ramp: 0}", "speeds_kmh.ramp", "must be at least 5 km/h, got 0"),
        ("speeds_kmh: {ramp: yes}", "speeds_kmh.ramp", "a yes/no value"),
        ("access_speed_kmh: .nan", "access_speed_kmh", "not a finite number"),
        ("access_speed_kmh: 1000", "access_speed_kmh", "at most 160 km/h"),
        ("max_snap_m: -.inf", "max_snap_m", "not a finite number, got -inf"),
        ("max_snap_m: 0", "max_snap_m", "must be greater than 0 m, got 0"),
        ("max_snap_m: 1.0e+9", "max_snap_m", "must be at most 100,000 m"),
    ],
)
def test_a_bad_travel_setting_names_the_field(tmp_path, travel, field, words):
    path = _targets(tmp_path, f"travel:\n  {travel}\ntargets:\n{TARGET}")
    _assert_names(_targets_error(path), path, "travel", field, words)


def test_cli_threshold_yes_exits_2_naming_file_target_and_field(tmp_path, capsys):
    path = _targets(tmp_path, "targets:\n" + TARGET.replace("4.9", "yes"))
    code, err = _exit(["check", "--quiet", "--targets", str(path)], capsys)
    assert code == 2, err
    assert "targets.yaml, record 'density', field 'threshold'" in err
    assert "is not a number" in err and "Traceback" not in err


def test_cli_a_nan_within_min_exits_2(tmp_path, capsys):
    path = _targets(tmp_path, "targets:\n" + SHARE.replace("within_min: 30", "within_min: .nan"))
    code, err = _exit(["check", "--quiet", "--targets", str(path)], capsys)
    assert code == 2, err
    assert "targets.yaml, record 'county', field 'params.within_min'" in err
    assert "not a finite number, got nan" in err and "np.float64" not in err


# --- grade tables ---------------------------------------------------------------------------


def _speeds_csv(tmp_path: Path, ramp: str) -> Path:
    path = tmp_path / "speeds.csv"
    path.write_text(
        f"grade,design_speed_kmh\nexpressway,100\n1,80\n2,60\n3,40\n4,30\nramp,{ramp}\n",
        encoding="utf-8",
    )
    return path


def _highways_csv(tmp_path: Path) -> Path:
    path = tmp_path / "grades.csv"
    path.write_text("highway,default_grade\nmotorway,expressway\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("speed", "words"),
    [
        ("nan", "not a finite number, got nan"),
        ("inf", "not a finite number, got inf"),
        ("1000", "must be at least 5 and at most 160, got 1,000"),
        ("2", "must be at least 5 and at most 160, got 2"),
        ("-40", "got -40"),
    ],
)
def test_a_bad_design_speed_names_line_and_column(tmp_path, speed, words):
    path = _speeds_csv(tmp_path, speed)
    with pytest.raises(InputError) as info:
        GradeTable.from_csv(_highways_csv(tmp_path), path_design_speeds=path)
    _assert_names(info.value, path, "line 7", "design_speed_kmh", words)


@pytest.mark.parametrize(
    ("row", "field", "words"),
    [
        ("trunk,,100,,,1", "min_lanes", "at most 16, got 100"),
        ("trunk,,,,inf,1", "min_maxspeed_kmh", "not a finite number, got inf"),
        ("trunk,,,,500,1", "min_maxspeed_kmh", "at most 160, got 500"),
        ("trunk,,,nan,,1", "max_lanes", "not a finite number, got nan"),
    ],
)
def test_a_bad_refinement_bound_names_line_and_column(tmp_path, row, field, words):
    rules = tmp_path / "rules.csv"
    rules.write_text(
        f"highway,admin_class,min_lanes,max_lanes,min_maxspeed_kmh,grade\n{row}\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as info:
        GradeTable.from_csv(_highways_csv(tmp_path), rules)
    _assert_names(info.value, rules, "line 2", field, words)


def test_a_design_speed_of_1000_in_code_is_refused():
    speeds = dict(GradeTable.default().design_speeds_kmh, expressway=1000.0)
    with pytest.raises(InputError) as info:
        GradeTable(highway_grades={"motorway": "expressway"}, design_speeds_kmh=speeds)
    assert info.value.record == "expressway" and info.value.field == "design_speed_kmh"
    assert "got 1,000" in info.value.reason


# --- bundle.yaml ----------------------------------------------------------------------------


def _bundle(tmp_path: Path, old: str, new: str) -> Path:
    folder = tmp_path / "taixin"
    shutil.copytree(bundle_root() / "taixin", folder)
    manifest = folder / "bundle.yaml"
    text = manifest.read_text(encoding="utf-8")
    assert old in text
    manifest.write_text(text.replace(old, new), encoding="utf-8")
    return folder


@pytest.mark.parametrize(
    ("old", "new", "field", "words"),
    [
        ("announced_area_km2: 16800", "announced_area_km2: .nan", "announced_area_km2", "nan"),
        ("announced_area_km2: 16800", "announced_area_km2: -1", "announced_area_km2", "km²"),
        ("    length_km: 542", "    length_km: .inf", "announced_plan.expressway.length_km", "inf"),
        ("    projects: 8", "    projects: yes", "announced_plan.expressway.projects", "yes/no"),
    ],
)
def test_a_bad_number_in_bundle_yaml_names_the_key(tmp_path, old, new, field, words):
    folder = _bundle(tmp_path, old, new)
    with pytest.raises(InputError) as info:
        load_bundle(folder)
    assert info.value.path == str(folder / "bundle.yaml")
    assert info.value.field == field and words in info.value.reason
    assert "bundle.yaml" in str(info.value) and field in str(info.value)
