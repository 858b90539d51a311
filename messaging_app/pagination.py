"""Page-number pagination with the body shape of Django REST Framework.

``?page=N&page_size=M`` (20 by default, at most 100: a larger size is
taken as 100, as DRF's ``max_page_size`` does) selects a page; the body is
``{"count", "next", "previous", "results"}`` with absolute links, built
from the configured base URL of the API and never from the request's
``Host`` header, which any client can set.
"""
from dataclasses import dataclass
from urllib.parse import urlencode

from messaging_app.errors import NotFound
from messaging_app.request import Request
from messaging_app.validation import Fields

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
# Far beyond any real history; keeps OFFSET arithmetic in SQLite's range.
MAX_PAGE = 10 ** 9


@dataclass(frozen=True)
class Page:
    """Which page of a list a client asked for."""

    number: int
    size: int

    @property
    def offset(self) -> int:
        """Return how many items come before this page."""
        return (self.number - 1) * self.size


def read_page(fields: Fields) -> Page:
    """Read ``page`` and ``page_size`` from the query's fields."""
    return Page(fields.whole_number("page", 1, MAX_PAGE),
                fields.whole_number("page_size", DEFAULT_PAGE_SIZE,
                                    MAX_PAGE_SIZE, clamp=True))


def page_body(request: Request, page: Page, count: int) -> dict:
    """Return the body of a page without its ``results``; a page past the
    end is a 404."""
    if page.number > 1 and page.offset >= count:
        raise NotFound("Invalid page.")
    return {"count": count,
            "next": page_link(request, page.number + 1)
            if page.offset + page.size < count else None,
            "previous": page_link(request, page.number - 1)
            if page.number > 1 else None}


def page_link(request: Request, number: int) -> str:
    """Return the absolute URL of page ``number`` of the same list."""
    params = request.query_params()
    params.pop("page", None)
    if number > 1:
        params["page"] = str(number)
    query = urlencode(params)
    url = request.base_url + request.path.lstrip("/")
    return f"{url}?{query}" if query else url
