"""Smoke test at a realistic shape: `transnet build` and `run` on a generated OSM China extract.

The extract (:func:`transnet.testing.write_osm_extract`, Taixin at ``scale=1``, about 5,000
edges) has dual carriageways, junction nodes, hubs and township place nodes; ``run`` takes the
townships from the extract itself, so the township targets are evaluated. No timing here: the
figures belong to ``benchmarks/bench_pipeline.py``.
"""

from __future__ import annotations

import json

import pytest

from transnet.cli import main
from transnet.io.network_store import load_network
from transnet.testing import write_osm_extract


def _exit_code(argv: list[str]) -> int:
    with pytest.raises(SystemExit) as info:
        main(argv)
    return int(info.value.code or 0)


def test_build_and_run_on_a_generated_extract_write_every_output(tmp_path, capsys):
    extract = tmp_path / "taixin.osm.pbf"
    truth = write_osm_extract(extract, region="taixin", scale=1.0, seed=3)
    saved = tmp_path / "network.gpkg"
    assert _exit_code(["build", "--source", str(extract), "--out", str(saved)]) == 0
    built = capsys.readouterr().out
    counts = load_network(saved).interchange_counts()
    assert counts == {"access": truth.interchange_count, "hub": truth.hub_count}
    assert f"{truth.interchange_count:,} access interchanges and {truth.hub_count:,} hubs" in built

    out = tmp_path / "run"
    argv = ["run", "--quiet", "--network", str(saved), "--townships", str(extract)]
    assert _exit_code([*argv, "--out", str(out)]) == 0
    written = {path.name for path in out.iterdir()}
    expected = {"metrics.json", "metrics_by_county.csv", "report.md", "report.html"}
    expected |= {"before.html", "after.html", "compare.html", "before.png", "after.png"}
    assert expected <= written
    document = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    status = {target["id"]: target["status"] for target in document["targets"]}
    assert status["township_grade2"] in ("pass", "fail")
    assert status["township_grade3"] in ("pass", "fail")
    assert document["data"]["network_label"] == "OpenStreetMap"
