"""Target results as a JUnit XML report, for CI systems that show test results."""

from __future__ import annotations

from pathlib import Path
from xml.etree import ElementTree

from transnet.targets import TargetResult

__all__ = ["write_junit"]


def write_junit(results: list[TargetResult], path: str | Path, *, suite: str = "transnet") -> None:
    """Write target results as a JUnit XML report: one test case per target.

    Failed targets are ``<failure>``, ``not_evaluated`` ones ``<skipped>`` with the reason.

    Parameters
    ----------
    results
        Target outcomes, e.g. ``study.results``.
    path
        The XML file to write.
    suite
        Name of the test suite; test cases are named by target id, in class
        ``<suite>.<scenario>``.

    Examples
    --------
    >>> write_junit(study.results, "targets.xml")  # doctest: +SKIP

    In a temporary folder:

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     write_junit(study.results, Path(folder) / "targets.xml")
    ...     root = ElementTree.parse(Path(folder) / "targets.xml").getroot()
    >>> root.attrib
    {'name': 'transnet', 'tests': '9', 'failures': '0', 'skipped': '5', 'errors': '0'}

    """
    failures = sum(r.status == "fail" for r in results)
    skipped = sum(r.status == "not_evaluated" for r in results)
    root = ElementTree.Element(
        "testsuite",
        name=suite,
        tests=str(len(results)),
        failures=str(failures),
        skipped=str(skipped),
        errors="0",
    )
    for result in results:
        case = ElementTree.SubElement(
            root, "testcase", classname=f"{suite}.{result.scenario}", name=result.id
        )
        needed = f"{result.op} {result.threshold:g} {result.unit}".strip()
        text = f"{result.metric} = {result.value} (needs {needed})"
        if result.status == "fail":
            note = f" ({result.reason})" if result.reason else ""
            ElementTree.SubElement(case, "failure", message=text + note).text = result.source_zh
        elif result.status == "not_evaluated":
            ElementTree.SubElement(case, "skipped", message=result.reason)
    ElementTree.ElementTree(root).write(Path(path), encoding="utf-8", xml_declaration=True)
