#!/usr/bin/env python3
"""A raw-socket fuzzer: hypothesis builds requests byte by byte (request
lines, headers, Content-Length, bodies and query strings, then a few
bytes changed at random) and sends each on a fresh connection to a live
server. Every one must get a well-formed response, 2xx or 4xx (a ``100
Continue`` may come first), never a 5xx or a close without an answer;
nothing may reach the server log as an error, and the server must still
answer its health check afterwards. Derandomized, and bounded to a couple
hundred examples."""
import json
import logging
import string
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from messaging_app.server import ApiServer
from messaging_app.client import ApiClient
from messaging_app.testing import conversation_between, live_server, register
from messaging_app.tests.rawhttp import exchange_all

EXAMPLES = 200
TOKEN_CHARACTERS = string.ascii_letters + string.digits + "!#$%&'*+-.^_`|~"
LATIN_1 = st.characters(min_codepoint=0, max_codepoint=255)
NUMBERS = st.one_of(
    st.integers(-3, 200).map(str),
    st.sampled_from(["\u00b2", "\u00b9\u2070", "\u0663", "1" * 5000,
                     "0" * 30 + "1", "", " 1", "1e3", "0x10"]))
DATES = st.sampled_from([
    "2024-01-01T10:00:00Z", "2024-01-01", "9999-12-31T23:59:59-01:00",
    "0001-01-01T00:00:00+01:00", "2024-13-45", "now", ""])
QUERY_VALUES = {"page": NUMBERS, "page_size": NUMBERS, "sent_after": DATES,
                "sent_before": DATES, "ordering": st.sampled_from(
                    ["sent_at", "-sent_at", "x"]),
                "sender": st.sampled_from(["x", "0" * 36]),
                "conversation": st.sampled_from(["x", "0" * 36])}
HOSTS = st.sampled_from([[b"x"], [b"x"], [b"x"], [], [b"a", b"b"]])
CONTENT_TYPES = st.sampled_from([
    b"application/json", b'application/json; charset="UTF-8"',
    b"text/plain", b"application/json; charset=latin-1", b""])


@pytest.fixture(scope="module")
def target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[
        tuple[ApiServer, str, str]]:
    """A live server with two users and a conversation; yields it, a valid
    token and the conversation's messages path."""
    with live_server(tmp_path_factory.mktemp("rawfuzz")) as server:
        client = ApiClient(server.base_url)
        alice, bob = register(client), register(client)
        assert alice.client.token is not None
        yield server, alice.client.token, conversation_between(alice, bob)


def encode(text: str) -> bytes:
    """Encode text the way a raw request carries it."""
    return text.encode("latin-1", "replace")


@st.composite
def queries(draw: st.DrawFn) -> str:
    """A query string of the list filters, with odd values."""
    names = draw(st.lists(st.sampled_from(sorted(QUERY_VALUES)),
                          max_size=3))
    parts = [f"{name}={draw(QUERY_VALUES[name])}" for name in names]
    if draw(st.booleans()):
        parts.append(draw(st.text(LATIN_1, max_size=12)).replace(" ", "+"))
    return "&".join(parts)


@st.composite
def bodies(draw: st.DrawFn, messages: str) -> bytes:
    """A body: a valid one for some route, broken JSON, deep nesting or
    random bytes."""
    return draw(st.one_of(
        st.just(b""),
        st.sampled_from([
            json.dumps({"message_body": "hi"}).encode(),
            json.dumps({"conversation": messages.split("/")[3],
                        "message_body": "hello"}).encode(),
            json.dumps({"username": "fuzz", "password": "x" * 8}).encode(),
            b"[" * 5000, b'{"a": ' + b"[" * 100_000, b"\xff\xfe{}", b"[]",
            b'{"message_body": "\\ud800"}']),
        st.binary(max_size=64)))


