"""Base-map tiles: OpenStreetMap and Gaode from :mod:`xyzservices`, Tianditu defined here.

``tiles`` names one of :data:`TILE_PROVIDERS`. Tianditu (天地图, CGCS2000, which matches WGS-84
at map scale) needs an API key, from the argument or the ``TIANDITU_KEY`` environment variable;
Gaode (高德) draws in GCJ-02, so a map on Gaode tiles converts every overlay to GCJ-02.

Examples
--------
>>> check_tiles("OSM", None)
('osm', None)
>>> TIANDITU["vec"].requires_token()
True
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING
from urllib.parse import quote

from xyzservices import TileProvider, providers

from transnet._errors import InputError

if TYPE_CHECKING:
    import folium

__all__ = ["GAODE", "GAODE_NOTE", "TIANDITU", "TILE_PROVIDERS", "add_tiles", "check_tiles"]

#: Base-map tile providers ``tiles`` accepts.
TILE_PROVIDERS: tuple[str, ...] = ("none", "osm", "tianditu", "gaode")

_TIANDITU_ATTRIBUTION = '&copy; <a href="https://www.tianditu.gov.cn/">天地图 Tianditu</a>'

#: Tianditu's web-Mercator WMTS layers: ``vec`` (vector map) and ``cva`` (its labels).
TIANDITU: dict[str, TileProvider] = {
    layer: TileProvider(
        name=f"Tianditu.{name}",
        url=(
            "https://t{s}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile"
            "&VERSION=1.0.0&LAYER={layer}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles"
            "&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk={tk}"
        ),
        attribution="(C) Tianditu",
        html_attribution=_TIANDITU_ATTRIBUTION,
        subdomains="01234567",
        max_zoom=18,
        layer=layer,
        tk="<insert your Tianditu key>",
    )
    for layer, name in (("vec", "Vector"), ("cva", "VectorLabels"))
}

#: xyzservices' Gaode road map, over https on its four tile hosts.
GAODE: TileProvider = providers.Gaode.Normal(
    url=(
        "https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8"
        "&x={x}&y={y}&z={z}"
    ),
    subdomains="1234",
    max_zoom=18,
    html_attribution='&copy; <a href="https://www.amap.com/">高德地图 AutoNavi</a>',
)

#: Shown on a map drawn on Gaode tiles.
GAODE_NOTE = (
    "Overlays are converted from WGS-84 to GCJ-02 to line up with the Gaode base map: "
    "coordinates in this file are GCJ-02, not for measurement."
)


def check_tiles(tiles: str | None, tianditu_key: str | None) -> tuple[str, str | None]:
    """Return the tile provider's name and its key (Tianditu only).

    Raises
    ------
    InputError
        On an unknown provider (field ``tiles``), or ``tianditu`` without a key, neither
        passed nor in ``TIANDITU_KEY`` (field ``tianditu_key``).

    Examples
    --------
    >>> check_tiles("tianditu", " k3y ")
    ('tianditu', 'k3y')
    >>> check_tiles("google", None)
    Traceback (most recent call last):
    ...
    transnet._errors.InputError: field 'tiles': unknown tile provider 'google'; expected ...

    """
    provider = str(tiles).strip().lower() if tiles is not None else "none"
    if provider not in TILE_PROVIDERS:
        raise InputError(
            f"unknown tile provider {tiles!r}; expected one of {', '.join(TILE_PROVIDERS)}",
            field="tiles",
        )
    if provider != "tianditu":
        return provider, None
    key = tianditu_key or os.environ.get("TIANDITU_KEY", "")
    if not key.strip():
        raise InputError(
            "tiles 'tianditu' need a Tianditu API key: pass it (--tianditu-key, tianditu_key=) "
            "or set the environment variable TIANDITU_KEY",
            field="tianditu_key",
        )
    return provider, key.strip()


def add_tiles(m: folium.Map, provider: str, key: str | None) -> None:
    """Add the base-map layers of ``provider`` (a name checked by :func:`check_tiles`) to ``m``.

    Examples
    --------
    >>> import folium
    >>> m = folium.Map(tiles=None)
    >>> add_tiles(m, "gaode", None)
    >>> "autonavi.com" in m.get_root().render()
    True

    """
    import folium

    if provider == "osm":
        folium.TileLayer(providers.OpenStreetMap.Mapnik, name="OpenStreetMap").add_to(m)
    elif provider == "tianditu":
        layers = (("vec", "天地图 Tianditu", False), ("cva", "天地图 labels", True))
        for layer, name, overlay in layers:
            tiles = TIANDITU[layer]
            folium.TileLayer(
                tiles.build_url(fill_subdomain=False, tk=quote(key or "", safe="")),
                attr=tiles.html_attribution,
                name=name,
                subdomains=tiles.subdomains,
                max_zoom=tiles.max_zoom,
                overlay=overlay,
            ).add_to(m)
    elif provider == "gaode":
        folium.TileLayer(
            GAODE.build_url(fill_subdomain=False),
            attr=GAODE.html_attribution,
            name="高德 Gaode",
            subdomains=GAODE.subdomains,
            max_zoom=GAODE.max_zoom,
        ).add_to(m)
