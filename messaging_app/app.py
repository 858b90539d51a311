"""The application: from a Request to a Response, without a socket.

It routes the request, authenticates it, applies the middleware (open
hours, role gate, rate limit), runs the view and turns every error into a
JSON response. Each request is logged with its duration; an unexpected
exception is logged with its traceback and the request id, and the client
gets a bare 500 carrying the same id. It keeps no state of its own between
requests: everything shared lives in the database, so a request may land
on any process.
"""
import logging
import time

from messaging_app.auth import authenticate
from messaging_app.errors import ApiError, ServiceUnavailable
from messaging_app.middleware import (check_open_hours,
                                      check_route_limit, check_role)
from messaging_app.passwords import HashingBusy, PasswordChecker
from messaging_app.request import Request
from messaging_app.requestlog import RequestLog
from messaging_app.response import Response, error_response
from messaging_app.router import ProtectedNotFound, Route, resolve
from messaging_app.routes import ROUTES
from messaging_app.services import Services
from messaging_app.settings import Settings, load_secret_key
from messaging_app.storage import (Busy, Unavailable, VersionedCache,
                                   open_storage)
from messaging_app.tokens import TokenService

logger = logging.getLogger("messaging_app")
HASHING_BUSY = ("The server is busy checking other passwords; try again "
                "in a second.")


class Application:
    """The API as a function of requests, with its services and log."""

    def __init__(self, services: Services, log: RequestLog,
                 routes: list[Route] | None = None) -> None:
        """Serve ``routes`` (the API's table by default)."""
        self.services = services
        self.log = log
        self.routes = ROUTES if routes is None else routes

    def handle(self, request: Request) -> Response:
        """Answer one request; never raises."""
        started = time.perf_counter()
        try:
            response = self.dispatch(request)
        except ApiError as error:
            response = error_response(error)
        except Unavailable as error:
            logger.warning("request %s: %s", request.request_id, error)
            response = error_response(ServiceUnavailable(
                str(error), retry=isinstance(error, Busy)))
        except HashingBusy:
            response = error_response(ServiceUnavailable(HASHING_BUSY))
        except Exception:
            logger.exception("request %s failed", request.request_id)
            response = error_response(ApiError())
        response.headers.append(("X-Request-ID", request.request_id))
        user = request.user.user_id if request.user else None
        self.log.write(user, request.method, request.path, response.status,
                       time.perf_counter() - started)
        return response

    def dispatch(self, request: Request) -> Response:
        """Route the request, authenticate it, check the gates and run
        the view."""
        services = self.services
        try:
            match = resolve(self.routes, request.method, request.path)
        except ProtectedNotFound:
            # Credentials first, then the malformed id: without them a
            # client gets the 401 a well-formed id would get.
            request.user = authenticate(request.headers, services.tokens,
                                        services.storage)
            raise
        settings = services.settings
        if not match.route.public:
            request.user = authenticate(request.headers, services.tokens,
                                        services.storage)
            check_open_hours(settings.open_hours)
            check_role(settings.allowed_roles, request.user)
        if match.route.limit is not None:
            check_route_limit(services, match.route.limit, request)
        return match.route.view(services, request, **match.params)

    def close(self) -> None:
        """Close the request log and the database."""
        self.log.close()
        self.services.storage.close()


def build_services(settings: Settings) -> Services:
    """Open the database and prepare tokens and password hashing."""
    storage = open_storage(settings.database, VersionedCache()
                           if settings.page_cache else None)
    tokens = TokenService(load_secret_key(settings),
                          settings.access_token_minutes * 60,
                          settings.refresh_token_days * 86400)
    return Services(settings, storage, tokens,
                    PasswordChecker(settings.password_cost,
                                    settings.hashing_slots))


def build_application(settings: Settings,
                      routes: list[Route] | None = None) -> Application:
    """Build the whole API from its settings."""
    services = build_services(settings)
    try:
        log = RequestLog(settings.request_log)
    except BaseException:
        services.storage.close()
        raise
    return Application(services, log, routes)
