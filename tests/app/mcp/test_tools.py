"""The MCP tools over a real service (paper LP runtime + paper CEX runtime on SQLite): every
``manage_executors`` action, readable errors, scope, and the portfolio overview."""

from __future__ import annotations

import pytest

from lpexec.app.mcp import ExecutorTools
from lpexec.app.service import risk_engine_from

from .conftest import HOLD, error, lp_config, ok, order_config


async def test_no_action_lists_the_types(world):
    answer = ok(await world.tools().manage_executors())
    names = {info["type"] for info in answer["executor_types"]}
    assert {"lp_executor", "order_executor", "swap_executor"} <= names
    assert all(info["description"] for info in answer["executor_types"])


@pytest.mark.parametrize(
    ("executor_type", "expected_type", "some_fields"),
    [
        ("lp", "lp_executor", {"pool_address", "lower_price", "upper_price"}),
        ("order_executor", "order_executor", {"trading_pair", "side", "amount"}),
    ],
)
async def test_a_type_alone_gives_its_schema_and_a_guide(
    world, executor_type, expected_type, some_fields
):
    answer = ok(await world.tools().manage_executors(executor_type=executor_type))
    schema, guide = answer["config_schema"], answer["guide"]
    fields = {field["name"] for field in schema["fields"]}
    required = {field["name"] for field in schema["fields"] if field["required"]} - {"type"}
    assert schema["executor_type"] == expected_type
    assert some_fields <= fields
    assert set(guide["required_fields"]) == required
    assert guide["example"]["action"] == "create"
    assert guide["example"]["executor_type"] == expected_type


async def test_an_unknown_type_is_a_readable_validation_error(world):
    problem = error(await world.tools().manage_executors(executor_type="teleport"))
    assert problem["type"] == "validation_error"
    assert "teleport" in problem["message"]


async def test_create_an_order_and_an_lp_on_the_paper_venues_then_detail_them(world):
    tools = world.tools()
    order = ok(
        await tools.manage_executors(
            action="create",
            executor_type="order_executor",
            executor_config=order_config(),
            controller_id="bot-a",
        )
    )
    lp = ok(
        await tools.manage_executors(
            action="create", executor_type="lp", executor_config=lp_config(), controller_id="bot-a"
        )
    )
    await world.settle()

    order_detail = ok(
        await tools.manage_executors(action="search", executor_id=order["executor_id"])
    )
    lp_detail = ok(await tools.manage_executors(action="search", executor_id=lp["executor_id"]))
    assert order_detail["executor"]["executor_type"] == "order_executor"
    assert order_detail["executor"]["connector_name"] == "paper"
    assert order_detail["executor"]["status"] == "RUNNING"
    assert lp_detail["executor"]["executor_type"] == "lp_executor"
    assert lp_detail["executor"]["controller_id"] == "bot-a"
    assert lp_detail["executor"]["status"] == "RUNNING"
    assert lp_detail["executor"]["custom_info"]["position_address"]
    assert {"position_rent", "tx_fee", "base_fee", "quote_fee"} <= set(
        lp_detail["executor"]["custom_info"]
    )


async def test_a_config_type_that_disagrees_with_executor_type_is_refused(world):
    problem = error(
        await world.tools().manage_executors(
            action="create",
            executor_type="order_executor",
            executor_config={**order_config(), "type": "lp_executor"},
        )
    )
    assert problem["type"] == "validation_error"
    assert problem["message"].startswith("executor_config.type:")
    assert world.service is not None
    assert ok(await world.tools().manage_executors(action="search"))["total_count"] == 0


async def test_search_by_controller_ids_pages_past_one_page(world):
    tools = world.tools()
    created: dict[str, str] = {}
    for controller in ("bot-a", "bot-b", "bot-c", "bot-a", "bot-b", "bot-c", "bot-a"):
        answer = ok(
            await tools.manage_executors(
                action="create",
                executor_type="order",
                executor_config=order_config(),
                controller_id=controller,
            )
        )
        created[answer["executor_id"]] = controller
    wanted = {i for i, controller in created.items() if controller in ("bot-a", "bot-b")}

    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        page = ok(
            await tools.manage_executors(
                action="search", controller_ids=["bot-a", "bot-b"], limit=2, cursor=cursor
            )
        )
        pages += 1
        assert page["total_count"] == len(wanted)
        assert len(page["executors"]) <= 2
        seen += [item["executor_id"] for item in page["executors"]]
        cursor = page["next_cursor"]
        if cursor is None:
            assert not page["has_more"]
            break
    assert pages == 3
    assert sorted(seen) == sorted(wanted) and len(seen) == len(set(seen))


