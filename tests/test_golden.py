"""The redesign changed no number of ``transnet run`` but the bugs it fixed (issue 9).

``golden/taixin_metrics_0.1.json`` is ``metrics.json`` of the embedded bundle as transnet 0.1
wrote it, before the redesign. The test rewrites its place records into the new layout (one
unit convention: kilometres for network distances) and compares every field with today's
document. The only differences allowed are listed in ``CHANGED`` with their old and new values,
each checked by hand (see the comments), and the keys schema version 2 added
(``NEW_IN_SCHEMA_2``, issue 12). The golden file itself is never regenerated: it is 0.1's output.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest

from transnet.report.document import SCHEMA_PATH, metrics_document, write_metrics_json
from transnet.report.schema import metrics_schema

GOLDEN = Path(__file__).parent / "golden" / "taixin_metrics_0.1.json"
#: Sections that 0.1 did not write, or that change with every run.
NEW_OR_VOLATILE = {"schema_version", "headline", "generated", "transnet_version", "phasing"}

#: Keys that schema version 2 added (issue 12: lower bounds, township kinds and codes, the
#: road each place is nearest to). The caveat it adds (data.caveats.4) pushes the last one to 5.
NEW_IN_SCHEMA_2 = re.compile(
    r"targets\.\d+\.bound|data\.lower_bounds\.\d+|data\.caveats\.5"
    r"|settings\.township_grade[23]\.kinds\.\d+"
    r"|scenarios\.(before|after)\.pois\.\d+\.(code|kind|road\.2|counted\.poi_grade2)"
)
LOWER_BOUND_CAVEAT = (
    "On this trunk-only network, coverage by roads of a grade is a LOWER BOUND (county seats on "
    "grade-1 roads, points of interest on grade-2 roads): the county and township roads it "
    "lacks can only cover more places. A target such a share meets passes; one it misses is "
    "not evaluated."
)

#: A grade added since 0.1 (issue 12): roads below grade 4 (等外公路). Its keys are new in every
#: by-grade mapping; the bundle has no such road, so each is 0, but its design speed (20 km/h).
ADDED_GRADE = "below_4"

#: path → (0.1 value, value now). Every entry is a bug fixed by issue 9, or (the last three)
#: issue 12's lower bounds: on the trunk-only bundle, county grade-1 and POI coverage are lower
#: bounds, and their verdicts say so.
CHANGED = {
    # Ramps are clipped to the zone like every other length: 0.1 summed the ramps of the whole
    # network. After the plan, the ramp of 娄烦互通 (1.180 km) lies wholly outside the twelve
    # counties; intersecting each ramp with the counties' union in shapely, apart from
    # transnet's overlay, gives 33.742 km (34.923 - 1.180, rounded). The E1 fix below then
    # shortens the ramp of 赵北峰互通 from 2.004 km to 0.283 km: 33.742 - 1.721 = 32.021.
    "scenarios.after.ramp_km": (34.923, 32.021),
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
    # Card E1 kept its last 1.761 km: 0.1 snapped its end back onto the card's own
    # second-to-last vertex (on G55, 1,761 m away), collapsing the final segment. The end is
    # now left free (the note says why). Every change below is those 1.761 km: the zone's
    # expressways 889.894 + 1.761 = 891.655 km; density + 1.761 / 167.86 (zone area / 100)
    # = + 0.0105; 迎泽 (105.1 km²) 12.917 + 1.761 = 14.678 km, 13.965 per 100 km²; its seat
    # and 杏花岭's now reach the 赵北峰 interchange by its 0.283 km ramp.
    "plan.cards.0.edges_added": (5, 6),
    "plan.cards.0.end_snap_m": (1761.4379333281165, None),
    "plan.cards.0.length_added_km": (29.39491835576889, 31.15635628909701),
    "plan.cards.0.note": (
        "",
        "end left free: the nearest expressway node within 2000 m (1761 m away) lies back "
        "along the card: snapping to it would shorten the card",
    ),
    "change.density_per_100km2.expressway": (1.1119, 1.1224),
    "change.density_per_100km2.total": (1.662, 1.6725),
    "change.length_km.expressway": (186.649, 188.41),
    "change.length_km.total": (279.0, 280.762),
    "scenarios.after.length_km.expressway": (889.894, 891.655),
    "scenarios.after.length_km.total": (1487.214, 1488.976),
    "scenarios.after.density_per_100km2.expressway": (5.3012, 5.3117),
    "scenarios.after.density_per_100km2.total": (8.8595, 8.87),
    "scenarios.after.counties.2.length_km": (24.942, 26.703),
    "scenarios.after.counties.2.expressway_km": (12.917, 14.678),
    "scenarios.after.counties.2.length_km_by_grade.expressway": (12.917, 14.678),
    "scenarios.after.counties.2.density_per_100km2": (23.73, 25.406),
    "scenarios.after.counties.2.expressway_density_per_100km2": (12.289, 13.965),
    "scenarios.after.counties.2.density_per_100km2_by_grade.expressway": (12.289, 13.965),
    "scenarios.after.counties.2.seat_to_interchange_km": (7.626, 5.905),
    "scenarios.after.counties.2.seat_to_interchange_min": (7.22, 4.64),
    "scenarios.after.counties.1.seat_to_interchange_km": (8.669, 8.237),
    "scenarios.after.counties.1.seat_to_interchange_min": (7.75, 6.39),
    "seat_to_interchange.1.after_min": (7.75, 6.39),
    "seat_to_interchange.1.change_min": (0.0, -1.36),
    "seat_to_interchange.1.projects": ("", "E1 (+1.4 min without it)"),
    "seat_to_interchange.2.after_min": (7.22, 4.64),
    "seat_to_interchange.2.change_min": (-0.61, -3.19),
    "seat_to_interchange.2.projects": ("E1 (+0.6 min without it)", "E1 (+3.2 min without it)"),
    "project_effects.E1.counties": ("迎泽区", "杏花岭区, 迎泽区"),
    "project_effects.E1.minutes_saved_max": (0.61, 3.19),
    "project_effects.E1.minutes_saved_total": (0.61, 4.55),
    "sensitivity_without_illustrative.length_km.expressway": (714.761, 716.523),
    "sensitivity_without_illustrative.length_km.total": (1219.731, 1221.492),
    "sensitivity_without_illustrative.density_per_100km2.expressway": (4.2579, 4.2684),
    "sensitivity_without_illustrative.density_per_100km2.total": (7.2661, 7.2766),
    "targets.0.value": (5.3012, 5.3117),
    "targets.0.reason": (
        "passes only with the illustrative cards and alignments; without them: 4.2579",
        "passes only with the illustrative cards and alignments; without them: 4.2684",
    ),
    "data.caveats.4": (
        "Per-project investments are apportioned from the announced class totals, not announced "
        "figures.",
        LOWER_BOUND_CAVEAT,
    ),
    "targets.4.reason": (
        "",
        "lower bound (the network is trunk-only): the true value is at least 1",
    ),
    "targets.6.reason": (
        "on the bundle's points of interest: approximate positions; development zones only (no "
        "3A+ scenic spots); measured on a network without every county and township road, so the "
        "share is a lower bound",
        "lower bound (the network is trunk-only): the true value is at least 1; on the bundle's "
        "points of interest: approximate positions; development zones only (no 3A+ scenic spots)",
    ),
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


def _keyed(document: dict) -> dict:
    """Key the per-project list by project id (its order follows the minutes saved), and keep
    only the targets file's name (the folder is the machine's)."""
    document["project_effects"] = {r["project"]: r for r in document["project_effects"]}
    document["data"]["targets_file"] = Path(document["data"]["targets_file"]).name
    return document


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


@pytest.fixture(scope="module")
def study_of_0_1_inputs(tmp_path_factory):
    """The Taixin study on 0.1's inputs: the bundle without the townships and attribution that
    issue 12 added (their results are new sections, not changes of 0.1's numbers)."""
    import shutil

    from transnet._resources import data_root
    from transnet.study import run_study

    folder = tmp_path_factory.mktemp("taixin_0_1") / "taixin"
    shutil.copytree(data_root() / "taixin", folder)
    manifest = (folder / "bundle.yaml").read_text(encoding="utf-8").split("\n")
    added = ("townships:", "places_source:", "attribution:")
    kept, skipping = [], False
    for line in manifest:
        if line.startswith(added):
            skipping = True
            continue
        if skipping and line.startswith("  "):
            continue
        skipping = False
        kept.append(line)
    (folder / "bundle.yaml").write_text("\n".join(kept), encoding="utf-8")
    return run_study(folder)


def test_metrics_equal_the_0_1_output_except_the_fixed_bugs(study_of_0_1_inputs, tmp_path):
    new = _flatten(_keyed(write_metrics_json(study_of_0_1_inputs, tmp_path / "metrics.json")))
    old = _flatten(_keyed(_old_document()))
    keep = lambda path: path.split(".")[0] not in NEW_OR_VOLATILE  # noqa: E731
    new = {k: v for k, v in new.items() if keep(k)}
    old = {k: v for k, v in old.items() if keep(k)}
    added = {k for k in new if NEW_IN_SCHEMA_2.fullmatch(k)}
    assert new["data.caveats.5"] == old["data.caveats.4"]  # moved down by the new caveat
    assert {new[k] for k in added if k.startswith("targets.")} == {"exact", "lower_bound"}
    graded = {k for k in set(new) - set(old) if k.rsplit(".", 1)[-1] == ADDED_GRADE}
    nonzero = {k: new[k] for k in graded if new[k] != 0}
    assert graded and nonzero == {f"settings.speeds_kmh.{ADDED_GRADE}": 20.0}
    added |= graded
    new = {k: v for k, v in new.items() if k not in added}
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
