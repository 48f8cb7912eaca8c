"""``OrderPoller``: reads the venue's records of live executors' open orders and delivers them.

A venue fills a resting order on its own time; nothing answers a command then. The poller asks
each live executor that holds orders on a venue (:class:`OrderHolder`) for them, looks each one
up by client order id (:meth:`~lpexec.core.ports.ExchangeVenue.order_status`) and delivers what
the record implies (:meth:`~lpexec.core.exchange.OrderReport.events`) through
:meth:`Engine.observe <lpexec.core.engine.Engine.observe>`. Executors count a fill once per
``fill_id``, so reading the same record again changes nothing; after a restart the first poll
delivers every fill made while the process was down.

A venue that cannot answer for one order is logged and skipped (the next poll asks again); one
bad read never stops the loop.

Example:
    >>> poller = OrderPoller(engine)
    >>> await poller.poll_once()  # number of orders whose record changed an executor
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from typing import Any, Protocol, runtime_checkable

from lpexec.core.clock import Clock
from lpexec.core.errors import VenueError
from lpexec.core.exchange import OrderRef
from lpexec.core.messages import Event

__all__ = ["OrderHolder", "OrderPoller", "live_order_refs", "log_unread"]

logger = logging.getLogger(__name__)


@runtime_checkable
class OrderHolder(Protocol):
    """An executor with orders on a venue."""

    id: str
    revision: int

    def order_refs(self) -> Sequence[OrderRef]:
        """The orders the venue may still fill or cancel (open, or whose place is unsettled)."""
        ...


class _Engine(Protocol):
    @property
    def clock(self) -> Clock: ...

    def live_executors(self) -> list[Any]: ...

    def venue(self, key: str) -> Any: ...

    def observe(self, executor_id: str, events: Sequence[Event]) -> bool: ...


class OrderPoller:
    """Delivers venue records of open orders to their executors (see the module docstring)."""

    def __init__(self, engine: _Engine) -> None:
        self._engine = engine

    async def poll_once(self) -> int:
        """Read every open order of every live executor once; return how many records changed
        their executor."""
        engine = self._engine
        changed = 0
        for executor, ref in live_order_refs(engine):
            try:
                report = await engine.venue(ref.venue).order_status(
                    ref.trading_pair, ref.client_order_id
                )
            except VenueError as error:
                log_unread(ref, error)
                continue
            if report is None:
                continue
            revision = executor.revision
            engine.observe(executor.id, report.events(engine.clock.now()))
            if executor.revision != revision:
                changed += 1
        return changed


def live_order_refs(engine: _Engine) -> Iterator[tuple[Any, OrderRef]]:
    """Each live :class:`OrderHolder`'s orders, with the executor; an executor's next orders
    are left out once it has ended (the record just delivered ended it)."""
    for executor in engine.live_executors():
        order_refs = getattr(executor, "order_refs", None)
        if order_refs is None:
            continue
        for ref in order_refs():
            yield executor, ref
            if executor.is_terminated:
                break


def log_unread(ref: OrderRef, error: VenueError) -> None:
    """Log an order whose record could not be read (the next poll asks again)."""
    logger.warning(
        "order %s on %s: reading its status failed: %s", ref.client_order_id, ref.venue, error
    )
