"""The heartbeat workers and daemons share: renewals on a thread of their own and balancing on
the event loop, each failure logged and tried again at the next heartbeat, nothing after a stop."""

from __future__ import annotations

import asyncio
import logging
import threading

import pytest
from sqlalchemy.exc import OperationalError

from lpexec.app.heartbeat import Heartbeat

LOGGER = logging.getLogger("tests.heartbeat")


def heartbeat(renew, balance) -> Heartbeat:
    return Heartbeat(
        renew=renew,
        balance=balance,
        seconds=0.01,
        thread_name="test-renewal",
        logger=LOGGER,
        who="worker w1",
    )


async def test_renewals_run_on_their_thread_go_on_after_a_failure_and_end_at_halt(caplog):
    # Arrange: the first renewal fails
    threads: list[str] = []
    renewed = threading.Event()

    def renew() -> None:
        threads.append(threading.current_thread().name)
        if len(threads) == 1:
            raise OperationalError("UPDATE", {}, Exception("gone"))
        renewed.set()

    async def balance() -> None:
        pass

    beats = heartbeat(renew, balance)
    # Act
    beats.start()
    assert await asyncio.to_thread(renewed.wait, 5)
    await beats.halt()
    count = len(threads)
    await asyncio.sleep(0.05)
    # Assert
    assert set(threads) == {"test-renewal"}
    assert len(threads) == count
    assert "worker w1 could not renew its leases" in caplog.messages


async def test_balancing_goes_on_after_a_database_failure_and_stops_with_stop(caplog):
    # Arrange: the first balancing finds the database gone, the third sets stop
    stop = asyncio.Event()
    calls = 0

    async def balance() -> None:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise OperationalError("SELECT", {}, Exception("gone"))
        if calls == 3:
            stop.set()

    beats = heartbeat(lambda: None, balance)
    # Act
    await asyncio.wait_for(beats.balance_until(stop), timeout=5)
    # Assert
    assert calls == 3
    assert caplog.messages == ["worker w1 could not balance its leases"]


async def test_another_balancing_error_ends_the_loop():
    # Arrange
    async def balance() -> None:
        raise ValueError("a bug")

    beats = heartbeat(lambda: None, balance)
    # Act / Assert
    with pytest.raises(ValueError, match="a bug"):
        await asyncio.wait_for(beats.balance_until(asyncio.Event()), timeout=5)


async def test_no_balancing_once_stop_is_set():
    # Arrange
    stop = asyncio.Event()
    stop.set()
    calls: list[int] = []

    async def balance() -> None:
        calls.append(1)

    # Act
    await heartbeat(lambda: None, balance).balance_until(stop)
    # Assert
    assert calls == []