async def test_an_unknown_cursor_is_refused_not_page_one_again(world):
    problem = error(await world.tools().manage_executors(action="search", cursor="bogus"))
    assert problem["type"] == "validation_error"
    assert "cursor" in problem["message"]


async def test_stop_then_stop_again_says_already_terminated(world):
    tools = world.tools()
    created = ok(
        await tools.manage_executors(
            action="create", executor_type="order", executor_config=order_config()
        )
    )
    executor_id = created["executor_id"]

    first = ok(await tools.manage_executors(action="stop", executor_id=executor_id))
    await world.settle()
    second = ok(await tools.manage_executors(action="stop", executor_id=executor_id))

    assert first["status"] == "stopping" and first["keep_position"] is False
    assert second["status"] == "already_terminated"
    assert second["close_type"] == "EARLY_STOP"
    assert "already terminated" in second["message"]
    detail = ok(await tools.manage_executors(action="search", executor_id=executor_id))
    assert detail["executor"]["status"] == "TERMINATED"


async def test_get_logs_keeps_the_stop_and_filters_by_level(world):
    tools = world.tools()
    created = ok(
        await tools.manage_executors(
            action="create", executor_type="order", executor_config=order_config()
        )
    )
    executor_id = created["executor_id"]
    ok(await tools.manage_executors(action="stop", executor_id=executor_id, keep_position=True))
    await world.settle()

    every = ok(await tools.manage_executors(action="get_logs", executor_id=executor_id))
    errors = ok(
        await tools.manage_executors(action="get_logs", executor_id=executor_id, log_level="error")
    )
    bad_level = error(
        await tools.manage_executors(action="get_logs", executor_id=executor_id, log_level="LOUD")
    )

    messages = [entry["message"] for entry in every["logs"]]
    assert any("stop requested by the operator, keep_position=True" in m for m in messages)
    assert every["total_count"] == len(every["logs"]) >= 1
    assert all(entry["level"] == "ERROR" for entry in errors["logs"])
    assert errors["total_count"] < every["total_count"]
    assert bad_level["type"] == "validation_error" and "LOUD" in bad_level["message"]


async def test_positions_summary_all_or_one_and_performance(world):
    tools = world.tools()
    for controller in ("bot-a", "bot-b"):
        held = ok(
            await tools.manage_executors(
                action="create",
                executor_type="lp",
                executor_config=lp_config(side=0, base_amount="1"),
                controller_id=controller,
            )
        )
        await world.settle()
        ok(
            await tools.manage_executors(
                action="stop", executor_id=held["executor_id"], keep_position=True
            )
        )
        await world.settle()

    every = ok(await tools.manage_executors(action="positions_summary"))
    one = ok(
        await tools.manage_executors(
            action="positions_summary",
            connector_name=HOLD,
            trading_pair="SOL-USDC",
            controller_id="bot-a",
        )
    )
    missing = error(
        await tools.manage_executors(
            action="positions_summary", connector_name=HOLD, trading_pair="ETH-USDC"
        )
    )
    half = error(await tools.manage_executors(action="positions_summary", connector_name=HOLD))
    performance = ok(
        await tools.manage_executors(action="performance_report", controller_id="bot-a")
    )

    assert every["total_positions"] == 2
    assert {p["controller_id"] for p in every["positions"]} == {"bot-a", "bot-b"}
    assert one["position"]["controller_id"] == "bot-a"
    assert one["position"]["connector_name"] == HOLD
    assert one["position"]["executor_count"] == 1
    assert missing["type"] == "not_found" and "ETH-USDC" in missing["message"]
    assert half["type"] == "validation_error" and "trading_pair" in half["message"]
    assert performance["controller_id"] == "bot-a"
    assert performance["total_executors"] == 1
    assert performance["active_positions"] == 1


async def test_a_bad_config_is_a_readable_validation_error_naming_the_field(world):
    problem = error(
        await world.tools().manage_executors(
            action="create", executor_type="order", executor_config=order_config(amount="-1")
        )
    )
    missing = error(await world.tools().manage_executors(action="create", executor_type="order"))
    unknown = error(await world.tools().manage_executors(action="teleport"))

    assert problem["type"] == "validation_error" and "amount" in problem["message"]
    assert missing["type"] == "validation_error"
    assert missing["message"].startswith("executor_config:")
    assert unknown["type"] == "validation_error" and "teleport" in unknown["message"]


async def test_a_risk_rejection_carries_the_reason_and_the_limit(world):
    service = world.with_risk(risk_engine_from({"max_open_executors": 2}))
    tools = ExecutorTools(service)
    for _ in range(2):
        ok(
            await tools.manage_executors(
                action="create", executor_type="order", executor_config=order_config()
            )
        )

    refused = error(
        await tools.manage_executors(
            action="create", executor_type="order", executor_config=order_config()
        )
    )

    assert refused["type"] == "risk_rejected"
    assert refused["limit"] == "max_open_executors"
    assert refused["message"] == "max_open_executors: 3 would exceed 2"
    assert ok(await tools.manage_executors(action="search"))["total_count"] == 2


