#!/usr/bin/env python3
"""The scripts of the two SQLite task folders, run from the wrong folder.

They open ``users.db`` in the current folder, as the tasks ask. Run from
elsewhere (the repository root, say), each says where the database is and
to run from there, or, when there is none yet, how to create it there.
"""
from collections.abc import Callable
from pathlib import Path

import pytest

from tools.scripts import ROOT, run_script

SCRIPTS = [(folder, script.name)
           for folder in (ROOT / "python-decorators-0x01",
                          ROOT / "python-context-async-perations-0x02")
           for script in sorted(folder.glob("[0-9]*.py"))]


@pytest.mark.parametrize("folder, script", SCRIPTS,
                         ids=[name for _, name in SCRIPTS])
def test_from_another_folder_a_script_says_where_to_run_it(
        folder_copy: Callable[..., Path], folder: Path,
        script: str) -> None:
    """users.db is beside the script: the sentence names that folder."""
    copy = folder_copy(folder)
    done = run_script(copy / script, cwd=copy.parent)
    assert done.returncode == 1
    assert done.stderr == (
        f"users.db is in {folder.name}, not in the current folder: run the "
        f"script from there (cd {folder.name}).\n")
    assert not (copy.parent / "users.db").exists()


@pytest.mark.parametrize("folder, script", SCRIPTS,
                         ids=[name for _, name in SCRIPTS])
def test_from_another_folder_without_a_database_it_says_how_to_make_one(
        folder_copy: Callable[..., Path], folder: Path,
        script: str) -> None:
    """No users.db anywhere: go to the folder, create it, run from there."""
    copy = folder_copy(folder, with_database=False)
    done = run_script(copy / script, cwd=copy.parent)
    assert done.returncode == 1
    assert done.stderr == (
        f"users.db not found: cd {folder.name}, create it there with "
        f"./users_db.py, and run the script from there.\n")
