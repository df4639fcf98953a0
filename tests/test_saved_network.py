"""Saved networks: a damaged GeoPackage is an input error naming file, layer and column, and a
file transnet did not write is never overwritten unless asked (issue 10).

Each test saves the bundle's network, damages a copy the way a user or a crash would, and
checks the message names what is wrong.
"""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
from shapely.geometry import Point

from transnet._errors import InputError
from transnet.io.bundle import load_bundle
from transnet.io.network_store import (
    NETWORK_FORMAT,
    check_network_output,
    is_saved_network,
    load_network,
    save_network,
)
from transnet.study import load_bundle_network


@pytest.fixture(scope="module")
def network():
    return load_bundle_network(load_bundle("taixin"))


@pytest.fixture(scope="module")
def saved(network, tmp_path_factory):
    return save_network(network, tmp_path_factory.mktemp("saved") / "taixin.gpkg")


def _layers(path):
    edges = pyogrio.read_dataframe(path, layer="edges")
    nodes = pyogrio.read_dataframe(path, layer="nodes")
    manifest = pyogrio.read_dataframe(path, layer="manifest", read_geometry=False)
    return edges, nodes, manifest


def _rewrite(path, source, *, edges=None, nodes=None, manifest=None, skip=()):
    """Write a copy of ``source`` to ``path`` with some layers replaced or left out."""
    old_edges, old_nodes, old_manifest = _layers(source)
    layers = {
        "edges": old_edges if edges is None else edges,
        "nodes": old_nodes if nodes is None else nodes,
        "manifest": old_manifest if manifest is None else manifest,
    }
    for name, frame in layers.items():
        if name not in skip:
            pyogrio.write_dataframe(frame, path, layer=name, driver="GPKG")
    return path


def _manifest_table(value: str) -> pd.DataFrame:
    return pd.DataFrame({"key": ["manifest"], "value": [value]})


def test_round_trip_keeps_edges_metadata_and_names_the_file(network, saved):
    loaded = load_network(saved)
    assert len(loaded.edges) == len(network.edges) == 207
    assert loaded.metadata["source"] == "bundle taixin: network.geojson"
    assert loaded.metadata["file"] == str(saved)
    assert loaded.edges["lanes"].dtype == "Int64"
    assert loaded.edges["ramp"].dtype == bool
    manifest = json.loads(_layers(saved)[2]["value"].iloc[0])
    assert manifest["format"] == NETWORK_FORMAT
    assert "file" not in manifest


def test_missing_manifest_layer(saved, tmp_path):
    path = _rewrite(tmp_path / "no_manifest.gpkg", saved, skip=("manifest",))
    with pytest.raises(InputError, match="no layer 'manifest'") as info:
        load_network(path)
    assert info.value.path == str(path)
    assert info.value.field == "manifest"


def test_manifest_that_is_not_json(saved, tmp_path):
    path = _rewrite(tmp_path / "bad_json.gpkg", saved, manifest=_manifest_table('{"format": '))
    with pytest.raises(InputError, match="layer 'manifest': the manifest is not valid JSON") as e:
        load_network(path)
    assert (e.value.path, e.value.field) == (str(path), "value")


def test_manifest_that_is_a_list(saved, tmp_path):
    path = _rewrite(tmp_path / "list.gpkg", saved, manifest=_manifest_table("[1, 2]"))
    with pytest.raises(InputError, match="not a JSON object") as info:
        load_network(path)
    assert info.value.field == "value"


def test_manifest_without_its_row(saved, tmp_path):
    table = pd.DataFrame({"key": ["other"], "value": ["{}"]})
    path = _rewrite(tmp_path / "no_row.gpkg", saved, manifest=table)
    with pytest.raises(InputError, match="no row with key 'manifest'") as info:
        load_network(path)
    assert info.value.field == "key"


def test_manifest_from_a_newer_transnet(saved, tmp_path):
    value = json.dumps({"format": "transnet-network/999", "source": "future"})
    path = _rewrite(tmp_path / "v999.gpkg", saved, manifest=_manifest_table(value))
    with pytest.raises(InputError, match="written by a newer transnet") as info:
        load_network(path)
    message = str(info.value)
    assert str(path) in message and "layer 'manifest'" in message
    assert "transnet-network/999" in message and NETWORK_FORMAT in message
    assert info.value.field == "format"


def test_manifest_of_another_format(saved, tmp_path):
    value = json.dumps({"format": "qgis-project", "source": "x"})
    path = _rewrite(tmp_path / "other.gpkg", saved, manifest=_manifest_table(value))
    with pytest.raises(InputError, match="unknown saved-network format 'qgis-project'") as e:
        load_network(path)
    assert e.value.field == "format"


def test_edges_without_the_grade_column(saved, tmp_path):
    edges = _layers(saved)[0].drop(columns="grade")
    path = _rewrite(tmp_path / "no_grade.gpkg", saved, edges=edges)
    with pytest.raises(InputError, match="layer 'edges': missing column") as info:
        load_network(path)
    assert (info.value.path, info.value.field) == (str(path), "grade")


def test_edges_with_a_text_length(saved, tmp_path):
    edges = _layers(saved)[0]
    edges["length_m"] = edges["length_m"].map(lambda v: f"{v:.0f} m")
    path = _rewrite(tmp_path / "text_length.gpkg", saved, edges=edges)
    with pytest.raises(InputError, match="holds object values; expected number values") as e:
        load_network(path)
    assert (e.value.path, e.value.field) == (str(path), "length_m")
    assert "layer 'edges'" in str(e.value)


