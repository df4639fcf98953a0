"""File input and output: reading vector files with CRS checks, writing outputs atomically.

Outputs are never half-written and never cost the user a file: :func:`atomic_directory` writes
into a staging folder that replaces the output folder only when every file is written, carries
over the files the user added to an earlier output folder, cleans up after Ctrl-C and SIGTERM,
and removes what earlier killed runs left behind. :func:`check_output_folder` and
:func:`check_output_file` check an output path before any work.
"""

from __future__ import annotations

import glob
import io
import json
import os
import re
import shutil
import signal
import socket
import tempfile
import threading
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import geopandas as gpd
import pyogrio
from shapely.geometry.base import BaseGeometry

from transnet._errors import InputError, TransnetWarning
from transnet.crs import check_crs
from transnet.io import text

__all__ = [
    "OUTPUT_MARKER",
    "atomic_directory",
    "check_geometry",
    "check_output_file",
    "check_output_folder",
    "read_features",
    "read_vector",
]

# Vector formats that are text: read through io.text (UTF-8 or GB18030) and given to GDAL as
# UTF-8, whatever the file's own encoding.
_TEXT_FORMATS = {".geojson", ".json", ".geojsonl", ".geojsons"}


def read_features(path: str | Path) -> gpd.GeoDataFrame:
    """Read a vector file (GeoJSON, GPKG, shapefile ...) with pyogrio and return it in WGS-84.

    GeoJSON is read as text by :func:`transnet.io.text.read_text`, so a file saved in GBK by
    Chinese GIS software reads like a UTF-8 one. A shapefile's attributes are decoded as its
    ``--encoding`` (:data:`transnet.io.text.settings.encoding`) when set (an explicit encoding
    wins, as for text files), else as its ``.cpg`` file says, else as GDAL guesses from the
    ``.dbf``; attributes that do not decode are an error suggesting ``--encoding``.

    Parameters
    ----------
    path
        The file.

    Returns
    -------
    geopandas.GeoDataFrame
        Its features, in :data:`~transnet.crs.GEOGRAPHIC_CRS` (see
        :func:`~transnet.crs.check_crs`).

    Raises
    ------
    InputError
        If the file is missing or unreadable, is text in an unknown encoding, has no CRS, or
        has coordinates that do not fit its CRS.

    Examples
    --------
    >>> lines = read_features(bundle.path("network"))
    >>> lines.crs.to_string(), lines.geom_type.unique().tolist()
    ('EPSG:4326', ['LineString'])
    >>> read_features("no-such-file.geojson")
    Traceback (most recent call last):
    ...
    transnet._errors.InputError: no-such-file.geojson: file not found

    """
    return check_crs(read_vector(path), path=path)


def read_vector(path: str | Path, *, layer: str | None = None) -> gpd.GeoDataFrame:
    """Read a vector file as it is, in its own CRS, decoding its text as :func:`read_features`.

    For readers that take the CRS from the user where the file has none (township and POI
    files, ``--crs``, road layers); everything else wants :func:`read_features`. ``layer``
    names the layer of a GeoPackage or File Geodatabase (a ``.gdb`` folder); default the first.

    Raises
    ------
    InputError
        If the file is missing or unreadable, or is text in an unknown encoding.

    Examples
    --------
    >>> read_vector(bundle.path("pois")).crs.to_string()
    'EPSG:4326'
    """
    path = Path(path)
    if not (path.is_file() or (path.suffix.lower() == ".gdb" and path.is_dir())):
        raise InputError("file not found", path=path)
    source: Path | io.BytesIO = path
    options: dict[str, str] = {} if layer is None else {"layer": layer}
    if path.suffix.lower() in _TEXT_FORMATS:
        source = io.BytesIO(text.read_text(path).encode("utf-8"))
    elif path.suffix.lower() == ".shp" and text.settings.encoding:
        options["encoding"] = text.settings.encoding
    try:
        with warnings.catch_warnings():
            # shapely's warning on a NaN coordinate: the CRS check then names the feature.
            warnings.filterwarnings("ignore", "invalid value encountered", RuntimeWarning)
            frame = gpd.read_file(source, **options)
    except UnicodeDecodeError as exc:
        said = options.get("encoding") or "the encoding its .cpg file names"
        raise InputError(
            f"attributes do not decode as {said} ({exc.reason} at byte "
            f"{exc.start}): pass --encoding gbk (or gb18030, utf-8)",
            path=path,
            field="encoding",
        ) from None
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
        # GDAL names a file read from memory after its buffer: name the user's file instead.
        reason = re.sub(r"(/vsimem/)?pyogrio_[0-9a-f]+(\.\w+)?", path.name, str(exc))
        raise InputError(f"cannot read the file: {reason}", path=path) from None
    return frame


