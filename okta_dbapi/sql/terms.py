"""Small readers of SQL terms: conjuncts, literals, ``OR`` lists, JSON paths, Okta strings."""

from __future__ import annotations

from typing import Any

from sqlglot import exp


def and_terms(condition: Any) -> list[exp.Expression]:
    if condition is None:
        return []
    if isinstance(condition, exp.Paren):
        return and_terms(condition.this)
    if isinstance(condition, exp.And):
        return and_terms(condition.left) + and_terms(condition.right)
    return [condition]


def literal_value(node: exp.Expression) -> tuple[bool, Any]:
    """(True, value) for a literal (NULL is None), else (False, None)."""
    if isinstance(node, exp.Null):
        return True, None
    if isinstance(node, exp.Literal):
        if node.is_string:
            return True, node.this
        text = node.this
        try:
            return True, int(text)
        except ValueError:
            try:
                return True, float(text)
            except ValueError:
                return False, None
    if isinstance(node, exp.Boolean):
        return True, node.this
    if isinstance(node, exp.Neg) and isinstance(node.this, exp.Literal) and not node.this.is_string:
        ok, value = literal_value(node.this)
        return ok, -value if ok else None
    return False, None


def key_text(value: Any) -> str:
    """A literal as SQLite compares it with a TEXT column (``TRUE`` is 1)."""
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


def or_as_in(term: exp.Or) -> exp.In | None:
    """``a = 1 OR a = 2 OR a IN (3)`` as ``a IN (1, 2, 3)``; None for any other disjunction."""
    column: exp.Column | None = None
    values: list[exp.Expression] = []
    stack: list[Any] = [term]
    while stack:
        node = stack.pop()
        while isinstance(node, exp.Paren):
            node = node.this
        if isinstance(node, exp.Or):
            stack.extend((node.right, node.left))
            continue
        if isinstance(node, exp.EQ) and isinstance(node.this, exp.Column) and literal_value(node.expression)[0]:
            col, found = node.this, [node.expression.copy()]
        elif isinstance(node, exp.EQ) and isinstance(node.expression, exp.Column) and literal_value(node.this)[0]:
            col, found = node.expression, [node.this.copy()]
        elif isinstance(node, exp.In) and isinstance(node.this, exp.Column) and not node.args.get("query"):
            col, found = node.this, [e.copy() for e in node.expressions]
        else:
            return None
        if column is not None and (col.name.lower(), col.table.lower()) != (column.name.lower(), column.table.lower()):
            return None
        column = col
        values.extend(found)
    if column is None:
        return None
    # Copies: building the new node must not re-parent the query's own nodes.
    return exp.In(this=column.copy(), expressions=values)


def okta_string(value: Any) -> str:
    return str(value).replace("\\", "\\\\").replace('"', '\\"')


def profile_attribute(node: exp.Expression) -> str | None:
    """The profile attribute read by ``profile->>'x'``, ``profile->>'$.x'`` or json_extract(profile, '$.x').

    ``profile->'x'`` is not one: SQLite's ``->`` returns JSON text (``'"x"'``), which equals no
    plain string, so it pushes nothing; nor is json_extract() of several paths (a JSON array).
    """
    if isinstance(node, exp.JSONExtract) and "only_json_types" in node.args:
        return None  # the arrow form; sqlglot parses json_extract() without that argument
    if not isinstance(node, (exp.JSONExtractScalar, exp.JSONExtract)):
        return None
    if node.args.get("expressions"):
        return None  # json_extract(profile, '$.a', '$.b') is a JSON array of both, never a plain string
    column = node.this
    if not isinstance(column, exp.Column) or column.name.lower() != "profile":
        return None
    path = node.expression
    if isinstance(path, exp.JSONPath):
        keys = path.expressions
        if len(keys) == 2 and isinstance(keys[0], exp.JSONPathRoot) and isinstance(keys[1], exp.JSONPathKey):
            name = keys[1].this
            return name if isinstance(name, str) and name.replace("_", "").isalnum() else None
    return None
