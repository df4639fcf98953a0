"""Users' own road layers: a provincial road database (公路电子地图, 路网数据) read as road lines.

Chinese engineers hold their road network as one line per road section (路段) in a shapefile,
GeoPackage or File Geodatabase, with Chinese field names (技术等级, 路线编号, 车道数, 路线名称,
行政等级) and values (高速, 一级 ... 四级, 等外), usually in CGCS2000 (EPSG:4490) or one of its
Gauss–Krüger zones (EPSG:4491–4554). :func:`read_road_layer` reads such a layer into the
columns of :func:`transnet.network.network_from_lines` (``name``, ``ref``, ``grade``,
``admin_class``, ``lanes``, ``source``), in WGS-84; how its sections become a network is in
:mod:`transnet.io.road_layer_network`.

Hostile input stops with the file, the record and the field named: a mapping naming a field the
file lacks, a grade value outside the vocabulary (with the values seen), a file without a CRS
(with the likely choices, guessed from its coordinates), coordinates outside China, and text
that looks like GBK decoded in the wrong encoding (mojibake).
"""

from __future__ import annotations

import re
import unicodedata
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
import yaml
from pyproj import CRS
from pyproj.exceptions import CRSError

from transnet._errors import InputError, check_keys, format_number, suggest
from transnet.crs import GEOGRAPHIC_CRS, gcj02_to_wgs84
from transnet.grades import ADMIN_CLASSES, GRADES, admin_class_of_refs, normalize_grade
from transnet.io import text
from transnet.io.files import read_vector

__all__ = [
    "ADMIN_CLASS_VALUES",
    "FIELD_NAMES",
    "GRADE_CODES",
    "ROAD_LAYER_SUFFIXES",
    "ROLES",
    "FieldMapping",
    "RoadLayer",
    "likely_crs",
    "parse_fields",
    "read_road_layer",
]

#: The files :func:`read_road_layer` reads (a ``.gdb`` is a folder).
ROAD_LAYER_SUFFIXES = (".shp", ".gpkg", ".gdb", ".geojson", ".json")

#: What a column can mean: the technical grade (required), route number, route name, lanes
#: (both directions) and administrative class (行政等级, used where the ref gives none).
ROLES = ("grade", "ref", "name", "lanes", "admin_class")

#: Column names recognised when no mapping is given, for each role, in order of preference.
FIELD_NAMES: dict[str, tuple[str, ...]] = {
    "grade": ("技术等级", "技术等级代码", "公路等级", "等级", "JSDJ", "grade"),
    "ref": ("路线编号", "路线代码", "路线编码", "编号", "LXBM", "LXDM", "ref"),
    "name": ("路线名称", "路段名称", "道路名称", "名称", "LXMC", "name"),
    "lanes": ("车道数", "车道数量", "CDS", "lanes"),
    "admin_class": ("行政等级", "行政等级代码", "XZDJ", "admin_class"),
}

#: Numeric grade codes of road databases beyond ``1``–``4`` (一级–四级): ``0`` is 高速公路.
GRADE_CODES: dict[str, str] = {"0": "expressway"}

#: 行政等级 values → administrative class (an expressway's 国道/省道 → its expressway class).
ADMIN_CLASS_VALUES: dict[str, str] = {
    "国道": "national",
    "省道": "provincial",
    "县道": "county",
    "乡道": "township",
    "村道": "village",
    "专用公路": "special",
    "专道": "special",
    "专用道": "special",
}
_EXPRESSWAY_ADMIN = {"national": "national_expressway", "provincial": "provincial_expressway"}

# China's extent, lon/lat degrees (Zengmu Ansha 3.9° N, Mohe 53.6° N, Pamirs 73.5° E,
# Heixiazi Island 134.8° E), with a small margin.
_CHINA_LONLAT = (73.0, 3.0, 136.0, 54.0)
_CJK = re.compile(r"[\u4e00-\u9fff]")
_LATIN1_HIGH = re.compile(r"[\u0080-\u00ff]")


