"""The value of each project: what it changes when added alone and when removed last.

Projects interact (two links serving one seat substitute for each other; a link is worth
more once the road it joins is built), so each card is measured twice on the prepared base
(:class:`~transnet.scenarios.engine.ScenarioBase`): **alone**, added to the base network,
and **without**, removed from the whole plan. Each measured quantity has both columns:
``<quantity>_alone`` (base + card − base) and ``<quantity>_without`` (whole plan − whole plan
without the card: what is lost when it is dropped).

Quantities: ``expressway_km``, ``expressway_density`` (km/100 km²), counties covered under
each criterion of the county rule (``counties_crossed``, ``counties_interchange_inside``,
``counties_seat_within_km``, ``counties_seat_within_min``, with the study's thresholds) and by
a grade-1 road (``counties_grade1``), townships and POIs covered (``townships_grade2``,
``townships_grade3``, ``pois_grade2``, where given), minutes saved at county seats
(``seat_min_saved_sum`` over seats reachable both ways, ``worst_seat_min_saved``: the change of
the slowest seat's minutes, ``inf`` when it becomes reachable), and ``targets_met_alone`` /
``targets_lost_without`` (evaluated targets passing with the card alone; passing with the plan
but failing without the card, named in ``critical_for``).

**Value** (``value``): for every evaluated target whose value the plan changes, the share of
that change the card delivers, averaged over its two measures
(½ × (alone + without) / (whole plan − base)), summed over those targets. 1.0 is one target's
whole improvement. ``value_per_100m_cny`` divides it by the card's investment (亿元). The
table is sorted by ``value_per_100m_cny``, then ``value``, then ``seat_min_saved_sum_alone``
(all descending), then plan order;
``rank`` is that order. Sort by any column with :meth:`pandas.DataFrame.sort_values`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from transnet.metrics import ScenarioMetrics
from transnet.scenarios.engine import ScenarioBase, ScenarioOutcome, evaluate_cards
from transnet.scenarios.runner import ScenarioRunner

__all__ = ["ProjectValues", "evaluated_targets", "project_values", "quantities"]

#: Columns of the value table before the quantities.
ID_COLUMNS = ["rank", "id", "name", "action", "class", "investment_100m_cny"]


def quantities(metrics: ScenarioMetrics) -> dict[str, float]:
    """Return the quantities a project's value is measured in, for one scenario's metrics.

    Examples
    --------
    >>> q = quantities(study.metrics["after"])
    >>> round(q["expressway_density"], 2), q["counties_seat_within_min"]
    (5.31, 12)

    """
    counties = metrics.counties
    values: dict[str, float] = {
        "expressway_km": metrics.length_km.get("expressway", 0.0),
        "expressway_density": metrics.density_per_100km2.get("expressway", 0.0),
    }
    for criterion in ("crossed", "interchange_inside", "seat_within_km", "seat_within_min"):
        values[f"counties_{criterion}"] = sum(bool(getattr(r, criterion)) for r in counties)
    values["counties_grade1"] = sum(r.grade1_covered for r in counties)
    for kind, records in (("townships", metrics.townships), ("pois", metrics.pois)):
        if records is None:
            continue
        for name in records[0].covered if records else ():
            short = name.split("_", 1)[1]
            values[f"{kind}_{short}"] = sum(r.covered[name] for r in records)
    return values


def _seat_minutes(metrics: ScenarioMetrics) -> np.ndarray:
    return np.array(
        [
            math.inf if r.seat_to_interchange_min is None else r.seat_to_interchange_min
            for r in metrics.counties
        ]
    )


def _minutes_saved(slower: ScenarioMetrics, faster: ScenarioMetrics) -> tuple[float, float]:
    """Minutes saved at seats reachable in both, summed; and the change of the slowest seat."""
    before, after = _seat_minutes(slower), _seat_minutes(faster)
    both = np.isfinite(before) & np.isfinite(after)
    worst_before, worst_after = before.max(initial=0.0), after.max(initial=0.0)
    worst = 0.0 if worst_before == worst_after else float(worst_before - worst_after)
    return round(float((before[both] - after[both]).sum()), 4), worst


def evaluated_targets(base: ScenarioBase) -> list[str]:
    """Return the ids of the "after" targets evaluated in the study (the ones a plan can move).

    A target the whole plan leaves ``not_evaluated`` is out: no subset of the plan evaluates
    it either (missing data, or a lower bound below its threshold, which fewer roads only
    lower).

    Examples
    --------
    >>> evaluated_targets(ScenarioBase.from_study(study))
    ['expressway_density', 'county_expressway', 'county_grade1', 'poi_grade2']

    """
    full = {r.id: r for r in base.evaluate(base.card_ids).results}
    return [
        t.id for t in base.targets if t.scenario == "after" and full[t.id].status != "not_evaluated"
    ]


@dataclass(frozen=True)
class ProjectValues:
    """The value table and the evaluations behind it.

    Attributes
    ----------
    table
        One row per card (see the module for the columns and the default order).
    base, full
        The outcomes of the base network and of the whole plan.
    alone, without
        Per card id: the outcome of the base with the card alone, and of the plan without it
        (a card that changed no road gets the base's and the whole plan's).
    targets
        The evaluated targets' ids.

    Examples
    --------
    >>> values = project_values(ScenarioBase.from_study(study))
    >>> values.table.columns[:6].tolist()
    ['rank', 'id', 'name', 'action', 'class', 'investment_100m_cny']
    """

    table: pd.DataFrame
    base: ScenarioOutcome
    full: ScenarioOutcome
    alone: dict[str, ScenarioOutcome]
    without: dict[str, ScenarioOutcome]
    targets: list[str]

    @property
    def evaluations(self) -> int:
        """Number of scenarios evaluated for the table (base and whole plan included).

        Examples
        --------
        >>> project_values(ScenarioBase.from_study(study)).evaluations
        42
        """
        return 2 + 2 * sum(o is not self.base for o in self.alone.values())


def project_values(base: ScenarioBase, *, runner: ScenarioRunner | None = None) -> ProjectValues:
    """Measure every card alone and removed last, and tabulate its value (see the module).

    Parameters
    ----------
    base
        The prepared scenarios.
    runner
        Where the evaluations run (default: serially, in this process); each card that
        changed the network costs two evaluations.

    Returns
    -------
    ProjectValues

    Examples
    --------
    >>> values = project_values(ScenarioBase.from_study(study))
    >>> values.table.loc[values.table["id"] == "E5", "expressway_km_alone"].round(1).tolist()
    [51.2]
    >>> values.table["rank"].tolist()[:3] == [1, 2, 3]
    True

    """
    runner = runner or ScenarioRunner(base)
    changed = base.changed_ids
    everything = base.card_ids
    items: list[tuple[str, ...]] = [(), everything]
    items += [(c,) for c in changed]
    items += [tuple(x for x in everything if x != c) for c in changed]
    if runner.shared is not base:
        raise ValueError("the runner must share this ScenarioBase")
    outcomes = runner.map(
        evaluate_cards, items, desc="Measuring each project alone and without", unit="scenario"
    )
    none, full = outcomes[0], outcomes[1]
    alone = {c: none for c in everything}
    without = {c: full for c in everything}
    for i, card_id in enumerate(changed):
        alone[card_id] = outcomes[2 + i]
        without[card_id] = outcomes[2 + len(changed) + i]
    targets = evaluated_targets(base)
    table = _table(base, none, full, alone, without, targets)
    return ProjectValues(
        table=table, base=none, full=full, alone=alone, without=without, targets=targets
    )


def _table(
    base: ScenarioBase,
    none: ScenarioOutcome,
    full: ScenarioOutcome,
    alone: dict[str, ScenarioOutcome],
    without: dict[str, ScenarioOutcome],
    targets: list[str],
) -> pd.DataFrame:
    q_none, q_full = quantities(none.metrics), quantities(full.metrics)
    base_values, full_values = none.values, full.values
    moved = [t for t in targets if full_values[t] != base_values[t]]
    full_met = set(full.met(targets))
    rows = []
    frame = base.plan.frame.set_index("id")
    for card_id in base.card_ids:
        q_alone = quantities(alone[card_id].metrics)
        q_without = quantities(without[card_id].metrics)
        row: dict[str, object] = {
            "id": card_id,
            "name": frame.at[card_id, "name"],
            "action": frame.at[card_id, "action"],
            "class": frame.at[card_id, "class"],
            "investment_100m_cny": base.investment_100m_cny(card_id),
        }
        for key in q_full:
            row[f"{key}_alone"] = round(q_alone.get(key, 0) - q_none.get(key, 0), 4)
            row[f"{key}_without"] = round(q_full.get(key, 0) - q_without.get(key, 0), 4)
        saved_alone = _minutes_saved(none.metrics, alone[card_id].metrics)
        saved_without = _minutes_saved(without[card_id].metrics, full.metrics)
        row["seat_min_saved_sum_alone"], row["worst_seat_min_saved_alone"] = saved_alone
        row["seat_min_saved_sum_without"], row["worst_seat_min_saved_without"] = saved_without
        lost = sorted(full_met - set(without[card_id].met(targets)), key=targets.index)
        row["targets_met_alone"] = len(alone[card_id].met(targets))
        row["targets_lost_without"] = len(lost)
        row["critical_for"] = ", ".join(lost)
        row["value"] = round(
            _value(alone[card_id].values, without[card_id].values, base_values, full_values, moved),
            4,
        )
        rows.append(row)
    table = pd.DataFrame(rows)
    cost = table["investment_100m_cny"].astype(float)
    per = table["value"] / cost.where(cost > 0)
    table["value_per_100m_cny"] = per.round(6)
    order = np.arange(len(table))
    table = (
        table.assign(_order=order)
        .sort_values(
            ["value_per_100m_cny", "value", "seat_min_saved_sum_alone", "_order"],
            ascending=[False, False, False, True],
            na_position="last",
        )
        .drop(columns="_order")
        .reset_index(drop=True)
    )
    table.insert(0, "rank", np.arange(1, len(table) + 1))
    return table


def _value(
    alone: dict[str, float | None],
    without: dict[str, float | None],
    none: dict[str, float | None],
    full: dict[str, float | None],
    moved: Iterable[str],
) -> float:
    total = 0.0
    for target in moved:
        span = full[target] - none[target]
        gained = (alone[target] or 0.0) - none[target]
        lost = full[target] - (without[target] or 0.0)
        total += 0.5 * (gained + lost) / span
    return total
