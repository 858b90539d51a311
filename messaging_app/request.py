"""The request as views see it: method, path, query, headers, JSON body.

The body is read lazily and only once, within the size limit, so a request
refused before its body matters (no token, unknown path) never makes the
server read megabytes.
"""
import json
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Mapping, Optional

from messaging_app.errors import (BadRequest, LengthRequired,
                                  PayloadTooLarge, UnsupportedMediaType)
from messaging_app.storage.records import User

BodyReader = Callable[[int], bytes]


@dataclass
class Request:
    """One HTTP request, independent of the socket it came from; header
    names are in lower case."""

    method: str
    path: str
    query: Dict[str, List[str]]
    headers: Mapping[str, str]
    client_ip: str
    base_url: str
    read_body: BodyReader = field(repr=False, default=lambda size: b"")
    max_body_bytes: int = 1 << 20
    request_id: str = ""
    user: Optional[User] = None
    body_consumed: bool = False

    @property
    def caller(self) -> User:
        """Return the authenticated user (routes that need a token only).
        """
        if self.user is None:
            raise RuntimeError("The request was not authenticated.")
        return self.user

    def query_params(self) -> Dict[str, str]:
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

    def content_length(self) -> Optional[int]:
        """Return the declared body length, or None when not declared."""
        text = self.headers.get("content-length")
        if text is None:
            return None
        if not text.strip().isdigit():
            raise BadRequest("The Content-Length header is not a number.")
        return int(text)

    def json(self) -> dict:
        """Read the body and return it as a JSON object.

        An empty body reads as ``{}`` so that missing fields are reported
        field by field.
        """
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
    """Tell whether a Content-Type names JSON in UTF-8."""
    media, _, parameters = content_type.partition(";")
    media = media.strip().lower()
    charset = parameters.strip().lower()
    json_media = media == "application/json" or (
        media.startswith("application/") and media.endswith("+json"))
    return json_media and charset in ("", "charset=utf-8")


def parse_json_object(raw: bytes) -> dict:
    """Decode ``raw`` as a UTF-8 JSON object or raise BadRequest."""
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise BadRequest("The body is not valid JSON.") from None
    if not isinstance(data, dict):
        raise BadRequest("The body must be a JSON object.")
    return data
