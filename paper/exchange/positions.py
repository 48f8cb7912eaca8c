"""The perpetual ledger of the paper exchange: positions, leverage, position mode, funding and
liquidations, posted to the account's quote balances.

The math and the margin rules are in :mod:`lpexec.paper.exchange.perpetual`; here is what moves
money (all in the market's quote asset, the collateral):

- A position's isolated margin stays **reserved** in the quote balance while it is open.
- Reducing frees that share of the margin and posts the realized P&L: a gain is deposited; a
  loss is paid from the freed margin and then from available collateral; whatever is still
  missing is absorbed by the exchange (:attr:`PositionBook.loss_absorbed`) so that no balance goes
  negative.
- Funding goes to the position's margin: received funding is deposited and added to the margin;
  paid funding is taken from the margin, at most all of it.
- A liquidation forfeits the position's whole margin and removes the position.

Modes: ``ONEWAY`` keeps one net position per market (a buy reduces a short, then opens a long
with what is left); ``HEDGE`` keeps a long and a short apart (an OPEN order adds to the side of its
direction; a CLOSE order reduces the other side).
"""

from __future__ import annotations

import datetime as _dt
from decimal import Decimal

from lpexec.core.exchange import (
    FundingPayment,
    PerpPosition,
    PositionAction,
    PositionMode,
    PositionSide,
)
from lpexec.core.money import ZERO
from lpexec.paper.exchange.accounts import Balances
from lpexec.paper.exchange.errors import InvalidExchangeRequestError, PositionStateError
from lpexec.paper.exchange.market import Market
from lpexec.paper.exchange.orders import OrderSide
from lpexec.paper.exchange.perpetual import (
    Liquidation,
    PerpetualSpec,
    Position,
    funding_amount,
    funding_times,
    is_liquidatable,
    money_floor,
    money_half_even,
    side_sign,
)

__all__ = ["PositionBook", "opened_side", "reduced_side"]

_MODES: tuple[PositionMode, ...] = ("ONEWAY", "HEDGE")


def opened_side(side: OrderSide) -> PositionSide:
    """Return the position side an order of ``side`` opens or adds to (BUY: LONG)."""
    return "LONG" if side is OrderSide.BUY else "SHORT"


def reduced_side(side: OrderSide) -> PositionSide:
    """Return the position side an order of ``side`` reduces (BUY: SHORT)."""
    return "SHORT" if side is OrderSide.BUY else "LONG"


def _spec(market: Market) -> PerpetualSpec:
    if market.perpetual is None:
        raise InvalidExchangeRequestError(
            f"Expected a perpetual market, received spot market {market.trading_pair!r}"
        )
    return market.perpetual


