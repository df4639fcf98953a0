"""Saving and loading networks as GeoPackages (edges, nodes and a manifest)."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio

from transnet._errors import InputError, expect_type
from transnet.network import RoadNetwork

__all__ = ["NETWORK_FORMAT", "load_network", "save_network"]


#: Version of the saved-network layout written by :func:`save_network`.
NETWORK_FORMAT = "transnet-network/1"


def save_network(network: RoadNetwork, path: str | Path) -> Path:
    """Save a network as a GeoPackage: layers ``edges``, ``nodes`` and ``manifest``.

    The manifest holds the network's metadata (source, date, tag filter, region) as JSON. The
    file is written next to its destination and moved into place, so a failed save leaves no
    half-written file.

    Parameters
    ----------
    network
        The network.
    path
        Destination, ending in ``.gpkg``.

    Returns
    -------
    pathlib.Path
        The file written.

    Examples
    --------
    >>> save_network(network, "outputs/taixin-network.gpkg")  # doctest: +SKIP
    PosixPath('outputs/taixin-network.gpkg')

    """
    path = Path(path)
    if path.suffix.lower() != ".gpkg":
        raise InputError("expected a .gpkg file name", path=path, field="out")
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, staging_name = tempfile.mkstemp(
        prefix=f".{path.stem}.", suffix=".gpkg", dir=path.parent
    )
    os.close(handle)
    staging = Path(staging_name)
    staging.unlink()
    try:
        edges = network.edges.copy()
        for column in edges.columns:
            if edges[column].dtype == object and column != "geometry":
                edges[column] = edges[column].map(lambda v: None if v is None else str(v))
        edges.to_file(staging, layer="edges", driver="GPKG")
        network.nodes.reset_index().to_file(staging, layer="nodes", driver="GPKG")
        manifest = {"format": NETWORK_FORMAT, "crs": network.crs.to_wkt(), **network.metadata}
        table = pd.DataFrame({"key": ["manifest"], "value": [json.dumps(manifest, default=str)]})
        pyogrio.write_dataframe(table, staging, layer="manifest", driver="GPKG")
        staging.replace(path)
    except BaseException:
        staging.unlink(missing_ok=True)
        raise
    return path


def load_network(path: str | Path) -> RoadNetwork:
    """Load a network saved by :func:`save_network`.

    Parameters
    ----------
    path
        A GeoPackage written by :func:`save_network` (or ``transnet build``).

    Returns
    -------
    RoadNetwork
        The network, with the metadata it was saved with.

    Raises
    ------
    InputError
        If the file is missing, unreadable or not a saved transnet network.

    Examples
    --------
    >>> network = load_network("outputs/taixin-network.gpkg")  # doctest: +SKIP

    A round trip through a temporary folder:

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     loaded = load_network(save_network(network, Path(folder) / "taixin.gpkg"))
    >>> len(loaded.edges) == len(network.edges), loaded.metadata["source"]
    (True, 'bundle taixin: network.geojson')

    """
    expect_type(path, (str, Path), "path")
    path = Path(path)
    if not path.is_file():
        raise InputError("file not found", path=path)
    try:
        layers = {name for name, _ in pyogrio.list_layers(path)}
    except pyogrio.errors.DataSourceError as exc:
        raise InputError(f"cannot read the file: {exc}", path=path) from None
    missing = {"edges", "nodes", "manifest"} - layers
    if missing:
        raise InputError(
            f"not a saved transnet network: missing layer(s) {', '.join(sorted(missing))}",
            path=path,
        )
    manifest = json.loads(pyogrio.read_dataframe(path, layer="manifest")["value"].iloc[0])
    if manifest.pop("format", None) != NETWORK_FORMAT:
        raise InputError(f"unknown saved-network format; expected {NETWORK_FORMAT}", path=path)
    manifest.pop("crs", None)
    edges = gpd.read_file(path, layer="edges")
    nodes = gpd.read_file(path, layer="nodes").set_index("node")
    for column in ("ramp", "oneway"):
        edges[column] = edges[column].astype(bool)
    edges["lanes"] = edges["lanes"].astype("Int64")
    nodes["interchange"] = nodes["interchange"].astype(bool)
    edges["project_id"] = (
        edges["project_id"].astype(object).where(edges["project_id"].notna(), None)
    )
    return RoadNetwork(nodes, edges, manifest)
