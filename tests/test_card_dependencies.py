"""Card dependencies (``requires``): validated at plan load, closed subsets for the solver."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from transnet import InputError
from transnet.plan import load_plan


def _feature(card_id: str, row: int, **properties) -> dict:
    """A 0.1°-long east–west card (≈ 8.8 km at 38° N) on its own row of the template area."""
    lat = 38.1 + 0.05 * row
    return {
        "type": "Feature",
        "properties": {
            "id": card_id,
            "name": f"card {card_id}",
            "class": "expressway",
            "action": "new",
            "length_km": 8.8,
            "investment_100m_cny": 10.0,
            "status": "planned",
            "grade": "expressway",
            "provenance": "illustrative",
            **properties,
        },
        "geometry": {"type": "LineString", "coordinates": [[112.5, lat], [112.6, lat]]},
    }


def _write(tmp_path: Path, requires: dict[str, object]) -> Path:
    """A plan of cards E1 … E5; ``requires`` gives some cards their ``requires`` value."""
    features = [
        _feature(f"E{i}", i, **({"requires": requires[f"E{i}"]} if f"E{i}" in requires else {}))
        for i in range(1, 6)
    ]
    path = tmp_path / "plan.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), "utf-8")
    return path


def _error(tmp_path: Path, requires: dict[str, object]) -> InputError:
    path = _write(tmp_path, requires)
    with pytest.raises(InputError) as caught:
        load_plan(path)
    assert caught.value.path == str(path)
    assert caught.value.field == "requires"
    return caught.value


def test_requires_is_read_and_defaults_to_none(tmp_path):
    plan = load_plan(_write(tmp_path, {"E3": ["E2"], "E2": ["E1"]}))
    by_id = {card.id: card for card in plan.cards}
    assert by_id["E3"].requires == ["E2"]
    assert by_id["E1"].requires == []
    assert plan.frame.set_index("id").at["E3", "requires"] == ["E2"]


@pytest.mark.parametrize("written", ["E2", "E2, E1", '["E2", "E1"]'])
def test_requires_as_text_is_a_list(tmp_path, written):
    """A GeoPackage or spreadsheet holds text: one id, ids split by commas, or a JSON list."""
    plan = load_plan(_write(tmp_path, {"E3": written}))
    assert plan.cards[2].requires == ["E2", "E1"][: 1 if written == "E2" else 2]


def test_unknown_id_is_refused_with_a_hint(tmp_path):
    error = _error(tmp_path, {"E4": ["E22"]})
    assert error.record == "E4"
    assert "unknown card 'E22'" in error.reason
    assert "did you mean 'E2'?" in error.reason


def test_a_card_requiring_itself_is_refused(tmp_path):
    error = _error(tmp_path, {"E2": ["E1", "E2"]})
    assert error.record == "E2"
    assert "requires itself" in error.reason


def test_a_duplicate_requirement_is_refused(tmp_path):
    error = _error(tmp_path, {"E2": ["E1", "E1"]})
    assert error.record == "E2"
    assert "'E1' twice" in error.reason


def test_a_cycle_is_named(tmp_path):
    error = _error(tmp_path, {"E3": ["E5"], "E5": ["E3"], "E1": ["E3"]})
    assert error.record == "E3"
    assert "E3 → E5 → E3" in error.reason


def test_a_longer_cycle_is_named_from_its_first_card(tmp_path):
    error = _error(tmp_path, {"E4": ["E2"], "E2": ["E5"], "E5": ["E1", "E4"]})
    assert error.record == "E2"
    assert "E2 → E5 → E4 → E2" in error.reason


def test_a_requirement_that_is_not_text_is_refused(tmp_path):
    path = _write(tmp_path, {"E3": [2]})
    with pytest.raises(InputError) as caught:
        load_plan(path)
    assert (caught.value.record, caught.value.field) == ("E3", "requires.0")


def test_closure_and_valid_subsets(tmp_path):
    plan = load_plan(_write(tmp_path, {"E3": ["E2"], "E2": ["E1"], "E5": ["E4"]}))
    assert plan.closure(["E3"]) == ["E1", "E2", "E3"]
    assert plan.closure(["E5", "E1"]) == ["E1", "E4", "E5"]
    assert plan.closure([]) == []
    assert plan.is_valid_subset(["E1", "E2"])
    assert not plan.is_valid_subset(["E2", "E3"])
    assert plan.is_valid_subset([])
    with pytest.raises(ValueError, match="no card E9"):
        plan.closure(["E9"])


def test_subset_keeps_file_order(tmp_path):
    plan = load_plan(_write(tmp_path, {"E3": ["E2"]}))
    subset = plan.subset(["E3", "E2"])
    assert [c.id for c in subset.cards] == ["E2", "E3"]
    assert subset.frame["id"].tolist() == ["E2", "E3"]
    with pytest.raises(ValueError, match="E3 requires E2"):
        plan.subset(["E3"])


def test_the_template_declares_requires(tmp_path):
    template = Path(__file__).parents[1] / "data" / "templates" / "plan_cards_template.geojson"
    plan = load_plan(template)
    assert [card.requires for card in plan.cards] == [[], ["X1"]]


def test_check_exits_2_on_a_dependency_cycle_in_a_bundle(tmp_path, capsys):
    import shutil

    from transnet.cli import main
    from transnet.io.bundle import bundle_root

    folder = tmp_path / "cyclic"
    shutil.copytree(bundle_root() / "taixin", folder)
    plan_path = folder / "plan.geojson"
    document = json.loads(plan_path.read_text(encoding="utf-8"))
    for feature in document["features"]:
        requires = {"E3": ["E5"], "E5": ["E3"]}.get(feature["properties"]["id"])
        if requires:
            feature["properties"]["requires"] = requires
    plan_path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(SystemExit) as info:
        main(["check", "--bundle", str(folder), "-q"])
    assert info.value.code == 2
    error = capsys.readouterr().err
    assert "plan.geojson" in error
    assert "dependency cycle: E3 → E5 → E3" in error
