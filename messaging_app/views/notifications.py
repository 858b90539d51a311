"""Views of the caller's notifications: listing them, and marking one, or
all up to one, as read. A caller only ever sees or marks their own: any
other notification id is unknown to them."""
from messaging_app.errors import NotFound, ValidationError
from messaging_app.pagination import page_body, read_page
from messaging_app.representations import notification
from messaging_app.request import Request
from messaging_app.response import Response, json_response
from messaging_app.services import Services
from messaging_app.validation import Fields

NOT_FOUND = "Notification not found."


def list_notifications(services: Services, request: Request) -> Response:
    """GET /api/notifications/: newest first; ``?unread=true`` for the
    unread ones only."""
    fields = Fields(request.query_params())
    page = read_page(fields)
    unread = fields.flag("unread")
    fields.check()
    count, found = services.storage.notifications.page(
        request.caller.user_id, unread, page.size, page.offset)
    return json_response(dict(page_body(request, page, count), results=[
        notification(each) for each in found]))


def read_notification(services: Services, request: Request,
                      notification_id: str) -> Response:
    """POST /api/notifications/{id}/read/: mark one notification read."""
    found = services.storage.notifications.mark_read(
        request.caller.user_id, notification_id)
    if found is None:
        raise NotFound(NOT_FOUND)
    return json_response(notification(found))


def read_notifications(services: Services, request: Request) -> Response:
    """POST /api/notifications/read/: mark the notification ``up_to`` and
    every older one read; answer how many were unread."""
    fields = Fields(request.json())
    up_to = fields.uuid("up_to")
    fields.check()
    assert up_to is not None  # check() refuses a missing one
    marked = services.storage.notifications.mark_read_up_to(
        request.caller.user_id, up_to)
    if marked is None:
        raise ValidationError({"up_to": [NOT_FOUND]})
    return json_response({"marked": marked})
