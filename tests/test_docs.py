"""Documentation rules: every public function, class and method has a numpydoc docstring with an
example, and every example in the package runs (issue 6).

Public means: the functions and classes named in a module's ``__all__`` (every module of the package,
including ``_errors.py`` and ``_progress.py``, whose names the package re-exports), and the
methods, properties, class methods and static methods of those classes whose names do not start
with ``_``. Constants and instances in ``__all__`` (``settings``, ``GRADES``, the Typer ``app``)
are not checked.
"""

from __future__ import annotations

import doctest
import importlib
import inspect
import pkgutil
import re
from functools import cached_property
from types import ModuleType

import pytest

import transnet

# ``transnet.__main__`` runs the command line when imported.
_FOUND = list(pkgutil.walk_packages(transnet.__path__, prefix="transnet."))
SUBMODULES = sorted(m.name for m in _FOUND if m.name != "transnet.__main__")
API_MODULES = ["transnet", *SUBMODULES]
# Sub-package ``__init__`` modules only re-export, and the command line's examples drive the CLI
# (which exits), so neither is run.
DOCTEST_MODULES = [
    name
    for name in API_MODULES
    if name != "transnet.cli" and name not in {m.name for m in _FOUND if m.ispkg}
]
FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE

_EXAMPLES_SECTION = re.compile(
    r"^Examples\n-{8,}\n(?P<body>.*?)(?=^\S[^\n]*\n-{3,}\n|\Z)", re.M | re.S
)


def _member_function(value: object) -> object | None:
    """The function behind a class attribute, or None if the attribute is not a method."""
    if isinstance(value, (staticmethod, classmethod)):
        return value.__func__
    if isinstance(value, property):
        return value.fget
    if isinstance(value, cached_property):
        return value.func
    if inspect.isfunction(value):
        return value
    return None


def public_api() -> dict[str, object]:
    """Every public function, class and method, by qualified name."""
    found: dict[str, object] = {}
    for module_name in API_MODULES:
        module = importlib.import_module(module_name)
        for name in getattr(module, "__all__", []):
            obj = getattr(module, name)
            if inspect.isclass(obj):
                qualified = f"{obj.__module__}.{obj.__qualname__}"
                found[qualified] = obj
                for attribute, value in vars(obj).items():
                    member = None if attribute.startswith("_") else _member_function(value)
                    if member is not None:
                        found[f"{qualified}.{attribute}"] = member
            elif inspect.isroutine(inspect.unwrap(obj)):  # unwraps functools.lru_cache
                found[f"{inspect.unwrap(obj).__module__}.{name}"] = obj
    return found


def examples_of(obj: object) -> str | None:
    """The body of the numpydoc ``Examples`` section of ``obj``'s own docstring, if any.

    The object's own ``__doc__`` is read, not :func:`inspect.getdoc`, which would inherit a
    docstring from a base class or an overridden method.
    """
    match = _EXAMPLES_SECTION.search(inspect.cleandoc(getattr(obj, "__doc__", None) or ""))
    return match.group("body") if match else None


def test_public_api_is_found() -> None:
    api = public_api()
    for name in (
        "transnet._errors.InputError",
        "transnet._progress.progress",
        "transnet.grades.vocabulary.admin_class_of_ref",
        "transnet.network.model.RoadNetwork.from_networkx",
        "transnet.network.model.RoadNetwork.crs",
        "transnet.region.Region.outline",
        "transnet.targets.TargetResults.failed",
        "transnet.cli.main",
    ):
        assert name in api
    assert not any(name.rsplit(".", 1)[-1].startswith("_") for name in api)
    assert len(api) > 100


def test_every_public_object_has_a_docstring_with_an_example() -> None:
    missing_docstring = [name for name, obj in public_api().items() if not obj.__doc__]
    missing_example = [
        name
        for name, obj in public_api().items()
        if obj.__doc__ and ">>>" not in (examples_of(obj) or "")
    ]
    assert not missing_docstring, f"no docstring: {', '.join(missing_docstring)}"
    assert not missing_example, f"no Examples section with a >>> line: {', '.join(missing_example)}"


def test_examples_section_is_recognised() -> None:
    def documented() -> None:
        """Do nothing.

        Examples
        --------
        >>> documented()

        """

    def prose_only() -> None:
        """Do nothing; see the Examples in the README."""

    assert examples_of(documented) is not None
    assert examples_of(prose_only) is None


def _doctests(module: ModuleType) -> list[doctest.DocTest]:
    """The module's doctests, with those of ``cached_property`` methods doctest does not find."""
    finder = doctest.DocTestFinder()
    tests = finder.find(module)
    seen = {test.name for test in tests}
    for cls in vars(module).values():
        if not (inspect.isclass(cls) and cls.__module__ == module.__name__):
            continue
        for attribute, value in vars(cls).items():
            name = f"{module.__name__}.{cls.__qualname__}.{attribute}"
            if isinstance(value, cached_property) and name not in seen:
                tests += finder.find(value.func, name, module=module, globs=vars(module))
    return tests


@pytest.mark.parametrize("module_name", DOCTEST_MODULES)
def test_examples_run(
    module_name: str, monkeypatch: pytest.MonkeyPatch, tmp_path, doctest_names
) -> None:
    monkeypatch.chdir(tmp_path)  # anything an example writes lands here
    module = importlib.import_module(module_name)
    runner = doctest.DocTestRunner(optionflags=FLAGS)
    failed = []
    attempted = 0
    for test in _doctests(module):
        test.globs.update(doctest_names)
        result = runner.run(test)
        attempted += result.attempted
        if result.failed:
            failed.append(test.name)
    assert not failed, f"failing examples (details in the captured output): {', '.join(failed)}"
    assert attempted > 0, f"{module_name} has no examples"
