"""`transnet init`: a bundle from codes, names or polygons, then `build` and `run` on it."""

from __future__ import annotations

import json

import geopandas as gpd
import pandas as pd
import pytest
import yaml
from shapely.geometry import Point, box

from transnet._errors import InputError, TransnetWarning
from transnet.admin import init_bundle, region_from_codes, region_from_file
from transnet.cli import main
from transnet.io.bundle import load_bundle
from transnet.io.files import check_output_folder
from transnet.region import region_from_bundle
from transnet.testing import write_osm_extract


def _exit_code(argv: list[str]) -> int:
    with pytest.raises(SystemExit) as info:
        main(argv)
    return int(info.value.code or 0)


def test_init_xinzhou_writes_its_14_counties_and_townships(tmp_path, capsys):
    folder = tmp_path / "xinzhou"
    assert _exit_code(["init", str(folder), "--counties", "忻州市"]) == 0
    # Rich wraps at the console width, wherever the (temporary) path pushes the words.
    assert "14 counties" in " ".join(capsys.readouterr().out.split())
    files = {p.name for p in folder.iterdir()}
    assert {"bundle.yaml", "counties.csv", "townships.csv", "targets.yaml", "plan.geojson"} <= files
    assert "README.md" in files
    counties = pd.read_csv(folder / "counties.csv", dtype={"code": str})
    assert counties.columns.tolist()[:5] == ["code", "name", "name_en", "seat_lon", "seat_lat"]
    assert len(counties) == 14 and counties["code"].str.startswith("1561409").all()
    # 保德县's Gaode point lies 131 m across its boundary: moved inside, and marked so.
    assert counties.set_index("name").loc["保德县", "seat_source"] == "adcode_moved"
    towns = pd.read_csv(folder / "townships.csv", dtype={"code": str, "county_code": str})
    assert set(towns["kind"]) <= {"乡", "民族乡", "镇", "街道", "其他"}
    assert towns["code"].str.startswith("1409").all() and len(towns) > 150
    manifest = yaml.safe_load((folder / "bundle.yaml").read_text(encoding="utf-8"))
    assert manifest["townships"] == "townships.csv" and "Vonng/adcode" in manifest["attribution"]
    region = region_from_bundle(load_bundle(folder))
    assert len(region.counties) == 14
    assert "transnet build --source FILE --bundle" in (folder / "README.md").read_text("utf-8")
    # The folder is the user's now: no run may replace it (a mistyped --out).
    with pytest.raises(InputError):
        check_output_folder(folder)


def test_region_from_codes_accepts_codes_prefixes_and_names():
    by_name = region_from_codes(["太原市", "定襄县"])
    by_code = region_from_codes("1401,140921")
    assert by_name.counties["code"].tolist() == by_code.counties["code"].tolist()
    assert len(by_name.counties) == 11 and set(by_name.seats["seat_source"]) == {"adcode"}


def test_init_one_county_then_build_and_run_evaluate_township_targets(tmp_path, capsys):
    folder = tmp_path / "dingxiang"
    assert _exit_code(["init", str(folder), "--counties", "140921", "-q"]) == 0
    # Before the network is built, run says what is missing and how to build it.
    assert _exit_code(["run", "--bundle", str(folder), "-q", "--no-maps"]) == 2
    err = capsys.readouterr().err
    assert "network.gpkg is missing" in err and "transnet build --source FILE --bundle" in err
    extract = tmp_path / "dingxiang.osm.pbf"
    write_osm_extract(extract, region=["156140921"], scale=0.2)
    assert _exit_code(["build", "--source", str(extract), "--bundle", str(folder), "-q"]) == 0
    assert (folder / "network.gpkg").is_file()
    out = tmp_path / "out"
    assert _exit_code(["run", "--bundle", str(folder), "--out", str(out), "--tiles", "none"]) == 0
    captured = capsys.readouterr()
    assert "no project cards" in captured.err
    written = {p.name for p in out.iterdir()}
    expected = {"metrics.json", "metrics_by_county.csv", "report.md", "report.html"}
    expected |= {"before.html", "after.html", "compare.html", "before.png", "after.png"}
    assert expected <= written
    document = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    status = {t["id"]: (t["status"], t.get("reason", "")) for t in document["targets"]}
    for target in ("township_grade2", "township_grade3"):
        assert "no township points" not in status[target][1]
    assert "Vonng/adcode" in (out / "report.md").read_text(encoding="utf-8")
    assert "Vonng/adcode" in (out / "after.html").read_text(encoding="utf-8")
    towns = pd.read_csv(folder / "townships.csv")
    assert len(document["scenarios"]["after"]["townships"]) == len(towns) == 9
    # --townships overrides the bundle's file.
    mine = tmp_path / "mine.csv"
    mine.write_text(f"name,lon,lat\n河边镇,{towns.lon[0]},{towns.lat[0]}\n", encoding="utf-8")
    out2 = tmp_path / "out2"
    argv = ["run", "--bundle", str(folder), "--out", str(out2), "--no-maps", "-q"]
    assert _exit_code([*argv, "--townships", str(mine)]) == 0
    document = json.loads((out2 / "metrics.json").read_text(encoding="utf-8"))
    assert [t["name"] for t in document["scenarios"]["after"]["townships"]] == ["河边镇"]
    # A new bundle's plan is empty: nothing to prioritise, said as bad input.
    capsys.readouterr()
    assert _exit_code(["prioritise", "--bundle", str(folder), "--out", str(tmp_path / "p")]) == 2
    assert "plan.geojson" in capsys.readouterr().err


