"""Reading the fields of a JSON body and of a query string, with the
sentences that explain what is wrong.

Every problem is collected before anything is written, so a client learns
about all its mistakes at once and a refused request changes nothing.

A JSON body's fields may come under the other spellings that clients of the
curriculum's Django REST Framework versions send (``ALIASES``); this module
is the one place that knows them.
"""
import re
import reprlib
import unicodedata
from collections.abc import Mapping
from datetime import datetime, timezone

from messaging_app.clock import iso_utc
from messaging_app.errors import ValidationError
from messaging_app.http11 import ASCII_DIGITS
from messaging_app.ids import canonical_uuid

USERNAME = re.compile(r"[\w.@+-]+\Z")
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+\Z")
FLAGS = {"true": True, "1": True, "false": False, "0": False}
UNENCODABLE = ("Not valid text: it holds a lone surrogate, which UTF-8 "
               "cannot encode.")
# The bidirectional embeddings, overrides and isolates: they make text
# display in another order than it is stored, so a name could pass for
# another ("Trojan Source", CVE-2021-42574).
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e"
                          "\u2066\u2067\u2068\u2069")
# Controls (escape codes, line breaks) and the line and paragraph
# separators, which break a name over lines or rewrite a terminal.
UNSAFE_CATEGORIES = frozenset(("Cc", "Zl", "Zp"))
UNSAFE_IN_NAMES = ("Control characters and text direction overrides are "
                   "not allowed.")
# Other spellings of body fields, by the name this API reads: published
# clients of the curriculum's DRF versions send each of them.
ALIASES: dict[str, tuple[str, ...]] = {
    "participants": ("participant_ids", "participants_id",
                     "participants_ids"),
    "message_body": ("content",),
    "conversation": ("conversation_id",),
}


