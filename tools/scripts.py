"""Import and run a task folder's scripts, whose names start with a digit.

Scripts such as ``0-stream_users.py`` cannot be imported with ``import``, and
several folders have modules with the same name, so tests load them by path.
"""
import importlib.util
import os
import shlex
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent
# What a copy of a task folder leaves out: its tests, caches, and the
# sample databases, which each test makes as it needs them.
NOT_COPIED = shutil.ignore_patterns("tests", "__pycache__", "users.db*")


def python_files() -> list[str]:
    """Return the repository's Python files as git sees them (tracked, or
    new and not ignored), by path from the root, sorted; a file deleted
    but not yet committed is left out."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard",
         "*.py"], cwd=ROOT, capture_output=True, text=True, check=True)
    return sorted(name for name in listed.stdout.split()
                  if (ROOT / name).exists())


def load_script(path: Path) -> ModuleType:
    """Import the script at ``path`` under a unique name and return it.

    The script's folder is put first on ``sys.path`` so that the script's
    own ``__import__('seed')``-style imports find their neighbours.
    """
    path = Path(path).resolve()
    folder = str(path.parent)
    if folder not in sys.path:
        sys.path.insert(0, folder)
    name = (f"_script_{path.parent.name.replace('-', '_')}_"
            f"{path.stem.replace('-', '_')}")
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    # As ``import`` does: the module is in sys.modules while it runs.
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def script_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """Return the environment a script runs in, as after ``make demo``.

    The virtualenv's Python comes first on ``PATH``, so that
    ``#!/usr/bin/env python3`` (and ``python``) find it; ``extra`` is added.
    """
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"
    env.update(extra or {})
    return env


def run_script(path: Path, args: Sequence[str] = (),
               env: Mapping[str, str] | None = None,
               cwd: Path | None = None, shell_pipe: str = "",
               timeout: float = 120) -> subprocess.CompletedProcess:
    """Run a script the way a grader does and capture what it printed.

    The script runs from its own folder (or from ``cwd``, named by its
    path from there) with the virtualenv's Python first on ``PATH``, so
    ``#!/usr/bin/env python3`` finds it. With ``shell_pipe`` (for example
    ``"head -n 5"``) the script's output goes through that command in a
    shell, as in ``./2-main.py | head -n 5``.
    """
    path = Path(path).resolve()
    cwd = Path(cwd or path.parent).resolve()
    name = os.path.relpath(path, cwd)
    command = [name if os.sep in name else f"./{name}", *args]
    if shell_pipe:
        command = ["bash", "-o", "pipefail", "-c",
                   f"{shlex.join(command)} | {shell_pipe}"]
    return subprocess.run(command, cwd=str(cwd),
                          env=script_env(env), capture_output=True,
                          text=True, timeout=timeout)


def copy_alone(folder: Path, destination: Path) -> Path:
    """Copy a task folder, and nothing else, into ``destination``.

    This is how a learner submits a folder. Links are copied as links, so
    one that points back into the repository would be dangling here.
    """
    copy = Path(destination) / Path(folder).name
    shutil.copytree(folder, copy, symlinks=True, ignore=NOT_COPIED)
    return copy


def set_up_alone(folder: Path, destination: Path) -> Path:
    """Copy a task folder alone, set up as ``make demo`` leaves it.

    A SQLite folder creates its sample database with its own
    ``./users_db.py``: nothing outside the copy is needed. (If that fails,
    the scripts say so when they run.)
    """
    copy = copy_alone(folder, destination)
    if (copy / "users_db.py").exists():
        subprocess.run(["./users_db.py"], cwd=copy, env=script_env(),
                       capture_output=True)
    return copy
