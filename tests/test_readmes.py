#!/usr/bin/env python3
"""Every task folder's README shows what a learner sees after make demo.

Each folder is copied alone into a temporary folder (no link to the rest of
the repository can help it there), set up as ``make demo`` leaves it, and
the commands of its README run in the order the README gives; what each
prints must be what the README shows. ``make demo`` runs the same commands
(``tools/readme.py``), so what it prints is checked here too.
"""
from pathlib import Path

import pytest

from tools.readme import run, steps
from tools.scripts import ROOT, set_up_alone

FOLDERS = ["python-generators-0x00", "python-decorators-0x01",
           "python-context-async-perations-0x02",
           "0x03-Unittests_and_integration_tests"]
# Commands each README must run, in its order: the main files, each task.
SCRIPTS = {
    "python-generators-0x00": [
        "./0-main.py", "./1-main.py", "./2-main.py | head -n 5",
        "./3-main.py | head -n 7", "./4-stream_ages.py",
        "./6-age_statistics.py"],
    "python-decorators-0x01": [
        "./0-log_queries.py", "./1-with_db_connection.py",
        "./2-transactional.py", "./3-retry_on_failure.py",
        "./4-cache_query.py"],
    "python-context-async-perations-0x02": [
        "./0-databaseconnection.py", "./1-execute.py", "./3-concurrent.py"],
    "0x03-Unittests_and_integration_tests": [
        "python -m unittest -v test_utils.py test_client.py"],
}


@pytest.mark.parametrize("folder", FOLDERS)
def test_the_readme_runs_its_scripts_in_order(folder: str) -> None:
    """The README lists the folder's commands in the order they run."""
    assert [step.command for step in steps(ROOT / folder / "README.md")] \
        == SCRIPTS[folder]


@pytest.mark.parametrize("folder", FOLDERS)
def test_each_command_prints_what_the_readme_shows(
        folder: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    """In a copy of the folder alone, every command prints what is shown.

    The generators' copy reaches the seeded test server through the
    ``MYSQL_*`` variables, as a learner's own server would be named.
    """
    if folder == "python-generators-0x00":
        request.getfixturevalue("mysql_env")
    copy = set_up_alone(ROOT / folder, tmp_path)
    differences = []
    for step in steps(ROOT / folder / "README.md"):
        done = run(step, copy)
        if done.returncode != 0 or not step.matches(done.stdout):
            differences.append(f"{step.command} (status {done.returncode}): "
                               f"{step.difference(done.stdout)}")
    assert differences == []
