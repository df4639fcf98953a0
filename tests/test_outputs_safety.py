"""Nothing of the user's lost: output folders, output paths checked first, GBK vector files.

Issue 10: a re-run keeps the files a user added to an output folder, SIGTERM cleans up like
Ctrl-C, stale staging folders of killed runs go, two runs at once stay safe, and an unwritable
output path is refused before any work.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import Point

from transnet._errors import InputError, TransnetWarning
from transnet.io import text
from transnet.io.files import (
    OUTPUT_MARKER,
    atomic_directory,
    check_output_file,
    check_output_folder,
    read_features,
)

posix_only = pytest.mark.skipif(os.name != "posix", reason="signals and /proc are POSIX")
linux_only = pytest.mark.skipif(not Path("/proc/self").exists(), reason="needs /proc")


def _write(folder: Path, files: dict[str, str]) -> None:
    for name, content in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(content, encoding="utf-8")


def _tree(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): p.read_text(encoding="utf-8")
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != OUTPUT_MARKER
    }


def _hidden_beside(target: Path) -> list[str]:
    return sorted(p.name for p in target.parent.iterdir() if p.name.startswith("."))


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


# -- re-running into an output folder --------------------------------------------------------


def test_the_marker_lists_the_files_transnet_wrote(tmp_path):
    out = tmp_path / "out"
    with atomic_directory(out) as staging:
        _write(staging, {"metrics.json": "{}", "maps/before.html": "<p>"})
    record = json.loads((out / OUTPUT_MARKER).read_text(encoding="utf-8"))
    assert record["files"] == ["maps/before.html", "metrics.json"]
    assert _hidden_beside(out) == []


def test_a_rerun_keeps_every_file_the_user_added(tmp_path):
    out = tmp_path / "out"
    with atomic_directory(out) as staging:
        _write(staging, {"metrics.json": "run 1", "report.md": "run 1", "before.png": "run 1"})
    _write(out, {"notes.txt": "mine", "slides/intro.txt": "mine too", "report.md": "edited"})
    with (
        pytest.warns(TransnetWarning, match=r"kept 2 file\(s\) you added to .*out: notes.txt"),
        atomic_directory(out) as staging,
    ):
        _write(staging, {"metrics.json": "run 2", "report.md": "run 2"})
    # transnet's own files are replaced (before.png of run 1 is gone: run 2 wrote none),
    # the user's are carried over.
    assert _tree(out) == {
        "metrics.json": "run 2",
        "notes.txt": "mine",
        "report.md": "run 2",
        "slides/intro.txt": "mine too",
    }
    assert _hidden_beside(out) == []


def test_a_user_file_named_like_a_new_output_is_kept_beside_it(tmp_path):
    out = tmp_path / "out"
    with atomic_directory(out) as staging:
        _write(staging, {"metrics.json": "run 1"})
    _write(out, {"before.png": "the user's picture"})
    with (
        pytest.warns(TransnetWarning, match=r"before.png \(as before \(yours\).png\)"),
        atomic_directory(out) as staging,
    ):
        _write(staging, {"metrics.json": "run 2", "before.png": "map"})
    assert _tree(out) == {
        "before (yours).png": "the user's picture",
        "before.png": "map",
        "metrics.json": "run 2",
    }


def test_a_folder_of_an_earlier_transnet_keeps_what_the_new_run_does_not_write(tmp_path):
    out = tmp_path / "out"
    _write(out, {OUTPUT_MARKER: "written by transnet\n", "metrics.json": "old", "mine.txt": "x"})
    with (
        pytest.warns(TransnetWarning, match="mine.txt"),
        atomic_directory(out) as staging,
    ):
        _write(staging, {"metrics.json": "new"})
    assert _tree(out) == {"metrics.json": "new", "mine.txt": "x"}


@posix_only
def test_an_output_folder_given_as_a_link_is_written_where_it_points(tmp_path):
    (tmp_path / "big-disk").mkdir()
    (tmp_path / "out").symlink_to(tmp_path / "big-disk")
    with atomic_directory(tmp_path / "out") as staging:
        _write(staging, {"metrics.json": "new"})
    assert (tmp_path / "out").is_symlink()
    assert _tree(tmp_path / "big-disk") == {"metrics.json": "new"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["big-disk", "out"]


def test_many_kept_files_are_counted_not_all_listed(tmp_path):
    out = tmp_path / "out"
    with atomic_directory(out) as staging:
        _write(staging, {"metrics.json": "run 1"})
    _write(out, {f"note{n:02}.txt": "mine" for n in range(25)})
    with (
        pytest.warns(TransnetWarning, match=r"kept 25 file\(s\) .*note09.txt and 15 more$"),
        atomic_directory(out) as staging,
    ):
        _write(staging, {"metrics.json": "run 2"})
    assert len(_tree(out)) == 26


def test_a_failed_run_leaves_the_folder_as_it_was_and_no_staging(tmp_path):
    out = tmp_path / "out"
    with atomic_directory(out) as staging:
        _write(staging, {"metrics.json": "good"})
    _write(out, {"notes.txt": "mine"})
    with pytest.raises(RuntimeError, match="half-way"), atomic_directory(out) as staging:
        _write(staging, {"metrics.json": "half"})
        raise RuntimeError("failed half-way")
    assert _tree(out) == {"metrics.json": "good", "notes.txt": "mine"}
    assert _hidden_beside(out) == []


def test_signal_handlers_are_restored(tmp_path):
    before = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)
    with atomic_directory(tmp_path / "out") as staging:
        assert signal.getsignal(signal.SIGTERM) not in (signal.SIG_DFL, before[1])
        _write(staging, {"a.txt": "a"})
    assert (signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)) == before


# -- killed runs -----------------------------------------------------------------------------

_SLOW_WRITER = textwrap.dedent(
    """
    import sys, time
    from transnet.io.files import atomic_directory

    with atomic_directory(sys.argv[1]) as staging:
        (staging / "metrics.json").write_text("half")
        (staging / "report.md").touch()
        print("writing", flush=True)
        time.sleep(60)
    """
)


@posix_only
def test_sigterm_while_writing_cleans_up_and_leaves_the_folder(tmp_path):
    out = tmp_path / "out"
    with atomic_directory(out) as staging:
        _write(staging, {"metrics.json": "good"})
    child = subprocess.Popen(
        [sys.executable, "-c", _SLOW_WRITER, str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert child.stdout.readline() == "writing\n"
    assert len(_hidden_beside(out)) == 1  # the staging folder
    child.send_signal(signal.SIGTERM)
    _, err = child.communicate(timeout=30)
    assert child.returncode != 0
    assert "KeyboardInterrupt" in err and "terminated by signal 15" in err
    assert _hidden_beside(out) == []
    assert _tree(out) == {"metrics.json": "good"}


def test_stale_staging_of_dead_runs_is_removed_and_nothing_else(tmp_path):
    out = tmp_path / "out"
    dead = _dead_pid()
    killed = tmp_path / ".out.k1ll3d00"  # a staging folder of a run killed with SIGKILL
    _write(
        killed,
        {
            "metrics.json": "",
            ".transnet-staging": json.dumps(
                {"pid": dead, "host": socket.gethostname(), "started": 0}
            ),
        },
    )
    elsewhere = tmp_path / ".out.0th3rh0s"  # of a run on another machine: maybe alive
    _write(elsewhere, {".transnet-staging": json.dumps({"pid": dead, "host": "x", "started": 0})})
    alive = tmp_path / ".out.l1v3l1v3"  # of a run still going (this process)
    _write(
        alive,
        {
            ".transnet-staging": json.dumps(
                {"pid": os.getpid(), "host": socket.gethostname(), "started": 0}
            )
        },
    )
    legacy = tmp_path / ".out.l3g4cy00"  # of an older transnet, unmarked, hours old
    _write(legacy, {"metrics.json": "", "report.md": ""})
    hours_ago = time.time() - 5 * 3600
    for path in (legacy / "metrics.json", legacy / "report.md", legacy):
        os.utime(path, (hours_ago, hours_ago))
    users = tmp_path / ".out.drafts"  # the user's own hidden folder
    _write(users, {"draft.txt": "mine"})
    with atomic_directory(out) as staging:
        _write(staging, {"metrics.json": "new"})
    assert _hidden_beside(out) == sorted([".out.0th3rh0s", ".out.drafts", ".out.l1v3l1v3"])
    assert (users / "draft.txt").read_text() == "mine"


def test_an_output_folder_moved_aside_by_a_killed_run_is_put_back(tmp_path):
    out = tmp_path / "out"
    aside = tmp_path / f".out.old-{_dead_pid()}"  # killed between its two renames
    _write(
        aside,
        {
            OUTPUT_MARKER: json.dumps({"files": ["metrics.json"]}),
            "metrics.json": "previous",
            "notes.txt": "mine",
        },
    )
    with (
        pytest.warns(TransnetWarning, match="notes.txt"),
        atomic_directory(out) as staging,
    ):
        _write(staging, {"metrics.json": "new"})
    assert _tree(out) == {"metrics.json": "new", "notes.txt": "mine"}
    assert _hidden_beside(out) == []


def test_a_moved_aside_folder_holding_what_the_output_lacks_is_left_alone(tmp_path):
    out = tmp_path / "out"
    with atomic_directory(out) as staging:
        _write(staging, {"metrics.json": "current"})
    aside = tmp_path / f".out.old-{_dead_pid()}"
    _write(aside, {OUTPUT_MARKER: json.dumps({"files": []}), "notes.txt": "only copy"})
    with atomic_directory(out) as staging:
        _write(staging, {"metrics.json": "new"})
    assert (aside / "notes.txt").read_text() == "only copy"


_RACER = textwrap.dedent(
    """
    import os, sys, time
    from transnet.io.files import atomic_directory

    me = str(os.getpid())
    for round in range(3):
        with atomic_directory(sys.argv[1]) as staging:
            for name in ("metrics.json", "report.md", "before.html", "after.html"):
                (staging / name).write_text(me)
                time.sleep(0.02)
    """
)


@posix_only
def test_two_runs_into_one_folder_at_once_leave_a_complete_folder(tmp_path):
    out = tmp_path / "out"
    with atomic_directory(out) as staging:
        _write(staging, {"metrics.json": "first"})
    _write(out, {"notes.txt": "mine"})
    runs = [
        subprocess.Popen(
            [sys.executable, "-W", "ignore", "-c", _RACER, str(out)], stderr=subprocess.PIPE
        )
        for _ in range(2)
    ]
    for run in runs:
        _, err = run.communicate(timeout=120)
        assert run.returncode == 0, err.decode()
    tree = _tree(out)
    assert sorted(tree) == ["after.html", "before.html", "metrics.json", "notes.txt", "report.md"]
    assert tree["notes.txt"] == "mine"
    writers = {tree[name] for name in tree if name != "notes.txt"}
    assert len(writers) == 1 and writers <= {str(run.pid) for run in runs}  # one run's, whole
    assert _hidden_beside(out) == []


# -- output paths checked before any work ----------------------------------------------------


def test_an_output_file_in_a_folder_still_to_create_is_accepted_and_nothing_made(tmp_path):
    check_output_file(tmp_path / "ci" / "reports" / "targets.xml", what="--junit")
    assert list(tmp_path.iterdir()) == []


def test_an_output_file_that_is_a_folder_is_refused(tmp_path):
    with pytest.raises(InputError, match="is a folder; give --junit a file name") as info:
        check_output_file(tmp_path, what="--junit")
    assert info.value.path == str(tmp_path)


def test_an_output_file_under_a_file_is_refused(tmp_path):
    (tmp_path / "notes.txt").write_text("keep")
    path = tmp_path / "notes.txt" / "targets.xml"
    with pytest.raises(InputError, match=r"notes.txt is a file, not a folder; .* --junit") as info:
        check_output_file(path, what="--junit")
    assert info.value.path == str(path)


@linux_only
def test_an_unwritable_output_file_or_folder_is_refused(tmp_path):
    with pytest.raises(InputError, match=r"cannot write in /proc .*choose another --junit") as info:
        check_output_file("/proc/x/targets.xml", what="--junit")
    assert info.value.path == "/proc/x/targets.xml"
    with pytest.raises(InputError, match=r"cannot write in /proc .*choose another --out") as info:
        check_output_folder("/proc/x")
    assert info.value.path == "/proc/x"
    with (
        pytest.raises(InputError, match="cannot write in /proc"),
        atomic_directory("/proc/x/out"),
    ):
        pytest.fail("the block must not run")


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root writes anywhere")
def test_a_read_only_parent_is_refused(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        with pytest.raises(InputError, match=r"cannot write in .*locked"):
            check_output_folder(locked / "out")
    finally:
        locked.chmod(0o700)


# -- vector files in GBK ---------------------------------------------------------------------

NAMES = ["阳曲县 高村乡", "定襄县 宏道镇"]


def _points() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"name": NAMES}, geometry=[Point(112.6, 38.0), Point(112.9, 38.5)], crs="EPSG:4326"
    )


def test_a_gbk_geojson_reads_with_its_chinese_names(tmp_path):
    path = tmp_path / "towns.geojson"
    path.write_bytes(_points().to_json(ensure_ascii=False).encode("gbk"))
    assert read_features(path)["name"].tolist() == NAMES


def test_an_unreadable_geojson_names_the_file_not_a_buffer(tmp_path):
    path = tmp_path / "towns.geojson"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(InputError, match="cannot read the file") as info:
        read_features(path)
    assert info.value.path == str(path)
    assert "pyogrio_" not in str(info.value) and "vsimem" not in str(info.value)


def test_a_gbk_shapefile_with_a_cpg_reads_with_its_chinese_names(tmp_path):
    path = tmp_path / "towns.shp"
    _points().to_file(path, encoding="gbk")
    assert path.with_suffix(".cpg").read_text().strip().upper() == "GBK"
    assert read_features(path)["name"].tolist() == NAMES


def test_a_gbk_shapefile_without_a_cpg_reads_with_encoding_set(tmp_path, monkeypatch):
    path = tmp_path / "towns.shp"
    _points().to_file(path, encoding="gbk")
    path.with_suffix(".cpg").unlink()
    monkeypatch.setattr(text.settings, "encoding", "gbk")
    assert read_features(path)["name"].tolist() == NAMES


def test_junit_is_written_into_a_folder_to_create_whole_and_readable(tmp_path):
    from xml.etree import ElementTree

    from transnet.report.junit import write_junit
    from transnet.targets import TargetResult

    result = TargetResult(
        id="expressway_density<&>",
        metric="density_per_100km2.expressway",
        scenario="after",
        value=4.86,
        op=">=",
        threshold=4.9,
        unit="km/100 km²",
        status="fail",
    )
    path = tmp_path / "ci" / "reports" / "targets.xml"
    check_output_file(path, what="--junit")
    write_junit([result], path)
    case = ElementTree.parse(path).getroot().find("testcase")
    assert case.get("name") == "expressway_density<&>"
    assert case.find("failure").get("message").startswith("density_per_100km2.expressway = 4.86")
    assert oct(path.stat().st_mode & 0o777) == "0o644"
    assert sorted(p.name for p in path.parent.iterdir()) == ["targets.xml"]
