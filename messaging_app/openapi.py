"""The OpenAPI 3.1 document of the chat API, served at ``GET /api/schema/``.

The document is built from one table of operations, so a reader sees every
endpoint, who may call it, what it takes and what it answers in one place. A
test keeps the table in step with the router's ``ROUTES``, and a
schema-driven fuzz run checks the live server against it.
"""
import re
from typing import Dict, List, NamedTuple, Optional, Tuple

ERROR = {"$ref": "#/components/schemas/Error"}
UUID = {"type": "string", "format": "uuid"}
# Text fields are trimmed by the server, so they need a non-space character.
NAME = {"type": "string", "pattern": r"\S", "maxLength": 150}
MESSAGE_BODY = {"type": "string", "pattern": r"\S", "maxLength": 10000}
TIME = {"type": "string", "format": "date-time"}
NULLABLE_URL = {"type": ["string", "null"], "format": "uri"}
TOKEN = {"type": "string", "pattern": r"\S", "maxLength": 4096}

PARTICIPANT = {
    "type": "object",
    "required": ["user_id", "username", "first_name", "last_name"],
    "properties": {
        "user_id": UUID,
        "username": {"type": "string"},
        "first_name": {"type": "string"},
        "last_name": {"type": "string"},
    },
}

SCHEMAS = {
    "Error": {
        "type": "object",
        "required": ["detail"],
        "properties": {"detail": {"type": "string"}},
    },
    "FieldErrors": {
        "description": "Each invalid field with its sentences.",
        "type": "object",
        "minProperties": 1,
        "additionalProperties": {
            "type": "array", "items": {"type": "string"}},
    },
    "Participant": PARTICIPANT,
    "User": {
        "description": "A user; email and phone only for the caller.",
        "type": "object",
        "required": PARTICIPANT["required"] + ["role", "created_at"],
        "properties": dict(
            PARTICIPANT["properties"],
            email={"type": "string"},
            phone_number={"type": ["string", "null"]},
            role={"enum": ["guest", "host", "admin"]},
            created_at=TIME),
    },
    "Registration": {
        "type": "object",
        "required": ["username", "email", "password", "first_name",
                     "last_name"],
        "properties": {
            "username": {"type": "string", "pattern": r"^[\w.@+-]+$",
                         "maxLength": 150},
            "email": {"type": "string", "maxLength": 254,
                      "pattern": r"^[^@\s]+@[^@\s]+\.[^@\s]+$"},
            "password": {"type": "string", "minLength": 8,
                         "maxLength": 1024},
            "first_name": NAME,
            "last_name": NAME,
            "phone_number": {"type": ["string", "null"], "maxLength": 32},
        },
    },
    "Credentials": {
        "description": "A username or an email, with the password.",
        "type": "object",
        "required": ["password"],
        "anyOf": [{"required": ["username"]}, {"required": ["email"]}],
        "properties": {
            "username": dict(NAME, maxLength=254),
            "email": dict(NAME, maxLength=254),
            "password": dict(NAME, maxLength=1024),
        },
    },
    "TokenPair": {
        "type": "object",
        "required": ["access", "refresh"],
        "properties": {"access": TOKEN, "refresh": TOKEN},
    },
    "Refresh": {
        "type": "object",
        "required": ["refresh"],
        "properties": {"refresh": TOKEN},
    },
    "Logout": {
        "description": "A refresh token to give up; with everywhere, "
                       "every token of its account issued so far.",
        "type": "object",
        "required": ["refresh"],
        "properties": {"refresh": TOKEN, "everywhere": {"type": "boolean"}},
    },
    "PasswordChange": {
        "type": "object",
        "required": ["old_password", "new_password"],
        "properties": {
            "old_password": {"type": "string", "minLength": 1,
                             "maxLength": 1024},
            "new_password": {"type": "string", "minLength": 8,
                             "maxLength": 1024}},
    },
    "Empty": {"type": "object", "maxProperties": 0},
    "NewConversation": {
        "type": "object",
        "required": ["participants"],
        "properties": {
            "participants": {"type": "array", "items": UUID,
                             "minItems": 1, "maxItems": 100}},
    },
    "Conversation": {
        "type": "object",
        "required": ["conversation_id", "participants", "created_at"],
        "properties": {
            "conversation_id": UUID,
            "participants": {
                "type": "array",
                "items": {"$ref": "#/components/schemas/Participant"}},
            "created_at": TIME,
        },
    },
    "MessageBody": {
        "type": "object",
        "required": ["message_body"],
        "properties": {"message_body": MESSAGE_BODY},
    },
    "NewMessage": {
        "type": "object",
        "required": ["conversation", "message_body"],
        "properties": {
            "conversation": UUID,
            "message_body": MESSAGE_BODY},
    },
    "Message": {
        "type": "object",
        "required": ["message_id", "conversation", "sender", "message_body",
                     "sent_at", "edited_at"],
        "properties": {
            "message_id": UUID,
            "conversation": UUID,
            "sender": {"$ref": "#/components/schemas/Participant"},
            "message_body": {"type": "string"},
            "sent_at": TIME,
            "edited_at": {"type": ["string", "null"],
                          "format": "date-time"},
        },
    },
    "Health": {
        "type": "object",
        "required": ["status", "database"],
        "properties": {"status": {"const": "ok"},
                       "database": {"const": "ok"}},
    },
}

