"""Plan targets as data, their evaluation, and JUnit output for CI."""

from __future__ import annotations

import difflib
import html
import operator
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Literal

import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from transnet import options
from transnet._errors import InputError, expect_type
from transnet.access import speed_table
from transnet.metrics import COVERAGE_RULES, METRICS
from transnet.metrics.scenario import coverage_share

__all__ = [
    "DataAvailability",
    "Target",
    "TargetResult",
    "TargetResults",
    "TargetsFile",
    "TravelSettings",
    "evaluate_targets",
    "load_targets",
    "load_targets_file",
]

_OPERATORS: dict[str, Callable[[float, float], bool]] = {
    ">=": operator.ge,
    "<=": operator.le,
    ">": operator.gt,
    "<": operator.lt,
    "==": operator.eq,
}

#: What a target may require beyond the metrics every network gives.
REQUIREMENTS = ("complete_network", "townships", "pois", "villages")

_REQUIREMENT_REASONS = {
    "complete_network": "the network does not hold every public road (trunk-only or "
    "OpenStreetMap); this metric needs every road",
    "townships": "no township points were given (the bundle has none; see data/README.md)",
    "pois": "no points of interest (3A+ scenic spots, development zones) were given",
    "villages": "no village data was given",
}


class TravelSettings(BaseModel):
    """The ``travel:`` section of a targets file: speeds behind the minutes.

    Examples
    --------
    >>> TravelSettings(speeds_kmh={"2": 70}).access_speed_kmh
    20.0
    """

    model_config = ConfigDict(extra="forbid")

    speeds_kmh: dict[str, float] = Field(default_factory=dict)
    access_speed_kmh: float = Field(default=options.ACCESS_SPEED_KMH, gt=0)
    max_snap_m: float = Field(default=options.MAX_SNAP_M, gt=0)


class Target(BaseModel):
    """One target: a metric of one scenario compared with a threshold.

    Examples
    --------
    >>> Target(id="x", metric="density_per_100km2.expressway", op=">=", threshold=4.9).scenario
    'after'

    """

    model_config = ConfigDict(extra="forbid")

    id: str
    metric: str
    scenario: Literal["before", "after"] = "after"
    op: Literal[">=", "<=", ">", "<", "=="]
    threshold: float
    unit: str = ""
    source_zh: str = ""
    source_en: str = ""
    params: dict[str, Any] = Field(default_factory=dict)
    requires: list[Literal["complete_network", "townships", "pois", "villages"]] = Field(
        default_factory=list
    )


@dataclass(frozen=True)
class DataAvailability:
    """What the evaluated data holds, for targets that require more than the network.

    Attributes
    ----------
    complete_network
        The network holds every public road (not trunk roads only, not OpenStreetMap).
    townships, pois, villages
        Township seats, points of interest or villages were given.
    notes
        Caveats attached to the results of targets that use such data, by requirement
        (``"townships"``, ``"pois"``) or ``"network"`` for every place-coverage target: e.g.
        that POI positions are approximate, or that a trunk-only network makes place coverage
        a lower bound.

    Examples
    --------
    >>> available = DataAvailability(pois=True)
    >>> available.pois, available.complete_network
    (True, False)

    """

    complete_network: bool = False
    townships: bool = False
    pois: bool = False
    villages: bool = False
    notes: dict[str, str] = field(default_factory=dict)


