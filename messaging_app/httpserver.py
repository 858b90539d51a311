"""A hardened HTTP/1.1 server on ``http.server`` for JSON APIs.

``JSONServer`` and ``JSONRequestHandler`` hold every rule of the transport
in one place, for the API and for the bare server the benchmark measures
beside it:

- keep-alive with an exact ``Content-Length``; each response leaves in one
  gather write of status line, headers and body (Nagle off): a body sent
  apart would wait for the client's delayed acknowledgement;
- strict framing: a request line and header lines as RFC 9112 writes them
  (a token as the method, no folded lines, one ``Content-Length`` of ASCII
  digits, one ``Host``, required on HTTP/1.1), or a JSON 400 and a close;
- deadlines: a whole head within ``header_timeout`` and a whole body
  within ``body_timeout``, whatever the pace of the bytes; a connection
  silent for ``socket_timeout`` is closed, and a response is cut off when
  the client takes nothing of it for that long (a slow reader may take as
  long as it needs while it keeps reading); a body nobody read is drained
  for ``linger_seconds`` in all before the close;
- a cap on open connections (503) and on connections from one address
  (429), both answered by a bounded number of short-lived threads;
- JSON error pages for the errors of the protocol itself;
- ``HEAD`` wherever ``GET`` goes, with the same headers and no body, and
  ``100 Continue`` only once the body is about to be read;
- a graceful stop: the listener closes at once (new connections are
  refused), idle connections close, requests in flight finish.

Sockets stay blocking and the kernel keeps the time: ``SO_RCVTIMEO`` is set
before each read to what the deadline leaves, ``SO_SNDTIMEO`` bounds each
wait for the client to take more of a response.
"""
import io
import logging
import re
import selectors
import socket
import struct
import sys
import threading
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from http import HTTPStatus
from http.client import HTTPMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from messaging_app.errors import (BadRequest, ClientDisconnected,
                                  RequestTimeout)
from messaging_app.http11 import (is_token, list_items,
                                  parse_content_length, parse_header_line)
from messaging_app.response import encode_json

logger = logging.getLogger("messaging_app")

# The longest request line and header line, and the most header lines.
MAX_LINE = 65536
MAX_HEADERS = 100
# Empty lines a client may send before a request line (RFC 9112 2.2).
MAX_EMPTY_LINES = 4
VERSION = re.compile(r"HTTP/([0-9])\.([0-9])\Z")
# A body nobody read is drained up to this much before the close.
LINGER_BYTES = 16 << 20
# Refused connections answered at once, each for at most REFUSAL_SECONDS;
# past it, one is closed unanswered (a flood of connections must not
# become a flood of threads).
MAX_REFUSING = 64
REFUSAL_SECONDS = 1.0
CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"
# Said when the client ends its side of the connection within a head.
INCOMPLETE = "The request head ended before its empty line."
NOSNIFF = ("X-Content-Type-Options", "nosniff")


@dataclass(frozen=True)
class Limits:
    """How many connections the server holds, and how long and how much
    each may take. Times are in seconds."""

    max_connections: int = 512
    max_connections_per_address: int = 32
    socket_timeout: float = 30
    header_timeout: float = 10
    body_timeout: float = 30
    linger_seconds: float = 2
    max_header_bytes: int = 64 << 10


class MalformedHead(Exception):
    """A request head the server refuses, with the status and sentence of
    the answer."""

    def __init__(self, status: int, detail: str) -> None:
        """Keep the status and the sentence."""
        super().__init__(detail)
        self.status = status
        self.detail = detail


def timeval(seconds: float) -> bytes:
    """Pack ``seconds`` as the ``struct timeval`` of SO_RCVTIMEO and
    SO_SNDTIMEO; never zero, which would mean no timeout at all."""
    whole = int(seconds)
    micro = max(int((seconds - whole) * 1_000_000), 0 if whole else 1)
    return struct.pack("@ll", whole, micro)


def listening_url(address: tuple) -> str:
    """Return ``http://host:port/`` for a listening socket's address."""
    host, port = address[:2]
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}/"


