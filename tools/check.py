"""``make check``: the curriculum grader's checks, for a learner to run first.

    make check                          # every task folder
    make check FOLDER=python-decorators-0x01
    .venv/bin/python -m tools.check FOLDER...

One line per check, ``PASS`` or ``FAIL``, naming the file and what was
checked; a failure says what to change. The checks are those a grader
makes: the first line, the executable bit (as git stores it, when the file
is in git), the final newline, docstrings on every module, class and
function, annotations where the curriculum asks for them, pycodestyle at
79 columns, the required files and names (looked up at run time, on the
class itself, as a checker importing the module sees them), the loop
limits of the generators (comprehensions count), ``yield`` in each
generator file, no SQL average in ``4-stream_ages.py``, and the output of
each main file, compared with what the folder's README shows. The outputs
come from a copy of the folder alone, so the check also shows that it runs
once submitted on its own. Exit status 1 when a check fails.
"""
import ast
import json
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from tools import mysql_server
from tools.readme import run, steps
from tools.scripts import set_up_alone

SHEBANG = "#!/usr/bin/env python3"
MAX_LINE = 79


@dataclass(frozen=True)
class Rules:
    """What the curriculum requires of one task folder."""

    names: dict[str, list[str]]
    files: tuple[str, ...] = ("README.md",)
    loops: dict[str, int] = field(default_factory=dict)
    generators: tuple[str, ...] = ()
    no_sql_average: tuple[str, ...] = ()
    annotations: bool = False


RULES = {
    "python-generators-0x00": Rules(
        names={
            "seed.py": ["connect_db", "create_database",
                        "connect_to_prodev", "create_table", "insert_data"],
            "0-stream_users.py": ["stream_users"],
            "1-batch_processing.py": ["stream_users_in_batches",
                                      "batch_processing"],
            "2-lazy_paginate.py": ["paginate_users", "lazy_paginate",
                                   "lazy_pagination"],
            "4-stream_ages.py": ["stream_user_ages"],
            "0-main.py": [], "1-main.py": [], "2-main.py": [],
            "3-main.py": []},
        files=("README.md", "user_data.csv"),
        loops={"0-stream_users.py": 1, "1-batch_processing.py": 3,
               "2-lazy_paginate.py": 1, "4-stream_ages.py": 2},
        generators=("0-stream_users.py", "1-batch_processing.py",
                    "2-lazy_paginate.py", "4-stream_ages.py"),
        no_sql_average=("4-stream_ages.py",)),
    "python-decorators-0x01": Rules(names={
        "0-log_queries.py": ["log_queries", "fetch_all_users"],
        "1-with_db_connection.py": ["with_db_connection", "get_user_by_id"],
        "2-transactional.py": ["transactional", "update_user_email"],
        "3-retry_on_failure.py": ["retry_on_failure",
                                  "fetch_users_with_retry"],
        "4-cache_query.py": ["query_cache", "cache_query",
                             "fetch_users_with_cache"]}),
    "python-context-async-perations-0x02": Rules(names={
        "0-databaseconnection.py": ["DatabaseConnection.__init__",
                                    "DatabaseConnection.__enter__",
                                    "DatabaseConnection.__exit__"],
        "1-execute.py": ["ExecuteQuery.__init__", "ExecuteQuery.__enter__",
                         "ExecuteQuery.__exit__"],
        "3-concurrent.py": ["async_fetch_users", "async_fetch_older_users",
                            "fetch_concurrently"]}),
    "0x03-Unittests_and_integration_tests": Rules(
        names={
            "utils.py": ["access_nested_map", "get_json", "memoize"],
            "client.py": ["GithubOrgClient.org",
                          "GithubOrgClient._public_repos_url",
                          "GithubOrgClient.repos_payload",
                          "GithubOrgClient.public_repos",
                          "GithubOrgClient.has_license"],
            "fixtures.py": ["TEST_PAYLOAD"],
            "test_utils.py": [
                "TestAccessNestedMap.test_access_nested_map",
                "TestAccessNestedMap.test_access_nested_map_exception",
                "TestGetJson.test_get_json", "TestMemoize.test_memoize"],
            "test_client.py": [
                "TestGithubOrgClient.test_org",
                "TestGithubOrgClient.test_public_repos_url",
                "TestGithubOrgClient.test_public_repos",
                "TestGithubOrgClient.test_has_license",
                "TestIntegrationGithubOrgClient.setUpClass",
                "TestIntegrationGithubOrgClient.tearDownClass",
                "TestIntegrationGithubOrgClient.test_public_repos",
                "TestIntegrationGithubOrgClient"
                ".test_public_repos_with_license"]},
        annotations=True),
}

