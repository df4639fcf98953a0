"""The plan applied again without some new roads' cards, as an edit of the "after" network.

Where another card's road (or an interchange's ramp) joins a card's road, leaving the card out
changes where that road joins the network, and so what follows from it:
:meth:`~transnet.plan.PlanResult.undo` cannot give the network without the card.
:func:`edit_without` applies the plan again without the cards, from the base network as the
cards began, by the same code as :func:`~transnet.plan.apply_plan` (so every card joins the
network exactly as it would in a plan without them), but does not build that network: it
compares the two builders row by row and returns what differs (:class:`PlanEdit`). A measure
of the "after" network can then be edited rather than made again for the whole network.

The comparison reads only the rows that can differ: edges and nodes added since the cards
began, and the starting network's rows that either application read. Edges added since are
matched as a multiset of their values, their ends as the nodes at the same place (to the
metre, the builder's key), so edges are listed only where the two networks differ.

Examples
--------
>>> from transnet.plan import apply_plan
>>> result = apply_plan(network, plan)
>>> edit = edit_without(result, ["E1"])
>>> bool(set(result.network.edges.loc[edit.removed, "project_id"]) >= {"E1"})
True
>>> "E1" in set(edit.added["project_id"])
False
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry.base import BaseGeometry

from transnet.network import RoadNetwork
from transnet.network.build import NetworkBuilder
from transnet.network.model import finish_edges
from transnet.plan.apply import PlanResult

__all__ = ["PlanEdit", "edit_without"]


@dataclass(frozen=True)
class PlanEdit:
    """How the "after" network differs from the plan applied again without some cards.

    Attributes
    ----------
    removed
        Positions in the "after" network's edges of the edges the other network lacks.
    added
        Its edges the "after" network lacks, as :func:`~transnet.network.finish_edges` gives
        them; ``u`` and ``v`` are "after" node ids, or ids of :attr:`new_nodes`. ``key`` is 0.
    new_nodes
        Its nodes at places where the "after" network has none, indexed by id (ids above the
        "after" network's): ``x``, ``y``, ``interchange``, ``interchange_name``, ``geometry``.
    dropped_nodes
        Ids of the "after" network's nodes it lacks (only removed edges end at them).
    marks
        Per "after" node it keeps with another interchange mark: ``(interchange, name)``.
    log
        Its plan log, one row per card applied.

    Examples
    --------
    >>> from transnet.plan import apply_plan
    >>> result = apply_plan(network, plan)
    >>> edit_without(result, ["E1"]).network(result.network).metadata["scenario"]
    'after'
    """

    removed: np.ndarray
    added: gpd.GeoDataFrame
    new_nodes: gpd.GeoDataFrame
    dropped_nodes: np.ndarray
    marks: dict[int, tuple[bool, Any]]
    log: pd.DataFrame

    def network(self, after: RoadNetwork) -> RoadNetwork:
        """Return the network the edit describes, from the "after" network it was made against.

        The same network as applying the plan without the cards gives, but for the order of
        its edges, its node ids and the ``key`` of the added edges.

        Parameters
        ----------
        after
            The "after" network of the :class:`~transnet.plan.PlanResult`.

        Returns
        -------
        RoadNetwork

        Examples
        --------
        >>> from transnet.plan import apply_plan
        >>> result = apply_plan(network, plan)
        >>> edit = edit_without(result, ["E1"])
        >>> without = edit.network(result.network)
        >>> len(without.edges) == len(result.network.edges) - len(edit.removed) + len(edit.added)
        True
        """
        kept = np.ones(len(after.edges), dtype=bool)
        kept[self.removed] = False
        edges = pd.concat([after.edges.loc[kept], self.added], ignore_index=True)
        edges = gpd.GeoDataFrame(edges, geometry="geometry", crs=after.crs)
        nodes = after.nodes.loc[~after.nodes.index.isin(self.dropped_nodes)].copy()
        for node, (interchange, name) in self.marks.items():
            nodes.at[node, "interchange"] = interchange
            nodes.at[node, "interchange_name"] = name
        if len(self.new_nodes):
            nodes = pd.concat([nodes, self.new_nodes[nodes.columns]])
        nodes = gpd.GeoDataFrame(nodes, geometry="geometry", crs=after.crs)
        return RoadNetwork(nodes, edges, dict(after.metadata))


def edit_without(result: PlanResult, card_ids: Iterable[str]) -> PlanEdit | None:
    """Return how the "after" network changes once the plan is applied again without some cards.

    The same plan as :meth:`~transnet.plan.PlanResult.reapplied_without`, from the same start,
    compared with the "after" network instead of built.

    Parameters
    ----------
    result
        The whole plan applied by :func:`~transnet.plan.apply_plan`.
    card_ids
        Cards to leave out (``new`` or ``realign``).

    Returns
    -------
    PlanEdit or None
        None for a result not made by :func:`~transnet.plan.apply_plan`, or where one of the
        cards upgrades or widens (as for ``reapplied_without``).

    Examples
    --------
    >>> from transnet.plan import apply_plan
    >>> edit = edit_without(apply_plan(network, plan), ["E1"])
    >>> edit.log["id"].tolist() == [c.id for c in plan.cards if c.id != "E1"]
    True
    """
    if result.context is None:
        return None
    # Its cards' warnings were given when the plan was applied.
    again = result._cards_again(card_ids, warn=False)
    if again is None:
        return None
    context, log = again
    context.write()
    start = result._start[0]
    return _difference(result.context.builder, context.builder, start.builder, log=log)


def _difference(
    after: NetworkBuilder, again: NetworkBuilder, start: NetworkBuilder, *, log: pd.DataFrame
) -> PlanEdit:
    """Return what ``again`` has that ``after`` lacks, and the reverse (forks of ``start``)."""
    n_start_edges, first_new_node = len(start.edge_rows), start.next_node_id
    node_map, new_rows = _node_map(after, again, first_new_node)
    dropped = [
        node_id
        for node_id in range(first_new_node, after.next_node_id)
        if _same_place(after, again, node_id) is None
    ]
    after_labels, after_ids = after.rows_off_table()
    again_labels, again_ids = again.rows_off_table()
    shared_labels = {label for label in [*after_labels, *again_labels] if label < n_start_edges}
    shared_ids = {node for node in [*after_ids, *again_ids] if node < first_new_node}

    def key(row: dict[str, Any], mapping: dict[int, int]) -> tuple:
        ends = {"u": mapping.get(row["u"], row["u"]), "v": mapping.get(row["v"], row["v"])}
        return tuple(sorted((name, _canonical(value)) for name, value in {**row, **ends}.items()))

    removed, added = [], []
    for label in sorted(shared_labels):
        mine, theirs = after.edge_rows[label], again.edge_rows[label]
        if key(mine, {}) != key(theirs, node_map):
            removed.append(label)
            added.append(theirs)
    waiting: dict[tuple, list[int]] = {}
    for label in range(n_start_edges, len(after.edge_rows)):
        waiting.setdefault(key(after.edge_rows[label], {}), []).append(label)
    for label in range(n_start_edges, len(again.edge_rows)):
        row = again.edge_rows[label]
        same = waiting.get(key(row, node_map))
        if same:
            same.pop()
        else:
            added.append(row)
    removed.extend(label for labels in waiting.values() for label in labels)
    marks = {}
    for node_id in sorted({*shared_ids, *node_map.values()} - set(dropped)):
        if node_id >= after.next_node_id:
            continue
        theirs_id = node_id if node_id < first_new_node else _same_place(after, again, node_id)
        mine, theirs = after.nodes_by_id[node_id], again.nodes_by_id[theirs_id]
        mark = (bool(theirs["interchange"]), theirs["interchange_name"])
        if (bool(mine["interchange"]), mine["interchange_name"]) != mark:
            marks[node_id] = mark
    return PlanEdit(
        removed=np.array(sorted(removed), dtype=np.int64),
        added=_edge_frame(added, node_map, after.crs),
        new_nodes=_node_frame(new_rows, after.crs),
        dropped_nodes=np.array(dropped, dtype=np.int64),
        marks=marks,
        log=log,
    )


def _node_map(
    after: NetworkBuilder, again: NetworkBuilder, first_new_node: int
) -> tuple[dict[int, int], list[dict[str, Any]]]:
    """Ids in ``after`` of the nodes ``again`` added (new ids where it has none there)."""
    mapping: dict[int, int] = {}
    new_rows = []
    next_id = after.next_node_id
    for node_id in range(first_new_node, again.next_node_id):
        row = again.nodes_by_id[node_id]
        found = after.node_at(row["x"], row["y"], row["layer"])
        if found is None:
            found, next_id = next_id, next_id + 1
            new_rows.append({**row, "node": found})
        mapping[node_id] = found
    return mapping, new_rows


def _same_place(after: NetworkBuilder, again: NetworkBuilder, node_id: int) -> int | None:
    """Return the id in ``again`` of the node ``node_id`` of ``after``, or None."""
    row = after.nodes_by_id[node_id]
    return again.node_at(row["x"], row["y"], row["layer"])


def _canonical(value: Any) -> Any:
    """Return a hashable stand-in for a row's value, equal exactly where the values are."""
    if isinstance(value, BaseGeometry):
        return value.wkb
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    try:
        hash(value)
    except TypeError:
        return repr(value)
    return value


def _edge_frame(rows: list[dict[str, Any]], node_map: dict[int, int], crs: Any) -> gpd.GeoDataFrame:
    """Return the added edges' rows as network edges, their ends as "after" node ids."""
    rows = [
        {**row, "u": node_map.get(row["u"], row["u"]), "v": node_map.get(row["v"], row["v"])}
        for row in rows
    ]
    if not rows:
        return finish_edges(
            pd.DataFrame({"u": [], "v": [], "key": [], "grade": [], "geometry": []}), crs
        ).astype({"u": np.int64, "v": np.int64, "key": np.int64})
    frame = pd.DataFrame(rows)
    frame["key"] = 0
    frame["geometry"] = frame["geometry"].astype(object)
    return finish_edges(frame, crs)


def _node_frame(rows: list[dict[str, Any]], crs: Any) -> gpd.GeoDataFrame:
    """Return the new nodes' rows as network nodes, indexed by id."""
    columns = ["x", "y", "interchange", "interchange_name"]
    frame = pd.DataFrame(rows, columns=["node", *columns]).set_index("node")
    frame.index = frame.index.astype(np.int64)
    frame["interchange"] = frame["interchange"].astype(bool)
    points = gpd.points_from_xy(frame["x"].astype(float), frame["y"].astype(float), crs=crs)
    return gpd.GeoDataFrame(frame, geometry=points, crs=crs)
