"""Local validation: bad input is refused before sending, with the field named."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import httpx
import pydantic
import pytest
import respx
from gateway_cases import METEORA_POOL, METEORA_POSITION, SIGNATURE, WALLET

from fixtures.gateway import load, response
from gateway_client import GatewayClient, InvalidRequestError
from gateway_client._models.liquidity_requests import ClmmOpenPositionRequest

EVM_WALLET = load("chains-ethereum-balances")["request"]["body"]["address"]
UNISWAP_POOL = load("uniswap-clmm-pool-info")["request"]["query"]["poolAddress"]


@pytest.fixture
def any_route(gateway: respx.MockRouter) -> respx.Route:
    """Catch-all: validation failures must not reach it."""
    return gateway.route().mock(return_value=httpx.Response(200, json={}))


def _open_kwargs(**overrides: Any) -> dict[str, Any]:
    kwargs: dict[str, Any] = {
        "lower_price": Decimal("161.5"),
        "upper_price": Decimal("165.9"),
        "wallet_address": WALLET,
        "base_token_amount": Decimal("0.5"),
    }
    kwargs.update(overrides)
    return kwargs


@pytest.mark.parametrize(
    ("pool", "overrides", "field"),
    [
        ("not-a-pool", {}, "pool_address"),
        (METEORA_POOL, {"wallet_address": "0OIl"}, "wallet_address"),
        (METEORA_POOL, {"wallet_address": EVM_WALLET}, "wallet_address"),
        (METEORA_POOL, {"base_token_amount": Decimal("-1")}, "base_token_amount"),
        (METEORA_POOL, {"lower_price": Decimal("0")}, "lower_price"),
    ],
)
async def test_bad_argument_names_the_field_and_sends_nothing(
    pool: str,
    overrides: dict[str, Any],
    field: str,
    client: GatewayClient,
    any_route: respx.Route,
) -> None:
    with pytest.raises(InvalidRequestError) as raised:
        await client.meteora.open_position(pool, **_open_kwargs(**overrides))

    assert raised.value.fields == (field,)
    message = str(raised.value)
    assert field in message and "Expected" in message and "received" in message
    assert "/connectors/meteora/clmm/open-position" in message
    assert any_route.call_count == 0


async def test_bad_solana_address_message_shows_what_was_expected(client: GatewayClient) -> None:
    with pytest.raises(InvalidRequestError) as raised:
        await client.meteora.pool_info("xyz")

    assert str(raised.value).endswith(
        "pool_address: Expected a base58 Solana address (32 bytes), received 'xyz'"
    )


async def test_inverted_range_is_refused(client: GatewayClient, any_route: respx.Route) -> None:
    with pytest.raises(InvalidRequestError) as raised:
        await client.meteora.quote_position(
            METEORA_POOL,
            lower_price=Decimal(10),
            upper_price=Decimal(9),
            base_token_amount=Decimal(1),
        )

    assert "Expected lower_price < upper_price, received lower_price=10 upper_price=9" in str(
        raised.value
    )
    assert any_route.call_count == 0


async def test_a_position_needs_an_amount(client: GatewayClient, any_route: respx.Route) -> None:
    with pytest.raises(InvalidRequestError, match="base_token_amount and/or quote_token_amount"):
        await client.meteora.open_position(METEORA_POOL, **_open_kwargs(base_token_amount=None))


async def test_floats_are_refused_on_money_paths(
    client: GatewayClient, any_route: respx.Route
) -> None:
    with pytest.raises(InvalidRequestError, match="received float 0.1"):
        await client.meteora.quote_swap(base_token="SOL", amount=0.1, side="SELL")  # type: ignore[arg-type]
    with pytest.raises(InvalidRequestError, match="slippage"):
        await client.meteora.quote_swap(
            base_token="SOL",
            amount=Decimal("0.1"),
            side="SELL",
            slippage=0.01,  # type: ignore[arg-type]
        )
    assert any_route.call_count == 0


@pytest.mark.parametrize(
    ("slippage", "sent"),
    [(Decimal("0.01"), 1), (Decimal("0.005"), 0.5), (Decimal("0"), 0), (None, 1)],
)
async def test_slippage_ratio_goes_out_as_a_percentage(
    slippage: Decimal | None, sent: float, client: GatewayClient, gateway: respx.MockRouter
) -> None:
    route = gateway.get("/connectors/jupiter/router/quote-swap").mock(
        return_value=httpx.Response(200, json=response("jupiter-router-quote-swap"))
    )

    await client.jupiter.quote_swap(
        base_token="SOL", quote_token="USDC", amount=Decimal("0.1"), side="SELL", slippage=slippage
    )

    assert Decimal(route.calls.last.request.url.params["slippagePct"]) == Decimal(str(sent))


@pytest.mark.parametrize("slippage", [Decimal("1.5"), Decimal("2"), Decimal("-0.01")])
async def test_percent_passed_as_slippage_is_refused(
    slippage: Decimal, client: GatewayClient, any_route: respx.Route
) -> None:
    with pytest.raises(InvalidRequestError, match=r"ratio between 0 and 1 \(0.01 = 1 %\)"):
        await client.jupiter.quote_swap(
            base_token="SOL",
            quote_token="USDC",
            amount=Decimal("1"),
            side="SELL",
            slippage=slippage,
        )
    assert any_route.call_count == 0


async def test_client_default_slippage_is_used(
    make_client: Callable[..., GatewayClient], gateway: respx.MockRouter
) -> None:
    route = gateway.post("/connectors/meteora/clmm/execute-swap").mock(
        return_value=httpx.Response(200, json=response("meteora-clmm-execute-swap"))
    )

    async with make_client(default_slippage=Decimal("0.025")) as client:
        await client.meteora.execute_swap(
            base_token="SOL", amount=Decimal("0.1"), side="SELL", wallet_address=WALLET
        )

    assert json.loads(route.calls.last.request.content)["slippagePct"] == 2.5


def test_client_refuses_a_percent_default_slippage() -> None:
    with pytest.raises(InvalidRequestError, match="default_slippage"):
        GatewayClient("http://gateway.test", default_slippage=Decimal(1) + Decimal("0.5"))


@pytest.mark.parametrize(
    "wallet",
    [
        WALLET,  # a Solana address on an EVM route
        EVM_WALLET[:2] + EVM_WALLET[2:].swapcase(),  # mixed case with a broken checksum
        "0x1234",
    ],
)
async def test_evm_routes_want_evm_addresses(
    wallet: str, client: GatewayClient, any_route: respx.Route
) -> None:
    with pytest.raises(InvalidRequestError, match="EVM address"):
        await client.ethereum.balances(wallet)
    assert any_route.call_count == 0


async def test_evm_addresses_in_lower_case_are_accepted(
    client: GatewayClient, gateway: respx.MockRouter
) -> None:
    route = gateway.post("/chains/ethereum/balances").mock(
        return_value=httpx.Response(200, json=response("chains-ethereum-balances"))
    )

    await client.ethereum.balances(EVM_WALLET.lower())

    assert json.loads(route.calls.last.request.content)["address"] == EVM_WALLET.lower()


async def test_uniswap_positions_are_token_ids(
    client: GatewayClient, any_route: respx.Route
) -> None:
    with pytest.raises(InvalidRequestError, match="token id"):
        await client.uniswap_clmm.position_info("abc")
    assert any_route.call_count == 0


@pytest.mark.parametrize(
    ("signature", "expected"),
    [
        ("bad", "Solana transaction signature"),
        ("0x" + "3b" * 32, "Solana transaction signature"),
    ],
)
async def test_poll_validates_the_signature(
    signature: str, expected: str, client: GatewayClient, any_route: respx.Route
) -> None:
    with pytest.raises(InvalidRequestError, match=expected) as raised:
        await client.solana.poll(signature, wallet_address=WALLET)
    assert raised.value.fields == ("signature",)
    assert any_route.call_count == 0


async def test_ethereum_poll_wants_a_transaction_hash(
    client: GatewayClient, any_route: respx.Route
) -> None:
    with pytest.raises(InvalidRequestError, match="EVM transaction hash"):
        await client.ethereum.poll(SIGNATURE)


async def test_empty_path_parameter_is_refused(client: GatewayClient) -> None:
    with pytest.raises(InvalidRequestError, match="trading_pair"):
        await client.pools.get(" ", connector="meteora", network="mainnet-beta", type="clmm")


async def test_path_parameters_are_escaped(
    client: GatewayClient, gateway: respx.MockRouter
) -> None:
    route = gateway.get(path__regex=r"^/tokens/.+").mock(
        return_value=httpx.Response(200, json=response("tokens-get"))
    )

    await client.tokens.get("SOL/../x", chain="solana", network="mainnet-beta")

    assert route.calls.last.request.url.raw_path.startswith(b"/tokens/SOL%2F..%2Fx?")


def test_request_models_reject_unknown_fields() -> None:
    with pytest.raises(pydantic.ValidationError, match="percentage_to_remove"):
        ClmmOpenPositionRequest.model_validate(
            {
                "network": "mainnet-beta",
                "wallet_address": WALLET,
                "pool_address": METEORA_POOL,
                "lower_price": Decimal(1),
                "upper_price": Decimal(2),
                "base_token_amount": Decimal(1),
                "slippage_pct": Decimal(1),
                "percentage_to_remove": Decimal(50),
            }
        )


@pytest.mark.parametrize("url", ["localhost:15888", "ftp://gateway", ""])
def test_base_url_needs_a_scheme(url: str) -> None:
    with pytest.raises(InvalidRequestError, match="base_url"):
        GatewayClient(url)


def test_tls_files_need_https() -> None:
    with pytest.raises(InvalidRequestError, match="https"):
        GatewayClient("http://gateway.test", ca_bundle="/tmp/ca.pem")


async def test_unknown_wallet_position_fields_do_not_leak_between_chains(
    client: GatewayClient, any_route: respx.Route
) -> None:
    # A Meteora (Solana) position address is not a Uniswap position token id.
    with pytest.raises(InvalidRequestError):
        await client.uniswap_clmm.close_position(METEORA_POSITION, wallet_address=EVM_WALLET)
    with pytest.raises(InvalidRequestError):
        await client.uniswap_clmm.pool_info(METEORA_POOL)
    assert any_route.call_count == 0
    assert UNISWAP_POOL.startswith("0x")
