"""Which plan projects change each county seat's minutes to the nearest interchange.

A project is credited with a seat's improvement when removing it from the "after" plan makes
that seat's time worse. The plan is applied once: each project's change is undone on the
"after" network's reversed time matrix (its new roads and ramps cost nothing to take out, the
roads it upgraded get back their times, :meth:`transnet.plan.PlanResult.undo`; a new
expressway's interchanges are found again on the expressway part of the network) and the
seats keep their snaps; only seats whose best path in the "after" network uses the project's
edges are measured, since no other seat's time can grow. Where a seat snaps onto the project's
road, or the project changes what a seat may snap to, the network without it is measured
(:meth:`~transnet.plan.PlanResult.without`); where another project's road joins the project's
own, the plan is applied again without it, as that road would be placed otherwise, and the
"after" matrix is edited where the two networks differ
(:func:`~transnet.plan.replay.edit_without`): no network or matrix is built for it.
Projects that substitute for each other (two new links serving the same seat) are not credited
individually, since removing either leaves the other; the per-project change is reported so
this can be seen.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from transnet._memory import release_freed_memory
from transnet._progress import progress
from transnet.access import (
    AccessGraph,
    SnappedPoints,
    access_graph,
    add_travel_times,
    cost_from_points,
    snap_points,
)
from transnet.metrics import MetricSettings
from transnet.network import RoadNetwork
from transnet.plan import Plan, PlanResult, apply_plan
from transnet.plan.apply import PlanUndo
from transnet.plan.replay import PlanEdit, edit_without
from transnet.region import Region

__all__ = ["SeatAttribution", "attribute_seat_minutes", "seat_minutes_to_interchange"]

#: Changes smaller than this (minutes) are rounding, not a project's effect.
MINUTES_TOLERANCE = 0.01


@dataclass(frozen=True)
class SeatAttribution:
    """Seats' minutes to an interchange, and the projects behind the changes.

    Attributes
    ----------
    by_county
        One row per county: ``code``, ``name``, ``before_min``, ``after_min``, ``change_min``
        and ``projects`` (readable list of the projects credited).
    credits
        One row per (county, project) credited: ``code``, ``name``, ``project`` and
        ``minutes_saved`` (how much longer the trip is without the project).

    Examples
    --------
    >>> attribution = study.attribution
    >>> attribution.by_county.columns.tolist()
    ['code', 'name', 'before_min', 'after_min', 'change_min', 'projects']
    >>> attribution.credits.columns.tolist()
    ['code', 'name', 'project', 'minutes_saved']
    """

    by_county: pd.DataFrame
    credits: pd.DataFrame

    def by_project(self) -> pd.DataFrame:
        """Return, per project, the counties it serves and the minutes it saves them.

        Examples
        --------
        >>> study.attribution.by_project().columns.tolist()
        ['counties', 'minutes_saved_total', 'minutes_saved_max']
        """
        grouped = self.credits.groupby("project")
        table = pd.DataFrame(
            {
                "counties": grouped["name"].agg(", ".join),
                "minutes_saved_total": grouped["minutes_saved"].sum().round(2),
                "minutes_saved_max": grouped["minutes_saved"].max().round(2),
            }
        )
        return table.sort_values("minutes_saved_total", ascending=False)


def seat_minutes_to_interchange(
    network: RoadNetwork, seats: gpd.GeoSeries, *, settings: MetricSettings
) -> pd.Series:
    """Minutes from each seat to the nearest interchange (access leg included).

    Parameters
    ----------
    network
        The network.
    seats
        County-seat points, in any declared CRS.
    settings
        Speeds and access settings, as for the metrics.

    Returns
    -------
    pandas.Series
        Indexed like ``seats``; ``inf`` where no interchange can be reached.

    Examples
    --------
    >>> seats = region.seats.set_index("name").geometry
    >>> minutes = seat_minutes_to_interchange(network, seats, settings=MetricSettings())
    >>> minutes.index[0], bool((minutes < 30).all())
    ('尖草坪区', True)
    """
    graph = access_graph(network, speeds_kmh=settings.speeds_kmh)
    return _minutes(graph, seats, settings=settings)


def _minutes(graph: AccessGraph, seats: gpd.GeoSeries, *, settings: MetricSettings) -> pd.Series:
    cost = cost_from_points(
        graph,
        seats,
        target_nodes=graph.network.interchange_ids,
        weight="time_s",
        access_speed_kmh=settings.access_speed_kmh,
        max_snap_m=settings.max_snap_m,
        empty_ok=True,
    )
    return cost["total"] / 60


def attribute_seat_minutes(
    before: RoadNetwork,
    plan: Plan,
    result: PlanResult,
    region: Region,
    *,
    settings: MetricSettings,
) -> SeatAttribution:
    """Minutes from each seat to an interchange before and after, and the projects behind them.

    Parameters
    ----------
    before
        The base network.
    plan
        The plan applied to it.
    result
        :func:`transnet.plan.apply_plan`'s result for ``before`` and ``plan``.
    region
        The counties and seats.
    settings
        Speeds and access settings, as for the metrics.

    Returns
    -------
    SeatAttribution

    Examples
    --------
    One undo, and a measurement of the seats whose path uses it, per card that changed the
    network:

    >>> attribution = attribute_seat_minutes(
    ...     network, plan, study.plan_result, region, settings=MetricSettings()
    ... )  # doctest: +SKIP
    >>> attribution.by_project()  # doctest: +SKIP
    """
    seats = region.seats.set_index("code").geometry
    before_min = seat_minutes_to_interchange(before, seats, settings=settings)
    touches = _PathTouches(result.network, seats, settings=settings)
    after_min = touches.minutes
    changed = result.log.loc[result.log["outcome"].isin(["added", "modified"]), "id"]
    credits: dict[str, list[str]] = {code: [] for code in seats.index}
    rows = []
    card_edges = result.card_edges() if result.context is not None else {}
    cards = {card.id: card for card in plan.cards}
    for card_id in progress(changed, desc="Attributing minutes to projects", unit="card"):
        edges = card_edges.get(card_id)
        touched = touches.seats_touching(edges) if edges is not None else None
        if touched is not None and _changes_class(cards[card_id]):
            touched[:] = True
        undo = result.undo([card_id]) if result.context is not None else None
        if undo is not None and touched is not None and not touched.any():
            # No seat's best path uses the card: removing it can make none worse. Not so for
            # a card another card's road joins: that road would join elsewhere.
            continue
        without_min = None
        if undo is not None:
            without_min = touches.minutes_without(undo, touched)
        if without_min is None and undo is None and result.context is not None:
            edit = edit_without(result, [card_id])
            if edit is not None:
                touched = np.ones(len(seats), dtype=bool)
                without_min = touches.minutes_edited(edit)
        if without_min is None:
            without = result.without([card_id]) if undo is not None else None
            if without is None:
                again = result.reapplied_without([card_id])
                if again is None:
                    again = apply_plan(before, plan.without([card_id]))
                without = again.network
                del again  # only its network is measured
                touched = np.ones(len(seats), dtype=bool)
            release_freed_memory()
            without_min = seat_minutes_to_interchange(without, seats[touched], settings=settings)
            del without
            release_freed_memory()
        worse = without_min - after_min[touched]
        for code in worse.index[(worse > MINUTES_TOLERANCE).to_numpy()]:
            effect = "unreachable" if worse[code] == np.inf else f"{worse[code]:+.1f} min"
            credits[code].append(f"{card_id} ({effect} without it)")
            rows.append({"code": code, "project": card_id, "minutes_saved": float(worse[code])})
    names = region.seats.set_index("code")["name"]
    credit_table = pd.DataFrame(rows, columns=["code", "project", "minutes_saved"])
    credit_table.insert(1, "name", names.reindex(credit_table["code"]).to_numpy())
    by_county = pd.DataFrame(
        {
            "code": seats.index,
            "name": names.loc[seats.index].to_numpy(),
            "before_min": before_min.round(2).to_numpy(),
            "after_min": after_min.round(2).to_numpy(),
            "change_min": (after_min - before_min).round(2).to_numpy(),
            "projects": ["; ".join(credits[code]) for code in seats.index],
        }
    )
    return SeatAttribution(by_county=by_county, credits=credit_table)


class _PathTouches:
    """Which edges each seat's best path to an interchange uses, on the "after" network.

    A seat whose path (from its snapped edge to the interchange) uses none of a card's edges
    keeps that path, at the same cost, once the card is removed, and no other path gets
    cheaper than it was in the "after" network with the card: its minutes cannot grow. Edges
    are matched by their end nodes, so a path along a parallel edge counts too (more seats are
    measured again, never fewer). A card that changes an edge's class (what seats may snap
    to) touches every seat (see :func:`_changes_class`).
    """

    def __init__(self, network: RoadNetwork, seats: gpd.GeoSeries, *, settings: MetricSettings):
        graph = access_graph(network, speeds_kmh=settings.speeds_kmh)
        #: Each seat's minutes, as :func:`seat_minutes_to_interchange` gives them.
        self.minutes = _minutes(graph, seats, settings=settings)
        self._graph, self._settings, self._seats = graph, settings, seats
        self._edges = graph.network.edges
        self._n_seats = len(seats)
        self._pairs: list[set[tuple[int, int]]] = [set() for _ in range(len(seats))]
        self._snapped = np.full(len(seats), -1, dtype=np.int64)
        self._masked: _MaskedMatrix | None = None
        self._entries: _EntriesWithout | None = None
        edges = self._edges
        # What a seat may not snap to (:func:`transnet.access.ordinary_edges`).
        self._expressway = (edges["grade"].to_numpy() == "expressway") | edges["ramp"].to_numpy(
            bool
        )
        targets = graph.positions(network.interchange_ids)
        if not len(targets):
            return
        cost, previous, _ = dijkstra(
            graph.reverse("time_s"),
            directed=True,
            indices=targets,
            min_only=True,
            return_predecessors=True,
        )
        snapped = graph.snap(seats, max_snap_m=settings.max_snap_m)
        self._snapped = snapped.edge
        ids = graph.node_ids
        u = graph.positions(self._edges["u"].to_numpy()[snapped.edge])
        v = graph.positions(self._edges["v"].to_numpy()[snapped.edge])
        for seat in range(len(seats)):
            starts = [position for position in (u[seat], v[seat]) if np.isfinite(cost[position])]
            for position in starts:
                while previous[position] >= 0:
                    a, b = int(ids[position]), int(ids[previous[position]])
                    self._pairs[seat].add((min(a, b), max(a, b)))
                    position = previous[position]

    def minutes_without(self, undo: PlanUndo, touched: np.ndarray) -> pd.Series | None:
        """Minutes of the ``touched`` seats with ``undo`` applied to the "after" matrix.

        The "after" network's reversed time matrix has the removed edges taken out and the
        changed edges' times given back, in place of a new network and matrix; the seats keep
        their snaps, but for a seat snapped to a removed edge, snapped again to the edges left.
        None where a changed edge changes class (what seats may snap to): the caller measures
        the network without the card instead.
        """
        expressway = self._expressway
        if any(
            (values["grade"] == "expressway") != expressway[label]
            for label, values in undo.values.items()
            if "grade" in values
        ):
            return None  # what a seat may snap to changes
        snapped = self._snapped_without(undo.removed, touched)
        if self._masked is None:
            self._masked = _MaskedMatrix(self._graph, speeds_kmh=self._settings.speeds_kmh)
        if expressway[undo.removed].any() or undo.interchanges:
            if self._entries is None:
                self._entries = _EntriesWithout(self._graph.network)
            targets = self._entries.ids(undo)
        else:
            targets = self._graph.network.interchange_ids
        node_cost, retimed = self._masked.cost_to_nearest(undo, targets)
        labels = snapped.edge
        edges = self._edges.iloc[labels]
        length = edges["length_m"].to_numpy()
        along = snapped.along_m
        fraction = np.divide(along, length, out=np.zeros_like(length), where=length > 0)
        time = edges["time_s"].to_numpy().copy()
        for seat, label in enumerate(labels.tolist()):
            time[seat] = retimed.get(label, time[seat])
        positions = self._graph.positions
        forward = (1 - fraction) * time + node_cost[positions(edges["v"].to_numpy())]
        backward = fraction * time + node_cost[positions(edges["u"].to_numpy())]
        backward[edges["oneway"].to_numpy(dtype=bool)] = np.inf
        access = snapped.snap_m / (self._settings.access_speed_kmh / 3.6)
        total = access + np.minimum(forward, backward)
        total[snapped.unreachable | ~np.isfinite(total)] = np.inf
        return pd.Series(total / 60, index=self._seats.index[touched])

    def minutes_edited(self, edit: PlanEdit) -> pd.Series:
        """Minutes of every seat on the network ``edit`` describes, from the "after" matrix.

        The "after" network's reversed time matrix has the removed edges taken out and the
        added edges (and nodes) put in; each seat keeps its snap unless its edge is removed or
        an added road an ordinary place may snap to is nearer (a seat as near an added edge as
        its own keeps its own).
        """
        graph, settings = self._graph, self._settings
        n_after = len(graph.node_ids)
        new_ids = edit.new_nodes.index.to_numpy(dtype=np.int64)
        order = np.argsort(new_ids)

        def positions(node_ids: np.ndarray) -> np.ndarray:
            node_ids = np.asarray(node_ids, dtype=np.int64)
            new = np.isin(node_ids, new_ids)
            out = np.empty(len(node_ids), dtype=np.int64)
            out[~new] = graph.positions(node_ids[~new])
            out[new] = n_after + order[np.searchsorted(new_ids, node_ids[new], sorter=order)]
            return out

        added = add_travel_times(
            RoadNetwork(edit.new_nodes, edit.added, {}), speeds_kmh=settings.speeds_kmh
        ).edges
        if self._masked is None:
            self._masked = _MaskedMatrix(graph, speeds_kmh=settings.speeds_kmh)
        if self._entries is None:
            self._entries = _EntriesWithout(graph.network)
        node_cost = self._masked.cost_edited(
            edit.removed,
            added_u=positions(added["u"].to_numpy()),
            added_v=positions(added["v"].to_numpy()),
            added_time_s=added["time_s"].to_numpy(dtype=float),
            added_oneway=added["oneway"].to_numpy(dtype=bool),
            n_nodes=n_after + len(new_ids),
            targets=positions(self._entries.ids_edited(edit)),
        )
        snapped = self._snapped_without(edit.removed, np.ones(self._n_seats, dtype=bool))
        edges = self._edges.iloc[snapped.edge]
        columns = {
            name: edges[name].to_numpy().copy()
            for name in ("length_m", "time_s", "u", "v", "oneway")
        }
        along, snap_m = snapped.along_m.copy(), snapped.snap_m.copy()
        ordinary = (added["grade"].to_numpy() != "expressway") & ~added["ramp"].to_numpy(bool)
        if ordinary.any():
            nearer = snap_points(
                RoadNetwork(edit.new_nodes, added, {}),
                self._seats,
                edge_mask=ordinary,
                max_snap_m=settings.max_snap_m,
            )
            closer = nearer.snap_m < snap_m
            for name, values in columns.items():
                values[closer] = added[name].to_numpy()[nearer.edge[closer]]
            along[closer], snap_m[closer] = nearer.along_m[closer], nearer.snap_m[closer]
        length, time = columns["length_m"].astype(float), columns["time_s"].astype(float)
        fraction = np.divide(along, length, out=np.zeros_like(length), where=length > 0)
        forward = (1 - fraction) * time + node_cost[positions(columns["v"])]
        backward = fraction * time + node_cost[positions(columns["u"])]
        backward[columns["oneway"].astype(bool)] = np.inf
        total = snap_m / (settings.access_speed_kmh / 3.6) + np.minimum(forward, backward)
        total[(snap_m > settings.max_snap_m) | ~np.isfinite(total)] = np.inf
        return pd.Series(total / 60, index=self._seats.index)

    def _snapped_without(self, removed: np.ndarray, touched: np.ndarray) -> SnappedPoints:
        """Snaps of the ``touched`` seats once the edges ``removed`` are gone.

        A seat snapped elsewhere keeps its snap: its nearest edge is still there.
        """
        settings = self._settings
        snapped = self._graph.snap(self._seats, max_snap_m=settings.max_snap_m)
        fields = ("edge", "along_m", "snap_m", "unreachable")
        mine = {name: getattr(snapped, name)[touched] for name in fields}
        moved = np.isin(mine["edge"], removed)
        if moved.any():
            allowed = ~self._expressway
            allowed[removed] = False
            again = snap_points(
                self._graph.network,
                self._seats[touched][moved],
                edge_mask=allowed,
                max_snap_m=settings.max_snap_m,
                nearest_edge=self._graph.nearest_edge,
            )
            for name in fields:
                mine[name][moved] = getattr(again, name)
        return SnappedPoints(**mine)

    def seats_touching(self, labels: np.ndarray) -> np.ndarray:
        """Mask of the seats whose snapped edge or best path uses one of the edges ``labels``."""
        if not len(labels):
            return np.zeros(self._n_seats, dtype=bool)
        ends = self._edges.loc[labels, ["u", "v"]].to_numpy()
        pairs = {(int(min(a, b)), int(max(a, b))) for a, b in ends}
        label_set = set(labels.tolist())
        return np.array(
            [
                int(self._snapped[seat]) in label_set or bool(self._pairs[seat] & pairs)
                for seat in range(self._n_seats)
            ],
            dtype=bool,
        )


class _EntriesWithout:
    """The "after" network's entries to the expressway with some cards' change undone.

    :func:`~transnet.network.model.interchange_table` reads only the expressway main lines and
    ramps, the marked interchange nodes, and which of their nodes an ordinary road touches:
    those edges, and the ordinary edges at their nodes, are taken from the "after" network
    once, and each undo removes and changes rows of that part (its order kept, so the rule
    numbers and joins as on the whole network), not of the whole network.
    """

    def __init__(self, network: RoadNetwork):
        edges, nodes = network.edges, network.nodes
        expressway = (edges["grade"].to_numpy() == "expressway") | edges["ramp"].to_numpy(bool)
        u, v = edges["u"].to_numpy(), edges["v"].to_numpy()
        marked = nodes.index.to_numpy()[nodes["interchange"].to_numpy(dtype=bool)]
        relevant = np.union1d(np.concatenate([u[expressway], v[expressway]]), marked)
        rows = expressway | np.isin(u, relevant) | np.isin(v, relevant)
        self._labels = np.flatnonzero(rows)
        columns = ["u", "v", "grade", "ramp", "oneway", "ref", "name", "geometry"]
        self._edges = edges.iloc[self._labels][columns].reset_index(drop=True)
        kept = np.union1d(relevant, np.concatenate([u[rows], v[rows]]))
        node_columns = ["x", "y", "interchange", "interchange_name", "geometry"]
        self._nodes = nodes.loc[nodes.index.isin(kept), node_columns]
        # How many edge ends each node has in the whole network: a card's own node is dropped
        # with its edges only where no other edge uses it.
        self._node_index = pd.Index(nodes.index)
        self._ends = np.bincount(
            self._node_index.get_indexer(np.concatenate([u, v])), minlength=len(nodes)
        )
        self._u, self._v = u, v
        self._position = pd.Series(np.arange(len(self._labels)), index=self._labels)
        self._network = network

    def ids(self, undo: PlanUndo) -> np.ndarray:
        """Return the entry node ids (:attr:`RoadNetwork.interchange_ids`), ``undo`` applied."""
        removed = self._position.reindex(undo.removed).dropna().to_numpy(dtype=np.int64)
        kept = np.ones(len(self._edges), dtype=bool)
        kept[removed] = False
        edges = self._edges.copy(deep=False)
        for label, values in undo.values.items():
            if label in self._position.index:
                for column, value in values.items():
                    if column in edges.columns:
                        edges.at[int(self._position[label]), column] = value
        edges = edges.loc[kept].reset_index(drop=True)
        own = np.fromiter(undo.own_nodes, dtype=np.int64, count=len(undo.own_nodes))
        ends_removed = np.concatenate([self._u[undo.removed], self._v[undo.removed]])
        left = self._ends[self._node_index.get_indexer(own)] - (
            ends_removed[:, None] == own[None, :]
        ).sum(axis=0)
        nodes = self._nodes.loc[~self._nodes.index.isin(own[left == 0])].copy()
        for node, (was, name) in undo.interchanges.items():
            if node in nodes.index:
                nodes.at[node, "interchange"] = was
                nodes.at[node, "interchange_name"] = name
        return RoadNetwork(nodes, edges).interchange_ids

    def ids_edited(self, edit: PlanEdit) -> np.ndarray:
        """Return the entry node ids of the network ``edit`` describes."""
        network = self._network
        removed = self._position.reindex(edit.removed).dropna().to_numpy(dtype=np.int64)
        kept = np.ones(len(self._edges), dtype=bool)
        kept[removed] = False
        columns = list(self._edges.columns)
        added = edit.added[columns]
        expressway = (added["grade"].to_numpy() == "expressway") | added["ramp"].to_numpy(bool)
        marked_new = edit.new_nodes.index[edit.new_nodes["interchange"].to_numpy(dtype=bool)]
        marked_now = [node for node, (interchange, _) in edit.marks.items() if interchange]
        relevant = np.unique(
            np.concatenate(
                [
                    added["u"].to_numpy()[expressway],
                    added["v"].to_numpy()[expressway],
                    np.asarray(marked_new, dtype=np.int64),
                    np.asarray(marked_now, dtype=np.int64),
                ]
            )
        )
        # The "after" network's roads at the nodes the edit makes relevant.
        rows = np.flatnonzero(np.isin(self._u, relevant) | np.isin(self._v, relevant))
        rows = np.setdiff1d(np.setdiff1d(rows, self._labels), edit.removed)
        extra = network.edges.iloc[rows][columns]
        edges = pd.concat([self._edges.loc[kept], extra, added], ignore_index=True)
        ends = np.concatenate([edges["u"].to_numpy(), edges["v"].to_numpy()])
        wanted = np.setdiff1d(np.union1d(ends, list(edit.marks)), self._nodes.index.to_numpy())
        old = network.nodes.loc[network.nodes.index.isin(wanted), self._nodes.columns]
        nodes = pd.concat([self._nodes, old])
        nodes = nodes.loc[~nodes.index.isin(edit.dropped_nodes)].copy()
        for node, (interchange, name) in edit.marks.items():
            nodes.at[node, "interchange"] = interchange
            nodes.at[node, "interchange_name"] = name
        if len(edit.new_nodes):
            nodes = pd.concat([nodes, edit.new_nodes[nodes.columns]])
        nodes = gpd.GeoDataFrame(nodes.sort_index(), geometry="geometry", crs=network.crs)
        edges = gpd.GeoDataFrame(edges, geometry="geometry", crs=network.crs)
        return RoadNetwork(nodes, edges).interchange_ids


class _MaskedMatrix:
    """The "after" network's reversed time matrix, with some cards' change undone per query.

    Each matrix entry is the cheapest of the parallel edges between its two nodes: undoing
    recomputes only the entries of the removed and changed edges (a removed edge costs
    ``inf``, which no path takes), on a copy of the data array; the structure is shared.
    """

    def __init__(self, graph: AccessGraph, *, speeds_kmh):
        self._speeds_kmh = speeds_kmh
        self._network = graph.network
        reverse = graph.reverse("time_s").copy()
        reverse.sort_indices()
        self._reverse = reverse
        n = len(graph.node_ids)
        edges = graph.network.edges
        u = graph.positions(edges["u"].to_numpy()).astype(np.int64)
        v = graph.positions(edges["v"].to_numpy()).astype(np.int64)
        two_way = ~edges["oneway"].to_numpy(dtype=bool)
        # Travel u → v is the reversed matrix's entry (v, u); v → u, where allowed, is (u, v).
        edge_of = np.concatenate([np.arange(len(edges)), np.flatnonzero(two_way)])
        rows = np.concatenate([v, u[two_way]])
        cols = np.concatenate([u, v[two_way]])
        entry_rows = np.repeat(np.arange(n, dtype=np.int64), np.diff(reverse.indptr))
        keys = entry_rows * n + reverse.indices
        entry = np.searchsorted(keys, rows * n + cols)
        order = np.argsort(entry, kind="stable")
        self._entry_sorted, self._edge_sorted = entry[order], edge_of[order]
        self._entry_of, self._edge_of = entry, edge_of
        self._time = edges["time_s"].to_numpy(dtype=float)

    def cost_to_nearest(
        self, undo: PlanUndo, targets: np.ndarray
    ) -> tuple[np.ndarray, dict[int, float]]:
        """Seconds from every node to the nearest of ``targets`` (node ids), ``undo`` applied.

        Also returns the new time of each edge ``undo`` removed (``inf``) or changed.
        """
        time = {int(label): np.inf for label in undo.removed}
        if undo.values:
            labels = np.fromiter(undo.values, dtype=np.int64)
            edges = self._network.edges.loc[labels].copy()
            for label, values in undo.values.items():
                for column, value in values.items():
                    edges.at[label, column] = value
            retimed = add_travel_times(
                RoadNetwork(self._network.nodes, edges, self._network.metadata),
                speeds_kmh=self._speeds_kmh,
            ).edges["time_s"]
            time.update(zip(labels.tolist(), retimed.to_numpy().tolist(), strict=True))
        matrix = csr_matrix(
            (self._data_with(time), self._reverse.indices, self._reverse.indptr),
            shape=self._reverse.shape,
        )
        return self._dijkstra(matrix, targets), time

    def _data_with(self, time: dict[int, float]) -> np.ndarray:
        """Return the matrix's data with the edges of ``time`` at those times (``inf``: gone)."""
        changed = np.fromiter(time, dtype=np.int64)
        data = self._reverse.data.copy()
        if not len(changed):
            return data
        entries = np.unique(self._entry_of[np.isin(self._edge_of, changed)])
        start = np.searchsorted(self._entry_sorted, entries, side="left")
        stop = np.searchsorted(self._entry_sorted, entries, side="right")
        span = np.concatenate([np.arange(a, b) for a, b in zip(start, stop, strict=True)])
        edge = self._edge_sorted[span]
        cost = self._time[edge].copy()
        override = np.isin(edge, changed)
        cost[override] = [time[int(label)] for label in edge[override]]
        data[entries] = np.minimum.reduceat(cost, np.searchsorted(span, start))
        return data

    def cost_edited(
        self,
        removed: np.ndarray,
        *,
        added_u: np.ndarray,
        added_v: np.ndarray,
        added_time_s: np.ndarray,
        added_oneway: np.ndarray,
        n_nodes: int,
        targets: np.ndarray,
    ) -> np.ndarray:
        """Seconds from every node to the nearest of ``targets`` (positions), edges edited.

        The edges ``removed`` are taken out and the added ones, between node positions (those
        from the matrix's size up to ``n_nodes`` are new nodes), put in: an added edge parallel
        to an entry lowers it to the cheaper, any other is inserted into its row.
        """
        reverse = self._reverse
        n_old = reverse.shape[0]
        data = self._data_with({int(label): np.inf for label in removed})
        # Travel u → v is the reversed matrix's entry (v, u); v → u, where allowed, is (u, v).
        two_way = ~np.asarray(added_oneway, dtype=bool)
        rows = np.concatenate([added_v, added_u[two_way]]).astype(np.int64)
        cols = np.concatenate([added_u, added_v[two_way]]).astype(np.int64)
        cost = np.concatenate([added_time_s, added_time_s[two_way]]).astype(float)
        # Rows, then columns, in order; parallel entries stay (Dijkstra takes the cheapest).
        order = np.argsort(rows * n_nodes + cols, kind="stable")
        rows, cols, cost = rows[order], cols[order], cost[order]
        indices, indptr = reverse.indices, reverse.indptr
        at = np.full(len(rows), -1, dtype=np.int64)
        for i in np.flatnonzero((rows < n_old) & (cols < n_old)).tolist():
            lo, hi = indptr[rows[i]], indptr[rows[i] + 1]
            j = lo + int(np.searchsorted(indices[lo:hi], cols[i]))
            if j < hi and indices[j] == cols[i]:
                at[i] = j
        found = at >= 0
        np.minimum.at(data, at[found], cost[found])
        rows, cols, cost = rows[~found], cols[~found], cost[~found]
        indptr = np.concatenate([indptr, np.full(n_nodes - n_old, indptr[-1])])
        if len(rows):
            # Each new entry goes where its column falls in its row (rows, then columns, sorted).
            where = np.array(
                [
                    indptr[r] + int(np.searchsorted(indices[indptr[r] : indptr[r + 1]], c))
                    for r, c in zip(rows.tolist(), cols.tolist(), strict=True)
                ],
                dtype=np.int64,
            )
            indices = np.insert(indices, where, cols.astype(indices.dtype))
            data = np.insert(data, where, cost)
            counts = np.bincount(rows, minlength=n_nodes)
            indptr = indptr + np.concatenate([[0], np.cumsum(counts)]).astype(indptr.dtype)
        matrix = csr_matrix((data, indices, indptr), shape=(n_nodes, n_nodes))
        return self._dijkstra(matrix, targets, as_positions=True)

    def _dijkstra(
        self, matrix: csr_matrix, targets: np.ndarray, *, as_positions: bool = False
    ) -> np.ndarray:
        if as_positions:
            positions = np.asarray(targets, dtype=np.int64)
        else:
            positions = pd.Index(self._network.nodes.index).get_indexer(targets)
            positions = positions[positions >= 0]
        if not len(positions):
            return np.full(matrix.shape[0], np.inf)
        return dijkstra(matrix, directed=True, indices=positions, min_only=True)


def _changes_class(card) -> bool:
    """Whether the card may turn an ordinary road into an expressway main line."""
    return card.action in ("upgrade", "widen") and (
        (card.grade == "expressway") != (card.class_ == "expressway")
    )