@dataclass
class TargetResult:
    """The outcome of one target.

    Attributes
    ----------
    id, metric, scenario, op, threshold, unit, source_zh, params
        As in the :class:`Target`; ``scenario`` is the one evaluated.
    value
        The metric's value; None when not evaluated.
    status
        ``"pass"``, ``"fail"`` or ``"not_evaluated"``.
    reason
        Why the target was not evaluated.

    Examples
    --------
    >>> result = TargetResult(id="expressway_density", metric="density_per_100km2.expressway",
    ...                       scenario="after", value=4.86, op=">=", threshold=4.9,
    ...                       unit="km/100 km²", status="fail")
    >>> result.status, result.reason
    ('fail', '')

    """

    id: str
    metric: str
    scenario: str
    value: float | None
    op: str
    threshold: float
    unit: str
    status: Literal["pass", "fail", "not_evaluated"]
    reason: str = ""
    source_zh: str = ""
    params: dict[str, Any] = field(default_factory=dict)

    def as_record(self) -> dict[str, Any]:
        """Return a JSON-ready dict.

        Returns
        -------
        dict
            Every attribute but ``params``.

        Examples
        --------
        >>> result = TargetResult(id="expressway_density", metric="density_per_100km2.expressway",
        ...                       scenario="after", value=4.86, op=">=", threshold=4.9,
        ...                       unit="km/100 km²", status="fail")
        >>> record = result.as_record()
        >>> record["value"], record["status"], "params" in record
        (4.86, 'fail', False)

        """
        return {
            "id": self.id,
            "metric": self.metric,
            "scenario": self.scenario,
            "value": self.value,
            "op": self.op,
            "threshold": self.threshold,
            "unit": self.unit,
            "status": self.status,
            "reason": self.reason,
            "source_zh": self.source_zh,
        }


def _check_metric(metric: str, *, path: Path, record: str) -> None:
    """Refuse a metric name transnet cannot compute, so a typo never disables a CI gate."""
    known = [f"{f}.{k}" if k else f for f, keys in METRICS.items() for k in (keys or ("",))]
    if metric in known:
        return
    hint = difflib.get_close_matches(metric, known, n=1)
    suggestion = f"; did you mean '{hint[0]}'?" if hint else ""
    raise InputError(
        f"unknown metric {metric!r}{suggestion} (known: {', '.join(known)})",
        path=path,
        record=record,
        field="metric",
    )


@dataclass(frozen=True)
class TargetsFile:
    """A parsed targets file: the targets and the travel settings.

    Attributes
    ----------
    targets
        The targets, in file order.
    travel
        The ``travel:`` section (defaults where absent).
    path
        The file.

    Examples
    --------
    >>> from transnet.io.bundle import load_bundle
    >>> targets_file = load_targets_file(load_bundle("taixin").path("targets"))
    >>> targets_file.path.name, targets_file.targets[0].id, targets_file.travel.max_snap_m
    ('targets.yaml', 'expressway_density', 5000.0)

    """

    targets: list[Target]
    travel: TravelSettings
    path: Path


def _validation_error(exc: ValidationError, *, path: Path, record: str | None) -> InputError:
    error = exc.errors()[0]
    field_name = ".".join(str(p) for p in error["loc"]) or None
    return InputError(error["msg"], path=path, record=record, field=field_name)


