"""The command line: ``python -m messaging_app COMMAND``.

Commands: ``serve`` runs the API until Ctrl-C or SIGTERM; ``demo`` drives
one conversation through a throwaway server; ``createuser`` and
``deleteuser`` manage accounts (an admin can only be made here); ``migrate``
creates or upgrades the database. A mistake a user can make ends in one
sentence on stderr and exit status 1.
"""
import argparse
import getpass
import logging
import signal
import sys

from messaging_app.accounts import create_account
from messaging_app.app import build_services
from messaging_app.demo import run_demo
from messaging_app.errors import ValidationError
from messaging_app.server import ListenError, running_server
from messaging_app.services import Services
from messaging_app.settings import (DEFAULT_PASSWORD_COST, ROLES, Settings,
                                    SettingsError, load_settings)
from messaging_app.storage import StorageError

logger = logging.getLogger("messaging_app")


class CommandError(Exception):
    """A mistake of the user, told in one sentence."""


def parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    """Read the command and its options."""
    parser = argparse.ArgumentParser(
        prog="python -m messaging_app",
        description="The chat REST API on the Python standard library.")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the API")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000,
                       help="0 picks a free port")
    commands.add_parser("demo", help="drive one conversation and stop")
    create = commands.add_parser(
        "createuser", help="create an account; the password is read from "
        "the terminal, or from standard input when it is not one")
    create.add_argument("--username", required=True)
    create.add_argument("--email", required=True)
    create.add_argument("--first-name", required=True)
    create.add_argument("--last-name", required=True)
    create.add_argument("--phone-number")
    create.add_argument("--role", choices=ROLES, default="guest")
    delete = commands.add_parser("deleteuser", help="delete an account")
    delete.add_argument("username")
    commands.add_parser("migrate", help="create or upgrade the database")
    for command in commands.choices.values():
        command.add_argument("--db", help="SQLite file (MESSAGING_DB)")
        command.add_argument(
            "--database-url", help="mysql://user:password@host:port/name "
            "for MariaDB/MySQL (MESSAGING_DATABASE_URL); SQLite otherwise")
    return parser.parse_args(argv)


def serve(settings: Settings) -> int:
    """Run the API until SIGINT or SIGTERM, then stop cleanly."""
    if settings.password_cost < DEFAULT_PASSWORD_COST:
        logger.warning("MESSAGING_PASSWORD_COST is below %d: fit for tests "
                       "only.", DEFAULT_PASSWORD_COST)
    # Blocked here, and in every thread the server starts, the two
    # signals wait for sigwait below: no handler, no polling.
    stopping = {signal.SIGINT, signal.SIGTERM}
    signal.pthread_sigmask(signal.SIG_BLOCK, stopping)
    with running_server(settings) as server:
        print(f"Serving on {server.base_url}", flush=True)
        signal.sigwait(stopping)
        logger.info("stopping")
    return 0


def read_password() -> str:
    """Read a new password from the terminal (twice) or standard
    input."""
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\n")
    password = getpass.getpass("Password: ")
    if getpass.getpass("Password (again): ") != password:
        raise CommandError("The two passwords differ.")
    return password


def create_user(services: Services, args: argparse.Namespace) -> int:
    """Create an account with any role, validated like registration."""
    data = {"username": args.username, "email": args.email,
            "password": read_password(), "first_name": args.first_name,
            "last_name": args.last_name, "phone_number": args.phone_number}
    try:
        create_account(services, data, args.role)
    except ValidationError as error:
        field, sentences = next(iter(error.errors.items()))
        raise CommandError(f"{field}: {sentences[0]}") from None
    print(f"Created {args.username} ({args.role}).")
    return 0


def delete_user(services: Services, args: argparse.Namespace) -> int:
    """Delete an account with its memberships and messages."""
    if not services.storage.users.delete(args.username):
        raise CommandError(f"No user is called {args.username}.")
    print(f"Deleted {args.username}.")
    return 0


def run(args: argparse.Namespace) -> int:
    """Run the chosen command."""
    settings = load_settings(db=args.db, host=getattr(args, "host", None),
                             port=getattr(args, "port", None),
                             database_url=args.database_url)
    if args.command == "serve":
        return serve(settings)
    if args.command == "demo":
        return run_demo(settings)
    services = build_services(settings)
    try:
        if args.command == "createuser":
            return create_user(services, args)
        if args.command == "deleteuser":
            return delete_user(services, args)
        print(f"{services.storage.description[0].upper()}"
              f"{services.storage.description[1:]} is at schema version "
              f"{services.storage.schema_version()}.")
        return 0
    finally:
        services.storage.close()


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    args = parse_arguments(argv)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(message)s")
    try:
        return run(args)
    except (CommandError, ListenError, SettingsError, StorageError) as error:
        print(error, file=sys.stderr)
        return 1
