"""``LPExecutor``: one concentrated-liquidity position from open to close, with no I/O.

It opens the position, follows its range state from pool prices and position reads, closes it on
a limit price, an out-of-range timer or a stop, retries a failed close with backoff and a widening
slippage ramp (then ends STRANDED, still listed and actionable), and finally either swaps the
inventory difference back (``keep_position=False``) or hands the net change to the held-positions
ledger (``keep_position=True``). Every amount comes from what the venue reported, never from the
request.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from lpexec.core import (
    CloseType,
    Command,
    CommandFailed,
    Executor,
    ExecutorInfo,
    ExecutorMetrics,
    ExecutorStarted,
    HeldFill,
    HeldPositionKey,
    PriceUpdated,
    StopRequested,
    Swap,
    SwapExecuted,
    Tick,
    on,
)
from lpexec.core.money import ZERO
from lpexec.lp.accounting import LPAccounting, account, native_costs_quote, swap_cost_quote
from lpexec.lp.adoption import AdoptPosition, PositionAdopted
from lpexec.lp.config import LPExecutorConfig
from lpexec.lp.details import LPDetails
from lpexec.lp.fees import CollectFeesRequested
from lpexec.lp.liquidity_changes import AddLiquidityRequested, RemoveLiquidityRequested
from lpexec.lp.messages import (
    AddLiquidity,
    ClosePosition,
    CollectFees,
    FeesCollected,
    LiquidityAdded,
    LiquidityRemoved,
    OpenPosition,
    PoolPriceUpdated,
    PositionClosed,
    PositionOpened,
    PositionUpdated,
    RefreshPosition,
    RemoveLiquidity,
)
from lpexec.lp.states import LP_STATUS, LP_TRANSITIONS, LPState, LPTrigger

__all__ = ["LPExecutor", "LPExecutorState"]

MAX_CLOSE_BACKOFF_SECONDS = 60
_OPEN_STATES = frozenset({LPState.IN_RANGE, LPState.OUT_OF_RANGE})
"""The position is open and followed (in or out of range)."""


@dataclass(slots=True)
class LPExecutorState:
    """Everything an LP executor knows; amounts in human units, fees and rent in native SOL."""

    lp_state: LPState = LPState.NOT_ACTIVE
    position_address: str = ""
    open_command_id: str = ""
    close_command_id: str = ""
    swap_command_id: str = ""
    refresh_command_id: str = ""
    open_attempts: int = 0
    close_attempts: int = 0
    swap_attempts: int = 0
    stop_requested: bool = False
    stop_keep_position: bool | None = None
    pending_close_type: CloseType | None = None
    initial_base: Decimal = ZERO
    initial_quote: Decimal = ZERO
    add_price: Decimal | None = None
    lower_price: Decimal | None = None
    upper_price: Decimal | None = None
    lower_bin_id: int | None = None
    upper_bin_id: int | None = None
    active_bin_id: int | None = None
    price: Decimal | None = None
    native_price: Decimal | None = None
    base_amount: Decimal = ZERO
    quote_amount: Decimal = ZERO
    base_fee: Decimal = ZERO
    quote_fee: Decimal = ZERO
    base_fee_claimed: Decimal = ZERO
    quote_fee_claimed: Decimal = ZERO
    position_rent: Decimal = ZERO
    position_rent_refunded: Decimal = ZERO
    rent_sunk: Decimal = ZERO
    tx_fee: Decimal = ZERO
    open_signature: str = ""
    close_signature: str = ""
    out_of_range_since: dt.datetime | None = None
    out_of_range_direction: str = ""
    last_refresh_at: dt.datetime | None = None
    next_close_at: dt.datetime | None = None
    closed: bool = False
    close_estimated: bool = False
    open_estimated: bool = False
    """The open was seen only through its position: its rent, BinArray rent and fee unknown."""
    close_fees_estimated: bool = False
    """The close's total is exact but its split between liquidity and fees is the last read's."""
    stranded_from: str = ""
    """What was under way when the executor stranded: open, position, close or swap."""
    swap_side: str = ""
    swap_base: Decimal = ZERO
    swap_quote: Decimal = ZERO
    swap_cost: Decimal = ZERO
    failure_reason: str = ""
    adopted: bool = False
    """The position was opened elsewhere and adopted (see :mod:`lpexec.lp.adoption`)."""
    base_fee_before: Decimal = ZERO
    quote_fee_before: Decimal = ZERO
    adopted_open_tx_fee: Decimal = ZERO
    adopted_rent_sunk: Decimal = ZERO
    adopted_position_rent: Decimal = ZERO
    collect_command_id: str = ""
    """The fee claim under way (``lp collect-fees``), one at a time."""
    change_command_id: str = ""
    """The liquidity addition or removal under way (``lp add``/``lp remove``), one at a time."""
    withdrawn_base: Decimal = ZERO
    withdrawn_quote: Decimal = ZERO
    """What removals took out of the position (``lp remove``): still part of what it returned."""


class LPExecutor(Executor[LPExecutorConfig, LPExecutorState]):
    """One LP position (see module docstring). Pure: events in, commands out."""

    config_class = LPExecutorConfig
    state_class = LPExecutorState
    family_table = LP_TRANSITIONS
    family_status = LP_STATUS
    family_field = "lp_state"
    wants_ticks = True

    def __init__(
        self,
        config: LPExecutorConfig,
        *,
        created_at: dt.datetime,
        state: LPExecutorState | None = None,
    ) -> None:
        super().__init__(config, created_at=created_at, state=state)
        # Read on every price event; the config is frozen, so this never goes stale.
        self._native_pair = config.native_pair

    # --- opening --------------------------------------------------------------------------------

    @on(ExecutorStarted)
    def _started(self, _event: ExecutorStarted) -> list[Command]:
        self._fire(LPTrigger.OPEN)
        return [self._open_command()]

    def _open_command(self) -> OpenPosition | AdoptPosition:
        config = self.config
        command_id = self._next_command_id()
        self.state.open_command_id = command_id
        self.state.open_attempts += 1
        if config.adopt_position_address:
            return AdoptPosition(
                command_id=command_id,
                executor_id=self.id,
                venue=config.lp_provider,
                position_address=config.adopt_position_address,
                pool_address=config.pool_address,
            )
        return OpenPosition(
            command_id=command_id,
            executor_id=self.id,
            venue=config.lp_provider,
            pool_address=config.pool_address,
            trading_pair=config.trading_pair,
            lower_price=config.lower_price,
            upper_price=config.upper_price,
            base_amount=config.base_amount,
            quote_amount=config.quote_amount,
            slippage=config.slippage_pct,
            strategy_type=config.strategy_type.label,
        )

    @on(PositionOpened)
    def _opened(self, event: PositionOpened) -> list[Command]:
        state = self.state
        stranded_open = state.lp_state is LPState.STRANDED and state.stranded_from == "open"
        if state.lp_state is not LPState.OPENING and not stranded_open:
            return []
        if stranded_open:
            state.stranded_from, state.failure_reason = "", ""
        state.position_address = event.position_address
        state.initial_base = state.base_amount = event.base_amount
        state.initial_quote = state.quote_amount = event.quote_amount
        state.lower_price, state.upper_price = event.lower_price, event.upper_price
        state.lower_bin_id, state.upper_bin_id = event.lower_bin_id, event.upper_bin_id
        if event.active_bin_id is not None:
            state.active_bin_id = event.active_bin_id
        if event.price is not None:
            state.price = event.price
        state.add_price = event.price if event.price is not None else state.price
        state.position_rent += event.position_rent
        state.rent_sunk += event.rent_sunk
        state.tx_fee += event.tx_fee
        state.open_signature = event.signature
        state.open_estimated = event.estimated
        if isinstance(event, PositionAdopted):
            state.adopted = True
            state.base_fee = state.base_fee_before = event.base_fee_before
            state.quote_fee = state.quote_fee_before = event.quote_fee_before
            state.adopted_open_tx_fee = event.open_tx_fee
            state.adopted_rent_sunk = event.open_rent_sunk
            state.adopted_position_rent = event.position_rent
        state.last_refresh_at = event.ts_event
        in_range, direction = self.range_status()
        self._fire(LPTrigger.OPENED_IN_RANGE if in_range else LPTrigger.OPENED_OUT_OF_RANGE)
        if not in_range:
            state.out_of_range_since = event.ts_event
            state.out_of_range_direction = direction
        if state.stop_requested:
            return self._close(self._stop_close_type(state.stop_keep_position))
        return self._evaluate(event.ts_event)

    # --- market data and timers ---------------------------------------------------------------

    @on(PriceUpdated)
    def _price(self, event: PriceUpdated) -> list[Command]:
        state = self.state
        if event.trading_pair == self._native_pair:
            state.native_price = event.price
            return []
        state.price = event.price
        return self._evaluate(event.ts_event)

    @on(PoolPriceUpdated)
    def _pool_price(self, event: PoolPriceUpdated) -> list[Command]:
        # Written out rather than calling _price: this runs for every executor on every pool
        # update, and the extra frame costs ~4 % of bench/lp_engine.py.
        state = self.state
        if event.trading_pair == self._native_pair:
            state.native_price = event.price
            return []
        if event.pool_address != self.config.pool_address:
            return []
        state.price = event.price
        if event.active_bin_id is not None:
            state.active_bin_id = event.active_bin_id
        return self._evaluate(event.ts_event)

    @on(PositionUpdated)
    def _position(self, event: PositionUpdated) -> list[Command]:
        state = self.state
        state.refresh_command_id = ""
        if event.position_address != state.position_address or state.closed:
            return []
        state.base_amount, state.quote_amount = event.base_amount, event.quote_amount
        state.base_fee, state.quote_fee = event.base_fee, event.quote_fee
        state.lower_price, state.upper_price = event.lower_price, event.upper_price
        if event.lower_bin_id is not None:
            state.lower_bin_id, state.upper_bin_id = event.lower_bin_id, event.upper_bin_id
        if event.active_bin_id is not None:
            state.active_bin_id = event.active_bin_id
        state.price = event.price
        state.last_refresh_at = event.ts_event
        self._touch()
        return self._evaluate(event.ts_event)

    @on(Tick)
    def _tick(self, event: Tick) -> list[Command]:
        state, now = self.state, event.ts_event
        if state.lp_state is LPState.CLOSING and state.next_close_at is not None:
            if now >= state.next_close_at and not state.close_command_id:
                return [self._close_command()]
            return []
        commands = self._evaluate(now)
        if commands or state.lp_state not in _OPEN_STATES:
            return commands
        due = state.last_refresh_at is None or (
            (now - state.last_refresh_at).total_seconds() >= self.config.refresh_interval_seconds
        )
        if due and not state.refresh_command_id:
            state.refresh_command_id = self._next_command_id()
            state.last_refresh_at = now
            return [
                RefreshPosition(
                    command_id=state.refresh_command_id,
                    executor_id=self.id,
                    venue=self.config.lp_provider,
                    position_address=state.position_address,
                    pool_address=self.config.pool_address,
                )
            ]
        return []

    def range_status(self) -> tuple[bool, str]:
        """Return (in range, 'above'|'below'|''), on-chain bounds first."""
        state, config = self.state, self.config
        active, lower_bin, upper_bin = state.active_bin_id, state.lower_bin_id, state.upper_bin_id
        if active is not None and lower_bin is not None and upper_bin is not None:
            # DLMM: lower_bin <= active <= upper_bin. CLMM: lower_tick <= tick < upper_tick.
            above = active > upper_bin if config.is_dlmm else active >= upper_bin
            below = active < lower_bin
        else:
            price = state.price
            if price is None:
                return True, ""
            lower = state.lower_price if state.lower_price is not None else config.lower_price
            upper = state.upper_price if state.upper_price is not None else config.upper_price
            above = price > upper if config.is_dlmm else price >= upper
            below = price < lower
        if above:
            return False, "above"
        if below:
            return False, "below"
        return True, ""

    def _evaluate(self, now: dt.datetime) -> list[Command]:
        state, config = self.state, self.config
        if state.lp_state not in _OPEN_STATES:
            return []
        price = state.price
        if price is not None:
            if config.upper_limit_price is not None and price >= config.upper_limit_price:
                return self._close(self._auto_close_type())
            if config.lower_limit_price is not None and price <= config.lower_limit_price:
                return self._close(self._auto_close_type())
        in_range, direction = self.range_status()
        if in_range:
            if state.lp_state is LPState.OUT_OF_RANGE:
                self._fire(LPTrigger.ENTER_RANGE)
            state.out_of_range_since, state.out_of_range_direction = None, ""
            return []
        if state.lp_state is LPState.IN_RANGE:
            self._fire(LPTrigger.LEAVE_RANGE)
        if state.out_of_range_since is None or state.out_of_range_direction != direction:
            state.out_of_range_since, state.out_of_range_direction = now, direction
            self._touch()
        limit = (
            config.auto_close_above_range_seconds
            if direction == "above"
            else config.auto_close_below_range_seconds
        )
        if limit is not None and (now - state.out_of_range_since).total_seconds() >= limit:
            return self._close(self._auto_close_type())
        return []

    def _auto_close_type(self) -> CloseType:
        return CloseType.POSITION_HOLD if self.config.keep_position else CloseType.EARLY_STOP

    def _stop_close_type(self, keep_position: bool | None) -> CloseType:
        keep = self.config.keep_position if keep_position is None else keep_position
        return CloseType.POSITION_HOLD if keep else CloseType.EARLY_STOP

    # --- stopping and closing -----------------------------------------------------------------

    @on(StopRequested)
    def _stop(self, event: StopRequested) -> list[Command]:
        state = self.state
        lp_state = state.lp_state
        if lp_state is LPState.NOT_ACTIVE:
            self._fire(LPTrigger.CANCEL, close_type=CloseType.EARLY_STOP, now=event.ts_event)
            return []
        if lp_state is LPState.OPENING:
            # The open's outcome is on its way; close as soon as it is known.
            state.stop_requested, state.stop_keep_position = True, event.keep_position
            self._touch()
            return []
        if lp_state in _OPEN_STATES:
            return self._close(self._stop_close_type(event.keep_position))
        if lp_state is LPState.STRANDED and state.stranded_from in ("close", "position"):
            self._fire(LPTrigger.RETRY_CLOSE)
            state.close_attempts = 0
            state.failure_reason = ""
            state.stranded_from = ""
            return [self._close_command()]
        if lp_state is LPState.STRANDED and state.stranded_from == "open":
            # Nothing to close until the open is settled (by the engine's retry): close then.
            state.stop_requested, state.stop_keep_position = True, event.keep_position
            self._touch()
        return []

    def _close(self, close_type: CloseType) -> list[Command]:
        self._fire(LPTrigger.CLOSE, close_type=close_type)
        return [self._close_command()]

    def _close_command(self) -> ClosePosition:
        state, config = self.state, self.config
        slippage = min(
            config.slippage_pct + config.close_slippage_step * state.close_attempts,
            max(config.max_close_slippage, config.slippage_pct),
        )
        state.close_attempts += 1
        state.next_close_at = None
        state.close_command_id = self._next_command_id()
        return ClosePosition(
            command_id=state.close_command_id,
            executor_id=self.id,
            venue=config.lp_provider,
            position_address=state.position_address,
            pool_address=config.pool_address,
            slippage=slippage,
        )

    @on(PositionClosed)
    def _closed(self, event: PositionClosed) -> list[Command]:
        state = self.state
        if state.closed or event.position_address != state.position_address:
            return []
        if state.lp_state in _OPEN_STATES:
            # Closed outside lpexec (seen on a refresh).
            self._fire(LPTrigger.CLOSE, close_type=CloseType.EARLY_STOP)
        state.closed = True
        state.close_command_id = ""
        if event.already_closed and event.estimated:
            # Amounts are unknown: keep the last read of the position as the best estimate.
            state.close_estimated = True
        elif event.fees_included:
            # The total paid out is exact; split it by the fees owed at the last read.
            state.base_fee = min(state.base_fee, max(ZERO, event.base_amount))
            state.quote_fee = min(state.quote_fee, max(ZERO, event.quote_amount))
            state.base_amount = event.base_amount - state.base_fee
            state.quote_amount = event.quote_amount - state.quote_fee
            state.close_fees_estimated = True
        else:
            state.base_amount, state.quote_amount = event.base_amount, event.quote_amount
            state.base_fee, state.quote_fee = event.base_fee, event.quote_fee
        state.position_rent_refunded += event.position_rent_refunded
        state.tx_fee += event.tx_fee
        state.close_signature = event.signature
        state.out_of_range_since = None
        if self.close_type is CloseType.POSITION_HOLD:
            self._fire(LPTrigger.CLOSED, now=event.ts_event)
            return []
        difference = self.returned_amounts()[0] - state.initial_base
        if abs(difference) <= self.config.dust_base:
            self._fire(LPTrigger.CLOSED, now=event.ts_event)
            return []
        self._fire(LPTrigger.CLOSED_NEEDS_SWAP)
        state.swap_side = "SELL" if difference > 0 else "BUY"
        return [self._swap_command(abs(difference))]

    def returned_amounts(self) -> tuple[Decimal, Decimal]:
        """(base, quote) the position holds or gave back, fees owed and claimed included (fees
        earned before an adoption excluded: they are not this executor's)."""
        state = self.state
        return (
            state.base_amount + state.withdrawn_base + self.base_fees_earned(),
            state.quote_amount + state.withdrawn_quote + self.quote_fees_earned(),
        )

    def base_fees_earned(self) -> Decimal:
        """Base fees earned while this executor held the position (owed and claimed)."""
        state = self.state
        return state.base_fee + state.base_fee_claimed - state.base_fee_before

    def quote_fees_earned(self) -> Decimal:
        """Quote fees earned while this executor held the position (owed and claimed)."""
        state = self.state
        return state.quote_fee + state.quote_fee_claimed - state.quote_fee_before

    def _swap_command(self, amount: Decimal) -> Swap:
        state = self.state
        state.swap_attempts += 1
        state.swap_command_id = self._next_command_id()
        return Swap(
            command_id=state.swap_command_id,
            executor_id=self.id,
            venue=self.config.swap_provider,
            trading_pair=self.config.trading_pair,
            side="SELL" if state.swap_side == "SELL" else "BUY",
            amount=amount,
            slippage=self.config.slippage_pct,
            pool_address=self.config.pool_address,
        )

    @on(SwapExecuted)
    def _swapped(self, event: SwapExecuted) -> list[Command]:
        state = self.state
        if event.command_id != state.swap_command_id:
            return []
        state.stranded_from, state.failure_reason = "", ""
        state.swap_base, state.swap_quote = event.base_amount, event.quote_amount
        state.tx_fee += event.tx_fee
        reference = state.price if state.price is not None else ZERO
        state.swap_cost = swap_cost_quote(
            side=event.side,
            base_amount=event.base_amount,
            quote_amount=event.quote_amount,
            price=reference,
        )
        self._fire(LPTrigger.SWAPPED, now=event.ts_event)
        return []

    @on(CollectFeesRequested)
    def _collect_requested(self, _event: CollectFeesRequested) -> list[Command]:
        state = self.state
        if state.lp_state not in _OPEN_STATES or state.collect_command_id:
            return []
        state.collect_command_id = self._next_command_id()
        self._touch()
        return [
            CollectFees(
                command_id=state.collect_command_id,
                executor_id=self.id,
                venue=self.config.lp_provider,
                position_address=state.position_address,
            )
        ]

    def _change(self, command_class: type[Command], **fields: object) -> list[Command]:
        """One liquidity change on the open position, when none is under way."""
        state = self.state
        if state.lp_state not in _OPEN_STATES or (
            state.change_command_id or state.collect_command_id or state.close_command_id
        ):
            return []
        state.change_command_id = self._next_command_id()
        self._touch()
        return [
            command_class(
                command_id=state.change_command_id,
                executor_id=self.id,
                venue=self.config.lp_provider,
                position_address=state.position_address,
                **fields,
            )
        ]

    @on(AddLiquidityRequested)
    def _add_requested(self, event: AddLiquidityRequested) -> list[Command]:
        return self._change(
            AddLiquidity,
            base_amount=event.base_amount,
            quote_amount=event.quote_amount,
            slippage=self.config.slippage_pct,
        )

    @on(RemoveLiquidityRequested)
    def _remove_requested(self, event: RemoveLiquidityRequested) -> list[Command]:
        return self._change(RemoveLiquidity, fraction=event.fraction)

    @on(LiquidityAdded)
    def _added(self, event: LiquidityAdded) -> list[Command]:
        state = self.state
        if event.command_id == state.change_command_id:
            state.change_command_id = ""
        price = state.price if state.price is not None else ZERO
        add_price = state.add_price if state.add_price is not None else price
        deposited = state.initial_base + event.base_amount
        if deposited > 0:  # the deposit's value stays exact: each part at its own price
            state.add_price = (state.initial_base * add_price + event.base_amount * price) / (
                deposited
            )
        state.initial_base, state.initial_quote = (
            deposited,
            state.initial_quote + event.quote_amount,
        )
        state.base_amount += event.base_amount
        state.quote_amount += event.quote_amount
        state.tx_fee += event.tx_fee
        self._touch()
        return []

    @on(LiquidityRemoved)
    def _removed(self, event: LiquidityRemoved) -> list[Command]:
        state = self.state
        if event.command_id == state.change_command_id:
            state.change_command_id = ""
        state.withdrawn_base += event.base_amount
        state.withdrawn_quote += event.quote_amount
        state.base_amount = max(ZERO, state.base_amount - event.base_amount)
        state.quote_amount = max(ZERO, state.quote_amount - event.quote_amount)
        state.tx_fee += event.tx_fee
        self._touch()
        return []

    @on(FeesCollected)
    def _fees_collected(self, event: FeesCollected) -> list[Command]:
        state = self.state
        if event.command_id == state.collect_command_id:
            state.collect_command_id = ""
            if state.failure_reason.startswith("collect fees failed"):
                state.failure_reason = ""
        state.base_fee_claimed += event.base_fee
        state.quote_fee_claimed += event.quote_fee
        state.base_fee = max(ZERO, state.base_fee - event.base_fee)
        state.quote_fee = max(ZERO, state.quote_fee - event.quote_fee)
        state.tx_fee += event.tx_fee
        self._touch()
        return []

    # --- failures --------------------------------------------------------------------------------

    @on(CommandFailed)
    def _failed(self, event: CommandFailed) -> list[Command]:
        state = self.state
        command_id = event.command_id
        # A transaction that landed and failed on chain still cost its fee.
        state.tx_fee += event.tx_fee
        lp_state, phase = state.lp_state, state.stranded_from
        if command_id and command_id == state.change_command_id:
            state.change_command_id = ""  # the position is as it was (a refresh reads it)
            state.failure_reason = f"liquidity change failed: {event.reason}"
            self._touch()
            return []
        if command_id and command_id == state.collect_command_id:
            state.collect_command_id = ""  # nothing claimed; the fees stay owed
            state.failure_reason = f"collect fees failed: {event.reason}"
            self._touch()
            return []
        if command_id == state.refresh_command_id:
            state.refresh_command_id = ""
            if event.code == "position_not_found" and lp_state in _OPEN_STATES:
                return self._strand(
                    "position", f"position {state.position_address} is not on chain: {event.reason}"
                )
            return []
        if command_id == state.open_command_id and (
            lp_state is LPState.OPENING or (lp_state is LPState.STRANDED and phase == "open")
        ):
            return self._open_failed(event)
        if command_id == state.close_command_id and lp_state is LPState.CLOSING:
            return self._close_failed(event)
        if command_id == state.swap_command_id and (
            lp_state is LPState.SWAPPING or (lp_state is LPState.STRANDED and phase == "swap")
        ):
            return self._swap_failed(event)
        return []

    def _strand(self, phase: str, reason: str) -> list[Command]:
        state = self.state
        state.stranded_from = phase
        state.failure_reason = reason
        self._fire(LPTrigger.STRAND)
        return []

    def _open_failed(self, event: CommandFailed) -> list[Command]:
        state = self.state
        if event.code == "outcome_unknown":
            return self._strand(
                "open",
                f"open outcome unknown: {event.reason}; a position may exist in pool "
                f"{self.config.pool_address}",
            )
        if event.retryable and state.open_attempts < self.config.max_open_attempts:
            return [self._open_command()]
        state.failure_reason = f"open failed: {event.reason}"
        self._fire(LPTrigger.FAIL, close_type=CloseType.FAILED, now=event.ts_event)
        return []

    def _close_failed(self, event: CommandFailed) -> list[Command]:
        state = self.state
        state.close_command_id = ""
        if event.code == "position_not_found":
            state.failure_reason = f"close: position {state.position_address} was never on chain"
            self._fire(LPTrigger.FAIL, close_type=CloseType.FAILED, now=event.ts_event)
            return []
        if state.close_attempts >= self.config.max_close_attempts:
            return self._strand(
                "close",
                f"close failed {state.close_attempts} times, last: {event.reason}; "
                f"position {state.position_address} is still on chain",
            )
        backoff = min(
            self.config.close_retry_seconds * 2 ** (state.close_attempts - 1),
            MAX_CLOSE_BACKOFF_SECONDS,
        )
        state.next_close_at = event.ts_event + dt.timedelta(seconds=backoff)
        state.failure_reason = f"close attempt {state.close_attempts} failed: {event.reason}"
        self._touch()
        return []

    def _swap_failed(self, event: CommandFailed) -> list[Command]:
        state = self.state
        if event.code == "outcome_unknown":
            return self._strand("swap", f"swap back outcome unknown: {event.reason}")
        if state.swap_attempts < self.config.max_swap_attempts:
            return [self._swap_command(abs(self.returned_amounts()[0] - state.initial_base))]
        state.failure_reason = (
            f"swap back failed {state.swap_attempts} times, last: {event.reason}; "
            "the tokens stay in the wallet"
        )
        self._fire(LPTrigger.FAIL, close_type=CloseType.FAILED, now=event.ts_event)
        return []

    # --- reporting ------------------------------------------------------------------------------

    def accounting(self) -> LPAccounting:
        """The position's accounting at the last known prices."""
        state = self.state
        price = state.price if state.price is not None else ZERO
        native_price = self._native_price(price)
        opened = bool(state.position_address)
        return account(
            initial_base=state.initial_base,
            initial_quote=state.initial_quote,
            add_price=state.add_price if state.add_price is not None else price,
            base=state.base_amount + state.withdrawn_base if opened else ZERO,
            quote=state.quote_amount + state.withdrawn_quote if opened else ZERO,
            base_fees=self.base_fees_earned(),
            quote_fees=self.quote_fees_earned(),
            price=price,
            native_price=native_price,
            tx_fee_native=state.tx_fee,
            rent_sunk_native=state.rent_sunk,
            position_rent_native=state.position_rent,
            position_rent_refunded_native=state.position_rent_refunded,
            swap_costs_quote=state.swap_cost,
            swap_volume_quote=state.swap_base * price,
        )

    def _native_price(self, price: Decimal) -> Decimal:
        # Quote per native token: the pool price when native is the base, 1 when it is the quote.
        config = self.config
        if config.native_token == config.base_token:
            return price
        if config.native_token == config.quote_token:
            return Decimal(1)
        native_price = self.state.native_price
        return native_price if native_price is not None else ZERO

    def metrics(self) -> ExecutorMetrics:
        figures = self.accounting()
        return ExecutorMetrics(
            net_pnl_quote=figures.net_pnl_quote,
            net_pnl_pct=figures.net_pnl_pct,
            fees_paid_quote=figures.fees_paid_quote,
            fees_earned_quote=figures.fees_earned_quote,
            value_quote=figures.lp_value_quote + figures.fees_earned_quote,
            volume_quote=figures.volume_quote if self.state.position_address else ZERO,
        )

    def details(self) -> LPDetails:
        return LPDetails.build(self)

    def info(self, now: dt.datetime, *, stranded_reason: str | None = None) -> ExecutorInfo:
        if stranded_reason is None and self.state.lp_state is LPState.STRANDED:
            stranded_reason = self.state.failure_reason
        return super().info(now, stranded_reason=stranded_reason)

    def out_of_range_seconds(self, now: dt.datetime) -> float:
        """How long the price has been out of range without a break (0 when in range)."""
        since = self.state.out_of_range_since
        return 0.0 if since is None else max(0.0, (now - since).total_seconds())

    def held_fills(self) -> list[tuple[HeldPositionKey, HeldFill]]:
        """The net change against the deposit, as one fill (deposits never create holds)."""
        state = self.state
        if not state.position_address:
            return []
        price = state.price if state.price is not None else ZERO
        base, quote = self.returned_amounts()
        net_base, net_quote = base - state.initial_base, quote - state.initial_quote
        # The fee part of accounting() only: the rest of the figures are not needed here.
        tx_fees, rent_sunk = native_costs_quote(
            tx_fee_native=state.tx_fee,
            rent_sunk_native=state.rent_sunk,
            native_price=self._native_price(price),
        )
        fees = tx_fees + rent_sunk
        key = HeldPositionKey(
            controller_id=self.config.controller_id,
            connector=f"{self.config.connector}/{self.config.lp_provider}",
            trading_pair=self.config.trading_pair,
        )
        base = abs(net_base)
        if base <= self.config.dust_base:
            side, base, quote = "BUY", ZERO, ZERO
        elif (net_base > 0) != (net_quote > 0) and net_quote != 0:
            side, quote = ("BUY" if net_base > 0 else "SELL"), abs(net_quote)
        else:
            side, quote = ("BUY" if net_base > 0 else "SELL"), base * price
        fill = HeldFill(
            fill_id=f"{self.id}:lp-net",
            executor_id=self.id,
            side=side,
            base_amount=base,
            quote_amount=quote,
            fee_quote=fees,
            ts=self.closed_at or self.ts_last,
        )
        return [(key, fill)]
