"""Phasing: the network of each year from the base year to the plan's horizon, and its targets.

A card counts in year Y when it has opened by Y: its ``opened`` year, else the year the user
expects cards of its ``status`` to open (``phasing: expected_opened`` in the targets file, an
assumption the report labels as the user's). A card with neither is reported, never dated: by
default it counts at the horizon only, so the horizon's network is the plan's "after" network
and the years before it hold the dated cards. A card opens no earlier than the cards it
``requires``; a year that contradicts that is warned about and the later year used.

Each distinct set of open cards is applied to the base network once
(:func:`~transnet.plan.apply_plan`) and evaluated as :mod:`transnet.study` does; the sets of the
base network (no card) and of the whole plan reuse the study's own metrics.
"""

from __future__ import annotations

import base64
import html
import io
import re
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import geopandas as gpd
import pandas as pd
from pydantic import ValidationError

from transnet._errors import InputError, TransnetWarning, from_validation_error, suggest
from transnet._progress import progress
from transnet.metrics import MetricSettings, ScenarioMetrics, evaluate_scenario
from transnet.network import RoadNetwork
from transnet.plan import Plan, apply_plan
from transnet.region import Region
from transnet.targets import DataAvailability, PhasingSettings, Target, evaluate_targets

__all__ = [
    "Phasing",
    "card_years",
    "evaluate_phasing",
    "parse_years",
    "run_serially",
    "with_years",
]

S = TypeVar("S")
T = TypeVar("T")
R = TypeVar("R")

#: How a card's year was found, as the tables and the report say it.
BASIS_OPENED = "opened"
BASIS_EXPECTED = "expected_by_status"
BASIS_UNDATED = "undated"
BASIS_REQUIREMENTS = "after_requirements"

_CARD_COLUMNS = ["id", "status", "opened", "requires", "year", "basis", "note"]
_TABLE_COLUMNS = [
    "target",
    "year",
    "value",
    "status",
    "metric",
    "op",
    "threshold",
    "unit",
    "cards_open",
    "reason",
]


def parse_years(text: str) -> tuple[int, int]:
    """Read a span of years written ``2022-2025`` (or one year ``2025``).

    Parameters
    ----------
    text
        The base year and the horizon, joined by ``-``, ``–`` or ``..``.

    Returns
    -------
    tuple of int
        ``(base_year, horizon_year)``.

    Raises
    ------
    InputError
        For anything else, or a span the targets file could not hold (see
        :class:`~transnet.targets.PhasingSettings`), naming ``--years``.

    Examples
    --------
    >>> parse_years("2022-2025"), parse_years("2025")
    ((2022, 2025), (2025, 2025))

    """
    match = re.fullmatch(r"\s*(\d{4})\s*(?:(?:-|–|\.\.)\s*(\d{4}))?\s*", str(text))
    if match is None:
        raise InputError(
            f"expected a span of years such as 2022-2025, got {text!r}", field="--years"
        )
    base, horizon = int(match[1]), int(match[2] or match[1])
    try:
        PhasingSettings(base_year=base, horizon_year=horizon)
    except ValidationError as exc:
        raise InputError(from_validation_error(exc).reason, field="--years") from None
    return base, horizon


def with_years(settings: PhasingSettings, years: tuple[int, int] | None) -> PhasingSettings:
    """Return ``settings`` with another base year and horizon (``years``), or unchanged.

    Raises
    ------
    InputError
        For a span the targets file could not hold, naming ``years``.

    Examples
    --------
    >>> with_years(PhasingSettings(), (2023, 2030)).horizon_year
    2030

    """
    if years is None:
        return settings
    base, horizon = years
    try:
        return PhasingSettings.model_validate(
            {**settings.model_dump(), "base_year": base, "horizon_year": horizon}
        )
    except ValidationError as exc:
        raise InputError(from_validation_error(exc).reason, field="years") from None


