"""The request handler of the hardened HTTP/1.1 server (``httpserver.py``):
how one connection's requests are read and answered.

- strict framing: a request line and header lines as RFC 9112 writes them
  (a token as the method, no folded lines, one ``Content-Length`` of ASCII
  digits, one ``Host``, required on HTTP/1.1), or a JSON 400 and a close;
- deadlines: a whole head within ``header_timeout`` and a whole body
  within ``body_timeout``, whatever the pace of the bytes; a connection
  silent for ``socket_timeout`` is closed, and a response is cut off when
  the client takes nothing of it for that long (a slow reader may take as
  long as it needs while it keeps reading); a body nobody read is drained
  for ``linger_seconds`` in all before the close;
- keep-alive with an exact ``Content-Length``; each response leaves in one
  gather write of status line, headers and body (Nagle off): a body sent
  apart would wait for the client's delayed acknowledgement;
- JSON error pages for the errors of the protocol itself;
- ``HEAD`` wherever ``GET`` goes, with the same headers and no body, and
  ``100 Continue`` only once the body is about to be read.

Sockets stay blocking and the kernel keeps the time: ``SO_RCVTIMEO`` is set
before each read to what the deadline leaves, ``SO_SNDTIMEO`` bounds each
wait for the client to take more of a response.
"""
import io
import logging
import re
import socket
import struct
import time
from collections.abc import Sequence
from http import HTTPStatus
from http.client import HTTPMessage
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING

from messaging_app.errors import (BadRequest, ClientDisconnected,
                                  RequestTimeout)
from messaging_app.http11 import (is_token, list_items,
                                  parse_content_length, parse_header_line)
from messaging_app.response import encode_json

if TYPE_CHECKING:
    # _typeshed exists only for type checkers: the buffer types of io.
    from _typeshed import WriteableBuffer

    from messaging_app.httpserver import JSONServer

logger = logging.getLogger("messaging_app")

# The longest request line and header line, and the most header lines.
MAX_LINE = 65536
MAX_HEADERS = 100
# Empty lines a client may send before a request line (RFC 9112 2.2).
MAX_EMPTY_LINES = 4
VERSION = re.compile(r"HTTP/([0-9])\.([0-9])\Z")
# A body nobody read is drained up to this much before the close.
LINGER_BYTES = 16 << 20
CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"
# Said when the client ends its side of the connection within a head.
INCOMPLETE = "The request head ended before its empty line."
NOSNIFF = ("X-Content-Type-Options", "nosniff")


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

    def readinto(self, buffer: "WriteableBuffer") -> int:
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
    rfile: io.BufferedReader

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
