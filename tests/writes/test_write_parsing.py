"""Parsing without any request: EXEC arguments, hyphenated INSERT columns, value mapping."""

from __future__ import annotations

import pytest

from okta_dbapi.catalog import FACTORS
from okta_dbapi.exceptions import DataError, ProgrammingError
from okta_dbapi.sql.parse import prepare, quote_hyphenated_insert_columns
from okta_dbapi.writes.calls import build_call
from okta_dbapi.writes.exec_ import parse_exec
from okta_dbapi.writes.lifecycle import prepare_exec

SEED_STYLE = """EXEC okta.users.factors.verify_factor
@subdomain='acme' --required,
@templateId='t1'
@X-Forwarded-For='203.0.113.7', @User-Agent = 'UA; with -- no comment'
@userId=? @factorId=?
@@json=
'{
"passCode": "123456"
}';"""


def test_exec_in_the_seed_style() -> None:
    statement = parse_exec(SEED_STYLE, ["00u1", "sms1"])
    assert statement.operation.name == "verify_factor"
    assert statement.args == [
        ("subdomain", "acme"),
        ("templateId", "t1"),
        ("X-Forwarded-For", "203.0.113.7"),
        ("User-Agent", "UA; with -- no comment"),
        ("userId", "00u1"),
        ("factorId", "sms1"),
    ]
    assert statement.json_body == {"passCode": "123456"}


def test_exec_maps_keys_params_headers_and_body() -> None:
    _, call = prepare_exec(SEED_STYLE + "\n", ["00u1", "sms1"], "acme")
    assert call.path == {"userId": "00u1", "factorId": "sms1"}
    assert call.query == {"templateId": "t1"}
    assert call.headers == {"X-Forwarded-For": "203.0.113.7", "User-Agent": "UA; with -- no comment"}
    assert call.body == {"passCode": "123456"}


def test_exec_values_and_placeholders() -> None:
    statement = parse_exec(
        "EXECUTE users.factors.activate_factor @userId=:u, @factorId=:f, @n=-5, @x=1.5, @b=FALSE, @z=NULL",
        {"u": "a", "f": "b"},
    )
    assert statement.args == [("userId", "a"), ("factorId", "b"), ("n", -5), ("x", 1.5), ("b", False), ("z", None)]
    _, call = prepare_exec("EXEC factors.activate_factor @userId='a' @id='b' @passCode=123456", None, "acme")
    assert call.path == {"userId": "a", "factorId": "b"} and call.body == {"passCode": 123456}


@pytest.mark.parametrize(
    ("sql", "params", "message"),
    [
        ("EXEC okta.users.factors.verify_factor @userId='a'; SELECT 1", None, "one statement"),
        ("EXEC verify_factor @userId='a'", None, "needs <table>.<method>"),
        ("EXEC okta.users.nope.verify_factor", None, "Unknown table"),
        ("EXEC okta.users.factors.verify_factor @@xml='a'", None, "only @@ argument is @@json"),
        ("EXEC okta.users.factors.verify_factor @userId=?", {"a": 1}, "as a sequence"),
        ("EXEC okta.users.factors.verify_factor @userId=:a", ["x"], "as a mapping"),
        ("EXEC okta.users.factors.verify_factor @userId=:a", {"b": 1}, "No value was given for the parameter :a"),
        ("EXEC okta.users.factors.verify_factor @userId='a'", ["x"], "no placeholders"),
        ("EXEC okta.users.factors.verify_factor @userId=? @factorId=:b", ["x"], "Mix of"),
        ("EXEC okta.users.factors.verify_factor @userId 'a'", None, "expected = after @userId"),
        ("EXEC okta.users.factors.verify_factor @userId=foo", None, "expected a value"),
    ],
)
def test_exec_errors(sql: str, params: object, message: str) -> None:
    with pytest.raises(ProgrammingError, match=message):
        parse_exec(sql, params)  # type: ignore[arg-type]


def test_json_body_must_be_json() -> None:
    with pytest.raises(DataError, match="@@json must be a JSON object"):
        parse_exec("EXEC okta.users.factors.verify_factor @@json='{nope'", None)


def test_hyphenated_insert_columns_are_quoted_only_in_the_column_list() -> None:
    sql = "INSERT INTO okta.users.factors (userId, Accept-Language, X-Forwarded-For) SELECT 'a-b', a - b, 'x' -- c-d"
    assert quote_hyphenated_insert_columns(sql) == (
        'INSERT INTO okta.users.factors (userId, "Accept-Language", "X-Forwarded-For") '
        "SELECT 'a-b', a - b, 'x' -- c-d"
    )
    assert quote_hyphenated_insert_columns("SELECT a-b FROM t") == "SELECT a-b FROM t"
    statement = prepare("INSERT INTO okta.users.factors (userId, Accept-Language) VALUES (?, ?)", ["u", "fr"])
    assert statement.kind == "insert" and statement.ast is not None
    assert [c.name for c in statement.ast.this.expressions] == ["userId", "Accept-Language"]


def test_value_conversions() -> None:
    enroll = FACTORS.operation("enroll_factor")
    assert enroll is not None
    call = build_call(
        FACTORS,
        enroll,
        [
            ("userId", "u"),
            ("factorType", "sms"),
            ("activate", "TRUE"),
            ("updatePhone", 0),
            ("tokenLifetimeSeconds", "60"),
            ("templateId", ""),
            ("Accept-Language", "fr"),
            ("profile", '{"phoneNumber": "+1555"}'),
        ],
        subdomain="acme",
    )
    assert call.query == {"activate": True, "updatePhone": False, "tokenLifetimeSeconds": 60}
    assert call.headers == {"Accept-Language": "fr"}
    assert call.body == {"factorType": "sms", "profile": {"phoneNumber": "+1555"}}
    with pytest.raises(ProgrammingError, match="line break"):
        build_call(FACTORS, enroll, [("userId", "u"), ("Accept-Language", "fr\r\nX: y")], subdomain="acme")
