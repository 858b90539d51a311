"""The one root pytest configuration for every task folder.

The settings live in ``pyproject.toml`` under ``[tool.pytest.ini_options]``:
``--import-mode=importlib`` lets test modules in different folders share a
name, and ``pythonpath = ["."]`` makes ``tools`` and ``bench`` importable.
Scripts whose names start with a digit are imported by path with
``tools.scripts.load_script``. Shared fixtures come from two plugins:
``tools.sqlite_testing`` (a sample ``users.db`` in a temporary folder, for
the SQLite folders) and ``tools.mysql_testing`` (one throwaway MariaDB for
the session, started only when a test asks for it: the chat API's tests
make databases on it, the generators' get ``ALX_prodev`` seeded); folders
keep their own fixtures in ``tests/conftest.py``.
"""

pytest_plugins = ["tools.sqlite_testing", "tools.mysql_testing"]
