"""Pytest fixtures and checks for the tests of the two SQLite task folders.

The decorators and the context-manager folders test against the same
sample database, made by ``tools.users_db`` in a temporary folder. The
root ``conftest.py`` loads these fixtures for every test module.
"""
from pathlib import Path
from collections.abc import Callable

import pytest

from tools.scripts import copy_alone, run_script
from tools.users_db import DATABASE, HOW_TO_CREATE, create_users_db


@pytest.fixture
def users_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Create the sample database in a temporary folder and work there.

    The code under test opens ``users.db`` in the current folder, so the
    test runs with the temporary folder as its current folder.
    """
    monkeypatch.chdir(tmp_path)
    return create_users_db(tmp_path / DATABASE)


@pytest.fixture
def folder_copy(tmp_path: Path) -> Callable[..., Path]:
    """Return a function that copies a task folder's scripts to tmp_path.

    ``folder_copy(folder, with_database=True)`` returns the copy, with the
    sample database in it unless ``with_database`` is False. The copy holds
    the folder's own ``users_db.py``, so it runs on its own, as a folder
    that a learner submits does.
    """
    def copy(folder: Path, with_database: bool = True) -> Path:
        """Copy ``folder``'s scripts and, if asked, a fresh database."""
        destination = copy_alone(folder, tmp_path)
        if with_database:
            create_users_db(destination / DATABASE)
        return destination
    return copy


@pytest.fixture
def stops_without_database(
        folder_copy: Callable[..., Path]) -> Callable[[Path, str], str]:
    """Return a check of how a script stops when users.db is missing.

    ``stops_without_database(folder, script)`` runs the script in a copy of
    its folder with no database. Its error output must be the one sentence
    that says how to create the database, its exit status 1, and no empty
    database may be left behind. The check returns what the script printed
    on standard output, for the test to compare.
    """
    def check(folder: Path, script: str) -> str:
        """Run ``script`` from a database-less copy of ``folder``."""
        copy = folder_copy(folder, with_database=False)
        done = run_script(copy / script)
        assert done.returncode == 1
        assert done.stderr == HOW_TO_CREATE.format(DATABASE) + "\n"
        assert not (copy / DATABASE).exists()
        return done.stdout
    return check
