"""Every default of transnet in one place, each with its unit in its name.

Functions take these as keyword defaults and the targets file (``params``, ``travel:``) can
override the ones a user may want to change. Change a default here, never by copying its value.

Examples
--------
>>> from transnet import options
>>> options.ACCESS_SPEED_KMH, options.MAX_SNAP_M, options.RAMP_MAX_M
(20.0, 5000.0, 3000.0)
"""

from __future__ import annotations

__all__ = [
    "ACCESS_SPEED_KMH",
    "BELOW_4_DESIGN_SPEED_KMH",
    "CARD_MAX_INVESTMENT_100M_CNY",
    "CARD_MAX_LENGTH_KM",
    "CARD_OPENED_RANGE",
    "COUNTY_RULE",
    "DESIGN_SPEED_RANGE_KMH",
    "DUAL_CARRIAGEWAY_GAP_M",
    "GRADE1_COUNTY_WITHIN_M",
    "INTERCHANGE_SNAP_M",
    "MAX_LANES",
    "MAX_SNAP_LIMIT_M",
    "MAX_SNAP_M",
    "NETWORK_MIN_COUNTY_SHARE",
    "NETWORK_MIN_SHARE_INSIDE",
    "OSM_MARGIN_KM",
    "PHASING_BASE_YEAR",
    "PHASING_HORIZON_YEAR",
    "PHASING_MAX_YEARS",
    "PLACE_GRADE_WITHIN_M",
    "PLAN_CARD_OUTSIDE_WARN_KM",
    "PLAN_LENGTH_TOLERANCE",
    "PLAN_MATCH_BUFFER_M",
    "PLAN_MATCH_SHARE",
    "PLAN_MAX_ANGLE_DEG",
    "PLAN_SNAP_M",
    "PLAN_SNAP_WARN_SHARE",
    "PLAN_WARN_FREE_ENDS",
    "PROJECTED_LOOK_SHARE",
    "RAI_GRADE",
    "RAI_WITHIN_M",
    "RAMP_MAX_M",
    "ROAD_LAYER_JOIN_M",
    "SANE_MAXSPEED_KMH",
    "SEAT_MOVE_MAX_M",
    "SEAT_WITHIN_KM",
    "SEAT_WITHIN_MIN",
    "SPLIT_MIN_M",
    "TARGET_MAX_WITHIN_KM",
    "TARGET_MAX_WITHIN_MIN",
    "TOWNSHIP_KINDS",
    "TOWNSHIP_SUFFIXES",
    "TOWNSHIP_TARGET_KINDS",
]

#: Speed of the off-network leg from a place to the road it snaps to (walking a track, a lane).
ACCESS_SPEED_KMH = 20.0
#: Places farther than this from any road they may snap to are unreachable (never dropped).
MAX_SNAP_M = 5000.0
#: OSM ``maxspeed`` values outside this range are ignored in favour of the grade's design speed.
SANE_MAXSPEED_KMH = (5.0, 130.0)
#: An interchange is joined by a ramp to the nearest ordinary road within this distance.
RAMP_MAX_M = 3000.0
#: A new plan link's ends snap to a node of its layer within this distance.
PLAN_SNAP_M = 2000.0
#: Two opposite one-way ways of the same road within this distance are one dual carriageway.
DUAL_CARRIAGEWAY_GAP_M = 60.0
#: ``transnet build`` fetches OSM roads this far around the region.
OSM_MARGIN_KM = 5.0

#: 县县通高速 by default: the county seat within 30 minutes of an interchange (「30分钟上高速」).
COUNTY_RULE = "seat_within_min"
SEAT_WITHIN_MIN = 30.0
SEAT_WITHIN_KM = 30.0
#: A county seat from the places table lying outside its county polygon by at most this much
#: (a riverside seat, a generalised boundary) is moved to the nearest point inside; farther
#: (a government seated outside its county), the polygon's representative point is used.
SEAT_MOVE_MAX_M = 1000.0
#: A county seat is on a grade-1 road when one is within this network distance.
GRADE1_COUNTY_WITHIN_M = 5000.0
#: A township or point of interest is on a road of the required grade within this distance.
PLACE_GRADE_WITHIN_M = 1000.0
#: Rural Access Index: the share of places within 2 km of an all-season road (World Bank, 2016).
RAI_WITHIN_M = 2000.0
RAI_GRADE = "3"

#: An interchange point may lie this far from the expressway line it is placed on.
INTERCHANGE_SNAP_M = 300.0
#: A road is cut only where the cut is farther than this from its ends (and a vertex is inserted
#: only this far from existing ones): closer, the existing node is used.
SPLIT_MIN_M = 1.0
#: Existing edges within this distance of an upgrade or widening card's line lie "along" it.
PLAN_MATCH_BUFFER_M = 500.0
#: An edge is changed by an upgrade or widening card when this share of its length lies along
#: the card; a ``new`` card is already in the base network when this share of it does.
PLAN_MATCH_SHARE = 0.8
#: An edge runs the card's way when within this angle of the card's local direction.
PLAN_MAX_ANGLE_DEG = 30.0
#: A plan link end snapped farther than this share of :data:`PLAN_SNAP_M` gets a warning.
PLAN_SNAP_WARN_SHARE = 0.5
#: A card's ``length_km`` may differ from its geometry's length by this share.
PLAN_LENGTH_TOLERANCE = 0.25
#: Name endings that mark a township seat (乡镇) among OSM place nodes: 镇 (town) and 乡 (township).
TOWNSHIP_SUFFIXES: tuple[str, ...] = ("镇", "乡")
#: The values of a townships file's ``kind`` column: township-level units by type (乡级行政区).
TOWNSHIP_KINDS: tuple[str, ...] = ("乡", "民族乡", "镇", "街道", "其他")
#: The kinds that township targets (二级公路覆盖…乡镇, 乡镇通三级…) count: 乡, 民族乡 and 镇.
#: 街道 (urban sub-districts) and others are kept as places but left out; a target's
#: ``params: {kinds: [...]}`` changes this. Places without a kind always count.
TOWNSHIP_TARGET_KINDS: tuple[str, ...] = ("乡", "民族乡", "镇")

