"""The exchange port over HTTP (RemoteExchangeVenue on the paper exchange app): the same answers
as the in-process venue, errors translated once (a write that timed out or got a 5xx is an
unknown outcome, never re-sent; a 4xx a rejection; a read that fails is unavailable), and a place
whose answer was lost reconciled by its client order id to exactly one order."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import httpx
import pytest

from fixtures.engine_builders import intents
from fixtures.paper_exchange import (
    PAIR,
    make_cex_engine,
    make_exchange,
    make_order_config,
    make_perpetual_exchange,
    step,
)
from lpexec.cex import OrderState
from lpexec.cex.chaser import TopOfBookUpdated
from lpexec.core import (
    CancelOrder,
    Evidence,
    MemoryStore,
    OrderPoller,
    OutcomeUnknownError,
    PlaceOrder,
    VenueRejectedError,
    VenueUnavailableError,
)
from lpexec.core.store.tables import IntentStatus
from lpexec.paper.exchange_server import create_exchange_app
from lpexec.paper.venues.exchange import PaperExchangeVenue
from lpexec.paper.venues.remote_exchange import RemoteExchangeFeed, RemoteExchangeVenue

D = Decimal
URL = "http://paper-exchange.test"


def remote(venues: dict, clock, **options) -> RemoteExchangeVenue:
    app = create_exchange_app(venues, pairs=[PAIR])
    http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=URL)
    return RemoteExchangeVenue(URL, venue="paper", clock=clock, http_client=http, **options)


def place_command(client_order_id: str = "o-1", **fields) -> PlaceOrder:
    values = {
        "command_id": "c-1",
        "executor_id": "e-1",
        "venue": "paper",
        "trading_pair": PAIR,
        "side": "BUY",
        "order_type": "LIMIT",
        "amount": D(1),
        "price": D(100),
        "client_order_id": client_order_id,
        **fields,
    }
    return PlaceOrder(**values)


def cancel_command(client_order_id: str = "o-1") -> CancelOrder:
    return CancelOrder(
        command_id="c-2",
        executor_id="e-1",
        venue="paper",
        trading_pair=PAIR,
        client_order_id=client_order_id,
    )


async def test_answers_are_the_in_process_venues_answers(clock):
    # Arrange: two identical exchanges, one read in process, one over HTTP
    here_exchange, there_exchange = make_exchange(clock), make_exchange(clock)
    here = PaperExchangeVenue(here_exchange, clock=clock)
    there = remote({"paper": PaperExchangeVenue(there_exchange, clock=clock)}, clock)
    since = clock.now()
    answers = []
    for venue, exchange in ((here, here_exchange), (there, there_exchange)):
        evidence = Evidence()
        # Act: a limit that fills on the next step, a second one canceled
        placed = await venue.place_order(place_command("o-1"), evidence)
        await venue.place_order(place_command("o-2", price=D(90)), Evidence())
        step(exchange, clock, bid="98", ask="99", seconds=0)
        canceled = await venue.cancel_order(cancel_command("o-2"), Evidence())
        answers.append(
            (
                placed,
                dict(evidence),
                canceled,
                await venue.order_status(PAIR, "o-1"),
                await venue.order_status(PAIR, "nope"),
                await venue.fills_since(PAIR, since),
                await venue.balances(),
                await venue.trading_rules(PAIR),
                await venue.reconcile(place_command("o-1"), Evidence()),
                await venue.reconcile(place_command("o-3"), Evidence()),
            )
        )
    # Assert
    assert answers[0] == answers[1]
    assert answers[1][3].status == "FILLED" and answers[1][2][-1].client_order_id == "o-2"


async def test_perpetual_calls_and_leverage_carried_by_the_first_open(clock):
    # Arrange
    perpetual = make_perpetual_exchange(clock, funding_interval_seconds=60)
    venue = remote(
        {"paper": PaperExchangeVenue(perpetual, clock=clock)},
        clock,
        leverage_of={"e-1": 4}.get,
    )
    opening = place_command(order_type="MARKET", price=None, position_action="OPEN")
    # Act
    await venue.place_order(opening, Evidence())
    held = await venue.positions()
    step(perpetual, clock, bid="99", ask="101", seconds=61)
    funding = await venue.funding_payments(PAIR, clock.now() - dt.timedelta(hours=1))
    with pytest.raises(VenueRejectedError) as refused:
        await venue.set_leverage(PAIR, 2)  # a position is open at 4
    await venue.set_position_mode("ONEWAY")
    # Assert
    assert [(p.side, p.amount, p.leverage) for p in held] == [("LONG", D(1), 4)]
    assert len(funding) == 1 and funding[0].amount < 0
    assert (funding[0].position_side, funding[0].position_amount) == ("LONG", D(1))
    assert refused.value.code == "position_state"


async def test_the_feed_publishes_the_touch_of_asked_pairs_it_lists(clock):
    venue = remote({"paper": PaperExchangeVenue(make_exchange(clock), clock=clock)}, clock)
    feed = RemoteExchangeFeed(venue, clock=clock)
    # Act
    events = await feed.snapshot([PAIR, "BTC-USDT", "a-pool-address"])
    none = await feed.snapshot([])
    # Assert
    assert events == [
        TopOfBookUpdated(
            ts_event=clock.now(), trading_pair=PAIR, price=D(100), best_bid=D(99), best_ask=D(101)
        )
    ]
    assert none == []


def failing(outcome) -> tuple[RemoteExchangeVenue, list[httpx.Request]]:
    """A venue on a transport that answers every request with ``outcome`` (a status code and
    body, or an exception to raise); the list collects the requests sent."""
    sent: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        if isinstance(outcome, Exception):
            raise outcome
        status, body, headers = outcome
        return httpx.Response(status, json=body, headers=headers)

    http = httpx.AsyncClient(transport=httpx.MockTransport(handler), base_url=URL)
    return RemoteExchangeVenue(URL, venue="paper", clock=None, http_client=http), sent


REFUSED = (422, {"error": {"code": "order_rejected", "message": "too small"}}, {})


@pytest.mark.parametrize(
    ("outcome", "on_write", "on_read"),
    [
        (httpx.ReadTimeout("slow"), OutcomeUnknownError, VenueUnavailableError),
        (httpx.RemoteProtocolError("closed"), OutcomeUnknownError, VenueUnavailableError),
        (httpx.ConnectError("refused"), VenueUnavailableError, VenueUnavailableError),
        (httpx.ConnectTimeout("no route"), VenueUnavailableError, VenueUnavailableError),
        ((500, {"error": {"code": "x", "message": "boom"}}, {}), OutcomeUnknownError, None),
        ((503, None, {}), OutcomeUnknownError, VenueUnavailableError),
        ((504, {"error": {"code": "timeout", "message": "lost"}}, {}), OutcomeUnknownError, None),
        (
            (
                429,
                {"error": {"code": "rate_limited", "message": "slow down"}},
                {"Retry-After": "3"},
            ),
            VenueUnavailableError,
            VenueUnavailableError,
        ),
        (REFUSED, VenueRejectedError, VenueRejectedError),
        ((200, {"events": "not a list"}, {}), OutcomeUnknownError, None),
    ],
)
async def test_errors_are_translated_once_and_a_write_is_never_sent_twice(
    outcome, on_write, on_read
):
    # Arrange
    venue, sent = failing(outcome)
    # Act / Assert: a place
    with pytest.raises(on_write) as raised:
        await venue.place_order(place_command(), Evidence())
    assert len(sent) == 1
    if isinstance(outcome, tuple) and outcome[0] == 429:
        assert raised.value.retry_after == 3
    if outcome is REFUSED:
        assert raised.value.code == "order_rejected" and "too small" in str(raised.value)
    # and a read
    expected_read = on_read or VenueUnavailableError
    with pytest.raises(expected_read):
        await venue.balances()
    assert len(sent) == 2


@pytest.mark.parametrize(("fault", "sends"), [("504", 1), ("drop", 2)])
async def test_a_place_whose_answer_was_lost_is_reconciled_to_exactly_one_order(
    clock, fault, sends
):
    # Arrange: the server's venue loses the first place's answer (after it landed, or before)
    exchange = make_exchange(clock)
    served = PaperExchangeVenue(exchange, clock=clock, faults=f"place:{fault}#1")
    venue = remote({"paper": served}, clock)
    engine = make_cex_engine(MemoryStore(), clock, venue)
    # Act
    executor = engine.add(make_order_config(price=D(100)))
    for _ in range(3):
        await engine.drain()
    step(exchange, clock, bid="99", ask="100")
    await OrderPoller(engine).poll_once()
    # Assert
    (intent,) = intents(engine.store, executor.id).values()
    assert (intent.status, intent.attempts) == (IntentStatus.DONE, sends)
    assert [order.client_order_id for order in exchange.all_orders()] == [
        executor.state.client_order_id
    ]
    assert executor.state.order_state is OrderState.FILLED
    assert len(exchange.fills_since(0)) == 1
