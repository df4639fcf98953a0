"""A subset's network and travel-time matrices, undone from the applied plan in array steps.

:class:`SubsetUndo` reads, once, how the whole plan was applied (which card added or changed each
edge of the "after" network, which nodes each card made) and then gives, for any set of cards
left out, the network :meth:`~transnet.plan.PlanResult.without` gives (the same frames), in
array operations rather than a Python pass over every edge; a changed edge's values without
some cards are asked once per edge and set of left-out cards that changed it.

:meth:`SubsetUndo.graph` builds the subset's :class:`~transnet.access.AccessGraph` from the travel
times of the whole plan's network: an edge keeps its speed and time unless a left-out card
changed it, and only those edges are timed again (:func:`~transnet.access.add_travel_times`
works edge by edge), so the matrices equal those built from the subset's network afresh.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from transnet.access import AccessGraph, access_graph, add_travel_times, timed_matrices
from transnet.network import RoadNetwork
from transnet.plan import PlanResult

__all__ = ["SubsetUndo", "Undone"]

#: The columns :func:`~transnet.access.add_travel_times` adds.
_TIMED = ("speed_kmh", "speed_source", "time_s")


@dataclass(frozen=True)
class Undone:
    """The network of the plan with some cards undone.

    Attributes
    ----------
    network
        The network, as :meth:`~transnet.plan.PlanResult.without` gives it.
    after_rows
        Each of its edges' row in the "after" network.
    reset_rows
        Its edges whose values a left-out card had changed.
    timed
        Whether the network carries travel times (:func:`~transnet.access.add_travel_times`).

    Examples
    --------
    >>> undone = SubsetUndo(study.plan_result).network(["N1"])
    >>> len(undone.after_rows) == len(undone.network.edges)
    True
    """

    network: RoadNetwork
    after_rows: np.ndarray
    reset_rows: np.ndarray
    timed: bool = False


class SubsetUndo:
    """The applied plan, read once, to undo any set of its cards (see the module).

    Parameters
    ----------
    result
        The whole plan applied (it must keep its context).
    speeds_kmh
        Design speeds overriding the packaged table (as for :func:`~transnet.access.access_graph`).

    Examples
    --------
    >>> result = study.plan_result
    >>> undone = SubsetUndo(result).network(["N1"])
    >>> undone.network.edges.equals(result.without(["N1"]).edges)
    True

    """

    def __init__(self, result: PlanResult, *, speeds_kmh: Mapping[str, float] | None = None):
        context = result.context
        if context is None:
            raise TypeError("this PlanResult does not keep how the plan was applied")
        self.result = result
        self.context = context
        self.speeds_kmh = speeds_kmh
        edges = result.network.edges
        n_edges = len(edges)
        owner, modified = result.owners()
        u = edges["u"].to_numpy()
        v = edges["v"].to_numpy()
        self.modified: dict[int, frozenset[str]] = {
            label: frozenset(cards) for label, cards in modified.items()
        }
        self.cards = sorted(set(owner.values()))
        code = {card_id: i for i, card_id in enumerate(self.cards)}
        self.owner = np.full(n_edges, -1, dtype=np.int64)
        for label, card_id in owner.items():
            self.owner[label] = code[card_id]
        self._code = code
        self.own_nodes: dict[str, np.ndarray] = {}
        for card_id, i in code.items():
            first = context.first_node_by.get(card_id, 0)
            ends = np.concatenate([u[self.owner == i], v[self.owner == i]])
            self.own_nodes[card_id] = np.unique(ends[ends >= first])
        self._u, self._v = u, v
        self._values: dict[tuple[int, frozenset[str]], dict] = {}
        self._every = frozenset().union(*self.modified.values()) if self.modified else frozenset()
        self._undone: dict[bool, pd.DataFrame] = {}

    def __getstate__(self) -> dict:
        """Leave the caches out of a pickle (a Dask worker rebuilds them on first use)."""
        state = dict(self.__dict__)
        state.update(_values={}, _undone={})
        return state

    def network(self, card_ids: Iterable[str], *, timed: bool = False) -> Undone | None:
        """Return what :meth:`~transnet.plan.PlanResult.without` returns, with its rows.

        Parameters
        ----------
        card_ids
            Cards to leave out.
        timed
            Give the network with travel times, as :func:`~transnet.access.add_travel_times`
            gives it (from the whole plan's, the edges a left-out card had changed timed again).

        Returns
        -------
        Undone or None
            None where the plan must be re-applied (another card's road joins theirs).

        Examples
        --------
        >>> undo = SubsetUndo(study.plan_result)
        >>> undo.network([]).network.edges.equals(undo.result.network.edges)
        True
        """
        left_out = frozenset(card_ids)
        network = self.result.network
        edges, nodes = network.edges, network.nodes
        out = np.zeros(len(self.cards) + 1, dtype=bool)  # the last entry: no card (-1)
        for card_id in left_out & self._code.keys():
            out[self._code[card_id]] = True
        removed = out[self.owner]
        kept = ~removed
        own = [self.own_nodes[c] for c in left_out if c in self.own_nodes]
        own_nodes = np.unique(np.concatenate(own)) if own else np.zeros(0, dtype=np.int64)
        others = (self.owner >= 0) & kept
        ends = np.concatenate([self._u[others], self._v[others]])
        if np.isin(ends, own_nodes).any():
            return None
        reset = [
            label for label, cards in self.modified.items() if cards & left_out and kept[label]
        ]
        kept_in = [
            label for label, cards in self.modified.items() if cards - left_out and kept[label]
        ]
        if len(kept_in) < len(reset):
            # Fewer edges to set from the whole plan with every card undone: those the kept
            # cards changed (an edge's values depend only on which of its cards are left out).
            edges = self._all_undone(timed).copy(deep=False)
            labels = kept_in
        else:
            edges = (self._timed_edges() if timed else edges).copy(deep=False)
            labels = reset
        self._set_values(edges, labels, left_out, timed=timed)
        position = np.cumsum(kept) - 1
        edges = edges.loc[kept].reset_index(drop=True)
        # A node a left-out card made stays only if a kept edge still ends at it.
        unused = own_nodes[~self._ends_at(own_nodes, kept)]
        nodes = nodes.loc[~nodes.index.isin(unused)].copy()
        for card_id in left_out:
            for node in self.context.interchanges_by.get(card_id, []):
                if node in nodes.index:
                    nodes.at[node, "interchange"] = node in self.context.base_interchanges
                    nodes.at[node, "interchange_name"] = self.context.base_interchanges.get(node)
        return Undone(
            network=RoadNetwork(nodes, edges, dict(network.metadata)),
            after_rows=np.flatnonzero(kept),
            reset_rows=position[np.array(sorted(reset), dtype=np.int64)],
            timed=timed,
        )

    def _timed_edges(self) -> pd.DataFrame:
        """Return the whole plan's edges with their travel times."""
        graph = access_graph(self.result.network, speeds_kmh=self.speeds_kmh)
        return graph.network.edges

    def _set_values(
        self, edges: pd.DataFrame, labels: list[int], left_out: frozenset[str], *, timed: bool
    ) -> None:
        """Give ``labels`` the values they have without ``left_out`` (timed again if timed)."""
        after = self.result.network.edges
        for label in labels:
            mine = self.modified[label] & left_out
            if mine:
                values = self._values_without(label, mine)
            else:
                columns = self._values_without(label, self.modified[label])
                values = {column: after.at[label, column] for column in columns}
            for column, value in values.items():
                edges.at[label, column] = value
        if timed and labels:
            rows = np.array(labels, dtype=np.int64)
            again = add_travel_times(
                RoadNetwork(self.result.network.nodes, edges.loc[rows], {}),
                speeds_kmh=self.speeds_kmh,
            ).edges
            for name in _TIMED:
                edges.loc[rows, name] = again[name].to_numpy()

    def _all_undone(self, timed: bool) -> pd.DataFrame:
        """Return the whole plan's edges with every change undone (roads not removed)."""
        if timed not in self._undone:
            edges = (self._timed_edges() if timed else self.result.network.edges).copy(deep=False)
            self._set_values(edges, list(self.modified), frozenset(self._every), timed=timed)
            self._undone[timed] = edges
        return self._undone[timed]

    def _ends_at(self, node_ids: np.ndarray, kept: np.ndarray) -> np.ndarray:
        """Whether a kept edge ends at each of ``node_ids``."""
        return pd.Index(node_ids).isin(np.concatenate([self._u[kept], self._v[kept]]))

    def _values_without(self, label: int, cards: frozenset[str]) -> dict:
        """Return the edge's values without ``cards`` (its cards left out), asked once."""
        key = (label, cards)
        if key not in self._values:
            self._values[key] = self.context.values_without(label, cards)
        return self._values[key]

    def graph(self, undone: Undone) -> AccessGraph:
        """Return the travel-time matrices of a network :meth:`network` gave.

        Parameters
        ----------
        undone
            The subset's network (its edges a left-out card had changed are timed again).

        Returns
        -------
        AccessGraph
            Equal to :meth:`AccessGraph.from_network(network) <transnet.access.AccessGraph>`.

        Examples
        --------
        >>> undo = SubsetUndo(study.plan_result)
        >>> undone = undo.network(["N1"])
        >>> graph = undo.graph(undone)
        >>> (graph.time != AccessGraph.from_network(undone.network).time).nnz
        0
        """
        network, rows = undone.network, undone.reset_rows
        if undone.timed:
            timed_network = network
        else:
            edges = network.edges.copy(deep=False)
            timed = self._timed_edges().iloc[undone.after_rows]
            for name in _TIMED:
                edges[name] = timed[name].to_numpy()
            if len(rows):
                again = add_travel_times(
                    RoadNetwork(network.nodes, network.edges.iloc[rows], network.metadata),
                    speeds_kmh=self.speeds_kmh,
                ).edges
                for name in _TIMED:
                    edges.iloc[rows, edges.columns.get_loc(name)] = again[name].to_numpy()
            timed_network = RoadNetwork(network.nodes, edges, network.metadata)
        edges = timed_network.edges
        node_ids = network.nodes.index.to_numpy()
        time, distance = timed_matrices(node_ids, edges)
        parent = access_graph(self.result.network, speeds_kmh=self.speeds_kmh)
        return AccessGraph(
            network=timed_network,
            node_ids=node_ids,
            time=time,
            distance=distance,
            # The kept edges' lines are the whole plan's: its tree serves every subset.
            edge_index=parent.edge_index_of(undone.after_rows),
        )
