"""MarketPoller: asks the feed for the keys somebody needs, publishes what it answers, survives
a feed that breaks, and sleeps on the engine's clock between polls."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import ClassVar

import pytest

from lpexec.core import (
    Command,
    Engine,
    Executor,
    ExecutorConfig,
    ExecutorStatus,
    MemoryStore,
    PriceUpdated,
    TransitionTable,
    on,
)
from lpexec.core.clock import SimulatedClock
from lpexec.core.market import MarketPoller


class ListenerConfig(ExecutorConfig):
    type = "price_listener"
    keys: tuple[str, ...] = ()

    def price_keys(self) -> frozenset[str]:
        return frozenset(self.keys)


class Phase(StrEnum):
    LISTENING = "listening"
    DONE = "done"


@dataclass(slots=True)
class ListenerState:
    phase: Phase = Phase.LISTENING
    heard: list[str] = field(default_factory=list)


class ListenerExecutor(Executor[ListenerConfig, ListenerState]):
    """Records every price it receives as ``pair=price``."""

    config_class = ListenerConfig
    state_class = ListenerState
    family_table: ClassVar[TransitionTable[Phase, str]] = {(Phase.LISTENING, "stop"): Phase.DONE}
    family_status: ClassVar[dict[Phase, ExecutorStatus]] = {
        Phase.LISTENING: ExecutorStatus.CREATED,
        Phase.DONE: ExecutorStatus.TERMINATED,
    }
    family_field = "phase"

    @on(PriceUpdated)
    def _price(self, event: PriceUpdated) -> list[Command]:
        self.state.heard.append(f"{event.trading_pair}={event.price}")
        return []


class QuoteBoard:
    """A MarketFeed over a fixed board of pair prices; a pair on ``broken`` cannot be read (left
    out, as the port says), and ``down`` makes the whole feed raise."""

    def __init__(self, clock: SimulatedClock, prices: dict[str, str]) -> None:
        self.clock = clock
        self.prices = prices
        self.broken: set[str] = set()
        self.down = False
        self.asked: list[list[str]] = []

    async def snapshot(self, keys: Iterable[str]) -> list[PriceUpdated]:
        keys = list(keys)
        self.asked.append(keys)
        if self.down:
            raise ConnectionError("feed unreachable")
        return [
            PriceUpdated(
                ts_event=self.clock.now(), trading_pair=key, price=Decimal(self.prices[key])
            )
            for key in keys
            if key in self.prices and key not in self.broken
        ]


@pytest.fixture
async def engine(clock):
    engine = Engine(store=MemoryStore(), clock=clock, executor_types=[ListenerExecutor], venues={})
    await engine.start()
    return engine


def heard(engine: Engine, executor_id: str) -> list[str]:
    executor = engine.executor(executor_id)
    assert isinstance(executor, ListenerExecutor)
    return executor.state.heard


async def test_a_poll_asks_only_for_subscribed_keys_and_publishes_each_answer(engine, clock):
    # Arrange
    board = QuoteBoard(clock, {"SOL-USDC": "150", "JUP-USDC": "0.8", "BONK-USDC": "0.00002"})
    await engine.create(ListenerConfig(id="sol", keys=("SOL-USDC",)))
    await engine.create(ListenerConfig(id="both", keys=("SOL-USDC", "JUP-USDC")))
    poller = MarketPoller(engine, board)
    # Act
    published = await poller.poll_once()
    # Assert
    assert published == 2
    assert sorted(board.asked[0]) == ["JUP-USDC", "SOL-USDC"]
    assert heard(engine, "sol") == ["SOL-USDC=150"]
    assert sorted(heard(engine, "both")) == ["JUP-USDC=0.8", "SOL-USDC=150"]


async def test_a_key_the_feed_cannot_read_is_skipped_and_the_others_are_published(engine, clock):
    # Arrange
    board = QuoteBoard(clock, {"SOL-USDC": "150", "JUP-USDC": "0.8"})
    board.broken = {"SOL-USDC"}
    await engine.create(ListenerConfig(id="sol", keys=("SOL-USDC",)))
    await engine.create(ListenerConfig(id="jup", keys=("JUP-USDC",)))
    poller = MarketPoller(engine, board)
    # Act
    events = await poller.poll()
    board.broken.clear()
    board.prices["SOL-USDC"] = "151"
    again = await poller.poll_once()
    # Assert: the next poll tries the bad key again
    assert [event.trading_pair for event in events] == ["JUP-USDC"]
    assert heard(engine, "sol") == ["SOL-USDC=151"]
    assert heard(engine, "jup") == ["JUP-USDC=0.8", "JUP-USDC=0.8"]
    assert again == 2


async def test_a_feed_that_fails_as_a_whole_publishes_nothing_and_does_not_raise(
    engine, clock, caplog
):
    board = QuoteBoard(clock, {"SOL-USDC": "150"})
    board.down = True
    await engine.create(ListenerConfig(id="sol", keys=("SOL-USDC",)))

    assert await MarketPoller(engine, board).poll() == []

    assert heard(engine, "sol") == []
    assert "market feed failed for 1 key(s): ConnectionError: feed unreachable" in caplog.text


async def test_own_keys_come_first_in_order_even_without_subscribers(engine, clock):
    board = QuoteBoard(clock, {"SOL-USDC": "150", "JUP-USDC": "0.8", "WIF-USDC": "2"})
    await engine.create(ListenerConfig(id="sol", keys=("SOL-USDC",)))
    poller = MarketPoller(engine, board, keys=["WIF-USDC", "JUP-USDC", "WIF-USDC"])

    events = await poller.poll()

    assert board.asked == [["WIF-USDC", "JUP-USDC", "SOL-USDC"]]
    assert [event.trading_pair for event in events] == ["WIF-USDC", "JUP-USDC", "SOL-USDC"]
    assert heard(engine, "sol") == ["SOL-USDC=150"]


async def test_nothing_subscribed_means_the_feed_is_not_asked(engine, clock):
    board = QuoteBoard(clock, {"SOL-USDC": "150"})

    assert await MarketPoller(engine, board).poll_once() == 0

    assert board.asked == []


async def test_run_polls_on_the_engine_clock_and_does_not_sleep_after_the_last_round(engine, clock):
    # Arrange
    board = QuoteBoard(clock, {"SOL-USDC": "150"})
    await engine.create(ListenerConfig(id="sol", keys=("SOL-USDC",)))
    start = clock.now()
    seen: list[tuple[dt.datetime, int]] = []

    async def on_poll(events: list[PriceUpdated]) -> None:
        seen.append((clock.now(), len(events)))

    # Act
    rounds = await MarketPoller(engine, board).run(5.0, rounds=3, on_poll=on_poll)
    # Assert
    assert rounds == 3
    assert seen == [(start + dt.timedelta(seconds=5 * index), 1) for index in range(3)]
    assert clock.now() == start + dt.timedelta(seconds=10)


async def test_run_stops_when_the_stop_event_is_set(engine, clock):
    board = QuoteBoard(clock, {"SOL-USDC": "150"})
    await engine.create(ListenerConfig(id="sol", keys=("SOL-USDC",)))
    stop = asyncio.Event()

    async def on_poll(_events: list[PriceUpdated]) -> None:
        if len(board.asked) == 2:
            stop.set()

    rounds = await MarketPoller(engine, board).run(5.0, stop=stop, on_poll=on_poll)

    assert rounds == 2
    assert heard(engine, "sol") == ["SOL-USDC=150", "SOL-USDC=150"]
