"""Messages: the bases of every event and command, the registry that stores them by name, and
the control events every executor family shares.

Events are facts that happened, named in the past tense, fed to executors through ``apply``.
Control events come from the engine (start, stop, ticks, prices). Outcome events come from venues
through the engine and name the ``command_id`` they answer. Commands are what an executor wants
done, named in the imperative; each names the executor that issued it, a ``command_id`` unique per
executor (the intent key: one command id is carried out at most once) and the ``venue`` key the
engine routes it to. All are frozen. The cross-family trade vocabulary is in
:mod:`lpexec.core.trade`; each family keeps its own messages (``lpexec.lp.messages``,
``lpexec.swap.messages``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar, TypeVar

__all__ = [
    "Command",
    "CommandFailed",
    "Event",
    "ExecutorStarted",
    "OutcomeEvent",
    "PriceUpdated",
    "StopRequested",
    "Tick",
    "message_class",
    "message_name",
    "register_message",
]

M = TypeVar("M", bound=type)

_BY_NAME: dict[str, type] = {}


def register_message(cls: M) -> M:
    """Register ``cls`` under its class name; names are stored, so they must stay stable."""
    name = cls.__name__
    existing = _BY_NAME.get(name)
    if existing is not None and existing is not cls:
        raise ValueError(f"Expected a unique message name, received a second class named {name!r}")
    _BY_NAME[name] = cls
    return cls


def message_name(message: object) -> str:
    """Return the stable name a message is stored under."""
    return type(message).__name__


def message_class(name: str) -> type:
    """Return the class registered under ``name``."""
    try:
        return _BY_NAME[name]
    except KeyError:
        raise KeyError(f"Expected a registered message name, received {name!r}") from None


# --- bases -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class Event:
    """Base of every event; ``ts_event`` is when it happened (aware UTC)."""

    ts_event: dt.datetime


# --- control events (from the engine) -------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class Command:
    """Base of every command; ``is_write`` commands get an intent written before they are sent.

    ``port_method`` names the method of the venue adapter that carries the command out, so a
    package can define commands of its own without the engine knowing them.
    """

    is_write: ClassVar[bool] = True
    port_method: ClassVar[str] = ""

    command_id: str
    executor_id: str
    venue: str


@dataclass(frozen=True, slots=True, kw_only=True)
class OutcomeEvent(Event):
    """An event that answers the command ``command_id``."""

    command_id: str


# --- control events (from the engine) -------------------------------------------------------


@register_message
@dataclass(frozen=True, slots=True, kw_only=True)
class ExecutorStarted(Event):
    """The engine started the executor."""


@register_message
@dataclass(frozen=True, slots=True, kw_only=True)
class StopRequested(Event):
    """A caller asked the executor to stop; ``keep_position`` None means the config's value."""

    keep_position: bool | None = None


@register_message
@dataclass(frozen=True, slots=True, kw_only=True)
class Tick(Event):
    """Time passed; executors with timers check them against ``ts_event``."""


@register_message
@dataclass(frozen=True, slots=True, kw_only=True)
class PriceUpdated(Event):
    """A new reference price (quote per base) for ``trading_pair``.

    The engine delivers it to the subscribers of each of its :meth:`keys`; a family adds its own
    market details in a subclass (an LP pool's price names the pool and its active bin).
    """

    trading_pair: str
    price: Decimal

    def keys(self) -> tuple[str, ...]:
        """The price keys whose subscribers receive this event."""
        return (self.trading_pair,)


# --- failure of any command ------------------------------------------------------------------


@register_message
@dataclass(frozen=True, slots=True, kw_only=True)
class CommandFailed(OutcomeEvent):
    """A command was not carried out; ``retryable`` says whether sending it again may work.

    ``code`` is a stable machine-readable cause when the venue gives one (e.g.
    ``position_not_found``, ``slippage_exceeded``, ``insufficient_funds``, and
    ``outcome_unknown`` when the outcome was still unknown at the end of its budget: it may
    yet have landed). A transaction that landed and failed on chain still cost ``tx_fee``
    (native units), paid by ``signature``.
    """

    reason: str
    retryable: bool = False
    code: str = ""
    tx_fee: Decimal = Decimal(0)
    signature: str = ""
