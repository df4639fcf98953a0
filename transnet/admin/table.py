"""The national table of counties and towns, and lookups by code, prefix or name.

The table (``data/places/places.csv.gz``, made by :mod:`transnet.admin.build`) holds China's
2,851 county-level units (市辖区 placeholders left out) and 42,858 town-level units of the
2016 statistical division codes, with WGS-84 centres converted from Gaode's GCJ-02 points.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

from transnet._errors import InputError, closest
from transnet._resources import data_root

__all__ = [
    "ATTRIBUTION",
    "PLACES_SOURCE",
    "PlacesTable",
    "TableCheck",
    "check_table",
    "places_table",
]

#: The attribution every report and map that uses the table carries (CC BY 4.0).
ATTRIBUTION = (
    "Administrative division codes and centres: Vonng/adcode (CC BY 4.0), from the National "
    "Bureau of Statistics, the Ministry of Civil Affairs and Gaode public data (the rights in "
    "Gaode's coordinates are not stated by Gaode); 2016 codes, centres converted GCJ-02 → WGS-84"
)
#: How the table's positions were made, for manifests and files written from it.
PLACES_SOURCE = (
    "transnet places table (data/places/places.csv.gz): Vonng/adcode 2016 codes; centres are "
    "Gaode's district points (GCJ-02) converted to WGS-84 by fast-geocn, accurate to a few "
    "hundred metres, usually the seat of government"
)


def _table_path() -> Path:
    return data_root() / "places" / "places.csv.gz"


@dataclass(frozen=True)
class PlacesTable:
    """County and town rows of the national table, with lookups.

    Attributes
    ----------
    frame
        Every row: ``code`` (12 digits), ``county_code`` (6), ``level`` (``county`` or
        ``town``), ``kind``, ``name``, ``lon``, ``lat`` (WGS-84, NaN where unknown),
        ``province``, ``city``, ``county``.

    Examples
    --------
    >>> table = places_table()
    >>> len(table.counties), len(table.towns)
    (2851, 42858)
    >>> table.resolve(["忻州市"])["name"].tolist()[:3]
    ['忻府区', '定襄县', '五台县']

    """

    frame: pd.DataFrame = field(repr=False)

    @cached_property
    def counties(self) -> pd.DataFrame:
        """County rows, indexed by their 6-digit code.

        Examples
        --------
        >>> places_table().counties.loc["140921", "name"]
        '定襄县'

        """
        rows = self.frame[self.frame["level"] == "county"]
        return rows.set_index("county_code", drop=False)

    @cached_property
    def towns(self) -> pd.DataFrame:
        """Town rows (乡, 民族乡, 镇, 街道, 其他), in code order.

        Examples
        --------
        >>> places_table().towns["level"].unique().tolist()
        ['town']

        """
        return self.frame[self.frame["level"] == "town"]

    @cached_property
    def _cities(self) -> dict[str, list[str]]:
        """City name → its 4-digit prefixes (a name can be two cities, e.g. none, or more)."""
        named = self.counties[self.counties["city"] != ""]
        pairs = named.assign(prefix=named["county_code"].str[:4])[["city", "prefix"]]
        return pairs.drop_duplicates().groupby("city")["prefix"].apply(list).to_dict()

    @cached_property
    def _provinces(self) -> dict[str, str]:
        pairs = self.counties.assign(prefix=self.counties["county_code"].str[:2])
        return dict(pairs[["province", "prefix"]].drop_duplicates().to_numpy())

    def towns_of(self, county_codes: Iterable[str]) -> pd.DataFrame:
        """Return the town rows of the counties with these 6-digit codes, in code order.

        Examples
        --------
        >>> towns = places_table().towns_of(["140921"])
        >>> len(towns), towns["kind"].value_counts().to_dict()
        (9, {'乡': 6, '镇': 3})

        """
        codes = set(county_codes)
        return self.towns[self.towns["county_code"].isin(codes)]

    def resolve(
        self,
        specs: Sequence[str],
        *,
        path: str | Path | None = None,
        field: str = "counties",
    ) -> pd.DataFrame:
        """Return the county rows that codes, prefixes or names mean, without duplicates.

        Parameters
        ----------
        specs
            Each one of: a 6-digit county code (``140921``; also ``156140921`` or 12 digits),
            a city (``1409`` or ``140900``) or province (``14`` or ``140000``) prefix meaning
            all its counties, or a name: a county (``定襄县``), a city (``忻州市``) or a
            province (``山西省``); a name without its suffix (``定襄``) when only one unit
            has it.
        path, field
            Where the specs came from, for errors (``--counties``, a file).

        Returns
        -------
        pandas.DataFrame
            County rows in the order given (a prefix in code order).

        Raises
        ------
        InputError
            For an unknown code or name (with "did you mean" from the table), a name that
            matches two units (listing them with their codes), or no spec at all.

        Examples
        --------
        >>> table = places_table()
        >>> table.resolve(["140921", "原平市"])["name"].tolist()
        ['定襄县', '原平市']
        >>> table.resolve(["朝阳区"])
        Traceback (most recent call last):
        ...
        transnet._errors.InputError: ... '朝阳区' matches 2 units: 朝阳区 (北京市, 110105), ...

        """
        specs = [str(s).strip() for s in specs if str(s).strip()]
        if not specs:
            raise InputError("no county code or name given", path=path, field=field)
        codes: list[str] = []
        for spec in specs:
            codes += self._codes_of(spec, path=path, field=field)
        return self.counties.loc[list(dict.fromkeys(codes))].reset_index(drop=True)

    def _prefix(self, prefix: str) -> list[str]:
        return self.counties.index[self.counties.index.str.startswith(prefix)].tolist()

    def _codes_of(self, spec: str, *, path, field: str) -> list[str]:
        if spec.isdigit():
            return self._codes_of_number(spec, path=path, field=field)
        if spec in self._provinces:
            return self._prefix(self._provinces[spec])
        matches = [(f"{spec} (city)", prefix) for prefix in self._cities.get(spec, [])]
        matches += [(self._label(code), code) for code in self._county_codes(spec)]
        if not matches:
            stemmed = [n for n in self._names if n.startswith(spec) and len(n) - len(spec) <= 3]
            if len(stemmed) == 1:
                return self._codes_of(stemmed[0], path=path, field=field)
            hint = closest(spec, stemmed or self._names)
            raise InputError(
                f"{spec!r} is not a province, city or county name of the 2016 table"
                + (f"; did you mean {hint!r}?" if hint else "")
                + " (or give the 6-digit code)",
                path=path,
                record=spec,
                field=field,
            )
        if len(matches) > 1:
            raise InputError(
                f"{spec!r} matches {len(matches)} units: "
                + ", ".join(label for label, _ in matches)
                + "; give the code instead",
                path=path,
                record=spec,
                field=field,
            )
        return self._prefix(matches[0][1])

    def _codes_of_number(self, spec: str, *, path, field: str) -> list[str]:
        code = spec[3:] if len(spec) == 9 and spec.startswith("156") else spec
        code = code[:6] if len(code) == 12 and code.endswith("000000") else code
        if len(code) == 6 and code.endswith("0000"):
            code = code[:2]
        elif len(code) == 6 and code.endswith("00") and code not in self.counties.index:
            code = code[:4]
        if len(code) not in (2, 4, 6):
            raise InputError(
                f"{spec!r} is not a division code; expected 6 digits (140921), a city "
                "(1409) or province (14) prefix",
                path=path,
                record=spec,
                field=field,
            )
        found = self._prefix(code)
        if found:
            return found
        level = {2: "province", 4: "city", 6: "county"}[len(code)]
        nearby = self._prefix(code[:4]) or self._prefix(code[:2])
        hint = closest(code, nearby) if len(code) == 6 else None
        listed = ", ".join(self._label(c) for c in nearby[:8]) + (" …" if len(nearby) > 8 else "")
        raise InputError(
            f"no {level} with code {spec} in the 2016 table (a code created since 2016 is not "
            "in it)"
            + (f"; did you mean {hint} ({self.counties.loc[hint, 'name']})?" if hint else "")
            + (f"; units nearby: {listed}" if nearby else ""),
            path=path,
            record=spec,
            field=field,
        )

    def _county_codes(self, name: str) -> list[str]:
        return self.counties.index[self.counties["name"] == name].tolist()

    def _label(self, code: str) -> str:
        row = self.counties.loc[code]
        return f"{row['name']} ({row['province']}{row['city']}, {code})"

    @cached_property
    def _names(self) -> list[str]:
        return sorted({*self._provinces, *self._cities, *self.counties["name"]})


@cache
def places_table() -> PlacesTable:
    """Load the package's national table of counties and towns (once per process).

    Examples
    --------
    >>> places_table().counties.loc["140921", ["name", "kind", "city"]].tolist()
    ['定襄县', '县', '忻州市']

    """
    frame = pd.read_csv(
        _table_path(),
        dtype={c: str for c in ("code", "county_code", "level", "kind", "name")},
        keep_default_na=False,
        na_values={"lon": [""], "lat": [""]},
    )
    for column in ("province", "city", "county"):
        frame[column] = frame[column].astype(str)
    return PlacesTable(frame=frame)


@dataclass(frozen=True)
class TableCheck:
    """Every county and town of the table checked against fast-geocn's polygons.

    Attributes
    ----------
    counties
        One row per county: ``county_code``, ``name``, ``gb`` (the fast-geocn code used, empty
        when none), ``match`` (``code``; ``name``: the code changed since 2016 and a unit of
        the same name in the same prefecture was used; ``none``), ``status`` (``inside``,
        ``outside``, ``no_coordinate``, ``no_polygon``).
    towns
        The same ``status`` for each town, against its county's polygon.

    Examples
    --------
    >>> check_table().counts()["county_code_changed"]  # doctest: +SKIP
    135

    """

    counties: pd.DataFrame
    towns: pd.DataFrame

    def counts(self) -> dict[str, int]:
        """Return the numbers kept in ``data/README.md``.

        Examples
        --------
        >>> check_table().counts()["counties"]  # doctest: +SKIP
        2851

        """
        county = self.counties["status"].value_counts()
        town = self.towns["status"].value_counts()
        return {
            "counties": len(self.counties),
            "county_seat_inside": int(county.get("inside", 0)),
            "county_matched_by_name": int((self.counties["match"] == "name").sum()),
            "county_code_changed": int(county.get("no_polygon", 0)),
            "county_no_coordinate": int(county.get("no_coordinate", 0)),
            "county_seat_outside": int(county.get("outside", 0)),
            "towns": len(self.towns),
            "town_inside": int(town.get("inside", 0)),
            "town_no_coordinate": int(town.get("no_coordinate", 0)),
            "town_county_without_polygon": int(town.get("no_polygon", 0)),
            "town_outside": int(town.get("outside", 0)),
        }


def county_matches(codes: Iterable[str]) -> pd.DataFrame:
    """Match 6-digit table codes to fast-geocn polygons: by code, else by name in the prefecture.

    Returns
    -------
    pandas.DataFrame
        Indexed by the 6-digit code: ``gb`` (9 digits or ``""``) and ``match``
        (``code``, ``name`` or ``none``).

    Examples
    --------
    >>> county_matches(["140921", "140211"]).to_dict("index")
    {'140921': {'gb': '156140921', 'match': 'code'}, '140211': {'gb': '', 'match': 'none'}}

    """
    from transnet.region import district_table

    districts = district_table().drop_duplicates("gb")
    known = set(districts["gb"])
    by_name = districts.assign(prefix=districts["gb"].str[3:7]).set_index(["prefix", "name"])
    by_name = by_name[~by_name.index.duplicated(keep=False)]["gb"]
    table = places_table().counties
    rows = {}
    for code in codes:
        gb = f"156{code}"
        if gb in known:
            rows[code] = {"gb": gb, "match": "code"}
            continue
        name = table.loc[code, "name"] if code in table.index else None
        other = by_name.get((code[:4], name))
        rows[code] = {"gb": other, "match": "name"} if other else {"gb": "", "match": "none"}
    return pd.DataFrame.from_dict(rows, orient="index", columns=["gb", "match"])


def _status(points_lon, points_lat, polygons) -> np.ndarray:
    has_xy = np.isfinite(points_lon) & np.isfinite(points_lat)
    has_polygon = ~shapely.is_missing(polygons)
    status = np.where(has_polygon, np.where(has_xy, "outside", "no_coordinate"), "no_polygon")
    both = has_xy & has_polygon
    shapely.prepare(polygons[both])
    inside = shapely.contains_xy(polygons[both], points_lon[both], points_lat[both])
    status[np.flatnonzero(both)[inside]] = "inside"
    return status


def check_table() -> TableCheck:
    """Check every county seat and town centre of the table against its county polygon.

    A county resolves to fast-geocn's polygon of ``156`` + its code, else (code changed since
    2016) to the unit of the same name in the same prefecture, else to none.

    Returns
    -------
    TableCheck

    Examples
    --------
    >>> check = check_table()  # doctest: +SKIP
    >>> check.counties.set_index("name").loc["保德县", "status"]  # doctest: +SKIP
    'outside'

    """
    from transnet.region import district_table

    table = places_table()
    counties = table.counties[["county_code", "name", "lon", "lat"]].copy()
    matches = county_matches(counties["county_code"])
    counties["gb"] = matches["gb"].to_numpy()
    counties["match"] = matches["match"].to_numpy()
    shapes = district_table().drop_duplicates("gb").set_index("gb").geometry
    by_county = counties["gb"].map(lambda gb: shapes.get(gb) if gb else None)
    counties["status"] = _status(
        counties["lon"].to_numpy(), counties["lat"].to_numpy(), by_county.to_numpy()
    )
    towns = table.towns[["code", "county_code", "name", "kind", "lon", "lat"]].copy()
    town_shapes = towns["county_code"].map(by_county).to_numpy()
    towns["status"] = _status(towns["lon"].to_numpy(), towns["lat"].to_numpy(), town_shapes)
    return TableCheck(counties=counties.reset_index(drop=True), towns=towns)
