"""The stock hummingbot-api-client (1.5.9) against ``lpexec serve`` on 127.0.0.1: an LP
executor on the paper Gateway from create to stop, searches past one page, errors, types and
schemas, and the executors WebSocket."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
import pytest
from hummingbot_api_client import HummingbotAPIClient

from lpexec.core import LiveClock

from .api_server import OPERATOR_PASSWORD, OPERATOR_USER, lp_config, order_config, running_server

WALL = LiveClock()
# The stock client uses aiohttp's Basic auth, which aiohttp deprecates (the client's business).
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:hummingbot_api_client")


async def eventually(
    read: Callable[[], Awaitable[dict[str, Any]]],
    until: Callable[[dict[str, Any]], bool],
    *,
    within: float = 30.0,
) -> dict[str, Any]:
    """Read until ``until`` holds (the server's driver moves executors along in real time)."""
    deadline = WALL.monotonic() + within
    while True:
        found = await read()
        if until(found):
            return found
        if WALL.monotonic() > deadline:
            raise AssertionError(f"condition not reached within {within} s; last: {found}")
        await asyncio.sleep(0.1)


async def client_for(base_url: str, username: str, password: str) -> HummingbotAPIClient:
    client = HummingbotAPIClient(base_url, username=username, password=password)
    await client.init()
    return client


@pytest.fixture
async def client(server):
    client = await client_for(server.base_url, OPERATOR_USER, OPERATOR_PASSWORD)
    yield client
    await client.close()


async def test_an_lp_executor_from_create_to_stop_through_the_stock_client(client):
    executors = client.executors

    # Act: create on the paper Gateway, wait until its position is open
    created = await executors.create_executor(lp_config(), controller_id="agent-lp")
    executor_id = created["executor_id"]
    detail = await eventually(
        lambda: executors.get_executor(executor_id), lambda found: found["is_trading"]
    )

    # Assert: identity, state and Hummingbot's custom_info keys
    assert created["executor_type"] == "lp_executor"
    assert created["controller_id"] == "agent-lp"
    assert detail["status"] == "RUNNING" and detail["close_type"] is None
    info = detail["custom_info"]
    for key in ("position_rent", "position_rent_refunded", "tx_fee", "base_fee", "quote_fee"):
        assert key in info, key
    assert info["position_rent"] > 0 and info["position_address"]
    assert detail["config"]["trading_pair"] == "SOL-USDC"

    summary = await executors.get_summary()
    assert summary["total_active"] == 1 and summary["by_type"] == {"lp_executor": 1}
    performance = await executors.get_performance_report(controller_id="agent-lp")
    assert performance["total_executors"] == 1
    assert performance["global_pnl_quote"] == pytest.approx(
        performance["pnl_total_quote"] + performance["unrealized_pnl_quote"]
    )

    # Act: stop (the default closes the position)
    stopped = await executors.stop_executor(executor_id)
    final = await eventually(
        lambda: executors.get_executor(executor_id), lambda found: found["status"] == "TERMINATED"
    )

    # Assert: EARLY_STOP, no position held, logs kept after the end, a second stop says so
    assert stopped["status"] == "stopping" and stopped["keep_position"] is False
    assert final["close_type"] == "EARLY_STOP" and final["is_active"] is False
    positions = await executors.get_positions_summary()
    assert positions["total_positions"] == 0 and positions["positions"] == []
    logs = await executors.get_executor_logs(executor_id)
    assert logs["executor_id"] == executor_id and logs["total_count"] >= 1
    assert all({"timestamp", "level", "message"} <= set(entry) for entry in logs["logs"])
    again = await executors.stop_executor(executor_id)
    assert again["status"] == "already_terminated" and again["close_type"] == "EARLY_STOP"


async def test_search_over_several_controllers_pages_past_one_page(client):
    executors = client.executors
    made: dict[str, list[str]] = {"a": [], "b": [], "c": []}
    for controller, count in (("a", 3), ("b", 2), ("c", 2)):
        for _ in range(count):
            created = await executors.create_executor(order_config(), controller_id=controller)
            made[controller].append(created["executor_id"])
    await executors.stop_executor(made["b"][0])  # a finished one is found too
    await eventually(
        lambda: executors.get_executor(made["b"][0]),
        lambda found: found["status"] == "TERMINATED",
    )

    # Act: two controllers, two rows a page
    pages, cursor = [], None
    while True:
        page = await executors.search_executors(controller_ids=["a", "b"], limit=2, cursor=cursor)
        pages.append(page)
        cursor = page["pagination"]["next_cursor"]
        if cursor is None:
            break

    # Assert: every executor of a and b once, newest first, none of c
    rows = [row for page in pages for row in page["data"]]
    assert sorted(row["executor_id"] for row in rows) == sorted(made["a"] + made["b"])
    assert len(pages) == 3 and [len(page["data"]) for page in pages] == [2, 2, 1]
    assert all(page["pagination"]["total_count"] == 5 for page in pages)
    assert [page["pagination"]["has_more"] for page in pages] == [True, True, False]
    stamps = [row["timestamp"] for row in rows]
    assert stamps == sorted(stamps, reverse=True)

    # AND across fields: the running ones of a and b only
    running = await executors.search_executors(controller_ids=["a", "b"], status="RUNNING")
    assert running["pagination"]["total_count"] == 4

    # A page size out of 1..1000 is refused, naming the field
    with pytest.raises(aiohttp.ClientResponseError) as too_big:
        await executors.search_executors(limit=1001)
    assert too_big.value.status == 422 and "limit" in str(too_big.value.message)

    # An unknown cursor is refused, never page 1 again
    with pytest.raises(aiohttp.ClientResponseError) as refused:
        await executors.search_executors(controller_ids=["a"], cursor="not-a-cursor")
    assert refused.value.status == 422 and "cursor" in str(refused.value.message)


async def test_types_and_config_schemas(client):
    types = await client.executors.get_available_executor_types()
    names = {item["type"] for item in types["executor_types"]}
    assert {"lp_executor", "order_executor"} <= names

    schema = await client.executors.get_executor_config_schema("lp_executor")
    fields = {field["name"]: field for field in schema["fields"]}
    assert schema["executor_type"] == "lp_executor"
    assert fields["pool_address"]["required"] is True
    assert await client.executors.get_executor_config_schema("lp") == schema

    with pytest.raises(aiohttp.ClientResponseError) as unknown:
        await client.executors.get_executor_config_schema("teleport_executor")
    assert unknown.value.status == 404 and "teleport" in unknown.value.message


async def test_bad_creates_are_refused_naming_the_field(client):
    executors = client.executors
    cases = [
        (lp_config(type="teleport"), "type"),
        (lp_config(lower_price="abc"), "lower_price"),
        (order_config(side="SIDEWAYS"), "side"),
        (lp_config(controller_id="x"), "controller_id"),  # disagrees with the top-level id
    ]
    for config, field in cases:
        with pytest.raises(aiohttp.ClientResponseError) as refused:
            await executors.create_executor(config, controller_id="y")
        assert refused.value.status == 422, (config, refused.value)
        assert field in str(refused.value.message), (field, refused.value.message)
    assert (await executors.search_executors())["pagination"]["total_count"] == 0

    with pytest.raises(aiohttp.ClientResponseError) as unknown:
        await executors.get_executor("no-such-executor")
    assert unknown.value.status == 404


async def test_a_risk_rejection_is_409_with_the_reason(tmp_path, operator_env):
    async with running_server(tmp_path, risk=("max_open_executors=1",)) as server:
        client = await client_for(server.base_url, OPERATOR_USER, OPERATOR_PASSWORD)
        try:
            await client.executors.create_executor(order_config(), controller_id="a")
            with pytest.raises(aiohttp.ClientResponseError) as refused:
                await client.executors.create_executor(order_config(), controller_id="a")
        finally:
            await client.close()
    assert refused.value.status == 409
    assert "max_open_executors" in refused.value.message and "1" in refused.value.message


async def test_the_executors_websocket_pushes_on_change(client):
    executors = client.executors
    first = await executors.create_executor(order_config(), controller_id="ws")

    async with client.ws.executors() as socket:
        assert socket.connection_id
        assert await socket.ping() == {"type": "pong"}

        # Act: the list of one controller, then a second executor of it
        listing = await socket.subscribe_executors(
            update_interval=0.5, filters={"controller_id": "ws"}
        )
        initial = await socket.receive()
        second = await executors.create_executor(order_config(), controller_id="ws")
        for _ in range(20):  # the first one's own changes (its order placed) may come first
            changed = await socket.receive()
            if changed.get("total_count") == 2:
                break

        # Assert: the first push has the first, a later one both
        assert initial["type"] == "executors" and initial["subscription_id"] == listing
        assert [row["executor_id"] for row in initial["data"]] == [first["executor_id"]]
        assert changed["total_count"] == 2
        assert {row["executor_id"] for row in changed["data"]} == {
            first["executor_id"],
            second["executor_id"],
        }
        await socket.unsubscribe(listing)

        detail = await socket.subscribe_executor_detail(first["executor_id"], update_interval=0.5)
        pushed = await socket.receive()
        assert pushed["subscription_id"] == detail
        assert pushed["data"]["executor_id"] == first["executor_id"]
        await socket.unsubscribe(detail)

        logs = await socket.subscribe_executor_logs(first["executor_id"], update_interval=0.5)
        pushed = await socket.receive()
        assert pushed["type"] == "executor_logs" and pushed["subscription_id"] == logs
        assert pushed["data"]["total_count"] >= 1
        await socket.unsubscribe(logs)

        for subscribe, kind in (
            (socket.subscribe_executor_summary, "executor_summary"),
            (socket.subscribe_performance, "performance"),
            (socket.subscribe_positions, "positions"),
        ):
            subscription = await subscribe(update_interval=0.5)
            pushed = await socket.receive()
            assert pushed["type"] == kind and pushed["subscription_id"] == subscription
            await socket.unsubscribe(subscription)
        assert pushed["data"]["total_positions"] == 0

        with pytest.raises(RuntimeError, match="all_bots_status"):
            await socket.subscribe_all_bots_status()
        with pytest.raises(RuntimeError, match="update_interval"):
            await socket.subscribe_executor_summary(update_interval=0.1)


async def test_an_lp_hold_whose_connector_has_slashes_is_read_and_cleared_by_the_client(client):
    # Arrange: an LP executor stopped with keep_position leaves its hold under a connector
    # name with slashes (network/provider), as every LP hold is
    executors = client.executors
    created = await executors.create_executor(lp_config(), controller_id="holder")
    executor_id = created["executor_id"]
    await eventually(lambda: executors.get_executor(executor_id), lambda f: f["is_trading"])
    await executors.stop_executor(executor_id, keep_position=True)
    await eventually(
        lambda: executors.get_executor(executor_id), lambda f: f["status"] == "TERMINATED"
    )
    summary = await executors.get_positions_summary(controller_id="holder")
    (held,) = summary["positions"]
    connector, pair = held["connector_name"], held["trading_pair"]
    assert "/" in connector
    # Act: the stock client puts the name in the path as it is
    one = await executors.get_position_held(connector, pair, controller_id="holder")
    cleared = await executors.clear_position_held(connector, pair, controller_id="holder")
    after = await executors.get_positions_summary(controller_id="holder")
    # Assert
    assert one["executor_ids"] == [executor_id] and one["connector_name"] == connector
    assert cleared["connector_name"] == connector and cleared["trading_pair"] == pair
    assert after["total_positions"] == 0
