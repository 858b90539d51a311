"""The objects every view works with, gathered in one place."""
from dataclasses import dataclass

from messaging_app.passwords import PasswordChecker
from messaging_app.settings import Settings
from messaging_app.storage import Storage
from messaging_app.tokens import TokenService


@dataclass
class Services:
    """Storage, tokens, passwords and settings of one running API."""

    settings: Settings
    storage: Storage
    tokens: TokenService
    passwords: PasswordChecker