def refusal(status: int, detail: str) -> bytes:
    """Build the whole answer sent to a connection that is refused."""
    body = encode_json({"detail": detail})
    head = (f"HTTP/1.1 {status} {HTTPStatus(status).phrase}\r\n"
            "Content-Type: application/json\r\n"
            "X-Content-Type-Options: nosniff\r\nRetry-After: 1\r\n"
            f"Connection: close\r\nContent-Length: {len(body)}\r\n\r\n")
    return head.encode("ascii") + body


BUSY = refusal(503, "The server is busy; try again shortly.")
CROWDED = refusal(429, "Too many connections from your address; close one "
                       "and try again.")


class DeadlineReader(io.RawIOBase):
    """The raw stream under a connection's ``rfile``: each read waits at
    most ``silence`` seconds and never past the current deadline, so a
    client sending a byte now and then cannot stretch a head or a body."""

    def __init__(self, sock: socket.socket, silence: float) -> None:
        """Read from ``sock``; no deadline until ``start``."""
        super().__init__()
        self.sock = sock
        self.silence = silence
        self.deadline: float | None = None

    def readable(self) -> bool:
        """Tell io that this stream reads."""
        return True

    def start(self, seconds: float | None) -> None:
        """Set the deadline ``seconds`` from now, or none for None."""
        self.deadline = (None if seconds is None
                         else time.monotonic() + seconds)

    def readinto(self, buffer: bytearray | memoryview) -> int:
        """Read what has arrived, waiting as long as the limits allow;
        raise TimeoutError when they run out."""
        wait = self.silence
        if self.deadline is not None:
            wait = min(wait, self.deadline - time.monotonic())
            if wait <= 0:
                raise TimeoutError("the deadline has passed")
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO,
                             timeval(wait))
        try:
            return self.sock.recv_into(buffer)
        except BlockingIOError:
            raise TimeoutError("nothing arrived in time") from None


def values_of(headers: list[tuple[str, str]], name: str) -> list[str]:
    """Return the values of every header called ``name`` (lower case)."""
    return [value for key, value in headers if key.lower() == name]


