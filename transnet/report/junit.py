"""Target results as a JUnit XML report, for CI systems that show test results."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from xml.etree import ElementTree

from transnet.targets import TargetResult

__all__ = ["write_junit"]


def write_junit(results: list[TargetResult], path: str | Path, *, suite: str = "transnet") -> None:
    """Write target results as a JUnit XML report: one test case per target.

    Failed targets are ``<failure>``, ``not_evaluated`` ones ``<skipped>`` with the reason.
    The file's folder is created if need be, and the file is replaced only once the whole
    report is written (a CI system never reads half of it).

    Parameters
    ----------
    results
        Target outcomes, e.g. ``study.results``.
    path
        The XML file to write (check it first with
        :func:`transnet.io.files.check_output_file`).
    suite
        Name of the test suite; test cases are named by target id, in class
        ``<suite>.<scenario>``.

    Examples
    --------
    >>> write_junit(study.results, "targets.xml")  # doctest: +SKIP

    In a temporary folder:

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     write_junit(study.results, Path(folder) / "ci" / "targets.xml")
    ...     root = ElementTree.parse(Path(folder) / "ci" / "targets.xml").getroot()
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
        value = "none" if result.value is None else f"{float(result.value):g}"
        text = f"{result.metric} = {value} (needs {needed})"
        if result.status == "fail":
            note = f" ({result.reason})" if result.reason else ""
            ElementTree.SubElement(case, "failure", message=text + note).text = result.source_zh
        elif result.status == "not_evaluated":
            ElementTree.SubElement(case, "skipped", message=result.reason)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, partial = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            ElementTree.ElementTree(root).write(stream, encoding="utf-8", xml_declaration=True)
        os.chmod(partial, path.stat().st_mode & 0o777 if path.exists() else 0o644)
        os.replace(partial, path)
    except BaseException:
        Path(partial).unlink(missing_ok=True)
        raise
