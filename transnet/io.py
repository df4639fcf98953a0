"""File input and output: reading vector files with CRS checks, writing outputs atomically."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio

from transnet._errors import InputError, expect_type
from transnet.crs import check_crs
from transnet.network import RoadNetwork

__all__ = [
    "OUTPUT_MARKER",
    "atomic_directory",
    "check_output_folder",
    "load_network",
    "read_features",
    "save_network",
]


def read_features(path: str | Path) -> gpd.GeoDataFrame:
    """Read a vector file (GeoJSON, GPKG, ...) with pyogrio and return it in WGS-84.

    Parameters
    ----------
    path
        The file.

    Returns
    -------
    geopandas.GeoDataFrame
        Its features, in :data:`~transnet.crs.GEOGRAPHIC_CRS` (see
        :func:`~transnet.crs.check_crs`).

    Raises
    ------
    InputError
        If the file is missing or unreadable, has no CRS, or has coordinates that do not fit
        its CRS.

    Examples
    --------
    >>> from transnet.bundle import load_bundle
    >>> lines = read_features(load_bundle("taixin").path("network"))
    >>> lines.crs.to_string(), lines.geom_type.unique().tolist()
    ('EPSG:4326', ['LineString'])
    >>> read_features("no-such-file.geojson")
    Traceback (most recent call last):
    ...
    transnet._errors.InputError: no-such-file.geojson: file not found

    """
    path = Path(path)
    if not path.is_file():
        raise InputError("file not found", path=path)
    try:
        frame = gpd.read_file(path)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
        raise InputError(f"cannot read the file: {exc}", path=path) from None
    return check_crs(frame, path=path)


#: File that marks a folder as transnet's output, so that a later run may replace it.
OUTPUT_MARKER = ".transnet-output"


def check_output_folder(target: str | Path) -> None:
    """Refuse an output folder that transnet may not replace (see :func:`atomic_directory`).

    A folder that does not exist yet, an empty one or one that transnet wrote (it holds
    :data:`OUTPUT_MARKER`) may be replaced; the current folder, the home folder, a file and a
    non-empty folder of other files may not.

    Parameters
    ----------
    target
        The output folder, e.g. the ``--out`` of ``transnet run``.

    Raises
    ------
    InputError
        If ``target`` may not be replaced.

    Examples
    --------
    >>> check_output_folder(Path.cwd() / "a-folder-that-does-not-exist")
    >>> check_output_folder(Path.cwd())
    Traceback (most recent call last):
    ...
    transnet._errors.InputError: ...: is the current or home folder; choose a subfolder for --out

    """
    target = Path(target).absolute()
    if not target.exists():
        return
    if not target.is_dir():
        raise InputError("exists and is not a folder; choose another --out", path=target)
    if target.resolve() == Path.cwd().resolve() or target.resolve() == Path.home().resolve():
        raise InputError("is the current or home folder; choose a subfolder for --out", path=target)
    if any(target.iterdir()) and not (target / OUTPUT_MARKER).is_file():
        raise InputError(
            "exists, is not empty and was not written by transnet: refusing to replace it; "
            "choose another --out or empty it",
            path=target,
        )


@contextmanager
def atomic_directory(target: str | Path) -> Iterator[Path]:
    """Yield a staging folder that replaces ``target`` only if the block succeeds.

    A run that fails half-way leaves ``target`` as it was: no half-written report. Only an
    empty folder or one that transnet wrote (it holds :data:`OUTPUT_MARKER`) is replaced; any
    other existing file or folder is refused, so a mistyped ``--out`` never deletes work.

    Raises
    ------
    InputError
        If ``target`` exists and may not be replaced.

    Examples
    --------
    >>> with atomic_directory("outputs/demo") as folder:  # doctest: +SKIP
    ...     (folder / "metrics.json").write_text("{}")
    """
    target = Path(target).absolute()
    check_output_folder(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    staging.chmod(0o755)
    try:
        yield staging
        (staging / OUTPUT_MARKER).write_text("written by transnet\n", encoding="utf-8")
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    old = None
    if target.exists():
        old = target.with_name(f".{target.name}.old-{os.getpid()}")
        target.rename(old)
    staging.rename(target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


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
    >>> from transnet.bundle import load_bundle
    >>> from transnet.study import load_bundle_network
    >>> network = load_bundle_network(load_bundle("taixin"))
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
    >>> from transnet.bundle import load_bundle
    >>> from transnet.study import load_bundle_network
    >>> network = load_bundle_network(load_bundle("taixin"))
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
