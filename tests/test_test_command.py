"""The test command itself: its summary line and its refusal without Odoo."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

import summarize_tests


def _write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def _summarize(tmp_path, odoo_log, pytest_log, odoo_rc=0, pytest_rc=0):
    cmd = [
        sys.executable,
        str(ROOT / "scripts" / "summarize_tests.py"),
        "--odoo-log",
        _write(tmp_path, "odoo.log", odoo_log),
        "--odoo-rc",
        str(odoo_rc),
        "--pytest-log",
        _write(tmp_path, "pytest.log", pytest_log),
        "--pytest-rc",
        str(pytest_rc),
    ]
    return subprocess.run(cmd, capture_output=True, text=True, check=False)


def _run_test_command(env):
    return subprocess.run(
        [str(ROOT / "scripts" / "cabinet"), "test"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=60,
    )


def test_summary_adds_odoo_and_pytest_counts(tmp_path):
    odoo_log = (
        "2026-12-04 INFO db odoo.tests.result: 2 failed, 1 error(s) of 40 tests "
        "when loading database 'db'\n"
    )
    pytest_log = "....\n==== 1 failed, 12 passed, 2 skipped in 3.21s ====\n"
    result = _summarize(tmp_path, odoo_log, pytest_log, odoo_rc=1, pytest_rc=1)
    assert result.stdout.splitlines()[-1] == "49 passed, 4 failed"
    assert result.returncode == 1


def test_summary_succeeds_only_when_everything_passed(tmp_path):
    odoo_log = "0 failed, 0 error(s) of 7 tests when loading database 'd'\n"
    result = _summarize(tmp_path, odoo_log, "==== 3 passed in 0.50s ====\n")
    assert result.stdout.splitlines()[-1] == "10 passed, 0 failed"
    assert result.returncode == 0


def test_summary_fails_when_odoo_printed_no_result(tmp_path):
    result = _summarize(tmp_path, "Traceback: crash\n", "==== 3 passed in 0.5s ====\n")
    assert result.stdout.splitlines()[-1] == "3 passed, 1 failed"
    assert "printed no test result" in result.stderr
    assert result.returncode == 1


def test_pytest_errors_count_as_failures(tmp_path):
    path = _write(tmp_path, "p.log", "== 2 passed, 3 errors in 1.00s ==\n")
    assert summarize_tests.pytest_counts(path) == (2, 3, 0)


def test_test_command_refuses_to_run_without_odoo(tmp_path):
    # A Python that cannot import odoo: site-packages switched off.
    fake_python = tmp_path / "python-without-odoo"
    fake_python.write_text(f'#!/bin/sh\nexec {sys.executable} -S "$@"\n')
    fake_python.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if k != "ODOO_PATH"}
    env["PYTHON"] = str(fake_python)
    env["PYTHONPATH"] = ""
    result = _run_test_command(env)
    assert result.returncode == 2
    assert "Odoo 19.0 cannot be found" in result.stderr
    assert "ODOO_PATH" in result.stderr


def test_odoo_path_without_odoo_bin_is_refused(tmp_path):
    result = _run_test_command(dict(os.environ, ODOO_PATH=str(tmp_path)))
    assert result.returncode == 2
    assert "Odoo 19.0 cannot be found" in result.stderr
