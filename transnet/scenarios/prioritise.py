"""Which projects first: the cheapest subset meeting the targets, the best under a budget.

**The model.** From the per-card evaluations of :mod:`transnet.scenarios.values`, each
evaluated target's value becomes a linear function of binary card choices ``x_j``:

- lengths and densities (``length_km.*``, ``density_per_100km2.*``, ``ramp_km``) are additive:
  base + Σ ``x_j`` × the card's effect (the mean of its effect alone and removed last);
- coverage targets are a set cover: a county, township or POI the base leaves uncovered is
  covered (``y_i``) when any card that covers it alone is chosen; one no single card covers
  but the plan does needs every card whose removal uncovers it (all of the plan where there
  is none); share = (covered in the base + Σ ``y_i``) / places;
- ``requires`` (a card's dependencies) are ``x_j ≤ x_k``; ``--must`` fixes ``x_j = 1``,
  ``--exclude`` ``x_j = 0``.

Without a budget the model minimises the cost (亿元) under every target that the allowed cards
can meet; with one, it maximises the number of targets met, then the summed margin (each
target's value beyond its threshold, over the plan's change of it), then the least cost. It is
solved exactly by :func:`scipy.optimize.milp` (HiGHS).

**Verification.** Interactions the model leaves out (two links that each shorten the same
trip, a road worth more once another is built) make it approximate. Every answer is
re-evaluated with the real pipeline (:meth:`~transnet.scenarios.engine.ScenarioBase.verify`:
the plan restricted to the subset applied to the base and measured afresh); where the answer
misses the targets the model promised, that subset is cut from the model and it is solved
again (up to :data:`~transnet.options.PRIORITISE_MAX_ROUNDS` times). The model-vs-real gap of
each target is reported. The greedy baseline (cards by value per 亿元, see
:mod:`~transnet.scenarios.values`) is evaluated too; where it re-evaluates better, it is the
answer and the method says so.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_array

from transnet import options
from transnet._errors import InputError, format_number, suggest
from transnet.scenarios.engine import ScenarioBase, ScenarioOutcome, evaluate_cards
from transnet.scenarios.runner import ScenarioRunner
from transnet.scenarios.values import ProjectValues
from transnet.targets import Target, target_places, verdict

__all__ = [
    "Choice",
    "Prioritisation",
    "check_budget",
    "check_choices",
    "prioritise",
    "verify_cards",
]

_ADDITIVE = ("length_km", "density_per_100km2", "ramp_km")


@dataclass(frozen=True)
class Choice:
    """A subset of cards and how it fares, re-evaluated with the real pipeline.

    Attributes
    ----------
    selected
        The card ids, in plan order.
    cost_100m_cny
        Their investment, 亿元.
    targets
        Every target's re-evaluated ``status`` and ``value`` (and ``reason`` where it is
        ``not_evaluated``: the data cannot evaluate it).
    met
        The number of evaluated targets that pass.
    margin
        Σ over the evaluated targets of (value − threshold) / the plan's change of the value,
        signed so that a positive margin is on the passing side.
    model
        Each target's value as the model predicted it (None where the model has none).

    Examples
    --------
    >>> choice = Choice(selected=("E3",), cost_100m_cny=100.8, met=3, margin=-0.2,
    ...     targets={"expressway_density": {"status": "fail", "value": 4.4986}},
    ...     model={"expressway_density": 4.4986})
    >>> choice.gap()
    {'expressway_density': 0.0}
    """

    selected: tuple[str, ...]
    cost_100m_cny: float
    targets: dict[str, dict[str, Any]]
    met: int
    margin: float
    model: dict[str, float | None] = field(default_factory=dict)

    def gap(self) -> dict[str, float]:
        """Return, per modelled target, the model's value minus the re-evaluated one.

        Examples
        --------
        >>> Choice(selected=(), cost_100m_cny=0.0, met=0, margin=0.0,
        ...     targets={"t": {"status": "fail", "value": 1.0}}, model={"t": 1.5}).gap()
        {'t': 0.5}
        """
        return {
            t: round(self.model[t] - self.targets[t]["value"], 6)
            for t in self.model
            if self.model[t] is not None and self.targets[t]["value"] is not None
        }


@dataclass(frozen=True)
class Prioritisation:
    """The answer of :func:`prioritise`, the greedy baseline and the frontier.

    Attributes
    ----------
    choice
        The answer.
    method
        ``exact`` or ``greedy`` (the exact answer re-evaluated worse, or the model had none).
    greedy
        The greedy baseline.
    exact
        The exact model's best verified answer (None when the model had none).
    budget_100m_cny
        The budget, or None for the least-cost subset meeting the targets.
    unreachable
        Targets that no allowed subset meets, each with why.
    frontier
        One row per budget step: ``budget_100m_cny``, ``selected``, ``cost_100m_cny``,
        ``targets_met`` (ids) and ``met``.
    notes
        What the reader must know (cards without investment, targets not modelled, fall-backs).
    rounds
        How many times the model was solved for the answer.
    seconds
        Wall-clock seconds of the greedy baseline, the exact answer (each with its
        re-evaluation) and the frontier; not written to ``prioritise.json``.

    Examples
    --------
    >>> from transnet.scenarios import project_values
    >>> base = ScenarioBase.from_study(study)
    >>> answer = prioritise(base, project_values(base), budget_100m_cny=200, frontier_steps=0)
    >>> answer.method, answer.choice.met, answer.budget_100m_cny
    ('exact', 3, 200)
    """

    choice: Choice
    method: Literal["exact", "greedy"]
    greedy: Choice
    exact: Choice | None
    budget_100m_cny: float | None
    unreachable: dict[str, str]
    frontier: list[dict[str, Any]]
    notes: list[str]
    rounds: int
    seconds: dict[str, float] = field(default_factory=dict, compare=False)

    def to_json(self) -> dict[str, Any]:
        """Return the ``prioritise.json`` record (see :func:`prioritise`).

        Examples
        --------
        >>> from transnet.scenarios import project_values
        >>> base = ScenarioBase.from_study(study)
        >>> answer = prioritise(base, project_values(base), frontier_steps=0)
        >>> record = answer.to_json()
        >>> record["selected"], record["cost_100m_cny"], record["method"]["name"]
        (['E3', 'E5', 'E8'], 216.0, 'exact')
        """
        gap = self.exact.gap() if self.exact is not None else {}
        return {
            "selected": list(self.choice.selected),
            "cost_100m_cny": round(self.choice.cost_100m_cny, 4),
            "budget_100m_cny": self.budget_100m_cny,
            "targets": self.choice.targets,
            "targets_met": self.choice.met,
            "margin": round(self.choice.margin, 6),
            "unreachable": self.unreachable,
            "frontier": self.frontier,
            "method": {
                "name": self.method,
                "solver": "scipy.optimize.milp (HiGHS)",
                "verified_by": "the plan restricted to the subset, applied and evaluated afresh",
                "model_rounds": self.rounds,
                "model_gap": gap,
                "model_gap_max_abs": max((abs(v) for v in gap.values()), default=0.0),
                "exact": None if self.exact is None else _choice_json(self.exact),
                "greedy": _choice_json(self.greedy),
            },
            "notes": self.notes,
        }


def _choice_json(choice: Choice) -> dict[str, Any]:
    return {
        "selected": list(choice.selected),
        "cost_100m_cny": round(choice.cost_100m_cny, 4),
        "targets_met": choice.met,
        "margin": round(choice.margin, 6),
    }


def verify_cards(base: ScenarioBase, cards: Iterable[str]) -> ScenarioOutcome:
    """Re-evaluate a subset with the real pipeline (:meth:`ScenarioBase.verify`), for the runner.

    Examples
    --------
    >>> base = ScenarioBase.from_study(study)
    >>> verify_cards(base, ["E3"]).statuses["expressway_density"]
    'fail'
    """
    return base.verify(cards)


class _Model:
    """The linear model of the targets over card choices (see the module)."""

    def __init__(self, base: ScenarioBase, values: ProjectValues, targets: Sequence[str]):
        self.cards = list(base.card_ids)
        self.index = {c: i for i, c in enumerate(self.cards)}
        self.n = len(self.cards)
        self.by_id = {t.id: t for t in base.targets}
        changed = list(base.changed_ids)
        self._extra = 0
        self.rows: list[tuple[dict[int, float], float, float]] = []
        self.expressions: dict[str, tuple[float, dict[int, float]]] = {}
        self.not_modelled: list[str] = []
        for target_id in targets:
            target = self.by_id[target_id]
            family, _, key = target.metric.partition(".")
            if family in _ADDITIVE:
                self.expressions[target_id] = self._additive(target, values, changed)
                continue
            expression = self._coverage(target, key, values, changed)
            if expression is None:
                self.not_modelled.append(target_id)
            else:
                self.expressions[target_id] = expression

    @property
    def size(self) -> int:
        return self.n + self._extra

    def _variable(self) -> int:
        self._extra += 1
        return self.n + self._extra - 1

    def _additive(
        self, target: Target, values: ProjectValues, changed: list[str]
    ) -> tuple[float, dict[int, float]]:
        none = values.base.values[target.id]
        full = values.full.values[target.id]
        coefficients = {}
        for card_id in changed:
            alone = values.alone[card_id].values[target.id] - none
            lost = full - values.without[card_id].values[target.id]
            if alone or lost:
                coefficients[self.index[card_id]] = 0.5 * (alone + lost)
        return none, coefficients

    def _coverage(
        self, target: Target, key: str, values: ProjectValues, changed: list[str]
    ) -> tuple[float, dict[int, float]] | None:
        base_places = target_places(target, values.base.metrics)
        full_places = target_places(target, values.full.metrics)
        if base_places is None or full_places is None or key not in ("share", "covered"):
            return None
        alone = {c: target_places(target, values.alone[c].metrics) for c in changed}
        without = {c: target_places(target, values.without[c].metrics) for c in changed}
        scale = 1.0 / len(base_places) if key == "share" and base_places else 1.0
        constant = sum(base_places) * scale
        coefficients: dict[int, float] = {}
        for i, (was, will) in enumerate(zip(base_places, full_places, strict=True)):
            if was or not will:
                continue
            y = self._variable()
            coefficients[y] = scale
            covering = [self.index[c] for c in changed if alone[c][i]]
            if covering:  # y = x_1 or x_2 or ...
                self.rows.append(({y: 1.0, **{j: -1.0 for j in covering}}, -np.inf, 0.0))
                for j in covering:
                    self.rows.append(({y: 1.0, j: -1.0}, 0.0, np.inf))
                continue
            needed = [self.index[c] for c in changed if not without[c][i]]
            needed = needed or [self.index[c] for c in changed]
            for j in needed:  # y = x_1 and x_2 and ...
                self.rows.append(({y: 1.0, j: -1.0}, -np.inf, 0.0))
            self.rows.append(({y: 1.0, **{j: -1.0 for j in needed}}, 1.0 - len(needed), np.inf))
        return constant, coefficients

    def predict(self, selected: Iterable[str]) -> dict[str, float | None]:
        """Return the model's value of each target for a subset (coverage by its rule)."""
        chosen = {self.index[c] for c in selected}
        x = np.zeros(self.size)
        x[list(chosen)] = 1
        predicted: dict[str, float | None] = dict.fromkeys(self.not_modelled)
        y_values = self._cover_values(x)
        for target_id, (constant, coefficients) in self.expressions.items():
            total = constant
            for var, coef in coefficients.items():
                total += coef * (x[var] if var < self.n else y_values[var])
            predicted[target_id] = total
        return predicted

    def _cover_values(self, x: np.ndarray) -> dict[int, float]:
        """Each place variable's value for the choices ``x`` (the tightest its rows allow)."""
        upper: dict[int, float] = {}
        lower: dict[int, float] = {}
        for coefficients, low, high in self.rows:
            y = next(v for v in coefficients if v >= self.n)
            rest = sum(c * x[v] for v, c in coefficients.items() if v < self.n)
            if math.isfinite(high):
                upper[y] = min(upper.get(y, 1.0), high - rest)
            if math.isfinite(low):
                lower[y] = max(lower.get(y, 0.0), low - rest)
        return {y: float(max(lower.get(y, 0.0), min(upper.get(y, 1.0), 1.0))) for y in upper}

    def solve(
        self,
        *,
        cost: np.ndarray,
        lower: np.ndarray,
        upper: np.ndarray,
        requires: list[tuple[int, int]],
        must_pass: Sequence[str],
        budget: float | None,
        cuts: list[tuple[str, ...]],
        scale: dict[str, float],
    ) -> tuple[str, ...] | None:
        """Return the model's best subset, or None when it has none (see the module)."""
        rows = list(self.rows)
        rows += [({j: 1.0, k: -1.0}, -np.inf, 0.0) for j, k in requires]
        for cut in cuts:
            inside = {self.index[c] for c in cut}
            rows.append(
                (
                    {j: (1.0 if j in inside else -1.0) for j in range(self.n)},
                    -np.inf,
                    len(inside) - 1.0,
                )
            )
        size = self.size
        if budget is None:
            for target_id in must_pass:
                rows.append(self._passing(target_id, z=None))
            objective = np.zeros(size)
            objective[: self.n] = cost
            return self._run(objective, rows, size, lower, upper)
        rows.append(({j: cost[j] for j in range(self.n)}, -np.inf, budget))
        modelled = [t for t in self.expressions]
        z_vars = {}
        for target_id in modelled:
            z_vars[target_id] = size + len(z_vars)
            rows.append(self._passing(target_id, z=z_vars[target_id]))
        total = size + len(z_vars)
        low = np.concatenate([lower, np.zeros(len(z_vars))])
        high = np.concatenate([upper, np.ones(len(z_vars))])
        objective = np.zeros(total)
        for z in z_vars.values():
            objective[z] = -1.0
        first = self._run(objective, rows, total, low, high, full=True)
        if first is None:
            return None
        best_met = round(-float(objective @ first))
        rows.append(({z: 1.0 for z in z_vars.values()}, best_met - 0.5, np.inf))
        objective = np.zeros(total)
        for target_id in modelled:
            _, coefficients = self.expressions[target_id]
            sign = 1.0 if self.by_id[target_id].op in (">=", ">") else -1.0
            for var, coef in coefficients.items():
                objective[var] -= sign * coef / scale[target_id]
        spend = cost.sum() or 1.0
        objective[: self.n] += 1e-6 * cost / spend
        return self._run(objective, rows, total, low, high)

    def _passing(self, target_id: str, *, z: int | None) -> tuple[dict[int, float], float, float]:
        """Return the row of "target passes" (with ``z``: "passes where z = 1")."""
        target = self.by_id[target_id]
        constant, coefficients = self.expressions[target_id]
        slack = options.VALUE_TOLERANCE * max(1.0, abs(target.threshold))
        threshold = target.threshold - constant
        row = dict(coefficients)
        positive = sum(c for c in coefficients.values() if c > 0)
        negative = sum(c for c in coefficients.values() if c < 0)
        if target.op in (">=", ">"):
            needed = threshold + (slack if target.op == ">" else -slack)
            if z is not None:
                big = max(needed - negative, 0.0) + 1.0
                row[z] = -big
                return row, needed - big, np.inf
            return row, needed, np.inf
        if target.op in ("<=", "<"):
            needed = threshold - (slack if target.op == "<" else -slack)
            if z is not None:
                big = max(positive - needed, 0.0) + 1.0
                row[z] = big
                return row, -np.inf, needed + big
            return row, -np.inf, needed
        if z is not None:  # == : modelled as never met under a budget, kept by verification
            row[z] = 1.0
            return row, threshold + 1.0, np.inf
        return row, threshold - slack, threshold + slack

    def _run(
        self,
        objective: np.ndarray,
        rows: list[tuple[dict[int, float], float, float]],
        size: int,
        lower: np.ndarray,
        upper: np.ndarray,
        *,
        full: bool = False,
    ) -> Any:
        low = np.concatenate([lower, np.zeros(size - len(lower))])
        high = np.concatenate([upper, np.ones(size - len(upper))])
        constraints = []
        if rows:
            r, c, v = [], [], []
            for number, (coefficients, _, _) in enumerate(rows):
                for var, coef in coefficients.items():
                    r.append(number)
                    c.append(var)
                    v.append(coef)
            matrix = coo_array((v, (r, c)), shape=(len(rows), size)).tocsr()
            constraints.append(
                LinearConstraint(matrix, [row[1] for row in rows], [row[2] for row in rows])
            )
        answer = milp(
            objective,
            integrality=np.ones(size),
            bounds=Bounds(low, high),
            constraints=constraints,
        )
        if answer.x is None or answer.status != 0:
            return None
        x = np.round(answer.x)
        if full:
            return x
        return tuple(self.cards[j] for j in range(self.n) if x[j] > 0.5)


