"""What a statement hands back to the cursor: a description and a (possibly lazy) row iterator."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

# (name, type_code, display_size, internal_size, precision, scale, null_ok)
DescriptionRow = tuple[str, str, None, None, None, None, bool]


@dataclass
class Result:
    description: list[DescriptionRow] | None
    rows: Iterator[tuple[Any, ...]]
    rowcount: int = -1
    on_close: list[Any] = field(default_factory=list)

    def close(self) -> None:
        closers, self.on_close = list(self.on_close), []
        for closer in closers:
            try:
                closer()
            except ValueError:
                # "generator already executing": another thread is reading the rows; its
                # statement was cancelled first, so it stops by itself.
                pass


def describe(name: str, kind: str) -> DescriptionRow:
    return (name, kind, None, None, None, None, True)


def no_rows(rowcount: int = 0) -> Result:
    """The result of a statement that returns no result set."""
    return Result(description=None, rows=iter(()), rowcount=rowcount)
