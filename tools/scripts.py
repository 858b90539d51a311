"""Import and run a task folder's scripts, whose names start with a digit.

Scripts such as ``0-stream_users.py`` cannot be imported with ``import``, and
several folders have modules with the same name, so tests load them by path.
"""
import importlib.util
import os
import shlex
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Mapping, Optional, Sequence

ROOT = Path(__file__).resolve().parent.parent


def load_script(path: Path) -> ModuleType:
    """Import the script at ``path`` under a unique name and return it.

    The script's folder is put first on ``sys.path`` so that the script's
    own ``__import__('seed')``-style imports find their neighbours.
    """
    path = Path(path).resolve()
    folder = str(path.parent)
    if folder not in sys.path:
        sys.path.insert(0, folder)
    name = "_script_{}_{}".format(
        path.parent.name.replace("-", "_"),
        path.stem.replace("-", "_"))
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    # As ``import`` does: the module is in sys.modules while it runs.
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def run_script(path: Path, args: Sequence[str] = (),
               env: Optional[Mapping[str, str]] = None,
               cwd: Optional[Path] = None, shell_pipe: str = "",
               timeout: float = 120) -> subprocess.CompletedProcess:
    """Run a script the way a grader does and capture what it printed.

    The script runs from its own folder (or ``cwd``) with the virtualenv's
    Python first on ``PATH``, so ``#!/usr/bin/env python3`` finds it. With
    ``shell_pipe`` (for example ``"head -n 5"``) the script's output goes
    through that command in a shell, as in ``./2-main.py | head -n 5``.
    """
    path = Path(path).resolve()
    full_env = dict(os.environ)
    full_env["PATH"] = "{}{}{}".format(
        Path(sys.executable).parent, os.pathsep, full_env.get("PATH", ""))
    full_env.update(env or {})
    command = ["./" + path.name, *args]
    if shell_pipe:
        command = ["bash", "-o", "pipefail", "-c",
                   "{} | {}".format(shlex.join(command), shell_pipe)]
    return subprocess.run(command, cwd=str(cwd or path.parent),
                          env=full_env, capture_output=True, text=True,
                          timeout=timeout)
