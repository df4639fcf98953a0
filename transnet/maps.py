"""Interactive scenario maps: roads by technical grade, plan projects, counties and caveats.

The map follows the conventions of Chinese road-planning maps: one colour and line width per
technical grade, expressways heaviest. Plan projects are drawn on top, one line style per action,
each with a popup showing its project card. The caveats the caller passes in ``notes`` (e.g. that
the network is schematic or that some cards are illustrative) are shown in a box that is always
visible, never behind a click.

Every coordinate written to the HTML is in WGS-84, rounded to 5 decimals (about 1 m).
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import branca.colormap
import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import mapping
from shapely.geometry.base import BaseGeometry

from transnet.crs import GEOGRAPHIC_CRS
from transnet.grades import GRADES
from transnet.network import RoadNetwork
from transnet.plan import ACTIONS

if TYPE_CHECKING:
    from transnet.study import Study

__all__ = [
    "GRADE_STYLES",
    "LAYER_NAMES",
    "PLAN_ACTION_STYLES",
    "save_map",
    "scenario_map",
    "write_scenario_maps",
]

#: Decimals kept in WGS-84 coordinates: 1e-5° is about 1 m.
COORDINATE_DECIMALS = 5

#: Line style of each technical grade, best first: label, colour and width in pixels.
GRADE_STYLES: dict[str, dict[str, Any]] = {
    "expressway": {"label": "Expressway", "color": "#c0392b", "weight": 5.0},
    "1": {"label": "Grade 1", "color": "#e67e22", "weight": 4.0},
    "2": {"label": "Grade 2", "color": "#f1c40f", "weight": 3.0},
    "3": {"label": "Grade 3", "color": "#3498db", "weight": 2.0},
    "4": {"label": "Grade 4", "color": "#95a5a6", "weight": 1.5},
}
_RAMP_WEIGHT = 1.5

#: Line style of each plan-card action: colour and SVG dash pattern (``None`` is solid).
PLAN_ACTION_STYLES: dict[str, dict[str, Any]] = {
    "new": {"color": "#8e44ad", "dash_array": None},
    "widen": {"color": "#8e44ad", "dash_array": "12 8"},
    "upgrade": {"color": "#c2185b", "dash_array": "1 10"},
    "realign": {"color": "#8e44ad", "dash_array": "16 6 2 6"},
}
_PLAN_WEIGHT = 6.0
_HALO_WEIGHT = 16.0
_HALO_OPACITY = 0.25

#: Names of the map's toggleable layers, as shown in the layer control.
LAYER_NAMES: dict[str, str] = {
    "expressway": "Expressway",
    "1": "Grade 1 road",
    "2": "Grade 2 road",
    "3": "Grade 3 road",
    "4": "Grade 4 road",
    "counties": "Counties",
    "plan": "Plan projects",
    "interchanges": "Interchanges",
    "seats": "County seats",
}

# Sequential greens: the roads use red, orange, yellow, blue and grey, so a green fill keeps
# them legible on top of the shading.
_CHOROPLETH_COLORS = ("#f7fcf5", "#c7e9c0", "#74c476", "#238b45", "#00441b")
_CHOROPLETH_OPACITY = 0.55
_NO_DATA_COLOR = "#d9d9d9"
_MISSING = "—"


def scenario_map(
    network: RoadNetwork,
    *,
    counties: gpd.GeoDataFrame,
    seats: gpd.GeoDataFrame,
    plan: gpd.GeoDataFrame | None,
    title: str,
    notes: list[str],
    choropleth: str | None = None,
    choropleth_label: str = "",
    tiles: str | None = "OpenStreetMap",
) -> folium.Map:
    """Draw one scenario's road network, plan projects and counties on an interactive map.

    Roads are coloured and sized by technical grade, one toggleable layer per grade present in
    the network (see :data:`LAYER_NAMES`); segments sharing grade, name and ``ref`` are merged
    into one feature whose tooltip shows name, ref, grade and lanes. Plan projects are drawn
    over a translucent halo, styled by action (:data:`PLAN_ACTION_STYLES`); clicking one opens
    its project card, flagged ILLUSTRATIVE where its provenance is illustrative. A title box,
    a notes box listing ``notes`` and a legend of road and project styles are always visible.

    Parameters
    ----------
    network
        The scenario's network, in any projected CRS.
    counties
        County polygons with ``code``, ``name`` and ``area_km2`` (and ``name_en`` if known),
        plus the ``choropleth`` column if one is given. Any CRS; the map fits their bounds.
    seats
        County-seat points with ``code`` and ``name``, drawn with permanent name labels.
    plan
        Project cards as :attr:`transnet.plan.Plan.frame`, optionally with an ``outcome``
        column (``added``, ``already_in_base``, ``modified``, ``no_match``) shown in the
        popup; ``None`` draws no plan layer.
    title
        Shown in a box at the top of the map, e.g. ``"太忻一体化经济区 — after the plan"``.
    notes
        Caveats shown in a box at the bottom left, one line each, e.g. that the network is
        SCHEMATIC or which cards are ILLUSTRATIVE. An empty list shows no box.
    choropleth
        A numeric column of ``counties`` to shade the counties by; ``None`` draws outlines only.
        Counties with no value are shaded grey.
    choropleth_label
        Caption of the colour legend, with units, e.g. ``"Road density (km/100 km²)"``.
    tiles
        Base map tiles: a folium tile name or a tile URL (which folium requires an attribution
        for); ``None`` draws no base map.

    Returns
    -------
    folium.Map
        Save it with :func:`save_map`.

    Raises
    ------
    ValueError
        If a frame has no CRS or lacks a required column, ``counties`` is empty, the network has
        an unknown grade, a card has an unknown action or no geometry, or the ``choropleth``
        column has no numeric value.

    Examples
    --------
    >>> from pathlib import Path
    >>> from transnet.study import run_study
    >>> study = run_study("taixin")  # doctest: +SKIP
    >>> m = scenario_map(
    ...     study.after,
    ...     counties=study.region.counties,
    ...     seats=study.region.seats,
    ...     plan=study.plan.frame.merge(study.plan_result.log[["id", "outcome"]], on="id"),
    ...     title="太忻一体化经济区 — after the plan",
    ...     notes=["Network is SCHEMATIC: trunk roads drawn through real places"],
    ... )  # doctest: +SKIP
    >>> save_map(m, Path("after.html"))  # doctest: +SKIP

    """
    counties = _to_geographic(counties, "counties", required=("code", "name"))
    seats = _to_geographic(seats, "seats", required=("code", "name"))
    if plan is not None:
        plan = _to_geographic(plan, "plan", required=("id", "name", "action"))
    if counties.empty:
        raise ValueError("counties is empty; the map is fitted to the counties' bounds")
    unknown = sorted(set(network.edges["grade"].astype(str)) - set(GRADES))
    if unknown:
        raise ValueError(
            f"network has unknown grade(s) {', '.join(unknown)}; expected {', '.join(GRADES)}"
        )

    min_lon, min_lat, max_lon, max_lat = counties.total_bounds
    m = folium.Map(
        location=_round_latlon((min_lat + max_lat) / 2, (min_lon + max_lon) / 2),
        zoom_start=9,
        tiles=tiles,
        prefer_canvas=True,
        control_scale=True,
    )
    _add_counties(m, counties, choropleth=choropleth, choropleth_label=choropleth_label)
    _add_roads(m, network)
    if plan is not None and not plan.empty:
        _add_plan(m, plan)
    _add_interchanges(m, network)
    _add_seats(m, seats)
    folium.LayerControl(collapsed=False).add_to(m)
    m.fit_bounds([_round_latlon(min_lat, min_lon), _round_latlon(max_lat, max_lon)])

    root = m.get_root()
    root.html.add_child(folium.Element(_title_html(title)))
    if notes:
        root.html.add_child(folium.Element(_notes_html(notes)))
    root.html.add_child(folium.Element(_legend_html(network, plan)))
    return m


def save_map(m: folium.Map, path: Path) -> None:
    """Write a map to an HTML file (UTF-8), replacing any file at ``path``.

    The page loads Leaflet, jQuery and (for a choropleth legend) d3 from public CDNs, and base
    tiles from their server, so it needs a network connection to display.

    Parameters
    ----------
    m
        A map, e.g. from :func:`scenario_map`.
    path
        The HTML file to write; its folder must exist.

    Examples
    --------
    >>> import folium
    >>> from pathlib import Path
    >>> save_map(folium.Map(tiles=None), Path("empty.html"))  # doctest: +SKIP

    """
    Path(path).write_text(m.get_root().render(), encoding="utf-8")


def _to_geographic(
    frame: gpd.GeoDataFrame, what: str, *, required: tuple[str, ...]
) -> gpd.GeoDataFrame:
    """Return a WGS-84 copy of ``frame`` after checking its CRS and columns."""
    if frame.crs is None:
        raise ValueError(f"{what} has no CRS; expected WGS-84 ({GEOGRAPHIC_CRS}) or a known CRS")
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise ValueError(
            f"{what} lacks column(s) {', '.join(missing)}; "
            f"it has {', '.join(map(str, frame.columns))}"
        )
    return frame.to_crs(GEOGRAPHIC_CRS)


def _round_latlon(lat: float, lon: float) -> list[float]:
    return [round(float(lat), COORDINATE_DECIMALS), round(float(lon), COORDINATE_DECIMALS)]


def _rounded(geometry: BaseGeometry) -> BaseGeometry:
    """Round coordinates to :data:`COORDINATE_DECIMALS`, dropping line parts that collapse."""
    geometry = shapely.transform(geometry, lambda xy: np.round(xy, COORDINATE_DECIMALS))
    if geometry.geom_type not in ("LineString", "MultiLineString"):
        return geometry
    parts = shapely.get_parts(geometry)
    parts = shapely.remove_repeated_points(parts[shapely.length(parts) > 0])
    if len(parts) == 1:
        return parts[0]
    return shapely.multilinestrings(parts)


def _latlon_lines(geometry: BaseGeometry) -> list[list[list[float]]]:
    """Return the ``[[lat, lon], ...]`` vertex lists of a (multi)line, as folium wants them."""
    return [np.asarray(part.coords)[:, 1::-1].tolist() for part in shapely.get_parts(geometry)]


def _escape(value: Any) -> str:
    """Escape text for HTML that folium also places inside JavaScript template literals."""
    text = html.escape(_format_value(value))
    return text.replace("`", "&#96;").replace("$", "&#36;").replace("\\", "&#92;")


def _is_missing(value: Any) -> bool:
    return value is None or (pd.api.types.is_scalar(value) and bool(pd.isna(value)))


def _format_number(value: float) -> str:
    """Format with thousands separators and at most 2 decimals, without trailing zeros."""
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def _format_value(value: Any) -> str:
    if _is_missing(value) or (isinstance(value, str) and not value.strip()):
        return _MISSING
    if isinstance(value, bool | np.bool_):
        return str(bool(value))
    if isinstance(value, int | np.integer):
        return str(int(value))
    if isinstance(value, float | np.floating):
        return str(int(value)) if float(value).is_integer() else _format_number(float(value))
    return str(value)


def _feature_collection(features: list[dict[str, Any]]) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": features}


def _feature(number: int, geometry: BaseGeometry, properties: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "Feature",
        "id": str(number),
        "properties": properties,
        "geometry": mapping(geometry),
    }


def _add_counties(
    m: folium.Map, counties: gpd.GeoDataFrame, *, choropleth: str | None, choropleth_label: str
) -> None:
    values = None
    colormap = None
    if choropleth is not None:
        if choropleth not in counties.columns:
            raise ValueError(
                f"choropleth column {choropleth!r} is not in counties; it has "
                f"{', '.join(map(str, counties.columns))}"
            )
        values = pd.to_numeric(counties[choropleth], errors="coerce")
        if values.notna().sum() == 0:
            raise ValueError(f"choropleth column {choropleth!r} has no numeric value")
        low, high = float(values.min()), float(values.max())
        if low == high:
            pad = abs(low) * 0.05 or 0.5
            low, high = low - pad, high + pad
        colormap = branca.colormap.LinearColormap(
            list(_CHOROPLETH_COLORS), vmin=low, vmax=high, caption=choropleth_label or choropleth
        )

    has_english = "name_en" in counties.columns
    features = []
    fill_by_id: dict[str, str] = {}
    for number, (row, geometry) in enumerate(
        zip(counties.drop(columns="geometry").to_dict("records"), counties.geometry, strict=True)
    ):
        if geometry is None or geometry.is_empty:
            continue
        name = _escape(row["name"])
        if has_english and not _is_missing(row["name_en"]) and row["name_en"] != row["name"]:
            name = f"{name} ({_escape(row['name_en'])})"
        properties: dict[str, Any] = {"name": name}
        feature = _feature(number, _rounded(geometry), properties)
        if values is not None and colormap is not None:
            value = values.iloc[number]
            missing = bool(pd.isna(value))
            properties["value"] = "no data" if missing else _format_number(float(value))
            fill_by_id[feature["id"]] = _NO_DATA_COLOR if missing else colormap(float(value))
        features.append(feature)

    def style(feature: dict[str, Any]) -> dict[str, Any]:
        # An unshaded fill still catches the pointer, so the county tooltip shows anywhere inside.
        return {
            "color": "#333333",
            "weight": 1.2,
            "opacity": 0.9,
            "fill": True,
            "fillColor": fill_by_id.get(feature["id"], "#ffffff"),
            "fillOpacity": _CHOROPLETH_OPACITY if fill_by_id else 0.0,
        }

    fields, aliases = ["name"], ["County"]
    if colormap is not None:
        fields.append("value")
        aliases.append(_escape(choropleth_label or choropleth))
    folium.GeoJson(
        _feature_collection(features),
        name=LAYER_NAMES["counties"],
        style_function=style,
        tooltip=folium.GeoJsonTooltip(fields=fields, aliases=aliases, sticky=True),
    ).add_to(m)
    if colormap is not None:
        colormap.add_to(m)


def _lanes_text(lanes: pd.Series) -> str:
    numbers = pd.to_numeric(lanes, errors="coerce").dropna()
    if numbers.empty:
        return _MISSING
    low, high = int(numbers.min()), int(numbers.max())
    return str(low) if low == high else f"{low}–{high}"


def _add_roads(m: folium.Map, network: RoadNetwork) -> None:
    edges = network.edges[["grade", "name", "ref", "lanes", "ramp", "geometry"]].to_crs(
        GEOGRAPHIC_CRS
    )
    edges["grade"] = edges["grade"].astype(str)
    edges["name"] = edges["name"].fillna("").astype(str)
    edges["ref"] = edges["ref"].fillna("").astype(str)
    edges["ramp"] = edges["ramp"].fillna(False).astype(bool)
    # Draw the lowest grade first so that expressways lie on top.
    for grade in reversed(GRADES):
        of_grade = edges[edges["grade"] == grade]
        if of_grade.empty:
            continue
        style = GRADE_STYLES[grade]
        features = []
        for (ramp, name, ref), group in of_grade.groupby(["ramp", "name", "ref"], sort=True):
            parts = shapely.get_parts(group.geometry.to_numpy())
            merged = shapely.line_merge(shapely.multilinestrings(parts))
            geometry = _rounded(merged)
            if geometry.is_empty:
                continue
            label = f"{style['label']} ramp" if ramp else style["label"]
            properties = {
                "name": _escape(name),
                "ref": _escape(ref),
                "grade": label,
                "lanes": _lanes_text(group["lanes"]),
                "ramp": bool(ramp),
            }
            features.append(_feature(len(features), geometry, properties))

        def line_style(feature: dict[str, Any], style: Mapping[str, Any] = style) -> dict[str, Any]:
            ramp = feature["properties"]["ramp"]
            return {
                "color": style["color"],
                "weight": _RAMP_WEIGHT if ramp else style["weight"],
                "opacity": 0.8 if ramp else 0.95,
            }

        folium.GeoJson(
            _feature_collection(features),
            name=LAYER_NAMES[grade],
            style_function=line_style,
            tooltip=folium.GeoJsonTooltip(
                fields=["name", "ref", "grade", "lanes"],
                aliases=["Road", "Ref", "Grade", "Lanes"],
                sticky=True,
            ),
        ).add_to(m)


def _card_rows(card: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Return the (label, escaped HTML value) rows of a card's popup table."""

    def with_basis(amount: Any, unit: str, basis: Any) -> str:
        if _is_missing(amount):
            return _MISSING
        text = f"{_escape(amount)} {unit}"
        return text if _is_missing(basis) else f"{text} ({_escape(basis)})"

    provenance = _escape(card.get("provenance"))
    if card.get("provenance") == "illustrative":
        provenance = '<b style="color:#c0392b">ILLUSTRATIVE</b>'
    rows = [
        ("Id", _escape(card.get("id"))),
        ("Name", _escape(card.get("name"))),
        ("Class", _escape(card.get("class"))),
        ("Action", _escape(card.get("action"))),
        ("Grade", _escape(card.get("grade"))),
        ("Ref", _escape(card.get("ref"))),
        ("Length", with_basis(card.get("length_km"), "km", card.get("length_basis"))),
        (
            "Investment",
            with_basis(card.get("investment_100m_cny"), "亿元", card.get("investment_basis")),
        ),
        ("Status", _escape(card.get("status"))),
        ("Opened", _escape(card.get("opened"))),
        ("Provenance", provenance),
    ]
    if "outcome" in card:
        rows.append(("Outcome", _escape(card.get("outcome"))))
    return rows


