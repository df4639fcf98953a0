"""Saving and loading networks as GeoPackages (edges, nodes and a manifest).

A saved network is a GeoPackage with three layers: ``edges`` and ``nodes`` (the
:class:`~transnet.network.RoadNetwork`'s tables) and ``manifest``, one row holding the network's
metadata as JSON with the layout's version in ``format`` (:data:`NETWORK_FORMAT`). The manifest
also marks the file as transnet's own: :func:`save_network` replaces such a file, and refuses
any other existing file unless told to overwrite it, so a user's own GeoPackage is never lost.

On load every part is checked (manifest, format version, layers, columns and their types, CRS,
at least one edge, finite lengths and coordinates, edge ends among the nodes); a damaged file
is an :class:`~transnet._errors.InputError` naming the file, the layer and the column.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from transnet._errors import InputError, expect_type
from transnet._memory import cyclic_gc_paused
from transnet.grades import GRADES
from transnet.io.files import check_output_file
from transnet.network import RoadNetwork

__all__ = [
    "NETWORK_FORMAT",
    "check_network_output",
    "is_saved_network",
    "load_network",
    "save_network",
]


#: Version of the saved-network layout written by :func:`save_network`.
NETWORK_FORMAT = "transnet-network/1"
_FORMAT_PATTERN = re.compile(r"transnet-network/(\d+)")
_FORMAT_VERSION = 1

#: Columns a saved layer must have, and the kind of values each holds (None: any kind).
_EDGE_COLUMNS: dict[str, str | None] = {
    "u": "integer",
    "v": "integer",
    "key": "integer",
    "name": "text",
    "ref": "text",
    "grade": "text",
    "admin_class": "text",
    "lanes": "number",
    "opened": None,
    "source": "text",
    "ramp": "boolean",
    "oneway": "boolean",
    "project_id": None,
    "centerline_factor": "number",
    "length_m": "number",
}
_NODE_COLUMNS: dict[str, str | None] = {
    "node": "integer",
    "x": "number",
    "y": "number",
    "interchange": "boolean",
    "interchange_name": None,
}
#: numpy dtype kinds each kind of value may be stored as (GeoPackage booleans may read as int).
_KINDS = {"integer": "iu", "number": "iuf", "boolean": "biu", "text": "O"}
#: What reading a damaged or foreign file may raise (pyogrio's errors derive from RuntimeError).
_READ_ERRORS = (RuntimeError, OSError, ValueError)
#: Metadata keys that describe where a loaded network came from, never saved with it.
_NOT_SAVED = ("file",)


def _layer_error(
    message: str, path: Path, layer: str, *, field: str | None = None, row: int | None = None
) -> InputError:
    record = None if row is None else f"{layer} feature {row}"
    return InputError(f"layer '{layer}': {message}", path=path, record=record, field=field)


def _read_manifest(path: Path) -> dict[str, Any] | None:
    """Return a GeoPackage's manifest, or None when it has no readable transnet manifest."""
    try:
        if "manifest" not in {name for name, _ in pyogrio.list_layers(path)}:
            return None
        table = pyogrio.read_dataframe(path, layer="manifest", read_geometry=False)
        rows = table.loc[table["key"] == "manifest", "value"]
        manifest = json.loads(rows.iloc[0])
    except (*_READ_ERRORS, KeyError, IndexError, TypeError, ValueError):
        return None
    if not isinstance(manifest, dict) or not _FORMAT_PATTERN.fullmatch(
        str(manifest.get("format", ""))
    ):
        return None
    return manifest


def is_saved_network(path: str | Path) -> bool:
    """Tell whether ``path`` is a GeoPackage written by :func:`save_network`.

    Only the manifest is read: a file with a transnet manifest of any format version counts,
    whether or not its layers are intact.

    Examples
    --------
    >>> is_saved_network("no-such-file.gpkg")
    False

    """
    path = Path(path)
    return path.is_file() and _read_manifest(path) is not None


