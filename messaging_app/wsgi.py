"""The API as a WSGI application, for servers that run several processes.

``messaging_app.wsgi:application`` serves the same ``Application`` as
``python -m messaging_app serve``, so answers, statuses, headers, the body
limit and the JSON errors are the same; only the socket is the WSGI
server's. With gunicorn, two worker processes of eight threads each::

    MESSAGING_DATABASE_URL=mysql://user:password@127.0.0.1:3306/chat \\
    gunicorn -w 2 -k gthread --threads 8 -b 127.0.0.1:8000 \\
        messaging_app.wsgi:application

Settings come from the same ``MESSAGING_*`` variables as ``serve``; set
``MESSAGING_BASE_URL`` to the address clients use, which page links start
with (the default is http://127.0.0.1:8000/, ``serve``'s own). Each
worker process builds its own Application (its own connections) on its
first request, so a server that imports the module before forking its
workers shares nothing between them; whatever must hold across processes
lives in the database.
"""
import itertools
import logging
import os
import threading
from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs, quote

from messaging_app.app import Application, build_application
from messaging_app.errors import ServiceUnavailable
from messaging_app.request import Request
from messaging_app.response import Response, error_response
from messaging_app.settings import load_settings
from messaging_app.storage import StorageError

StartResponse = Callable[..., Any]
Environ = dict[str, Any]
# Characters of a path kept as they are when it is quoted again.
PATH_SAFE = "/:@!$&'()*+,;=-._~"
REQUEST_NUMBERS = itertools.count(1)
logger = logging.getLogger("messaging_app")


def request_from(environ: Environ, base_url: str,
                 max_body_bytes: int) -> Request:
    """Describe a WSGI request as the Application expects it: the path as
    the client sent it (percent-encoded), headers by lower-case name."""
    raw_path = environ.get("PATH_INFO", "") or "/"
    # PEP 3333 hands the decoded path's bytes over as latin-1 text.
    path = quote(raw_path.encode("latin-1").decode("utf-8", "replace"),
                 safe=PATH_SAFE)
    headers = {key[5:].replace("_", "-").lower(): value
               for key, value in environ.items() if key.startswith("HTTP_")}
    for key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
        if environ.get(key):
            headers[key.replace("_", "-").lower()] = environ[key]
    body = environ["wsgi.input"]
    query = environ.get("QUERY_STRING", "")
    return Request(
        method=environ["REQUEST_METHOD"], path=path,
        query=parse_qs(query, keep_blank_values=True) if query else {},
        headers=headers, client_ip=environ.get("REMOTE_ADDR", ""),
        base_url=base_url, read_body=body.read,
        max_body_bytes=max_body_bytes,
        request_id=f"wsgi-{os.getpid()}-{next(REQUEST_NUMBERS)}")


def status_line(status: int) -> str:
    """Return ``200 OK`` and the like for a status code."""
    return f"{status} {HTTPStatus(status).phrase}"


def response_headers(response: Response) -> list[tuple[str, str]]:
    """Return the response's headers with an exact Content-Length (none
    on a 204, as on the http.server path)."""
    headers = list(response.headers)
    if response.status != HTTPStatus.NO_CONTENT:
        headers.append(("Content-Length", str(len(response.body))))
    return headers


class WSGIApplication:
    """A WSGI callable that builds one Application per process, on the
    process's first request (after any fork of the server)."""

    def __init__(self, build: Callable[[], Application]) -> None:
        """Build Applications with ``build`` when a process needs one."""
        self._build = build
        self._lock = threading.Lock()
        self._app: Application | None = None
        self._pid = 0

    def application(self) -> Application:
        """Return this process's Application, building it once."""
        with self._lock:
            if self._app is None or self._pid != os.getpid():
                self._app, self._pid = self._build(), os.getpid()
            return self._app

    def __call__(self, environ: Environ,
                 start_response: StartResponse) -> Iterable[bytes]:
        """Answer one request; while the Application cannot be built (its
        database unreachable, say), a JSON 503 that says why."""
        try:
            app = self.application()
        except StorageError as error:
            logger.warning("cannot start the application: %s", error)
            response = error_response(ServiceUnavailable(str(error)))
            start_response(status_line(response.status),
                           response_headers(response))
            return [response.body]
        settings = app.services.settings
        # Never from Host (a WSGI server's SERVER_NAME may come from it).
        base_url = settings.base_url or \
            f"http://{settings.host}:{settings.port}/"
        request = request_from(environ, base_url, settings.max_body_bytes)
        response = app.handle(request)
        start_response(status_line(response.status),
                       response_headers(response))
        return [response.body]

    def close(self) -> None:
        """Close this process's Application, if it was built."""
        with self._lock:
            if self._app is not None:
                self._app.close()
                self._app = None


application = WSGIApplication(lambda: build_application(load_settings()))