@dataclass(frozen=True)
class FieldMapping:
    """Which column of a road layer holds what, and extra grade values.

    Attributes
    ----------
    columns
        Role (one of :data:`ROLES`) → the file's column.
    grade_values
        A file's own grade values → a grade of :data:`~transnet.grades.GRADES`, beyond the
        built-in vocabulary (高速/高速公路, 一级 … 四级, 等外, 0–4).
    detected
        True when the columns were recognised by name (:data:`FIELD_NAMES`), not given.

    Examples
    --------
    >>> mapping = FieldMapping({"grade": "技术等级", "ref": "路线编号"})
    >>> mapping.describe()
    '技术等级=grade, 路线编号=ref'

    """

    columns: dict[str, str]
    grade_values: dict[str, str] = field(default_factory=dict)
    detected: bool = False

    def describe(self) -> str:
        """Write the mapping as ``--fields`` takes it.

        Examples
        --------
        >>> FieldMapping({"grade": "JSDJ", "lanes": "CDS"}).describe()
        'JSDJ=grade, CDS=lanes'

        """
        return ", ".join(f"{column}={role}" for role, column in self.columns.items())


@dataclass
class RoadLayer:
    """A user's road layer, read and checked: its lines in WGS-84 and how they were read.

    Attributes
    ----------
    lines
        One row per road section: ``id`` (``feature #N``, from 1), ``name``, ``ref``, ``grade``,
        ``admin_class``, ``lanes``, ``source``; LineStrings in WGS-84.
    path, layer
        The file and the layer read.
    mapping
        The columns used (given or detected).
    crs
        The CRS the coordinates were read in (``"GCJ-02"`` when converted from it).
    grade_counts
        Each grade value of the file → (the grade it maps to, the number of features).
    warnings
        What the reader overrode (a declared CRS replaced by ``crs``).

    Examples
    --------
    >>> roads = read_road_layer(path)  # doctest: +SKIP
    >>> layer = RoadLayer(gpd.GeoDataFrame(geometry=[]), Path("roads.shp"), None,
    ...                   FieldMapping({"grade": "技术等级"}), "EPSG:4526", {})
    >>> layer.crs, layer.mapping.columns
    ('EPSG:4526', {'grade': '技术等级'})

    """

    lines: gpd.GeoDataFrame
    path: Path
    layer: str | None
    mapping: FieldMapping
    crs: str
    grade_counts: dict[str, tuple[str, int]]
    warnings: list[str] = field(default_factory=list)

    def summary(self) -> str:
        r"""Say in one line how the file was read (fields, CRS, grade values).

        Examples
        --------
        >>> layer = RoadLayer(gpd.GeoDataFrame(geometry=[]), Path("roads.shp"), None,
        ...                   FieldMapping({"grade": "技术等级"}), "EPSG:4490",
        ...                   {"二级": ("2", 3), "等外": ("below_4", 1)})
        >>> print(layer.summary().replace("; ", ";\n"))
        roads.shp: 0 sections in EPSG:4490;
        fields 技术等级=grade;
        grades 二级→2 (3), 等外→below_4 (1)

        """
        how = "detected" if self.mapping.detected else ""
        fields = f"fields {how + ' ' if how else ''}{self.mapping.describe()}"
        grades = ", ".join(f"{v}→{g} ({n:,})" for v, (g, n) in self.grade_counts.items())
        where = self.path.name + (f" layer {self.layer}" if self.layer else "")
        return f"{where}: {len(self.lines):,} sections in {self.crs}; {fields}; grades {grades}"


