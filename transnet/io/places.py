"""Places measured against the network, from users' files: township seats (乡镇) and POIs.

GeoJSON, GPKG or CSV, in WGS-84, CGCS2000, a projected CRS or Gaode/Tencent's GCJ-02. Township
seats can also come from OpenStreetMap (:mod:`transnet.io.osm.places`); :func:`load_townships`
takes either.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import CRS
from pyproj.exceptions import CRSError
from shapely.geometry.base import BaseGeometry

from transnet import options
from transnet._errors import InputError, expect_type, format_number, suggest
from transnet.crs import GEOGRAPHIC_CRS, gcj02_to_wgs84
from transnet.io.files import check_geometry, read_vector
from transnet.io.text import text_stream
from transnet.region import Region

__all__ = ["load_places", "load_townships"]

_LON_NAMES = ("lon", "lng", "longitude", "x", "经度")
_LAT_NAMES = ("lat", "latitude", "y", "纬度")
_NAME_NAMES = ("name", "名称", "township", "乡镇")
_CODE_NAMES = ("code", "adcode", "代码", "区划代码")
_KIND_NAMES = ("kind", "类型")



def _find_column(columns: Iterable[str], names: tuple[str, ...]) -> str | None:
    lookup = {str(c).strip().lower(): c for c in columns}
    return next((lookup[n] for n in names if n in lookup), None)


def load_places(path: str | Path, *, crs: str | int | None = None) -> gpd.GeoDataFrame:
    """Load points (township seats, POIs) from GeoJSON, GPKG or CSV, in WGS-84.

    Parameters
    ----------
    path
        A vector file of points, or a CSV with longitude/latitude columns (``lon``/``lng``/
        ``longitude``/``x`` and ``lat``/``latitude``/``y``) and optionally ``name``.
    crs
        The coordinates' CRS where the file does not say: an EPSG code (``4326``,
        ``"EPSG:4490"``) or ``"gcj02"`` (Gaode/Tencent coordinates, converted to WGS-84).
        Default for CSV: WGS-84.

    Returns
    -------
    geopandas.GeoDataFrame
        ``name`` and point ``geometry`` in WGS-84 (:func:`load_townships` also keeps ``code``
        and ``kind``).

    Raises
    ------
    InputError
        For a CSV without longitude/latitude columns, non-numeric or NaN coordinates, an
        unknown CRS, or non-point geometry.

    Examples
    --------
    >>> from transnet.io.bundle import load_bundle
    >>> pois = load_places(load_bundle("taixin").path("pois"))
    >>> pois.columns.tolist(), pois.crs.to_string()
    (['name', 'geometry'], 'EPSG:4326')
    >>> load_places("townships.csv", crs="gcj02")  # doctest: +SKIP

    """
    return _load_points(path, crs=crs, keep={})


def _load_points(
    path: str | Path, *, crs: str | int | None, keep: dict[str, tuple[str, ...]]
) -> gpd.GeoDataFrame:
    """:func:`load_places`, keeping the columns of ``keep`` (output name → names in the file)."""
    expect_type(path, (str, Path), "path")
    path = Path(path)
    is_gcj02 = str(crs).strip().lower() in ("gcj02", "gcj-02")
    if path.suffix.lower() == ".csv":
        frame = _read_csv_points(path)
        lon, lat = frame.pop("_lon").to_numpy(), frame.pop("_lat").to_numpy()
        source_crs = GEOGRAPHIC_CRS if crs is None or is_gcj02 else _parse_crs(crs, path)
        records = [f"row {number + 2}" for number in range(len(frame))]
    else:
        frame = read_vector(path)
        if crs is not None and not is_gcj02:
            # The user's word overrides the file's (GeoJSON always claims WGS-84).
            frame = frame.set_crs(_parse_crs(crs, path), allow_override=True)
        elif frame.crs is None:
            raise InputError(
                "the file has no CRS; give it with --crs (an EPSG code or gcj02)", path=path
            )
        records = [f"feature #{number + 1}" for number in range(len(frame))]
        for record, shape in zip(records, frame.geometry, strict=True):
            check_geometry(shape, expected="Point", path=path, record=record)
        source_crs = frame.crs
        lon, lat = frame.geometry.x.to_numpy(), frame.geometry.y.to_numpy()
        frame = pd.DataFrame(frame.drop(columns="geometry"))
    name_column = _find_column(frame.columns, _NAME_NAMES)
    names = (
        frame[name_column].astype(str)
        if name_column
        else pd.Series([f"place {i}" for i in range(len(frame))], index=frame.index)
    )
    if name_column:
        records = [f"{record} ({name})" for record, name in zip(records, names, strict=True)]
    _check_coordinates(
        lon, lat, records, geographic=CRS.from_user_input(source_crs).is_geographic, path=path
    )
    if is_gcj02:
        lon, lat = gcj02_to_wgs84(lon, lat)
    columns: dict[str, Any] = {"name": names.to_numpy()}
    fields = {}
    for output, candidates in keep.items():
        column = _find_column(frame.columns, candidates)
        if column is not None:
            columns[output] = pd.Series([_text(v) for v in frame[column]], dtype=object).values
            fields[output] = str(column)
    points = gpd.GeoDataFrame(
        columns, geometry=gpd.points_from_xy(lon, lat), crs=source_crs
    ).to_crs(GEOGRAPHIC_CRS)
    if fields:
        # For messages about these columns: the file's column names and each point's record.
        points.attrs["fields"] = fields
        points.attrs["records"] = records
    points.attrs["source"] = str(path)
    return points


def load_townships(
    path: str | Path,
    *,
    region: Region | BaseGeometry | None = None,
    crs: str | int | None = None,
    suffixes: tuple[str, ...] = options.TOWNSHIP_SUFFIXES,
) -> gpd.GeoDataFrame:
    """Load township seats from an OSM file or a user's file, through one function.

    Parameters
    ----------
    path
        ``.osm``/``.osm.bz2``/``.osm.pbf`` (place nodes and boundaries, see
        :func:`~transnet.io.osm.townships_from_osm_file`), or GeoJSON, GPKG or CSV (see
        :func:`load_places`).
    region
        For OSM files: keep seats inside this region.
    crs
        For users' files: the coordinates' CRS where the file does not say (EPSG or ``gcj02``).
    suffixes
        For OSM files: name endings of township seats.

    Returns
    -------
    geopandas.GeoDataFrame
        ``name`` and points in WGS-84; ``code`` (as text) and ``kind`` when the file has such
        columns (``code``/``adcode``/``代码``/``区划代码``, ``kind``/``类型``). An OSM seat's
        kind comes from its name ending (…族乡 民族乡, 乡, 镇).

    Raises
    ------
    InputError
        As :func:`load_places`; and for a ``kind`` that is missing or not one of
        :data:`~transnet.options.TOWNSHIP_KINDS` (乡, 民族乡, 镇, 街道, 其他), with a "did you
        mean" hint, naming the row and the column.

    Notes
    -----
    Township targets count 乡, 民族乡 and 镇 (:data:`~transnet.options.TOWNSHIP_TARGET_KINDS`);
    街道 and 其他 stay on the maps and in the tables but out of the shares, unless a target's
    ``params: {kinds: [...]}`` says otherwise. A file without a ``kind`` column counts every
    point, as before.

    Examples
    --------
    >>> towns = load_townships("townships_gaode.csv", crs="gcj02")  # doctest: +SKIP
    >>> towns[["name", "code", "kind"]].head(1)  # doctest: +SKIP
         name         code kind
    0  大盂镇  140122100  镇
    """
    from transnet.io.osm.files import OSM_SUFFIXES

    expect_type(path, (str, Path), "path")
    if str(path).lower().endswith(OSM_SUFFIXES):
        from transnet.io.osm.places import townships_from_osm_file

        towns = townships_from_osm_file(path, region=region, suffixes=suffixes)
        towns["kind"] = [_kind_from_name(str(name)) for name in towns["name"]]
        towns.attrs["source"] = str(path)
        return towns
    towns = _load_points(path, crs=crs, keep={"code": _CODE_NAMES, "kind": _KIND_NAMES})
    if "kind" in towns.columns:
        _check_kinds(towns, Path(path))
    return towns


def _text(value: object) -> str | None:
    """Return a cell as stripped text (a code read as a number keeps its digits), or None."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip() or None


