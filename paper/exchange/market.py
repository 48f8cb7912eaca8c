"""One spot market of the paper exchange, driven by a price source.

Rules:

- The market has no depth of its own: each :meth:`Market.step` sets the touch (bid, ask), the last
  trade price and the time, as read from a price source (a price path or a CSV replay).
- ``fill_cap`` is the most base amount the market fills **per side per step** (buys and sells are
  capped separately). Orders share it in priority order (takers on arrival first come, first
  served; then resting orders by price, then by arrival). What is left over waits for the next step:
  that is how partial fills happen. ``None`` means no cap.
- ``fill_cap`` is a multiple of the amount step, so capped fills stay on the step.
- Before the first step there is no touch: nothing can cross, and market orders are rejected.
- A market with a ``perpetual`` spec trades perpetual futures (positions with leverage, margin,
  funding and liquidation; see :mod:`lpexec.paper.exchange.perpetual`); without one it is spot.
  The step's ``last`` is the perpetual's mark price.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from decimal import Decimal

from lpexec.core.exchange import TradingRules
from lpexec.core.money import ZERO
from lpexec.paper.exchange.errors import InvalidQuoteError
from lpexec.paper.exchange.orders import OrderSide
from lpexec.paper.exchange.perpetual import PerpetualSpec

__all__ = ["Market", "Quote"]


@dataclass(frozen=True, slots=True)
class Quote:
    """The touch and last trade price of one step."""

    bid: Decimal
    ask: Decimal
    last: Decimal
    ts_event: _dt.datetime | None = None


@dataclass(kw_only=True)
class Market:
    """A spot market: its pair, rules, per-step fill cap and current quote.

    Example:
        >>> rules = TradingRules(price_tick=Decimal("0.01"), amount_step=Decimal("0.001"))
        >>> market = Market(trading_pair="SOL-USDC", rules=rules, fill_cap=Decimal("5"))
        >>> market.step(Decimal("99"), Decimal("101"), Decimal("100"))
        >>> market.take_capacity(OrderSide.BUY, Decimal("7"))
        Decimal('5')
    """

    trading_pair: str
    rules: TradingRules
    fill_cap: Decimal | None = None
    perpetual: PerpetualSpec | None = None
    """Perpetual-futures terms; None for a spot market."""
    quote: Quote | None = None
    _capacity: dict[OrderSide, Decimal | None] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        base, sep, quote = self.trading_pair.partition("-")
        if not sep or not base or not quote:
            raise ValueError(
                f"Expected a trading pair 'BASE-QUOTE', received {self.trading_pair!r}"
            )
        if self.fill_cap is not None and self.fill_cap <= ZERO:
            raise ValueError(f"Expected a positive fill_cap or None, received {self.fill_cap}")
        if self.fill_cap is not None and self.rules.floor_amount(self.fill_cap) != self.fill_cap:
            raise ValueError(
                f"Expected a fill_cap that is a multiple of the amount step "
                f"{self.rules.amount_step}, received {self.fill_cap}"
            )
        self._reset_capacity()

    @property
    def is_perpetual(self) -> bool:
        """Return True for a perpetual-futures market."""
        return self.perpetual is not None

    @property
    def mark_price(self) -> Decimal | None:
        """Return the mark price (the last step's ``last``), or None before the first step."""
        return None if self.quote is None else self.quote.last

    @property
    def base(self) -> str:
        """Return the base asset (before the dash)."""
        return self.trading_pair.partition("-")[0]

    @property
    def quote_asset(self) -> str:
        """Return the quote asset (after the dash)."""
        return self.trading_pair.partition("-")[2]

    def step(
        self,
        bid: Decimal,
        ask: Decimal,
        last: Decimal,
        now: _dt.datetime | None = None,
    ) -> None:
        """Set the touch and last price for a new step and refill the per-side fill cap.

        Raises:
            InvalidQuoteError: a price is not positive or the bid is above the ask.
        """
        if not (
            isinstance(bid, Decimal)
            and bid > ZERO
            and isinstance(ask, Decimal)
            and ask > ZERO
            and isinstance(last, Decimal)
            and last > ZERO
        ):
            for name, value in (("bid", bid), ("ask", ask), ("last", last)):
                if not isinstance(value, Decimal) or value <= ZERO:
                    raise InvalidQuoteError(
                        f"Expected a positive Decimal {name}, received {value!r}"
                    )
        if bid > ask:
            raise InvalidQuoteError(f"Expected bid <= ask, received bid {bid} > ask {ask}")
        self.quote = Quote(bid, ask, last, now)
        self._reset_capacity()

    def touch(self, side: OrderSide) -> Decimal | None:
        """Return the price ``side`` trades at as taker (ask for a buy, bid for a sell)."""
        if self.quote is None:
            return None
        return self.quote.ask if side is OrderSide.BUY else self.quote.bid

    def crosses(self, side: OrderSide, price: Decimal) -> bool:
        """Return True if a limit at ``price`` reaches the opposite touch."""
        touch = self.touch(side)
        if touch is None:
            return False
        return touch <= price if side is OrderSide.BUY else touch >= price

    def take_capacity(self, side: OrderSide, wanted: Decimal) -> Decimal:
        """Consume and return up to ``wanted`` base amount of this step's capacity for ``side``."""
        left = self._capacity[side]
        if left is None:
            return wanted
        taken = min(left, wanted)
        self._capacity[side] = left - taken
        return taken

    def give_back_capacity(self, side: OrderSide, amount: Decimal) -> None:
        """Return ``amount`` taken from this step's capacity for ``side`` but not filled."""
        left = self._capacity[side]
        if left is not None and amount > ZERO:
            self._capacity[side] = left + amount

    def capacity_left(self, side: OrderSide) -> Decimal | None:
        """Return what this step can still fill for ``side`` (None: no cap)."""
        return self._capacity[side]

    def restore_step(
        self, quote: Quote | None, *, buy_left: Decimal | None, sell_left: Decimal | None
    ) -> None:
        """Put back a saved quote and what its step had left to fill per side (persistence)."""
        self.quote = quote
        self._capacity = {OrderSide.BUY: buy_left, OrderSide.SELL: sell_left}

    def _reset_capacity(self) -> None:
        self._capacity = {OrderSide.BUY: self.fill_cap, OrderSide.SELL: self.fill_cap}