def check_geometry(
    shape: BaseGeometry | None, *, expected: str | tuple[str, ...], path: str | Path, record: str
) -> None:
    """Refuse a missing, empty or other-typed geometry of one input record.

    Parameters
    ----------
    shape
        The record's geometry, as read.
    expected
        The geometry type it must have: ``"Point"``, ``"LineString"``, or a tuple of them
        (``("Polygon", "MultiPolygon")``).
    path, record
        The file and the record (card id, ``feature #3``), for the error.

    Raises
    ------
    InputError
        Naming the file, the record and field ``geometry``.

    Examples
    --------
    >>> from shapely.geometry import Point
    >>> check_geometry(Point(112.5, 38.0), expected="LineString", path="plan.geojson",
    ...                record="E1")
    Traceback (most recent call last):
    ...
    transnet._errors.InputError: plan.geojson, ...: geometry is Point; expected LineString
    """
    if shape is None or shape.is_empty:
        raise InputError("no geometry", path=path, record=record, field="geometry")
    allowed = (expected,) if isinstance(expected, str) else expected
    if shape.geom_type not in allowed:
        raise InputError(
            f"geometry is {shape.geom_type}; expected {' or '.join(allowed)}",
            path=path,
            record=record,
            field="geometry",
        )


#: File that marks a folder as transnet's output and lists the files transnet wrote there
#: (JSON), so that a later run may replace them and keeps every other file.
OUTPUT_MARKER = ".transnet-output"

# Marks a staging folder: which process on which host writes it, so that a later run removes
# it only once that process is gone.
_STAGING_MARKER = ".transnet-staging"
_MARKERS = {OUTPUT_MARKER, _STAGING_MARKER}
# Staging folders of transnet before 0.1.1 carry no marker: removed only if they hold nothing
# but these outputs and have not changed for an hour.
_LEGACY_OUTPUTS = {
    "metrics.json",
    "metrics_by_county.csv",
    "seat_to_interchange.csv",
    "townships.csv",
    "pois.csv",
    "report.md",
    "report.html",
    "before.html",
    "after.html",
    "compare.html",
    "before.png",
    "after.png",
    OUTPUT_MARKER,
}
_LEGACY_STAGING_AGE_S = 3600.0


def check_output_file(path: str | Path, *, what: str) -> None:
    """Check, before any work, that a single output file (``--junit FILE``) can be written.

    The path must not be a folder, and its folder must exist and be writable or be creatable
    (its nearest existing ancestor is a writable folder). Writability is tried, not guessed
    from permission bits: a temporary file is created there and removed.

    Parameters
    ----------
    path
        The file to be written.
    what
        The option that named it, e.g. ``"--junit"``, for the message.

    Raises
    ------
    InputError
        Naming the path and the option, if the file could not be written.

    Examples
    --------
    >>> check_output_file("reports/targets.xml", what="--junit")
    >>> check_output_file(".", what="--junit")
    Traceback (most recent call last):
    ...
    transnet._errors.InputError: .: is a folder; give --junit a file name, e.g. targets.xml

    """
    path = Path(path)
    if path.is_dir():
        raise InputError(f"is a folder; give {what} a file name, e.g. targets.xml", path=path)
    if path.exists() and not os.access(path, os.W_OK):
        raise InputError(f"exists and is read-only; choose another {what}", path=path)
    _check_writable_folder(path.absolute().parent, path=path, what=what)


