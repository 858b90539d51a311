"""The demo: one scripted conversation with a live server, over HTTP.

It starts the API on a free port with a database in a temporary folder,
registers three people, lets two of them chat, reads the history back,
shows that an outsider and a client without a token are turned away, and
stops the server. Everything goes through real HTTP with ``urllib``.
"""
import dataclasses
import tempfile
from http import HTTPStatus
from dataclasses import dataclass
from pathlib import Path

from messaging_app.client import ApiClient, Reply
from messaging_app.server import running_server
from messaging_app.settings import Settings

PEOPLE = (("alice", "Alice", "Achieng"), ("bob", "Bob", "Baraka"),
          ("carol", "Carol", "Chebet"))
LINES = (("alice", "Hi Bob! Are we still on for the code review at 3?"),
         ("bob", "Yes. I'll bring the test results."),
         ("alice", "Great, see you then."))
CONVERSATION = "/api/conversations/{id}/"


@dataclass
class Person:
    """A logged-in user of the demo: their client and their id."""

    client: ApiClient
    user_id: str


def show(reply: Reply, method: str, path: str, what: str) -> None:
    """Print one step: the request, its status, and what it means."""
    print(f"{method} {path} -> {reply.status} "
          f"{HTTPStatus(reply.status).phrase}")
    print("    " + what)


def register(client: ApiClient, username: str, first: str,
             last: str) -> Person:
    """Register a person, log them in and return their own client."""
    account = {"username": username, "email": username + "@example.com",
               "password": "demo-" + username + "-password",
               "first_name": first, "last_name": last}
    reply = client.post("/api/users/", account)
    show(reply, "POST", "/api/users/",
         f"registered {username} ({first} {last})")
    reply = client.post("/api/token/", {
        "username": username, "password": account["password"]})
    show(reply, "POST", "/api/token/",
         f"{username} logged in: got an access and a refresh token")
    own = ApiClient(client.base_url, reply.body["access"])
    return Person(own, own.get("/api/users/me/").body["user_id"])


def chat(people: dict[str, Person]) -> str:
    """Let alice open a conversation with bob and exchange the lines."""
    alice, bob = people["alice"].client, people["bob"]
    reply = alice.post("/api/conversations/", {
        "participants": [bob.user_id]})
    show(reply, "POST", "/api/conversations/",
         "alice opened a conversation with bob")
    conversation = CONVERSATION.format(id=reply.body["conversation_id"])
    for username, line in LINES:
        reply = people[username].client.post(
            conversation + "messages/", {"message_body": line})
        show(reply, "POST", CONVERSATION + "messages/",
             f"{username} says: {line}")
    return conversation


def read_back(people: dict[str, Person], conversation: str) -> None:
    """Read the history as bob, then try as carol and with no token."""
    path = conversation + "messages/"
    bob = people["bob"].client
    reply = bob.get(path)
    show(reply, "GET", CONVERSATION + "messages/",
         f'bob reads {reply.body["count"]} messages, oldest first:')
    for message in reply.body["results"]:
        print(f'      {message["sender"]["username"]}: '
              f'{message["message_body"]}')
    reply = people["carol"].client.get(path)
    show(reply, "GET", CONVERSATION + "messages/",
         "carol is refused: " + reply.body["detail"])
    reply = ApiClient(bob.base_url).get(path)
    show(reply, "GET", CONVERSATION + "messages/",
         "no token is refused: " + reply.body["detail"])


def run_demo(settings: Settings) -> int:
    """Run the whole demo against a fresh server; return the exit
    status."""
    with tempfile.TemporaryDirectory(prefix="messaging-demo-") as folder:
        settings = dataclasses.replace(
            settings, db_path=Path(folder) / "messaging.sqlite3",
            log_file=Path(folder) / "requests.log", port=0, secret_key="")
        with running_server(settings) as server:
            print("Started the chat API on a free port, with a database "
                  "in a temporary folder.")
            client = ApiClient(server.base_url)
            people = {username: register(client, username, first, last)
                      for username, first, last in PEOPLE}
            read_back(people, chat(people))
        print("Stopped the server.")
    return 0
