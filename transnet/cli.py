"""Command line: ``transnet init``, ``run``, ``check``, ``build``, ``map`` and ``prioritise``.

Exit codes, the same in every command (see :data:`EXIT_CODES`): 0 success, 1 a target fails
(``check``, and ``run --check``), 2 bad input, 3 an internal error (a bug), 130 interrupted.
"""

from __future__ import annotations

import math
import os
import signal
import sys
import threading
import traceback
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from transnet import options
from transnet._errors import InputError, TransnetError, TransnetWarning
from transnet._progress import settings as progress_settings
from transnet.io import text as text_io

# The pipeline (geopandas, scipy, pydantic models) is imported inside the commands, after the
# first message, so ``--help`` and the start of every command take a fraction of a second.
if TYPE_CHECKING:
    from transnet.study import Study
    from transnet.targets import TargetResult

__all__ = ["EXIT_CODES", "app", "main"]

#: What each exit status means, in every command.
EXIT_CODES = {
    0: "success (check: every evaluated target passes)",
    1: "check, run --check: a target fails (with --strict: or none is evaluated)",
    2: "bad input: the message names the file, the record and the field",
    3: "internal error, a bug in transnet (the traceback with --debug)",
    130: "interrupted (Ctrl-C or SIGTERM); outputs are left as they were",
}

# "\b" keeps click from re-wrapping the lines of the table.
_EXIT_HELP = "\b\nExit codes:\n" + "\n".join(
    f"  {code:>3}  {text}" for code, text in EXIT_CODES.items()
)

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    rich_markup_mode=None,
    help="Regional road-network planning: density, expressway coverage and plan checks. "
    "Add --debug to any command for tracebacks and other libraries' warnings.",
    epilog=_EXIT_HELP,
)
_out = Console()
# Messages on stderr are never wrapped: a CI log keeps each on one searchable line.
_err = Console(stderr=True, soft_wrap=True)


def _distance_km(value: float | None) -> float | None:
    if value is not None and not (math.isfinite(value) and value >= 0):
        raise typer.BadParameter(f"{value} km: expected a finite distance of 0 km or more")
    return value


def _known_encoding(value: str | None) -> str | None:
    import codecs

    if value is not None:
        try:
            codecs.lookup(value)
        except LookupError:
            raise typer.BadParameter(
                f"unknown encoding {value!r}; use a Python codec name such as gbk or gb18030"
            ) from None
    return value


BundleOption = Annotated[
    str, typer.Option("--bundle", help="Embedded bundle name or a folder with bundle.yaml.")
]
TargetsOption = Annotated[
    Path | None, typer.Option("--targets", help="Targets YAML file instead of the bundle's.")
]
QuietOption = Annotated[bool, typer.Option("--quiet", "-q", help="Print only errors.")]
TownshipsOption = Annotated[
    Path | None,
    typer.Option(
        "--townships",
        help="Township seats: GeoJSON, GPKG, CSV with lon/lat, or an OSM file "
        "(default: the bundle's townships file, if it has one).",
    ),
]
PoisOption = Annotated[
    Path | None,
    typer.Option(
        "--pois",
        help="Points of interest (scenic spots, development zones): GeoJSON, GPKG or CSV.",
    ),
]
CrsOption = Annotated[
    str | None,
    typer.Option(
        "--crs", help="CRS of the townships file where it does not say: EPSG code or gcj02."
    ),
]
TilesOption = Annotated[
    str, typer.Option("--tiles", help="Base map: none, osm, tianditu (needs a key) or gaode.")
]
TiandituKeyOption = Annotated[
    str | None,
    typer.Option("--tianditu-key", envvar="TIANDITU_KEY", help="Tianditu API key (tk)."),
]
MetricOption = Annotated[
    str,
    typer.Option(
        "--metric", help="County metric shaded on the maps, e.g. seat_to_interchange_min."
    ),
]
SelfContainedOption = Annotated[
    bool,
    typer.Option(
        "--self-contained/--no-self-contained",
        help="Inline every script and style sheet, so maps open with no network.",
    ),
]
NetworkOption = Annotated[
    Path | None,
    typer.Option("--network", help="A network saved by `transnet build`, instead of the bundle's."),
]
EncodingOption = Annotated[
    str | None,
    typer.Option(
        "--encoding",
        callback=_known_encoding,
        help="Encoding (e.g. latin-1) of input files that are not UTF-8, instead of "
        "detecting GB18030; UTF-8 files are read as UTF-8.",
    ),
]
StrictOption = Annotated[
    bool,
    typer.Option(
        "--strict",
        help="Also fail (exit 1) when no target is evaluated: an empty targets list, or every "
        "target not_evaluated. Without it that case exits 0 with a warning.",
    ),
]


