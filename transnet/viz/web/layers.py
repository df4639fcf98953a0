"""The layers of a map: counties (shaded), roads by grade, plan projects, interchanges, seats.

Examples
--------
>>> LAYER_NAMES["plan"], LAYER_NAMES["planned"]
('Plan projects', 'Planned projects (not built)')
>>> "ILLUSTRATIVE alignment" in card_popup_html({"id": "E3", "geometry_basis": "illustrative"})
True
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import Element
from markupsafe import Markup

from transnet._memo import PerObject
from transnet.grades import GRADES
from transnet.plan import ACTIONS
from transnet.viz.style import (
    CHOROPLETH_OPACITY,
    GRADE_STYLES,
    HALO_OPACITY,
    HALO_WEIGHT_PX,
    INTERCHANGE_MARKER,
    PLAN_ACTION_STYLES,
    PLAN_WEIGHT_PX,
    PLANNED_STYLE,
    RAMP_WEIGHT_PX,
    SEAT_MARKER,
    ChoroplethClasses,
    format_number,
)
from transnet.viz.web.elements import (
    InlineGeoJson,
    LayerScript,
    Popup,
    RawCircleMarker,
    RawFeatureGroup,
    RawPolyLine,
    RawTooltip,
)
from transnet.viz.web.geometry import (
    MINOR_GRADES,
    latlon_lines,
    road_frame,
    round_latlon,
    rounded,
    to_geographic,
)
from transnet.viz.web.templating import render
from transnet.viz.web.text import MISSING, escape, is_missing

if TYPE_CHECKING:
    from transnet.network import RoadNetwork

__all__ = [
    "LAYER_NAMES",
    "Overlays",
    "RoadFeatures",
    "Shading",
    "card_popup_html",
    "road_features",
]

#: Names of the map's toggleable layers, as shown in the layer control.
LAYER_NAMES: dict[str, str] = {
    "expressway": "Expressway",
    "1": "Grade 1 road",
    "2": "Grade 2 road",
    "3": "Grade 3 road",
    "4": "Grade 4 road",
    "below_4": "Road below grade 4",
    "counties": "Counties",
    "plan": "Plan projects",
    "planned": "Planned projects (not built)",
    "interchanges": "Interchanges",
    "seats": "County seats",
}


@dataclass(frozen=True)
class Shading:
    """County shading of one map: its classes, legend caption and the label of no value.

    Examples
    --------
    >>> shading = Shading(ChoroplethClasses.of([1.0, None]), "Minutes (min)", "unreachable")
    >>> shading.legend()["missing"]
    'unreachable'

    """

    classes: ChoroplethClasses
    label: str
    missing: str

    def legend(self) -> dict[str, Any]:
        """Return the legend's shading section, for the ``legend_rows`` template macro.

        Examples
        --------
        >>> Shading(ChoroplethClasses.of([2.0]), "x", "no data").legend()["rows"]
        [('#74c476', '2 – 2.1')]

        """
        classes = self.classes
        return {
            "label": self.label,
            "rows": list(zip(classes.colors, classes.labels(), strict=True)),
            "missing": self.missing if classes.has_missing or not classes.colors else None,
            "opacity": CHOROPLETH_OPACITY + 0.2,
            "no_data": classes.color(float("nan")),
        }


def _feature(number: int, properties: dict[str, Any]) -> dict[str, Any]:
    return {"type": "Feature", "id": str(number), "properties": properties}


class Overlays:
    """The overlays of one map but its roads, checked and in map coordinates.

    Build it with :meth:`prepare`.

    Examples
    --------
    >>> overlays = Overlays.prepare(counties=region.counties, seats=region.seats, plan=None,
    ...                             gcj02=False, choropleth=None)
    >>> overlays.values() is None, len(overlays.bounds)
    (True, 2)

    """

    def __init__(
        self,
        counties: gpd.GeoDataFrame,
        seats: gpd.GeoDataFrame,
        plan: gpd.GeoDataFrame | None,
        choropleth: str | None,
    ) -> None:
        self.counties = counties
        self.seats = seats
        self.plan = plan
        self.choropleth = choropleth
        min_lon, min_lat, max_lon, max_lat = counties.total_bounds
        self.bounds = [round_latlon(min_lat, min_lon), round_latlon(max_lat, max_lon)]

    @classmethod
    def prepare(
        cls,
        *,
        counties: gpd.GeoDataFrame,
        seats: gpd.GeoDataFrame,
        plan: gpd.GeoDataFrame | None,
        gcj02: bool,
        choropleth: str | None,
    ) -> Overlays:
        """Check the frames and bring them to map coordinates.

        Raises
        ------
        ValueError
            If a frame has no CRS or lacks a required column, ``counties`` is empty, a card has
            an unknown action or no geometry, or ``choropleth`` is not a column of ``counties``
            or has values but none numeric.

        Examples
        --------
        >>> Overlays.prepare(counties=region.counties.iloc[:0], seats=region.seats, plan=None,
        ...                  gcj02=False, choropleth=None)
        Traceback (most recent call last):
        ...
        ValueError: counties is empty; the map is fitted to the counties' bounds

        """
        counties = to_geographic(counties, "counties", required=("code", "name"), gcj02=gcj02)
        seats = to_geographic(seats, "seats", required=("code", "name"), gcj02=gcj02)
        if plan is not None:
            plan = to_geographic(plan, "plan", required=("id", "name", "action"), gcj02=gcj02)
            unknown = sorted(set(plan["action"].astype(str)) - set(ACTIONS))
            if unknown:
                raise ValueError(
                    f"plan has unknown action(s) {', '.join(unknown)}; "
                    f"expected {', '.join(ACTIONS)}"
                )
            empty = plan.geometry.isna() | plan.geometry.is_empty
            if empty.any():
                raise ValueError(f"plan card {plan.loc[empty, 'id'].iloc[0]!r} has no geometry")
        if counties.empty:
            raise ValueError("counties is empty; the map is fitted to the counties' bounds")
        if choropleth is not None:
            if choropleth not in counties.columns:
                raise ValueError(
                    f"choropleth column {choropleth!r} is not in counties; it has "
                    f"{', '.join(map(str, counties.columns))}"
                )
            column = counties[choropleth]
            numeric = pd.to_numeric(column, errors="coerce")
            if numeric.isna().all() and column.notna().any():
                # All empty is fine (every seat unreachable, say): the counties are grey.
                raise ValueError(f"choropleth column {choropleth!r} has no numeric value")
        return cls(counties, seats, plan, choropleth)

    def values(self) -> list[Any] | None:
        """Return the choropleth column's values, or None without one.

        Examples
        --------
        >>> Overlays.prepare(counties=region.counties.assign(v=1.5), seats=region.seats,
        ...                  plan=None, gcj02=False, choropleth="v").values()[:2]
        [1.5, 1.5]

        """
        return None if self.choropleth is None else list(self.counties[self.choropleth])

    def draw(
        self,
        m: folium.Map,
        edges: gpd.GeoDataFrame | RoadFeatures,
        interchanges: gpd.GeoDataFrame,
        *,
        grades: set[str],
        shading: Shading | None,
        planned: bool,
        large: bool,
        minor_min_zoom: int,
    ) -> None:
        """Add counties, roads, plan, interchanges and seats to ``m``, bottom to top.

        Roads get one layer per grade in ``grades``, empty where ``edges`` has none of it, so
        that two maps compared side by side list the same layers. With ``planned`` the plan is
        a faint layer of projects not yet built, off until ticked in the layer control.

        Examples
        --------
        >>> from transnet.viz.web.geometry import interchange_frame, road_frame
        >>> m = folium.Map(tiles=None)
        >>> overlays = Overlays.prepare(counties=region.counties, seats=region.seats,
        ...                             plan=plan.frame, gcj02=False, choropleth=None)
        >>> overlays.draw(m, road_frame(network, large=False, gcj02=False),
        ...               interchange_frame(network, gcj02=False), grades={"expressway"},
        ...               shading=None, planned=True, large=False, minor_min_zoom=11)
        >>> page = m.get_root().render()
        >>> '"dashArray": "4 6"' in page, '"weight": 16.0' in page  # faint, no halo
        (True, False)

        """
        order: list[Element] = [self._add_counties(m, shading)]
        if not isinstance(edges, RoadFeatures):
            edges = RoadFeatures.of(edges)
        roads = _add_roads(m, edges, grades=grades, hide_minor=large)
        order.extend(roads.values())
        if self.plan is not None and not self.plan.empty:
            order.append(_add_plan(m, self.plan, planned=planned))
        if not interchanges.empty:
            order.append(_add_interchanges(m, interchanges))
        order.append(_add_seats(m, self.seats))
        minor = [roads[g] for g in MINOR_GRADES if g in roads] if large else []
        m.add_child(LayerScript(order, minor, minor_min_zoom))

    def _add_counties(self, m: folium.Map, shading: Shading | None) -> folium.GeoJson:
        counties = self.counties
        values = None
        if self.choropleth is not None and shading is not None:
            values = pd.to_numeric(counties[self.choropleth], errors="coerce").astype(float)
        has_english = "name_en" in counties.columns
        features, geometries = [], []
        fill_by_id: dict[str, str] = {}
        rows = counties.drop(columns="geometry").to_dict("records")
        for number, (row, geometry) in enumerate(zip(rows, counties.geometry, strict=True)):
            if geometry is None or geometry.is_empty:
                continue
            name = escape(row["name"])
            if has_english and not is_missing(row["name_en"]) and row["name_en"] != row["name"]:
                name = f"{name} ({escape(row['name_en'])})"
            properties: dict[str, Any] = {"name": name}
            feature = _feature(number, properties)
            geometries.append(rounded(geometry))
            if values is not None and shading is not None:
                value = float(values.iloc[number])
                missing = not np.isfinite(value)
                properties["value"] = escape(shading.missing) if missing else format_number(value)
                fill_by_id[feature["id"]] = shading.classes.color(value)
            features.append(feature)

        def style(feature: dict[str, Any]) -> dict[str, Any]:
            # An unshaded fill still catches the pointer, so the tooltip shows anywhere inside.
            return {
                "color": "#333333",
                "weight": 1.2,
                "opacity": 0.9,
                "fill": True,
                "fillColor": fill_by_id.get(feature["id"], "#ffffff"),
                "fillOpacity": CHOROPLETH_OPACITY if fill_by_id else 0.0,
            }

        fields, aliases = ["name"], ["County"]
        if values is not None and shading is not None:
            fields.append("value")
            aliases.append(escape(shading.label))
        layer = InlineGeoJson(
            features,
            shapely.to_geojson(np.array(geometries, dtype=object)).tolist(),
            name=LAYER_NAMES["counties"],
            style_function=style,
            tooltip=folium.GeoJsonTooltip(fields=fields, aliases=aliases, sticky=True),
        )
        layer.add_to(m)
        return layer


@dataclass(frozen=True)
class RoadFeatures:
    """A network's roads as map features, by grade: built once, drawn on every map of it.

    Segments sharing grade, ``ramp``, name and ``ref`` are merged into one feature (minor
    roads of a large network have no names, so they merge into one feature per grade), whose
    geometry is GeoJSON text from one vectorised :func:`shapely.to_geojson` call.

    Attributes
    ----------
    features
        By grade: the features' ``id`` and ``properties`` (name, ref, grade, lanes, ramp).
    geometries
        By grade: each feature's GeoJSON geometry text.
    bounds
        By grade: ``[[south, west], [north, east]]`` of its roads.

    Examples
    --------
    >>> from transnet.viz.web.geometry import road_frame
    >>> roads = RoadFeatures.of(road_frame(network, large=False, gcj02=False))
    >>> sorted(roads.grades) == sorted(set(network.edges["grade"]))
    True
    >>> roads.features["expressway"][0]["properties"]["grade"]
    'Expressway'

    """

    features: dict[str, list[dict[str, Any]]]
    geometries: dict[str, list[str]]
    bounds: dict[str, list[list[float]]]

    @property
    def grades(self) -> set[str]:
        """The grades with at least one road.

        Examples
        --------
        >>> RoadFeatures({}, {}, {}).grades
        set()

        """
        return set(self.features)

    @classmethod
    def of(cls, edges: gpd.GeoDataFrame) -> RoadFeatures:
        """Merge ``edges`` (a :func:`~transnet.viz.web.geometry.road_frame`) into features.

        Examples
        --------
        >>> from shapely.geometry import LineString
        >>> edges = gpd.GeoDataFrame(
        ...     {"grade": ["2", "2"], "name": ["S1", "S1"], "ref": ["", ""], "lanes": [2, 4],
        ...      "ramp": [False, False]},
        ...     geometry=[LineString([(0, 0), (1, 0)]), LineString([(1, 0), (2, 0)])],
        ...     crs="EPSG:4326")
        >>> roads = RoadFeatures.of(edges)
        >>> roads.geometries["2"], roads.features["2"][0]["properties"]["lanes"]
        (['{"type":"LineString","coordinates":[[0.0,0.0],[1.0,0.0],[2.0,0.0]]}'], '2–4')

        """
        features: dict[str, list[dict[str, Any]]] = {}
        geometries: dict[str, list[str]] = {}
        bounds: dict[str, list[list[float]]] = {}
        grades = edges["grade"].to_numpy()
        for grade in GRADES:
            of_grade = edges[grades == grade]
            if of_grade.empty:
                continue
            style = GRADE_STYLES[grade]
            keys = of_grade[["ramp", "name", "ref"]]
            codes = keys.groupby(["ramp", "name", "ref"], sort=True).ngroup().to_numpy()
            _, first = np.unique(codes, return_index=True)
            groups = keys.iloc[first]
            lanes = pd.to_numeric(of_grade["lanes"], errors="coerce").groupby(codes)
            low, high = lanes.min(), lanes.max()
            merged = _merged_by_code(of_grade.geometry.to_numpy(), codes, len(groups))
            keep = ~shapely.is_empty(merged)
            texts = shapely.to_geojson(merged[keep])
            rows = []
            for (ramp, name, ref), lo, hi in zip(
                groups[["ramp", "name", "ref"]].itertuples(index=False, name=None),
                low.to_numpy(),
                high.to_numpy(),
                strict=True,
            ):
                label = f"{style['label']} ramp" if ramp else style["label"]
                properties = {
                    "name": escape(name),
                    "ref": escape(ref),
                    "grade": label,
                    "lanes": _lanes_range(lo, hi),
                    "ramp": bool(ramp),
                }
                rows.append(properties)
            rows = [row for row, kept in zip(rows, keep, strict=True) if kept]
            if not rows:
                continue
            features[grade] = [
                {"type": "Feature", "id": str(number), "properties": properties}
                for number, properties in enumerate(rows)
            ]
            geometries[grade] = texts.tolist()
            west, south, east, north = shapely.total_bounds(merged[keep]).tolist()
            bounds[grade] = [[south, west], [north, east]]
        return cls(features, geometries, bounds)


def _merged_by_code(parts: np.ndarray, codes: np.ndarray, n_groups: int) -> np.ndarray:
    """One (multi)line per group of ``parts``, merged where they meet end to end.

    As :func:`~transnet.viz.web.geometry.merged_lines` on each group, in a few vectorised
    calls: a group of one part keeps it as it is.
    """
    parts = shapely.remove_repeated_points(parts)
    counts = np.bincount(codes, minlength=n_groups)
    merged = np.empty(n_groups, dtype=object)
    single = counts[codes] == 1
    merged[codes[single]] = parts[single]
    many = ~single
    if many.any():
        order = np.argsort(codes[many], kind="stable")
        group_codes = codes[many][order]
        present, dense = np.unique(group_codes, return_inverse=True)
        multi = shapely.multilinestrings(parts[many][order], indices=dense)
        merged[present] = shapely.line_merge(multi)
    return merged


def _lanes_range(low: float, high: float) -> str:
    if not np.isfinite(low):
        return MISSING
    low, high = int(low), int(high)
    return str(low) if low == high else f"{low}–{high}"


#: One RoadFeatures per live network and drawing options.
_ROADS = PerObject()


def road_features(network: RoadNetwork, *, large: bool, gcj02: bool) -> RoadFeatures:
    """Return ``network``'s roads as map features, built once per network and options.

    The before, after and compare maps of a study draw each network twice: its roads are
    simplified, projected, rounded and merged once.

    Examples
    --------
    >>> road_features(network, large=False, gcj02=False) is road_features(
    ...     network, large=False, gcj02=False)
    True

    """
    key = (id(network.edges), len(network.edges), large, gcj02)
    return _ROADS.get(
        network, key, lambda: RoadFeatures.of(road_frame(network, large=large, gcj02=gcj02))
    )


def _add_roads(
    m: folium.Map, roads: RoadFeatures, *, grades: set[str], hide_minor: bool
) -> dict[str, folium.GeoJson]:
    """Add one layer per grade in ``grades``, lowest grade first; return them by grade."""
    layers: dict[str, folium.GeoJson] = {}
    for grade in reversed(GRADES):
        if grade not in grades:
            continue
        style = GRADE_STYLES[grade]
        features = roads.features.get(grade, [])

        def line_style(feature: dict[str, Any], style: Mapping[str, Any] = style) -> dict[str, Any]:
            ramp = feature["properties"]["ramp"]
            return {
                "color": style["color"],
                "weight": RAMP_WEIGHT_PX if ramp else style["weight"],
                "opacity": 0.8 if ramp else 0.95,
            }

        layer = InlineGeoJson(
            features,
            roads.geometries.get(grade, []),
            bounds=roads.bounds.get(grade),
            name=LAYER_NAMES[grade],
            style_function=line_style,
            show=not (hide_minor and grade in MINOR_GRADES),
            tooltip=folium.GeoJsonTooltip(
                fields=["name", "ref", "grade", "lanes"],
                aliases=["Road", "Ref", "Grade", "Lanes"],
                sticky=True,
            )
            if features
            else None,
        )
        layer.add_to(m)
        layers[grade] = layer
    return layers


_ILLUSTRATIVE = Markup('<b style="color:#c0392b">ILLUSTRATIVE</b>')
_ILLUSTRATIVE_ALIGNMENT = Markup('<b style="color:#c0392b">ILLUSTRATIVE alignment</b>')


def _card_rows(card: Mapping[str, Any]) -> list[tuple[str, Any]]:
    """Return the (label, value) rows of a card's popup table."""

    def with_basis(amount: Any, unit: str, basis: Any) -> str:
        if is_missing(amount):
            return MISSING
        text = f"{escape(amount)} {unit}"
        return Markup(text if is_missing(basis) else f"{text} ({escape(basis)})")

    provenance = card.get("provenance")
    rows = [
        ("Id", card.get("id")),
        ("Name", card.get("name")),
        ("Class", card.get("class")),
        ("Action", card.get("action")),
        ("Grade", card.get("grade")),
        ("Ref", card.get("ref")),
        ("Length", with_basis(card.get("length_km"), "km", card.get("length_basis"))),
        (
            "Investment",
            with_basis(card.get("investment_100m_cny"), "亿元", card.get("investment_basis")),
        ),
        ("Status", card.get("status")),
        ("Opened", card.get("opened")),
        ("Provenance", _ILLUSTRATIVE if provenance == "illustrative" else provenance),
    ]
    basis = card.get("geometry_basis")
    if not is_missing(basis):
        rows.append(("Alignment", _ILLUSTRATIVE_ALIGNMENT if basis == "illustrative" else basis))
    if "outcome" in card:
        rows.append(("Outcome", card.get("outcome")))
    if not is_missing(card.get("value_rank")):
        per = card.get("value_per_100m_cny")
        per_text = "no investment" if is_missing(per) else f"{float(per):.5f} per 亿元"
        rows.append(
            (
                "Value rank",
                f"{int(card['value_rank'])} of {int(card['value_of'])} "
                f"(value {float(card['value']):.3f}, {per_text})",
            )
        )
    return rows


