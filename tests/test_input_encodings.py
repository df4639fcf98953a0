"""GBK and GB18030 files, as Excel and Chinese GIS software write them, read like UTF-8 ones.

Every text input goes through :func:`transnet.io.text.read_text`; a file that is neither UTF-8
nor Chinese GB18030 is one clear exit 2 naming the file and suggesting ``--encoding``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from transnet._errors import InputError
from transnet.cli import main
from transnet.io.bundle import bundle_root, load_bundle
from transnet.io.places import load_places
from transnet.io.text import read_text
from transnet.study import run_study
from transnet.targets import load_targets_file

TOWNS = "name,lon,lat\n黄寨镇,112.679,38.060\n东山镇,112.640,37.880\n"


def _exit(argv: list[str], capsys) -> tuple[int, str]:
    with pytest.raises(SystemExit) as info:
        main(argv)
    return int(info.value.code or 0), capsys.readouterr().err


def _reencode(path: Path, encoding: str) -> None:
    path.write_bytes(path.read_text(encoding="utf-8").encode(encoding))


# The reader itself, on hand-made bytes.


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ("名称\n阳曲县\n".encode(), "名称\n阳曲县\n"),
        ("名称\n阳曲县\n".encode("utf-8-sig"), "名称\n阳曲县\n"),
        ("名称\n阳曲县\n".encode("gbk"), "名称\n阳曲县\n"),
        ("名称\n岢岚县 偏关县\n".encode("gb2312"), "名称\n岢岚县 偏关县\n"),
        # A four-byte GB18030 character (U+20BB7 𠮷) that GBK cannot hold.
        ("名称\n𠮷家镇\n阳曲县\n".encode("gb18030"), "名称\n𠮷家镇\n阳曲县\n"),
        (b"", ""),
    ],
)
def test_read_text_decodes_utf8_bom_gbk_and_gb18030(tmp_path, data, expected):
    path = tmp_path / "file.csv"
    path.write_bytes(data)
    assert read_text(path) == expected


@pytest.mark.parametrize(
    "data",
    [
        "name\nMüller, straße\n".encode("cp1252"),
        "name\nSão Paulo\n".encode("latin-1"),
        "name\n臺北市\n".encode("big5"),
        b"\x00\xff\xfe\x81\x00garbage",
    ],
)
def test_read_text_refuses_other_encodings_and_suggests_encoding(tmp_path, data):
    path = tmp_path / "odd.csv"
    path.write_bytes(data)
    with pytest.raises(InputError, match=r"odd.csv: not UTF-8 .* --encoding"):
        read_text(path)


def test_an_explicit_encoding_wins_and_a_wrong_one_names_the_line(tmp_path):
    path = tmp_path / "latin.csv"
    path.write_bytes("name\nSão Paulo\n".encode("latin-1"))
    assert read_text(path, encoding="latin-1") == "name\nSão Paulo\n"
    gbk = tmp_path / "gbk.csv"
    gbk.write_bytes("a\nb\n阳曲县\n".encode("gbk"))
    with pytest.raises(InputError, match=r"gbk.csv, field 'encoding': not valid utf-8 \(line 3\)"):
        read_text(gbk, encoding="utf-8")
    with pytest.raises(InputError, match="unknown encoding 'klingon'"):
        read_text(gbk, encoding="klingon")
    with pytest.raises(InputError, match=r"missing\.csv: file not found"):
        read_text(tmp_path / "missing.csv")


# Each reader of users' files.


def test_a_gb18030_targets_file_reads_like_the_utf8_one(tmp_path, bundle_study):
    # GB18030, not GBK: the bundle's units hold "²", which GBK cannot encode.
    original = load_targets_file(bundle_study.targets_path)
    copy = tmp_path / "targets.yaml"
    shutil.copy(bundle_study.targets_path, copy)
    _reencode(copy, "gb18030")
    assert load_targets_file(copy).targets == original.targets


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-8-sig"])
def test_a_townships_csv_in_any_chinese_encoding(tmp_path, encoding):
    path = tmp_path / "towns.csv"
    path.write_bytes(TOWNS.encode(encoding))
    assert load_places(path)["name"].tolist() == ["黄寨镇", "东山镇"]


def test_a_gbk_geojson_of_points(tmp_path):
    path = tmp_path / "pois.geojson"
    shutil.copy(load_bundle("taixin").path("pois"), path)
    expected = load_places(path)["name"].tolist()
    _reencode(path, "gbk")
    assert load_places(path)["name"].tolist() == expected


def test_a_whole_bundle_in_gb18030_gives_the_same_study(tmp_path, bundle_study):
    folder = tmp_path / "taixin"
    shutil.copytree(bundle_root() / "taixin", folder)
    for name in ("bundle.yaml", "counties.csv", "plan.geojson", "targets.yaml", "pois.geojson"):
        _reencode(folder / name, "gb18030")
    study = run_study(folder)
    assert study.bundle.title == bundle_study.bundle.title
    assert study.region.counties["name"].tolist() == bundle_study.region.counties["name"].tolist()
    assert [c.name for c in study.plan.cards] == [c.name for c in bundle_study.plan.cards]
    assert [(r.id, r.status, r.value) for r in study.results] == [
        (r.id, r.status, r.value) for r in bundle_study.results
    ]


# Through the command line: exit 2 naming the file, and --encoding.


def test_cli_a_latin1_targets_file_exits_2_suggesting_encoding(capsys, tmp_path):
    targets = tmp_path / "targets.yaml"
    targets.write_bytes("targets: []\n# Ausgabe für München\n".encode("latin-1"))
    code, err = _exit(["check", "--quiet", "--targets", str(targets)], capsys)
    assert code == 2
    assert "targets.yaml: not UTF-8 (first bad byte on line 2)" in err
    assert "--encoding" in err and "Traceback" not in err
    code, err = _exit(
        ["check", "--quiet", "--targets", str(targets), "--encoding", "latin-1"], capsys
    )
    assert code == 0 and "the targets list is empty" in err


def test_cli_gbk_townships_are_evaluated(capsys, tmp_path):
    towns = tmp_path / "towns.csv"
    towns.write_bytes(TOWNS.encode("gbk"))
    code, err = _exit(["check", "--quiet", "--townships", str(towns)], capsys)
    assert code in (0, 1), err
    assert "Traceback" not in err and "error" not in err
