"""The redesign changed no number of ``transnet run`` but the bugs it fixed (issue 9).

``golden/taixin_metrics_0.1.json`` is ``metrics.json`` of the embedded bundle as transnet 0.1
wrote it, before the redesign. The test rewrites its place records into the new layout (one
unit convention: kilometres for network distances) and compares every field with today's
document. The only differences allowed are listed in ``CHANGED`` with their old and new values,
each checked by hand (see the comments).
"""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from transnet.report.document import SCHEMA_PATH, metrics_document, write_metrics_json
from transnet.report.schema import metrics_schema

GOLDEN = Path(__file__).parent / "golden" / "taixin_metrics_0.1.json"
#: Sections that 0.1 did not write, or that change with every run.
NEW_OR_VOLATILE = {"schema_version", "headline", "generated", "transnet_version"}

#: path → (0.1 value, value now). Every entry is a bug fixed by issue 9.
CHANGED = {
    # Ramps are clipped to the zone like every other length: 0.1 summed the ramps of the whole
    # network. After the plan, the ramp of 娄烦互通 (1.180 km) lies wholly outside the twelve
    # counties; intersecting each ramp with the counties' union in shapely, apart from
    # transnet's overlay, gives 33.742 km (34.923 - 1.180, rounded).
    "scenarios.after.ramp_km": (34.923, 33.742),
    # A place reaches the network at an ordinary road, never on a ramp. 0.1 snapped the 大盂
    # POI 709.4 m onto a ramp and then ran 1.4 km along the network. The nearest grade-2 road
    # is 874.6 m away before the plan and 747.0 m after (0.1's own straight-line figures,
    # grade2_euclidean_m), so the trip is that leg alone, at the 20 km/h access speed:
    # 874.6 m → 2.62 min, 747.0 m → 2.24 min.
    "scenarios.before.pois.0.snap_m": (709.4, 874.6),
    "scenarios.before.pois.0.to_grade_km.2": (1.4, 0.875),
    "scenarios.before.pois.0.to_grade_min.2": (3.16, 2.62),
    "scenarios.after.pois.0.snap_m": (709.4, 747.0),
    "scenarios.after.pois.0.to_grade_km.2": (1.4, 0.747),
    "scenarios.after.pois.0.to_grade_min.2": (3.16, 2.24),
}


def _old_place(record: dict, criteria: list[str]) -> dict:
    """A 0.1 place record (metres, flat keys) in the new layout (kilometres, by grade)."""
    grades = sorted({key[5:-2] for key in record if key.startswith("grade") and key.endswith("_m")})
    grades = [g for g in grades if not g.endswith("_euclidean")]
    km = lambda v: None if v is None else round(v / 1000, 3)  # noqa: E731
    return {
        "name": record["name"],
        "snap_m": record["snap_m"],
        "unreachable": record["unreachable"],
        "to_grade_km": {g: km(record[f"grade{g}_m"]) for g in grades},
        "to_grade_min": {g: record[f"grade{g}_min"] for g in grades},
        "euclidean_km": {g: km(record[f"grade{g}_euclidean_m"]) for g in grades},
        "covered": {c: record[f"{c}_covered"] for c in criteria},
    }


def _flatten(value, path=""):
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, list):
        items = ((str(i), v) for i, v in enumerate(value))
    else:
        return {path: value}
    flat = {}
    for key, item in items:
        flat.update(_flatten(item, f"{path}.{key}" if path else key))
    return flat


def _old_document() -> dict:
    old = json.loads(GOLDEN.read_text(encoding="utf-8"))
    for scenario in old["scenarios"].values():
        for kind, criteria in (
            ("townships", ["township_grade2", "township_grade3"]),
            ("pois", ["poi_grade2"]),
        ):
            if kind in scenario:
                scenario[kind] = [_old_place(r, criteria) for r in scenario[kind]]
    return old


def test_metrics_equal_the_0_1_output_except_the_fixed_bugs(bundle_study, tmp_path):
    new = _flatten(write_metrics_json(bundle_study, tmp_path / "metrics.json"))
    old = _flatten(_old_document())
    keep = lambda path: path.split(".")[0] not in NEW_OR_VOLATILE  # noqa: E731
    new = {k: v for k, v in new.items() if keep(k)}
    old = {k: v for k, v in old.items() if keep(k)}
    assert set(new) == set(old), (sorted(set(new) - set(old)), sorted(set(old) - set(new)))
    differing = {k for k in new if new[k] != old[k]}
    assert differing == set(CHANGED), {k: (old[k], new[k]) for k in differing ^ set(CHANGED)}
    for path, (before, now) in CHANGED.items():
        assert (old[path], new[path]) == (before, now), path


def test_the_committed_schema_is_the_one_the_code_builds():
    committed = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    assert committed == metrics_schema(), "regenerate: python -m transnet.report.schema"
    jsonschema.Draft202012Validator.check_schema(committed)


def test_metrics_json_validates_against_its_schema(bundle_study):
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    document = json.loads(json.dumps(metrics_document(bundle_study), default=str))
    jsonschema.validate(document, schema, cls=jsonschema.Draft202012Validator)


def test_the_schema_rejects_a_document_that_breaks_it(bundle_study):
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    document = json.loads(json.dumps(metrics_document(bundle_study), default=str))
    document["scenarios"]["after"]["counties"][0]["seat_to_interchange_min"] = "fast"
    with pytest.raises(jsonschema.ValidationError, match="fast"):
        jsonschema.validate(document, schema, cls=jsonschema.Draft202012Validator)
