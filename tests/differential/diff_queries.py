"""Hypothesis strategies for SQL over the four tables, drawn from the org's own values.

Every strategy yields a :class:`Query` whose text the driver runs as written and the oracle runs
after ``okta.users.`` becomes ``users.``. The factor key ``factorId`` (a WHERE key, not a column)
is written ``@@FID@@`` while generating: the driver reads ``factorId``, the oracle the column ``id``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from diff_compare import Query
from diff_world import Pools
from hypothesis import settings
from hypothesis import strategies as st

FID = "@@FID@@"
USER_STATUSES = ("ACTIVE", "STAGED", "PROVISIONED", "RECOVERY", "LOCKED_OUT", "PASSWORD_EXPIRED", "SUSPENDED")
DEPROVISIONED = "DEPROVISIONED"
MISSING_USER = "00u0000000missing1d7"
MISSING_FACTOR = "smsDoesNotExist00000"
FACTOR_TYPES = ("sms", "email", "push", "token:software:totp", "question", "call", "webauthn", "token:hardware")
DEPARTMENTS = ("Engineering", "Sales", "Marketing", "Finance", "Legal", "IT", "Nowhere")
TITLES = ("Engineer", "Manager", "Director", "Analyst", "Intern")
USER_TIMES = ("created", "lastUpdated", "lastLogin", "statusChanged", "activated", "passwordChanged")
FACTOR_TIMES = ("created", "lastUpdated")
USERS_NAMES = ("okta.users.users", "users.users", "users")
FACTORS_NAMES = ("okta.users.factors", "users.factors", "factors")

Draw = Callable[[st.SearchStrategy[Any]], Any]


def share(fraction: float) -> int:
    """A fraction of the loaded profile's examples: the seeded CI run stays near a minute, while
    OKTA_DBAPI_HYPOTHESIS_EXAMPLES=N (the "long" profile) scales every property alike."""
    return max(5, round(settings.default.max_examples * fraction))


def lit(value: str | None) -> str:
    if value is None:
        return "NULL"
    return "'" + value.replace("'", "''") + "'"


def make(template: str, ordered: bool = False, sees_transactions: bool = False) -> Query:
    """A Query from a template: ``@@FID@@`` is ``factorId`` for the driver, ``id`` for the oracle."""
    if FID not in template:
        return Query(template, ordered, sees_transactions)
    return Query(template.replace(FID, "factorId"), ordered, sees_transactions, template.replace(FID, "id"))


class Gen:
    """The grammar. ``q`` is a column prefix: ``''``, ``'u.'``, ``'users.'``..."""

    def __init__(self, pools: Pools) -> None:
        self.p = pools

    # -- values ------------------------------------------------------------------------------
    def user_key(self, draw: Draw) -> str:
        p = self.p
        kind = draw(st.sampled_from(("id", "id", "id", "deprov", "missing", "login", "short", "me", "null")))
        if kind == "id":
            return lit(draw(st.sampled_from(p.user_ids)))
        if kind == "deprov":
            return lit(draw(st.sampled_from(p.deprovisioned_ids)))
        if kind == "missing":
            return lit(MISSING_USER)
        login = draw(st.sampled_from(p.logins))
        if kind == "login":
            return lit(login)
        if kind == "short":
            return lit(login.split("@")[0])
        return lit("me") if kind == "me" else "NULL"

    def key_list(self, draw: Draw, key: Callable[[Draw], str]) -> str:
        return "(" + ", ".join(key(draw) for _ in range(draw(st.integers(0, 4)))) + ")"

    def login_lit(self, draw: Draw) -> str:
        login = draw(st.sampled_from(self.p.logins))
        form = draw(st.sampled_from(("same", "same", "upper", "lower", "missing")))
        return lit(
            {"same": login, "upper": login.upper(), "lower": login.lower(), "missing": "no.one@example.com"}[form]
        )

    def timestamp(self, draw: Draw) -> str:
        """A timestamp literal in one of the forms users write, near a real value (boundaries)."""
        if draw(st.booleans()) and draw(st.booleans()):
            return lit(draw(st.sampled_from(("2019", "2020", "2021", "2019-06-01", "2020-01-01T00:00:00.000Z"))))
        text = draw(st.sampled_from(self.p.timestamps))
        value = dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=dt.timezone.utc)
        value += dt.timedelta(seconds=draw(st.sampled_from((0, 0, -1, 1, 3600))))
        form = draw(st.sampled_from(("okta", "nomillis", "space", "offset", "compact", "date", "year")))
        if form == "okta":
            return lit(value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z")
        if form == "nomillis":
            return lit(value.strftime("%Y-%m-%dT%H:%M:%SZ"))
        if form == "space":
            return lit(value.strftime("%Y-%m-%d %H:%M:%S"))
        if form == "offset":
            return lit(value.astimezone(dt.timezone(dt.timedelta(hours=2))).isoformat(timespec="seconds"))
        if form == "compact":
            return lit(value.strftime("%Y%m%d"))
        return lit(value.strftime("%Y-%m-%d" if form == "date" else "%Y"))

    def time_atom(self, draw: Draw, q: str, columns: tuple[str, ...]) -> str:
        col = q + draw(st.sampled_from(columns))
        op = draw(st.sampled_from(("<", "<=", ">", ">=", "=", "!=", "BETWEEN")))
        if op == "BETWEEN":
            return f"{col} BETWEEN {self.timestamp(draw)} AND {self.timestamp(draw)}"
        return f"{col} {op} {self.timestamp(draw)}"

    # -- users -------------------------------------------------------------------------------
    def status_lit(self, draw: Draw) -> str:
        return lit(draw(st.sampled_from((*USER_STATUSES, DEPROVISIONED, DEPROVISIONED, "active", "BOGUS"))))

    def user_atom(self, draw: Draw, q: str) -> str:
        kind = draw(
            st.sampled_from(
                (
                    "id",
                    "id_in",
                    "status",
                    "status",
                    "status_in",
                    "login",
                    "profile",
                    "profile",
                    "time",
                    "time",
                    "null",
                    "tricky",
                )
            )
        )
        if kind == "id":
            return f"{q}id = {self.user_key(draw)}"
        if kind == "id_in":
            neg = draw(st.sampled_from(("", "", "NOT ")))
            return f"{q}id {neg}IN {self.key_list(draw, self.user_key)}"
        if kind == "status":
            op = draw(st.sampled_from(("=", "=", "!=")))
            return f"{q}status {op} {self.status_lit(draw)}"
        if kind == "status_in":
            neg = draw(st.sampled_from(("", "", "NOT ")))
            return f"{q}status {neg}IN {self.key_list(draw, self.status_lit)}"
        if kind == "login":
            form = draw(st.sampled_from(("->>", "json_extract", "lower")))
            if form == "->>":
                return f"{q}profile->>'login' = {self.login_lit(draw)}"
            if form == "lower":
                return f"lower({q}profile->>'login') = lower({self.login_lit(draw)})"
            return f"json_extract({q}profile, '$.login') = {self.login_lit(draw)}"
        if kind == "profile":
            return self.profile_atom(draw, q)
        if kind == "time":
            return self.time_atom(draw, q, USER_TIMES)
        if kind == "tricky":
            return self.tricky_user_atom(draw, q)
        col = q + draw(st.sampled_from(("id", "status", "lastLogin", "activated", "transitioningToStatus")))
        return f"{col} {draw(st.sampled_from(('IS NULL', 'IS NOT NULL', '= NULL', '!= NULL')))}"

    def tricky_user_atom(self, draw: Draw, q: str) -> str:
        """Forms that look pushable and are not quite: collations, operands swapped, IS, LIKE."""
        uid = draw(st.sampled_from(self.p.user_ids))
        form = draw(st.integers(0, 8))
        if form == 0:
            return f"{q}id = {lit(uid.lower())} COLLATE NOCASE"
        if form == 1:
            return f"{q}status = {lit(draw(st.sampled_from(('active', 'Deprovisioned'))))} COLLATE NOCASE"
        if form == 2:
            return f"{self.timestamp(draw)} {draw(st.sampled_from(('<', '>=')))} {q}lastUpdated"
        if form == 3:
            return f"{self.status_lit(draw)} = {q}status"
        if form == 4:
            return f"{q}status IS {self.status_lit(draw)}"
        if form == 5:
            return f"{q}id LIKE {lit(uid[:9] + '%')}"
        if form == 6:
            return f"{q}lastUpdated NOT BETWEEN {self.timestamp(draw)} AND {self.timestamp(draw)}"
        if form == 7:
            return f"upper({q}status) = {self.status_lit(draw)}"
        return f"coalesce({q}lastLogin, {q}created) > {self.timestamp(draw)}"

    def profile_atom(self, draw: Draw, q: str) -> str:
        dept = draw(st.sampled_from(DEPARTMENTS))
        form = draw(st.integers(0, 7))
        if form == 0:
            return f"{q}profile->>'department' = {lit(dept)}"
        if form == 1:
            return f"lower({q}profile->>'department') = {lit(dept.lower())}"
        if form == 2:
            return f"json_extract({q}profile, '$.title') = {lit(draw(st.sampled_from(TITLES)))}"
        if form == 3:
            return f"{q}profile->'department' = {lit(chr(34) + dept + chr(34))}"
        if form == 4:
            return f"{q}profile->'department' = {lit(dept)}"  # JSON text never equals the bare string
        if form == 5:
            return f"{q}profile->>'userType' = {lit(draw(st.sampled_from(('Employee', 'Contractor', 'employee'))))}"
        if form == 6:
            depts = ", ".join(lit(d) for d in draw(st.lists(st.sampled_from(DEPARTMENTS), min_size=1, max_size=3)))
            return f"{q}profile->>'department' IN ({depts})"
        return f"{q}profile->>'firstName' LIKE {lit(draw(st.sampled_from(('A%', 'm%', '%a%'))))}"

    def combine(self, draw: Draw, atom: Callable[[Draw], str], depth: int = 0) -> str:
        shape = draw(st.sampled_from(("atom", "atom", "and", "and", "or", "not") if depth < 2 else ("atom",)))
        if shape == "atom":
            return atom(draw)
        if shape == "not":
            return f"NOT ({self.combine(draw, atom, depth + 1)})"
        parts = [self.combine(draw, atom, depth + 1) for _ in range(draw(st.integers(2, 3)))]
        return "(" + f" {shape.upper()} ".join(parts) + ")"

    def user_pred(self, draw: Draw, q: str = "") -> str:
        return self.combine(draw, lambda d: self.user_atom(d, q))

    # -- factors -----------------------------------------------------------------------------
    def factor_key(self, draw: Draw) -> str:
        kind = draw(st.sampled_from(("real", "real", "missing", "null")))
        if kind == "real":
            return lit(draw(st.sampled_from(self.p.factors))[1])
        return lit(MISSING_FACTOR) if kind == "missing" else "NULL"

    def factor_atom(self, draw: Draw, q: str, semijoins: bool = True) -> str:
        kinds = ["user", "user", "user_in", "fid", "type", "status", "provider", "time", "profile", "tricky"]
        if semijoins:
            kinds += ["semi", "semi", "semi"]
        kind = draw(st.sampled_from(kinds))
        if kind == "user":
            return f"{q}userId = {self.user_key(draw)}"
        if kind == "user_in":
            neg = draw(st.sampled_from(("", "", "NOT ")))
            return f"{q}userId {neg}IN {self.key_list(draw, self.user_key)}"
        if kind == "fid":
            col = draw(st.sampled_from((FID, "id")))
            return f"{q}{col} = {self.factor_key(draw)}"
        if kind == "type":
            return f"{q}factorType = {lit(draw(st.sampled_from(FACTOR_TYPES)))}"
        if kind == "status":
            op = draw(st.sampled_from(("=", "!=")))
            return f"{q}status {op} {lit(draw(st.sampled_from(('ACTIVE', 'PENDING_ACTIVATION'))))}"
        if kind == "provider":
            providers = draw(st.lists(st.sampled_from(("OKTA", "GOOGLE", "FIDO", "YUBICO")), max_size=2))
            return f"{q}provider IN ({', '.join(lit(x) for x in providers)})"
        if kind == "time":
            return self.time_atom(draw, q, FACTOR_TIMES)
        if kind == "tricky":
            uid = draw(st.sampled_from(self.p.user_ids))
            return draw(
                st.sampled_from(
                    (
                        f"{q}userId = {lit(uid.lower())} COLLATE NOCASE",
                        f"{lit(uid)} = {q}userId",
                        f"{q}userId IS {lit(uid)}",
                        f"{q}userId LIKE {lit(uid[:9] + '%')}",
                        f"{lit('sms')} = {q}factorType",
                    )
                )
            )
        if kind == "profile":
            return f"{q}profile->>{lit(draw(st.sampled_from(('phoneNumber', 'email', 'credentialId'))))} IS NOT NULL"
        return self.semijoin(draw, q)

    def semijoin(self, draw: Draw, q: str) -> str:
        """A condition on a factor's user, in one of the forms SQL offers for a semi-join."""
        users = draw(st.sampled_from(USERS_NAMES[:2]))
        form = draw(st.sampled_from(("in", "in", "not_in", "exists", "not_exists", "scalar", "limit")))
        outer = q or "factors."
        if form in ("in", "not_in"):
            neg = "NOT " if form == "not_in" else ""
            return f"{q}userId {neg}IN (SELECT id FROM {users} WHERE {self.user_pred(draw)})"
        if form in ("exists", "not_exists"):
            neg = "NOT " if form == "not_exists" else ""
            return (
                f"{neg}EXISTS (SELECT 1 FROM {users} u2 WHERE u2.id = {outer}userId AND {self.user_pred(draw, 'u2.')})"
            )
        if form == "scalar":
            return f"{q}userId = (SELECT id FROM {users} WHERE profile->>'login' = {self.login_lit(draw)})"
        n = draw(st.sampled_from((0, 1, 3, -1)))
        offset = draw(st.sampled_from(("", "", " OFFSET 2", " OFFSET -1")))
        return f"{q}userId IN (SELECT id FROM {users} WHERE {self.user_pred(draw)} ORDER BY id LIMIT {n}{offset})"

    def factor_pred(self, draw: Draw, q: str = "", semijoins: bool = True) -> str:
        return self.combine(draw, lambda d: self.factor_atom(d, q, semijoins))

    # -- whole queries -----------------------------------------------------------------------
    def from_users(self, draw: Draw) -> tuple[str, str]:
        """``FROM`` text and column prefix for a single-table users query."""
        name = draw(st.sampled_from(USERS_NAMES))
        style = draw(st.sampled_from(("bare", "alias", "table")))
        if style == "alias":
            return f"{name} t", "t."
        return name, ("users." if style == "table" else "")

    def from_factors(self, draw: Draw) -> tuple[str, str]:
        name = draw(st.sampled_from(FACTORS_NAMES))
        style = draw(st.sampled_from(("bare", "alias", "table")))
        if style == "alias":
            return f"{name} t", "t."
        return name, ("factors." if style == "table" else "")

    def users_query(self, draw: Draw) -> Query:
        src, q = self.from_users(draw)
        cols = draw(
            st.sampled_from(
                (
                    "*",
                    "{q}id, {q}status",
                    "{q}id, {q}profile->>'login', {q}created",
                    "{q}id, {q}lastUpdated, {q}profile",
                    "{q}id, {q}profile->'department'",
                )
            )
        )
        sql = f"SELECT {cols.format(q=q)} FROM {src} WHERE {self.user_pred(draw, q)}"
        return self.tail(draw, sql, f"{q}id")

    def factors_query(self, draw: Draw) -> Query:
        src, q = self.from_factors(draw)
        cols = draw(
            st.sampled_from(("*", "{q}userId, {q}id, {q}factorType, {q}status", "{q}id, {q}created, {q}profile"))
        )
        sql = f"SELECT {cols.format(q=q)} FROM {src} WHERE {self.factor_pred(draw, q)}"
        return self.tail(draw, sql, f"{q}userId, {q}id")

    def tail(self, draw: Draw, sql: str, key: str) -> Query:
        """Nothing, a total ORDER BY (maybe with LIMIT/OFFSET), or LIMIT -1 (all rows, in any order)."""
        form = draw(st.sampled_from(("none", "none", "order", "order_limit", "all")))
        if form == "none":
            return make(sql)
        if form == "all":
            return make(sql + " LIMIT -1" + draw(st.sampled_from(("", " OFFSET -1", " OFFSET 0"))))
        desc = draw(st.sampled_from(("", " DESC")))
        order = ", ".join(k + desc for k in key.split(", "))
        if form == "order":
            return make(f"{sql} ORDER BY {order}", ordered=True)
        n = draw(st.sampled_from((0, 1, 2, 5, -1)))
        offset = draw(st.sampled_from(("", " OFFSET 1", " OFFSET 3", " OFFSET -1")))
        return make(f"{sql} ORDER BY {order} LIMIT {n}{offset}", ordered=True)

    def join_query(self, draw: Draw) -> Query:
        users = draw(st.sampled_from(USERS_NAMES))
        factors = draw(st.sampled_from(FACTORS_NAMES))
        kind = draw(st.sampled_from(("JOIN", "JOIN", "LEFT JOIN")))
        where = f"{self.user_pred(draw, 'u.')} AND {self.factor_pred(draw, 'f.', semijoins=False)}"
        if draw(st.booleans()):
            where = self.user_pred(draw, "u.")
        sql = (
            f"SELECT u.id, u.status, f.id, f.factorType FROM {users} u {kind} {factors} f "
            f"ON f.userId = u.id WHERE {where}"
        )
        return make(sql)

    def aliased_join_query(self, draw: Draw) -> Query:
        """Aliases that are other tables' names: ``factors users``, ``users factors``."""
        pred = self.factor_pred(draw, "users.", semijoins=False)
        upred = self.user_pred(draw, "factors.")
        sql = (
            f"SELECT users.id, factors.id FROM okta.users.factors users JOIN okta.users.users factors "
            f"ON users.userId = factors.id WHERE {pred} AND {upred}"
        )
        return make(sql)

    def users_semijoin_query(self, draw: Draw) -> Query:
        """Users by a condition on their factors."""
        fp = self.factor_pred(draw, "f.", semijoins=False)
        form = draw(st.sampled_from(("in", "exists", "not_exists", "join")))
        if form == "in":
            sql = (
                "SELECT id, status FROM okta.users.users "
                f"WHERE id IN (SELECT f.userId FROM okta.users.factors f WHERE {fp})"
            )
        elif form == "join":
            sql = (
                "SELECT DISTINCT u.id, u.status FROM okta.users.users u "
                f"JOIN okta.users.factors f ON f.userId = u.id WHERE {fp}"
            )
        else:
            neg = "NOT " if form == "not_exists" else ""
            sql = (
                f"SELECT u.id, u.status FROM okta.users.users u WHERE {neg}EXISTS "
                f"(SELECT 1 FROM okta.users.factors f WHERE f.userId = u.id AND {fp})"
            )
        return make(sql)

    def cte_query(self, draw: Draw) -> Query:
        name = draw(st.sampled_from(("users", "factors", "x", "picked")))
        form = draw(st.integers(0, 5))
        if form == 5:  # the derived table's alias is the outer table's alias
            sql = (
                "SELECT count(*) FROM okta.users.users u WHERE u.id IN (SELECT u.userId FROM "
                "(SELECT userId, id, status, factorType, provider, created, lastUpdated, profile "
                "FROM okta.users.factors) AS u "
                f"WHERE {self.factor_pred(draw, 'u.', semijoins=False)})"
            )
            return make(sql.replace(FID, "id"))
        if form == 0:
            col = draw(st.sampled_from(("factorId", "subdomain", "uid")))
            sql = (
                f"WITH {name} AS (SELECT id AS {col}, status FROM okta.users.users WHERE {self.user_pred(draw)}) "
                f"SELECT {col}, status FROM {name} WHERE status != 'ACTIVE'"
            )
        elif form == 1:
            sql = (
                f"WITH {name} AS (SELECT userId, id FROM okta.users.factors WHERE {self.factor_pred(draw)}) "
                f"SELECT u.id, count({name}.id) FROM okta.users.users u JOIN {name} ON {name}.userId = u.id "
                f"GROUP BY u.id"
            )
        elif form == 2:
            col = draw(st.sampled_from(("subdomain", "factorId", "s")))
            sql = (
                f"SELECT d.{col}, count(*) FROM (SELECT status AS {col} FROM okta.users.users "
                f"WHERE {self.user_pred(draw)}) AS d GROUP BY d.{col}"
            )
        elif form == 3:
            sql = (
                f"SELECT {name}.id FROM (SELECT id, status FROM okta.users.users WHERE {self.user_pred(draw)}) "
                f"AS {name} WHERE {name}.status = {self.status_lit(draw)}"
            )
        else:
            n = draw(st.sampled_from((1, 3, -1)))
            order = draw(st.sampled_from((" ORDER BY id", " ORDER BY id DESC")))
            sql = (
                f"WITH {name} AS (SELECT id FROM okta.users.users WHERE {self.user_pred(draw)}{order} LIMIT {n}) "
                f"SELECT f.userId, f.id FROM okta.users.factors f JOIN {name} ON {name}.id = f.userId"
            )
        return make(sql)

    def aggregate_query(self, draw: Draw) -> Query:
        form = draw(st.integers(0, 4))
        if form == 0:
            return make(
                f"SELECT status, count(*) FROM okta.users.users WHERE {self.user_pred(draw)} "
                "GROUP BY status ORDER BY status",
                ordered=True,
            )
        if form == 1:
            return make(
                f"SELECT factorType, count(*), min(created), max(lastUpdated) FROM okta.users.factors "
                f"WHERE {self.factor_pred(draw)} GROUP BY factorType HAVING count(*) >= 1 ORDER BY factorType",
                ordered=True,
            )
        if form == 2:
            return make(
                f"SELECT count(*), count(DISTINCT userId), count(profile) FROM okta.users.factors "
                f"WHERE {self.factor_pred(draw)}"
            )
        if form == 3:
            return make(
                f"SELECT u.status, count(f.id) FROM okta.users.users u LEFT JOIN okta.users.factors f "
                f"ON f.userId = u.id WHERE {self.user_pred(draw, 'u.')} GROUP BY u.status ORDER BY u.status",
                ordered=True,
            )
        n = draw(st.sampled_from((0, 2, 5, -1)))
        return make(f"SELECT count(*) FROM (SELECT id FROM okta.users.users WHERE {self.user_pred(draw)} LIMIT {n})")

    def window_query(self, draw: Draw) -> Query:
        form = draw(st.integers(0, 2))
        if form == 0:
            return make(
                f"SELECT id, status, row_number() OVER (PARTITION BY status ORDER BY id) FROM okta.users.users "
                f"WHERE {self.user_pred(draw)}"
            )
        if form == 1:
            return make(
                f"SELECT userId, id, count(*) OVER (PARTITION BY userId) FROM okta.users.factors "
                f"WHERE {self.factor_pred(draw)}"
            )
        return make(
            f"SELECT id, rank() OVER (ORDER BY lastUpdated DESC, id) AS r FROM okta.users.users "
            f"WHERE {self.user_pred(draw)} ORDER BY r",
            ordered=True,
        )

    def catalog_query(self, draw: Draw) -> Query:
        table = draw(st.sampled_from(("okta.users.supported_factors", "okta.users.supported_security_questions")))
        form = draw(st.sampled_from(("key", "in", "sub", "scan")))
        if form == "key":
            where = f"userId = {self.user_key(draw)}"
        elif form == "in":
            where = f"userId IN {self.key_list(draw, self.user_key)}"
        elif form == "sub":
            where = f"userId IN (SELECT id FROM okta.users.users WHERE {self.user_pred(draw)})"
        elif table.endswith("factors"):
            where = f"factorType = {lit(draw(st.sampled_from(FACTOR_TYPES)))} AND status != 'NOT_SETUP'"
        else:
            where = "question = 'disliked_food'"
        if draw(st.booleans()):
            return make(
                f"SELECT userId, count(*) FROM {table} WHERE {where} GROUP BY userId ORDER BY userId", ordered=True
            )
        return make(f"SELECT * FROM {table} WHERE {where}")

    def transaction_query(self, draw: Draw) -> Query:
        """A push transaction's status, with keys that match, mismatch, or are missing."""
        txs = self.p.transactions
        uid, fid, tid = draw(st.sampled_from(txs))
        if draw(st.booleans()):
            uid = draw(st.sampled_from((uid, uid, txs[0][0], MISSING_USER)))
            fid = draw(st.sampled_from((fid, fid, txs[-1][1], MISSING_FACTOR)))
            tid = draw(st.sampled_from((tid, tid, txs[1][2], "v2mst.doesnotexist000000000")))
        parts = [f"userId = {lit(uid)}", f"{FID} = {lit(fid)}", f"transactionId = {lit(tid)}"]
        if draw(st.booleans()):
            parts.pop(1)  # no factorId: every factor of the user is a candidate
        parts = draw(st.permutations(parts))
        columns = "id, userId, transactionId, factorResult, profile"
        sql = f"SELECT {columns} FROM okta.users.factors WHERE {' AND '.join(parts)}"
        return make(sql, sees_transactions=True)

    def scalar_pair_query(self, draw: Draw) -> Query:
        a, b = self.scalar(draw), self.scalar(draw)
        return make(f"SELECT ({a}), ({b})")

    def scalar(self, draw: Draw) -> str:
        if draw(st.booleans()):
            return f"SELECT count(*) FROM okta.users.users WHERE {self.user_pred(draw)}"
        return f"SELECT count(*) FROM okta.users.factors WHERE {self.factor_pred(draw)}"

    def parameter_query(self, draw: Draw) -> Query:
        """Bound parameters: datetimes (aware in any zone, or naive), None, ids and logins."""
        form = draw(st.integers(0, 2))
        if form == 0:
            text = draw(st.sampled_from(self.p.timestamps))
            value = dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=dt.timezone.utc)
            value += dt.timedelta(milliseconds=draw(st.sampled_from((0, 0, -1, 1, 500))))
            zone = draw(st.sampled_from(("utc", "plus2", "naive")))
            if zone == "plus2":
                value = value.astimezone(dt.timezone(dt.timedelta(hours=2)))
            elif zone == "naive":
                value = value.replace(tzinfo=None)
            col = draw(st.sampled_from(USER_TIMES))
            op = draw(st.sampled_from(("<", "<=", ">", ">=", "=")))
            return Query(f"SELECT id, {col} FROM okta.users.users WHERE {col} {op} ?", params=(value,))
        keys = [None, *self.p.user_ids[:3], self.p.deprovisioned_ids[0], self.p.logins[2], MISSING_USER]
        if form == 1:
            key = draw(st.sampled_from(keys))
            table = draw(st.sampled_from(("okta.users.factors", "okta.users.supported_factors")))
            return Query(f"SELECT * FROM {table} WHERE userId = ?", params=(key,))
        chosen = tuple(draw(st.lists(st.sampled_from(keys), min_size=1, max_size=3)))
        return Query(f"SELECT id FROM okta.users.users WHERE id IN ({', '.join('?' for _ in chosen)})", params=chosen)

    def set_operation_query(self, draw: Draw) -> Query:
        """Two references to the tables in one statement, merged by UNION / INTERSECT / EXCEPT."""
        op = draw(st.sampled_from(("UNION", "UNION ALL", "INTERSECT", "EXCEPT")))
        left = f"SELECT userId FROM okta.users.factors WHERE {self.factor_pred(draw)}"
        right = f"SELECT id FROM okta.users.users WHERE {self.user_pred(draw)}"
        if draw(st.booleans()):
            left, right = right, left
        return make(f"{left} {op} {right}")

    def self_join_query(self, draw: Draw) -> Query:
        """A table joined to itself: one reference keyed, the other listed or fanned out."""
        if draw(st.booleans()):
            sql = (
                f"SELECT a.id, b.id FROM okta.users.users a, okta.users.users b "
                f"WHERE {self.user_pred(draw, 'a.')} AND {self.user_pred(draw, 'b.')}"
            )
        else:
            on = draw(st.sampled_from(("a.userId = b.userId", "a.factorType = b.factorType AND a.id != b.id")))
            left = self.factor_pred(draw, "a.", semijoins=False)
            right = self.factor_pred(draw, "b.", semijoins=False)
            sql = (
                f"SELECT a.userId, a.id, b.id FROM okta.users.factors a JOIN okta.users.factors b ON {on} "
                f"WHERE {left} AND {right}"
            )
        return make(sql)

    def correlated_query(self, draw: Draw) -> Query:
        """A correlated scalar subquery in the SELECT list."""
        inner = draw(st.sampled_from(("count(*)", "max(f.created)", "min(f.factorType)")))
        return make(
            f"SELECT u.id, (SELECT {inner} FROM okta.users.factors f WHERE f.userId = u.id) "
            f"FROM okta.users.users u WHERE {self.user_pred(draw, 'u.')}"
        )

    def any_query(self, draw: Draw) -> Query:
        family = draw(
            st.sampled_from(
                (
                    self.users_query,
                    self.users_query,
                    self.factors_query,
                    self.factors_query,
                    self.join_query,
                    self.aliased_join_query,
                    self.users_semijoin_query,
                    self.cte_query,
                    self.cte_query,
                    self.aggregate_query,
                    self.window_query,
                    self.catalog_query,
                    self.transaction_query,
                    self.scalar_pair_query,
                )
            )
        )
        return family(draw)


def queries(pools: Pools) -> st.SearchStrategy[Query]:
    gen = Gen(pools)
    return st.composite(lambda draw: gen.any_query(draw))()
