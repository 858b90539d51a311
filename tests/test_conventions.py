#!/usr/bin/env python3
"""The graders' conventions, checked on every Python file of the repository.

Scripts start with ``#!/usr/bin/env python3`` and are executable; every
module, class and function has a docstring; every function is annotated.
A task folder holds no symbolic link, so that it runs when copied on its
own, and its ``users_db.py`` is the copy of ``tools/users_db.py``.
"""
import ast
import filecmp
import os
import subprocess

import pytest

from tools.scripts import ROOT, python_files

SHEBANG = "#!/usr/bin/env python3"
# In these folders every Python file is a script a grader may run.
SCRIPT_FOLDERS = ("python-generators-0x00", "python-decorators-0x01",
                  "python-context-async-perations-0x02",
                  "0x03-Unittests_and_integration_tests")
FILES = python_files()


def missing_annotations(function: ast.AST) -> list[str]:
    """Name the parameters (and the return) of ``function`` not annotated."""
    arguments = function.args
    every = (arguments.posonlyargs + arguments.args + arguments.kwonlyargs
             + [a for a in (arguments.vararg, arguments.kwarg) if a])
    missing = [a.arg for a in every
               if a.annotation is None and a.arg not in ("self", "cls")]
    if function.returns is None:
        missing.append("return")
    return missing


@pytest.mark.parametrize("name", FILES)
def test_docstrings_and_annotations(name: str) -> None:
    """Every module, class and function is documented and annotated."""
    tree = ast.parse((ROOT / name).read_text(), filename=name)
    problems = [] if ast.get_docstring(tree) else ["module docstring"]
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef,
                             ast.ClassDef)):
            if not ast.get_docstring(node):
                problems.append(f"docstring of {node.name} (line "
                                f"{node.lineno})")
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            problems += [f"annotation of {what} in {node.name} (line "
                         f"{node.lineno})"
                         for what in missing_annotations(node)]
    assert problems == []


@pytest.mark.parametrize("name", FILES)
def test_scripts_have_the_shebang_and_are_executable(name: str) -> None:
    """Task scripts carry the shebang and the executable bit, together."""
    path = ROOT / name
    has_shebang = path.read_text().startswith(SHEBANG + "\n")
    executable = os.access(path, os.X_OK)
    if name.startswith(SCRIPT_FOLDERS):
        assert (has_shebang, executable) == (True, True)
    else:
        assert has_shebang == executable


def git_modes(folder: str) -> dict[str, str]:
    """Return the mode git stores for each file of ``folder``."""
    listed = subprocess.run(["git", "ls-files", "--stage", "--", folder],
                            cwd=ROOT, capture_output=True, text=True,
                            check=True)
    modes = {}
    for line in listed.stdout.splitlines():
        info, name = line.split("\t", 1)
        modes[name] = info.split()[0]
    return modes


@pytest.mark.parametrize("folder", SCRIPT_FOLDERS)
def test_git_stores_no_link_and_every_script_executable(folder: str) -> None:
    """A grader (and a copy of the folder) sees what git stores.

    A symbolic link (mode 120000) fails the executable-bit check and is
    missing from a folder copied alone; a script stored as 100644 loses
    its executable bit on a fresh clone.
    """
    modes = git_modes(folder)
    assert [name for name, mode in modes.items() if mode == "120000"] == []
    assert {name: mode for name, mode in modes.items()
            if name.endswith(".py") and mode != "100755"} == {}


@pytest.mark.parametrize("folder", ["python-decorators-0x01",
                                    "python-context-async-perations-0x02"])
def test_the_users_db_copy_is_the_one_in_tools(folder: str) -> None:
    """users_db.py is written once: the folders hold copies of tools'."""
    assert filecmp.cmp(ROOT / "tools" / "users_db.py",
                       ROOT / folder / "users_db.py", shallow=False), (
        f"{folder}/users_db.py differs from tools/users_db.py: edit the "
        f"one in tools/ and run `make users-db`")
