"""Responses as views build them: a status, headers and a JSON body."""
import json
from dataclasses import dataclass, field
from typing import Any

from messaging_app.errors import ApiError

# On every response of the API: nothing it answers is meant for a cache
# (tokens above all, and private messages), and a browser must not take a
# body for another type than the one declared.
STANDARD_HEADERS = (("Cache-Control", "no-store"),
                    ("X-Content-Type-Options", "nosniff"))
JSON_TYPE = ("Content-Type", "application/json")


def standard_headers() -> list[tuple[str, str]]:
    """Return a new list of the headers every response carries."""
    return list(STANDARD_HEADERS)


@dataclass
class Response:
    """What the server sends back; the body is already encoded."""

    status: int
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=standard_headers)


# One encoder for every response: json.dumps with options builds a new one
# on each call.
ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def encode_json(data: Any) -> bytes:
    """Encode ``data`` as compact UTF-8 JSON."""
    return ENCODER.encode(data).encode("utf-8")


def encoded_json_response(body: bytes, status: int = 200) -> Response:
    """Build a JSON response from a body encoded already."""
    return Response(status, body, [JSON_TYPE, *STANDARD_HEADERS])


def json_response(data: Any, status: int = 200) -> Response:
    """Build a JSON response with ``data`` as its body."""
    return encoded_json_response(encode_json(data), status)


def raw_json_response(body: str, status: int = 200) -> Response:
    """Build a JSON response from text that is JSON already."""
    return encoded_json_response(body.encode("utf-8"), status)


def json_response_with(data: dict, name: str, raw: str) -> Response:
    """Build a JSON response of ``data`` plus a last member ``name`` whose
    value is ``raw``, text that is JSON already (the database encoded it,
    so it is not decoded only to be encoded again). The parts are joined
    as bytes: a page of messages is copied once."""
    return encoded_json_response(b"".join((
        encode_json(data)[:-1], b"," if data else b"", encode_json(name),
        b":", raw.encode("utf-8"), b"}")))


def no_content() -> Response:
    """Build the empty 204 response of a successful delete."""
    return Response(204)


def error_response(error: ApiError) -> Response:
    """Build the JSON response of an error, with its extra headers."""
    response = json_response(error.body(), error.status)
    response.headers.extend(error.headers())
    return response
