#!/usr/bin/env python3
"""A real HTTP server on loopback that answers with fixed payloads.

The integration tests that patch nothing point the client at it: real
sockets, real HTTP, the real ``get_json``. It binds ``127.0.0.1`` on a free
port, answers each path it was given, answers any other path with GitHub's
404, and remembers the paths it was asked for.
"""
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Answer = tuple[int, str, bytes]

JSON_TYPE = "application/json; charset=utf-8"
NOT_FOUND: Answer = (404, JSON_TYPE, b'{"message": "Not Found"}')


class FixtureHandler(BaseHTTPRequestHandler):
    """Answer a GET with the payload the server holds for its path."""

    server: "FixtureServer"

    def do_GET(self) -> None:
        """Send the status, type and body kept for the requested path."""
        self.server.requested.append(self.path)
        status, content_type, body = self.server.answers.get(
            self.path, NOT_FOUND)
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        """Keep the test output clean: requests are not logged."""


class FixtureServer(ThreadingHTTPServer):
    """A loopback HTTP server that runs in a thread while it is open."""

    def __init__(self) -> None:
        """Bind a free port on 127.0.0.1; ``start`` begins serving."""
        super().__init__(("127.0.0.1", 0), FixtureHandler)
        self.answers: dict[str, Answer] = {}
        self.requested: list[str] = []
        # A short poll interval lets ``stop`` return without a wait.
        self._thread = threading.Thread(
            target=self.serve_forever, kwargs={"poll_interval": 0.01},
            daemon=True)

    @property
    def url(self) -> str:
        """The server's base address, such as ``http://127.0.0.1:40123``."""
        host, port = self.server_address[:2]
        return f"http://{str(host)}:{port}"

    def serve_json(self, path: str, payload: Any) -> None:
        """Answer GET ``path`` with ``payload`` encoded as JSON."""
        self.serve(path, JSON_TYPE, json.dumps(payload).encode())

    def serve(self, path: str, content_type: str, body: bytes,
              status: int = 200) -> None:
        """Answer GET ``path`` with this status, content type and body."""
        self.answers[path] = (status, content_type, body)

    def start(self) -> "FixtureServer":
        """Start answering requests in a background thread."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop answering, wait for the thread and free the port."""
        self.shutdown()
        self._thread.join()
        self.server_close()