def parse_fields(spec: str | Path | Mapping[str, Any] | None) -> FieldMapping | None:
    """Read a field mapping: ``"技术等级=grade,路线编号=ref"``, a YAML file, or a mapping.

    A YAML file holds either ``{column: role}`` or ``fields: {column: role}`` with an optional
    ``grade_values: {value: grade}`` for a file's own grade values (``准高速: "1"``).

    Parameters
    ----------
    spec
        The ``--fields`` value, a path to a ``.yaml``/``.yml`` file, a mapping, or None.

    Returns
    -------
    FieldMapping or None
        None when ``spec`` is None (the columns are then detected by name).

    Raises
    ------
    InputError
        On a malformed pair, an unknown role (with a "did you mean"), a role given twice, or
        an unknown grade in ``grade_values``.

    Examples
    --------
    >>> parse_fields("技术等级=grade, 路线编号=ref").columns
    {'grade': '技术等级', 'ref': '路线编号'}
    >>> parse_fields("技术等级=grades")
    Traceback (most recent call last):
    ...
    transnet._errors.InputError: --fields, field 'grades': unknown role; ...; did you mean 'grade'?

    """
    if spec is None:
        return None
    where: str | Path = "--fields"
    grade_values: dict[str, str] = {}
    if isinstance(spec, Mapping):
        pairs = dict(spec)
    elif str(spec).lower().endswith((".yaml", ".yml")):
        where = Path(spec)
        try:
            loaded = yaml.safe_load(text.read_text(where))
        except yaml.YAMLError as exc:
            raise InputError(f"not valid YAML: {exc}", path=where) from None
        if not isinstance(loaded, Mapping) or not loaded:
            raise InputError("expected a mapping of column: role", path=where)
        if "fields" in loaded:
            check_keys(loaded, ("fields", "grade_values"), path=where, required=("fields",))
            pairs = loaded["fields"]
            raw_values = loaded.get("grade_values") or {}
            if not isinstance(pairs, Mapping) or not isinstance(raw_values, Mapping):
                raise InputError("expected mappings", path=where, field="fields")
            for value, grade in raw_values.items():
                try:
                    grade_values[_value_key(value)] = normalize_grade(grade)
                except ValueError as exc:
                    raise InputError(
                        str(exc), path=where, record=str(value), field="grade_values"
                    ) from None
        else:
            pairs = loaded
    else:
        pairs = {}
        for part in str(spec).split(","):
            if not part.strip():
                continue
            column, sep, role = part.partition("=")
            if not sep or not column.strip() or not role.strip():
                raise InputError(
                    f"{part.strip()!r} is not COLUMN=ROLE (e.g. 技术等级=grade)", path=where
                )
            if column.strip() in pairs:
                raise InputError(
                    f"field {column.strip()!r} is mapped twice", path=where, field=column.strip()
                )
            pairs[column.strip()] = role.strip()
    columns: dict[str, str] = {}
    for column, role in pairs.items():
        role = str(role).strip()
        if role not in ROLES:
            raise InputError(
                f"unknown role; expected one of {', '.join(ROLES)}{_hint(role, ROLES)}",
                path=where,
                field=role,
            )
        if role in columns:
            raise InputError(
                f"two columns for one role: {columns[role]!r} and {column!r}",
                path=where,
                field=role,
            )
        columns[role] = str(column).strip()
    if "grade" not in columns:
        raise InputError(
            "no column is mapped to grade (the technical grade, 技术等级)",
            path=where,
            field="grade",
        )
    return FieldMapping(columns, grade_values)


def _detect_fields(columns: list[str], *, path: Path) -> FieldMapping:
    lookup = {c.strip().lower(): c for c in columns}
    found = {}
    for role, names in FIELD_NAMES.items():
        for name in names:
            if name.lower() in lookup:
                found[role] = lookup[name.lower()]
                break
    if "grade" not in found:
        raise InputError(
            f"no technical grade column found among {', '.join(columns)} (looked for "
            f"{', '.join(FIELD_NAMES['grade'])}); say which with --fields COLUMN=grade,...",
            path=path,
            field="grade",
        )
    return FieldMapping(found, detected=True)


