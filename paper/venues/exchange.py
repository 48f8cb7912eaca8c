"""The ExchangeVenue port directly on a :class:`~lpexec.paper.exchange.PaperExchange` (no HTTP).

What the engine talks to for CEX executors on paper. Orders are named by the command's client
order id, so the port is idempotent by construction:

- :meth:`PaperExchangeVenue.place_order` answers ``OrderCreated``, the fills made on arrival,
  and ``OrderCanceled`` for the unfilled rest of a market order (the exchange treats it as
  immediate-or-cancel). An order the exchange refuses (too small, not funded, a LIMIT_MAKER that
  would cross) raises ``VenueRejectedError`` with its reason. A client order id the exchange
  already holds is not placed again: the answer is that order's record, so a place sent twice
  for one intent makes one order.
- :meth:`PaperExchangeVenue.cancel_order` answers the order's record after the cancel (its
  fills, then ``OrderCanceled``; or its fills alone when it filled before the cancel arrived), so
  a fill made between the last poll and the cancel is never lost.
- :meth:`PaperExchangeVenue.reconcile` looks the command's client order id up: a place found is
  answered with everything its record implies (:meth:`~lpexec.core.exchange.OrderReport.events`,
  tagged with the command's id), a place not found certainly did not land (None: the engine
  sends it again, under the same client order id). A cancel is settled when the order is no
  longer open (canceled, or filled or failed before the cancel arrived: its record says which);
  an order still open means the cancel did not land (None).
- Reads: :meth:`~PaperExchangeVenue.order_status` (the order and its fills, each ``fill_id``
  the exchange's fill number, stable across reads), :meth:`~PaperExchangeVenue.fills_since`,
  :meth:`~PaperExchangeVenue.balances`, :meth:`~PaperExchangeVenue.trading_rules`.

Faults are injected by an :class:`~lpexec.paper.venues.exchange_faults.ExchangeFaultPlan` (a
seeded spec string such as ``place:504@0.2,cancel:drop@0.1,read:429@0.05``), following the error
contract of :mod:`lpexec.core.ports`: a timeout whose write landed and one whose write did not
both raise ``OutcomeUnknownError`` (only the exchange knows which), a 500 or a 429 raises
``VenueUnavailableError`` (not carried out; a 429 says when to retry), a reject raises
``VenueRejectedError`` (not carried out).

The venue keeps no memory that decides an outcome: the exchange's own records are the evidence
(an index of the fills by order, derived from those records, makes reading one order cost its own
fills instead of the whole ledger).

Example:
    >>> venue = PaperExchangeVenue(exchange, clock=clock, faults="place:504@0.1")
    >>> engine = Engine(store=MemoryStore(), clock=clock, executor_types=[OrderExecutor],
    ...                 venues={"paper": venue})
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from decimal import Decimal
from functools import partial
from typing import Any

from lpexec.core import (
    Balance,
    CancelOrder,
    Clock,
    Command,
    Evidence,
    FundingPayment,
    OrderFilled,
    OrderReport,
    OutcomeEvent,
    OutcomeUnknownError,
    PerpPosition,
    PlaceOrder,
    PositionMode,
    TradingRules,
    VenueRejectedError,
    VenueUnavailableError,
)
from lpexec.core.exchange import OrderReportStatus
from lpexec.paper.exchange import (
    DuplicateClientOrderIdError,
    ExchangeError,
    Fill,
    Market,
    MarketNotFoundError,
    Order,
    OrderNotFoundError,
    OrderNotOpenError,
    OrderSide,
    OrderStatus,
    OrderType,
    PaperExchange,
    PositionStateError,
)
from lpexec.paper.venues.exchange_faults import ExchangeFaultEffect, ExchangeFaultPlan

__all__ = ["PaperExchangeVenue", "order_report"]

logger = logging.getLogger(__name__)

_STATUS: dict[OrderStatus, OrderReportStatus] = {
    OrderStatus.OPEN: "OPEN",
    OrderStatus.PARTIALLY_FILLED: "OPEN",
    OrderStatus.FILLED: "FILLED",
    OrderStatus.CANCELED: "CANCELED",
    OrderStatus.REJECTED: "FAILED",
}


def order_report(
    order: Order, fills: list[Fill], *, now: dt.datetime, command_id: str = ""
) -> OrderReport:
    """The port's record of a paper order and its fills (oldest first).

    A fill's ``fill_id`` is the exchange's fill number (stable across reads) and its time the
    step that made it (``now`` when the step carried no time); the fill that completes the
    order is final. ``command_id`` tags the fills when the record answers a command.
    """
    events: list[OrderFilled] = []
    filled = Decimal(0)
    for fill in fills:
        filled += fill.amount
        events.append(
            OrderFilled(
                ts_event=fill.filled_at or now,
                command_id=command_id,
                client_order_id=order.client_order_id,
                fill_id=str(fill.fill_id),
                side="BUY" if fill.side is OrderSide.BUY else "SELL",
                base_amount=fill.amount,
                price=fill.price,
                fee_quote=fill.fee,
                is_final=filled >= order.amount,
            )
        )
    return OrderReport(
        client_order_id=order.client_order_id,
        trading_pair=order.trading_pair,
        status=_STATUS[order.status],
        venue_order_id=order.client_order_id,
        fills=tuple(events),
        reason=order.reason or "",
    )


class PaperExchangeVenue:
    """The ExchangeVenue port (and PerpetualVenue, where the exchange has perpetuals) on a
    paper exchange (see the module docstring).

    Args:
        exchange: the paper exchange that holds the account.
        clock: the only source of time (stamps the outcome events).
        faults: an :class:`ExchangeFaultPlan`, or a spec string parsed with ``seed``; None
            injects nothing. The plan can be replaced later (``venue.faults = ...``).
        seed: the seed of a plan given as a string.
    """

    def __init__(
        self,
        exchange: PaperExchange,
        *,
        clock: Clock,
        faults: ExchangeFaultPlan | str | None = None,
        seed: int = 0,
    ) -> None:
        self.exchange = exchange
        self._clock = clock
        self._fills = _FillIndex()
        self._records: dict[str, tuple[Order, int, OrderReport]] = {}
        """The last record read of each order, with its snapshot and fill count then."""
        self.faults = (
            faults
            if isinstance(faults, ExchangeFaultPlan)
            else ExchangeFaultPlan.parse(faults, seed=seed)
        )

    # --- faults ------------------------------------------------------------------------------

    def _decide(self, operation: str, what: str | Callable[[], str]) -> ExchangeFaultEffect | None:
        """Raise the fault chosen for this call when it is an answer; return a timeout's kind.
        ``what`` names the call in the error (a function making the name: made only then)."""
        if self._faultless():
            return None
        fault = self.faults.decide(operation)
        if fault is None:
            return None
        if callable(what):
            what = what()
        effect = fault.effect
        if effect is ExchangeFaultEffect.RATE_LIMIT:
            raise VenueUnavailableError(
                f"{what}: rate limited (HTTP 429, injected by {fault.rule!r}); retry after "
                f"{fault.retry_after} s",
                retry_after=fault.retry_after,
                code="rate_limited",
            )
        if effect is ExchangeFaultEffect.SERVER_ERROR:
            raise VenueUnavailableError(
                f"{what}: server error (HTTP 500, injected by {fault.rule!r}); not carried out",
                code="server_error",
            )
        if effect is ExchangeFaultEffect.REJECT:
            raise VenueRejectedError(
                f"{what}: refused by the exchange (injected by {fault.rule!r})", code="rejected"
            )
        if effect is ExchangeFaultEffect.DROP:
            raise OutcomeUnknownError(
                f"{what}: timed out (injected by {fault.rule!r}); it may have been carried out",
                code="timeout",
            )
        return effect

    def _faultless(self) -> bool:
        """True when the plan has no rule: nothing can fire (the hot path of a backtest)."""
        faults = self.faults
        return type(faults) is ExchangeFaultPlan and not faults.rules

    # --- writes ------------------------------------------------------------------------------

    async def place_order(self, command: PlaceOrder, evidence: Evidence) -> list[OutcomeEvent]:
        """Place an order by its client order id; answer OrderCreated, the fills made on
        arrival and OrderCanceled for the unfilled rest of a market order.

        Raises:
            VenueRejectedError: the exchange refused the order (its reason says why).
            VenueUnavailableError: a 500 or a 429; nothing was placed.
            OutcomeUnknownError: the answer was lost; the order may exist (reconcile).
        """
        evidence.record(client_order_id=command.client_order_id)
        timeout = (
            None if self._faultless() else self._decide("place", partial(_place_what, command))
        )
        order = self._place(command)
        if timeout is ExchangeFaultEffect.TIMEOUT_LANDED:
            raise OutcomeUnknownError(
                f"{_place_what(command)}: timed out (HTTP 504, injected); it may have been "
                "carried out",
                code="timeout",
            )
        if order.status is OrderStatus.REJECTED:
            raise VenueRejectedError(
                f"{_place_what(command)} was rejected: {order.reason}", code="order_rejected"
            )
        return self._answer(order, command)

    def _place(self, command: PlaceOrder) -> Order:
        perpetual: dict[str, Any] = {}
        if command.position_action is not None:  # a spot market refuses it
            perpetual["position_action"] = command.position_action
        try:
            return self.exchange.place(
                command.client_order_id,
                command.trading_pair,
                _SIDES.get(command.side) or OrderSide(command.side),
                _ORDER_TYPES.get(command.order_type) or OrderType(command.order_type),
                command.amount,
                command.price,
                **perpetual,
            )
        except DuplicateClientOrderIdError:
            # The same intent sent again (the exchange refuses a second order): its answer is
            # the order the first send made.
            logger.warning(
                "place of %s sent again: the exchange already holds it; answering its record",
                command.client_order_id,
            )
            return self.exchange.order(command.client_order_id)
        except ExchangeError as e:
            raise VenueRejectedError(f"place {command.client_order_id}: {e}", code=_code(e)) from e

    async def cancel_order(self, command: CancelOrder, evidence: Evidence) -> list[OutcomeEvent]:
        """Cancel an order by its client order id; answer what its record then implies.

        The answer is the order's record as events, tagged with the cancel's command id: its
        creation, every fill (those made since the last poll too, so none is lost to the cancel)
        and ``OrderCanceled``. An order that was canceled already answers the same; one that
        filled (or failed) before the cancel arrived answers its fills (the last one final), so
        the executor learns it filled instead of being told the cancel failed.

        Raises:
            VenueRejectedError: no order with that client order id on the pair.
            VenueUnavailableError: a 500 or a 429; nothing was canceled.
            OutcomeUnknownError: the answer was lost; the order may be canceled (reconcile).
        """
        del evidence  # the exchange's record of the order is the evidence
        what = f"cancel {command.client_order_id}"
        timeout = self._decide("cancel", what)
        order = self._order(command.trading_pair, command.client_order_id)
        if order is not None and order.is_open:
            order = self.exchange.cancel(command.client_order_id)
        if timeout is ExchangeFaultEffect.TIMEOUT_LANDED:
            raise OutcomeUnknownError(
                f"{what}: timed out (HTTP 504, injected); it may have been carried out",
                code="timeout",
            )
        if order is None:
            raise VenueRejectedError(
                f"{what}: the exchange holds no order with that client order id on "
                f"{command.trading_pair}",
                code="order_not_found",
            )
        return self._answer(order, command)

    # --- reconciliation ----------------------------------------------------------------------

    async def reconcile(self, command: Command, evidence: Evidence) -> list[OutcomeEvent] | None:
        """Find out what became of a place or cancel whose answer was lost, by its client
        order id: the order's record as events if it landed, None if it certainly did not.

        Raises:
            VenueUnavailableError: the exchange cannot answer now (try again later).
            OutcomeUnknownError: the command is not one this venue writes.
        """
        del evidence  # the exchange's record of the order is the evidence
        if not isinstance(command, PlaceOrder | CancelOrder):
            raise OutcomeUnknownError(
                f"reconcile: expected a PlaceOrder or CancelOrder, received "
                f"{type(command).__name__} {command.command_id}"
            )
        self._decide("status", f"status of {command.client_order_id}")
        order = self._order(command.trading_pair, command.client_order_id)
        if order is None:
            return None  # never placed (a cancel of it did nothing either)
        if isinstance(command, CancelOrder) and order.is_open:
            return None  # still open: the cancel did not land
        return self._answer(order, command)

    # --- reads -------------------------------------------------------------------------------

    async def trading_rules(self, trading_pair: str) -> TradingRules:
        """The market's price tick, amount step, minimums and order types.

        Raises:
            VenueRejectedError: no market for the pair (``code="market_not_found"``).
            VenueUnavailableError: a 500 or a 429.
        """
        self._decide("rules", f"trading rules of {trading_pair}")
        return self._market(trading_pair).rules

    async def order_status(self, trading_pair: str, client_order_id: str) -> OrderReport | None:
        """The exchange's record of an order with its fills, or None when it holds none (on
        that pair).

        Raises:
            VenueUnavailableError: a 500 or a 429.
        """
        return self.order_record(trading_pair, client_order_id)

    def order_record(self, trading_pair: str, client_order_id: str) -> OrderReport | None:
        """:meth:`order_status` called without a coroutine (the same faults, the same answer):
        what a backtest's order reads use.

        Raises:
            VenueUnavailableError: a 500 or a 429.
        """
        if not self._faultless():
            self._decide("status", partial(_status_what, client_order_id))
        order = self._order(trading_pair, client_order_id)
        if order is None:
            return None
        # An order's record changes only with its snapshot (the exchange replaces it on every
        # change) and its fills: a read of an open order unchanged since its last read answers
        # the record built then, unless a fill's time is the read's (a step that carried none).
        records = self._records
        cached = records.get(client_order_id)
        fills = self._fills.of(self.exchange, client_order_id)
        if cached is not None and cached[0] is order and cached[1] == len(fills):
            return cached[2]
        report = order_report(order, fills, now=self._clock.now())
        if order.is_open and all(fill.filled_at is not None for fill in fills):
            records[client_order_id] = (order, len(fills), report)
        elif cached is not None:
            del records[client_order_id]
        return report

    async def fills_since(self, trading_pair: str, since: dt.datetime) -> list[OrderFilled]:
        """Our fills on a market at or after ``since``, oldest first (a fill made by a step
        that carried no time counts as made now).

        Raises:
            VenueRejectedError: no market for the pair.
            VenueUnavailableError: a 500 or a 429.
        """
        self._decide("fills", f"fills of {trading_pair}")
        market = self._market(trading_pair)
        by_order: dict[str, list[Fill]] = {}
        for fill in self.exchange.fills_since(0):
            if fill.trading_pair == market.trading_pair:
                by_order.setdefault(fill.client_order_id, []).append(fill)
        now = self._clock.now()
        events: list[OrderFilled] = []
        for cid, order_fills in by_order.items():
            report = order_report(self.exchange.order(cid), order_fills, now=now)
            events.extend(event for event in report.fills if event.ts_event >= since)
        events.sort(key=lambda event: int(event.fill_id))
        return events

    async def balances(self) -> dict[str, Balance]:
        """Every asset's balance by asset symbol (``available`` excludes what orders reserve).

        Raises:
            VenueUnavailableError: a 500 or a 429.
        """
        self._decide("balances", "balances")
        return {
            asset: Balance(asset=asset, total=balance.total, available=balance.available)
            for asset, balance in self.exchange.balances().items()
        }

    # --- perpetuals --------------------------------------------------------------------------

    async def positions(self) -> list[PerpPosition]:
        """The open perpetual positions, valued at their market's mark.

        Raises:
            VenueUnavailableError: a 500 or a 429.
        """
        self._decide("positions", "positions")
        return self.exchange.positions()

    async def set_leverage(self, trading_pair: str, leverage: int) -> None:
        """Set the leverage new positions on a perpetual market open with.

        Raises:
            VenueRejectedError: no such market, a spot market, a leverage out of range, or a
                position open on the market.
            VenueUnavailableError: a 500 or a 429; nothing was changed.
        """
        what = f"set leverage {leverage} on {trading_pair}"
        self._decide("settings", what)
        try:
            self.exchange.set_leverage(trading_pair, leverage)
        except ExchangeError as e:
            raise VenueRejectedError(f"{what}: {e}", code=_code(e)) from e

    async def set_position_mode(self, mode: PositionMode) -> None:
        """Set one-way or hedge mode for the account.

        Raises:
            VenueRejectedError: an unknown mode, or a perpetual position or order is open.
            VenueUnavailableError: a 500 or a 429; nothing was changed.
        """
        what = f"set position mode {mode}"
        self._decide("settings", what)
        try:
            self.exchange.set_position_mode(mode)
        except ExchangeError as e:
            raise VenueRejectedError(f"{what}: {e}", code=_code(e)) from e

    async def funding_payments(self, trading_pair: str, since: dt.datetime) -> list[FundingPayment]:
        """Funding paid (negative) or received (positive) on a market at or after ``since``,
        oldest first.

        Raises:
            VenueRejectedError: no market for the pair.
            VenueUnavailableError: a 500 or a 429.
        """
        self._decide("funding", f"funding of {trading_pair}")
        self._market(trading_pair)
        return self.exchange.funding_payments(trading_pair, since)

    # --- internals ---------------------------------------------------------------------------

    def _order(self, trading_pair: str, client_order_id: str) -> Order | None:
        try:
            order = self.exchange.order(client_order_id)
        except OrderNotFoundError:
            return None
        return order if order.trading_pair == trading_pair else None

    def _market(self, trading_pair: str) -> Market:
        try:
            return self.exchange.market(trading_pair)
        except MarketNotFoundError as e:
            raise VenueRejectedError(str(e), code="market_not_found") from e

    def _report(self, order: Order, *, command_id: str = "") -> OrderReport:
        fills = self._fills.of(self.exchange, order.client_order_id)
        return order_report(order, fills, now=self._clock.now(), command_id=command_id)

    def _answer(self, order: Order, command: Command) -> list[OutcomeEvent]:
        """The order's record as the outcome of ``command`` (every event tagged with it)."""
        if not order.is_open:
            self._records.pop(order.client_order_id, None)  # no read will need it again
        report = self._report(order, command_id=command.command_id)
        return report.events(self._clock.now(), command_id=command.command_id)


