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

__all__ = ["atomic_directory", "read_features"]


def read_features(path: str | Path) -> gpd.GeoDataFrame:
    """Read a vector file (GeoJSON, GPKG, ...) with pyogrio and return it in WGS-84.

    Raises
    ------
    InputError
        If the file is missing or unreadable, has no CRS, or has coordinates that do not fit
        its CRS.

    """
    path = Path(path)
    if not path.is_file():
        raise InputError("file not found", path=path)
    try:
        frame = gpd.read_file(path)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
        raise InputError(f"cannot read the file: {exc}", path=path) from None
    return check_crs(frame, path=path)


@contextmanager
def atomic_directory(target: str | Path) -> Iterator[Path]:
    """Yield a temporary folder that replaces ``target`` only if the block succeeds.

    A run that fails half-way leaves ``target`` as it was: no half-written report.

    Examples
    --------
    >>> with atomic_directory("outputs/demo") as folder:  # doctest: +SKIP
    ...     (folder / "metrics.json").write_text("{}")

    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        yield staging
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
