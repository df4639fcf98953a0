"""``realign``: a new alignment (a city by-pass) beside the old road, which stays a public road.

Examples
--------
>>> from transnet.plan.context import PlanContext
>>> context = PlanContext.start(network, plan)
>>> ids = [card.id for card in plan.cards]
>>> realign(plan.cards[ids.index("N3")], context.lines[ids.index("N3")], context).outcome
'added'
"""

from __future__ import annotations

from shapely.geometry import LineString

from transnet.plan.actions.new import add_card_line
from transnet.plan.cards import ProjectCard
from transnet.plan.context import CardLog, PlanContext

__all__ = ["realign"]


def realign(card: ProjectCard, line: LineString, context: PlanContext) -> CardLog:
    """Add the new alignment; the old one is kept (see :func:`~.new.add_card_line`).

    Unlike a ``new`` card, a realignment runs near its old road by design, so it is never
    reported as already in the base network.

    Examples
    --------
    >>> from transnet.plan.context import PlanContext
    >>> context = PlanContext.start(network, plan)
    >>> ids = [card.id for card in plan.cards]
    >>> log = realign(plan.cards[ids.index("N4")], context.lines[ids.index("N4")], context)
    >>> log.edges_added, log.start_snap_m
    (3, 0.0)

    """
    return add_card_line(card, line, context)
