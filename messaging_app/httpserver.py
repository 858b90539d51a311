"""A hardened HTTP/1.1 server on ``http.server`` for JSON APIs, for the
API and for the bare server the benchmark measures beside it.

``JSONServer`` holds the connections: a cap on open connections (503) and
on connections from one address (429), both answered by a bounded number
of short-lived threads; the listen backlog; and a graceful stop: the
listener closes at once (new connections are refused), idle connections
close, requests in flight finish. ``Limits`` says how many connections and
how long each may take; ``JSONRequestHandler`` (``httphandler.py``) reads
and answers each connection's requests within them.
"""
import logging
import selectors
import socket
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass
from http import HTTPStatus
from http.server import ThreadingHTTPServer

from messaging_app.httphandler import NOSNIFF, JSONRequestHandler
from messaging_app.response import encode_json

__all__ = ["JSONRequestHandler", "JSONServer", "Limits"]

logger = logging.getLogger("messaging_app")

# Refused connections answered at once, each for at most REFUSAL_SECONDS;
# past it, one is closed unanswered (a flood of connections must not
# become a flood of threads).
MAX_REFUSING = 64
REFUSAL_SECONDS = 1.0

# What socketserver passes around as a request: a TCP server's is its
# connection's socket, never the tuple (a UDP server's).
SocketRequest = socket.socket | tuple[bytes, socket.socket]


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
            f"{NOSNIFF[0]}: {NOSNIFF[1]}\r\nRetry-After: 1\r\n"
            f"Connection: close\r\nContent-Length: {len(body)}\r\n\r\n")
    return head.encode("ascii") + body


BUSY = refusal(503, "The server is busy; try again shortly.")
CROWDED = refusal(429, "Too many connections from your address; close one "
                       "and try again.")


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

    @property
    def address(self) -> tuple[str, int]:
        """Return the host and port the server listens on (an IPv6
        address's flow and scope left out)."""
        host, port = self.server_address[:2]
        return str(host), port

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

    def process_request(self, request: SocketRequest,
                        client_address: tuple[str, int]) -> None:
        """Start a thread for the connection, or refuse it: 503 when the
        server is full or stopping, 429 when its address holds its share
        of connections already."""
        assert not isinstance(request, tuple)  # a TCP connection
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

    def process_request_thread(self, request: SocketRequest,
                               client_address: tuple[str, int]) -> None:
        """Handle a connection and forget it once closed."""
        assert not isinstance(request, tuple)  # a TCP connection
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

    def handle_error(self, request: SocketRequest,
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