def _card_popup_html(card: Mapping[str, Any]) -> str:
    banner = ""
    if card.get("provenance") == "illustrative":
        banner = (
            '<div style="background:#c0392b;color:#fff;font-weight:bold;padding:3px 6px;'
            'margin-bottom:4px">ILLUSTRATIVE: not an announced project</div>'
        )
    cells = "".join(
        f'<tr><th style="text-align:left;padding-right:8px">{label}</th><td>{value}</td></tr>'
        for label, value in _card_rows(card)
    )
    return f'<div style="font-size:12px">{banner}<table>{cells}</table></div>'


def _add_plan(m: folium.Map, plan: gpd.GeoDataFrame) -> None:
    unknown = sorted(set(plan["action"].astype(str)) - set(ACTIONS))
    if unknown:
        raise ValueError(
            f"plan has unknown action(s) {', '.join(unknown)}; expected {', '.join(ACTIONS)}"
        )
    layer = folium.FeatureGroup(name=LAYER_NAMES["plan"])
    cards = plan.drop(columns="geometry").to_dict("records")
    for card, geometry in zip(cards, plan.geometry, strict=True):
        if geometry is None or geometry.is_empty:
            raise ValueError(f"plan card {card['id']!r} has no geometry")
        style = PLAN_ACTION_STYLES[card["action"]]
        locations = _latlon_lines(_rounded(geometry))
        # One group per card, so that a click on the halo or on the line opens the same popup.
        group = folium.FeatureGroup(control=False)
        folium.PolyLine(
            locations, color=style["color"], weight=_HALO_WEIGHT, opacity=_HALO_OPACITY
        ).add_to(group)
        folium.PolyLine(
            locations,
            color=style["color"],
            weight=_PLAN_WEIGHT,
            opacity=0.95,
            dash_array=style["dash_array"],
        ).add_to(group)
        tooltip = f"{_escape(card['id'])} {_escape(card['name'])} ({_escape(card['action'])})"
        if card.get("provenance") == "illustrative":
            tooltip += " — ILLUSTRATIVE"
        folium.Tooltip(tooltip, sticky=True).add_to(group)
        folium.Popup(_card_popup_html(card), max_width=380).add_to(group)
        group.add_to(layer)
    layer.add_to(m)


