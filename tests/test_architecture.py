"""The package's shape (issue 9): data flows one way, private names stay private, and the
command line starts without the map stack.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import networkx as nx
import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "transnet"


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in PACKAGE.rglob("*.py")}


def _is_type_checking(node: ast.If) -> bool:
    return isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"


def _imports(path: Path) -> list[tuple[str, str | None]]:
    """(module, name) pairs this file imports at run time (not under ``TYPE_CHECKING``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped = {
        id(child)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and _is_type_checking(node)
        for child in ast.walk(node)
    }
    found = []
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found += [(node.module, alias.name) for alias in node.names]
        elif isinstance(node, ast.Import):
            found += [(alias.name, None) for alias in node.names]
    return found


def import_graph() -> nx.DiGraph:
    """Module → module edges within transnet, from every run-time import statement."""
    graph = nx.DiGraph()
    graph.add_nodes_from(MODULES)
    for name, path in MODULES.items():
        for module, imported in _imports(path):
            submodule = f"{module}.{imported}"
            target = submodule if submodule in MODULES else module
            if target in MODULES and target != name:
                graph.add_edge(name, target)
    return graph


def test_the_import_graph_is_found():
    graph = import_graph()
    assert graph.has_edge("transnet.study", "transnet.summary")
    assert graph.has_edge("transnet.metrics.scenario", "transnet.metrics.coverage")
    assert len(graph) > 40


def test_no_import_cycle():
    cycles = list(nx.simple_cycles(import_graph()))
    assert not cycles, f"import cycles: {cycles[:5]}"


def test_a_cycle_would_be_caught(tmp_path):
    graph = import_graph()
    graph.add_edge("transnet.summary", "transnet.study")  # what 0.1 did (study ↔ report)
    assert list(nx.simple_cycles(graph))


def _package_of(module: str) -> str:
    parts = module.split(".")
    return ".".join(parts[:2])


def test_no_module_imports_another_packages_private_names():
    offenders = [
        f"{name} imports {imported} from {module}"
        for name, path in MODULES.items()
        for module, imported in _imports(path)
        if module.startswith("transnet")
        and imported
        and imported.startswith("_")
        and not imported.startswith("__")
        and _package_of(module) != _package_of(name)
    ]
    assert not offenders, "\n".join(offenders)


@pytest.mark.parametrize(
    "code",
    [
        "import transnet",
        "import transnet.cli as cli\ntry:\n    cli.main(['check', '--help'])\nexcept SystemExit:\n"
        "    pass",
    ],
    ids=["import transnet", "transnet check --help"],
)
def test_start_up_does_not_load_the_map_stack_or_osmnx(code):
    probe = (
        code
        + "\nimport sys\nprint(sorted({'folium', 'matplotlib', 'osmnx', 'django'} & set(sys.modules)))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip().splitlines()[-1] == "[]"
