"""Plan project cards: schema, validation, and applying a whole plan to a base network.

A card is one GeoJSON feature. Applying a plan (:func:`apply_plan`) works in bulk:

- ``new`` and ``realign`` cards add their line; each end is snapped to the nearest existing node
  of the same layer (expressway or ordinary) within ``snap_tolerance_m``, and the snap distance is
  reported. A ``new`` card whose line already lies along existing roads of its class (such as a
  ring road opened before the base network was drawn) is reported ``already_in_base`` and not
  added, so it is never counted twice. A ``realign`` card (city by-pass) adds the new alignment
  and keeps the old one, which stays a public road.
- ``upgrade`` and ``widen`` cards change the grade or lanes of the existing edges that lie along
  them (at least ``match_share`` of an edge's length within ``match_buffer_m``, running the
  card's way, with a fitting ``ref``); an upgraded edge drops its posted OSM ``maxspeed``, so
  its travel time follows the new grade's design speed (or the card's ``design_speed_kmh``).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from shapely.geometry import LineString, Point

from transnet._errors import InputError, expect_type
from transnet._progress import progress
from transnet.crs import PROJECTED_CRS
from transnet.grades import grade_rank, normalize_grade, parse_refs
from transnet.io.files import read_features
from transnet.network import RoadNetwork
from transnet.network.model import EXPRESSWAY_LAYER, ORDINARY_LAYER, NetworkBuilder, insert_vertex

__all__ = ["ACTIONS", "Plan", "PlanResult", "ProjectCard", "apply_plan", "load_plan"]

#: What a card does to the network.
ACTIONS = ("new", "widen", "upgrade", "realign")
#: Largest angle between an existing edge and a card's line for the edge to run "along" it.
_MAX_ANGLE_DEG = 30.0
#: Largest allowed mismatch between a card's ``length_km`` and its geometry's length.
LENGTH_TOLERANCE = 0.25


class PlannedInterchange(BaseModel):
    """An interchange a new expressway card will open."""

    model_config = ConfigDict(extra="forbid")

    name: str
    lon: float = Field(ge=-180, le=180)
    lat: float = Field(ge=-90, le=90)


class ProjectCard(BaseModel):
    """The properties of one plan project card (its geometry is kept beside it).

    Examples
    --------
    >>> card = ProjectCard(id="N1", name="G108 升级改造", **{"class": "national_provincial"},
    ...     action="upgrade", length_km=50, length_basis="estimated", investment_100m_cny=40,
    ...     investment_basis="apportioned", status="planned", grade="1", provenance="announced")
    >>> card.grade
    '1'

    """

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    id: str
    name: str
    class_: Literal["expressway", "national_provincial"] = Field(alias="class")
    action: Literal["new", "widen", "upgrade", "realign"]
    length_km: float = Field(gt=0)
    length_basis: Literal["announced", "estimated"] = "estimated"
    investment_100m_cny: float = Field(ge=0)
    investment_basis: Literal["announced", "apportioned", "estimated"] = "estimated"
    status: str
    opened: int | None = None
    grade: str
    lanes: int | None = Field(default=None, gt=0)
    ref: str = ""
    provenance: Literal["announced", "illustrative"]
    geometry_basis: Literal["surveyed", "schematic", "illustrative"] = "schematic"
    design_speed_kmh: float | None = Field(default=None, gt=0)
    source: str = ""
    interchanges: list[PlannedInterchange] = Field(default_factory=list)

    @field_validator("grade", mode="before")
    @classmethod
    def _grade(cls, value: object) -> str:
        return normalize_grade(value)

    @field_validator("ref", mode="before")
    @classmethod
    def _ref(cls, value: object) -> str:
        return "" if value is None else str(value)


_CARD_FIELDS = sorted(
    {f.alias or name for name, f in ProjectCard.model_fields.items()} | {"geometry"}
)


@dataclass
class Plan:
    """A set of project cards with their geometries.

    Attributes
    ----------
    cards
        The validated cards, in file order.
    frame
        GeoDataFrame in WGS-84, one row per card, columns as the card fields.
    path
        The file the plan came from.

    Examples
    --------
    >>> from transnet.io.bundle import load_bundle
    >>> plan = load_plan(load_bundle("taixin").path("plan"))
    >>> plan.cards[0].id, plan.cards[0].action
    ('E1', 'new')
    >>> plan.frame[["id", "class", "action"]].head(2)
       id       class action
    0  E1  expressway    new
    1  E2  expressway    new

    """

    cards: list[ProjectCard]
    frame: gpd.GeoDataFrame
    path: str | None = None

    def totals_by_class(self) -> pd.DataFrame:
        """Count projects and add up km and 亿元 per class.

        Returns
        -------
        pandas.DataFrame
            Indexed by class: ``projects``, ``length_km``, ``investment_100m_cny``.

        Examples
        --------
        >>> from transnet.io.bundle import load_bundle
        >>> totals = load_plan(load_bundle("taixin").path("plan")).totals_by_class()
        >>> totals[["projects", "investment_100m_cny"]]
                             projects  investment_100m_cny
        class
        expressway                  8                812.0
        national_provincial        13                497.0

        """
        return self.frame.groupby("class").agg(
            projects=("id", "size"),
            length_km=("length_km", "sum"),
            investment_100m_cny=("investment_100m_cny", "sum"),
        )


def load_plan(path: str | Path) -> Plan:
    """Read and validate project cards from a GeoJSON (or GPKG) file.

    Parameters
    ----------
    path
        One feature per card, LineString geometry, properties as :class:`ProjectCard`.

    Returns
    -------
    Plan

    Raises
    ------
    InputError
        Naming the file, the card id and the field: a card with no geometry, an unknown grade or
        action, an unknown field (with a "did you mean" hint), a ``length_km`` more than 25 % off
        its geometry's length, duplicate ids, or a file with no CRS.

    Examples
    --------
    >>> from transnet.io.bundle import load_bundle
    >>> len(load_plan(load_bundle("taixin").path("plan")).cards)
    21

    """
    expect_type(path, (str, Path), "path")
    path = Path(path)
    frame = read_features(path)
    cards: list[ProjectCard] = []
    for number, (properties, geometry) in enumerate(
        zip(frame.drop(columns="geometry").to_dict("records"), frame.geometry, strict=True)
    ):
        record = str(_plain(properties.get("id")) or f"feature #{number + 1}")
        properties = {k: _plain(v) for k, v in properties.items() if _plain(v) is not None}
        for name in properties:
            if name not in _CARD_FIELDS:
                hint = difflib.get_close_matches(name, _CARD_FIELDS, n=1)
                suggestion = f"; did you mean '{hint[0]}'?" if hint else ""
                raise InputError(
                    f"unknown field{suggestion} (known fields: {', '.join(_CARD_FIELDS)})",
                    path=path,
                    record=record,
                    field=name,
                )
        try:
            card = ProjectCard.model_validate(properties)
        except ValidationError as exc:
            error = exc.errors()[0]
            field = ".".join(str(p) for p in error["loc"]) or None
            raise InputError(error["msg"], path=path, record=record, field=field) from None
        if geometry is None or geometry.is_empty:
            raise InputError("card has no geometry", path=path, record=record, field="geometry")
        if geometry.geom_type != "LineString":
            raise InputError(
                f"geometry is {geometry.geom_type}; expected LineString",
                path=path,
                record=record,
                field="geometry",
            )
        cards.append(card)
    if not cards:
        raise InputError("the plan has no project cards", path=path)
    ids = [c.id for c in cards]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise InputError("duplicate card id", path=path, record=duplicates[0], field="id")
    table = pd.DataFrame([c.model_dump(by_alias=True) for c in cards])
    plan_frame = gpd.GeoDataFrame(table, geometry=list(frame.geometry), crs=frame.crs)
    geometry_km = plan_frame.to_crs(PROJECTED_CRS).length / 1000
    for card, measured in zip(cards, geometry_km, strict=True):
        if abs(card.length_km - measured) > LENGTH_TOLERANCE * measured:
            raise InputError(
                f"length_km {card.length_km:g} is {abs(card.length_km / measured - 1):.0%} off the "
                f"geometry's length {measured:.1f} km; expected within {LENGTH_TOLERANCE:.0%}",
                path=path,
                record=card.id,
                field="length_km",
            )
    plan_frame["geometry_km"] = geometry_km.to_numpy()
    return Plan(cards=cards, frame=plan_frame, path=str(path))


def _plain(value: Any) -> Any:
    """Turn pandas' missing values into None and numpy scalars into Python ones."""
    if isinstance(value, (list, dict)):
        return value
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    return value.item() if hasattr(value, "item") else value


