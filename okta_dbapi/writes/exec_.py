"""``EXEC okta.users.factors.<method> @name=value, ... @@json='{...}'``: StackQL's lifecycle calls.

Parsed from sqlglot's tokens (never regexes on the raw text), so comments and strings are
handled as SQL handles them. As in StackQL's documents, the commas between arguments are
optional (the seed's examples comment one out: ``@subdomain='x' --required,``) and names may
be hyphenated (``@X-Forwarded-For='1.2.3.4'``). Values are literals (strings, numbers,
TRUE/FALSE, NULL) or placeholders (``?`` or ``:name``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlglot.tokens import Token, TokenType

from okta_dbapi.catalog import Operation, Table, require_table
from okta_dbapi.exceptions import DataError, ProgrammingError
from okta_dbapi.sql.parse import Params, tokenize
from okta_dbapi.sql.values import number_literal

_LITERALS = {TokenType.TRUE: True, TokenType.FALSE: False, TokenType.NULL: None}


@dataclass
class ExecStatement:
    table: Table
    operation: Operation
    args: list[tuple[str, Any]]  # (name, value) in statement order, without @@json
    json_body: dict[str, Any] | None


class _Reader:
    def __init__(self, sql: str) -> None:
        self.sql = sql
        tokens = tokenize(sql)
        if tokens and tokens[0].token_type == TokenType.EXECUTE:
            # sqlglot reads the rest of an EXECUTE as one command string: read it as EXEC (same offsets).
            start = tokens[0].start
            tokens = tokenize(sql[:start] + "EXEC   " + sql[start + len("EXECUTE") :])
        self.tokens = tokens
        self.i = 0

    def peek(self, offset: int = 0) -> Token | None:
        j = self.i + offset
        return self.tokens[j] if j < len(self.tokens) else None

    def next(self) -> Token:
        token = self.peek()
        if token is None:
            raise ProgrammingError(f"The EXEC statement ends too early: {self.sql.strip()[:80]!r}.")
        self.i += 1
        return token

    def error(self, token: Token, expected: str) -> ProgrammingError:
        return ProgrammingError(
            f"Syntax error in EXEC at line {token.line}, column {token.col} near {token.text!r}: expected {expected}."
        )


def parse_exec(sql: str, params: Params) -> ExecStatement:
    """Parse an EXEC statement and bind its placeholders."""
    reader = _Reader(sql)
    first = reader.next()
    if first.text.upper() not in ("EXEC", "EXECUTE"):
        raise reader.error(first, "EXEC")
    table, op = _method(reader)
    raw: list[tuple[str, Any, Token]] = []
    json_arg: tuple[Any, Token] | None = None
    while True:
        token = reader.peek()
        if token is None:
            break
        if token.token_type in (TokenType.COMMA, TokenType.SEMICOLON):
            reader.next()
            if token.token_type == TokenType.SEMICOLON and reader.peek() is not None:
                raise ProgrammingError("Only one statement per execute() is supported; run them one at a time.")
            continue
        if token.token_type != TokenType.PARAMETER:
            raise reader.error(token, "an argument such as @userId='...'")
        reader.next()
        following = reader.peek()
        double = (
            following is not None and following.token_type == TokenType.PARAMETER and following.start == token.end + 1
        )
        if double:
            reader.next()
        name = _name(reader)
        equals = reader.next()
        if equals.token_type != TokenType.EQ:
            raise reader.error(equals, f"= after @{'@' if double else ''}{name}")
        value = _value(reader)
        if double:
            if name.lower() != "json":
                raise ProgrammingError(f"Unknown argument @@{name}; the only @@ argument is @@json (the request body).")
            if json_arg is not None:
                raise ProgrammingError("@@json is given twice.")
            json_arg = (value, equals)
        else:
            raw.append((name, value, equals))
    values = _bind([v for _, v, _ in raw] + ([json_arg[0]] if json_arg else []), params)
    args = [(name, values[i]) for i, (name, _, _) in enumerate(raw)]
    json_body = _json_body(values[-1]) if json_arg else None
    return ExecStatement(table=table, operation=op, args=args, json_body=json_body)


def _method(reader: _Reader) -> tuple[Table, Operation]:
    parts: list[str] = []
    while True:
        token = reader.next()
        if token.token_type == TokenType.STRING or not (token.text.replace("_", "").isalnum()):
            raise reader.error(token, "a method name such as okta.users.factors.verify_factor")
        parts.append(token.text)
        following = reader.peek()
        if following is None or following.token_type != TokenType.DOT:
            break
        reader.next()
    if len(parts) < 2:
        raise ProgrammingError(
            f"EXEC needs <table>.<method>, e.g. EXEC okta.users.factors.verify_factor; got {'.'.join(parts)!r}."
        )
    table = require_table(parts[:-1])
    op = table.operation(parts[-1])
    methods = [o.name for o in table.operations_for("exec")]
    if op is None or op.verb != "exec":
        hint = ""
        if op is not None and op.verb in ("insert", "delete"):
            hint = (
                f" {op.name} runs as {'INSERT INTO' if op.verb == 'insert' else 'DELETE FROM'} {table.qualified_name}."
            )
        raise ProgrammingError(
            f"{table.qualified_name} has no EXEC method {parts[-1]!r}; the methods are {', '.join(methods)}.{hint}"
        )
    return table, op


def _name(reader: _Reader) -> str:
    """A name, possibly hyphenated (``X-Forwarded-For``): words and dashes with no space between."""
    first = reader.next()
    if not _word(first):
        raise reader.error(first, "an argument name")
    text = first.text
    last = first
    while True:
        dash, word = reader.peek(), reader.peek(1)
        if (
            dash is None
            or word is None
            or dash.token_type != TokenType.DASH
            or dash.start != last.end + 1
            or word.start != dash.end + 1
            or not _word(word)
        ):
            return text
        reader.next()
        reader.next()
        text += "-" + word.text
        last = word


def _word(token: Token) -> bool:
    if token.token_type in (TokenType.VAR, TokenType.IDENTIFIER):
        return True
    return token.token_type not in (TokenType.STRING, TokenType.NUMBER) and token.text.replace("_", "").isalnum()


def _value(reader: _Reader) -> Any:
    token = reader.next()
    kind = token.token_type
    if kind == TokenType.STRING:
        return token.text
    if kind == TokenType.NUMBER:
        return _number(token.text)
    if kind == TokenType.DASH:
        number = reader.next()
        if number.token_type != TokenType.NUMBER:
            raise reader.error(number, "a number after -")
        return -_number(number.text)
    if kind in _LITERALS:
        return _LITERALS[kind]
    if kind == TokenType.PLACEHOLDER and token.text == "?":
        return _Placeholder(None)
    if kind == TokenType.COLON:
        name = reader.next()
        if not _word(name) or name.start != token.end + 1:
            raise reader.error(name, "a parameter name after :")
        return _Placeholder(name.text)
    raise reader.error(token, "a value: a 'string', a number, TRUE, FALSE, NULL, ? or :name")


def _number(text: str) -> int | float:
    return number_literal(text)


@dataclass(frozen=True)
class _Placeholder:
    name: str | None  # None for ``?``


def _bind(values: list[Any], params: Params) -> list[Any]:
    """Replace placeholders by parameter values (``?`` in order, or ``:name`` from a mapping)."""
    holders = [v for v in values if isinstance(v, _Placeholder)]
    positional = [h for h in holders if h.name is None]
    if positional and len(positional) != len(holders):
        raise ProgrammingError("Mix of ? and :name placeholders; use one style per statement.")
    if not holders:
        if params:
            raise ProgrammingError("Parameters were given but the statement has no placeholders.")
        return values
    if positional:
        if params is None or isinstance(params, (Mapping, str, bytes)):
            raise ProgrammingError(
                f"The statement has {len(positional)} ? placeholder(s); pass the values as a sequence."
            )
        if len(params) != len(positional):
            raise ProgrammingError(
                f"The statement has {len(positional)} ? placeholder(s) but {len(params)} parameter(s) were given."
            )
        supplied = iter(params)
        return [next(supplied) if isinstance(v, _Placeholder) else v for v in values]
    if not isinstance(params, Mapping):
        raise ProgrammingError("The statement uses :name placeholders; pass the values as a mapping.")
    out = []
    for v in values:
        if isinstance(v, _Placeholder):
            assert v.name is not None
            if v.name not in params:
                raise ProgrammingError(f"No value was given for the parameter :{v.name}.")
            out.append(params[v.name])
        else:
            out.append(v)
    return out


def _json_body(value: Any) -> dict[str, Any] | None:
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError as e:
            raise DataError(f"@@json must be a JSON object: {e}.") from None
    if not isinstance(value, dict):
        raise DataError(f"@@json must be a JSON object, not {type(value).__name__}.")
    return value
