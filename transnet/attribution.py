"""Which plan projects change each county seat's minutes to the nearest interchange.

A project is credited with a seat's improvement when removing it from the "after" plan makes
that seat's time worse. The plan is applied once: each project's change is undone in the
"after" network (its new roads and ramps removed, the roads it upgraded given back their
values, :meth:`transnet.plan.PlanResult.without`) and the seats are measured again with the
same engine; only seats whose best path in the "after" network uses the project's edges are
measured, since no other seat's time can grow. Where another project's road joins the
project's own, the plan is applied again without it, as that road would be placed otherwise.
Projects that substitute for each other (two new links serving the same seat) are not credited
individually, since removing either leaves the other; the per-project change is reported so
this can be seen.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy.sparse.csgraph import dijkstra

from transnet._progress import progress
from transnet.access import AccessGraph, access_graph, cost_from_points
from transnet.metrics import MetricSettings
from transnet.network import RoadNetwork
from transnet.plan import Plan, PlanResult, apply_plan
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
        if touched is not None and not touched.any():
            continue  # no seat's best path uses the card: removing it can make none worse
        without = result.without([card_id]) if result.context is not None else None
        if without is None:
            without = apply_plan(before, plan.without([card_id])).network
            touched = np.ones(len(seats), dtype=bool)
        without_min = seat_minutes_to_interchange(without, seats[touched], settings=settings)
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
        self._edges = graph.network.edges
        self._n_seats = len(seats)
        self._pairs: list[set[tuple[int, int]]] = [set() for _ in range(len(seats))]
        self._snapped = np.full(len(seats), -1, dtype=np.int64)
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


def _changes_class(card) -> bool:
    """Whether the card may turn an ordinary road into an expressway main line."""
    return card.action in ("upgrade", "widen") and (
        (card.grade == "expressway") != (card.class_ == "expressway")
    )
