"""Command line: ``transnet run``, ``check``, ``build`` and ``map``.

Exit codes: 0 success (for ``check``: no evaluated target fails), 1 a target fails, 2 bad input.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from transnet import options
from transnet._errors import TransnetError
from transnet._progress import settings as progress_settings

# The pipeline (geopandas, scipy, pydantic models) is imported inside the commands, after the
# first message, so ``--help`` and the start of every command take a fraction of a second.
if TYPE_CHECKING:
    from transnet.study import Study
    from transnet.targets import TargetResult

__all__ = ["app", "main"]

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Regional road-network planning: density, expressway coverage and plan checks.",
)
_out = Console()
_err = Console(stderr=True)

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
        "--townships", help="Township seats: GeoJSON, GPKG, CSV with lon/lat, or an OSM file."
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
) -> Study:
    progress_settings.quiet = quiet
    if not quiet:
        _err.print(f"Building both scenarios of bundle '{bundle}'…")
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


@app.command()
def run(
    bundle: BundleOption = "taixin",
    out: Annotated[
        Path | None, typer.Option("--out", help="Output folder [default: outputs/<bundle>].")
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
    quiet: QuietOption = False,
) -> None:
    """Apply the plan, compute metrics before and after, write reports and maps."""
    from transnet.io.files import atomic_directory
    from transnet.report import write_reports
    from transnet.summary import caveats

    study, folder = _study_and_folder(
        bundle,
        out=out or Path("outputs") / Path(bundle).name,
        map_options={"tiles": tiles, "tianditu_key": tianditu_key, "metric": metric},
        inputs={"targets": targets, "network": network, "townships": townships, "pois": pois},
        crs=crs,
        quiet=quiet,
    )
    with atomic_directory(folder) as staging:
        _write_maps(study, staging, tiles, tianditu_key, metric, self_contained, png=True)
        write_reports(study, staging)
    if not quiet:
        _out.print(_summary_table(study))
        _print_targets(study.results)
        for note in caveats(study):
            _out.print(f"[yellow]Note:[/] {note}")
        _out.print(
            f"Wrote {folder}/: metrics.json, metrics_by_county.csv, report.md, report.html, "
            "before/after/compare.html, before/after.png"
        )


@app.command("map")
def map_(
    bundle: BundleOption = "taixin",
    out: Annotated[
        Path | None, typer.Option("--out", help="Output folder [default: outputs/<bundle>-maps].")
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
        quiet=quiet,
    )
    with atomic_directory(folder) as staging:
        written = _write_maps(study, staging, tiles, tianditu_key, metric, self_contained, png=png)
    if not quiet:
        _out.print(f"Wrote {folder}/: " + ", ".join(path.name for path in written))


def _study_and_folder(
    bundle: str,
    *,
    out: Path,
    map_options: dict,
    inputs: dict,
    crs: str | None,
    quiet: bool,
) -> tuple[Study, Path]:
    """Check the map options and the output folder first, then build the study."""
    from transnet.io.files import check_output_folder
    from transnet.viz.web import check_map_options

    check_map_options(**map_options)
    check_output_folder(out)
    return _study(bundle, quiet=quiet, crs=crs, **inputs), out


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


@app.command()
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
    quiet: QuietOption = False,
) -> None:
    """Check the plan against its targets; exit 1 if any evaluated target fails."""
    study = _study(
        bundle,
        targets=targets,
        scenario=scenario,
        quiet=quiet,
        network=network,
        townships=townships,
        pois=pois,
        crs=crs,
    )
    if junit is not None:
        from transnet.report.junit import write_junit

        write_junit(study.results, junit, suite=f"transnet.{study.bundle.name}")
    if not quiet:
        _print_targets(study.results)
    failed = [r.id for r in study.results if r.status == "fail"]
    if failed:
        _err.print(f"[red]Failed targets:[/] {', '.join(failed)}")
        raise typer.Exit(1)


@app.command()
def build(
    source: Annotated[
        str, typer.Option("--source", help="'osm' to download, or an .osm/.osm.bz2/.osm.pbf file.")
    ],
    bundle: BundleOption = "taixin",
    out: Annotated[
        Path | None,
        typer.Option("--out", help="GeoPackage to write [default: outputs/<bundle>-network.gpkg]."),
    ] = None,
    margin_km: Annotated[
        float, typer.Option("--margin-km", help="Buffer around the region, in km.")
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
    quiet: QuietOption = False,
) -> None:
    """Build a road network from OpenStreetMap for the bundle's region and save it."""
    from transnet.grades import GradeTable
    from transnet.io.bundle import bundle_root, load_bundle
    from transnet.io.network_store import save_network
    from transnet.io.osm import network_from_osm, network_from_osm_file
    from transnet.region import region_from_bundle

    loaded = load_bundle(bundle)
    region = region_from_bundle(loaded)
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
        _err.print(f"Building the network from {source}…")
    if source == "osm":
        network = network_from_osm(**options)
    else:
        network = network_from_osm_file(Path(source), **options)
    path = save_network(network, out or Path("outputs") / f"{loaded.name}-network.gpkg")
    if not quiet:
        lengths = network.edges.groupby("grade")["length_m"].sum() / 1000
        _out.print(
            f"Wrote {path}: {len(network.edges):,} edges, {len(network.nodes):,} nodes, "
            f"interchanges by {network.metadata['interchange_method']}; km by grade: "
            + ", ".join(f"{g} {km:,.1f}" for g, km in lengths.items())
        )


def main(argv: list[str] | None = None) -> None:
    """Run the command line; bad input exits 2 with a message naming the file and field.

    Parameters
    ----------
    argv
        Arguments without the program name; default ``sys.argv[1:]``.

    Raises
    ------
    SystemExit
        Always, as a command line does: 0 on success, 1 when ``check`` finds a failed target, 2
        on bad input.

    Examples
    --------
    The same as ``transnet check --bundle taixin --junit targets.xml`` in a shell:

    >>> main(["check", "--bundle", "taixin", "--junit", "targets.xml"])  # doctest: +SKIP

    """
    try:
        app(args=argv, prog_name="transnet", standalone_mode=True)
    except TransnetError as exc:
        _err.print(f"[red]error:[/] {exc}", highlight=False, soft_wrap=True)
        sys.exit(2)
