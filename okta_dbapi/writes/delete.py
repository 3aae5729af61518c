"""DELETE FROM okta.users.factors WHERE ...: plan the WHERE like a SELECT, then unenroll each match.

* No WHERE, or a WHERE that names only request parameters (``subdomain``,
  ``removeRecoveryEnrollment``), would unenroll every factor of every user: refused before any
  request. ``WHERE id IS NOT NULL`` says "all of them" on purpose.
* ``removeRecoveryEnrollment = <bool>`` (a top-level AND term) is the unenroll query parameter.
* Unenrolling a ``push`` (or ``signed_nonce``) factor makes Okta unenroll the user's other
  Okta Verify factors too. For such users the factor list is read before and after, so rowcount
  is the number of factors actually removed and the cascaded ones are reported as applied.
  Their other matching factors go first, so none of them vanishes before its own request.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlglot import exp

from okta_dbapi.catalog import Operation, Table, require_table
from okta_dbapi.exceptions import Error, NotSupportedError, OperationalError, ProgrammingError
from okta_dbapi.sql import rows
from okta_dbapi.sql.fetch import Progress
from okta_dbapi.sql.result import Result
from okta_dbapi.sql.select import plan_query, run_select
from okta_dbapi.writes.calls import Call, build_call, param_for
from okta_dbapi.writes.ledger import Ledger, run_call
from okta_dbapi.writes.returning import Returning

if TYPE_CHECKING:
    from okta_dbapi.http.client import OktaClient

CASCADING = frozenset({"push", "signed_nonce"})


@dataclass
class DeletePlan:
    table: Table
    operation: Operation
    select: exp.Select  # the factors to unenroll: SELECT <all columns> FROM ... WHERE ...
    params: list[tuple[str, Any]]  # removeRecoveryEnrollment and the like
    returning: Returning | None
    list_operation: Operation | None = None


def plan_delete(ast: exp.Expression) -> DeletePlan:
    assert isinstance(ast, exp.Delete)
    node = ast.this
    if not isinstance(node, exp.Table):
        raise ProgrammingError("DELETE needs a table: DELETE FROM okta.users.factors WHERE ...")
    for unsupported in ("using", "order", "limit"):
        if ast.args.get(unsupported):
            raise NotSupportedError(f"DELETE ... {unsupported.upper()} is not supported; put the condition in WHERE.")
    parts = [p for p in (node.catalog, node.db, node.name) if p]
    table = require_table(parts)
    op = table.require_operation("delete")
    where = ast.args.get("where")
    condition, params = _take_params(where.this.copy() if where is not None else None, op)
    if condition is None:
        raise ProgrammingError(
            f"DELETE without a WHERE clause would unenroll every factor of every user; refused before any "
            f"request. Say which factors, e.g. DELETE FROM {table.qualified_name} WHERE userId = ? AND id = ? "
            "(or WHERE id IS NOT NULL if you really mean all of them)."
        )
    alias = node.alias_or_name
    select = exp.select(*[exp.column(c.name, table=alias, quoted=True) for c in table.columns])
    select = select.from_(node.copy()).where(condition)
    returning = ast.args.get("returning")
    compiled = Returning(table, returning.expressions) if returning is not None else None
    list_op = next((o for o in table.operations_for("select") if o.returns_list and o.keys == ("userId",)), None)
    return DeletePlan(table, op, select, params, compiled, list_op)


def _take_params(
    condition: exp.Expression | None, op: Operation
) -> tuple[exp.Expression | None, list[tuple[str, Any]]]:
    """Remove ``param = value`` terms from the top-level AND; None when no row condition is left."""
    if condition is None:
        return None, []
    terms = _and_terms(condition)
    params: list[tuple[str, Any]] = []
    kept: list[exp.Expression] = []
    for term in terms:
        pair = _param_term(term, op)
        if pair is not None:
            params.append(pair)
        else:
            kept.append(term)
    for term in kept:
        for column in term.find_all(exp.Column):
            if param_for(op, column.name) is not None:
                raise ProgrammingError(
                    f"{column.name} is a parameter of {op.name}, not a column: use it only as "
                    f"AND {column.name} = <value> at the top level of the WHERE clause."
                )
    rows_named = [t for t in kept if not _only_subdomain(t)]
    if not rows_named:
        return None, params
    combined = kept[0]
    for term in kept[1:]:
        combined = exp.And(this=combined, expression=term)
    return combined, params


def _and_terms(condition: Any) -> list[exp.Expression]:
    if isinstance(condition, exp.Paren):
        return _and_terms(condition.this)
    if isinstance(condition, exp.And):
        return _and_terms(condition.left) + _and_terms(condition.right)
    return [condition]


def _param_term(term: exp.Expression, op: Operation) -> tuple[str, Any] | None:
    if not isinstance(term, exp.EQ):
        return None
    for column, value in ((term.this, term.expression), (term.expression, term.this)):
        if isinstance(column, exp.Column) and param_for(op, column.name) is not None:
            if isinstance(value, exp.Literal):
                return column.name, value.this if value.is_string else value.to_py()
            if isinstance(value, exp.Boolean):
                return column.name, bool(value.this)
            if isinstance(value, exp.Null):
                return column.name, None
            raise ProgrammingError(f"{column.name} must be compared with a literal or a parameter.")
    return None


def _only_subdomain(term: exp.Expression) -> bool:
    columns = list(term.find_all(exp.Column))
    return bool(columns) and all(c.name.lower() == "subdomain" for c in columns)


# -- running ----------------------------------------------------------------------------------


@dataclass
class _Target:
    row: dict[str, Any]
    call: Call
    cascading: bool


@dataclass
class _Outcome:
    removed: int = 0
    deleted: list[dict[str, Any]] = field(default_factory=list)  # rows (for RETURNING)


_USER_STATUS = "__okta_user_status"


def find_targets(plan: DeletePlan, client: OktaClient) -> list[dict[str, Any]]:
    select = plan.select.copy()
    fans_out = any(s.mode == "fanout" for s in plan_query(select.copy(), client).sources)
    if fans_out:
        # The fan-out lists every user anyway: their status comes with no extra call.
        select = _with_user_status(select)
    result = run_select(select, client)
    try:
        names = [d[0] for d in result.description or ()]
        found = [dict(zip(names, r)) for r in result.rows]
    finally:
        result.close()
    unique: dict[tuple[str, str], dict[str, Any]] = {}
    for row in found:
        unique.setdefault((str(row.get("userId")), str(row.get("id"))), row)
    if fans_out:
        _refuse_deprovisioned(list(unique.values()))
    return list(unique.values())


def _with_user_status(select: exp.Select) -> exp.Select:
    from_ = select.args.get("from_") or select.args.get("from")
    alias = from_.this.alias_or_name if from_ is not None else "factors"
    owner = "__okta_owner"  # a name no statement's own alias shadows
    status = exp.select(exp.column("status", table=owner)).from_(f"okta.users.users AS {owner}")
    status = status.where(exp.EQ(this=exp.column("id", table=owner), expression=exp.column("userId", table=alias)))
    return select.select(exp.alias_(exp.Subquery(this=status), _USER_STATUS, quoted=True))


def _refuse_deprovisioned(found: list[dict[str, Any]]) -> None:
    """Okta refuses to unenroll a deactivated user's factors (403 E0000006): say so before any request,
    rather than stop half-way through a bulk DELETE."""
    gone = [r for r in found if r.get(_USER_STATUS) == "DEPROVISIONED"]
    for row in found:
        row.pop(_USER_STATUS, None)
    if gone:
        named = ", ".join(f"{r['userId']}/{r['id']}" for r in gone[:5]) + (", ..." if len(gone) > 5 else "")
        raise OperationalError(
            f"DELETE matches {len(gone)} factor(s) of DEPROVISIONED users ({named}); Okta does not change "
            "the factors of a deactivated user (403 E0000006), so nothing was sent. Leave those users out, e.g. "
            "AND userId IN (SELECT id FROM okta.users.users WHERE status <> 'DEPROVISIONED')."
        )


def ordered_calls(plan: DeletePlan, found: list[dict[str, Any]], subdomain: str) -> list[_Target]:
    """One unenroll per factor, grouped by user; a user's push/signed_nonce factors last."""
    by_user: dict[str, list[dict[str, Any]]] = {}
    for row in found:
        by_user.setdefault(str(row["userId"]), []).append(row)
    targets: list[_Target] = []
    for user_rows in by_user.values():
        user_rows.sort(key=lambda r: r.get("factorType") in CASCADING)
        for row in user_rows:
            values = [("userId", row["userId"]), ("factorId", row["id"]), *plan.params]
            call = build_call(plan.table, plan.operation, values, subdomain=subdomain, row=len(targets) + 1)
            call.facts = {"factorType": row.get("factorType")}
            targets.append(_Target(row, call, row.get("factorType") in CASCADING))
    return targets