def _add_interchanges(m: folium.Map, network: RoadNetwork) -> None:
    nodes = network.nodes.loc[
        network.nodes["interchange"].fillna(False).astype(bool), ["interchange_name", "geometry"]
    ].to_crs(GEOGRAPHIC_CRS)
    if nodes.empty:
        return
    features = [
        _feature(number, _rounded(point), {"name": _escape(name)})
        for number, (name, point) in enumerate(
            zip(nodes["interchange_name"], nodes.geometry, strict=True)
        )
    ]
    folium.GeoJson(
        _feature_collection(features),
        name=LAYER_NAMES["interchanges"],
        marker=folium.CircleMarker(
            radius=3.5, color="#7b241c", weight=1.5, fill=True, fill_color="#ffffff"
        ),
        tooltip=folium.GeoJsonTooltip(fields=["name"], labels=False),
    ).add_to(m)


def _add_seats(m: folium.Map, seats: gpd.GeoDataFrame) -> None:
    layer = folium.FeatureGroup(name=LAYER_NAMES["seats"])
    points = seats.geometry.representative_point()
    for name, point in zip(seats["name"], points, strict=True):
        if point is None or point.is_empty:
            continue
        folium.CircleMarker(
            _round_latlon(point.y, point.x),
            radius=5,
            color="#222222",
            weight=2,
            fill=True,
            fill_color="#ffffff",
            fill_opacity=1.0,
            tooltip=folium.Tooltip(_escape(name), permanent=True, direction="right", sticky=False),
        ).add_to(layer)
    layer.add_to(m)


