"""Find and read data bundles: the embedded ``taixin`` bundle or a user's own folder."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from transnet._errors import (
    InputError,
    check_keys,
    expect_type,
    format_number,
    from_validation_error,
    not_bool,
    suggest,
)
from transnet._resources import data_root
from transnet.io.text import read_text

__all__ = ["Bundle", "available_bundles", "bundle_root", "load_bundle"]

_REQUIRED_KEYS = ("name", "counties", "network", "plan", "targets")
#: Keys naming a file of the bundle, relative to its folder.
_FILE_KEYS = (
    "counties",
    "zones",
    "network",
    "interchanges",
    "plan",
    "targets",
    "pois",
    "townships",
)
#: A file a new bundle (``transnet init``) names before it exists: ``transnet build`` writes it.
_BUILT_LATER = ("network",)


class _Announced(BaseModel):
    """One class of the announced plan: projects, km and 亿元, as the announcement gives them."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    projects: int = Field(ge=0)
    length_km: float = Field(ge=0)
    investment_100m_cny: float = Field(ge=0)

    @field_validator("projects", "length_km", "investment_100m_cny", mode="before")
    @classmethod
    def _number(cls, value: object) -> object:
        return not_bool(value)


class _Manifest(BaseModel):
    """The keys of ``bundle.yaml``: every key transnet reads, and nothing else."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    name: str
    title: str = ""
    announcement: str = ""
    counties: str
    zones: str | None = None
    network: str
    interchanges: str | None = None
    plan: str
    targets: str
    pois: str | None = None
    pois_label: str = ""
    townships: str | None = None
    places_source: str = ""
    attribution: str = ""
    network_completeness: Literal["complete", "trunk_only"] = "complete"
    network_label: str = ""
    network_date: str = ""
    network_caveat: str = ""
    announced_plan: dict[Literal["expressway", "national_provincial"], _Announced] = Field(
        default_factory=dict
    )
    announced_area_km2: float | None = Field(default=None, gt=0)

    @field_validator("network_date", mode="before")
    @classmethod
    def _date(cls, value: object) -> object:
        # YAML reads 2026 or 2026-05-18 as a number or a date; either is a fine date text.
        return value if value is None or isinstance(value, str | bool) else str(value)

    @field_validator("announced_area_km2", mode="before")
    @classmethod
    def _number(cls, value: object) -> object:
        return not_bool(value)


_MANIFEST_KEYS = tuple(_Manifest.model_fields)
_ANNOUNCED_KEYS = tuple(_Announced.model_fields)
_ANNOUNCED_CLASSES = ("expressway", "national_provincial")


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
            A manifest key naming a file: ``"counties"``, ``"zones"``, ``"network"``,
            ``"interchanges"``, ``"plan"``, ``"targets"``, ``"pois"``, ``"townships"``; any
            other key gives None.

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
        If the bundle does not exist, or its manifest lacks a required key, has a key transnet
        does not read (with a "did you mean" hint) or a value of the wrong kind (a number that
        is not finite, a file name that is not text, a file that does not exist); names
        ``bundle.yaml`` and the key. A ``network`` GeoPackage may be missing (a bundle made by
        ``transnet init``, before ``transnet build``): running it then says how to build it.

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
            hint = suggest(str(name_or_path), available_bundles())
            raise InputError(
                f"unknown bundle {str(name_or_path)!r}{'; ' + hint if hint else ''}; embedded "
                f"bundles: {', '.join(available_bundles()) or 'none'} (or give a folder with "
                "bundle.yaml)"
            )
    manifest_path = folder / "bundle.yaml"
    try:
        manifest = yaml.safe_load(read_text(manifest_path)) or {}
    except yaml.YAMLError as exc:
        raise InputError(f"not valid YAML: {exc}", path=manifest_path) from None
    _check_manifest(manifest, path=manifest_path)
    return Bundle(name=str(manifest["name"]), folder=folder, manifest=manifest)


def _check_manifest(manifest: object, *, path: Path) -> None:
    """Refuse a manifest with an unknown or missing key, or a value of the wrong kind."""
    if not isinstance(manifest, dict):
        raise InputError(
            f"expected a mapping of keys to values, got {format_number(manifest)}", path=path
        )
    check_keys(manifest, _MANIFEST_KEYS, path=path, required=_REQUIRED_KEYS)
    announced = manifest.get("announced_plan")
    if isinstance(announced, dict):
        check_keys(announced, _ANNOUNCED_CLASSES, path=path, prefix="announced_plan")
        for name, entry in announced.items():
            if isinstance(entry, dict):
                check_keys(
                    entry,
                    _ANNOUNCED_KEYS,
                    path=path,
                    required=_ANNOUNCED_KEYS,
                    prefix=f"announced_plan.{name}",
                )
    try:
        _Manifest.model_validate(manifest)
    except ValidationError as exc:
        raise from_validation_error(exc, path=path) from None
    for key in _FILE_KEYS:
        name = manifest.get(key)
        if key in _BUILT_LATER and name is not None and str(name).endswith(".gpkg"):
            continue
        if name is not None and not (path.parent / name).is_file():
            raise InputError(
                f"names {name!r}, which is not in the bundle's folder", path=path, field=key
            )
