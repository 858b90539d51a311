#!/usr/bin/env python3
"""Three small helpers that the GitHub client is built on.

They are the units the tests in ``test_utils.py`` teach on: a pure function
(``access_nested_map``), a function with a side effect on the network
(``get_json``) and a decorator (``memoize``).
"""
import json
from functools import wraps
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar
from urllib.error import HTTPError
from urllib.request import urlopen

# Seconds to wait for a server to connect and answer; tests shorten it.
REQUEST_TIMEOUT = 10

Value = TypeVar("Value")


class JsonFetchError(Exception):
    """Raised when a URL cannot be fetched or does not answer with JSON."""


def access_nested_map(nested_map: Mapping, path: Sequence) -> Any:
    """Return the value found by following the keys of ``path`` in turn.

    A key that is missing, or a value on the way that is not a mapping,
    raises ``KeyError`` carrying the key that could not be followed.
    """
    value: Any = nested_map
    for key in path:
        if not isinstance(value, Mapping):
            raise KeyError(key)
        value = value[key]
    return value


def get_json(url: str) -> Any:
    """Fetch ``url`` with an HTTP GET and return its body decoded as JSON.

    Any failure (no answer, an HTTP error status, a body that is not JSON)
    raises ``JsonFetchError`` with one sentence that names the URL.
    """
    body = _read_body(url)
    try:
        return json.loads(body)
    except ValueError as error:
        raise JsonFetchError(f"GET {url} returned a body that is not JSON: "
                             f"{error}.") from error


def _read_body(url: str) -> bytes:
    """Return the body that ``url`` answers with, or raise JsonFetchError."""
    try:
        with urlopen(url, timeout=REQUEST_TIMEOUT) as response:
            return response.read()
    except HTTPError as error:
        # The error holds the open response; close it before raising ours.
        error.close()
        raise JsonFetchError(f"GET {url} answered HTTP {error.code} "
                             f"({error.reason}).") from None
    except OSError as error:
        reason = getattr(error, "reason", error)
        raise JsonFetchError(f"GET {url} got no answer: {reason}.") from error


def memoize(method: Callable[[Any], Value]) -> property:
    """Turn a method into a property that is computed once per instance.

    The first read calls the method and keeps the result on the instance;
    later reads return the kept value without calling the method again.
    """
    cache_name = f"_memoized_{method.__name__}"

    @wraps(method)
    def read_once(self: Any) -> Value:
        """Return the kept value, computing it on the first read."""
        if cache_name not in vars(self):
            setattr(self, cache_name, method(self))
        return getattr(self, cache_name)

    return property(read_once)