# Why each error status can happen, shared by every operation that has it.
ERRORS = {
    "400": "Malformed JSON, a missing or invalid field or filter.",
    "401": "No token, or a malformed, tampered, expired or wrong-type one.",
    "403": "The caller may not touch this object.",
    "404": "No such object, or a malformed id.",
    "411": "The request has a body but no Content-Length.",
    "413": "The body is larger than the server accepts.",
    "415": "The body is not JSON.",
    "429": "Over a rate limit (of this address, this user or this "
           "account); retry after Retry-After seconds.",
    "503": "The database does not answer, or cannot save (read-only, "
           "full); or every password hashing slot is busy.",
}
BODY_ERRORS = ("400", "411", "413", "415")
PAGINATION = (
    ("page", {"type": "integer", "minimum": 1, "maximum": 10 ** 9}),
    ("page_size", {"type": "integer", "minimum": 1, "maximum": 100}),
)
MESSAGE_FILTERS = PAGINATION + (
    ("ordering", {"enum": ["sent_at", "-sent_at"]}),
    ("sender", UUID),
    ("sent_after", TIME),
    ("sent_before", TIME),
)


class Operation(NamedTuple):
    """One endpoint: its route, its audience, its input and its answers."""

    method: str
    path: str
    summary: str
    success: Tuple[str, Optional[str]]
    body: Optional[str] = None
    errors: Tuple[str, ...] = ()
    query: Tuple[Tuple[str, dict], ...] = ()
    public: bool = False


OBJECT_ERRORS = ("401", "403", "404")
CONVERSATION = "/api/conversations/{conversation_id}/"
MESSAGES = CONVERSATION + "messages/"
MESSAGE = MESSAGES + "{message_id}/"

OPERATIONS = (
    Operation("POST", "/api/users/", "Register a user.",
              ("201", "User"), "Registration",
              BODY_ERRORS + ("429", "503"), public=True),
    Operation("POST", "/api/token/", "Log in: an access and a refresh "
              "token.", ("200", "TokenPair"), "Credentials",
              BODY_ERRORS + ("401", "429", "503"), public=True),
    Operation("POST", "/api/token/refresh/", "A new access and refresh "
              "token for a refresh token, which stops working.",
              ("200", "TokenPair"), "Refresh",
              BODY_ERRORS + ("401", "429"), public=True),
    Operation("POST", "/api/token/logout/", "Give up a refresh token (or "
              "every token of its account).", ("200", "Empty"), "Logout",
              BODY_ERRORS + ("401", "429"), public=True),
    Operation("POST", "/api/token/blacklist/", "The same as "
              "/api/token/logout/, under simplejwt's name.",
              ("200", "Empty"), "Logout", BODY_ERRORS + ("401", "429"),
              public=True),
    Operation("GET", "/api/users/me/", "The caller.", ("200", "User"),
              errors=("401",)),
    Operation("POST", "/api/users/me/password/", "Change one's password: "
              "every token issued before stops working; a new pair.",
              ("200", "TokenPair"), "PasswordChange",
              BODY_ERRORS + ("401", "429", "503")),
    Operation("GET", "/api/users/{user_id}/", "A user's public fields.",
              ("200", "User"), errors=("401", "404")),
    Operation("GET", "/api/conversations/", "The caller's conversations.",
              ("200", "Page:Conversation"), errors=("400", "401", "404"),
              query=PAGINATION),
    Operation("POST", "/api/conversations/", "Open a conversation with "
              "other users; the caller joins it.",
              ("201", "Conversation"), "NewConversation",
              BODY_ERRORS + ("401", "429")),
    Operation("GET", CONVERSATION, "One conversation of the caller.",
              ("200", "Conversation"), errors=OBJECT_ERRORS),
    Operation("GET", MESSAGES, "A conversation's messages, oldest first.",
              ("200", "Page:Message"), errors=("400",) + OBJECT_ERRORS,
              query=MESSAGE_FILTERS),
    Operation("POST", MESSAGES, "Send a message as the caller.",
              ("201", "Message"), "MessageBody",
              BODY_ERRORS + OBJECT_ERRORS + ("429",)),
    Operation("GET", MESSAGE, "One message.", ("200", "Message"),
              errors=OBJECT_ERRORS),
    Operation("PATCH", MESSAGE, "Edit one's own message.",
              ("200", "Message"), "MessageBody",
              BODY_ERRORS + OBJECT_ERRORS + ("429",)),
    Operation("DELETE", MESSAGE, "Delete one's own message (or any, as "
              "an admin).", ("204", None), errors=OBJECT_ERRORS + ("429",)),
    Operation("GET", "/api/messages/", "Messages of all the caller's "
              "conversations.", ("200", "Page:Message"),
              errors=("400", "401", "404"),
              query=MESSAGE_FILTERS + (("conversation", UUID),)),
    Operation("POST", "/api/messages/", "Send a message into a "
              "conversation named in the body.", ("201", "Message"),
              "NewMessage", BODY_ERRORS + ("401", "403", "404", "429")),
    Operation("GET", "/api/health/", "Liveness and a database check.",
              ("200", "Health"), errors=("503",), public=True),
    Operation("GET", "/api/schema/", "This document.", ("200", "Document"),
              errors=("429",), public=True),
)


