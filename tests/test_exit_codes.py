"""The exit-code contract: 0 pass, 1 a target fails, 2 bad input, 3 a bug, 130 interrupted.

A crash must never read as "the plan fails its targets" in CI: every command is run here with
an internal failure injected, and must exit 3 with a short message (the traceback only with
``--debug``).
"""

from __future__ import annotations

import dataclasses
import types
import warnings
from pathlib import Path

import pytest

import transnet.io.osm
import transnet.study
from transnet._errors import InputError, TransnetWarning
from transnet.cli import EXIT_CODES, main
from transnet.targets import TargetResult


def _run(argv: list[str], capsys) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as info:
        main(argv)
    captured = capsys.readouterr()
    return int(info.value.code or 0), captured.out, captured.err


def _boom(*args, **kwargs):
    raise RuntimeError("injected failure: a bug deep in the pipeline")


COMMANDS = {
    "run": (["run", "--quiet", "--out", "{tmp}/run"], transnet.study, "run_study"),
    "map": (["map", "--quiet", "--out", "{tmp}/maps"], transnet.study, "run_study"),
    "check": (["check", "--quiet"], transnet.study, "run_study"),
    "build": (
        ["build", "--quiet", "--source", "{tmp}/extract.osm", "--out", "{tmp}/n.gpkg"],
        transnet.io.osm,
        "network_from_osm_file",
    ),
}


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_an_internal_failure_exits_3_without_a_traceback(command, capsys, monkeypatch, tmp_path):
    argv, module, name = COMMANDS[command]
    monkeypatch.setattr(module, name, _boom)
    code, _, err = _run([a.format(tmp=tmp_path) for a in argv], capsys)
    assert code == 3, err
    assert "internal error: RuntimeError: injected failure" in err
    assert "bug in transnet" in err and "--debug" in err
    assert "Traceback" not in err


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_debug_shows_the_traceback_anywhere_on_the_line(command, capsys, monkeypatch, tmp_path):
    argv, module, name = COMMANDS[command]
    monkeypatch.setattr(module, name, _boom)
    code, _, err = _run([a.format(tmp=tmp_path) for a in argv] + ["--debug"], capsys)
    assert code == 3
    assert "Traceback (most recent call last)" in err and "_boom" in err


def test_the_debug_environment_variable_shows_the_traceback(capsys, monkeypatch):
    monkeypatch.setattr(transnet.study, "run_study", _boom)
    monkeypatch.setenv("TRANSNET_DEBUG", "1")
    code, _, err = _run(["check", "--quiet"], capsys)
    assert code == 3 and "Traceback" in err


def test_an_interrupt_exits_130_not_1(capsys, monkeypatch):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(transnet.study, "run_study", interrupted)
    code, _, err = _run(["check", "--quiet"], capsys)
    assert code == 130 and "interrupted" in err


def test_an_input_error_deep_inside_exits_2_with_its_message(capsys, monkeypatch):
    def bad(*args, **kwargs):
        raise InputError("not a number", path="plan.geojson", record="E3", field="length_km")

    monkeypatch.setattr(transnet.study, "run_study", bad)
    code, _, err = _run(["check", "--quiet"], capsys)
    assert code == 2
    assert "plan.geojson, record 'E3', field 'length_km': not a number" in err


def test_a_file_system_error_on_a_named_file_is_exit_2_not_a_bug(capsys, monkeypatch):
    def denied(*args, **kwargs):
        raise PermissionError(13, "Permission denied", "/data/locked/targets.yaml")

    monkeypatch.setattr(transnet.study, "run_study", denied)
    code, _, err = _run(["check", "--quiet"], capsys)
    assert code == 2
    assert "/data/locked/targets.yaml: Permission denied" in err


def test_usage_errors_exit_2(capsys):
    assert _run(["check", "--no-such-option"], capsys)[0] == 2
    assert _run(["check", "--encoding", "no-such-codec"], capsys)[0] == 2
    code, _, err = _run(["build", "--source", "x.osm", "--margin-km", "nan"], capsys)
    assert code == 2 and "--margin-km" in err


def test_every_help_lists_the_exit_codes_and_keeps_bracketed_defaults(capsys):
    for command in ("run", "map", "check", "build"):
        code, out, _ = _run([command, "--help"], capsys)
        assert code == 0
        assert all(f"{code:>3}  {text}" in out for code, text in EXIT_CODES.items()), command
    assert "outputs/<bundle>" in _run(["run", "--help"], capsys)[1]
    assert "outputs/<bundle>-network.gpkg" in _run(["build", "--help"], capsys)[1]
    run_help = " ".join(_run(["run", "--help"], capsys)[1].split())
    assert "Exits 0 when the outputs are written, even when a target fails" in run_help
    assert "--check" in run_help


# The gate on the results: a fake study keeps these fast; the real pipeline runs below.


