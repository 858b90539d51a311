"""Settings of the chat API, read from flags and environment variables.

Every knob of the server lives here, with its default and the sentence a user
sees when a value is wrong. The secret key that signs tokens is read from
``MESSAGING_SECRET_KEY`` or generated once and kept beside the database.
"""
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit

from messaging_app.files import OWNER_ONLY, loose_mode, make_folder

PACKAGE_DIR = Path(__file__).resolve().parent
DEFAULT_DB = PACKAGE_DIR.parent / "var" / "messaging.sqlite3"
# OWASP's 2023 figure for PBKDF2-HMAC-SHA256.
DEFAULT_PASSWORD_COST = 600_000
MIN_SECRET_BYTES = 32
ROLES = ("guest", "host", "admin")
# A setting read by positive_number: a whole number or a number.
Number = TypeVar("Number", int, float)


class SettingsError(ValueError):
    """A setting has a value the server cannot use."""


# What a rate limit counts by: the client's address (IPv6 by its /64),
# the authenticated user, or the account a login names.
ADDRESS = "address"
USER = "user"
ACCOUNT = "account"


@dataclass(frozen=True)
class RateLimit:
    """At most ``limit`` hits per ``window_seconds`` for one key: the
    client's address, the caller or the account named, as ``per`` says;
    ``counts`` names the hits in the 429's sentence."""

    limit: int
    window_seconds: float
    per: str = ADDRESS
    counts: str = "requests"


# Every rate limit by name, with its default: well above what a person
# does (a person types a message every few seconds at most, logs in a few
# times a day, registers once), and what a script reaches at once. Routes
# name the limit they count against (routes.py); the login view also
# counts against ``login_account``.
RATE_LIMITS: dict[str, RateLimit] = {
    "messages": RateLimit(30, 60, ADDRESS, "messages"),
    "edits": RateLimit(60, 60, USER, "edits and deletions"),
    "conversations": RateLimit(20, 600, USER, "new conversations"),
    "registration": RateLimit(10, 3600, ADDRESS, "registrations"),
    "login": RateLimit(20, 60, ADDRESS, "login attempts"),
    "login_account": RateLimit(10, 600, ACCOUNT,
                               "login attempts for this account"),
    "tokens": RateLimit(60, 60, ADDRESS, "token requests"),
    "password": RateLimit(10, 3600, USER, "password changes"),
    "read_marks": RateLimit(120, 60, USER, "read marks"),
    "schema": RateLimit(60, 60, ADDRESS, "requests for the schema"),
}


def default_hashing_slots() -> int:
    """Return how many passwords may be hashed at once: one per core this
    process may run on (hashing releases the interpreter's lock)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


@dataclass(frozen=True)
class Settings:
    """Everything the server needs to know, fixed at start."""

    db_path: Path = DEFAULT_DB
    database_url: str = ""
    host: str = "127.0.0.1"
    port: int = 8000
    secret_key: str = ""
    access_token_minutes: float = 15
    refresh_token_days: float = 7
    log_file: Path | None = None
    rate_limits: dict[str, RateLimit] = field(
        default_factory=lambda: dict(RATE_LIMITS))
    max_body_bytes: int = 1 << 20
    max_connections: int = 512
    max_connections_per_address: int = 32
    socket_timeout: float = 30
    header_timeout: float = 10
    body_timeout: float = 30
    base_url: str = ""
    password_cost: int = DEFAULT_PASSWORD_COST
    hashing_slots: int = field(default_factory=default_hashing_slots)
    open_hours: tuple[int, int] | None = None
    allowed_roles: tuple[str, ...] = ()
    page_cache: bool = True

    @property
    def database(self) -> str:
        """Return the database URL: the setting, or the SQLite file's."""
        return self.database_url or f"sqlite:///{self.db_path}"

    @property
    def request_log(self) -> Path:
        """Return the request log's path: the setting, or beside the DB."""
        return self.log_file or self.db_path.parent / "requests.log"

    @property
    def secret_key_file(self) -> Path:
        """Return where a generated secret key is kept: beside the SQLite
        file, or in its folder under the name of the MySQL database."""
        if self.database_url:
            name = self.database_url.rsplit("/", 1)[-1].split("?")[0]
            return self.db_path.with_name(f"{name}.secret-key")
        return self.db_path.with_name(self.db_path.name + ".secret-key")