class JSONRequestHandler(BaseHTTPRequestHandler):
    """Reads requests within the server's limits and answers JSON, one
    write per response. Write responses with ``send_body`` or
    ``send_json``; ``dispatch`` runs ``do_<METHOD>``."""

    protocol_version = "HTTP/1.1"
    server_version = "messaging_app"
    server: "JSONServer"

    def version_string(self) -> str:
        """Name the server without the Python version."""
        return self.server_version

    def setup(self) -> None:
        """Make the socket blocking with kernel timeouts, turn Nagle off
        and read it through a DeadlineReader."""
        limits = self.server.limits
        self.connection = self.request
        self.connection.settimeout(None)
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY,
                                   1)
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO,
                                   timeval(limits.socket_timeout))
        self.reader = DeadlineReader(self.connection, limits.socket_timeout)
        self.rfile = io.BufferedReader(self.reader)
        self.start_request()

    def start_request(self) -> None:
        """Forget what the previous request on the connection declared."""
        self.command = ""
        self.path = ""
        self.request_version = "HTTP/1.1"
        self.headers = HTTPMessage()
        self.body_length: int | None = None
        self.body_chunked = False
        self.body_read = False
        self.client_gone = False
        self.expects_continue = False
        self.keep_alive_header = False

    def handle(self) -> None:
        """Serve requests until the connection closes or the server stops.

        The first head is due ``header_timeout`` after the connection
        opened; a later one that long after its first byte, which may
        take ``socket_timeout`` to come.
        """
        self.close_connection = True
        self.reader.start(self.server.limits.header_timeout)
        self.handle_one_request()
        while not self.close_connection:
            if not (self.server.mark_idle(self.request)
                    and self.next_request_begins()):
                break
            self.reader.start(self.server.limits.header_timeout)
            self.handle_one_request()

    def next_request_begins(self) -> bool:
        """Wait for the first byte of another request; False when the
        client closes or stays silent for ``socket_timeout``."""
        self.reader.start(None)
        try:
            return bool(self.rfile.peek(1))
        except OSError:
            return False

    def handle_one_request(self) -> None:
        """Read a request head within its deadline and answer it. A head
        that stalls, or a client that resets the connection, ends it
        without an answer."""
        self.start_request()
        try:
            if not self.parse_request():
                return
        except OSError:
            self.close_connection = True
            return
        self.server.mark_busy(self.request)
        self.dispatch()
        if self.body_left_unread():
            # Its bytes would be taken for the next request.
            self.close_connection = True

    def parse_request(self) -> bool:
        """Read and check the request line and the headers; answer a JSON
        error and return False when they are malformed, or return False
        at once when the client closed before a request."""
        try:
            line = self.read_request_line()
            if line is None:
                return False
            self.command, self.path, self.request_version = (
                self.split_request_line(line))
            pairs = self.read_headers()
            self.check_framing(pairs)
        except MalformedHead as error:
            self.send_error(error.status, error.detail)
            return False
        for name, value in pairs:
            self.headers[name] = value
        return True

    def read_request_line(self) -> bytes | None:
        """Return the request line, skipping a few empty lines before it;
        None when the connection closed first."""
        for _ in range(MAX_EMPTY_LINES + 1):
            line = self.read_line(414, "The request line is too long.")
            if not line:
                return None
            if line not in (b"\r\n", b"\n"):
                self.raw_requestline = line
                return line
        raise MalformedHead(400, "The request line is missing.")

    def read_line(self, status: int, too_long: str) -> bytes:
        """Read one line of a head, or b"" when the connection closed
        before it; a line over MAX_LINE is refused with ``status`` and the
        sentence ``too_long``, a line cut short by the client with 400."""
        line = self.rfile.readline(MAX_LINE + 1)
        if len(line) > MAX_LINE:
            raise MalformedHead(status, too_long)
        if line and not line.endswith(b"\n"):
            raise MalformedHead(400, INCOMPLETE)
        return line

    def split_request_line(self, line: bytes) -> tuple[str, str, str]:
        """Split ``METHOD target HTTP/1.x`` into its three parts; HTTP/1.x
        above 1.1 is taken as 1.1."""
        text = str(line, "iso-8859-1").removesuffix("\n").removesuffix("\r")
        self.requestline = text
        parts = text.split(" ")
        if len(parts) != 3 or not all(parts):
            raise MalformedHead(400, "The request line must be a method, a "
                                "target and a version, separated by single "
                                "spaces.")
        method, target, version = parts
        found = VERSION.match(version)
        if found is None:
            raise MalformedHead(400, "The HTTP version is malformed.")
        if found[1] != "1":
            raise MalformedHead(505, "Only HTTP/1.0 and HTTP/1.1 are "
                                "supported.")
        if not is_token(method):
            raise MalformedHead(400, "The method is not a valid token.")
        return method, target, "HTTP/1.0" if found[2] == "0" else "HTTP/1.1"

    def read_headers(self) -> list[tuple[str, str]]:
        """Read the header lines up to the empty line, within the limits
        of line length, count and total size."""
        pairs: list[tuple[str, str]] = []
        size = 0
        while True:
            line = self.read_line(431, "A header line is too long.")
            if not line:
                raise MalformedHead(400, INCOMPLETE)
            if line in (b"\r\n", b"\n"):
                return pairs
            size += len(line)
            if size > self.server.limits.max_header_bytes:
                raise MalformedHead(431, "The headers are too large.")
            if len(pairs) == MAX_HEADERS:
                raise MalformedHead(431, "There are too many headers.")
            text = str(line, "iso-8859-1").removesuffix("\n")
            text = text.removesuffix("\r")
            if text[:1] in (" ", "\t"):
                raise MalformedHead(400, "Folded header lines are not "
                                    "accepted.")
            pair = parse_header_line(text)
            if pair is None:
                raise MalformedHead(400, "A header line is malformed.")
            pairs.append(pair)

    def check_framing(self, pairs: list[tuple[str, str]]) -> None:
        """Check the headers that decide where a request ends and who it
        is for, and note whether the connection stays open."""
        lengths = values_of(pairs, "content-length")
        if len(lengths) > 1:
            raise MalformedHead(400, "Send one Content-Length header, not "
                                "several.")
        if lengths:
            self.body_length = parse_content_length(lengths[0])
            if self.body_length is None:
                raise MalformedHead(400, "The Content-Length header is not "
                                    "a number.")
        self.body_chunked = bool(values_of(pairs, "transfer-encoding"))
        hosts = values_of(pairs, "host")
        if len(hosts) > 1:
            raise MalformedHead(400, "Send one Host header, not several.")
        http11 = self.request_version == "HTTP/1.1"
        if http11 and not hosts:
            raise MalformedHead(400, "An HTTP/1.1 request must carry a Host "
                                "header.")
        options = list_items(",".join(values_of(pairs, "connection")))
        if http11:
            self.close_connection = "close" in options
        else:
            self.keep_alive_header = "keep-alive" in options
            self.close_connection = not self.keep_alive_header
        expect = list_items(",".join(values_of(pairs, "expect")))
        self.expects_continue = http11 and "100-continue" in expect

    def dispatch(self) -> None:
        """Answer the parsed request with ``do_<METHOD>`` (``do_GET`` for
        HEAD when there is no ``do_HEAD``), or 501."""
        handler = getattr(self, f"do_{self.command}", None)
        if handler is None and self.command == "HEAD":
            handler = getattr(self, "do_GET", None)
        if handler is None:
            self.send_error(HTTPStatus.NOT_IMPLEMENTED,
                            f"The method {self.command} is not supported.")
            return
        handler()

    def read_body(self, size: int) -> bytes:
        """Read ``size`` bytes of body within ``body_timeout``, after a
        ``100 Continue`` when the client waits for one.

        Raises RequestTimeout, BadRequest (the body is shorter than
        declared) or ClientDisconnected; each closes the connection after
        the answer.
        """
        self.body_read = True
        try:
            if self.expects_continue:
                self.expects_continue = False
                self.connection.sendall(CONTINUE)
            self.reader.start(self.server.limits.body_timeout)
            body = self.rfile.read(size)
        except TimeoutError:
            self.close_connection = True
            raise RequestTimeout() from None
        except OSError:
            self.close_connection = self.client_gone = True
            raise ClientDisconnected() from None
        finally:
            self.reader.start(None)
        if len(body) < size:
            self.close_connection = True
            raise BadRequest("The body is shorter than its Content-Length.")
        return body

    def body_left_unread(self) -> bool:
        """Tell whether the request declared a body that was not read."""
        return not self.body_read and (self.body_chunked
                                       or bool(self.body_length))

    def send_body(self, status: int, body: bytes,
                  headers: Sequence[tuple[str, str]] = ()) -> bool:
        """Send a whole response in one write, without the body for HEAD;
        return False when the client did not take all of it."""
        head = self.response_head(status, headers, len(body))
        return self.write_response(head,
                                   b"" if self.command == "HEAD" else body)

    def send_json(self, status: int, data: object,
                  headers: Sequence[tuple[str, str]] = ()) -> bool:
        """Send ``data`` as a JSON response."""
        return self.send_body(status, encode_json(data), [
            ("Content-Type", "application/json"), NOSNIFF, *headers])

    def response_head(self, status: int, headers: Sequence[tuple[str, str]],
                      length: int) -> bytes:
        """Return the status line and headers of a response whose body is
        ``length`` bytes, with the blank line that ends them."""
        phrase = self.responses.get(status, ("",))[0]
        lines = [f"{self.protocol_version} {status} {phrase}",
                 f"Server: {self.version_string()}",
                 f"Date: {self.date_time_string()}"]
        lines += [f"{name}: {value}" for name, value in headers]
        if status >= 200 and status not in (204, 304):
            lines.append(f"Content-Length: {length}")
        if (self.close_connection or self.server.stopping
                or self.body_left_unread()):
            self.close_connection = True
            lines.append("Connection: close")
        elif self.keep_alive_header:
            lines.append("Connection: keep-alive")
        lines.append("\r\n")
        return "\r\n".join(lines).encode("latin-1")

    def write_response(self, head: bytes, body: bytes) -> bool:
        """Send head and body in one gather write; when the client's
        window stalls it, send the rest as long as each wait ends within
        ``socket_timeout``. Return False when the client did not take it
        all (the connection then closes)."""
        try:
            sent = self.connection.sendmsg([head, body] if body else [head])
            if sent < len(head):
                self.connection.sendall(head[sent:])
                sent = len(head)
            if sent - len(head) < len(body):
                self.connection.sendall(memoryview(body)[sent - len(head):])
        except OSError:
            self.close_connection = True
            return False
        return True

    def send_error(self, code: int, message: str | None = None,
                   explain: str | None = None) -> None:
        """Answer an error of the protocol (a malformed request line,
        headers too long...) with JSON instead of HTML, and close."""
        self.log_error("code %d, message %s", code, message)
        self.close_connection = True
        detail = message or HTTPStatus(code).phrase
        self.send_json(code, {"detail": detail.rstrip(".") + "."})

    def finish(self) -> None:
        """Drain a body nobody read, then let the connection close.

        Closing a socket that still has unread bytes makes the kernel send
        a reset, which can destroy the response (a 413, say) before the
        client, still busy sending its body, gets to read it. Shutting our
        side and reading what keeps coming, within ``linger_seconds`` in
        all, avoids that.
        """
        if self.body_left_unread():
            self.linger()
        self.rfile.close()

    def linger(self) -> None:
        """Read and drop what the client still sends, for a bounded time
        and number of bytes."""
        try:
            self.connection.shutdown(socket.SHUT_WR)
            self.reader.start(self.server.limits.linger_seconds)
            left = LINGER_BYTES
            while left > 0:
                chunk = self.rfile.read1(65536)
                if not chunk:
                    break
                left -= len(chunk)
        except OSError:
            pass

    def log_request(self, code: object = "-", size: object = "-") -> None:
        """Leave request lines to the request log of the application."""

    def log_message(self, format: str, *args: object) -> None:
        """Send the handler's messages to the server log."""
        logger.info("%s %s", self.client_address[0], format % args)


