"""An ORM mapping of okta.users.factors, written the way the docs recommend (1.4- and 2.x-compatible)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Column, DateTime, FetchedValue, String
from sqlalchemy.orm import declarative_base

Base: Any = declarative_base()


class Factor(Base):  # type: ignore[misc]
    __tablename__ = "factors"
    __table_args__ = {"schema": "users"}

    # The primary key is (id, userId), in column order, as reflection and sqlacodegen have it.
    # Okta assigns id (and status, created, lastUpdated) when a factor is enrolled: FetchedValue()
    # makes the ORM read them back with INSERT ... RETURNING instead of sending NULLs.
    id = Column(String, primary_key=True, server_default=FetchedValue())
    userId = Column(String, primary_key=True)
    factorType = Column(String, nullable=False)
    provider = Column(String, nullable=False)
    profile = Column(JSON)
    status = Column(String, server_default=FetchedValue())
    created = Column(DateTime(timezone=True), server_default=FetchedValue())
    lastUpdated = Column(DateTime(timezone=True), server_default=FetchedValue())

    def __repr__(self) -> str:
        return f"<Factor {self.factorType} {self.id} of {self.userId}>"
