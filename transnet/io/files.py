"""File input and output: reading vector files with CRS checks, writing outputs atomically."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import geopandas as gpd
import pyogrio

from transnet._errors import InputError
from transnet.crs import check_crs

__all__ = ["OUTPUT_MARKER", "atomic_directory", "check_output_folder", "read_features"]


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
    >>> lines = read_features(bundle.path("network"))
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
