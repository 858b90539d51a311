"""The one root pytest configuration for every task folder.

The settings live in ``pyproject.toml`` under ``[tool.pytest.ini_options]``:
``--import-mode=importlib`` lets test modules in different folders share a
name, and ``pythonpath = ["."]`` makes ``tools`` and ``bench`` importable.
Scripts whose names start with a digit are imported by path with
``tools.scripts.load_script``; each folder's own fixtures live in its
``tests/conftest.py``.
"""