#: A network is refused for a region when less than this share of its length lies within the
#: region's outline buffered by :data:`OSM_MARGIN_KM` (a network of another place).
NETWORK_MIN_SHARE_INSIDE = 0.5
#: ... or when fewer than this share of the region's counties have a road of it.
NETWORK_MIN_COUNTY_SHARE = 0.5
#: A plan card partly outside the region gets a warning when a point of it lies farther than
#: this beyond the region's outline (a link to a neighbouring network is normal; a card running
#: far away is likely a wrong coordinate). A card with no part inside the region is refused.
PLAN_CARD_OUTSIDE_WARN_KM = 50.0

# Sane ranges of input numbers (issue 10): a value outside is a typo or a wrong unit, refused
# with an error naming the file, the record and the field.
#: Design speeds of plan cards, grade tables and ``travel:`` speeds, km/h (China's highest is 120).
DESIGN_SPEED_RANGE_KMH = (5.0, 160.0)
#: Longest plan card, km (a province's longest expressway is under 2,000 km).
CARD_MAX_LENGTH_KM = 3000.0
#: Largest investment of one plan card, 亿元 (100 million CNY).
CARD_MAX_INVESTMENT_100M_CNY = 100_000.0
#: Most lanes of a road, both directions.
MAX_LANES = 16
#: Years a card may open in.
CARD_OPENED_RANGE = (1900, 2100)
#: Phasing (issue 13): the network of each year from the base year (the announcement's, 2022)
#: to the plan's horizon (its targets are for 2025) is built and evaluated.
PHASING_BASE_YEAR = 2022
PHASING_HORIZON_YEAR = 2025
#: Most years from the base year to the horizon, both counted.
PHASING_MAX_YEARS = 50
#: Largest distance threshold of a target's ``params``, km (and metres, ``within_m``).
TARGET_MAX_WITHIN_KM = 1000.0
#: Largest time threshold of a target's ``params``, minutes (a day).
TARGET_MAX_WITHIN_MIN = 1440.0
#: Largest ``travel: max_snap_m``, metres.
MAX_SNAP_LIMIT_M = 100_000.0
#: Share of a file's coordinates that must be outside ±180°/±90° before it "looks projected";
#: below it the first bad feature is named.
PROJECTED_LOOK_SHARE = 0.5

# Interchanges (issue 11): junction nodes, ramps and their ends form one physical interchange.
#: Two ramp clusters of the same kind (access or hub) that touch the same expressway (same
#: ``ref``, else ``name``) are one interchange when a node of one lies within this straight-line
#: distance of a node of the other: the ramps of a diamond or a trumpet on a dual carriageway
#: meet the carriageways up to about a kilometre apart, while China's design rules space
#: interchanges at least 4 km apart outside cities.
INTERCHANGE_MERGE_M = 1500.0

#: Warn (``TransnetWarning``) about each new or realigned card end left unconnected.
PLAN_WARN_FREE_ENDS = True

# Users' own road layers (issue 12): provincial road databases.
#: Roads below grade 4 (等外公路) travel at this speed when a design-speed table has no
#: ``below_4`` row (never faster than its grade 4 speed).
BELOW_4_DESIGN_SPEED_KMH = 20.0
#: A road database has no ramps: a road whose end lies this close to an expressway line, or a
#: vertex the two share, is where it joins the expressway (an access interchange; two
#: expressways: a hub). Lines that merely cross pass over or under each other.
ROAD_LAYER_JOIN_M = 5.0

# Scenario sweeps and prioritising (issue 13).
#: How long to wait for an existing Dask scheduler (``--scheduler``) before giving up, seconds.
DASK_CONNECT_TIMEOUT_S = 5.0
#: Steps of the cost–targets frontier: this many budgets from the cheapest card to the plan's cost.
FRONTIER_STEPS = 8
#: Two target values closer than this are equal when the exact and greedy answers are compared.
VALUE_TOLERANCE = 1e-9
#: Most times the exact model is solved again after its answer re-evaluates short of its promise.
PRIORITISE_MAX_ROUNDS = 5
#: ``transnet run`` and the maps rank the projects only when the value table costs at most this
#: many edge-evaluations (evaluations × edges of the "after" network); bigger studies get the
#: ranking from ``transnet prioritise`` (or ``Study.projects``), so ``run`` stays quick.
REPORT_PROJECT_VALUES_MAX_EDGE_EVALUATIONS = 2_000_000
