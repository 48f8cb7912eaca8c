"""The JSON the paper exchange server and its client exchange, encoded the same way on both sides.

Commands and outcome events travel as the journal stores them (``{"kind", "data"}``,
:mod:`lpexec.core.serialization`); the port's values (:class:`~lpexec.core.exchange.OrderReport`,
:class:`~lpexec.core.exchange.TradingRules`, balances, positions, funding) and :class:`Touch` as
their fields, Decimals as strings and times as ISO 8601. An error answer is
``{"error": {"code", "message"}}`` (see :mod:`lpexec.paper.exchange_server.app` for the status
codes).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeVar

from pydantic import TypeAdapter, ValidationError

from lpexec.core import OutcomeEvent
from lpexec.core.serialization import decode_message, encode_message

__all__ = [
    "Touch",
    "WireFormatError",
    "decode_events",
    "decode_message_or_fail",
    "decode_value",
    "encode_events",
    "encode_value",
    "error_body",
]

_T = TypeVar("_T")
_ADAPTERS: dict[Any, TypeAdapter[Any]] = {}


class WireFormatError(ValueError):
    """Raised when a body is not what the other side sends (the message names what is wrong)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Touch:
    """A market's best bid and ask and last price, at the step that set them."""

    trading_pair: str
    bid: Decimal
    ask: Decimal
    last: Decimal
    ts_event: dt.datetime | None = None


def _adapter(kind: Any) -> TypeAdapter[Any]:
    adapter = _ADAPTERS.get(kind)
    if adapter is None:
        adapter = _ADAPTERS[kind] = TypeAdapter(kind)
    return adapter


def encode_value(value: Any) -> Any:
    """A port value (a dataclass, or a list or dict of them) as JSON-safe data."""
    return _adapter(type(value)).dump_python(value, mode="json")


def decode_value(kind: type[_T] | Any, data: Any, *, what: str) -> _T:
    """Rebuild a value of ``kind`` (a type, or a typing form such as ``list[Balance]``).

    Raises:
        WireFormatError: naming ``what`` and the first field that is wrong.
    """
    try:
        return _adapter(kind).validate_python(data)  # type: ignore[no-any-return]
    except ValidationError as e:
        first = e.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "(the whole value)"
        raise WireFormatError(
            f"{what}.{where}: expected a valid value ({first['msg']}), received "
            f"{first.get('input')!r}"
        ) from None


def encode_events(events: Iterable[OutcomeEvent]) -> list[dict[str, Any]]:
    """Outcome events as ``{"kind", "data"}`` objects, in order."""
    return [encode_message(event) for event in events]


def decode_events(data: Any, *, what: str) -> list[OutcomeEvent]:
    """Rebuild outcome events from :func:`encode_events` output.

    Raises:
        WireFormatError: not a list of outcome events.
    """
    if not isinstance(data, list):
        raise WireFormatError(f"{what}: expected a list of events, received {data!r}")
    events = []
    for index, item in enumerate(data):
        event = decode_message_or_fail(item, what=f"{what}[{index}]")
        if not isinstance(event, OutcomeEvent):
            raise WireFormatError(
                f"{what}[{index}]: expected an outcome event, received {type(event).__name__}"
            )
        events.append(event)
    return events


def decode_message_or_fail(data: Any, *, what: str) -> Any:
    """Rebuild a command or event from ``{"kind", "data"}``.

    Raises:
        WireFormatError: an unknown kind or a bad field.
    """
    if not isinstance(data, dict) or "kind" not in data or "data" not in data:
        raise WireFormatError(f"{what}: expected an object with kind and data, received {data!r}")
    try:
        return decode_message(data)
    except KeyError:
        raise WireFormatError(
            f"{what}.kind: expected a known message name, received {data['kind']!r}"
        ) from None
    except ValidationError as e:
        first = e.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise WireFormatError(
            f"{what}.data.{where}: expected a valid value ({first['msg']}), received "
            f"{first.get('input')!r}"
        ) from None


def error_body(code: str, message: str) -> dict[str, Any]:
    """The body of an error answer."""
    return {"error": {"code": code, "message": message}}
