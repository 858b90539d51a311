#!/usr/bin/env python3
"""The curriculum's own main files run as they are, and so do ours.

Each test works on a copy of this folder alone (as a learner submits it),
where the course's main files, first line ``#!/usr/bin/python3``, replace
ours. They print what this folder's README shows for ours. With the
private server stopped, every main file, theirs and ours, says in one
sentence how to start it; the course's ``0-main.py`` run from another
folder says where to run it from.
"""
import os
from pathlib import Path

import pytest

from tools.readme import Step, run, steps
from tools.scripts import copy_alone, load_script, run_script
from tools.system_python import SYSTEM_PYTHON, has_pins, pins, probe

FOLDER = Path(__file__).resolve().parent.parent
course = load_script(FOLDER / "tests" / "course_mains.py")
STOPPED = ("The private MariaDB is not running: start it with `make "
           "db-start` from the repository root.\n")
# Scripts of ours that connect when they run.
OURS = ["0-main.py", "1-main.py", "2-main.py", "3-main.py",
        "4-stream_ages.py", "6-age_statistics.py", "seed.py"]


def system_python_ready() -> bool:
    """Tell whether /usr/bin/python3 imports the pinned packages.

    ``make test`` (as ``make demo``) installs them for it when run as root;
    otherwise a course main file must say which Python lacks them.
    """
    return os.path.exists(SYSTEM_PYTHON) and has_pins(
        probe(SYSTEM_PYTHON, pins()), pins())


@pytest.fixture
def course_folder(tmp_path: Path) -> Path:
    """Return a copy of this folder alone with the course's main files."""
    copy = copy_alone(FOLDER, tmp_path)
    course.put_course_mains(copy)
    return copy


def readme_step(command: str) -> Step:
    """Return this folder's README step for ``command``."""
    return next(step for step in steps(FOLDER / "README.md")
                if step.command == command)


@pytest.mark.parametrize("command", ["./0-main.py", "./1-main.py",
                                     "./2-main.py | head -n 5",
                                     "./3-main.py | head -n 7"])
def test_a_course_main_file_prints_what_ours_print(
        mysql_env: dict[str, str], course_folder: Path,
        command: str) -> None:
    """Run with its own #!/usr/bin/python3, it prints the README's output.

    Where /usr/bin/python3 lacks the packages (not root), it says so in one
    sentence that names that Python and the command that works.
    """
    assert (course_folder / "1-main.py").read_text().startswith(
        "#!/usr/bin/python3\n")
    done = run(readme_step(command), course_folder)
    if system_python_ready():
        assert done.returncode == 0
        assert readme_step(command).matches(done.stdout), \
            readme_step(command).difference(done.stdout)
    else:
        script = command.split()[0].removeprefix("./")
        assert done.stdout == (
            f"{SYSTEM_PYTHON} has no mysql-connector-python: run `python3 "
            f"{script}` with the repository's virtualenv active (`source "
            f".venv/bin/activate` at the root), or run `make demo` as root "
            f"once to install it for {SYSTEM_PYTHON}.\n")


@pytest.fixture
def stopped_repository(tmp_path: Path, closed_port: int) -> Path:
    """Return a repository whose private server is stopped.

    Its option file names a loopback port that refuses connections, as
    after ``make db-stop``; the folder holds our scripts and, under
    ``course/``, a second copy with the course's main files.
    """
    private = tmp_path / ".mysql"
    private.mkdir()
    (private / "client.cnf").write_text(
        f"[client]\nhost=127.0.0.1\nport={closed_port}\nuser=alx\n"
        f"password=x\n")
    copy_alone(FOLDER, tmp_path)
    course.put_course_mains(copy_alone(FOLDER, tmp_path / "course"))
    (tmp_path / "course" / ".mysql").symlink_to(private)
    return tmp_path


NOT_NAMED = {"MYSQL_HOST": "", "MYSQL_UNIX_SOCKET": ""}


@pytest.mark.parametrize("script", OURS)
def test_with_the_server_stopped_our_main_files_say_how_to_start_it(
        stopped_repository: Path, script: str) -> None:
    """One sentence, status 1, nothing on standard output."""
    done = run_script(stopped_repository / FOLDER.name / script,
                      env=NOT_NAMED)
    assert (done.returncode, done.stdout, done.stderr) == (1, "", STOPPED)


@pytest.mark.parametrize("script", sorted(course.COURSE_MAINS))
def test_with_the_server_stopped_the_course_main_files_say_it_too(
        stopped_repository: Path, script: str) -> None:
    """The course's files catch nothing: still one sentence, no traceback.

    Its ``0-main.py`` checks ``connect_db()``'s None and ends with status
    0 after the sentence that ``connect_db`` prints; the others end with 1.
    """
    if not system_python_ready():
        pytest.skip(f"{SYSTEM_PYTHON} lacks the packages (run as root)")
    path = stopped_repository / "course" / FOLDER.name / script
    done = run_script(path, env=NOT_NAMED)
    status = 0 if script == "0-main.py" else 1
    assert (done.returncode, done.stdout, done.stderr) == (
        status, "", STOPPED)


def test_the_course_0_main_from_another_folder_says_where_to_run_it(
        mysql_env: dict[str, str], course_folder: Path) -> None:
    """It opens 'user_data.csv' where it runs: the sentence names the folder.
    """
    if not system_python_ready():
        pytest.skip(f"{SYSTEM_PYTHON} lacks the packages (run as root)")
    done = run_script(course_folder / "0-main.py", cwd=course_folder.parent)
    assert done.returncode == 1
    assert done.stdout.startswith("connection successful\n")
    assert done.stderr == (
        "user_data.csv is in python-generators-0x00, not in the current "
        "folder: run the script from there (cd python-generators-0x00).\n")


@pytest.mark.parametrize("script", OURS)
def test_our_main_files_run_from_any_folder(
        mysql_env: dict[str, str], tmp_path: Path, script: str) -> None:
    """Ours name their files by their own folder: nothing to say."""
    copy = copy_alone(FOLDER, tmp_path)
    done = run_script(copy / script, cwd=tmp_path)
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout == run_script(copy / script).stdout
