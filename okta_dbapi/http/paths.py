"""Request paths and query strings: every value is percent-encoded into its own position, so a
value can never leave its path segment."""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any
from urllib.parse import quote, urlencode

from okta_dbapi.exceptions import ProgrammingError


@lru_cache(maxsize=512)
def _compile(template: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Split ``/a/{x}/b`` into literals ``('/a/', '/b')`` and names ``('x',)``."""
    if not template.startswith("/"):
        raise ProgrammingError(f"path template {template!r} must start with '/'")
    literals: list[str] = []
    names: list[str] = []
    rest = template
    while True:
        start = rest.find("{")
        if start < 0:
            if "}" in rest:
                raise ProgrammingError(f"unbalanced braces in path template {template!r}")
            literals.append(rest)
            break
        end = rest.find("}", start)
        name = rest[start + 1 : end] if end > 0 else ""
        if end < 0 or not name.isidentifier() or "}" in rest[:start]:
            raise ProgrammingError(f"invalid path template {template!r}")
        literals.append(rest[:start])
        names.append(name)
        rest = rest[end + 1 :]
    return tuple(literals), tuple(names)


def expand_path(template: str, params: Mapping[str, Any] | None) -> str:
    """Fill ``{name}`` placeholders, each value percent-encoded as one path segment."""
    literals, names = _compile(template)
    if not names:
        return template
    parts = [literals[0]]
    for name, literal in zip(names, literals[1:], strict=True):
        if params is None or params.get(name) is None:
            raise ProgrammingError(f"no value for {name} (needed by {template})")
        text = str(params[name])
        if text in ("", ".", ".."):
            raise ProgrammingError(f"invalid {name} {text!r}: an identifier cannot be empty, '.' or '..'")
        try:
            parts.append(quote(text, safe=""))
        except UnicodeEncodeError:
            raise ProgrammingError(f"invalid {name}: it is not valid Unicode (a lone surrogate)") from None
        parts.append(literal)
    return "".join(parts)


def _query_value(value: Any) -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    return str(value)


def encode_query(query: Mapping[str, Any] | None) -> str:
    """``key=value&...``: bools as true/false, None dropped, lists repeated."""
    if not query:
        return ""
    pairs: list[tuple[str, str]] = []
    for key, value in query.items():
        if value is None:
            continue
        if isinstance(value, list | tuple | set | frozenset):
            pairs.extend((key, _query_value(v)) for v in value if v is not None)
        else:
            pairs.append((key, _query_value(value)))
    return urlencode(pairs, quote_via=quote)
