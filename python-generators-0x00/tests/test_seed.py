#!/usr/bin/env python3
"""The seed's promises: checked input, one transaction, clear errors."""
from pathlib import Path

import pytest

from tools.scripts import run_script

FOLDER = Path(__file__).resolve().parent.parent
GOOD_ROWS = ('"name","email","age"\n'
             '"New One","new.one@seed.test","30"\n'
             '"New Two","new.two@seed.test","41"\n')


@pytest.mark.parametrize("bad_line, message", [
    ('"New Three","new.three@seed.test","old"\n',
     "line 4: age 'old' is not a whole number"),
    ('"New Three","new.three@seed.test"\n',
     "line 4: expected the 3 fields name, email, age"),
    ('"New Three","new.three@seed.test","-5"\n',
     "line 4: age '-5' is not a whole number"),
])
def test_a_bad_row_names_file_and_line_and_inserts_nothing(
        seed: object, sql: object, tmp_path: Path, bad_line: str,
        message: str) -> None:
    """Rows before the bad one are not inserted either."""
    path = tmp_path / "users.csv"
    path.write_text(GOOD_ROWS + bad_line)
    before = sql("SELECT COUNT(*) FROM user_data")
    with seed.open_connection(database=seed.DATABASE) as connection:
        with pytest.raises(seed.SeedError) as raised:
            seed.insert_data(connection, str(path))
    assert str(raised.value) == f"{path}, {message}."
    assert sql("SELECT COUNT(*) FROM user_data") == before
    assert sql("SELECT COUNT(*) FROM user_data WHERE email LIKE %s",
               ("%@seed.test",)) == [(0,)]


@pytest.mark.parametrize("content, message", [
    ("", "{path} is empty."),
    ('"name","mail","age"\n', "{path}, line 1: the header must be "
     "name,email,age."),
])
def test_an_empty_file_or_wrong_header_is_refused(
        seed: object, tmp_path: Path, content: str, message: str) -> None:
    """A file without the curriculum's header is refused before any SQL."""
    path = tmp_path / "users.csv"
    path.write_text(content)
    with pytest.raises(seed.SeedError) as raised:
        seed.read_users(str(path))
    assert str(raised.value) == message.format(path=path)


def test_the_seed_script_reports_a_bad_csv_in_one_sentence(
        mysql_env: dict[str, str], sql: object, tmp_path: Path) -> None:
    """0-main.py on a folder with a broken CSV: one line, status 1."""
    for name in ("seed.py", "0-main.py"):
        (tmp_path / name).write_text((FOLDER / name).read_text())
        (tmp_path / name).chmod(0o755)
    (tmp_path / "user_data.csv").write_text(GOOD_ROWS + '"X","x@y.z",""\n')
    before = sql("SELECT COUNT(*) FROM user_data")
    done = run_script(tmp_path / "0-main.py")
    assert done.returncode == 1
    csv = tmp_path / "user_data.csv"
    assert done.stderr == (f"{csv}, line 4: expected the 3 fields name, "
                           f"email, age.\n")
    assert sql("SELECT COUNT(*) FROM user_data") == before


@pytest.mark.parametrize("script", ["0-main.py", "1-main.py", "2-main.py",
                                    "3-main.py", "4-stream_ages.py",
                                    "6-age_statistics.py"])
def test_a_server_named_by_mysql_host_that_is_down_gives_one_sentence(
        script: str, closed_port: int) -> None:
    """No traceback when nothing listens: one sentence, status 1."""
    done = run_script(FOLDER / script, env={
        "MYSQL_HOST": "127.0.0.1", "MYSQL_PORT": str(closed_port),
        "MYSQL_USER": "nobody", "MYSQL_PASSWORD": "x"})
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == (
        f"No MySQL server answers at 127.0.0.1:{closed_port} (set by "
        f"MYSQL_HOST and MYSQL_PORT): start that server, or unset "
        f"MYSQL_HOST to use the private one (start it with `make db-start` "
        f"from the repository root).\n")


def test_a_bad_port_setting_gives_one_sentence() -> None:
    """A port that is not a number is named in the message."""
    done = run_script(FOLDER / "1-main.py", env={"MYSQL_HOST": "127.0.0.1",
                                                 "MYSQL_PORT": "33o6"})
    assert (done.returncode, done.stderr) == (
        1, "MYSQL_PORT must be a port number, not '33o6'.\n")


def test_the_c_extension_is_the_one_in_use(seed: object) -> None:
    """The fast C protocol is used: the pure-Python one is 3-5x slower."""
    from mysql.connector.connection_cext import CMySQLConnection
    with seed.open_connection() as connection:
        assert isinstance(connection, CMySQLConnection)
