"""The HTTP server: ``http.server`` made fit for an API.

``JSONServer`` and ``JSONRequestHandler`` hold every socket setting in one
place, for the API and for any bare server measured beside it:

- HTTP/1.1 keep-alive with an exact ``Content-Length`` on every response;
- one write per response: the status line, headers and body are joined and
  sent by a single ``sendall`` (and Nagle's algorithm is off). Sent in two
  writes, as ``http.server`` does by default, the body waits for the
  client's delayed acknowledgement, about 40 ms per request;
- a socket timeout, so an idle or half-sent request cannot hold a thread;
- a cap on open connections: past it, a 503 is sent and the socket closed;
- JSON error pages instead of the standard library's HTML (``send_error``);
- a graceful stop: idle connections are closed, requests in flight finish.

``ApiServer`` and ``ApiHandler`` connect that server to the Application.
"""
import itertools
import logging
import os
import re
import socket
import sys
import threading
import time
from contextlib import contextmanager
from email.message import Message
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Dict, Iterator, List, Sequence, Tuple
from urllib.parse import parse_qs, urlsplit

from messaging_app.app import Application, build_application
from messaging_app.errors import BadRequest, RequestTimeout
from messaging_app.request import Request
from messaging_app.response import encode_json
from messaging_app.settings import Settings

logger = logging.getLogger("messaging_app")

SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}\Z")
SAFE_HOST = re.compile(r"[A-Za-z0-9.:\[\]-]{1,255}\Z")
BUSY = encode_json({"detail": "The server is busy; try again shortly."})
# After refusing a body it did not read (413 and the like), the server reads
# and drops at most this much of it, for at most this long, before closing.
LINGER_BYTES = 16 << 20
LINGER_SECONDS = 2.0
# Request ids made here: a random prefix per process and a counter, unique
# without asking the kernel for random bytes on every request.
REQUEST_ID_PREFIX = os.urandom(6).hex()
REQUEST_NUMBERS = itertools.count(1)


class ListenError(Exception):
    """The server cannot listen on the address it was given."""


class JSONRequestHandler(BaseHTTPRequestHandler):
    """A request handler that answers JSON in one write per response."""

    protocol_version = "HTTP/1.1"
    server_version = "messaging_app"

    def version_string(self) -> str:
        """Name the server without the Python version."""
        return self.server_version

    def setup(self) -> None:
        """Apply the server's socket timeout and turn Nagle off."""
        self.timeout = self.server.socket_timeout
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY,
                                   1)

    def handle(self) -> None:
        """Serve requests until the connection closes or the server
        stops; between requests the connection counts as idle."""
        self.close_connection = True
        self.handle_one_request()
        while not self.close_connection:
            if not self.server.mark_idle(self.request):
                break
            self.handle_one_request()

    def parse_request(self) -> bool:
        """Mark the connection busy as soon as a request line arrived."""
        self.server.mark_busy(self.request)
        return super().parse_request()

    def send_body(self, status: int, body: bytes,
                  headers: Sequence[Tuple[str, str]] = ()) -> None:
        """Send a whole response with a single write to the socket."""
        if self.request_version == "HTTP/0.9":
            # HTTP/0.9 has no status line or headers, which is also how
            # http.server treats an unreadable request line: answer as
            # HTTP/1.0 so the client still learns what went wrong.
            self.request_version = "HTTP/1.0"
            self.close_connection = True
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        if status != HTTPStatus.NO_CONTENT:
            self.send_header("Content-Length", str(len(body)))
        if self.close_connection or self.server.stopping:
            self.send_header("Connection", "close")
        self._headers_buffer.append(b"\r\n")
        if self.command != "HEAD":
            self._headers_buffer.append(body)
        # flush_headers joins the buffer and writes it once.
        self.flush_headers()

    def send_json(self, status: int, data: object,
                  headers: Sequence[Tuple[str, str]] = ()) -> None:
        """Send ``data`` as a JSON response."""
        self.send_body(status, encode_json(data),
                       [("Content-Type", "application/json"), *headers])

    def send_error(self, code: int, message: str = None,
                   explain: str = None) -> None:
        """Answer the errors of ``http.server`` itself (a malformed request
        line, headers too long...) with JSON instead of HTML."""
        self.log_error("code %d, message %s", code, message)
        self.close_connection = True
        detail = message or HTTPStatus(code).phrase
        self.send_json(code, {"detail": detail.rstrip(".") + "."})

    def log_request(self, code: object = "-", size: object = "-") -> None:
        """Leave request lines to the request log of the application."""

    def log_message(self, format: str, *args: object) -> None:
        """Send the handler's messages to the server log."""
        logger.info("%s %s", self.client_address[0], format % args)