def _check_writable_folder(folder: Path, *, path: Path, what: str) -> None:
    """Refuse ``path`` unless ``folder`` (or its nearest existing ancestor) takes a new file."""
    existing = folder
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise InputError(f"{existing} is a file, not a folder; choose another {what}", path=path)
    try:
        handle, probe = tempfile.mkstemp(prefix=".transnet-probe-", dir=existing)
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise InputError(
            f"cannot write in {existing} ({reason.lower()}); choose another {what}", path=path
        ) from None
    os.close(handle)
    os.unlink(probe)


def check_output_folder(target: str | Path, *, what: str = "--out") -> None:
    """Refuse, before any work, an output folder that transnet may not write or replace.

    A folder that does not exist yet, an empty one or one that transnet wrote (it holds
    :data:`OUTPUT_MARKER`) may be replaced, and the files the user added there are kept (see
    :func:`atomic_directory`); the current folder, the home folder, a file, a non-empty folder
    of other files, and a folder whose parent cannot be written (a read-only disk, ``/proc``)
    may not.

    Parameters
    ----------
    target
        The output folder, e.g. the ``--out`` of ``transnet run``.
    what
        The option that named it, for the message.

    Raises
    ------
    InputError
        If ``target`` may not be written or replaced.

    Examples
    --------
    >>> check_output_folder(Path.cwd() / "a-folder-that-does-not-exist")
    >>> check_output_folder(Path.cwd())
    Traceback (most recent call last):
    ...
    transnet._errors.InputError: ...: is the current or home folder; choose a subfolder for --out

    """
    target = Path(target).absolute()
    if target.exists():
        if not target.is_dir():
            raise InputError(f"exists and is not a folder; choose another {what}", path=target)
        if target.resolve() in (Path.cwd().resolve(), Path.home().resolve()):
            raise InputError(
                f"is the current or home folder; choose a subfolder for {what}", path=target
            )
        if any(target.iterdir()) and not (target / OUTPUT_MARKER).is_file():
            raise InputError(
                "exists, is not empty and was not written by transnet: refusing to replace it; "
                f"choose another {what} or empty it",
                path=target,
            )
    _check_writable_folder(target.parent, path=target, what=what)


