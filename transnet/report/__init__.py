"""Reports: metrics.json, county tables, Markdown and HTML, JUnit."""

from transnet.report.document import (
    caveats,
    county_table,
    metrics_document,
    place_table,
    report_html,
    report_markdown,
    write_reports,
)

__all__ = [
    "caveats",
    "county_table",
    "metrics_document",
    "place_table",
    "report_html",
    "report_markdown",
    "write_reports",
]
