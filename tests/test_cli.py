"""End to end: `transnet run` and `transnet check` on the embedded bundle, and bad input."""

from __future__ import annotations

import json
import shutil
import warnings
from pathlib import Path
from xml.etree import ElementTree

import pandas as pd
import pytest
import yaml
from conftest import DUAL_CARRIAGEWAY

from transnet import options
from transnet._errors import TransnetWarning
from transnet.cli import main
from transnet.io.bundle import load_bundle
from transnet.io.files import OUTPUT_MARKER
from transnet.io.network_store import load_network
from transnet.io.osm import network_from_osm_file
from transnet.region import region_from_bundle
from transnet.study import run_study


def _exit_code(argv: list[str]) -> int:
    with pytest.raises(SystemExit) as info:
        main(argv)
    return int(info.value.code or 0)


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("run") / "taixin"
    assert _exit_code(["run", "--bundle", "taixin", "--out", str(out), "--quiet"]) == 0
    return out


def test_run_writes_every_output(run_folder):
    names = {p.name for p in run_folder.iterdir()}
    assert {
        "metrics.json",
        "metrics_by_county.csv",
        "report.md",
        "before.html",
        "after.html",
    } <= names
    assert not [p for p in run_folder.parent.iterdir() if p.name.startswith(".")]  # no staging left


def test_run_writes_the_project_value_table_it_ranks(run_folder):
    import pandas as pd

    table = pd.read_csv(run_folder / "projects.csv")
    assert table["id"].tolist()[:2] == ["E5", "E8"]  # as Study.projects ranks them
    assert table["rank"].tolist() == list(range(1, len(table) + 1)) and len(table) == 21
    assert "| 1 | E5 |" in (run_folder / "report.md").read_text(encoding="utf-8")


def test_metrics_json_schema_and_region(run_folder):
    document = json.loads((run_folder / "metrics.json").read_text(encoding="utf-8"))
    region = document["region"]
    assert len(region["counties"]) == 12
    assert abs(region["area_km2"] - 16_800) / 16_800 < 0.01
    for scenario in ("before", "after"):
        metrics = document["scenarios"][scenario]
        assert set(metrics["length_km"]) == {"expressway", "1", "2", "3", "4", "below_4", "total"}
        assert set(metrics["density_per_100km2"]) == set(metrics["length_km"])
        assert len(metrics["counties"]) == 12
        county = metrics["counties"][0]
        for key in (
            "code",
            "name",
            "area_km2",
            "expressway_km",
            "crossed",
            "interchanges",
            "seat_to_interchange_km",
            "covered",
        ):
            assert key in county
        coverage = metrics["county_expressway_coverage"]
        assert coverage["total"] == 12
        assert coverage["share"] == pytest.approx(coverage["covered"] / 12, abs=1e-4)
    plan = document["plan"]
    assert plan["projects"] == 21
    assert plan["by_class"]["expressway"]["projects"] == 8
    assert plan["by_class"]["national_provincial"]["projects"] == 13
    assert plan["by_class"]["expressway"]["announced"] == {
        "projects": 8,
        "length_km": 542,
        "investment_100m_cny": 812,
    }
    statuses = {t["id"]: t["status"] for t in document["targets"]}
    reasons = {t["id"]: t["reason"] for t in document["targets"]}
    assert statuses["road_density"] == "not_evaluated"
    assert statuses["township_grade2"] == "not_evaluated"
    # 5.30 km/100 km² after the plan, but 4.26 without the illustrative cards: the row says so.
    assert statuses["expressway_density"] == "pass"
    assert "only with the illustrative cards" in reasons["expressway_density"]
    assert "approximate positions" in reasons["poi_grade2"]
    for target in document["targets"]:
        assert set(target) >= {"id", "scenario", "value", "op", "threshold", "status"}


def test_report_gives_each_cards_share_inside_the_region(run_folder):
    report = (run_folder / "report.md").read_text(encoding="utf-8")
    assert "inside region" in report
    e6 = next(line for line in report.splitlines() if line.startswith("| E6 |"))
    assert "| 5% |" in e6, e6


