#!/usr/bin/env python3
"""The graders' conventions, checked on every Python file of the repository.

Scripts start with ``#!/usr/bin/env python3`` and are executable; every
module, class and function has a docstring; every function is annotated.
"""
import ast
import os
import subprocess
from pathlib import Path
from typing import List

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHEBANG = "#!/usr/bin/env python3"
# In these folders every Python file is a script a grader may run.
SCRIPT_FOLDERS = ("python-generators-0x00", "python-decorators-0x01",
                  "python-context-async-perations-0x02",
                  "0x03-Unittests_and_integration_tests")


def python_files() -> List[str]:
    """Return the repository's Python files, as git sees them."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard",
         "*.py"], cwd=ROOT, capture_output=True, text=True, check=True)
    return sorted(name for name in listed.stdout.split()
                  if (ROOT / name).exists())


FILES = python_files()


def missing_annotations(function: ast.AST) -> List[str]:
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
                problems.append("docstring of {} (line {})".format(
                    node.name, node.lineno))
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            problems += ["annotation of {} in {} (line {})".format(
                what, node.name, node.lineno)
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