def run_serially(
    fn: Callable[[S, T], R],
    items: Sequence[T],
    *,
    shared: S,
    workers: int | None = None,
    scheduler: str | None = None,
    desc: str = "Evaluating scenarios",
) -> list[R]:
    """Return ``[fn(shared, item) for item in items]``, computed here, with one progress bar.

    The shape of a scenario runner (``fn(shared, item)``, ``items``, ``shared``, ``workers``,
    ``scheduler``, ``desc``), so a Dask runner can take its place; this one runs serially and
    refuses ``workers`` or ``scheduler``.

    Examples
    --------
    >>> run_serially(pow, [2, 3], shared=10)
    [100, 1000]

    """
    if workers is not None or scheduler is not None:
        raise InputError("this runner is serial: no workers or scheduler", field="workers")
    bar = progress(items, desc=desc, total=len(items), unit="network")
    return [fn(shared, item) for item in bar]


def card_years(
    plan: Plan, settings: PhasingSettings | None = None, *, settings_path: str | Path | None = None
) -> pd.DataFrame:
    """Return the year each card counts from, how it was found, and why.

    Parameters
    ----------
    plan
        The plan (its cards' ``opened``, ``status`` and ``requires``).
    settings
        Base year, horizon and the user's ``expected_opened`` by status.
    settings_path
        The file ``settings`` came from (the targets file), for messages.

    Returns
    -------
    pandas.DataFrame
        One row per card in plan order: ``id``, ``status``, ``opened`` (None where absent),
        ``requires``, ``year`` (the year it counts from: its own year, or the later year of a
        card it requires; the horizon for a card with no year), ``basis`` (``opened``,
        ``expected_by_status``, ``undated``, ``after_requirements``) and ``note``.

    Raises
    ------
    InputError
        If ``expected_opened`` names a status no card has (with a "did you mean" hint).

    Warns
    -----
    TransnetWarning
        For each card whose year is before that of a card it requires.

    Examples
    --------
    >>> years = card_years(plan)
    >>> years.set_index("id").loc["E2", ["opened", "year", "basis"]].astype(str).tolist()
    ['2024', '2024', 'opened']
    >>> years.set_index("id").loc["E1", ["year", "basis"]].astype(str).tolist()
    ['2025', 'undated']

    """
    settings = settings or PhasingSettings()
    statuses = sorted({card.status for card in plan.cards})
    for status in settings.expected_opened:
        if status not in statuses:
            hint = suggest(status, statuses)
            raise InputError(
                f"no card has status {status!r}{'; ' + hint if hint else ''} "
                f"(the plan's: {', '.join(statuses)})",
                path=settings_path,
                record="phasing",
                field=f"expected_opened.{status}",
            )
    horizon = settings.horizon_year
    own: dict[str, tuple[int, str, str]] = {}
    for card in plan.cards:
        if card.opened is not None:
            own[card.id] = (card.opened, BASIS_OPENED, "")
        elif card.status in settings.expected_opened:
            year = settings.expected_opened[card.status]
            note = f"no opened year: {card.status} cards expected in {year} (user's assumption)"
            own[card.id] = (year, BASIS_EXPECTED, note)
        else:
            note = f"no opened year ({card.status}): counted at the horizon {horizon} only"
            own[card.id] = (horizon, BASIS_UNDATED, note)
    effective: dict[str, tuple[int, str, str]] = {}
    by_id = {card.id: card for card in plan.cards}

    def resolve(card_id: str) -> tuple[int, str, str]:
        if card_id in effective:
            return effective[card_id]
        year, basis, note = own[card_id]
        latest = max(((resolve(r)[0], r) for r in by_id[card_id].requires), default=(year, card_id))
        if latest[0] > year:
            required = latest[1]
            what = (
                "has no opened year"
                if effective[required][1] == BASIS_UNDATED
                else f"counts from {latest[0]}"
            )
            note = "; ".join(
                filter(None, [note, f"requires {required}, which {what}: counted from {latest[0]}"])
            )
            warnings.warn(
                f"card {card_id} counts from {year} ({basis.replace('_', ' ')}) but requires "
                f"{required}, which {what}; {card_id} is counted from {latest[0]}",
                TransnetWarning,
                stacklevel=4,
            )
            year, basis = latest[0], BASIS_REQUIREMENTS
        if year > horizon:
            note = "; ".join(filter(None, [note, f"opens after the horizon {horizon}"]))
        effective[card_id] = (year, basis, note)
        return effective[card_id]

    rows = []
    for card in plan.cards:
        year, basis, note = resolve(card.id)
        rows.append([card.id, card.status, card.opened, list(card.requires), year, basis, note])
    frame = pd.DataFrame(rows, columns=_CARD_COLUMNS)
    frame["opened"] = pd.Series([row[2] for row in rows], dtype=object)
    return frame