_BOX_STYLE = (
    "position:fixed;z-index:1000;background:rgba(255,255,255,0.93);border:1px solid #777;"
    "border-radius:4px;box-shadow:0 1px 4px rgba(0,0,0,0.3);font-family:sans-serif;"
)


def _title_html(title: str) -> str:
    return (
        f'<div class="transnet-title" style="{_BOX_STYLE}top:10px;left:50%;'
        "transform:translateX(-50%);padding:6px 14px;font-size:16px;font-weight:bold;"
        f'max-width:60%;text-align:center">{_escape(title)}</div>'
    )


def _notes_html(notes: list[str]) -> str:
    items = "".join(f'<li style="margin:2px 0">{_escape(note)}</li>' for note in notes)
    return (
        f'<div class="transnet-notes" style="{_BOX_STYLE}bottom:40px;left:10px;'
        'padding:6px 10px;font-size:12px;max-width:440px;border-left:4px solid #c0392b">'
        '<div style="font-weight:bold;color:#c0392b">Read before use</div>'
        f'<ul style="margin:2px 0;padding-left:16px">{items}</ul></div>'
    )


def _legend_swatch(color: str, weight: float, dash_array: str | None = None) -> str:
    dash = f' stroke-dasharray="{dash_array}"' if dash_array else ""
    return (
        '<svg width="36" height="12" style="vertical-align:middle">'
        f'<line x1="2" y1="6" x2="34" y2="6" stroke="{color}" stroke-width="{weight:g}"'
        f' stroke-linecap="round"{dash}/></svg>'
    )


