"""Plan targets as data, their evaluation, and JUnit output for CI."""

from __future__ import annotations

import html
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal

import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator

from transnet import options
from transnet._errors import (
    InputError,
    check_keys,
    expect_type,
    format_number,
    from_validation_error,
    not_bool,
    suggest,
)
from transnet.access import speed_table
from transnet.grades import GRADES
from transnet.io.text import read_text
from transnet.metrics import (
    METRICS,
    CoverageRule,
    GradeCriterion,
    MetricSettings,
    ScenarioMetrics,
    Share,
)

__all__ = [
    "LOWER_BOUND_FAMILIES",
    "DataAvailability",
    "PhasingSettings",
    "Target",
    "TargetParams",
    "TargetResult",
    "TargetResults",
    "TargetsFile",
    "TravelSettings",
    "evaluate_targets",
    "load_targets",
    "load_targets_file",
    "settings_from_targets",
    "target_places",
    "target_value",
    "value_bound",
    "verdict",
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


_MIN_SPEED_KMH, _MAX_SPEED_KMH = options.DESIGN_SPEED_RANGE_KMH


class TravelSettings(BaseModel):
    """The ``travel:`` section of a targets file: speeds behind the minutes.

    Speeds are finite, 5 to 160 km/h; ``max_snap_m`` above 0 and at most 100 km.

    Examples
    --------
    >>> TravelSettings(speeds_kmh={"2": 70}).access_speed_kmh
    20.0
    >>> TravelSettings(speeds_kmh={"2": 1000})
    Traceback (most recent call last):
    ...
    pydantic_core._pydantic_core.ValidationError: 1 validation error for TravelSettings
    speeds_kmh.2
      Input should be less than or equal to 160 ...

    """

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    speeds_kmh: dict[str, Annotated[float, Field(ge=_MIN_SPEED_KMH, le=_MAX_SPEED_KMH)]] = Field(
        default_factory=dict
    )
    access_speed_kmh: float = Field(
        default=options.ACCESS_SPEED_KMH, ge=_MIN_SPEED_KMH, le=_MAX_SPEED_KMH
    )
    max_snap_m: float = Field(default=options.MAX_SNAP_M, gt=0, le=options.MAX_SNAP_LIMIT_M)

    @field_validator("access_speed_kmh", "max_snap_m", mode="before")
    @classmethod
    def _number(cls, value: object) -> object:
        return not_bool(value)

    @field_validator("speeds_kmh", mode="before")
    @classmethod
    def _speeds(cls, value: object) -> object:
        if isinstance(value, Mapping):
            for speed in value.values():
                not_bool(speed)
            return {str(key).strip().lower(): speed for key, speed in value.items()}
        return value


_FIRST_YEAR, _LAST_YEAR = options.CARD_OPENED_RANGE


class PhasingSettings(BaseModel):
    """The ``phasing:`` section of a targets file: which years to build, and the user's dates.

    ``base_year`` to ``horizon_year`` (both counted, at most 50 years; each 1900 to 2100). A
    card counts in a year when it has opened by then (its ``opened``); ``expected_opened``
    maps a card ``status`` to the year the USER expects such cards to open (an assumption the
    report labels as such), for cards with no ``opened`` year. Without it, such cards are
    reported and count only at the horizon.

    Examples
    --------
    >>> PhasingSettings().horizon_year
    2025
    >>> PhasingSettings(expected_opened={"under_construction": 2024}).expected_opened
    {'under_construction': 2024}
    >>> PhasingSettings(base_year=2026, horizon_year=2025)
    Traceback (most recent call last):
    ...
    pydantic_core._pydantic_core.ValidationError: 1 validation error for PhasingSettings
    horizon_year
      Value error, the horizon 2025 is before the base year 2026 ...

    """

    model_config = ConfigDict(extra="forbid")

    base_year: int = Field(default=options.PHASING_BASE_YEAR, ge=_FIRST_YEAR, le=_LAST_YEAR)
    horizon_year: int = Field(
        default=options.PHASING_HORIZON_YEAR, ge=_FIRST_YEAR, le=_LAST_YEAR, validate_default=True
    )
    expected_opened: dict[str, Annotated[int, Field(ge=_FIRST_YEAR, le=_LAST_YEAR)]] = Field(
        default_factory=dict
    )

    @field_validator("base_year", "horizon_year", mode="before")
    @classmethod
    def _number(cls, value: object) -> object:
        return not_bool(value)

    @field_validator("expected_opened", mode="before")
    @classmethod
    def _years(cls, value: object) -> object:
        if isinstance(value, Mapping):
            for year in value.values():
                not_bool(year)
            return {str(key).strip(): year for key, year in value.items()}
        return value

    @field_validator("horizon_year")
    @classmethod
    def _span(cls, value: int, info: ValidationInfo) -> int:
        base = info.data.get("base_year")
        if base is None:
            return value
        if value < base:
            raise ValueError(f"the horizon {value} is before the base year {base}")
        if value - base + 1 > options.PHASING_MAX_YEARS:
            raise ValueError(
                f"{value - base + 1} years from {base} to {value}; expected at most "
                f"{options.PHASING_MAX_YEARS}"
            )
        return value


class TargetParams(BaseModel):
    """A target's own ``params``: the county rule, a distance or time threshold, place kinds.

    Every key is checked: a misspelt key is an error, never ignored. Thresholds are finite and
    above 0: ``within_km`` at most 1,000 km, ``within_m`` at most 1,000,000 m, ``within_min``
    at most 1,440 minutes (a day). ``kinds`` (township targets only) lists the township kinds
    counted, some of 乡, 民族乡, 镇, 街道, 其他; default 乡, 民族乡 and 镇
    (:data:`transnet.options.TOWNSHIP_TARGET_KINDS`).

    Examples
    --------
    >>> TargetParams(rule="seat_within_min", within_min=30).criterion("1") is None
    False
    >>> TargetParams(within_mins=30)
    Traceback (most recent call last):
    ...
    pydantic_core._pydantic_core.ValidationError: 1 validation error for TargetParams
    within_mins
      Extra inputs are not permitted ...

    """

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    rule: CoverageRule | None = None
    within_km: float | None = Field(default=None, gt=0, le=options.TARGET_MAX_WITHIN_KM)
    within_m: float | None = Field(default=None, gt=0, le=options.TARGET_MAX_WITHIN_KM * 1000)
    within_min: float | None = Field(default=None, gt=0, le=options.TARGET_MAX_WITHIN_MIN)
    kinds: tuple[str, ...] | None = Field(default=None, min_length=1)

    @field_validator("within_km", "within_m", "within_min", mode="before")
    @classmethod
    def _number(cls, value: object) -> object:
        return not_bool(value)

    @field_validator("kinds", mode="before")
    @classmethod
    def _kinds(cls, value: object) -> object:
        if isinstance(value, str):
            value = [value]
        if isinstance(value, list | tuple):
            for kind in value:
                if kind not in options.TOWNSHIP_KINDS:
                    hint = suggest(str(kind), options.TOWNSHIP_KINDS)
                    raise ValueError(
                        f"unknown township kind {kind!r}{'; ' + hint if hint else ''} "
                        f"(expected some of {', '.join(options.TOWNSHIP_KINDS)})"
                    )
        return value

    def criterion(self, grade: str, base: GradeCriterion | None = None) -> GradeCriterion | None:
        """Return the grade-coverage criterion these params set, or None if they set none.

        Minutes win over metres, metres over kilometres. With ``base``, the params change only
        what they set (``kinds`` alone keeps the base's distance, and the reverse).

        Examples
        --------
        >>> TargetParams(within_km=5).criterion("1")
        GradeCriterion(grade='1', within_m=5000.0, within_min=None, kinds=None)
        >>> TargetParams(kinds=["镇", "街道"]).criterion("2", GradeCriterion("2", within_m=1e3))
        GradeCriterion(grade='2', within_m=1000.0, within_min=None, kinds=('镇', '街道'))

        """
        kinds = self.kinds if self.kinds is not None else (base.kinds if base else None)
        if self.within_min is not None:
            return GradeCriterion(grade, within_min=self.within_min, kinds=kinds)
        if self.within_m is not None:
            return GradeCriterion(grade, within_m=self.within_m, kinds=kinds)
        if self.within_km is not None:
            return GradeCriterion(grade, within_m=self.within_km * 1000, kinds=kinds)
        if base is not None and self.kinds is not None:
            return replace(base, kinds=kinds)
        return None

    def is_empty(self) -> bool:
        """Whether no parameter is set.

        Examples
        --------
        >>> TargetParams().is_empty()
        True

        """
        return not self.model_fields_set


class Target(BaseModel):
    """One target: a metric of one scenario compared with a threshold.

    The threshold is a finite number, never a yes/no (YAML's ``yes`` is True, not 1); a share
    (a metric ending in ``share``) is 0 to 1, every other metric at least 0.

    Examples
    --------
    >>> Target(id="x", metric="density_per_100km2.expressway", op=">=", threshold=4.9).scenario
    'after'
    >>> Target(id="x", metric="county_expressway_coverage.share", op=">=", threshold=80)
    Traceback (most recent call last):
    ...
    pydantic_core._pydantic_core.ValidationError: 1 validation error for Target
    threshold
      Value error, a share is from 0 to 1, got 80 (for 80 % write 0.8) ...

    """

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    id: str
    metric: str
    scenario: Literal["before", "after"] = "after"
    op: Literal[">=", "<=", ">", "<", "=="]
    threshold: float
    unit: str = ""
    source_zh: str = ""
    source_en: str = ""
    params: TargetParams = Field(default_factory=TargetParams)
    requires: list[Literal["complete_network", "townships", "pois", "villages"]] = Field(
        default_factory=list
    )

    @field_validator("threshold", mode="before")
    @classmethod
    def _number(cls, value: object) -> object:
        return not_bool(value)

    @field_validator("threshold")
    @classmethod
    def _sane(cls, value: float, info: ValidationInfo) -> float:
        metric = str(info.data.get("metric", ""))
        if metric.endswith("share") and not 0 <= value <= 1:
            hint = f" (for {format_number(value)} % write {format_number(value / 100)})"
            raise ValueError(
                f"a share is from 0 to 1, got {format_number(value)}"
                + (hint if 1 < value <= 100 else "")
            )
        if value < 0:
            raise ValueError(f"must be at least 0, got {format_number(value)}")
        return value


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
    network_completeness
        The network's ``completeness`` (``"complete"``, ``"trunk_only"``, ``"osm"``): on a
        trunk-only network the grade-coverage shares are lower bounds (see
        :func:`value_bound`).

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
    network_completeness: str = "complete"


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
        Why the target was not evaluated, and caveats.
    bound
        ``"exact"``, or ``"lower_bound"`` when the true value is at least ``value`` (a
        coverage share on a trunk-only network, see :func:`value_bound`). A lower bound that
        meets a ``>=`` threshold passes; one that misses it is ``not_evaluated`` ("lower bound
        below threshold"), never ``fail``.

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
    params: TargetParams = field(default_factory=TargetParams)
    bound: Literal["exact", "lower_bound"] = "exact"

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
            "bound": self.bound,
        }


def _check_metric(metric: str, *, path: Path, record: str) -> None:
    """Refuse a metric name transnet cannot compute, so a typo never disables a CI gate."""
    known = [f"{f}.{k}" if k else f for f, keys in METRICS.items() for k in (keys or ("",))]
    if metric in known:
        return
    hint = suggest(metric, known)
    raise InputError(
        f"unknown metric {metric!r}{'; ' + hint if hint else ''} (known: {', '.join(known)})",
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
    phasing
        The ``phasing:`` section (defaults where absent).

    Examples
    --------
    >>> targets_file = load_targets_file(bundle.path("targets"))
    >>> targets_file.path.name, targets_file.targets[0].id, targets_file.travel.max_snap_m
    ('targets.yaml', 'expressway_density', 5000.0)

    """

    targets: list[Target]
    travel: TravelSettings
    path: Path
    phasing: PhasingSettings = field(default_factory=PhasingSettings)


def _validation_error(exc: ValidationError, *, path: Path, record: str | None) -> InputError:
    return from_validation_error(exc, path=path, record=record)


_TOP_KEYS = ("targets", "travel", "phasing")
_TARGET_KEYS = tuple(Target.model_fields)
_TARGET_REQUIRED = tuple(n for n, f in Target.model_fields.items() if f.is_required())
_PARAM_KEYS = tuple(TargetParams.model_fields)
_TRAVEL_KEYS = tuple(TravelSettings.model_fields)
_PHASING_KEYS = tuple(PhasingSettings.model_fields)
_SPEED_KEYS = (*GRADES, "ramp")


def _mapping(value: object, *, path: Path, record: str | None, field: str) -> dict:
    """``value`` if it is a mapping (None as empty), else an error naming ``field``."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InputError(
            f"expected a mapping of keys to values, got {format_number(value)}",
            path=path,
            record=record,
            field=field,
        )
    return value


def _check_target_keys(item: dict, *, path: Path, record: str) -> None:
    check_keys(item, _TARGET_KEYS, path=path, record=record, required=_TARGET_REQUIRED)
    if "params" in item:
        params = _mapping(item["params"], path=path, record=record, field="params")
        check_keys(params, _PARAM_KEYS, path=path, record=record, prefix="params")


def _check_travel_keys(travel: dict, *, path: Path) -> None:
    check_keys(travel, _TRAVEL_KEYS, path=path, record="travel")
    if "speeds_kmh" in travel:
        speeds = _mapping(travel["speeds_kmh"], path=path, record="travel", field="speeds_kmh")
        names = {str(k).strip().lower(): v for k, v in speeds.items()}
        check_keys(names, _SPEED_KEYS, path=path, record="travel", prefix="speeds_kmh")
        for name, speed in names.items():
            try:
                not_bool(speed)
            except ValueError as exc:
                raise InputError(
                    str(exc), path=path, record="travel", field=f"speeds_kmh.{name}"
                ) from None


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
        >>> study.results.to_frame()[["id", "status"]].head(2)
                           id         status
        0  expressway_density           pass
        1        road_density  not_evaluated

        """
        return pd.DataFrame([r.as_record() for r in self])

    @property
    def failed(self) -> list[str]:
        """Ids of the evaluated targets that fail.

        Examples
        --------
        >>> study.results.failed
        []

        """
        return [r.id for r in self if r.status == "fail"]

    def _repr_html_(self) -> str:
        rows = []
        for r in self:
            value = "—" if r.value is None else f"{r.value:,.4g}"
            if r.value is not None and r.bound == "lower_bound":
                value = f"≥ {value} (lower bound)"
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
    """Read a targets YAML file: a ``targets:`` list, optional ``travel:`` and ``phasing:``.

    Every mapping is strict: an unknown key at the top, in a target, its ``params``, the
    ``travel:`` section or its ``speeds_kmh``, or the ``phasing:`` section is an error with a
    "did you mean" hint.

    Raises
    ------
    InputError
        Naming the file, the target id (``travel`` or ``phasing`` for those sections) and the
        field: an unknown
        or missing key, a number that is not finite or out of its range (see :class:`Target`,
        :class:`TargetParams`, :class:`TravelSettings`), an unknown metric, a duplicate id.

    Examples
    --------
    >>> load_targets_file(bundle.path("targets")).travel.access_speed_kmh
    20.0
    """
    expect_type(path, (str, Path), "path")
    path = Path(path)
    try:
        document = yaml.safe_load(read_text(path))
    except yaml.YAMLError as exc:
        raise InputError(f"not valid YAML: {exc}", path=path) from None
    if not isinstance(document, dict):
        raise InputError("expected a mapping with a 'targets:' list", path=path, field="targets")
    check_keys(document, _TOP_KEYS, path=path, required=("targets",))
    if not isinstance(document.get("targets"), list):
        raise InputError("expected a mapping with a 'targets:' list", path=path, field="targets")
    travel_section = _mapping(document.get("travel"), path=path, record=None, field="travel")
    _check_travel_keys(travel_section, path=path)
    try:
        travel = TravelSettings.model_validate(travel_section)
    except ValidationError as exc:
        raise _validation_error(exc, path=path, record="travel") from None
    try:
        speed_table(travel.speeds_kmh)
    except InputError as exc:
        raise InputError(
            exc.reason, path=path, record=exc.record, field="travel.speeds_kmh"
        ) from None
    phasing_section = _mapping(document.get("phasing"), path=path, record=None, field="phasing")
    check_keys(phasing_section, _PHASING_KEYS, path=path, record="phasing")
    if "expected_opened" in phasing_section:
        _mapping(
            phasing_section["expected_opened"],
            path=path,
            record="phasing",
            field="expected_opened",
        )
    try:
        phasing = PhasingSettings.model_validate(phasing_section)
    except ValidationError as exc:
        raise _validation_error(exc, path=path, record="phasing") from None
    targets = []
    for number, item in enumerate(document["targets"]):
        record = str(item.get("id", f"#{number}")) if isinstance(item, dict) else f"#{number}"
        if not isinstance(item, dict):
            raise InputError(
                f"a target is a mapping of keys to values, got {format_number(item)}",
                path=path,
                record=record,
            )
        _check_target_keys(item, path=path, record=record)
        if isinstance(item.get("requires"), str):
            item = {**item, "requires": [item["requires"]]}
        try:
            target = Target.model_validate(item)
        except ValidationError as exc:
            raise _validation_error(exc, path=path, record=record) from None
        _check_metric(target.metric, path=path, record=record)
        if target.params.kinds is not None and not target.metric.startswith("township_"):
            raise InputError(
                "kinds (the township kinds counted) applies to township targets only",
                path=path,
                record=record,
                field="params.kinds",
            )
        targets.append(target)
    ids = [t.id for t in targets]
    for target_id in ids:
        if ids.count(target_id) > 1:
            raise InputError("duplicate target id", path=path, record=target_id, field="id")
    return TargetsFile(targets=targets, travel=travel, path=path, phasing=phasing)


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

#: Grade-coverage families: the settings field each target's params set, and its grade.
_GRADE_FAMILIES = {
    "county_grade1_coverage": ("county_grade1", "1"),
    "township_grade2_coverage": ("township_grade2", "2"),
    "township_grade3_coverage": ("township_grade3", "3"),
    "poi_grade2_coverage": ("poi_grade2", "2"),
}


_DEFAULTS = MetricSettings()

#: Families whose share and count are lower bounds on a trunk-only network: the roads of the
#: required grade it lacks (county and township roads of grade 1 to 3), and the shortcuts they
#: give, can only add places. County-expressway coverage is exact there: a trunk-only network
#: holds every expressway and interchange.
LOWER_BOUND_FAMILIES = (
    "county_grade1_coverage",
    "township_grade2_coverage",
    "township_grade3_coverage",
    "poi_grade2_coverage",
    "rai",
)


def value_bound(metric: str, completeness: str) -> Literal["exact", "lower_bound"]:
    """Whether a metric's value is exact or a lower bound on a network of this completeness.

    On a ``trunk_only`` network (expressways, national and main provincial roads), a share
    or count of places covered by a road of a grade (:data:`LOWER_BOUND_FAMILIES`) is a lower
    bound: every missing road can only shorten a path or add a road of the grade. Totals are
    exact. OpenStreetMap networks are not marked: their grades are inferred from tags, so a
    share may err either way (the caveat says so).

    Examples
    --------
    >>> value_bound("township_grade2_coverage.share", "trunk_only")
    'lower_bound'
    >>> value_bound("township_grade2_coverage.total", "trunk_only")
    'exact'
    >>> value_bound("county_expressway_coverage.share", "trunk_only")
    'exact'
    >>> value_bound("township_grade2_coverage.share", "complete")
    'exact'

    """
    family, _, key = metric.partition(".")
    if completeness != "trunk_only" or family not in LOWER_BOUND_FAMILIES or key == "total":
        return "exact"
    return "lower_bound"


def _bounded_status(
    target: Target, value: float, completeness: str
) -> tuple[Literal["pass", "fail", "not_evaluated"], str]:
    """Return the status of a target whose value is a lower bound, and what to say of it.

    The true value is at least ``value``: it proves ``>=``/``>`` when met and ``<=``/``<``/
    ``==`` when exceeded (a fail); otherwise nothing is proved, so not evaluated.
    """
    status = verdict(target, value)
    wanted = f"{target.op} {format_number(target.threshold)}"
    network = f"the network is {completeness.replace('_', '-')}"
    if target.op in (">=", ">"):
        proved = status == "pass"
    else:
        proved = status == "fail" and value > target.threshold
    if proved:
        return status, f"lower bound ({network}): the true value is at least {value:g}"
    side = "below" if target.op in (">=", ">") else "within"
    return "not_evaluated", (
        f"lower bound {side} threshold: {value:g} is a lower bound ({network}, without "
        f"county and township roads), so {wanted} is neither shown nor ruled out"
    )


def settings_from_targets(targets: TargetsFile) -> MetricSettings:
    """Build the metric settings from a targets file's ``params`` and ``travel`` section.

    The county-expressway target's ``params`` set the rule (``rule``) and thresholds
    (``within_km``, ``within_min``); a grade-coverage target's ``params`` set its criterion
    (``within_m``, ``within_km`` or ``within_min``). This is the one place that reads
    ``params`` into settings; :func:`target_value` reads them for a target's own value.

    Parameters
    ----------
    targets
        A parsed targets file (:func:`load_targets_file`).

    Returns
    -------
    MetricSettings
        The defaults of :class:`~transnet.metrics.MetricSettings` where the file says nothing.

    Examples
    --------
    >>> settings = settings_from_targets(load_targets_file(bundle.path("targets")))
    >>> settings.county_rule, settings.seat_within_min, settings.county_grade1.as_record()
    ('seat_within_min', 30.0, {'grade': '1', 'within_m': 5000.0})

    """
    chosen: dict[str, Any] = {
        "speeds_kmh": dict(targets.travel.speeds_kmh),
        "access_speed_kmh": targets.travel.access_speed_kmh,
        "max_snap_m": targets.travel.max_snap_m,
    }
    for target in targets.targets:
        family = target.metric.split(".")[0]
        params = target.params
        if family == "county_expressway_coverage":
            for key, name in (
                ("rule", "county_rule"),
                ("within_km", "seat_within_km"),
                ("within_min", "seat_within_min"),
            ):
                if getattr(params, key) is not None:
                    chosen[name] = getattr(params, key)
        elif family in _GRADE_FAMILIES:
            name, grade = _GRADE_FAMILIES[family]
            criterion = params.criterion(grade, base=getattr(_DEFAULTS, name))
            if criterion is not None:
                chosen[name] = criterion
    return MetricSettings(**chosen)


def _le(value: float | None, limit: float) -> bool:
    """``value <= limit``, where None means unreachable."""
    return value is not None and value <= limit


def _own_share(metrics: ScenarioMetrics, family: str, params: TargetParams) -> float | None:
    """Recompute a coverage share from the per-place records under a target's own params."""
    covered = _covered_under(metrics, family, params)
    return None if covered is None else Share.of(sum(covered), len(covered)).share


def _covered_under(
    metrics: ScenarioMetrics, family: str, params: TargetParams
) -> list[bool] | None:
    """Each place's coverage under a target's own params; None where they set no criterion."""
    if family == "county_expressway_coverage":
        summary = metrics.county_expressway_coverage
        rule = params.rule or summary.rule
        if rule == "seat_within_km":
            limit = params.within_km or summary.within_km
            return [_le(r.seat_to_interchange_km, limit) for r in metrics.counties]
        if rule == "seat_within_min":
            limit = params.within_min or summary.within_min
            return [_le(r.seat_to_interchange_min, limit) for r in metrics.counties]
        return [bool(getattr(r, rule)) for r in metrics.counties]
    if family not in _GRADE_FAMILIES:
        return None
    summary = getattr(metrics, family)
    base = GradeCriterion(
        summary.grade,
        within_m=summary.within_m,
        within_min=summary.within_min,
        kinds=None if summary.kinds is None else tuple(summary.kinds),
    )
    criterion = params.criterion(_GRADE_FAMILIES[family][1], base=base)
    if criterion is None:
        return None
    if family == "county_grade1_coverage":
        pairs = [(r.seat_to_grade1_km, r.seat_to_grade1_min) for r in metrics.counties]
        counted = [True] * len(pairs)
    else:
        records = metrics.townships if family.startswith("township_") else metrics.pois
        if records is None:
            return None
        grade = criterion.grade
        pairs = [(r.to_grade_km.get(grade), r.to_grade_min.get(grade)) for r in records]
        counted = criterion.counts(r.kind for r in records)
    if criterion.within_min is not None:
        covered = [_le(minutes, criterion.within_min) for _, minutes in pairs]
    else:
        covered = [_le(km, criterion.within_m / 1000) for km, _ in pairs]
    return [c for c, count in zip(covered, counted, strict=True) if count]


def target_places(target: Target, metrics: ScenarioMetrics) -> list[bool] | None:
    """Return which places a coverage target counts as covered, in the order of the records.

    The counties (``county_*`` metrics), townships or POIs that the target counts (townships
    of its kinds only), each covered or not under the target's own ``params`` (else the
    settings the metrics were computed with): the places behind :func:`target_value`'s share.
    None for a metric that is not a coverage, or whose places were not computed.

    Examples
    --------
    >>> target = Target(id="crossed", metric="county_expressway_coverage.share", op=">=",
    ...                 threshold=1, params={"rule": "crossed"})
    >>> covered = target_places(target, study.metrics["after"])
    >>> len(covered), all(covered)
    (12, True)

    """
    family = target.metric.partition(".")[0]
    covered = _covered_under(metrics, family, target.params)
    if covered is not None:
        return covered
    if family == "county_expressway_coverage":
        return [r.covered for r in metrics.counties]
    if family == "county_grade1_coverage":
        return [r.grade1_covered for r in metrics.counties]
    if family in _GRADE_FAMILIES:
        records = metrics.townships if family.startswith("township_") else metrics.pois
        name = _GRADE_FAMILIES[family][0]
        if records is None:
            return None
        return [r.covered[name] for r in records if r.counted.get(name, True)]
    return None


def target_value(target: Target, metrics: ScenarioMetrics) -> float | None:
    """Return the value a target reads from a scenario's metrics, under its own ``params``.

    Two targets may read the same coverage with different rules (``crossed`` and
    ``seat_within_km``, say); each gets its own value. None when the metric was not computed.

    Examples
    --------
    >>> target = Target(id="crossed", metric="county_expressway_coverage.share", op=">=",
    ...                 threshold=1, params={"rule": "crossed"})
    >>> target_value(target, study.metrics["after"])
    1.0

    """
    value = metrics.value(target.metric)
    family, _, key = target.metric.partition(".")
    if value is None or key != "share" or target.params.is_empty():
        return value
    own = _own_share(metrics, family, target.params)
    return value if own is None else own


def _none_counted(target: Target, metrics: ScenarioMetrics | None) -> str:
    """Why a township share has no value though seats were given: none is of a counted kind."""
    family = target.metric.partition(".")[0]
    records = None if metrics is None else metrics.townships
    if not family.startswith("township_") or not records:
        return ""
    coverage = getattr(metrics, family)
    kinds = target.params.kinds or (coverage.kinds if coverage is not None else None)
    if not kinds:
        return ""
    return (
        f"none of the {len(records)} township seats is of a counted kind ({', '.join(kinds)}); "
        "a target's params: {kinds: [...]} counts others"
    )


def verdict(target: Target, value: float) -> Literal["pass", "fail"]:
    """Compare a value with a target's threshold.

    Examples
    --------
    >>> target = Target(id="x", metric="density_per_100km2.expressway", op=">=", threshold=4.9)
    >>> verdict(target, 4.86), verdict(target, 4.9)
    ('fail', 'pass')

    """
    return "pass" if _OPERATORS[target.op](float(value), target.threshold) else "fail"


def evaluate_targets(
    targets: list[Target],
    scenarios: Mapping[str, ScenarioMetrics],
    *,
    available: DataAvailability,
    scenario: str | None = None,
) -> TargetResults:
    """Evaluate targets against scenario metrics.

    A target whose requirement is not met, or whose metric was not computed, is
    ``not_evaluated`` with the reason: never silently passed. A value that is a lower bound
    (:func:`value_bound`) passes a ``>=`` target only when it meets the threshold itself, and
    is otherwise ``not_evaluated`` ("lower bound below threshold"), never ``fail``: the
    network lacks roads that may cover the rest.

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
    >>> results = evaluate_targets(targets, study.metrics, available=DataAvailability())
    >>> [(r.id, r.status) for r in results]
    [('expressway_density', 'pass'), ('road_density', 'not_evaluated')]
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
        metrics = scenarios.get(which)
        value = None if metrics is None else target_value(target, metrics)
        if value is None:
            reason = _none_counted(target, metrics) or (
                f"metric '{target.metric}' is not computed for scenario '{which}'"
            )
            results.append(
                TargetResult(value=None, status="not_evaluated", reason=reason, **common)
            )
            continue
        caveats = [available.notes[r] for r in target.requires if r in available.notes]
        bound = value_bound(target.metric, available.network_completeness)
        if bound == "lower_bound":
            status, note = _bounded_status(target, float(value), available.network_completeness)
            caveats.insert(0, note)
        else:
            status = verdict(target, value)
            if target.metric.startswith(_PLACE_METRICS) and "network" in available.notes:
                caveats.append(available.notes["network"])
        results.append(
            TargetResult(
                value=float(value),
                status=status,
                reason="; ".join(caveats),
                bound=bound,
                **common,
            )
        )
    return results
