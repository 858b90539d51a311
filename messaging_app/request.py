"""The request as views see it: method, path, query, headers, JSON body.

The body is read lazily and only once, within the size limit, so a request
refused before its body matters (no token, unknown path) never makes the
server read megabytes; a client that asked for ``100 Continue`` gets it
only then. The server (or a WSGI adapter) passes a function that reads
the body, so nothing here knows about sockets.
"""
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from messaging_app.errors import (BadRequest, LengthRequired,
                                  PayloadTooLarge, UnsupportedMediaType)
from messaging_app.http11 import parse_content_length, parse_media_type
from messaging_app.storage.records import User

BodyReader = Callable[[int], bytes]


def no_body(size: int) -> bytes:
    """Read nothing: the body reader of a request made without one."""
    return b""


@dataclass
class Request:
    """One HTTP request, independent of the socket it came from; header
    names are in lower case. ``base_url`` is where clients reach the API,
    ending in a slash."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: Mapping[str, str]
    client_ip: str
    base_url: str
    read_body: BodyReader = field(repr=False, default=no_body)
    max_body_bytes: int = 1 << 20
    request_id: str = ""
    user: User | None = None
    body_consumed: bool = False
    parsed_body: dict | None = field(default=None, repr=False)

    @property
    def caller(self) -> User:
        """Return the authenticated user (routes that need a token only).
        """
        if self.user is None:
            raise RuntimeError("The request was not authenticated.")
        return self.user

    def query_params(self) -> dict[str, str]:
        """Return each query parameter's last value."""
        return {name: values[-1] for name, values in self.query.items()}

    @property
    def body_pending(self) -> bool:
        """Tell whether the client sent a body that was not read."""
        if self.body_consumed:
            return False
        if self.headers.get("transfer-encoding") is not None:
            return True
        try:
            return bool(self.content_length())
        except BadRequest:
            return True

    def content_length(self) -> int | None:
        """Return the declared body length, or None when not declared."""
        text = self.headers.get("content-length")
        if text is None:
            return None
        length = parse_content_length(text)
        if length is None:
            raise BadRequest("The Content-Length header is not a number.")
        return length

    def json(self) -> dict:
        """Read the body once and return it as a JSON object; later calls
        return the same object.

        An empty body reads as ``{}`` so that missing fields are reported
        field by field.
        """
        if self.parsed_body is None:
            self.parsed_body = self.read_json()
        return self.parsed_body

    def read_json(self) -> dict:
        """Check the framing and the type, then read and decode the body."""
        length = self.content_length()
        if length is None or "transfer-encoding" in self.headers:
            raise LengthRequired()
        if length > self.max_body_bytes:
            raise PayloadTooLarge(self.max_body_bytes)
        if length == 0:
            self.body_consumed = True
            return {}
        if not is_json_type(self.headers.get("content-type", "")):
            raise UnsupportedMediaType()
        raw = self.read_body(length)
        self.body_consumed = True
        return parse_json_object(raw)


def is_json_type(content_type: str) -> bool:
    """Tell whether a Content-Type names JSON in UTF-8: the charset, if
    any, may be quoted and in any case."""
    media, parameters = parse_media_type(content_type)
    json_media = media == "application/json" or (
        media.startswith("application/") and media.endswith("+json"))
    return json_media and parameters.get("charset", "utf-8").lower() in (
        "utf-8", "utf8")


def parse_json_object(raw: bytes) -> dict:
    """Decode ``raw`` as a UTF-8 JSON object or raise BadRequest.

    Nesting deeper than the interpreter's recursion limit makes the
    decoder raise RecursionError: that is the client's doing too.
    """
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise BadRequest("The body is not valid JSON.") from None
    except RecursionError:
        raise BadRequest("The body is nested too deeply.") from None
    if not isinstance(data, dict):
        raise BadRequest("The body must be a JSON object.")
    return data
