"""The paper exchange: a simulated spot and perpetual venue matching orders against stepped quotes.

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
- Capacity a perpetual fill took but could not use (a fill cut, see below) goes back to the step.
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

Perpetual markets (a market with a ``perpetual`` spec; terms, margin and liquidation formulas in
:mod:`lpexec.paper.exchange.perpetual`, postings in :mod:`lpexec.paper.exchange.positions`):

- Orders follow the same fill rule; they move no base asset: they open, add to, reduce or flip
  **positions**, with the quote asset as collateral. Margin is isolated per position.
- ``position_action`` None or OPEN: in ONEWAY mode an order against the position first reduces
  it, and what is left opens the other way (a flip); in HEDGE mode it only opens or adds (a BUY
  the long, a SELL the short). CLOSE, in either mode, only reduces the position it trades against
  (a SELL CLOSE the long, a BUY CLOSE the short): it is rejected when there is none, and a fill
  beyond what is left of the position is cut there and the rest of the order canceled.
- Placing reserves the fee on the whole amount (at the reference price, as on spot) plus the
  initial margin ``amount × reference / leverage`` of the part that would open (the amount beyond
  what the order can reduce right now; nothing for CLOSE). A sell limit that crosses on arrival
  uses the bid as its reference. A fill's opening part takes its margin from the order's
  reservation, then from available collateral; a fill that cannot be funded is cut to what can be
  and the rest of the order is canceled with the reason.
- A step settles funding first (at its ``last``, the mark, for each funding time since the
  market's previous timed step; a step without ``now`` settles none), then fills the resting
  orders, then liquidates the positions whose equity is at or below the maintenance margin at the
  mark. A liquidation closes the position (its margin is lost) and leaves the orders open.
"""

from __future__ import annotations

import datetime as _dt
import os
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from lpexec.core.exchange import (
    FundingPayment,
    PerpPosition,
    PositionAction,
    PositionMode,
    floor_to_step,
)
from lpexec.core.money import ZERO
from lpexec.paper.exchange import persistence as codec
from lpexec.paper.exchange.accounts import Balance, Balances
from lpexec.paper.exchange.errors import (
    DuplicateClientOrderIdError,
    InvalidExchangeRequestError,
    MarketNotFoundError,
    OrderNotOpenError,
    StateFormatError,
)
from lpexec.paper.exchange.market import Market
from lpexec.paper.exchange.matching import Entry, Matcher
from lpexec.paper.exchange.orders import (
    ClientOrderId,
    Fill,
    Order,
    OrderSide,
    OrderStatus,
    OrderTrigger,
    OrderType,
)
from lpexec.paper.exchange.perpetual import Liquidation

__all__ = ["PaperExchange"]

_ONE = Decimal(1)
_ACTIONS: tuple[PositionAction | None, ...] = (None, "OPEN", "CLOSE")


