"""Reading the fields of a JSON body and of a query string, with the
sentences that explain what is wrong.

Every problem is collected before anything is written, so a client learns
about all its mistakes at once and a refused request changes nothing.
"""
import re
import reprlib
import unicodedata
from datetime import datetime, timezone
from typing import Dict, List, Optional

from messaging_app.clock import iso_utc
from messaging_app.errors import ValidationError
from messaging_app.http11 import ASCII_DIGITS
from messaging_app.ids import canonical_uuid

USERNAME = re.compile(r"[\w.@+-]+\Z")
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+\Z")
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


def parse_whole_number(text: str, maximum: int) -> int | None:
    """Return ``text`` as a whole number from 1 to ``maximum``, or None.

    Only ASCII digits count (``str.isdigit`` also accepts ``"\u00b2"``,
    which ``int`` refuses), and their count is checked before converting,
    so thousands of digits cost nothing.
    """
    if not ASCII_DIGITS.match(text):
        return None
    digits = text.lstrip("0")
    if not digits or len(digits) > len(str(maximum)):
        return None
    number = int(digits)
    return number if number <= maximum else None


class Fields:
    """Reads fields from a mapping and collects the errors found."""

    def __init__(self, data: Dict[str, object]) -> None:
        """Read from ``data``: a JSON body or a query string's values."""
        self.data = data
        self.errors: Dict[str, List[str]] = {}

    def error(self, name: str, sentence: str) -> None:
        """Record what is wrong with field ``name``."""
        self.errors.setdefault(name, []).append(sentence)

    def check(self) -> None:
        """Raise a ValidationError when any field was invalid."""
        if self.errors:
            raise ValidationError(self.errors)

    def text(self, name: str, max_length: int = 150, min_length: int = 1,
             required: bool = True) -> Optional[str]:
        """Read a string field, trimmed, within the length limits."""
        value = self.data.get(name)
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
                       else "Ensure this field has at least {} characters."
                       .format(min_length))
        elif len(value) > max_length:
            self.error(name, "Ensure this field has no more than {} "
                       "characters.".format(max_length))
        return value

    def password(self, name: str = "password",
                 min_length: int = 8) -> Optional[str]:
        """Read a password: not trimmed, at least ``min_length`` long."""
        value = self.data.get(name)
        if not isinstance(value, str) or not value:
            self.error(name, "This field is required." if value in (None, "")
                       else "Not a valid string.")
            return None
        if not encodable(value):
            self.error(name, UNENCODABLE)
        elif len(value) < min_length:
            self.error(name, "Ensure this field has at least {} characters."
                       .format(min_length))
        elif len(value) > 1024:
            self.error(name, "Ensure this field has no more than 1024 "
                       "characters.")
        return value

    def name(self, name: str, max_length: int = 150) -> Optional[str]:
        """Read a name that other people see: text without control
        characters or text direction overrides."""
        value = self.text(name, max_length=max_length)
        if value and unsafe_in_names(value):
            self.error(name, UNSAFE_IN_NAMES)
        return value

    def matching(self, name: str, pattern: "re.Pattern", sentence: str,
                 max_length: int = 150) -> Optional[str]:
        """Read a name that must match ``pattern`` as well."""
        value = self.text(name, max_length=max_length)
        if value and unsafe_in_names(value):
            self.error(name, UNSAFE_IN_NAMES)
        elif value and not pattern.match(value):
            self.error(name, sentence)
        return value

    def uuid(self, name: str, required: bool = True) -> Optional[str]:
        """Read a UUID field (a string) and return its canonical form."""
        value = self.data.get(name)
        if value is None:
            if required:
                self.error(name, "This field is required.")
            return None
        found = canonical_uuid(value)
        if found is None:
            self.error(name, "{} is not a valid UUID.".format(
                describe(value)))
        return found

    def uuid_list(self, name: str, max_items: int = 100) -> List[str]:
        """Read a non-empty list of UUIDs, without repeats, in order."""
        values = self.data.get(name)
        if not isinstance(values, list) or not values:
            self.error(name, "This field is required." if values is None
                       else "Expected a non-empty list of user ids.")
            return []
        if len(values) > max_items:
            self.error(name, "Ensure this list has no more than {} items."
                       .format(max_items))
            return []
        found = []
        for value in values:
            canonical = canonical_uuid(value)
            if canonical is None:
                self.error(name, "{} is not a valid UUID.".format(
                    describe(value)))
            elif canonical not in found:
                found.append(canonical)
        return found

    def boolean(self, name: str) -> bool:
        """Read an optional JSON true or false (false when absent)."""
        value = self.data.get(name, False)
        if not isinstance(value, bool):
            self.error(name, "Must be a valid boolean.")
            return False
        return value

    def whole_number(self, name: str, default: int,
                     maximum: int) -> int:
        """Read an optional whole number from 1 to ``maximum``."""
        value = self.data.get(name)
        if value is None:
            return default
        number = (parse_whole_number(value, maximum)
                  if isinstance(value, str) else None)
        if number is None:
            self.error(name, f"Enter a whole number from 1 to {maximum}.")
            return default
        return number

    def time(self, name: str) -> str | None:
        """Read an optional ISO 8601 time, as stored."""
        value = self.data.get(name)
        if value is None:
            return None
        found = parse_time(value) if isinstance(value, str) else None
        if found is None:
            self.error(name, "Enter a valid ISO 8601 date and time.")
        return found


# Quotes a client's value without walking all of it: a JSON body may nest
# lists hundreds deep.
SHORT_REPR = reprlib.Repr()
SHORT_REPR.maxstring = SHORT_REPR.maxother = 60


def describe(value: object) -> str:
    """Quote a client's value briefly for an error sentence."""
    text = SHORT_REPR.repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
