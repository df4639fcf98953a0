"""Find and read data bundles: the embedded ``taixin`` bundle or a user's own folder."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from transnet._errors import InputError, expect_type
from transnet._resources import data_root

__all__ = ["Bundle", "available_bundles", "bundle_root", "load_bundle"]

_REQUIRED_KEYS = ("name", "counties", "network", "plan", "targets")


def bundle_root() -> Path:
    """Return the folder that holds the embedded bundles.

    Returns
    -------
    pathlib.Path
        The folder whose sub-folders are bundles (see :func:`transnet._resources.data_root`).

    Examples
    --------
    >>> (bundle_root() / "taixin" / "bundle.yaml").is_file()
    True

    """
    return data_root()


def available_bundles() -> list[str]:
    """List the names of the embedded bundles.

    Examples
    --------
    >>> "taixin" in available_bundles()
    True

    """
    root = bundle_root()
    return sorted(p.name for p in root.iterdir() if (p / "bundle.yaml").is_file())


@dataclass(frozen=True)
class Bundle:
    """A bundle manifest and the folder its files live in.

    Attributes
    ----------
    name
        Bundle name, e.g. ``"taixin"``.
    folder
        Folder holding ``bundle.yaml`` and the files it names.
    manifest
        The parsed ``bundle.yaml``.

    Examples
    --------
    >>> bundle = load_bundle("taixin")
    >>> bundle.name, bundle.manifest["network_completeness"]
    ('taixin', 'trunk_only')
    >>> bundle.path("plan").name
    'plan.geojson'

    """

    name: str
    folder: Path
    manifest: dict[str, Any] = field(repr=False)

    def path(self, key: str) -> Path | None:
        """Return the path of the file the manifest names under ``key``, or None.

        Parameters
        ----------
        key
            A manifest key naming a file: ``"counties"``, ``"network"``, ``"interchanges"``,
            ``"plan"``, ``"targets"``, ``"pois"``.

        Returns
        -------
        pathlib.Path or None
            The file, inside :attr:`folder`; None when the manifest has no such key.

        Examples
        --------
        >>> bundle = load_bundle("taixin")
        >>> bundle.path("targets") == bundle.folder / "targets.yaml"
        True
        >>> bundle.path("villages") is None
        True

        """
        value = self.manifest.get(key)
        return None if value is None else self.folder / value

    @property
    def title(self) -> str:
        """Human-readable title of the region: the manifest's ``title``, else the name.

        Examples
        --------
        >>> load_bundle("taixin").title
        '太忻一体化经济区 Taiyuan–Xinzhou integrated economic zone'

        """
        return str(self.manifest.get("title", self.name))


def load_bundle(name_or_path: str | Path) -> Bundle:
    """Load a bundle by embedded name (``"taixin"``) or by folder path.

    Parameters
    ----------
    name_or_path
        An embedded bundle name, or a folder containing ``bundle.yaml``.

    Returns
    -------
    Bundle

    Raises
    ------
    InputError
        If the bundle does not exist or its manifest lacks a required key.

    Examples
    --------
    >>> load_bundle("taixin").name
    'taixin'

    """
    expect_type(name_or_path, (str, Path), "name_or_path")
    candidate = Path(name_or_path)
    if (candidate / "bundle.yaml").is_file():
        folder = candidate
    else:
        folder = bundle_root() / str(name_or_path)
        if not (folder / "bundle.yaml").is_file():
            raise InputError(
                f"unknown bundle {str(name_or_path)!r}; embedded bundles: "
                f"{', '.join(available_bundles()) or 'none'} (or give a folder with bundle.yaml)"
            )
    manifest_path = folder / "bundle.yaml"
    try:
        manifest = yaml.safe_load(manifest_path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise InputError(f"not valid YAML: {exc}", path=manifest_path) from exc
    for key in _REQUIRED_KEYS:
        if key not in manifest:
            raise InputError("missing required key", path=manifest_path, field=key)
    return Bundle(name=str(manifest["name"]), folder=folder, manifest=manifest)