class _FillIndex:
    """Each order's fills by client order id, brought up to date from the exchange's fill list
    (append-only, numbered from 1) on every read: an order's record costs its own fills, not the
    whole ledger. Derived from the exchange alone, so it is rebuilt whenever the exchange is
    another one (a loaded state) or holds fewer fills than were indexed."""

    __slots__ = ("_by_order", "_exchange", "_indexed")

    def __init__(self) -> None:
        self._exchange: PaperExchange | None = None
        self._indexed = 0
        self._by_order: dict[str, list[Fill]] = {}

    def of(self, exchange: PaperExchange, client_order_id: str) -> list[Fill]:
        """The fills of one order, oldest first."""
        last = exchange.last_fill_id
        if exchange is not self._exchange or last < self._indexed:
            self._exchange, self._indexed, self._by_order = exchange, 0, {}
        if last > self._indexed:
            by_order = self._by_order
            for fill in exchange.fills_since(self._indexed):
                by_order.setdefault(fill.client_order_id, []).append(fill)
            self._indexed = last
        return self._by_order.get(client_order_id, [])


_SIDES = {side.value: side for side in OrderSide}
_ORDER_TYPES = {kind.value: kind for kind in OrderType}


def _place_what(command: PlaceOrder) -> str:
    return f"place {command.order_type} {command.side} {command.client_order_id}"


def _status_what(client_order_id: str) -> str:
    return f"status of {client_order_id}"


def _code(error: ExchangeError) -> str:
    """A stable code for an exchange refusal (``market_not_found``, ``order_not_found``)."""
    if isinstance(error, MarketNotFoundError):
        return "market_not_found"
    if isinstance(error, OrderNotFoundError):
        return "order_not_found"
    if isinstance(error, OrderNotOpenError):
        return "order_not_open"
    if isinstance(error, PositionStateError):
        return "position_state"
    return "bad_request"