# Run in the folder by the virtualenv's Python: import each module and
# report, per module, the required names it lacks at run time. A name
# "Class.attribute" must be defined on the class itself, not inherited,
# and not None (a decorator may have emptied it).
NAMES_AT_RUN_TIME = """
import importlib, json, sys
found = {}
for module_name, names in json.loads(sys.argv[1]).items():
    try:
        module = importlib.import_module(module_name)
    except BaseException as error:
        found[module_name] = "error: %s: %s" % (type(error).__name__, error)
        continue
    missing = []
    for name in names:
        owner_name, _, attribute = name.rpartition(".")
        if owner_name:
            owner = getattr(module, owner_name, None)
            value = vars(owner).get(attribute) if owner else None
        else:
            value = getattr(module, attribute, None)
        if value is None:
            missing.append(name)
    found[module_name] = missing
sys.stdout.write(json.dumps(found))
"""


@dataclass(frozen=True)
class Check:
    """One check's outcome: where, what, and for a failure what to do."""

    where: str
    what: str
    fix: str = ""

    @property
    def passed(self) -> bool:
        """A check passes when there is nothing to change."""
        return not self.fix

    def line(self) -> str:
        """Return the check as the one line ``make check`` prints."""
        if self.passed:
            return f"PASS  {self.where}: {self.what}"
        return f"FAIL  {self.where}: {self.what} -> {self.fix}"


def python_files(folder: Path) -> list[Path]:
    """Return the folder's Python files (its tests/ are not the task's)."""
    return sorted(folder.glob("*.py"))


def git_mode(path: Path) -> str | None:
    """Return the mode git stores for ``path``, or None if git has none."""
    done = subprocess.run(["git", "ls-files", "--stage", "--", path.name],
                          cwd=path.parent, capture_output=True, text=True)
    fields = done.stdout.split()
    return fields[0] if done.returncode == 0 and fields else None


def first_line(where: str, text: str) -> Check:
    """The first line is the shebang the curriculum asks for."""
    line = text.split("\n", 1)[0]
    if line == SHEBANG:
        return Check(where, f"first line is {SHEBANG}")
    return Check(where, f"first line is {line!r}", f"make it {SHEBANG}")


def executable(where: str, path: Path) -> Check:
    """The file is executable where the grader will look: in git."""
    mode = git_mode(path)
    if mode is not None:
        if mode == "100755":
            return Check(where, "executable in git (mode 100755)")
        return Check(where, f"git stores mode {mode}",
                     f"run `git update-index --chmod=+x {path.name}` in "
                     f"its folder (or chmod +x it, then git add it)")
    if os.access(path, os.X_OK):
        return Check(where, "executable")
    return Check(where, "not executable", f"run `chmod +x {path.name}`")


def final_newline(where: str, text: str) -> Check:
    """The file ends with a newline."""
    if text.endswith("\n"):
        return Check(where, "ends with a newline")
    return Check(where, "does not end with a newline",
                 "add a newline after its last line")


Definition = ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef


def defined(tree: ast.AST) -> Iterator[Definition]:
    """Yield every function and class the module defines, at any depth."""
    for node in ast.walk(tree):
        if isinstance(node, Definition):
            yield node


def docstrings(where: str, tree: ast.Module) -> Check:
    """The module, and every class and function in it, has a docstring."""
    missing = [] if ast.get_docstring(tree) else ["the module"]
    missing += [f"{node.name} (line {node.lineno})" for node in defined(tree)
                if not ast.get_docstring(node)]
    if not missing:
        return Check(where, "module, classes and functions documented")
    return Check(where, f"no docstring for {', '.join(missing[:3])}",
                 "add a docstring (a sentence saying what it does) to each")