def positive_number(env: Mapping[str, str], name: str, default: Number,
                    kind: type[Number] = int) -> Number:
    """Read a positive number of type ``kind`` from ``env[name]``."""
    text = env.get(name, "").strip()
    if not text:
        return default
    try:
        value = kind(text)
    except ValueError:
        value = 0
    if value <= 0:
        kind_name = "whole number" if kind is int else "number"
        raise SettingsError(
            f"{name} must be a positive {kind_name}, not {text!r}.")
    return value


def rate_limit_variable(name: str) -> str:
    """Return the variable that sets the rate limit ``name``: the
    curriculum's ``MESSAGING_RATE_LIMIT`` for messages,
    ``MESSAGING_RATE_LIMIT_LOGIN`` for ``login`` and so on."""
    if name == "messages":
        return "MESSAGING_RATE_LIMIT"
    return f"MESSAGING_RATE_LIMIT_{name.upper()}"


def parse_rate_limit(text: str, name: str = "messages") -> RateLimit:
    """Parse ``"30/60"`` (30 hits per 60 seconds) into the rate limit
    ``name``, which keeps what it counts by from its default."""
    count, _, window = text.partition("/")
    try:
        limit, seconds = int(count), float(window)
    except ValueError:
        limit, seconds = 0, 0
    if limit <= 0 or not 0 < seconds < float("inf"):
        raise SettingsError(
            f"{rate_limit_variable(name)} must look like 30/60 "
            f"({RATE_LIMITS[name].counts} per seconds), not {text!r}.")
    return replace(RATE_LIMITS[name], limit=limit, window_seconds=seconds)


def read_rate_limits(env: Mapping[str, str]) -> dict[str, RateLimit]:
    """Read every rate limit from its variable, or take its default."""
    limits = {}
    for name, default in RATE_LIMITS.items():
        text = env.get(rate_limit_variable(name), "").strip()
        limits[name] = parse_rate_limit(text, name) if text else default
    return limits


def parse_open_hours(text: str) -> tuple[int, int] | None:
    """Parse ``"6-21"`` (open from 06:00 until 21:00) or nothing for off."""
    if not text.strip():
        return None
    start, _, end = text.partition("-")
    try:
        hours = (int(start), int(end))
    except ValueError:
        hours = (-1, -1)
    if not all(0 <= hour <= 24 for hour in hours) or hours[0] == hours[1]:
        raise SettingsError(
            "MESSAGING_OPEN_HOURS must look like 6-21 (from hour to hour, "
            f"0 to 24), not {text!r}.")
    return hours


def parse_roles(text: str) -> tuple[str, ...]:
    """Parse ``"admin,host"`` into the roles the role gate lets through."""
    roles = tuple(role.strip() for role in text.split(",") if role.strip())
    unknown = [role for role in roles if role not in ROLES]
    if unknown:
        raise SettingsError(
            f"MESSAGING_ALLOWED_ROLES may only name {', '.join(ROLES)}, "
            f"not {', '.join(unknown)!r}.")
    return roles


def parse_base_url(text: str) -> str:
    """Read ``MESSAGING_BASE_URL``: the http or https URL clients reach
    the API at (behind a proxy, the proxy's), kept with one trailing
    slash; empty means the address the server listens on."""
    text = text.strip()
    if not text:
        return ""
    try:
        parts = urlsplit(text)
        parts.port  # raises ValueError for a port that is not a number
    except ValueError:
        parts = urlsplit("")
    if (parts.scheme not in ("http", "https") or not parts.hostname
            or parts.query or parts.fragment):
        raise SettingsError(
            "MESSAGING_BASE_URL must be an http or https URL such as "
            f"https://chat.example.com/, not {text!r}.")
    return text.rstrip("/") + "/"


def parse_switch(env: Mapping[str, str], name: str, default: bool) -> bool:
    """Read ``on`` or ``off`` (or nothing, for the default)."""
    text = env.get(name, "").strip().lower()
    if not text:
        return default
    if text not in ("on", "off"):
        raise SettingsError(f"{name} must be on or off, not {text!r}.")
    return text == "on"


