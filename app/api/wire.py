"""What goes on the wire: the service's results as JSON-ready values, numbers normalized.

Money is ``Decimal`` everywhere inside lpexec; on the wire it is a JSON number, as Hummingbot's
clients expect. :func:`json_number` writes a ``Decimal`` as the shortest number that reads back
to the same value at double precision: ``0E-57`` is ``0``, ``2.500`` is ``2.5``, 28-digit
quotients lose their noise.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import math
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, TypeVar

from pydantic import BaseModel

__all__ = ["json_number", "to_wire", "wire_model"]

ModelT = TypeVar("ModelT", bound=BaseModel)


def json_number(value: Decimal) -> int | float | None:
    """A Decimal as a JSON number: an int when whole (and small enough), else a float; None for
    NaN and infinities (JSON has no such numbers)."""
    if not value.is_finite():
        return None
    if value == value.to_integral_value() and abs(value) < Decimal(2) ** 53:
        return int(value)
    number = float(value)
    return number if math.isfinite(number) else None


def to_wire(value: Any) -> Any:
    """``value`` (a pydantic model, a dataclass, a mapping, a list...) as plain JSON-ready data:
    Decimals as numbers, datetimes as ISO 8601, enums by their value, the rest as it is."""
    if isinstance(value, BaseModel):
        return to_wire(value.model_dump())
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return to_wire({f.name: getattr(value, f.name) for f in dataclasses.fields(value)})
    if isinstance(value, Mapping):
        return {str(key): to_wire(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [to_wire(item) for item in value]
    if isinstance(value, Decimal):
        return json_number(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if isinstance(value, enum.Enum):
        return to_wire(value.value)
    return value


def wire_model(model: type[ModelT], value: Any) -> ModelT:
    """``value`` (a service result) read into the wire model ``model``."""
    return model.model_validate(to_wire(value))
