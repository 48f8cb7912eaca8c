"""Per-connector traps of Gateway 2.13, each checked through the client."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import httpx
import pytest
import respx
from gateway_cases import METEORA_POOL, METEORA_POSITION, WALLET

from fixtures.gateway import load, response
from gateway_client import (
    CONNECTOR_QUIRKS,
    GatewayClient,
    InvalidRequestError,
    StrategyType,
    estimate_priority_fee,
    quirks_for,
)

RAYDIUM_POSITION = load("raydium-clmm-position-info")["request"]["query"]["positionAddress"]
RAYDIUM_AMM_POOL = load("raydium-amm-pool-info")["request"]["query"]["poolAddress"]
UNISWAP_POSITION = load("uniswap-clmm-position-info")["request"]["query"]["positionAddress"]
UNISWAP_V2_POOL = load("uniswap-amm-pool-info")["request"]["query"]["poolAddress"]
EVM_WALLET = load("chains-ethereum-balances")["request"]["body"]["address"]


def _serve(gateway: respx.MockRouter, method: str, path: str, body: Any) -> respx.Route:
    return gateway.route(method=method, path=path).mock(return_value=httpx.Response(200, json=body))


# ------------------------------------------------------------ remove-liquidity field


@pytest.mark.parametrize(
    ("resource", "path", "address", "wallet", "field"),
    [
        ("meteora", "/connectors/meteora/clmm", METEORA_POSITION, WALLET, "liquidityPct"),
        (
            "raydium_clmm",
            "/connectors/raydium/clmm",
            RAYDIUM_POSITION,
            WALLET,
            "percentageToRemove",
        ),
        (
            "uniswap_clmm",
            "/connectors/uniswap/clmm",
            UNISWAP_POSITION,
            EVM_WALLET,
            "percentageToRemove",
        ),
        ("raydium_amm", "/connectors/raydium/amm", RAYDIUM_AMM_POOL, WALLET, "percentageToRemove"),
        (
            "uniswap_amm",
            "/connectors/uniswap/amm",
            UNISWAP_V2_POOL,
            EVM_WALLET,
            "percentageToRemove",
        ),
    ],
)
async def test_remove_liquidity_uses_the_field_each_connector_reads(
    resource: str,
    path: str,
    address: str,
    wallet: str,
    field: str,
    client: GatewayClient,
    gateway: respx.MockRouter,
) -> None:
    # Arrange
    route = _serve(
        gateway, "POST", f"{path}/remove-liquidity", response("meteora-clmm-remove-liquidity")
    )

    # Act
    await getattr(client, resource).remove_liquidity(
        address, wallet_address=wallet, fraction=Decimal("0.25")
    )

    # Assert
    body = json.loads(route.calls.last.request.content)
    other = {"liquidityPct", "percentageToRemove"} - {field}
    assert body[field] == 25
    assert not other & set(body)


async def test_unified_remove_sends_percentage_to_remove_for_meteora(
    client: GatewayClient, gateway: respx.MockRouter
) -> None:
    route = _serve(gateway, "POST", "/trading/clmm/remove", response("trading-clmm-remove"))

    await client.trading_clmm.remove(
        METEORA_POSITION, connector="meteora", wallet_address=WALLET, fraction=Decimal("1")
    )

    body = json.loads(route.calls.last.request.content)
    assert body["percentageToRemove"] == 100 and "liquidityPct" not in body
    assert body["connector"] == "meteora" and body["chainNetwork"] == "solana-mainnet-beta"


@pytest.mark.parametrize("fraction", [Decimal("-0.1"), Decimal("1.5"), Decimal("50")])
async def test_fraction_is_a_ratio(
    fraction: Decimal, client: GatewayClient, gateway: respx.MockRouter
) -> None:
    route = _serve(gateway, "POST", "/connectors/meteora/clmm/remove-liquidity", {})

    with pytest.raises(InvalidRequestError, match="fraction"):
        await client.meteora.remove_liquidity(
            METEORA_POSITION, wallet_address=WALLET, fraction=fraction
        )

    assert route.call_count == 0


# ------------------------------------------------------------ inverted BUY price


async def test_meteora_buy_quote_price_is_normalized_to_quote_per_base(
    client: GatewayClient, gateway: respx.MockRouter
) -> None:
    raw = response("meteora-clmm-quote-swap", "buy")
    _serve(gateway, "GET", "/connectors/meteora/clmm/quote-swap", raw)

    quote = await client.meteora.quote_swap(
        base_token="SOL", quote_token="USDC", amount=Decimal("0.1"), side="BUY"
    )

    assert quote.reported_price == Decimal("0.006108172")  # base per quote, as sent
    assert quote.price == Decimal("16.371529") / Decimal("0.1")  # USDC per SOL
    assert abs(quote.price * quote.reported_price - 1) < Decimal("1e-5")  # 7-digit raw price
    assert quote.side == "BUY"


async def test_meteora_sell_quote_price_is_left_alone(
    client: GatewayClient, gateway: respx.MockRouter
) -> None:
    _serve(
        gateway, "GET", "/connectors/meteora/clmm/quote-swap", response("meteora-clmm-quote-swap")
    )

    quote = await client.meteora.quote_swap(base_token="SOL", amount=Decimal("0.1"), side="SELL")

    assert quote.price == quote.reported_price == Decimal("163.58059")


@pytest.mark.parametrize(
    ("resource", "fixture"),
    [("raydium_clmm", "raydium-clmm-quote-swap"), ("jupiter", "jupiter-router-quote-swap")],
)
async def test_other_connectors_buy_prices_are_already_quote_per_base(
    resource: str, fixture: str, client: GatewayClient, gateway: respx.MockRouter
) -> None:
    raw = response(fixture, "buy")
    _serve(gateway, "GET", load(fixture)["_meta"]["path"], raw)

    quote = await getattr(client, resource).quote_swap(
        base_token="SOL", quote_token="USDC", amount=Decimal("0.1"), side="BUY"
    )

    assert quote.price == quote.reported_price == Decimal(str(raw["price"]))


@pytest.mark.parametrize(
    ("connector", "case", "expected"),
    [
        ("meteora/clmm", "meteora_buy", Decimal("163.71529")),
        ("jupiter/router", "default", Decimal("163.45612")),
    ],
)
async def test_unified_quote_applies_the_connector_quirk(
    connector: str, case: str, expected: Decimal, client: GatewayClient, gateway: respx.MockRouter
) -> None:
    _serve(gateway, "GET", "/trading/swap/quote", response("trading-swap-quote", case))

    quote = await client.trading_swap.quote(
        connector=connector,
        base_token="SOL",
        quote_token="USDC",
        amount=Decimal("0.1"),
        side="BUY" if case == "meteora_buy" else "SELL",
    )

    assert quote.price == expected


# ------------------------------------------------------------ router balance changes


@pytest.mark.parametrize(
    ("route", "recorded", "execute", "expected"),
    [
        # Jupiter reports base=tokenIn (USDC spent) and quote=tokenOut (SOL received) on a BUY.
        (
            "/connectors/jupiter/router/execute-swap",
            ("jupiter-router-execute-swap", "buy"),
            lambda client: client.jupiter.execute_swap(
                base_token="SOL",
                quote_token="USDC",
                amount=Decimal("0.1"),
                side="BUY",
                wallet_address=WALLET,
            ),
            {
                "base_token_balance_change": "0.099988833",  # SOL received
                "quote_token_balance_change": "-16.372144",  # USDC spent
                "token_in_balance_change": "-16.372144",
                "token_out_balance_change": "0.099988833",
            },
        ),
        # a SELL's changes already are base and quote
        (
            "/connectors/jupiter/router/execute-quote",
            ("jupiter-router-execute-quote",),
            lambda client: client.jupiter.execute_quote(
                "0b6f4c1e-3d2a-4b8e-9f61-7c2d5a9e8b10", side="SELL", wallet_address=WALLET
            ),
            {
                "base_token_balance_change": "-0.100011167",
                "token_in_balance_change": "-0.100011167",
                "quote_token_balance_change": "16.345612",
            },
        ),
        # Uniswap's router BUY is normalized too
        (
            "/connectors/uniswap/router/execute-quote",
            ("uniswap-router-execute-quote", "buy"),
            lambda client: client.uniswap_router.execute_quote(
                "5f0e3c1a-8d3b-4c55-9a3e-0c9b6b1d2e77", side="BUY", wallet_address=EVM_WALLET
            ),
            {"base_token_balance_change": "0.1", "quote_token_balance_change": "-413.5"},
        ),
        # Meteora's execute-swap already reports base/quote; only token_in/out are derived.
        (
            "/connectors/meteora/clmm/execute-swap",
            ("meteora-clmm-execute-swap", "buy"),
            lambda client: client.meteora.execute_swap(
                base_token="SOL",
                quote_token="USDC",
                amount=Decimal("0.1"),
                side="BUY",
                wallet_address=WALLET,
                pool_address=METEORA_POOL,
            ),
            {
                "base_token_balance_change": "0.1",
                "quote_token_balance_change": "-16.371529",
                "token_in_balance_change": "-16.371529",
            },
        ),
    ],
    ids=["router-buy-swapped", "router-sell-as-is", "uniswap-router-buy", "pool-swap-buy"],
)
async def test_swap_balance_changes_are_base_and_quote_and_token_in_and_out(
    client: GatewayClient, gateway: respx.MockRouter, route, recorded, execute, expected
) -> None:
    _serve(gateway, "POST", route, response(*recorded))

    result = await execute(client)

    assert result.data is not None
    changes = {name: getattr(result.data, name) for name in expected}
    assert changes == {name: Decimal(value) for name, value in expected.items()}


# ------------------------------------------------------------ double-counted priority fee


def test_estimate_priority_fee_matches_the_documented_example() -> None:
    # 100 000 microlamports/CU (= 0.1 lamport/CU) x 200 000 CU = 20 000 lamports.
    assert estimate_priority_fee(
        compute_unit_price=Decimal("0.1"), compute_units=200_000
    ) == Decimal("0.00002")
    assert estimate_priority_fee(
        compute_unit_price=Decimal(100_000), compute_units=200_000, denomination="microlamports"
    ) == Decimal("0.00002")


async def test_meteora_fee_is_flagged_and_correctable(
    client: GatewayClient, gateway: respx.MockRouter
) -> None:
    # Reported 45 000 lamports = meta.fee 25 000 + the 20 000 priority fee counted again.
    raw = response("meteora-clmm-open-position")
    raw["data"]["fee"] = 0.000045
    _serve(gateway, "POST", "/connectors/meteora/clmm/open-position", raw)

    result = await client.meteora.open_position(
        METEORA_POOL,
        lower_price=Decimal("161.5"),
        upper_price=Decimal("165.9"),
        wallet_address=WALLET,
        base_token_amount=Decimal("0.5"),
        strategy_type=StrategyType.SPOT,
    )

    assert result.data is not None
    assert result.data.fee == Decimal("0.000045")
    assert result.data.fee_double_counts_priority_fee
    priority = estimate_priority_fee(compute_unit_price=Decimal("0.1"), compute_units=200_000)
    assert result.data.corrected_fee(priority_fee=priority) == Decimal("0.000025")
    assert result.data.corrected_fee(priority_fee=Decimal(1)) == 0


async def test_unified_routes_flag_the_meteora_fee(
    client: GatewayClient, gateway: respx.MockRouter
) -> None:
    _serve(gateway, "POST", "/trading/clmm/close", response("trading-clmm-close"))

    result = await client.trading_clmm.close(
        METEORA_POSITION, connector="meteora", wallet_address=WALLET
    )

    assert result.data is not None and result.data.fee_double_counts_priority_fee


@pytest.mark.parametrize(
    ("call", "path", "fixture"),
    [
        (
            "raydium_clmm.close_position",
            "/connectors/raydium/clmm/close-position",
            "raydium-clmm-close-position",
        ),
        (
            "jupiter.execute_swap",
            "/connectors/jupiter/router/execute-swap",
            "jupiter-router-execute-swap",
        ),
    ],
)
async def test_other_connectors_fee_is_taken_as_reported(
    call: str, path: str, fixture: str, client: GatewayClient, gateway: respx.MockRouter
) -> None:
    _serve(gateway, "POST", path, response(fixture))
    resource, method = call.split(".")
    if method == "close_position":
        result = await client.raydium_clmm.close_position(RAYDIUM_POSITION, wallet_address=WALLET)
    else:
        result = await client.jupiter.execute_swap(
            base_token="SOL",
            quote_token="USDC",
            amount=Decimal("0.1"),
            side="SELL",
            wallet_address=WALLET,
        )

    assert result.data is not None and not result.data.fee_double_counts_priority_fee
    assert result.data.corrected_fee(priority_fee=Decimal("0.00002")) == result.data.fee


# ------------------------------------------------------------ quirk table and capabilities


def test_quirk_table_knows_every_connector_the_client_exposes() -> None:
    client = GatewayClient("http://gateway.test")
    for resource in (
        client.meteora,
        client.raydium_clmm,
        client.uniswap_clmm,
        client.raydium_amm,
        client.uniswap_amm,
        client.jupiter,
        client.uniswap_router,
    ):
        assert resource.quirks is CONNECTOR_QUIRKS[resource.quirks.connector]
    assert quirks_for("meteora") is CONNECTOR_QUIRKS["meteora/clmm"]


def test_unknown_connector_is_refused_with_the_known_ones() -> None:
    with pytest.raises(InvalidRequestError, match="meteora/clmm") as raised:
        quirks_for("sushiswap/clmm")
    assert raised.value.fields == ("connector",)


async def test_strategy_type_is_meteora_only(
    client: GatewayClient, gateway: respx.MockRouter
) -> None:
    route = _serve(gateway, "POST", "/connectors/raydium/clmm/open-position", {})

    with pytest.raises(InvalidRequestError, match="strategy_type"):
        await client.raydium_clmm.open_position(
            METEORA_POOL,
            lower_price=Decimal(1),
            upper_price=Decimal(2),
            wallet_address=WALLET,
            base_token_amount=Decimal(1),
            strategy_type=StrategyType.CURVE,
        )

    assert route.call_count == 0


async def test_position_info_sends_the_wallet_only_where_the_route_reads_it(
    client: GatewayClient, gateway: respx.MockRouter
) -> None:
    meteora = _serve(
        gateway,
        "GET",
        "/connectors/meteora/clmm/position-info",
        response("meteora-clmm-position-info"),
    )
    raydium = _serve(
        gateway,
        "GET",
        "/connectors/raydium/clmm/position-info",
        response("raydium-clmm-position-info"),
    )

    await client.meteora.position_info(METEORA_POSITION, wallet_address=WALLET)
    await client.raydium_clmm.position_info(RAYDIUM_POSITION, wallet_address=WALLET)
    with pytest.raises(InvalidRequestError, match="wallet_address"):
        await client.raydium_clmm.position_info(RAYDIUM_POSITION)

    assert "walletAddress" not in meteora.calls.last.request.url.params
    assert raydium.calls.last.request.url.params["walletAddress"] == WALLET
    assert raydium.call_count == 1


async def test_uniswap_clmm_swap_refuses_a_pool_address(client: GatewayClient) -> None:
    with pytest.raises(InvalidRequestError, match="pool_address"):
        await client.uniswap_clmm.execute_swap(
            base_token="WETH",
            quote_token="USDC",
            amount=Decimal("0.1"),
            side="SELL",
            wallet_address=EVM_WALLET,
            pool_address=UNISWAP_V2_POOL,
        )