@dataclass
class PlanResult:
    """The "after" network and what each card did to it.

    Attributes
    ----------
    network
        The base network with the plan applied.
    log
        One row per card: ``id``, ``action``, ``outcome`` (``added``, ``already_in_base``,
        ``modified``, ``no_match``), ``edges_added``, ``edges_modified``, ``length_added_km``,
        ``start_snap_m``, ``end_snap_m`` (NaN where the end was left free) and ``note``.

    Examples
    --------
    >>> from transnet.io.bundle import load_bundle
    >>> from transnet.study import load_bundle_network
    >>> bundle = load_bundle("taixin")
    >>> result = apply_plan(load_bundle_network(bundle), load_plan(bundle.path("plan")))
    >>> result.log.loc[:1, ["id", "action", "outcome", "edges_added"]]
       id action          outcome  edges_added
    0  E1    new            added            5
    1  E2    new  already_in_base            0
    >>> result.network.metadata["scenario"]
    'after'

    """

    network: RoadNetwork
    log: pd.DataFrame


def apply_plan(
    network: RoadNetwork,
    plan: Plan,
    *,
    snap_tolerance_m: float = 2000.0,
    match_buffer_m: float = 500.0,
    match_share: float = 0.8,
    ramp_max_m: float = 3000.0,
) -> PlanResult:
    """Apply every card of ``plan`` to ``network`` and return the "after" network.

    Parameters
    ----------
    network
        The base ("before") network; it is not modified.
    plan
        The project cards.
    snap_tolerance_m
        Largest distance from a new line's end to the node it is snapped to.
    match_buffer_m
        Buffer around a card's line within which existing edges are "along" it.
    match_share
        Share of an edge's length (or, for ``new`` cards, of the card's length) that must lie
        within the buffer.
    ramp_max_m
        Largest ramp length from a planned interchange to the ordinary network.

    Returns
    -------
    PlanResult

    Examples
    --------
    >>> from transnet.io.bundle import load_bundle
    >>> from transnet.study import load_bundle_network
    >>> bundle = load_bundle("taixin")
    >>> before = load_bundle_network(bundle)
    >>> result = apply_plan(before, load_plan(bundle.path("plan")))
    >>> len(result.network.edges) > len(before.edges)
    True
    >>> sorted(result.log["outcome"].unique())
    ['added', 'already_in_base', 'modified']
    >>> edges = result.network.edges
    >>> edges.loc[edges["project_id"] == "E1", "source"].iloc[0]
    'plan card E1 (announced)'

    """
    expect_type(network, RoadNetwork, "network")
    expect_type(plan, Plan, "plan")
    builder = NetworkBuilder.from_network(network)
    card_lines = plan.frame.to_crs(network.crs)
    # Cut roads where upgrade and widening cards end, so a card covering part of a long edge
    # changes that part only.
    for card, line in zip(plan.cards, card_lines.geometry, strict=True):
        if card.action in ("upgrade", "widen"):
            for end in (Point(line.coords[0]), Point(line.coords[-1])):
                builder.split_near(
                    end, max_distance_m=match_buffer_m, expressway=card.class_ == "expressway"
                )
    edges = builder.edge_frame()
    mainline = (edges["grade"] == "expressway") & ~edges["ramp"]
    log_rows = []
    modified_grade: dict[int, str] = {}
    modified_lanes: dict[int, int] = {}
    modified_by: dict[int, str] = {}
    modified_speed: dict[int, float] = {}
    new_interchanges: list[int] = []

    cards = zip(plan.cards, card_lines.geometry, strict=True)
    for card, line in progress(cards, desc="Applying the plan", total=len(plan.cards), unit="card"):
        expressway = card.class_ == "expressway"
        same_class = (mainline if expressway else ~mainline) & ~edges["ramp"]
        row: dict[str, Any] = {
            "id": card.id,
            "action": card.action,
            "edges_added": 0,
            "edges_modified": 0,
            "length_added_km": 0.0,
            "start_snap_m": np.nan,
            "end_snap_m": np.nan,
            "note": "",
        }
        if card.action in ("upgrade", "widen"):
            matched = _edges_along(edges[same_class], line, match_buffer_m, match_share, card.ref)
            for index in matched:
                current = modified_grade.get(index, edges.at[index, "grade"])
                if grade_rank(card.grade) < grade_rank(current):
                    modified_grade[index] = card.grade
                if card.lanes is not None:
                    current_lanes = modified_lanes.get(index, edges.at[index, "lanes"])
                    if pd.isna(current_lanes) or int(current_lanes) < card.lanes:
                        modified_lanes[index] = card.lanes
                modified_by[index] = card.id
                if card.design_speed_kmh is not None:
                    modified_speed[index] = card.design_speed_kmh
            row["edges_modified"] = len(matched)
            row["outcome"] = "modified" if matched else "no_match"
            if not matched:
                row["note"] = (
                    f"no existing {'expressway' if expressway else 'ordinary road'} runs along "
                    f"the card's line (within {match_buffer_m:.0f} m, same direction, same ref): "
                    "nothing changed"
                )
        elif (
            card.action == "new"
            and _share_along(
                edges[same_class & (edges["grade"].map(grade_rank) <= grade_rank(card.grade))],
                line,
                match_buffer_m,
            )
            >= match_share
        ):
            row["outcome"] = "already_in_base"
            row["note"] = (
                f"at least {match_share:.0%} of the line already runs along existing roads of its "
                "class and grade: not added again"
            )
        else:
            layer = EXPRESSWAY_LAYER if expressway else ORDINARY_LAYER
            coords = np.asarray(line.coords, dtype=float)[:, :2]
            for end, column in ((0, "start_snap_m"), (-1, "end_snap_m")):
                ids, xy = builder.layer_nodes(layer)
                if not len(ids):
                    continue
                distance = np.hypot(*(xy - coords[end]).T)
                nearest = int(np.argmin(distance))
                if distance[nearest] <= snap_tolerance_m:
                    coords[end] = xy[nearest]
                    row[column] = float(distance[nearest])
            interchange_xy = []
            if expressway and card.interchanges:
                planned = gpd.GeoSeries(
                    gpd.points_from_xy(
                        [i.lon for i in card.interchanges], [i.lat for i in card.interchanges]
                    ),
                    crs="EPSG:4326",
                ).to_crs(network.crs)
                for spec, point in zip(card.interchanges, planned, strict=True):
                    coords, at = insert_vertex(coords, LineString(coords).project(point))
                    interchange_xy.append((at, spec.name))
            before_count = len(builder.edge_rows)
            attributes = {
                "name": card.name,
                "ref": card.ref,
                "grade": card.grade,
                "admin_class": "expressway" if expressway else "unknown",
                "lanes": card.lanes or (4 if expressway else 2),
                "opened": card.opened,
                "source": f"plan card {card.id} ({card.provenance})",
                "line_id": card.id,
                "project_id": card.id,
                "ramp": False,
                "design_speed_kmh": card.design_speed_kmh,
            }
            builder.add_line(coords, attributes, layer)
            for at, name in interchange_xy:
                new_interchanges.append(builder.mark_interchange(at[0], at[1], name))
            added = builder.edge_rows[before_count:]
            row["edges_added"] = len(added)
            row["length_added_km"] = sum(e["geometry"].length for e in added) / 1000
            row["outcome"] = "added"
            free = [c for c in ("start_snap_m", "end_snap_m") if np.isnan(row[c])]
            if free:
                kind = "expressway" if expressway else "ordinary"
                ends = " and ".join(c.removesuffix("_snap_m") for c in free)
                row["note"] = f"{ends} left free: no {kind} node within {snap_tolerance_m:.0f} m"
        log_rows.append(row)

    # Before the ramps, which may split edges and so move their positions.
    for index, grade in modified_grade.items():
        builder.edge_rows[index]["grade"] = grade
        # The posted limit belonged to the old road: travel times now follow the new grade's
        # design speed, or the card's own.
        if "maxspeed" in builder.edge_rows[index]:
            builder.edge_rows[index]["maxspeed"] = None
    for index, lanes in modified_lanes.items():
        builder.edge_rows[index]["lanes"] = lanes
    for index, card_id in modified_by.items():
        builder.edge_rows[index]["project_id"] = card_id
    for index, speed in modified_speed.items():
        builder.edge_rows[index]["design_speed_kmh"] = speed
    builder.add_ramps(new_interchanges, ramp_max_m=ramp_max_m)
    after = builder.build({**network.metadata, "scenario": "after", "warnings": []})
    log = pd.DataFrame(log_rows)[
        [
            "id",
            "action",
            "outcome",
            "edges_added",
            "edges_modified",
            "length_added_km",
            "start_snap_m",
            "end_snap_m",
            "note",
        ]
    ]
    return PlanResult(network=after, log=log)


