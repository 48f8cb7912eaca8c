"""The heartbeat of a worker or a daemon: its leases renewed on a thread of their own (so a busy
event loop keeps them) and balanced on the event loop, every heartbeat until a stop.

A renewal or a balancing that fails is logged, and the next heartbeat tries again.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Awaitable, Callable

from sqlalchemy.exc import SQLAlchemyError

__all__ = ["Heartbeat"]


class Heartbeat:
    """Calls ``renew`` every ``seconds`` on a thread (from :meth:`start` to :meth:`halt`), and
    ``balance`` every ``seconds`` on the event loop (:meth:`balance_until`).

    Args:
        renew: says the process is alive and extends its leases (on the renewal thread).
        balance: drops what was lost, hands over and claims (on the event loop).
        seconds: the heartbeat interval.
        thread_name: the renewal thread's name.
        logger: where failures are logged.
        who: the process, as those lines name it (``worker <id>``, ``daemon <id>``).
    """

    def __init__(
        self,
        *,
        renew: Callable[[], None],
        balance: Callable[[], Awaitable[object]],
        seconds: float,
        thread_name: str,
        logger: logging.Logger,
        who: str,
    ) -> None:
        self._renew = renew
        self._balance = balance
        self._seconds = seconds
        self._logger = logger
        self._who = who
        self._halt = threading.Event()
        self._thread = threading.Thread(
            target=self._renew_every_heartbeat, name=thread_name, daemon=True
        )

    def start(self) -> None:
        """Start renewing (the first renewal one heartbeat from now)."""
        self._thread.start()

    async def halt(self) -> None:
        """Stop renewing, and wait until a renewal under way has ended."""
        self._halt.set()
        await asyncio.to_thread(self._thread.join)

    async def balance_until(self, stop: asyncio.Event) -> None:
        """Balance every heartbeat until ``stop`` is set (none once it is)."""
        while not stop.is_set():
            try:
                await asyncio.wait_for(stop.wait(), timeout=self._seconds)
            except TimeoutError:
                pass
            if stop.is_set():
                return
            try:
                await self._balance()
            except SQLAlchemyError:  # the database did not answer: the next heartbeat tries again
                self._logger.exception("%s could not balance its leases", self._who)

    def _renew_every_heartbeat(self) -> None:
        while not self._halt.wait(self._seconds):
            try:
                self._renew()
            except Exception:  # the database did not answer: the next heartbeat tries again
                self._logger.exception("%s could not renew its leases", self._who)
