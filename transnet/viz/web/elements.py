"""folium elements of the maps, their JavaScript from ``transnet/viz/templates/*.js.j2``.

Examples
--------
>>> import folium
>>> m = folium.Map(tiles=None)
>>> m.add_child(MetricScale())  # doctest: +ELLIPSIS
<folium.folium.Map object at ...>
>>> "L.control.scale({imperial: false})" in m.get_root().render()
True
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import folium
from branca.element import Element, MacroElement
from folium.elements import ElementAddToElement

from transnet.viz.web.templating import script_template

__all__ = [
    "FitBounds",
    "InlineGeoJson",
    "LayerScript",
    "MetricScale",
    "Popup",
    "Raw",
    "RawCircleMarker",
    "RawFeatureGroup",
    "RawPolyLine",
    "RawTooltip",
]


class Popup(folium.Popup):
    """A popup whose content is an HTML string (folium's default parses it with jQuery).

    It opens clear of the title (top), the legend (right) and the notes box (bottom left).

    Parameters
    ----------
    content
        The popup's HTML.
    **kwargs
        As for :class:`folium.Popup` (``max_width`` …).

    Examples
    --------
    >>> Popup("<b>E3</b>", max_width=380).content
    '<b>E3</b>'

    """

    _template = script_template("popup.js.j2")

    def __init__(self, content: str, **kwargs: Any) -> None:
        super().__init__(None, **kwargs)
        self.content = content
        self.options.update(autoPanPaddingTopLeft=[20, 100], autoPanPaddingBottomRight=[300, 260])

    def render(self, **kwargs: Any) -> None:
        """Render as :class:`folium.Popup` does, writing its script as it is (see :class:`Raw`).

        Examples
        --------
        >>> m = folium.Map(tiles=None)
        >>> line = RawPolyLine([[38.0, 112.0], [38.1, 112.1]]).add_to(m)
        >>> _ = Popup("E3 {{ not Jinja }}").add_to(line)
        >>> "E3 {{ not Jinja }}" in m.get_root().render()
        True

        """
        for child in self._children.values():
            child.render(**kwargs)
        script = self._template.render(this=self, kwargs=kwargs)
        self.get_root().script.add_child(_RawScript(script), name=self.get_name())


class MetricScale(MacroElement):
    """A scale bar in metres and kilometres only (miles mean little in a Chinese briefing).

    Examples
    --------
    >>> MetricScale().get_name().startswith("macro_element")
    True

    """

    _template = script_template("scale.js.j2")


class FitBounds(MacroElement):
    """Fit the view to ``[[south, west], [north, east]]`` at once, without animation.

    Examples
    --------
    >>> FitBounds([[37.0, 112.0], [39.0, 113.0]]).bounds
    [[37.0, 112.0], [39.0, 113.0]]

    """

    _template = script_template("fit_bounds.js.j2")

    def __init__(self, bounds: list[list[float]]) -> None:
        super().__init__()
        self._name = "FitBounds"
        self.bounds = bounds


class LayerScript(MacroElement):
    """Keep overlays stacked in ``order`` and show the ``minor`` layers from ``min_zoom`` on.

    Examples
    --------
    >>> LayerScript([], [], 11).min_zoom
    11

    """

    _template = script_template("layers.js.j2")

    def __init__(self, order: list[Element], minor: list[Element], min_zoom: int) -> None:
        super().__init__()
        self._name = "TransnetLayers"
        self.order = order
        self.minor = minor
        self.min_zoom = int(min_zoom)


#: The ``type`` of the placeholder of the ``i``-th geometry (folium's tooltips read it).
_GEOMETRY_TOKEN = "@transnet-geometry-{}"
_GEOMETRY_PATTERN = re.compile(r'\{\s*"type":\s*"@transnet-geometry-(\d+)"\s*\}')


class _RawScript(Element):
    """Script text written as it is: branca compiles an Element's text as a Jinja template."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text

    def render(self, **kwargs: Any) -> str:
        return self.text


class InlineGeoJson(folium.GeoJson):
    """A :class:`folium.GeoJson` layer whose geometries are GeoJSON text, written as given.

    folium embeds a layer's data as a Python structure dumped to JSON, and branca then
    compiles the whole script, data included, as a Jinja template: for a province's roads,
    seconds per map. Here each feature carries a placeholder while folium styles and renders
    the layer, and the geometry text (from :func:`shapely.to_geojson`, one vectorised call)
    replaces it in the finished script. Style functions and tooltips see the features'
    ``id`` and ``properties`` as usual; no ``geometry``.

    Parameters
    ----------
    features
        GeoJSON features without ``geometry`` (``type``, ``id``, ``properties``).
    geometries
        The GeoJSON text of each feature's geometry.
    bounds
        ``[[south, west], [north, east]]`` of the geometries, if anyone asks (folium's
        ``get_bounds``).
    **kwargs
        As for :class:`folium.GeoJson` (``name``, ``style_function``, ``tooltip`` …).

    Examples
    --------
    >>> m = folium.Map(tiles=None)
    >>> layer = InlineGeoJson(
    ...     [{"type": "Feature", "id": "0", "properties": {"name": "G5"}}],
    ...     ['{"type":"LineString","coordinates":[[112.0,38.0],[112.1,38.1]]}'],
    ...     name="Expressway").add_to(m)
    >>> '"geometry": {"type":"LineString","coordinates":[[112.0,38.0],[112.1,38.1]]}' in (
    ...     m.get_root().render())
    True

    """

    def __init__(
        self,
        features: Sequence[dict[str, Any]],
        geometries: Sequence[str],
        *,
        bounds: list[list[float | None]] | None = None,
        **kwargs: Any,
    ) -> None:
        if len(features) != len(geometries):
            raise ValueError(f"{len(features)} features for {len(geometries)} geometries")
        self._geometries = list(geometries)
        self._bounds = bounds or [[None, None], [None, None]]
        data = {
            "type": "FeatureCollection",
            "features": [
                {**feature, "geometry": {"type": _GEOMETRY_TOKEN.format(number)}}
                for number, feature in enumerate(features)
            ],
        }
        super().__init__(data, **kwargs)

    def _get_self_bounds(self) -> list[list[float | None]]:
        return self._bounds

    def render(self, **kwargs: Any) -> None:
        """Render as folium does, then put the geometry text in place of the placeholders.

        Examples
        --------
        >>> m = folium.Map(tiles=None)
        >>> _ = InlineGeoJson([{"type": "Feature", "id": "0", "properties": {}}],
        ...                   ['{"type":"Point","coordinates":[112.0,38.0]}']).add_to(m)
        >>> '{"type":"Point","coordinates":[112.0,38.0]}' in m.get_root().render()
        True

        """
        super().render(**kwargs)
        script = self.get_root().script
        name = self.get_name()
        text = script._children[name].render()
        geometries = self._geometries
        script.add_child(
            _RawScript(_GEOMETRY_PATTERN.sub(lambda m: geometries[int(m.group(1))], text)),
            name=name,
        )


class Raw:
    """Mixin: render a folium element with its output written as it is.

    branca writes what each element renders into a new ``Element``, which compiles that text
    as a Jinja template and renders it a second time: about 3 ms per element, so a province's
    plan cards and county seats (thousands of elements over three maps) spend seconds there,
    and a ``{{`` in a card's name would be read as Jinja. The output is the same text.

    Examples
    --------
    >>> m = folium.Map(tiles=None)
    >>> _ = RawPolyLine([[38.0, 112.0], [38.1, 112.1]], tooltip=RawTooltip("{{ 7 * 7 }}")).add_to(m)
    >>> page = m.get_root().render()
    >>> "L.polyline(" in page, "{{ 7 * 7 }}" in page
    (True, True)

    """

    def render(self, **kwargs: Any) -> None:
        """Render as :class:`branca.element.MacroElement` does, without the second pass.

        Examples
        --------
        >>> m = folium.Map(tiles=None)
        >>> _ = RawCircleMarker([38.0, 112.0], radius=4).add_to(m)
        >>> "L.circleMarker(" in m.get_root().render()
        True

        """
        if getattr(self, "includes", None):  # class-level includes: folium's own path
            super().render(**kwargs)  # type: ignore[misc]
            return
        figure = self.get_root()  # type: ignore[attr-defined]
        macros = self._template.module.__dict__  # type: ignore[attr-defined]
        for part in ("header", "html", "script"):
            macro = macros.get(part)
            if macro is not None:
                getattr(figure, part).add_child(
                    _RawScript(macro(self, kwargs)),
                    name=self.get_name(),  # type: ignore[attr-defined]
                )
        for child in self._children.values():  # type: ignore[attr-defined]
            child.render(**kwargs)


class RawTooltip(Raw, folium.Tooltip):
    """A :class:`folium.Tooltip` rendered by :class:`Raw`.

    Examples
    --------
    >>> RawTooltip("G5").text
    'G5'

    """


class RawPolyLine(Raw, folium.PolyLine):
    """A :class:`folium.PolyLine` rendered by :class:`Raw`.

    Examples
    --------
    >>> RawPolyLine([[38.0, 112.0], [38.1, 112.1]]).locations
    [[38.0, 112.0], [38.1, 112.1]]

    """


class RawCircleMarker(Raw, folium.CircleMarker):
    """A :class:`folium.CircleMarker` rendered by :class:`Raw`.

    Examples
    --------
    >>> RawCircleMarker([38.0, 112.0], radius=4).location
    [38.0, 112.0]

    """


class RawFeatureGroup(Raw, folium.FeatureGroup):
    """A :class:`folium.FeatureGroup` rendered by :class:`Raw`, added to its parent if shown.

    Examples
    --------
    >>> RawFeatureGroup(name="Plan projects").layer_name
    'Plan projects'

    """

    def render(self, **kwargs: Any) -> None:
        """Render, then add the group to its parent when shown, as :class:`folium.map.Layer`.

        Examples
        --------
        >>> m = folium.Map(tiles=None)
        >>> group = RawFeatureGroup(name="Seats").add_to(m)
        >>> f"{group.get_name()}.addTo({m.get_name()})" in m.get_root().render()
        True

        """
        super().render(**kwargs)
        if self.show:
            adder = ElementAddToElement(
                element_name=self.get_name(), element_parent_name=self._parent.get_name()
            )
            script = adder._template.module.script(adder, kwargs)
            self.get_root().script.add_child(_RawScript(script), name=self.get_name() + "_add")