def _aligned(edges: gpd.GeoDataFrame, line: LineString, max_angle_deg: float) -> np.ndarray:
    """Tell which edges run along ``line``: within ``max_angle_deg`` of its local direction."""
    geometries = edges.geometry.values
    start = shapely.get_coordinates(shapely.get_point(geometries, 0))
    end = shapely.get_coordinates(shapely.get_point(geometries, -1))
    at = shapely.line_locate_point(
        line, shapely.line_interpolate_point(geometries, 0.5, normalized=True)
    )
    step = np.minimum(50.0, line.length / 2)
    ahead = shapely.get_coordinates(
        shapely.line_interpolate_point(line, np.minimum(at + step, line.length))
    )
    behind = shapely.get_coordinates(
        shapely.line_interpolate_point(line, np.maximum(at - step, 0.0))
    )
    edge_vector, card_vector = end - start, ahead - behind
    norms = np.hypot(*edge_vector.T) * np.hypot(*card_vector.T)
    cosine = np.abs((edge_vector * card_vector).sum(axis=1)) / np.where(norms > 0, norms, 1.0)
    return (norms == 0) | (cosine >= np.cos(np.radians(max_angle_deg)))


def _ref_compatible(edges: gpd.GeoDataFrame, ref: str) -> np.ndarray:
    """Tell which edges fit the card's ref: any edge if it has none, else one of its refs."""
    wanted = set(parse_refs(ref))
    if not wanted:
        return np.ones(len(edges), dtype=bool)
    return np.array([bool(wanted & set(parse_refs(r))) for r in edges["ref"]], dtype=bool)


