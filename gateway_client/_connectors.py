"""Per-connector traps of Gateway 2.13, as data, and the pure functions that normalize them.

Every connector difference the client compensates for is a field of :class:`ConnectorQuirks`
and is applied by a function of this module, so the traps are listed and tested in one place:

* **Remove-liquidity percentage field.** Meteora's own route reads ``liquidityPct``; the unified
  ``/trading/clmm/remove``, Raydium and Uniswap read ``percentageToRemove``. Gateway ignores
  unknown fields, so the wrong name silently removes 100 % (hummingbot#7840).
* **Inverted BUY quote price.** Meteora's ``quote-swap`` reports ``price = amountOut/amountIn``
  on both sides, i.e. base per quote on BUY. We normalize to quote per base.
* **Router balance changes.** Routers (Jupiter, Uniswap Universal Router, 0x, ...) report
  ``baseTokenBalanceChange``/``quoteTokenBalanceChange`` as the tokenIn/tokenOut deltas whatever
  the side. We swap them back on BUY.
* **Double-counted priority fee.** Meteora reports ``fee = meta.fee + CU price x CU consumed``
  while ``meta.fee`` already contains the priority fee. The raw value is kept; the data model
  offers ``corrected_fee(priority_fee=...)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal, TypeVar

from ._constants import LAMPORTS_PER_SOL
from ._exceptions import InvalidRequestError
from ._models.base import FeeCorrection
from ._models.swap import SwapData, SwapQuote
from ._types import Chain, Side

__all__ = [
    "CONNECTOR_QUIRKS",
    "ConnectorQuirks",
    "estimate_priority_fee",
    "normalize_fee",
    "normalize_swap_data",
    "normalize_swap_quote",
    "percent_to_ratio",
    "quirks_for",
    "ratio_to_percent",
    "remove_liquidity_fields",
]

DataT = TypeVar("DataT", bound=FeeCorrection)
QuoteT = TypeVar("QuoteT", bound=SwapQuote)

RemoveField = Literal["liquidityPct", "percentageToRemove"]
BalanceChanges = Literal["base_quote", "token_in_out"]
Unconfirmed = Literal["http_504", "status_0"]


@dataclass(frozen=True, slots=True, kw_only=True)
class ConnectorQuirks:
    """What a Gateway connector does differently from the documented common schema."""

    connector: str
    """Gateway's ``name/type`` key, e.g. ``meteora/clmm``."""
    chain: Chain
    remove_liquidity_field: RemoveField | None = None
    """Name of the percentage field of remove-liquidity (``None``: no such route)."""
    buy_quote_price_inverted: bool = False
    """``quote-swap`` with side BUY returns base per quote."""
    balance_changes: BalanceChanges = "base_quote"
    """Meaning of ``base/quoteTokenBalanceChange`` in swap results."""
    fee_double_counts_priority_fee: bool = False
    """Write results report the priority fee twice in ``fee``."""
    unconfirmed: Unconfirmed = "status_0"
    """How a write that did not confirm in time is reported (HTTP 504 or ``status 0``)."""
    supports_strategy_type: bool = False
    """Open/add/quote-position accept Meteora's ``strategyType``."""
    position_info_takes_wallet: bool = False
    """``position-info`` reads ``walletAddress`` (else it must not be sent)."""
    execute_swap_takes_pool: bool = True
    """``execute-swap`` accepts ``poolAddress``."""


