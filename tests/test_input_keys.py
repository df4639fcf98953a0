"""Unknown keys are input errors with a "did you mean" hint, at every level of every input file.

Issue 10, "unknown keys": a typo in a target's ``params`` (``within_mins``) was ignored and
flipped a verdict, and the plan's hint for ``investment`` proposed ``investment_basis``. Every
mapping is strict, and one helper (:func:`transnet._errors.suggest`) ranks the hints by
similarity, by a shared stem and by what is required.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from transnet._errors import InputError, closest, suggest
from transnet.cli import main
from transnet.grades.tables import GradeTable
from transnet.io.bundle import bundle_root, load_bundle
from transnet.plan.cards import load_plan
from transnet.targets import load_targets_file

LINE = [[112.50, 38.10], [112.60, 38.10]]
CARD = {
    "id": "X1",
    "name": "示例高速",
    "class": "expressway",
    "action": "new",
    "length_km": 8.8,
    "investment_100m_cny": 12.0,
    "status": "planned",
    "grade": "expressway",
    "provenance": "illustrative",
    "interchanges": [{"name": "示例互通", "lon": 112.55, "lat": 38.10}],
}


def _exit(argv: list[str], capsys) -> tuple[int, str]:
    with pytest.raises(SystemExit) as info:
        main(argv)
    return int(info.value.code or 0), capsys.readouterr().err


def _assert_unknown(error: InputError, path: Path, record, field: str, hint: str | None) -> None:
    assert error.path == str(path)
    assert error.record == record
    assert error.field == field
    assert path.name in str(error) and field in str(error)
    assert error.reason.startswith("unknown ")
    if hint is None:
        assert "did you mean" not in error.reason
    else:
        assert f"did you mean '{hint}'?" in error.reason


# --- the hint itself ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "known", "required", "expected"),
    [
        # A prefix of two fields: the required one, not the optional basis.
        (
            "investment",
            ["investment_100m_cny", "investment_basis"],
            ["investment_100m_cny"],
            "investment_100m_cny",
        ),
        ("length", ["length_km", "length_basis"], ["length_km"], "length_km"),
        ("within_mins", ["rule", "within_km", "within_m", "within_min"], [], "within_min"),
        ("lenght_km", ["length_km", "length_basis"], [], "length_km"),
        ("design_speed", ["design_speed_kmh", "source"], [], "design_speed_kmh"),
        ("speed", ["design_speed_kmh", "opened", "source"], [], "design_speed_kmh"),
        ("Threshold", ["threshold", "unit"], [], "threshold"),
        ("colour", ["id", "name", "class"], [], None),
    ],
)
def test_the_hint_ranks_by_similarity_stem_and_required(name, known, required, expected):
    assert closest(name, known, required=required) == expected
    assert suggest(name, known, required=required) == (
        f"did you mean '{expected}'?" if expected else ""
    )


# --- targets file: every level --------------------------------------------------------------

TARGET = (
    "  - id: county\n"
    "    metric: county_expressway_coverage.share\n"
    "    op: '>='\n"
    "    threshold: 1\n"
    "    params: {rule: seat_within_min, within_min: 30}\n"
)
TRAVEL = "travel:\n  access_speed_kmh: 20\n  speeds_kmh: {expressway: 100, ramp: 40}\n"


def _targets(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "targets.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_unmodified_targets_text_is_valid(tmp_path):
    # Each case below changes one key of this file; the file itself loads.
    loaded = load_targets_file(_targets(tmp_path, TRAVEL + "targets:\n" + TARGET))
    assert loaded.targets[0].params.within_min == 30
    assert loaded.travel.speeds_kmh == {"expressway": 100.0, "ramp": 40.0}


@pytest.mark.parametrize(
    ("old", "new", "record", "field", "hint"),
    [
        ("targets:\n", "target:\n", None, "target", "targets"),
        ("travel:\n", "traval:\n", None, "traval", "travel"),
        ("    op: '>='\n", "    op: '>='\n    tolerance: 0.1\n", "county", "tolerance", None),
        ("    threshold: 1\n", "    threshhold: 1\n", "county", "threshhold", "threshold"),
        ("    metric:", "    metrics:", "county", "metrics", "metric"),
        ("within_min: 30", "within_mins: 30", "county", "params.within_mins", "within_min"),
        ("rule: seat_within_min", "rules: seat_within_min", "county", "params.rules", "rule"),
        ("access_speed_kmh", "access_speed", "travel", "access_speed", "access_speed_kmh"),
        ("  speeds_kmh:", "  speed_kmh:", "travel", "speed_kmh", "speeds_kmh"),
        ("ramp: 40", "ramps: 40", "travel", "speeds_kmh.ramps", "ramp"),
        ("expressway: 100", "expresway: 100", "travel", "speeds_kmh.expresway", "expressway"),
        ("expressway: 100", "motorway: 100", "travel", "speeds_kmh.motorway", None),
    ],
)
def test_an_unknown_key_at_every_level_of_the_targets_file(tmp_path, old, new, record, field, hint):
    text = TRAVEL + "targets:\n" + TARGET
    assert old in text
    path = _targets(tmp_path, text.replace(old, new, 1))
    with pytest.raises(InputError) as info:
        load_targets_file(path)
    _assert_unknown(info.value, path, record, field, hint)


def test_cli_within_mins_exits_2_with_the_hint(tmp_path, capsys):
    path = _targets(tmp_path, "targets:\n" + TARGET.replace("within_min:", "within_mins:"))
    code, err = _exit(["check", "--quiet", "--targets", str(path)], capsys)
    assert code == 2, err
    assert "targets.yaml, record 'county', field 'params.within_mins'" in err
    assert "did you mean 'within_min'?" in err and "Traceback" not in err


# --- plan cards and their planned interchanges ----------------------------------------------


def _plan(tmp_path: Path, properties: dict) -> Path:
    path = tmp_path / "plan.geojson"
    feature = {
        "type": "Feature",
        "properties": properties,
        "geometry": {"type": "LineString", "coordinates": LINE},
    }
    path.write_text(
        json.dumps({"type": "FeatureCollection", "features": [feature]}, ensure_ascii=False),
        encoding="utf-8",
    )
    return path


def test_the_unmodified_card_is_valid(tmp_path):
    assert load_plan(_plan(tmp_path, CARD)).cards[0].interchanges[0].name == "示例互通"


@pytest.mark.parametrize(
    ("old", "new", "hint"),
    [
        ("investment_100m_cny", "investment", "investment_100m_cny"),
        ("length_km", "length", "length_km"),
        ("length_km", "lenght_km", "length_km"),
        ("provenance", "provenence", "provenance"),
        ("class", "klass", "class"),
    ],
)
def test_an_unknown_card_field_gives_the_right_hint(tmp_path, old, new, hint):
    properties = {new if k == old else k: v for k, v in CARD.items()}
    path = _plan(tmp_path, properties)
    with pytest.raises(InputError) as info:
        load_plan(path)
    _assert_unknown(info.value, path, "X1", new, hint)


def test_an_extra_card_field_with_no_likeness_has_no_hint(tmp_path):
    path = _plan(tmp_path, {**CARD, "colour": "red"})
    with pytest.raises(InputError) as info:
        load_plan(path)
    _assert_unknown(info.value, path, "X1", "colour", None)
    assert "known fields: action, class" in info.value.reason


@pytest.mark.parametrize(
    ("old", "new", "hint"),
    [("lat", "latitude", "lat"), ("lon", "lng", "lon"), ("name", "names", "name")],
)
def test_an_unknown_key_in_a_planned_interchange(tmp_path, old, new, hint):
    interchange = {new if k == old else k: v for k, v in CARD["interchanges"][0].items()}
    path = _plan(tmp_path, {**CARD, "interchanges": [interchange]})
    with pytest.raises(InputError) as info:
        load_plan(path)
    _assert_unknown(info.value, path, "X1", f"interchanges.0.{new}", hint)


@pytest.mark.parametrize(
    ("field", "value", "hint"),
    [
        ("action", "upgarde", "upgrade"),
        ("provenance", "annouced", "announced"),
        ("class", "x", None),
    ],
)
def test_a_misspelt_choice_in_a_card_gets_a_hint(tmp_path, field, value, hint):
    path = _plan(tmp_path, {**CARD, field: value})
    with pytest.raises(InputError) as info:
        load_plan(path)
    assert info.value.field == field and info.value.record == "X1"
    assert f"got {value!r}" in info.value.reason
    if hint:
        assert info.value.reason.endswith(f"did you mean '{hint}'?")
    else:
        assert "did you mean" not in info.value.reason


# --- bundle.yaml ----------------------------------------------------------------------------


def _bundle(tmp_path: Path, old: str, new: str) -> Path:
    folder = tmp_path / "taixin"
    shutil.copytree(bundle_root() / "taixin", folder)
    manifest = folder / "bundle.yaml"
    text = manifest.read_text(encoding="utf-8")
    assert old in text
    manifest.write_text(text.replace(old, new, 1), encoding="utf-8")
    return folder


@pytest.mark.parametrize(
    ("old", "new", "field", "hint"),
    [
        ("pois_label:", "poi_label:", "poi_label", "pois_label"),
        ("network_caveat:", "network_caveats:", "network_caveats", "network_caveat"),
        ("announced_area_km2:", "announced_area:", "announced_area", "announced_area_km2"),
        ("interchanges:", "interchange:", "interchange", "interchanges"),
        ("targets:", "target:", "target", "targets"),
        ("    projects: 8", "    project: 8", "announced_plan.expressway.project", "projects"),
        (
            "  expressway:\n    projects",
            "  expressways:\n    projects",
            "announced_plan.expressways",
            "expressway",
        ),
        ("name: taixin\n", "name: taixin\nvillages: villages.csv\n", "villages", None),
    ],
)
def test_an_unknown_key_in_bundle_yaml(tmp_path, old, new, field, hint):
    folder = _bundle(tmp_path, old, new)
    with pytest.raises(InputError) as info:
        load_bundle(folder)
    _assert_unknown(info.value, folder / "bundle.yaml", None, field, hint)


def test_a_misspelt_bundle_name_gets_a_hint():
    with pytest.raises(InputError) as info:
        load_bundle("taixn")
    assert "unknown bundle 'taixn'; did you mean 'taixin'?" in str(info.value)


def test_cli_an_unknown_bundle_key_exits_2(tmp_path, capsys):
    folder = _bundle(tmp_path, "pois_label:", "poi_label:")
    code, err = _exit(["check", "--quiet", "--bundle", str(folder)], capsys)
    assert code == 2, err
    assert "bundle.yaml, field 'poi_label': unknown key; did you mean 'pois_label'?" in err


# --- grade CSV columns ----------------------------------------------------------------------


def test_an_unknown_grade_csv_column_gives_a_hint(tmp_path):
    path = tmp_path / "grades.csv"
    path.write_text("highway,default_grade,notes\nmotorway,expressway,\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        GradeTable.from_csv(path)
    _assert_unknown(info.value, path, None, "notes", "note")


def test_a_misspelt_required_grade_csv_column_is_named_with_its_likely_typo(tmp_path):
    highways = tmp_path / "grades.csv"
    highways.write_text("highway,default_grade\nmotorway,expressway\n", encoding="utf-8")
    speeds = tmp_path / "speeds.csv"
    speeds.write_text("grade,design_speed_kph\nexpressway,100\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        GradeTable.from_csv(highways, path_design_speeds=speeds)
    assert info.value.field == "design_speed_kmh"
    assert "missing column; rename 'design_speed_kph' to 'design_speed_kmh'?" in str(info.value)
