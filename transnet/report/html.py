"""The report as one self-contained HTML page (styles and map images inlined)."""

from __future__ import annotations

import base64
import html
from pathlib import Path

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
