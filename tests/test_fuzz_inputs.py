"""Property: however the plan or targets file is damaged, ``check`` exits 0, 1 or 2.

Hypothesis mutates the embedded bundle's ``plan.geojson`` and ``targets.yaml`` as a careless
user or a broken export would (drop a key, rename it, change a value's type, put a NaN in it,
cut the file short) and runs ``transnet check``: never a traceback, never exit 3. The examples
are derandomised, so CI runs the same ones every time.
"""

from __future__ import annotations

import json
import math
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from transnet.cli import main
from transnet.io.bundle import bundle_root

BUNDLE = bundle_root() / "taixin"
FUZZ = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    # capsys is read (and so emptied) in every example.
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,
    ],
)

ANY_VALUE = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=6),
    st.lists(st.integers(0, 9), max_size=2),
    st.just({}),
)


def _slots(node: Any, path: tuple = ()) -> list[tuple]:
    """Every (path to a container, key or index) in a JSON-like tree."""
    slots = []
    items = node.items() if isinstance(node, dict) else enumerate(node)
    for key, value in items:
        slots.append((path, key))
        if isinstance(value, (dict, list)) and value:
            slots.extend(_slots(value, (*path, key)))
    return slots


def _at(node: Any, path: tuple) -> Any:
    for key in path:
        node = node[key]
    return node


@st.composite
def mutations(draw, document: Any) -> tuple[Any, int | None]:
    """A damaged copy of ``document`` and, for a cut-short file, the fraction of it to keep."""
    document = json.loads(json.dumps(document))
    kind = draw(st.sampled_from(["drop", "rename", "retype", "nan", "truncate"]))
    if kind == "truncate":
        return document, draw(st.integers(0, 99))
    slots = _slots(document)
    path, key = slots[draw(st.integers(0, len(slots) - 1))]
    parent = _at(document, path)
    if kind == "drop":
        del parent[key]
    elif kind == "rename" and isinstance(parent, dict):
        typo = draw(st.sampled_from([key[:-1], key + "s", key.upper(), key.replace("_", "")]))
        parent[typo or "x"] = parent.pop(key)
    elif kind == "nan":
        parent[key] = draw(st.sampled_from([math.nan, math.inf, -math.inf]))
    else:
        parent[key] = draw(ANY_VALUE)
    return document, None


def _check(folder: Path) -> int:
    with pytest.raises(SystemExit) as info:
        main(["check", "--quiet", "--bundle", str(folder)])
    return int(info.value.code or 0)


def _assert_exit_0_1_or_2(write, capsys) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "taixin"
        shutil.copytree(BUNDLE, folder)
        write(folder)
        code = _check(folder)
    err = capsys.readouterr().err
    assert code in (0, 1, 2), err
    assert "Traceback" not in err and "internal error" not in err, err


PLAN = json.loads((BUNDLE / "plan.geojson").read_text(encoding="utf-8"))
TARGETS = yaml.safe_load((BUNDLE / "targets.yaml").read_text(encoding="utf-8"))


@FUZZ
@given(mutated=mutations(PLAN))
def test_a_damaged_plan_never_crashes_check(mutated, capsys):
    document, keep_percent = mutated

    def write(folder: Path) -> None:
        text = json.dumps(document, ensure_ascii=False, allow_nan=True)
        if keep_percent is not None:
            text = text[: len(text) * keep_percent // 100]
        (folder / "plan.geojson").write_text(text, encoding="utf-8")

    _assert_exit_0_1_or_2(write, capsys)


@FUZZ
@given(mutated=mutations(TARGETS))
def test_damaged_targets_never_crash_check(mutated, capsys):
    document, keep_percent = mutated

    def write(folder: Path) -> None:
        text = yaml.safe_dump(document, allow_unicode=True, sort_keys=False)
        if keep_percent is not None:
            text = text[: len(text) * keep_percent // 100]
        (folder / "targets.yaml").write_text(text, encoding="utf-8")

    _assert_exit_0_1_or_2(write, capsys)