def load_settings(env: Mapping[str, str] = os.environ,
                  db: str | None = None, host: str | None = None,
                  port: int | None = None,
                  database_url: str | None = None) -> Settings:
    """Build the settings from the environment, flags taking precedence."""
    db_path = Path(db or env.get("MESSAGING_DB") or DEFAULT_DB)
    log_file = env.get("MESSAGING_LOG_FILE", "").strip()
    settings = Settings(
        db_path=db_path.resolve(),
        database_url=database_url if database_url is not None
        else env.get("MESSAGING_DATABASE_URL", "").strip(),
        host=host or "127.0.0.1",
        port=8000 if port is None else port,
        secret_key=env.get("MESSAGING_SECRET_KEY", ""),
        access_token_minutes=positive_number(
            env, "MESSAGING_ACCESS_TOKEN_MINUTES",
            Settings.access_token_minutes, float),
        refresh_token_days=positive_number(
            env, "MESSAGING_REFRESH_TOKEN_DAYS",
            Settings.refresh_token_days, float),
        log_file=Path(log_file).resolve() if log_file else None,
        rate_limits=read_rate_limits(env),
        max_body_bytes=positive_number(
            env, "MESSAGING_MAX_BODY_BYTES", Settings.max_body_bytes),
        max_connections=positive_number(
            env, "MESSAGING_MAX_CONNECTIONS", Settings.max_connections),
        max_connections_per_address=positive_number(
            env, "MESSAGING_MAX_CONNECTIONS_PER_ADDRESS",
            Settings.max_connections_per_address),
        socket_timeout=positive_number(
            env, "MESSAGING_SOCKET_TIMEOUT", Settings.socket_timeout,
            float),
        header_timeout=positive_number(
            env, "MESSAGING_HEADER_TIMEOUT", Settings.header_timeout,
            float),
        body_timeout=positive_number(
            env, "MESSAGING_BODY_TIMEOUT", Settings.body_timeout, float),
        base_url=parse_base_url(env.get("MESSAGING_BASE_URL", "")),
        password_cost=positive_number(
            env, "MESSAGING_PASSWORD_COST", Settings.password_cost),
        hashing_slots=int(positive_number(
            env, "MESSAGING_HASHING_SLOTS", default_hashing_slots())),
        open_hours=parse_open_hours(env.get("MESSAGING_OPEN_HOURS", "")),
        allowed_roles=parse_roles(env.get("MESSAGING_ALLOWED_ROLES", "")),
        page_cache=parse_switch(env, "MESSAGING_PAGE_CACHE",
                                Settings.page_cache),
    )
    check_secret_key(settings.secret_key)
    return settings


def check_secret_key(key: str) -> None:
    """Refuse a configured secret key that is too short to sign safely."""
    if key and len(key.encode()) < MIN_SECRET_BYTES:
        raise SettingsError(
            f"MESSAGING_SECRET_KEY must be at least {MIN_SECRET_BYTES} "
            "bytes long; leave it unset to have one generated.")


def load_secret_key(settings: Settings) -> str:
    """Return the configured key, or the one kept beside the database.

    A generated key is written with owner-only permissions on first start,
    so tokens stay valid across restarts.
    """
    if settings.secret_key:
        return settings.secret_key
    path = settings.secret_key_file
    try:
        return read_key_file(path)
    except FileNotFoundError:
        return create_key_file(path)


def read_key_file(path: Path) -> str:
    """Read a kept secret key, refusing one that other users may read
    (they could sign tokens for anyone) or that someone truncated."""
    mode = loose_mode(path)
    if mode is not None:
        raise SettingsError(
            f"The secret key file {path} may be read by other users (mode "
            f"{mode:o}); make it private with chmod 600 {path}.")
    key = path.read_text().strip()
    if len(key.encode()) < MIN_SECRET_BYTES:
        raise SettingsError(
            f"The secret key file {path} is shorter than {MIN_SECRET_BYTES} "
            "bytes; delete it to have a new one generated.")
    return key


def create_key_file(path: Path) -> str:
    """Generate a secret key and store it readable by its owner only."""
    key = secrets.token_urlsafe(48)
    make_folder(path.parent)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL,
                             OWNER_ONLY)
    except FileExistsError:
        # Another process generated it first: use theirs.
        return read_key_file(path)
    with os.fdopen(descriptor, "w") as key_file:
        key_file.write(key + "\n")
    return key
