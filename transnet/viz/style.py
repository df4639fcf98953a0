"""One styling for the HTML and the PNG maps: roads, plan projects, markers and county classes.

Line widths are in screen pixels (the PNG maps scale them to points); colours are CSS hex
strings. County shading uses quantile classes as :mod:`mapclassify` computes them, so an HTML
map and a PNG map of the same metric show the same classes, colours and legend.

Examples
--------
>>> GRADE_STYLES["expressway"]["color"], PLAN_ACTION_STYLES["widen"]["dash_array"]
('#c0392b', '12 8')
>>> ChoroplethClasses.of([1.0, 2.0, 3.0, 4.0, 5.0]).labels()
['1 – 1.8', '1.8 – 2.6', '2.6 – 3.4', '3.4 – 4.2', '4.2 – 5']
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from transnet.study import Study

__all__ = [
    "CHOROPLETH_COLORS",
    "CHOROPLETH_METRICS",
    "CHOROPLETH_OPACITY",
    "GRADE_STYLES",
    "HALO_OPACITY",
    "HALO_WEIGHT_PX",
    "INTERCHANGE_MARKER",
    "NO_DATA_COLOR",
    "PLANNED_STYLE",
    "PLAN_ACTION_STYLES",
    "PLAN_WEIGHT_PX",
    "RAMP_WEIGHT_PX",
    "SEAT_MARKER",
    "TOWNSHIP_MARKERS",
    "ChoroplethClasses",
    "county_values",
    "format_number",
    "metric_caption",
    "quantile_bins",
    "study_classes",
]

#: Line style of each technical grade, best first: label, colour and width in pixels.
GRADE_STYLES: dict[str, dict[str, Any]] = {
    "expressway": {"label": "Expressway", "color": "#c0392b", "weight": 5.0},
    "1": {"label": "Grade 1", "color": "#e67e22", "weight": 4.0},
    "2": {"label": "Grade 2", "color": "#f1c40f", "weight": 3.0},
    "3": {"label": "Grade 3", "color": "#3498db", "weight": 2.0},
    "4": {"label": "Grade 4", "color": "#95a5a6", "weight": 1.5},
    "below_4": {"label": "Below grade 4", "color": "#bdc3c7", "weight": 1.0},
}
#: Width of an interchange ramp, any grade.
RAMP_WEIGHT_PX = 1.5

#: Line style of each plan-card action: colour and SVG dash pattern (``None`` is solid).
PLAN_ACTION_STYLES: dict[str, dict[str, Any]] = {
    "new": {"color": "#8e44ad", "dash_array": None},
    "widen": {"color": "#8e44ad", "dash_array": "12 8"},
    "upgrade": {"color": "#c2185b", "dash_array": "1 10"},
    "realign": {"color": "#8e44ad", "dash_array": "16 6 2 6"},
}
#: Plan projects are drawn over a translucent halo, so that they stand out from the roads.
PLAN_WEIGHT_PX = 6.0
HALO_WEIGHT_PX = 16.0
HALO_OPACITY = 0.25

#: A "before" map shows the plan's alignments as projects not yet built: faint and dashed.
PLANNED_STYLE: dict[str, Any] = {
    "label": "Planned project (not built)",
    "color": "#8e44ad",
    "weight": 2.0,
    "opacity": 0.45,
    "dash_array": "4 6",
}

#: County seats and interchanges: white circles with a coloured ring (radius in pixels).
SEAT_MARKER: dict[str, Any] = {"label": "County seat", "stroke": "#222222", "radius": 5.0}
INTERCHANGE_MARKER: dict[str, Any] = {"label": "Interchange", "stroke": "#7b241c", "radius": 3.5}
#: Township seats by the township grade-2 target's criterion: filled green when covered, red
#: when not, and hollow grey for kinds the township targets do not count (街道, 其他).
TOWNSHIP_MARKERS: dict[str, dict[str, Any]] = {
    "covered": {
        "label": "Township seat: grade-2 road in reach",
        "stroke": "#1b5e20",
        "fill": "#43a047",
        "radius": 3.5,
    },
    "not_covered": {
        "label": "Township seat: none in reach",
        "stroke": "#7f0000",
        "fill": "#e53935",
        "radius": 3.5,
    },
    "not_counted": {
        "label": "Sub-district (街道), other: not counted",
        "stroke": "#757575",
        "fill": "#ffffff",
        "radius": 2.5,
    },
}

#: Per-county metrics a map can shade counties by: field of
#: :class:`transnet.metrics.CountyRecord` → (label, unit).
CHOROPLETH_METRICS: dict[str, tuple[str, str]] = {
    "seat_to_interchange_min": ("minutes from county seat to the nearest interchange", "min"),
    "seat_to_interchange_km": ("distance from county seat to the nearest interchange", "km"),
    "seat_to_grade1_km": ("distance from county seat to the nearest grade-1 road", "km"),
    "seat_to_grade1_min": ("minutes from county seat to the nearest grade-1 road", "min"),
    "density_per_100km2": ("road density, all grades in the network", "km/100 km²"),
    "expressway_density_per_100km2": ("expressway density", "km/100 km²"),
}

#: Sequential greens: the roads use red, orange, yellow, blue and grey, so a green fill keeps
#: them legible on top of the shading.
CHOROPLETH_COLORS: tuple[str, ...] = ("#edf8e9", "#bae4b3", "#74c476", "#31a354", "#006d2c")
#: Fill opacity of the county shading (the PNG maps blend the colours with white at it).
CHOROPLETH_OPACITY = 0.55
#: Counties with no value (an unreachable seat, say).
NO_DATA_COLOR = "#bdbdbd"
#: Number of quantile classes of the county shading.
CHOROPLETH_CLASSES = 5


def format_number(value: float) -> str:
    """Format with thousands separators and at most 2 decimals, without trailing zeros.

    Examples
    --------
    >>> format_number(1234.5678), format_number(3.0), format_number(-0.001)
    ('1,234.57', '3', '0')

    """
    text = f"{value:,.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def metric_caption(metric: str | None) -> str:
    """Caption of a choropleth metric with its unit, e.g. for a legend.

    Examples
    --------
    >>> metric_caption("seat_to_interchange_min")
    'Minutes from county seat to the nearest interchange (min)'
    >>> metric_caption("my_column")
    'my_column'

    """
    if metric in CHOROPLETH_METRICS:
        label, unit = CHOROPLETH_METRICS[metric]
        return f"{label[:1].upper()}{label[1:]} ({unit})"
    return metric or ""


def _numbers(values: Iterable[Any]) -> pd.Series:
    numbers = pd.to_numeric(pd.Series(list(values), dtype=object), errors="coerce")
    return numbers.astype(float).replace([np.inf, -np.inf], np.nan)


def quantile_bins(values: np.ndarray, k: int) -> np.ndarray:
    """Upper edges of ``k`` quantile classes, as :class:`mapclassify.Quantiles` computes them.

    The same percentiles (linear interpolation), ties collapsed, in numpy: importing
    mapclassify takes about 2 s (scikit-learn, scipy.stats), more than drawing a province.

    Examples
    --------
    >>> quantile_bins(np.arange(1000), 4).tolist()
    [249.75, 499.5, 749.25, 999.0]
    >>> quantile_bins(np.array([1.0, 1.0, 1.0, 2.0]), 3).tolist()
    [1.0, 2.0]

    """
    step = 100.0 / k
    percents = np.arange(step, 100 + step, step)
    if percents[-1] > 100.0:
        percents[-1] = 100.0
    return np.unique(np.percentile(np.asarray(values, dtype=float), percents))


def _quantile_edges(values: np.ndarray, classes: int) -> list[float]:
    """Class edges of quantile classes (:func:`quantile_bins`); inner edges rounded to 3 digits."""
    if values.size == 0:
        return []
    low, high = float(values.min()), float(values.max())
    if low == high:
        return [low, high + (abs(high) * 0.05 or 0.5)]
    k = min(classes, int(np.unique(values).size))
    upper = quantile_bins(values, k)
    # Rounded for a legible legend; the rounded edges are the classes, on every map.
    inner = sorted({float(f"{v:.3g}") for v in upper[:-1]} - {low, high})
    return [low, *(v for v in inner if low < v < high), high]


@dataclass(frozen=True)
class ChoroplethClasses:
    """Classes of a county shading: edges, one colour per class, and how to label no value.

    Classes are closed on the right, as in :mod:`mapclassify`: a value equal to an inner edge
    belongs to the lower class; the first class includes its lower edge.

    Attributes
    ----------
    bins
        Increasing class edges, lowest value first (``k`` classes have ``k + 1`` edges); empty
        when there is no value at all.
    colors
        One fill colour per class, from :data:`CHOROPLETH_COLORS`.
    has_missing
        Whether a value was missing (drawn in :data:`NO_DATA_COLOR`).

    Examples
    --------
    >>> classes = ChoroplethClasses.of([3.0, 7.0, None], bins=[0, 5, 10])
    >>> classes.color(5.0), classes.color(5.1), classes.color(float("nan"))
    ('#edf8e9', '#006d2c', '#bdbdbd')
    >>> classes.has_missing, classes.labels()
    (True, ['0 – 5', '5 – 10'])

    """

    bins: tuple[float, ...]
    colors: tuple[str, ...]
    has_missing: bool

    @classmethod
    def of(
        cls,
        values: Iterable[Any],
        *,
        bins: Sequence[float] | None = None,
        classes: int = CHOROPLETH_CLASSES,
    ) -> ChoroplethClasses:
        """Classify ``values``: up to ``classes`` quantile classes, or the given ``bins``.

        Parameters
        ----------
        values
            Numbers; missing, infinite and non-numeric values count as no value.
        bins
            Increasing class edges (at least two), e.g. to share classes between maps.
        classes
            Number of quantile classes when ``bins`` is not given (fewer when the values have
            fewer distinct numbers).

        Raises
        ------
        ValueError
            If ``bins`` has fewer than two edges or is not increasing.

        Examples
        --------
        >>> ChoroplethClasses.of([42.1]).bins  # one value: one class around it
        (42.1, 44.205)

        """
        numbers = _numbers(values)
        if bins is not None:
            edges = [float(b) for b in bins]
            if len(edges) < 2 or any(b >= a for a, b in zip(edges[1:], edges, strict=False)):
                raise ValueError(f"choropleth_bins must be at least two increasing numbers: {bins}")
        else:
            edges = _quantile_edges(numbers.dropna().to_numpy(), classes)
        count = max(len(edges) - 1, 0)
        if count == 1:
            colors: tuple[str, ...] = (CHOROPLETH_COLORS[2],)
        else:
            picks = np.linspace(0, len(CHOROPLETH_COLORS) - 1, count).round().astype(int)
            colors = tuple(CHOROPLETH_COLORS[i] for i in picks)
        return cls(tuple(edges), colors, bool(numbers.isna().any()))

    def class_of(self, value: float) -> int | None:
        """Index of the class of ``value``, None for no value (values beyond the edges clip).

        Examples
        --------
        >>> ChoroplethClasses.of([], bins=[0, 5, 10]).class_of(5.0)
        0

        """
        if value is None or not math.isfinite(float(value)) or not self.colors:
            return None
        position = int(np.searchsorted(np.asarray(self.bins[1:-1]), float(value), side="left"))
        return min(position, len(self.colors) - 1)

    def color(self, value: float) -> str:
        """Fill colour of ``value``: its class's, or :data:`NO_DATA_COLOR`.

        Examples
        --------
        >>> ChoroplethClasses.of([], bins=[0, 5, 10]).color(None)
        '#bdbdbd'

        """
        position = self.class_of(value)
        return NO_DATA_COLOR if position is None else self.colors[position]

    def labels(self) -> list[str]:
        """Legend text of each class, ``"low – high"``.

        Examples
        --------
        >>> ChoroplethClasses.of([], bins=[0, 2.5, 1000]).labels()
        ['0 – 2.5', '2.5 – 1,000']

        """
        return [
            f"{format_number(low)} – {format_number(high)}"
            for low, high in zip(self.bins, self.bins[1:], strict=False)
        ]


def county_values(study: Study, scenario: str, metric: str) -> pd.Series:
    """Return a per-county metric aligned with ``study.region.counties``; NaN for no value.

    Examples
    --------
    >>> bool(county_values(study, "after", "seat_to_interchange_min").notna().all())
    True

    """
    by_code = {}
    for record in study.metrics[scenario].counties:
        value = getattr(record, metric, None)
        number = isinstance(value, int | float) and not isinstance(value, bool)
        by_code[str(record.code)] = float(value) if number and math.isfinite(value) else math.nan
    codes = study.region.counties["code"].astype(str)
    return pd.Series([by_code.get(code, math.nan) for code in codes], index=codes.index)


def study_classes(study: Study, metric: str) -> ChoroplethClasses:
    """Return one set of classes for ``metric`` over both scenarios of a study.

    The HTML maps (:func:`transnet.viz.web.study_maps`) and the PNG maps
    (:func:`transnet.viz.static.static_map`) both shade by these, so their classes agree.

    Examples
    --------
    >>> classes = study_classes(study, "seat_to_interchange_min")
    >>> len(classes.bins) - 1 == len(classes.colors) <= 5
    True

    """
    values = [*county_values(study, "before", metric), *county_values(study, "after", metric)]
    return ChoroplethClasses.of(values)