class PositionBook:
    """Positions per (pair, side) with isolated margin reserved in ``balances``.

    Example:
        >>> from lpexec.paper.exchange.accounts import Balances
        >>> book = PositionBook(Balances({"USDC": Decimal(100)}))
        >>> book.mode
        'ONEWAY'
    """

    def __init__(self, balances: Balances) -> None:
        self._balances = balances
        self.mode: PositionMode = "ONEWAY"
        self.leverages: dict[str, int] = {}
        self.positions: dict[tuple[str, PositionSide], Position] = {}
        self.funding: list[FundingPayment] = []
        self.liquidations: list[Liquidation] = []
        self.funded_until: dict[str, _dt.datetime] = {}
        """Per pair: the step time funding was last settled up to."""
        self.loss_absorbed = ZERO
        """Quote the exchange absorbed: losses beyond a position's margin and the collateral."""

    # -- settings ------------------------------------------------------------------------------

    def leverage(self, trading_pair: str) -> int:
        """Return the leverage new positions on ``trading_pair`` open with (1 until set)."""
        return self.leverages.get(trading_pair, 1)

    def set_leverage(self, market: Market, leverage: int) -> None:
        """Set the leverage of ``market``; refused while it holds a position at another one."""
        spec = _spec(market)
        if isinstance(leverage, bool) or not isinstance(leverage, int):
            raise InvalidExchangeRequestError(
                f"leverage: expected an int in [1, {spec.max_leverage}], received {leverage!r}"
            )
        if not 1 <= leverage <= spec.max_leverage:
            raise InvalidExchangeRequestError(
                f"leverage: expected an int in [1, {spec.max_leverage}] for "
                f"{market.trading_pair}, received {leverage}"
            )
        if leverage == self.leverage(market.trading_pair):
            return
        held = [p for p in self.positions.values() if p.trading_pair == market.trading_pair]
        if held:
            raise PositionStateError(
                f"leverage: expected no open position on {market.trading_pair} to change it from "
                f"{self.leverage(market.trading_pair)} to {leverage}, received a "
                f"{held[0].side} of {held[0].amount}"
            )
        self.leverages[market.trading_pair] = leverage

    def set_mode(self, mode: PositionMode, *, open_orders: int) -> None:
        """Set the account's position mode; refused while positions or perpetual orders are open."""
        if mode not in _MODES:
            raise InvalidExchangeRequestError(
                f"position mode: expected one of {list(_MODES)}, received {mode!r}"
            )
        if mode == self.mode:
            return
        if self.positions or open_orders:
            raise PositionStateError(
                f"position mode: expected no open position and no open perpetual order to change "
                f"it from {self.mode} to {mode}, received {len(self.positions)} position(s) and "
                f"{open_orders} order(s)"
            )
        self.mode = mode

    # -- reads ---------------------------------------------------------------------------------

    def position(self, trading_pair: str, side: PositionSide) -> Position | None:
        """Return the open position of ``trading_pair`` on ``side``, if any."""
        return self.positions.get((trading_pair, side))

    def snapshots(self, markets: dict[str, Market]) -> list[PerpPosition]:
        """Return the open positions valued at their market's mark, by pair then side."""
        result = []
        for key in sorted(self.positions):
            position, market = self.positions[key], markets[key[0]]
            result.append(
                position.snapshot(market.mark_price, _spec(market).maintenance_margin_ratio)
            )
        return result

    def reducible_side(self, side: OrderSide, action: PositionAction | None) -> PositionSide | None:
        """Return the position side an order would reduce first, or None if it only opens."""
        if self.mode == "ONEWAY" or action == "CLOSE":
            return reduced_side(side)
        return None

    def reducible(
        self, trading_pair: str, side: OrderSide, action: PositionAction | None
    ) -> Decimal:
        """Return how much base an order could reduce right now."""
        target = self.reducible_side(side, action)
        position = None if target is None else self.position(trading_pair, target)
        return ZERO if position is None else position.amount

    # -- postings ------------------------------------------------------------------------------

    def reduce(
        self, market: Market, side: PositionSide, amount: Decimal, price: Decimal
    ) -> Decimal:
        """Close ``amount`` of a position at ``price``; free its margin share, post the P&L.

        Returns the realized P&L (before fees).
        """
        position = self.positions[(market.trading_pair, side)]
        asset = market.quote_asset
        closes_all = amount == position.amount
        share = (
            position.margin
            if closes_all
            else money_floor(position.margin * amount / position.amount)
        )
        pnl = money_half_even(side_sign(side) * amount * (price - position.entry_price))
        self._balances.release(asset, share)
        if pnl >= ZERO:
            self._balances.deposit(asset, pnl)
        else:
            paid = min(-pnl, self._balances.get(asset).available)
            self._balances.withdraw(asset, paid)
            self.loss_absorbed += -pnl - paid
        if closes_all:
            del self.positions[(market.trading_pair, side)]
        else:
            position.amount -= amount
            position.margin -= share
        return pnl

    def open(
        self, market: Market, side: PositionSide, amount: Decimal, price: Decimal, margin: Decimal
    ) -> None:
        """Add ``amount`` at ``price`` to a position, with ``margin`` already reserved."""
        key = (market.trading_pair, side)
        position = self.positions.get(key)
        if position is None:
            self.positions[key] = Position(
                trading_pair=market.trading_pair,
                side=side,
                amount=amount,
                entry_price=price,
                leverage=self.leverage(market.trading_pair),
                margin=margin,
            )
            return
        total = position.amount + amount
        position.entry_price = (position.amount * position.entry_price + amount * price) / total
        position.amount = total
        position.margin += margin

    def fund(self, market: Market, now: _dt.datetime | None) -> list[FundingPayment]:
        """Settle the funding times since the last step up to ``now`` at the market's mark."""
        spec, mark = _spec(market), market.mark_price
        if now is None or mark is None:
            return []
        previous = self.funded_until.get(market.trading_pair)
        if previous is not None and now <= previous:
            return []  # a step back in time settles nothing and never pays a time twice
        self.funded_until[market.trading_pair] = now
        if previous is None:
            return []
        paid: list[FundingPayment] = []
        for moment in funding_times(previous, now, spec.funding_interval_seconds):
            for key in sorted(self.positions):
                if key[0] == market.trading_pair:
                    paid.append(self._pay_funding(market, self.positions[key], mark, moment))
        return paid

    def liquidate_due(self, market: Market, now: _dt.datetime | None) -> list[Liquidation]:
        """Liquidate the market's positions whose equity is at or below maintenance margin."""
        spec, mark = _spec(market), market.mark_price
        if mark is None:
            return []
        done: list[Liquidation] = []
        for key in sorted(self.positions):
            position = self.positions[key]
            if key[0] != market.trading_pair:
                continue
            if not is_liquidatable(position, mark, spec.maintenance_margin_ratio):
                continue
            self._balances.spend_reserved(market.quote_asset, position.margin)
            del self.positions[key]
            record = Liquidation(
                liquidation_id=len(self.liquidations) + 1,
                trading_pair=position.trading_pair,
                side=position.side,
                amount=position.amount,
                entry_price=position.entry_price,
                mark_price=mark,
                margin_lost=position.margin,
                liquidated_at=now,
            )
            self.liquidations.append(record)
            done.append(record)
        return done

    def _pay_funding(
        self, market: Market, position: Position, mark: Decimal, moment: _dt.datetime
    ) -> FundingPayment:
        spec = _spec(market)
        asset = market.quote_asset
        due = funding_amount(position.side, position.amount, mark, spec.funding_rate)
        if due >= ZERO:
            self._balances.deposit(asset, due)
            self._balances.reserve(asset, due)
            moved = due
        else:
            paid = min(-due, position.margin)
            self._balances.spend_reserved(asset, paid)
            moved = -paid
        position.margin += moved
        payment = FundingPayment(
            trading_pair=market.trading_pair,
            payment_id=f"funding-{len(self.funding) + 1}",
            amount=moved,
            rate=spec.funding_rate,
            ts=moment,
            position_side=position.side,
            position_amount=position.amount,
        )
        self.funding.append(payment)
        return payment
