#!/usr/bin/env python3
"""Raw HTTP over sockets for the transport tests: requests written byte
by byte as a test wants them, and answers parsed strictly enough to tell a
well-formed response from anything else."""
import json
import re
import socket
from dataclasses import dataclass
from typing import Any, BinaryIO

from messaging_app.tests.helpers import WAIT

STATUS_LINE = re.compile(rb"HTTP/1\.1 ([1-5][0-9][0-9]) [^\r\n]*\r\n\Z")
HEADER_LINE = re.compile(rb"([!#$%&'*+.^_`|~0-9A-Za-z-]+): ([^\r\n]*)\r\n\Z")


@dataclass
class Answer:
    """One response: its status, headers by lower-case name, and body."""

    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        """Return the body decoded from JSON."""
        return json.loads(self.body)


def connect(address: tuple[str, int], source: str = "127.0.0.1",
            receive_buffer: int = 0) -> socket.socket:
    """Open a connection from ``source`` (any 127.x.y.z works on Linux
    loopback); a small ``receive_buffer`` makes a slow reader."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if receive_buffer:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
    sock.settimeout(WAIT)
    sock.bind((source, 0))
    sock.connect(address)
    return sock


def read_answer(stream: BinaryIO, head_only: bool = False) -> Answer | None:
    """Read one response from ``stream``: None when the connection closed
    before its first byte, AssertionError when it is not well-formed.
    ``head_only`` is for the answer to a HEAD request."""
    line = stream.readline(65537)
    if not line:
        return None
    status_line = STATUS_LINE.match(line)
    assert status_line, f"malformed status line {line[:100]!r}"
    headers: dict[str, str] = {}
    while (line := stream.readline(65537)) != b"\r\n":
        field = HEADER_LINE.match(line)
        assert field, f"malformed header line {line[:100]!r}"
        headers[field[1].decode().lower()] = field[2].decode("latin-1")
    status = int(status_line[1])
    if status < 200 or status == 204 or head_only:
        return Answer(status, headers, b"")
    length = int(headers["content-length"])
    body = stream.read(length)
    assert len(body) == length, "the body is shorter than its length"
    return Answer(status, headers, body)


def next_answer(stream: BinaryIO) -> Answer:
    """Read one response that must come: AssertionError when the
    connection closes instead."""
    answer = read_answer(stream)
    assert answer is not None, "the connection closed without an answer"
    return answer


def exchange_all(address: tuple[str, int], data: bytes,
                 head_only: bool = False) -> list[Answer]:
    """Send ``data``, end the sending side, and return every answer read
    until the server closes; interim (1xx) answers included."""
    with connect(address) as sock:
        try:
            sock.sendall(data)
            sock.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        answers = []
        with sock.makefile("rb") as stream:
            try:
                while (answer := read_answer(stream, head_only)) is not None:
                    answers.append(answer)
            except ConnectionResetError:
                pass
    return answers