class JSONServer(ThreadingHTTPServer):
    """A threading HTTP server with a connection cap, a socket timeout
    and a graceful stop. Connections are idle while they wait for a
    request and busy while one is handled."""

    daemon_threads = True

    def __init__(self, address: Tuple[str, int],
                 handler: type = JSONRequestHandler,
                 max_connections: int = 512,
                 socket_timeout: float = 30) -> None:
        """Listen on ``address``; allow ``max_connections`` at once."""
        self.max_connections = max_connections
        self.socket_timeout = socket_timeout
        self.stopping = False
        self._busy: Dict[socket.socket, bool] = {}
        self._lock = threading.Lock()
        self._drained = threading.Condition(self._lock)
        # The listen backlog: the stdlib's 5 drops the SYNs of a burst of
        # new connections, each of which then waits a second to retry.
        self.request_queue_size = max_connections
        super().__init__(address, handler)

    @property
    def base_url(self) -> str:
        """Return the URL the server listens on, ending in a slash."""
        host, port = self.server_address[:2]
        return "http://{}:{}/".format(host, port)

    def process_request(self, request: socket.socket,
                        client_address: Tuple[str, int]) -> None:
        """Start a thread for the connection, or refuse it when full."""
        with self._lock:
            accepted = (not self.stopping
                        and len(self._busy) < self.max_connections)
            if accepted:
                self._busy[request] = False
        if not accepted:
            threading.Thread(target=self.refuse, args=(request,),
                             daemon=True).start()
            return
        super().process_request(request, client_address)

    def process_request_thread(self, request: socket.socket,
                               client_address: Tuple[str, int]) -> None:
        """Handle a connection and forget it once closed."""
        try:
            super().process_request_thread(request, client_address)
        finally:
            with self._lock:
                self._busy.pop(request, None)
                self._drained.notify_all()

    def handle_error(self, request: socket.socket,
                     client_address: Tuple[str, int]) -> None:
        """Log what escaped a handler, with its traceback, to the server
        log; a client that hung up (a reset, a broken pipe) is not an
        error of the server and is not logged."""
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        logger.exception("Error while serving %s", client_address[0])

    def refuse(self, request: socket.socket) -> None:
        """Answer 503 to a connection past the cap and close it."""
        try:
            request.settimeout(1)
            # Read the request first so that closing does not reset the
            # connection before the client has read the answer.
            request.recv(65536)
            request.sendall(
                b"HTTP/1.1 503 Service Unavailable\r\n"
                b"Content-Type: application/json\r\n"
                b"Retry-After: 1\r\nConnection: close\r\n"
                b"Content-Length: " + str(len(BUSY)).encode() + b"\r\n\r\n"
                + BUSY)
        except OSError:
            pass
        self.shutdown_request(request)

    def mark_busy(self, request: socket.socket) -> None:
        """Note that a request is being handled on this connection."""
        with self._lock:
            self._busy[request] = True

    def mark_idle(self, request: socket.socket) -> bool:
        """Note that the connection waits for its next request; False
        when the server is stopping and the connection should close."""
        with self._lock:
            self._busy[request] = False
            return not self.stopping

    def open_connections(self) -> int:
        """Return how many connections are open now."""
        with self._lock:
            return len(self._busy)

    def stop(self) -> None:
        """Stop accepting, close idle connections and wait (up to the
        socket timeout) for requests in flight to finish."""
        with self._lock:
            self.stopping = True
            idle = [sock for sock, busy in self._busy.items() if not busy]
        for sock in idle:
            try:
                # Wakes the thread blocked reading the next request.
                sock.shutdown(socket.SHUT_RD)
            except OSError:
                pass
        self.shutdown()
        deadline = time.monotonic() + self.socket_timeout
        with self._lock:
            while self._busy and time.monotonic() < deadline:
                self._drained.wait(deadline - time.monotonic())
        self.server_close()


