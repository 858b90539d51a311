"""The one root pytest configuration for every task folder.

The settings live in ``pyproject.toml`` under ``[tool.pytest.ini_options]``:
``--import-mode=importlib`` lets test modules in different folders share a
name, and ``pythonpath = ["."]`` makes ``tools`` and ``bench`` importable.
Scripts whose names start with a digit are imported by path with
``tools.scripts.load_script``. The SQLite folders' shared fixtures (a
sample ``users.db`` in a temporary folder) come from
``tools.sqlite_testing``, and a throwaway MariaDB server for the session
from ``tools.mariadb_testing``; other folders keep theirs in
``tests/conftest.py``.
"""

pytest_plugins = ["tools.sqlite_testing", "tools.mariadb_testing"]
