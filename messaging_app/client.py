"""JSON clients of the API: over HTTP with ``urllib``, or any transport.

``Client`` builds the request (a JSON body, the Bearer token) and reads
the answer the same way whatever carries it; ``ApiClient`` carries it
over real HTTP, which is how the demo, the benchmark and the live-server
tests talk to a server without a third-party package. Each call returns
the status, the headers and the body, also for error statuses (which
``urllib`` raises as exceptions).
"""
import json
import urllib.error
import urllib.request
from dataclasses import dataclass, replace
from email.message import Message
from typing import Any


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


@dataclass
class Client:
    """Sends JSON requests, optionally with a Bearer token; subclasses
    say how a request travels (``send``) and where links point."""

    base_url: str
    token: str | None = None

    def with_token(self, token: str | None) -> "Client":
        """Return the same client with another token."""
        return replace(self, token=token)

    def request(self, method: str, path: str, data: Any = None,
                headers: dict[str, str] | None = None,
                raw: bytes | None = None) -> Reply:
        """Send one request; ``data`` is sent as JSON, ``raw`` as is."""
        sent = dict(headers or {})
        if self.token and "Authorization" not in sent:
            sent["Authorization"] = f"Bearer {self.token}"
        if data is not None:
            raw = json.dumps(data).encode("utf-8")
            sent.setdefault("Content-Type", "application/json")
        return self.send(method, path, sent, raw)

    def send(self, method: str, path: str, headers: dict[str, str],
             body: bytes | None) -> Reply:
        """Carry one request to the API and return its answer."""
        raise NotImplementedError

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


@dataclass
class ApiClient(Client):
    """A client over real HTTP to ``base_url`` (``http://host:port``)."""

    timeout: float = 30

    def __post_init__(self) -> None:
        """Keep the base URL without its trailing slash."""
        self.base_url = self.base_url.rstrip("/")

    def send(self, method: str, path: str, headers: dict[str, str],
             body: bytes | None) -> Reply:
        """Send the request with urllib and read the whole answer."""
        outgoing = urllib.request.Request(
            self.base_url + path, data=body, headers=headers, method=method)
        try:
            with urllib.request.urlopen(outgoing,
                                        timeout=self.timeout) as answer:
                return Reply(answer.status, answer.headers, answer.read())
        except urllib.error.HTTPError as error:
            with error:
                return Reply(error.code, error.headers, error.read())
