"""Creating accounts: the checks that registration over HTTP and the
``createuser`` command share."""
from typing import Dict, Optional

from messaging_app.errors import ValidationError
from messaging_app.services import Services
from messaging_app.storage import Duplicate
from messaging_app.validation import EMAIL, USERNAME, Fields


def read_account(data: Dict[str, object]) -> Dict[str, Optional[str]]:
    """Validate the fields of a new account; raise ValidationError."""
    fields = Fields(data)
    account = {
        "username": fields.matching(
            "username", USERNAME,
            "Enter a valid username: letters, digits and @ . + - _ only."),
        "email": fields.matching("email", EMAIL,
                                 "Enter a valid email address.",
                                 max_length=254),
        "password": fields.password(),
        "first_name": fields.text("first_name"),
        "last_name": fields.text("last_name"),
        "phone_number": fields.text("phone_number", max_length=32,
                                    min_length=0, required=False) or None,
    }
    fields.check()
    return account


def create_account(services: Services, data: Dict[str, object],
                   role: str = "guest") -> dict:
    """Validate, hash the password, store the user and return it."""
    account = read_account(data)
    password_hash = services.passwords.hash(account.pop("password"))
    try:
        return services.storage.create_user(
            password_hash=password_hash, role=role, **account)
    except Duplicate as clash:
        raise ValidationError({clash.field: [
            "A user with that {} already exists.".format(clash.field)]})
