"""The OpenAPI 3.1 document of the chat API, served at ``GET /api/schema/``.

The document is built from one table of operations, so a reader sees every
endpoint, who may call it, what it takes and what it answers in one place. A
test keeps the table in step with the router's ``ROUTES``, and a
schema-driven fuzz run checks the live server against it. The other
spellings of body fields come from ``validation.ALIASES``; a schema cannot
say that two spellings must agree, so their descriptions do.
"""
import re
from typing import Any, NamedTuple

from messaging_app.representations import LATEST_MESSAGES
from messaging_app.validation import ALIASES

ERROR = {"$ref": "#/components/schemas/Error"}
UUID = {"type": "string", "format": "uuid"}
# Text fields are trimmed by the server, so they need a non-space character.
NAME = {"type": "string", "pattern": r"\S", "maxLength": 150}
MESSAGE_BODY = {"type": "string", "pattern": r"\S", "maxLength": 10000}
TIME = {"type": "string", "format": "date-time"}
NULLABLE_URL = {"type": ["string", "null"], "format": "uri"}
TOKEN = {"type": "string", "pattern": r"\S", "maxLength": 4096}
PARTICIPANTS = {"type": "array", "items": UUID, "minItems": 1,
                "maxItems": 100}
COUNT = {"type": "integer", "minimum": 0}
PARENT_MESSAGE = {"type": ["string", "null"], "format": "uuid",
                  "description": "The message this one replies to, in "
                                 "the same conversation."}


def spellings(name: str, schema: dict) -> dict:
    """Return the properties of a body field and of its other spellings."""
    return {name: schema, **{
        alias: dict(schema, description=(
            f"Another spelling of {name}. Several spellings of one field "
            f"must have equal values; different ones are a 400 naming "
            f"them."))
        for alias in ALIASES[name]}}


def one_spelling_of(name: str) -> dict:
    """Require field ``name`` under one of its spellings at least."""
    return {"anyOf": [{"required": [spelling]}
                      for spelling in (name, *ALIASES[name])]}


PARTICIPANT: dict[str, Any] = {
    "type": "object",
    "required": ["id", "user_id", "username", "first_name", "last_name"],
    "properties": {
        "id": dict(UUID, description="The same as user_id."),
        "user_id": UUID,
        "username": {"type": "string"},
        "first_name": {"type": "string"},
        "last_name": {"type": "string"},
    },
}

CONVERSATION_REQUIRED = ["id", "conversation_id", "participants",
                         "created_at", "unread_count"]
CONVERSATION_PROPERTIES = {
    "id": dict(UUID, description="The same as conversation_id."),
    "conversation_id": UUID,
    "participants": {
        "type": "array",
        "items": {"$ref": "#/components/schemas/Participant"}},
    "created_at": TIME,
    "unread_count": dict(COUNT, description=(
        "Messages after the caller's read marker.")),
}

