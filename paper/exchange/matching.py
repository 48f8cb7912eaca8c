"""The matching core of the paper exchange: orders as it holds them, with their reservations,
admitted, filled (spot and perpetual) and closed.

The rules it applies are the fill rule, funds and perpetual sections of
:mod:`lpexec.paper.exchange.engine`'s docstring; :class:`~lpexec.paper.exchange.PaperExchange` is
the public face and the only caller.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal

from lpexec.core.money import ZERO
from lpexec.paper.exchange.accounts import Balances
from lpexec.paper.exchange.errors import OrderNotFoundError
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
from lpexec.paper.exchange.perpetual import money_ceiling, money_floor
from lpexec.paper.exchange.positions import PositionBook, opened_side, reduced_side

__all__ = ["Admission", "Entry", "Matcher", "priority"]

_ONE = Decimal(1)


@dataclass(slots=True)
class Entry:
    """One order as the exchange holds it: its snapshot, market and what it keeps reserved."""

    order: Order
    market: Market
    reserve_asset: str
    reserve_per_unit: Decimal
    """Spot: what one base unit reserves. Perpetual: the fee part only."""
    reserved: Decimal
    """What the order still holds reserved (perpetual: fee part + ``margin_reserved``)."""
    arrival: int
    margin_reserved: Decimal = ZERO
    """Perpetual: the initial margin held for the part that opens."""


@dataclass(frozen=True, slots=True)
class Admission:
    """Why an order is refused (``reason``), or what it reserves."""

    reason: str | None
    per_unit: Decimal = ZERO
    margin: Decimal = ZERO


class Matcher:
    """The orders, fills and reservations of one account, over its balances and positions.

    Example:
        >>> matcher = Matcher(Balances(), maker_fee=ZERO, taker_fee=ZERO)
        >>> matcher.fills
        []
    """

    def __init__(self, balances: Balances, *, maker_fee: Decimal, taker_fee: Decimal) -> None:
        self.balances = balances
        self.book = PositionBook(balances)
        self.maker_fee = maker_fee
        self.taker_fee = taker_fee
        self.orders: dict[ClientOrderId, Entry] = {}
        """Every order, in arrival order."""
        self.open: dict[ClientOrderId, Entry] = {}
        """The open orders, in arrival order."""
        self.fills: list[Fill] = []
        self.arrivals = 0

    def reject(self, market: Market, order: Order, reason: str) -> Order:
        """Record ``order`` as REJECTED with ``reason`` and return it."""
        rejected = replace(order, status=OrderStatus.REJECTED, reason=reason)
        self.orders[order.client_order_id] = Entry(
            rejected, market, "", ZERO, ZERO, self.next_arrival()
        )
        return rejected

    def fill_resting(self, market: Market) -> None:
        """Fill the resting orders of ``market`` its new quote reaches, best price first."""
        quote = market.quote
        if quote is None:
            return  # no touch: nothing crosses
        bid, ask = quote.bid, quote.ask
        # Only the orders the touch reaches (Market.crosses), in priority order; the touch does
        # not move within the step, so an order left out here would be skipped below.
        resting = [
            entry
            for entry in self.open.values()
            if entry.market is market
            and (
                ask <= entry.order.price  # type: ignore[operator]
                if entry.order.side is OrderSide.BUY
                else bid >= entry.order.price  # type: ignore[operator]
            )
        ]
        if not resting:
            return
        resting.sort(key=priority)
        for entry in resting:
            price = entry.order.price
            assert price is not None  # only limits rest
            if not entry.order.is_open or not market.crosses(entry.order.side, price):
                continue
            amount = market.take_capacity(entry.order.side, entry.order.remaining_amount)
            if amount > ZERO:
                self.fill(entry, amount, price, Liquidity.MAKER)

    def entry(self, client_order_id: str) -> Entry:
        """Return the order named ``client_order_id``; raise OrderNotFoundError if none."""
        try:
            return self.orders[ClientOrderId(client_order_id)]
        except KeyError:
            raise OrderNotFoundError(
                f"Expected a known client order id, received {client_order_id!r}"
            ) from None

    def next_arrival(self) -> int:
        """Return the next arrival number (time priority among equal prices)."""
        self.arrivals += 1
        return self.arrivals

    def check(self, market: Market, order: Order) -> tuple[str | None, Decimal, Decimal]:
        """Return (why the order breaks a rule or None, reference price, fee ratio to reserve)."""
        rules = market.rules
        if order.order_type not in rules.order_types:
            supported = sorted(str(kind) for kind in rules.order_types)
            return (
                f"order type {order.order_type} is not supported on {market.trading_pair} "
                f"(expected one of {supported})",
                ZERO,
                ZERO,
            )
        if order.order_type is OrderType.MARKET:
            reference = market.touch(order.side)
            if reference is None:
                return (
                    "no quote yet: a market order needs a step first (expected a touch)",
                    ZERO,
                    ZERO,
                )
            fee = self.taker_fee
        else:
            reference = order.price
            if reference is None or reference <= ZERO:
                return (
                    f"price {reference} is not positive after flooring to the tick "
                    f"{rules.price_tick} (expected > 0 for a {order.order_type} order)",
                    ZERO,
                    ZERO,
                )
            fee = max(self.maker_fee, self.taker_fee)
            if order.order_type is OrderType.LIMIT_MAKER and market.crosses(order.side, reference):
                return (
                    f"LIMIT_MAKER {order.side} at {reference} would cross the touch "
                    f"{market.touch(order.side)} (expected a price that rests)",
                    ZERO,
                    ZERO,
                )
        return rules.check(amount=order.amount, price=reference), reference, fee

    def admit(self, market: Market, order: Order) -> Admission:
        """Return why the order is refused, or what it reserves."""
        broken, reference, fee = self.check(market, order)
        if broken is not None:
            return Admission(broken)
        if market.perpetual is not None:
            return self.admit_perpetual(market, order, reference, fee)
        if order.side is OrderSide.BUY:
            asset, per_unit = market.quote_asset, reference * (_ONE + fee)
        else:
            asset, per_unit = market.base, _ONE
        needed, available = order.amount * per_unit, self.balances.get(asset).available
        if needed > available:
            return Admission(
                f"insufficient balance: {order.side} needs {needed} {asset} reserved "
                f"(expected <= available {available})"
            )
        return Admission(None, per_unit)

    def admit_perpetual(
        self, market: Market, order: Order, reference: Decimal, fee: Decimal
    ) -> Admission:
        """Admit a perpetual order: CLOSE needs a position; reserve fees and opening margin."""
        pair, action = market.trading_pair, order.position_action
        reducible = self.book.reducible(pair, order.side, action)
        if action == "CLOSE" and reducible == ZERO:
            return Admission(
                f"nothing to close: no {reduced_side(order.side)} position on {pair} for a "
                f"{order.side} CLOSE order (expected an open position to reduce)"
            )
        if order.order_type is not OrderType.MARKET and market.crosses(order.side, reference):
            touch = market.touch(order.side)
            assert touch is not None
            reference = max(reference, touch)  # a crossing sell fills at the bid, above its price
        opening = ZERO if action == "CLOSE" else max(ZERO, order.amount - reducible)
        leverage = self.book.leverage(pair)
        per_unit, margin = reference * fee, money_ceiling(opening * reference / leverage)
        needed = order.amount * per_unit + margin
        available = self.balances.get(market.quote_asset).available
        if needed > available:
            return Admission(
                f"insufficient collateral: {order.side} needs {needed} {market.quote_asset} "
                f"reserved (margin {margin} at leverage {leverage} plus fees; expected <= "
                f"available {available})"
            )
        return Admission(None, per_unit, margin)

    def open_entry(self, market: Market, order: Order, admission: Admission) -> Entry:
        """Reserve what ``admission`` says and hold ``order`` open."""
        if market.perpetual is not None or order.side is OrderSide.BUY:
            asset = market.quote_asset
        else:
            asset = market.base
        reserved = order.amount * admission.per_unit + admission.margin
        self.balances.reserve(asset, reserved)
        entry = Entry(
            order,
            market,
            asset,
            admission.per_unit,
            reserved,
            self.next_arrival(),
            admission.margin,
        )
        self.orders[order.client_order_id] = entry
        self.open[order.client_order_id] = entry
        return entry

    def fill_on_arrival(self, entry: Entry) -> None:
        """Take at the touch what a market or crossing order can; cancel a market order's rest."""
        market, order = entry.market, entry.order
        is_market = order.order_type is OrderType.MARKET
        touch = market.touch(order.side)
        crosses = order.price is not None and market.crosses(order.side, order.price)
        if touch is not None and (is_market or crosses):
            amount = market.take_capacity(order.side, order.remaining_amount)
            if amount > ZERO:
                self.fill(entry, amount, touch, Liquidity.TAKER)
        if is_market and entry.order.is_open:
            self.close(
                entry,
                OrderTrigger.CANCEL,
                reason=(
                    f"market order unfilled amount {entry.order.remaining_amount} canceled: the "
                    f"per-step fill cap of {market.trading_pair} was reached"
                ),
            )

    def fill(self, entry: Entry, amount: Decimal, price: Decimal, liquidity: Liquidity) -> None:
        """Fill ``amount`` of ``entry`` at ``price`` and post it to the balances (and positions)."""
        if entry.market.is_perpetual:
            filled = self.fill_perpetual(entry, amount, price, liquidity)
            entry.market.give_back_capacity(entry.order.side, amount - filled)
            return
        order, market = entry.order, entry.market
        is_last = amount == order.remaining_amount
        notional = amount * price
        fee = notional * (self.maker_fee if liquidity is Liquidity.MAKER else self.taker_fee)
        portion = entry.reserved if is_last else amount * entry.reserve_per_unit
        if order.side is OrderSide.BUY:
            cost = notional + fee
            self.balances.spend_reserved(market.quote_asset, cost)
            self.balances.release(market.quote_asset, portion - cost)
            self.balances.deposit(market.base, amount)
        else:
            self.balances.spend_reserved(market.base, portion)
            self.balances.deposit(market.quote_asset, notional - fee)
        entry.reserved -= portion
        self.record_fill(entry, amount, price, fee, liquidity)

    def fill_perpetual(
        self, entry: Entry, amount: Decimal, price: Decimal, liquidity: Liquidity
    ) -> Decimal:
        """Fill up to ``amount`` of a perpetual order; return what filled (see the docstring)."""
        order, market, book = entry.order, entry.market, self.book
        asset = market.quote_asset
        target = book.reducible_side(order.side, order.position_action)
        position = None if target is None else book.position(market.trading_pair, target)
        reduced = ZERO if position is None else min(amount, position.amount)
        if target is not None and reduced > ZERO:
            book.reduce(market, target, reduced, price)
        opened, cut = ZERO, None
        if order.position_action == "CLOSE":
            if reduced < amount:
                cut = (
                    f"reduce-only: the {target} position on {market.trading_pair} was smaller "
                    f"than the order; unfilled amount {order.remaining_amount - reduced} canceled"
                )
        else:
            opened = self.open_part(entry, amount - reduced, price)
            if opened < amount - reduced:
                cut = (
                    f"insufficient collateral to open {amount - reduced} at {price}; unfilled "
                    f"amount {order.remaining_amount - reduced - opened} canceled"
                )
        filled = reduced + opened
        if filled > ZERO:
            fee = (
                filled
                * price
                * (self.maker_fee if liquidity is Liquidity.MAKER else self.taker_fee)
            )
            is_last = filled == order.remaining_amount
            fee_reserved = entry.reserved - entry.margin_reserved
            portion = fee_reserved if is_last or cut else filled * entry.reserve_per_unit
            self.balances.spend_reserved(asset, fee)
            self.balances.release(asset, portion - fee)
            entry.reserved -= portion
            self.record_fill(entry, filled, price, fee, liquidity)
        if cut is not None and entry.order.is_open:
            self.close(entry, OrderTrigger.CANCEL, reason=cut)
        return filled

    def open_part(self, entry: Entry, wanted: Decimal, price: Decimal) -> Decimal:
        """Open up to ``wanted`` at ``price`` with margin from the order, then from available."""
        if wanted <= ZERO:
            return ZERO
        market = entry.market
        asset, leverage = market.quote_asset, self.book.leverage(market.trading_pair)
        funds = entry.margin_reserved + self.balances.get(asset).available
        opened = min(wanted, market.rules.floor_amount(funds * leverage / price))
        margin = money_floor(opened * price / leverage)
        while opened > ZERO and margin > funds:  # a last-digit rounding of the division
            opened -= market.rules.amount_step
            margin = money_floor(opened * price / leverage)
        if opened <= ZERO:
            return ZERO
        from_order = min(margin, entry.margin_reserved)
        entry.margin_reserved -= from_order
        entry.reserved -= from_order
        self.balances.reserve(asset, margin - from_order)
        self.book.open(market, opened_side(entry.order.side), opened, price, margin)
        return opened

    def record_fill(
        self, entry: Entry, amount: Decimal, price: Decimal, fee: Decimal, liquidity: Liquidity
    ) -> None:
        """Append the fill, update the order snapshot, and end the order on its last fill."""
        order, market = entry.order, entry.market
        is_last = amount == order.remaining_amount
        trigger = OrderTrigger.COMPLETE_FILL if is_last else OrderTrigger.PARTIAL_FILL
        status = ORDER_LIFECYCLE.next_state(order.status, trigger, holder=order.client_order_id)
        entry.order = replace(
            order,
            status=status,
            filled_amount=order.filled_amount + amount,
            filled_quote=order.filled_quote + amount * price,
            fees_quote=order.fees_quote + fee,
        )
        self.fills.append(
            Fill(
                fill_id=len(self.fills) + 1,
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
            if entry.reserved:  # a perpetual order's unused margin reservation
                self.balances.release(entry.reserve_asset, entry.reserved)
                entry.reserved = entry.margin_reserved = ZERO
            del self.open[order.client_order_id]

    def close(self, entry: Entry, trigger: OrderTrigger, *, reason: str | None) -> None:
        """Cancel ``entry`` with ``reason`` and release what it still reserves."""
        order = entry.order
        status = ORDER_LIFECYCLE.next_state(order.status, trigger, holder=order.client_order_id)
        self.balances.release(entry.reserve_asset, entry.reserved)
        entry.reserved = entry.margin_reserved = ZERO
        entry.order = replace(order, status=status, reason=reason)
        del self.open[order.client_order_id]


def priority(entry: Entry) -> tuple[Decimal, int]:
    # Best price first (highest buy, lowest sell), then first come.
    price = entry.order.price
    assert price is not None
    return (-price if entry.order.side is OrderSide.BUY else price, entry.arrival)
