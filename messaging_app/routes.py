"""The route table: every endpoint of the API in one readable list.

``public`` routes need no token. ``limit`` names the rate limit a request
counts against (settings.RATE_LIMITS says what each counts by and how
much it allows): every route that writes has one, and so has every public
route but the health check, which writes nothing and costs less than
counting it would (counting is a write to the database; load balancers
and monitors poll it). Parameters in braces are UUIDs. Some endpoints are
also at the paths other Django REST Framework versions of this API give
them, as copies of their line (``also_at``), limits included.
"""
from messaging_app.router import Route, also_at
from messaging_app.views import (conversations, health, messages,
                                 notifications, users)

CONVERSATION = "/api/conversations/{conversation_id}/"
MESSAGE = CONVERSATION + "messages/{message_id}/"
FLAT_MESSAGE = "/api/messages/{message_id}/"

ROUTES = [
    Route("GET", "/api/health/", health.health, public=True),
    Route("GET", "/api/schema/", health.schema, public=True,
          limit="schema"),
    Route("POST", "/api/users/", users.register_user, public=True,
          limit="registration"),
    Route("POST", "/api/token/", users.obtain_token, public=True,
          limit="login"),
    Route("POST", "/api/token/refresh/", users.refresh_token, public=True,
          limit="tokens"),
    Route("POST", "/api/token/logout/", users.log_out, public=True,
          limit="tokens"),
    Route("POST", "/api/token/blacklist/", users.log_out, public=True,
          limit="tokens"),
    Route("GET", "/api/users/me/", users.current_user),
    Route("POST", "/api/users/me/password/", users.change_password,
          limit="password"),
    Route("GET", "/api/users/{user_id}/", users.user_detail),
    Route("GET", "/api/conversations/", conversations.list_conversations),
    Route("POST", "/api/conversations/", conversations.create_conversation,
          limit="conversations"),
    Route("GET", CONVERSATION, conversations.conversation_detail),
    Route("GET", CONVERSATION + "messages/",
          messages.list_conversation_messages),
    Route("POST", CONVERSATION + "messages/",
          messages.create_conversation_message, limit="messages"),
    Route("GET", MESSAGE, messages.message_detail),
    Route("PATCH", MESSAGE, messages.edit_message, limit="edits"),
    Route("DELETE", MESSAGE, messages.delete_message, limit="edits"),
    Route("GET", "/api/messages/", messages.list_messages),
    Route("POST", "/api/messages/", messages.create_message,
          limit="messages"),
    Route("GET", FLAT_MESSAGE, messages.flat_message_detail),
    Route("PATCH", FLAT_MESSAGE, messages.flat_edit_message, limit="edits"),
    Route("DELETE", FLAT_MESSAGE, messages.flat_delete_message,
          limit="edits"),
    Route("GET", MESSAGE + "history/", messages.message_history),
    Route("GET", MESSAGE + "thread/", messages.message_thread),
    Route("POST", CONVERSATION + "read/", conversations.mark_read,
          limit="read_marks"),
    Route("GET", "/api/notifications/", notifications.list_notifications),
    Route("POST", "/api/notifications/read/",
          notifications.read_notifications, limit="read_marks"),
    Route("POST", "/api/notifications/{notification_id}/read/",
          notifications.read_notification, limit="read_marks"),
]
# Registration and tokens where other DRF versions of this API have them.
ROUTES += [
    also_at(ROUTES, "POST", "/api/users/", "/api/auth/register/"),
    also_at(ROUTES, "POST", "/api/token/", "/api/auth/login/"),
    also_at(ROUTES, "POST", "/api/token/", "/api/auth/token/"),
    also_at(ROUTES, "POST", "/api/token/refresh/",
            "/api/auth/token/refresh/"),
]