@dataclass
class Phasing:
    """The targets year by year, from the base year to the horizon.

    Attributes
    ----------
    years
        The years evaluated, base year to horizon.
    cards
        The year each card counts from (:func:`card_years`).
    networks
        One row per year: ``year``, ``cards`` (the ids open that year), ``opening`` (those
        opening that year; in the base year every card open by then).
    table
        One row per target and year: ``target``, ``year``, ``value``, ``status`` (``pass``,
        ``fail``, ``not_evaluated``), ``metric``, ``op``, ``threshold``, ``unit``,
        ``cards_open`` and ``reason``. Every target is read on the year's network.
    expected_opened
        The user's expected year by status (their assumption); empty when none was given.
    in_base
        Cards whose road already lies in the base network (outcome ``already_in_base``): they
        count in every year, whatever their year, since the base network holds them.

    Examples
    --------
    >>> phasing = study.phasing
    >>> phasing.years
    [2022, 2023, 2024, 2025]
    >>> phasing.first_met.set_index("target").loc["expressway_density", "first_met"]
    '2025'

    """

    years: list[int]
    cards: pd.DataFrame
    networks: pd.DataFrame
    table: pd.DataFrame
    expected_opened: dict[str, int] = field(default_factory=dict)
    in_base: list[str] = field(default_factory=list)

    @property
    def base_year(self) -> int:
        """The first year evaluated.

        Examples
        --------
        >>> study.phasing.base_year
        2022

        """
        return self.years[0]

    @property
    def horizon_year(self) -> int:
        """The last year evaluated: the plan's horizon.

        Examples
        --------
        >>> study.phasing.horizon_year
        2025

        """
        return self.years[-1]

    @property
    def undated(self) -> list[str]:
        """Cards with no year (no ``opened``, no expected year for their status).

        Examples
        --------
        >>> "E1" in study.phasing.undated, "E2" in study.phasing.undated
        (True, False)

        """
        return self.cards.loc[self.cards["basis"] == BASIS_UNDATED, "id"].tolist()

    def pivot(self, column: str = "value") -> pd.DataFrame:
        """Return one column of :attr:`table` as target × year.

        Parameters
        ----------
        column
            ``"value"`` or ``"status"`` (or any column of :attr:`table`).

        Examples
        --------
        >>> study.phasing.pivot("status").loc["expressway_density"].tolist()
        ['fail', 'fail', 'fail', 'pass']

        """
        order = list(dict.fromkeys(self.table["target"]))
        wide = self.table.pivot(index="target", columns="year", values=column)
        return wide.loc[order, self.years]

    @property
    def first_met(self) -> pd.DataFrame:
        """Per target, the first year it is met.

        Returns
        -------
        pandas.DataFrame
            ``target``, ``first_year`` (None when never met), ``first_met`` (the year as text,
            ``not by <horizon>``, or ``not evaluated``) and ``met_at_horizon``.

        Examples
        --------
        >>> study.phasing.first_met.set_index("target").loc["road_density", "first_met"]
        'not evaluated'

        """
        rows = []
        for target, group in self.table.groupby("target", sort=False):
            met = group.loc[group["status"] == "pass", "year"]
            evaluated = (group["status"] != "not_evaluated").any()
            first = int(met.min()) if len(met) else None
            label = (
                str(first)
                if first is not None
                else (f"not by {self.horizon_year}" if evaluated else "not evaluated")
            )
            last = group.loc[group["year"] == self.horizon_year, "status"]
            rows.append([target, first, label, bool((last == "pass").all())])
        frame = pd.DataFrame(rows, columns=["target", "first_year", "first_met", "met_at_horizon"])
        frame["first_year"] = pd.Series([row[1] for row in rows], dtype=object)
        return frame

    def to_record(self) -> dict[str, Any]:
        """Return the JSON-ready record ``metrics.json`` holds under ``phasing``.

        Examples
        --------
        >>> record = study.phasing.to_record()
        >>> record["years"], sorted(record)[:3]
        ([2022, 2023, 2024, 2025], ['base_year', 'cards', 'expected_opened'])

        """
        cards = self.cards.astype(object).where(self.cards.notna(), None)
        table = self.table.astype(object).where(self.table.notna(), None)
        return {
            "base_year": self.base_year,
            "horizon_year": self.horizon_year,
            "years": list(self.years),
            "expected_opened": dict(self.expected_opened),
            "undated": self.undated,
            "in_base": list(self.in_base),
            "cards": cards.to_dict("records"),
            "networks": self.networks.to_dict("records"),
            "targets": table.to_dict("records"),
            "first_met": self.first_met.to_dict("records"),
        }

    def plot(self, *, width_in: float = 2.6, height_in: float = 2.2):
        """Draw each evaluated target's value by year against its threshold.

        One small panel per target that is evaluated in some year: the value (a dot per year,
        green where met, red where not) and the threshold as a dashed line.

        Parameters
        ----------
        width_in, height_in
            Size of one panel, inches.

        Returns
        -------
        matplotlib.figure.Figure
            With an Agg canvas; save it with ``savefig``. None when no target is evaluated.

        Examples
        --------
        >>> figure = study.phasing.plot()
        >>> evaluated = study.phasing.table.query("status != 'not_evaluated'")
        >>> len(figure.axes) == evaluated["target"].nunique()
        True

        """
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
        from matplotlib.ticker import MaxNLocator

        evaluated = self.table[self.table["status"] != "not_evaluated"]
        targets = list(dict.fromkeys(evaluated["target"]))
        if not targets:
            return None
        figure = Figure(figsize=(width_in * len(targets), height_in), dpi=100, layout="constrained")
        FigureCanvasAgg(figure)
        axes = figure.subplots(1, len(targets), squeeze=False)[0]
        for ax, target in zip(axes, targets, strict=True):
            rows = evaluated[evaluated["target"] == target]
            ax.plot(rows["year"], rows["value"], color="#555555", linewidth=1)
            colours = ["#2e7d32" if s == "pass" else "#c62828" for s in rows["status"]]
            ax.scatter(rows["year"], rows["value"], c=colours, zorder=3, s=22)
            threshold = float(rows["threshold"].iloc[0])
            ax.axhline(threshold, color="#1f4e79", linestyle="--", linewidth=1)
            ax.set_title(target, fontsize=9)
            unit = str(rows["unit"].iloc[0])
            ax.set_ylabel(unit, fontsize=8)
            ax.set_xlim(self.base_year - 0.5, self.horizon_year + 0.5)
            ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=6))
            ax.tick_params(labelsize=7)
        undated = len(self.undated)
        note = f"; {self.horizon_year} includes {undated} cards with no year" if undated else ""
        figure.suptitle(
            f"Targets by year, {self.base_year}–{self.horizon_year} (dashed: threshold{note})",
            fontsize=9,
        )
        return figure

    def write(self, folder: Path) -> list[str]:
        """Write ``phasing.csv`` (:attr:`table`) and ``phasing.png`` (:meth:`plot`).

        Returns
        -------
        list of str
            The names of the files written.

        Examples
        --------
        >>> import tempfile
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     study.phasing.write(Path(folder))
        ['phasing.csv', 'phasing.png']

        """
        self.table.to_csv(folder / "phasing.csv", index=False)
        figure = self.plot()
        if figure is None:
            return ["phasing.csv"]
        figure.savefig(folder / "phasing.png", dpi=110, facecolor="white")
        return ["phasing.csv", "phasing.png"]

    def _repr_html_(self) -> str:
        statuses = self.pivot("status")
        values = self.pivot("value")
        colours = {"pass": "#d4edda", "fail": "#f8d7da", "not_evaluated": "#fff3cd"}
        first = self.first_met.set_index("target")["first_met"]
        head = "".join(f"<th>{year}</th>" for year in self.years)
        rows = []
        for target in statuses.index:
            cells = "".join(
                f'<td style="background:{colours[statuses.at[target, y]]}">'
                f"{'—' if pd.isna(values.at[target, y]) else f'{values.at[target, y]:,.4g}'}</td>"
                for y in self.years
            )
            rows.append(
                f"<tr><td>{html.escape(str(target))}</td>{cells}"
                f"<td>{html.escape(str(first[target]))}</td></tr>"
            )
        figure = self.plot()
        image = ""
        if figure is not None:
            buffer = io.BytesIO()
            figure.savefig(buffer, format="png", dpi=90, facecolor="white")
            encoded = base64.b64encode(buffer.getvalue()).decode("ascii")
            image = f'<img alt="targets by year" src="data:image/png;base64,{encoded}">'
        undated = ", ".join(self.undated) or "none"
        return (
            f"<h5>Phasing {self.base_year}–{self.horizon_year}</h5>"
            f"<table><thead><tr><th>target</th>{head}<th>first met</th></tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>"
            f"<p>Cards with no year (counted at the horizon only): {html.escape(undated)}</p>"
            f"{image}"
        )


