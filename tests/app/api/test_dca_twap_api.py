"""DCA and TWAP executors through ``lpexec serve`` with the stock hummingbot-api-client: created
by their Hummingbot type names on the paper exchange, read back with Hummingbot-like
custom_info, and stopped (the registry is the only wiring they need)."""

from __future__ import annotations

import pytest
from hummingbot_api_client import HummingbotAPIClient

from .api_server import OPERATOR_PASSWORD, OPERATOR_USER
from .test_client import eventually

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:hummingbot_api_client")


@pytest.fixture
async def client(server):
    client = HummingbotAPIClient(
        server.base_url, username=OPERATOR_USER, password=OPERATOR_PASSWORD
    )
    await client.init()
    yield client
    await client.close()


async def test_a_dca_rests_its_levels_reports_them_and_stops(client):
    executors = client.executors
    config = {
        "type": "dca_executor",
        "connector_name": "paper",
        "trading_pair": "SOL-USDT",
        "side": 1,
        "amounts_quote": ["10", "20"],
        "prices": ["60", "50"],  # far below the price: both rest
        "take_profit": "0.02",
        "mode": "MAKER",
    }

    created = await executors.create_executor(config, controller_id="agent-dca")
    executor_id = created["executor_id"]
    detail = await eventually(
        lambda: executors.get_executor(executor_id),
        lambda found: (
            found["custom_info"].get("levels")
            and all(level["state"] == "PLACED" for level in found["custom_info"]["levels"])
        ),
    )
    stopped = await executors.stop_executor(executor_id)
    final = await eventually(
        lambda: executors.get_executor(executor_id), lambda found: found["status"] == "TERMINATED"
    )

    assert created["executor_type"] == "dca_executor"
    info = detail["custom_info"]
    assert (info["n_levels"], info["side"], info["mode"]) == (2, "BUY", "MAKER")
    assert float(info["target_position_average_price"]) == pytest.approx((60 * 10 + 50 * 20) / 30)
    assert stopped["status"] == "stopping"
    assert final["close_type"] == "EARLY_STOP" and final["filled_amount_quote"] == 0


async def test_a_twap_is_served_with_its_schedule_and_stops_early(client):
    executors = client.executors
    config = {
        "type": "twap_executor",
        "connector_name": "paper",
        "trading_pair": "SOL-USDT",
        "side": "BUY",
        "total_amount_quote": "30",
        "total_duration": 300,
        "order_interval": 60,
    }

    created = await executors.create_executor(config, controller_id="agent-twap")
    executor_id = created["executor_id"]
    detail = await executors.get_executor(executor_id)
    await executors.stop_executor(executor_id)
    final = await eventually(
        lambda: executors.get_executor(executor_id), lambda found: found["status"] == "TERMINATED"
    )

    # Its first slice waits for the pair's next price (the driver's next paper minute)
    assert created["executor_type"] == "twap_executor" and detail["status"] == "RUNNING"
    info = detail["custom_info"]
    assert (info["number_of_orders"], info["mode"]) == (6, "TAKER")
    assert float(info["order_amount_quote"]) == pytest.approx(5)
    assert final["close_type"] == "EARLY_STOP"