def run_delete(ast: exp.Expression, client: OktaClient, progress: Progress | None) -> Result:
    plan = plan_delete(ast)
    targets = ordered_calls(plan, find_targets(plan, client), client.settings.subdomain)
    ledger = Ledger("DELETE", len(targets), progress)
    outcome = _Outcome()
    for user_targets in _by_user(targets):
        _unenroll_user(plan, client, user_targets, targets, ledger, outcome)
    if plan.returning is not None:
        return plan.returning.result(outcome.deleted, rowcount=outcome.removed)
    return Result(description=None, rows=iter(()), rowcount=outcome.removed)


def _by_user(targets: list[_Target]) -> Iterator[list[_Target]]:
    group: list[_Target] = []
    for t in targets:
        if group and t.call.path["userId"] != group[0].call.path["userId"]:
            yield group
            group = []
        group.append(t)
    if group:
        yield group


def _unenroll_user(
    plan: DeletePlan,
    client: OktaClient,
    mine: list[_Target],
    everything: list[_Target],
    ledger: Ledger,
    outcome: _Outcome,
) -> None:
    user = mine[0].call.path["userId"]
    cascades = any(t.cascading for t in mine)
    first = mine[0].call.row
    before = _list(plan, client, user, ledger, everything, first, None) if cascades else None
    current = dict(before) if before is not None else None
    gone: set[str] = set()
    for t in mine:
        factor_id = t.call.path["factorId"]
        if current is not None and factor_id not in current:
            continue  # already removed by the cascade of an earlier push; reported below
        try:
            run_call(client, t.call)
        except Error as e:
            rest = [x.call.label() for x in everything if x.call.row > t.call.row]
            raise ledger.failure(e, t.call, rest) from e
        ledger.tick()
        ledger.record(t.call.label())
        gone.add(factor_id)
        outcome.deleted.append(t.row)
        if t.cascading and current is not None:
            after = _list(plan, client, user, ledger, everything, t.call.row + 1, t.call)
            for fid, item in current.items():
                if fid not in after and fid not in gone:
                    gone.add(fid)
                    ledger.record(
                        {
                            "userId": user,
                            "factorId": fid,
                            "factorType": item.get("factorType"),
                            "removed_with": factor_id,
                        }
                    )
                    outcome.deleted.append(rows.api_row(plan.table, item, {"userId": user}))
            current = after
    outcome.removed += len(gone)


def _list(
    plan: DeletePlan,
    client: OktaClient,
    user: str,
    ledger: Ledger,
    everything: list[_Target],
    next_row: int,
    after: Call | None,
) -> dict[str, dict[str, Any]]:
    """The user's factors by id, read before and after unenrolling a push (Okta's cascade)."""
    op = plan.list_operation
    assert op is not None
    try:
        body = client.call(op.method, op.path, {"userId": user}).body
    except Error as e:
        rest = [x.call.label() for x in everything if x.call.row >= next_row]
        when = (
            f"row {after.row}, reading the factors of user {user} again to see what Okta's cascade removed"
            if after
            else (f"row {next_row}, reading the factors of user {user} before unenrolling")
        )
        raise ledger.failure(e, None, rest, when) from e
    return {str(item["id"]): item for item in body or [] if isinstance(item, dict) and "id" in item}