def annotations(where: str, tree: ast.Module) -> Check:
    """Every function annotates its parameters (not self, cls) and return."""
    missing = []
    for node in defined(tree):
        if isinstance(node, ast.ClassDef):
            continue
        arguments = node.args
        every = (arguments.posonlyargs + arguments.args
                 + arguments.kwonlyargs
                 + [a for a in (arguments.vararg, arguments.kwarg) if a])
        missing += [f"{a.arg} of {node.name}" for a in every
                    if a.annotation is None and a.arg not in ("self", "cls")]
        if node.returns is None:
            missing.append(f"the return of {node.name}")
    if not missing:
        return Check(where, "every function annotated")
    return Check(where, f"no annotation for {', '.join(missing[:3])}",
                 "annotate every parameter and return value")


def style(folder: Path, files: list[Path]) -> dict[str, list[str]]:
    """Run pycodestyle (79 columns) once; return its complaints per file."""
    done = subprocess.run(
        [sys.executable, "-m", "pycodestyle", f"--max-line-length={MAX_LINE}",
         *[path.name for path in files]], cwd=folder, capture_output=True,
        text=True)
    if done.returncode not in (0, 1) or done.stderr:
        raise SystemExit(f"pycodestyle did not run ({done.stderr.strip()}): "
                         f"run `make setup` at the repository root.")
    found: dict[str, list[str]] = {}
    for line in done.stdout.splitlines():
        name, _, complaint = line.partition(":")
        found.setdefault(name, []).append(complaint)
    return found


def pycodestyle_check(where: str, complaints: list[str]) -> Check:
    """pycodestyle finds nothing to complain about."""
    if not complaints:
        return Check(where, f"pycodestyle clean ({MAX_LINE} columns)")
    return Check(where, f"pycodestyle: {len(complaints)} problem(s), first "
                        f"at line {complaints[0].strip()}",
                 f"run `pycodestyle --max-line-length={MAX_LINE} "
                 f"{where.rpartition('/')[2]}` and fix each line")


def loop_count(tree: ast.Module) -> int:
    """Count the loops as a grader does: for, while, each comprehension."""
    return sum(isinstance(node, (ast.For, ast.AsyncFor, ast.While,
                                 ast.comprehension))
               for node in ast.walk(tree))


def loop_limit(where: str, tree: ast.Module, limit: int) -> Check:
    """The file has no more loops than the task allows."""
    count = loop_count(tree)
    if count <= limit:
        return Check(where, f"{count} loop(s), at most {limit} allowed")
    return Check(where, f"{count} loops, at most {limit} allowed",
                 "remove loops (comprehensions count too), or move the "
                 "extra code to a file of its own")


def uses_yield(where: str, tree: ast.Module) -> Check:
    """A generator file uses ``yield``."""
    if any(isinstance(node, (ast.Yield, ast.YieldFrom))
           for node in ast.walk(tree)):
        return Check(where, "uses yield")
    return Check(where, "never uses yield",
                 "write the function as a generator, with yield")


def no_sql_average(where: str, text: str) -> Check:
    """The average is computed in Python, not by SQL's AVG."""
    if re.search(r"\bavg\b", text, re.IGNORECASE):
        return Check(where, "mentions SQL's AVG",
                     "compute the average from the generator, and do not "
                     "write AVG anywhere in the file")
    return Check(where, "no SQL AVG")


