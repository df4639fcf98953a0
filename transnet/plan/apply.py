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
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, fields
from typing import Any

import numpy as np
import pandas as pd

from transnet import options
from transnet._errors import TransnetWarning, expect_type
from transnet._memory import cyclic_gc_paused
from transnet._progress import progress
from transnet.network import RoadNetwork
from transnet.plan.actions import ACTION_FUNCTIONS
from transnet.plan.cards import Plan
from transnet.plan.context import CardLog, PlanContext, PlanSettings

__all__ = ["PlanResult", "PlanUndo", "apply_plan"]

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
    context
        How the plan was applied (:class:`~transnet.plan.context.PlanContext`): which edges,
        nodes and interchanges each card made or changed, so that :meth:`without` can undo
        cards and :meth:`card_edges` name their edges. None for a result built by hand.

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
    context: PlanContext | None = field(default=None, repr=False, compare=False)
    _owner_cache: tuple | None = field(default=None, init=False, repr=False, compare=False)
    _start: tuple | None = field(default=None, init=False, repr=False, compare=False)

    def card_edges(self) -> dict[str, np.ndarray]:
        """Return, per card that changed the network, the positions of the edges it touched.

        Positions are rows of ``network.edges``: the card's new road (and the parts split off
        it), its interchanges' ramps and the edges whose attributes it changed.

        Examples
        --------
        >>> result = apply_plan(network, plan)
        >>> edges = result.network.edges
        >>> set(edges.loc[result.card_edges()["N1"], "project_id"])
        {'N1'}

        """
        owner, modified = self.owners()
        touched: dict[str, list[int]] = {}
        for label, card_id in owner.items():
            touched.setdefault(card_id, []).append(label)
        for label, card_ids in modified.items():
            for card_id in card_ids:
                touched.setdefault(card_id, []).append(label)
        return {c: np.unique(np.array(v, dtype=np.int64)) for c, v in touched.items()}

    def owners(self) -> tuple[dict[int, str], dict[int, set[str]]]:
        """Return edge label → card that added it, and edge label → cards that changed it.

        A part split off a card's road belongs to that card, and so does an interchange's
        ramp; read once from how the plan was applied, and kept.

        Returns
        -------
        tuple of dict

        Examples
        --------
        >>> owner, modified = apply_plan(network, plan).owners()
        >>> "E1" in set(owner.values()), all(isinstance(c, set) for c in modified.values())
        (True, True)
        """
        if self._owner_cache is None:
            self._owner_cache = self._find_owners()
        return self._owner_cache

    def _find_owners(self) -> tuple[dict[int, str], dict[int, set[str]]]:
        context = self._require_context()
        builder = context.builder
        owner = {label: card_id for card_id, ls in context.added_by.items() for label in ls}
        for label in sorted(builder.split_from):
            if builder.split_from[label] in owner:
                owner[label] = owner[builder.split_from[label]]
        by_interchange = {n: c for c, nodes in context.interchanges_by.items() for n in nodes}
        edges = self.network.edges
        ramps = np.flatnonzero(edges["ramp"].to_numpy(dtype=bool))
        for label, node in zip(ramps.tolist(), edges["u"].to_numpy()[ramps].tolist(), strict=True):
            card_id = by_interchange.get(node)
            if card_id is not None:
                owner[label] = card_id
        parts = context.parts_since_start()
        modified: dict[int, set[str]] = {}
        for label in [*context.changed_by, *parts]:
            cards = context.changed_by.get(parts.get(label, label), [])
            if cards:
                modified[int(label)] = {card.id for card in cards}
        return owner, modified

    def _require_context(self) -> PlanContext:
        if self.context is None:
            raise TypeError("this PlanResult does not keep how the plan was applied")
        return self.context

    def without(self, card_ids: Iterable[str]) -> RoadNetwork | None:
        """Return the "after" network with some cards' changes undone, without re-applying.

        Their new roads (with the parts split off them and their interchanges' ramps) are
        removed, with the nodes only they used, and each edge they changed gets the values
        the other cards give it. The result is the network ``apply_plan`` gives for the plan
        without those cards, except that roads cut or split for them stay cut (the parts carry
        the same values). When another card's road or ramp joins a node of theirs, how that
        card was applied depended on them: None is returned, and only re-applying the plan
        without them gives its network.

        Parameters
        ----------
        card_ids
            Cards to leave out.

        Returns
        -------
        RoadNetwork or None

        Examples
        --------
        >>> result = apply_plan(network, plan)
        >>> without = result.without(["N1"])
        >>> len(without.edges) == len(result.network.edges), "N1" in set(without.edges.project_id)
        (True, False)

        """
        undo = self.undo(card_ids)
        if undo is None:
            return None
        edges, nodes = self.network.edges, self.network.nodes
        kept = np.ones(len(edges), dtype=bool)
        kept[undo.removed] = False
        edges = edges.copy(deep=False)  # copy-on-write: only the columns set are copied
        for label, values in undo.values.items():
            for column, value in values.items():
                edges.at[label, column] = value
        edges = edges.loc[kept].reset_index(drop=True)
        own = np.fromiter(undo.own_nodes, dtype=np.int64, count=len(undo.own_nodes))
        used = np.isin(own, edges["u"].to_numpy()) | np.isin(own, edges["v"].to_numpy())
        dropped = own[~used]
        nodes = nodes.loc[~nodes.index.isin(dropped)].copy()
        for node, (was, name) in undo.interchanges.items():
            if node in nodes.index:
                nodes.at[node, "interchange"] = was
                nodes.at[node, "interchange_name"] = name
        return RoadNetwork(nodes, edges, dict(self.network.metadata))

    def reapplied_without(self, card_ids: Iterable[str]) -> PlanResult | None:
        """Return ``apply_plan`` of the plan without some new or realigned roads' cards.

        The same as ``apply_plan(network, plan.without(card_ids))``, from the base network
        as it was once the cards began (kept by :func:`apply_plan`), so the base network is
        not read again. None for a result not made by :func:`apply_plan`, or where one of the
        cards upgrades or widens (where the roads are cut at the start depends on it).

        Parameters
        ----------
        card_ids
            Cards to leave out.

        Returns
        -------
        PlanResult or None

        Examples
        --------
        >>> result = apply_plan(network, plan)
        >>> again = result.reapplied_without(["E1"])
        >>> again.log["id"].tolist() == [c.id for c in plan.cards if c.id != "E1"]
        True

        """
        again = self._cards_again(card_ids, warn=True)
        if again is None:
            return None
        context, log = again
        return PlanResult(network=context.finish(), log=log, context=context)

    def _cards_again(
        self, card_ids: Iterable[str], *, warn: bool
    ) -> tuple[PlanContext, pd.DataFrame] | None:
        """Apply the cards but ``card_ids`` again, from the kept start; the network not finished.

        None as for :meth:`reapplied_without`. ``warn``: warn about idle cards and free ends.
        """
        if self._start is None:
            return None
        start, plan, warn_free_ends, log = self._start
        left_out = set(card_ids)
        if any(card.action in ("upgrade", "widen") for card in plan.cards if card.id in left_out):
            return None
        kept = [i for i, card in enumerate(plan.cards) if card.id not in left_out]
        context = start.fork()
        replay = (self._require_context().changed_by_card, log)
        again_log = _run_cards(
            context, plan, kept, warn_free_ends=warn_free_ends, replay=replay, warn=warn
        )
        return context, again_log

    def undo(self, card_ids: Iterable[str]) -> PlanUndo | None:
        """Return what undoing some cards changes in the "after" network, or None.

        None where another card's road or ramp joins a node of theirs (see :meth:`without`).

        Parameters
        ----------
        card_ids
            Cards to leave out.

        Returns
        -------
        PlanUndo or None

        Examples
        --------
        >>> undo = apply_plan(network, plan).undo(["N1"])
        >>> len(undo.removed), len(undo.values) > 0
        (0, True)

        """
        context = self._require_context()
        left_out = set(card_ids)
        owner, modified = self.owners()
        edges = self.network.edges
        removed = np.array(sorted(e for e, c in owner.items() if c in left_out), dtype=np.int64)
        kept = np.ones(len(edges), dtype=bool)
        kept[removed] = False
        u, v = edges["u"].to_numpy(), edges["v"].to_numpy()
        own_nodes: set[int] = set()
        for label in removed.tolist():
            first = context.first_node_by.get(owner[label], 0)
            own_nodes.update(int(n) for n in (u[label], v[label]) if n >= first)
        others = np.zeros(len(edges), dtype=bool)
        other_labels = [e for e, c in owner.items() if c not in left_out]
        others[np.array(other_labels, dtype=np.int64)] = True
        ends = np.concatenate([u[others & kept], v[others & kept]])
        if own_nodes and np.isin(ends, list(own_nodes)).any():
            return None
        values = {
            label: context.values_without(label, left_out)
            for label, cards in modified.items()
            if cards & left_out and kept[label]
        }
        interchanges = {
            node: (node in context.base_interchanges, context.base_interchanges.get(node))
            for card_id in left_out
            for node in context.interchanges_by.get(card_id, [])
        }
        return PlanUndo(
            removed=removed, values=values, own_nodes=own_nodes, interchanges=interchanges
        )


