"""Creating accounts: the checks that registration over HTTP and the
``createuser`` command share."""
from dataclasses import dataclass

from messaging_app.errors import ValidationError
from messaging_app.services import Services
from messaging_app.storage import Duplicate, User
from messaging_app.validation import EMAIL, USERNAME, Fields


@dataclass(frozen=True)
class NewAccount:
    """The validated fields of an account about to be created."""

    username: str
    email: str
    password: str
    first_name: str
    last_name: str
    phone_number: str | None


def read_account(data: dict[str, object]) -> NewAccount:
    """Validate the fields of a new account; raise ValidationError.

    A ``password_confirm``, which registration forms of the curriculum's
    DRF versions send, must match the password when it is sent.
    """
    fields = Fields(data)
    username = fields.matching(
        "username", USERNAME,
        "Enter a valid username: letters, digits and @ . + - _ only.")
    email = fields.matching("email", EMAIL, "Enter a valid email address.",
                            max_length=254)
    password = fields.password()
    first_name = fields.name("first_name")
    last_name = fields.name("last_name")
    phone_number = fields.text("phone_number", max_length=32, min_length=0,
                               required=False) or None
    if (password and "password_confirm" in data
            and data["password_confirm"] != password):
        fields.error("password_confirm", "The two passwords do not match.")
    fields.check()
    # Required fields are strings once the check has passed.
    assert username and email and password and first_name and last_name
    return NewAccount(username, email, password, first_name, last_name,
                      phone_number)


def create_account(services: Services, data: dict[str, object],
                   role: str = "guest") -> User:
    """Validate, hash the password, store the user and return it."""
    account = read_account(data)
    try:
        return services.storage.users.create(
            username=account.username, email=account.email,
            password_hash=services.passwords.hash(account.password),
            first_name=account.first_name, last_name=account.last_name,
            phone_number=account.phone_number, role=role)
    except Duplicate as clash:
        raise ValidationError({clash.field: [
            f"A user with that {clash.field} already exists."]}) from None