_ALL = (
    ConnectorQuirks(
        connector="meteora/clmm",
        chain="solana",
        remove_liquidity_field="liquidityPct",
        buy_quote_price_inverted=True,
        fee_double_counts_priority_fee=True,
        unconfirmed="http_504",
        supports_strategy_type=True,
    ),
    ConnectorQuirks(
        connector="raydium/clmm",
        chain="solana",
        remove_liquidity_field="percentageToRemove",
        position_info_takes_wallet=True,
    ),
    ConnectorQuirks(
        connector="raydium/amm",
        chain="solana",
        remove_liquidity_field="percentageToRemove",
    ),
    ConnectorQuirks(
        connector="jupiter/router",
        chain="solana",
        balance_changes="token_in_out",
    ),
    ConnectorQuirks(
        connector="uniswap/clmm",
        chain="ethereum",
        remove_liquidity_field="percentageToRemove",
        execute_swap_takes_pool=False,
    ),
    ConnectorQuirks(
        connector="uniswap/amm",
        chain="ethereum",
        remove_liquidity_field="percentageToRemove",
    ),
    ConnectorQuirks(
        connector="uniswap/router",
        chain="ethereum",
        balance_changes="token_in_out",
    ),
    ConnectorQuirks(connector="0x/router", chain="ethereum", balance_changes="token_in_out"),
    ConnectorQuirks(
        connector="pancakeswap/router", chain="ethereum", balance_changes="token_in_out"
    ),
    ConnectorQuirks(
        connector="pancakeswap/clmm",
        chain="ethereum",
        remove_liquidity_field="percentageToRemove",
    ),
    ConnectorQuirks(
        connector="pancakeswap/amm",
        chain="ethereum",
        remove_liquidity_field="percentageToRemove",
    ),
    ConnectorQuirks(
        connector="pancakeswap-sol/clmm",
        chain="solana",
        remove_liquidity_field="percentageToRemove",
    ),
    ConnectorQuirks(
        connector="orca/clmm",
        chain="solana",
        remove_liquidity_field="percentageToRemove",
    ),
)

CONNECTOR_QUIRKS: dict[str, ConnectorQuirks] = {quirks.connector: quirks for quirks in _ALL}
"""Quirks by ``name/type`` connector key."""


def quirks_for(connector: str) -> ConnectorQuirks:
    """Return the quirks of a connector.

    Args:
        connector: ``name/type`` (``meteora/clmm``) or, for unified CLMM routes, a bare name
            (``meteora``), which means its ``clmm`` type.

    Returns:
        The connector's quirks.

    Raises:
        InvalidRequestError: If the connector is not known to this client.
    """
    key = connector if "/" in connector else f"{connector}/clmm"
    quirks = CONNECTOR_QUIRKS.get(key)
    if quirks is None:
        known = ", ".join(sorted(CONNECTOR_QUIRKS))
        raise InvalidRequestError(
            f"Expected connector to be one of {known}, received connector={connector!r}",
            fields=("connector",),
        )
    return quirks


def ratio_to_percent(ratio: Decimal, *, field: str) -> Decimal:
    """Convert one of our ratios (0.01 = 1 %) to Gateway's percent (1).

    Args:
        ratio: A ratio between 0 and 1.
        field: Argument name, for the error message.

    Returns:
        The percentage, 0 to 100.

    Raises:
        InvalidRequestError: If ``ratio`` is not a Decimal in [0, 1].
    """
    if isinstance(ratio, float) or not isinstance(ratio, Decimal | int):
        raise InvalidRequestError(
            f"Expected {field} as a Decimal ratio (0.01 = 1 %), received {ratio!r}",
            fields=(field,),
        )
    value = Decimal(ratio)
    if not value.is_finite() or not 0 <= value <= 1:
        raise InvalidRequestError(
            f"Expected {field} as a ratio between 0 and 1 (0.01 = 1 %), received {field}={ratio}",
            fields=(field,),
        )
    return value * 100


def percent_to_ratio(percent: Decimal) -> Decimal:
    """Convert a Gateway percentage (1 = 1 %) to a ratio (0.01)."""
    return percent / 100


def remove_liquidity_fields(quirks: ConnectorQuirks, fraction: Decimal) -> dict[str, Decimal]:
    """Return the percentage field of a remove-liquidity request for this connector.

    Args:
        quirks: The connector's quirks.
        fraction: Share of the liquidity to remove, as a ratio (0.5 = half).

    Returns:
        ``{"liquidity_pct": p}`` for Meteora, ``{"percentage_to_remove": p}`` otherwise.

    Raises:
        InvalidRequestError: If the fraction is out of range or the connector has no such route.
    """
    percent = ratio_to_percent(fraction, field="fraction")
    if quirks.remove_liquidity_field == "liquidityPct":
        return {"liquidity_pct": percent}
    if quirks.remove_liquidity_field == "percentageToRemove":
        return {"percentage_to_remove": percent}
    raise InvalidRequestError(
        f"Expected a connector with a remove-liquidity route, received {quirks.connector}",
        fields=("connector",),
    )


