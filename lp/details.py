"""``LPDetails``: the LP part of an executor report (every accounting field users check)."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from lpexec.core import ExecutorDetails

if TYPE_CHECKING:
    from lpexec.lp.executor import LPExecutor

__all__ = ["LPDetails"]


class LPDetails(ExecutorDetails):
    """State, range, amounts, rent, fees and the P&L decomposition of one LP position.

    Native amounts (``*_native``) are in the chain's native token (SOL); everything ``*_quote``
    is in the pool's quote token; ``net_pnl_pct`` elsewhere in the report is a ratio.
    ``base_fee``/``quote_fee`` are the fees earned in each token; ``position_rent``,
    ``position_rent_refunded`` and ``tx_fee`` are Hummingbot's names for the native figures
    (the same amounts as ``position_rent_native``, ``position_rent_refunded_native`` and
    ``tx_fee_native``, in SOL).
    """

    state: str
    pool_address: str
    position_address: str
    trading_pair: str
    lp_provider: str
    lower_price: Decimal | None
    upper_price: Decimal | None
    lower_bin_id: int | None
    upper_bin_id: int | None
    active_bin_id: int | None
    price: Decimal | None
    in_range: bool | None
    out_of_range_seconds: float
    initial_base: Decimal
    initial_quote: Decimal
    add_price: Decimal | None
    base_amount: Decimal
    quote_amount: Decimal
    base_fee: Decimal
    quote_fee: Decimal
    position_rent: Decimal
    position_rent_refunded: Decimal
    tx_fee: Decimal
    position_rent_native: Decimal
    position_rent_refunded_native: Decimal
    rent_sunk_native: Decimal
    rent_locked_native: Decimal
    tx_fee_native: Decimal
    initial_value_quote: Decimal
    hodl_value_quote: Decimal
    lp_value_quote: Decimal
    fees_earned_quote: Decimal
    impermanent_loss_quote: Decimal
    price_move_quote: Decimal
    tx_fees_quote: Decimal
    rent_sunk_quote: Decimal
    rent_locked_quote: Decimal
    swap_costs_quote: Decimal
    swap_side: str
    swap_base: Decimal
    swap_quote: Decimal
    keep_position: bool
    close_estimated: bool
    """The close was found done without its transaction: amounts are the last read's."""
    open_estimated: bool
    """The open was found through its position only: its rent and fee are not counted."""
    close_fees_estimated: bool
    """The close's total is exact; its split between liquidity and fees is estimated."""
    stranded_from: str
    open_signature: str
    close_signature: str
    failure_reason: str
    adopted: bool = False
    """The position was opened elsewhere and adopted (``lp adopt``): the figures below were paid
    before the adoption and are in none of this report's costs or P&L (see
    :mod:`lpexec.lp.adoption`)."""
    adopted_open_tx_fee_native: Decimal = Decimal(0)
    adopted_rent_sunk_native: Decimal = Decimal(0)
    adopted_position_rent_native: Decimal = Decimal(0)
    base_fee_before: Decimal = Decimal(0)
    quote_fee_before: Decimal = Decimal(0)

    @classmethod
    def build(cls, executor: LPExecutor) -> LPDetails:
        """Collect the report of ``executor`` as of its last event."""
        state, config = executor.state, executor.config
        figures = executor.accounting()
        in_range: bool | None = None
        if state.position_address and not state.closed:
            in_range = executor.range_status()[0]
        return cls(
            state=state.lp_state.value,
            pool_address=config.pool_address,
            position_address=state.position_address,
            trading_pair=config.trading_pair,
            lp_provider=config.lp_provider,
            lower_price=state.lower_price,
            upper_price=state.upper_price,
            lower_bin_id=state.lower_bin_id,
            upper_bin_id=state.upper_bin_id,
            active_bin_id=state.active_bin_id,
            price=state.price,
            in_range=in_range,
            out_of_range_seconds=executor.out_of_range_seconds(executor.ts_last),
            initial_base=state.initial_base,
            initial_quote=state.initial_quote,
            add_price=state.add_price,
            base_amount=state.base_amount,
            quote_amount=state.quote_amount,
            base_fee=executor.base_fees_earned(),
            quote_fee=executor.quote_fees_earned(),
            position_rent=state.position_rent,
            position_rent_refunded=state.position_rent_refunded,
            tx_fee=state.tx_fee,
            position_rent_native=state.position_rent,
            position_rent_refunded_native=state.position_rent_refunded,
            rent_sunk_native=state.rent_sunk,
            rent_locked_native=figures.rent_locked_native,
            tx_fee_native=state.tx_fee,
            initial_value_quote=figures.initial_value_quote,
            hodl_value_quote=figures.hodl_value_quote,
            lp_value_quote=figures.lp_value_quote,
            fees_earned_quote=figures.fees_earned_quote,
            impermanent_loss_quote=figures.impermanent_loss_quote,
            price_move_quote=figures.price_move_quote,
            tx_fees_quote=figures.tx_fees_quote,
            rent_sunk_quote=figures.rent_sunk_quote,
            rent_locked_quote=figures.rent_locked_quote,
            swap_costs_quote=figures.swap_costs_quote,
            swap_side=state.swap_side,
            swap_base=state.swap_base,
            swap_quote=state.swap_quote,
            keep_position=config.keep_position,
            close_estimated=state.close_estimated,
            open_estimated=state.open_estimated,
            close_fees_estimated=state.close_fees_estimated,
            stranded_from=state.stranded_from,
            open_signature=state.open_signature,
            close_signature=state.close_signature,
            failure_reason=state.failure_reason,
            adopted=state.adopted,
            adopted_open_tx_fee_native=state.adopted_open_tx_fee,
            adopted_rent_sunk_native=state.adopted_rent_sunk,
            adopted_position_rent_native=state.adopted_position_rent,
            base_fee_before=state.base_fee_before,
            quote_fee_before=state.quote_fee_before,
        )