def card_popup_html(card: Mapping[str, Any], *, planned: bool = False) -> str:
    """Return the HTML of a plan card's popup, flagged ILLUSTRATIVE where it is.

    Parameters
    ----------
    card
        A row of :attr:`transnet.plan.Plan.frame` as a mapping (``outcome`` optional; with
        ``value_rank``, ``value_of``, ``value`` and ``value_per_100m_cny`` from
        :attr:`transnet.study.Study.projects`, its rank by value per 亿元).
    planned
        Say that the project is not built in the map's scenario.

    Examples
    --------
    >>> "ILLUSTRATIVE: not an announced project" in card_popup_html(
    ...     {"id": "N3", "provenance": "illustrative"})
    True
    >>> "3 of 21 (value 0.276, 0.00273 per 亿元)" in card_popup_html({"id": "E3",
    ...     "value_rank": 3, "value_of": 21, "value": 0.2756, "value_per_100m_cny": 0.002734})
    True

    """
    return str(
        render(
            "card_popup.html.j2",
            illustrative=card.get("provenance") == "illustrative",
            planned=planned,
            rows=_card_rows(card),
        )
    )


def _add_plan(m: folium.Map, plan: gpd.GeoDataFrame, *, planned: bool) -> folium.FeatureGroup:
    name = LAYER_NAMES["planned" if planned else "plan"]
    layer = folium.FeatureGroup(name=name, show=not planned)
    cards = plan.drop(columns="geometry").to_dict("records")
    for card, geometry in zip(cards, plan.geometry, strict=True):
        locations = latlon_lines(rounded(geometry))
        # One group per card, so that a click on the halo or on the line opens the same popup.
        group = RawFeatureGroup(control=False)
        if planned:
            RawPolyLine(
                locations,
                color=PLANNED_STYLE["color"],
                weight=PLANNED_STYLE["weight"],
                opacity=PLANNED_STYLE["opacity"],
                dash_array=PLANNED_STYLE["dash_array"],
            ).add_to(group)
        else:
            style = PLAN_ACTION_STYLES[card["action"]]
            RawPolyLine(
                locations, color=style["color"], weight=HALO_WEIGHT_PX, opacity=HALO_OPACITY
            ).add_to(group)
            RawPolyLine(
                locations,
                color=style["color"],
                weight=PLAN_WEIGHT_PX,
                opacity=0.95,
                dash_array=style["dash_array"],
            ).add_to(group)
        tooltip = f"{escape(card['id'])} {escape(card['name'])} ({escape(card['action'])})"
        if planned:
            tooltip += " — planned, not built"
        if card.get("provenance") == "illustrative":
            tooltip += " — ILLUSTRATIVE"
        RawTooltip(tooltip, sticky=True).add_to(group)
        Popup(card_popup_html(card, planned=planned), max_width=380).add_to(group)
        group.add_to(layer)
    layer.add_to(m)
    return layer


