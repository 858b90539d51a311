#!/usr/bin/env python3
"""Settings, the secret key and password hashing."""
import stat
from pathlib import Path

import pytest

from messaging_app.passwords import (PasswordChecker, hash_password,
                                     verify_password)
from messaging_app.settings import (RATE_LIMITS, RateLimit, Settings,
                                    SettingsError, load_secret_key,
                                    load_settings)
from messaging_app.testing import fast_settings, in_process_api, register


def test_a_generated_secret_key_is_private_and_kept(tmp_path: Path) -> None:
    """Without MESSAGING_SECRET_KEY a key is made once, mode 0600, and
    tokens survive a restart."""
    settings = fast_settings(tmp_path, db_path=tmp_path / "chat.sqlite3")
    with in_process_api(settings) as api:
        person = register(api.client())
    key_file = tmp_path / "chat.sqlite3.secret-key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert len(key_file.read_text().strip()) >= 32
    with in_process_api(settings) as api:
        token = person.client.token
        assert api.client(token).get("/api/users/me/").status == 200


def test_a_configured_secret_key_wins(tmp_path: Path) -> None:
    """MESSAGING_SECRET_KEY is used as given and no file is written."""
    key = "k" * 40
    settings = load_settings({"MESSAGING_SECRET_KEY": key},
                             db=str(tmp_path / "chat.sqlite3"))
    assert load_secret_key(settings) == key
    assert not settings.secret_key_file.exists()


def test_settings_come_from_the_environment_and_flags(
        tmp_path: Path) -> None:
    """Every variable is read; flags win over MESSAGING_DB."""
    settings = load_settings({
        "MESSAGING_DB": str(tmp_path / "env.sqlite3"),
        "MESSAGING_ACCESS_TOKEN_MINUTES": "5",
        "MESSAGING_REFRESH_TOKEN_DAYS": "1.5",
        "MESSAGING_LOG_FILE": str(tmp_path / "log.txt"),
        "MESSAGING_RATE_LIMIT": "5/60",
        "MESSAGING_RATE_LIMIT_LOGIN_ACCOUNT": "3/900",
        "MESSAGING_HASHING_SLOTS": "3",
        "MESSAGING_MAX_BODY_BYTES": "2048",
        "MESSAGING_MAX_CONNECTIONS": "8",
        "MESSAGING_SOCKET_TIMEOUT": "2.5",
        "MESSAGING_PASSWORD_COST": "1000",
        "MESSAGING_OPEN_HOURS": "6-21",
        "MESSAGING_ALLOWED_ROLES": "admin, host"},
        db=str(tmp_path / "flag.sqlite3"), port=0)
    assert settings == Settings(
        db_path=tmp_path / "flag.sqlite3", port=0,
        access_token_minutes=5, refresh_token_days=1.5,
        log_file=tmp_path / "log.txt",
        rate_limits=dict(
            RATE_LIMITS,
            messages=RateLimit(5, 60, "address", "messages"),
            login_account=RateLimit(3, 900, "account",
                                    "login attempts for this account")),
        hashing_slots=3,
        max_body_bytes=2048, max_connections=8, socket_timeout=2.5,
        password_cost=1000, open_hours=(6, 21),
        allowed_roles=("admin", "host"))
    assert settings.request_log == tmp_path / "log.txt"


def test_defaults_suit_production(tmp_path: Path) -> None:
    """Without variables: 15 minutes, 7 days, 30 messages a minute,
    1 MiB, full password cost, the gates off, the log beside the DB."""
    settings = load_settings({}, db=str(tmp_path / "chat.sqlite3"))
    assert (settings.access_token_minutes, settings.refresh_token_days,
            settings.rate_limits["messages"], settings.max_body_bytes,
            settings.password_cost, settings.open_hours,
            settings.allowed_roles) == (
                15, 7, RateLimit(30, 60, "address", "messages"), 1 << 20,
                600_000, None, ())
    assert settings.request_log == tmp_path / "requests.log"


@pytest.mark.parametrize("name, value, sentence", [
    ("MESSAGING_RATE_LIMIT", "lots", "MESSAGING_RATE_LIMIT must look like "
     "30/60 (messages per seconds), not 'lots'."),
    ("MESSAGING_RATE_LIMIT_LOGIN", "9/0", "MESSAGING_RATE_LIMIT_LOGIN must "
     "look like 30/60 (login attempts per seconds), not '9/0'."),
    ("MESSAGING_MAX_CONNECTIONS", "-3", "MESSAGING_MAX_CONNECTIONS must be "
     "a positive whole number, not '-3'."),
    ("MESSAGING_SOCKET_TIMEOUT", "soon", "MESSAGING_SOCKET_TIMEOUT must be "
     "a positive number, not 'soon'."),
    ("MESSAGING_SECRET_KEY", "short", "MESSAGING_SECRET_KEY must be at "
     "least 32 bytes long; leave it unset to have one generated."),
    ("MESSAGING_OPEN_HOURS", "9-9", "MESSAGING_OPEN_HOURS must look like "
     "6-21 (from hour to hour, 0 to 24), not '9-9'."),
    ("MESSAGING_ALLOWED_ROLES", "boss", "MESSAGING_ALLOWED_ROLES may only "
     "name guest, host, admin, not 'boss'."),
])
def test_a_bad_setting_is_one_sentence(name: str, value: str,
                                       sentence: str) -> None:
    """Each wrong value is refused with a sentence naming the setting."""
    with pytest.raises(SettingsError) as refused:
        load_settings({name: value})
    assert str(refused.value) == sentence


def test_a_password_hash_is_salted_and_carries_its_cost() -> None:
    """Same password, different salts; the right one verifies."""
    first, second = hash_password("pw-123456", 1000), hash_password(
        "pw-123456", 1000)
    assert first != second
    assert first.split("$")[:2] == ["pbkdf2_sha256", "1000"]
    assert verify_password("pw-123456", first)
    assert not verify_password("pw-1234567", first)


def test_an_unknown_user_is_checked_against_a_decoy() -> None:
    """No stored hash: False, after the same work as a real check."""
    checker = PasswordChecker(1000)
    assert not checker.check("anything", None)
    assert checker.check("pw-123456", checker.hash("pw-123456"))


def test_a_login_raises_an_old_hash_to_the_current_cost(
        tmp_path: Path) -> None:
    """A hash made at a lower cost is replaced at the next login."""
    with in_process_api(fast_settings(tmp_path, password_cost=1000)) as api:
        person = register(api.client())
    with in_process_api(fast_settings(tmp_path, password_cost=2000)) as api:
        users = api.app.services.storage.users

        def cost() -> str:
            """Return the cost the stored hash was made at."""
            user = users.by_id(person.user_id)
            assert user is not None
            return user.password_hash.split("$")[1]

        assert cost() == "1000"
        assert api.client().post("/api/token/", {
            "username": person.user["username"],
            "password": person.password}).status == 200
        assert cost() == "2000"