def check_network_output(path: str | Path, *, overwrite: bool = False) -> Path:
    """Check, before any work, that a network can be saved to ``path``.

    Parameters
    ----------
    path
        Destination, ending in ``.gpkg``.
    overwrite
        Replace an existing file even if transnet did not write it (``--overwrite``).

    Returns
    -------
    pathlib.Path

    Raises
    ------
    InputError
        Field ``out``: the name does not end in ``.gpkg``, it is a folder, its folder cannot
        be written, or it is an existing file that is not a saved transnet network (unless
        ``overwrite``).

    Examples
    --------
    >>> check_network_output("outputs/taixin-network.gpkg")
    PosixPath('outputs/taixin-network.gpkg')
    >>> check_network_output("roads.shp")
    Traceback (most recent call last):
    ...
    transnet._errors.InputError: roads.shp, field 'out': expected a .gpkg file name

    """
    expect_type(path, (str, Path), "path")
    path = Path(path)
    if path.suffix.lower() != ".gpkg":
        raise InputError("expected a .gpkg file name", path=path, field="out")
    if path.is_dir():
        raise InputError("is a folder; expected a .gpkg file name", path=path, field="out")
    # Tried, not guessed from permission bits (root passes every os.access check).
    check_output_file(path, what="--out")
    if path.exists() and not overwrite and not is_saved_network(path):
        raise InputError(
            "the file exists and was not written by transnet (it has no transnet network "
            "manifest); choose another file name, or pass --overwrite to replace it",
            path=path,
            field="out",
        )
    return path


def save_network(network: RoadNetwork, path: str | Path, *, overwrite: bool = False) -> Path:
    """Save a network as a GeoPackage: layers ``edges``, ``nodes`` and ``manifest``.

    The manifest holds the network's metadata (source, date, tag filter, region) as JSON. The
    file is written next to its destination and moved into place, so a failed save leaves no
    half-written file and any earlier file intact.

    Parameters
    ----------
    network
        The network.
    path
        Destination, ending in ``.gpkg``. An existing saved transnet network there is
        replaced; any other existing file is refused unless ``overwrite``.
    overwrite
        Replace an existing file even if transnet did not write it.

    Returns
    -------
    pathlib.Path
        The file written.

    Raises
    ------
    InputError
        See :func:`check_network_output`.

    Examples
    --------
    >>> save_network(network, "outputs/taixin-network.gpkg")  # doctest: +SKIP
    PosixPath('outputs/taixin-network.gpkg')

    """
    expect_type(network, RoadNetwork, "network")
    path = check_network_output(path, overwrite=overwrite)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, staging_name = tempfile.mkstemp(
        prefix=f".{path.stem}.", suffix=".gpkg", dir=path.parent
    )
    os.close(handle)
    staging = Path(staging_name)
    staging.unlink()
    try:
        edges = network.edges.copy(deep=False)  # copy-on-write: the network is not changed
        for column in edges.columns:
            if edges[column].dtype == object and column != "geometry":
                edges[column] = edges[column].map(lambda v: None if v is None else str(v))
        edges.to_file(staging, layer="edges", driver="GPKG")
        network.nodes.reset_index().to_file(staging, layer="nodes", driver="GPKG")
        metadata = {k: v for k, v in network.metadata.items() if k not in _NOT_SAVED}
        manifest = {"format": NETWORK_FORMAT, "crs": network.crs.to_wkt(), **metadata}
        table = pd.DataFrame({"key": ["manifest"], "value": [json.dumps(manifest, default=str)]})
        pyogrio.write_dataframe(table, staging, layer="manifest", driver="GPKG")
        staging.replace(path)
    except BaseException:
        staging.unlink(missing_ok=True)
        raise
    return path


