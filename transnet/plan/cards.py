"""Plan project cards: the card schema, a validated :class:`Plan`, and reading one from a file.

A card is one GeoJSON feature whose properties follow :class:`ProjectCard` (the manner of
Network Wrangler's project cards): what it does (``action``), to which class of road, with what
grade and lanes, and how sure its figures and alignment are (``*_basis``, ``provenance``).
"""

from __future__ import annotations

import contextlib
import json
import math
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, get_args

import geopandas as gpd
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from transnet import options
from transnet._errors import (
    InputError,
    TransnetWarning,
    check_keys,
    expect_type,
    format_number,
    from_validation_error,
    not_bool,
    suggest,
)
from transnet.crs import PROJECTED_CRS
from transnet.grades import normalize_grade
from transnet.io.files import check_geometry, read_features
from transnet.io.text import read_text

__all__ = ["ACTIONS", "Plan", "PlannedInterchange", "ProjectCard", "load_plan"]

Action = Literal["new", "widen", "upgrade", "realign"]
#: What a card does to the network.
ACTIONS: tuple[str, ...] = get_args(Action)
#: Largest allowed mismatch between a card's ``length_km`` and its geometry's length.
LENGTH_TOLERANCE = options.PLAN_LENGTH_TOLERANCE


class PlannedInterchange(BaseModel):
    """An interchange a new expressway card will open, in WGS-84.

    Examples
    --------
    >>> PlannedInterchange(name="赵北峰", lon=112.628, lat=37.857).lat
    37.857

    """

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    name: str
    lon: float = Field(ge=-180, le=180)
    lat: float = Field(ge=-90, le=90)

    @field_validator("lon", "lat", mode="before")
    @classmethod
    def _number(cls, value: object) -> object:
        return not_bool(value)


class ProjectCard(BaseModel):
    """The properties of one plan project card (its geometry is kept beside it).

    Every number is finite and within a sane range with its unit (:mod:`transnet.options`):
    ``length_km`` above 0 and at most 3,000 km, ``investment_100m_cny`` 0 to 100,000 亿元,
    ``design_speed_kmh`` 5 to 160 km/h, ``lanes`` 1 to 16, ``opened`` 1900 to 2100; a
    yes/no value is not a number. ``requires`` lists the ids of the cards this one needs (as
    Network Wrangler's ``dependencies``): a subset of the plan is valid only with them, and the
    card opens no earlier than they do.

    Examples
    --------
    >>> card = ProjectCard(id="N1", name="G108 升级改造", **{"class": "national_provincial"},
    ...     action="upgrade", length_km=50, length_basis="estimated", investment_100m_cny=40,
    ...     investment_basis="apportioned", status="planned", grade="1", provenance="announced")
    >>> card.grade, card.requires
    ('1', [])

    """

    model_config = ConfigDict(extra="forbid", populate_by_name=True, allow_inf_nan=False)

    id: str
    name: str
    class_: Literal["expressway", "national_provincial"] = Field(alias="class")
    action: Action
    length_km: float = Field(gt=0, le=options.CARD_MAX_LENGTH_KM)
    length_basis: Literal["announced", "estimated"] = "estimated"
    investment_100m_cny: float = Field(ge=0, le=options.CARD_MAX_INVESTMENT_100M_CNY)
    investment_basis: Literal["announced", "apportioned", "estimated"] = "estimated"
    status: str
    opened: int | None = Field(
        default=None, ge=options.CARD_OPENED_RANGE[0], le=options.CARD_OPENED_RANGE[1]
    )
    grade: str
    lanes: int | None = Field(default=None, gt=0, le=options.MAX_LANES)
    ref: str = ""
    provenance: Literal["announced", "illustrative"]
    geometry_basis: Literal["surveyed", "schematic", "illustrative"] = "schematic"
    design_speed_kmh: float | None = Field(
        default=None,
        ge=options.DESIGN_SPEED_RANGE_KMH[0],
        le=options.DESIGN_SPEED_RANGE_KMH[1],
    )
    source: str = ""
    interchanges: list[PlannedInterchange] = Field(default_factory=list)
    requires: list[str] = Field(default_factory=list)

    @field_validator(
        "length_km", "investment_100m_cny", "opened", "lanes", "design_speed_kmh", mode="before"
    )
    @classmethod
    def _number(cls, value: object) -> object:
        return not_bool(value)

    @field_validator("grade", mode="before")
    @classmethod
    def _grade(cls, value: object) -> str:
        return normalize_grade(value)

    @field_validator("ref", mode="before")
    @classmethod
    def _ref(cls, value: object) -> str:
        return "" if value is None else str(value)

    @field_validator("requires", mode="before")
    @classmethod
    def _requires(cls, value: object) -> object:
        # A GeoPackage or a spreadsheet holds text: one id, ids split by commas, or JSON.
        if not isinstance(value, str):
            return value
        if value.lstrip().startswith("["):
            with contextlib.suppress(json.JSONDecodeError):
                return json.loads(value)
        return [part.strip() for part in value.split(",") if part.strip()]


