"""The paper exchange's HTTP app: each port call answered as JSON, the port's errors as status
codes (400 malformed, 404 unknown venue or route, 422 refused, 429/503 not carried out, 504 answer
lost), writes saved before their answer, the markets caught up before every request."""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest

from fixtures.paper_exchange import PAIR, make_exchange, make_perpetual_exchange
from lpexec.core import CancelOrder, OrderCanceled, OrderCreated, PlaceOrder
from lpexec.core.serialization import encode_message
from lpexec.paper.exchange_server import create_exchange_app, decode_events
from lpexec.paper.venues.exchange import PaperExchangeVenue
from lpexec.paper.venues.exchange_faults import ExchangeFaultPlan

D = Decimal


def place(client_order_id: str = "o-1", **fields) -> dict:
    values = {
        "command_id": "c-1",
        "executor_id": "e-1",
        "venue": "paper",
        "trading_pair": PAIR,
        "side": "BUY",
        "order_type": "LIMIT",
        "amount": D(1),
        "price": D(95),
        "client_order_id": client_order_id,
        **fields,
    }
    return {"command": encode_message(PlaceOrder(**values))}


def cancel(client_order_id: str = "o-1") -> dict:
    command = CancelOrder(
        command_id="c-2",
        executor_id="e-1",
        venue="paper",
        trading_pair=PAIR,
        client_order_id=client_order_id,
    )
    return {"command": encode_message(command)}


@pytest.fixture
def served(clock):
    """(client, exchange, calls): the app over one spot venue ``paper`` and one perpetual venue
    ``perp``; ``calls`` records the hooks in order."""
    exchange = make_exchange(clock)
    perpetual = make_perpetual_exchange(clock)
    calls: list[str] = []
    venues = {
        "paper": PaperExchangeVenue(exchange, clock=clock),
        "perp": PaperExchangeVenue(perpetual, clock=clock),
    }
    app = create_exchange_app(
        venues,
        pairs=[PAIR],
        on_request=lambda: calls.append("request"),
        after_write=lambda: calls.append("saved"),
    )
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://x")
    return client, exchange, perpetual, venues, calls


async def test_a_place_answers_its_events_and_a_second_send_makes_no_second_order(served):
    client, exchange, _, _, calls = served
    # Act
    first = await client.post("/venues/paper/orders", json=place())
    again = await client.post("/venues/paper/orders", json=place())
    # Assert
    assert first.status_code == again.status_code == 200
    events = decode_events(first.json()["events"], what="events")
    assert [type(event) for event in events] == [OrderCreated]
    assert first.json() == again.json()
    assert [order.client_order_id for order in exchange.all_orders()] == ["o-1"]
    assert calls == ["request", "saved", "request", "saved"]


async def test_reads_answer_the_port_values_and_a_cancel_the_record(served):
    client, _, _, _, calls = served
    await client.post("/venues/paper/orders", json=place())
    # Act
    status = await client.get("/venues/paper/orders/o-1", params={"trading_pair": PAIR})
    missing = await client.get("/venues/paper/orders/nope", params={"trading_pair": PAIR})
    rules = await client.get("/venues/paper/rules", params={"trading_pair": PAIR})
    balances = await client.get("/venues/paper/balances")
    books = await client.get("/venues/paper/books")
    canceled = await client.post("/venues/paper/cancels", json=cancel())
    index = await client.get("/")
    # Assert
    assert status.json()["report"]["status"] == "OPEN"
    assert missing.json() == {"report": None}
    assert rules.json()["price_tick"] == "0.01"
    # 95 USDC and the most fee it may pay (0.2 % of 95) are reserved
    assert balances.json()["balances"]["USDC"]["available"] == "9904.810"
    (book,) = books.json()["books"]
    assert (book["trading_pair"], book["bid"], book["ask"]) == (PAIR, "99", "101")
    kinds = [type(e) for e in decode_events(canceled.json()["events"], what="events")]
    assert kinds == [OrderCreated, OrderCanceled]
    assert index.json()["venues"] == ["paper", "perp"]
    assert calls.count("saved") == 2  # the place and the cancel; reads save nothing


