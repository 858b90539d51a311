#!/usr/bin/env python3
"""Every script of every task folder ends as a command-line tool does.

Into a pipe whose reader has gone (``| head``) a script ends with status 0;
on Ctrl-C with status 130 as a shell reports it (the interpreter may end
by SIGINT itself, which the shell reports the same way); in both cases with
nothing on standard error. The curriculum's own main files, with their own
first line, are held to the same.

Ctrl-C must reach a script while it runs, without a clock: the script's
standard output is a pipe filled to the brim beforehand and its output is
unbuffered, so its first line blocks it in ``write``; the test waits until
the kernel reports it there, sends SIGINT, then reads the pipe empty.
"""
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tools.scripts import (ROOT, copy_alone, load_script, script_env,
                           set_up_alone)

GENERATORS = "python-generators-0x00"
UNITTESTS = "0x03-Unittests_and_integration_tests"
# The scripts that print on standard output when they run, per folder; the
# others only define things (or, in 0x03, report on standard error).
PRINTING = {
    GENERATORS: ["0-main.py", "1-main.py", "2-main.py", "3-main.py",
                 "4-stream_ages.py", "6-age_statistics.py", "seed.py"],
    "python-decorators-0x01": [
        "0-log_queries.py", "1-with_db_connection.py", "2-transactional.py",
        "3-retry_on_failure.py", "4-cache_query.py", "users_db.py"],
    "python-context-async-perations-0x02": [
        "0-databaseconnection.py", "1-execute.py", "3-concurrent.py",
        "users_db.py"],
    UNITTESTS: [],
}
COURSE = load_script(ROOT / GENERATORS / "tests" / "course_mains.py")
SCRIPTS = [(folder, path.name) for folder in PRINTING
           for path in sorted((ROOT / folder).glob("*.py"))]
COURSE_SCRIPTS = [("course", name) for name in sorted(COURSE.COURSE_MAINS)]
EVERY_SCRIPT = SCRIPTS + COURSE_SCRIPTS
PRINTING_SCRIPTS = [(folder, name) for folder, name in EVERY_SCRIPT
                    if folder == "course" or name in PRINTING[folder]]
SHELL_CTRL_C = 128 + signal.SIGINT
# A shell starts a foreground command with Ctrl-C at its default action.
# Started in the background (``make test &``, nohup, some CI runners),
# these tests inherit Ctrl-C ignored, and so would the scripts: ``env``
# gives them the default back before it runs them.
FOREGROUND = ["env", "--default-signal=INT"]