@dataclass(frozen=True)
class _Inputs:
    """What every year's evaluation reads (the runner's ``shared`` object, scattered once)."""

    before: RoadNetwork
    plan: Plan
    region: Region
    settings: MetricSettings
    townships: gpd.GeoDataFrame | None
    pois: gpd.GeoDataFrame | None


def _evaluate_subset(inputs: _Inputs, ids: tuple[str, ...]) -> ScenarioMetrics | str:
    """Apply the cards ``ids`` to the base network and evaluate the result.

    A year's network the metrics refuse (expressways open before any interchange, say) gives
    the reason instead: that year's targets are then not evaluated, the others still are.
    """
    with warnings.catch_warnings():
        # The whole plan was applied first: its cards' warnings were given then.
        warnings.simplefilter("ignore", TransnetWarning)
        network = apply_plan(inputs.before, inputs.plan.subset(ids)).network
        try:
            return evaluate_scenario(
                network,
                inputs.region,
                settings=inputs.settings,
                townships=inputs.townships,
                pois=inputs.pois,
            )
        except InputError as exc:
            return exc.reason


def evaluate_phasing(
    before: RoadNetwork,
    plan: Plan,
    region: Region,
    targets: list[Target],
    *,
    settings: MetricSettings,
    availability: DataAvailability,
    phasing: PhasingSettings | None = None,
    townships: gpd.GeoDataFrame | None = None,
    pois: gpd.GeoDataFrame | None = None,
    known: Mapping[frozenset[str], ScenarioMetrics] | None = None,
    runner: Callable[..., list[ScenarioMetrics]] = run_serially,
    settings_path: str | Path | None = None,
    in_base: Sequence[str] = (),
) -> Phasing:
    """Build the network of each year and evaluate every target in it.

    Parameters
    ----------
    before
        The base network.
    plan
        The plan; each card counts from its year (:func:`card_years`).
    region
        The study region.
    targets
        The targets; each is read on each year's network, whatever its ``scenario``.
    settings, availability
        As for the study (:func:`transnet.study.run_study`).
    phasing
        Base year, horizon and the user's expected years by status (default 2022–2025).
    townships, pois
        As for the study.
    known
        Metrics already computed, by the set of card ids applied: the study passes the base
        network (no card) and the whole plan, so neither is evaluated again.
    runner
        Runs ``fn(shared, item)`` over the sets of cards still to evaluate, with keywords
        ``shared`` and ``desc`` (:func:`run_serially`; a Dask runner of the same shape, e.g.
        ``functools.partial(run_scenarios, workers=2)``, runs them in parallel).
    settings_path
        The targets file ``phasing`` came from, for messages.
    in_base
        Cards already in the base network (the study's ``already_in_base`` outcomes), for
        the record: the base network holds them in every year.

    Returns
    -------
    Phasing

    Examples
    --------
    >>> from transnet.targets import PhasingSettings
    >>> phasing = evaluate_phasing(
    ...     study.before, study.plan, study.region, study.targets, settings=study.settings,
    ...     availability=study.availability, pois=study.pois,
    ...     phasing=PhasingSettings(base_year=2024, horizon_year=2025),
    ...     known={frozenset(): study.metrics["before"],
    ...            frozenset(c.id for c in study.plan.cards): study.metrics["after"]})
    >>> phasing.networks["cards"].map(len).tolist()
    [1, 21]

    """
    phasing = phasing or PhasingSettings()
    years = list(range(phasing.base_year, phasing.horizon_year + 1))
    cards = card_years(plan, phasing, settings_path=settings_path)
    counts_from = dict(zip(cards["id"], cards["year"], strict=True))
    order = [card.id for card in plan.cards]
    open_by_year = {y: tuple(c for c in order if counts_from[c] <= y) for y in years}
    metrics: dict[frozenset[str], ScenarioMetrics | str] = dict(known or {})
    pending = list(dict.fromkeys(s for s in open_by_year.values() if frozenset(s) not in metrics))
    if pending:
        inputs = _Inputs(before, plan, region, settings, townships, pois)
        results = runner(_evaluate_subset, pending, shared=inputs, desc="Phasing: years")
        for ids, result in zip(pending, results, strict=True):
            metrics[frozenset(ids)] = result
    rows = []
    networks = []
    previous: tuple[str, ...] = ()
    for year in years:
        ids = open_by_year[year]
        networks.append(
            {"year": year, "cards": list(ids), "opening": [c for c in ids if c not in previous]}
        )
        previous = ids
        measured = metrics[frozenset(ids)]
        if isinstance(measured, str):
            reason = f"the network of {year} cannot be evaluated: {measured}"
            results = evaluate_targets(targets, {}, available=availability, scenario="after")
            for r in results:
                if r.reason == f"metric '{r.metric}' is not computed for scenario 'after'":
                    r.reason = reason
        else:
            results = evaluate_targets(
                targets, {"after": measured}, available=availability, scenario="after"
            )
        for r in results:
            rows.append(
                [
                    r.id,
                    year,
                    r.value,
                    r.status,
                    r.metric,
                    r.op,
                    r.threshold,
                    r.unit,
                    len(ids),
                    r.reason,
                ]
            )
    table = pd.DataFrame(rows, columns=_TABLE_COLUMNS)
    return Phasing(
        years=years,
        cards=cards,
        networks=pd.DataFrame(networks, columns=["year", "cards", "opening"]),
        table=table,
        expected_opened=dict(phasing.expected_opened),
        in_base=list(in_base),
    )