_CARD_FIELDS = sorted(
    {f.alias or name for name, f in ProjectCard.model_fields.items()} | {"geometry"}
)
_REQUIRED_FIELDS = [
    f.alias or name for name, f in ProjectCard.model_fields.items() if f.is_required()
]
_INTERCHANGE_FIELDS = list(PlannedInterchange.model_fields)


@dataclass
class Plan:
    """A set of project cards with their geometries.

    Attributes
    ----------
    cards
        The validated cards, in file order.
    frame
        GeoDataFrame in WGS-84, one row per card, columns as the card fields.
    path
        The file the plan came from.

    Examples
    --------
    >>> plan.cards[0].id, plan.cards[0].action
    ('E1', 'new')
    >>> plan.frame[["id", "class", "action"]].head(2)
       id       class action
    0  E1  expressway    new
    1  E2  expressway    new

    """

    cards: list[ProjectCard]
    frame: gpd.GeoDataFrame
    path: str | None = None

    def totals_by_class(self) -> pd.DataFrame:
        """Count projects and add up km and 亿元 per class.

        Returns
        -------
        pandas.DataFrame
            Indexed by class: ``projects``, ``length_km``, ``investment_100m_cny``.

        Examples
        --------
        >>> totals = plan.totals_by_class()
        >>> totals[["projects", "investment_100m_cny"]]
                             projects  investment_100m_cny
        class
        expressway                  8                812.0
        national_provincial        13                497.0

        """
        return self.frame.groupby("class").agg(
            projects=("id", "size"),
            length_km=("length_km", "sum"),
            investment_100m_cny=("investment_100m_cny", "sum"),
        )

    def _ids(self, ids: Iterable[str]) -> set[str]:
        """``ids`` as a set, each checked to be a card of the plan."""
        chosen = {ids} if isinstance(ids, str) else set(ids)
        unknown = sorted(chosen - {card.id for card in self.cards})
        if unknown:
            raise ValueError(f"no card {', '.join(unknown)} in the plan")
        return chosen

    def closure(self, ids: Iterable[str]) -> list[str]:
        """Return ``ids`` and every card they require, directly or not, in file order.

        Parameters
        ----------
        ids
            Card ids; each must be a card of the plan.

        Returns
        -------
        list of str

        Raises
        ------
        ValueError
            If an id is not a card of the plan.

        Examples
        --------
        >>> plan.closure(["E1"])
        ['E1']

        """
        requires = {card.id: card.requires for card in self.cards}
        chosen = self._ids(ids)
        stack = list(chosen)
        while stack:
            for required in requires[stack.pop()]:
                if required not in chosen:
                    chosen.add(required)
                    stack.append(required)
        return [card.id for card in self.cards if card.id in chosen]

    def is_valid_subset(self, ids: Iterable[str]) -> bool:
        """Tell whether the cards ``ids`` hold every card they require.

        Examples
        --------
        >>> plan.is_valid_subset([]), plan.is_valid_subset(["E1", "E2"])
        (True, True)

        """
        chosen = self._ids(ids)
        return len(self.closure(chosen)) == len(chosen)

    def subset(self, ids: Iterable[str]) -> Plan:
        """Return the plan of the cards ``ids`` only (in file order), their requirements held.

        Parameters
        ----------
        ids
            Card ids; with every card they require (see :meth:`closure`).

        Returns
        -------
        Plan

        Raises
        ------
        ValueError
            If an id is not a card of the plan, or a card's requirement is left out.

        Examples
        --------
        >>> [card.id for card in plan.subset(["N2", "E1"]).cards]
        ['E1', 'N2']

        """
        chosen = self._ids(ids)
        missing = [
            f"{card.id} requires {', '.join(r for r in card.requires if r not in chosen)}"
            for card in self.cards
            if card.id in chosen and not set(card.requires) <= chosen
        ]
        if missing:
            raise ValueError(f"not a valid subset: {'; '.join(missing)}")
        return self.without({card.id for card in self.cards} - chosen)

    def without(self, ids: Iterable[str]) -> Plan:
        """Return the plan without the cards ``ids`` (the others in their order).

        Parameters
        ----------
        ids
            Card ids to leave out; each must be a card of the plan.

        Returns
        -------
        Plan
            Same ``path``; its ``frame`` renumbered from 0.

        Raises
        ------
        ValueError
            If an id is not a card of the plan.

        Examples
        --------
        >>> reduced = plan.without(["E1", "N2"])
        >>> len(plan.cards) - len(reduced.cards), reduced.frame["id"].iloc[0]
        (2, 'E2')

        """
        left_out = self._ids(ids)
        kept = ~self.frame["id"].isin(left_out)
        return Plan(
            cards=[card for card in self.cards if card.id not in left_out],
            frame=self.frame[kept.to_numpy()].reset_index(drop=True),
            path=self.path,
        )


