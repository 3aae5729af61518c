"""One oracle comparison per class of wrong answer in issue 9 (and each entry of FINDINGS-9.md).

Each query is the smallest we found for its class; ``{...}`` names are filled from the org:
``u0`` user 0 (ACTIVE), ``dep`` a DEPROVISIONED user, ``login`` a user's login, ``tx_*`` a push
transaction, ``missing`` a user id that does not exist.
"""

from __future__ import annotations

import pytest
from conftest import World
from diff_compare import Query, check
from diff_world import TX_TABLE

U, F, S = "okta.users.users", "okta.users.factors", "okta.users.supported_factors"

CASES: dict[str, Query] = {
    # 1. Deprovisioned users are in okta.users.users whatever the plan.
    "deprovisioned_unfiltered": Query(f"SELECT count(*) FROM {U}"),
    "deprovisioned_pushed_search": Query(f"SELECT id FROM {U} WHERE profile->>'department' = 'Sales'"),
    "deprovisioned_local_only": Query(f"SELECT id FROM {U} WHERE lower(profile->>'department') = 'sales'"),
    "deprovisioned_status_not_in": Query(f"SELECT id FROM {U} WHERE status NOT IN ('ACTIVE')"),
    "deprovisioned_factors_fanout": Query(f"SELECT count(*), count(DISTINCT userId) FROM {F}"),
    "deprovisioned_key": Query(f"SELECT id, status FROM {U} WHERE id = '{{dep}}'"),
    # 2. Shortcuts that are not exact.
    "id_is_a_login": Query(f"SELECT id FROM {U} WHERE id = '{{login}}'"),
    "id_is_a_short_login": Query(f"SELECT id FROM {U} WHERE id = '{{short}}'"),
    "id_is_me": Query(f"SELECT id FROM {U} WHERE id = 'me'"),
    "transaction_without_factor_id": Query(
        f"SELECT id, transactionId, factorResult FROM {F} WHERE userId = '{{tx_u}}' AND transactionId = '{{tx_t}}'",
        sees_transactions=True,
    ),
    "status_in_empty": Query(f"SELECT count(*) FROM {U} WHERE status IN ()"),
    "id_in_empty": Query(f"SELECT count(*) FROM {U} WHERE id IN ()"),
    "user_id_in_empty": Query(f"SELECT count(*) FROM {F} WHERE userId IN ()"),
    # 3. Residual typing: timestamps are text, a numeric-looking literal stays text.
    "created_before_a_year": Query(f"SELECT count(*) FROM {U} WHERE created < '2021'"),
    "factor_created_before_a_year": Query(f"SELECT count(*) FROM {F} WHERE created < '2021'"),
    # 4. Pushed ranges must fetch a superset of what the text comparison keeps.
    "range_compact_date": Query(f"SELECT id FROM {U} WHERE lastUpdated > '20190121'"),
    "range_space_form": Query(f"SELECT id FROM {U} WHERE lastUpdated >= '2021-04-25 20:00:00'"),
    "range_offset_form": Query(f"SELECT id FROM {U} WHERE lastUpdated < '2019-02-19T04:53:50+02:00'"),
    "range_exact_boundary": Query(f"SELECT id FROM {U} WHERE lastUpdated >= '2021-04-25T20:00:00.000Z'"),
    "range_boundary_no_millis": Query(f"SELECT id FROM {U} WHERE lastUpdated <= '2021-04-25T20:00:00Z'"),
    # 5. Merging sources.
    "keyed_next_to_a_list": Query(
        f"SELECT count(*) FROM {U} WHERE id = '{{dep}}' UNION ALL SELECT count(*) FROM {U} WHERE status = 'ACTIVE'"
    ),
    "transaction_next_to_a_fanout": Query(
        f"SELECT (SELECT factorResult FROM {F} WHERE userId = '{{tx_u}}' AND factorId = '{{tx_f}}' "
        f"AND transactionId = '{{tx_t}}'), (SELECT count(*) FROM {F})",
        oracle=f"SELECT (SELECT factorResult FROM users.{TX_TABLE} WHERE userId = '{{tx_u}}' AND id = '{{tx_f}}' "
        f"AND transactionId = '{{tx_t}}'), (SELECT count(*) FROM users.factors)",
    ),
    "transaction_and_its_factor": Query(
        f"SELECT t.factorResult, f.status FROM {F} t JOIN {F} f ON f.userId = t.userId AND f.id = t.id "
        f"WHERE t.userId = '{{tx_u}}' AND t.factorId = '{{tx_f}}' AND t.transactionId = '{{tx_t}}' "
        f"AND f.userId = '{{tx_u}}'",
        oracle=f"SELECT t.factorResult, f.status FROM users.{TX_TABLE} t JOIN users.factors f "
        f"ON f.userId = t.userId AND f.id = t.id WHERE t.userId = '{{tx_u}}' AND t.id = '{{tx_f}}' "
        f"AND t.transactionId = '{{tx_t}}' AND f.userId = '{{tx_u}}'",
    ),
    # 6. Name resolution.
    "cte_column_named_factor_id": Query(
        f"WITH x AS (SELECT id AS factorId, userId FROM {F}) SELECT factorId FROM x WHERE userId = '{{u0}}'"
    ),
    "alias_named_like_the_other_table": Query(
        f"SELECT users.id FROM {U} u JOIN {F} users ON users.userId = u.id WHERE users.status = 'PENDING_ACTIVATION'"
    ),
    "aliases_swapped": Query(
        f"SELECT users.id FROM {F} users JOIN {U} factors ON users.userId = factors.id WHERE factors.id = '{{u0}}'"
    ),
    "derived_table_shadows_outer_alias": Query(
        f"SELECT count(*) FROM {U} u WHERE u.id IN "
        f"(SELECT u.userId FROM (SELECT userId, status FROM {F}) AS u WHERE u.status = 'PENDING_ACTIVATION')"
    ),
    "cte_shadows_outer_alias": Query(
        f"WITH u AS (SELECT userId, status FROM {F}) SELECT count(*) FROM {U} v WHERE v.id IN "
        f"(SELECT u.userId FROM u WHERE u.status = 'PENDING_ACTIVATION')"
    ),
    "json_arrow_is_not_double_arrow": Query(f"SELECT id FROM {U} WHERE profile->'department' = '\"Legal\"'"),
    "json_arrow_never_equals_bare_text": Query(f"SELECT id FROM {U} WHERE profile->'department' = 'Legal'"),
    # 7. Raises where SQLite answers.
    "limit_minus_one_streamed": Query(f"SELECT id FROM {U} LIMIT -1"),
    "offset_minus_one_streamed": Query(f"SELECT id FROM {U} WHERE status = 'ACTIVE' LIMIT -1 OFFSET -1"),
    "cte_named_like_a_table": Query(f"WITH users AS (SELECT id AS factorId FROM {U}) SELECT count(*) FROM users"),
    "cte_named_like_a_table_joined": Query(
        f"WITH users AS (SELECT userId, id FROM {F}) SELECT count(*) FROM {U} u JOIN users ON users.userId = u.id"
    ),
    "derived_column_named_subdomain": Query(
        f"SELECT count(*) FROM (SELECT id AS subdomain FROM {U}) d WHERE d.subdomain != 'x'"
    ),
    # A key compared under another collation is not a key (FINDINGS-9 F18).
    "collated_key_in_an_or": Query(
        f"SELECT count(*) FROM {U} WHERE id = '{{u1_lower}}' COLLATE NOCASE OR id = '{{u0}}'"
    ),
    "collated_user_id_in_an_or": Query(
        f"SELECT count(*) FROM {F} WHERE userId = '{{u1_lower}}' COLLATE NOCASE OR userId = '{{u0}}'"
    ),
    "collated_key_alone": Query(f"SELECT count(*) FROM {F} WHERE userId = '{{u1_lower}}' COLLATE NOCASE"),
    # Missing keys are no rows.
    "missing_user": Query(f"SELECT * FROM {U} WHERE id = '{{missing}}'"),
    "missing_user_factors": Query(f"SELECT * FROM {F} WHERE userId = '{{missing}}'"),
    "missing_user_in_a_list": Query(f"SELECT userId, id FROM {F} WHERE userId IN ('{{u0}}', '{{missing}}')"),
    "missing_user_catalog": Query("SELECT * FROM okta.users.supported_factors WHERE userId = '{missing}'"),
    "catalog_keyed_by_a_login": Query("SELECT * FROM okta.users.supported_factors WHERE userId = '{login}'"),
    "questions_keyed_by_me": Query("SELECT * FROM okta.users.supported_security_questions WHERE userId = 'me'"),
    "factors_keyed_by_a_short_login": Query(f"SELECT * FROM {F} WHERE userId = '{{short}}'"),
    "missing_factor": Query(
        f"SELECT * FROM {F} WHERE userId = '{{u0}}' AND factorId = 'smsDoesNotExist00000'",
        oracle=f"SELECT * FROM {F} WHERE userId = '{{u0}}' AND id = 'smsDoesNotExist00000'",
    ),
    "missing_transaction": Query(
        f"SELECT id FROM {F} WHERE userId = '{{tx_u}}' AND factorId = '{{tx_f}}' AND transactionId = 'v2mst.none'",
        sees_transactions=True,
        oracle=f"SELECT id FROM {F} WHERE userId = '{{tx_u}}' AND id = '{{tx_f}}' AND transactionId = 'v2mst.none'",
    ),
    "user_id_is_null": Query(f"SELECT count(*) FROM {F} WHERE userId = NULL"),
    # Okta's filter is case-insensitive; the local WHERE (SQL's =) decides (README: Pushdown).
    "login_in_another_case": Query(f"SELECT id FROM {U} WHERE profile->>'login' = 'MIXED.CASE@EXAMPLE.COM'"),
    "login_as_written": Query(f"SELECT id FROM {U} WHERE profile->>'login' = 'Mixed.Case@Example.com'"),
    "status_in_another_case": Query(f"SELECT id FROM {U} WHERE status = 'active'"),
    # 6. Pinned by mutation testing (issue 15): each fails under a one-token change of the planner.
    "join_through_the_catalog_to_filtered_users": Query(
        f"SELECT count(*) FROM {F} f JOIN {S} s ON f.userId = s.userId JOIN {U} u ON u.status = s.status "
        "WHERE u.status = 'ACTIVE'"
    ),
    "semi_join_through_the_catalog": Query(
        f"SELECT count(*) FROM {F} f WHERE f.userId IN (SELECT s.userId FROM {S} s WHERE s.status = 'ACTIVE' "
        f"AND s.userId IN (SELECT id FROM {U} WHERE status = 'SUSPENDED'))"
    ),
    "semi_join_through_a_cte_over_factors": Query(
        f"WITH c AS (SELECT userId FROM {F} WHERE userId IN (SELECT id FROM {U} WHERE status = 'SUSPENDED')) "
        f"SELECT count(*) FROM {S} s WHERE s.userId IN (SELECT userId FROM c)"
    ),
    "compound_semi_join_next_to_filtered_users": Query(
        f"SELECT count(*) FROM {F} f WHERE f.userId IN (SELECT s.userId FROM {S} s UNION SELECT 'x') "
        f"UNION ALL SELECT count(*) FROM {U} WHERE status = 'SUSPENDED'"
    ),
    "semi_join_on_a_union_of_users_and_the_catalog": Query(
        f"SELECT count(*) FROM {F} f WHERE f.userId IN "
        f"(SELECT id FROM {U} WHERE status = 'SUSPENDED' UNION SELECT s.userId FROM {S} s WHERE s.status = 'ACTIVE')"
    ),
    "in_list_with_an_expression": Query(f"SELECT id FROM {U} WHERE status IN ('ACTIVE', upper('suspended'))"),
    "semi_join_on_the_outer_row": Query(f"SELECT id FROM {F} f WHERE f.userId IN (SELECT f.id)"),
    "exists_on_the_other_side_of_a_cross_join": Query(
        f"SELECT count(*) FROM {F} f, {F} g WHERE f.factorType = g.factorType "
        f"AND EXISTS (SELECT 1 FROM {U} u WHERE u.id = g.userId AND u.status = 'SUSPENDED')"
    ),
}


def _fill(world: World, text: str | None) -> str | None:
    if text is None:
        return None
    p = world.pools
    login = p.logins[5]
    tx_u, tx_f, tx_t = p.transactions[1]
    return text.format(
        u0=p.user_ids[0],
        u1_lower=p.user_ids[1].lower(),
        dep=p.deprovisioned_ids[0],
        login=login,
        short=login.split("@")[0],
        tx_u=tx_u,
        tx_f=tx_f,
        tx_t=tx_t,
        missing="00u0000000missing1d7",
    )


def check_case(world: World, case: Query) -> None:
    """``case`` with its ``{...}`` names filled from the org, answered like the oracle."""
    sql = _fill(world, case.sql)
    assert sql is not None
    check(world.conn, world.oracle, Query(sql, case.ordered, case.sees_transactions, _fill(world, case.oracle)))


@pytest.mark.parametrize("name", CASES)
def test_known_class_answers_like_the_oracle(world: World, name: str) -> None:
    check_case(world, CASES[name])
