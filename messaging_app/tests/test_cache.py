#!/usr/bin/env python3
"""The cache of first pages is never stale, on both engines: two
applications on one database (as two server processes would be), each
with a cache of its own; every write through one is seen by the next read
through the other. Cross-process with real servers: test_scale_out.py."""
from collections.abc import Iterator
from typing import Any

import pytest

from messaging_app.client import Client
from messaging_app.settings import SettingsError, load_settings
from messaging_app.storage import VersionedCache
from messaging_app.storage.engine import Engine
from messaging_app.testing import (AppClient, InProcessApi, Person,
                                   conversation_between, fast_settings,
                                   in_process_api, register)
from messaging_app.tests.helpers import send

Twins = tuple[InProcessApi, InProcessApi]


@pytest.fixture(scope="module")
def twins(new_database: Any, tmp_path_factory: pytest.TempPathFactory
          ) -> Iterator[Twins]:
    """Return two applications, each with its cache, on one database."""
    folder = tmp_path_factory.mktemp("twins")
    settings = fast_settings(folder, database_url=new_database(folder))
    with in_process_api(settings) as first, \
            in_process_api(settings) as second:
        yield first, second


def on(person: Person, api: InProcessApi) -> Client:
    """Return ``person``'s client pointed at the other application."""
    return AppClient("http://testserver", person.client.token, api.app)


def page_statements(engine: Engine,
                    monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record the statements that build pages of messages from now on."""
    built: list[str] = []
    query = type(engine).query

    def counted(self: Engine, sql: str, params: Any = ()) -> list:
        """Note a statement that lays out a page of messages."""
        if ") AS page JOIN messages" in sql:
            built.append(sql)
        return query(self, sql, params)

    monkeypatch.setattr(type(engine), "query", counted)
    return built


def test_a_first_page_follows_every_write_through_the_other_app(
        twins: Twins, monkeypatch: pytest.MonkeyPatch) -> None:
    """A page read again through the first app is built once; a post, an
    edit and a delete through the second app each show on the next read
    through the first, in both orders, and only they make it build the
    page again."""
    first, second = twins
    alice, bob = register(first.client()), register(first.client())
    path = conversation_between(alice, bob)
    bob_there = on(bob, second)
    send(alice, path, "one")
    built = page_statements(first.app.services.storage.engine, monkeypatch)

    def bodies(query: str = "") -> list[str]:
        """Read the first page through the first app."""
        page = alice.client.get(path + query).body
        assert page["count"] == len(page["results"])
        return [m["message_body"] for m in page["results"]]

    assert bodies() == bodies() == ["one"]
    assert len(built) == 1
    posted = bob_there.post(path, {"message_body": "two"}).body
    assert bodies() == ["one", "two"]
    assert bodies("?ordering=-sent_at") == ["two", "one"]
    bob_there.patch(f"{path}{posted['message_id']}/",
                    {"message_body": "deux"})
    assert bodies() == ["one", "deux"]
    assert bob_there.delete(f"{path}{posted['message_id']}/").status == 204
    assert bodies() == ["one"] and bodies("?ordering=-sent_at") == ["one"]
    assert len(built) == 6
    assert bodies() == ["one"] and bodies("?ordering=-sent_at") == ["one"]
    assert len(built) == 6


def test_a_list_follows_posts_markers_and_new_conversations(
        twins: Twins) -> None:
    """The caller's list, kept by the first app, shows a new unread
    message, a moved marker and a new conversation made through the
    second app."""
    first, second = twins
    alice, bob, carol = (register(first.client()) for _ in range(3))
    path = conversation_between(alice, bob)

    def unread() -> list[int]:
        """Return the unread counts of alice's list, through the first
        app."""
        page = alice.client.get("/api/conversations/").body
        return [each["unread_count"] for each in page["results"]]

    assert unread() == unread() == [0]
    on(bob, second).post(path, {"message_body": "hello"})
    assert unread() == [1]
    on(alice, second).post(path.replace("/messages/", "/read/"),
                           {"message": None})
    assert unread() == [0]
    opened = on(carol, second).post("/api/conversations/",
                                    {"participants": [alice.user_id]})
    assert opened.status == 201
    assert unread() == [0, 0]


def test_the_cache_spends_its_budget_on_the_latest_pages() -> None:
    """Past its budget the least recently used page goes; a page of an
    older version never replaces a newer one; another version misses."""
    cache = VersionedCache(budget=10)
    cache.put("a", 1, "A1", 4)
    cache.put("b", 1, "B1", 4)
    assert cache.get("a", 1) == "A1"
    cache.put("c", 1, "C1", 4)
    assert (cache.get("a", 1), cache.get("b", 1)) == ("A1", None)
    cache.put("a", 3, "A3", 4)
    cache.put("a", 2, "A2", 4)
    assert (cache.get("a", 3), cache.get("a", 2)) == ("A3", None)
    cache.put("huge", 1, "H", 11)
    assert cache.get("huge", 1) is None


def test_the_cache_is_a_setting() -> None:
    """``MESSAGING_PAGE_CACHE`` turns it on or off; anything else is one
    sentence."""
    assert load_settings({}).page_cache is True
    assert load_settings({"MESSAGING_PAGE_CACHE": "OFF"}).page_cache is False
    with pytest.raises(SettingsError) as refused:
        load_settings({"MESSAGING_PAGE_CACHE": "maybe"})
    assert str(refused.value) == (
        "MESSAGING_PAGE_CACHE must be on or off, not 'maybe'.")
