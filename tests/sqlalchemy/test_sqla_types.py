"""The JSON type must not decode what the driver already decoded."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON

from okta_sqlalchemy.dialect import OktaDialect
from okta_sqlalchemy.types import OktaJSON

dialect = OktaDialect()


def result(value: object) -> object:
    impl = JSON().dialect_impl(dialect)
    assert isinstance(impl, OktaJSON)
    process = impl.result_processor(dialect, "json")
    return process(value)


def test_dicts_and_lists_pass_through() -> None:
    value = {"email": "a@example.com", "nested": [1, 2]}
    assert result(value) is value
    listed = [{"a": 1}]
    assert result(listed) is listed


def test_json_text_is_decoded() -> None:
    assert result('{"a": 1}') == {"a": 1}
    assert result('"quoted"') == "quoted"
    assert result(b"[1, 2]") == [1, 2]


def test_plain_text_and_none_survive() -> None:
    assert result("not json") == "not json"
    assert result(None) is None
    assert result(3) == 3


def test_custom_deserializer_is_used() -> None:
    custom = OktaDialect(json_deserializer=lambda text: ("custom", text))
    process = JSON().dialect_impl(custom).result_processor(custom, "json")
    assert process("[]") == ("custom", "[]")
    assert process({"a": 1}) == {"a": 1}


def test_datetime_has_no_string_processing() -> None:
    from sqlalchemy import DateTime

    impl = DateTime(timezone=True).dialect_impl(dialect)
    processor = impl.result_processor(dialect, "datetime")
    value = dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc)
    assert processor is None or processor(value) == value
