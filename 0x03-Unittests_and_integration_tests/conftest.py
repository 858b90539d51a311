#!/usr/bin/env python3
"""Let the root pytest run import this folder's modules by their names.

``python -m unittest test_client.py`` runs from inside this folder, so
``from utils import ...`` finds ``utils.py`` here. The root pytest run
imports test modules by path and does not put their folder on
``sys.path``; this file does, before the tests of the folder are collected.
"""
import sys
from pathlib import Path

import pytest

FOLDER = Path(__file__).resolve().parent
MODULES = ("utils", "client", "fixtures", "fixture_server", "parametrize")


def claim_module_names() -> None:
    """Put this folder first on sys.path; refuse if a name is taken.

    Another folder's module of the same name, imported earlier in the same
    run, would be used in place of this folder's and break its tests.
    """
    if str(FOLDER) not in sys.path:
        sys.path.insert(0, str(FOLDER))
    for name in MODULES:
        module = sys.modules.get(name)
        origin = getattr(module, "__file__", None)
        if origin and Path(origin).resolve().parent != FOLDER:
            raise pytest.UsageError(
                f"Module {name!r} was already imported from {origin}, so "
                f"{FOLDER.name} cannot use its own {name}.py.")


claim_module_names()
