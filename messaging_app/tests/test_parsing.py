#!/usr/bin/env python3
"""Inputs that used to earn a 500, through the Application in this
process (no socket is the point here): numbers ``str.isdigit`` takes but
``int`` refuses or that run to thousands of digits, dates that leave the
calendar in UTC, a Content-Length of other digits, JSON nested past the
parser's recursion limit, a quoted charset; and a body parsed once."""
import json
from collections.abc import Iterator
from urllib.parse import parse_qs

import pytest

from messaging_app.app import Application, build_application
from messaging_app.errors import BadRequest
from messaging_app.request import Request
from messaging_app.response import Response
from messaging_app.testing import fast_settings

DEEP = b"[" * 100_000 + b"]" * 100_000


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Application]:
    """The API in this process, on a database of its own."""
    application = build_application(
        fast_settings(tmp_path_factory.mktemp("parsing")))
    yield application
    application.close()


def ask(app: Application, method: str, target: str, body: bytes = b"",
        headers: dict[str, str] | None = None, token: str = "") -> Response:
    """Let the Application answer one request, as the server would pass
    it on."""
    path, _, query = target.partition("?")
    sent = {"host": "testserver", "content-type": "application/json"}
    if body:
        sent["content-length"] = str(len(body))
    if token:
        sent["authorization"] = f"Bearer {token}"
    sent.update(headers or {})
    return app.handle(Request(
        method, path, parse_qs(query, keep_blank_values=True), sent,
        "127.0.0.1", "http://testserver/", read_body=lambda size: body[:size]))


def registration(name: str) -> bytes:
    """Return the body that registers user ``name``."""
    return json.dumps({
        "username": name, "email": f"{name}@example.com",
        "password": "long-enough-pw", "first_name": "F",
        "last_name": "L"}).encode()


@pytest.fixture(scope="module")
def token(app: Application) -> str:
    """An access token of a registered user."""
    assert ask(app, "POST", "/api/users/", registration("parser")).status \
        == 201
    login = json.dumps({"username": "parser", "password": "long-enough-pw"})
    return json.loads(ask(app, "POST", "/api/token/",
                          login.encode()).body)["access"]


@pytest.mark.parametrize("query, field", [
    ("page=\u00b2", "page"), ("page_size=\u00b9\u2070", "page_size"),
    ("page=\u0663", "page"), ("page=1" + "0" * 5000, "page")])
def test_numbers_that_int_refuses_are_400(
        app: Application, token: str, query: str, field: str) -> None:
    """Superscripts pass ``str.isdigit`` and fail ``int``; more than 4,300
    digits fail ``int`` too; other scripts' digits are not accepted."""
    response = ask(app, "GET", f"/api/messages/?{query}", token=token)
    assert response.status == 400
    assert list(json.loads(response.body)) == [field]


@pytest.mark.parametrize("query, field", [
    ("sent_after=9999-12-31T23:59:59-01:00", "sent_after"),
    ("sent_before=0001-01-01T00:00:00%2B01:00", "sent_before")])
def test_dates_that_leave_the_calendar_in_utc_are_400(
        app: Application, token: str, query: str, field: str) -> None:
    """Year 9999 behind UTC and year 1 ahead of it overflow when made
    UTC: an invalid date, not a crash."""
    response = ask(app, "GET", f"/api/messages/?{query}", token=token)
    assert (response.status, json.loads(response.body)) == (400, {
        field: ["Enter a valid ISO 8601 date and time."]})


@pytest.mark.parametrize("path", [
    "/api/users/", "/api/token/", "/api/token/refresh/", "/api/messages/"])
def test_json_nested_past_the_parser_is_400(
        app: Application, token: str, path: str) -> None:
    """Nesting past the recursion limit is the client's mistake, on the
    public routes too."""
    response = ask(app, "POST", path, DEEP, token=token)
    assert (response.status, json.loads(response.body)) == (400, {
        "detail": "The body is nested too deeply."})


@pytest.mark.parametrize("length, detail", [
    ("\u00b2", "The Content-Length header is not a number."),
    ("\u0663", "The Content-Length header is not a number."),
    ("1" * 5000, "The request body is larger than 1048576 bytes.")])
def test_a_content_length_of_other_digits_is_refused(
        app: Application, length: str, detail: str) -> None:
    """Only ASCII digits declare a length; thousands of them are simply
    too large."""
    response = ask(app, "POST", "/api/users/", b"{}",
                   {"content-length": length})
    assert response.status == (413 if length[0] == "1" else 400)
    assert json.loads(response.body) == {"detail": detail}


@pytest.mark.parametrize("name, content_type, status", [
    ("quoted", 'application/json; charset="utf-8"', 201),
    ("capital", "application/json; Charset=UTF-8", 201),
    ("unhyphenated", 'Application/JSON;charset="UTF8"', 201),
    ("latin", "application/json; charset=latin-1", 415),
    ("text", "text/plain; charset=utf-8", 415)])
def test_a_quoted_charset_is_json(app: Application, name: str,
                                  content_type: str, status: int) -> None:
    """The charset may be quoted and in any case; only UTF-8 is JSON."""
    response = ask(app, "POST", "/api/users/", registration(name),
                   {"content-type": content_type})
    assert response.status == status


def test_the_body_is_read_and_parsed_once() -> None:
    """A second ``json()`` returns the same object without reading."""
    reads = []

    def read_body(size: int) -> bytes:
        """Hand out the body, counting the reads."""
        reads.append(size)
        return b'{"a": [1]}'

    request = Request("POST", "/", {}, {
        "content-length": "10", "content-type": "application/json"},
        "127.0.0.1", "http://testserver/", read_body=read_body)
    assert request.json() is request.json()
    assert reads == [10]
    with pytest.raises(BadRequest):
        Request("POST", "/", {}, {"content-length": "\u00b9"}, "127.0.0.1",
                "http://testserver/").content_length()