def _study(
    bundle: str,
    *,
    targets: Path | None,
    scenario: str | None = None,
    quiet: bool,
    network: Path | None,
    townships: Path | None,
    pois: Path | None,
    crs: str | None,
    encoding: str | None = None,
    phasing: bool = False,
    years: tuple[int, int] | None = None,
    allow_empty_plan: bool = True,
) -> Study:
    progress_settings.quiet = quiet
    text_io.settings.encoding = encoding
    if not quiet:
        _err.print(f"Building both scenarios of bundle '{escape(bundle)}'…")
    from transnet.io.network_store import load_network
    from transnet.io.places import load_places
    from transnet.study import run_study

    return run_study(
        bundle,
        targets_path=targets,
        scenario=scenario,
        network=load_network(network) if network else None,
        townships=_townships(bundle, townships, crs) if townships else None,
        pois=load_places(pois, crs=crs) if pois else None,
        phasing=phasing,
        years=years,
        allow_empty_plan=allow_empty_plan,
    )


def _townships(bundle: str, path: Path, crs: str | None):
    from transnet.io.bundle import load_bundle
    from transnet.io.places import load_townships
    from transnet.region import region_from_bundle

    return load_townships(path, region=region_from_bundle(load_bundle(bundle)), crs=crs)


def _targets_table(results: list[TargetResult]) -> tuple[Table, list[str]]:
    """Return a table narrow enough for 80 columns, and the notes to print below it."""
    table = Table(title="Targets")
    for column in ("target", "value", "needs", "status"):
        table.add_column(column, no_wrap=column != "needs")
    colours = {"pass": "green", "fail": "red", "not_evaluated": "yellow"}
    notes = []
    for r in results:
        value = "—" if r.value is None else f"{r.value:,.4g}"
        status = f"[{colours[r.status]}]{r.status.replace('_', ' ')}[/]"
        if r.reason:
            notes.append(f"[{len(notes) + 1}] {r.id}: {r.reason}")
            status += f" [{len(notes)}]"
        name = r.id if r.scenario == "after" else f"{r.id} ({r.scenario})"
        table.add_row(name, value, f"{r.op} {r.threshold:g} {r.unit}".strip(), status)
    return table, notes


def _print_targets(results: list[TargetResult]) -> None:
    table, notes = _targets_table(results)
    _out.print(table)
    for note in notes:
        _out.print(note, highlight=False)


def _print_phasing(study: Study) -> None:
    """Print the first year each evaluated target is met, and the cards with no year."""
    phasing = study.phasing
    table = Table(title=f"Phasing {phasing.base_year}–{phasing.horizon_year}")
    table.add_column("target")
    table.add_column("first met")
    for row in phasing.first_met.itertuples():
        if row.first_met != "not evaluated":
            colour = "green" if row.first_year is not None else "red"
            table.add_row(row.target, f"[{colour}]{row.first_met}[/]")
    _out.print(table)
    if phasing.undated:
        _out.print(
            f"[yellow]Note:[/] {len(phasing.undated)} cards have no opening year and count at "
            f"{phasing.horizon_year} only: {escape(', '.join(phasing.undated))}",
            highlight=False,
        )


def _number(value: float | None) -> str:
    if value is None:
        return "—"
    return "unreachable" if value == float("inf") else f"{value:,.2f}"


def _summary_table(study: Study) -> Table:
    from transnet.summary import headline

    table = Table(title=f"{study.region.name} ({study.region.area_km2:,.0f} km²)")
    for column in ("metric", "before", "after", "change"):
        table.add_column(column, justify="right" if column != "metric" else "left")
    for row in headline(study):
        change = "—" if row.change is None else f"{row.change:+,.2f}"
        label = f"{row.label} ({row.unit})" if row.total is None else row.label
        table.add_row(label, _number(row.before), _number(row.after), change)
    return table


