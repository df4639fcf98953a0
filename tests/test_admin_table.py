"""The national places table: kinds, GCJ-02 conversion, lookups, and the whole-table check."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from transnet._errors import InputError
from transnet.admin.build import SOURCE, build_places_table, town_kind
from transnet.admin.table import check_table, places_table
from transnet.crs import gcj02_to_wgs84

README = Path(__file__).resolve().parents[1] / "data" / "README.md"


def test_gcj02_round_trip_and_known_offset():
    from fast_geocn import wgs84_to_gcj02

    lon = np.array([112.739474, 116.391, 121.4737, 87.6168])
    lat = np.array([38.403659, 39.907, 31.2304, 43.8256])
    gcj = np.array([wgs84_to_gcj02(x, y) for x, y in zip(lon, lat, strict=True)])
    back_lon, back_lat = gcj02_to_wgs84(gcj[:, 0], gcj[:, 1])
    assert np.abs(back_lon - lon).max() < 1e-6 and np.abs(back_lat - lat).max() < 1e-6
    # GCJ-02 shifts Beijing by about 0.0062° east and 0.0014° north (some 500-600 m).
    dlon, dlat = gcj[1, 0] - lon[1], gcj[1, 1] - lat[1]
    assert 0.005 < dlon < 0.008 and 0.0005 < dlat < 0.003
    assert np.isnan(gcj02_to_wgs84(np.array([np.nan]), np.array([np.nan]))[0][0])


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("河边镇", "镇"),
        ("蒋坊乡", "乡"),
        ("乌兰苏木", "乡"),
        ("长兴回族乡", "民族乡"),
        ("鄂温克民族苏木", "民族乡"),
        ("秀容街道办事处", "街道"),
        ("长安街道", "街道"),
        ("沙井地区办事处", "其他"),
        ("五一农场", "其他"),
    ],
)
def test_town_kind_rules(name, kind):
    assert town_kind(name) == kind


def test_table_levels_and_kinds():
    table = places_table()
    assert "市辖区" not in set(table.counties["name"])
    assert set(table.towns["kind"]) == {"乡", "民族乡", "镇", "街道", "其他"}
    xinzhou = table.resolve(["忻州市"])
    assert len(xinzhou) == 14 and xinzhou["county_code"].str.startswith("1409").all()
    assert len(table.resolve(["1409"])) == 14 and len(table.resolve(["140900"])) == 14
    assert table.resolve(["定襄县", "140921", "156140921"])["name"].tolist() == ["定襄县"]
    assert len(table.resolve(["14"])) == len(table.resolve(["山西省"])) == 119


def test_unknown_name_suggests_from_the_table():
    with pytest.raises(InputError, match="did you mean '忻州市'") as caught:
        places_table().resolve(["忻洲市"], field="--counties")
    assert caught.value.field == "--counties" and caught.value.record == "忻洲市"


def test_unknown_code_suggests_a_code_nearby():
    with pytest.raises(InputError, match=r"no county with code 140999.*did you mean 1409"):
        places_table().resolve(["140999"])


def test_name_of_two_units_lists_them():
    with pytest.raises(InputError, match=r"matches 2 units: 朝阳区 \(北京市, 110105\), 朝阳区 "):
        places_table().resolve(["朝阳区"])


def _readme_counts() -> dict[str, int]:
    text = README.read_text(encoding="utf-8")
    return {
        key: int(value.replace(",", ""))
        for key, value in re.findall(r"^ *\| `(\w+)` \| ([\d,]+) \|", text, flags=re.MULTILINE)
    }


def test_whole_table_against_polygons_matches_readme():
    check = check_table()
    counts = check.counts()
    print(counts)
    assert counts == {k: v for k, v in _readme_counts().items() if k in counts}
    assert set(counts) <= set(_readme_counts())
    assert (
        counts["county_seat_inside"]
        + counts["county_code_changed"]
        + counts["county_no_coordinate"]
        + counts["county_seat_outside"]
        == counts["counties"]
    )
    # Every county not inside is listed with its reason.
    listed = check.counties[check.counties["status"] != "inside"]
    assert set(listed["status"]) <= {"no_polygon", "no_coordinate", "outside"}
    assert listed["status"].eq("no_polygon").sum() == counts["county_code_changed"]
    # The 12 Taixin counties and Xinzhou's 14 all resolve, with their seats inside.
    shanxi = check.counties[check.counties["county_code"].str.startswith(("1401", "1409"))]
    assert shanxi["match"].eq("code").all()


@pytest.mark.skipif(
    not SOURCE.is_file(), reason="../shared/data/adcode-2016 is not beside the repo"
)
def test_the_shipped_table_is_what_the_builder_makes_from_the_shared_source():
    import gzip

    shipped = Path(__file__).resolve().parents[1] / "data" / "places" / "places.csv.gz"
    text = gzip.decompress(shipped.read_bytes()).decode("utf-8")
    assert build_places_table(SOURCE).to_csv(index=False) == text


def test_the_taixin_townships_are_the_tables_towns_of_its_counties(tmp_path):
    import pandas as pd

    from transnet.admin import init_bundle

    codes = pd.read_csv(README.parent / "taixin" / "counties.csv", dtype=str)["code"]
    result = init_bundle(tmp_path / "taixin", counties=[c[3:] for c in codes])
    committed = (README.parent / "taixin" / "townships.csv").read_bytes()
    assert (result.folder / "townships.csv").read_bytes() == committed
    assert set(result.townships["kind"]) == {"乡", "镇", "街道"}
