"""Static before/after maps for slides: PNGs drawn with matplotlib, styled as the HTML maps.

A static map shows one scenario of a study in the network's projected CRS (metres), so that its
scale bar is true: counties shaded by a per-county metric in the classes of the HTML maps
(:func:`transnet.viz.style.study_classes`), roads coloured and sized by technical grade as on the
HTML map (:data:`transnet.viz.style.GRADE_STYLES`), plan projects on top of the "after" map, one
line style per action (:data:`transnet.viz.style.PLAN_ACTION_STYLES`), county seats and
interchanges. The "before" map shows the base network: the plan's alignments only as a faint
dashed outline labelled "planned". Each map carries a title with its data source and date, a
legend, a colour bar of the classes, a north arrow, a scale bar and the study's caveats in a box
at the bottom.

Figures are built on :class:`matplotlib.figure.Figure` with an Agg canvas: no ``pyplot``, no
global backend state. Text is drawn in the default sans-serif font; Chinese names are used only
when a CJK-capable font is installed, English names (``name_en``) otherwise, so no glyph is ever
missing.

The package is split by concern: :mod:`~transnet.viz.static.maps` (the public functions),
:mod:`~transnet.viz.static.figure` (page layout), :mod:`~transnet.viz.static.layers` (counties,
roads, plan, seats), :mod:`~transnet.viz.static.furniture` (legend, colour bar, north arrow,
scale bar, titles, caveats) and :mod:`~transnet.viz.static.text` (fonts and text fitting).
"""

from transnet.viz.static.maps import SCENARIOS, metric_names, static_map, write_static_maps

__all__ = ["SCENARIOS", "metric_names", "static_map", "write_static_maps"]
