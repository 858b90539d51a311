"""Views of the API itself: the health check and the OpenAPI document."""
from messaging_app import openapi
from messaging_app.request import Request
from messaging_app.response import (Response, encode_json,
                                    encoded_json_response, json_response)
from messaging_app.services import Services

# The body of every successful health check, encoded once.
HEALTHY = encode_json({"status": "ok", "database": "ok"})


def health(services: Services, request: Request) -> Response:
    """GET /api/health/: the server is up, its database answers and
    accepts writes (a database that does not, or that is read-only or
    full, is a 503 saying why, from the application)."""
    services.storage.ping()
    services.storage.write_probe.check()
    return encoded_json_response(HEALTHY)


def schema(services: Services, request: Request) -> Response:
    """GET /api/schema/: the OpenAPI 3.1 document of this API."""
    return json_response(openapi.document())