MESSAGE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["id", "message_id", "conversation", "sender",
                 "message_body", "sent_at", "edited_at", "edited",
                 "parent_message"],
    "properties": {
        "id": dict(UUID, description="The same as message_id."),
        "message_id": UUID,
        "conversation": UUID,
        "sender": {"$ref": "#/components/schemas/Participant"},
        "message_body": {"type": "string"},
        "sent_at": TIME,
        "edited_at": {"type": ["string", "null"], "format": "date-time"},
        "edited": {"type": "boolean"},
        "parent_message": {"type": ["string", "null"], "format": "uuid"},
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
            "password_confirm": {
                "type": "string", "description": "When sent, the password "
                "again: a different one is a 400."},
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
    "NewConversation": dict(
        one_spelling_of("participants"), type="object",
        properties=spellings("participants", PARTICIPANTS)),
    "Conversation": {
        "type": "object",
        "required": CONVERSATION_REQUIRED,
        "properties": CONVERSATION_PROPERTIES,
    },
    "ConversationDetail": {
        "description": "A conversation with its latest messages, oldest "
                       "first, and the link to all of them.",
        "type": "object",
        "required": [*CONVERSATION_REQUIRED, "messages_url", "messages"],
        "properties": dict(
            CONVERSATION_PROPERTIES,
            messages_url={"type": "string", "format": "uri"},
            messages={"type": "array", "maxItems": LATEST_MESSAGES,
                      "items": {"$ref": "#/components/schemas/Message"}}),
    },
    "MessageBody": dict(
        one_spelling_of("message_body"), type="object",
        properties=spellings("message_body", MESSAGE_BODY)),
    "Reply": dict(
        one_spelling_of("message_body"), type="object",
        description="A message, or a reply to parent_message.",
        properties=dict(spellings("message_body", MESSAGE_BODY),
                        parent_message=PARENT_MESSAGE)),
    "NewMessage": {
        "type": "object",
        "allOf": [one_spelling_of("conversation"),
                  one_spelling_of("message_body")],
        "properties": dict(spellings("conversation", UUID),
                           **spellings("message_body", MESSAGE_BODY),
                           parent_message=PARENT_MESSAGE),
    },
    "Message": MESSAGE_SCHEMA,
    "ThreadMessage": dict(
        MESSAGE_SCHEMA, required=MESSAGE_SCHEMA["required"] + ["depth"],
        properties=dict(MESSAGE_SCHEMA["properties"], depth=dict(
            COUNT, description="Replies between it and the thread's "
                               "first message, which is at 0."))),
    "Edit": {
        "description": "The text an edit of the message replaced.",
        "type": "object",
        "required": ["message_body", "edited_at", "edited_by"],
        "properties": {
            "message_body": {"type": "string"},
            "edited_at": TIME,
            "edited_by": {"$ref": "#/components/schemas/Participant"},
        },
    },
    "ReadMarker": {
        "description": "The message read up to; null for the latest.",
        "type": "object",
        "required": ["message"],
        "properties": {"message": {"type": ["string", "null"],
                                   "format": "uuid"}},
    },
    "ReadState": {
        "type": "object",
        "required": ["conversation", "last_read_message", "unread_count"],
        "properties": {
            "conversation": UUID,
            "last_read_message": {"type": ["string", "null"],
                                  "format": "uuid"},
            "unread_count": COUNT,
        },
    },
    "Notification": {
        "type": "object",
        "required": ["id", "notification_id", "conversation", "message",
                     "created_at", "read", "read_at"],
        "properties": {
            "id": dict(UUID, description="The same as notification_id."),
            "notification_id": UUID,
            "conversation": UUID,
            "message": {"$ref": "#/components/schemas/Message"},
            "created_at": TIME,
            "read": {"type": "boolean"},
            "read_at": {"type": ["string", "null"], "format": "date-time"},
        },
    },
    "ReadUpTo": {
        "type": "object",
        "required": ["up_to"],
        "properties": {"up_to": UUID},
    },
    "Marked": {
        "type": "object",
        "required": ["marked"],
        "properties": {"marked": COUNT},
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
    "400": "Malformed JSON, a missing or invalid field or filter, or two "
           "spellings of one field with different values.",
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
    ("page_size", {"type": "integer", "minimum": 1, "description":
                   "At most 100: a larger size is taken as 100."}),
)


def filter_of(schema: dict) -> dict:
    """Return a filter's schema: ``schema``, or empty for no filter."""
    return {"anyOf": [schema, {"const": ""}],
            "description": "Empty: no filter."}


UNREAD = (("unread", {"type": "boolean"}),)
MESSAGE_FILTERS = PAGINATION + (
    ("ordering", {"type": "string", "description":
                  "sent_at (the default) or -sent_at, or a comma-separated "
                  "list of fields of which the first known one counts; "
                  "unknown fields are ignored."}),
    ("sender", filter_of(UUID)),
    ("sent_after", filter_of(TIME)),
    ("sent_before", filter_of(TIME)),
)


class Operation(NamedTuple):
    """One endpoint: its route, its audience, its input and its answers."""

    method: str
    path: str
    summary: str
    success: tuple[str, str | None]
    body: str | None = None
    errors: tuple[str, ...] = ()
    query: tuple[tuple[str, dict], ...] = ()
    public: bool = False


OBJECT_ERRORS = ("401", "403", "404")
CONVERSATION = "/api/conversations/{conversation_id}/"
MESSAGES = CONVERSATION + "messages/"
MESSAGE = MESSAGES + "{message_id}/"
FLAT_MESSAGE = "/api/messages/{message_id}/"

OPERATIONS: tuple[Operation, ...] = (
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
              ("201", "ConversationDetail"), "NewConversation",
              BODY_ERRORS + ("401", "429")),
    Operation("GET", CONVERSATION, "One conversation of the caller, with "
              "its latest messages.", ("200", "ConversationDetail"),
              errors=OBJECT_ERRORS),
    Operation("GET", MESSAGES, "A conversation's messages, oldest first.",
              ("200", "Page:Message"), errors=("400",) + OBJECT_ERRORS,
              query=MESSAGE_FILTERS),
    Operation("POST", MESSAGES, "Send a message as the caller, or a "
              "reply to a message of the conversation.",
              ("201", "Message"), "Reply",
              BODY_ERRORS + OBJECT_ERRORS + ("429",)),
    Operation("GET", MESSAGE, "One message.", ("200", "Message"),
              errors=OBJECT_ERRORS),
    Operation("PATCH", MESSAGE, "Edit one's own message.",
              ("200", "Message"), "MessageBody",
              BODY_ERRORS + OBJECT_ERRORS + ("429",)),
    Operation("DELETE", MESSAGE, "Delete one's own message (or any, as "
              "an admin).", ("204", None), errors=OBJECT_ERRORS + ("429",)),
    Operation("GET", "/api/messages/", "Messages of all the caller's "
              "conversations (unread: only those after the caller's read "
              "markers).", ("200", "Page:Message"),
              errors=("400", "401", "404"),
              query=MESSAGE_FILTERS + (("conversation", filter_of(UUID)),)
              + UNREAD),
    Operation("POST", "/api/messages/", "Send a message into a "
              "conversation named in the body.", ("201", "Message"),
              "NewMessage", BODY_ERRORS + ("401", "403", "404", "429")),
    Operation("GET", FLAT_MESSAGE, "One message, found by its id alone.",
              ("200", "Message"), errors=OBJECT_ERRORS),
    Operation("PATCH", FLAT_MESSAGE, "Edit one's own message, found by its "
              "id alone.", ("200", "Message"), "MessageBody",
              BODY_ERRORS + OBJECT_ERRORS + ("429",)),
    Operation("DELETE", FLAT_MESSAGE, "Delete one's own message (or any, "
              "as an admin), found by its id alone.", ("204", None),
              errors=OBJECT_ERRORS + ("429",)),
    Operation("GET", MESSAGE + "history/", "The texts a message's edits "
              "replaced, oldest first.", ("200", "Page:Edit"),
              errors=("400",) + OBJECT_ERRORS, query=PAGINATION),
    Operation("GET", MESSAGE + "thread/", "A message and every reply below "
              "it, depth first, with their depth.",
              ("200", "Page:ThreadMessage"),
              errors=("400",) + OBJECT_ERRORS, query=PAGINATION),
    Operation("POST", CONVERSATION + "read/", "Move the caller's read "
              "marker forward onto a message (the latest without one).",
              ("200", "ReadState"), "ReadMarker",
              BODY_ERRORS + OBJECT_ERRORS + ("429",)),
    Operation("GET", "/api/notifications/", "The caller's notifications, "
              "newest first.", ("200", "Page:Notification"),
              errors=("400", "401", "404"), query=PAGINATION + UNREAD),
    Operation("POST", "/api/notifications/read/", "Mark a notification "
              "of the caller and every older one read.",
              ("200", "Marked"), "ReadUpTo",
              BODY_ERRORS + ("401", "429")),
    Operation("POST", "/api/notifications/{notification_id}/read/",
              "Mark one notification of the caller read.",
              ("200", "Notification"), errors=("401", "404", "429")),
    Operation("GET", "/api/health/", "Liveness and a database check.",
              ("200", "Health"), errors=("503",), public=True),
    Operation("GET", "/api/schema/", "This document.", ("200", "Document"),
              errors=("429",), public=True),
)