def test_plan_is_applied_without_double_counting(run_folder):
    document = json.loads((run_folder / "metrics.json").read_text(encoding="utf-8"))
    cards = {c["id"]: c for c in document["plan"]["cards"]}
    assert cards["E2"]["outcome"] == "already_in_base"  # NW ring, opened 2024
    assert cards["E7"]["outcome"] == "modified"  # G55 widening
    assert cards["N1"]["outcome"] == "modified"  # G108 upgrade
    before, after = document["scenarios"]["before"], document["scenarios"]["after"]
    assert after["length_km"]["expressway"] > before["length_km"]["expressway"]
    assert after["length_km"]["1"] > before["length_km"]["1"]
    added_km = sum(c["length_added_km"] for c in cards.values() if c["outcome"] == "added")
    # Clipping to the zone can only shorten what the plan adds.
    assert after["length_km"]["total"] - before["length_km"]["total"] <= added_km + 1e-6


def test_report_and_maps_say_the_data_is_schematic(run_folder):
    report = (run_folder / "report.md").read_text(encoding="utf-8")
    assert "SCHEMATIC" in report and "ILLUSTRATIVE" in report
    for section in ("## Targets", "## Plan against the announcement", "km change"):
        assert section in report
    for name in ("before.html", "after.html"):
        html = (run_folder / name).read_text(encoding="utf-8")
        assert "SCHEMATIC" in html
    counties = pd.read_csv(run_folder / "metrics_by_county.csv", dtype={"code": str})
    assert len(counties) == 12
    assert {"expressway_km_before", "expressway_km_after", "covered_after"} <= set(counties.columns)


def test_check_passes_on_the_bundle_and_writes_junit(tmp_path):
    junit = tmp_path / "report.xml"
    assert _exit_code(["check", "--bundle", "taixin", "--junit", str(junit), "--quiet"]) == 0
    suite = ElementTree.parse(junit).getroot()
    targets = yaml.safe_load(load_bundle("taixin").path("targets").read_text(encoding="utf-8"))
    assert int(suite.get("tests")) == len(targets["targets"])


def test_check_prints_a_target_table_that_fits_80_columns(monkeypatch):
    from rich.console import Console

    import transnet.cli as cli

    console = Console(width=80, record=True, force_terminal=False)
    monkeypatch.setattr(cli, "_out", console)
    assert _exit_code(["check", "--bundle", "taixin"]) == 0
    text = console.export_text()
    assert max(len(line) for line in text.splitlines()) <= 80
    rows = [line for line in text.splitlines() if line.startswith("│")]
    # One line per target id, never broken across lines; the reasons follow as notes.
    assert any(line.startswith("│ county_expressway ") for line in rows)
    assert "[1] expressway_density: passes only with the illustrative cards" in text


def test_check_fails_on_a_stricter_target(tmp_path):
    targets = tmp_path / "strict.yaml"
    targets.write_text(
        "targets:\n"
        "  - id: expressway_density_strict\n"
        "    metric: density_per_100km2.expressway\n"
        "    op: '>='\n"
        "    threshold: 5.5\n"
        "    unit: km/100 km²\n",
        encoding="utf-8",
    )
    assert _exit_code(["check", "--targets", str(targets), "--quiet"]) == 1


def test_unknown_bundle_exits_2(capsys, tmp_path):
    out = tmp_path / "out"
    assert _exit_code(["run", "--bundle", "atlantis", "--out", str(out), "--quiet"]) == 2
    assert "unknown bundle 'atlantis'" in capsys.readouterr().err
    assert not out.exists()


def test_bad_scenario_exits_2(capsys):
    assert _exit_code(["check", "--scenario", "later", "--quiet"]) == 2


@pytest.fixture
def bundle_copy(tmp_path) -> Path:
    folder = tmp_path / "bundle"
    shutil.copytree(load_bundle("taixin").folder, folder)
    return folder


