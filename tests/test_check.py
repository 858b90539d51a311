#!/usr/bin/env python3
"""``make check`` passes on this repository and fails on broken copies.

Each task folder is copied alone and broken on purpose, one mistake per
kind of check a grader makes; the check must name each mistake on a FAIL
line that says what to change.
"""
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tools.scripts import ROOT, copy_alone

FOLDERS = ["python-generators-0x00", "python-decorators-0x01",
           "python-context-async-perations-0x02",
           "0x03-Unittests_and_integration_tests"]


def check(*folders: Path | str) -> subprocess.CompletedProcess:
    """Run ``python -m tools.check`` on ``folders``, as make check does."""
    return subprocess.run(
        [sys.executable, "-m", "tools.check", *map(str, folders)],
        cwd=ROOT, capture_output=True, text=True, timeout=300)


def edit(old: str, new: str) -> Callable[[Path], None]:
    """Return a change that replaces ``old`` (which must be there)."""
    def change(path: Path) -> None:
        """Replace the text in the file."""
        text = path.read_text()
        assert old in text, f"{old!r} is not in {path.name}"
        path.write_text(text.replace(old, new))
    return change


def not_executable(path: Path) -> None:
    """Take the executable bits away."""
    path.chmod(0o644)


def no_final_newline(path: Path) -> None:
    """Remove the newline at the end of the file."""
    path.write_text(path.read_text().rstrip("\n"))


EXTRA_LOOP = '''

def squares() -> list:
    """A second loop, in a comprehension."""
    return [number * number for number in range(3)]
'''

# (folder, file, the mistake, the start of the FAIL line it must cause)
MISTAKES = [
    ("python-generators-0x00", "0-stream_users.py",
     edit("sys.modules[__name__]", EXTRA_LOOP + "\n\nsys.modules[__name__]"),
     "0-stream_users.py: 2 loops, at most 1 allowed -> "),
    ("python-generators-0x00", "1-batch_processing.py",
     edit("yield from seed.batches(cursor, batch_size)",
          "return list(seed.batches(cursor, batch_size))"),
     "1-batch_processing.py: never uses yield -> "),
    ("python-generators-0x00", "4-stream_ages.py",
     edit('"SELECT age FROM user_data"', '"SELECT AVG(age) FROM user_data"'),
     "4-stream_ages.py: mentions SQL's AVG -> "),
    ("python-generators-0x00", "seed.py",
     edit("def connect_to_prodev(", "def connect_prodev("),
     "seed.py: does not define connect_to_prodev at run time -> "),
    ("python-generators-0x00", "2-lazy_paginate.py", not_executable,
     "2-lazy_paginate.py: not executable -> run `chmod +x "),
    ("python-generators-0x00", "1-main.py",
     edit("#!/usr/bin/env python3", "#!/usr/bin/python3"),
     "1-main.py: first line is '#!/usr/bin/python3' -> make it "),
    ("python-generators-0x00", "3-main.py", no_final_newline,
     "3-main.py: does not end with a newline -> "),
    ("python-generators-0x00", "1-main.py",
     edit("islice(stream_users(), 6)", "islice(stream_users(), 5)"),
     ": $ ./1-main.py: status 0, line 6 shows "),
    ("python-decorators-0x01", "0-log_queries.py",
     edit("log_queries", "log_query"),
     "0-log_queries.py: does not define log_queries at run time -> "),
    ("python-decorators-0x01", "2-transactional.py",
     edit('Result = TypeVar("Result")',
          'Result = TypeVar("Result")  # a comment that goes on and on, well '
          'past the limit of the style'),
     "2-transactional.py: pycodestyle: 1 problem(s), first at line "),
    ("python-decorators-0x01", "3-retry_on_failure.py",
     edit('    """Return every user, retrying while the database is '
          'busy."""\n', ""),
     "3-retry_on_failure.py: no docstring for fetch_users_with_retry "),
    ("python-decorators-0x01", "4-cache_query.py",
     edit("users; second call", "users, second call"),
     ": $ ./4-cache_query.py: status 0, line 1 shows "),
    ("python-context-async-perations-0x02", "0-databaseconnection.py",
     not_executable, "0-databaseconnection.py: not executable -> "),
    ("python-context-async-perations-0x02", "1-execute.py",
     edit('    """Run a query with parameters and hand its rows to a '
          '``with`` block."""\n', ""),
     "1-execute.py: no docstring for ExecuteQuery "),
    ("python-context-async-perations-0x02", "3-concurrent.py",
     edit("fetch_concurrently", "fetch_both"),
     "3-concurrent.py: does not define fetch_concurrently at run time -> "),
    ("0x03-Unittests_and_integration_tests", "utils.py",
     edit("def get_json(url: str) -> Any:", "def get_json(url):"),
     "utils.py: no annotation for url of get_json, the return of get_json "),
    ("0x03-Unittests_and_integration_tests", "test_client.py",
     edit("def test_org(", "def test_organisation("),
     "test_client.py: does not define TestGithubOrgClient.test_org at run "
     "time -> "),
    ("0x03-Unittests_and_integration_tests", "client.py", no_final_newline,
     "client.py: does not end with a newline -> "),
]


def test_the_repository_passes_every_check(
        mysql_env: dict[str, str]) -> None:
    """Every line is a PASS; the summary says so; status 0."""
    done = check(*(ROOT / folder for folder in FOLDERS))
    lines = done.stdout.splitlines()
    assert (done.returncode, done.stderr) == (0, "")
    assert [line for line in lines[:-1] if not line.startswith("PASS  ")] \
        == []
    assert re.fullmatch(r"All \d+ checks passed\.", lines[-1])


@pytest.mark.parametrize("folder", FOLDERS)
def test_a_broken_copy_fails_with_a_line_per_mistake(
        mysql_env: dict[str, str], tmp_path: Path, folder: str) -> None:
    """Each deliberate mistake shows as a FAIL line saying what to do."""
    copy = copy_alone(ROOT / folder, tmp_path)
    expected = []
    for where, name, mistake, line in MISTAKES:
        if where == folder:
            mistake(copy / name)
            expected.append(f"FAIL  {folder}{'' if line[0] == ':' else '/'}"
                            f"{line}")
    done = check(copy)
    failures = [line for line in done.stdout.splitlines()
                if line.startswith("FAIL  ")]
    assert done.returncode == 1
    assert [want for want in expected
            if not any(got.startswith(want) for got in failures)] == []
    assert done.stdout.splitlines()[-1].endswith(
        "checks failed: change what each FAIL line says, then run make "
        "check again.")


def test_an_unknown_folder_is_named_in_one_sentence() -> None:
    """A folder without rules: status 2 and the folders there are."""
    done = check("python-generators-0x01")
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr.startswith("No rules for python-generators-0x01: "
                                  "name one of python-generators-0x00, ")
