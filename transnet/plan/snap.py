"""Snapping the ends of a new plan line to the network it joins.

Rule: each end of a ``new`` or ``realign`` card snaps to the nearest node of its layer
(expressway or ordinary) within the tolerance (:data:`~transnet.options.PLAN_SNAP_M`) that does
not lie *back along the card*. A snap may move an end sideways or onward, never back onto the
card: a node that lies farther behind the end (measured along the card, from the end to the
point of the card nearest the node) than off the card is refused, since snapping to it would
fold the end back over the card and drop the part beyond the node (a node *on* the card, away
from the end, is the extreme case). A refused node is reported; with no node left in reach the
end stays free. A snap longer than :data:`~transnet.options.PLAN_SNAP_WARN_SHARE` of the
tolerance is worth a warning.

An end with no node to snap to snaps to the nearest *point* of a line of its layer within the
tolerance, by the same rule (:func:`snap_to_lines`); that line is split there. OpenStreetMap's
carriageways have nodes only where ways meet, often kilometres apart, so a new link's end may
lie near a line but far from any of its nodes.

Why: a schematic card may pass through an existing node (a vertex on an expressway it crosses)
close to its end; snapping the end back onto that vertex would drop the card's last segment
(card E1 of the Taixin bundle lost 1.76 km that way).

Examples
--------
A card from (0, 0) east to (6000, 0), crossing an expressway at its vertex (5000, 0); the only
other node is 1500 m north of its start:

>>> import numpy as np
>>> from shapely import LineString
>>> nodes = np.array([[5000.0, 0.0], [0.0, 1500.0]])
>>> snapped = snap_ends(LineString([(0, 0), (5000, 0), (6000, 0)]), np.array([7, 8]), nodes,
...                     tolerance_m=2000)
>>> snapped.start
EndSnap(node=8, distance_m=1500.0, refused_m=nan)
>>> snapped.end
EndSnap(node=None, distance_m=nan, refused_m=1000.0)
>>> round(snapped.line.length)  # hypot(5000, 1500) + 1000: the start moved, the end stayed
6220
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry import LineString, Point

from transnet import options
from transnet.nearest import nearest

__all__ = ["EndSnap", "LineSnap", "SnappedLine", "snap_ends", "snap_to_lines"]


@dataclass(frozen=True)
class EndSnap:
    """Where one end of a card went.

    Attributes
    ----------
    node
        The node it snapped to; None if the end stays free.
    distance_m
        How far the end moved (NaN if free).
    refused_m
        Distance to the nearest node that was nearer than the chosen one (or in reach when the
        end stays free) but refused by the rule; NaN if none.

    Examples
    --------
    >>> EndSnap(node=None, distance_m=float("nan"), refused_m=float("nan")).free
    True

    """

    node: int | None
    distance_m: float
    refused_m: float

    @property
    def free(self) -> bool:
        """Whether the end stays where the card put it.

        Examples
        --------
        >>> EndSnap(node=3, distance_m=12.0, refused_m=float("nan")).free
        False

        """
        return self.node is None


@dataclass(frozen=True)
class SnappedLine:
    """A card's line with its ends snapped.

    Attributes
    ----------
    line
        The line, ends moved onto the nodes they snapped to.
    start, end
        What happened at each end.

    Examples
    --------
    >>> import numpy as np
    >>> from shapely import LineString
    >>> snapped = snap_ends(LineString([(0, 0), (1000, 0)]), np.array([4]),
    ...                     np.array([[0.0, 30.0]]), tolerance_m=100)
    >>> snapped.line.wkt, snapped.start.node, snapped.end.free
    ('LINESTRING (0 30, 1000 0)', 4, True)

    """

    line: LineString
    start: EndSnap
    end: EndSnap


def snap_ends(
    line: LineString,
    node_ids: np.ndarray,
    node_xy: np.ndarray,
    *,
    tolerance_m: float = options.PLAN_SNAP_M,
) -> SnappedLine:
    """Snap the start, then the end, of ``line`` to nodes by the module's rule.

    Parameters
    ----------
    line
        The card's line, in metres.
    node_ids
        Ids of the nodes it may join.
    node_xy
        Their coordinates, an (n, 2) array.
    tolerance_m
        Farthest snap.

    Returns
    -------
    SnappedLine

    Examples
    --------
    >>> import numpy as np
    >>> from shapely import LineString
    >>> snapped = snap_ends(LineString([(0, 0), (1000, 0)]), np.array([1, 2]),
    ...                     np.array([[0.0, 150.0], [1000.0, 0.0]]), tolerance_m=200)
    >>> snapped.start.distance_m, snapped.end.distance_m
    (150.0, 0.0)

    """
    coords = shapely.get_coordinates(line)
    node_xy = np.asarray(node_xy, dtype=float).reshape(-1, 2)
    snaps = []
    for end in (0, -1):
        snap = _snap_end(coords, end, np.asarray(node_ids), node_xy, tolerance_m)
        if snap.node is not None:
            coords[end] = node_xy[np.flatnonzero(np.asarray(node_ids) == snap.node)[0]]
        snaps.append(snap)
    return SnappedLine(LineString(coords), snaps[0], snaps[1])


def _snap_end(
    coords: np.ndarray, end: int, node_ids: np.ndarray, node_xy: np.ndarray, tolerance_m: float
) -> EndSnap:
    at = coords[end]
    distance = np.hypot(*(node_xy - at).T)
    in_reach = np.flatnonzero(distance <= tolerance_m)
    if not len(in_reach):
        return EndSnap(None, np.nan, np.nan)
    line = LineString(coords)
    points = shapely.points(node_xy[in_reach])
    along = shapely.line_locate_point(line, points)
    behind = along if end == 0 else line.length - along
    back_along = behind > shapely.distance(line, points) + options.SPLIT_MIN_M
    allowed, refused = in_reach[~back_along], in_reach[back_along]
    match = nearest([Point(at)], shapely.points(node_xy[allowed]))
    if len(match.candidate_index):
        chosen = int(allowed[match.candidate_index[0]])
        snapped_m = float(distance[chosen])
    else:
        chosen, snapped_m = None, np.inf
    nearer_refused = distance[refused][distance[refused] < snapped_m]
    refused_m = float(nearer_refused.min()) if len(nearer_refused) else np.nan
    if chosen is None:
        return EndSnap(None, np.nan, refused_m)
    return EndSnap(int(node_ids[chosen]), snapped_m, refused_m)


@dataclass(frozen=True)
class LineSnap:
    """The point of a line an end snaps to.

    Attributes
    ----------
    label
        Which of the candidate lines (its label).
    point
        The point of that line nearest the end.
    distance_m
        How far the end is from it.

    Examples
    --------
    >>> from shapely import Point
    >>> LineSnap(label=3, point=Point(5000, 0), distance_m=300.0).distance_m
    300.0

    """

    label: int
    point: Point
    distance_m: float


def snap_to_lines(
    line: LineString,
    end: int,
    labels: np.ndarray,
    geometries: np.ndarray,
    *,
    tolerance_m: float = options.PLAN_SNAP_M,
) -> LineSnap | None:
    """Return the nearest point of the candidate lines to one end of ``line``, by the rule.

    Each candidate line offers the point of it nearest the end; a point farther than
    ``tolerance_m`` or lying back along the card (see the module's rule) is refused. Ties go to
    the lowest label.

    Parameters
    ----------
    line
        The card's line, in metres.
    end
        0 for the start, -1 for the end.
    labels
        Labels of the candidate lines (edges of the end's layer).
    geometries
        Their LineStrings.
    tolerance_m
        Farthest snap.

    Returns
    -------
    LineSnap or None
        None if no line offers an allowed point.

    Examples
    --------
    A card ending 300 m south of the middle of a 10 km road:

    >>> import numpy as np
    >>> from shapely import LineString
    >>> road = LineString([(0, 0), (10_000, 0)])
    >>> snap = snap_to_lines(LineString([(5000, -3000), (5000, -300)]), -1, np.array([4]),
    ...                      np.array([road]), tolerance_m=2000)
    >>> snap.label, snap.point.wkt, snap.distance_m
    (4, 'POINT (5000 0)', 300.0)

    """
    coords = shapely.get_coordinates(line)
    at = shapely.points(coords[end])
    geometries = np.asarray(geometries, dtype=object)
    if not len(geometries):
        return None
    feet = shapely.line_interpolate_point(geometries, shapely.line_locate_point(geometries, at))
    distance = shapely.distance(feet, at)
    along = shapely.line_locate_point(line, feet)
    behind = along if end == 0 else line.length - along
    back_along = behind > shapely.distance(line, feet) + options.SPLIT_MIN_M
    allowed = np.flatnonzero((distance <= tolerance_m) & ~back_along)
    if not len(allowed):
        return None
    order = np.lexsort((np.asarray(labels)[allowed], distance[allowed]))
    best = int(allowed[order[0]])
    return LineSnap(int(labels[best]), feet[best], float(distance[best]))
