"""Classification: the technical grade, administrative class and ramp flag of every road.

OSM China tags a road by its administrative class (国道 → ``trunk``, 省道 → ``primary``, 县道 →
``secondary``, 乡道 → ``tertiary``, 村道 → ``unclassified``; expressways → ``motorway``), not by
its technical grade. The grade of an OSM way therefore comes from a configurable
:class:`~transnet.grades.GradeTable`: a default grade per ``highway`` value, raised by refinement
rules on ``lanes``, ``maxspeed`` and the administrative class of its ``ref``. The tables shipped
in ``data/grades/`` are described in that folder's ``README.md``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import numpy.typing as npt
import pandas as pd

from transnet._errors import InputError
from transnet.grades.tables import _RAMP_KEY, GradeTable
from transnet.grades.tag_values import (
    TagValue,
    _is_oneway,
    _scalars,
    parse_lanes,
    parse_maxspeed_kmh,
)
from transnet.grades.vocabulary import (
    _GRADE_RANK,
    _UNKNOWN_ADMIN_RANK,
    ADMIN_CLASSES,
    GRADES,
    _admin_rank_of_refs,
    is_ramp,
    normalize_grade,
)

__all__ = ["classify_edges", "design_speed_kmh", "technical_grade"]


def _best_highway(value: TagValue, table: GradeTable) -> str | None:
    """Pick the graded ``highway`` value in ``value`` with the best grade, main line first."""
    order = table._highway_order
    known = [h for h in (str(v).strip().lower() for v in _scalars(value)) if h in order]
    return min(known, key=order.__getitem__, default=None)


def _lanes_both_directions(lanes: int | None, *, oneway: bool, highway: str | None) -> int | None:
    # A one-way main-line way is one carriageway of a dual carriageway; a ramp is just itself.
    if lanes is not None and oneway and highway is not None and not is_ramp(highway):
        return 2 * lanes
    return lanes


def _grade_of(
    highway: str | None,
    admin_rank: int,
    lanes: int | None,
    maxspeed_kmh: float | None,
    table: GradeTable,
) -> str | None:
    if highway is None:
        return None
    rank = _GRADE_RANK[table.highway_grades[highway]]
    admin_class = ADMIN_CLASSES[admin_rank]
    for rule in table.refinements:
        if rule.matches(
            highway=highway, admin_class=admin_class, lanes=lanes, maxspeed_kmh=maxspeed_kmh
        ):
            rank = min(rank, _GRADE_RANK[rule.grade])
            break
    return GRADES[rank]


def technical_grade(
    *,
    highway: str | Sequence[str],
    ref: TagValue = "",
    lanes: TagValue = None,
    maxspeed: TagValue = None,
    oneway: TagValue = None,
    table: GradeTable | None = None,
) -> str | None:
    """Estimate the technical grade (JTG B01-2014) of a road from its OSM tags.

    The grade starts from the table's default for ``highway`` (OSM China tags by
    administrative class, so this is the usual grade of that class); the first refinement
    rule whose conditions hold raises it to at least the rule's grade. With the packaged
    tables (see ``data/grades/README.md``):

    - ``motorway`` and ``motorway_link`` are ``"expressway"``;
    - ``trunk``, ``primary`` are ``"2"``, ``secondary`` ``"3"``, ``tertiary`` and
      ``unclassified`` ``"4"``; ``*_link`` follow their parent;
    - a ``trunk``/``primary`` with an expressway ref (G5, S50...), ≥ 4 lanes and ≥ 80 km/h is
      an expressway; otherwise ≥ 4 lanes → ``"1"``; ≤ 3 lanes at ≥ 80 km/h → ``"2"``;
      ≥ 80 km/h, lanes unknown → ``"1"``; ≥ 60 km/h → ``"2"``.

    Parameters
    ----------
    highway
        OSM ``highway`` value, or an osmnx list of them: the best-graded one counts.
    ref
        OSM ``ref`` value(s); its highest administrative class feeds the refinements.
    lanes
        OSM ``lanes``: the largest number counts (:func:`parse_lanes`). On a one-way way that
        is not a ramp it is doubled, since such a way is one carriageway of a divided road
        and refinements count both directions.
    maxspeed
        OSM ``maxspeed`` (:func:`parse_maxspeed_kmh`); implicit limits such as ``CN:urban``
        are ignored.
    oneway
        OSM ``oneway`` (``"yes"``, ``"-1"``, True).
    table
        The mapping; :meth:`GradeTable.default` when None.

    Returns
    -------
    str or None
        One of :data:`GRADES`; None when no ``highway`` value is in the table (urban
        ``residential`` streets, ``service`` roads and tracks are not graded 公路).

    Examples
    --------
    >>> technical_grade(highway="trunk"), technical_grade(highway="trunk", lanes=4, maxspeed="80")
    ('2', '1')
    >>> technical_grade(highway=["secondary", "trunk"]), technical_grade(highway="residential")
    ('2', None)

    """
    table = table or GradeTable.default()
    chosen = _best_highway(highway, table)
    lanes_total = _lanes_both_directions(
        parse_lanes(lanes), oneway=_is_oneway(oneway), highway=chosen
    )
    return _grade_of(
        chosen, _admin_rank_of_refs(ref), lanes_total, parse_maxspeed_kmh(maxspeed), table
    )


def _codes(column: pd.Series) -> tuple[np.ndarray, list[object]]:
    """Factorize a column whose cells may be lists; missing cells get code -1."""
    values = column.to_numpy(dtype=object)
    try:
        codes, uniques = pd.factorize(values)
    except TypeError:  # unhashable lists from osmnx
        hashable = np.fromiter(
            (tuple(v) if isinstance(v, list | np.ndarray) else v for v in values),
            dtype=object,
            count=len(values),
        )
        codes, uniques = pd.factorize(hashable)
    return codes, list(uniques)


def _per_row(
    column: pd.Series | None,
    parse: Callable[[object], object],
    missing: object,
    n_rows: int,
    dtype: npt.DTypeLike,
) -> np.ndarray:
    """Parse each distinct value of ``column`` once and spread the results over the rows."""
    if column is None:
        return np.full(n_rows, missing, dtype=dtype)
    codes, uniques = _codes(column)
    # The trailing ``missing`` is what code -1 (a missing cell) picks.
    parsed = np.array([*(parse(u) for u in uniques), missing], dtype=dtype)
    return parsed[codes]


def classify_edges(edges: pd.DataFrame, *, table: GradeTable | None = None) -> pd.DataFrame:
    """Grade, administrative class and ramp flag of every edge, from its OSM tags.

    Each distinct tag value is parsed once and each distinct combination graded once, so a
    frame of a few hundred thousand osmnx edges takes well under a second. Results agree
    with :func:`technical_grade`, :func:`admin_class_of_refs` and :func:`is_ramp` (applied to
    the best-graded ``highway`` value), except that a road graded expressway whose ref gives
    no class (a ``motorway`` without ``ref``) gets admin class ``"expressway"``, an
    expressway of unknown level, instead of ``"unknown"``.

    Parameters
    ----------
    edges
        Column ``highway``, and optionally ``ref``, ``lanes``, ``maxspeed`` and ``oneway``;
        cells may be lists, as osmnx gives for merged ways.
    table
        The mapping; :meth:`GradeTable.default` when None.

    Returns
    -------
    pandas.DataFrame
        Same index as ``edges``; columns ``grade`` (one of :data:`GRADES`, missing for an
        ungraded ``highway`` value), ``admin_class`` (one of :data:`ADMIN_CLASSES`) and
        ``ramp`` (bool). Text columns take pandas' default string dtype.

    Raises
    ------
    InputError
        If ``edges`` has no ``highway`` column.

    Examples
    --------
    >>> import pandas as pd
    >>> edges = pd.DataFrame({"highway": ["motorway", "motorway_link", ["trunk", "primary"]],
    ...                       "ref": ["G5;G55", None, "G108"], "lanes": [4, 1, "4"]})
    >>> classify_edges(edges)
            grade          admin_class   ramp
    0  expressway  national_expressway  False
    1  expressway           expressway   True
    2           1             national  False

    """
    if "highway" not in edges.columns:
        raise InputError("missing column", field="highway")
    table = table or GradeTable.default()
    n_rows = len(edges)
    vocabulary = [*table.highway_grades, None]
    position = {highway: i for i, highway in enumerate(vocabulary)}
    ungraded = len(vocabulary) - 1

    def column(name: str) -> pd.Series | None:
        return edges[name] if name in edges.columns else None

    highway_id = _per_row(
        edges["highway"], lambda v: position[_best_highway(v, table)], ungraded, n_rows, np.int64
    )
    admin_rank = _per_row(column("ref"), _admin_rank_of_refs, _UNKNOWN_ADMIN_RANK, n_rows, np.int64)
    lanes = _per_row(column("lanes"), lambda v: parse_lanes(v) or 0, 0, n_rows, np.int64)
    maxspeed_kmh = _per_row(
        column("maxspeed"), lambda v: parse_maxspeed_kmh(v) or 0.0, 0.0, n_rows, np.float64
    )
    oneway = _per_row(column("oneway"), _is_oneway, False, n_rows, bool)

    ramp_of_id = np.array([h is not None and is_ramp(h) for h in vocabulary], dtype=bool)
    ramp = ramp_of_id[highway_id]
    lanes = np.where(oneway & ~ramp & (highway_id != ungraded), 2 * lanes, lanes)

    keys = np.column_stack([highway_id, admin_rank, lanes, maxspeed_kmh])
    combos, inverse = np.unique(keys, axis=0, return_inverse=True)
    grade_of_combo = np.array(
        [
            _grade_of(
                vocabulary[int(h)], int(a), int(n) if n > 0 else None, s if s > 0 else None, table
            )
            for h, a, n, s in combos
        ]
        + [None],  # keeps the array 1-d and object-typed when the frame is empty
        dtype=object,
    )
    grade = grade_of_combo[inverse.reshape(-1)]

    admin_class = np.array(ADMIN_CLASSES, dtype=object)[admin_rank]
    admin_class[(grade == "expressway") & (admin_rank == _UNKNOWN_ADMIN_RANK)] = "expressway"
    return pd.DataFrame(
        {"grade": grade, "admin_class": admin_class, "ramp": ramp}, index=edges.index
    )


def design_speed_kmh(
    grade: str | int, *, ramp: bool = False, table: GradeTable | None = None
) -> float:
    """Return the design speed of a road grade, km/h, for travel times.

    The packaged values (``data/grades/design_speeds.csv``) are single values picked from the
    JTG B01-2014 ranges: expressway 100, grade 1 80, grade 2 60, grade 3 40, grade 4 30;
    ramps 40.

    Parameters
    ----------
    grade
        A technical grade (see :func:`normalize_grade`).
    ramp
        An interchange ramp: the table's ramp speed, but never more than the grade's own.
    table
        The tables; :meth:`GradeTable.default` when None.

    Returns
    -------
    float

    Raises
    ------
    ValueError
        If ``grade`` is not a grade.

    Examples
    --------
    >>> design_speed_kmh("expressway"), design_speed_kmh("expressway", ramp=True)
    (100.0, 40.0)
    >>> design_speed_kmh("四级", ramp=True)
    30.0

    """
    speeds = (table or GradeTable.default()).design_speeds_kmh
    speed = speeds[normalize_grade(grade)]
    return min(speed, speeds[_RAMP_KEY]) if ramp else speed
