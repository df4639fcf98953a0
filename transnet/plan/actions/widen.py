"""``widen``: existing roads along the card take its lanes (and grade), never fewer.

Examples
--------
>>> from transnet.plan.context import PlanContext
>>> context = PlanContext.start(network, plan)
>>> widen(plan.cards[6], context.lines[6], context).outcome
'modified'
"""

from __future__ import annotations

from shapely.geometry import LineString

from transnet.plan.actions.upgrade import modify_along
from transnet.plan.cards import ProjectCard
from transnet.plan.context import CardLog, PlanContext

__all__ = ["widen"]


def widen(card: ProjectCard, line: LineString, context: PlanContext) -> CardLog:
    """Add lanes to the roads along the card; see :func:`.upgrade.modify_along`.

    Examples
    --------
    >>> from transnet.plan.context import PlanContext
    >>> context = PlanContext.start(network, plan)
    >>> card = plan.cards[6]
    >>> card.id, widen(card, context.lines[6], context).edges_modified
    ('E7', 7)

    """
    return modify_along(card, line, context)
