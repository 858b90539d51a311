#!/usr/bin/env python3
"""``make demo`` says what it does from its first second, a line per step.

The order of its steps comes from make itself, in a dry run (nothing
runs); each step then prints its own line as it starts, which the tests of
each tool check, and the two cheap ones are run here.
"""
import os
import subprocess
import sys

from tools.scripts import ROOT

# The steps of make demo, each a command that prints its own first line.
STEPS = ["tools/setup_venv.sh", "-m tools.system_python",
         "-m tools.mysql_server ensure", "-m tools.users_db",
         "-m tools.readme", "-m messaging_app demo"]


def dry_run(target: str) -> list[str]:
    """Return the commands ``make`` would run for ``target``, in order.

    Run from ``make test``, this is a make within a make: without the outer
    one's variables it prints only the commands.
    """
    env = {name: value for name, value in os.environ.items()
           if name not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    done = subprocess.run(["make", "--no-print-directory", "--dry-run",
                           "--always-make", target], cwd=ROOT, env=env,
                          capture_output=True, text=True, check=True)
    return done.stdout.splitlines()


def test_the_first_thing_make_demo_does_is_say_so() -> None:
    """Before the virtualenv's install, the slowest step, comes its line."""
    commands = dry_run("demo")
    assert commands[0].startswith('echo "Virtualenv: installing the pinned '
                                  'packages into .venv/ (the first time')
    assert "setup_venv.sh" in commands[1]


def test_every_step_of_make_demo_is_one_that_announces_itself() -> None:
    """Each command is an echo or one of the steps that print a line first.
    """
    silent = [command for command in dry_run("demo")
              if not command.startswith("echo ")
              and not any(step in command for step in STEPS)]
    assert silent == []


def test_the_system_python_step_prints_one_line() -> None:
    """The step for the course's main files says where things stand."""
    done = subprocess.run([sys.executable, "-m", "tools.system_python"],
                          cwd=ROOT, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0
    lines = (done.stdout + done.stderr).splitlines()
    assert lines and all(line.startswith("System Python: ") for line in lines)


def test_the_readme_step_prints_each_folder_and_command_first() -> None:
    """A header for the folder, then each command before its output."""
    folder = "0x03-Unittests_and_integration_tests"
    done = subprocess.run([sys.executable, "-m", "tools.readme", folder],
                          cwd=ROOT, capture_output=True, text=True,
                          timeout=300)
    assert (done.returncode, done.stderr) == (0, "")
    lines = done.stdout.splitlines()
    assert lines[:2] == [
        f"=== {folder} ===",
        "$ python -m unittest -v test_utils.py test_client.py"]
    assert lines[-1] == "OK"