def _check_kinds(towns: gpd.GeoDataFrame, path: Path) -> None:
    """Refuse a township kind outside :data:`~transnet.options.TOWNSHIP_KINDS`, or none."""
    field = towns.attrs.get("fields", {}).get("kind", "kind")
    records = towns.attrs.get("records") or [f"row {i + 1}" for i in range(len(towns))]
    for record, kind in zip(records, towns["kind"], strict=True):
        kind = None if pd.isna(kind) else kind
        if kind in options.TOWNSHIP_KINDS:
            continue
        hint = suggest(kind, options.TOWNSHIP_KINDS) if kind else ""
        raise InputError(
            ("missing kind" if kind is None else f"unknown kind {kind!r}")
            + f"{'; ' + hint if hint else ''} (expected one of "
            f"{', '.join(options.TOWNSHIP_KINDS)})",
            path=path,
            record=record,
            field=field,
        )


def _kind_from_name(name: str) -> str | None:
    """Return an OSM township's kind from its name ending: 民族乡 (…族乡), 乡, 镇, 街道."""
    for ending, kind in (("族乡", "民族乡"), ("乡", "乡"), ("镇", "镇"), ("街道", "街道")):
        if name.endswith(ending):
            return kind
    return None


def _parse_crs(value: str | int, path: Path) -> CRS:
    try:
        return CRS.from_user_input(int(value) if str(value).isdigit() else value)
    except CRSError:
        raise InputError(
            f"unknown CRS {value!r}; expected an EPSG code such as 4326 or 'gcj02'",
            path=path,
            field="crs",
        ) from None