def _legend_html(network: RoadNetwork, plan: gpd.GeoDataFrame | None) -> str:
    present = set(network.edges["grade"].astype(str))
    rows = [
        f"<div>{_legend_swatch(style['color'], style['weight'])} {style['label']}</div>"
        for grade, style in GRADE_STYLES.items()
        if grade in present
    ]
    if plan is not None and not plan.empty:
        rows.append('<div style="font-weight:bold;margin-top:4px">Plan projects</div>')
        rows.extend(
            f"<div>{_legend_swatch(style['color'], 4, style['dash_array'])} {action}</div>"
            for action, style in PLAN_ACTION_STYLES.items()
            if action in set(plan["action"])
        )
    return (
        f'<div class="transnet-legend" style="{_BOX_STYLE}bottom:30px;right:10px;'
        'padding:6px 10px;font-size:12px;line-height:16px">'
        f'<div style="font-weight:bold">Roads</div>{"".join(rows)}</div>'
    )


def write_scenario_maps(study: Study, folder: Path) -> list[Path]:
    """Write ``before.html`` and ``after.html`` of a study into ``folder``.

    Counties are shaded by trunk-road density; plan projects are drawn on both maps (on
    ``before`` they show where the plan will act). The study's caveats are always visible.

    Parameters
    ----------
    study
        A study from :func:`transnet.study.run_study`.
    folder
        An existing folder.

    Returns
    -------
    list of pathlib.Path
        The files written.
    """
    from transnet.report import caveats

    plan = study.plan.frame.merge(study.plan_result.log[["id", "outcome"]], on="id")
    written = []
    for scenario, network, heading in (
        ("before", study.before, "before the plan (base network)"),
        ("after", study.after, "after the plan"),
    ):
        density = pd.DataFrame(study.metrics[scenario]["counties"])[["code", "density_per_100km2"]]
        counties = study.region.counties.merge(density, on="code")
        label = network.metadata.get("label", "")
        m = scenario_map(
            network,
            counties=counties,
            seats=study.region.seats,
            plan=plan,
            title=f"{study.region.name}: {heading}" + (f" — {label.upper()}" if label else ""),
            notes=[*caveats(study), f"Network source: {network.metadata.get('source', '')}."],
            choropleth="density_per_100km2",
            choropleth_label=f"{scenario}: road density, km per 100 km² (network shown)",
        )
        path = folder / f"{scenario}.html"
        save_map(m, path)
        written.append(path)
    return written
