"""The synthetic extract's roads as a provincial road database: a GBK shapefile in CGCS2000.

Provincial transport departments keep their road network as one line per road section (路段),
with Chinese attribute columns, in a shapefile encoded in GBK (with a ``.cpg`` saying so) and
in CGCS2000 (EPSG:4490). :func:`write_road_database` writes the roads of
:func:`~transnet.testing.write_osm_extract` for the same region, scale and seed in that form:
expressways as their centre line (one line, not two carriageways), ordinary roads as drawn,
no ramps, cut at the extract's edge (the region + 3 km). Its truth has the same km by class,
grade and county as the OSM extract's.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

from transnet._errors import InputError
from transnet.crs import GEOGRAPHIC_CRS
from transnet.region import Region
from transnet.testing.osm_extract import (
    GroundTruth,
    _build,
    _check_scale,
    _lonlat,
    _road_frame,
    _truth,
    region_for,
)

__all__ = ["ADMIN_CLASS_ZH", "GRADE_ZH", "write_road_database"]

#: 技术等级: transnet's grade → the database's value.
GRADE_ZH = {"expressway": "高速", "1": "一级", "2": "二级", "3": "三级", "4": "四级"}
#: 行政等级 of each OSM class (expressways by their ref's letter: G 国道, S 省道).
ADMIN_CLASS_ZH = {
    "trunk": "国道",
    "primary": "省道",
    "secondary": "县道",
    "tertiary": "乡道",
    "unclassified": "村道",
}


def write_road_database(
    path: str | Path,
    *,
    region: str | Sequence[str] | Region = "taixin",
    scale: float = 1.0,
    seed: int = 0,
) -> GroundTruth:
    """Write the synthetic roads as a provincial road-database shapefile, with its truth.

    Columns: 路线编号 (ref), 路线名称 (name), 技术等级 (高速, 一级 ... 四级), 行政等级 (国道, 省道,
    县道, 乡道, 村道), 车道数 (lanes, both directions). GBK, with a ``.cpg``; EPSG:4490.

    Parameters
    ----------
    path
        A ``.shp`` file.
    region, scale, seed
        As :func:`~transnet.testing.write_osm_extract`: the same arguments draw the same roads.

    Returns
    -------
    GroundTruth
        km by class, grade and county as the OSM extract's; no ramps, interchanges or seat
        distances (a road database has no ramps). Also written to ``<path>.truth.json``.

    Raises
    ------
    InputError
        For a suffix other than ``.shp``, a scale that is not a finite number > 0, or an
        unknown code.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = pathlib.Path(folder) / "roads.shp"
    ...     truth = write_road_database(path, region=["156140921"])
    ...     suffixes = sorted(p.suffix for p in path.parent.iterdir())
    >>> truth.counts, suffixes
    ({'features': 167}, ['.cpg', '.dbf', '.json', '.prj', '.shp', '.shx'])
    """
    path = Path(path)
    if path.suffix.lower() != ".shp":
        raise InputError("expected a file name ending in .shp", path=path, field="path")
    scale = _check_scale(scale)
    roads = _build(region_for(region), scale=scale, seed=int(seed))
    lonlat = _lonlat(roads)
    frame = _road_frame(roads, lonlat)
    extract = gpd.GeoSeries([roads.extract], crs=roads.crs).to_crs(GEOGRAPHIC_CRS).iloc[0]
    frame["geometry"] = shapely.intersection(frame.geometry.values, extract)
    frame = frame[~frame.geometry.is_empty].reset_index(drop=True)
    admin = frame["class"].map(ADMIN_CLASS_ZH)
    expressway = frame["class"] == "motorway"
    admin[expressway] = np.where(frame.loc[expressway, "ref"].str.startswith("S"), "省道", "国道")
    table = frame.assign(
        路线编号=frame["ref"],
        路线名称=frame["name"],
        技术等级=frame["grade"].map(GRADE_ZH),
        行政等级=admin,
        车道数=frame["lanes"],
    )[["路线编号", "路线名称", "技术等级", "行政等级", "车道数", "geometry"]]
    table = table.set_crs("EPSG:4326", allow_override=True).to_crs("EPSG:4490")
    for suffix in (".shp", ".shx", ".dbf", ".prj", ".cpg"):
        path.with_suffix(suffix).unlink(missing_ok=True)
    table.to_file(path, driver="ESRI Shapefile", encoding="GBK")
    spec = region.name if isinstance(region, Region) else region
    truth = _truth(
        roads,
        lonlat,
        spec=spec,
        scale=scale,
        seed=seed,
        counts={"features": len(table)},
        network=False,
    )
    truth.path = path.name
    truth.write(path.with_name(path.name + ".truth.json"))
    return truth
