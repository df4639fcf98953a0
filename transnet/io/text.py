"""The one way transnet reads a text file: UTF-8 (with or without BOM), else detected GB18030.

Chinese users' files come from Excel and Chinese GIS software in GBK, whose superset GB18030
decodes every GBK and GB2312 file. Every CSV, YAML and JSON input goes through
:func:`read_text`, so an encoding problem is one clear :class:`~transnet._errors.InputError`
naming the file, never a ``UnicodeDecodeError``.
"""

from __future__ import annotations

import codecs
import io
from dataclasses import dataclass
from pathlib import Path

import charset_normalizer

from transnet._errors import InputError

__all__ = ["read_text", "settings", "text_stream"]

# charset-normalizer's names for encodings that GB18030 decodes identically.
_GB_FAMILY = {"gb2312", "gbk", "gb18030", "hz", "cp936"}


@dataclass
class _Settings:
    """Module-wide options, set by the CLI's ``--encoding`` or a notebook."""

    encoding: str | None = None


#: Set ``settings.encoding = "gbk"`` to read every input file in one encoding.
settings = _Settings()


def read_text(path: str | Path, *, encoding: str | None = None) -> str:
    r"""Return a text file's contents, decoded as UTF-8 or, failing that, as GB18030.

    Parameters
    ----------
    path
        The file.
    encoding
        The encoding (any Python codec name, e.g. ``"gbk"``) of a file that is not UTF-8,
        instead of detecting GB18030; default :data:`settings.encoding`. A file that is valid
        UTF-8 is read as UTF-8 whatever this says, so that ``--encoding`` for a user's file
        leaves a bundle's own UTF-8 files alone.

    Returns
    -------
    str
        The text, without a byte-order mark.

    Raises
    ------
    InputError
        If the file is missing, or is neither UTF-8 nor text that decodes as GB18030 to
        Chinese; the message gives the line of the first byte that is not UTF-8 and suggests
        ``--encoding``.

    Examples
    --------
    >>> gbk = Path("county.csv")
    >>> _ = gbk.write_bytes("name\n阳曲县\n".encode("gbk"))
    >>> read_text(gbk)
    'name\n阳曲县\n'
    >>> _ = gbk.write_bytes(b"name\n\xff\xfe\x00")
    >>> read_text(gbk)
    Traceback (most recent call last):
    ...
    transnet._errors.InputError: county.csv: not UTF-8 (first bad byte on line 2) ... --encoding gbk

    """
    path = Path(path)
    if not path.is_file():
        raise InputError("file not found", path=path)
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        first_bad = exc.start
    chosen = encoding or settings.encoding
    if chosen:
        return _decode_as(data, chosen, path=path)
    gb18030 = _as_gb18030(data)
    if gb18030 is not None:
        return gb18030
    line = data.count(b"\n", 0, first_bad) + 1
    raise InputError(
        f"not UTF-8 (first bad byte on line {line}) and not GB18030 Chinese text; "
        "give its encoding with --encoding, e.g. --encoding gbk",
        path=path,
    )


def text_stream(path: str | Path, *, encoding: str | None = None) -> io.StringIO:
    r"""Return :func:`read_text`'s result as a stream, for ``pandas.read_csv`` and friends.

    Examples
    --------
    >>> import pandas as pd
    >>> _ = Path("seats.csv").write_bytes("name,lon\n定襄县,112.96\n".encode("gb18030"))
    >>> pd.read_csv(text_stream("seats.csv"))["name"].tolist()
    ['定襄县']
    """
    return io.StringIO(read_text(path, encoding=encoding))


def _decode_as(data: bytes, encoding: str, *, path: Path) -> str:
    try:
        codec = codecs.lookup(encoding)
    except LookupError:
        raise InputError(
            f"unknown encoding {encoding!r}; use a Python codec name such as utf-8, gbk or "
            "gb18030",
            path=path,
            field="encoding",
        ) from None
    name = "utf-8-sig" if codec.name == "utf-8" else codec.name
    try:
        return data.decode(name)
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise InputError(
            f"not valid {encoding} (line {line}); check --encoding", path=path, field="encoding"
        ) from None


def _as_gb18030(data: bytes) -> str | None:
    """Decode as GB18030 if the bytes are Chinese text in it, else None.

    Many byte strings decode as GB18030 (Latin-1 ``Müller`` reads as ``M黮ler``), so decoding
    alone proves nothing: the text is accepted when charset-normalizer detects the GB family or
    when, as for the short files where detection is unsure, its non-ASCII characters are
    almost all in GB2312, the 7,445 characters of everyday Chinese text.
    """
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        return None
    detected = charset_normalizer.from_bytes(data).best()
    if detected is not None and detected.encoding.replace("_", "").lower() in _GB_FAMILY:
        return text
    wide = [c for c in text if ord(c) > 127]
    everyday = sum(1 for c in wide if _in_gb2312(c))
    return text if wide and everyday / len(wide) >= 0.8 else None


def _in_gb2312(char: str) -> bool:
    try:
        char.encode("gb2312")
    except UnicodeEncodeError:
        return False
    return True
