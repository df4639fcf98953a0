"""Applying a whole plan to a base network: one dispatcher over the cards.

Each card goes to the function of its action (:mod:`transnet.plan.actions`): ``new`` and
``realign`` add a line whose ends snap to the network (:mod:`transnet.plan.snap`); ``upgrade``
and ``widen`` change the existing edges that run along the card (:mod:`transnet.plan.select`).
Every card selects on the base network, so the result does not depend on the order of
selection; the changes are written once all cards are read (:mod:`transnet.plan.context`).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import asdict, dataclass, fields

import pandas as pd

from transnet import options
from transnet._errors import TransnetWarning, expect_type
from transnet._progress import progress
from transnet.network import RoadNetwork
from transnet.plan.actions import ACTION_FUNCTIONS
from transnet.plan.cards import Plan
from transnet.plan.context import CardLog, PlanContext, PlanSettings

__all__ = ["PlanResult", "apply_plan"]

_LOG_COLUMNS = [f.name for f in fields(CardLog)]


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
        ``start_snap_m``, ``end_snap_m`` (NaN where the end was left free) and ``note``
        (see :class:`~transnet.plan.context.CardLog`).

    Examples
    --------
    >>> result = apply_plan(network, plan)
    >>> result.log.loc[:1, ["id", "action", "outcome", "edges_added"]]
       id action          outcome  edges_added
    0  E1    new            added            6
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
    snap_tolerance_m: float = options.PLAN_SNAP_M,
    match_buffer_m: float = options.PLAN_MATCH_BUFFER_M,
    match_share: float = options.PLAN_MATCH_SHARE,
    ramp_max_m: float = options.RAMP_MAX_M,
    warn_free_ends: bool = False,
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
    warn_free_ends
        Also warn about every ``new`` or ``realign`` card with an end that stays unconnected
        (no node, and no point of a line, of its layer within ``snap_tolerance_m`` that does
        not lie back along the card), naming the card and the end.

    Returns
    -------
    PlanResult

    Warns
    -----
    TransnetWarning
        For each ``upgrade`` or ``widen`` card that matches no road (outcome ``no_match``),
        and each ``realign`` card whose two ends are both left free, naming the card: its
        road changed nothing, or joins nothing. With ``warn_free_ends``, for each card with
        an end left free, naming the card and the end.

    Examples
    --------
    >>> result = apply_plan(network, plan)
    >>> len(result.network.edges) > len(network.edges)
    True
    >>> sorted(result.log["outcome"].unique())
    ['added', 'already_in_base', 'modified']
    >>> edges = result.network.edges
    >>> edges.loc[edges["project_id"] == "E1", "source"].iloc[0]
    'plan card E1 (announced)'

    """
    expect_type(network, RoadNetwork, "network")
    expect_type(plan, Plan, "plan")
    settings = PlanSettings(
        snap_tolerance_m=snap_tolerance_m,
        match_buffer_m=match_buffer_m,
        match_share=match_share,
        ramp_max_m=ramp_max_m,
    )
    context = PlanContext.start(network, plan, settings)
    cards = zip(plan.cards, context.lines, strict=True)
    logs = [
        ACTION_FUNCTIONS[card.action](card, line, context)
        for card, line in progress(
            cards, desc="Applying the plan", total=len(plan.cards), unit="card"
        )
    ]
    for card, row in zip(plan.cards, logs, strict=True):
        _warn_if_idle(card.action, row, free_ends=warn_free_ends)
    log = pd.DataFrame([asdict(row) for row in logs], columns=_LOG_COLUMNS)
    return PlanResult(network=context.finish(), log=log)


def _warn_if_idle(action: str, row: CardLog, *, free_ends: bool) -> None:
    """Warn about a card that changed no road, or a new road with an end joining none."""
    if row.outcome == "no_match":
        message = f"plan card {row.id} ({action}) matches no road: {row.note}"
    elif action == "realign" and math.isnan(row.start_snap_m) and math.isnan(row.end_snap_m):
        message = f"plan card {row.id} (realign) joins no road at either end: {row.note}"
    elif free_ends and row.outcome == "added" and (
        math.isnan(row.start_snap_m) or math.isnan(row.end_snap_m)
    ):
        free = [
            name
            for name, snap_m in (("start", row.start_snap_m), ("end", row.end_snap_m))
            if math.isnan(snap_m)
        ]
        message = (
            f"plan card {row.id} ({action}): its {' and '.join(free)} "
            f"{'stay' if len(free) > 1 else 'stays'} unconnected: {row.note}"
        )
    else:
        return
    warnings.warn(message, TransnetWarning, stacklevel=3)