def prioritise(
    base: ScenarioBase,
    values: ProjectValues,
    *,
    budget_100m_cny: float | None = None,
    must: Sequence[str] = (),
    exclude: Sequence[str] = (),
    runner: ScenarioRunner | None = None,
    frontier_steps: int = options.FRONTIER_STEPS,
) -> Prioritisation:
    """Choose the cards: least cost meeting the targets, or best under a budget (see module).

    Parameters
    ----------
    base
        The prepared scenarios.
    values
        :func:`~transnet.scenarios.values.project_values` of ``base``.
    budget_100m_cny
        The budget, 亿元; None for the least-cost subset that meets every target it can.
    must
        Cards every answer includes.
    exclude
        Cards no answer includes.
    runner
        Where the evaluations run (default: serially).
    frontier_steps
        Number of budget steps of the frontier.

    Returns
    -------
    Prioritisation

    Raises
    ------
    InputError
        A budget that is not a positive finite number; ``must`` or ``exclude`` naming an
        unknown card (with a "did you mean"), or the same card in both; a card without
        investment when a budget is given, named.

    Examples
    --------
    >>> from transnet.scenarios import project_values
    >>> base = ScenarioBase.from_study(study)
    >>> values = project_values(base)
    >>> answer = prioritise(base, values, frontier_steps=3)
    >>> answer.method, answer.choice.targets["expressway_density"]["status"]
    ('exact', 'pass')
    >>> answer.choice.cost_100m_cny <= answer.greedy.cost_100m_cny
    True

    """
    runner = runner or ScenarioRunner(base)
    must_ids, exclude_ids = check_choices(
        base, must=must, exclude=exclude, budget_100m_cny=budget_100m_cny
    )
    cost, missing = _costs(base)
    notes = []
    if missing:
        notes.append(f"cards without investment count as costing nothing: {', '.join(missing)}")
    allowed = tuple(c for c in base.card_ids if c not in exclude_ids)
    targets = values.targets
    best_possible = verify_cards(base, allowed) if exclude_ids else values.full
    unreachable = {
        t: _why(base, t, best_possible, bool(exclude_ids))
        for t in targets
        if best_possible.statuses[t] != "pass"
    }
    reachable = [t for t in targets if t not in unreachable]
    model = _Model(base, values, targets)
    if model.not_modelled:
        notes.append(
            "targets not in the model (checked only by re-evaluation): "
            + ", ".join(model.not_modelled)
        )
    scale = {
        t: abs((values.full.values[t] or 0) - (values.base.values[t] or 0)) or 1.0 for t in targets
    }
    index = model.index
    lower = np.zeros(model.n)
    upper = np.ones(model.n)
    lower[[index[c] for c in must_ids]] = 1
    upper[[index[c] for c in exclude_ids]] = 0
    requires = [(index[c], index[r]) for c in base.card_ids for r in base.requires(c) if r in index]
    solve = dict(cost=cost, lower=lower, upper=upper, requires=requires, scale=scale)

    def judge(outcome: ScenarioOutcome, predicted=None) -> Choice:
        return _choice(base, outcome, targets, cost, scale, predicted or {})

    def better(a: Choice, b: Choice) -> bool:
        """Whether ``a`` beats ``b`` for this question."""
        if budget_100m_cny is None:
            a_ok = set(reachable) <= {t for t, r in a.targets.items() if r["status"] == "pass"}
            b_ok = set(reachable) <= {t for t, r in b.targets.items() if r["status"] == "pass"}
            if a_ok != b_ok:
                return a_ok
            return a.cost_100m_cny < b.cost_100m_cny - 1e-9
        if a.met != b.met:
            return a.met > b.met
        if abs(a.margin - b.margin) > 1e-9:
            return a.margin > b.margin
        return a.cost_100m_cny < b.cost_100m_cny - 1e-9

    started = time.perf_counter()
    greedy_ids = _greedy(base, values, reachable, must_ids, allowed, cost, budget_100m_cny)
    greedy = judge(verify_cards(base, greedy_ids), model.predict(greedy_ids))
    seconds = {"greedy": time.perf_counter() - started}
    started = time.perf_counter()
    exact, rounds, cuts = None, 0, []
    for rounds in range(1, options.PRIORITISE_MAX_ROUNDS + 1):  # noqa: B007
        ids = model.solve(
            **solve,
            must_pass=[t for t in reachable if t in model.expressions],
            budget=budget_100m_cny,
            cuts=cuts,
        )
        if ids is None:
            break
        predicted = model.predict(ids)
        candidate = judge(verify_cards(base, ids), predicted)
        if exact is None or better(candidate, exact):
            exact = candidate
        promised = [
            t for t in reachable if predicted.get(t) is not None and _passes(base, t, predicted[t])
        ]
        kept = [t for t in promised if candidate.targets[t]["status"] == "pass"]
        if len(kept) == len(promised):
            break
        cuts.append(ids)
    if exact is None:
        notes.append("the exact model found no subset; the greedy answer is given")
        choice, method = greedy, "greedy"
    elif better(greedy, exact):
        notes.append(
            "the exact model's answer re-evaluated worse than the greedy one (interactions "
            "between cards the model does not capture); the greedy answer is given"
        )
        choice, method = greedy, "greedy"
    else:
        choice, method = exact, "exact"
    seconds["exact"] = time.perf_counter() - started
    started = time.perf_counter()
    frontier = _frontier(
        base,
        model,
        runner,
        solve,
        targets,
        cost,
        allowed,
        must_ids,
        frontier_steps,
        judge,
        also=choice.cost_100m_cny if budget_100m_cny is None else budget_100m_cny,
    )
    seconds["frontier"] = time.perf_counter() - started
    return Prioritisation(
        choice=choice,
        method=method,
        greedy=greedy,
        exact=exact,
        budget_100m_cny=budget_100m_cny,
        unreachable=unreachable,
        frontier=frontier,
        notes=notes,
        rounds=rounds,
        seconds=seconds,
    )