class ApiHandler(JSONRequestHandler):
    """Turns each HTTP request into a Request for the Application."""

    def __getattr__(self, name: str) -> object:
        """Answer every method (``do_GET``, ``do_TRACE``...) through the
        router, which knows the allowed ones: 405 with Allow otherwise."""
        if name.startswith("do_"):
            return self.dispatch
        raise AttributeError(name)

    def dispatch(self) -> None:
        """Build the Request, let the Application answer, send it."""
        request = self.build_request()
        response = self.server.app.handle(request)
        if request.body_pending:
            # Unread body bytes would be taken for the next request.
            self.close_connection = True
            self.body_left_unread = True
        self.send_body(response.status, response.body, response.headers)

    # The methods of the route table, found without __getattr__.
    do_GET = do_POST = do_PATCH = do_DELETE = dispatch

    def finish(self) -> None:
        """Flush the last response; drop an unread body before closing.

        Closing a socket that still has unread bytes makes the kernel send
        a reset, which can destroy the response (a 413, say) before the
        client, still busy sending its body, gets to read it. Shutting our
        side and reading what keeps coming, within a bound, avoids that.
        """
        super().finish()
        if not getattr(self, "body_left_unread", False):
            return
        try:
            self.connection.shutdown(socket.SHUT_WR)
            self.connection.settimeout(LINGER_SECONDS)
            left = LINGER_BYTES
            while left > 0:
                chunk = self.connection.recv(65536)
                if not chunk:
                    break
                left -= len(chunk)
        except OSError:
            pass

    def build_request(self) -> Request:
        """Describe the request independently of the socket."""
        target = urlsplit(self.path)
        headers = lower_case_headers(self.headers)
        request_id = headers.get("x-request-id", "")
        if not SAFE_REQUEST_ID.match(request_id):
            request_id = "{}-{}".format(REQUEST_ID_PREFIX,
                                        next(REQUEST_NUMBERS))
        return Request(
            method=self.command, path=target.path or "/",
            query=parse_qs(target.query, keep_blank_values=True)
            if target.query else {},
            headers=headers, client_ip=self.client_address[0],
            base_url=self.base_url(headers), read_body=self.read_body,
            max_body_bytes=self.server.app.services.settings.max_body_bytes,
            request_id=request_id)

    def base_url(self, headers: Dict[str, str]) -> str:
        """Return ``http://host:port`` as the client addressed us."""
        host = headers.get("host", "")
        if not SAFE_HOST.match(host):
            host = "{}:{}".format(*self.server.server_address[:2])
        return "http://" + host

    def read_body(self, size: int) -> bytes:
        """Read exactly ``size`` bytes of body within the socket
        timeout."""
        try:
            body = self.rfile.read(size)
        except TimeoutError:
            raise RequestTimeout() from None
        if len(body) < size:
            raise BadRequest("The body is shorter than its Content-Length.")
        return body


def lower_case_headers(message: Message) -> Dict[str, str]:
    """Return the headers of a request by lower-case name, the first of a
    repeated header winning (as ``Message.get`` does).

    Each ``Message.get`` lower-cases and scans every header; a request
    asks for five of them.
    """
    headers: Dict[str, str] = {}
    for name, value in message.items():
        headers.setdefault(name.lower(), value)
    return headers


class ApiServer(JSONServer):
    """The chat API's HTTP server, answering through an Application."""

    def __init__(self, app: Application) -> None:
        """Listen where the application's settings say."""
        settings = app.services.settings
        self.app = app
        super().__init__((settings.host, settings.port), ApiHandler,
                         settings.max_connections, settings.socket_timeout)


@contextmanager
def running_server(settings: Settings, routes: List = None,
                   server_class: type = ApiServer) -> Iterator[ApiServer]:
    """Run the API in a background thread for the ``with`` block, then
    stop it and close its database."""
    app = build_application(settings, routes)
    try:
        server = server_class(app)
    except OSError as error:
        app.close()
        raise ListenError("Cannot listen on {}:{}: {}; choose another "
                          "--host or --port.".format(
                              settings.host, settings.port,
                              error.strerror or error)) from None
    except BaseException:
        app.close()
        raise
    thread = threading.Thread(target=server.serve_forever,
                              name="messaging_app", daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.stop()
        thread.join()
        app.close()
