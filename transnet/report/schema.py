"""The JSON Schema of ``metrics.json``, built from the typed results.

The scenarios' part comes from :class:`~transnet.metrics.ScenarioMetrics` (pydantic), so the
schema cannot drift from the code; the file ``metrics.schema.json`` beside this module is its
committed copy, which a test keeps equal to :func:`metrics_schema` and uses to validate every
``metrics.json`` the tests write. Regenerate it with ``python -m transnet.report.schema``.
A change of layout raises ``SCHEMA_VERSION`` (its history is in
:mod:`transnet.report.document`), so a reader can tell the layouts apart.
"""

from __future__ import annotations

import json
from typing import Any

from transnet.metrics import ScenarioMetrics
from transnet.report.document import SCHEMA_PATH, SCHEMA_VERSION

__all__ = ["metrics_schema", "write_schema"]

_NUMBER_OR_NULL = {"type": ["number", "null"]}
_BY_GRADE = {"type": "object", "additionalProperties": {"type": "number"}}


def metrics_schema() -> dict[str, Any]:
    """Return the JSON Schema (draft 2020-12) of ``metrics.json``.

    Examples
    --------
    >>> schema = metrics_schema()
    >>> schema["properties"]["schema_version"]["const"], "scenarios" in schema["required"]
    (2, True)

    """
    scenario = ScenarioMetrics.model_json_schema(ref_template="#/$defs/{model}")
    defs = scenario.pop("$defs", {})
    defs["ScenarioMetrics"] = scenario
    headline_row = {
        "type": "object",
        "required": ["key", "label", "unit", "before", "after", "change"],
        "properties": {
            "key": {"type": "string"},
            "label": {"type": "string"},
            "unit": {"type": "string"},
            "before": _NUMBER_OR_NULL,
            "after": _NUMBER_OR_NULL,
            "change": _NUMBER_OR_NULL,
        },
    }
    target = {
        "type": "object",
        "required": [
            "id",
            "metric",
            "scenario",
            "value",
            "op",
            "threshold",
            "status",
            "reason",
            "bound",
        ],
        "properties": {
            "id": {"type": "string"},
            "metric": {"type": "string"},
            "scenario": {"enum": ["before", "after"]},
            "value": _NUMBER_OR_NULL,
            "op": {"enum": [">=", "<=", ">", "<", "=="]},
            "threshold": {"type": "number"},
            "unit": {"type": "string"},
            "status": {"enum": ["pass", "fail", "not_evaluated"]},
            "reason": {"type": "string"},
            "source_zh": {"type": "string"},
            "bound": {"enum": ["exact", "lower_bound"]},
        },
    }
    by_grade_change = {"type": "object", "additionalProperties": _NUMBER_OR_NULL}
    ids = {"type": "array", "items": {"type": "string"}}
    year = {"type": "integer"}
    phasing = {
        "type": ["object", "null"],
        "description": "The targets year by year from the base year to the horizon.",
        "required": [
            "base_year",
            "horizon_year",
            "years",
            "expected_opened",
            "undated",
            "in_base",
            "cards",
            "networks",
            "targets",
            "first_met",
        ],
        "properties": {
            "base_year": year,
            "horizon_year": year,
            "years": {"type": "array", "items": year},
            "expected_opened": {"type": "object", "additionalProperties": year},
            "undated": ids,
            "in_base": ids,
            "cards": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["id", "status", "opened", "requires", "year", "basis", "note"],
                    "properties": {
                        "id": {"type": "string"},
                        "status": {"type": "string"},
                        "opened": {"type": ["integer", "null"]},
                        "requires": ids,
                        "year": year,
                        "basis": {
                            "enum": [
                                "opened",
                                "expected_by_status",
                                "undated",
                                "after_requirements",
                            ]
                        },
                        "note": {"type": "string"},
                    },
                },
            },
            "networks": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["year", "cards", "opening"],
                    "properties": {"year": year, "cards": ids, "opening": ids},
                },
            },
            "targets": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["target", "year", "value", "status", "cards_open"],
                    "properties": {
                        "target": {"type": "string"},
                        "year": year,
                        "value": _NUMBER_OR_NULL,
                        "status": {"enum": ["pass", "fail", "not_evaluated"]},
                        "cards_open": {"type": "integer"},
                    },
                },
            },
            "first_met": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["target", "first_year", "first_met", "met_at_horizon"],
                    "properties": {
                        "target": {"type": "string"},
                        "first_year": {"type": ["integer", "null"]},
                        "first_met": {"type": "string"},
                        "met_at_horizon": {"type": "boolean"},
                    },
                },
            },
        },
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "transnet metrics.json",
        "description": "Metrics of a study before and after its plan, and its target results.",
        "type": "object",
        "required": [
            "schema_version",
            "transnet_version",
            "generated",
            "region",
            "data",
            "settings",
            "scenarios",
            "headline",
            "change",
            "seat_to_interchange",
            "project_effects",
            "sensitivity_without_illustrative",
            "plan",
            "targets",
            "phasing",
        ],
        "properties": {
            "schema_version": {"const": SCHEMA_VERSION},
            "transnet_version": {"type": "string"},
            "generated": {"type": "string", "format": "date-time"},
            "region": {
                "type": "object",
                "required": ["name", "area_km2", "counties"],
                "properties": {
                    "name": {"type": "string"},
                    "area_km2": {"type": "number", "exclusiveMinimum": 0},
                    "counties": {"type": "array", "items": {"type": "object"}},
                },
            },
            "data": {
                "type": "object",
                "required": [
                    "network_source",
                    "network_completeness",
                    "lower_bounds",
                    "caveats",
                    "warnings",
                ],
                "properties": {
                    "lower_bounds": {"type": "array", "items": {"type": "string"}},
                    "caveats": {"type": "array", "items": {"type": "string"}},
                    "warnings": {"type": "array", "items": {"type": "string"}},
                },
            },
            "settings": {"type": "object"},
            "scenarios": {
                "type": "object",
                "required": ["before", "after"],
                "properties": {
                    "before": {"$ref": "#/$defs/ScenarioMetrics"},
                    "after": {"$ref": "#/$defs/ScenarioMetrics"},
                },
            },
            "headline": {"type": "array", "items": headline_row},
            "change": {
                "type": "object",
                "properties": {
                    "length_km": by_grade_change,
                    "density_per_100km2": by_grade_change,
                },
            },
            "seat_to_interchange": {"type": "array", "items": {"type": "object"}},
            "project_effects": {"type": "array", "items": {"type": "object"}},
            "sensitivity_without_illustrative": {
                "type": "object",
                "required": ["cards_left_out", "length_km", "density_per_100km2"],
                "properties": {
                    "cards_left_out": {"type": "array", "items": {"type": "string"}},
                    "length_km": _BY_GRADE,
                    "density_per_100km2": _BY_GRADE,
                },
            },
            "plan": {
                "type": "object",
                "required": ["projects", "by_class", "cards"],
                "properties": {
                    "projects": {"type": "integer"},
                    "cards": {"type": "array", "items": {"type": "object"}},
                },
            },
            "targets": {"type": "array", "items": target},
            "phasing": phasing,
        },
        "$defs": defs,
    }


def write_schema() -> None:
    """Write :func:`metrics_schema` to ``transnet/report/metrics.schema.json``.

    Examples
    --------
    >>> write_schema()  # doctest: +SKIP

    """
    SCHEMA_PATH.write_text(
        json.dumps(metrics_schema(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )


if __name__ == "__main__":
    write_schema()
