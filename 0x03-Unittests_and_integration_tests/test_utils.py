#!/usr/bin/env python3
"""Unit tests for ``utils``: parametrized cases, patching, and a real server.

``TestAccessNestedMap`` tests a pure function case by case.
``TestGetJson`` replaces the network (``utils.urlopen``) so nothing leaves
the machine. ``TestMemoize`` replaces a method to count its calls.
``TestGetJsonServed`` patches nothing: it asks a real loopback server, to
show that the error paths hold with real sockets.
"""
import io
import json
import socket
import unittest
from collections.abc import Mapping, Sequence
from typing import Any
from unittest.mock import Mock, patch

import utils
from fixture_server import FixtureServer
from parametrize import parametrize
from utils import JsonFetchError, access_nested_map, get_json, memoize


class TestAccessNestedMap(unittest.TestCase):
    """Tests for ``utils.access_nested_map``."""

    @parametrize(
        ({"a": 1}, ("a",), 1),
        ({"a": {"b": 2}}, ("a",), {"b": 2}),
        ({"a": {"b": 2}}, ("a", "b"), 2),
    )
    def test_access_nested_map(self, nested_map: Mapping, path: Sequence,
                               expected: Any) -> None:
        """The value at the end of the path is returned."""
        self.assertEqual(access_nested_map(nested_map, path), expected)

    @parametrize(
        ({}, ("a",), "a"),
        ({"a": 1}, ("a", "b"), "b"),
    )
    def test_access_nested_map_exception(self, nested_map: Mapping,
                                         path: Sequence,
                                         missing_key: str) -> None:
        """A path that cannot be followed raises KeyError with its key."""
        with self.assertRaises(KeyError) as raised:
            access_nested_map(nested_map, path)
        self.assertEqual(str(raised.exception), repr(missing_key))


class TestGetJson(unittest.TestCase):
    """Tests for ``utils.get_json`` with the network replaced."""

    @parametrize(
        ("http://example.com", {"payload": True}),
        ("http://holberton.io", {"payload": False}),
    )
    @patch("utils.urlopen")
    def test_get_json(self, url: str, payload: dict,
                      mock_urlopen: Mock) -> None:
        """The URL is fetched once and its JSON body is returned decoded."""
        mock_urlopen.return_value = io.BytesIO(json.dumps(payload).encode())
        self.assertEqual(get_json(url), payload)
        mock_urlopen.assert_called_once_with(
            url, timeout=utils.REQUEST_TIMEOUT)


class TestMemoize(unittest.TestCase):
    """Tests for ``utils.memoize``."""

    def test_memoize(self) -> None:
        """Two reads of a memoized property call its method once."""
        class TestClass:
            """A class with a method and a memoized property using it."""

            def a_method(self) -> int:
                """Return the answer the property reports."""
                return 42

            @memoize
            def a_property(self) -> int:
                """Return what ``a_method`` returns, computed once."""
                return self.a_method()

        with patch.object(TestClass, "a_method",
                          return_value=42) as mock_method:
            instance = TestClass()
            self.assertEqual(instance.a_property, 42)
            self.assertEqual(instance.a_property, 42)
        mock_method.assert_called_once_with()

    def test_memoize_keeps_one_value_per_instance(self) -> None:
        """Each instance computes its own value, once."""
        class Counter:
            """Counts how often its memoized property is computed."""

            computed = 0

            @memoize
            def number(self) -> int:
                """Return the rank of this computation, starting at 1."""
                Counter.computed += 1
                return Counter.computed

        first, second = Counter(), Counter()
        self.assertEqual((first.number, second.number), (1, 2))
        self.assertEqual((first.number, second.number), (1, 2))
        self.assertEqual(Counter.computed, 2)


class TestGetJsonServed(unittest.TestCase):
    """Tests for ``utils.get_json`` against a real loopback HTTP server."""

    server: FixtureServer

    @classmethod
    def setUpClass(cls) -> None:
        """Start one server for the class, with a JSON and an HTML page."""
        cls.server = FixtureServer().start()
        cls.addClassCleanup(cls.server.stop)
        cls.server.serve_json("/payload", {"payload": [1, "two", None]})
        cls.server.serve("/page", "text/html", b"<html><p>Hi</p></html>")

    def fetch_error(self, url: str) -> str:
        """Return the message of the JsonFetchError that get_json raises."""
        with self.assertRaises(JsonFetchError) as raised:
            get_json(url)
        return str(raised.exception)

    def test_get_json_decodes_a_served_payload(self) -> None:
        """A JSON body that travelled over a socket is decoded."""
        self.assertEqual(get_json(self.server.url + "/payload"),
                         {"payload": [1, "two", None]})

    def test_get_json_names_the_url_on_404(self) -> None:
        """A 404 raises JsonFetchError naming the URL and the status."""
        url = self.server.url + "/missing"
        self.assertEqual(self.fetch_error(url),
                         f"GET {url} answered HTTP 404 (Not Found).")

    def test_get_json_names_the_url_when_body_is_not_json(self) -> None:
        """An HTML page raises JsonFetchError naming the URL."""
        url = self.server.url + "/page"
        self.assertEqual(
            self.fetch_error(url),
            f"GET {url} returned a body that is not JSON: Expecting value: "
            f"line 1 column 1 (char 0).")

    def test_get_json_names_the_url_when_nothing_listens(self) -> None:
        """A port where nothing listens raises JsonFetchError naming it."""
        # A bound socket that does not listen refuses every connection,
        # and keeping it bound stops anyone else from taking the port.
        with socket.socket() as closed:
            closed.bind(("127.0.0.1", 0))
            url = f"http://127.0.0.1:{closed.getsockname()[1]}/"
            message = self.fetch_error(url)
        self.assertRegex(message,
                         fr"^GET {url} got no answer: .*refused\.$")

    @patch("utils.REQUEST_TIMEOUT", 0.1)
    def test_get_json_times_out_on_a_silent_server(self) -> None:
        """A server that accepts but never answers times out, naming it."""
        with socket.socket() as silent:
            silent.bind(("127.0.0.1", 0))
            silent.listen()
            url = f"http://127.0.0.1:{silent.getsockname()[1]}/"
            message = self.fetch_error(url)
        self.assertEqual(message,
                         f"GET {url} got no answer: timed out.")


if __name__ == "__main__":
    unittest.main()