def _edges_along(
    edges: gpd.GeoDataFrame, line: LineString, buffer_m: float, share: float, ref: str
) -> list[int]:
    """Return labels of ``edges`` that run along ``line``.

    An edge runs along the card when at least ``share`` of its length lies within ``buffer_m``
    of the card, it points the card's way (within 30°), and its ``ref`` fits the card's.
    """
    zone = line.buffer(buffer_m)
    candidates = edges.iloc[edges.sindex.query(zone, predicate="intersects")]
    candidates = candidates.loc[_ref_compatible(candidates, ref)]
    if candidates.empty:
        return []
    inside = candidates.geometry.intersection(zone).length
    lengths = candidates["length_m"].replace(0, np.nan)
    enough = ((inside / lengths).fillna(1.0) >= share).to_numpy()
    return candidates.index[enough & _aligned(candidates, line, _MAX_ANGLE_DEG)].tolist()


def _share_along(edges: gpd.GeoDataFrame, line: LineString, buffer_m: float) -> float:
    """Return the share of ``line`` lying within ``buffer_m`` of edges that run its way."""
    near = edges.iloc[edges.sindex.query(line.buffer(buffer_m), predicate="intersects")]
    near = near.loc[_aligned(near, line, _MAX_ANGLE_DEG)] if not near.empty else near
    if near.empty or line.length == 0:
        return 0.0
    return line.intersection(near.geometry.buffer(buffer_m).union_all()).length / line.length