def test_zero_edges(saved, tmp_path):
    edges = _layers(saved)[0].iloc[:0]
    path = _rewrite(tmp_path / "empty.gpkg", saved, edges=edges)
    with pytest.raises(InputError, match="layer 'edges': has no features") as info:
        load_network(path)
    assert info.value.path == str(path)


def test_nan_length_names_the_feature(saved, tmp_path):
    edges = _layers(saved)[0]
    edges.loc[5, "length_m"] = np.nan
    path = _rewrite(tmp_path / "nan_length.gpkg", saved, edges=edges)
    with pytest.raises(InputError, match="not finite; expected a number") as info:
        load_network(path)
    assert (info.value.path, info.value.record, info.value.field) == (
        str(path),
        "edges feature 5",
        "length_m",
    )
    assert "nan" not in info.value.reason.lower()


def test_nan_node_coordinate(saved, tmp_path):
    nodes = _layers(saved)[1]
    nodes.loc[2, "x"] = np.nan
    path = _rewrite(tmp_path / "nan_x.gpkg", saved, nodes=nodes)
    with pytest.raises(InputError) as info:
        load_network(path)
    assert (info.value.record, info.value.field) == ("nodes feature 2", "x")


def test_unknown_grade(saved, tmp_path):
    edges = _layers(saved)[0]
    edges.loc[0, "grade"] = "motorway"
    path = _rewrite(tmp_path / "grade.gpkg", saved, edges=edges)
    with pytest.raises(InputError, match="unknown grade 'motorway'") as info:
        load_network(path)
    assert (info.value.record, info.value.field) == ("edges feature 0", "grade")


def test_edge_end_missing_from_nodes(saved, tmp_path):
    edges = _layers(saved)[0]
    edges.loc[3, "v"] = 999_999
    path = _rewrite(tmp_path / "dangling.gpkg", saved, edges=edges)
    with pytest.raises(InputError, match="node 999999 is not in layer 'nodes'") as info:
        load_network(path)
    assert (info.value.record, info.value.field) == ("edges feature 3", "v")


def test_layer_without_crs(saved, tmp_path):
    edges = _layers(saved)[0].set_crs(None, allow_override=True)
    with pytest.warns(UserWarning, match="'crs' was not provided"):
        path = _rewrite(tmp_path / "no_crs.gpkg", saved, edges=edges)
    with pytest.raises(InputError, match="layer 'edges': has no CRS") as info:
        load_network(path)
    assert info.value.field == "crs"


def test_a_file_that_is_not_a_geopackage(tmp_path):
    path = tmp_path / "notes.gpkg"
    path.write_text("these are my notes, not a GeoPackage", encoding="utf-8")
    with pytest.raises(InputError, match="cannot read the file as a GeoPackage") as info:
        load_network(path)
    assert info.value.path == str(path)


def _users_geopackage(path):
    parcels = gpd.GeoDataFrame({"owner": ["Li"]}, geometry=[Point(112.5, 38.0)], crs="EPSG:4326")
    parcels.to_file(path, layer="my_parcels", driver="GPKG")
    return path


def test_never_overwrites_a_users_geopackage(network, tmp_path):
    path = _users_geopackage(tmp_path / "mine.gpkg")
    with pytest.raises(InputError, match="--overwrite") as info:
        save_network(network, path)
    assert (info.value.path, info.value.field) == (str(path), "out")
    assert "not written by transnet" in str(info.value)
    assert [name for name, _ in pyogrio.list_layers(path)] == ["my_parcels"]
    with pytest.raises(InputError, match="--overwrite"):
        check_network_output(path)


def test_overwrite_replaces_a_users_geopackage(network, tmp_path):
    path = _users_geopackage(tmp_path / "mine.gpkg")
    assert check_network_output(path, overwrite=True) == path
    save_network(network, path, overwrite=True)
    assert is_saved_network(path)
    assert "my_parcels" not in {name for name, _ in pyogrio.list_layers(path)}
    assert len(load_network(path).edges) == 207


def test_resaving_over_transnets_own_network_is_fine(network, tmp_path):
    path = save_network(network, tmp_path / "net.gpkg")
    assert check_network_output(path) == path
    smaller = network.copy()
    smaller.edges = smaller.edges.iloc[:10]
    save_network(smaller, path)
    assert len(pyogrio.read_dataframe(path, layer="edges")) == 10
    assert [p.name for p in tmp_path.iterdir()] == ["net.gpkg"]


def test_a_failed_save_leaves_the_old_file(network, tmp_path, monkeypatch):
    path = save_network(network, tmp_path / "net.gpkg")
    before = path.read_bytes()

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(pyogrio, "write_dataframe", broken)
    with pytest.raises(OSError, match="disk full"):
        save_network(network, path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["net.gpkg"]


@pytest.mark.parametrize(
    ("name", "message"),
    [("roads.shp", "expected a .gpkg file name"), ("folder.gpkg", "is a folder")],
)
def test_check_network_output_refuses_bad_names(tmp_path, name, message):
    path = tmp_path / name
    if name == "folder.gpkg":
        path.mkdir()
    with pytest.raises(InputError, match=message) as info:
        check_network_output(path)
    assert (info.value.path, info.value.field) == (str(path), "out")


def test_check_network_output_accepts_a_new_file_in_a_new_folder(tmp_path):
    path = tmp_path / "new" / "deeper" / "net.gpkg"
    assert check_network_output(path) == path
    assert not (tmp_path / "new").exists()


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs Linux's /proc")
def test_check_network_output_tries_the_folder_before_any_work():
    """/proc takes no new file even for root, whose os.access says every folder is writable."""
    with pytest.raises(InputError, match=r"cannot write in /proc .*choose another --out"):
        check_network_output(Path("/proc/roads.gpkg"))