def _add_interchanges(m: folium.Map, nodes: gpd.GeoDataFrame) -> folium.GeoJson:
    features = [
        _feature(number, {"name": escape(name)})
        for number, name in enumerate(nodes["interchange_name"])
    ]
    points = np.array([rounded(point) for point in nodes.geometry], dtype=object)
    layer = InlineGeoJson(
        features,
        shapely.to_geojson(points).tolist(),
        name=LAYER_NAMES["interchanges"],
        marker=folium.CircleMarker(
            radius=INTERCHANGE_MARKER["radius"],
            color=INTERCHANGE_MARKER["stroke"],
            weight=1.5,
            fill=True,
            fill_color="#ffffff",
        ),
        tooltip=folium.GeoJsonTooltip(fields=["name"], labels=False),
    )
    layer.add_to(m)
    return layer


def _add_seats(m: folium.Map, seats: gpd.GeoDataFrame) -> folium.FeatureGroup:
    layer = folium.FeatureGroup(name=LAYER_NAMES["seats"])
    points = seats.geometry.representative_point()
    for name, point in zip(seats["name"], points, strict=True):
        if point is None or point.is_empty:
            continue
        RawCircleMarker(
            round_latlon(point.y, point.x),
            radius=SEAT_MARKER["radius"],
            color=SEAT_MARKER["stroke"],
            weight=2,
            fill=True,
            fill_color="#ffffff",
            fill_opacity=1.0,
            tooltip=RawTooltip(escape(name), permanent=True, direction="right", sticky=False),
        ).add_to(layer)
    layer.add_to(m)
    return layer
