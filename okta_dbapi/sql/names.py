"""Output column names as SQLite gives them: an expression without an alias is named by its text
as the user wrote it (``count(*)``, ``?``), not by sqlglot's rewriting of it (``COUNT(*)``) nor by
a parameter's bound value."""

from __future__ import annotations

import functools
from collections.abc import Iterator

from sqlglot import exp
from sqlglot.tokens import Token, TokenType

from okta_dbapi.exceptions import ProgrammingError
from okta_dbapi.sql.parse import tokenize

_OPEN = (TokenType.L_PAREN, TokenType.L_BRACKET)
_CLOSE = (TokenType.R_PAREN, TokenType.R_BRACKET)
_AFTER_PROJECTIONS = {
    TokenType.FROM,
    TokenType.WHERE,
    TokenType.GROUP_BY,
    TokenType.HAVING,
    TokenType.WINDOW,
    TokenType.ORDER_BY,
    TokenType.LIMIT,
    TokenType.OFFSET,
    TokenType.UNION,
    TokenType.EXCEPT,
    TokenType.INTERSECT,
    TokenType.SEMICOLON,
}


def name_as_written(ast: exp.Expression, text: str) -> None:
    """Alias each unaliased expression of every SELECT list in the statement (CTEs and subqueries
    too: their names are what ``SELECT *`` over them shows) with its text in ``text``, the SQL the
    AST was parsed from. Columns and stars keep SQLite's own names."""
    lists = _written_lists(text)
    if lists is None:
        return
    selects = list(_selects_in_text_order(ast))
    if len(lists) != len(selects):
        return  # the text and the tree disagree (e.g. SQL rewritten before parsing): keep sqlglot's names
    for select, written in zip(selects, lists):
        if written is None or len(written) != len(select.expressions):
            continue
        for projection, name in zip(list(select.expressions), written):
            if not isinstance(projection, (exp.Alias, exp.Column, exp.Star)):
                projection.replace(exp.alias_(projection.copy(), exp.to_identifier(name, quoted=True)))


@functools.lru_cache(maxsize=256)
def _written_lists(text: str) -> tuple[tuple[str, ...] | None, ...] | None:
    """The projection texts of every SELECT list in ``text``, in text order. Cached by text: a
    statement run again with other parameters is not tokenized again."""
    try:
        tokens = tokenize(text)
    except ProgrammingError:
        return None
    lists = (_projection_texts(text, tokens, i + 1) for i, t in enumerate(tokens) if t.token_type == TokenType.SELECT)
    return tuple(None if texts is None else tuple(texts) for texts in lists)


def _selects_in_text_order(node: exp.Expression) -> Iterator[exp.Select]:
    """Every SELECT in the order its keyword appears in SQLite's grammar: a WITH clause first,
    then the SELECT itself, then what follows its keyword (projections, FROM, WHERE, ...)."""
    with_ = node.args.get("with") or node.args.get("with_")
    if isinstance(with_, exp.Expression):
        yield from _selects_in_text_order(with_)
    if isinstance(node, exp.Select):
        yield node
    for key, value in node.args.items():
        if key in ("with", "with_"):
            continue
        for child in value if isinstance(value, list) else [value]:
            if isinstance(child, exp.Expression):
                yield from _selects_in_text_order(child)


def _projection_texts(text: str, tokens: list[Token], start: int) -> list[str] | None:
    """The SELECT list that starts at ``tokens[start]``, one source text per projection."""
    if start < len(tokens) and tokens[start].token_type in (TokenType.DISTINCT, TokenType.ALL):
        start += 1
    pieces: list[list[Token]] = [[]]
    depth = 0
    for token in tokens[start:]:
        if depth == 0 and token.token_type in _AFTER_PROJECTIONS:
            break
        depth += (token.token_type in _OPEN) - (token.token_type in _CLOSE)
        if depth < 0:  # the end of a parenthesised SELECT
            break
        if depth == 0 and token.token_type == TokenType.COMMA:
            pieces.append([])
            continue
        pieces[-1].append(token)
    if any(not piece for piece in pieces):
        return None
    return [text[piece[0].start : piece[-1].end + 1] for piece in pieces]
