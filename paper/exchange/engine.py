"""The paper exchange: a simulated spot venue matching our orders against stepped quotes.

Everything is Decimal, deterministic and in memory; the only time is the one each step carries.

Fill rule:

- **MARKET** fills at once at the touch as taker (a buy at the ask, a sell at the bid), up to what
  is left of this step's fill cap for its side. The rest of a market order is **canceled** (it
  behaves as immediate-or-cancel; the reason says so); one that fills nothing is canceled too.
  A market order before the first step (no touch) is rejected.
- **LIMIT** that crosses on arrival (buy: ask <= price; sell: bid >= price) fills at the touch as
  taker, up to the cap; the rest rests at its own price.
- A **resting** LIMIT or LIMIT_MAKER fills at its own price as maker once a step's opposite touch
  reaches it (buy: ask <= price; sell: bid >= price), up to the cap per side per step, shared by
  resting orders in price then arrival priority. What the cap leaves waits for the next step.
- **LIMIT_MAKER** that would cross on arrival is rejected.
- Amounts are floored to the amount step and prices to the price tick; an order then below the
  minimum amount or minimum notional (for a market order, amount × touch) is rejected, with a
  reason naming the field, the value received and the minimum expected. So is an order type the
  market does not support, a limit without a positive price, and an order the available balance
  cannot fund.
- A client order id names one order forever: placing it again raises
  :class:`~lpexec.paper.exchange.errors.DuplicateClientOrderIdError` and changes nothing, even when
  the first order was rejected (look it up with :meth:`PaperExchange.order`).

Funds and fees:

- Fees are ratios of the notional, paid in the quote asset: ``maker_fee`` on maker fills,
  ``taker_fee`` on taker fills. A buy pays ``amount × price + fee``; a sell receives
  ``amount × price − fee``.
- Placing reserves what the order may spend: a sell its base amount; a limit buy
  ``amount × price × (1 + max(maker_fee, taker_fee))``; a market buy ``amount × ask × (1 +
  taker_fee)``. Fills spend from it; what a fill at a better price leaves, and what is left on
  cancel or completion, is released. So balances never go negative.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from decimal import Decimal

from lpexec.core.money import ZERO
from lpexec.paper.exchange.accounts import Balance, Balances
from lpexec.paper.exchange.errors import (
    DuplicateClientOrderIdError,
    InvalidExchangeRequestError,
    MarketNotFoundError,
    OrderNotFoundError,
    OrderNotOpenError,
)
from lpexec.paper.exchange.market import Market
from lpexec.paper.exchange.orders import (
    ORDER_LIFECYCLE,
    ClientOrderId,
    Fill,
    Liquidity,
    Order,
    OrderSide,
    OrderStatus,
    OrderTrigger,
    OrderType,
)

__all__ = ["PaperExchange"]

_ONE = Decimal(1)


@dataclass(slots=True)
class _Entry:
    order: Order
    market: Market
    reserve_asset: str
    reserve_per_unit: Decimal
    reserved: Decimal
    arrival: int


class PaperExchange:
    """A simulated spot exchange with one account, driven by :meth:`step`.

    Example:
        >>> from lpexec.paper.exchange import Market, TradingRules
        >>> rules = TradingRules(price_tick=Decimal("0.01"), amount_step=Decimal("0.01"))
        >>> exchange = PaperExchange(
        ...     [Market(trading_pair="SOL-USDC", rules=rules)],
        ...     balances={"USDC": Decimal("1000")},
        ...     taker_fee=Decimal("0.001"),
        ... )
        >>> fills = exchange.step("SOL-USDC", bid=Decimal(99), ask=Decimal(100), last=Decimal(99))
        >>> order = exchange.place("b-1", "SOL-USDC", OrderSide.BUY, OrderType.MARKET, Decimal(2))
        >>> order.status, order.average_price
        (<OrderStatus.FILLED: 'FILLED'>, Decimal('100'))
        >>> exchange.balances()["USDC"].total
        Decimal('799.800')
    """

    def __init__(
        self,
        markets: Iterable[Market],
        *,
        balances: Mapping[str, Decimal] | None = None,
        maker_fee: Decimal = ZERO,
        taker_fee: Decimal = ZERO,
    ) -> None:
        for name, fee in (("maker_fee", maker_fee), ("taker_fee", taker_fee)):
            if not isinstance(fee, Decimal) or not ZERO <= fee < _ONE:
                raise ValueError(f"Expected a Decimal {name} in [0, 1), received {fee!r}")
        self.maker_fee = maker_fee
        self.taker_fee = taker_fee
        self._markets: dict[str, Market] = {}
        for market in markets:
            if market.trading_pair in self._markets:
                raise ValueError(
                    f"Expected one market per pair, received {market.trading_pair} twice"
                )
            self._markets[market.trading_pair] = market
        self._balances = Balances(balances)
        self._orders: dict[ClientOrderId, _Entry] = {}
        self._open: dict[ClientOrderId, _Entry] = {}
        self._fills: list[Fill] = []
        self._arrivals = 0

    # -- reads ---------------------------------------------------------------------------------

    def market(self, trading_pair: str) -> Market:
        """Return the market of ``trading_pair``.

        Raises:
            MarketNotFoundError: no market is listed for the pair.
        """
        try:
            return self._markets[trading_pair]
        except KeyError:
            raise MarketNotFoundError(
                f"Expected one of the listed pairs {sorted(self._markets)}, "
                f"received {trading_pair!r}"
            ) from None

    def order(self, client_order_id: str) -> Order:
        """Return the order named ``client_order_id`` (any status).

        Raises:
            OrderNotFoundError: no order carries the id.
        """
        return self._entry(client_order_id).order

    def open_orders(self, trading_pair: str | None = None) -> list[Order]:
        """Return the open orders, in arrival order, of one pair or of all."""
        return [
            entry.order
            for entry in self._open.values()
            if trading_pair is None or entry.market.trading_pair == trading_pair
        ]

    def fills_since(self, seq: int = 0) -> list[Fill]:
        """Return the fills whose ``fill_id`` is above ``seq``, oldest first."""
        return self._fills[max(seq, 0) :]

    @property
    def last_fill_id(self) -> int:
        """Return the id of the latest fill (0 before any)."""
        return len(self._fills)

    def balances(self) -> dict[str, Balance]:
        """Return every asset's balance (total, reserved, available), sorted by asset."""
        return self._balances.snapshot()

    # -- market steps --------------------------------------------------------------------------

    def step(
        self,
        trading_pair: str,
        *,
        bid: Decimal,
        ask: Decimal,
        last: Decimal,
        now: _dt.datetime | None = None,
    ) -> list[Fill]:
        """Move ``trading_pair`` to a new quote, fill the resting orders it reaches, return fills.

        Raises:
            MarketNotFoundError: no market is listed for the pair.
            InvalidQuoteError: a price is not positive or the bid is above the ask.
        """
        market = self.market(trading_pair)
        market.step(bid, ask, last, now)
        first = len(self._fills)
        resting = [e for e in self._open.values() if e.market is market]
        resting.sort(key=_priority)
        for entry in resting:
            price = entry.order.price
            assert price is not None  # only limits rest
            if not market.crosses(entry.order.side, price):
                continue
            amount = market.take_capacity(entry.order.side, entry.order.remaining_amount)
            if amount > ZERO:
                self._fill(entry, amount, price, Liquidity.MAKER)
        return self._fills[first:]

    # -- writes --------------------------------------------------------------------------------

    def place(
        self,
        client_order_id: str,
        trading_pair: str,
        side: OrderSide,
        order_type: OrderType,
        amount: Decimal,
        price: Decimal | None = None,
    ) -> Order:
        """Place an order and return its snapshot after any fill on arrival.

        A business refusal (too small, not supported, not funded, LIMIT_MAKER crossing) is not an
        exception: the order is recorded as REJECTED with a reason. See the module docstring for
        the fill rule.

        Raises:
            DuplicateClientOrderIdError: the id already names an order (which is left untouched).
            MarketNotFoundError: no market is listed for the pair.
            InvalidExchangeRequestError: ``amount`` or ``price`` is not a Decimal.
        """
        cid = ClientOrderId(client_order_id)
        if cid in self._orders:
            existing = self._orders[cid].order
            raise DuplicateClientOrderIdError(
                f"Expected a new client order id, received {client_order_id!r}, which already "
                f"names a {existing.status} order"
            )
        market = self.market(trading_pair)
        side, order_type = OrderSide(side), OrderType(order_type)
        for name, value in (("amount", amount), ("price", price)):
            if value is not None and not isinstance(value, Decimal):
                raise InvalidExchangeRequestError(
                    f"Expected a Decimal {name}, received {type(value).__name__} {value!r}"
                )
        if order_type is OrderType.MARKET:
            price = None
        order = Order(
            client_order_id=cid,
            trading_pair=trading_pair,
            side=side,
            order_type=order_type,
            amount=market.rules.floor_amount(amount),
            price=None if price is None else market.rules.floor_price(price),
            status=OrderStatus.OPEN,
            created_at=market.quote.ts_event if market.quote else None,
        )
        reason, per_unit = self._admit(market, order)
        if reason is not None:
            rejected = replace(order, status=OrderStatus.REJECTED, reason=reason)
            self._orders[cid] = _Entry(rejected, market, "", ZERO, ZERO, self._next_arrival())
            return rejected
        entry = self._open_entry(market, order, per_unit)
        self._fill_on_arrival(entry)
        return entry.order

    def cancel(self, client_order_id: str) -> Order:
        """Cancel an open order, release what it still reserves, and return its snapshot.

        Raises:
            OrderNotFoundError: no order carries the id.
            OrderNotOpenError: the order is already filled, canceled or rejected.
        """
        entry = self._entry(client_order_id)
        if not entry.order.is_open:
            raise OrderNotOpenError(
                f"Expected an open order to cancel, received {client_order_id!r}, which is "
                f"{entry.order.status}"
            )
        self._close(entry, OrderTrigger.CANCEL, reason=None)
        return entry.order

    # -- internals -----------------------------------------------------------------------------

    def _entry(self, client_order_id: str) -> _Entry:
        try:
            return self._orders[ClientOrderId(client_order_id)]
        except KeyError:
            raise OrderNotFoundError(
                f"Expected a known client order id, received {client_order_id!r}"
            ) from None

    def _next_arrival(self) -> int:
        self._arrivals += 1
        return self._arrivals

    def _admit(self, market: Market, order: Order) -> tuple[str | None, Decimal]:
        """Return (why the order is refused or None, reservation per base unit)."""
        rules = market.rules
        if order.order_type not in rules.order_types:
            supported = sorted(str(kind) for kind in rules.order_types)
            return (
                f"order type {order.order_type} is not supported on {market.trading_pair} "
                f"(expected one of {supported})",
                ZERO,
            )
        if order.order_type is OrderType.MARKET:
            reference = market.touch(order.side)
            if reference is None:
                return "no quote yet: a market order needs a step first (expected a touch)", ZERO
            fee = self.taker_fee
        else:
            reference = order.price
            if reference is None or reference <= ZERO:
                return (
                    f"price {reference} is not positive after flooring to the tick "
                    f"{rules.price_tick} (expected > 0 for a {order.order_type} order)",
                    ZERO,
                )
            fee = max(self.maker_fee, self.taker_fee)
            if order.order_type is OrderType.LIMIT_MAKER and market.crosses(order.side, reference):
                return (
                    f"LIMIT_MAKER {order.side} at {reference} would cross the touch "
                    f"{market.touch(order.side)} (expected a price that rests)",
                    ZERO,
                )
        broken = rules.check(amount=order.amount, price=reference)
        if broken is not None:
            return broken, ZERO
        if order.side is OrderSide.BUY:
            asset, per_unit = market.quote_asset, reference * (_ONE + fee)
        else:
            asset, per_unit = market.base, _ONE
        needed, available = order.amount * per_unit, self._balances.get(asset).available
        if needed > available:
            return (
                f"insufficient balance: {order.side} needs {needed} {asset} reserved "
                f"(expected <= available {available})",
                ZERO,
            )
        return None, per_unit

    def _open_entry(self, market: Market, order: Order, per_unit: Decimal) -> _Entry:
        asset = market.quote_asset if order.side is OrderSide.BUY else market.base
        reserved = order.amount * per_unit
        self._balances.reserve(asset, reserved)
        entry = _Entry(order, market, asset, per_unit, reserved, self._next_arrival())
        self._orders[order.client_order_id] = entry
        self._open[order.client_order_id] = entry
        return entry

    def _fill_on_arrival(self, entry: _Entry) -> None:
        market, order = entry.market, entry.order
        is_market = order.order_type is OrderType.MARKET
        touch = market.touch(order.side)
        crosses = order.price is not None and market.crosses(order.side, order.price)
        if touch is not None and (is_market or crosses):
            amount = market.take_capacity(order.side, order.remaining_amount)
            if amount > ZERO:
                self._fill(entry, amount, touch, Liquidity.TAKER)
        if is_market and entry.order.is_open:
            self._close(
                entry,
                OrderTrigger.CANCEL,
                reason=(
                    f"market order unfilled amount {entry.order.remaining_amount} canceled: the "
                    f"per-step fill cap of {market.trading_pair} was reached"
                ),
            )

    def _fill(self, entry: _Entry, amount: Decimal, price: Decimal, liquidity: Liquidity) -> None:
        order, market = entry.order, entry.market
        is_last = amount == order.remaining_amount
        trigger = OrderTrigger.COMPLETE_FILL if is_last else OrderTrigger.PARTIAL_FILL
        status = ORDER_LIFECYCLE.next_state(order.status, trigger, holder=order.client_order_id)
        notional = amount * price
        fee = notional * (self.maker_fee if liquidity is Liquidity.MAKER else self.taker_fee)
        portion = entry.reserved if is_last else amount * entry.reserve_per_unit
        if order.side is OrderSide.BUY:
            cost = notional + fee
            self._balances.spend_reserved(market.quote_asset, cost)
            self._balances.release(market.quote_asset, portion - cost)
            self._balances.deposit(market.base, amount)
        else:
            self._balances.spend_reserved(market.base, portion)
            self._balances.deposit(market.quote_asset, notional - fee)
        entry.reserved -= portion
        entry.order = replace(
            order,
            status=status,
            filled_amount=order.filled_amount + amount,
            filled_quote=order.filled_quote + notional,
            fees_quote=order.fees_quote + fee,
        )
        self._fills.append(
            Fill(
                fill_id=len(self._fills) + 1,
                client_order_id=order.client_order_id,
                trading_pair=market.trading_pair,
                side=order.side,
                amount=amount,
                price=price,
                fee=fee,
                fee_asset=market.quote_asset,
                liquidity=liquidity,
                filled_at=market.quote.ts_event if market.quote else None,
            )
        )
        if is_last:
            del self._open[order.client_order_id]

    def _close(self, entry: _Entry, trigger: OrderTrigger, *, reason: str | None) -> None:
        order = entry.order
        status = ORDER_LIFECYCLE.next_state(order.status, trigger, holder=order.client_order_id)
        self._balances.release(entry.reserve_asset, entry.reserved)
        entry.reserved = ZERO
        entry.order = replace(order, status=status, reason=reason)
        del self._open[order.client_order_id]


def _priority(entry: _Entry) -> tuple[Decimal, int]:
    # Best price first (highest buy, lowest sell), then first come.
    price = entry.order.price
    assert price is not None
    return (-price if entry.order.side is OrderSide.BUY else price, entry.arrival)