def likely_crs(
    bounds: tuple[float, float, float, float], *, lon_hint: float | None = None
) -> list[str]:
    """List the CRSs that coordinates within ``bounds`` most likely are in, each with why.

    Longitude/latitude-looking numbers are CGCS2000 (EPSG:4490) or WGS-84 (EPSG:4326), or
    GCJ-02 from a Chinese web map. An 8-digit easting starts with its Gauss–Krüger zone
    number: 13–23 a 6° zone (EPSG:4491–4501), 25–45 a 3° zone (EPSG:4513–4533). A 6-digit
    easting (false easting 500 km) has no zone number: the 3° and 6° zones whose central
    meridians are nearest ``lon_hint`` (the study region's longitude) are listed.

    Parameters
    ----------
    bounds
        ``(xmin, ymin, xmax, ymax)`` of the file's coordinates.
    lon_hint
        The region's centre longitude, if known.

    Returns
    -------
    list of str

    Examples
    --------
    >>> likely_crs((38_420_000, 4_190_000, 38_560_000, 4_300_000))  # doctest: +ELLIPSIS
    ['EPSG:4526 (CGCS2000 / 3-degree Gauss-Kruger zone 38, central meridian 114°E: ...)']
    >>> likely_crs((112.1, 37.5, 113.9, 39.0))[:2]
    ['EPSG:4490 (CGCS2000 longitude/latitude)', 'EPSG:4326 (WGS-84 longitude/latitude)']

    """
    xmin, ymin, xmax, ymax = bounds
    if xmin >= -180 and xmax <= 180 and ymin >= -90 and ymax <= 90:
        return [
            "EPSG:4490 (CGCS2000 longitude/latitude)",
            "EPSG:4326 (WGS-84 longitude/latitude)",
            "gcj02 (GCJ-02 longitude/latitude, from a Chinese web map)",
        ]
    choices = []
    if xmin >= 1e7 and xmax < 1e8:
        zones = {int(xmin // 1e6), int(xmax // 1e6)}
        for zone in sorted(zones):
            if 13 <= zone <= 23:
                choices.append(_gk_choice(4491 + zone - 13, 6 * zone - 3, zone))
            elif 25 <= zone <= 45:
                choices.append(_gk_choice(4513 + zone - 25, 3 * zone, zone))
        return choices
    if xmin >= 0 and xmax < 1e6 and ymin >= 0 and ymax < 1e7:
        if lon_hint is None:
            return [
                "a CGCS2000 3-degree Gauss-Kruger zone without zone number (EPSG:4534-4554, "
                "central meridians 75°E-135°E every 3°) or a 6-degree one (EPSG:4502-4512, "
                "75°E-135°E every 6°): pick the central meridian nearest your region"
            ]
        three = int(np.clip(round(lon_hint / 3), 25, 45))
        six = int(np.clip(round((lon_hint + 3) / 6), 13, 23))
        return [
            _gk_choice(4534 + three - 25, 3 * three, None),
            _gk_choice(4502 + six - 13, 6 * six - 3, None),
        ]
    return choices


def _gk_choice(code: int, meridian: int, zone: int | None) -> str:
    name = CRS.from_epsg(code).name
    why = (
        f"the easting starts with zone number {zone}"
        if zone is not None
        else "the central meridian nearest the region; the easting has no zone number"
    )
    return f"EPSG:{code} ({name}, central meridian {meridian}°E: {why})"


def _hint(name: str, known: list[str] | tuple[str, ...]) -> str:
    hint = suggest(name, known)
    return f"; {hint}" if hint else ""


def _value_key(value: object) -> str:
    key = unicodedata.normalize("NFKC", str(value)).strip()
    key = re.sub(r"\s+", "", key)
    return key[:-2] if re.fullmatch(r"\d+\.0", key) else key


def _keys(values: pd.Series) -> list[str]:
    """:func:`_value_key` of every value, computed once per distinct value ("" if missing)."""
    codes, uniques = pd.factorize(values.astype(object))
    mapped = [_value_key(v) for v in uniques] + [""]
    return [mapped[c] for c in codes.tolist()]


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA


def _mojibake(value: str) -> str | None:
    """Say which wrong decoding of GBK or UTF-8 text ``value`` looks like, or None."""
    if "\ufffd" in value:
        return "GBK read as UTF-8: pass --encoding gbk"
    if _LATIN1_HIGH.search(value) and not _CJK.search(value):
        try:
            decoded = value.encode("latin-1").decode("gb18030")
        except UnicodeError:
            return None
        if _CJK.search(decoded):
            return f"GBK read as latin-1 ({decoded!r} in GBK): pass --encoding gbk"
    if _CJK.search(value):
        try:
            decoded = value.encode("gb18030").decode("utf-8")
        except UnicodeError:
            return None
        if decoded != value and _CJK.search(decoded):
            return f"UTF-8 read as GBK ({decoded!r} in UTF-8): pass --encoding utf-8"
    return None


def _check_names(frame: pd.DataFrame, *, path: Path) -> None:
    for column in frame.columns:
        if column == "geometry":
            continue
        why = _mojibake(str(column))
        if why:
            raise InputError(f"field name {column!r} looks like {why}", path=path, field=column)


def _check_text(frame: pd.DataFrame, columns: list[str], *, path: Path) -> None:
    for column in columns:
        dtype = frame[column].dtype
        if not (pd.api.types.is_object_dtype(dtype) or pd.api.types.is_string_dtype(dtype)):
            continue
        values = frame[column]
        for value in pd.unique(values.dropna()):
            why = _mojibake(str(value)) if isinstance(value, str) else None
            if why:
                first = int(np.flatnonzero((values == value).to_numpy())[0])
                raise InputError(
                    f"{value!r} looks like {why}",
                    path=path,
                    record=f"feature #{first + 1}",
                    field=column,
                )


def _pick_layer(path: Path, layer: str | None) -> str | None:
    try:
        listed = pyogrio.list_layers(path)
    except (pyogrio.errors.DataSourceError, OSError) as exc:
        raise InputError(f"cannot read the file: {exc}", path=path) from None
    names = [str(n) for n, _ in listed]
    if layer is not None:
        if layer not in names:
            raise InputError(
                f"no layer {layer!r}; the file has {', '.join(names)}{_hint(layer, names)}",
                path=path,
                field="--layer",
            )
        return layer
    if len(names) <= 1:
        return None
    lines = [str(n) for n, kind in listed if kind and "LineString" in str(kind)]
    if len(lines) == 1:
        return lines[0]
    raise InputError(
        f"the file has {len(names)} layers ({', '.join(names)}); say which with --layer",
        path=path,
        field="--layer",
    )


def _set_crs(
    frame: gpd.GeoDataFrame,
    crs: str | int | None,
    *,
    path: Path,
    lon_hint: float | None,
    notes: list[str] | None = None,
) -> str:
    """Give ``frame`` its CRS (``crs`` wins); return its label. GCJ-02 is converted here."""
    notes = [] if notes is None else notes
    if crs is None:
        if frame.crs is None:
            bounds = tuple(float(v) for v in frame.total_bounds)
            shown = ", ".join(f"{v:.10g}" for v in bounds)
            choices = likely_crs(bounds, lon_hint=lon_hint)
            listed = "; ".join(choices) if choices else "none recognised"
            raise InputError(
                f"the file has no CRS (a shapefile without its .prj?); coordinates span "
                f"[{shown}]; likely: {listed}; pass --crs",
                path=path,
                field="crs",
            )
        return frame.crs.to_string()
    if str(crs).strip().lower().replace("-", "") == "gcj02":
        frame.set_crs(GEOGRAPHIC_CRS, allow_override=True, inplace=True)
        _check_in_china(frame, path=path, crs="GCJ-02")
        geometries = shapely.transform(np.asarray(frame.geometry.array), _gcj02_points)
        frame.geometry = gpd.GeoSeries(geometries, index=frame.index, crs=GEOGRAPHIC_CRS)
        return "GCJ-02"
    try:
        parsed = CRS.from_user_input(int(crs) if str(crs).isdigit() else crs)
    except CRSError as exc:
        raise InputError(
            f"unknown CRS {crs!r} ({exc}); expected EPSG:4490, EPSG:4491-4554, EPSG:4326 or gcj02",
            path=path,
            field="--crs",
        ) from None
    if frame.crs is not None and frame.crs != parsed:
        notes.append(
            f"{path.name} declares {frame.crs.to_string()}; read as {parsed.to_string()} (--crs)"
        )
    frame.set_crs(parsed, allow_override=True, inplace=True)
    return parsed.to_string()


def _gcj02_points(xy: np.ndarray) -> np.ndarray:
    lon, lat = gcj02_to_wgs84(xy[:, 0], xy[:, 1])
    return np.column_stack([lon, lat])


def _check_in_china(frame: gpd.GeoDataFrame, *, path: Path, crs: str, likely: str = "") -> None:
    xy, index = shapely.get_coordinates(np.asarray(frame.geometry.array), return_index=True)
    if not len(xy):
        return
    xmin, ymin, xmax, ymax = _CHINA_LONLAT
    outside = ~((xy[:, 0] >= xmin) & (xy[:, 0] <= xmax) & (xy[:, 1] >= ymin) & (xy[:, 1] <= ymax))
    finite = np.isfinite(xy).all(axis=1)
    outside |= ~finite
    if not outside.any():
        return
    first = int(np.flatnonzero(outside)[0])
    box: object = "no finite coordinate"
    if finite.any():
        box = [round(float(v), 3) for v in (*xy[finite].min(axis=0), *xy[finite].max(axis=0))]
    raise InputError(
        f"coordinates do not fall in China read in {crs}: the file spans lon/lat {box}, "
        f"{outside.mean():.0%} of its vertices outside lon {xmin:g}-{xmax:g}, lat "
        f"{ymin:g}-{ymax:g}; is the CRS right? "
        + (f"its coordinates look like {likely}; pass --crs" if likely else "pass --crs"),
        path=path,
        record=f"feature #{int(index[first]) + 1}",
        field="geometry",
    )


def read_road_layer(
    path: str | Path,
    *,
    layer: str | None = None,
    fields: str | Path | Mapping[str, Any] | FieldMapping | None = None,
    crs: str | int | None = None,
    lon_hint: float | None = None,
) -> RoadLayer:
    """Read a road database layer: map its fields and values, check its CRS and text.

    Parameters
    ----------
    path
        A ``.shp``, ``.gpkg``, ``.gdb`` (File Geodatabase folder) or ``.geojson`` file. A
        shapefile's attributes are decoded as its ``.cpg`` says, else in ``--encoding``
        (:data:`transnet.io.text.settings`), else as GDAL reads the ``.dbf``.
    layer
        The layer of a GeoPackage or File Geodatabase; default its only (line) layer.
    fields
        Which column means what (see :func:`parse_fields`); default recognised by name
        (:data:`FIELD_NAMES`).
    crs
        The coordinates' CRS, overriding the file's: ``"EPSG:4490"``, a Gauss–Krüger zone
        (``"EPSG:4527"``), ``"EPSG:4326"``, or ``"gcj02"`` (converted to WGS-84).
    lon_hint
        The study region's longitude, to name the likely zone of a file without a CRS.

    Returns
    -------
    RoadLayer

    Raises
    ------
    InputError
        Naming the file, and the record and field where there is one: a missing file or
        layer, a mapped column the file lacks, a grade value outside the vocabulary (listing
        the values seen), bad lanes, a non-line geometry, no CRS (listing the likely ones),
        coordinates outside China, or mojibake.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from shapely import LineString
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = pathlib.Path(folder) / "roads.gpkg"
    ...     gpd.GeoDataFrame({"技术等级": ["二级"], "路线编号": ["S318"]},
    ...                      geometry=[LineString([(112.5, 38.0), (112.6, 38.0)])],
    ...                      crs="EPSG:4490").to_file(path)
    ...     roads = read_road_layer(path)
    >>> roads.lines[["grade", "ref", "admin_class"]].to_dict("records")
    [{'grade': '2', 'ref': 'S318', 'admin_class': 'provincial'}]

    """
    path = Path(path)
    if path.suffix.lower() not in ROAD_LAYER_SUFFIXES:
        raise InputError(
            f"not a road layer file; expected one of {', '.join(ROAD_LAYER_SUFFIXES)}", path=path
        )
    if not (path.is_file() or (path.suffix.lower() == ".gdb" and path.is_dir())):
        raise InputError("file not found", path=path)
    chosen = _pick_layer(path, layer)
    frame = read_vector(path, layer=chosen)
    _check_names(frame, path=path)
    columns = [str(c) for c in frame.columns if c != "geometry"]
    mapping = fields if isinstance(fields, FieldMapping) else parse_fields(fields)
    if mapping is None:
        mapping = _detect_fields(columns, path=path)
    for role, column in mapping.columns.items():
        if column not in frame.columns:
            raise InputError(
                f"the file has no field {column!r} (mapped to {role}); its fields: "
                f"{', '.join(columns)}{_hint(column, columns)}",
                path=path,
                field=column,
            )
    if frame.empty:
        raise InputError("the layer has no features", path=path)
    _check_text(frame, list(mapping.columns.values()), path=path)
    records = [f"feature #{i + 1}" for i in range(len(frame))]
    _check_lines(frame, records, path=path)
    notes: list[str] = []
    raw_bounds = tuple(float(v) for v in frame.total_bounds)
    label = _set_crs(frame, crs, path=path, lon_hint=lon_hint, notes=notes)
    with warnings.catch_warnings():
        # PROJ's warning on coordinates its CRS cannot take: the China check names them.
        warnings.filterwarnings("ignore", "invalid value encountered", RuntimeWarning)
        frame = frame.to_crs(GEOGRAPHIC_CRS)
    likely = "; ".join(likely_crs(raw_bounds, lon_hint=lon_hint))
    _check_in_china(frame, path=path, crs=label, likely=likely)

    grades, counts = _grades(frame, mapping, records, path=path)
    ref = _text_column(frame, mapping.columns.get("ref"))
    name = _text_column(frame, mapping.columns.get("name"))
    lanes = _lanes(frame, mapping.columns.get("lanes"), records, path=path)
    admin = _admin_classes(frame, mapping.columns.get("admin_class"), ref, grades, records, path)
    where = path.name + (f" layer {chosen}" if chosen else "")
    lines = gpd.GeoDataFrame(
        {
            "id": records,
            "name": name,
            "ref": ref,
            "grade": grades,
            "admin_class": admin,
            "lanes": pd.array(lanes, dtype="Int64"),
            "opened": None,
            "source": [f"{where} {r}" for r in records],
        },
        geometry=frame.geometry.to_numpy(),
        crs=GEOGRAPHIC_CRS,
    )
    return RoadLayer(lines, path, chosen, mapping, label, counts, notes)


def _check_lines(frame: gpd.GeoDataFrame, records: list[str], *, path: Path) -> None:
    kinds = frame.geometry.geom_type.to_numpy(dtype=object)
    bad = ~np.isin(kinds, ["LineString", "MultiLineString"]) | frame.geometry.is_empty.to_numpy()
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        kind = kinds[first] if kinds[first] else "missing"
        raise InputError(
            f"geometry is {kind}; expected LineString",
            path=path,
            record=records[first],
            field="geometry",
        )


def _grade_of(key: str, extra: Mapping[str, str]) -> str | None:
    if key in extra:
        return extra[key]
    if key in GRADE_CODES:
        return GRADE_CODES[key]
    try:
        return normalize_grade(key)
    except ValueError:
        return None


def _grades(
    frame: pd.DataFrame, mapping: FieldMapping, records: list[str], *, path: Path
) -> tuple[list[str], dict[str, tuple[str, int]]]:
    column = mapping.columns["grade"]
    keys = _keys(frame[column])
    seen = pd.Series(keys).value_counts(sort=False)
    known = {key: _grade_of(key, mapping.grade_values) for key in seen.index}
    unknown = [key for key, grade in known.items() if grade is None]
    if unknown:
        first = next(i for i, key in enumerate(keys) if known[key] is None)
        listed = ", ".join(
            f"{(key or '<empty>')!r} ({format_number(int(seen[key]))})" for key in unknown[:12]
        )
        more = f" and {len(unknown) - 12} more" if len(unknown) > 12 else ""
        vocabulary = "高速/高速公路, 一级…四级(公路), 等外, 0 (高速) and 1-4, " + ", ".join(GRADES)
        raise InputError(
            f"grade values outside the vocabulary: {listed}{more}; known: {vocabulary}; map "
            "others under grade_values: in a --fields YAML file",
            path=path,
            record=records[first],
            field=column,
        )
    counts = {key: (str(known[key]), int(seen[key])) for key in seen.index}
    return [str(known[key]) for key in keys], counts


def _text_column(frame: pd.DataFrame, column: str | None) -> list[str]:
    if column is None:
        return [""] * len(frame)
    return ["" if _missing(v) else str(v).strip() for v in frame[column].to_numpy(dtype=object)]


def _lanes(
    frame: pd.DataFrame, column: str | None, records: list[str], *, path: Path
) -> list[int | None]:
    from transnet.options import MAX_LANES

    if column is None:
        return [None] * len(frame)
    keys = _keys(frame[column])
    parsed: dict[str, int | None] = {}
    for record, key in zip(records, keys, strict=True):
        if key in parsed:
            continue
        if key in ("", "0"):
            parsed[key] = None
        elif key.isdigit() and 1 <= int(key) <= MAX_LANES:
            parsed[key] = int(key)
        else:
            raise InputError(
                f"lanes {key!r} is not a whole number from 1 to {MAX_LANES} (empty or 0: unknown)",
                path=path,
                record=record,
                field=column,
            )
    return [parsed[key] for key in keys]


def _admin_classes(
    frame: pd.DataFrame,
    column: str | None,
    refs: list[str],
    grades: list[str],
    records: list[str],
    path: Path,
) -> list[str]:
    given = _text_column(frame, column)
    out = []
    for record, ref, grade, value in zip(records, refs, grades, given, strict=True):
        admin = admin_class_of_refs(ref) if ref else "unknown"
        if admin == "unknown" and value:
            key = _value_key(value)
            admin = ADMIN_CLASS_VALUES.get(key, key if key in ADMIN_CLASSES else "")
            if not admin:
                raise InputError(
                    f"unknown administrative class {value!r}; expected one of "
                    f"{', '.join(ADMIN_CLASS_VALUES)} or {', '.join(ADMIN_CLASSES)}",
                    path=path,
                    record=record,
                    field=column,
                )
            if grade == "expressway":
                admin = _EXPRESSWAY_ADMIN.get(admin, admin)
        if admin == "unknown" and grade == "expressway":
            admin = "expressway"
        out.append(admin)
    return out
