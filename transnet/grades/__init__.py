"""Road grades: the technical-grade vocabulary, grade tables and OSM tag classification."""

from transnet.grades.classify import (
    ADMIN_CLASSES,
    GRADES,
    GradeTable,
    Refinement,
    admin_class_of_ref,
    admin_class_of_refs,
    classify_edges,
    design_speed_kmh,
    grade_rank,
    is_at_least,
    is_ramp,
    normalize_grade,
    parse_lanes,
    parse_maxspeed_kmh,
    parse_refs,
    technical_grade,
)

__all__ = [
    "ADMIN_CLASSES",
    "GRADES",
    "GradeTable",
    "Refinement",
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
