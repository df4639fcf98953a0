"""Road classes: refs → administrative class, OSM tags → technical grade, design speeds."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from transnet._errors import InputError
from transnet.grades import (
    ADMIN_CLASSES,
    GRADES,
    GradeTable,
    Refinement,
    admin_class_of_ref,
    admin_class_of_refs,
    classify_edges,
    design_speed_kmh,
    grade_rank,
    is_at_least,
    is_ramp,
    normalize_grade,
    parse_lanes,
    parse_maxspeed_kmh,
    parse_refs,
    technical_grade,
)
from transnet.io.bundle import bundle_root

# --- existing API --------------------------------------------------------------------------


def test_existing_names_still_work():
    assert GRADES == ("expressway", "1", "2", "3", "4", "below_4")
    assert "national_expressway" in ADMIN_CLASSES and ADMIN_CLASSES[-1] == "unknown"
    assert normalize_grade("一级公路") == "1"
    assert normalize_grade(2.0) == "2"
    assert grade_rank("高速公路") == 0
    assert is_at_least("1", "2") and not is_at_least("3", "2")
    with pytest.raises(ValueError):
        normalize_grade("五级")


# --- refs ----------------------------------------------------------------------------------

REF_CLASSES = [
    ("G5", "national_expressway"),  # 京昆
    ("G55", "national_expressway"),  # 二广
    ("G2003", "national_expressway"),  # 太原绕城
    ("G1812", "national_expressway"),  # 沧榆 (national link line)
    ("G4W", "national_expressway"),  # old-style suffixed parallel line
    ("G108", "national"),
    ("G208", "national"),
    ("S50", "provincial_expressway"),
    ("S6001", "provincial_expressway"),  # S + 4 digits: provincial expressway ring / link
    ("S318", "provincial"),
    ("X123", "county"),
    ("Y005", "township"),
    ("C001", "village"),
    ("Z001", "special"),
    ("G5;G55", "national_expressway"),
    ("G108;S318", "national"),
    ("S318;G108", "national"),
    ("G 108", "national"),
    ("g55", "national_expressway"),
    (" S50 ", "provincial_expressway"),
    ("G208；G108", "national"),
    ("S50、S318", "provincial_expressway"),
    ("X123，Y005", "county"),
    ("Ｇ１０８", "national"),  # full-width letters and digits
    ("东二环", "unknown"),
    ("G12345", "unknown"),
    ("G", "unknown"),
    ("108", "unknown"),
    ("", "unknown"),
    (None, "unknown"),
    (float("nan"), "unknown"),
    (["X123", "G208;S318"], "national"),  # osmnx list for merged ways
]


@pytest.mark.parametrize(("ref", "expected"), REF_CLASSES)
def test_admin_class_of_real_refs(ref, expected):
    assert admin_class_of_refs(ref) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("G5;G55", ["G5", "G55"]),
        ("G108;S318", ["G108", "S318"]),
        ("G 108", ["G108"]),
        ("G 108 S 318", ["G108", "S318"]),
        ("G5 G55", ["G5", "G55"]),
        ("g55", ["G55"]),
        (" S50 ", ["S50"]),
        ("G208；G108", ["G208", "G108"]),
        ("S50、S318", ["S50", "S318"]),
        ("G5/G55,G20，G2003", ["G5", "G55", "G20", "G2003"]),
        ("G5;G5", ["G5"]),
        ("Y005", ["Y005"]),
        ("东二环", ["东二环"]),
        ("", []),
        (" ; ", []),
        (None, []),
        (["G5", "G5;G55"], ["G5", "G55"]),
    ],
)
def test_parse_refs(value, expected):
    assert parse_refs(value) == expected


def test_admin_class_of_single_ref_ignores_case_and_spaces():
    assert admin_class_of_ref(" g 2003 ") == "national_expressway"
    assert admin_class_of_ref("S 318") == "provincial"
    # one ref at a time: a list of refs is not a ref
    assert admin_class_of_ref("G5;G55") == "unknown"


def test_admin_classes_rank_as_listed():
    refs = ["C001", "Y005", "X123", "S318", "G108", "S50", "G5"]
    for i, ref in enumerate(refs):
        expected = admin_class_of_ref(ref)
        assert admin_class_of_refs(";".join(refs[: i + 1])) == expected
    assert [admin_class_of_ref(r) for r in reversed(refs)] == [
        c for c in ADMIN_CLASSES if c not in ("expressway", "special", "unknown")
    ]


# --- tag parsing ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("4", 4),
        (4, 4),
        (4.0, 4),
        ("2;3", 3),
        (["2", "4"], 4),
        ("2.5", None),
        ("0", None),
        ("-2", None),
        ("many", None),
        ("", None),
        (None, None),
        (float("nan"), None),
        (True, None),
    ],
)
def test_parse_lanes(value, expected):
    assert parse_lanes(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("80", 80.0),
        (80, 80.0),
        ("80 km/h", 80.0),
        ("80km/h", 80.0),
        ("50 mph", pytest.approx(80.467, abs=0.01)),
        ("80;60", 80.0),
        (["60", "80"], 80.0),
        ("CN:urban", None),
        ("CN:rural", None),
        ("none", None),
        ("signals", None),
        ("0", None),
        ("fast", None),
        (None, None),
        (float("nan"), None),
        ("CN:urban;60", 60.0),
    ],
)
def test_parse_maxspeed_kmh(value, expected):
    assert parse_maxspeed_kmh(value) == expected


@pytest.mark.parametrize(
    ("highway", "expected"),
    [
        ("motorway_link", True),
        ("trunk_link", True),
        ("motorway", False),
        ("trunk", False),
        ("motorway_junction", False),
    ],
)
def test_is_ramp(highway, expected):
    assert is_ramp(highway) is expected


# --- technical grade -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        ({"highway": "motorway"}, "expressway"),
        ({"highway": "motorway", "ref": "G55"}, "expressway"),
        ({"highway": "motorway_link"}, "expressway"),
        ({"highway": "trunk"}, "2"),
        ({"highway": "trunk", "ref": "G108"}, "2"),
        ({"highway": "trunk", "lanes": 4, "maxspeed": "80"}, "1"),
        ({"highway": "trunk", "lanes": "4"}, "1"),
        ({"highway": "trunk", "lanes": "2", "oneway": "yes"}, "1"),  # one carriageway of 2+2
        ({"highway": "trunk", "lanes": "2", "oneway": True}, "1"),
        ({"highway": "trunk", "lanes": "2"}, "2"),
        ({"highway": "trunk", "lanes": "2", "maxspeed": "80"}, "2"),
        ({"highway": "trunk", "maxspeed": "80"}, "1"),
        ({"highway": "trunk", "maxspeed": "CN:rural"}, "2"),
        ({"highway": "primary"}, "2"),
        ({"highway": "secondary"}, "3"),
        ({"highway": "secondary", "maxspeed": "60"}, "2"),
        ({"highway": "secondary", "maxspeed": "50 mph"}, "1"),
        ({"highway": "tertiary"}, "4"),
        ({"highway": "tertiary", "lanes": "4"}, "1"),
        ({"highway": "unclassified"}, "4"),
        ({"highway": "trunk_link"}, "2"),
        ({"highway": "secondary_link"}, "3"),
        # a one-way ramp with two lanes is not half of a four-lane road
        ({"highway": "trunk_link", "lanes": "2", "oneway": "yes"}, "2"),
        # expressway sections tagged trunk by administrative class
        ({"highway": "trunk", "ref": "G55", "lanes": "4", "maxspeed": "100"}, "expressway"),
        (
            {"highway": "trunk", "ref": "G55", "lanes": "2", "oneway": "yes", "maxspeed": "80"},
            "expressway",
        ),
        ({"highway": "primary", "ref": "S50", "lanes": "4", "maxspeed": "80"}, "expressway"),
        ({"highway": "trunk", "ref": "G55", "lanes": "4"}, "1"),  # speed unknown: not enough
        ({"highway": "trunk", "ref": "G108", "lanes": "4", "maxspeed": "100"}, "1"),
        # osmnx lists: the better highway counts
        ({"highway": ["secondary", "trunk"]}, "2"),
        ({"highway": ["tertiary", "secondary"]}, "3"),
        ({"highway": ["trunk", "primary"]}, "2"),
        ({"highway": ["motorway_link", "trunk"]}, "expressway"),
        ({"highway": ["residential", "tertiary"]}, "4"),
        ({"highway": "residential"}, None),
        ({"highway": "service"}, None),
        ({"highway": ""}, None),
        ({"highway": "Trunk "}, "2"),
    ],
)
def test_technical_grade(tags, expected):
    assert technical_grade(**tags) == expected


def test_list_of_highways_with_user_table_takes_the_better_one():
    table = GradeTable(highway_grades={"trunk": "1", "primary": "2"})
    assert technical_grade(highway=["primary", "trunk"], table=table) == "1"
    assert technical_grade(highway=["trunk", "primary"], table=table) == "1"


def test_default_table_is_read_from_the_package_data():
    folder = bundle_root() / "grades"
    assert {p.name for p in folder.iterdir()} >= {
        "osm_highway_grades.csv",
        "refinements.csv",
        "design_speeds.csv",
        "README.md",
    }
    table = GradeTable.default()
    assert table is GradeTable.default()
    assert table == GradeTable.from_csv(
        folder / "osm_highway_grades.csv",
        folder / "refinements.csv",
        path_design_speeds=folder / "design_speeds.csv",
    )
    assert dict(table.highway_grades) == {
        "motorway": "expressway",
        "motorway_link": "expressway",
        "trunk": "2",
        "trunk_link": "2",
        "primary": "2",
        "primary_link": "2",
        "secondary": "3",
        "secondary_link": "3",
        "tertiary": "4",
        "tertiary_link": "4",
        "unclassified": "4",
    }
    with pytest.raises(TypeError):
        table.highway_grades["trunk"] = "1"  # type: ignore[index]


def test_user_table_from_csv_changes_the_answer(tmp_path):
    path = tmp_path / "grades.csv"
    path.write_text(
        "highway,default_grade,note\ntrunk,1,Shanxi national roads are 一级\nresidential,4,\n",
        encoding="utf-8",
    )
    table = GradeTable.from_csv(path)
    assert technical_grade(highway="trunk") == "2"
    assert technical_grade(highway="trunk", table=table) == "1"
    assert technical_grade(highway="residential", table=table) == "4"
    assert technical_grade(highway="primary", table=table) is None
    # the packaged refinements still apply
    assert technical_grade(highway="residential", lanes="4", table=table) == "1"


def test_header_only_refinements_turn_refinements_off(tmp_path):
    highways = tmp_path / "grades.csv"
    highways.write_text("highway,default_grade\ntrunk,二级\n", encoding="utf-8")
    rules = tmp_path / "rules.csv"
    rules.write_text("grade,min_lanes\n", encoding="utf-8")
    table = GradeTable.from_csv(highways, rules)
    assert table.refinements == ()
    assert technical_grade(highway="trunk", lanes=6, maxspeed=100, table=table) == "2"


def test_user_refinements_are_tried_in_order(tmp_path):
    highways = tmp_path / "grades.csv"
    highways.write_text("highway,default_grade\ntrunk,3\nprimary,3\n", encoding="utf-8")
    rules = tmp_path / "rules.csv"
    rules.write_text(
        "highway,admin_class,min_lanes,max_lanes,min_maxspeed_kmh,grade,note\n"
        "trunk,,,,,2,all national roads at least 二级\n"
        ",national|provincial,,,60,1,never reached for trunk: the rule above matched first\n",
        encoding="utf-8",
    )
    table = GradeTable.from_csv(highways, rules)
    assert technical_grade(highway="trunk", ref="G108", maxspeed=60, table=table) == "2"
    assert technical_grade(highway="primary", ref="S318", maxspeed=60, table=table) == "1"
    assert technical_grade(highway="primary", ref="X123", maxspeed=60, table=table) == "3"


def test_gbk_csv_from_excel_is_read(tmp_path):
    path = tmp_path / "grades.csv"
    path.write_bytes("highway,default_grade,note\ntrunk,一级,国道\n".encode("gbk"))
    assert GradeTable.from_csv(path).highway_grades["trunk"] == "1"


@pytest.mark.parametrize(
    ("text", "field", "record"),
    [
        ("highway,default_grade\ntrunk,5\n", "default_grade", "line 2"),
        ("highway,default_grade\nmotorway,expressway\ntrunk,fast\n", "default_grade", "line 3"),
        ("highway,grade\ntrunk,1\n", "default_grade", None),
        ("highway,default_grade,colour\ntrunk,1,red\n", "colour", None),
        ("highway,default_grade\ntrunk,1\ntrunk,2\n", "highway", "line 3"),
        ("highway,default_grade\n,1\n", "highway", "line 2"),
        ("", "highway", None),
    ],
)
def test_bad_highway_table_names_file_and_field(tmp_path, text, field, record):
    path = tmp_path / "bad_grades.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as info:
        GradeTable.from_csv(path)
    assert info.value.path == str(path)
    assert info.value.field == field
    assert info.value.record == record
    assert "bad_grades.csv" in str(info.value) and field in str(info.value)


@pytest.mark.parametrize(
    ("row", "field"),
    [
        (",,4,,,9", "grade"),
        (",capital,,,,1", "admin_class"),
        (",,four,,,1", "min_lanes"),
        (",,2.5,,,1", "min_lanes"),
        (",,0,,,1", "min_lanes"),
        (",,4,2,,1", "max_lanes"),
        (",,,,-80,1", "min_maxspeed_kmh"),
        (",,,,,1", None),  # no condition at all
    ],
)
def test_bad_refinements_name_file_line_and_field(tmp_path, row, field):
    highways = tmp_path / "grades.csv"
    highways.write_text("highway,default_grade\ntrunk,2\n", encoding="utf-8")
    rules = tmp_path / "bad_rules.csv"
    rules.write_text(
        f"highway,admin_class,min_lanes,max_lanes,min_maxspeed_kmh,grade\n{row}\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as info:
        GradeTable.from_csv(highways, rules)
    assert info.value.path == str(rules)
    assert info.value.record == "line 2"
    assert info.value.field == field


def test_missing_file_is_an_input_error(tmp_path):
    with pytest.raises(InputError) as info:
        GradeTable.from_csv(tmp_path / "nowhere.csv")
    assert "nowhere.csv" in str(info.value)


def test_refinement_built_in_code_is_validated():
    with pytest.raises(InputError) as info:
        Refinement(grade="1", admin_classes="national|imperial")
    assert info.value.field == "admin_class"
    rule = Refinement(grade="一级", highways="Trunk|primary", min_lanes=4)
    assert rule.grade == "1" and rule.highways == frozenset({"trunk", "primary"})
    assert not rule.matches(highway="trunk", admin_class="unknown", lanes=None, maxspeed_kmh=None)


# --- design speeds -------------------------------------------------------------------------


def test_design_speeds_defaults():
    assert [design_speed_kmh(g) for g in GRADES] == [100.0, 80.0, 60.0, 40.0, 30.0, 20.0]
    assert design_speed_kmh("等外") == 20.0
    assert design_speed_kmh("expressway", ramp=True) == 40.0
    assert design_speed_kmh(1, ramp=True) == 40.0
    assert design_speed_kmh("四级", ramp=True) == 30.0  # a ramp is never faster than its road
    with pytest.raises(ValueError):
        design_speed_kmh("5")


def _speeds_csv(tmp_path, expressway_kmh: str):
    path = tmp_path / "speeds.csv"
    path.write_text(
        f"grade,design_speed_kmh\nexpressway,{expressway_kmh}\n1,80\n2,60\n3,40\n4,30\nramp,40\n",
        encoding="utf-8",
    )
    return path


@pytest.mark.parametrize("speed", ["0", "-100", "fast", "", "nan"])
def test_zero_or_negative_design_speed_is_an_input_error(tmp_path, speed):
    highways = tmp_path / "grades.csv"
    highways.write_text("highway,default_grade\nmotorway,expressway\n", encoding="utf-8")
    path = _speeds_csv(tmp_path, speed)
    with pytest.raises(InputError) as info:
        GradeTable.from_csv(highways, path_design_speeds=path)
    assert info.value.path == str(path)
    assert info.value.record == "line 2"
    assert info.value.field == "design_speed_kmh"


def test_zero_design_speed_in_code_is_an_input_error():
    speeds = dict(GradeTable.default().design_speeds_kmh, ramp=0)
    with pytest.raises(InputError) as info:
        GradeTable(highway_grades={"motorway": "expressway"}, design_speeds_kmh=speeds)
    assert info.value.field == "design_speed_kmh" and info.value.record == "ramp"


def test_design_speed_table_must_cover_every_grade(tmp_path):
    highways = tmp_path / "grades.csv"
    highways.write_text("highway,default_grade\nmotorway,expressway\n", encoding="utf-8")
    path = tmp_path / "speeds.csv"
    path.write_text("grade,design_speed_kmh\nexpressway,120\n", encoding="utf-8")
    with pytest.raises(InputError, match="no design speed for 1, 2, 3, 4, below_4, ramp"):
        GradeTable.from_csv(highways, path_design_speeds=path)


def test_user_design_speeds(tmp_path):
    highways = tmp_path / "grades.csv"
    highways.write_text("highway,default_grade\nmotorway,expressway\n", encoding="utf-8")
    table = GradeTable.from_csv(highways, path_design_speeds=_speeds_csv(tmp_path, "120"))
    assert design_speed_kmh("expressway", table=table) == 120.0
    # A table of transnet 0.1 has no below_4 row: 20 km/h, never above its grade 4 speed.
    assert design_speed_kmh("below_4", table=table) == 20.0
    slow = tmp_path / "slow"
    slow.mkdir()
    path = _speeds_csv(slow, "120")
    path.write_text(path.read_text(encoding="utf-8").replace("4,30", "4,15"), encoding="utf-8")
    table = GradeTable.from_csv(highways, path_design_speeds=path)
    assert design_speed_kmh("below_4", table=table) == 15.0


# --- classify_edges ------------------------------------------------------------------------


def test_classify_edges_small_osmnx_like_frame():
    edges = pd.DataFrame(
        {
            "highway": [
                "motorway",
                "motorway_link",
                ["trunk", "primary"],
                "tertiary",
                "residential",
                "trunk",
                "motorway",
            ],
            "ref": ["G5;G55", np.nan, ["G108", "S318"], "Y005", None, "G108", "S50"],
            "lanes": ["4", "1", ["2", "4"], np.nan, "2", "2", "3"],
            "maxspeed": ["120", "40", "80", None, "30", "80", "100"],
            "oneway": [True, True, False, False, False, True, True],
        },
        index=pd.Index([10, 11, 12, 13, 14, 15, 16], name="edge"),
    )
    out = classify_edges(edges)
    assert list(out.columns) == ["grade", "admin_class", "ramp"]
    assert out.index.equals(edges.index)
    assert out["grade"].isna().tolist() == [False, False, False, False, True, False, False]
    assert out["grade"].fillna("none").tolist() == [
        "expressway",
        "expressway",
        "1",
        "4",
        "none",
        "1",
        "expressway",
    ]
    assert out["admin_class"].tolist() == [
        "national_expressway",
        "expressway",
        "national",
        "township",
        "unknown",
        "national",
        "provincial_expressway",
    ]
    assert out["ramp"].tolist() == [False, True, False, False, False, False, False]


def test_classify_edges_only_highway_column():
    out = classify_edges(pd.DataFrame({"highway": ["secondary", "motorway"]}))
    assert out["grade"].tolist() == ["3", "expressway"]
    assert out["admin_class"].tolist() == ["unknown", "expressway"]


def test_classify_edges_empty_and_missing_column():
    out = classify_edges(pd.DataFrame({"highway": pd.Series([], dtype=object)}))
    assert out.shape == (0, 3)
    with pytest.raises(InputError) as info:
        classify_edges(pd.DataFrame({"ref": ["G5"]}))
    assert info.value.field == "highway"


def test_classify_edges_agrees_with_the_scalar_functions():
    rng = np.random.default_rng(7)
    highways = [
        "motorway",
        "motorway_link",
        "trunk",
        "trunk_link",
        "primary",
        "secondary",
        "tertiary",
        "unclassified",
        "residential",
        ["trunk", "secondary"],
        None,
    ]
    refs = ["", "G5", "G55;G108", "G108", "S318", "S50", "X123", ["G208", "S318"], None, "东二环"]
    lanes = [None, "1", "2", "3", "4", "2;3", 4, 6.0, "bad", ["2", "4"]]
    speeds = [None, "40", "60", "80", "100", "80 km/h", "50 mph", "CN:urban", 60, ["60", "80"]]
    oneways = [False, True, "yes", None]
    n = 2_000
    edges = pd.DataFrame(
        {
            "highway": [highways[i] for i in rng.integers(len(highways), size=n)],
            "ref": [refs[i] for i in rng.integers(len(refs), size=n)],
            "lanes": [lanes[i] for i in rng.integers(len(lanes), size=n)],
            "maxspeed": [speeds[i] for i in rng.integers(len(speeds), size=n)],
            "oneway": [oneways[i] for i in rng.integers(len(oneways), size=n)],
        }
    )
    out = classify_edges(edges)
    for row, result in zip(edges.itertuples(index=False), out.itertuples(index=False), strict=True):
        grade = technical_grade(
            highway=row.highway,
            ref=row.ref,
            lanes=row.lanes,
            maxspeed=row.maxspeed,
            oneway=row.oneway,
        )
        assert (pd.isna(result.grade) and grade is None) or result.grade == grade
        admin = admin_class_of_refs(row.ref)
        if admin == "unknown" and grade == "expressway":
            admin = "expressway"
        assert result.admin_class == admin
        # the only list in this sample, [trunk, secondary], holds no ramp
        assert result.ramp == (isinstance(row.highway, str) and is_ramp(row.highway))


def test_classify_edges_200k_rows():
    base = pd.DataFrame(
        {
            "highway": [
                "motorway",
                "motorway_link",
                "trunk",
                ["trunk", "primary"],
                "secondary",
                "tertiary",
                "unclassified",
                "residential",
            ],
            "ref": ["G5;G55", None, "G108", ["G208", "S318"], "X123", "Y005", "C001", None],
            "lanes": ["4", "1", "2;3", ["2", "4"], np.nan, "1", None, "2"],
            "maxspeed": ["120", "40", "80", ["60", "80"], "60", None, "CN:rural", "30"],
            "oneway": [True, True, False, False, False, False, False, False],
        }
    )
    edges = pd.concat([base] * 25_000, ignore_index=True)
    out = classify_edges(edges)
    assert out.shape == (200_000, 3)
    # lanes "2;3" at 80 km/h is one lane each way: grade 2, not 1
    assert out.iloc[:8]["grade"].fillna("none").tolist() == [
        "expressway",
        "expressway",
        "2",
        "1",
        "2",
        "4",
        "4",
        "none",
    ]
    assert out["ramp"].sum() == 25_000


def test_grades_do_not_import_the_io_stage():
    # transnet.io.osm imports transnet.grades; the reverse would be a cycle across stages.
    # Only the text reader, a leaf every input goes through, may be loaded.
    import subprocess
    import sys

    probe = "import sys, transnet.grades\nprint(sorted(m for m in sys.modules if m.startswith('transnet.io')))"
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "['transnet.io', 'transnet.io.text']"
