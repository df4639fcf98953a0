"""The report as one self-contained HTML page (styles and map images inlined)."""

from __future__ import annotations

import base64
import html
import re
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import markdown

__all__ = ["report_html"]

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

    The report holds text from users' files (card, road, county and target names), so raw
    HTML in the Markdown is not passed through but shown as text, and a link or image whose
    address is not a relative path, ``http(s):`` or ``mailto:`` loses it: a name can never
    run a script in the page.

    Parameters
    ----------
    markdown_text
        The report, from :func:`transnet.report.markdown.report_markdown`.
    folder
        Where ``before.png``, ``after.png`` and ``phasing.png`` are, if they are.

    Returns
    -------
    str
        The page.

    Examples
    --------
    >>> report_html("# Title", folder=Path("."))[:15]
    '<!DOCTYPE html>'
    >>> text = "Card <script>alert(1)</script> [x](javascript:alert(1))"
    >>> page = report_html(text, folder=Path("."))
    >>> "<script>" in page, "&lt;script&gt;alert(1)" in page, 'href="javascript:' in page
    (False, True, False)
    """
    body = _markdown_without_html().convert(markdown_text)
    for image in ("before.png", "after.png", "phasing.png"):
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


# Addresses a link or image may keep: relative paths and the web's own schemes.
_SAFE_URL = re.compile(r"^(?![a-z][a-z0-9+.-]*:)|^(https?|mailto):", re.IGNORECASE)


def _markdown_without_html() -> markdown.Markdown:
    """Return a Markdown converter that escapes raw HTML and drops unsafe link addresses."""
    import markdown
    from markdown.treeprocessors import Treeprocessor

    class _SafeLinks(Treeprocessor):
        def run(self, root):
            for element in root.iter():
                for attribute in ("href", "src"):
                    url = element.get(attribute)
                    if url is not None and not _SAFE_URL.match(url.strip()):
                        element.set(attribute, "")

    converter = markdown.Markdown(extensions=["tables"])
    converter.preprocessors.deregister("html_block")
    converter.inlinePatterns.deregister("html")
    converter.treeprocessors.register(_SafeLinks(converter), "transnet_safe_links", 0)
    return converter