def _passes(base: ScenarioBase, target_id: str, value: float) -> bool:
    target = next(t for t in base.targets if t.id == target_id)
    return verdict(target, value) == "pass"


def check_budget(budget: object) -> None:
    """Refuse a budget that is not a positive, finite number of 亿元.

    Examples
    --------
    >>> check_budget(120.5)
    >>> check_budget(0)
    Traceback (most recent call last):
    ...
    transnet._errors.InputError: field 'budget': --budget must be a positive number of 亿元, got 0
    """
    if (
        isinstance(budget, bool)
        or not isinstance(budget, (int, float))
        or not math.isfinite(budget)
        or budget <= 0
    ):
        raise InputError(
            f"--budget must be a positive number of 亿元, got {format_number(budget)}",
            field="budget",
        )


def check_choices(
    base: ScenarioBase,
    *,
    must: Sequence[str],
    exclude: Sequence[str],
    budget_100m_cny: float | None = None,
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Check the options of :func:`prioritise` before any evaluation; return must and exclude.

    ``must`` comes back with every card it needs (``requires``), in plan order.

    Raises
    ------
    InputError
        A bad budget (:func:`check_budget`); ``must`` or ``exclude`` naming an unknown card
        (with a "did you mean"), or one card in both (or a card ``must`` needs in
        ``exclude``); with a budget, a card without investment (named), or ``must`` cards
        costing more than it.

    Examples
    --------
    >>> base = ScenarioBase.from_study(study)
    >>> check_choices(base, must=["E1"], exclude=["N7"])
    (('E1',), ('N7',))
    >>> check_choices(base, must=["E9"], exclude=[])
    Traceback (most recent call last):
    ...
    transnet._errors.InputError: ...record 'E9', field 'must': --must names no card ...: 'E9'
    """
    if budget_100m_cny is not None:
        check_budget(budget_100m_cny)
    known = base.card_ids
    for option, ids in (("must", must), ("exclude", exclude)):
        for card_id in ids:
            if card_id not in known:
                raise InputError(
                    f"--{option} names no card of the plan: {card_id!r}{suggest(card_id, known)}",
                    path=base.plan.path,
                    record=card_id,
                    field=option,
                )
    both = [c for c in known if c in set(must) and c in set(exclude)]
    if both:
        raise InputError(
            f"card {both[0]} is named by both --must and --exclude; name it in one only",
            record=both[0],
            field="exclude",
        )
    must_ids = _with_requirements(base, must)
    for card_id in must_ids:
        if card_id in set(exclude):
            raise InputError(
                f"--must needs card {card_id} (a card it requires) but --exclude leaves it out",
                record=card_id,
                field="exclude",
            )
    _, missing = _costs(base)
    if budget_100m_cny is not None and missing:
        others = f" (all {len(missing)} without: {', '.join(missing)})" if len(missing) > 1 else ""
        raise InputError(
            f"card {missing[0]} has no investment, so a budget cannot be applied; give every "
            f"card its investment_100m_cny{others}",
            path=base.plan.path,
            record=missing[0],
            field="investment_100m_cny",
        )
    if budget_100m_cny is not None:
        spent = sum(base.investment_100m_cny(c) or 0.0 for c in must_ids)
        if spent > budget_100m_cny:
            raise InputError(
                f"the --must cards ({', '.join(must_ids)}, with the cards they require) cost "
                f"{spent:g} 亿元, more than the budget of {budget_100m_cny:g} 亿元",
                field="budget",
            )
    return must_ids, base.subset(exclude)


def _costs(base: ScenarioBase) -> tuple[np.ndarray, list[str]]:
    costs, missing = [], []
    for card_id in base.card_ids:
        value = base.investment_100m_cny(card_id)
        if value is None or value <= 0:
            missing.append(card_id)
        costs.append(value or 0.0)
    return np.array(costs, dtype=float), missing


def _with_requirements(base: ScenarioBase, ids: Iterable[str]) -> tuple[str, ...]:
    """Return ``ids`` and every card they need, directly or not, in plan order."""
    wanted, stack = set(), list(ids)
    while stack:
        card_id = stack.pop()
        if card_id in wanted:
            continue
        wanted.add(card_id)
        stack.extend(r for r in base.requires(card_id) if r in base.card_ids)
    return base.subset(wanted)


def _why(base: ScenarioBase, target_id: str, outcome: ScenarioOutcome, excluded: bool) -> str:
    result = next(r for r in outcome.results if r.id == target_id)
    cards = "every card but the excluded ones" if excluded else "every card of the plan"
    value = "no value" if result.value is None else f"{result.value:g}"
    return (
        f"even with {cards} the value is {value}, and the target needs "
        f"{result.op} {result.threshold:g} {result.unit}".rstrip()
    )


def _choice(
    base: ScenarioBase,
    outcome: ScenarioOutcome,
    targets: Sequence[str],
    cost: np.ndarray,
    scale: dict[str, float],
    predicted: dict[str, float | None],
) -> Choice:
    index = {c: i for i, c in enumerate(base.card_ids)}
    results = {r.id: r for r in outcome.results}
    margin = 0.0
    for t in targets:
        result = results[t]
        if result.value is not None:
            sign = 1.0 if result.op in (">=", ">") else -1.0
            margin += sign * (result.value - result.threshold) / scale[t]
    return Choice(
        selected=outcome.cards,
        cost_100m_cny=float(sum(cost[index[c]] for c in outcome.cards)),
        targets={
            r.id: {"status": r.status, "value": r.value}
            | ({"reason": r.reason} if r.status == "not_evaluated" else {})
            for r in outcome.results
        },
        met=len(outcome.met(targets)),
        margin=margin,
        model={t: predicted.get(t) for t in targets if t in predicted},
    )


def _greedy(
    base: ScenarioBase,
    values: ProjectValues,
    reachable: Sequence[str],
    must: tuple[str, ...],
    allowed: tuple[str, ...],
    cost: np.ndarray,
    budget: float | None,
) -> tuple[str, ...]:
    """Return cards in the value table's order (value per 亿元), each with the cards it needs.

    Without a budget: the shortest such prefix that meets every reachable target; with one:
    each card in turn that still fits.
    """
    index = {c: i for i, c in enumerate(base.card_ids)}
    order = [c for c in values.table["id"] if c in allowed]
    chosen = list(must)
    steps = []
    spent = float(sum(cost[index[c]] for c in chosen))
    for card_id in order:
        if card_id in chosen:
            continue
        needed = [c for c in _with_requirements(base, [card_id]) if c not in chosen]
        if any(c not in allowed for c in needed):
            continue
        extra = float(sum(cost[index[c]] for c in needed))
        if budget is not None and spent + extra > budget + 1e-9:
            continue
        chosen += needed
        spent += extra
        steps.append(base.subset(chosen))
    if budget is not None or not steps:
        return base.subset(chosen)
    # The first prefix meeting every reachable target, by bisection: adding a card does not
    # undo another's effect, so "meets them" holds from some prefix on.
    low, high = 0, len(steps) - 1
    while low < high:
        middle = (low + high) // 2
        if set(reachable) <= set(evaluate_cards(base, steps[middle]).met(reachable)):
            high = middle
        else:
            low = middle + 1
    return steps[low]


def _frontier(
    base, model, runner, solve, targets, cost, allowed, must, steps, judge, *, also: float
) -> list[dict[str, Any]]:
    """Return the best subset at each budget step, from the cheapest card to all of them."""
    index = {c: i for i, c in enumerate(base.card_ids)}
    floor = float(sum(cost[index[c]] for c in must))
    free = [cost[index[c]] for c in allowed if c not in must and cost[index[c]] > 0]
    if steps < 1 or not free:
        return []
    top = floor + float(sum(free))
    budgets = np.linspace(floor + min(free), top, steps)
    if also > 0:  # the answer's own budget, so the frontier shows where the targets are met
        budgets = np.append(budgets, also)
    budgets = np.unique(np.round(budgets, 4))
    subsets = []
    for budget in budgets:
        ids = model.solve(**solve, must_pass=[], budget=float(budget), cuts=[])
        subsets.append(ids if ids is not None else base.subset(must))
    outcomes = runner.map(verify_cards, subsets, desc="Frontier: re-evaluating each budget step")
    rows = []
    for budget, outcome in zip(budgets, outcomes, strict=True):
        choice = judge(outcome)
        rows.append(
            {
                "budget_100m_cny": float(budget),
                "selected": list(choice.selected),
                "cost_100m_cny": round(choice.cost_100m_cny, 4),
                "targets_met": [t for t in targets if choice.targets[t]["status"] == "pass"],
                "met": choice.met,
            }
        )
    return rows