def _break_card(folder: Path, card_id: str, **changes) -> None:
    path = folder / "plan.geojson"
    document = json.loads(path.read_text(encoding="utf-8"))
    for feature in document["features"]:
        if feature["properties"]["id"] == card_id:
            for key, value in changes.items():
                if key == "geometry":
                    feature["geometry"] = value
                else:
                    feature["properties"][key] = value
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"geometry": None}, "geometry"),
        ({"grade": "6"}, "grade"),
        ({"action": "demolish"}, "action"),
        ({"length_km": 5000}, "length_km"),
    ],
)
def test_bad_plan_card_exits_2_and_leaves_previous_outputs(
    capsys, bundle_copy, tmp_path, changes, field
):
    out = tmp_path / "out"
    out.mkdir()
    (out / "metrics.json").write_text("previous run")
    (out / OUTPUT_MARKER).write_text("")
    _break_card(bundle_copy, "N3", **changes)
    assert _exit_code(["run", "--bundle", str(bundle_copy), "--out", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "plan.geojson" in err and "'N3'" in err and f"'{field}'" in err
    assert sorted(p.name for p in out.iterdir()) == [OUTPUT_MARKER, "metrics.json"]
    assert (out / "metrics.json").read_text() == "previous run"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bundle", "out"]  # no staging left


def test_unknown_county_code_exits_2(capsys, bundle_copy):
    path = bundle_copy / "counties.csv"
    path.write_text(
        path.read_text(encoding="utf-8").replace("156140122", "156149999"), encoding="utf-8"
    )
    assert _exit_code(["check", "--bundle", str(bundle_copy), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "156149999" in err and "'code'" in err


def test_projected_network_without_crs_exits_2(capsys, bundle_copy):
    path = bundle_copy / "network.geojson"
    document = json.loads(path.read_text(encoding="utf-8"))
    document["features"][0]["geometry"]["coordinates"] = [
        [500000.0, 4200000.0],
        [510000.0, 4200000.0],
    ]
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    assert _exit_code(["check", "--bundle", str(bundle_copy), "--quiet"]) == 2
    assert "network.geojson" in capsys.readouterr().err


@pytest.fixture
def taiyuan_osm(tmp_path) -> Path:
    path = tmp_path / "taiyuan.osm"
    path.write_text(DUAL_CARRIAGEWAY, encoding="utf-8")
    return path


def test_build_then_run_equals_building_in_memory(tmp_path, taiyuan_osm, monkeypatch):
    # The 1 km extract reaches 1 of the 12 counties, which run refuses unless told otherwise.
    monkeypatch.setattr(options, "NETWORK_MIN_COUNTY_SHARE", 0.0)
    saved = tmp_path / "net.gpkg"
    assert _exit_code(["build", "--source", str(taiyuan_osm), "--out", str(saved), "-q"]) == 0
    out = tmp_path / "run"
    assert _exit_code(["run", "--network", str(saved), "--out", str(out), "-q"]) == 0
    document = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    region = region_from_bundle(load_bundle("taixin"))
    with warnings.catch_warnings():
        # Counties without roads and cards matching none: the point of the refusal above.
        warnings.simplefilter("ignore", TransnetWarning)
        in_memory = run_study("taixin", network=network_from_osm_file(taiyuan_osm, region=region))
    assert document["scenarios"] == {k: m.to_json() for k, m in in_memory.metrics.items()}
    assert document["data"]["network_label"] == "OpenStreetMap"
    assert document["scenarios"]["before"]["length_km"]["expressway"] == pytest.approx(
        1.0, rel=0.02
    )


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("roads.txt", b"x", "unknown extension"),
        ("roads.shp", b"x", "cannot read the file"),  # a road layer (issue 12)
        ("corrupt.osm.pbf", b"\x00\x00\x00\x0dnot a pbf" * 40, "cannot read the OSM file"),
        ("empty.osm", b'<?xml version="1.0"?><osm version="0.6"></osm>', "no roads"),
    ],
)
def test_build_bad_source_exits_2_and_saves_nothing(capsys, tmp_path, name, content, message):
    source = tmp_path / name
    source.write_bytes(content)
    saved = tmp_path / "net.gpkg"
    assert _exit_code(["build", "--source", str(source), "--out", str(saved), "-q"]) == 2
    err = capsys.readouterr().err
    assert name in err and message in err
    assert not saved.exists()
    assert [p.name for p in tmp_path.iterdir()] == [name]


def test_build_data_outside_the_region_exits_2(capsys, tmp_path, helsinki):
    saved = tmp_path / "net.gpkg"
    assert _exit_code(["build", "--source", str(helsinki["pbf"]), "--out", str(saved), "-q"]) == 2
    assert "does not intersect the data" in capsys.readouterr().err
    assert not saved.exists()


def test_run_with_a_file_that_is_not_a_saved_network_exits_2(capsys, tmp_path):
    bogus = tmp_path / "bogus.gpkg"
    bogus.write_text("not a geopackage")
    assert _exit_code(["run", "--network", str(bogus), "--out", str(tmp_path / "o"), "-q"]) == 2
    assert "bogus.gpkg" in capsys.readouterr().err


def test_run_with_townships_evaluates_township_targets(tmp_path):
    towns = tmp_path / "towns.csv"
    # Two township seats on the schematic G108 near 阳曲 and one far from any trunk road.
    towns.write_text(
        "name,lon,lat\n黄寨镇,112.679,38.060\n近郊镇,112.746,38.404\n远山乡,113.45,38.85\n",
        encoding="utf-8",
    )
    out = tmp_path / "run"
    assert _exit_code(["run", "--townships", str(towns), "--out", str(out), "-q"]) == 0
    document = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    statuses = {t["id"]: t for t in document["targets"]}
    # 2 of 3 seats within 1 km of a grade-2 road: below the 70 % target, but on a trunk-only
    # network that is a lower bound, so the target is not evaluated rather than failed.
    assert statuses["township_grade2"]["status"] == "not_evaluated"
    assert statuses["township_grade2"]["bound"] == "lower_bound"
    assert statuses["township_grade2"]["value"] == pytest.approx(2 / 3, abs=1e-3)
    assert statuses["township_grade2"]["reason"].startswith("lower bound below threshold")
    assert statuses["poi_grade2"]["status"] == "pass"  # the bundle's development zones
    table = pd.read_csv(out / "townships.csv")
    assert table["name"].tolist() == ["黄寨镇", "近郊镇", "远山乡"]
    assert table["township_grade2_covered_after"].tolist() == [True, True, False]
    assert "## Townships and points of interest" in (out / "report.md").read_text(encoding="utf-8")


def test_townships_csv_without_lon_lat_exits_2(capsys, tmp_path):
    towns = tmp_path / "towns.csv"
    towns.write_text("name,east,north\n黄寨镇,112.6,38.1\n", encoding="utf-8")
    assert _exit_code(["check", "--townships", str(towns), "-q"]) == 2
    err = capsys.readouterr().err
    assert "towns.csv" in err and "longitude/latitude" in err


def test_run_refuses_to_replace_a_folder_it_did_not_write(capsys, tmp_path):
    work = tmp_path / "thesis"
    work.mkdir()
    (work / "thesis.docx").write_text("years of work")
    assert _exit_code(["run", "--out", str(work), "-q"]) == 2
    assert "refusing to replace" in capsys.readouterr().err
    assert (work / "thesis.docx").read_text() == "years of work"


def test_run_refuses_a_file_and_the_current_folder(capsys, tmp_path, monkeypatch):
    note = tmp_path / "notes.txt"
    note.write_text("keep")
    assert _exit_code(["run", "--out", str(note), "-q"]) == 2
    assert note.read_text() == "keep"
    monkeypatch.chdir(tmp_path)
    assert _exit_code(["run", "--out", ".", "-q"]) == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_run_replaces_its_own_previous_output_and_keeps_the_users_files(
    capsys, tmp_path, run_folder
):
    out = tmp_path / "again"
    shutil.copytree(run_folder, out)
    (out / "metrics.json").write_text("from an older run")
    (out / "notes.txt").write_text("the user's")
    assert _exit_code(["run", "--out", str(out), "-q"]) == 0
    assert "kept 1 file(s) you added to" in capsys.readouterr().err
    assert (out / "notes.txt").read_text() == "the user's"
    assert (out / "metrics.json").read_text(encoding="utf-8").startswith("{")
    assert oct(out.stat().st_mode & 0o777) == "0o755"


def _fail(argv: list[str], capsys) -> str:
    assert _exit_code(argv) == 2
    return capsys.readouterr().err


def test_missing_counties_file_exits_2(capsys, bundle_copy):
    (bundle_copy / "counties.csv").unlink()
    assert "counties.csv" in _fail(["check", "--bundle", str(bundle_copy), "-q"], capsys)


def test_duplicate_county_code_exits_2(capsys, bundle_copy):
    path = bundle_copy / "counties.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join([*lines, lines[1]]) + "\n", encoding="utf-8")
    err = _fail(["check", "--bundle", str(bundle_copy), "-q"], capsys)
    assert "listed twice" in err and "'code'" in err


def test_plan_without_cards_exits_2(capsys, bundle_copy):
    (bundle_copy / "plan.geojson").write_text('{"type": "FeatureCollection", "features": []}')
    assert "no project cards" in _fail(["check", "--bundle", str(bundle_copy), "-q"], capsys)


def test_expressways_without_interchanges_exit_2(capsys, bundle_copy):
    (bundle_copy / "interchanges.geojson").write_text(
        '{"type": "FeatureCollection", "features": []}'
    )
    err = _fail(["check", "--bundle", str(bundle_copy), "-q"], capsys)
    assert "no interchanges" in err and "target set empty" in err


def test_zero_or_negative_speed_exits_2(capsys, tmp_path):
    targets = tmp_path / "targets.yaml"
    targets.write_text(
        "travel:\n  speeds_kmh: {expressway: 0}\n"
        "targets:\n  - {id: d, metric: density_per_100km2.expressway, op: '>=', threshold: 4.9}\n",
        encoding="utf-8",
    )
    err = _fail(["check", "--targets", str(targets), "-q"], capsys)
    assert "targets.yaml" in err and "speeds_kmh" in err and "must be at least 5 km/h" in err


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("name,lon,lat\n黄寨镇,112.679,38.060\n远方镇,116.40,39.90\n", "outside the region"),
        ("name,lat,lon\n黄寨镇,112.679,38.060\n", "not longitude/latitude"),
        ("name,x,y\n黄寨镇,659000,4214000\n", "looks projected"),
        ("name,lon,lat\n黄寨镇,112.679,\n", "row 2', field 'lat': missing value"),
        ("name,lon,lat\n黄寨镇,112.679,abc\n", "not a number: 'abc'"),
        (
            "name,lon,lat\n黄寨镇,112.679,38.06\n东山镇,112.6,38.0\n西山镇,1126.0,38.1\n",
            "record 'row 4 (西山镇)', field 'geometry': longitude 1,126, latitude 38.1 is off",
        ),
    ],
)
def test_bad_township_points_exit_2(capsys, tmp_path, text, message):
    towns = tmp_path / "towns.csv"
    towns.write_text(text, encoding="utf-8")
    err = _fail(["check", "--townships", str(towns), "-q"], capsys)
    assert "towns.csv" in err and message in err