async def test_a_place_with_leverage_sets_the_market_first_in_the_same_step(served):
    client, _, perpetual, _, _ = served
    body = place(venue="perp", order_type="MARKET", price=None, position_action="OPEN")
    # Act
    placed = await client.post("/venues/perp/orders", json={**body, "leverage": 7})
    positions = await client.get("/venues/perp/positions")
    # Assert
    assert placed.status_code == 200
    assert perpetual.leverage(PAIR) == 7
    assert [p["leverage"] for p in positions.json()["positions"]] == [7]


@pytest.mark.parametrize(
    ("path", "body", "expected"),
    [
        ("/venues/paper/orders", {"command": {"kind": "Nope", "data": {}}}, "command.kind"),
        ("/venues/paper/orders", {"command": {"kind": "PlaceOrder", "data": {}}}, "command.data"),
        ("/venues/paper/orders", [1], "body: expected a JSON object"),
        ("/venues/paper/cancels", place(), "expected a CancelOrder, received PlaceOrder"),
        ("/venues/paper/orders", {**place(), "leverage": "5"}, "leverage: expected a whole"),
        ("/venues/paper/position-mode", {"mode": "BOTH"}, "mode: expected ONEWAY or HEDGE"),
    ],
)
async def test_a_malformed_write_is_a_400_naming_the_field(served, path, body, expected):
    client, exchange, _, _, _ = served
    # Act
    answer = await client.post(path, json=body)
    # Assert
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "bad_request"
    assert expected in answer.json()["error"]["message"]
    assert exchange.all_orders() == []


async def test_bad_reads_unknown_venues_and_routes_say_what_was_expected(served):
    client, _, _, _, _ = served
    # Act
    no_pair = await client.get("/venues/paper/rules")
    bad_since = await client.get("/venues/paper/fills", params={"trading_pair": PAIR, "since": "x"})
    unknown_market = await client.get("/venues/paper/rules", params={"trading_pair": "X-Y"})
    unknown_venue = await client.get("/venues/binance/balances")
    unknown_route = await client.get("/nowhere")
    # Assert
    assert no_pair.status_code == bad_since.status_code == 400
    assert "trading_pair: expected a non-empty string" in no_pair.json()["error"]["message"]
    assert "since: expected an ISO 8601 time" in bad_since.json()["error"]["message"]
    assert unknown_market.status_code == 422
    assert unknown_market.json()["error"]["code"] == "market_not_found"
    assert unknown_venue.status_code == 404
    assert (
        "venue: expected one of ['paper', 'perp'], received 'binance'"
        in (unknown_venue.json()["error"]["message"])
    )
    assert unknown_route.status_code == 404 and unknown_route.json()["error"]["code"]


async def test_refused_orders_are_422_with_the_exchange_reason(served):
    client, exchange, _, _, _ = served
    # Act: 0.01 SOL is below the market's minimum amount (0.1)
    answer = await client.post("/venues/paper/orders", json=place(amount=D("0.01")))
    # Assert
    assert answer.status_code == 422
    assert answer.json()["error"]["code"] == "order_rejected"
    assert "below the minimum amount 0.1" in answer.json()["error"]["message"]
    assert [order.status.value for order in exchange.all_orders()] == ["REJECTED"]


@pytest.mark.parametrize(
    ("faults", "status", "landed"),
    [
        ("place:504#1", 504, True),  # carried out, answer lost
        ("place:drop#1", 504, False),  # never reached the exchange
        ("place:500#1", 503, False),
        ("place:429=3#1", 429, False),
        ("place:reject#1", 422, False),
    ],
)
async def test_injected_faults_answer_their_status_and_reconcile_finds_the_truth(
    served, faults, status, landed
):
    client, exchange, _, venues, calls = served
    venues["paper"].faults = ExchangeFaultPlan.parse(faults, seed=0)
    # Act
    answer = await client.post("/venues/paper/orders", json=place())
    found = await client.post("/venues/paper/reconcile", json=place())
    # Assert
    assert answer.status_code == status
    if status == 429:
        assert answer.headers["Retry-After"] == "3"
    assert calls.count("saved") == 1  # saved whether it landed or not
    assert (found.json()["events"] is not None) is landed
    assert len(exchange.all_orders()) == (1 if landed else 0)
