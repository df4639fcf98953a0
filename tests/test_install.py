"""A non-editable install (wheel) carries the embedded bundle and finds it."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_wheel_carries_the_bundle_and_the_installed_package_finds_it(tmp_path):
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        check=True,
    )
    [wheel] = tmp_path.glob("transnet-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    bundle_files = {
        p.relative_to(ROOT / "data").as_posix() for p in (ROOT / "data" / "taixin").iterdir()
    }
    assert {f"transnet/_data/{name}" for name in bundle_files} <= names
    # Map templates and the metrics.json schema are package data the code reads at run time.
    package_data = [
        *(ROOT / "transnet" / "viz" / "templates").glob("*.j2"),
        ROOT / "transnet" / "report" / "metrics.schema.json",
    ]
    assert {p.relative_to(ROOT).as_posix() for p in package_data} <= names

    target = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--target",
            str(target),
            str(wheel),
        ],
        check=True,
    )
    probe = (
        "import transnet.io.bundle as b; "
        "bundle = b.load_bundle('taixin'); "
        "print(bundle.folder); print(len(b.available_bundles()))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=tmp_path,
        env={"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    assert Path(out[0]).is_relative_to(target)
    assert out[1] == "1"
