"""The syntax of HTTP/1.1 messages (RFC 9110 and RFC 9112) that both the
server and the request check: tokens, header lines, ``Content-Length``,
media types and comma-separated header lists.

Kept apart from the socket server so that a transport-independent
``Request`` applies the very same rules.
"""
import re

# RFC 9110 5.6.2: methods and header names are tokens.
TOKEN_CHARACTERS = r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+"
TOKEN = re.compile(rf"{TOKEN_CHARACTERS}\Z")
# A header line: a token, a colon, then the value. No white space before
# the colon, and no control character but tab in the value (a bare CR is
# how requests get smuggled). One quantifier each, so matching is linear.
HEADER_LINE = re.compile(
    rf"({TOKEN_CHARACTERS}):([^\x00-\x08\x0a-\x1f\x7f]*)\Z")
ASCII_DIGITS = re.compile(r"[0-9]+\Z")
# A declared length with more digits than this is beyond every limit; it
# is reported as this value rather than converted.
HUGE_LENGTH = 10 ** 18


def is_token(text: str) -> bool:
    """Tell whether ``text`` is an HTTP token, as a method must be."""
    return TOKEN.match(text) is not None


def parse_header_line(line: str) -> tuple[str, str] | None:
    """Split ``Name: value`` into its name and trimmed value, or return
    None when the line is not a valid header field line."""
    found = HEADER_LINE.match(line)
    return None if found is None else (found[1], found[2].strip(" \t"))


def parse_content_length(text: str) -> int | None:
    """Return the length a ``Content-Length`` value declares, or None when
    it is not plain ASCII digits (``str.isdigit`` also accepts ``"²"``
    and ``"٣"``). A value too long to matter is returned as HUGE_LENGTH
    without converting thousands of digits."""
    digits = text.strip(" \t")
    if not ASCII_DIGITS.match(digits):
        return None
    digits = digits.lstrip("0") or "0"
    return HUGE_LENGTH if len(digits) > 18 else int(digits)


def parse_media_type(value: str) -> tuple[str, dict[str, str]]:
    """Split ``type/subtype; name=value; name="quoted"`` into the media
    type and its parameters, names and the type in lower case and quoted
    values unquoted."""
    media, *parameters = value.split(";")
    found: dict[str, str] = {}
    for parameter in parameters:
        name, _, text = parameter.partition("=")
        text = text.strip()
        if len(text) >= 2 and text[0] == text[-1] == '"':
            text = re.sub(r"\\(.)", r"\1", text[1:-1])
        found[name.strip().lower()] = text
    return media.strip().lower(), found


def list_items(value: str) -> set[str]:
    """Return the members of a comma-separated header (``Connection``,
    ``Expect``) in lower case."""
    return {item.strip().lower() for item in value.split(",")} - {""}
