"""The ``metrics.json`` document of a study, written from its typed results.

``schema_version`` counts changes to the document's layout; the JSON Schema of each version is
``transnet/report/metrics.schema.json`` (kept true by a test that validates every output).
Any key added, removed or renamed raises it by one, and the change is listed here:

- 1: the first schema'd layout (issue 9).
- 2: township targets done right (issue 12). Each target has ``bound`` (``exact`` or
  ``lower_bound``); ``data.lower_bounds`` lists the metric families whose values are lower
  bounds on the network; place records have ``code``, ``kind``, ``road`` (by grade) and
  ``counted`` (by criterion); township coverage has ``kinds`` and ``left_out``; the township
  settings have ``kinds``. ``phasing`` (issue 13): the targets by year from the base year to the
  horizon, the first year each is met and each card's year (null when not computed).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from transnet import __version__
from transnet.access import speed_table
from transnet.grades import GRADES
from transnet.summary import caveats, headline, lower_bound_families

if TYPE_CHECKING:
    from transnet.study import Study

__all__ = ["SCHEMA_PATH", "SCHEMA_VERSION", "metrics_document", "write_metrics_json"]

#: Version of the layout of ``metrics.json``.
SCHEMA_VERSION = 2
#: The JSON Schema of ``metrics.json``.
SCHEMA_PATH = Path(__file__).with_name("metrics.schema.json")
GRADE_KEYS = (*GRADES, "total")


def _plan_section(study: Study) -> dict[str, Any]:
    totals = study.plan.totals_by_class()
    announced = study.bundle.manifest.get("announced_plan", {})
    by_class = {}
    for name, row in totals.iterrows():
        entry = {
            "projects": int(row["projects"]),
            "length_km": round(float(row["length_km"]), 3),
            "investment_100m_cny": round(float(row["investment_100m_cny"]), 3),
        }
        if name in announced:
            entry["announced"] = announced[name]
        by_class[str(name)] = entry
    log = study.plan_result.log.astype(object).where(study.plan_result.log.notna(), None)
    return {
        "projects": len(study.plan.cards),
        "by_class": by_class,
        "length_km": round(float(totals["length_km"].sum()), 3),
        "investment_100m_cny": round(float(totals["investment_100m_cny"].sum()), 3),
        "cards": log.to_dict("records"),
    }


def _settings_record(study: Study) -> dict[str, Any]:
    settings = study.settings
    return {
        "county_rule": settings.county_rule,
        "seat_within_km": settings.seat_within_km,
        "seat_within_min": settings.seat_within_min,
        "county_grade1": settings.county_grade1.as_record(),
        "township_grade2": settings.township_grade2.as_record(),
        "township_grade3": settings.township_grade3.as_record(),
        "poi_grade2": settings.poi_grade2.as_record(),
        "rai": {"grade": settings.rai_grade, "within_m": settings.rai_within_m},
        "speeds_kmh": speed_table(settings.speeds_kmh),
        "access_speed_kmh": settings.access_speed_kmh,
        "max_snap_m": settings.max_snap_m,
    }


def metrics_document(study: Study) -> dict[str, Any]:
    """Return the ``metrics.json`` document of a study.

    Parameters
    ----------
    study
        A study from :func:`transnet.study.run_study`.

    Returns
    -------
    dict
        ``schema_version``, ``transnet_version``, ``generated`` (UTC time), ``region``, ``data``
        (sources, caveats, warnings), ``settings``, ``scenarios`` (``before``, ``after``, each
        :meth:`~transnet.metrics.ScenarioMetrics.to_json`), ``headline``, ``change``,
        ``seat_to_interchange``, ``project_effects``, ``sensitivity_without_illustrative``,
        ``plan``, ``targets`` and ``phasing`` (:meth:`transnet.phasing.Phasing.to_record`, or
        null when the study has no phasing).

    Examples
    --------
    >>> document = metrics_document(study)
    >>> document["schema_version"], sorted(document["scenarios"])
    (2, ['after', 'before'])

    """
    before, after = study.metrics["before"], study.metrics["after"]
    change: dict[str, dict[str, float | None]] = {
        key: {g: round(getattr(after, key)[g] - getattr(before, key)[g], 4) for g in GRADE_KEYS}
        for key in ("length_km", "density_per_100km2")
    }
    for key in ("county_expressway_coverage", "county_grade1_coverage"):
        shares = getattr(before, key).share, getattr(after, key).share
        change[key] = {"share": None if None in shares else round(shares[1] - shares[0], 4)}
    return {
        "schema_version": SCHEMA_VERSION,
        "transnet_version": __version__,
        "generated": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "region": {
            "name": study.region.name,
            "area_km2": round(study.region.area_km2, 3),
            "counties": [
                {"code": r.code, "name": r.name, "area_km2": round(float(r.area_km2), 3)}
                for r in study.region.counties.itertuples()
            ],
        },
        "data": {
            "bundle": study.bundle.name,
            "network_source": study.before.metadata.get("source", ""),
            "network_label": study.before.metadata.get("label", ""),
            "network_completeness": study.before.metadata.get("completeness", ""),
            "interchange_method": study.before.metadata.get(
                "interchange_method", "interchange points of the bundle"
            ),
            "targets_file": str(study.targets_path),
            "lower_bounds": lower_bound_families(study),
            "caveats": caveats(study),
            "warnings": [*study.before.warnings, *study.after.warnings],
        },
        "settings": _settings_record(study),
        "scenarios": {"before": before.to_json(), "after": after.to_json()},
        "headline": [
            {
                "key": row.key,
                "label": row.label,
                "unit": row.unit,
                "before": row.before,
                "after": row.after,
                "change": row.change,
            }
            for row in headline(study)
        ],
        "change": change,
        "seat_to_interchange": study.attribution.by_county.to_dict("records"),
        "project_effects": study.attribution.by_project().reset_index().to_dict("records"),
        "sensitivity_without_illustrative": study.sensitivity,
        "plan": _plan_section(study),
        "targets": [r.as_record() for r in study.results],
        "phasing": None if study.phasing is None else study.phasing.to_record(),
    }


def write_metrics_json(study: Study, path: Path) -> dict[str, Any]:
    """Write ``metrics.json`` (strict JSON: no NaN, no infinity) and return the document.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     document = write_metrics_json(study, Path(folder) / "metrics.json")
    >>> document["region"]["name"][:2]
    '太忻'

    """
    # orjson: the standard library's encoder is pure Python once indented (tens of seconds
    # for the township records of a national run). It writes NaN and infinity as null.
    data = orjson.dumps(
        metrics_document(study),
        default=_json_default,
        option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS | orjson.OPT_SERIALIZE_NUMPY,
    )
    path.write_bytes(data)
    return orjson.loads(data)


def _json_default(value: Any) -> Any:
    """Return what orjson cannot write itself (a numpy or pandas scalar) as a Python value."""
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        return value.item()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")
