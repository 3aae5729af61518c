"""SQLAlchemy dialect for okta-dbapi: ``create_engine("okta://:TOKEN@my-org.okta.com")``."""

from __future__ import annotations

from okta_sqlalchemy.dialect import OktaDialect

__all__ = ["OktaDialect"]