def test_unreadable_townships_file_exits_2(capsys, tmp_path):
    towns = tmp_path / "towns.geojson"
    towns.write_text("garbage")
    assert "towns.geojson" in _fail(["check", "--townships", str(towns), "-q"], capsys)


def test_metrics_json_is_strict_json(run_folder):
    def refuse(constant):
        raise AssertionError(f"non-standard JSON constant {constant}")

    json.loads((run_folder / "metrics.json").read_text(encoding="utf-8"), parse_constant=refuse)


def test_run_with_a_users_pois_file(tmp_path):
    pois = tmp_path / "scenic.csv"
    # One 3A spot on the G108 at the 忻府 seat, one in the 五台 mountains far from any road.
    pois.write_text(
        "name,lon,lat\n城区景点,112.746,38.404\n山中景点,113.45,38.85\n", encoding="utf-8"
    )
    out = tmp_path / "run"
    assert _exit_code(["run", "--pois", str(pois), "--out", str(out), "-q"]) == 0
    document = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    target = next(t for t in document["targets"] if t["id"] == "poi_grade2")
    assert target["value"] == pytest.approx(0.5)
    # A lower bound (trunk-only network) below the threshold: not evaluated, never failed.
    assert (target["status"], target["bound"]) == ("not_evaluated", "lower_bound")
    assert pd.read_csv(out / "pois.csv")["name"].tolist() == ["城区景点", "山中景点"]


