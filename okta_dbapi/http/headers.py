"""Header values checked before a request is built, so a bad one is a ProgrammingError with
``maybe_applied = False`` (nothing was sent) rather than a failure inside ``requests`` or
``http.client`` after the write may have started.

A value is accepted when it is printable ASCII with spaces or tabs only between visible characters
(RFC 9110 ``field-value`` without the obsolete Latin-1 ``obs-text``). That refuses CR and LF (header
injection), NUL, VT, FF and other controls (which ``http.client`` would put on the wire), leading or
trailing whitespace (``requests`` refuses the first, servers strip the second), and characters
outside ASCII (which ``http.client`` cannot encode beyond Latin-1 and servers read inconsistently).
"""

from __future__ import annotations

import re
import reprlib

from okta_dbapi.exceptions import ProgrammingError

_VALID = re.compile(r"(?:[\x21-\x7e](?:[\x20\x09\x21-\x7e]*[\x21-\x7e])?)?")


def header_problem(value: str) -> str | None:
    """Why ``value`` cannot be sent as a header value, or None when it can."""
    if _VALID.fullmatch(value):
        return None
    if "\r" in value or "\n" in value:
        return "it contains a line break"
    if value[:1] in (" ", "\t") or value[-1:] in (" ", "\t"):
        return "it starts or ends with whitespace"
    if not value.isascii():
        return "it contains characters outside ASCII"
    return "it contains a control character"


def check_header(name: str, value: str, where: str = "") -> str:
    """``value`` when it is a valid header value; else a ProgrammingError that nothing was sent."""
    problem = header_problem(value)
    if problem is None:
        return value
    error = ProgrammingError(
        f"The header {name} cannot be sent{where}: {problem} ({reprlib.repr(value)}). Header values must be "
        "printable ASCII, with spaces only between words. Nothing was sent."
    )
    error.maybe_applied = False  # type: ignore[attr-defined]
    raise error