@pytest.fixture(scope="module")
def copies(mysql_env: dict[str, str],
           tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Copy each folder alone, set up as after ``make demo``.

    The course's main files go into a second copy of the generators. The
    generators reach the test server through the ``MYSQL_*`` variables.
    """
    base = tmp_path_factory.mktemp("folders")
    found = {folder: set_up_alone(ROOT / folder, base)
             for folder in PRINTING}
    course = copy_alone(ROOT / GENERATORS, base / "course")
    COURSE.put_course_mains(course)
    found["course"] = course
    return found


def closed_pipe_run(path: Path, unbuffered: bool) -> tuple[int, str]:
    """Run ``path`` into a pipe whose reading end is already closed.

    Every write the script makes meets the closed pipe, whenever it
    writes: there is no race with a reader such as ``head`` here.
    """
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        done = subprocess.run(
            [f"./{path.name}"], cwd=path.parent, stdout=write_end,
            stderr=subprocess.PIPE, text=True, timeout=120,
            env=script_env({"PYTHONUNBUFFERED": "1" if unbuffered else ""}))
    finally:
        os.close(write_end)
    return done.returncode, done.stderr


def the_folder_covers(folder: str) -> bool:
    """Tell whether ``PRINTING`` names real scripts of ``folder`` only."""
    names = {path.name for path in (ROOT / folder).glob("*.py")}
    return set(PRINTING[folder]) <= names


@pytest.mark.parametrize("folder", sorted(PRINTING))
def test_the_lists_name_real_scripts(folder: str) -> None:
    """A renamed script cannot drop out of the checks below unnoticed."""
    assert the_folder_covers(folder)


def quiet(folder: str, name: str, stderr: str) -> bool:
    """Tell whether a script's standard error is as quiet as it must be.

    The test files of 0x03 write their report there: it must say OK.
    """
    if folder == UNITTESTS and name.startswith("test_"):
        return stderr.rstrip().endswith("OK")
    return stderr == ""


@pytest.mark.parametrize("folder, name", EVERY_SCRIPT,
                         ids=[f"{f}/{n}" for f, n in EVERY_SCRIPT])
def test_into_a_closed_pipe_a_script_ends_with_status_0(
        copies: dict[str, Path], folder: str, name: str) -> None:
    """Buffered or not, the closed pipe ends the script: 0, no traceback."""
    modes = [False, True] if (folder, name) in PRINTING_SCRIPTS else [False]
    for unbuffered in modes:
        status, stderr = closed_pipe_run(copies[folder] / name, unbuffered)
        assert status == 0, stderr
        assert quiet(folder, name, stderr), stderr


@pytest.mark.parametrize("folder, name", EVERY_SCRIPT,
                         ids=[f"{f}/{n}" for f, n in EVERY_SCRIPT])
def test_piped_into_head_a_script_ends_with_status_0(
        copies: dict[str, Path], folder: str, name: str) -> None:
    """``./script | head -n 1`` with pipefail: status 0, quiet."""
    done = subprocess.run(
        ["bash", "-o", "pipefail", "-c", f"./{name} | head -n 1"],
        cwd=copies[folder], env=script_env(), capture_output=True,
        text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert quiet(folder, name, done.stderr), done.stderr


def writing_to_a_full_pipe(pid: int) -> bool:
    """Tell whether process ``pid`` sleeps in a write to a full pipe."""
    try:
        return Path(f"/proc/{pid}/wchan").read_text().endswith("pipe_write")
    except OSError:
        return False


def fill(pipe: int) -> None:
    """Write into ``pipe`` until it is full, so the next write blocks."""
    os.set_blocking(pipe, False)
    try:
        while True:
            os.write(pipe, b"-" * 4096)
    except BlockingIOError:
        pass
    os.set_blocking(pipe, True)


def interrupted_run(path: Path, stderr: Path) -> int:
    """Run ``path``, send SIGINT once it blocks printing; return its status.

    After the signal the pipe is read empty, so that a script that goes on
    printing (asyncio lets the running task finish first) can end.
    """
    read_end, write_end = os.pipe()
    fill(write_end)
    with open(stderr, "w") as errors:
        process = subprocess.Popen(
            [*FOREGROUND, f"./{path.name}"], cwd=path.parent,
            stdout=write_end, stderr=errors,
            env=script_env({"PYTHONUNBUFFERED": "1"}))
    os.close(write_end)
    try:
        deadline = time.monotonic() + 60
        while not writing_to_a_full_pipe(process.pid):
            assert process.poll() is None, "it ended before it printed"
            assert time.monotonic() < deadline, "it never printed"
            time.sleep(0.01)
        process.send_signal(signal.SIGINT)
        while os.read(read_end, 65536):
            pass
        return process.wait(timeout=60)
    finally:
        os.close(read_end)
        if process.poll() is None:
            process.kill()
            process.wait()


@pytest.mark.parametrize("folder, name", PRINTING_SCRIPTS,
                         ids=[f"{f}/{n}" for f, n in PRINTING_SCRIPTS])
def test_ctrl_c_while_a_script_runs_ends_it_with_status_130(
        copies: dict[str, Path], tmp_path: Path, folder: str,
        name: str) -> None:
    """SIGINT in the middle of printing: status 130, no traceback."""
    status = interrupted_run(copies[folder] / name, tmp_path / "stderr")
    shell_status = 128 - status if status < 0 else status
    assert shell_status == SHELL_CTRL_C
    assert (tmp_path / "stderr").read_text() == ""
