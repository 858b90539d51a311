"""The errors a request can end in, each with its status and JSON body.

Views and helpers raise these; the application turns any of them into a JSON
response, so a client never sees HTML or a traceback.
"""
from collections.abc import Iterable

Headers = list[tuple[str, str]]


class ApiError(Exception):
    """An error with an HTTP status and a one-sentence ``detail``."""

    status = 500
    detail = "Internal server error"

    def __init__(self, detail: str | None = None) -> None:
        """Use ``detail`` instead of the class's default sentence."""
        super().__init__(detail or self.detail)
        if detail:
            self.detail = detail

    def body(self) -> dict:
        """Return the JSON body of the error response."""
        return {"detail": self.detail}

    def headers(self) -> Headers:
        """Return the extra headers the error response carries."""
        return []


class ValidationError(ApiError):
    """Invalid fields: 400 with ``{"field": ["sentence", ...]}``."""

    status = 400
    detail = "Invalid input."

    def __init__(self, errors: dict[str, list[str]]) -> None:
        """Keep the sentences that explain each invalid field."""
        super().__init__()
        self.errors = errors

    def body(self) -> dict:
        """Return the field errors as the body."""
        return self.errors


class BadRequest(ApiError):
    """The request cannot be understood: malformed JSON, for example."""

    status = 400
    detail = "The request is malformed."


class Unauthorized(ApiError):
    """No valid credentials: 401 with a ``WWW-Authenticate`` challenge."""

    status = 401
    detail = "Authentication credentials were not provided."

    def __init__(self, detail: str | None = None,
                 token_sent: bool = False) -> None:
        """Say in the challenge whether a token was sent and refused."""
        super().__init__(detail)
        self.token_sent = token_sent

    def headers(self) -> Headers:
        """Return the Bearer challenge of RFC 6750."""
        challenge = 'Bearer realm="api"'
        if self.token_sent:
            challenge += ', error="invalid_token"'
        return [("WWW-Authenticate", challenge)]


class Forbidden(ApiError):
    """The caller is known but may not do this."""

    status = 403
    detail = "You do not have permission to perform this action."


class NotFound(ApiError):
    """No such path or object."""

    status = 404
    detail = "Not found."


class MethodNotAllowed(ApiError):
    """The path exists but not with this method: 405 with ``Allow``."""

    status = 405

    def __init__(self, method: str, allowed: Iterable[str]) -> None:
        """Remember the methods the path does accept."""
        super().__init__(f'Method "{method}" not allowed.')
        self.allowed = sorted(allowed)

    def headers(self) -> Headers:
        """Return the ``Allow`` header listing the accepted methods."""
        return [("Allow", ", ".join(self.allowed))]


class RequestTimeout(ApiError):
    """The body did not arrive within its deadline, or stalled longer than
    the socket timeout."""

    status = 408
    detail = "The request body did not arrive in time."


class ClientDisconnected(ApiError):
    """The client closed or reset the connection while sending its body.

    Nobody is left to read an answer; 499 is the status nginx logs for it,
    so the request log tells a client that went away from a server error.
    """

    status = 499
    detail = "The client closed the connection."


class LengthRequired(ApiError):
    """A body was sent without a ``Content-Length``."""

    status = 411
    detail = "Send the body with a Content-Length header."


class PayloadTooLarge(ApiError):
    """The body is larger than the server accepts."""

    status = 413

    def __init__(self, limit: int) -> None:
        """Name the limit in the sentence."""
        super().__init__(f"The request body is larger than {limit} bytes.")


class UnsupportedMediaType(ApiError):
    """The body is not declared as JSON."""

    status = 415
    detail = "Send the body as JSON with Content-Type: application/json."


class TooManyRequests(ApiError):
    """Over the rate limit: 429 with ``Retry-After`` in seconds."""

    status = 429

    def __init__(self, retry_after: int, counts: str = "requests") -> None:
        """Tell the client what it sent too many of and how many seconds
        to wait."""
        super().__init__(
            f"Too many {counts}; try again in {retry_after} seconds.")
        self.retry_after = retry_after

    def headers(self) -> Headers:
        """Return the ``Retry-After`` header."""
        return [("Retry-After", str(self.retry_after))]


class ServiceUnavailable(ApiError):
    """The server cannot answer now: the database is busy, unreachable,
    read-only or full; the sentence says which."""

    status = 503
    detail = "The service is unavailable; try again shortly."

    def __init__(self, detail: str | None = None,
                 retry: bool = True) -> None:
        """Suggest a retry after a second only when one may succeed."""
        super().__init__(detail)
        self.retry = retry

    def headers(self) -> Headers:
        """Suggest a retry after one second, when retrying may help."""
        return [("Retry-After", "1")] if self.retry else []