def normalize_swap_quote(quote: QuoteT, *, side: Side, quirks: ConnectorQuirks) -> QuoteT:
    """Return the quote with ``price`` in quote per base and the raw price kept.

    Args:
        quote: The quote as parsed from Gateway.
        side: Side of the request.
        quirks: The connector's quirks.

    Returns:
        A copy with ``price`` normalized, ``reported_price`` and ``side`` set.
    """
    reported = quote.price
    price = reported
    if side == "BUY" and quirks.buy_quote_price_inverted:
        if quote.amount_out > 0:
            price = quote.amount_in / quote.amount_out
        elif reported > 0:
            price = 1 / reported
    return quote.model_copy(update={"price": price, "reported_price": reported, "side": side})


def normalize_swap_data(data: SwapData, *, side: Side, quirks: ConnectorQuirks) -> SwapData:
    """Return swap data whose ``base_*``/``quote_*`` deltas really are base and quote.

    Args:
        data: The data as parsed from Gateway.
        side: Side of the request (SELL pays base, BUY pays quote).
        quirks: The connector's quirks.

    Returns:
        A copy with base/quote deltas normalized, token-in/out deltas and the fee flag set.
    """
    first = data.base_token_balance_change
    second = data.quote_token_balance_change
    if quirks.balance_changes == "token_in_out":
        token_in, token_out = first, second
        base, quote = (first, second) if side == "SELL" else (second, first)
    else:
        base, quote = first, second
        token_in, token_out = (base, quote) if side == "SELL" else (quote, base)
    return data.model_copy(
        update={
            "base_token_balance_change": base,
            "quote_token_balance_change": quote,
            "token_in_balance_change": token_in,
            "token_out_balance_change": token_out,
            "side": side,
            "fee_double_counts_priority_fee": quirks.fee_double_counts_priority_fee,
        }
    )


def normalize_fee(data: DataT, *, quirks: ConnectorQuirks) -> DataT:
    """Mark write data whose ``fee`` double counts the priority fee.

    Args:
        data: Parsed write data.
        quirks: The connector's quirks.

    Returns:
        The same data, flagged when the connector is affected.
    """
    if not quirks.fee_double_counts_priority_fee:
        return data
    return data.model_copy(update={"fee_double_counts_priority_fee": True})


def estimate_priority_fee(
    *, compute_unit_price: Decimal, compute_units: int, denomination: str = "lamports"
) -> Decimal:
    """Return a Solana priority fee in SOL: compute-unit price x compute units.

    Meteora sets the compute-unit price to ``estimate-gas``'s ``feePerComputeUnit`` at send time
    (cached 10 s) and its reported fee adds price x units *consumed* a second time. Pass the
    consumed units when known (from the RPC cross-check or ``poll``'s ``txData``); with the
    200 000 fallback limit the estimate is an upper bound and the corrected fee a lower bound.

    Args:
        compute_unit_price: Price per compute unit, in ``denomination`` units.
        compute_units: Compute units consumed.
        denomination: ``lamports`` (as ``estimate-gas`` reports) or ``microlamports``
            (as the SetComputeUnitPrice instruction holds).

    Returns:
        The priority fee in SOL.

    Raises:
        InvalidRequestError: On a negative input or an unknown denomination.
    """
    if compute_unit_price < 0 or compute_units < 0:
        raise InvalidRequestError(
            "Expected compute_unit_price >= 0 and compute_units >= 0, received "
            f"compute_unit_price={compute_unit_price} compute_units={compute_units}",
            fields=("compute_unit_price", "compute_units"),
        )
    lamports = compute_unit_price * compute_units
    if denomination == "microlamports":
        lamports = lamports / 1_000_000
    elif denomination != "lamports":
        raise InvalidRequestError(
            "Expected denomination 'lamports' or 'microlamports', received "
            f"denomination={denomination!r}",
            fields=("denomination",),
        )
    return lamports / LAMPORTS_PER_SOL
