#!/usr/bin/env python3
"""The server's data files are its owner's alone: the database with its
WAL and shared-memory files, the request log and the secret key are
created owner-only, and a secret key that others may read is refused."""
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from messaging_app.settings import SettingsError, load_secret_key
from messaging_app.testing import (conversation_between, fast_settings,
                                   in_process_api, register)


def mode(path: Path) -> int:
    """Return the permission bits of ``path``."""
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def usual_umask() -> Iterator[None]:
    """Run the test under the usual umask, 022, which leaves new files
    readable by everyone unless the server says otherwise."""
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


def test_data_files_are_created_owner_only(tmp_path: Path,
                                           usual_umask: None) -> None:
    """A first start in a new folder: the folder is 0700, and the
    database, its -wal and -shm files, the request log and the generated
    key are 0600."""
    folder = tmp_path / "var"
    database = folder / "chat.sqlite3"
    settings = fast_settings(folder, db_path=database,
                             log_file=folder / "requests.log")
    with in_process_api(settings) as api:
        alice, bob = register(api.client()), register(api.client())
        path = conversation_between(alice, bob)
        assert alice.client.post(path, {"message_body": "hi"}).status == 201
        files = [database, folder / "chat.sqlite3-wal",
                 folder / "chat.sqlite3-shm", folder / "requests.log",
                 folder / "chat.sqlite3.secret-key"]
        assert {file.name: mode(file) for file in files} == {
            file.name: 0o600 for file in files}
    assert mode(folder) == 0o700


@pytest.mark.parametrize("loose", [0o644, 0o640, 0o604])
def test_a_key_file_that_others_may_read_is_refused(
        tmp_path: Path, loose: int) -> None:
    """One sentence naming the file, its mode and the fix; the key is
    not used."""
    settings = fast_settings(tmp_path)
    key_file = settings.secret_key_file
    key_file.write_text("k" * 48 + "\n")
    key_file.chmod(loose)
    with pytest.raises(SettingsError) as refused:
        load_secret_key(settings)
    assert str(refused.value) == (
        f"The secret key file {key_file} may be read by other users (mode "
        f"{loose:o}); make it private with chmod 600 {key_file}.")
    key_file.chmod(0o600)
    assert load_secret_key(settings) == "k" * 48