def _check_manifest(path: Path) -> dict[str, Any]:
    try:
        table = pyogrio.read_dataframe(path, layer="manifest", read_geometry=False)
    except _READ_ERRORS as exc:
        raise _layer_error(f"cannot be read ({type(exc).__name__})", path, "manifest") from None
    for column in ("key", "value"):
        if column not in table.columns:
            raise _layer_error("missing column", path, "manifest", field=column)
    rows = table.loc[table["key"] == "manifest", "value"]
    if rows.empty:
        raise _layer_error("no row with key 'manifest'", path, "manifest", field="key")
    try:
        manifest = json.loads(rows.iloc[0])
    except (TypeError, ValueError) as exc:
        raise _layer_error(
            f"the manifest is not valid JSON ({exc}); the file is damaged: build it again",
            path,
            "manifest",
            field="value",
        ) from None
    if not isinstance(manifest, dict):
        raise _layer_error("the manifest is not a JSON object", path, "manifest", field="value")
    written = manifest.pop("format", None)
    match = _FORMAT_PATTERN.fullmatch(str(written))
    if written is None or match is None:
        raise _layer_error(
            f"unknown saved-network format {written!r}; expected {NETWORK_FORMAT}",
            path,
            "manifest",
            field="format",
        )
    if int(match.group(1)) > _FORMAT_VERSION:
        raise _layer_error(
            f"written by a newer transnet (format {written}); this one reads "
            f"{NETWORK_FORMAT}: upgrade transnet, or build the network again",
            path,
            "manifest",
            field="format",
        )
    if int(match.group(1)) != _FORMAT_VERSION:
        raise _layer_error(
            f"unknown saved-network format {written!r}; expected {NETWORK_FORMAT}",
            path,
            "manifest",
            field="format",
        )
    manifest.pop("crs", None)
    return manifest


def _check_layer_schema(path: Path, layer: str, columns: dict[str, str | None]) -> dict:
    try:
        info = pyogrio.read_info(path, layer=layer)
    except _READ_ERRORS as exc:
        raise _layer_error(f"cannot be read ({type(exc).__name__})", path, layer) from None
    if info.get("crs") is None:
        raise _layer_error("has no CRS; expected a projected CRS", path, layer, field="crs")
    types = dict(zip(info["fields"], info["dtypes"], strict=True))
    for column, kind in columns.items():
        if column not in types:
            raise _layer_error("missing column", path, layer, field=column)
        if kind is not None and np.dtype(types[column]).kind not in _KINDS[kind]:
            raise _layer_error(
                f"column holds {types[column]} values; expected {kind} values",
                path,
                layer,
                field=column,
            )
    if info.get("features", 0) < 1:
        raise _layer_error("has no features; expected at least one", path, layer)
    return info


def _check_finite(frame: pd.DataFrame, path: Path, layer: str, columns: tuple[str, ...]) -> None:
    for column in columns:
        values = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float)
        bad = np.flatnonzero(~np.isfinite(values))
        if len(bad):
            raise _layer_error(
                f"{len(bad)} value(s) missing or not finite; expected a number",
                path,
                layer,
                field=column,
                row=int(bad[0]),
            )


def _check_geometry(frame: gpd.GeoDataFrame, path: Path, layer: str, kind: str) -> None:
    geometry = frame.geometry.values
    missing = shapely.is_missing(geometry) | shapely.is_empty(geometry)
    wrong = ~missing & (shapely.get_type_id(geometry) != (1 if kind == "LineString" else 0))
    coords, index = shapely.get_coordinates(geometry, return_index=True)
    not_finite = np.zeros(len(frame), dtype=bool)
    not_finite[index[~np.isfinite(coords).all(axis=1)]] = True
    for bad, what in (
        (missing, "no geometry"),
        (wrong, f"geometry that is not a {kind}"),
        (not_finite, "coordinates that are not finite"),
    ):
        if bad.any():
            raise _layer_error(
                f"{int(bad.sum())} feature(s) with {what}",
                path,
                layer,
                field="geometry",
                row=int(np.flatnonzero(bad)[0]),
            )


