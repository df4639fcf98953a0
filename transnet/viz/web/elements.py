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

from typing import Any

import folium
from branca.element import Element, MacroElement

from transnet.viz.web.templating import script_template

__all__ = ["FitBounds", "LayerScript", "MetricScale", "Popup"]


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