def _gate(results: list[TargetResult], *, strict: bool) -> int:
    """Return the exit status of a check: 1 when a target fails, and warn when none is checked."""
    failed = [r.id for r in results if r.status == "fail"]
    if failed:
        _err.print(f"[red]Failed targets:[/] {escape(', '.join(failed))}")
        return 1
    if any(r.status == "pass" for r in results):
        return 0
    nothing = (
        "the targets list is empty"
        if not results
        else f"none of the {len(results)} targets could be evaluated (all not_evaluated)"
    )
    if strict:
        _err.print(f"[red]error:[/] {nothing}; --strict fails a check that checks nothing")
        return 1
    _err.print(
        f"[yellow]warning:[/] {nothing}, so this check passes with nothing checked; "
        "add --strict to fail in that case"
    )
    return 0


@app.command(epilog=_EXIT_HELP)
def run(
    bundle: BundleOption = "taixin",
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Output folder.", show_default="outputs/<bundle>"),
    ] = None,
    targets: TargetsOption = None,
    network: NetworkOption = None,
    townships: TownshipsOption = None,
    pois: PoisOption = None,
    crs: CrsOption = None,
    tiles: TilesOption = "osm",
    tianditu_key: TiandituKeyOption = None,
    metric: MetricOption = "seat_to_interchange_min",
    self_contained: SelfContainedOption = True,
    maps: Annotated[
        bool,
        typer.Option(
            "--maps/--no-maps",
            help="Write the HTML and PNG maps; --no-maps writes the metrics and reports only.",
        ),
    ] = True,
    check: Annotated[
        bool,
        typer.Option(
            "--check", help="Exit as `transnet check` does: 1 when an evaluated target fails."
        ),
    ] = False,
    phasing: Annotated[
        bool,
        typer.Option(
            "--phasing/--no-phasing",
            help="Also evaluate the targets in each year to the horizon (phasing.csv, "
            "phasing.png and the report's Phasing section).",
        ),
    ] = True,
    years: Annotated[
        str | None,
        typer.Option(
            "--years",
            help="Base year and horizon of the phasing, e.g. 2022-2025.",
            show_default="the targets file's phasing: section, else 2022-2025",
        ),
    ] = None,
    strict: StrictOption = False,
    encoding: EncodingOption = None,
    quiet: QuietOption = False,
) -> None:
    """Apply the plan, compute metrics before and after, write reports and maps.

    Exits 0 when the outputs are written, even when a target fails (the report says which);
    with --check it exits 1 when an evaluated target fails, as `transnet check` does.
    """
    from transnet.io.files import atomic_directory
    from transnet.phasing import parse_years
    from transnet.report import write_reports
    from transnet.summary import caveats

    if years is not None and not phasing:
        raise InputError("--years sets the phasing's years; drop --no-phasing", field="--years")
    span = parse_years(years) if years is not None else None
    study, folder = _study_and_folder(
        bundle,
        out=out or Path("outputs") / Path(bundle).name,
        map_options={"tiles": tiles, "tianditu_key": tianditu_key, "metric": metric},
        inputs={
            "targets": targets,
            "network": network,
            "townships": townships,
            "pois": pois,
            "phasing": phasing,
            "years": span,
        },
        crs=crs,
        encoding=encoding,
        quiet=quiet,
    )
    with atomic_directory(folder) as staging:
        if maps:
            _write_maps(study, staging, tiles, tianditu_key, metric, self_contained, png=True)
        write_reports(study, staging)
    if not quiet:
        _out.print(_summary_table(study))
        _print_targets(study.results)
        if study.phasing is not None:
            _print_phasing(study)
        for note in caveats(study):
            _out.print(f"[yellow]Note:[/] {escape(note)}")
        _out.print(
            f"Wrote {escape(str(folder))}/: metrics.json, metrics_by_county.csv, report.md, "
            "report.html"
            + (", phasing.csv, phasing.png" if study.phasing is not None else "")
            + (", projects.csv" if (folder / "projects.csv").is_file() else "")
            + (", before/after/compare.html, before/after.png" if maps else "")
        )
    if check:
        raise typer.Exit(_gate(study.results, strict=strict))