class TargetResults(list):
    """Target outcomes: a list of :class:`TargetResult` that shows as a table in Jupyter.

    Examples
    --------
    >>> study.results  # doctest: +SKIP
    >>> study.results.to_frame().query("status == 'fail'")  # doctest: +SKIP
    """

    _COLOURS: ClassVar[dict[str, str]] = {
        "pass": "#d4edda",
        "fail": "#f8d7da",
        "not_evaluated": "#fff3cd",
    }

    def to_frame(self) -> pd.DataFrame:
        """Return the outcomes as a DataFrame, one row per target.

        Returns
        -------
        pandas.DataFrame
            The columns of :meth:`TargetResult.as_record`.

        Examples
        --------
        >>> targets = [
        ...     Target(id="expressway_density", metric="density_per_100km2.expressway", op=">=",
        ...            threshold=4.9),
        ...     Target(id="road_density", metric="density_per_100km2.total", op=">=", threshold=94,
        ...            requires=["complete_network"]),
        ... ]
        >>> metrics = {"after": {"density_per_100km2": {"expressway": 4.86, "total": 8.1}}}
        >>> results = evaluate_targets(targets, metrics, available=DataAvailability())
        >>> results.to_frame()[["id", "value", "status"]]
                           id  value         status
        0  expressway_density   4.86           fail
        1        road_density    NaN  not_evaluated

        """
        return pd.DataFrame([r.as_record() for r in self])

    @property
    def failed(self) -> list[str]:
        """Ids of the evaluated targets that fail.

        Examples
        --------
        >>> targets = [
        ...     Target(id="expressway_density", metric="density_per_100km2.expressway", op=">=",
        ...            threshold=4.9),
        ...     Target(id="road_density", metric="density_per_100km2.total", op=">=", threshold=94,
        ...            requires=["complete_network"]),
        ... ]
        >>> metrics = {"after": {"density_per_100km2": {"expressway": 4.86, "total": 8.1}}}
        >>> results = evaluate_targets(targets, metrics, available=DataAvailability())
        >>> results.failed
        ['expressway_density']

        """
        return [r.id for r in self if r.status == "fail"]

    def _repr_html_(self) -> str:
        rows = []
        for r in self:
            value = "—" if r.value is None else f"{r.value:,.4g}"
            note = html.escape("; ".join(filter(None, [r.reason, r.source_zh])))
            rows.append(
                f'<tr style="background:{self._COLOURS[r.status]}">'
                f"<td>{html.escape(r.id)}</td><td>{r.scenario}</td><td>{value}</td>"
                f"<td>{html.escape(f'{r.op} {r.threshold:g} {r.unit}'.strip())}</td>"
                f"<td><b>{r.status.replace('_', ' ')}</b></td><td>{note}</td></tr>"
            )
        header = "".join(
            f"<th>{h}</th>" for h in ("target", "scenario", "value", "needs", "status", "note")
        )
        return f"<table><thead><tr>{header}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def load_targets_file(path: str | Path) -> TargetsFile:
    """Read a targets YAML file: a ``targets:`` list and an optional ``travel:`` section.

    Raises
    ------
    InputError
        Naming the file, the target id and the field; a speed of zero or less is an error.

    Examples
    --------
    >>> from transnet.io.bundle import load_bundle
    >>> load_targets_file(load_bundle("taixin").path("targets")).travel.access_speed_kmh
    20.0
    """
    expect_type(path, (str, Path), "path")
    path = Path(path)
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError("file not found", path=path) from None
    except yaml.YAMLError as exc:
        raise InputError(f"not valid YAML: {exc}", path=path) from None
    if not isinstance(document, dict) or not isinstance(document.get("targets"), list):
        raise InputError("expected a mapping with a 'targets:' list", path=path, field="targets")
    try:
        travel = TravelSettings.model_validate(document.get("travel") or {})
    except ValidationError as exc:
        raise _validation_error(exc, path=path, record="travel") from None
    try:
        speed_table(travel.speeds_kmh)
    except InputError as exc:
        raise InputError(
            exc.reason, path=path, record=exc.record, field="travel.speeds_kmh"
        ) from None
    targets = []
    for number, item in enumerate(document["targets"]):
        record = str(item.get("id", f"#{number}")) if isinstance(item, dict) else f"#{number}"
        if isinstance(item, dict) and isinstance(item.get("requires"), str):
            item = {**item, "requires": [item["requires"]]}
        try:
            target = Target.model_validate(item)
        except ValidationError as exc:
            raise _validation_error(exc, path=path, record=record) from None
        _check_metric(target.metric, path=path, record=record)
        rule = target.params.get("rule")
        if rule is not None and rule not in COVERAGE_RULES:
            raise InputError(
                f"unknown rule {rule!r}; expected one of {', '.join(COVERAGE_RULES)}",
                path=path,
                record=record,
                field="params.rule",
            )
        for key in ("within_km", "within_m", "within_min"):
            value = target.params.get(key)
            if value is not None and not (isinstance(value, (int, float)) and value > 0):
                raise InputError(
                    f"expected a positive number, got {value!r}",
                    path=path,
                    record=record,
                    field=f"params.{key}",
                )
        targets.append(target)
    ids = [t.id for t in targets]
    for target_id in ids:
        if ids.count(target_id) > 1:
            raise InputError("duplicate target id", path=path, record=target_id, field="id")
    return TargetsFile(targets=targets, travel=travel, path=path)


