"""Turn SQL text and parameters into a bound sqlglot AST.

Positional ``?`` placeholders are renamed to ``:_p0``, ``:_p1``, ... by token offsets before
parsing, so every placeholder is named and binding never depends on AST traversal order. Values
are bound into the AST as literals; they never pass through SQL text.
"""

from __future__ import annotations

import difflib
import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, TokenError
from sqlglot.tokens import Token, TokenType

from okta_dbapi.exceptions import ProgrammingError
from okta_dbapi.sql import depth
from okta_dbapi.sql.dialect import DIALECT
from okta_dbapi.sql.values import Params, check_params, check_text, to_literal
from okta_dbapi.sql.values import format_timestamp as format_timestamp  # re-exported: older import path

_POSITIONAL_PREFIX = "_p"
_TOKEN_REPR = re.compile(r"<Token token_type: [^,]*, text: ([^,]*),[^>]*>")


@dataclass
class Statement:
    """One parsed statement: ``kind`` is select/insert/delete/exec/update/other."""

    kind: str
    sql: str
    ast: exp.Expression | None
    explain: bool = False
    # Set for statements parsed elsewhere (EXEC): the parameters still to bind.
    params: Params = None


def tokenize(sql: str) -> list[Token]:
    try:
        return list(DIALECT.tokenize(sql))
    except TokenError as e:
        raise ProgrammingError(f"Could not read the SQL: {e}") from e


def split_explain(sql: str) -> tuple[bool, str]:
    """Strip a leading ``EXPLAIN`` keyword; return whether it was there."""
    tokens = tokenize(sql)
    if tokens and tokens[0].text.upper() == "EXPLAIN":
        return True, sql[tokens[0].end + 1 :]
    return False, sql


def name_positional_placeholders(sql: str) -> tuple[str, int]:
    """Rewrite each ``?`` placeholder as ``:_pN``; return the SQL and how many there were."""
    tokens = tokenize(sql)
    pieces: list[str] = []
    last = 0
    count = 0
    for token in tokens:
        if token.token_type == TokenType.PLACEHOLDER and token.text == "?":
            pieces.append(sql[last : token.start])
            pieces.append(f":{_POSITIONAL_PREFIX}{count}")
            last = token.end + 1
            count += 1
    pieces.append(sql[last:])
    return "".join(pieces), count


_NAME_TOKENS = (TokenType.VAR, TokenType.IDENTIFIER)


def quote_hyphenated_insert_columns(sql: str) -> str:
    """Quote unquoted hyphenated names (``Accept-Language``) in an INSERT's column list.

    StackQL writes header parameters such as ``Accept-Language`` unquoted among the columns;
    SQL would read them as subtractions. Only the first parenthesised list after
    ``INSERT INTO <table>`` is rewritten, by token offsets, so strings and comments are untouched.
    """
    tokens = tokenize(sql)
    if not tokens or tokens[0].token_type != TokenType.INSERT:
        return sql
    start = next((i for i, t in enumerate(tokens) if t.token_type == TokenType.L_PAREN), None)
    if start is None:
        return sql
    pieces: list[str] = []
    last = 0
    i = start + 1
    while i < len(tokens) and tokens[i].token_type != TokenType.R_PAREN:
        j = i
        # A run of words joined by '-' with no space in between: Accept-Language, X-Forwarded-For.
        while (
            j + 2 < len(tokens)
            and tokens[j + 1].token_type == TokenType.DASH
            and tokens[j].end + 1 == tokens[j + 1].start
            and tokens[j + 1].end + 1 == tokens[j + 2].start
            and _is_word(tokens[j])
            and _is_word(tokens[j + 2])
        ):
            j += 2
        if j > i:
            pieces.append(sql[last : tokens[i].start])
            pieces.append('"' + sql[tokens[i].start : tokens[j].end + 1] + '"')
            last = tokens[j].end + 1
        i = j + 1
    pieces.append(sql[last:])
    return "".join(pieces)


def _is_word(token: Token) -> bool:
    if token.token_type in _NAME_TOKENS:
        return True
    return token.token_type not in (TokenType.STRING, TokenType.NUMBER) and token.text.replace("_", "").isalnum()


def parse_sql(sql: str) -> exp.Expression:
    """Parse one statement, mapping sqlglot's errors to a ProgrammingError that names the position."""
    try:
        statements = sqlglot.parse(sql, dialect=DIALECT)
    except ParseError as e:
        _check_first_word(sql)
        detail = e.errors[0] if e.errors else {}
        where = f" at line {detail.get('line')}, column {detail.get('col')}" if detail else ""
        near = detail.get("highlight")
        near_text = f" near {near!r}" if near else ""
        description = _TOKEN_REPR.sub(r"'\1'", detail.get("description") or str(e))
        if "<class " in description:  # sqlglot's internals mean nothing to a user
            description = "this is not valid SQL here; check the keywords and commas around it"
        raise ProgrammingError(f"Syntax error{where}{near_text}: {description}") from e
    except TokenError as e:
        raise ProgrammingError(f"Could not read the SQL: {e}") from e
    found: list[exp.Expression] = [s for s in statements if isinstance(s, exp.Expression)]
    if not found:
        raise ProgrammingError("The statement is empty.")
    if len(found) > 1:
        raise ProgrammingError("Only one statement per execute() is supported; run them one at a time.")
    return found[0]


