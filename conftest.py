"""The one root pytest configuration for every task folder.

Settings live in ``pyproject.toml``: ``--import-mode=importlib`` lets test
modules in different folders share a name, and ``pythonpath = ["."]`` makes
``tools`` importable. Scripts with numeric names are imported by path with
``tools.scripts.load_script``.
"""
from pathlib import Path

import pytest

from tools.scripts import ROOT


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """Return the repository's root folder as a ``Path``."""
    return ROOT
