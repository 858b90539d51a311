"""A small JSON client over ``urllib``, for the demo and the tests.

It is how a script talks to the API without a third-party package: each
call sends one request and returns the status, headers and decoded body,
also for error statuses (which ``urllib`` raises as exceptions).
"""
import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from email.message import Message
from typing import Any, Dict, Optional


@dataclass
class Reply:
    """What the server answered: status, headers, raw and decoded body."""

    status: int
    headers: Message
    raw: bytes

    @property
    def body(self) -> Any:
        """Return the body decoded from JSON, or None when empty."""
        return json.loads(self.raw) if self.raw else None


class ApiClient:
    """Sends JSON requests to one API, optionally with a Bearer token."""

    def __init__(self, base_url: str, token: Optional[str] = None,
                 timeout: float = 30) -> None:
        """Talk to ``base_url`` (``http://host:port``)."""
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = timeout

    def request(self, method: str, path: str, data: Any = None,
                headers: Optional[Dict[str, str]] = None,
                raw: Optional[bytes] = None) -> Reply:
        """Send one request; ``data`` is sent as JSON, ``raw`` as is."""
        sent = dict(headers or {})
        if self.token and "Authorization" not in sent:
            sent["Authorization"] = "Bearer " + self.token
        if data is not None:
            raw = json.dumps(data).encode("utf-8")
            sent.setdefault("Content-Type", "application/json")
        outgoing = urllib.request.Request(
            self.base_url + path, data=raw, headers=sent, method=method)
        try:
            with urllib.request.urlopen(outgoing,
                                        timeout=self.timeout) as answer:
                return Reply(answer.status, answer.headers, answer.read())
        except urllib.error.HTTPError as error:
            with error:
                return Reply(error.code, error.headers, error.read())

    def get(self, path: str, **options: Any) -> Reply:
        """Send a GET request."""
        return self.request("GET", path, **options)

    def post(self, path: str, data: Any = None, **options: Any) -> Reply:
        """Send a POST request with a JSON body."""
        return self.request("POST", path, data, **options)

    def patch(self, path: str, data: Any = None, **options: Any) -> Reply:
        """Send a PATCH request with a JSON body."""
        return self.request("PATCH", path, data, **options)

    def delete(self, path: str, **options: Any) -> Reply:
        """Send a DELETE request."""
        return self.request("DELETE", path, **options)
