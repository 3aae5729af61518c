"""The System Log's ``filter`` (SCIM expressions over LogEvent attributes) and ``q`` keywords.

``filter``: ``attr op "value"`` with ``eq``, ``ne``, ``sw``, ``co``, ``ew``, ``gt``, ``ge``, ``lt``,
``le`` and ``attr pr``, combined with ``and``, ``or``, ``not`` and parentheses. Attribute names
are dotted paths (``eventType``, ``target.id``, ``actor.alternateId``, ``outcome.result``, ...) and
case-sensitive; an attribute that crosses an array (``target``) matches when any element does.
Operators are case-insensitive, values case-sensitive. ``published`` can't be filtered on.
Invalid expressions -> 400 ``E0000053``.

``q``: space-separated keywords (at most 10, each at most 40 characters), all of which must occur,
case-insensitively, in some string value of the event.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from .errors import OktaError

Predicate = Callable[[dict[str, Any]], bool]

_TOKEN = re.compile(r'\s*(?:(\()|(\))|"((?:[^"\\]|\\.)*)"|([A-Za-z_][\w.]*)|(-?\d+(?:\.\d+)?))')
_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "eq": lambda a, b: a == b,
    "ne": lambda a, b: a != b,
    "sw": lambda a, b: isinstance(a, str) and a.startswith(b),
    "co": lambda a, b: isinstance(a, str) and b in a,
    "ew": lambda a, b: isinstance(a, str) and a.endswith(b),
    "gt": lambda a, b: a > b,
    "ge": lambda a, b: a >= b,
    "lt": lambda a, b: a < b,
    "le": lambda a, b: a <= b,
}
MAX_KEYWORDS = 10
MAX_KEYWORD_LENGTH = 40


def invalid_filter(cause: str) -> OktaError:
    return OktaError(400, "E0000053", "Invalid filter expression.", [cause])


def values_at(node: Any, path: list[str]) -> list[Any]:
    """Every value at ``path`` under ``node``, descending into arrays."""
    if isinstance(node, list):
        return [v for item in node for v in values_at(item, path)]
    if not path:
        return [node]
    if not isinstance(node, dict) or path[0] not in node:
        return []
    return values_at(node[path[0]], path[1:])


def _tokens(text: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    pos = 0
    while text[pos:].strip():
        m = _TOKEN.match(text, pos)
        if not m:
            raise invalid_filter(f"Unexpected character at position {pos}: {text[pos : pos + 10]!r}")
        pos = m.end()
        lp, rp, string, word, number = m.groups()
        if lp or rp:
            out.append((lp or rp, lp or rp))
        elif string is not None:
            out.append(("str", re.sub(r"\\(.)", r"\1", string)))
        elif number is not None:
            out.append(("num", number))
        else:
            out.append(("word", word))
    return out


class _Parser:
    def __init__(self, text: str) -> None:
        self.toks = _tokens(text)
        self.pos = 0
        if not self.toks:
            raise invalid_filter("The filter expression is empty")

    def _peek_word(self, word: str) -> bool:
        return self.pos < len(self.toks) and self.toks[self.pos][0] == "word" and self.toks[self.pos][1].lower() == word

    def _take(self) -> tuple[str, str]:
        if self.pos >= len(self.toks):
            raise invalid_filter("Unexpected end of the filter expression")
        self.pos += 1
        return self.toks[self.pos - 1]

    def parse(self) -> Predicate:
        pred = self._or()
        if self.pos != len(self.toks):
            raise invalid_filter(f"Unexpected token {self.toks[self.pos][1]!r}")
        return pred

    def _or(self) -> Predicate:
        parts = [self._and()]
        while self._peek_word("or"):
            self.pos += 1
            parts.append(self._and())
        return parts[0] if len(parts) == 1 else (lambda e: any(p(e) for p in parts))

    def _and(self) -> Predicate:
        parts = [self._not()]
        while self._peek_word("and"):
            self.pos += 1
            parts.append(self._not())
        return parts[0] if len(parts) == 1 else (lambda e: all(p(e) for p in parts))

    def _not(self) -> Predicate:
        if self._peek_word("not"):
            self.pos += 1
            inner = self._not()
            return lambda e: not inner(e)
        return self._atom()

    def _atom(self) -> Predicate:
        kind, value = self._take()
        if kind == "(":
            inner = self._or()
            if self._take()[0] != ")":
                raise invalid_filter("Missing closing parenthesis")
            return inner
        if kind != "word" or value.lower() in ("and", "or", "not"):
            raise invalid_filter(f"Expected an attribute name, got {value!r}")
        if value == "published":
            raise invalid_filter("published can't be used in a filter; use since and until")
        path = value.split(".")
        op_kind, op = self._take()
        op = op.lower()
        if op_kind != "word" or (op not in _OPS and op != "pr"):
            raise invalid_filter(f"Unsupported operator {op!r}")
        if op == "pr":
            return lambda e: any(v is not None for v in values_at(e, path))
        vkind, raw = self._take()
        if vkind not in ("str", "num") and not (vkind == "word" and raw in ("true", "false", "null")):
            raise invalid_filter(f"Expected a value after {value} {op}, got {raw!r}")
        want: Any = {"true": True, "false": False, "null": None}.get(raw, raw) if vkind == "word" else raw
        if vkind == "num":
            want = float(raw)
        cmp = _OPS[op]

        def pred(e: dict[str, Any]) -> bool:
            for v in values_at(e, path):
                try:
                    if cmp(v, want):
                        return True
                except TypeError:
                    continue
            return False

        return pred


def compile_filter(text: str) -> Predicate:
    return _Parser(text).parse()


def _strings(node: Any) -> list[str]:
    if isinstance(node, str):
        return [node.lower()]
    if isinstance(node, dict):
        return [s for v in node.values() for s in _strings(v)]
    if isinstance(node, list):
        return [s for v in node for s in _strings(v)]
    return []


def compile_q(q: str) -> Predicate:
    words = q.split()
    if len(words) > MAX_KEYWORDS:
        raise OktaError(400, "E0000001", "Api validation failed: q", [f"q: at most {MAX_KEYWORDS} keywords"])
    for w in words:
        if len(w) > MAX_KEYWORD_LENGTH:
            cause = f"q: keywords are at most {MAX_KEYWORD_LENGTH} characters"
            raise OktaError(400, "E0000001", "Api validation failed: q", [cause])
    lowered = [w.lower() for w in words]

    def pred(e: dict[str, Any]) -> bool:
        text = _strings(e)
        return all(any(w in s for s in text) for w in lowered)

    return pred