def test_the_empty_plan_of_a_new_bundle_is_refused_unless_allowed(tmp_path):
    from transnet.plan import load_plan

    init_bundle(tmp_path / "b", counties=["140921"])
    with pytest.raises(InputError, match=r"no project cards.*`transnet run`"):
        load_plan(tmp_path / "b" / "plan.geojson")
    with pytest.warns(TransnetWarning, match="'after' scenario is the base network"):
        plan = load_plan(tmp_path / "b" / "plan.geojson", allow_empty=True)
    assert plan.cards == [] and plan.frame.empty and "investment_basis" in plan.frame.columns


def test_init_never_writes_into_a_folder_with_files(tmp_path, capsys):
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "notes.txt").write_text("mine", encoding="utf-8")
    assert _exit_code(["init", str(folder), "--counties", "140921"]) == 2
    assert "not empty" in capsys.readouterr().err
    assert [p.name for p in folder.iterdir()] == ["notes.txt"]


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("忻洲市", "did you mean '忻州市'"),
        ("朝阳区", "matches 2 units"),
        ("140999", "no county with code 140999"),
        ("140211", "code changed since 2016"),
    ],
)
def test_bad_counties_exit_2_with_the_reason(tmp_path, capsys, spec, message):
    assert _exit_code(["init", str(tmp_path / "x"), "--counties", spec]) == 2
    err = capsys.readouterr().err
    assert message in err and "--counties" in err and not (tmp_path / "x").exists()


def _zones(path, names):
    frame = gpd.GeoDataFrame(
        {"zone": names},
        geometry=[box(112.9, 38.4, 113.0, 38.5), box(113.0, 38.4, 113.1, 38.5)],
        crs="EPSG:4326",
    )
    frame.to_file(path, driver="GeoJSON")
    return path


def test_init_from_a_polygon_file_with_seats(tmp_path):
    zones = _zones(tmp_path / "zones.geojson", ["西区", "东区"])
    seats = tmp_path / "seats.csv"
    seats.write_text("name,lon,lat\n西区,112.95,38.45\n", encoding="utf-8")
    result = init_bundle(tmp_path / "b", region_file=zones, name_field="zone", seats=seats)
    assert result.counties["seat_source"].tolist() == ["user_file", "polygon_point"]
    region = region_from_bundle(load_bundle(tmp_path / "b"))
    assert region.counties["code"].tolist() == ["Z01", "Z02"]
    assert region.seats.geometry.iloc[0].equals(Point(112.95, 38.45))
    assert len(result.townships) > 0 and set(result.townships["county_code"]) <= {"Z01", "Z02"}
    assert len(region_from_file(zones, name_field="zone").counties) == 2


def test_polygon_file_without_names_exits_2(tmp_path, capsys):
    zones = _zones(tmp_path / "zones.geojson", ["a", "b"])
    assert _exit_code(["init", str(tmp_path / "b"), "--region", str(zones)]) == 2
    err = capsys.readouterr().err
    assert "no name column" in err and "zones.geojson" in err and "zone" in err
    assert (
        _exit_code(["init", str(tmp_path / "c"), "--region", str(zones), "--name-field", "zones"])
        == 2
    )
    assert "did you mean 'zone'" in capsys.readouterr().err
    empty = _zones(tmp_path / "empty.geojson", ["a", ""])
    assert (
        _exit_code(["init", str(tmp_path / "d"), "--region", str(empty), "--name-field", "zone"])
        == 2
    )
    err = capsys.readouterr().err
    assert "feature #2" in err and "no name" in err


def test_a_prefix_with_codes_changed_since_2016_takes_the_current_units(tmp_path):
    # 大同's districts were reorganised in 2018: 城区, 矿区, 南郊区 and 大同县 have no polygon now.
    with pytest.warns(TransnetWarning, match=r"4 counties of the 2016 table .* 南郊区 \(140211\)"):
        result = init_bundle(tmp_path / "datong", counties="大同市")
    sources = result.counties.set_index("name")["seat_source"]
    assert {"平城区", "云冈区", "云州区"} <= set(sources.index) and len(sources) == 10
    assert sources["平城区"] == "polygon_point" and sources["灵丘县"] == "adcode"
    # Their towns (2016 codes of the old districts) are assigned to the new units by position.
    assert (result.townships["county_code"] == "156140213").any()
