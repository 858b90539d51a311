"""The route table: every endpoint of the API in one readable list.

``public`` routes need no token. ``rate_limited`` routes send messages and
count against the per-address rate limit. Parameters in braces are UUIDs.
Some endpoints are also at the paths other Django REST Framework versions
of this API give them, as copies of their line (``also_at``).
"""
from messaging_app.router import Route, also_at
from messaging_app.views import (conversations, health, messages,
                                 notifications, users)

CONVERSATION = "/api/conversations/{conversation_id}/"
MESSAGE = CONVERSATION + "messages/{message_id}/"
FLAT_MESSAGE = "/api/messages/{message_id}/"

ROUTES = [
    Route("GET", "/api/health/", health.health, public=True),
    Route("GET", "/api/schema/", health.schema, public=True),
    Route("POST", "/api/users/", users.register_user, public=True),
    Route("POST", "/api/token/", users.obtain_token, public=True),
    Route("POST", "/api/token/refresh/", users.refresh_token, public=True),
    Route("GET", "/api/users/me/", users.current_user),
    Route("GET", "/api/users/{user_id}/", users.user_detail),
    Route("GET", "/api/conversations/", conversations.list_conversations),
    Route("POST", "/api/conversations/", conversations.create_conversation),
    Route("GET", CONVERSATION, conversations.conversation_detail),
    Route("GET", CONVERSATION + "messages/",
          messages.list_conversation_messages),
    Route("POST", CONVERSATION + "messages/",
          messages.create_conversation_message, rate_limited=True),
    Route("GET", MESSAGE, messages.message_detail),
    Route("PATCH", MESSAGE, messages.edit_message),
    Route("DELETE", MESSAGE, messages.delete_message),
    Route("GET", "/api/messages/", messages.list_messages),
    Route("POST", "/api/messages/", messages.create_message,
          rate_limited=True),
    Route("GET", FLAT_MESSAGE, messages.flat_message_detail),
    Route("PATCH", FLAT_MESSAGE, messages.flat_edit_message),
    Route("DELETE", FLAT_MESSAGE, messages.flat_delete_message),
    Route("GET", MESSAGE + "history/", messages.message_history),
    Route("GET", MESSAGE + "thread/", messages.message_thread),
    Route("POST", CONVERSATION + "read/", conversations.mark_read),
    Route("GET", "/api/notifications/", notifications.list_notifications),
    Route("POST", "/api/notifications/read/",
          notifications.read_notifications),
    Route("POST", "/api/notifications/{notification_id}/read/",
          notifications.read_notification),
]
# Registration and tokens where other DRF versions of this API have them.
ROUTES += [
    also_at(ROUTES, "POST", "/api/users/", "/api/auth/register/"),
    also_at(ROUTES, "POST", "/api/token/", "/api/auth/login/"),
    also_at(ROUTES, "POST", "/api/token/", "/api/auth/token/"),
    also_at(ROUTES, "POST", "/api/token/refresh/",
            "/api/auth/token/refresh/"),
]
