"""Response models: tolerant parsing, Decimal amounts, optional fields, write-result rules."""

from __future__ import annotations

import json
from decimal import Decimal

import httpx
import pytest
import respx
from gateway_cases import METEORA_POSITION, WALLET

from fixtures.gateway import load, response
from gateway_client import (
    Balances,
    EthereumPollResult,
    GasEstimate,
    GatewayClient,
    MeteoraPoolInfo,
    OpenPositionResult,
    PositionQuote,
    SolanaPollResult,
    SwapResult,
    TransactionFailedError,
    TransactionStatus,
)


def test_amounts_accept_decimal_strings_and_fee_and_rent_are_optional() -> None:
    # Shape of upstream PR #696 (after 2.13): strings, no fee, no positionRent.
    raw = load("meteora-clmm-open-position")["compat_responses"]["decimal_strings_without_fee"]

    result = OpenPositionResult.model_validate(raw)

    assert result.data is not None
    assert result.data.base_token_amount_added == Decimal("0.49997")
    assert result.data.quote_token_amount_added == Decimal("79.999998")
    assert result.data.fee is None and result.data.position_rent is None
    assert result.data.corrected_fee(priority_fee=Decimal("0.00001")) is None


def test_numbers_keep_their_decimal_digits() -> None:
    pool = MeteoraPoolInfo.model_validate_json(
        '{"address":"a","baseTokenAddress":"b","quoteTokenAddress":"c","feePct":0.04,'
        '"price":163.6479153592644,"baseTokenAmount":30318.675104312,"quoteTokenAmount":1,'
        '"activeBinId":-4526,"dynamicFeePct":0.0411578,"minBinId":-1,"maxBinId":1}'
    )
    assert pool.price == Decimal("163.6479153592644")
    assert pool.base_token_amount == Decimal("30318.675104312")
    assert pool.fee_ratio == Decimal("0.0004")
    assert pool.bins == []


def test_unknown_fields_are_ignored() -> None:
    raw = dict(response("chains-solana-estimate-gas"), somethingNew={"x": 1})
    estimate = GasEstimate.model_validate(raw)
    assert estimate.fee == Decimal("0.000025") and not hasattr(estimate, "somethingNew")


def test_helius_estimate_field_is_read() -> None:
    estimate = GasEstimate.model_validate(response("chains-solana-estimate-gas", "with_helius_key"))
    assert estimate.priority_fee_per_cu_estimate == Decimal("0.35")


@pytest.mark.parametrize("status", [0, -1])
def test_data_is_kept_only_when_confirmed(status: int) -> None:
    raw = dict(response("jupiter-router-execute-swap"), status=status)

    result = SwapResult.model_validate(raw)

    assert result.status == TransactionStatus(status)
    assert result.data is None
    assert result.is_pending is (status == 0) and not result.is_confirmed


def test_pending_result_has_no_data() -> None:
    result = SwapResult.model_validate(response("jupiter-router-execute-swap", "pending"))
    assert result.is_pending and result.data is None


async def test_a_failed_write_raises_with_its_signature(
    client: GatewayClient, gateway: respx.MockRouter
) -> None:
    raw = dict(response("meteora-clmm-close-position"), status=-1)
    gateway.post("/connectors/meteora/clmm/close-position").mock(
        return_value=httpx.Response(200, json=raw)
    )

    with pytest.raises(TransactionFailedError) as raised:
        await client.meteora.close_position(METEORA_POSITION, wallet_address=WALLET)

    assert raised.value.signature == raw["signature"]


async def test_a_pending_write_is_returned_for_polling(
    client: GatewayClient, gateway: respx.MockRouter
) -> None:
    gateway.post("/connectors/meteora/clmm/open-position").mock(
        return_value=httpx.Response(200, json=response("meteora-clmm-open-position", "pending"))
    )

    result = await client.meteora.open_position(
        "5rCf1DM8LjKTw4YqhnoLcngyZYeNnQqztScTogYHAS6",
        lower_price=Decimal(1),
        upper_price=Decimal(2),
        base_token_amount=Decimal(1),
        wallet_address=WALLET,
    )

    assert result.is_pending and result.data is None


def test_solana_poll_exposes_status_and_compute_units() -> None:
    confirmed = SolanaPollResult.model_validate(response("chains-solana-poll"))
    failed = SolanaPollResult.model_validate(response("chains-solana-poll", "failed"))
    pending = SolanaPollResult.model_validate(response("chains-solana-poll", "pending"))

    assert confirmed.status is TransactionStatus.CONFIRMED
    assert confirmed.compute_units_consumed == 200_000
    assert confirmed.token_balance_changes == {"SOL": Decimal("-0.000025"), "USDC": 0}
    assert failed.status is TransactionStatus.FAILED
    assert pending.status is TransactionStatus.PENDING
    assert (
        pending.fee is None and pending.tx_data is None and pending.compute_units_consumed is None
    )


def test_ethereum_poll_keeps_evm_status_codes() -> None:
    raw = dict(response("chains-ethereum-poll", "in_mempool"), txStatus=3)
    assert EthereumPollResult.model_validate(raw).tx_status == 3


def test_zero_balances_parse_as_zeros() -> None:
    # Gateway answers zeros when its RPC fails: the model does not hide that.
    balances = Balances.model_validate(response("chains-solana-balances", "rpc_down_zeros"))
    assert balances.balances == {"SOL": Decimal(0), "USDC": Decimal(0)}


@pytest.mark.parametrize("liquidity", ["202299283", 202299283, None])
def test_liquidity_is_kept_as_text(liquidity: object) -> None:
    raw = dict(response("meteora-clmm-quote-position"), liquidity=liquidity)
    quote = PositionQuote.model_validate(raw)
    assert quote.liquidity == (None if liquidity is None else "202299283")


def test_meteora_bins_are_exact_decimals_parsed_once() -> None:
    raw = response("meteora-clmm-pool-info")
    raw["bins"][0]["price"] = "163.517076000000000001"  # a decimal string (post-2.13 shape)

    pool = MeteoraPoolInfo.model_validate_json(json.dumps(raw))

    assert pool.bins is pool.bins
    assert [b.bin_id for b in pool.bins] == [item["binId"] for item in raw["bins"]]
    assert pool.bins[0].price == Decimal("163.517076000000000001")
    assert pool.bins[1].price == Decimal("163.582482")
    assert pool.bins[2].base_token_amount == Decimal("61.734218")
    assert all(isinstance(b.quote_token_amount, Decimal) for b in pool.bins)