class PaperExchange:
    """A simulated spot and perpetual exchange with one account, driven by :meth:`step`.

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
        self._markets: dict[str, Market] = {}
        for market in markets:
            if market.trading_pair in self._markets:
                raise ValueError(
                    f"Expected one market per pair, received {market.trading_pair} twice"
                )
            self._markets[market.trading_pair] = market
        self._balances = Balances(balances)
        self._matcher = Matcher(self._balances, maker_fee=maker_fee, taker_fee=taker_fee)
        self._book = self._matcher.book

    # -- reads ---------------------------------------------------------------------------------

    @property
    def maker_fee(self) -> Decimal:
        """Return the fee ratio of maker fills."""
        return self._matcher.maker_fee

    @property
    def taker_fee(self) -> Decimal:
        """Return the fee ratio of taker fills."""
        return self._matcher.taker_fee

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
            for entry in self._matcher.open.values()
            if trading_pair is None or entry.market.trading_pair == trading_pair
        ]

    def all_orders(self, trading_pair: str | None = None) -> list[Order]:
        """Return every order ever placed (any status, rejected ones too), in arrival order."""
        return [
            entry.order
            for entry in self._matcher.orders.values()
            if trading_pair is None or entry.market.trading_pair == trading_pair
        ]

    def fills_since(self, seq: int = 0) -> list[Fill]:
        """Return the fills whose ``fill_id`` is above ``seq``, oldest first."""
        return self._matcher.fills[max(seq, 0) :]

    @property
    def last_fill_id(self) -> int:
        """Return the id of the latest fill (0 before any)."""
        return len(self._matcher.fills)

    @property
    def funding_count(self) -> int:
        """Return how many funding payments were made (0 before any, and on spot)."""
        return len(self._book.funding)

    def balances(self) -> dict[str, Balance]:
        """Return every asset's balance (total, reserved, available), sorted by asset."""
        return self._balances.snapshot()

    # -- perpetual reads and settings ----------------------------------------------------------

    def positions(self) -> list[PerpPosition]:
        """Return the open perpetual positions, valued at their market's mark, by pair and side."""
        return self._book.snapshots(self._markets)

    @property
    def position_mode(self) -> PositionMode:
        """Return the account's position mode (ONEWAY until set)."""
        return self._book.mode

    def leverage(self, trading_pair: str) -> int:
        """Return the leverage positions on ``trading_pair`` open with (1 until set)."""
        self.market(trading_pair)
        return self._book.leverage(trading_pair)

    def set_leverage(self, trading_pair: str, leverage: int) -> None:
        """Set the leverage new positions on a perpetual market open with.

        Setting the current value again does nothing.

        Raises:
            MarketNotFoundError: no market is listed for the pair.
            InvalidExchangeRequestError: a spot market, or a leverage outside
                ``[1, max_leverage]``.
            PositionStateError: a position is open on the market (its margin was set at the old
                leverage).
        """
        self._book.set_leverage(self.market(trading_pair), leverage)

    def set_position_mode(self, mode: PositionMode) -> None:
        """Set ONEWAY or HEDGE for the account; setting the current mode again does nothing.

        Raises:
            InvalidExchangeRequestError: a mode other than ONEWAY or HEDGE.
            PositionStateError: a position or an order on a perpetual market is open.
        """
        orders = sum(1 for entry in self._matcher.open.values() if entry.market.is_perpetual)
        self._book.set_mode(mode, open_orders=orders)

    def funding_payments(
        self, trading_pair: str | None = None, since: _dt.datetime | None = None
    ) -> list[FundingPayment]:
        """Return funding paid (negative) or received (positive), oldest first, of one pair or
        all, at or after ``since``."""
        return [
            payment
            for payment in self._book.funding
            if (trading_pair is None or payment.trading_pair == trading_pair)
            and (since is None or payment.ts >= since)
        ]

    def liquidations(self, trading_pair: str | None = None) -> list[Liquidation]:
        """Return the positions the exchange liquidated, oldest first, of one pair or all."""
        return [
            record
            for record in self._book.liquidations
            if trading_pair is None or record.trading_pair == trading_pair
        ]

    @property
    def loss_absorbed(self) -> Decimal:
        """Return the quote the exchange absorbed (losses beyond a position's collateral)."""
        return self._book.loss_absorbed

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

        On a perpetual market the step also settles funding (when ``now`` passes funding times)
        and liquidates at its ``last`` (the mark); see :meth:`funding_payments` and
        :meth:`liquidations`.

        Raises:
            MarketNotFoundError: no market is listed for the pair.
            InvalidQuoteError: a price is not positive or the bid is above the ask.
        """
        market = self.market(trading_pair)
        market.step(bid, ask, last, now)
        perpetual = market.perpetual is not None  # Market.is_perpetual
        if perpetual:
            self._book.fund(market, now)
        first = len(self._matcher.fills)
        self._matcher.fill_resting(market)
        if perpetual:
            self._book.liquidate_due(market, now)
        return self._matcher.fills[first:]

    # -- writes --------------------------------------------------------------------------------

    def place(
        self,
        client_order_id: str,
        trading_pair: str,
        side: OrderSide,
        order_type: OrderType,
        amount: Decimal,
        price: Decimal | None = None,
        position_action: PositionAction | None = None,
    ) -> Order:
        """Place an order and return its snapshot after any fill on arrival.

        A business refusal (too small, not supported, not funded, LIMIT_MAKER crossing, a CLOSE
        with nothing to close) is not an exception: the order is recorded as REJECTED with a
        reason. See the module docstring for the fill rule.

        Raises:
            DuplicateClientOrderIdError: the id already names an order (which is left untouched).
            MarketNotFoundError: no market is listed for the pair.
            InvalidExchangeRequestError: ``amount`` or ``price`` is not a Decimal, or a
                ``position_action`` other than None on a spot market or other than None, OPEN
                or CLOSE on a perpetual one.
        """
        cid = ClientOrderId(client_order_id)
        if cid in self._matcher.orders:
            existing = self._matcher.orders[cid].order
            raise DuplicateClientOrderIdError(
                f"Expected a new client order id, received {client_order_id!r}, which already "
                f"names a {existing.status} order"
            )
        market = self.market(trading_pair)
        side = side if type(side) is OrderSide else OrderSide(side)
        order_type = order_type if type(order_type) is OrderType else OrderType(order_type)
        if not (type(amount) is Decimal and (price is None or type(price) is Decimal)):
            for name, value in (("amount", amount), ("price", price)):
                if value is not None and not isinstance(value, Decimal):
                    raise InvalidExchangeRequestError(
                        f"Expected a Decimal {name}, received {type(value).__name__} {value!r}"
                    )
        if position_action is not None or market.perpetual is not None:
            _check_action(market, position_action)
        if order_type is OrderType.MARKET:
            price = None
        rules, quote = market.rules, market.quote
        order = Order(
            client_order_id=cid,
            trading_pair=trading_pair,
            side=side,
            order_type=order_type,
            amount=floor_to_step(amount, rules.amount_step),  # TradingRules.floor_amount
            price=None if price is None else floor_to_step(price, rules.price_tick),
            status=OrderStatus.OPEN,
            created_at=quote.ts_event if quote is not None else None,
            position_action=position_action,
        )
        admission = self._matcher.admit(market, order)
        if admission.reason is not None:
            return self._matcher.reject(market, order, admission.reason)
        entry = self._matcher.open_entry(market, order, admission)
        self._matcher.fill_on_arrival(entry)
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
        self._matcher.close(entry, OrderTrigger.CANCEL, reason=None)
        return entry.order

    # -- persistence ---------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """Return the whole state as plain JSON data (see :mod:`.persistence`)."""
        book = self._book
        return {
            "format": codec.FORMAT,
            "maker_fee": str(self.maker_fee),
            "taker_fee": str(self.taker_fee),
            "markets": [codec.encode_market(market) for market in self._markets.values()],
            "balances": {
                asset: {"total": str(balance.total), "reserved": str(balance.reserved)}
                for asset, balance in self._balances.snapshot().items()
            },
            "orders": [
                {
                    "order": codec.encode_order(entry.order),
                    "reserve_asset": entry.reserve_asset,
                    "reserve_per_unit": str(entry.reserve_per_unit),
                    "reserved": str(entry.reserved),
                    "margin_reserved": str(entry.margin_reserved),
                    "arrival": entry.arrival,
                }
                for entry in self._matcher.orders.values()
            ],
            "fills": [codec.encode_fill(fill) for fill in self._matcher.fills],
            "arrivals": self._matcher.arrivals,
            "perpetual": {
                "mode": book.mode,
                "leverages": dict(sorted(book.leverages.items())),
                "positions": [
                    codec.encode_position(book.positions[k]) for k in sorted(book.positions)
                ],
                "funding_payments": [codec.encode_funding(p) for p in book.funding],
                "liquidations": [codec.encode_liquidation(r) for r in book.liquidations],
                "funded_until": {
                    pair: moment.isoformat() for pair, moment in sorted(book.funded_until.items())
                },
                "loss_absorbed": str(book.loss_absorbed),
            },
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PaperExchange:
        """Rebuild an exchange from :meth:`to_dict`'s data; it behaves exactly as the original.

        Raises:
            StateFormatError: an unknown format, a missing or bad field, or reservations that do
                not add up to the reserved balances.
        """
        if data.get("format") != codec.FORMAT:
            raise StateFormatError(
                f"format: expected {codec.FORMAT!r}, received {data.get('format')!r}"
            )
        exchange = codec.decode("exchange", lambda: cls._decode(data))
        codec.decode("exchange", exchange._check_reservations)
        return exchange

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write :meth:`to_dict` to ``path`` atomically (temp file, fsync, rename)."""
        codec.write_json_atomic(path, self.to_dict())

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> PaperExchange:
        """Read an exchange saved by :meth:`save`.

        Raises:
            StateFormatError: the file does not hold a saved exchange.
            OSError: the file cannot be read.
        """
        return cls.from_dict(codec.read_json(path))

    @classmethod
    def _decode(cls, data: Mapping[str, Any]) -> PaperExchange:
        exchange = cls(
            [codec.decode_market(market) for market in data["markets"]],
            maker_fee=Decimal(data["maker_fee"]),
            taker_fee=Decimal(data["taker_fee"]),
        )
        for asset, balance in data["balances"].items():
            exchange._balances.restore(
                str(asset), Balance(Decimal(balance["total"]), Decimal(balance["reserved"]))
            )
        for saved in data["orders"]:
            order = codec.decode_order(saved["order"])
            entry = Entry(
                order=order,
                market=exchange.market(order.trading_pair),
                reserve_asset=str(saved["reserve_asset"]),
                reserve_per_unit=Decimal(saved["reserve_per_unit"]),
                reserved=Decimal(saved["reserved"]),
                arrival=int(saved["arrival"]),
                margin_reserved=Decimal(saved["margin_reserved"]),
            )
            exchange._matcher.orders[order.client_order_id] = entry
            if order.is_open:
                exchange._matcher.open[order.client_order_id] = entry
        exchange._matcher.fills = [codec.decode_fill(fill) for fill in data["fills"]]
        exchange._matcher.arrivals = int(data["arrivals"])
        perpetual, book = data["perpetual"], exchange._book
        book.set_mode(perpetual["mode"], open_orders=0)
        book.leverages = {str(pair): int(value) for pair, value in perpetual["leverages"].items()}
        for saved in perpetual["positions"]:
            position = codec.decode_position(saved)
            book.positions[(position.trading_pair, position.side)] = position
        book.funding = [codec.decode_funding(p) for p in perpetual["funding_payments"]]
        book.liquidations = [codec.decode_liquidation(r) for r in perpetual["liquidations"]]
        book.funded_until = {
            str(pair): _dt.datetime.fromisoformat(moment)
            for pair, moment in perpetual["funded_until"].items()
        }
        book.loss_absorbed = Decimal(perpetual["loss_absorbed"])
        return exchange

    def _check_reservations(self) -> None:
        held: dict[str, Decimal] = {}
        for entry in self._matcher.open.values():
            held[entry.reserve_asset] = held.get(entry.reserve_asset, ZERO) + entry.reserved
        for position in self._book.positions.values():
            asset = self.market(position.trading_pair).quote_asset
            held[asset] = held.get(asset, ZERO) + position.margin
        for asset, balance in self._balances.snapshot().items():
            if held.get(asset, ZERO) != balance.reserved:
                raise StateFormatError(
                    f"balances[{asset}].reserved: expected the open orders' and positions' "
                    f"{held.get(asset, ZERO)}, received {balance.reserved}"
                )

    # -- internals -----------------------------------------------------------------------------

    def _entry(self, client_order_id: str) -> Entry:
        return self._matcher.entry(client_order_id)


def _check_action(market: Market, action: object) -> None:
    if market.is_perpetual and action not in _ACTIONS:
        raise InvalidExchangeRequestError(
            f"position_action: expected None, 'OPEN' or 'CLOSE' on {market.trading_pair}, "
            f"received {action!r}"
        )
    if not market.is_perpetual and action is not None:
        raise InvalidExchangeRequestError(
            f"position_action: expected None on spot market {market.trading_pair}, "
            f"received {action!r}"
        )