def test_report_html_is_one_self_contained_file(run_folder):
    page = (run_folder / "report.html").read_text(encoding="utf-8")
    assert page.count("data:image/png;base64,") == 3  # before, after and phasing
    assert 'src="before.png"' not in page
    assert "<table>" in page and "SCHEMATIC" in page
    report = (run_folder / "report.md").read_text(encoding="utf-8")
    sections = [line for line in report.splitlines() if line.startswith("## ")]
    # Briefing order: caveats, the plan against the announcement, targets, then the tables.
    assert sections[:3] == ["## Data caveats", "## Plan against the announcement", "## Targets"]
    assert "![before the plan](before.png)" in report


def test_map_command_options(capsys, tmp_path):
    out = tmp_path / "maps"
    assert (
        _exit_code(
            [
                "map",
                "--tiles",
                "none",
                "--metric",
                "density_per_100km2",
                "--png",
                "--out",
                str(out),
                "-q",
            ]
        )
        == 0
    )
    assert {p.name for p in out.iterdir()} >= {
        "before.html",
        "after.html",
        "compare.html",
        "before.png",
        "after.png",
    }
    assert _exit_code(["map", "--tiles", "bing", "--out", str(tmp_path / "x"), "-q"]) == 2
    assert "unknown tile provider" in capsys.readouterr().err
    assert _exit_code(["map", "--metric", "happiness", "--out", str(tmp_path / "y"), "-q"]) == 2
    assert "unknown choropleth metric" in capsys.readouterr().err
    assert not (tmp_path / "x").exists() and not (tmp_path / "y").exists()


