"""Write every report file of a study into a folder."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from transnet.report.document import write_metrics_json
from transnet.report.html import report_html
from transnet.report.markdown import report_markdown
from transnet.summary import county_table, place_table

if TYPE_CHECKING:
    from transnet.study import Study

__all__ = ["write_reports"]


def write_reports(study: Study, folder: Path) -> None:
    """Write ``metrics.json``, ``metrics_by_county.csv``, ``report.md`` and ``report.html``.

    Static map images already in ``folder`` (``before.png``, ``after.png``) are shown in the
    report; ``report.html`` carries them inline, so it is one file to send.

    ``seat_to_interchange.csv`` holds each seat's minutes before and after and the projects
    behind the change; with townships or POIs, ``townships.csv`` and ``pois.csv`` hold the
    per-place records; with phasing, ``phasing.csv`` holds each target in each year and
    ``phasing.png`` plots them; ``projects.csv`` is the project value table, where the study
    ranks its projects (:meth:`~transnet.study.Study.projects_for_outputs`; as
    ``transnet prioritise`` writes it).

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
    ['metrics.json', 'metrics_by_county.csv', 'phasing.csv', 'phasing.png', 'pois.csv',
     'projects.csv', 'report.html', 'report.md', 'seat_to_interchange.csv', 'townships.csv']

    """
    write_metrics_json(study, folder / "metrics.json")
    county_table(study).to_csv(folder / "metrics_by_county.csv", index=False)
    for kind in ("townships", "pois"):
        table = place_table(study, kind)
        if table is not None:
            table.to_csv(folder / f"{kind}.csv", index=False)
    study.attribution.by_county.to_csv(folder / "seat_to_interchange.csv", index=False)
    if study.phasing is not None:
        study.phasing.write(folder)
    projects = study.projects_for_outputs()
    if projects is not None:
        projects.to_csv(folder / "projects.csv", index=False, encoding="utf-8")
    names = ("before.png", "after.png", "phasing.png")
    images = [name for name in names if (folder / name).is_file()]
    text = report_markdown(study, images=images)
    (folder / "report.md").write_text(text, encoding="utf-8")
    (folder / "report.html").write_text(report_html(text, folder=folder), encoding="utf-8")