_STATEMENT_WORDS = ("SELECT", "WITH", "INSERT", "DELETE", "UPDATE", "EXEC", "EXPLAIN", "VALUES")


def _check_first_word(sql: str) -> None:
    """A statement that does not start with a statement keyword is wrong at its first word, wherever
    sqlglot noticed (``SELEC * FROM t`` reads as ``SELEC AS *`` until ``FROM``)."""
    tokens = tokenize(sql)
    if not tokens or tokens[0].token_type == TokenType.L_PAREN:
        return
    first = tokens[0]
    word = first.text.upper()
    if word in _STATEMENT_WORDS or not _is_word(first):
        return
    close = difflib.get_close_matches(word, _STATEMENT_WORDS, n=1, cutoff=0.6)
    guess = f"did you mean {close[0]}? " if close else ""
    raise ProgrammingError(
        f"Syntax error at line {first.line}, column {first.col - len(first.text) + 1} near {first.text!r}: "
        f"{guess}A statement starts with {', '.join(_STATEMENT_WORDS[:-1])} or {_STATEMENT_WORDS[-1]}."
    )


def bind(ast: exp.Expression, params: Params, positional_count: int) -> exp.Expression:
    """Replace every placeholder in ``ast`` by its parameter value, checking counts and names."""
    params = check_params(params)
    placeholders = [p for p in ast.find_all(exp.Placeholder)]
    if positional_count and any(not _is_positional(p) for p in placeholders):
        raise ProgrammingError("Mix of ? and :name placeholders; use one style per statement.")
    if positional_count:
        if params is None or isinstance(params, (Mapping, str, bytes)):
            raise ProgrammingError(
                f"The statement has {positional_count} ? placeholder(s); pass the values as a sequence."
            )
        if len(params) != positional_count:
            raise ProgrammingError(
                f"The statement has {positional_count} ? placeholder(s) but {len(params)} parameter(s) were given."
            )
        values: Mapping[str, Any] = {f"{_POSITIONAL_PREFIX}{i}": v for i, v in enumerate(params)}
    elif placeholders:
        if not isinstance(params, Mapping):
            raise ProgrammingError("The statement uses :name placeholders; pass the values as a mapping.")
        values = params
    else:
        if params:
            raise ProgrammingError("Parameters were given but the statement has no placeholders.")
        return ast
    for placeholder in placeholders:
        name = placeholder.name
        if name not in values:
            raise ProgrammingError(f"No value was given for the parameter :{name}.")
        placeholder.replace(to_literal(values[name]))
    return ast


def _is_positional(placeholder: exp.Placeholder) -> bool:
    return placeholder.name.startswith(_POSITIONAL_PREFIX) and placeholder.name[2:].isdigit()


def statement_kind(ast: exp.Expression) -> str:
    if isinstance(ast, (exp.Select, exp.Union, exp.Intersect, exp.Except, exp.Subquery)):
        return "select"
    if isinstance(ast, exp.Insert):
        return "insert"
    if isinstance(ast, exp.Delete):
        return "delete"
    if isinstance(ast, exp.Update):
        return "update"
    return "other"


@dataclass(frozen=True)
class _Parsed:
    explain: bool
    body: str
    kind: str
    ast: exp.Expression | None
    positional: int


@functools.lru_cache(maxsize=256)
def _parse_cached(sql: str) -> _Parsed:
    """Parse once per distinct SQL text: scripts run the same statement with new parameters."""
    with depth.recursion_guard():
        explain, body = split_explain(sql)
        tokens = tokenize(body)
        depth.check_nesting(tokens)
        if tokens and tokens[0].text.upper() in ("EXEC", "EXECUTE"):
            return _Parsed(explain, body, "exec", None, 0)
        named_sql, positional = name_positional_placeholders(quote_hyphenated_insert_columns(body))
        ast = depth.balance(parse_sql(named_sql))
        depth.check_depth(ast)
        return _Parsed(explain, body, statement_kind(ast), ast, positional)


def prepare(sql: str, params: Params = None) -> Statement:
    """Parse ``sql`` (with an optional leading EXPLAIN) and bind ``params`` into a copy of it."""
    if not isinstance(sql, str):
        raise ProgrammingError(f"The operation must be a SQL string, not {type(sql).__name__}.")
    check_text(sql, "The SQL text")
    parsed = _parse_cached(sql)
    if parsed.ast is None:
        return Statement(
            kind=parsed.kind, sql=parsed.body, ast=None, explain=parsed.explain, params=check_params(params)
        )
    ast = bind(parsed.ast.copy(), params, parsed.positional)
    return Statement(kind=parsed.kind, sql=parsed.body, ast=ast, explain=parsed.explain)