def load_plan(path: str | Path, *, allow_empty: bool = False) -> Plan:
    """Read and validate project cards from a GeoJSON (or GPKG) file.

    Parameters
    ----------
    path
        One feature per card, LineString geometry, properties as :class:`ProjectCard`.
    allow_empty
        Accept a file without cards (the empty plan of a new bundle), with a
        :class:`~transnet._errors.TransnetWarning`; by default it is an error.

    Returns
    -------
    Plan

    Raises
    ------
    InputError
        Naming the file, the card id and the field: a card with no geometry, an unknown grade or
        action, an unknown field of a card or of a planned interchange (with a "did you mean"
        hint), a number that is not finite or out of its range (see :class:`ProjectCard`), a
        ``length_km`` more than 25 % off its geometry's length, duplicate ids, a file with no
        CRS, or a ``requires`` naming an unknown card (with a hint), the card itself or one
        card twice, or closing a cycle (named: ``E3 → E5 → E3``).

    Notes
    -----
    In a GeoJSON file a property that is ``null`` is absent, and ``NaN`` or ``Infinity`` is "not
    a finite number". Other formats (GeoPackage) cannot tell a null from a NaN once read, so an
    empty or NaN field there is absent: an optional field takes its default and a required one
    is "missing value".

    Examples
    --------
    >>> len(load_plan(bundle.path("plan")).cards)
    21

    """
    expect_type(path, (str, Path), "path")
    path = Path(path)
    frame = read_features(path)
    records = _raw_properties(path, len(frame))
    if records is None:
        records = [
            {k: _plain(v) for k, v in row.items()}
            for row in frame.drop(columns="geometry").to_dict("records")
        ]
    cards: list[ProjectCard] = []
    for number, (properties, geometry) in enumerate(zip(records, frame.geometry, strict=True)):
        record = str(properties.get("id") or f"feature #{number + 1}")
        properties = {k: v for k, v in properties.items() if v is not None}
        card = _validate_card(properties, path=path, record=record)
        check_geometry(geometry, expected="LineString", path=path, record=record)
        cards.append(card)
    if not cards and not allow_empty:
        raise InputError(
            "the plan has no project cards; add them (see data/templates/README.md), or use "
            "`transnet run`, which assesses the base network alone",
            path=path,
        )
    if not cards:
        warnings.warn(
            f"{path}: the plan has no project cards, so the 'after' scenario is the base network",
            TransnetWarning,
            stacklevel=2,
        )
        empty = gpd.GeoDataFrame(
            {
                info.alias or name: pd.Series(dtype=object)
                for name, info in ProjectCard.model_fields.items()
            },
            geometry=gpd.GeoSeries([], crs=frame.crs or "EPSG:4326"),
        )
        empty["geometry_km"] = pd.Series(dtype=float)
        return Plan(cards=[], frame=empty, path=str(path))
    ids = [c.id for c in cards]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise InputError("duplicate card id", path=path, record=duplicates[0], field="id")
    _check_requires(cards, path=path)
    table = pd.DataFrame([c.model_dump(by_alias=True) for c in cards])
    plan_frame = gpd.GeoDataFrame(table, geometry=list(frame.geometry), crs=frame.crs)
    geometry_km = plan_frame.to_crs(PROJECTED_CRS).length / 1000
    for card, measured in zip(cards, geometry_km.tolist(), strict=True):
        if not measured > 0:
            raise InputError(
                "the geometry has zero length; expected a line between two places",
                path=path,
                record=card.id,
                field="geometry",
            )
        if abs(card.length_km - measured) > LENGTH_TOLERANCE * measured:
            raise InputError(
                f"length_km {format_number(card.length_km)} is "
                f"{abs(card.length_km / measured - 1):.0%} off the "
                f"geometry's length {measured:.1f} km; expected within {LENGTH_TOLERANCE:.0%}",
                path=path,
                record=card.id,
                field="length_km",
            )
    plan_frame["geometry_km"] = geometry_km.to_numpy()
    return Plan(cards=cards, frame=plan_frame, path=str(path))


