"""Running an EXEC: one request, its answer as a one-row result set.

* ``activate_factor`` / ``resend_enroll_factor`` answer with the factor: the table's columns.
* ``verify_factor`` answers with the verification: ``factorResult`` (SUCCESS, CHALLENGE,
  WAITING, ...), and for a push the ``transactionId`` and the ``pollUrl`` to follow it with
  ``SELECT factorResult FROM okta.users.factors WHERE userId=? AND factorId=? AND transactionId=?``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from okta_dbapi.exceptions import Error
from okta_dbapi.sql import rows
from okta_dbapi.sql.fetch import Progress
from okta_dbapi.sql.parse import Params
from okta_dbapi.sql.result import Result
from okta_dbapi.writes.calls import Call, build_call
from okta_dbapi.writes.exec_ import ExecStatement, parse_exec
from okta_dbapi.writes.ledger import Ledger, run_call
from okta_dbapi.writes.returning import Returning, fixed_result, star

if TYPE_CHECKING:
    from okta_dbapi.http.client import OktaClient

VERIFY_COLUMNS = (
    ("userId", "string"),
    ("factorId", "string"),
    ("factorResult", "string"),
    ("transactionId", "string"),
    ("pollUrl", "string"),
    ("expiresAt", "datetime"),
    ("factorMessage", "string"),
    ("profile", "json"),
    ("_embedded", "json"),
    ("_links", "json"),
)


def prepare_exec(sql: str, params: Params, subdomain: str) -> tuple[ExecStatement, Call]:
    statement = parse_exec(sql, params)
    call = build_call(statement.table, statement.operation, statement.args, subdomain=subdomain, what="argument")
    if statement.json_body is not None:
        call.body = {**statement.json_body, **(call.body or {})}
    return statement, call


def run_exec(sql: str, params: Params, client: OktaClient, progress: Progress | None) -> Result:
    statement, call = prepare_exec(sql, params, client.settings.subdomain)
    ledger = Ledger("EXEC", 1, progress)
    try:
        body = run_call(client, call)
    except Error as e:
        raise ledger.failure(e, call, []) from e
    ledger.tick()
    item = body if isinstance(body, dict) else {}
    if statement.operation.name == "verify_factor":
        return fixed_result(VERIFY_COLUMNS, [verify_row(call, item)], rowcount=1)
    table = statement.table
    return Returning(table, star(table)).result([rows.api_row(table, item, call.path)], rowcount=1)


def verify_row(call: Call, item: dict[str, Any]) -> dict[str, Any]:
    links = item.get("_links") if isinstance(item.get("_links"), dict) else {}
    poll = links.get("poll") if isinstance(links, dict) else None
    poll_url = poll.get("href") if isinstance(poll, dict) else None
    transaction = (
        poll_url.rstrip("/").rsplit("/transactions/", 1)[1] if poll_url and "/transactions/" in poll_url else None
    )
    return {
        "userId": call.path.get("userId"),
        "factorId": call.path.get("factorId"),
        "factorResult": item.get("factorResult"),
        "transactionId": transaction,
        "pollUrl": poll_url,
        "expiresAt": item.get("expiresAt"),
        "factorMessage": item.get("factorMessage") or item.get("factorResultMessage"),
        "profile": item.get("profile"),
        "_embedded": item.get("_embedded"),
        "_links": item.get("_links"),
    }
