#!/usr/bin/env python3
"""Parametrized tests with ``unittest`` alone: one test per case.

The curriculum uses the ``parameterized`` package; these two decorators do
the same with the standard library. Each case becomes a test of its own, so
``python -m unittest -v`` and pytest list it, run it and report it apart,
and a ``@patch`` under ``@parametrize`` gives every case fresh mocks.

- ``@parametrize(case, ...)`` on a test method makes ``test_name_0``,
  ``test_name_1``, ... (a string first argument is added to the name, as in
  ``test_org_0_google``). A tuple case is unpacked into the arguments.
- ``@parametrize_class(fields, rows)`` on a test class makes one subclass
  per row, ``ClassName_0``, ..., with the row's values as class attributes
  (set before ``setUpClass`` runs), and leaves the template class without
  tests.
"""
import re
import sys
import unittest
from typing import (Any, Callable, Iterable, List, Optional, Sequence,
                    Tuple)

TestMethod = Callable[..., None]


class ExpandedTest:
    """Stands in a class body for a test method and its list of cases.

    When the class is created, Python calls ``__set_name__``, which puts one
    test method per case on the class in place of this placeholder.
    """

    def __init__(self, method: TestMethod, cases: List[Tuple]) -> None:
        """Keep the test method and the argument tuples of its cases."""
        self.method = method
        self.cases = cases

    def __set_name__(self, owner: type, name: str) -> None:
        """Replace the placeholder ``name`` on ``owner`` by the cases."""
        for index, args in enumerate(self.cases):
            case = case_method(self.method, index, args)
            setattr(owner, case.__name__, case)
        delattr(owner, name)


def parametrize(*cases: Any) -> Callable[[TestMethod], ExpandedTest]:
    """Run the decorated test method once per case, each one a test.

    Put it above any ``@patch`` so that each case gets its own mocks.
    """
    arguments = [case if isinstance(case, tuple) else (case,)
                 for case in cases]

    def expand(method: TestMethod) -> ExpandedTest:
        """Attach the cases to the test method."""
        return ExpandedTest(method, arguments)

    return expand


def case_method(method: TestMethod, index: int, args: Tuple) -> TestMethod:
    """Return a test method that calls ``method`` with one case's ``args``."""
    def run_case(self: unittest.TestCase) -> None:
        """Call the parametrized test with this case's arguments."""
        method(self, *args)

    run_case.__name__ = case_name(method.__name__, index, args)
    run_case.__qualname__ = "{}.{}".format(
        method.__qualname__.rpartition(".")[0], run_case.__name__)
    run_case.__module__ = method.__module__
    run_case.__doc__ = "{} (with {})".format(
        first_line(method.__doc__), ", ".join(repr(arg) for arg in args))
    return run_case


def case_name(name: str, index: int, args: Tuple) -> str:
    """Name a case after its test, its index and a string first argument."""
    name = "{}_{}".format(name, index)
    if args and isinstance(args[0], str):
        label = re.sub(r"\W+", "_", args[0]).strip("_")
        name = "{}_{}".format(name, label) if label else name
    return name


def first_line(docstring: Optional[str]) -> str:
    """Return the summary line of a docstring, or "" when there is none."""
    return (docstring or "").strip().split("\n")[0]


def parametrize_class(fields: Sequence[str],
                      rows: Iterable[Sequence[Any]]
                      ) -> Callable[[type], type]:
    """Run the decorated test class once per row, each one a class.

    Every row gives the values of ``fields`` as class attributes. The new
    classes go into the template's module, where both ``unittest`` and
    pytest find them.
    """
    def expand(template: type) -> type:
        """Make the row classes and empty the template of its tests."""
        names = unittest.defaultTestLoader.getTestCaseNames(template)
        tests = {name: getattr(template, name) for name in names}
        module = sys.modules[template.__module__]
        for index, row in enumerate(rows):
            case = row_class(template, index, tests,
                             dict(zip(fields, row, strict=True)))
            setattr(module, case.__name__, case)
        for name in tests:
            # The template only holds the tests for its row classes.
            setattr(template, name, None)
        return template

    return expand


def row_class(template: type, index: int, tests: dict,
              attributes: dict) -> type:
    """Return the subclass of ``template`` that runs ``tests`` on a row."""
    name = "{}_{}".format(template.__name__, index)
    namespace = dict(tests, **attributes)
    namespace.update(
        __module__=template.__module__, __qualname__=name,
        __doc__="{} (row {})".format(first_line(template.__doc__), index))
    return type(name, (template,), namespace)
