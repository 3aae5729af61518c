"""Okta's ``filter`` and ``search`` expression language for GET /api/v1/users.

Grammar: ``expr := term ('or' term)*``, ``term := atom ('and' atom)*``,
``atom := '(' expr ')' | attr op value | attr 'pr'``. Operators are case-insensitive.

* ``filter``: only ``status``, ``lastUpdated``, ``id``, ``profile.login``, ``profile.email``,
  ``profile.firstName``, ``profile.lastName``; only ``eq`` (``lastUpdated`` also ``gt/ge/lt/le``);
  values are case-sensitive.
* ``search``: any ``profile.*`` attribute and the top-level ``id``, ``status``, ``created``,
  ``activated``, ``statusChanged``, ``lastUpdated``, ``type.id``; operators ``eq``, ``sw``, ``co``
  (``co`` only on firstName/lastName/email/login), ``gt/ge/lt/le``, ``pr``; values are
  case-insensitive.

Invalid expressions raise 400 ``E0000031`` ("Invalid search criteria."), with a cause saying why.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from .errors import OktaError, invalid_search
from .ids import parse_iso

Predicate = Callable[[dict[str, Any]], bool]

_TOKEN = re.compile(r'\s*(?:(\()|(\))|"((?:[^"\\]|\\.)*)"|([A-Za-z_][\w.:]*)|(-?\d+(?:\.\d+)?))')
DATE_ATTRS = frozenset({"created", "activated", "statusChanged", "lastUpdated", "lastLogin", "passwordChanged"})
FILTER_ATTRS = frozenset(
    {"status", "lastUpdated", "id", "profile.login", "profile.email", "profile.firstName", "profile.lastName"}
)
SEARCH_TOP = frozenset({"id", "status", "created", "activated", "statusChanged", "lastUpdated", "type.id"})
CO_ATTRS = frozenset({"profile.firstName", "profile.lastName", "profile.email", "profile.login"})
COMPARE_OPS = frozenset({"eq", "sw", "co", "gt", "ge", "lt", "le"})


def _tokenize(text: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    pos = 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        m = _TOKEN.match(text, pos)
        if not m:
            raise invalid_search(f"Unexpected character at position {pos}: {text[pos : pos + 10]!r}")
        pos = m.end()
        lp, rp, string, word, number = m.groups()
        if lp:
            out.append(("(", "("))
        elif rp:
            out.append((")", ")"))
        elif string is not None:
            out.append(("str", re.sub(r"\\(.)", r"\1", string)))
        elif number is not None:
            out.append(("num", number))
        else:
            assert word is not None
            out.append(("word", word))
    return out


def _lookup(user: dict[str, Any], attr: str) -> Any:
    node: Any = user
    for part in attr.split("."):
        if not isinstance(node, dict):
            return None
        node = node.get(part)
    return node


class _Parser:
    def __init__(self, text: str, mode: str) -> None:
        self.tokens = _tokenize(text)
        self.pos = 0
        self.mode = mode
        if not self.tokens:
            raise invalid_search(f"The {mode} expression is empty")

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        tok = self.peek()
        if tok is None:
            raise invalid_search(f"Unexpected end of {self.mode} expression")
        self.pos += 1
        return tok

    def parse(self) -> Predicate:
        pred = self.expr()
        if self.peek() is not None:
            raise invalid_search(f"Unexpected token {self.peek()[1]!r}")  # type: ignore[index]
        return pred

    def _keyword(self, word: str) -> bool:
        tok = self.peek()
        return tok is not None and tok[0] == "word" and tok[1].lower() == word

    def expr(self) -> Predicate:
        parts = [self.term()]
        while self._keyword("or"):
            self.pos += 1
            parts.append(self.term())
        return parts[0] if len(parts) == 1 else (lambda u: any(p(u) for p in parts))

    def term(self) -> Predicate:
        parts = [self.atom()]
        while self._keyword("and"):
            self.pos += 1
            parts.append(self.atom())
        return parts[0] if len(parts) == 1 else (lambda u: all(p(u) for p in parts))

    def atom(self) -> Predicate:
        kind, value = self.take()
        if kind == "(":
            inner = self.expr()
            if self.take()[0] != ")":
                raise invalid_search("Missing closing parenthesis")
            return inner
        if kind != "word" or value.lower() in ("and", "or", "not"):
            raise invalid_search(f"Expected an attribute name, got {value!r}")
        attr = value
        op_kind, op = self.take()
        op = op.lower()
        if op_kind != "word" or (op not in COMPARE_OPS and op != "pr"):
            raise invalid_search(f"Unsupported operator {op!r}")
        self._check_attr(attr, op)
        if op == "pr":
            return lambda u: _lookup(u, attr) is not None
        vkind, raw = self.take()
        if vkind not in ("str", "num", "word") or (vkind == "word" and raw not in ("true", "false", "null")):
            raise invalid_search(f"Expected a value after {attr} {op}, got {raw!r}")
        return self._compare(attr, op, vkind, raw)

    def _check_attr(self, attr: str, op: str) -> None:
        if self.mode == "filter":
            if attr not in FILTER_ATTRS:
                raise invalid_search(f"Filtering on {attr!r} is not supported")
            if op != "eq" and not (attr == "lastUpdated" and op in ("gt", "ge", "lt", "le")):
                raise invalid_search(f"Operator {op!r} is not supported for {attr!r} in a filter")
            return
        if not (attr.startswith("profile.") or attr in SEARCH_TOP):
            raise invalid_search(f"Searching on {attr!r} is not supported")
        if op == "co" and attr not in CO_ATTRS:
            raise invalid_search(f"Operator 'co' is not supported for {attr!r}")

    def _compare(self, attr: str, op: str, vkind: str, raw: str) -> Predicate:
        if attr in DATE_ATTRS:
            when = parse_iso(raw)
            if when is None:
                raise invalid_search(f"Invalid date value {raw!r} for {attr!r}")
            return _date_predicate(attr, op, when)
        value: Any = raw
        if vkind == "num":
            value = float(raw)
        elif vkind == "word":
            value = {"true": True, "false": False, "null": None}[raw]
        fold = self.mode == "search"
        return _value_predicate(attr, op, value, fold)


_ORDER: dict[str, Callable[[Any, Any], bool]] = {
    "eq": lambda a, b: a == b,
    "gt": lambda a, b: a > b,
    "ge": lambda a, b: a >= b,
    "lt": lambda a, b: a < b,
    "le": lambda a, b: a <= b,
    "sw": lambda a, b: isinstance(a, str) and a.startswith(b),
    "co": lambda a, b: isinstance(a, str) and b in a,
}


def _date_predicate(attr: str, op: str, when: float) -> Predicate:
    if op in ("sw", "co"):
        raise invalid_search(f"Operator {op!r} is not supported for {attr!r}")
    cmp = _ORDER[op]

    def pred(u: dict[str, Any]) -> bool:
        v = _lookup(u, attr)
        t = parse_iso(v) if isinstance(v, str) else None
        return t is not None and cmp(round(t, 3), round(when, 3))

    return pred


def _value_predicate(attr: str, op: str, value: Any, fold: bool) -> Predicate:
    cmp = _ORDER[op]
    if fold and isinstance(value, str):
        value = value.lower()

    def one(v: Any) -> bool:
        if fold and isinstance(v, str):
            v = v.lower()
        if isinstance(value, float) and isinstance(v, str):
            try:
                v = float(v)
            except ValueError:
                return False
        try:
            return bool(cmp(v, value))
        except TypeError:
            return False

    def pred(u: dict[str, Any]) -> bool:
        v = _lookup(u, attr)
        if isinstance(v, list):  # array attributes match when any element does (SCIM semantics)
            return any(one(x) for x in v)
        return one(v)

    return pred


def compile_expression(text: str, mode: str) -> Predicate:
    """Compile a ``filter`` (mode="filter") or ``search`` (mode="search") expression."""
    try:
        return _Parser(text, mode).parse()
    except OktaError:
        raise
    except (ValueError, KeyError) as e:  # pragma: no cover - defensive
        raise invalid_search(str(e)) from e


def q_predicate(q: str) -> Predicate:
    """``q``: prefix match on firstName, lastName, email or login (case-insensitive)."""
    prefix = q.lower()

    def pred(u: dict[str, Any]) -> bool:
        p = u.get("profile") or {}
        return any(
            isinstance(p.get(k), str) and p[k].lower().startswith(prefix)
            for k in ("firstName", "lastName", "email", "login")
        )

    return pred
