"""``GridExecutor``: a grid of limit orders between two prices, each level buying (or selling) and
taking its profit one step away, with grid-level barriers. Pure: events in, commands out.

Semantics follow Hummingbot's GridExecutor (``executors.md`` §5) with its field names; the levels,
their state machine and the inventory's cost basis are in :mod:`lpexec.cex.grid_levels`.

Flow. On start the grid waits for the first mid price (``PriceUpdated`` on ``trading_pair``)
and generates its levels once. While RUNNING, every price and every ``Tick`` (``wants_ticks``)
runs, in order: the barriers; the cancels of orders outside ``activation_bounds``; a take-profit
(close) order for every level that holds inventory; a batch of open orders. A level's open fill
places its close order at once. A barrier or a stop cancels every live order (CANCELING); once
the venue has answered for all of them the grid either holds its inventory or flattens it with one
MARKET order (CLOSING), then ends.

Orders. Open BUY level at or above the mid: priced ``mid x (1 - safe_extra_spread)`` (the mid
stands for the best bid: only mid prices reach the executor), else at the level price; SELL
mirrored. The close (take profit) of a BUY level is at ``level price x (1 + take_profit)``, or
``mid x (1 + safe_extra_spread)`` if that is not above the mid; SELL mirrored. Prices are rounded
to ``price_tick`` away from the touch (buys down, sells up) and amounts floored to
``amount_step`` when the config carries the market's rules. ``position_action`` is set only on a
perpetual connector (its name contains ``perpetual``, as in Hummingbot).

Barriers, in Hummingbot's order, each at Hummingbot's inclusivity (§16 quirk 1, kept: it is
what the reference's users tune against), on the **open inventory's** P&L (net of its fees,
as a ratio of its cost):

1. stop loss: ``position_pnl_pct <= -stop_loss`` -> STOP_LOSS;
2. limit price: BUY ``mid <= limit_price`` / SELL ``mid >= limit_price`` -> POSITION_HOLD with
   ``keep_position``, else STOP_LOSS;
3. time limit: ``created_at + time_limit <= now`` -> TIME_LIMIT;
4. trailing stop: armed when the P&L ratio ``> activation_price`` (trigger = ratio - delta,
   raised only), fires when it falls ``< trigger`` -> TRAILING_STOP. Decision: it trails only
   while the grid holds inventory and is disarmed when the grid is flat again (Hummingbot's
   ratio drops to 0 when flat, which fires an armed stop on a grid that holds nothing);
5. take profit: BUY ``mid > end_price`` / SELL ``mid < start_price`` -> TAKE_PROFIT.

A stop request holds with ``keep_position`` (the request's, else the config's) -> POSITION_HOLD,
else flattens -> EARLY_STOP. An ending that holds, with nothing held, ends EARLY_STOP.

Decisions against the reference (§16 and §5 quirks that touch the grid):

- ``max_open_orders`` is a **cap** (quirk 4): at most that many open orders rest at once, not a
  gate that lets a whole batch through.
- Each level spends its ``amount_quote`` at its own order price (base = quote / order price);
  Hummingbot divides by the mid, so a level far from the mid spends more or less than its share.
- The take profit stays relative to the **level** price (quirk 4, kept): an open order is never
  priced worse than its level, so the profit is at least ``take_profit``.
- A partial fill of a canceled or failed open order is **kept** (quirk 3): the level holds it and
  takes its profit; dust below the market's minimums goes to the grid's residual inventory, held
  or flattened at the end (what is still below the minimums then stays, reported as
  ``residual_base``). A partly filled close order that ends only re-closes what is left.
- ``order_frequency`` is a plain gate between open-order batches (inclusive: a batch is allowed
  exactly ``order_frequency`` seconds after the last); a cancel or failure does not reset it.
- Division by zero for a range narrower than one step (quirk 4): one level instead.
- There is no per-order budget check (quirk 4: Hummingbot discards its result anyway); the venue
  refuses what the balance cannot fund, and ``max_retries`` consecutive refused orders end the
  grid FAILED, holding what it holds (close type POSITION_HOLD when it holds something).
- ``net_pnl_pct`` is the net P&L over ``total_amount_quote`` (return on the capital committed;
  Hummingbot divides by the volume). Volume is the quote of every fill, whatever the close type
  (quirk 5: not 0 on POSITION_HOLD). On POSITION_HOLD the held inventory, with its cost and open
  fees, goes to the held-positions ledger (:meth:`GridExecutor.held_fills`, one record per level
  that holds, plus the residual), and the report keeps only the realized P&L and fees, so the
  ledger and the report never count the same thing twice.
- CANCELING and CLOSING report the status CLOSING (quirk 8: Hummingbot counts a shutting-down
  grid as active); a controller that must not re-open a level while the old grid unwinds waits
  for ``is_done``. A stop that does not say uses the config's ``keep_position`` (default False:
  flatten, as Hummingbot's orchestrator does on a bot stop, quirk 9), and a grid is resumed from
  its snapshot after a restart, its live orders found again by client order id (quirk 10).
- The step between levels is kept and reported (Hummingbot resets it to 0 after generating).
- Hummingbot's ``custom_info`` keys are in :class:`GridDetails`; its lists of order records
  (``filled_orders``, ``failed_orders``, ``canceled_orders``) are counts here: a long-running grid
  must not grow its state with every fill.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from lpexec.cex.base import CexExecutor
from lpexec.cex.grid_config import (
    GridDetails,
    GridExecutorConfig,
    GridTrailingStop,
    GridTripleBarrierConfig,
)
from lpexec.cex.grid_levels import (
    LEVEL_MACHINE,
    GridLevel,
    Inventory,
    LevelState,
    LevelTrigger,
    ceil_to_step,
    generate_levels,
)
from lpexec.cex.grid_states import (
    GRID_STATUS,
    GRID_TRANSITIONS,
    GridExecutorState,
    GridState,
    GridTrigger,
)
from lpexec.cex.tracking import (
    OrderPhase,
    TrackedOrder,
    cancel_again,
    cancel_refused_reason,
    outcome_unknown_reason,
)
from lpexec.core import (
    CloseType,
    Command,
    CommandFailed,
    ExecutorMetrics,
    ExecutorStarted,
    HeldFill,
    HeldPositionKey,
    OrderCanceled,
    OrderCreated,
    OrderFailed,
    OrderFilled,
    OrderRef,
    PriceUpdated,
    StopRequested,
    Tick,
    floor_to_step,
    on,
)
from lpexec.core.money import ZERO, ratio
from lpexec.core.trade import OrderType, Side

__all__ = [
    "GRID_STATUS",
    "GRID_TRANSITIONS",
    "GridDetails",
    "GridExecutor",
    "GridExecutorConfig",
    "GridExecutorState",
    "GridState",
    "GridTrailingStop",
    "GridTrigger",
    "GridTripleBarrierConfig",
]

_MARKET_CLOSE = -1
"""The level index of the market order that flattens the grid."""
_RATIO_QUANTUM = Decimal("1e-18")

# --- executor -------------------------------------------------------------------------------


class GridExecutor(CexExecutor[GridExecutorConfig, GridExecutorState]):
    """A grid (see module docstring). Pure: events in, commands out."""

    config_class = GridExecutorConfig
    state_class = GridExecutorState
    family_table = GRID_TRANSITIONS
    family_status = GRID_STATUS
    family_field = "grid_state"
    wants_ticks = True

    # --- start and market data ------------------------------------------------------------------

    @on(ExecutorStarted)
    def _started(self, _event: ExecutorStarted) -> list[Command]:
        self._fire(GridTrigger.START)
        return []

    @on(PriceUpdated)
    def _price(self, event: PriceUpdated) -> list[Command]:
        state = self.state
        state.mid = event.price
        if state.grid_state is GridState.RUNNING:
            return self._run(event.ts_event)
        if state.grid_state is GridState.AWAITING_PRICE:
            self._activate(event.price)
            return self._run(event.ts_event)
        return []

    @on(Tick)
    def _tick(self, event: Tick) -> list[Command]:
        state = self.state
        if state.grid_state is GridState.RUNNING:
            return self._run(event.ts_event)
        if state.grid_state is GridState.AWAITING_PRICE and self._time_is_up(event.ts_event):
            self._fire(GridTrigger.STOP, close_type=CloseType.TIME_LIMIT, now=event.ts_event)
        return []

    def _activate(self, mid: Decimal) -> None:
        config, state = self.config, self.state
        plan = generate_levels(
            start_price=config.start_price,
            end_price=config.end_price,
            total_amount_quote=config.total_amount_quote,
            mid_price=mid,
            min_spread_between_orders=config.min_spread_between_orders,
            min_order_amount_quote=config.min_order_amount_quote,
            take_profit=config.triple_barrier_config.take_profit,
            coerce_tp_to_step=config.coerce_tp_to_step,
            price_tick=config.price_tick,
            amount_step=config.amount_step,
            min_notional=config.min_notional,
        )
        state.levels = plan.levels
        state.step = plan.step
        state.level_counts = {level_state: 0 for level_state in LevelState}
        state.level_counts[LevelState.NOT_ACTIVE] = len(plan.levels)
        self._fire(GridTrigger.ACTIVATE)

    def _run(self, now: dt.datetime) -> list[Command]:
        close_type = self._barrier(now)
        if close_type is not None:
            hold = close_type is CloseType.POSITION_HOLD
            return self._shut_down(close_type, now, hold=hold)
        commands: list[Command] = []
        counts = self.state.level_counts
        if self.config.activation_bounds is not None:
            self._cancel_out_of_bounds(commands)
        if counts[LevelState.OPEN_ORDER_FILLED]:
            self._place_closes(commands)
        if (
            counts[LevelState.NOT_ACTIVE]
            and counts[LevelState.OPEN_ORDER_PLACED] < self.config.max_open_orders
        ):
            self._place_opens(commands, now)
        return commands

    # --- barriers -----------------------------------------------------------------------------

    def _barrier(self, now: dt.datetime) -> CloseType | None:
        config, state = self.config, self.state
        barriers = config.triple_barrier_config
        mid = state.mid
        holding = bool(state.position.base)
        pnl_pct = self.position_pnl_pct if holding else ZERO
        if not holding and state.trailing_trigger is not None:
            state.trailing_trigger = None  # flat: nothing left to trail (it re-arms on inventory)
            self._touch()
        if barriers.stop_loss is not None and pnl_pct <= -barriers.stop_loss:
            return CloseType.STOP_LOSS
        buy = config.side == "BUY"
        if (buy and mid <= config.limit_price) or (not buy and mid >= config.limit_price):
            return CloseType.POSITION_HOLD if config.keep_position else CloseType.STOP_LOSS
        if self._time_is_up(now):
            return CloseType.TIME_LIMIT
        if barriers.trailing_stop is not None and holding and self._trailing_fires(pnl_pct):
            return CloseType.TRAILING_STOP
        if (buy and mid > config.end_price) or (not buy and mid < config.start_price):
            return CloseType.TAKE_PROFIT
        return None

    def _time_is_up(self, now: dt.datetime) -> bool:
        limit = self.config.triple_barrier_config.time_limit
        return limit is not None and now - self.created_at >= dt.timedelta(seconds=limit)

    def _trailing_fires(self, pnl_pct: Decimal) -> bool:
        trailing = self.config.triple_barrier_config.trailing_stop
        assert trailing is not None
        state = self.state
        trigger = state.trailing_trigger
        if trigger is None:
            if pnl_pct > trailing.activation_price:
                state.trailing_trigger = pnl_pct - trailing.trailing_delta
                self._touch()
            return False
        if pnl_pct < trigger:
            return True
        if pnl_pct - trailing.trailing_delta > trigger:
            state.trailing_trigger = pnl_pct - trailing.trailing_delta
            self._touch()
        return False

    # --- placing ------------------------------------------------------------------------------

    def _place_opens(self, commands: list[Command], now: dt.datetime) -> None:
        config, state = self.config, self.state
        last = state.last_open_batch
        if last is not None and now - last < dt.timedelta(seconds=config.order_frequency):
            return
        mid, bounds = state.mid, config.activation_bounds
        buy = config.side == "BUY"
        # Activation bounds (Hummingbot's): a BUY level no lower than mid x (1 - bounds), a
        # SELL level no higher than mid x (1 + bounds).
        floor: Decimal | None = None
        ceiling: Decimal | None = None
        if bounds is not None:
            if buy:
                floor = mid * (1 - bounds)
            else:
                ceiling = mid * (1 + bounds)
        candidates = [
            (abs(level.price - mid), index)
            for index, level in enumerate(state.levels)
            if level.state is LevelState.NOT_ACTIVE
            and (floor is None or level.price >= floor)
            and (ceiling is None or level.price <= ceiling)
        ]
        if not candidates:
            return
        candidates.sort()  # nearest the mid first; equal distances in level order
        room = config.max_open_orders - state.level_counts[LevelState.OPEN_ORDER_PLACED]
        if config.max_orders_per_batch is not None:
            room = min(room, config.max_orders_per_batch)
        placed = 0
        for _, index in candidates[:room]:
            command = self._place_open(index, state.levels[index])
            if command is not None:
                commands.append(command)
                placed += 1
        if placed:
            state.last_open_batch = now

    def _place_open(self, index: int, level: GridLevel) -> Command | None:
        config, state = self.config, self.state
        mid, safe = state.mid, config.safe_extra_spread
        if config.side == "BUY":
            price = mid * (1 - safe) if level.price >= mid else level.price
        else:
            price = mid * (1 + safe) if level.price <= mid else level.price
        price = self._round_price(price, config.side)
        amount = self._open_amount(level.amount_quote, price)
        if amount <= 0:
            return None
        order, command = self._order(
            config.side, config.triple_barrier_config.open_order_type, amount, price, "OPEN"
        )
        level.open_order = order
        state.live[order.client_order_id] = index
        self._move(level, LevelTrigger.PLACE_OPEN)
        return command

    def _place_closes(self, commands: list[Command]) -> None:
        for index, level in enumerate(self.state.levels):
            if level.state is LevelState.OPEN_ORDER_FILLED:
                command = self._place_close(index, level)
                if command is not None:
                    commands.append(command)

    def _place_close(self, index: int, level: GridLevel) -> Command | None:
        config, state = self.config, self.state
        amount = self._tradable(level.inventory.base)
        if amount <= 0:
            self._release(level)
            return None
        mid, safe, bounds = state.mid, config.safe_extra_spread, config.activation_bounds
        if config.side == "BUY":
            price = level.price * (1 + level.take_profit)
            if price <= mid:
                price = mid * (1 + safe)
            close_side: Side = "SELL"
        else:
            price = level.price * (1 - level.take_profit)
            if price >= mid:
                price = mid * (1 - safe)
            close_side = "BUY"
        price = self._round_price(price, close_side)
        if bounds is not None and abs(price - mid) / mid >= bounds:
            return None  # outside the activation bounds: wait until the price comes nearer
        order, command = self._order(
            close_side, config.triple_barrier_config.take_profit_order_type, amount, price, "CLOSE"
        )
        level.close_order = order
        state.live[order.client_order_id] = index
        self._move(level, LevelTrigger.PLACE_CLOSE)
        return command

    def _order(
        self,
        side: Side,
        order_type: OrderType,
        amount: Decimal,
        price: Decimal | None,
        action: Literal["OPEN", "CLOSE"],
    ) -> tuple[TrackedOrder, Command]:
        limit = None if order_type == "MARKET" else price
        return self._place_order(
            side, order_type, amount, limit, action if self.config.is_perpetual else None
        )

    def _round_price(self, price: Decimal, side: Side) -> Decimal:
        tick = self.config.price_tick
        if tick is None:
            return price
        return floor_to_step(price, tick) if side == "BUY" else ceil_to_step(price, tick)

    def _open_amount(self, amount_quote: Decimal, price: Decimal) -> Decimal:
        config = self.config
        amount = amount_quote / price
        step = config.amount_step
        if step is None:
            return amount
        amount = floor_to_step(amount, step)
        notional = max(config.min_notional, config.min_order_amount_quote)
        if amount * price < notional or amount < config.min_amount:
            amount += step  # flooring took it below the minimums: one step more
        return amount

    def _tradable(self, base: Decimal) -> Decimal:
        """``base`` floored to the amount step, or 0 below the market's minimums."""
        config = self.config
        if config.amount_step is not None:
            base = floor_to_step(base, config.amount_step)
        price = self.state.mid
        if base <= 0 or base < config.min_amount or base * price < config.min_notional:
            return ZERO
        return base

    def _move(self, level: GridLevel, trigger: LevelTrigger) -> None:
        target = LEVEL_MACHINE.next_state(level.state, trigger, holder=level.id)
        counts = self.state.level_counts
        counts[level.state] -= 1
        counts[target] += 1
        level.state = target
        self._touch()

    def _release(self, level: GridLevel) -> None:
        """Move a level's inventory (dust) to the residual and free the level."""
        level.inventory.move_into(self.state.residual)
        self._move(level, LevelTrigger.RELEASE)

    # --- cancels ------------------------------------------------------------------------------

    def _cancel_out_of_bounds(self, commands: list[Command]) -> None:
        state = self.state
        bounds = self.config.activation_bounds
        assert bounds is not None
        mid = state.mid
        for level in state.levels:
            if level.state is LevelState.OPEN_ORDER_PLACED:
                order = level.open_order
            elif level.state is LevelState.CLOSE_ORDER_PLACED:
                order = level.close_order
            else:
                continue
            if (
                order is not None
                and order.phase in (OrderPhase.PLACING, OrderPhase.OPEN)
                and order.price is not None
                and abs(order.price - mid) / mid > bounds
            ):
                commands.append(self._cancel(order))

    # --- ending -------------------------------------------------------------------------------

    def _shut_down(self, close_type: CloseType, now: dt.datetime, *, hold: bool) -> list[Command]:
        state = self.state
        state.stop_close_type = close_type
        state.hold = hold
        self._fire(GridTrigger.STOP, close_type=close_type, now=now)
        commands: list[Command] = []
        for client_order_id in state.live:
            order = self._live_order(client_order_id)
            if order.phase is not OrderPhase.CANCELING:
                commands.append(self._cancel(order))
        if not state.live:
            commands.extend(self._orders_gone(now))
        return commands

    def _orders_gone(self, now: dt.datetime) -> list[Command]:
        """Every order is done while CANCELING: hold, give up or flatten."""
        state = self.state
        held = state.position.base > 0
        if state.giving_up:
            close_type = CloseType.POSITION_HOLD if held else CloseType.FAILED
            self._fire(GridTrigger.FAIL, close_type=close_type, now=now)
            return []
        if state.hold:
            close_type = CloseType.POSITION_HOLD if held else CloseType.EARLY_STOP
            self._fire(GridTrigger.FINISH, close_type=close_type, now=now)
            return []
        for level in state.levels:
            if level.state is LevelState.OPEN_ORDER_FILLED:
                self._release(level)
        command = self._market_close()
        if command is None:
            self._fire(GridTrigger.FINISH, close_type=state.stop_close_type, now=now)
            return []
        self._fire(GridTrigger.FLATTEN)
        return [command]

    def _market_close(self) -> Command | None:
        config, state = self.config, self.state
        amount = self._tradable(state.residual.base)
        if amount <= 0:
            return None
        side: Side = "SELL" if config.side == "BUY" else "BUY"
        order, command = self._order(side, "MARKET", amount, None, "CLOSE")
        state.market_close = order
        state.live[order.client_order_id] = _MARKET_CLOSE
        state.close_attempts += 1
        return command

    def _after_market_close(self, now: dt.datetime) -> list[Command]:
        """The market close ended (filled, canceled or refused): close what is left, or end."""
        state = self.state
        if (
            self._tradable(state.residual.base) > 0
            and state.close_attempts > self.config.max_retries
        ):
            close_type = (
                CloseType.POSITION_HOLD if state.position.base > 0 else state.stop_close_type
            )
            state.failure_reason = (
                f"{state.close_attempts} market orders did not close the grid; "
                f"last: {state.failure_reason or 'canceled unfilled'}"
            )
            self._fire(GridTrigger.FAIL, close_type=close_type, now=now)
            return []
        command = self._market_close()
        if command is None:
            self._fire(GridTrigger.FINISH, close_type=state.stop_close_type, now=now)
            return []
        self._fire(GridTrigger.RECLOSE)
        return [command]

    @on(StopRequested)
    def _stop(self, event: StopRequested) -> list[Command]:
        state = self.state
        keep = self.config.keep_position if event.keep_position is None else event.keep_position
        close_type = CloseType.POSITION_HOLD if keep else CloseType.EARLY_STOP
        if state.grid_state in (GridState.NOT_STARTED, GridState.AWAITING_PRICE):
            self._fire(GridTrigger.STOP, close_type=CloseType.EARLY_STOP, now=event.ts_event)
            return []
        if state.grid_state is not GridState.RUNNING:
            return []  # already ending
        return self._shut_down(close_type, event.ts_event, hold=keep)

    # --- order events -------------------------------------------------------------------------

    def _live_order(self, client_order_id: str) -> TrackedOrder:
        index = self.state.live[client_order_id]
        if index == _MARKET_CLOSE:
            order = self.state.market_close
        else:
            level = self.state.levels[index]
            order = level.open_order
            if order is None or order.client_order_id != client_order_id:
                order = level.close_order
        assert order is not None and order.client_order_id == client_order_id
        return order

    def order_refs(self) -> list[OrderRef]:
        """Every live order (for the order poller)."""
        config = self.config
        venue, pair = config.connector_name, config.trading_pair
        return [OrderRef(venue, pair, client_order_id) for client_order_id in self.state.live]

    @on(OrderCreated)
    def _created(self, event: OrderCreated) -> list[Command]:
        state = self.state
        if event.client_order_id not in state.live:
            return []
        order = self._live_order(event.client_order_id)
        if order.phase is not OrderPhase.PLACING and (
            not event.venue_order_id or event.venue_order_id == order.venue_order_id
        ):
            return []  # a repeated confirmation (the poller reads records again): no change
        order.venue_order_id = event.venue_order_id or order.venue_order_id
        if order.phase is OrderPhase.PLACING:
            order.phase = OrderPhase.OPEN
        self._settled(event.client_order_id)
        state.failures = 0
        self._touch()
        return []

    def _settled(self, client_order_id: str) -> None:
        unknown = self.state.unknown_orders
        if client_order_id in unknown:
            unknown.remove(client_order_id)

    @on(OrderFilled)
    def _filled(self, event: OrderFilled) -> list[Command]:
        state = self.state
        index = state.live.get(event.client_order_id)
        if index is None:
            return []
        order = self._live_order(event.client_order_id)
        if not order.count_fill(event):
            return []
        self._settled(event.client_order_id)
        state.failures = 0
        self._count_volume(event)
        if index == _MARKET_CLOSE:
            self._realize(state.residual, event)
            if order.phase is OrderPhase.FILLED:
                del state.live[event.client_order_id]
                state.filled_orders += 1
                return self._after_market_close(event.ts_event)
            self._touch()
            return []
        level = state.levels[index]
        if order is level.open_order:
            return self._open_filled(index, level, order, event)
        return self._close_filled(level, order, event)

    def _count_volume(self, event: OrderFilled) -> None:
        state = self.state
        quote = event.base_amount * event.price
        state.volume_quote += quote
        state.fees_quote += event.fee_quote
        if event.side == "BUY":
            state.bought_base += event.base_amount
        else:
            state.sold_base += event.base_amount

    def _open_filled(
        self, index: int, level: GridLevel, order: TrackedOrder, event: OrderFilled
    ) -> list[Command]:
        state = self.state
        base = event.base_amount
        if self.config.deduct_base_fees and event.price > 0:
            base -= event.fee_quote / event.price  # the fee was taken in base
        cost = event.base_amount * event.price
        level.inventory.add(base, cost, event.fee_quote)
        state.position.add(base, cost, event.fee_quote)
        if order.phase is not OrderPhase.FILLED:
            self._touch()
            return []
        del state.live[order.client_order_id]
        state.filled_orders += 1
        self._move(level, LevelTrigger.OPEN_FILLED)
        if state.grid_state is GridState.RUNNING:
            command = self._place_close(index, level)
            return [command] if command is not None else []
        return self._maybe_orders_gone(event.ts_event)

    def _close_filled(
        self, level: GridLevel, order: TrackedOrder, event: OrderFilled
    ) -> list[Command]:
        state = self.state
        self._realize(level.inventory, event)
        if order.phase is not OrderPhase.FILLED:
            self._touch()
            return []
        del state.live[order.client_order_id]
        state.filled_orders += 1
        self._move(level, LevelTrigger.CLOSE_FILLED)
        level.cycles += 1
        if level.inventory.base:
            level.inventory.move_into(state.residual)  # rounding leftovers
        level.open_order = level.close_order = None
        self._move(level, LevelTrigger.RECYCLE)
        return self._maybe_orders_gone(event.ts_event)

    def _realize(self, inventory: Inventory, event: OrderFilled) -> None:
        state = self.state
        base, cost, fees = inventory.take(event.base_amount)
        state.position.remove(base, cost, fees)
        quote = event.base_amount * event.price
        gross = quote - cost if self.config.side == "BUY" else cost - quote
        state.realized_pnl += gross - fees - event.fee_quote
        state.realized_fees += fees + event.fee_quote
        state.realized_open_quote += cost
        state.realized_close_quote += quote

    def _maybe_orders_gone(self, now: dt.datetime) -> list[Command]:
        if self.state.grid_state is GridState.CANCELING and not self.state.live:
            return self._orders_gone(now)
        return []

    @on(OrderCanceled)
    def _canceled(self, event: OrderCanceled) -> list[Command]:
        if event.client_order_id not in self.state.live:
            return []
        self.state.canceled_orders += 1
        return self._order_ended(event.client_order_id, OrderPhase.CANCELED, event.ts_event)

    @on(OrderFailed)
    def _order_failed(self, event: OrderFailed) -> list[Command]:
        if event.client_order_id not in self.state.live:
            return []
        return self._refused(event.client_order_id, event.reason, event.ts_event)

    @on(CommandFailed)
    def _command_failed(self, event: CommandFailed) -> list[Command]:
        state = self.state
        for client_order_id in state.live:
            order = self._live_order(client_order_id)
            if event.command_id == order.command_id:
                if event.code == "outcome_unknown":
                    return self._place_unknown(order, event)
                return self._refused(client_order_id, event.reason, event.ts_event)
            if event.command_id == order.cancel_command_id:
                return self._cancel_refused(order, event)
        return []

    def _place_unknown(self, order: TrackedOrder, event: CommandFailed) -> list[Command]:
        # It may have made the order: it stays live (the poller and a cancel find it by its id).
        if order.client_order_id not in self.state.unknown_orders:
            self.state.unknown_orders.append(order.client_order_id)
        self.state.failure_reason = outcome_unknown_reason(order, event.reason)
        self._touch()
        return []

    def _cancel_refused(self, order: TrackedOrder, event: CommandFailed) -> list[Command]:
        if cancel_again(event):
            return [self._cancel(order)]
        self.state.failure_reason = cancel_refused_reason(order, event.reason)
        order.reason = event.reason
        return self._order_ended(order.client_order_id, OrderPhase.FAILED, event.ts_event)

    def _refused(self, client_order_id: str, reason: str, now: dt.datetime) -> list[Command]:
        state = self.state
        order = self._live_order(client_order_id)
        order.reason = reason
        state.failed_orders += 1
        state.failures += 1
        state.failure_reason = f"order {client_order_id} failed: {reason}"
        if state.live[client_order_id] == _MARKET_CLOSE:
            order.phase = OrderPhase.FAILED
            del state.live[client_order_id]
            return self._after_market_close(now)
        commands = self._order_ended(client_order_id, OrderPhase.FAILED, now)
        if state.grid_state is GridState.RUNNING and state.failures > self.config.max_retries:
            state.giving_up = True
            state.failure_reason = (
                f"{state.failures} orders refused in a row (max_retries "
                f"{self.config.max_retries}); last: {reason}"
            )
            commands.extend(self._shut_down(CloseType.FAILED, now, hold=True))
        return commands

    def _order_ended(
        self, client_order_id: str, phase: OrderPhase, now: dt.datetime
    ) -> list[Command]:
        """A live order ended (canceled, or failed) with what filled kept."""
        state = self.state
        index = state.live.pop(client_order_id)
        self._settled(client_order_id)
        if index == _MARKET_CLOSE:
            assert state.market_close is not None
            state.market_close.phase = phase
            return self._after_market_close(now)
        level = state.levels[index]
        if level.open_order is not None and level.open_order.client_order_id == client_order_id:
            level.open_order.phase = phase
            kept = level.inventory.base > 0
            self._move(level, LevelTrigger.OPEN_CUT if kept else LevelTrigger.OPEN_GONE)
            if (
                kept
                and state.grid_state is GridState.RUNNING
                and not self._tradable(level.inventory.base)
            ):
                self._release(level)
        else:
            assert level.close_order is not None
            level.close_order.phase = phase
            self._move(level, LevelTrigger.CLOSE_GONE)
        return self._maybe_orders_gone(now)

    # --- reporting ------------------------------------------------------------------------------

    @property
    def position_pnl_quote(self) -> Decimal:
        """The open inventory's P&L at the mid, net of its open fees."""
        position, state = self.state.position, self.state
        value = position.base * state.mid
        gross = value - position.cost if self.config.side == "BUY" else position.cost - value
        return gross - position.fees

    @property
    def position_pnl_pct(self) -> Decimal:
        """:attr:`position_pnl_quote` over the inventory's cost (0 without inventory), at 18
        decimal places: the barriers compare it, and a barrier set at a round ratio must fire at
        its exact price despite the last digit of 28-digit arithmetic."""
        return ratio(self.position_pnl_quote, self.state.position.cost).quantize(_RATIO_QUANTUM)

    @property
    def _holds(self) -> bool:
        return self.is_terminated and self.close_type is CloseType.POSITION_HOLD

    def metrics(self) -> ExecutorMetrics:
        state = self.state
        if self._holds:  # the held inventory, its cost and fees are the ledger's now
            net, fees, value = state.realized_pnl, state.realized_fees, ZERO
        else:
            net = state.realized_pnl + self.position_pnl_quote
            fees, value = state.fees_quote, state.position.base * state.mid
        return ExecutorMetrics(
            net_pnl_quote=net,
            net_pnl_pct=ratio(net, self.config.total_amount_quote),
            fees_paid_quote=fees,
            value_quote=value,
            volume_quote=state.volume_quote,
        )

    def _stranded_reason(self) -> str | None:
        state = self.state
        return state.failure_reason if state.unknown_orders else None

    def details(self) -> GridDetails:
        config, state = self.config, self.state
        position = state.position
        counts = state.level_counts
        by_state = {level_state.value: counts.get(level_state, 0) for level_state in LevelState}
        sign = 1 if config.side == "BUY" else -1
        open_placed = close_placed = ZERO
        for level in state.levels:
            if level.state is LevelState.OPEN_ORDER_PLACED and level.open_order is not None:
                open_placed += level.open_order.remaining * (level.open_order.price or ZERO)
            elif level.state is LevelState.CLOSE_ORDER_PLACED and level.close_order is not None:
                close_placed += level.close_order.remaining * (level.close_order.price or ZERO)
        held = self._held_records() if self._holds else []
        buys, sells = (
            (state.realized_open_quote, state.realized_close_quote)
            if sign > 0
            else (state.realized_close_quote, state.realized_open_quote)
        )
        return GridDetails(
            state=state.grid_state.value,
            side=config.side,
            grid_side=config.side,
            connector_name=config.connector_name,
            trading_pair=config.trading_pair,
            level_id=config.level_id,
            leverage=config.leverage,
            mid_price=state.mid,
            grid_limit_price=config.limit_price,
            grid_level_prices=[level.price for level in state.levels],
            grid_tp_prices=[level.price * (1 + sign * level.take_profit) for level in state.levels],
            step=state.step,
            levels=len(state.levels),
            levels_by_state=by_state,
            filled_levels=by_state[LevelState.OPEN_ORDER_FILLED]
            + by_state[LevelState.CLOSE_ORDER_PLACED],
            completed_cycles=sum(level.cycles for level in state.levels),
            inventory_delta_base=state.bought_base - state.sold_base,
            position_size_base=position.base,
            position_size_quote=position.cost,
            current_position_average_price=position.average_price,
            break_even_price=position.average_price,
            position_fees_quote=position.fees,
            position_pnl_quote=self.position_pnl_quote,
            position_pnl_pct=self.position_pnl_pct,
            realized_buy_size_quote=buys,
            realized_sell_size_quote=sells,
            realized_imbalance_quote=buys - sells,
            realized_fees_quote=state.realized_fees,
            realized_pnl_quote=state.realized_pnl,
            realized_pnl_pct=ratio(state.realized_pnl, state.realized_open_quote),
            residual_base=state.residual.base,
            cum_fees_quote=state.fees_quote,
            volume_quote=state.volume_quote,
            open_liquidity_placed=open_placed,
            close_liquidity_placed=close_placed,
            open_orders=len(state.live),
            filled_orders=state.filled_orders,
            failed_orders=state.failed_orders,
            canceled_orders=state.canceled_orders,
            held_position_value=sum((fill.quote_amount for _, fill in held), ZERO),
            held_position_orders=[
                {
                    "fill_id": fill.fill_id,
                    "side": fill.side,
                    "base_amount": str(fill.base_amount),
                    "quote_amount": str(fill.quote_amount),
                    "fee_quote": str(fill.fee_quote),
                }
                for _, fill in held
            ],
            trailing_stop_trigger=state.trailing_trigger,
            current_retries=state.failures,
            max_retries=config.max_retries,
            failure_reason=state.failure_reason,
        )

    def held_fills(self) -> list[tuple[HeldPositionKey, HeldFill]]:
        """The held inventory for the held-positions ledger (asked on POSITION_HOLD): one record
        per level holding base, and one for the residual, each at its cost with its open fees."""
        return self._held_records()

    def _held_records(self) -> list[tuple[HeldPositionKey, HeldFill]]:
        config, state = self.config, self.state
        key = self._held_key()
        ts = self.closed_at or self.ts_last
        buckets = [(level.id, level.inventory) for level in state.levels]
        buckets.append(("residual", state.residual))
        return [
            (
                key,
                HeldFill(
                    fill_id=f"{self.id}:{name}",
                    executor_id=self.id,
                    side=config.side,
                    base_amount=inventory.base,
                    quote_amount=inventory.cost,
                    fee_quote=inventory.fees,
                    ts=ts,
                ),
            )
            for name, inventory in buckets
            if inventory.base > 0
        ]
