"""``upgrade``: existing roads along the card take its grade (and lanes), never a worse one.

Examples
--------
>>> from transnet.plan.context import PlanContext
>>> context = PlanContext.start(network, plan)
>>> card = plan.cards[8]
>>> upgrade(card, context.lines[8], context).outcome
'modified'
"""

from __future__ import annotations

from shapely.geometry import LineString

from transnet.plan.cards import ProjectCard
from transnet.plan.context import CardLog, PlanContext
from transnet.plan.select import edges_along

__all__ = ["modify_along", "upgrade"]


def modify_along(card: ProjectCard, line: LineString, context: PlanContext) -> CardLog:
    """Change the edges of the card's class that run along its line (grade, lanes).

    Selection: :func:`transnet.plan.select.edges_along` with the card's ``ref``; the change:
    :meth:`transnet.plan.context.PlanContext.change`.

    Parameters
    ----------
    card
        An ``upgrade`` or ``widen`` card.
    line
        Its line in the network's CRS.
    context
        The plan being applied; its changes grow.

    Returns
    -------
    CardLog
        ``modified``, or ``no_match`` with a note.

    Examples
    --------
    >>> from transnet.plan.context import PlanContext
    >>> context = PlanContext.start(network, plan)
    >>> modify_along(plan.cards[8], context.lines[8], context).edges_modified > 0
    True

    """
    expressway = card.class_ == "expressway"
    matched = edges_along(
        context.edges,
        line,
        buffer_m=context.settings.match_buffer_m,
        share=context.settings.match_share,
        ref=card.ref,
        among=context.class_mask(expressway=expressway),
        near=context.edges_meeting_box,
    )
    for label in matched:
        context.change(label, card=card)
    log = CardLog(card.id, card.action, "modified" if matched else "no_match")
    log.edges_modified = len(matched)
    if not matched:
        log.note = (
            f"no existing {'expressway' if expressway else 'ordinary road'} runs along "
            f"the card's line (within {context.settings.match_buffer_m:.0f} m, same direction, "
            "same ref): nothing changed"
        )
    return log


def upgrade(card: ProjectCard, line: LineString, context: PlanContext) -> CardLog:
    """Raise the grade (and lanes) of the roads along the card; see :func:`modify_along`.

    An upgraded edge drops its posted OSM ``maxspeed`` when the plan is finished, so its travel
    time follows the new grade's design speed (or the card's ``design_speed_kmh``).

    Examples
    --------
    >>> from transnet.plan.context import PlanContext
    >>> context = PlanContext.start(network, plan)
    >>> log = upgrade(plan.cards[8], context.lines[8], context)
    >>> log.id, log.edges_added
    ('N1', 0)

    """
    return modify_along(card, line, context)
