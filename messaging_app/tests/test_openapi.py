#!/usr/bin/env python3
"""The OpenAPI document stays in step with the route table.

Every route of ``messaging_app.routes.ROUTES`` must be documented and every
documented operation must be routed; the document must be well formed
OpenAPI 3.1 with a reachable schema for every reference, and it must be what
``GET /api/schema/`` serves.
"""
import json
import re
from collections.abc import Iterator

from messaging_app import openapi
from messaging_app.routes import ROUTES

METHODS = {"get", "put", "post", "delete", "options", "head", "patch",
           "trace"}


def routed() -> set[tuple[str, str]]:
    """Return the (method, path) pairs of the route table."""
    return {(route.method.upper(), route.pattern) for route in ROUTES}


def documented(document: dict) -> set[tuple[str, str]]:
    """Return the (method, path) pairs of an OpenAPI document."""
    return {(method.upper(), path)
            for path, item in document["paths"].items()
            for method in item if method in METHODS}


def references(node: object) -> Iterator[str]:
    """Yield every ``$ref`` string anywhere inside ``node``."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from references(value)
    elif isinstance(node, list):
        for value in node:
            yield from references(value)


def test_every_route_is_documented() -> None:
    """A route added to ROUTES without documentation fails here."""
    missing = routed() - documented(openapi.document())
    assert not missing, (f"routes missing from the OpenAPI document: "
                         f"{sorted(missing)}")


def test_every_documented_operation_is_routed() -> None:
    """A documented operation the router does not serve fails here."""
    extra = documented(openapi.document()) - routed()
    assert not extra, f"documented but not routed: {sorted(extra)}"


def test_documented_routes_are_checked_by_the_comparison() -> None:
    """Dropping one path from the document is noticed by the comparison."""
    document = openapi.document()
    dropped = sorted(document["paths"])[0]
    del document["paths"][dropped]
    assert routed() - documented(document)


def test_document_is_openapi_3_1_with_bearer_security() -> None:
    """The header fields, the security scheme and the default security."""
    document = openapi.document()
    assert document["openapi"] == "3.1.0"
    assert document["info"]["title"] and document["info"]["version"]
    scheme = document["components"]["securitySchemes"]["bearerAuth"]
    assert scheme == {"type": "http", "scheme": "bearer",
                      "bearerFormat": "JWT"}
    assert document["security"] == [{"bearerAuth": []}]


def test_every_reference_resolves() -> None:
    """Each ``$ref`` names a schema under components."""
    document = openapi.document()
    schemas = document["components"]["schemas"]
    for reference in references(document):
        assert reference.startswith("#/components/schemas/"), reference
        assert reference.rsplit("/", 1)[1] in schemas, reference


def test_every_operation_is_complete() -> None:
    """Ids unique, path parameters declared, responses with status codes."""
    document = openapi.document()
    seen = set()
    for path, item in document["paths"].items():
        for method, operation in item.items():
            assert operation["operationId"] not in seen
            seen.add(operation["operationId"])
            declared = {p["name"] for p in operation.get("parameters", ())
                        if p["in"] == "path"}
            assert declared == set(re.findall(r"{(\w+)}", path)), path
            codes = set(operation["responses"])
            assert codes and all(re.fullmatch(r"[1-5]\d\d", c)
                                 for c in codes), (method, path)
            assert any(c.startswith("2") for c in codes), (method, path)


def test_private_operations_document_401_and_public_ones_do_not() -> None:
    """Only operations that need a token say they answer 401 for one."""
    for item in openapi.document()["paths"].values():
        for method, operation in item.items():
            needs_token = operation.get("security") != []
            if needs_token:
                assert "401" in operation["responses"], operation
                header = operation["responses"]["401"]["headers"]
                assert "WWW-Authenticate" in header


def test_request_bodies_are_json_objects() -> None:
    """Every request body is required JSON described by an object schema."""
    document = openapi.document()
    schemas = document["components"]["schemas"]
    for item in document["paths"].values():
        for operation in item.values():
            body = operation.get("requestBody")
            if body is None:
                continue
            assert body["required"] is True
            schema = body["content"]["application/json"]["schema"]
            name = schema["$ref"].rsplit("/", 1)[1]
            assert schemas[name]["type"] == "object"


def test_document_is_plain_json() -> None:
    """The document survives a JSON round trip unchanged, as served."""
    document = openapi.document()
    assert json.loads(json.dumps(document)) == document


def test_public_routes_are_documented_without_security() -> None:
    """A route that needs no token has ``security: []``, and only those."""
    document = openapi.document()
    for route in ROUTES:
        operation = document["paths"][route.pattern][route.method.lower()]
        assert (operation.get("security") == []) == route.public, route
