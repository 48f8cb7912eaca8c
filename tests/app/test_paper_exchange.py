"""``lpexec paper-exchange``: the paper markets stepped with the wall clock (one step per whole
minute, caught up before each request), saved after every write before its answer and after a
step that filled, so a restarted server (even one killed with -9) holds every order it answered."""

from __future__ import annotations

import asyncio
import datetime as dt
import signal
from decimal import Decimal

import httpx
import pytest

from fixtures.cli import invoke
from fixtures.paper_runtime import free_port, start_paper_exchange_process
from lpexec.app.paper_exchange import PaperExchangeHost
from lpexec.app.paper_market import PaperMarkets
from lpexec.core import Evidence, LiveClock, PlaceOrder, SimulatedClock
from lpexec.paper.venues.remote_exchange import RemoteExchangeVenue

D = Decimal
T0 = dt.datetime(2026, 3, 1, 12, 0, 30, tzinfo=dt.UTC)
URL = "http://paper-exchange.test"
PAIR = "SOL-USDT"


def venue_on(host: PaperExchangeHost, key: str = "paper") -> RemoteExchangeVenue:
    http = httpx.AsyncClient(transport=httpx.ASGITransport(app=host.app), base_url=URL)
    return RemoteExchangeVenue(URL, venue=key, clock=host.paper_clock, http_client=http)


def limit(client_order_id: str, price: Decimal, side: str = "BUY") -> PlaceOrder:
    return PlaceOrder(
        command_id=f"c-{client_order_id}",
        executor_id="e-1",
        venue="paper",
        trading_pair=PAIR,
        side=side,
        order_type="LIMIT",
        amount=D(1),
        price=price,
        client_order_id=client_order_id,
    )


async def test_paper_time_follows_the_wall_clock_one_step_per_whole_minute():
    wall = SimulatedClock(T0)
    host = PaperExchangeHost.open(seed=4, wall=wall)
    venue = venue_on(host)
    # Act: 150 s later (two whole minutes), then 30 s more (the third)
    wall.advance(150)
    first = await venue.touches()
    steps_then = host.markets.step
    wall.advance(30)
    await venue.balances()
    # Assert
    assert steps_then == 2 and host.markets.step == 3
    assert host.markets.paper_time == T0 + dt.timedelta(minutes=3)
    assert host.paper_clock.now() == host.markets.paper_time
    assert [touch.ts_event for touch in first] == [T0 + dt.timedelta(minutes=2)] * 3


async def test_a_restart_on_the_state_file_keeps_answered_orders_and_step_fills(tmp_path):
    # Arrange: a resting buy just under the touch, then two hours of steps
    wall, state = SimulatedClock(T0), tmp_path / "exchange.json"
    host = PaperExchangeHost.open(seed=4, wall=wall, state_file=state)
    venue = venue_on(host)
    bid = host.markets.exchange.market(PAIR).quote.bid
    await venue.place_order(limit("rests", bid - D("0.5")), Evidence())
    await venue.place_order(limit("far", bid - D(50)), Evidence())
    wall.advance(2 * 3600)
    filled = await venue.order_status(PAIR, "rests")
    # Act: a new server on the file, as left (never closed: a kill -9)
    again = PaperExchangeHost.open(seed=4, wall=wall, state_file=state)
    after = venue_on(again)
    # Assert: both orders, the fills the steps made, the same paper time
    assert filled is not None and filled.status == "FILLED"
    assert await after.order_status(PAIR, "rests") == filled
    assert (await after.order_status(PAIR, "far")).status == "OPEN"
    assert again.markets.fill_count == host.markets.fill_count == 1
    assert again.markets.step == host.markets.step == 120


async def test_a_restart_plays_the_steps_missed_while_the_server_was_down(tmp_path):
    wall, state = SimulatedClock(T0), tmp_path / "exchange.json"
    host = PaperExchangeHost.open(seed=4, wall=wall, state_file=state)
    wall.advance(90)
    host.catch_up()
    host.save()
    # Act: down for ten minutes
    wall.advance(600)
    again = PaperExchangeHost.open(seed=4, wall=wall, state_file=state)
    # Assert: 11 steps in all, the same path as a server that never stopped
    other_wall = SimulatedClock(T0)
    alone = PaperExchangeHost.open(seed=4, wall=other_wall)
    other_wall.advance(690)  # the same wall time, in one run
    alone.catch_up()
    assert again.markets.step == alone.markets.step == 11
    assert again.markets.mids == alone.markets.mids


def test_a_state_file_that_is_not_one_is_refused_in_one_line(tmp_path):
    folder = tmp_path / "a-folder"
    folder.mkdir()
    result = invoke("paper-exchange", "--port", str(free_port()), "--state-file", str(folder))
    assert result.exit_code == 2 and "Traceback" not in result.stderr
    assert "expected a file, received the directory" in result.stderr


@pytest.mark.slow
def test_a_server_killed_after_answering_a_place_still_holds_it(tmp_path):
    # Arrange: a real server process with a state file
    state = tmp_path / "exchange.json"
    port = free_port()
    server = start_paper_exchange_process(port=port, arguments=["--state-file", str(state)])
    url = f"http://127.0.0.1:{port}"

    async def place_then_read(base_url: str) -> tuple:
        venue = RemoteExchangeVenue(base_url, venue="paper", clock=LiveClock())
        try:
            touch = next(t for t in await venue.touches() if t.trading_pair == PAIR)
            placed = await venue.place_order(limit("kept", touch.bid - D(20)), Evidence())
            return placed, await venue.order_status(PAIR, "kept")
        finally:
            await venue.aclose()

    async def read(base_url: str):
        venue = RemoteExchangeVenue(base_url, venue="paper", clock=LiveClock())
        try:
            return await venue.order_status(PAIR, "kept")
        finally:
            await venue.aclose()

    try:
        placed, before = asyncio.run(place_then_read(url))
        # Act: kill -9 right after the answer, start again on the same file
        server.send_signal(signal.SIGKILL)
        server.wait(timeout=10)
        port = free_port()
        server = start_paper_exchange_process(port=port, arguments=["--state-file", str(state)])
        after = asyncio.run(read(f"http://127.0.0.1:{port}"))
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    # Assert
    assert placed and before is not None and before.status == "OPEN"
    assert after == before
    saved = PaperMarkets.load_or_new(state, seed=0, now=T0)
    assert [order.client_order_id for order in saved.exchange.all_orders()] == ["kept"]
