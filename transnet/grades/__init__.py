"""Road grades: the grade vocabulary, OSM tag values, grade tables and classification.

Modules, in the order data flows: :mod:`~transnet.grades.tag_values` (``ref``, ``lanes``,
``maxspeed``, ``oneway``), :mod:`~transnet.grades.vocabulary` (grades, administrative classes),
:mod:`~transnet.grades.tables` (:class:`GradeTable`), :mod:`~transnet.grades.classify`.
"""

from transnet.grades.classify import classify_edges, design_speed_kmh, technical_grade
from transnet.grades.tables import GradeTable, Refinement
from transnet.grades.tag_values import TagValue, parse_lanes, parse_maxspeed_kmh, parse_refs
from transnet.grades.vocabulary import (
    ADMIN_CLASSES,
    GRADES,
    admin_class_of_ref,
    admin_class_of_refs,
    grade_rank,
    is_at_least,
    is_ramp,
    normalize_grade,
)

__all__ = [
    "ADMIN_CLASSES",
    "GRADES",
    "GradeTable",
    "Refinement",
    "TagValue",
    "admin_class_of_ref",
    "admin_class_of_refs",
    "classify_edges",
    "design_speed_kmh",
    "grade_rank",
    "is_at_least",
    "is_ramp",
    "normalize_grade",
    "parse_lanes",
    "parse_maxspeed_kmh",
    "parse_refs",
    "technical_grade",
]
