"""Pushdown analysis: which rows of each table reference the query can possibly use.

The rule every pushdown obeys: it fetches a superset of the rows the local WHERE keeps. The
whole statement always runs again locally over what was fetched, so a pushdown only narrows.

For every reference to a catalog table this works out, from the predicates around it, what the
API must return: key equalities and ``IN`` lists (``userId``, ``id``, ``factorId``,
``transactionId``, also written as ``OR``s), semi-joins to ``users`` (``userId IN (SELECT id
FROM users ...)``, ``userId = (SELECT ...)``, ``JOIN ... ON f.userId = u.id``, correlated
``EXISTS``), keys carried across join equalities, and the user filters Okta's ``filter`` and
``search`` answer. ``Ref.exact`` says whether the API answers every predicate exactly, which
alone lets a plain scan stream without the local pass.
"""

from __future__ import annotations

from typing import Any

from sqlglot import exp

from okta_dbapi.catalog import USERS
from okta_dbapi.sql.ranges import okta_bound
from okta_dbapi.sql.scopes import Ref, Resolver, find_refs, key_for, within
from okta_dbapi.sql.terms import and_terms, key_text, literal_value, okta_string, or_as_in, profile_attribute

__all__ = ["Analyzer", "Ref", "find_refs", "key_for", "literal_value"]


