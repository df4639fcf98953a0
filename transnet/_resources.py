"""Where the package's data lives: ``transnet/_data`` in a wheel, ``data/`` in a checkout."""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path

__all__ = ["data_root"]


@cache
def data_root() -> Path:
    """Return the folder holding the embedded bundles and the grade tables.

    An installed wheel carries them as ``transnet/_data``; an editable checkout reads the
    repository's ``data/`` folder.

    Returns
    -------
    pathlib.Path

    Examples
    --------
    >>> (data_root() / "taixin" / "bundle.yaml").is_file()
    True

    """
    packaged = Path(str(resources.files("transnet"))) / "_data"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "data"
