"""Oracle comparisons pinned by mutation testing of scopes.py, terms.py and ranges.py (issue 15):
each query answers wrongly under a one-token change of one of them. The helpers and the ``{...}``
names are test_regressions.py's."""

from __future__ import annotations

import pytest
from conftest import World
from diff_compare import Query
from test_regressions import F, U, check_case

Q = "okta.users.supported_security_questions"

CASES: dict[str, Query] = {
    # scopes: a name two sources of a scope answer to is not certain there, and must not be looked
    # up in an enclosing scope instead. SQLite reads a.id (the derived table), not the outer
    # users' id; taking it for u.id fetched the questions (factors) of the suspended users only.
    "qualifier_of_two_sources_is_not_the_outer_one": Query(
        f"SELECT count(*) FROM {U} u, {F} f WHERE u.status = 'SUSPENDED' "
        f"AND f.userId IN (SELECT u.id FROM (SELECT '{{u0}}' AS id) u, (SELECT 1 AS z) u)"
    ),
    "column_of_two_sources_is_not_the_outer_one": Query(
        f"WITH c AS (SELECT 1 AS z) SELECT count(*) FROM {U} u, {Q} q WHERE u.status = 'SUSPENDED' "
        f"AND q.userId IN (SELECT id FROM (SELECT '{{u0}}' AS id) a, c)"
    ),
    "column_of_a_star_derived_table_is_not_the_outer_one": Query(
        f"SELECT count(*) FROM {U} u, {Q} q WHERE u.status = 'SUSPENDED' "
        f"AND q.userId IN (SELECT id FROM (SELECT * FROM (SELECT '{{u0}}' AS id)) d)"
    ),
    # terms: an OR of one key's values is pushed as one IN list, and only when every part is one.
    "or_of_a_semi_join_and_a_key": Query(
        f"SELECT id FROM {F} WHERE userId IN (SELECT id FROM {U} WHERE status = 'SUSPENDED') OR userId = '{{u0}}'"
    ),
    "or_of_a_key_and_an_in_list": Query(f"SELECT id FROM {F} WHERE userId = '{{u0}}' OR userId IN ('{{tx_u}}')"),
    "or_of_an_expression_and_a_key": Query(f"SELECT id FROM {F} WHERE userId = upper('{{u0}}') OR userId = '{{tx_u}}'"),
    # ranges: Python's \d takes other scripts' digits, which strptime reads as a year but SQLite
    # sorts after every ASCII timestamp; the bound 'le 2019-12-31' dropped 2020 and 2021.
    "range_with_non_ascii_digits": Query(f"SELECT id FROM {U} WHERE lastUpdated < '२०१९'"),
}


@pytest.mark.parametrize("name", CASES)
def test_answers_like_the_oracle(world: World, name: str) -> None:
    check_case(world, CASES[name])
