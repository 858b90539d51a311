"""The chat API on the hardened HTTP server of ``httpserver.py`` and
``httphandler.py``.

``ApiHandler`` turns each HTTP request into a ``Request`` for the
``Application`` and sends back its ``Response``; ``ApiServer`` serves an
Application with the limits of its settings; ``running_server`` runs one
in a background thread for a ``with`` block.
"""
import itertools
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import Message
from http import HTTPStatus
from urllib.parse import parse_qs, urlsplit

from messaging_app.app import Application, build_application
from messaging_app.httphandler import JSONRequestHandler
from messaging_app.httpserver import JSONServer, Limits
from messaging_app.request import Request
from messaging_app.router import Route
from messaging_app.settings import Settings

# Request ids made here: a random prefix per process and a counter, unique
# without asking the kernel for random bytes on every request. A client's
# own X-Request-ID is never used: it could forge or collide with others.
REQUEST_ID_PREFIX = os.urandom(6).hex()
REQUEST_NUMBERS = itertools.count(1)


class ListenError(Exception):
    """The server cannot listen on the address it was given."""


def new_request_id() -> str:
    """Return an id for a request that no other request of any process
    of this server shares."""
    return f"{REQUEST_ID_PREFIX}-{next(REQUEST_NUMBERS)}"


def lower_case_headers(message: Message) -> dict[str, str]:
    """Return the headers of a request by lower-case name, the first of a
    repeated header winning (as ``Message.get`` does).

    Each ``Message.get`` lower-cases and scans every header; a request
    asks for several of them.
    """
    headers: dict[str, str] = {}
    for name, value in message.items():
        headers.setdefault(name.lower(), value)
    return headers


class ApiHandler(JSONRequestHandler):
    """Answers every request through the Application: every method goes
    through the router, so an unknown one is a 405 with ``Allow``."""

    server: "ApiServer"

    def dispatch(self) -> None:
        """Build the Request, let the Application answer and send the
        answer; the request's log line says when it did not reach the
        client whole."""
        try:
            request = self.build_request()
        except ValueError:
            self.send_error(HTTPStatus.BAD_REQUEST,
                            "The request target is not a valid URL.")
            return
        app = self.server.app
        with app.log.held() as line:
            response = app.handle(request)
            if self.client_gone:
                line.outcome = "gone"
            elif not self.send_body(response.status, response.body,
                                    response.headers):
                line.outcome = "cut-off"

    def build_request(self) -> Request:
        """Describe the request independently of the socket; ValueError
        for a target that is not a URL."""
        target = urlsplit(self.path)
        return Request(
            method=self.command, path=target.path or "/",
            query=parse_qs(target.query, keep_blank_values=True)
            if target.query else {},
            headers=lower_case_headers(self.headers),
            client_ip=self.client_address[0], base_url=self.server.base_url,
            read_body=self.read_body,
            max_body_bytes=self.server.app.services.settings.max_body_bytes,
            request_id=new_request_id())


def limits_of(settings: Settings) -> Limits:
    """Return the transport limits the settings ask for."""
    return Limits(
        max_connections=settings.max_connections,
        max_connections_per_address=settings.max_connections_per_address,
        socket_timeout=settings.socket_timeout,
        header_timeout=settings.header_timeout,
        body_timeout=settings.body_timeout)


class ApiServer(JSONServer):
    """The chat API's HTTP server, answering through an Application."""

    def __init__(self, app: Application) -> None:
        """Listen where the application's settings say."""
        settings = app.services.settings
        self.app = app
        super().__init__((settings.host, settings.port), ApiHandler,
                         limits_of(settings), settings.base_url)


@contextmanager
def running_server(settings: Settings, routes: list[Route] | None = None,
                   server_class: type[ApiServer] = ApiServer
                   ) -> Iterator[ApiServer]:
    """Run the API in a background thread for the ``with`` block, then
    stop it and close its database."""
    app = build_application(settings, routes)
    try:
        server = server_class(app)
    except OSError as error:
        app.close()
        raise ListenError(
            f"Cannot listen on {settings.host}:{settings.port}: "
            f"{error.strerror or error}; choose another --host or --port."
        ) from None
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