def file_checks(folder: Path, rules: Rules) -> list[Check]:
    """Run the checks that look at each Python file of the folder."""
    files = python_files(folder)
    complaints = style(folder, files)
    checks = []
    for path in files:
        where = f"{folder.name}/{path.name}"
        text = path.read_text()
        checks += [first_line(where, text), executable(where, path),
                   final_newline(where, text)]
        try:
            tree = ast.parse(text, filename=path.name)
        except SyntaxError as error:
            checks.append(Check(where, f"does not parse (line "
                                       f"{error.lineno}: {error.msg})",
                                "fix the syntax error"))
            continue
        checks.append(docstrings(where, tree))
        if rules.annotations:
            checks.append(annotations(where, tree))
        checks.append(pycodestyle_check(where, complaints.get(path.name, [])))
        if path.name in rules.loops:
            checks.append(loop_limit(where, tree, rules.loops[path.name]))
        if path.name in rules.generators:
            checks.append(uses_yield(where, tree))
        if path.name in rules.no_sql_average:
            checks.append(no_sql_average(where, text))
    return checks


def name_checks(folder: Path, rules: Rules) -> list[Check]:
    """Every required file exists and defines its names at run time."""
    checks = []
    for name in rules.files:
        where = f"{folder.name}/{name}"
        checks.append(Check(where, "exists") if (folder / name).exists()
                      else Check(where, "missing", f"create {name}"))
    present = {name: wanted for name, wanted in rules.names.items()
               if (folder / name).exists()}
    checks += [Check(f"{folder.name}/{name}", "missing", f"create {name}")
               for name in rules.names if name not in present]
    wanted = {name.removesuffix(".py"): names
              for name, names in present.items() if names}
    done = subprocess.run([sys.executable, "-c", NAMES_AT_RUN_TIME,
                           json.dumps(wanted)], cwd=folder,
                          capture_output=True, text=True, timeout=120)
    found = json.loads(done.stdout or "{}")
    for module, names in wanted.items():
        where = f"{folder.name}/{module}.py"
        missing = found.get(module, "error: the check could not run")
        if isinstance(missing, str):
            checks.append(Check(where, f"cannot be imported ({missing[7:]})",
                                "make it importable"))
        elif missing:
            checks.append(Check(
                where, f"does not define {', '.join(missing)} at run time",
                "define these names, spelled as the curriculum spells them"))
        else:
            checks.append(Check(where, f"defines {', '.join(names)}"))
    return checks


def server_env() -> dict[str, str]:
    """Return the ``MYSQL_*`` variables of the server the outputs need.

    The user's own when ``MYSQL_HOST`` is set; otherwise the private
    MariaDB, started if need be (its line says so).
    """
    if mysql_server.env_configured():
        return {}
    server = mysql_server.private_server()
    if not server.running():
        print(mysql_server.ensure(), flush=True)
    return server.env()


def output_checks(folder: Path) -> list[Check]:
    """Each README command, run in a copy of the folder alone, prints what
    the README shows."""
    readme = folder / "README.md"
    if not readme.exists():
        return []
    env = server_env() if folder.name == "python-generators-0x00" else {}
    checks = []
    with tempfile.TemporaryDirectory() as scratch:
        copy = set_up_alone(folder, Path(scratch))
        for step in steps(readme):
            where = f"{folder.name}: $ {step.command}"
            done = run(step, copy, env)
            if done.returncode == 0 and step.matches(done.stdout):
                checks.append(Check(where, "prints what README.md shows"))
            else:
                checks.append(Check(
                    where, f"status {done.returncode}, "
                           f"{step.difference(done.stdout)}",
                    "fix the script (or, if the README is what changed, "
                    "the README)"))
    return checks


def check_folder(folder: Path) -> list[Check]:
    """Run every check on one task folder."""
    rules = RULES[folder.name]
    return (file_checks(folder, rules) + name_checks(folder, rules)
            + output_checks(folder))


def main(names: Sequence[str]) -> int:
    """Check the folders named; print one line a check and a summary."""
    unknown = [name for name in names if Path(name).name not in RULES]
    if not names or unknown:
        print(f"No rules for {', '.join(unknown) or 'no folder'}: name one "
              f"of {', '.join(RULES)}.", file=sys.stderr)
        return 2
    failed = total = 0
    for name in names:
        for check in check_folder(Path(name)):
            print(check.line(), flush=True)
            total += 1
            failed += not check.passed
    if failed:
        print(f"{failed} of {total} checks failed: change what each FAIL "
              f"line says, then run make check again.")
        return 1
    print(f"All {total} checks passed.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