def _check_coordinates(
    lon: np.ndarray, lat: np.ndarray, records: list[str], *, geographic: bool, path: Path
) -> None:
    """Refuse non-finite coordinates and, in lon/lat, values off the globe, naming the record."""
    finite = np.isfinite(lon) & np.isfinite(lat)
    if not finite.all():
        bad = int(np.flatnonzero(~finite)[0])
        raise InputError(
            f"coordinates {format_number(lon[bad])}, {format_number(lat[bad])} are not finite "
            "numbers",
            path=path,
            record=records[bad],
            field="geometry",
        )
    if not geographic:
        return
    off = (np.abs(lon) > 180) | (np.abs(lat) > 90)
    if off.sum() > len(off) / 2:
        raise InputError(
            f"{int(off.sum())} of {len(off)} coordinates are not longitude/latitude "
            "(|lon| > 180 or |lat| > 90): the file looks projected; give its CRS with --crs "
            "(e.g. 32649), or check that lon and lat are not swapped",
            path=path,
            field="crs",
        )
    if off.any():
        bad = int(np.flatnonzero(off)[0])
        raise InputError(
            f"longitude {format_number(lon[bad])}, latitude {format_number(lat[bad])} is off "
            "the globe (expected -180 to 180, -90 to 90)",
            path=path,
            record=records[bad],
            field="geometry",
        )


def _read_csv_points(path: Path) -> pd.DataFrame:
    # As text: a code keeps its digits, an empty cell stays empty; lon/lat are parsed below.
    frame = pd.read_csv(text_stream(path), dtype=str)
    lon_column = _find_column(frame.columns, _LON_NAMES)
    lat_column = _find_column(frame.columns, _LAT_NAMES)
    if lon_column is None or lat_column is None:
        raise InputError(
            f"no longitude/latitude columns; expected one of {', '.join(_LON_NAMES)} and one of "
            f"{', '.join(_LAT_NAMES)} (found: {', '.join(map(str, frame.columns))})",
            path=path,
            field="lon" if lon_column is None else "lat",
        )
    for column, target in ((lon_column, "_lon"), (lat_column, "_lat")):
        values = pd.to_numeric(frame[column], errors="coerce")
        bad = np.flatnonzero(values.isna().to_numpy())
        if len(bad):
            raw = frame[column].iloc[bad[0]]
            raise InputError(
                "missing value" if pd.isna(raw) else f"not a number: {format_number(raw)}",
                path=path,
                record=f"row {bad[0] + 2}",
                field=str(column),
            )
        frame[target] = values
    return frame