def load_targets(path: str | Path) -> list[Target]:
    """Read the targets of a targets YAML file (see :func:`load_targets_file`).

    Examples
    --------
    >>> from transnet.io.bundle import load_bundle
    >>> [t.id for t in load_targets(load_bundle("taixin").path("targets"))][:2]
    ['expressway_density', 'road_density']
    """
    return load_targets_file(path).targets


#: Metrics measured at places (townships, POIs), whose result depends on the roads present.
_PLACE_METRICS = ("township_", "poi_")


def _lookup(metrics: dict[str, Any], dotted: str) -> Any:
    value: Any = metrics
    for part in dotted.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def evaluate_targets(
    targets: list[Target],
    scenarios: dict[str, dict[str, Any]],
    *,
    available: DataAvailability,
    scenario: str | None = None,
) -> TargetResults:
    """Evaluate targets against scenario metrics.

    A target whose requirement is not met, or whose metric was not computed, is
    ``not_evaluated`` with the reason: never silently passed.

    Parameters
    ----------
    targets
        The targets.
    scenarios
        Metrics by scenario name (``"before"``, ``"after"``), as from
        :func:`transnet.metrics.evaluate_scenario`.
    available
        What the input data holds.
    scenario
        Evaluate every target on this scenario instead of its own.

    Returns
    -------
    TargetResults

    Examples
    --------
    >>> targets = [
    ...     Target(id="expressway_density", metric="density_per_100km2.expressway", op=">=",
    ...            threshold=4.9),
    ...     Target(id="road_density", metric="density_per_100km2.total", op=">=", threshold=94,
    ...            requires=["complete_network"]),
    ... ]
    >>> metrics = {"after": {"density_per_100km2": {"expressway": 4.86, "total": 8.1}}}
    >>> results = evaluate_targets(targets, metrics, available=DataAvailability())
    >>> [(r.id, r.status, r.value) for r in results]
    [('expressway_density', 'fail', 4.86), ('road_density', 'not_evaluated', None)]
    >>> results[1].reason
    'the network does not hold every public road (trunk-only or OpenStreetMap); this metric ...'

    """
    results = TargetResults()
    for target in targets:
        which = scenario or target.scenario
        common = {
            "id": target.id,
            "metric": target.metric,
            "scenario": which,
            "op": target.op,
            "threshold": target.threshold,
            "unit": target.unit,
            "source_zh": target.source_zh,
            "params": target.params,
        }
        missing = [r for r in target.requires if not getattr(available, r)]
        if missing:
            reason = "; ".join(_REQUIREMENT_REASONS[r] for r in missing)
            results.append(
                TargetResult(value=None, status="not_evaluated", reason=reason, **common)
            )
            continue
        metrics = scenarios.get(which, {})
        value = _lookup(metrics, target.metric)
        if target.params and value is not None:
            own = coverage_share(metrics, target.metric, target.params)
            value = value if own is None else own
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            results.append(
                TargetResult(
                    value=None,
                    status="not_evaluated",
                    reason=f"metric '{target.metric}' is not computed for scenario '{which}'",
                    **common,
                )
            )
            continue
        passed = _OPERATORS[target.op](float(value), target.threshold)
        caveats = [available.notes[r] for r in target.requires if r in available.notes]
        if target.metric.startswith(_PLACE_METRICS) and "network" in available.notes:
            caveats.append(available.notes["network"])
        results.append(
            TargetResult(
                value=float(value),
                status="pass" if passed else "fail",
                reason="; ".join(caveats),
                **common,
            )
        )
    return results