@app.command("map", epilog=_EXIT_HELP)
def map_(
    bundle: BundleOption = "taixin",
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Output folder.", show_default="outputs/<bundle>-maps"),
    ] = None,
    targets: TargetsOption = None,
    network: NetworkOption = None,
    townships: TownshipsOption = None,
    pois: PoisOption = None,
    crs: CrsOption = None,
    tiles: TilesOption = "osm",
    tianditu_key: TiandituKeyOption = None,
    metric: MetricOption = "seat_to_interchange_min",
    self_contained: SelfContainedOption = True,
    png: Annotated[
        bool, typer.Option("--png", help="Also write before.png and after.png for slides.")
    ] = False,
    encoding: EncodingOption = None,
    quiet: QuietOption = False,
) -> None:
    """Write the before, after and side-by-side maps (and, with --png, static images)."""
    from transnet.io.files import atomic_directory

    study, folder = _study_and_folder(
        bundle,
        out=out or Path("outputs") / f"{Path(bundle).name}-maps",
        map_options={"tiles": tiles, "tianditu_key": tianditu_key, "metric": metric},
        inputs={"targets": targets, "network": network, "townships": townships, "pois": pois},
        crs=crs,
        encoding=encoding,
        quiet=quiet,
    )
    with atomic_directory(folder) as staging:
        written = _write_maps(study, staging, tiles, tianditu_key, metric, self_contained, png=png)
    if not quiet:
        _out.print(f"Wrote {escape(str(folder))}/: " + ", ".join(path.name for path in written))


def _study_and_folder(
    bundle: str,
    *,
    out: Path,
    map_options: dict,
    inputs: dict,
    crs: str | None,
    encoding: str | None,
    quiet: bool,
) -> tuple[Study, Path]:
    """Check the map options and the output folder first, then build the study."""
    from transnet.io.files import check_output_folder
    from transnet.viz.web import check_map_options

    check_map_options(**map_options)
    check_output_folder(out)
    return _study(bundle, quiet=quiet, crs=crs, encoding=encoding, **inputs), out


def _write_maps(
    study: Study,
    folder: Path,
    tiles: str,
    tianditu_key: str | None,
    metric: str,
    self_contained: bool,
    *,
    png: bool,
) -> list[Path]:
    from transnet.viz.static import write_static_maps
    from transnet.viz.web import write_study_maps

    written = write_study_maps(
        study,
        folder,
        tiles=tiles,
        tianditu_key=tianditu_key,
        metric=metric,
        self_contained=self_contained,
    )
    if png:
        written += write_static_maps(study, folder, metric=metric)
    return written


@app.command(epilog=_EXIT_HELP)
def check(
    bundle: BundleOption = "taixin",
    targets: TargetsOption = None,
    scenario: Annotated[
        str | None,
        typer.Option("--scenario", help="Evaluate every target on 'before' or 'after'."),
    ] = None,
    junit: Annotated[
        Path | None, typer.Option("--junit", help="Also write a JUnit XML report here.")
    ] = None,
    network: NetworkOption = None,
    townships: TownshipsOption = None,
    pois: PoisOption = None,
    crs: CrsOption = None,
    strict: StrictOption = False,
    encoding: EncodingOption = None,
    quiet: QuietOption = False,
) -> None:
    """Check the plan against its targets; exit 1 if any evaluated target fails.

    When no target is evaluated (an empty list, or all not_evaluated) it exits 0 with a
    warning, since the data, not the plan, is short; --strict makes that exit 1.
    """
    if junit is not None:
        from transnet.io.files import check_output_file

        check_output_file(junit, what="--junit")
    study = _study(
        bundle,
        targets=targets,
        scenario=scenario,
        quiet=quiet,
        network=network,
        townships=townships,
        pois=pois,
        crs=crs,
        encoding=encoding,
        allow_empty_plan=False,
    )
    if junit is not None:
        from transnet.report.junit import write_junit

        write_junit(study.results, junit, suite=f"transnet.{study.bundle.name}")
    if not quiet:
        _print_targets(study.results)
    raise typer.Exit(_gate(study.results, strict=strict))