def encodable(text: str) -> bool:
    """Tell whether UTF-8 can encode ``text``: JSON's ``\\ud83d`` escape
    decodes to a lone surrogate, which no database or response can hold."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def unsafe_in_names(text: str) -> bool:
    """Tell whether ``text`` holds a character that no name may hold."""
    return any(character in BIDI_CONTROLS
               or unicodedata.category(character) in UNSAFE_CATEGORIES
               for character in text)


def parse_time(text: str) -> str | None:
    """Return an ISO 8601 time as stored (UTC, microseconds), or None.

    A time without an offset is taken as UTC. A time whose conversion to
    UTC leaves the calendar (year 9999 with a negative offset, year 1 with
    a positive one) is no valid time either.
    """
    try:
        moment = datetime.fromisoformat(text)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=timezone.utc)
        return iso_utc(moment)
    except (ValueError, OverflowError):
        return None


def parse_whole_number(text: str, maximum: int,
                       clamp: bool = False) -> int | None:
    """Return ``text`` as a whole number from 1 to ``maximum``, or None;
    with ``clamp``, a larger number is ``maximum``.

    Only ASCII digits count (``str.isdigit`` also accepts ``"\u00b2"``,
    which ``int`` refuses), and their count is checked before converting,
    so thousands of digits cost nothing.
    """
    if not ASCII_DIGITS.match(text):
        return None
    digits = text.lstrip("0")
    if not digits:
        return None
    if len(digits) > len(str(maximum)) or int(digits) > maximum:
        return maximum if clamp else None
    return int(digits)


class Fields:
    """Reads fields from a mapping and collects the errors found.

    A field may have other spellings (``aliases``): its value is read from
    whichever the client sent, and its errors are told under that name.
    """

    def __init__(self, data: Mapping[str, object],
                 aliases: dict[str, tuple[str, ...]] | None = None) -> None:
        """Read from ``data``: a JSON body or a query string's values."""
        self.data = data
        self.aliases = aliases or {}
        self.errors: dict[str, list[str]] = {}
        # The spelling each aliased field was read under, and the fields
        # sent under spellings that differ (that is their one error).
        self.sent_as: dict[str, str] = {}
        self.clashing: set[str] = set()

    def error(self, name: str, sentence: str) -> None:
        """Record what is wrong with field ``name`` (under the spelling
        the client used)."""
        if name not in self.clashing:
            self.errors.setdefault(self.sent_as.get(name, name),
                                   []).append(sentence)

    def value(self, name: str) -> object:
        """Return the value of field ``name`` under any of its spellings,
        or None when none was sent.

        Two spellings with different values are an error naming both,
        told under each of them.
        """
        spellings = [spelling for spelling in
                     (name, *self.aliases.get(name, ()))
                     if spelling in self.data]
        if not spellings:
            return None
        self.sent_as[name] = spellings[0]
        value = self.data[spellings[0]]
        if any(not same(value, self.data[other])
               for other in spellings[1:]):
            sentence = (f"{' and '.join(spellings)} are spellings of one "
                        f"field with different values; send one of them.")
            self.clashing.add(name)
            for spelling in spellings:
                self.errors.setdefault(spelling, []).append(sentence)
        return value

    def check(self) -> None:
        """Raise a ValidationError when any field was invalid."""
        if self.errors:
            raise ValidationError(self.errors)

    def text(self, name: str, max_length: int = 150, min_length: int = 1,
             required: bool = True) -> str | None:
        """Read a string field, trimmed, within the length limits."""
        value = self.value(name)
        if value is None:
            if required:
                self.error(name, "This field is required.")
            return None
        if not isinstance(value, str):
            self.error(name, "Not a valid string.")
            return None
        if not encodable(value):
            self.error(name, UNENCODABLE)
            return None
        value = value.strip()
        if len(value) < min_length:
            self.error(name, "This field may not be blank." if min_length == 1
                       else f"Ensure this field has at least {min_length} "
                            f"characters.")
        elif len(value) > max_length:
            self.error(name, f"Ensure this field has no more than "
                             f"{max_length} characters.")
        return value

    def password(self, name: str = "password",
                 min_length: int = 8) -> str | None:
        """Read a password: not trimmed, at least ``min_length`` long."""
        value = self.value(name)
        if not isinstance(value, str) or not value:
            self.error(name, "This field is required." if value in (None, "")
                       else "Not a valid string.")
            return None
        if not encodable(value):
            self.error(name, UNENCODABLE)
        elif len(value) < min_length:
            self.error(name, f"Ensure this field has at least {min_length} "
                             f"characters.")
        elif len(value) > 1024:
            self.error(name, "Ensure this field has no more than 1024 "
                       "characters.")
        return value

    def name(self, name: str, max_length: int = 150) -> str | None:
        """Read a name that other people see: text without control
        characters or text direction overrides."""
        value = self.text(name, max_length=max_length)
        if value and unsafe_in_names(value):
            self.error(name, UNSAFE_IN_NAMES)
        return value

    def matching(self, name: str, pattern: "re.Pattern", sentence: str,
                 max_length: int = 150) -> str | None:
        """Read a name that must match ``pattern`` as well."""
        value = self.text(name, max_length=max_length)
        if value and unsafe_in_names(value):
            self.error(name, UNSAFE_IN_NAMES)
        elif value and not pattern.match(value):
            self.error(name, sentence)
        return value

    def uuid(self, name: str, required: bool = True) -> str | None:
        """Read a UUID field (a string) and return its canonical form."""
        value = self.value(name)
        if value is None:
            if required:
                self.error(name, "This field is required.")
            return None
        found = canonical_uuid(value)
        if found is None:
            self.error(name, f"{describe(value)} is not a valid UUID.")
        return found

    def uuid_list(self, name: str, max_items: int = 100) -> list[str]:
        """Read a non-empty list of UUIDs, without repeats, in order."""
        values = self.value(name)
        if not isinstance(values, list) or not values:
            self.error(name, "This field is required." if values is None
                       else "Expected a non-empty list of user ids.")
            return []
        if len(values) > max_items:
            self.error(name, f"Ensure this list has no more than {max_items} "
                             f"items.")
            return []
        found = []
        for value in values:
            canonical = canonical_uuid(value)
            if canonical is None:
                self.error(name, f"{describe(value)} is not a valid UUID.")
            elif canonical not in found:
                found.append(canonical)
        return found

    def boolean(self, name: str) -> bool:
        """Read an optional JSON true or false (false when absent)."""
        value = self.value(name)
        if value is None:
            return False
        if not isinstance(value, bool):
            self.error(name, "Must be a valid boolean.")
            return False
        return value

    def whole_number(self, name: str, default: int, maximum: int,
                     clamp: bool = False) -> int:
        """Read an optional whole number from 1 to ``maximum`` (with
        ``clamp``, a larger one reads as ``maximum``)."""
        value = self.value(name)
        if value is None:
            return default
        number = (parse_whole_number(value, maximum, clamp)
                  if isinstance(value, str) else None)
        if number is None:
            self.error(name, f"Enter a whole number from 1 to {maximum}.")
            return default
        return number

    def flag(self, name: str) -> bool:
        """Read an optional ``true`` or ``false`` (``1`` or ``0``) from a
        query string; absent is false."""
        value = self.data.get(name)
        if value is None:
            return False
        found = FLAGS.get(value.lower()) if isinstance(value, str) else None
        if found is None:
            self.error(name, "Use true or false.")
            return False
        return found

    def time(self, name: str) -> str | None:
        """Read an optional ISO 8601 time, as stored."""
        value = self.value(name)
        if value is None:
            return None
        found = parse_time(value) if isinstance(value, str) else None
        if found is None:
            self.error(name, "Enter a valid ISO 8601 date and time.")
        return found


def body_fields(data: dict[str, object]) -> Fields:
    """Return the fields of a JSON body, read under any of the spellings
    of ``ALIASES``."""
    return Fields(data, ALIASES)


def same(first: object, second: object) -> bool:
    """Tell whether two JSON values are equal, types included (``1`` and
    ``true`` are not)."""
    return type(first) is type(second) and first == second


# Quotes a client's value without walking all of it: a JSON body may nest
# lists hundreds deep.
SHORT_REPR = reprlib.Repr()
SHORT_REPR.maxstring = SHORT_REPR.maxother = 60


def describe(value: object) -> str:
    """Quote a client's value briefly for an error sentence."""
    text = SHORT_REPR.repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