@st.composite
def raw_requests(draw: st.DrawFn, token: str, messages: str) -> bytes:
    """A whole request as bytes, sometimes with a few bytes changed."""
    method = draw(st.one_of(
        st.sampled_from(["GET", "POST", "PATCH", "DELETE", "PUT", "OPTIONS",
                         "TRACE"]),
        st.text(TOKEN_CHARACTERS, min_size=1, max_size=6),
        st.text(LATIN_1, min_size=1, max_size=6)))
    path = draw(st.sampled_from([
        "/api/health/", "/api/users/", "/api/token/", "/api/token/refresh/",
        "/api/users/me/", "/api/conversations/", messages, "/api/messages/",
        "/api/schema/", "*", "http://[::1/api/", "//api/health/",
        "/api/health/%00", "http://x/api/messages/", "/api/messages"]))
    query = draw(queries())
    target = path + ("?" + query if query else "")
    version = draw(st.sampled_from(["HTTP/1.1", "HTTP/1.1", "HTTP/1.0",
                                    "HTTP/1", "http/1.1"]))
    body = draw(bodies(messages))
    headers = [(b"Host", host) for host in draw(HOSTS)]
    if draw(st.booleans()):
        headers.append((b"Authorization", b"Bearer " + encode(token)))
    if body or draw(st.booleans()):
        headers.append((b"Content-Type", draw(CONTENT_TYPES)))
    lengths = draw(st.sampled_from([
        [str(len(body))], [str(len(body))], [], [str(len(body) + 5)],
        [str(max(len(body) - 1, 0))], [str(len(body)), "7"], ["\u00b2"],
        ["1" * 5000], ["-1"]]))
    headers += [(b"Content-Length", encode(length)) for length in lengths]
    headers += draw(st.lists(st.sampled_from([
        (b"Expect", b"100-continue"), (b"Connection", b"keep-alive"),
        (b"Connection", b"close"), (b"Transfer-Encoding", b"chunked"),
        (b"X-Request-ID", b"mine"), (b"X-Folded", b"a\r\n b")]), max_size=2))
    headers += draw(st.lists(st.tuples(
        st.text(TOKEN_CHARACTERS, min_size=1, max_size=8).map(encode),
        st.text(LATIN_1, max_size=16).map(encode)), max_size=2))
    data = (encode(f"{method} {target} {version}\r\n")
            + b"".join(name + b": " + value + b"\r\n"
                       for name, value in headers) + b"\r\n" + body)
    for _ in range(draw(st.integers(0, 2))):
        where = draw(st.integers(0, len(data)))
        data = data[:where] + draw(st.binary(max_size=3)) + data[where + 1:]
    return data


def test_every_raw_request_gets_a_well_formed_answer(
        target: tuple[ApiServer, str, str],
        caplog: pytest.LogCaptureFixture) -> None:
    """2xx or 4xx for everything, never a 5xx, a broken response or a
    silent close; no error in the server log; healthy afterwards. The
    statuses seen show that the requests reach the views as well as the
    parser."""
    server, token, messages = target
    address = server.address
    seen: set[int] = set()

    @settings(max_examples=EXAMPLES, derandomize=True, database=None,
              deadline=None, suppress_health_check=[
                  HealthCheck.too_slow, HealthCheck.data_too_large,
                  HealthCheck.function_scoped_fixture])
    @given(data=raw_requests(token, messages))
    def answered(data: bytes) -> None:
        """Send one request and check every answer it got."""
        statuses = [answer.status for answer in exchange_all(address, data)]
        finals = [status for status in statuses if status >= 200]
        assert finals, (data[:300], statuses)
        assert all(status < 500 for status in statuses), (data[:300],
                                                          statuses)
        seen.update(statuses)

    with caplog.at_level(logging.ERROR, logger="messaging_app"):
        answered()
    assert caplog.records == []
    assert {200, 400, 401, 404, 405} <= seen
    health = exchange_all(address, b"GET /api/health/ HTTP/1.1\r\n"
                          b"Host: x\r\n\r\n")
    assert [answer.status for answer in health] == [200]