def also_at(method: str, original: str, path: str) -> Operation:
    """Document the operation of ``method`` and ``original`` again at
    ``path``, where other DRF versions of this API have it."""
    found = next(operation for operation in OPERATIONS
                 if (operation.method, operation.path) == (method, original))
    return found._replace(path=path, summary=(
        f"{found.summary} The same as {method} {original}."))


OPERATIONS += (
    also_at("POST", "/api/users/", "/api/auth/register/"),
    also_at("POST", "/api/token/", "/api/auth/login/"),
    also_at("POST", "/api/token/", "/api/auth/token/"),
    also_at("POST", "/api/token/refresh/", "/api/auth/token/refresh/"),
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
    schema: dict[str, Any] = ERROR
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


def responses(operation: Operation) -> dict[str, dict]:
    """Map every status ``operation`` may answer to its description."""
    status, name = operation.success
    success: dict[str, Any] = {"description": operation.summary}
    if name:
        success["content"] = json_content(schema_for(name))
    answers = {status: success}
    for error in operation.errors:
        answers[error] = error_response(error)
    return answers


def parameters(operation: Operation) -> list[dict]:
    """List the path parameters (from the path) and query parameters."""
    path_names = re.findall(r"{(\w+)}", operation.path)
    found = [{"name": name, "in": "path", "required": True,
              "schema": UUID} for name in path_names]
    found += [{"name": name, "in": "query", "required": False,
               "schema": schema} for name, schema in operation.query]
    return found


def operation_object(operation: Operation) -> dict:
    """Render one table row as an OpenAPI operation object."""
    rendered: dict[str, Any] = {
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
    paths: dict[str, dict] = {}
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