@cyclic_gc_paused()
def load_network(path: str | Path) -> RoadNetwork:
    """Load a network saved by :func:`save_network`, checking every part of the file.

    Parameters
    ----------
    path
        A GeoPackage written by :func:`save_network` (or ``transnet build``).

    Returns
    -------
    RoadNetwork
        The network, with the metadata it was saved with and ``file``, the path it was read
        from (not saved again).

    Raises
    ------
    InputError
        If the file is missing or unreadable, or is not an intact saved transnet network: the
        message names the file, the layer and the column (``field``) at fault, and the
        feature where one is.

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
    except _READ_ERRORS:
        raise InputError("cannot read the file as a GeoPackage", path=path) from None
    for layer in ("manifest", "edges", "nodes"):
        if layer not in layers:
            raise InputError(
                f"not a saved transnet network: no layer '{layer}' (expected layers edges, "
                "nodes and manifest, as written by transnet build)",
                path=path,
                field=layer,
            )
    manifest = _check_manifest(path)
    edge_info = _check_layer_schema(path, "edges", _EDGE_COLUMNS)
    node_info = _check_layer_schema(path, "nodes", _NODE_COLUMNS)
    if _crs_differs(edge_info["crs"], node_info["crs"]):
        raise _layer_error(
            f"CRS {node_info['crs']} differs from the edges' {edge_info['crs']}",
            path,
            "nodes",
            field="crs",
        )
    try:
        edges = gpd.read_file(path, layer="edges")
        nodes = gpd.read_file(path, layer="nodes")
    except _READ_ERRORS as exc:
        raise InputError(f"cannot read the layers ({type(exc).__name__})", path=path) from None
    _check_finite(edges, path, "edges", ("u", "v", "key", "length_m", "centerline_factor"))
    _check_finite(nodes, path, "nodes", ("node", "x", "y"))
    _check_geometry(edges, path, "edges", "LineString")
    _check_geometry(nodes, path, "nodes", "Point")
    negative = np.flatnonzero(edges["length_m"].to_numpy(dtype=float) < 0)
    if len(negative):
        raise _layer_error(
            "negative length; expected metres ≥ 0",
            path,
            "edges",
            field="length_m",
            row=int(negative[0]),
        )
    unknown = np.flatnonzero(~edges["grade"].isin(GRADES).to_numpy())
    if len(unknown):
        row = int(unknown[0])
        raise _layer_error(
            f"unknown grade {edges['grade'].iloc[row]!r}; expected one of {', '.join(GRADES)}",
            path,
            "edges",
            field="grade",
            row=row,
        )
    nodes = nodes.astype({"node": "int64"}).set_index("node")
    if nodes.index.has_duplicates:
        row = int(np.flatnonzero(nodes.index.duplicated())[0])
        raise _layer_error("node id listed twice", path, "nodes", field="node", row=row)
    for end in ("u", "v"):
        dangling = np.flatnonzero(~edges[end].isin(nodes.index).to_numpy())
        if len(dangling):
            raise _layer_error(
                f"node {edges[end].iloc[int(dangling[0])]} is not in layer 'nodes'",
                path,
                "edges",
                field=end,
                row=int(dangling[0]),
            )
    lanes = pd.to_numeric(edges["lanes"], errors="coerce")
    fractional = np.flatnonzero((lanes.notna() & (lanes % 1 != 0)).to_numpy())
    if len(fractional):
        raise _layer_error(
            "lanes is not a whole number",
            path,
            "edges",
            field="lanes",
            row=int(fractional[0]),
        )
    for column in ("ramp", "oneway"):
        edges[column] = edges[column].fillna(False).astype(bool)
    edges["lanes"] = lanes.astype("Int64")
    nodes["interchange"] = nodes["interchange"].fillna(False).astype(bool)
    edges["project_id"] = (
        edges["project_id"].astype(object).where(edges["project_id"].notna(), None)
    )
    return RoadNetwork(nodes, edges, {**manifest, "file": str(path)})


def _crs_differs(first: Any, second: Any) -> bool:
    """Tell whether two CRS descriptions (as ``pyogrio.read_info`` gives them) differ."""
    from pyproj import CRS

    if first is None or second is None:
        return first is not second
    return not CRS.from_user_input(first).equals(CRS.from_user_input(second))
