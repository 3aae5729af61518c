"""Bounds on how deeply a statement may nest, so hostile or generated SQL ends in a ProgrammingError
instead of a RecursionError from sqlglot's recursive parser and generator, our AST walks, or SQLite.

Three guards, cheapest first:

- :func:`check_nesting` counts parentheses in the token stream before parsing (``MAX_NESTING``);
- :func:`balance` rewrites long ``AND``/``OR`` chains (which the parser builds as one branch per
  term, e.g. 1000 ANDs from generated SQL) into balanced trees of the same meaning, so they are
  handled rather than refused;
- :func:`check_depth` measures the tree without recursion (``MAX_DEPTH``).

:func:`recursion_guard` is the backstop for whatever still recurses too deep (``NOT NOT NOT ...``
without parentheses, or a caller that is itself deep in the stack): the RecursionError, also when
sqlglot re-raises it as its own error, becomes the same ProgrammingError.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import cast

from sqlglot import exp
from sqlglot.tokens import Token, TokenType

from okta_dbapi.exceptions import ProgrammingError

#: Parentheses (subqueries, function calls, grouping) open at once. sqlglot's parser spends about
#: 20 stack frames per level, so 24 levels stay well inside Python's default limit of 1000.
MAX_NESTING = 24
#: Levels of the parsed tree (a subquery is about 5); the generator spends about 4 frames per level.
MAX_DEPTH = 120
# Chains of AND/OR at least this long are rebalanced; shorter ones are left exactly as written.
_BALANCE_FROM = 8


def too_deep(detail: str) -> ProgrammingError:
    return ProgrammingError(
        f"The statement is too deeply nested ({detail}); okta-dbapi accepts up to {MAX_NESTING} levels of "
        "parentheses and subqueries. Flatten it: join instead of nesting subqueries, use IN (...) instead of "
        "long OR chains, or split it into several statements."
    )


def check_nesting(tokens: Sequence[Token]) -> None:
    """Refuse more than ``MAX_NESTING`` open parentheses before the recursive parser sees them."""
    level = deepest = 0
    for token in tokens:
        if token.token_type == TokenType.L_PAREN:
            level += 1
            deepest = max(deepest, level)
        elif token.token_type == TokenType.R_PAREN:
            level = max(0, level - 1)
    if deepest > MAX_NESTING:
        raise too_deep(f"{deepest} levels of parentheses")


def balance(ast: exp.Expression) -> exp.Expression:
    """Rebalance every long AND/OR chain; AND and OR are associative, so the result is the same."""
    for node in list(_walk(ast)):
        if isinstance(node, exp.Connector) and _chain_head(node):
            terms = _chain_terms(node)
            if len(terms) >= _BALANCE_FROM:
                replacement = _balanced(type(node), terms)
                if node is ast:
                    ast = cast(exp.Expression, replacement)
                else:
                    node.replace(replacement)
    return ast


def _chain_head(node: exp.Connector) -> bool:
    parent = node.parent
    return type(parent) is not type(node)


def _chain_terms(node: exp.Connector) -> list[exp.Expr]:
    kind = type(node)
    terms: list[exp.Expr] = []
    stack: list[exp.Expr] = [node]
    while stack:
        current = stack.pop()
        if type(current) is kind:
            stack.extend((current.right, current.left))
        else:
            terms.append(current)
    return terms


def _balanced(kind: type[exp.Connector], terms: list[exp.Expr]) -> exp.Expr:
    # Each half in parentheses, so SQLite's parser also builds a shallow tree from the SQL text.
    level: list[exp.Expr] = [t.pop() if t.parent is not None else t for t in terms]
    while len(level) > 1:
        paired: list[exp.Expr] = []
        for i in range(0, len(level) - 1, 2):
            paired.append(exp.Paren(this=kind(this=level[i], expression=level[i + 1])))
        if len(level) % 2:
            paired.append(level[-1])
        level = paired
    top = level[0]
    return top.this if isinstance(top, exp.Paren) else top


def check_depth(ast: exp.Expression) -> None:
    """Refuse a tree deeper than ``MAX_DEPTH`` (measured without recursion)."""
    stack: list[tuple[exp.Expression, int]] = [(ast, 1)]
    while stack:
        node, level = stack.pop()
        if level > MAX_DEPTH:
            raise too_deep(f"more than {MAX_DEPTH} levels of expressions")
        stack.extend((child, level + 1) for child in node.iter_expressions())


def _walk(ast: exp.Expression) -> Iterator[exp.Expression]:
    stack = [ast]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(node.iter_expressions())


def caused_by_recursion(error: BaseException) -> bool:
    """True when ``error`` is, or was raised while handling, a RecursionError."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        if isinstance(current, RecursionError):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False


@contextmanager
def recursion_guard() -> Iterator[None]:
    """Turn a RecursionError (or a library error caused by one) into the "too deeply nested" error."""
    try:
        yield
    except Exception as e:
        if caused_by_recursion(e):
            raise too_deep("it needs more stack than Python allows") from None
        raise