@app.command(epilog=_EXIT_HELP)
def build(
    source: Annotated[
        str,
        typer.Option(
            "--source",
            help="'osm' to download, an .osm/.osm.bz2/.osm.pbf file, or your own road layer "
            "(.shp, .gpkg, .gdb, .geojson).",
        ),
    ],
    bundle: BundleOption = "taixin",
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="GeoPackage to write.",
            show_default="the bundle's network.gpkg (transnet init), else "
            "outputs/<bundle>-network.gpkg",
        ),
    ] = None,
    overwrite: Annotated[
        bool,
        typer.Option(
            "--overwrite", help="Replace --out even if transnet did not write it (a user's file)."
        ),
    ] = False,
    margin_km: Annotated[
        float,
        typer.Option("--margin-km", callback=_distance_km, help="Buffer around the region, in km."),
    ] = options.OSM_MARGIN_KM,
    unclassified: Annotated[
        bool, typer.Option("--unclassified", help="Also keep highway=unclassified roads.")
    ] = False,
    grades: Annotated[
        Path | None,
        typer.Option(
            "--grades",
            help="Your own highway → grade table (CSV as data/grades/osm_highway_grades.csv).",
        ),
    ] = None,
    refinements: Annotated[
        Path | None,
        typer.Option("--refinements", help="Your own grade refinement rules (CSV)."),
    ] = None,
    layer: Annotated[
        str | None,
        typer.Option("--layer", help="Road layer: the layer of a .gpkg or .gdb to read."),
    ] = None,
    fields: Annotated[
        str | None,
        typer.Option(
            "--fields",
            help="Road layer: which field is what, e.g. 技术等级=grade,路线编号=ref,车道数=lanes,"
            "路线名称=name (also 行政等级=admin_class), or a YAML file; default detected by name.",
        ),
    ] = None,
    crs: Annotated[
        str | None,
        typer.Option(
            "--crs",
            help="Road layer: its CRS where the file does not say (or says wrongly): "
            "EPSG:4490, a Gauss-Krüger zone EPSG:4491-4554, EPSG:4326, or gcj02.",
        ),
    ] = None,
    interchanges: Annotated[
        Path | None,
        typer.Option(
            "--interchanges",
            help="Road layer: interchange points; default where roads meet expressway lines.",
        ),
    ] = None,
    completeness: Annotated[
        str | None,
        typer.Option(
            "--completeness",
            help="Road layer: 'complete' or 'trunk_only'; default complete when the layer has "
            "grade-4 or lower roads.",
        ),
    ] = None,
    encoding: EncodingOption = None,
    quiet: QuietOption = False,
) -> None:
    """Build a road network from OpenStreetMap or your own road layer and save it."""
    from transnet.grades import GradeTable
    from transnet.io.bundle import bundle_root, load_bundle
    from transnet.io.network_store import check_network_output, save_network
    from transnet.io.osm import network_from_osm, network_from_osm_file
    from transnet.region import region_from_bundle

    text_io.settings.encoding = encoding
    loaded = load_bundle(bundle)
    path = out or _default_network_path(loaded)
    check_network_output(path, overwrite=overwrite)
    region = region_from_bundle(loaded)
    osm_only = {"--grades": grades, "--refinements": refinements, "--unclassified": unclassified}
    given = [name for name, value in osm_only.items() if value]
    if given and _is_road_layer(source):
        raise InputError(
            f"{', '.join(given)} apply to OpenStreetMap; a road layer's grades come from its "
            "fields (--fields)",
            field=given[0],
        )
    table = GradeTable.from_csv(grades, refinements) if grades else None
    if refinements and not grades:
        table = GradeTable.from_csv(
            bundle_root() / "grades" / "osm_highway_grades.csv", refinements
        )
    options = {
        "region": region,
        "margin_m": margin_km * 1000,
        "include_unclassified": unclassified,
        "grade_table": table,
    }
    progress_settings.quiet = quiet
    if not quiet:
        _err.print(f"Building the network from {escape(source)}…")
    layer_options = {"--layer": layer, "--fields": fields, "--crs": crs}
    layer_options |= {"--interchanges": interchanges, "--completeness": completeness}
    if _is_road_layer(source):
        network = _road_layer_network(
            Path(source), region=region, margin_m=options["margin_m"], quiet=quiet, **layer_options
        )
    else:
        given = [name for name, value in layer_options.items() if value is not None]
        if given:
            raise InputError(
                f"{', '.join(given)} apply to a road layer (.shp, .gpkg, .gdb, .geojson), not "
                "to OpenStreetMap",
                field=given[0],
            )
        if source == "osm":
            network = network_from_osm(**options)
        else:
            network = network_from_osm_file(Path(source), **options)
    path = save_network(network, path, overwrite=overwrite)
    if not quiet:
        lengths = network.edges.groupby("grade")["length_m"].sum() / 1000
        counts = network.interchange_counts()
        _out.print(
            f"Wrote {escape(str(path))}: {len(network.edges):,} edges, {len(network.nodes):,} "
            f"nodes, {counts['access']:,} access interchanges and {counts['hub']:,} hubs (by "
            f"{network.metadata['interchange_method']}); km by grade: "
            + ", ".join(f"{g} {km:,.1f}" for g, km in lengths.items())
        )


