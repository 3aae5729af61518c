"""Header values (okta_dbapi.http.headers): what may be sent, and why the rest may not."""

from __future__ import annotations

import pytest

from okta_dbapi.exceptions import ProgrammingError
from okta_dbapi.http.headers import check_header, header_problem


@pytest.mark.parametrize("value", ["", "fr", "fr-CH, fr;q=0.9", "a\tb", "203.0.113.7", "~!#$%&'*+-.^_`|"])
def test_valid_values(value: str) -> None:
    assert header_problem(value) is None
    assert check_header("X-H", value) == value


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("a\r\nb", "it contains a line break"),
        ("a\nb", "it contains a line break"),
        ("a\rb", "it contains a line break"),
        (" a", "it starts or ends with whitespace"),
        ("a\t", "it starts or ends with whitespace"),
        ("\ta", "it starts or ends with whitespace"),
        ("a ", "it starts or ends with whitespace"),
        ("caf\u00e9", "it contains characters outside ASCII"),
        ("\u65e5", "it contains characters outside ASCII"),
        ("a\x00b", "it contains a control character"),
        ("a\x0bb", "it contains a control character"),
        ("a\x0cb", "it contains a control character"),
        ("a\x7fb", "it contains a control character"),
    ],
    ids=repr,
)
def test_invalid_values_say_why(value: str, reason: str) -> None:
    assert header_problem(value) == reason
    with pytest.raises(ProgrammingError) as caught:
        check_header("Accept-Language", value, " (row 3)")
    message = str(caught.value)
    assert message.startswith(f"The header Accept-Language cannot be sent (row 3): {reason} (")
    assert message.endswith("Nothing was sent.")
    assert caught.value.maybe_applied is False  # type: ignore[attr-defined]