@contextmanager
def atomic_directory(target: str | Path) -> Iterator[Path]:
    """Yield a staging folder that replaces ``target`` only if the block succeeds.

    - A run that fails half-way, is interrupted (Ctrl-C) or is terminated (SIGTERM, while
      this runs in the main thread) leaves ``target`` as it was and removes its staging folder:
      no half-written report. A signal that arrives while the finished folder is being put in
      place is acted on once it is in place.
    - Only an empty folder or one that transnet wrote (it holds :data:`OUTPUT_MARKER`) is
      replaced; any other existing file or folder is refused, so a mistyped ``--out`` never
      deletes work.
    - Nothing the user added is lost: the marker lists the files transnet wrote, and every
      other file of the old folder is carried over into the new one (hard-linked, else
      copied). One whose name the new run also writes is kept as ``<name> (yours)<suffix>``.
      A :class:`~transnet._errors.TransnetWarning` lists the files carried over. (An old
      folder whose marker lists no files, from an earlier transnet, counts the files the new
      run writes as transnet's and keeps the rest.)
    - Staging folders left by earlier killed runs (``.<name>.*`` beside ``target``) are removed
      first, but only when clearly transnet's: marked with the process that wrote them and that
      process is no longer running on this host (or, unmarked, holding nothing but transnet's
      outputs and untouched for an hour). A previous output folder that a killed run had moved
      aside (``.<name>.old-<pid>``) is put back when ``target`` is missing, and otherwise
      removed only when it holds nothing that ``target`` lacks.
    - Two runs into the same folder at once are safe: the step that puts the new folder in
      place (carry over, swap) holds a lock on the parent folder, and the last run to finish
      wins with a complete folder.

    Parameters
    ----------
    target
        The output folder.

    Yields
    ------
    pathlib.Path
        The staging folder, beside ``target``, to write every output into.

    Raises
    ------
    InputError
        If ``target`` exists and may not be replaced, or its parent cannot be written.

    Examples
    --------
    >>> with atomic_directory("outputs/demo") as folder:
    ...     _ = (folder / "metrics.json").write_text("{}")
    >>> sorted(path.name for path in Path("outputs/demo").iterdir())
    ['.transnet-output', 'metrics.json']
    """
    target = Path(target).absolute()
    if target.is_symlink():  # write where the link points, and keep the link
        target = target.resolve()
    check_output_folder(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    with _Signals() as signals:
        with _folder_lock(target.parent):
            _remove_stale(target)
            staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
            _write_json(staging / _STAGING_MARKER, _process_record())
        staging.chmod(0o755)
        try:
            yield staging
            signals.defer()
            with _folder_lock(target.parent):
                kept = _put_in_place(staging, target)
        except BaseException:
            signals.defer()
            shutil.rmtree(staging, ignore_errors=True)
            raise
    if kept:
        shown = ", ".join(kept[:10]) + (f" and {len(kept) - 10} more" if len(kept) > 10 else "")
        warnings.warn(
            f"kept {len(kept)} file(s) you added to {target}: {shown}",
            TransnetWarning,
            stacklevel=3,
        )


class _Signals:
    """Turn SIGINT and SIGTERM into KeyboardInterrupt, or hold them while a step must finish.

    Installed only in the main thread (Python delivers signals there alone); the previous
    handlers are restored on exit, and a signal held back is raised then.
    """

    def __init__(self) -> None:
        self._previous: dict[int, object] = {}
        self._deferring = False
        self._received = False

    def __enter__(self) -> _Signals:
        if threading.current_thread() is threading.main_thread():
            for number in (signal.SIGINT, getattr(signal, "SIGTERM", None)):
                if number is not None:
                    self._previous[number] = signal.signal(number, self._handle)
        return self

    def _handle(self, number: int, frame: object) -> None:
        if self._deferring:
            self._received = True
            return
        raise KeyboardInterrupt(f"terminated by signal {number}")

    def defer(self) -> None:
        """Hold signals from now on (while the folder is put in place, or cleaned up)."""
        self._deferring = True

    def __exit__(self, *exc_info: object) -> None:
        for number, previous in self._previous.items():
            signal.signal(number, signal.SIG_DFL if previous is None else previous)
        if self._received and exc_info[0] is None:
            raise KeyboardInterrupt("terminated by a signal after the outputs were written")


@contextmanager
def _folder_lock(folder: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``folder`` itself (no lock file left behind), where supported."""
    try:
        import fcntl
    except ImportError:  # Windows: no advisory locks on folders
        yield
        return
    try:
        handle = os.open(folder, os.O_RDONLY)
    except OSError:
        yield
        return
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield
    finally:
        os.close(handle)  # releases the lock


def _put_in_place(staging: Path, target: Path) -> list[str]:
    """Carry the user's files over, mark the outputs, swap ``staging`` in; return those kept."""
    written = _files_in(staging)
    kept = _carry_over(target, staging, written=written) if target.is_dir() else []
    _write_json(
        staging / OUTPUT_MARKER,
        {"written_by": "transnet", "files": sorted(written)},
    )
    old = None
    if target.exists():
        old = target.with_name(f".{target.name}.old-{os.getpid()}")
        if old.exists():
            shutil.rmtree(old)
        target.rename(old)
    try:
        staging.rename(target)
    except OSError:
        if old is not None and not os.path.lexists(target):
            old.rename(target)
        raise
    (target / _STAGING_MARKER).unlink(missing_ok=True)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    return kept


def _files_in(folder: Path) -> set[str]:
    """Every file (and empty folder) under ``folder``, as relative POSIX paths, markers aside."""
    found = set()
    for root, dirs, files in os.walk(folder):
        base = Path(root).relative_to(folder)
        for name in files + [d for d in dirs if os.path.islink(os.path.join(root, d))]:
            relative = (base / name).as_posix()
            if relative not in _MARKERS:
                found.add(relative)
        if not dirs and not files and base != Path("."):
            found.add(base.as_posix() + "/")
    return found


def _listed_files(folder: Path) -> set[str] | None:
    """Return the files transnet wrote in ``folder``, from its marker; None if it lists none."""
    try:
        record = json.loads((folder / OUTPUT_MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    files = record.get("files") if isinstance(record, dict) else None
    return set(files) if isinstance(files, list) else None


def _carry_over(old: Path, staging: Path, *, written: set[str]) -> list[str]:
    """Link (else copy) into ``staging`` the files of ``old`` that transnet did not write."""
    listed = _listed_files(old)
    ours = written if listed is None else listed
    kept = []
    for relative in sorted(_files_in(old) - ours):
        source = old / relative
        destination = staging / relative
        if relative in written or os.path.lexists(destination):
            destination = _free_name(destination)
        try:
            destination.parent.mkdir(parents=True, exist_ok=True)
        except (FileExistsError, NotADirectoryError):  # a new output file has that folder's name
            destination = _free_name(staging / Path(relative).name)
        if relative.endswith("/"):
            destination.mkdir(exist_ok=True)
        else:
            _link_or_copy(source, destination)
        shown = destination.relative_to(staging).as_posix()
        kept.append(relative if shown == relative.rstrip("/") else f"{relative} (as {shown})")
    return kept


def _free_name(path: Path) -> Path:
    """``name (yours).ext``, or ``name (yours 2).ext`` ..., whichever does not exist yet."""
    for number in range(1, 10_000):
        label = "yours" if number == 1 else f"yours {number}"
        candidate = path.with_name(f"{path.stem} ({label}){path.suffix}")
        if not os.path.lexists(candidate):
            return candidate
    raise FileExistsError(path)


def _link_or_copy(source: Path, destination: Path) -> None:
    try:
        os.link(source, destination, follow_symlinks=False)
    except OSError:
        if source.is_symlink():
            destination.symlink_to(os.readlink(source))
        else:
            shutil.copy2(source, destination)


def _process_record() -> dict[str, object]:
    return {"pid": os.getpid(), "host": socket.gethostname(), "started": time.time()}


def _write_json(path: Path, record: dict[str, object]) -> None:
    path.write_text(json.dumps(record, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def _running(pid: int) -> bool:
    """Whether process ``pid`` runs on this host (always True where that cannot be asked)."""
    if os.name == "nt":  # os.kill would terminate it
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def _remove_stale(target: Path) -> None:
    """Remove what earlier killed runs into ``target`` left beside it (see atomic_directory)."""
    prefix = f".{target.name}."
    old_name = re.compile(re.escape(prefix) + r"old-(\d+)")
    for folder in sorted(target.parent.glob(glob.escape(prefix) + "*")):
        if folder.is_symlink() or not folder.is_dir():
            continue
        moved_aside = old_name.fullmatch(folder.name)
        if moved_aside:
            if not _running(int(moved_aside[1])):
                _settle_moved_aside(folder, target)
        elif _is_stale_staging(folder):
            shutil.rmtree(folder, ignore_errors=True)


def _is_stale_staging(folder: Path) -> bool:
    marker = folder / _STAGING_MARKER
    if marker.is_file():
        try:
            record = json.loads(marker.read_text(encoding="utf-8"))
            pid, host = int(record["pid"]), str(record["host"])
        except (OSError, ValueError, KeyError, TypeError):
            return False
        return host == socket.gethostname() and not _running(pid)
    try:
        files = _files_in(folder)
        changed = max([folder.stat().st_mtime] + [(folder / f).stat().st_mtime for f in files])
    except OSError:
        return False
    return files <= _LEGACY_OUTPUTS and time.time() - changed > _LEGACY_STAGING_AGE_S


def _settle_moved_aside(old: Path, target: Path) -> None:
    """Put back an output folder a killed run moved aside, or remove it if nothing is lost."""
    if not (old / OUTPUT_MARKER).is_file():
        return
    if not os.path.lexists(target):
        old.rename(target)
        return
    listed = _listed_files(old) or set()
    if all(f in listed or os.path.lexists(target / f) for f in _files_in(old)):
        shutil.rmtree(old, ignore_errors=True)