def _check_requires(cards: list[ProjectCard], *, path: Path) -> None:
    """Refuse a requirement on an unknown card, on the card itself, twice, or in a cycle."""
    ids = [card.id for card in cards]
    for card in cards:
        for required in card.requires:
            if required == card.id:
                raise InputError(
                    f"the card requires itself ({card.id!r})",
                    path=path,
                    record=card.id,
                    field="requires",
                )
            if required not in ids:
                hint = suggest(required, ids)
                raise InputError(
                    f"unknown card {required!r}{'; ' + hint if hint else ''}; expected ids "
                    "of cards of this plan",
                    path=path,
                    record=card.id,
                    field="requires",
                )
            if card.requires.count(required) > 1:
                raise InputError(
                    f"requires {required!r} twice", path=path, record=card.id, field="requires"
                )
    requires = {card.id: card.requires for card in cards}
    done: set[str] = set()
    for start in ids:
        cycle = _cycle_from(start, requires, done)
        if cycle:
            raise InputError(
                f"dependency cycle: {' → '.join(cycle)}; a card cannot require, directly or "
                "not, a card that requires it",
                path=path,
                record=cycle[0],
                field="requires",
            )


def _cycle_from(start: str, requires: dict[str, list[str]], done: set[str]) -> list[str]:
    """Return the first cycle reachable from ``start`` (depth first, in card order), or []."""
    trail: list[str] = []
    on_trail: set[str] = set()
    stack = [(start, iter(requires[start]))]
    trail.append(start)
    on_trail.add(start)
    while stack:
        node, children = stack[-1]
        child = next(children, None)
        if child is None:
            stack.pop()
            trail.pop()
            on_trail.discard(node)
            done.add(node)
        elif child in on_trail:
            return [*trail[trail.index(child) :], child]
        elif child not in done:
            stack.append((child, iter(requires[child])))
            trail.append(child)
            on_trail.add(child)
    return []


def _validate_card(properties: dict[str, Any], *, path: Path, record: str) -> ProjectCard:
    """Validate one card's properties, unknown fields and planned interchanges included."""
    check_keys(
        properties,
        _CARD_FIELDS,
        path=path,
        record=record,
        required=_REQUIRED_FIELDS,
        what="field",
        check_missing=False,
    )
    interchanges = properties.get("interchanges")
    if isinstance(interchanges, str) and interchanges.lstrip().startswith("["):
        with contextlib.suppress(json.JSONDecodeError):
            properties["interchanges"] = interchanges = json.loads(interchanges)
    if isinstance(interchanges, list):
        for number, item in enumerate(interchanges):
            if isinstance(item, dict):
                check_keys(
                    item,
                    _INTERCHANGE_FIELDS,
                    path=path,
                    record=record,
                    required=_INTERCHANGE_FIELDS,
                    prefix=f"interchanges.{number}",
                    what="field",
                )
    try:
        return ProjectCard.model_validate(properties)
    except ValidationError as exc:
        raise from_validation_error(exc, path=path, record=record) from None


def _raw_properties(path: Path, count: int) -> list[dict[str, Any]] | None:
    """Return a GeoJSON file's feature properties as written (``null`` as None, ``NaN`` as NaN).

    pyogrio reads both a ``null`` and a ``NaN`` number as NaN; the raw properties tell a
    missing value from one that is not finite. None for other formats, or if the features
    do not line up with the ones pyogrio read.
    """
    if path.suffix.lower() not in (".geojson", ".json"):
        return None
    try:
        document = json.loads(read_text(path))
    except (json.JSONDecodeError, InputError):
        return None
    features = document.get("features") if isinstance(document, dict) else None
    if not isinstance(features, list) or len(features) != count:
        return None
    properties = [f.get("properties") if isinstance(f, dict) else None for f in features]
    return [p if isinstance(p, dict) else {} for p in properties]


def _plain(value: Any) -> Any:
    """Turn pandas' missing values into None and numpy scalars into Python ones."""
    if isinstance(value, (list, dict)):
        return value
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return value.item() if hasattr(value, "item") else value