@dataclass
class Connection:
    """What the server knows of an open connection: the client's address
    and whether a request is being handled on it."""

    host: str
    busy: bool = False


class JSONServer(ThreadingHTTPServer):
    """A threading HTTP server with connection caps, deadlines and a
    graceful stop. A connection is idle while it waits for or reads a
    request head and busy while a request is handled."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int],
                 handler: type[JSONRequestHandler] = JSONRequestHandler,
                 limits: Limits = Limits(), base_url: str = "") -> None:
        """Listen on ``address`` within ``limits``. ``base_url`` is where
        clients reach the server, by default the listening address."""
        self.limits = limits
        self.stopping = False
        self._connections: dict[socket.socket, Connection] = {}
        self._per_host: Counter[str] = Counter()
        self._refusing = 0
        self._looping = False
        self._lock = threading.Lock()
        self._drained = threading.Condition(self._lock)
        self._loop_ended = threading.Event()
        # The listen backlog: the stdlib's 5 drops the SYNs of a burst of
        # new connections, each of which then waits a second to retry.
        self.request_queue_size = limits.max_connections
        super().__init__(address, handler)
        self.base_url = base_url or listening_url(self.server_address)
        self._wakeup, self._waker = socket.socketpair()

    def serve_forever(self, poll_interval: float = 0.5) -> None:
        """Accept connections until ``shutdown``, which wakes this loop at
        once rather than at its next poll (so ``poll_interval`` is not
        used)."""
        with self._lock:
            if self.stopping:
                return
            self._looping = True
        try:
            with selectors.DefaultSelector() as selector:
                selector.register(self.socket, selectors.EVENT_READ)
                selector.register(self._wakeup, selectors.EVENT_READ)
                while not self.stopping:
                    for key, _ in selector.select():
                        if key.fileobj is self.socket and not self.stopping:
                            self.accept()
        finally:
            self._loop_ended.set()

    def accept(self) -> None:
        """Take one connection from the listener and serve or refuse it."""
        try:
            request, client_address = self.get_request()
        except OSError:
            return
        try:
            self.process_request(request, client_address)
        except Exception:
            self.handle_error(request, client_address)
            self.shutdown_request(request)

    def shutdown(self) -> None:
        """Stop the accept loop and wait until it has ended."""
        with self._lock:
            self.stopping = True
            looping = self._looping
        try:
            self._waker.send(b"\0")
        except OSError:
            pass
        if looping:
            self._loop_ended.wait()

    def process_request(self, request: socket.socket,
                        client_address: tuple[str, int]) -> None:
        """Start a thread for the connection, or refuse it: 503 when the
        server is full or stopping, 429 when its address holds its share
        of connections already."""
        host = client_address[0]
        with self._lock:
            if (self.stopping
                    or len(self._connections) >= self.limits.max_connections):
                answer: bytes | None = BUSY
            elif (self._per_host[host]
                  >= self.limits.max_connections_per_address):
                answer = CROWDED
            else:
                answer = None
                self._connections[request] = Connection(host)
                self._per_host[host] += 1
        if answer is not None:
            self.refuse(request, answer)
            return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self.forget(request)
            raise

    def process_request_thread(self, request: socket.socket,
                               client_address: tuple[str, int]) -> None:
        """Handle a connection and forget it once closed."""
        try:
            super().process_request_thread(request, client_address)
        finally:
            self.forget(request)

    def forget(self, request: socket.socket) -> None:
        """Stop counting a closed connection."""
        with self._lock:
            connection = self._connections.pop(request, None)
            if connection is not None:
                self._per_host[connection.host] -= 1
                if not self._per_host[connection.host]:
                    del self._per_host[connection.host]
            self._drained.notify_all()

    def handle_error(self, request: socket.socket,
                     client_address: tuple[str, int]) -> None:
        """Log what escaped a handler, with its traceback, to the server
        log; a client that hung up (a reset, a broken pipe) is not an
        error of the server and is not logged."""
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        logger.exception("Error while serving %s", client_address[0])

    def refuse(self, request: socket.socket, answer: bytes) -> None:
        """Send ``answer`` to a refused connection from a thread of its
        own; with MAX_REFUSING such threads running, close it at once."""
        with self._lock:
            crowded = self._refusing >= MAX_REFUSING
            if not crowded:
                self._refusing += 1
        if crowded:
            self.shutdown_request(request)
            return
        threading.Thread(target=self.send_refusal, args=(request, answer),
                         daemon=True).start()

    def send_refusal(self, request: socket.socket, answer: bytes) -> None:
        """Answer at once, then read and drop what the client sends until
        it closes, for a second at most: closing on unread bytes would
        reset the connection and could destroy the answer."""
        deadline = time.monotonic() + REFUSAL_SECONDS
        try:
            request.settimeout(REFUSAL_SECONDS)
            request.sendall(answer)
            request.shutdown(socket.SHUT_WR)
            while (left := deadline - time.monotonic()) > 0:
                request.settimeout(left)
                if not request.recv(65536):
                    break
        except OSError:
            pass
        finally:
            self.close_request(request)
            with self._lock:
                self._refusing -= 1

    def mark_busy(self, request: socket.socket) -> None:
        """Note that a request is being handled on this connection."""
        with self._lock:
            self._connections[request].busy = True

    def mark_idle(self, request: socket.socket) -> bool:
        """Note that the connection waits for its next request; False
        when the server is stopping and the connection should close."""
        with self._lock:
            self._connections[request].busy = False
            return not self.stopping

    def open_connections(self) -> int:
        """Return how many connections are open now."""
        with self._lock:
            return len(self._connections)

    def requests_in_flight(self) -> int:
        """Return on how many connections a request is being handled."""
        with self._lock:
            return sum(connection.busy
                       for connection in self._connections.values())

    def stop(self) -> None:
        """Refuse new connections at once (the listener closes), close
        idle ones, wait (up to ``socket_timeout``) for the requests in
        flight to finish, then release everything."""
        self.shutdown()
        self.socket.close()
        with self._lock:
            idle = [sock for sock, connection in self._connections.items()
                    if not connection.busy]
        for sock in idle:
            try:
                # Wakes the thread blocked reading the next request.
                sock.shutdown(socket.SHUT_RD)
            except OSError:
                pass
        deadline = time.monotonic() + self.limits.socket_timeout
        with self._lock:
            while self._connections and time.monotonic() < deadline:
                self._drained.wait(deadline - time.monotonic())
        self.server_close()
        self._wakeup.close()
        self._waker.close()
