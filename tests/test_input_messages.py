"""Messages that do not mislead: what the command line prints about odd but accepted input.

An upgrade that matches no road is printed as a warning, not only noted in ``report.md``; a
library's warning with an internal path is not printed before the real message; numbers show
as a person writes them.
"""

from __future__ import annotations

import json
import shutil

import pytest

from transnet.cli import main
from transnet.io.bundle import bundle_root


def _run(argv: list[str], capsys) -> tuple[int, str]:
    with pytest.raises(SystemExit) as info:
        main(argv)
    return int(info.value.code or 0), capsys.readouterr().err


@pytest.fixture
def bundle_copy(tmp_path):
    folder = tmp_path / "taixin"
    shutil.copytree(bundle_root() / "taixin", folder)
    return folder


def _edit_card(folder, card_id: str, **properties) -> None:
    path = folder / "plan.geojson"
    plan = json.loads(path.read_text(encoding="utf-8"))
    for feature in plan["features"]:
        if feature["properties"]["id"] == card_id:
            feature["properties"].update(properties)
    path.write_text(json.dumps(plan, ensure_ascii=False), encoding="utf-8")


def test_an_upgrade_that_matches_no_road_is_printed_once_as_a_warning(bundle_copy, capsys):
    _edit_card(bundle_copy, "N1", ref="G999")
    code, err = _run(["check", "--quiet", "--bundle", str(bundle_copy)], capsys)
    assert code in (0, 1), err
    lines = [line for line in err.splitlines() if line.startswith("warning:") and "N1" in line]
    assert len(lines) == 1, err
    assert "matches no road" in lines[0] or "no match" in lines[0], lines[0]
    assert "site-packages" not in err and "Traceback" not in err


def test_a_nan_is_shown_as_nan_and_names_card_and_field(bundle_copy, capsys):
    path = bundle_copy / "plan.geojson"
    text = path.read_text(encoding="utf-8").replace('"length_km": 80.1', '"length_km": NaN', 1)
    path.write_text(text, encoding="utf-8")
    code, err = _run(["check", "--quiet", "--bundle", str(bundle_copy)], capsys)
    assert code == 2
    assert "plan.geojson, record 'N1', field 'length_km'" in err
    assert "nan" in err and "np.float64" not in err and "Field required" not in err