async def test_a_scoped_agent_sees_and_acts_only_for_its_controller(world):
    operator, agent_b = world.tools(), world.tools("bot-b")
    theirs = ok(
        await operator.manage_executors(
            action="create",
            executor_type="order",
            executor_config=order_config(),
            controller_id="bot-a",
        )
    )["executor_id"]
    own = ok(
        await agent_b.manage_executors(
            action="create", executor_type="order", executor_config=order_config()
        )
    )

    detail = error(await agent_b.manage_executors(action="search", executor_id=theirs))
    stop = error(await agent_b.manage_executors(action="stop", executor_id=theirs))
    logs = error(await agent_b.manage_executors(action="get_logs", executor_id=theirs))
    create = error(
        await agent_b.manage_executors(
            action="create",
            executor_type="order",
            executor_config=order_config(),
            controller_id="bot-a",
        )
    )
    filtered = error(await agent_b.manage_executors(action="search", controller_ids=["bot-a"]))
    performance = error(
        await agent_b.manage_executors(action="performance_report", controller_id="bot-a")
    )
    listed = ok(await agent_b.manage_executors(action="search"))

    assert own["executor"]["controller_id"] == "bot-b"
    assert {detail["type"], stop["type"], logs["type"]} == {"not_found"}
    assert theirs in detail["message"]
    assert create["type"] == "scope_error" and "bot-a" in create["message"]
    assert filtered["type"] == "scope_error"
    assert performance["type"] == "scope_error"
    assert [item["executor_id"] for item in listed["executors"]] == [own["executor_id"]]
    still = ok(await operator.manage_executors(action="search", executor_id=theirs))
    assert still["executor"]["status"] == "RUNNING"
    assert ok(await operator.manage_executors(action="search"))["total_count"] == 2


async def test_the_portfolio_shows_balances_and_the_callers_open_lp_positions(world):
    operator, agent_b = world.tools(), world.tools("bot-b")
    for controller in ("bot-a", "bot-b"):
        ok(
            await operator.manage_executors(
                action="create",
                executor_type="lp",
                executor_config=lp_config(),
                controller_id=controller,
            )
        )
    await world.settle()
    exchange = await world.cex.venue.balances()

    everything = ok(await operator.get_portfolio_overview())
    scoped = ok(await agent_b.get_portfolio_overview(include_balances=False))
    only_paper = ok(await operator.get_portfolio_overview(connector_names=["paper"]))

    paper = everything["balances"]["paper"]
    assert set(paper) == set(exchange)
    for asset, balance in exchange.items():
        assert paper[asset]["total"] == pytest.approx(float(balance.total))
    assert everything["balances"]["solana-mainnet-beta"]
    positions = everything["lp_positions"]
    assert {p["controller_id"] for p in positions} == {"bot-a", "bot-b"}
    assert all(p["position"]["position_address"] for p in positions)
    assert [p["controller_id"] for p in scoped["lp_positions"]] == ["bot-b"]
    assert "balances" not in scoped
    assert set(only_paper["balances"]) == {"paper"} and only_paper["lp_positions"] == []


async def test_search_filters_by_status_and_type(world):
    tools = world.tools()
    stopped = ok(
        await tools.manage_executors(
            action="create", executor_type="order", executor_config=order_config()
        )
    )["executor_id"]
    running = ok(
        await tools.manage_executors(
            action="create", executor_type="order", executor_config=order_config()
        )
    )["executor_id"]
    ok(await tools.manage_executors(action="stop", executor_id=stopped))
    await world.settle()

    finished = ok(await tools.manage_executors(action="search", status="TERMINATED"))
    active = ok(await tools.manage_executors(action="search", status=["RUNNING"]))
    lps = ok(await tools.manage_executors(action="search", executor_types=["lp_executor"]))

    assert [item["executor_id"] for item in finished["executors"]] == [stopped]
    assert [item["executor_id"] for item in active["executors"]] == [running]
    assert lps["total_count"] == 0


async def test_preferences_are_refused_with_what_to_do_instead(world):
    problem = error(await world.tools().manage_executors(action="save_preferences"))
    assert problem["type"] == "validation_error"
    assert "executor_config" in problem["message"]


def test_the_package_exports_its_public_names():
    import lpexec.app.mcp as package

    public = {name for name in vars(package) if not name.startswith("_")}
    modules = {"guides", "portfolio", "server", "tools"}
    assert set(package.__all__) == public - modules
    assert len(package.__all__) == len(set(package.__all__))