def test_tianditu_without_a_key_exits_2(capsys, tmp_path, monkeypatch):
    monkeypatch.delenv("TIANDITU_KEY", raising=False)
    assert _exit_code(["map", "--tiles", "tianditu", "--out", str(tmp_path / "t"), "-q"]) == 2
    assert "Tianditu API key" in capsys.readouterr().err


def test_build_with_a_users_grade_table(tmp_path, taiyuan_osm):
    table = tmp_path / "grades.csv"
    table.write_text(
        "highway,default_grade,note\nmotorway,expressway,\nmotorway_link,expressway,\ntrunk,1,our national roads are grade 1\n",
        encoding="utf-8",
    )
    empty_rules = tmp_path / "rules.csv"
    empty_rules.write_text(
        "highway,admin_class,min_lanes,max_lanes,min_maxspeed_kmh,grade,note\n", encoding="utf-8"
    )
    saved = tmp_path / "net.gpkg"
    argv = [
        "build",
        "--source",
        str(taiyuan_osm),
        "--grades",
        str(table),
        "--refinements",
        str(empty_rules),
    ]
    assert _exit_code([*argv, "--out", str(saved), "-q"]) == 0
    network = load_network(saved)
    assert set(network.edges.loc[network.edges["highway"] == "trunk", "grade"]) == {"1"}
    default = tmp_path / "default.gpkg"
    assert _exit_code(["build", "--source", str(taiyuan_osm), "--out", str(default), "-q"]) == 0
    assert set(load_network(default).edges.loc[lambda e: e["highway"] == "trunk", "grade"]) == {"2"}


def test_run_no_maps_writes_metrics_and_reports_only(tmp_path, monkeypatch, bundle_study):
    import transnet.study

    monkeypatch.setattr(transnet.study, "run_study", lambda *a, **k: bundle_study)
    out = tmp_path / "no-maps"
    assert _exit_code(["run", "--no-maps", "--out", str(out), "-q"]) == 0
    names = {path.name for path in out.iterdir()}
    assert {"metrics.json", "metrics_by_county.csv", "report.md", "report.html"} <= names
    assert not names & {"before.html", "after.html", "compare.html", "before.png", "after.png"}
    assert "compare.html" not in (out / "report.md").read_text(encoding="utf-8")
