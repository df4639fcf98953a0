"""``new``: a new road along the card's line, joined to the network at its ends.

A card whose line already runs along existing roads of its class and grade (a ring road opened
before the base network was drawn) is reported ``already_in_base`` and not added, so it is
never counted twice. Ends snap by the rule of :mod:`transnet.plan.snap`; a new expressway's
planned interchanges are inserted into its line and joined by ramps when the plan is finished.

Examples
--------
>>> from transnet.plan.context import PlanContext
>>> context = PlanContext.start(network, plan)
>>> [new(card, context.lines[i], context).outcome for i, card in enumerate(plan.cards[:2])]
['added', 'already_in_base']
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry import LineString, Point

from transnet.network.build import (
    EXPRESSWAY_LAYER,
    ORDINARY_LAYER,
    NetworkBuilder,
    insert_vertex,
)
from transnet.plan.cards import ProjectCard
from transnet.plan.context import CardLog, PlanContext
from transnet.plan.select import already_in_base
from transnet.plan.snap import EndSnap, SnappedLine, snap_ends, snap_to_lines

__all__ = ["add_card_line", "new"]

#: Lanes of a new road whose card gives none.
_DEFAULT_LANES = {True: 4, False: 2}


def new(card: ProjectCard, line: LineString, context: PlanContext) -> CardLog:
    """Add the card's road unless it is already in the base network.

    Parameters
    ----------
    card
        A ``new`` card.
    line
        Its line in the network's CRS.
    context
        The plan being applied.

    Returns
    -------
    CardLog
        ``added`` (see :func:`add_card_line`) or ``already_in_base``.

    Examples
    --------
    >>> from transnet.plan.context import PlanContext
    >>> context = PlanContext.start(network, plan)
    >>> new(plan.cards[1], context.lines[1], context).note
    'at least 80% of the line already runs along existing roads of its class and grade: not ...'

    """
    settings = context.settings
    if already_in_base(
        context.edges,
        line,
        grade=card.grade,
        expressway=card.class_ == "expressway",
        buffer_m=settings.match_buffer_m,
        share=settings.match_share,
        ranks=context.ranks,
        class_mask=context.class_mask(expressway=card.class_ == "expressway"),
        near=context.edges_meeting_box,
    ):
        return CardLog(
            card.id,
            card.action,
            "already_in_base",
            note=(
                f"at least {settings.match_share:.0%} of the line already runs along existing "
                "roads of its class and grade: not added again"
            ),
        )
    return add_card_line(card, line, context)


def add_card_line(card: ProjectCard, line: LineString, context: PlanContext) -> CardLog:
    """Add the card's line as new edges of its layer, ends snapped, interchanges inserted.

    Parameters
    ----------
    card
        A ``new`` or ``realign`` card.
    line
        Its line in the network's CRS.
    context
        The plan being applied; a snap longer than
        :attr:`~transnet.plan.context.PlanSettings.snap_warning_m` adds a warning to its builder.

    Returns
    -------
    CardLog
        ``added``, with the snap distances and a note on any end left free.

    Examples
    --------
    >>> from transnet.plan.context import PlanContext
    >>> context = PlanContext.start(network, plan)
    >>> log = add_card_line(plan.cards[0], context.lines[0], context)
    >>> log.outcome, log.start_snap_m, log.end_snap_m
    ('added', 0.0, nan)
    >>> log.note
    'end left free: the nearest expressway node within 2000 m (1761 m away) lies back along...'

    """
    expressway = card.class_ == "expressway"
    layer = EXPRESSWAY_LAYER if expressway else ORDINARY_LAYER
    builder, settings = context.builder, context.settings
    # Only nodes within the tolerance of an end can be snapped to.
    ends = shapely.get_coordinates(line)[[0, -1]]
    node_ids, node_xy = builder.layer_nodes_near(layer, ends, settings.snap_tolerance_m)
    snapped = _snap_free_ends_to_lines(
        snap_ends(line, node_ids, node_xy, tolerance_m=settings.snap_tolerance_m),
        builder,
        layer,
        expressway=expressway,
        tolerance_m=settings.snap_tolerance_m,
    )
    for name, snap in (("start", snapped.start), ("end", snapped.end)):
        if not snap.free and snap.distance_m > settings.snap_warning_m:
            builder.warnings.append(
                f"plan card {card.id}: its {name} is snapped {snap.distance_m:.0f} m to the "
                f"network, more than {settings.snap_warning_m:.0f} m (a share of the "
                f"{settings.snap_tolerance_m:.0f} m tolerance): check the card's alignment"
            )
    line = snapped.line
    interchanges = []
    if expressway and card.interchanges:
        planned = gpd.GeoSeries(
            gpd.points_from_xy(
                [i.lon for i in card.interchanges], [i.lat for i in card.interchanges]
            ),
            crs="EPSG:4326",
        ).to_crs(builder.crs)
        for spec, point in zip(card.interchanges, planned, strict=True):
            line, at = insert_vertex(line, line.project(point))
            interchanges.append((at, spec.name))
    attributes = {
        "name": card.name,
        "ref": card.ref,
        "grade": card.grade,
        "admin_class": "expressway" if expressway else "unknown",
        "lanes": card.lanes or _DEFAULT_LANES[expressway],
        "opened": card.opened,
        "source": f"plan card {card.id} ({card.provenance})",
        "line_id": card.id,
        "project_id": card.id,
        "ramp": False,
        "design_speed_kmh": card.design_speed_kmh,
    }
    added = builder.add_line(line, attributes, layer)
    context.added_by.setdefault(card.id, []).extend(added)
    for at, name in interchanges:
        node = builder.mark_interchange(at.x, at.y, name)
        context.new_interchanges.append(node)
        context.interchanges_by.setdefault(card.id, []).append(node)
    return CardLog(
        card.id,
        card.action,
        "added",
        edges_added=len(added),
        length_added_km=sum(builder.edge_rows[i]["geometry"].length for i in added) / 1000,
        start_snap_m=snapped.start.distance_m,
        end_snap_m=snapped.end.distance_m,
        note=_free_ends_note(
            snapped.start,
            snapped.end,
            kind="expressway" if expressway else "ordinary",
            tolerance_m=settings.snap_tolerance_m,
        ),
    )


def _snap_free_ends_to_lines(
    snapped: SnappedLine,
    builder: NetworkBuilder,
    layer: str,
    *,
    expressway: bool,
    tolerance_m: float,
) -> SnappedLine:
    """Snap each end left free to the nearest allowed point of a line of its layer, split there."""
    line, ends = snapped.line, [snapped.start, snapped.end]
    for position, end in enumerate((0, -1)):
        if not ends[position].free:
            continue
        at = Point(shapely.get_coordinates(line)[end])
        labels = builder.edges_near(at, tolerance_m, expressway=expressway)
        geometries = np.array([builder.edge_rows[i]["geometry"] for i in labels], dtype=object)
        snap = snap_to_lines(line, end, labels, geometries, tolerance_m=tolerance_m)
        if snap is None:
            continue
        node = builder.split_at(snap.label, snap.point, layer)
        row = builder.nodes_by_id[node]
        coords = shapely.get_coordinates(line)
        coords[end] = (row["x"], row["y"])
        line = LineString(coords)
        ends[position] = EndSnap(node, float(at.distance(Point(row["x"], row["y"]))), np.nan)
    return SnappedLine(line, ends[0], ends[1])


def _free_ends_note(start: EndSnap, end: EndSnap, *, kind: str, tolerance_m: float) -> str:
    ends = (("start", start), ("end", end))
    out_of_reach = [name for name, s in ends if s.free and np.isnan(s.refused_m)]
    notes = []
    if out_of_reach:
        notes.append(
            f"{' and '.join(out_of_reach)} left free: no {kind} node within {tolerance_m:.0f} m"
        )
    for name, snap in ends:
        if snap.free and not np.isnan(snap.refused_m):
            notes.append(
                f"{name} left free: the nearest {kind} node within {tolerance_m:.0f} m "
                f"({snap.refused_m:.0f} m away) lies back along the card: snapping to it "
                "would shorten the card"
            )
    return "; ".join(notes)
