#!/usr/bin/env python3
"""Lint and types over the repository: pycodestyle (79 columns) and
pyflakes on every Python file, mypy over the typed code.

They run as tests so that ``make test`` runs them on its workers beside
the rest of the suite, rather than before it.
"""
import subprocess
import sys

import pytest

from tools.scripts import ROOT, python_files

# What mypy checks, one run each (two task folders have a users_db.py);
# not the generators, whose scripts pass MySQL connections and rows as
# object: typing them would retype every script the curriculum prescribes.
TYPED = [("messaging_app", "tools", "bench"),
         ("python-decorators-0x01",),
         ("python-context-async-perations-0x02",),
         ("0x03-Unittests_and_integration_tests",)]


def run_module(module: str, *arguments: str) -> subprocess.CompletedProcess:
    """Run ``python -m module arguments`` at the repository's root."""
    return subprocess.run([sys.executable, "-m", module, *arguments],
                          cwd=ROOT, capture_output=True, text=True)


@pytest.mark.parametrize("linter", ["pycodestyle", "pyflakes"])
def test_every_python_file_passes(linter: str) -> None:
    """No style complaint and no unused or undefined name anywhere."""
    files = python_files()
    assert "messaging_app/server.py" in files
    done = run_module(linter, *files)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("paths", TYPED, ids=[" ".join(p) for p in TYPED])
def test_mypy_finds_no_error(paths: tuple[str, ...]) -> None:
    """Every function body type-checks (settings in pyproject.toml)."""
    done = run_module("mypy", *paths)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith("Success: no issues found")