def _result(status: str, target_id: str = "t") -> TargetResult:
    return TargetResult(
        id=target_id,
        metric="density_per_100km2.expressway",
        scenario="after",
        value=None if status == "not_evaluated" else 1.0,
        op=">=",
        threshold=1.0,
        unit="km/100 km²",
        status=status,
        reason="no data" if status == "not_evaluated" else "",
    )


def _fake_study(results: list[TargetResult]):
    def run_study(*args, **kwargs):
        return types.SimpleNamespace(results=results, bundle=types.SimpleNamespace(name="fake"))

    return run_study


@pytest.mark.parametrize(
    ("statuses", "strict", "expected", "says"),
    [
        (["pass", "not_evaluated"], False, 0, None),
        (["pass", "fail"], False, 1, "Failed targets: t1"),
        (["pass", "fail"], True, 1, "Failed targets: t1"),
        ([], False, 0, "warning: the targets list is empty"),
        ([], True, 1, "error: the targets list is empty"),
        (["not_evaluated", "not_evaluated"], False, 0, "none of the 2 targets could be evaluated"),
        (["not_evaluated"], True, 1, "--strict fails a check that checks nothing"),
    ],
)
def test_the_gate(statuses, strict, expected, says, capsys, monkeypatch):
    results = [_result(status, f"t{n}") for n, status in enumerate(statuses)]
    monkeypatch.setattr(transnet.study, "run_study", _fake_study(results))
    code, _, err = _run(["check", "--quiet"] + (["--strict"] if strict else []), capsys)
    assert code == expected, err
    if says:
        assert says in " ".join(err.split())
    else:
        assert "warning" not in err


def test_an_empty_targets_file_warns_on_the_real_pipeline(capsys, tmp_path):
    targets = tmp_path / "empty.yaml"
    targets.write_text("targets: []\n", encoding="utf-8")
    code, _, err = _run(["check", "--quiet", "--targets", str(targets)], capsys)
    assert code == 0 and "the targets list is empty" in err
    assert _run(["check", "--quiet", "--strict", "--targets", str(targets)], capsys)[0] == 1


def test_run_exits_0_on_a_failed_target_and_1_with_check(capsys, monkeypatch, tmp_path, bundle_study):
    failing = dataclasses.replace(bundle_study.results[0], status="fail")
    study = dataclasses.replace(bundle_study, results=[failing, *bundle_study.results[1:]])
    monkeypatch.setattr(transnet.study, "run_study", lambda *a, **k: study)
    code, _, _ = _run(["run", "--quiet", "--out", str(tmp_path / "a")], capsys)
    assert code == 0
    code, _, err = _run(["run", "--quiet", "--check", "--out", str(tmp_path / "b")], capsys)
    assert code == 1 and f"Failed targets: {failing.id}" in err
    assert (tmp_path / "b" / "report.html").is_file(), "run --check still writes its outputs"


def test_transnet_warnings_print_and_other_warnings_wait_for_debug(capsys, monkeypatch):
    def warns(*args, **kwargs):
        warnings.warn("card N7 matches no road", TransnetWarning, stacklevel=1)
        warnings.warn("CRS mismatch in /site-packages/geopandas/x.py", UserWarning, stacklevel=1)
        raise InputError("stop here", path="plan.geojson")

    monkeypatch.setattr(transnet.study, "run_study", warns)
    code, _, err = _run(["check", "--quiet"], capsys)
    assert code == 2
    assert "warning: card N7 matches no road" in err
    assert "site-packages" not in err
    assert err.index("warning: card N7") < err.index("error: plan.geojson")
    _, _, err = _run(["check", "--quiet", "--debug"], capsys)
    assert "UserWarning: CRS mismatch" in err


def test_options_set_for_one_command_do_not_leak_into_the_next(capsys, monkeypatch):
    from transnet.io import text

    monkeypatch.setattr(transnet.study, "run_study", _fake_study([_result("pass")]))
    assert _run(["check", "--quiet", "--encoding", "gbk"], capsys)[0] == 0
    assert text.settings.encoding is None


def test_the_readme_documents_the_exit_codes():
    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    for code in EXIT_CODES:
        assert f"| {code} |" in readme, code
    assert "run --check" in readme and "--strict" in readme


def test_sigterm_during_the_study_exits_130(tmp_path):
    import signal
    import subprocess
    import sys
    import time

    script = tmp_path / "slow.py"
    script.write_text(
        "import sys, time\n"
        "import transnet.study\n"
        "from transnet.cli import main\n"
        "def slow(*args, **kwargs):\n"
        "    print('started', flush=True)\n"
        "    time.sleep(60)\n"
        "transnet.study.run_study = slow\n"
        "main(['check', '--quiet'])\n",
        encoding="utf-8",
    )
    process = subprocess.Popen(
        [sys.executable, str(script)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert process.stdout.readline().strip() == "started"
    time.sleep(0.2)
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=30)
    assert process.returncode == 130, err
    assert "interrupted" in err and "Traceback" not in err
