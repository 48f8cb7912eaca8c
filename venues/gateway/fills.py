"""What a settled swap moved, read from Gateway's answer or from the chain's poll.

Amounts are what the wallet actually sent and received (never the requested amounts), with the
network fee taken out of the native side and reported apart: Gateway's balance changes of the
native token include the fee. The fee itself comes from the chain's ``meta.fee`` when the poll
gave it (Meteora's write answers count the priority fee twice), else from the answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from gateway_client import GatewayClient, GatewayError, SwapData
from lpexec.core import OutcomeUnknownError
from lpexec.core.money import ZERO
from lpexec.venues.gateway.transactions import TxFacts

__all__ = ["SwapFill", "fill_from_data", "fill_from_poll"]


@dataclass(frozen=True, slots=True, kw_only=True)
class SwapFill:
    """Base and quote moved (magnitudes, fee excluded) and the network fee in native."""

    base_amount: Decimal
    quote_amount: Decimal
    tx_fee: Decimal
    signature: str


def _fill(
    *,
    base_token: str,
    quote_token: str,
    native_token: str,
    base_delta: Decimal,
    quote_delta: Decimal,
    fee: Decimal,
    signature: str,
) -> SwapFill:
    if base_token == native_token:
        base_delta += fee
    elif quote_token == native_token:
        quote_delta += fee
    return SwapFill(
        base_amount=abs(base_delta),
        quote_amount=abs(quote_delta),
        tx_fee=fee,
        signature=signature,
    )


def fill_from_data(
    data: SwapData,
    *,
    base_token: str,
    quote_token: str,
    native_token: str,
    facts: TxFacts | None,
    signature: str,
) -> SwapFill:
    """Read a fill from a confirmed answer's normalized balance changes."""
    fee = facts.fee if facts is not None and facts.fee is not None else data.fee or ZERO
    return _fill(
        base_token=base_token,
        quote_token=quote_token,
        native_token=native_token,
        base_delta=data.base_token_balance_change,
        quote_delta=data.quote_token_balance_change,
        fee=fee,
        signature=signature,
    )


async def fill_from_poll(
    client: GatewayClient,
    *,
    signature: str,
    base_token: str,
    quote_token: str,
    native_token: str,
    wallet_address: str,
    network: str,
) -> SwapFill:
    """Read a confirmed swap's fill from the poll's balance changes.

    Raises:
        OutcomeUnknownError: the poll failed or carried no balance changes for the pair.
    """
    try:
        poll = await client.solana.poll(
            signature,
            wallet_address=wallet_address,
            tokens=[base_token, quote_token],
            network=network,
        )
    except GatewayError as e:
        raise OutcomeUnknownError(f"swap {signature} confirmed but not readable: {e}") from e
    changes = poll.token_balance_changes
    if base_token not in changes or quote_token not in changes:
        raise OutcomeUnknownError(f"swap {signature} confirmed without balance changes")
    return _fill(
        base_token=base_token,
        quote_token=quote_token,
        native_token=native_token,
        base_delta=changes[base_token],
        quote_delta=changes[quote_token],
        fee=poll.fee or ZERO,
        signature=signature,
    )