@dataclass(frozen=True)
class PlanUndo:
    """What undoing some cards changes in the "after" network (:meth:`PlanResult.undo`).

    Attributes
    ----------
    removed
        Positions of the edges removed (the cards' new roads, their parts and ramps).
    values
        Per edge position kept, the columns given back their values without the cards.
    own_nodes
        Nodes of the removed edges that only the cards made (dropped where no edge is left).
    interchanges
        Per interchange node the cards made or named: whether it was an interchange before
        them, and its name then (None where it was none).

    Examples
    --------
    >>> undo = apply_plan(network, plan).undo(["E1"])
    >>> len(undo.removed) > 0, all(was is False for was, _ in undo.interchanges.values())
    (True, True)
    """

    removed: np.ndarray
    values: dict[int, dict[str, Any]]
    own_nodes: set[int]
    interchanges: dict[int, tuple[bool, Any]]


@cyclic_gc_paused()
def apply_plan(
    network: RoadNetwork,
    plan: Plan,
    *,
    snap_tolerance_m: float = options.PLAN_SNAP_M,
    match_buffer_m: float = options.PLAN_MATCH_BUFFER_M,
    match_share: float = options.PLAN_MATCH_SHARE,
    ramp_max_m: float = options.RAMP_MAX_M,
    warn_free_ends: bool = options.PLAN_WARN_FREE_ENDS,
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
    start = context.fork()
    result = _apply_cards(context, plan, range(len(plan.cards)), warn_free_ends=warn_free_ends)
    result._start = (start, plan, warn_free_ends, result.log)
    return result


def _apply_cards(
    context: PlanContext,
    plan: Plan,
    positions: Iterable[int],
    *,
    warn_free_ends: bool,
    replay: tuple[dict[str, list[int]], pd.DataFrame] | None = None,
) -> PlanResult:
    """Apply the cards at ``positions`` of ``plan``, in order, and finish the network."""
    log = _run_cards(context, plan, positions, warn_free_ends=warn_free_ends, replay=replay)
    return PlanResult(network=context.finish(), log=log, context=context)


def _run_cards(
    context: PlanContext,
    plan: Plan,
    positions: Iterable[int],
    *,
    warn_free_ends: bool,
    replay: tuple[dict[str, list[int]], pd.DataFrame] | None = None,
    warn: bool = True,
) -> pd.DataFrame:
    """Apply the cards at ``positions`` of ``plan``, in order; return their log.

    ``replay``: the edges each card changed and the log of an earlier application to the same
    start; an ``upgrade`` or ``widen`` card selects on the base network alone, so its changes
    are asked for again without selecting. ``warn``: warn about idle cards and free ends.
    """
    positions = list(positions)
    logs = []
    for position in progress(positions, desc="Applying the plan", unit="card"):
        card = plan.cards[position]
        context.begin(card)
        if replay is not None and card.action in ("upgrade", "widen"):
            changed, log = replay
            for label in changed.get(card.id, []):
                context.change(label, card=card)
            logs.append(CardLog(**log.iloc[position].to_dict()))
            continue
        logs.append(ACTION_FUNCTIONS[card.action](card, context.lines.iloc[position], context))
    if warn:
        for position, row in zip(positions, logs, strict=True):
            _warn_if_idle(plan.cards[position].action, row, free_ends=warn_free_ends)
    return pd.DataFrame([asdict(row) for row in logs], columns=_LOG_COLUMNS)


def _warn_if_idle(action: str, row: CardLog, *, free_ends: bool) -> None:
    """Warn about a card that changed no road, or a new road with an end joining none."""
    if row.outcome == "no_match":
        message = f"plan card {row.id} ({action}) matches no road: {row.note}"
    elif action == "realign" and math.isnan(row.start_snap_m) and math.isnan(row.end_snap_m):
        message = f"plan card {row.id} (realign) joins no road at either end: {row.note}"
    elif (
        free_ends
        and row.outcome == "added"
        and (math.isnan(row.start_snap_m) or math.isnan(row.end_snap_m))
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
    warnings.warn(message, TransnetWarning, stacklevel=4)
