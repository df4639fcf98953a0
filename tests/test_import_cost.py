"""Commands load only what their path needs: no graph library, map stack or bars when quiet."""

from __future__ import annotations

import ast
import subprocess
import sys

HEAVY_FOR_CHECK = {"networkx", "osmnx", "folium", "matplotlib", "mapclassify", "sklearn", "tqdm"}


def _loaded(code: str, names: set[str]) -> list[str]:
    probe = f"{code}\nimport sys\nprint(sorted(set({sorted(names)!r}) & set(sys.modules)))"
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    return ast.literal_eval(result.stdout.strip().splitlines()[-1])


def test_help_loads_no_data_stack():
    code = (
        "import transnet.cli as cli\ntry:\n    cli.main(['--help'])\nexcept SystemExit:\n    pass"
    )
    assert _loaded(code, {"geopandas", "scipy", "pyogrio", "tqdm", "networkx"}) == []


def test_a_quiet_check_of_the_bundle_loads_no_graph_library_map_stack_or_bars():
    code = (
        "import transnet.cli as cli\n"
        "try:\n    cli.main(['check', '--quiet'])\nexcept SystemExit as exit:\n"
        "    assert exit.code in (0, 1), exit.code"
    )
    assert _loaded(code, HEAVY_FOR_CHECK) == []


def test_to_networkx_still_works_when_asked_for():
    from transnet.network import RoadNetwork, network_from_lines
    from transnet.testing import crossing_lines

    network = network_from_lines(*crossing_lines())
    back = RoadNetwork.from_networkx(network.to_networkx(), metadata=network.metadata)
    assert len(back.edges) == len(network.edges)
