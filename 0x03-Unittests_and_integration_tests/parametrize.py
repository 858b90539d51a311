#!/usr/bin/env python3
"""Parametrized tests with ``unittest`` alone: one test per case.

The curriculum uses the ``parameterized`` package; these two decorators do
the same with the standard library. Each case becomes a test of its own, so
``python -m unittest -v`` and pytest list it, run it and report it apart,
and a ``@patch`` under ``@parametrize`` gives every case fresh mocks.

- ``@parametrize(case, ...)`` on a test method makes ``test_name_0``,
  ``test_name_1``, ... (a string first argument is added to the name, as in
  ``test_org_0_google``). A tuple case is unpacked into the arguments.
  ``test_name`` itself stays on the class, as the record of its cases: a
  checker that looks for the curriculum's names finds them there.
- ``@parametrize_class(fields, rows)`` on a test class gives the class the
  first row's values as class attributes (set before ``setUpClass`` runs)
  and makes one subclass per further row, ``ClassName_1``, ..., so that the
  class keeps the tests it defines and each row runs them once.
"""
import functools
import re
import sys
import unittest
from collections.abc import Callable, Iterable, Sequence
from typing import Any

TestMethod = Callable[..., None]


class ParametrizedTest:
    """A parametrized test method as it stays on its class: its cases.

    It keeps the method's name, docstring and ``__wrapped__`` (the method
    itself), so ``TestClass.test_org`` exists and reads like the method.
    It is not callable, so neither ``unittest`` nor pytest runs it as a
    test of its own: they run the one test per case that it adds.
    """

    # Set by functools.update_wrapper, as on the method.
    __wrapped__: TestMethod
    __qualname__: str

    def __init__(self, method: TestMethod, cases: list[tuple]) -> None:
        """Keep the test method and the argument tuples of its cases."""
        # update_wrapper is typed for callable wrappers; this one is not
        # callable on purpose (see above).
        functools.update_wrapper(self, method)  # type: ignore[arg-type]
        self.cases = cases

    def __set_name__(self, owner: type, name: str) -> None:
        """Add one test method per case to ``owner``, beside this one."""
        for index, args in enumerate(self.cases):
            case = case_method(self.__wrapped__, index, args)
            setattr(owner, case.__name__, case)

    def __repr__(self) -> str:
        """Say which test this is and how many cases it runs."""
        return f"<{self.__qualname__}: {len(self.cases)} cases>"


def parametrize(*cases: Any) -> Callable[[TestMethod], ParametrizedTest]:
    """Run the decorated test method once per case, each one a test.

    Put it above any ``@patch`` so that each case gets its own mocks.
    """
    arguments = [case if isinstance(case, tuple) else (case,)
                 for case in cases]

    def expand(method: TestMethod) -> ParametrizedTest:
        """Attach the cases to the test method."""
        return ParametrizedTest(method, arguments)

    return expand


def case_method(method: TestMethod, index: int, args: tuple) -> TestMethod:
    """Return a test method that calls ``method`` with one case's ``args``."""
    def run_case(self: unittest.TestCase) -> None:
        """Call the parametrized test with this case's arguments."""
        method(self, *args)

    run_case.__name__ = case_name(method.__name__, index, args)
    run_case.__qualname__ = (f"{method.__qualname__.rpartition('.')[0]}."
                             f"{run_case.__name__}")
    run_case.__module__ = method.__module__
    shown = ", ".join(repr(arg) for arg in args)
    run_case.__doc__ = f"{first_line(method.__doc__)} (with {shown})"
    return run_case


def case_name(name: str, index: int, args: tuple) -> str:
    """Name a case after its test, its index and a string first argument."""
    name = f"{name}_{index}"
    if args and isinstance(args[0], str):
        label = re.sub(r"\W+", "_", args[0]).strip("_")
        name = f"{name}_{label}" if label else name
    return name


def first_line(docstring: str | None) -> str:
    """Return the summary line of a docstring, or "" when there is none."""
    return (docstring or "").strip().split("\n")[0]


def parametrize_class(fields: Sequence[str],
                      rows: Iterable[Sequence[Any]]
                      ) -> Callable[[type], type]:
    """Run the decorated test class once per row.

    The class itself takes the first row; every further row gets a
    subclass, which goes into the class's module, where both ``unittest``
    and pytest find it.
    """
    def expand(template: type) -> type:
        """Give the class the first row, and a subclass to each other."""
        values = [dict(zip(fields, row, strict=True)) for row in rows]
        if not values:
            raise ValueError(f"{template.__name__} needs at least one row")
        for name, value in values[0].items():
            setattr(template, name, value)
        module = sys.modules[template.__module__]
        for index, attributes in enumerate(values[1:], start=1):
            case = row_class(template, index, attributes)
            setattr(module, case.__name__, case)
        return template

    return expand


def row_class(template: type, index: int, attributes: dict) -> type:
    """Return the subclass of ``template`` that runs its tests on a row."""
    name = f"{template.__name__}_{index}"
    namespace = dict(attributes, __module__=template.__module__,
                     __qualname__=name,
                     __doc__=f"{first_line(template.__doc__)} (row {index})")
    return type(name, (template,), namespace)
