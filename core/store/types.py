"""Column types: exact decimals and aware UTC datetimes on SQLite and PostgreSQL alike."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import DateTime, Numeric, String
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine

__all__ = ["MONEY_PRECISION", "MONEY_SCALE", "Money", "UtcDateTime"]

MONEY_PRECISION = 38
MONEY_SCALE = 18


class Money(TypeDecorator[Decimal]):
    """An exact decimal: ``NUMERIC(38, 18)`` on PostgreSQL, a decimal string on SQLite.

    SQLite has no exact decimal type (its NUMERIC affinity stores REAL), so the text form is the
    one way to keep every digit there.
    """

    impl = Numeric
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(80))
        return dialect.type_descriptor(Numeric(MONEY_PRECISION, MONEY_SCALE, asdecimal=True))

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if not isinstance(value, Decimal) or not value.is_finite():
            raise ValueError(f"Expected a finite Decimal for a money column, received {value!r}")
        if dialect.name == "sqlite":
            return str(value)
        return value

    def process_result_value(self, value: Any, _dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        return Decimal(str(value))


class UtcDateTime(TypeDecorator[dt.datetime]):
    """Stores aware datetimes as UTC and always returns them aware."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"Expected an aware datetime, received naive {value.isoformat()}")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: dt.datetime | None, _dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)
