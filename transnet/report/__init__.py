"""Reports of a study: ``metrics.json``, county and place tables, Markdown, HTML and JUnit."""

from transnet.report.document import SCHEMA_VERSION, metrics_document
from transnet.report.html import report_html
from transnet.report.junit import write_junit
from transnet.report.markdown import report_markdown
from transnet.report.write import write_reports

__all__ = [
    "SCHEMA_VERSION",
    "metrics_document",
    "report_html",
    "report_markdown",
    "write_junit",
    "write_reports",
]
