"""A blank map ready for layers: Leaflet only, metric scale bar, tiles, background, fitted view.

Examples
--------
>>> m = new_map([[37.6, 111.7], [39.5, 114.0]], provider="none", key=None)
>>> page = m.get_root().render()
>>> ".leaflet-container {background:#f4f2ec}" in page, "fitBounds" in page
(True, True)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import folium
from branca.element import Element

from transnet.viz.style import ChoroplethClasses
from transnet.viz.web.assets import leaflet_only
from transnet.viz.web.elements import FitBounds, MetricScale
from transnet.viz.web.geometry import center
from transnet.viz.web.layers import Shading
from transnet.viz.web.templating import render
from transnet.viz.web.tiles import add_tiles

__all__ = ["BACKGROUND", "dress", "new_map", "shading"]

#: Shown where there are no tiles or they cannot load (offline).
BACKGROUND = "#f4f2ec"


def dress(m: folium.Map, *, provider: str, key: str | None, bounds: list[list[float]]) -> None:
    """Give ``m`` Leaflet alone, a metric scale bar, tiles, the background and a fitted view.

    Examples
    --------
    >>> m = folium.Map(tiles=None)
    >>> dress(m, provider="osm", key=None, bounds=[[37.0, 112.0], [39.0, 113.0]])
    >>> "tile.openstreetmap.org" in m.get_root().render()
    True

    """
    m.add_child(MetricScale())
    leaflet_only(m)
    add_tiles(m, provider, key)
    m.get_root().header.add_child(
        Element(str(render("background.css.j2", map_name=m.get_name(), color=BACKGROUND))),
        name=f"{m.get_name()}_background",
    )
    m.add_child(FitBounds(bounds))


def new_map(bounds: list[list[float]], *, provider: str, key: str | None) -> folium.Map:
    """Return a canvas-rendered map centred on ``bounds`` and dressed (see :func:`dress`).

    Examples
    --------
    >>> new_map([[37.0, 112.0], [39.0, 113.0]], provider="none", key=None).location
    [38.0, 112.5]

    """
    m = folium.Map(location=center(bounds), zoom_start=9, tiles=None, prefer_canvas=True)
    dress(m, provider=provider, key=key, bounds=bounds)
    return m


def shading(
    values: Iterable[Any] | None, *, bins: Sequence[float] | None, label: str, missing: str
) -> Shading | None:
    """County shading of ``values`` (None without a choropleth) in classes of ``bins``.

    Examples
    --------
    >>> shading([1.0, 2.0], bins=None, label="x", missing="no data").classes.bins
    (1.0, 1.5, 2.0)

    """
    if values is None:
        return None
    return Shading(ChoroplethClasses.of(values, bins=bins), label=label, missing=missing)
