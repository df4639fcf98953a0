"""The maps' HTML, CSS and JavaScript, from the Jinja2 templates in ``transnet/viz/templates/``.

HTML templates (``*.html.j2``, ``*.css.j2``) are rendered with every value formatted and escaped
(:func:`transnet.viz.web.text.escape`) unless it is already markup. JavaScript templates
(``*.js.j2``) hold a ``script`` macro, the form folium's elements render.

Examples
--------
>>> str(render("notes.html.j2", notes=["Network is <SCHEMATIC>"]))[:32]
'<div class="transnet-notes" styl'
>>> "Network is &lt;SCHEMATIC&gt;" in render("notes.html.j2", notes=["Network is <SCHEMATIC>"])
True
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

import jinja2
from markupsafe import Markup

from transnet.viz.web.text import escape

if TYPE_CHECKING:
    from folium.template import Template

__all__ = ["render", "script_template"]


_BETWEEN_TAGS = re.compile(r">\s*\n\s*<")


def _finalize(value: Any) -> Any:
    return value if isinstance(value, Markup) else Markup(escape(value))


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("transnet.viz", "templates"),
        autoescape=True,
        finalize=_finalize,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )


def render(name: str, **values: Any) -> Markup:
    """Render an HTML or CSS template of ``transnet/viz/templates/`` with ``values``.

    Parameters
    ----------
    name
        The template's file name, e.g. ``"title.html.j2"``.
    **values
        The template's variables; text is escaped, :class:`markupsafe.Markup` is not.

    Returns
    -------
    markupsafe.Markup
        The rendered text, without surrounding white space and without the line breaks
        between tags that keep the template files readable.

    Examples
    --------
    >>> str(render("title.html.j2", title="A & B", data=""))[-23:]
    'center">A &amp; B</div>'

    """
    text = _environment().get_template(name).render(**values)
    return Markup(_BETWEEN_TAGS.sub("><", text).strip())


@cache
def _script_source(name: str) -> str:
    return (resources.files("transnet.viz") / "templates" / name).read_text(encoding="utf-8")


def script_template(name: str) -> Template:
    """Return a JavaScript template as a folium :class:`~folium.template.Template`.

    folium renders it with the element as ``this`` (and its ``tojavascript`` filter).

    Examples
    --------
    >>> type(script_template("scale.js.j2")).__name__
    'Template'

    """
    from folium.template import Template

    return Template(_script_source(name))
