"""The route table: every endpoint of the API in one readable list.

``public`` routes need no token. ``rate_limited`` routes send messages and
count against the per-address rate limit. Parameters in braces are UUIDs.
"""
from messaging_app import views
from messaging_app.router import Route

CONVERSATION = "/api/conversations/{conversation_id}/"
MESSAGE = CONVERSATION + "messages/{message_id}/"

ROUTES = [
    Route("GET", "/api/health/", views.health, public=True),
    Route("GET", "/api/schema/", views.schema, public=True),
    Route("POST", "/api/users/", views.register_user, public=True),
    Route("POST", "/api/token/", views.obtain_token, public=True),
    Route("POST", "/api/token/refresh/", views.refresh_token, public=True),
    Route("GET", "/api/users/me/", views.current_user),
    Route("GET", "/api/users/{user_id}/", views.user_detail),
    Route("GET", "/api/conversations/", views.list_conversations),
    Route("POST", "/api/conversations/", views.create_conversation),
    Route("GET", CONVERSATION, views.conversation_detail),
    Route("GET", CONVERSATION + "messages/",
          views.list_conversation_messages),
    Route("POST", CONVERSATION + "messages/",
          views.create_conversation_message, rate_limited=True),
    Route("GET", MESSAGE, views.message_detail),
    Route("PATCH", MESSAGE, views.edit_message),
    Route("DELETE", MESSAGE, views.delete_message),
    Route("GET", "/api/messages/", views.list_messages),
    Route("POST", "/api/messages/", views.create_message,
          rate_limited=True),
]
