#!/usr/bin/env python3
"""The scripts of the two SQLite task folders, run into a pipe whose
reader stops early, as ``./0-log_queries.py | head -n 1`` does."""
from pathlib import Path
from typing import Callable

import pytest

from tools.scripts import ROOT, run_script

SCRIPTS = [(folder, script.name)
           for folder in (ROOT / "python-decorators-0x01",
                          ROOT / "python-context-async-perations-0x02")
           for script in sorted(folder.glob("[0-9]*.py"))]


@pytest.mark.parametrize("folder, script", SCRIPTS,
                         ids=[name for _, name in SCRIPTS])
def test_a_reader_gone_before_the_first_line_ends_the_script_quietly(
        folder_copy: Callable[..., Path], folder: Path,
        script: str) -> None:
    """``./script | true``: ``true`` is gone before Python has started,
    so every line the script prints meets a closed pipe; the script still
    ends with status 0 and nothing on its error output."""
    done = run_script(folder_copy(folder) / script, shell_pipe="true")
    assert (done.returncode, done.stderr) == (0, "")