def _default_network_path(bundle) -> Path:
    """Return the bundle's own GeoPackage (``transnet init``), else one in outputs/."""
    own = bundle.path("network")
    if own.suffix.lower() == ".gpkg":
        return own
    return Path("outputs") / f"{bundle.name}-network.gpkg"


@app.command("init", epilog=_EXIT_HELP)
def init(
    folder: Annotated[Path, typer.Argument(help="The new bundle folder (must not hold files).")],
    counties: Annotated[
        str | None,
        typer.Option(
            "--counties",
            help="Counties by code or name, comma-separated: 6-digit codes, city (1409) or "
            "province (14) prefixes, or names (太原市,忻州市,定襄县).",
        ),
    ] = None,
    region: Annotated[
        Path | None,
        typer.Option(
            "--region", help="Instead: a polygon file of zones (GeoJSON, GPKG, shapefile)."
        ),
    ] = None,
    name_field: Annotated[
        str | None,
        typer.Option("--name-field", help="--region: the column of zone names (default name)."),
    ] = None,
    code_field: Annotated[
        str | None,
        typer.Option("--code-field", help="--region: a column of unique zone codes."),
    ] = None,
    seats: Annotated[
        Path | None,
        typer.Option(
            "--seats",
            help="--region: seat points (GeoJSON, GPKG, CSV); default each zone's "
            "representative point.",
        ),
    ] = None,
    title: Annotated[str | None, typer.Option("--title", help="The region's title.")] = None,
    encoding: EncodingOption = None,
    quiet: QuietOption = False,
) -> None:
    """Write a new bundle for counties of China (or your zones): seats, townships, templates.

    Then build its network with `transnet build --source FILE --bundle FOLDER` and run it with
    `transnet run --bundle FOLDER`.
    """
    from transnet.admin import init_bundle

    text_io.settings.encoding = encoding
    result = init_bundle(
        folder,
        counties=counties,
        region_file=region,
        name_field=name_field,
        code_field=code_field,
        seats=seats,
        title=title,
    )
    if not quiet:
        seats_by = result.counties["seat_source"].value_counts().to_dict()
        _out.print(
            f"Wrote {escape(str(folder))}/: {len(result.counties)} "
            + ("zones" if region is not None else "counties")
            + " (seats: "
            + ", ".join(f"{k} {v}" for k, v in seats_by.items())
            + f"), {len(result.townships)} township seats, {len(result.left_out)} towns left "
            "out (townships_left_out.csv), targets and plan templates.\nNext: transnet build "
            f"--source FILE --bundle {escape(str(folder))}, then transnet run --bundle "
            f"{escape(str(folder))}",
            highlight=False,
        )
def _is_road_layer(source: str) -> bool:
    from transnet.io.road_layers import ROAD_LAYER_SUFFIXES

    return Path(source).suffix.lower() in ROAD_LAYER_SUFFIXES


def _road_layer_network(path: Path, *, region, margin_m: float, quiet: bool, **given):
    """Build the network of a user's road layer; print how it was read on stderr."""
    from transnet.io.road_layer_network import network_from_road_layer

    network = network_from_road_layer(
        path,
        layer=given["--layer"],
        fields=given["--fields"],
        crs=given["--crs"],
        region=region,
        margin_m=margin_m,
        interchanges=given["--interchanges"],
        completeness=given["--completeness"],
    )
    meta = network.metadata
    for message in network.warnings:
        warnings.warn(message, TransnetWarning, stacklevel=2)
    if quiet:
        return network
    how = "detected" if meta["fields_detected"] else "given"
    grades = ", ".join(
        f"{value}→{grade} ({n:,})" for value, (grade, n) in meta["grade_values"].items()
    )
    _err.print(
        escape(
            f"Read {meta['source']} in {meta['crs_read']}: fields ({how}) {meta['fields']}; "
            f"grade values {grades}; completeness {meta['completeness']}"
        )
    )
    return network


