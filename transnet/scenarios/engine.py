"""The scenario engine: any subset of the plan's cards, evaluated on one prepared base.

A :class:`ScenarioBase` holds what every scenario shares: the base ("before") network, the
whole plan applied once (:class:`~transnet.plan.PlanResult`, which records the edges each card
made or changed), the region, the townships and POIs, the metric settings and the targets.
:meth:`ScenarioBase.evaluate` builds the network of a subset by undoing the other cards in
the applied plan (:meth:`~transnet.plan.PlanResult.without`), never re-reading or re-building
the network from its files; only where another card's road joins a left-out card's road (so
it would have been placed otherwise) is the plan re-applied to the base. The subset's network
is then measured with the study's own code (:func:`~transnet.metrics.evaluate_scenario`,
:func:`~transnet.targets.evaluate_targets`), as the "after" scenario. The undoing is done by
:class:`~transnet.scenarios.undo.SubsetUndo` (the same frames, in array steps, with travel times
and matrices from the whole plan's), and the edges cut at county boundaries are the whole
plan's, so that nothing is rebuilt from GeoDataFrames per subset.

:meth:`ScenarioBase.verify` is the real pipeline: the plan restricted to the subset applied to
the base network and evaluated, as :func:`~transnet.study.run_study` does. Every answer of
:mod:`transnet.scenarios.prioritise` is verified that way.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from transnet._errors import InputError, TransnetWarning, suggest
from transnet.access import AccessGraph
from transnet.metrics import (
    MetricSettings,
    ScenarioMetrics,
    clip_edges_to_counties,
    evaluate_scenario,
)
from transnet.network import RoadNetwork
from transnet.plan import Plan, PlanResult, apply_plan
from transnet.region import Region
from transnet.scenarios.undo import SubsetUndo
from transnet.targets import (
    DataAvailability,
    Target,
    TargetResults,
    evaluate_targets,
)

__all__ = ["ScenarioBase", "ScenarioOutcome", "evaluate_cards"]

#: Column of a subset's edges: the edge's row in the "after" network.
_EDGE_COLUMN = "after_edge"


@dataclass(frozen=True)
class ScenarioOutcome:
    """The metrics and target results of the base network with a subset of the plan's cards.

    Attributes
    ----------
    cards
        The subset's card ids, in plan order.
    metrics
        The subset's metrics (:func:`~transnet.metrics.evaluate_scenario`).
    results
        Every target, evaluated with the subset as the "after" scenario.
    reapplied
        Whether the subset's network needed the plan re-applied (see the module).

    Examples
    --------
    >>> base = ScenarioBase.from_study(study)
    >>> outcome = base.evaluate(["E1", "E6"])
    >>> outcome.cards, outcome.statuses["expressway_density"]
    (('E1', 'E6'), 'fail')

    """

    cards: tuple[str, ...]
    metrics: ScenarioMetrics
    results: TargetResults
    reapplied: bool = False

    @property
    def values(self) -> dict[str, float | None]:
        """Each target's value (None where not evaluated).

        Examples
        --------
        >>> ScenarioBase.from_study(study).evaluate([]).values["expressway_density"]
        4.1893
        """
        return {r.id: r.value for r in self.results}

    @property
    def statuses(self) -> dict[str, str]:
        """Each target's status: ``pass``, ``fail`` or ``not_evaluated``.

        Examples
        --------
        >>> ScenarioBase.from_study(study).evaluate([]).statuses["road_density"]
        'not_evaluated'
        """
        return {r.id: r.status for r in self.results}

    def met(self, target_ids: Iterable[str]) -> list[str]:
        """Return those of ``target_ids`` that pass.

        Examples
        --------
        >>> ScenarioBase.from_study(study).evaluate([]).met(["expressway_density", "poi_grade2"])
        ['poi_grade2']
        """
        statuses = self.statuses
        return [t for t in target_ids if statuses.get(t) == "pass"]


@dataclass
class ScenarioBase:
    """What every scenario of a study shares, prepared once (see the module).

    Attributes
    ----------
    before
        The base network.
    plan
        The whole plan.
    result
        The whole plan applied to ``before`` once.
    region, settings, targets, availability, townships, pois
        As in :class:`~transnet.study.Study`.
    base_metrics, full_metrics
        The metrics of the base network and of the whole plan.

    Examples
    --------
    >>> base = ScenarioBase.from_study(study)
    >>> base.card_ids[:3], len(base.changed_ids) <= len(base.card_ids)
    (('E1', 'E2', 'E3'), True)

    """

    before: RoadNetwork
    plan: Plan
    result: PlanResult
    region: Region
    settings: MetricSettings
    targets: list[Target]
    availability: DataAvailability
    base_metrics: ScenarioMetrics
    full_metrics: ScenarioMetrics
    townships: gpd.GeoDataFrame | None = None
    pois: gpd.GeoDataFrame | None = None
    _order: dict[str, int] = field(default_factory=dict, repr=False)
    _pieces: gpd.GeoDataFrame | None = field(default=None, repr=False)
    _undo: SubsetUndo | None = field(default=None, repr=False)
    _piece_m: np.ndarray | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self._order = {card.id: i for i, card in enumerate(self.plan.cards)}
        after = self.result.network
        if _EDGE_COLUMN not in after.edges.columns:
            # Each edge of a subset's network (undone from the applied plan) keeps its row of
            # the "after" network, so that its pieces cut at county boundaries are reused.
            edges = after.edges.assign(**{_EDGE_COLUMN: np.arange(len(after.edges))})
            network = RoadNetwork(after.nodes, edges, dict(after.metadata))
            self.result = PlanResult(
                network=network, log=self.result.log, context=self.result.context
            )
        self._pieces = clip_edges_to_counties(self.result.network, self.region)
        self._piece_m = shapely.length(self._pieces.geometry.values)
        if self.result.context is not None:
            self._undo = SubsetUndo(self.result, speeds_kmh=self.settings.speeds_kmh)

    @classmethod
    def from_study(cls, study) -> ScenarioBase:
        """Prepare the scenarios of a :class:`~transnet.study.Study` (no metric recomputed).

        Parameters
        ----------
        study
            A study from :func:`~transnet.study.run_study`.

        Returns
        -------
        ScenarioBase

        Examples
        --------
        >>> ScenarioBase.from_study(study).base_metrics is study.metrics["before"]
        True
        """
        return cls(
            before=study.before,
            plan=study.plan,
            result=study.plan_result,
            region=study.region,
            settings=study.settings,
            targets=study.targets,
            availability=study.availability,
            base_metrics=study.metrics["before"],
            full_metrics=study.metrics["after"],
            townships=study.townships,
            pois=study.pois,
        )

    @property
    def card_ids(self) -> tuple[str, ...]:
        """Every card id, in plan order.

        Examples
        --------
        >>> len(ScenarioBase.from_study(study).card_ids)
        21
        """
        return tuple(self._order)

    @property
    def changed_ids(self) -> tuple[str, ...]:
        """The cards that changed the network (outcome ``added`` or ``modified``).

        Examples
        --------
        >>> "E2" in ScenarioBase.from_study(study).changed_ids  # already in the base network
        False
        """
        log = self.result.log
        changed = set(log.loc[log["outcome"].isin(["added", "modified"]), "id"])
        return tuple(c for c in self._order if c in changed)

    def investment_100m_cny(self, card_id: str) -> float | None:
        """Return a card's investment in 亿元, or None where the card gives none.

        Examples
        --------
        >>> ScenarioBase.from_study(study).investment_100m_cny("E1")
        48.7
        """
        value = getattr(self.plan.cards[self._order[card_id]], "investment_100m_cny", None)
        return None if value is None or not math.isfinite(value) else float(value)

    def requires(self, card_id: str) -> list[str]:
        """Return the cards a card needs (its ``requires``; none where the schema has none).

        Examples
        --------
        >>> ScenarioBase.from_study(study).requires("E1")
        []
        """
        return list(getattr(self.plan.cards[self._order[card_id]], "requires", None) or [])

    def subset(self, cards: Iterable[str]) -> tuple[str, ...]:
        """Return ``cards`` as a subset in plan order, refusing unknown ids with a hint.

        Examples
        --------
        >>> ScenarioBase.from_study(study).subset(["N1", "E3"])
        ('E3', 'N1')
        """
        wanted = {cards} if isinstance(cards, str) else set(cards)
        for card_id in sorted(wanted - set(self._order)):
            raise InputError(
                f"no card {card_id!r} in the plan{suggest(card_id, self._order)}",
                path=self.plan.path,
                record=card_id,
            )
        return tuple(c for c in self._order if c in wanted)

    def network(self, cards: Iterable[str]) -> tuple[RoadNetwork, bool]:
        """Return the network of the base with ``cards`` only, and whether it was re-applied.

        Examples
        --------
        >>> base = ScenarioBase.from_study(study)
        >>> network, reapplied = base.network(["E1"])
        >>> sorted(set(network.edges["project_id"].dropna()) - {""}), reapplied
        (['E1'], False)

        """
        network, reapplied, _ = self._network(self.subset(cards), timed=False)
        return network, reapplied

    def _network(
        self, subset: tuple[str, ...], *, timed: bool
    ) -> tuple[RoadNetwork, bool, AccessGraph | None]:
        """Return the subset's network, whether re-applied, and its matrices if undone."""
        left_out = [c for c in self._order if c not in subset]
        if not subset:
            return self.before, False, None
        if not left_out:
            return self.result.network, False, None
        if self._undo is not None:
            undone = self._undo.network(left_out, timed=timed)
            if undone is not None:
                graph = self._undo.graph(undone) if timed else None
                return undone.network, False, graph
        else:
            network = self.result.without(left_out)
            if network is not None:
                return network, False, None
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", TransnetWarning)  # given once, for the whole plan
            return apply_plan(self.before, self.plan.without(left_out)).network, True, None

    def evaluate(self, cards: Iterable[str]) -> ScenarioOutcome:
        """Evaluate the metrics and targets of the base network with ``cards`` only.

        Parameters
        ----------
        cards
            Card ids of the subset (any order).

        Returns
        -------
        ScenarioOutcome

        Raises
        ------
        InputError
            On a card id the plan does not have (with a "did you mean").

        Examples
        --------
        >>> base = ScenarioBase.from_study(study)
        >>> base.evaluate(base.card_ids).statuses == {r.id: r.status for r in study.results}
        True
        >>> base.evaluate(["E3"]).values["expressway_density"]
        4.4986

        """
        subset = self.subset(cards)
        network, reapplied, graph = self._network(subset, timed=True)
        return self._measure(subset, network, reapplied=reapplied, graph=graph)

    def verify(self, cards: Iterable[str]) -> ScenarioOutcome:
        """Evaluate ``cards`` with the real pipeline: their plan applied to the base afresh.

        Examples
        --------
        >>> base = ScenarioBase.from_study(study)
        >>> base.verify(["E1", "E6"]).values == base.evaluate(["E1", "E6"]).values
        True

        """
        subset = self.subset(cards)
        left_out = [c for c in self._order if c not in subset]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", TransnetWarning)
            network = apply_plan(self.before, self.plan.without(left_out)).network
        return self._measure(subset, network, reapplied=True)

    def _measure(
        self,
        subset: tuple[str, ...],
        network: RoadNetwork,
        *,
        reapplied: bool,
        graph: AccessGraph | None = None,
    ) -> ScenarioOutcome:
        if subset == self.card_ids:
            metrics = self.full_metrics
        elif not subset:
            metrics = self.base_metrics
        else:
            metrics = evaluate_scenario(
                network,
                self.region,
                settings=self.settings,
                townships=self.townships,
                pois=self.pois,
                graph=graph,
                pieces=self._pieces_of(network),
            )
        results = evaluate_targets(
            self.targets,
            {"before": self.base_metrics, "after": metrics},
            available=self.availability,
        )
        return ScenarioOutcome(cards=subset, metrics=metrics, results=results, reapplied=reapplied)

    def _pieces_of(self, network: RoadNetwork) -> gpd.GeoDataFrame | None:
        """Return the network's edges cut at county boundaries, from the "after" pieces.

        An edge undone from the applied plan keeps its geometry (only attributes change), so
        its pieces are the "after" edge's, with its own grade, ramp flag and centre-line factor.
        None for a network built afresh (the plan re-applied): it is cut again.
        """
        edges = network.edges
        if self._pieces is None or _EDGE_COLUMN not in edges.columns:
            return None
        rows = edges[_EDGE_COLUMN].to_numpy()
        position = np.full(len(self.result.network.edges), -1, dtype=np.int64)
        position[rows] = np.arange(len(rows))
        of_piece = position[self._pieces.index.to_numpy()]
        kept = of_piece >= 0
        pieces = self._pieces.loc[kept].copy()
        mine = of_piece[kept]
        factor = edges["centerline_factor"].to_numpy(dtype=float)[mine]
        pieces["grade"] = edges["grade"].to_numpy()[mine]
        pieces["ramp"] = edges["ramp"].to_numpy(dtype=bool)[mine]
        pieces["length_m"] = self._piece_m[kept] * factor
        pieces.index = pd.Index(mine, name="edge")
        return pieces


def evaluate_cards(base: ScenarioBase, cards: Iterable[str]) -> ScenarioOutcome:
    """Evaluate a subset: :meth:`ScenarioBase.evaluate`, as a function for the runner.

    Examples
    --------
    >>> from transnet.scenarios import run_scenarios
    >>> base = ScenarioBase.from_study(study)
    >>> outcomes = run_scenarios(evaluate_cards, [(), base.card_ids], shared=base)
    >>> [o.statuses["expressway_density"] for o in outcomes]
    ['fail', 'pass']

    """
    return base.evaluate(cards)