def schema_for(name: str) -> dict:
    """Return the schema named in the table: a reference, a page or any."""
    if name == "Document":
        return {"type": "object"}
    if name.startswith("Page:"):
        return page_of(name[len("Page:"):])
    return {"$ref": "#/components/schemas/" + name}


def page_of(name: str) -> dict:
    """Return the schema of a paginated list of ``name`` objects."""
    return {
        "type": "object",
        "required": ["count", "next", "previous", "results"],
        "properties": {
            "count": {"type": "integer", "minimum": 0},
            "next": NULLABLE_URL,
            "previous": NULLABLE_URL,
            "results": {"type": "array", "items": schema_for(name)},
        },
    }


def json_content(schema: dict) -> dict:
    """Wrap ``schema`` as an ``application/json`` content map."""
    return {"application/json": {"schema": schema}}


def error_response(status: str) -> dict:
    """Describe one error status with its JSON body and headers."""
    schema = ERROR
    if status == "400":
        schema = {"anyOf": [ERROR,
                            {"$ref": "#/components/schemas/FieldErrors"}]}
    response = {"description": ERRORS[status],
                "content": json_content(schema)}
    header = {"401": "WWW-Authenticate", "429": "Retry-After"}.get(status)
    if header:
        response["headers"] = {
            header: {"required": True, "schema": {"type": "string"}}}
    return response


def responses(operation: Operation) -> Dict[str, dict]:
    """Map every status ``operation`` may answer to its description."""
    status, name = operation.success
    success = {"description": operation.summary}
    if name:
        success["content"] = json_content(schema_for(name))
    answers = {status: success}
    for error in operation.errors:
        answers[error] = error_response(error)
    return answers


def parameters(operation: Operation) -> List[dict]:
    """List the path parameters (from the path) and query parameters."""
    path_names = re.findall(r"{(\w+)}", operation.path)
    found = [{"name": name, "in": "path", "required": True,
              "schema": UUID} for name in path_names]
    found += [{"name": name, "in": "query", "required": False,
               "schema": schema} for name, schema in operation.query]
    return found


def operation_object(operation: Operation) -> dict:
    """Render one table row as an OpenAPI operation object."""
    rendered = {
        "operationId": operation_id(operation),
        "summary": operation.summary,
        "responses": responses(operation),
    }
    found = parameters(operation)
    if found:
        rendered["parameters"] = found
    if operation.body:
        rendered["requestBody"] = {
            "required": True, "content": json_content(
                schema_for(operation.body))}
    if operation.public:
        rendered["security"] = []
    return rendered


def operation_id(operation: Operation) -> str:
    """Name an operation after its method and path, e.g. ``get_api_users_me``.

    Path parameters become ``by_NAME`` so that every id is unique.
    """
    words = re.sub(r"{(\w+)}", r"by_\1", operation.path).strip("/")
    return "_".join([operation.method.lower()] + re.split(r"\W+", words))


def document() -> dict:
    """Return the whole OpenAPI 3.1 document of the API."""
    paths: Dict[str, dict] = {}
    for operation in OPERATIONS:
        paths.setdefault(operation.path, {})[operation.method.lower()] = (
            operation_object(operation))
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "messaging_app",
            "version": "1.0.0",
            "description": "A chat REST API on the Python standard library:"
                           " users, JWT login, conversations, messages.",
        },
        "paths": paths,
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {"bearerAuth": {
                "type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
        },
        "security": [{"bearerAuth": []}],
    }
