"""The state a plan is applied in, and what each card did.

It holds the network being built, the edges cards select from, and the changes cards ask for,
written back once every card has been read.

Every card selects on the same edges (the base network cut at the ends of upgrade and widening
cards), so what a card matches never depends on the cards before it. Changes to one edge
combine: the best grade and the most lanes asked for win; the edge's ``project_id`` and design
speed are those of the last card that touched it.

Examples
--------
>>> context = PlanContext.start(network, plan)
>>> len(context.lines) == len(plan.cards)
True
>>> context.finish().metadata["scenario"]
'after'
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import Point

from transnet import options
from transnet.grades import grade_rank
from transnet.network import RoadNetwork
from transnet.network.build import NetworkBuilder
from transnet.plan.cards import Plan, ProjectCard
from transnet.plan.select import cut_at_card_ends, grade_ranks, same_class

__all__ = ["CardLog", "PlanContext", "PlanSettings"]


@dataclass(frozen=True)
class PlanSettings:
    """The tolerances of plan application.

    Attributes
    ----------
    snap_tolerance_m
        Largest distance from a new line's end to the node it is snapped to.
    match_buffer_m
        Buffer around a card's line within which existing edges are "along" it.
    match_share
        Share of an edge's length (or, for ``new`` cards, of the card's length) that must lie
        within the buffer.
    ramp_max_m
        Largest ramp length from a planned interchange to the ordinary network.

    Examples
    --------
    >>> PlanSettings().snap_warning_m
    1000.0

    """

    snap_tolerance_m: float = options.PLAN_SNAP_M
    match_buffer_m: float = options.PLAN_MATCH_BUFFER_M
    match_share: float = options.PLAN_MATCH_SHARE
    ramp_max_m: float = options.RAMP_MAX_M

    @property
    def snap_warning_m(self) -> float:
        """Snaps longer than this get a warning (a share of the snap tolerance).

        Examples
        --------
        >>> PlanSettings(snap_tolerance_m=500).snap_warning_m
        250.0

        """
        return options.PLAN_SNAP_WARN_SHARE * self.snap_tolerance_m


@dataclass
class CardLog:
    """What one card did: a row of :attr:`~transnet.plan.apply.PlanResult.log`.

    Attributes
    ----------
    id, action
        The card's.
    outcome
        ``added``, ``already_in_base``, ``modified`` or ``no_match``.
    edges_added, edges_modified
        Edge counts.
    length_added_km
        Length of the edges added.
    start_snap_m, end_snap_m
        How far each end moved to join the network (NaN: left free, or not a new line).
    note
        Why nothing, or not everything, happened.

    Examples
    --------
    >>> CardLog(id="N1", action="upgrade", outcome="no_match").edges_modified
    0

    """

    id: str
    action: str
    outcome: str
    edges_added: int = 0
    edges_modified: int = 0
    length_added_km: float = 0.0
    start_snap_m: float = np.nan
    end_snap_m: float = np.nan
    note: str = ""


@dataclass
class PlanContext:
    """The network being planned and the changes asked for so far.

    Attributes
    ----------
    builder
        The network being built (starts as the base network).
    edges
        The edges every card selects from, indexed by builder label.
    lines
        Each card's line in the network's CRS, in card order.
    settings
        The tolerances.
    metadata
        The base network's metadata.
    changes
        Attribute changes per edge label, written by :meth:`finish`.
    new_interchanges
        Interchange nodes added by cards, joined by ramps in :meth:`finish`.

    Examples
    --------
    >>> context = PlanContext.start(network, plan)
    >>> context.changes, context.new_interchanges
    ({}, [])

    """

    builder: NetworkBuilder
    edges: gpd.GeoDataFrame
    lines: gpd.GeoSeries
    settings: PlanSettings
    metadata: dict[str, Any]
    changes: dict[int, dict[str, Any]] = field(default_factory=dict)
    new_interchanges: list[int] = field(default_factory=list)
    ranks: np.ndarray | None = None
    changed_by: dict[int, list[ProjectCard]] = field(default_factory=dict, repr=False)
    added_by: dict[str, list[int]] = field(default_factory=dict, repr=False)
    interchanges_by: dict[str, list[int]] = field(default_factory=dict, repr=False)
    first_node_by: dict[str, int] = field(default_factory=dict, repr=False)
    base_interchanges: dict[int, Any] = field(default_factory=dict, repr=False)
    changed_by_card: dict[str, list[int]] = field(default_factory=dict, repr=False)
    _class_masks: dict[bool, np.ndarray] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        if self.ranks is None:
            self.ranks = grade_ranks(self.edges)

    def class_mask(self, *, expressway: bool) -> np.ndarray:
        """Boolean mask of :attr:`edges` a card of one class may change (computed once).

        Examples
        --------
        >>> context = PlanContext.start(network, plan)
        >>> int(context.class_mask(expressway=True).sum()) > 0
        True

        """
        if expressway not in self._class_masks:
            self._class_masks[expressway] = same_class(self.edges, expressway=expressway).to_numpy()
        return self._class_masks[expressway]

    def edges_meeting_box(self, zone: Any) -> np.ndarray:
        """Positions in :attr:`edges` of every edge that may meet ``zone`` (a superset), sorted.

        From the builder's spatial index of the base network's edges, so that :attr:`edges`
        needs no index of its own (see :meth:`NetworkBuilder.labels_meeting_box`).

        Examples
        --------
        >>> context = PlanContext.start(network, plan)
        >>> zone = context.edges.geometry.iloc[0].buffer(1)
        >>> 0 in context.edges_meeting_box(zone)
        True

        """
        return self.builder.labels_meeting_box(zone, below=len(self.edges))

    @classmethod
    def start(
        cls, network: RoadNetwork, plan: Plan, settings: PlanSettings | None = None
    ) -> PlanContext:
        """Begin applying ``plan`` to ``network``: cut roads where modifying cards end.

        Parameters
        ----------
        network
            The base network; left unchanged.
        plan
            The cards.
        settings
            Tolerances (defaults from :mod:`transnet.options`).

        Returns
        -------
        PlanContext

        Examples
        --------
        >>> context = PlanContext.start(network, plan)
        >>> len(context.edges) >= len(network.edges)
        True

        """
        settings = settings or PlanSettings()
        builder = NetworkBuilder.from_network(network)
        lines = plan.frame.to_crs(network.crs).geometry.reset_index(drop=True)
        ends = [
            (Point(point), card.class_ == "expressway")
            for card, line in zip(plan.cards, lines, strict=True)
            if card.action in ("upgrade", "widen")
            for point in (line.coords[0], line.coords[-1])
        ]
        cut_at_card_ends(builder, ends, buffer_m=settings.match_buffer_m)
        builder.edge_tree()  # built before any fork, so that every fork shares it
        context = cls(builder, builder.edge_frame(), lines, settings, dict(network.metadata))
        context.base_interchanges = network.nodes.loc[
            network.nodes["interchange"].to_numpy(dtype=bool), "interchange_name"
        ].to_dict()
        return context

    def fork(self) -> PlanContext:
        """Return a copy to apply cards to independently (:meth:`NetworkBuilder.fork`).

        The frames every card selects from are shared: they are never changed.

        Examples
        --------
        >>> context = PlanContext.start(network, plan)
        >>> fork = context.fork()
        >>> fork.change(0, card=plan.cards[8])
        >>> 0 in fork.changes, 0 in context.changes
        (True, False)

        """
        return replace(
            self,
            builder=self.builder.fork(),
            metadata=dict(self.metadata),
            changes={label: dict(values) for label, values in self.changes.items()},
            new_interchanges=list(self.new_interchanges),
            changed_by={label: list(cards) for label, cards in self.changed_by.items()},
            added_by={card: list(labels) for card, labels in self.added_by.items()},
            interchanges_by={card: list(nodes) for card, nodes in self.interchanges_by.items()},
            first_node_by=dict(self.first_node_by),
            changed_by_card={card: list(labels) for card, labels in self.changed_by_card.items()},
        )

    def current(self, label: int, column: str) -> Any:
        """Return ``column`` of edge ``label``, with the changes asked for so far.

        Examples
        --------
        >>> context = PlanContext.start(network, plan)
        >>> context.change(0, card=plan.cards[8])
        >>> context.current(0, "project_id")
        'N1'

        """
        return self.changes.get(label, {}).get(column, self.edges.at[label, column])

    def change(self, label: int, *, card: ProjectCard) -> None:
        """Ask for edge ``label`` to take ``card``'s grade and lanes, never lowering either.

        The edge's ``project_id`` becomes the card's, and so does its design speed if the card
        has one.

        Examples
        --------
        >>> context = PlanContext.start(network, plan)
        >>> card = plan.cards[8]
        >>> context.change(0, card=card)
        >>> context.changes[0]["project_id"], card.id
        ('N1', 'N1')

        """
        values = self.changes.setdefault(label, {})
        _combine(values, lambda column: self.current(label, column), card)
        self.changed_by.setdefault(label, []).append(card)
        self.changed_by_card.setdefault(card.id, []).append(label)

    def begin(self, card: ProjectCard) -> None:
        """Note that ``card`` is applied next (the nodes made from now on are its own).

        Examples
        --------
        >>> context = PlanContext.start(network, plan)
        >>> context.begin(plan.cards[0])
        >>> context.first_node_by["E1"] == context.builder.next_node_id
        True

        """
        self.first_node_by[card.id] = self.builder.next_node_id

    def finish(self) -> RoadNetwork:
        """Write the changes, join the new interchanges by ramps and return the network.

        An edge whose grade changed drops its posted OSM ``maxspeed``: the limit belonged to
        the old road, so travel times follow the new grade's design speed (or the card's).

        Returns
        -------
        RoadNetwork
            Metadata of the base network with ``scenario`` ``"after"`` and the plan's warnings.

        Examples
        --------
        >>> PlanContext.start(network, plan).finish().metadata["warnings"]
        []

        """
        self.write()
        return self.builder.build({**self.metadata, "scenario": "after", "warnings": []})

    def write(self) -> None:
        """Write the changes and join the new interchanges by ramps, once, without building.

        Examples
        --------
        >>> context = PlanContext.start(network, plan)
        >>> context.write()
        >>> len(context.builder.edge_rows) >= len(network.edges)
        True

        """
        # A changed edge split since the cards selected (by a new road's end) changes whole.
        for label, parent in self.parts_since_start().items():
            if parent in self.changes:
                self.changes[label] = self.changes[parent]
                self.changed_by[label] = self.changed_by[parent]
        # Before the ramps: they may split an edge and so change what its label covers.
        self.builder.update_edges(
            {label: self._written(label, values) for label, values in self.changes.items()}
        )
        self.builder.add_ramps(self.new_interchanges, ramp_max_m=self.settings.ramp_max_m)

    def _written(self, label: int, values: dict[str, Any]) -> dict[str, Any]:
        if "grade" in values and "maxspeed" in self.builder.edge_rows[label]:
            return {**values, "maxspeed": None}
        return values

    def parts_since_start(self) -> dict[int, int]:
        """Edges split off since the cards began selecting, each with the edge it came from.

        The edge it came from is one of :attr:`edges` (an edge split twice names the first).

        Examples
        --------
        >>> PlanContext.start(network, plan).parts_since_start()
        {}

        """
        n_selected = len(self.edges)
        parts = {}
        for label in sorted(self.builder.split_from):
            if label < n_selected:
                continue
            parent = self.builder.split_from[label]
            while parent >= n_selected and parent in self.builder.split_from:
                parent = self.builder.split_from[parent]
            parts[label] = parent
        return parts

    def values_without(self, label: int, card_ids: Iterable[str]) -> dict[str, Any]:
        """Return the changed columns of edge ``label`` as they would be without some cards.

        The other cards that changed it are applied again, in plan order, to its base values.

        Examples
        --------
        >>> context = PlanContext.start(network, plan)
        >>> context.change(0, card=plan.cards[8])
        >>> context.changes[0]["project_id"]
        'N1'
        >>> bool(pd.isna(context.values_without(0, ["N1"])["project_id"]))
        True

        """
        left_out = set(card_ids)
        root = self.parts_since_start().get(label, label)
        base = self.edges.loc[root]
        values: dict[str, Any] = {}
        for card in self.changed_by.get(root, []):
            if card.id not in left_out:
                _combine(values, lambda column: values.get(column, base.get(column)), card)
        changed = self.changes.get(root, {})
        restored = {column: values.get(column, base.get(column)) for column in {*changed, *values}}
        if "grade" in values and "maxspeed" in self.edges.columns:
            restored["maxspeed"] = None
        elif "grade" in changed and "maxspeed" in self.edges.columns:
            restored["maxspeed"] = base.get("maxspeed")
        return restored


def _combine(values: dict[str, Any], current, card: ProjectCard) -> None:
    """Ask, in ``values``, for ``card``'s grade and lanes, never lowering either."""
    if grade_rank(card.grade) < grade_rank(current("grade")):
        values["grade"] = card.grade
    if card.lanes is not None:
        lanes = current("lanes")
        if pd.isna(lanes) or int(lanes) < card.lanes:
            values["lanes"] = card.lanes
    values["project_id"] = card.id
    if card.design_speed_kmh is not None:
        values["design_speed_kmh"] = card.design_speed_kmh