def _card_list(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


@app.command(epilog=_EXIT_HELP)
def prioritise(
    bundle: BundleOption = "taixin",
    budget: Annotated[
        float | None,
        typer.Option(
            "--budget",
            help="Budget in 亿元 (100 million CNY): the subset meeting the most targets within "
            "it. Without it: the least-cost subset meeting every target.",
        ),
    ] = None,
    must: Annotated[
        str | None, typer.Option("--must", help="Cards every answer includes, e.g. E1,E2.")
    ] = None,
    exclude: Annotated[
        str | None, typer.Option("--exclude", help="Cards no answer includes, e.g. N7.")
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Output folder.", show_default="outputs/<bundle>-prioritise"),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(
            "--workers", help="Run the evaluations on a local Dask cluster of N processes."
        ),
    ] = None,
    scheduler: Annotated[
        str | None,
        typer.Option("--scheduler", help="Run them on an existing Dask cluster (tcp://host:8786)."),
    ] = None,
    targets: TargetsOption = None,
    network: NetworkOption = None,
    townships: TownshipsOption = None,
    pois: PoisOption = None,
    crs: CrsOption = None,
    encoding: EncodingOption = None,
    quiet: QuietOption = False,
) -> None:
    """Rank the projects by value per 亿元 and choose which to build first.

    Writes prioritise.json (the chosen cards, their cost, each target re-evaluated with the
    real pipeline, the frontier and the method), projects.csv (the value of each project),
    frontier.csv and frontier.png.
    """
    from transnet.io.files import atomic_directory, check_output_folder
    from transnet.scenarios.prioritise import check_budget

    if budget is not None:
        check_budget(budget)
    folder = out or Path("outputs") / f"{Path(bundle).name}-prioritise"
    check_output_folder(folder)
    if scheduler is None and workers is not None and workers < 1:
        raise InputError(f"--workers must be at least 1, got {workers}", field="workers")
    study = _study(
        bundle,
        targets=targets,
        quiet=quiet,
        network=network,
        townships=townships,
        pois=pois,
        crs=crs,
        encoding=encoding,
        allow_empty_plan=False,
    )
    from transnet.scenarios import ScenarioBase, ScenarioRunner, project_values
    from transnet.scenarios.output import write_prioritise
    from transnet.scenarios.prioritise import check_choices
    from transnet.scenarios.prioritise import prioritise as choose

    base = ScenarioBase.from_study(study)
    must_ids, exclude_ids = _card_list(must), _card_list(exclude)
    check_choices(base, must=must_ids, exclude=exclude_ids, budget_100m_cny=budget)
    with ScenarioRunner(base, workers=workers, scheduler=scheduler) as runner:
        if not quiet:
            _err.print(f"Evaluating the projects ({runner.where})…")
        values = project_values(base, runner=runner)
        answer = choose(
            base,
            values,
            budget_100m_cny=budget,
            must=must_ids,
            exclude=exclude_ids,
            runner=runner,
        )
    with atomic_directory(folder) as staging:
        write_prioritise(answer, values, staging)
    if not quiet:
        _print_prioritise(answer, values, folder)


def _print_prioritise(answer, values, folder: Path) -> None:
    table = Table(title="Projects by value per 亿元 (top 10; all in projects.csv)")
    for column in ("rank", "id", "亿元", "value", "value/亿元", "critical for"):
        table.add_column(column)
    for row in values.table.head(10).itertuples():
        table.add_row(
            str(row.rank),
            escape(row.id),
            _number(row.investment_100m_cny),
            f"{row.value:.3f}",
            "—" if not math.isfinite(row.value_per_100m_cny) else f"{row.value_per_100m_cny:.5f}",
            escape(row.critical_for),
        )
    _out.print(table)
    choice = answer.choice
    budget = "" if answer.budget_100m_cny is None else f" within {answer.budget_100m_cny:g} 亿元"
    _out.print(
        f"Selected{budget} ({answer.method}): {escape(' '.join(choice.selected) or 'no card')}"
        f", {choice.cost_100m_cny:,.1f} 亿元, {choice.met} of {len(values.targets)} targets met "
        "(re-evaluated with the real pipeline)"
    )
    for target_id, why in answer.unreachable.items():
        _out.print(f"[yellow]No subset meets {escape(target_id)}:[/] {escape(why)}")
    for note in answer.notes:
        _out.print(f"[yellow]Note:[/] {escape(note)}")
    _out.print(
        f"Wrote {escape(str(folder))}/: prioritise.json, projects.csv, frontier.csv, frontier.png"
    )


