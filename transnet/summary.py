"""One source for what a reader sees of a study: caveats, headline figures, county and place tables.

The CLI, the reports, the maps and Jupyter all take their figures and caveats from here, so a
headline number or a caveat is written once.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import geopandas as gpd
import pandas as pd
from pydantic import BaseModel

from transnet.grades import GRADES
from transnet.metrics import ScenarioMetrics
from transnet.targets import LOWER_BOUND_FAMILIES, value_bound

if TYPE_CHECKING:
    from transnet.io.bundle import Bundle
    from transnet.network import RoadNetwork
    from transnet.study import Study

__all__ = [
    "COUNTY_METRICS",
    "KIND_NAMES_EN",
    "HeadlineRow",
    "SeatMinutes",
    "caveats",
    "county_table",
    "data_notes",
    "headline",
    "headline_frame",
    "illustrative_cards",
    "kind_text",
    "lower_bound_families",
    "network_scope",
    "place_table",
    "records_frame",
    "seat_minutes",
    "township_kinds_left_out",
    "township_points",
]

#: Per-county metrics of ``metrics_by_county.csv``, before and after.
COUNTY_METRICS = (
    "length_km",
    "expressway_km",
    "density_per_100km2",
    "expressway_density_per_100km2",
    "crossed",
    "interchanges",
    "seat_to_interchange_km",
    "seat_to_interchange_min",
    "seat_within_km",
    "seat_within_min",
    "covered",
    "seat_to_grade1_km",
    "seat_to_grade1_min",
    "grade1_covered",
)


def illustrative_cards(plan_frame: pd.DataFrame) -> dict[str, list[str]]:
    """Ids of the plan cards that rest on stand-in data.

    Parameters
    ----------
    plan_frame
        :attr:`transnet.plan.Plan.frame`.

    Returns
    -------
    dict
        ``invented``: cards standing in for projects the announcement counts but does not name;
        ``drawn``: announced projects whose alignment is illustrative; ``all``: both.

    Examples
    --------
    >>> cards = illustrative_cards(study.plan.frame)
    >>> cards["invented"][:2], "E8" in cards["all"]
    (['E8', 'N3'], True)

    """
    invented = plan_frame["provenance"] == "illustrative"
    drawn = (plan_frame["geometry_basis"] == "illustrative") & ~invented
    ids = plan_frame["id"]
    return {
        "invented": ids[invented].tolist(),
        "drawn": ids[drawn].tolist(),
        "all": ids[invented | drawn].tolist(),
    }


def _bundle_pois_label(bundle: Bundle, pois: gpd.GeoDataFrame | None) -> str | None:
    """Return the bundle's label for its POIs when the study uses them (not a user's file)."""
    bundle_pois = bundle.path("pois")
    if pois is None or bundle_pois is None or pois.attrs.get("source") != str(bundle_pois):
        return None
    return str(bundle.manifest.get("pois_label", ""))


def data_notes(
    bundle: Bundle, network: RoadNetwork, pois: gpd.GeoDataFrame | None
) -> dict[str, str]:
    """Caveats that travel with the target results resting on approximate data.

    Returns
    -------
    dict
        By requirement: ``network`` (a network without every road makes place coverage a
        lower bound) and ``pois`` (the bundle's approximate points of interest).

    Examples
    --------
    >>> sorted(data_notes(study.bundle, study.before, study.pois))
    ['network', 'pois']

    """
    notes = {}
    completeness = network.metadata.get("completeness")
    if completeness == "osm":
        notes["network"] = (
            "measured on OpenStreetMap, whose rural roads are incomplete and whose grades are "
            "read from highway tags: likely an underestimate, not a proven bound"
        )
    elif completeness != "complete":
        notes["network"] = (
            "measured on a network without every county and township road, so the share is a "
            "lower bound"
        )
    label = _bundle_pois_label(bundle, pois)
    if label is not None:
        notes["pois"] = f"on the bundle's points of interest: {label}"
    return notes


def caveats(study: Study) -> list[str]:
    """Return the data caveats a reader must see: schematic network, illustrative cards.

    Examples
    --------
    >>> caveats(study)[0][:30]
    'The road network is SCHEMATIC:'

    """
    notes = [study.before.metadata["caveat"]] if study.before.metadata.get("caveat") else []
    cards = illustrative_cards(study.plan.frame)
    if cards["invented"]:
        notes.append(
            f"Plan cards {', '.join(cards['invented'])} are ILLUSTRATIVE stand-ins for projects "
            "the announcement counts but does not name."
        )
    if cards["drawn"]:
        notes.append(
            f"The alignments of announced projects {', '.join(cards['drawn'])} are ILLUSTRATIVE: "
            "no public alignment was found, so their lengths inside the zone are estimates."
        )
    label = _bundle_pois_label(study.bundle, study.pois)
    if label is not None:
        notes.append(f"Points of interest ({len(study.pois)}): {label}.")
    bounded = lower_bound_families(study)
    if bounded:
        notes.append(
            "On this trunk-only network, coverage by roads of a grade is a LOWER BOUND ("
            + ", ".join(_FAMILY_LABELS[f] for f in bounded)
            + "): the county and township roads it lacks can only cover more places. A "
            "target such a share meets passes; one it misses is not evaluated."
        )
    left_out = township_kinds_left_out(study)
    if left_out:
        counted = ", ".join(kind_text(k) for k in study.settings.township_grade2.kinds or ())
        notes.append(
            f"Township targets count {counted} only; "
            + ", ".join(f"{n} {kind_text(kind)}" for kind, n in left_out.items())
            + " seats are drawn and listed but not counted (a target's params.kinds changes "
            "this)."
        )
    if (study.plan.frame["investment_basis"] != "announced").any():
        notes.append(
            "Per-project investments are apportioned from the announced class totals, "
            "not announced figures."
        )
    if study.plan.frame.empty:
        notes.append("The plan has no project cards: 'after' is the base network.")
    attribution = study.bundle.manifest.get("attribution")
    if attribution:
        notes.append(f"Sources: {attribution}.")
    return notes


#: English for each township kind, beside the Chinese, where readers may lack the script.
KIND_NAMES_EN = {
    "乡": "township",
    "民族乡": "ethnic township",
    "镇": "town",
    "街道": "urban sub-district",
    "其他": "other",
}


def kind_text(kind: str) -> str:
    """Return a township kind with its English name.

    Examples
    --------
    >>> kind_text("街道")
    '街道 (urban sub-district)'

    """
    english = KIND_NAMES_EN.get(kind)
    return f"{kind} ({english})" if english else kind


_FAMILY_LABELS = {
    "county_grade1_coverage": "county seats on grade-1 roads",
    "township_grade2_coverage": "townships on grade-2 roads",
    "township_grade3_coverage": "townships on grade-3 roads",
    "poi_grade2_coverage": "points of interest on grade-2 roads",
    "rai": "Rural Access Index",
}


def lower_bound_families(study: Study) -> list[str]:
    """Return the metric families the study computed whose values are lower bounds.

    On a trunk-only network, coverage by roads of a grade (see
    :func:`transnet.targets.value_bound`); none on a complete network.

    Examples
    --------
    >>> lower_bound_families(study)  # doctest: +NORMALIZE_WHITESPACE
    ['county_grade1_coverage', 'township_grade2_coverage', 'township_grade3_coverage',
     'poi_grade2_coverage', 'rai']

    """
    completeness = str(study.before.metadata.get("completeness", "complete"))
    after = study.metrics["after"]
    return [
        family
        for family in LOWER_BOUND_FAMILIES
        if getattr(after, family) is not None
        and value_bound(f"{family}.share", completeness) == "lower_bound"
    ]


def township_kinds_left_out(study: Study) -> dict[str, int]:
    """Count the township seats, by kind, that the township targets do not count (街道 …).

    Examples
    --------
    >>> township_kinds_left_out(study)  # the bundle's urban sub-districts
    {'街道': 30}

    """
    records = study.metrics["after"].townships or []
    left_out: dict[str, int] = {}
    for record in records:
        if not record.counted.get("township_grade2", True):
            left_out[str(record.kind)] = left_out.get(str(record.kind), 0) + 1
    return left_out


@dataclass(frozen=True)
class SeatMinutes:
    """Minutes from the county seats to their nearest interchange, in one scenario.

    An unreachable seat makes the worst case infinite (``math.inf``): it is never left out of
    the worst case, and never averaged.

    Attributes
    ----------
    mean_min
        Mean over the reachable seats (None if none is reachable).
    worst_min
        The largest, ``inf`` if a seat is unreachable.
    unreachable
        How many seats cannot reach an interchange.

    Examples
    --------
    >>> minutes = seat_minutes(study.metrics["before"])
    >>> minutes.unreachable, minutes.worst_min >= minutes.mean_min
    (0, True)

    """

    mean_min: float | None
    worst_min: float | None
    unreachable: int


def seat_minutes(metrics: ScenarioMetrics) -> SeatMinutes:
    """Summarise the seats' minutes to an interchange (see :class:`SeatMinutes`).

    Examples
    --------
    >>> seat_minutes(study.metrics["after"]).unreachable
    0

    """
    minutes = [r.seat_to_interchange_min for r in metrics.counties]
    reachable = [m for m in minutes if m is not None]
    unreachable = len(minutes) - len(reachable)
    if not reachable:
        return SeatMinutes(None, math.inf if minutes else None, unreachable)
    worst = math.inf if unreachable else max(reachable)
    return SeatMinutes(sum(reachable) / len(reachable), worst, unreachable)


@dataclass(frozen=True)
class HeadlineRow:
    """One headline figure before and after the plan.

    Attributes
    ----------
    key
        A stable name (``expressway_density_per_100km2`` …).
    label
        What a reader sees.
    unit
        The unit of ``before`` and ``after``.
    before, after
        The figures (None: not computed; ``inf``: unreachable).
    total
        For counts of counties: how many there are.

    Examples
    --------
    >>> row = HeadlineRow("x", "Expressway km", "km", 100.0, 150.0)
    >>> row.change
    50.0

    """

    key: str
    label: str
    unit: str
    before: float | None
    after: float | None
    total: int | None = None

    @property
    def change(self) -> float | None:
        """After minus before; None when either is missing or infinite.

        Examples
        --------
        >>> HeadlineRow("x", "x", "min", 5.0, math.inf).change is None
        True

        """
        if self.before is None or self.after is None:
            return None
        if math.isinf(self.before) or math.isinf(self.after):
            return None
        return self.after - self.before


def _rule_text(study: Study) -> str:
    settings = study.settings
    rule = settings.county_rule
    if rule == "seat_within_km":
        return f"seat ≤ {settings.seat_within_km:g} km from an interchange"
    if rule == "seat_within_min":
        return f"seat ≤ {settings.seat_within_min:g} min from an interchange"
    if rule == "interchange_inside":
        return "an interchange inside"
    return "crossed by an expressway"


def _criterion_text(study: Study) -> str:
    criterion = study.settings.county_grade1
    if criterion.within_m is not None:
        return f"seat ≤ {criterion.within_m / 1000:g} km from one"
    return f"seat ≤ {criterion.within_min:g} min from one"


def network_scope(network: RoadNetwork) -> str:
    """Name what a network's total length covers, by its ``completeness``.

    The total of every class is "every public road" only on a complete network; on a bundle
    holding trunk roads only it is the trunk network, and on OpenStreetMap it is every road
    the network holds, a lower bound of the real total.

    Examples
    --------
    >>> network_scope(study.before)
    'trunk network (the roads the bundle holds)'

    """
    completeness = network.metadata.get("completeness")
    if completeness == "complete":
        return "every public road"
    if completeness == "trunk_only":
        return "trunk network (the roads the bundle holds)"
    if completeness == "osm":
        return "all roads in the network (OpenStreetMap: rural roads incomplete, a lower bound)"
    return "all roads in the network"


def headline(study: Study) -> list[HeadlineRow]:
    """Return the headline figures of a study, before and after the plan.

    Examples
    --------
    >>> rows = headline(study)
    >>> [row.key for row in rows][:3]
    ['expressway_km', 'expressway_density_per_100km2', 'trunk_density_per_100km2']

    """
    before, after = study.metrics["before"], study.metrics["after"]

    def trunk(metrics: ScenarioMetrics) -> float:
        return sum(metrics.density_per_100km2[g] for g in ("expressway", "1", "2"))

    minutes = seat_minutes(before), seat_minutes(after)
    lost = minutes[0].unreachable or minutes[1].unreachable
    reach = (
        f"; unreachable seats: {minutes[0].unreachable} before, {minutes[1].unreachable} after"
        if lost
        else ""
    )
    counties = len(before.counties)
    return [
        HeadlineRow(
            "expressway_km",
            "Expressway length",
            "km",
            before.length_km["expressway"],
            after.length_km["expressway"],
        ),
        HeadlineRow(
            "expressway_density_per_100km2",
            "Expressway density",
            "km/100 km²",
            before.density_per_100km2["expressway"],
            after.density_per_100km2["expressway"],
        ),
        HeadlineRow(
            "trunk_density_per_100km2",
            "Trunk-road density: expressway + grades 1–2",
            "km/100 km²",
            trunk(before),
            trunk(after),
        ),
        HeadlineRow(
            "density_per_100km2",
            f"Road density, {network_scope(study.before)}",
            "km/100 km²",
            before.density_per_100km2["total"],
            after.density_per_100km2["total"],
        ),
        HeadlineRow(
            "counties_on_expressway",
            f"Counties on an expressway ({_rule_text(study)})",
            "counties",
            before.county_expressway_coverage.covered,
            after.county_expressway_coverage.covered,
            total=counties,
        ),
        HeadlineRow(
            "counties_on_grade1",
            f"Counties on a grade-1 road ({_criterion_text(study)})",
            "counties",
            before.county_grade1_coverage.covered,
            after.county_grade1_coverage.covered,
            total=counties,
        ),
        HeadlineRow(
            "seat_to_interchange_mean_min",
            f"Mean minutes, county seat → nearest interchange{reach}",
            "min",
            minutes[0].mean_min,
            minutes[1].mean_min,
        ),
        HeadlineRow(
            "seat_to_interchange_worst_min",
            "Worst minutes, county seat → nearest interchange",
            "min",
            minutes[0].worst_min,
            minutes[1].worst_min,
        ),
    ]


def headline_frame(study: Study) -> pd.DataFrame:
    """Return :func:`headline` as a table: ``label``, ``unit``, ``before``, ``after``, ``change``.

    Examples
    --------
    >>> headline_frame(study).loc["expressway_km", "unit"]
    'km'

    """
    rows = headline(study)
    return pd.DataFrame(
        {
            "label": [r.label for r in rows],
            "unit": [r.unit for r in rows],
            "before": [r.before for r in rows],
            "after": [r.after for r in rows],
            "change": [r.change for r in rows],
        },
        index=pd.Index([r.key for r in rows], name="metric"),
    )


def records_frame(records: Sequence[BaseModel]) -> pd.DataFrame:
    """Return typed records (counties, townships, POIs) as a table, nested fields flattened.

    Examples
    --------
    >>> records_frame(study.metrics["after"].pois).columns[:4].tolist()
    ['name', 'snap_m', 'unreachable', 'code']

    """
    return pd.json_normalize([record.model_dump() for record in records])


def county_table(study: Study) -> pd.DataFrame:
    """Return per-county metrics, one row per county, ``<metric>_before`` and ``_after`` columns.

    Returns
    -------
    pandas.DataFrame
        ``code``, ``name``, ``area_km2``, then each of :data:`COUNTY_METRICS` and the density
        by grade, before and after: the table of ``metrics_by_county.csv``.

    Examples
    --------
    >>> table = county_table(study)
    >>> table.columns[:4].tolist()
    ['code', 'name', 'area_km2', 'length_km_before']

    """
    frames = []
    for scenario in ("before", "after"):
        records = study.metrics[scenario].counties
        table = pd.DataFrame([r.model_dump() for r in records]).set_index(["code", "name"])
        by_grade = pd.DataFrame(
            [r.density_per_100km2_by_grade for r in records], index=table.index
        ).add_prefix("density_per_100km2_grade_")
        frames.append(
            pd.concat([table[list(COUNTY_METRICS)], by_grade], axis=1).add_suffix(f"_{scenario}")
        )
    area = pd.Series(
        [r.area_km2 for r in study.metrics["before"].counties],
        index=frames[0].index,
        name="area_km2",
    )
    table = pd.concat([area, *frames], axis=1)
    metrics = [*COUNTY_METRICS, *(f"density_per_100km2_grade_{g}" for g in GRADES)]
    ordered = ["area_km2"] + [f"{m}_{s}" for m in metrics for s in ("before", "after")]
    return table[ordered].reset_index()


def place_table(study: Study, kind: str) -> pd.DataFrame | None:
    """Return per-place records before and after for ``"townships"`` or ``"pois"``, or None.

    Returns
    -------
    pandas.DataFrame or None
        ``name``, with kinds ``code``, ``kind`` and ``<criterion>_counted`` (whether the
        place counts in that share), ``lon``, ``lat``, then per scenario ``snap_m``,
        ``unreachable``, and by grade ``grade<G>_km``, ``grade<G>_min``,
        ``grade<G>_euclidean_km``, ``grade<G>_road`` (the nearest such road in a straight line),
        and ``<criterion>_covered``, each with a ``_before`` or ``_after`` suffix; None when the
        study has no such places.

    Examples
    --------
    >>> place_table(study, "pois").columns[:4].tolist()
    ['name', 'lon', 'lat', 'snap_m_before']
    >>> place_table(study, "townships").columns[:3].tolist()  # the bundle's township seats
    ['name', 'code', 'kind']

    """
    places = getattr(study, kind)
    records_by_scenario = {s: getattr(study.metrics[s], kind) for s in ("before", "after")}
    if places is None or any(r is None for r in records_by_scenario.values()):
        return None
    frames = []
    for scenario, records in records_by_scenario.items():
        rows = []
        for record in records:
            row = {"snap_m": record.snap_m, "unreachable": record.unreachable}
            for grade in record.to_grade_km:
                row[f"grade{grade}_km"] = record.to_grade_km[grade]
                row[f"grade{grade}_min"] = record.to_grade_min[grade]
                row[f"grade{grade}_euclidean_km"] = record.euclidean_km[grade]
                if grade in record.road:
                    row[f"grade{grade}_road"] = record.road[grade]
            row.update({f"{k}_covered": v for k, v in record.covered.items()})
            rows.append(row)
        frames.append(pd.DataFrame(rows).add_suffix(f"_{scenario}"))
    points = places.geometry
    base = pd.DataFrame({"name": places["name"].to_numpy()})
    first = records_by_scenario["after"]
    if any(r.code is not None for r in first):
        base["code"] = [r.code for r in first]
    if any(r.kind is not None for r in first):
        base["kind"] = [r.kind for r in first]
        for criterion in first[0].counted if first else ():
            base[f"{criterion}_counted"] = [r.counted[criterion] for r in first]
    base["lon"], base["lat"] = points.x.round(6).to_numpy(), points.y.round(6).to_numpy()
    return pd.concat([base.reset_index(drop=True), *frames], axis=1)


def _distance_text(km: float | None) -> str:
    if km is None:
        return "unreachable"
    return f"{km * 1000:,.0f} m" if km < 1 else f"{km:,.2f} km"


def township_points(study: Study, scenario: str) -> gpd.GeoDataFrame | None:
    """Return the township seats of one scenario as the maps draw them, or None without any.

    Each seat's ``status`` follows the township grade-2 target's criterion
    (:attr:`MetricSettings.township_grade2 <transnet.metrics.MetricSettings>`): ``covered``,
    ``not_covered``, or ``not_counted`` for a kind the targets leave out (街道 …).

    Returns
    -------
    geopandas.GeoDataFrame or None
        ``name``, ``code``, ``kind``, ``status``, ``to_road_m`` and ``to_road_min`` (to a
        road of the criterion's grade or better, along the network; None: unreachable),
        ``road`` (the nearest such road in a straight line), ``criterion`` (its text), and
        ``bound`` (``lower_bound`` on a trunk-only network, else ``exact``); points in WGS-84.

    Examples
    --------
    >>> points = township_points(study, "after")  # the bundle's 141 towns
    >>> len(points), points["kind"].value_counts().to_dict()
    (141, {'乡': 71, '镇': 40, '街道': 30})

    """
    records = study.metrics[scenario].townships
    if study.townships is None or not records:
        return None
    criterion = study.settings.township_grade2
    grade = criterion.grade
    within = (
        f"{criterion.within_m:,.0f} m"
        if criterion.within_m is not None
        else f"{criterion.within_min:g} min"
    )
    completeness = str(study.before.metadata.get("completeness", "complete"))
    bound = value_bound("township_grade2_coverage.share", completeness)
    rows = []
    for record in records:
        km = record.to_grade_km.get(grade)
        if not record.counted.get("township_grade2", True):
            status = "not_counted"
        elif record.covered.get("township_grade2"):
            status = "covered"
        else:
            status = "not_covered"
        rows.append(
            {
                "name": record.name,
                "code": record.code,
                "kind": record.kind,
                "status": status,
                "to_road_m": None if km is None else round(km * 1000, 1),
                "to_road_text": _distance_text(km),
                "to_road_min": record.to_grade_min.get(grade),
                "road": record.road.get(grade),
                "criterion": f"grade {grade} or better within {within}",
                "bound": bound,
            }
        )
    return gpd.GeoDataFrame(
        pd.DataFrame(rows), geometry=study.townships.geometry.to_numpy(), crs=study.townships.crs
    ).to_crs("EPSG:4326")
