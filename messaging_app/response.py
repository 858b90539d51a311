"""Responses as views build them: a status, headers and a JSON body."""
import json
from dataclasses import dataclass, field
from typing import Any, List, Tuple

from messaging_app.errors import ApiError


@dataclass
class Response:
    """What the server sends back; the body is already encoded."""

    status: int
    body: bytes = b""
    headers: List[Tuple[str, str]] = field(default_factory=list)


def encode_json(data: Any) -> bytes:
    """Encode ``data`` as compact UTF-8 JSON."""
    return json.dumps(data, ensure_ascii=False,
                      separators=(",", ":")).encode("utf-8")


def json_response(data: Any, status: int = 200) -> Response:
    """Build a JSON response with ``data`` as its body."""
    return Response(status, encode_json(data),
                    [("Content-Type", "application/json")])


def no_content() -> Response:
    """Build the empty 204 response of a successful delete."""
    return Response(204)


def error_response(error: ApiError) -> Response:
    """Build the JSON response of an error, with its extra headers."""
    response = json_response(error.body(), error.status)
    response.headers.extend(error.headers())
    return response
