#!/usr/bin/env python3
"""Run every main file as a grader does and compare its exact output.

The expected rows are worked out here from ``user_data.csv`` itself: ids
are uuid5 of the email, the table's order is the order of the ids.
"""
import csv
import statistics
import uuid
from pathlib import Path

from tools.scripts import load_script, run_script

FOLDER = Path(__file__).resolve().parent.parent


def expected_users() -> list[dict[str, object]]:
    """Return the CSV's users as the scripts print them, in table order."""
    with open(FOLDER / "user_data.csv", newline="") as source:
        users = [{"user_id": str(uuid.uuid5(uuid.NAMESPACE_URL,
                                            "mailto:" + row["email"])),
                  "name": row["name"], "email": row["email"],
                  "age": int(row["age"])}
                 for row in csv.DictReader(source)]
    return sorted(users, key=lambda user: user["user_id"])


def lines_of(done: object) -> list[str]:
    """Return the printed lines, after checking the script ended quietly."""
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    return done.stdout.splitlines()


def test_0_main_prints_the_setup_and_first_five_rows(
        mysql_env: dict[str, str], sql: object) -> None:
    """0-main.py prints the curriculum's three lines and 5 row tuples."""
    first_five = [tuple(user.values()) for user in expected_users()[:5]]
    assert lines_of(run_script(FOLDER / "0-main.py")) == [
        "connection successful",
        "Table user_data created successfully",
        "Database ALX_prodev is present ",
        repr(first_five),
    ]
    assert sql("SELECT COUNT(*) FROM user_data") == [(1000,)]


def test_seeding_again_keeps_exactly_1000_rows(
        mysql_env: dict[str, str], sql: object) -> None:
    """Running the seed twice more adds no row."""
    for _ in range(2):
        assert run_script(FOLDER / "seed.py").returncode == 0
    assert sql("SELECT COUNT(*), COUNT(DISTINCT email) FROM user_data") == [
        (1000, 1000)]


def test_1_main_prints_the_first_six_users(
        mysql_env: dict[str, str]) -> None:
    """1-main.py prints 6 dicts, one a line, in table order."""
    assert lines_of(run_script(FOLDER / "1-main.py")) == [
        repr(user) for user in expected_users()[:6]]


def test_the_curriculum_1_main_calls_the_module_object(
        mysql_env: dict[str, str], tmp_path: Path) -> None:
    """The curriculum's own 1-main.py shape works unchanged."""
    main = tmp_path / "1-main.py"
    main.write_text(
        "#!/usr/bin/env python3\n"
        "from itertools import islice\n"
        "stream_users = __import__('0-stream_users')\n"
        "for user in islice(stream_users(), 6):\n"
        "    print(user)\n")
    main.chmod(0o755)
    done = run_script(main, env={"PYTHONPATH": str(FOLDER)})
    assert lines_of(done) == [repr(user) for user in expected_users()[:6]]


def test_2_main_through_head_prints_five_users_older_than_25(
        mysql_env: dict[str, str]) -> None:
    """./2-main.py | head -n 5 shows 5 users over 25 and ends quietly."""
    older = [user for user in expected_users() if user["age"] > 25]
    done = run_script(FOLDER / "2-main.py", shell_pipe="head -n 5")
    assert lines_of(done) == [repr(user) for user in older[:5]]


def test_2_main_prints_every_user_older_than_25(
        mysql_env: dict[str, str]) -> None:
    """Without head, 2-main.py prints exactly the users over 25."""
    older = [user for user in expected_users() if user["age"] > 25]
    assert lines_of(run_script(FOLDER / "2-main.py")) == [
        repr(user) for user in older]


def test_3_main_through_head_prints_seven_users(
        mysql_env: dict[str, str]) -> None:
    """./3-main.py | head -n 7 shows the first 7 users and ends quietly."""
    done = run_script(FOLDER / "3-main.py", shell_pipe="head -n 7")
    assert lines_of(done) == [repr(user) for user in expected_users()[:7]]


def test_3_main_pages_through_every_user_once(
        mysql_env: dict[str, str]) -> None:
    """Across its pages of 100, 3-main.py prints each user exactly once."""
    assert lines_of(run_script(FOLDER / "3-main.py")) == [
        repr(user) for user in expected_users()]


def test_4_stream_ages_prints_the_average(
        mysql_env: dict[str, str]) -> None:
    """4-stream_ages.py prints the mean age, computed here independently."""
    mean = statistics.mean(user["age"] for user in expected_users())
    assert lines_of(run_script(FOLDER / "4-stream_ages.py")) == [
        f"Average age of users: {mean:.2f}"]


def test_6_age_statistics_prints_the_statistics_table(
        mysql_env: dict[str, str]) -> None:
    """6-age_statistics.py prints count, mean, min, max and std dev."""
    ages = [user["age"] for user in expected_users()]
    lines = lines_of(run_script(FOLDER / "6-age_statistics.py"))
    assert lines[0] == ("Age statistics of all users "
                        "(one pass, Welford's method)")
    table = dict(line.split() for line in lines[1:] if "std" not in line)
    table["std dev"] = lines[-1].split()[-1]
    assert table == {
        "count": str(len(ages)),
        "mean": f"{statistics.mean(ages):.2f}",
        "minimum": str(min(ages)), "maximum": str(max(ages)),
        "std dev": f"{statistics.pstdev(ages):.2f}"}


def test_keyset_paging_gives_the_same_pages_as_offset_paging(
        mysql_env: dict[str, str]) -> None:
    """``lazy_paginate_by_key`` is a drop-in for ``lazy_paginate``."""
    paging = load_script(FOLDER / "2-lazy_paginate.py")
    keyset = load_script(FOLDER / "5-keyset_paginate.py")
    assert list(keyset.lazy_paginate_by_key(70)) == list(
        paging.lazy_paginate(70))
    assert paging.lazy_pagination is paging.lazy_paginate
