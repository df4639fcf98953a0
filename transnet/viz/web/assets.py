"""Offline pages: Leaflet's JavaScript and CSS inlined from the ``xstatic-leaflet`` package.

The maps load no script library but Leaflet (:func:`leaflet_only` drops folium's jQuery,
Bootstrap and Font Awesome), so a page is self-contained once :func:`inline_assets` has replaced
Leaflet's CDN links by the files of the installed ``xstatic-leaflet`` (never copied into this
repository), with the images its CSS uses as ``data:`` URIs.

Examples
--------
>>> page = '<script src="https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js"></script>'
>>> remote_assets(page)
['https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js']
>>> remote_assets(inline_assets(page))
[]
"""

from __future__ import annotations

import base64
import functools
import re
from pathlib import Path
from typing import TYPE_CHECKING

from transnet._errors import TransnetError

if TYPE_CHECKING:
    import folium

__all__ = ["inline_assets", "leaflet_folder", "leaflet_only", "remote_assets"]

#: Leaflet's major and minor version the maps are written for.
LEAFLET_VERSION = ("1", "9")


def leaflet_only(m: folium.Map) -> folium.Map:
    """Make the map load Leaflet alone (folium's default adds jQuery, Bootstrap, Font Awesome).

    Examples
    --------
    >>> import folium
    >>> [name for name, _ in leaflet_only(folium.Map(tiles=None)).default_js]
    ['leaflet']

    """
    import folium

    m.default_js = [("leaflet", dict(folium.Map.default_js)["leaflet"])]
    m.default_css = [("leaflet_css", dict(folium.Map.default_css)["leaflet_css"])]
    return m


@functools.cache
def leaflet_folder() -> Path:
    """Return the folder of ``leaflet.js`` and ``leaflet.css`` in the ``xstatic-leaflet`` package.

    Raises
    ------
    TransnetError
        If ``xstatic-leaflet`` is not installed or lacks the files.

    Examples
    --------
    >>> (leaflet_folder() / "leaflet.js").is_file()
    True

    """
    try:
        import xstatic.pkg.leaflet as xstatic_leaflet
    except ImportError:
        xstatic_leaflet = None
    folder = Path(xstatic_leaflet.BASE_DIR) if xstatic_leaflet else None
    files = ("leaflet.js", "leaflet.css")
    if folder is None or not all((folder / name).is_file() for name in files):
        raise TransnetError(
            "self-contained maps take Leaflet from the xstatic-leaflet package, which is not "
            "installed (pip install xstatic-leaflet); or save with self_contained=False"
        )
    return folder


@functools.cache
def _leaflet_assets() -> tuple[str, str]:
    """Return Leaflet's JavaScript and its CSS with the images it uses as ``data:`` URIs."""
    folder = leaflet_folder()
    script = (folder / "leaflet.js").read_text(encoding="utf-8")
    banner = re.search(r"Leaflet (\d+)\.(\d+)\.\d+", script[:500])
    if not banner or (banner.group(1), banner.group(2)) != LEAFLET_VERSION:
        found = banner.group(0) if banner else "no version banner"
        expected = ".".join(LEAFLET_VERSION)
        raise TransnetError(
            f"{folder / 'leaflet.js'}: expected Leaflet {expected}.x, found {found}"
        )
    script = re.sub(r"//# sourceMappingURL=\S+\s*$", "", script).replace("</script", "<\\/script")

    def data_uri(match: re.Match[str]) -> str:
        image = folder / match.group(1)
        if not image.is_file():
            return match.group(0)
        encoded = base64.b64encode(image.read_bytes()).decode("ascii")
        return f"url(data:image/png;base64,{encoded})"

    css = (folder / "leaflet.css").read_text(encoding="utf-8")
    css = re.sub(r"url\((images/[\w@.-]+\.png)\)", data_uri, css).replace("</style", "<\\/style")
    return script, css


_SCRIPT_SRC = re.compile(r"<script\b[^>]*\bsrc\s*=\s*[\"']?([^\"'\s>]+)[^>]*>\s*</script>", re.I)
_LINK_HREF = re.compile(r"<link\b[^>]*\bhref\s*=\s*[\"']?([^\"'\s>]+)[^>]*/?>", re.I)
_REMOTE = re.compile(r"^(https?:)?//", re.I)


def inline_assets(page: str) -> str:
    """Replace the page's Leaflet script and style-sheet links by their content.

    Examples
    --------
    >>> "Leaflet 1.9" in inline_assets('<script src="/x/leaflet.js"></script>')
    True

    """
    script, css = _leaflet_assets()

    def inline_script(match: re.Match[str]) -> str:
        if match.group(1).rsplit("/", 1)[-1] == "leaflet.js":
            return f"<script>\n{script}\n</script>"
        return match.group(0)

    def inline_css(match: re.Match[str]) -> str:
        if match.group(1).rsplit("/", 1)[-1] == "leaflet.css":
            return f"<style>\n{css}\n</style>"
        return match.group(0)

    # A function as replacement: the assets' backslashes must not be read as escapes.
    return _LINK_HREF.sub(inline_css, _SCRIPT_SRC.sub(inline_script, page))


def remote_assets(page: str) -> list[str]:
    """URLs of the scripts, then the style sheets, that the page loads from the network.

    Examples
    --------
    >>> remote_assets('<link rel="stylesheet" href="//example.com/a.css"/>')
    ['//example.com/a.css']

    """
    found = [
        *(url for url in _SCRIPT_SRC.findall(page) if _REMOTE.match(url)),
        *(url for url in _LINK_HREF.findall(page) if _REMOTE.match(url)),
    ]
    return list(dict.fromkeys(found))