class Analyzer(Resolver):
    def __init__(self, refs: list[Ref]) -> None:
        super().__init__(refs)
        # (ref, key, other ref, other key): ref's key equals the other's in ref's own conditions.
        self.equalities: list[tuple[Ref, str, Ref, str]] = []

    def conditions_for(self, ref: Ref) -> list[exp.Expression]:
        """The conjuncts that every row of ``ref`` that matters must satisfy."""
        where = ref.scope.args.get("where")
        terms = and_terms(where.this if where is not None else None)
        for join in ref.scope.args.get("joins") or []:
            side = (join.side or "").upper()
            joined_ref = join.this is ref.node
            # Inner-join ON conditions restrict both sides; a LEFT JOIN's only its right side.
            if side == "" or (side == "LEFT" and joined_ref):
                terms.extend(and_terms(join.args.get("on")))
        return terms

    def analyze(self, ref: Ref) -> None:
        terms = self.conditions_for(ref)
        answered = [self.apply(ref, term) for term in terms]  # every term, for its pushdowns
        ref.exact = not ref.scope.args.get("joins") and all(answered)

    def mine(self, node: exp.Expression, ref: Ref) -> bool:
        return isinstance(node, exp.Column) and self.resolve(node, ref.scope) is ref

    def apply(self, ref: Ref, term: exp.Expression) -> bool:
        """Record what ``term`` pushes down for ``ref``; True when the API answers it exactly."""
        if isinstance(term, exp.Boolean) and term.this is True:
            return True  # what a checked subdomain predicate became
        if isinstance(term, exp.EQ):
            return self.apply_eq(ref, term)
        if isinstance(term, exp.In) and self.mine(term.this, ref):
            query = term.args.get("query")
            if query is not None:
                return self.push_semijoin(ref, term.this.name, query)
            field = term.args.get("field")
            if field is not None:  # SQLite's ``x IN some_table``
                if isinstance(field, exp.Column) and not field.table and key_for(ref.table, term.this.name) == "userId":
                    table = exp.Table(this=field.this.copy())
                    self.add_user_set(ref, exp.select("*").from_(table), origin=term)
                return False
            values = [literal_value(item) for item in term.expressions]
            if not all(ok for ok, _ in values):
                return False
            return self.push_values(ref, term.this.name, [v for _, v in values])
        if isinstance(term, (exp.GT, exp.GTE, exp.LT, exp.LTE)) and ref.table is USERS:
            return self.push_user_range(ref, term)
        if isinstance(term, exp.Or):
            as_in = or_as_in(term)
            return self.apply(ref, as_in) if as_in is not None else False
        if isinstance(term, exp.Exists):
            return self.push_exists(ref, term.this)
        return False

    def apply_eq(self, ref: Ref, term: exp.EQ) -> bool:
        for col, other in ((term.this, term.expression), (term.expression, term.this)):
            if not self.mine(col, ref):
                continue
            ok, value = literal_value(other)
            if ok:
                return self.push_values(ref, col.name, [value])
            if isinstance(other, exp.Column):
                return self.push_join(ref, col.name, other)
            if isinstance(other, exp.Subquery):
                return self.push_semijoin(ref, col.name, other)
        return self.push_user_json(ref, term)

    def push_values(self, ref: Ref, name: str, values: list[Any]) -> bool:
        # NULL equals nothing, so a NULL in the list can never make a row match.
        present = [v for v in values if v is not None]
        key = key_for(ref.table, name)
        if key is None:
            if ref.table is USERS and name.lower() == "status":
                return self.push_status(ref, present)
            return False
        merged = [key_text(v) for v in present]
        if key in ref.keys:
            merged = [v for v in ref.keys[key] if v in merged]
        ref.keys[key] = list(dict.fromkeys(merged))
        return True

    def push_status(self, ref: Ref, values: list[Any]) -> bool:
        """``status = ?`` / ``status IN (...)``: Okta's filter names exactly those statuses."""
        if not values:
            ref.keys["id"] = []  # no status can match: nothing to fetch
            return True
        quoted = " or ".join(f'status eq "{okta_string(key_text(v))}"' for v in values)
        ref.user_filters.append(f"({quoted})" if len(values) > 1 else quoted)
        # Okta may match a status without regard to case where SQL's = does not.
        return all(isinstance(v, str) and v == v.upper() for v in values)

    def push_join(self, ref: Ref, name: str, other: exp.Column) -> bool:
        """``ref.userId = users.id`` or ``ref.userId = other.userId``: fetch only what can match.

        The join itself is always evaluated locally, so this never counts as exact.
        """
        key = key_for(ref.table, name)
        found = self.source(other, ref.scope)
        if key is None or found is None:
            return False
        _, item = found
        other_ref = self.ref_of(item)
        if other_ref is None:
            if key == "userId" and ref.table is not USERS:
                self.add_user_set(ref, _select_from_item(item, other.name), origin=item)
            return False
        other_key = key_for(other_ref.table, other.name)
        if other_key is not None:
            self.equalities.append((ref, key, other_ref, other_key))
        if key == "userId" and ref.table is not USERS and other_ref.table is USERS and other.name.lower() == "id":
            ref.depends_on_users = True
        return False

    def propagate_keys(self) -> None:
        """Carry literal keys across join equalities: ``s.userId = f.userId AND f.userId = 'x'``."""
        changed = True
        while changed:
            changed = False
            for ref, key, other, other_key in self.equalities:
                if key not in ref.keys and other_key in other.keys:
                    ref.keys[key] = list(other.keys[other_key])
                    changed = True

    def push_semijoin(self, ref: Ref, name: str, query: exp.Expression) -> bool:
        """``userId IN (SELECT ...)`` or ``userId = (SELECT ...)``: only the ids it yields matter.
        The semi-join itself is always evaluated locally, so this never counts as exact."""
        select = query.unnest() if isinstance(query, exp.Subquery) else query
        if key_for(ref.table, name) == "userId" and ref.table is not USERS and isinstance(select, exp.Query):
            self.add_user_set(ref, select)
            if self.yields_user_ids(select):
                ref.depends_on_users = True
        return False

    def yields_user_ids(self, select: exp.Query) -> bool:
        """Whether ``select`` projects the id of a users reference of its own. (More than one column
        is SQLite's error, raised before any call.)"""
        if not isinstance(select, exp.Select):
            return False
        projected = select.expressions[0].unalias().unnest()
        if not isinstance(projected, exp.Column) or projected.name.lower() != "id":
            return False
        inner = self.resolve(projected, select)
        return inner is not None and inner.table is USERS

    def push_exists(self, ref: Ref, query: exp.Expression) -> bool:
        """``EXISTS (SELECT ... FROM users u WHERE u.id = f.userId ...)``: a semi-join like ``IN``."""
        select = query.unnest() if isinstance(query, exp.Subquery) else query
        if ref.table is USERS or not isinstance(select, exp.Select):
            return False
        where = select.args.get("where")
        for term in and_terms(where.this if where is not None else None):
            if not isinstance(term, exp.EQ):
                continue
            for mine, other in ((term.this, term.expression), (term.expression, term.this)):
                if not (self.mine(mine, ref) and key_for(ref.table, mine.name) == "userId"):
                    continue
                inner = self.resolve(other, select) if isinstance(other, exp.Column) else None
                if inner is not None and inner.table is USERS and other.name.lower() == "id":
                    ref.depends_on_users = True
                    rest = [t for t in and_terms(where.this) if t is not term]  # type: ignore[union-attr]
                    self.add_user_set(ref, _uncorrelated(select, other, rest), origin=select)
        return False

    def add_user_set(self, ref: Ref, select: Any, origin: exp.Expression | None = None) -> None:
        """Keep ``select`` as a bound on ref's users when it stands on its own and reads only users
        (directly or through the CTEs it names), so it can run locally once the users are loaded."""
        if select is None or self.outside(select):
            return
        origin = origin or select
        inner_refs = [r for r in self.refs if r.node is origin or within(r.node, origin)]
        ctes = {c.alias_or_name.lower(): c for c in origin.root().find_all(exp.CTE)}
        pending = [select]
        seen: set[str] = set()
        while pending:
            node = pending.pop()
            for table in node.find_all(exp.Table):
                name = table.name.lower()
                if len(table.parts) == 1 and name in ctes and name not in seen:
                    seen.add(name)
                    cte = ctes[name]
                    if self.outside(cte.this):
                        return
                    inner_refs.extend(r for r in self.refs if within(r.node, cte))
                    pending.append(cte.this)
        if any(r.table is not USERS for r in inner_refs):
            return
        standalone = select.copy()
        with_ = origin.root().args.get("with_")
        if with_ is not None and not standalone.args.get("with_"):
            standalone.set("with_", with_.copy())
        ref.user_sets.append(standalone)

    def push_user_json(self, ref: Ref, term: exp.EQ) -> bool:
        """``profile->>'login' = 'x'`` (or json_extract) on users: Okta's filter or search."""
        if ref.table is not USERS:
            return False
        for access, other in ((term.this, term.expression), (term.expression, term.this)):
            attribute = profile_attribute(access)
            ok, value = literal_value(other)
            if attribute and ok and isinstance(value, str) and self.mine(access.this, ref):
                if attribute == "login":
                    # Okta matches logins without regard to case, SQL's = does not: re-checked locally.
                    ref.user_filters.append(f'profile.login eq "{okta_string(value)}"')
                    return False
                # Search is eventually consistent in Okta: a superset at worst, so re-checked locally.
                ref.user_search.append(f'profile.{attribute} eq "{okta_string(value)}"')
                return False
        return False

    def push_user_range(self, ref: Ref, term: exp.Expression) -> bool:
        """``lastUpdated > x`` and friends, sent to Okta as an inclusive bound that covers the text
        comparison SQLite makes locally (see :mod:`okta_dbapi.sql.ranges`); never exact."""
        inclusive: dict[type, str] = {exp.GT: "ge", exp.GTE: "ge", exp.LT: "le", exp.LTE: "le"}
        flipped = {"ge": "le", "le": "ge"}
        op = inclusive[type(term)]
        col, other = term.this, term.expression
        if not isinstance(col, exp.Column):
            col, other, op = term.expression, term.this, flipped[op]
        if not isinstance(col, exp.Column) or col.name.lower() != "lastupdated" or not self.mine(col, ref):
            return False
        ok, value = literal_value(other)
        bound = okta_bound(value, op) if ok else None
        if bound is not None:
            ref.user_filters.append(f'lastUpdated {op} "{bound}"')
        return False


def _select_from_item(item: exp.Expression, column: str) -> exp.Expression | None:
    """``SELECT "column" FROM <derived table or CTE>``: the values a join to it can see."""
    if isinstance(item, exp.Subquery):
        source: exp.Expression = item
    elif isinstance(item, exp.Table) and len(item.parts) == 1:
        source = item
    else:
        return None
    return exp.select(exp.column(column, quoted=True)).from_(source.copy())


def _uncorrelated(select: exp.Select, id_column: exp.Column, rest: list[exp.Expression]) -> exp.Select:
    """The ids an EXISTS over users can match: its FROM with the other conjuncts, projecting id.

    Any join of its FROM (outer ones too) stays: the caller keeps this only when it reads nothing of
    the outer query, so every row the correlated EXISTS finds is a row of this one."""
    out = select.copy()
    out.set("expressions", [id_column.copy()])
    condition = exp.and_(*rest) if rest else None
    out.set("where", exp.Where(this=condition) if condition is not None else None)
    return out