def main(argv: list[str] | None = None) -> None:
    """Run the command line, and exit with one of :data:`EXIT_CODES`.

    Bad input exits 2 with a message naming the file, the record and the field; any other
    exception is a bug in transnet and exits 3 with a short message (the traceback only with
    ``--debug``, accepted anywhere on the line, or ``TRANSNET_DEBUG=1``), so that a crash is
    never read as a failed target. transnet's own warnings print as ``warning: ...``; other
    libraries' warnings only with ``--debug``.

    Parameters
    ----------
    argv
        Arguments without the program name; default ``sys.argv[1:]``.

    Raises
    ------
    SystemExit
        Always, as a command line does, with the status of :data:`EXIT_CODES`.

    Examples
    --------
    The same as ``transnet check --bundle taixin --junit targets.xml`` in a shell:

    >>> main(["check", "--bundle", "taixin", "--junit", "targets.xml"])  # doctest: +SKIP

    """
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args or os.environ.get("TRANSNET_DEBUG", "") not in ("", "0")
    args = [arg for arg in args if arg != "--debug"]
    previous = signal.getsignal(signal.SIGTERM)
    if threading.current_thread() is threading.main_thread():
        # A CI runner's SIGTERM (a cancelled job) ends the run as Ctrl-C does: exit 130.
        signal.signal(signal.SIGTERM, _interrupt)
    try:
        code = _main(args, debug=debug)
    finally:
        text_io.settings.encoding = None
        progress_settings.quiet = False
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, previous)
    sys.exit(code)


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def _main(args: list[str], *, debug: bool) -> int:
    with warnings.catch_warnings():
        warnings.simplefilter("default")
        warnings.showwarning = _warning_printer(debug=debug)
        try:
            code = app(args=args, prog_name="transnet", standalone_mode=False)
        except typer.Exit as exc:
            code = exc.exit_code
        except (KeyboardInterrupt, typer.Abort):
            code = 130
        except TransnetError as exc:
            _err.print(f"[red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
            return 2
        except OSError as exc:
            if exc.filename is None:
                return _internal_error(exc, debug=debug)
            error = InputError(exc.strerror or type(exc).__name__, path=exc.filename)
            _err.print(f"[red]error:[/] {escape(str(error))}", highlight=False, soft_wrap=True)
            return 2
        except Exception as exc:
            if _is_usage_error(exc):
                exc.show()
                return exc.exit_code
            return _internal_error(exc, debug=debug)
    if code == 130:
        # typer turns Ctrl-C into exit status 130 without a word.
        _err.print("[red]interrupted[/]; outputs are left as they were")
    return code if isinstance(code, int) else 0


def _is_usage_error(exc: Exception) -> bool:
    """Tell click's usage errors (a bad option, exit 2), which show themselves, from bugs."""
    return callable(getattr(exc, "show", None)) and isinstance(getattr(exc, "exit_code", None), int)


def _internal_error(exc: BaseException, *, debug: bool) -> int:
    from transnet import __version__

    if debug:
        _err.print("".join(traceback.format_exception(exc)), markup=False, highlight=False)
    reason = str(exc).splitlines()[0] if str(exc) else ""
    _err.print(
        f"[red]internal error:[/] {escape(type(exc).__name__)}"
        + (f": {escape(reason)}" if reason else "")
        + f"\nThis is a bug in transnet {__version__}, not a verdict on your plan or a fault in "
        "your input. Please report it to transnet's maintainers with the command you ran"
        + ("" if debug else " and its output with --debug")
        + " (exit 3).",
        highlight=False,
        soft_wrap=True,
    )
    return 3


def _warning_printer(*, debug: bool):
    """Print transnet's warnings as one line each; other libraries' only under --debug."""

    def show(message, category, filename, lineno, file=None, line=None) -> None:
        if issubclass(category, TransnetWarning):
            _err.print(f"[yellow]warning:[/] {escape(str(message))}", highlight=False)
        elif debug:
            _err.print(
                f"{category.__name__}: {message} ({filename}:{lineno})",
                markup=False,
                highlight=False,
            )

    return show
