"""``CcxtExchangeVenue``: the exchange ports (spot and perpetuals) on ccxt's async client.

Writes carry our client order id (ccxt's unified ``clientOrderId`` parameter, which each
exchange class sends under its own name: Binance ``newClientOrderId``, OKX ``clOrdId``). Before a
place is sent, the adapter records the client order id and the send time on the intent's
evidence. Between calls it keeps only configuration: the markets (read once) and the account's
position mode (read once, or as set).

Outcomes (see :mod:`.errors` for the whole table):

- a place that times out, or whose answer is a 5xx or a dropped connection, raises
  ``OutcomeUnknownError`` and is never re-sent by the adapter. :meth:`CcxtExchangeVenue.reconcile`
  looks the order up by client order id: found, it returns the events its record implies
  (:meth:`~lpexec.core.exchange.OrderReport.events`); not found once the exchange's receive window
  has passed since the send (``ExchangeProfile.not_found_after_seconds``), it returns None (it
  was never made); not found before that, it is still unknown;
- a cancel answers the order's record up to it (its fills first, so a fill made since the last
  poll is never lost; an order that filled first answers its fills);
- refusals (funds, order rules, unknown symbol, bad keys) raise ``VenueRejectedError``;
- rate limits and unreachable exchanges raise ``VenueUnavailableError``. ccxt's own rate limiter
  is always on (``enableRateLimit``).

API keys come from the environment (:meth:`CcxtExchangeVenue.from_env`) and never appear in a
repr, a log record or an error.

Example:
    >>> venue = CcxtExchangeVenue.from_env("binance", clock=LiveClock())
    >>> events = await venue.place_order(command, evidence)
    >>> await venue.close()
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import replace
from decimal import Decimal
from functools import partial
from typing import Any, TypeVar

import ccxt.async_support as ccxt

from lpexec.core.clock import Clock
from lpexec.core.errors import OutcomeUnknownError, VenueError, VenueRejectedError
from lpexec.core.evidence import Evidence
from lpexec.core.exchange import (
    Balance,
    FundingPayment,
    OrderReport,
    PerpPosition,
    PositionMode,
    TradingRules,
)
from lpexec.core.messages import Command, OutcomeEvent
from lpexec.core.money import ZERO
from lpexec.core.trade import (
    CancelOrder,
    OrderCanceled,
    OrderFilled,
    PlaceOrder,
)

from .credentials import Credentials, Redactor
from .errors import to_venue_error
from .exchange import create_exchange
from .markets import MarketBook, MarketSpec
from .orders import order_request
from .profiles import ExchangeProfile, MarketType, profile_for
from .records import (
    balances_from,
    fill_from,
    filled_amount,
    funding_from,
    position_from,
    report_from,
    to_ms,
)

__all__ = ["CcxtExchangeVenue"]

logger = logging.getLogger(__name__)
T = TypeVar("T")

_ENDED = frozenset(("closed", "canceled", "cancelled", "expired", "rejected"))
_MAX_PAGES = 20
_PAGE = 500


class CcxtExchangeVenue:
    """The :class:`~lpexec.core.ports.ExchangeVenue` and
    :class:`~lpexec.core.ports.PerpetualVenue` ports on one ccxt exchange.

    Args:
        exchange: a ccxt async exchange (:func:`create_exchange` sets one up).
        venue: our key for the venue (logs, reprs).
        clock: the one clock (event times, the not-found window).
        profile: the exchange's differences; :func:`~.profiles.profile_for` its id by default.
        position_mode: perpetuals: the account's mode (hedge mode names each order's position
            side); None reads it from the exchange before the first order that needs it.
            :meth:`set_position_mode` keeps it up to date.
    """

    def __init__(
        self,
        exchange: Any,
        *,
        venue: str,
        clock: Clock,
        profile: ExchangeProfile | None = None,
        position_mode: PositionMode | None = None,
    ) -> None:
        self.name = venue
        self._exchange = exchange
        self._clock = clock
        self._profile = profile or profile_for(exchange.id, market_type=_market_type(exchange))
        self._position_mode: PositionMode | None = position_mode
        secrets = [getattr(exchange, name, None) for name in ("apiKey", "secret", "password")]
        self._redact = Redactor(s for s in secrets if isinstance(s, str))
        self._markets: MarketBook | None = None
        self._markets_lock = asyncio.Lock()

    @classmethod
    def from_env(
        cls,
        exchange_id: str,
        *,
        clock: Clock,
        venue: str | None = None,
        environ: Mapping[str, str] | None = None,
        market_type: MarketType | None = None,
        timeout_ms: int = 10_000,
        position_mode: PositionMode | None = None,
    ) -> CcxtExchangeVenue:
        """A venue whose keys are read from ``LPEXEC_<EXCHANGE>_API_KEY`` / ``_SECRET`` /
        ``_PASSWORD`` (``os.environ`` by default)."""
        credentials = Credentials.from_env(exchange_id, os.environ if environ is None else environ)
        exchange = create_exchange(
            exchange_id, credentials, market_type=market_type, timeout_ms=timeout_ms
        )
        return cls(
            exchange,
            venue=venue or exchange_id,
            clock=clock,
            profile=profile_for(exchange_id, market_type=market_type),
            position_mode=position_mode,
        )

    @property
    def exchange(self) -> Any:
        """The ccxt exchange underneath (for wiring: sandbox mode, timeouts). Calls made on it
        directly bypass the error mapping and the evidence."""
        return self._exchange

    def __repr__(self) -> str:
        return (
            f"CcxtExchangeVenue(venue={self.name!r}, exchange={self._profile.exchange_id!r}, "
            f"market_type={self._profile.market_type!r})"
        )

    async def close(self) -> None:
        """Close the exchange's HTTP session."""
        await self._exchange.close()

    async def __aenter__(self) -> CcxtExchangeVenue:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    # --- plumbing ---------------------------------------------------------------------------

    async def _call(self, action: str, call: Callable[[], Awaitable[T]], *, write: bool) -> T:
        """Run one ccxt call; its errors leave as core venue errors (see :mod:`.errors`)."""
        try:
            return await call()
        except ccxt.BaseError as e:
            error = to_venue_error(e, action=action, write=write, redact=self._redact)
        logger.log(logging.INFO if write else logging.DEBUG, "%s: %s", self.name, error)
        raise error

    async def _book(self) -> MarketBook:
        if self._markets is None:
            async with self._markets_lock:
                if self._markets is None:
                    exchange = self._exchange
                    await self._call("load markets", exchange.load_markets, write=False)
                    self._markets = MarketBook(
                        exchange.markets,
                        market_type=self._profile.market_type,
                        precision_mode=exchange.precisionMode,
                    )
                    logger.info("%s: %d markets loaded", self.name, len(self._markets))
        return self._markets

    async def _spec(self, trading_pair: str) -> MarketSpec:
        book = await self._book()
        spec = book.by_pair(trading_pair)
        if spec is None:
            raise VenueRejectedError(
                f"trading_pair: expected a {book.market_type} market of {self.name} as "
                f"BASE-QUOTE, received {trading_pair!r}",
                code="unknown_market",
            )
        return spec

    # --- orders -----------------------------------------------------------------------------

    async def trading_rules(self, trading_pair: str) -> TradingRules:
        """The market's price tick, amount step (base), minimums and order types."""
        return (await self._spec(trading_pair)).rules

    async def place_order(self, command: PlaceOrder, evidence: Evidence) -> Sequence[OutcomeEvent]:
        """Place an order under the command's client order id; return ``OrderCreated`` and the
        fills the answer reports (and ``OrderCanceled`` for the unfilled rest of an order that
        does not rest)."""
        spec = await self._spec(command.trading_pair)
        mode = await self._mode() if command.position_action is not None else "ONEWAY"
        request = order_request(command, spec, profile=self._profile, position_mode=mode)
        coid = command.client_order_id
        evidence.record(client_order_id=coid, symbol=spec.symbol, sent_at=self._clock.now())
        exchange = self._exchange
        order = await self._call(
            f"place {command.order_type} {command.side} order {coid} on {spec.symbol}",
            lambda: exchange.create_order(
                request.symbol,
                request.order_type,
                request.side,
                request.amount,
                request.price,
                request.params,
            ),
            write=True,
        )
        if order.get("id"):
            evidence.record(venue_order_id=str(order["id"]))
        try:
            report = await self._report(order, spec, coid)
        except (VenueError, ValueError) as e:
            # The exchange took the order: that much is certain. Its fills could not be read
            # now (or not understood); the order poller reads them from its record later.
            logger.warning("%s: order %s placed; reading its fills failed: %s", self.name, coid, e)
            report = OrderReport(
                client_order_id=coid,
                trading_pair=spec.trading_pair,
                status="OPEN",
                venue_order_id=str(order.get("id") or ""),
            )
        return report.events(self._clock.now(), command_id=command.command_id)

    async def cancel_order(
        self, command: CancelOrder, evidence: Evidence
    ) -> OrderCanceled | Sequence[OutcomeEvent]:
        """Cancel an order by its client order id; answer the order's record up to the cancel:
        its creation, every fill (those made since the last poll too, so none is lost to the
        cancel) and ``OrderCanceled``, each tagged with the cancel's command id.

        An order that had already ended (filled, or canceled) when the cancel arrived answers
        its record the same way, so the executor learns it filled instead of being told the
        cancel failed; an order the exchange does not hold is rejected (``order_not_found``).
        A cancel that landed but whose record cannot be read now raises ``OutcomeUnknownError``
        (reconcile reads the record later).
        """
        spec = await self._spec(command.trading_pair)
        coid = command.client_order_id
        evidence.record(client_order_id=coid, sent_at=self._clock.now())
        exchange = self._exchange
        try:
            order = await self._call(
                f"cancel order {coid} on {spec.symbol}",
                lambda: exchange.cancel_order(None, spec.symbol, {"clientOrderId": coid}),
                write=True,
            )
        except VenueRejectedError as e:
            if e.code != "order_not_found":
                raise
            report = await self.order_status(command.trading_pair, coid)
            if report is None or report.status == "OPEN":
                raise
            return report.events(self._clock.now(), command_id=command.command_id)
        try:
            report = await self._canceled_report(order, spec, coid)
        except (VenueError, ValueError) as e:
            raise OutcomeUnknownError(
                f"cancel order {coid} on {spec.symbol}: the exchange took the cancel but its "
                f"record could not be read ({e}); reconcile reads it",
                code="record_unread",
            ) from None
        return report.events(self._clock.now(), command_id=command.command_id)

    async def _canceled_report(
        self, answer: Mapping[str, Any], spec: MarketSpec, coid: str
    ) -> OrderReport:
        """The record of an order the exchange accepted a cancel for: from the answer when it
        says how the order ended, else read; an order still listed open is canceled (the
        exchange took the cancel; its books lag)."""
        if answer.get("status") in _ENDED:
            report = await self._report(answer, spec, coid)
        else:
            found = await self.order_status(spec.trading_pair, coid)
            if found is None:
                raise ValueError(f"order {coid}: canceled, then not found by its client order id")
            report = found
        return replace(report, status="CANCELED") if report.status == "OPEN" else report

    async def reconcile(
        self, command: Command, evidence: Evidence
    ) -> OutcomeEvent | Sequence[OutcomeEvent] | None:
        """Decide a place or cancel whose outcome is unknown by looking the order up.

        A place found returns the events its record implies; a place not found returns None once
        the exchange can no longer accept it (``not_found_after_seconds`` after its send), and
        raises ``OutcomeUnknownError`` before. A cancel returns the order's record as events once
        the order has ended (canceled, or filled meanwhile), and None while it is still open or
        not there (the cancel did not land: send again).
        """
        if isinstance(command, PlaceOrder):
            report = await self.order_status(command.trading_pair, command.client_order_id)
            if report is not None:
                return report.events(self._clock.now(), command_id=command.command_id)
            self._not_found_is_final(command.client_order_id, evidence)
            return None
        if isinstance(command, CancelOrder):
            report = await self.order_status(command.trading_pair, command.client_order_id)
            if report is None or report.status == "OPEN":
                return None  # no such order, or still open: the cancel did not land
            return report.events(self._clock.now(), command_id=command.command_id)
        raise OutcomeUnknownError(
            f"{self.name} cannot reconcile {type(command).__name__}: expected PlaceOrder or "
            "CancelOrder"
        )

    def _not_found_is_final(self, client_order_id: str, evidence: Evidence) -> None:
        sent_at = evidence.time("sent_at")
        if sent_at is None:
            return
        waited = (self._clock.now() - sent_at).total_seconds()
        window = self._profile.not_found_after_seconds
        if waited < window:
            raise OutcomeUnknownError(
                f"order {client_order_id} not found {waited:.1f} s after it was sent; the "
                f"exchange may still accept it until {window:.0f} s have passed",
                code="not_found_yet",
            )

    async def order_status(self, trading_pair: str, client_order_id: str) -> OrderReport | None:
        """The exchange's record of an order with its fills, or None when it has none."""
        spec = await self._spec(trading_pair)
        order = await self._find_order(spec, client_order_id)
        if order is None:
            return None
        return await self._report(order, spec, client_order_id)

    async def _find_order(self, spec: MarketSpec, coid: str) -> dict[str, Any] | None:
        exchange = self._exchange
        action = f"look up order {coid} on {spec.symbol}"
        if self._profile.fetch_order_by_client_id:
            try:
                return await self._call(
                    action,
                    lambda: exchange.fetch_order(None, spec.symbol, {"clientOrderId": coid}),
                    write=False,
                )
            except VenueRejectedError as e:
                if e.code == "order_not_found":
                    return None
                raise
        for fetch in (exchange.fetch_open_orders, exchange.fetch_closed_orders):
            orders = await self._call(action, partial(fetch, spec.symbol), write=False)
            for order in orders:
                if order.get("clientOrderId") == coid:
                    return dict(order)
        return None

    async def _report(self, order: Mapping[str, Any], spec: MarketSpec, coid: str) -> OrderReport:
        """The record of ``order``: its trades from the answer when they add up to what it says
        is filled, else asked for. While the trades the exchange lists fall short of what it
        says is filled (its trade history lags), the order is reported OPEN with the fills
        listed so far, never ended: the next read completes it."""
        trades = list(order.get("trades") or [])
        filled = filled_amount(order, spec)
        if filled > _base_of(trades, spec):
            trades = await self._order_trades(str(order["id"]), spec)
        now = self._clock.now()
        report = report_from(order, trades, spec, client_order_id=coid, default_ts=now)
        if report.status != "OPEN" and report.filled_amount < filled:
            logger.info(
                "%s: order %s is %s with %s filled but %s in its trades so far; read as OPEN",
                self.name,
                coid,
                report.status,
                filled,
                report.filled_amount,
            )
            report = replace(report, status="OPEN", reason="")
        return report

    async def _order_trades(self, order_id: str, spec: MarketSpec) -> list[dict[str, Any]]:
        exchange = self._exchange
        param = self._profile.order_trades_param

        async def read() -> list[dict[str, Any]]:
            if param is not None:
                trades = await exchange.fetch_my_trades(spec.symbol, None, None, {param: order_id})
            else:
                trades = await exchange.fetch_order_trades(order_id, spec.symbol)
            return list(trades)

        return list(await self._call(f"read the trades of order {order_id}", read, write=False))

    async def fills_since(self, trading_pair: str, since: dt.datetime) -> list[OrderFilled]:
        """Our fills on a market at or after ``since``, oldest first (each order's client id is
        read once per call when the trades do not carry it)."""
        spec = await self._spec(trading_pair)
        exchange = self._exchange
        trades: dict[str, dict[str, Any]] = {}
        start = to_ms(since)
        for _ in range(_MAX_PAGES):
            page = await self._call(
                f"read fills on {spec.symbol}",
                partial(exchange.fetch_my_trades, spec.symbol, start, _PAGE),
                write=False,
            )
            for trade in page:
                trades.setdefault(str(trade["id"]), trade)
            if len(page) < _PAGE:
                break
            start = max(int(trade["timestamp"]) for trade in page) + 1
        client_ids: dict[str, str] = {}
        fills = []
        for trade in sorted(trades.values(), key=lambda trade: trade.get("timestamp") or 0):
            order_id = str(trade.get("order") or "")
            if order_id not in client_ids:
                client_ids[order_id] = await self._client_order_id(order_id, spec)
            fills.append(
                fill_from(
                    trade,
                    spec,
                    client_order_id=client_ids[order_id],
                    default_ts=self._clock.now(),
                )
            )
        return fills

    async def _client_order_id(self, order_id: str, spec: MarketSpec) -> str:
        if not order_id:
            return ""
        exchange = self._exchange
        order = await self._call(
            f"look up order {order_id} on {spec.symbol}",
            lambda: exchange.fetch_order(order_id, spec.symbol),
            write=False,
        )
        return str(order.get("clientOrderId") or "")

    async def balances(self) -> dict[str, Balance]:
        """Every asset with a non-zero balance, by asset symbol."""
        balance = await self._call("read balances", self._exchange.fetch_balance, write=False)
        return balances_from(balance)

    # --- perpetuals -------------------------------------------------------------------------

    async def positions(self) -> list[PerpPosition]:
        """The open positions on this venue's markets (amounts in base). Where the position
        answer leaves leverage out (Binance's v3 position risk), it is read once per call from
        the exchange's leverage settings."""
        book = await self._book()
        exchange = self._exchange
        raw = await self._call("read positions", exchange.fetch_positions, write=False)
        positions: list[PerpPosition] = []
        for entry in raw:
            spec = book.by_symbol(entry.get("symbol") or "")
            position = None if spec is None else position_from(entry, spec)
            if position is not None:
                positions.append(position)
        if any(position.leverage == 0 for position in positions) and exchange.has.get(
            "fetchLeverages"
        ):
            positions = await self._with_leverage(positions, book)
        return positions

    async def _with_leverage(
        self, positions: list[PerpPosition], book: MarketBook
    ) -> list[PerpPosition]:
        exchange = self._exchange
        symbols = sorted({spec.symbol for p in positions if (spec := book.by_pair(p.trading_pair))})
        leverages = await self._call(
            "read leverage settings", lambda: exchange.fetch_leverages(symbols), write=False
        )
        result = []
        for position in positions:
            spec = book.by_pair(position.trading_pair)
            setting = leverages.get(spec.symbol) if spec is not None else None
            key = "longLeverage" if position.side == "LONG" else "shortLeverage"
            value = (setting or {}).get(key)
            if position.leverage == 0 and value not in (None, ""):
                position = replace(position, leverage=int(Decimal(str(value))))
            result.append(position)
        return result

    async def set_leverage(self, trading_pair: str, leverage: int) -> None:
        """Set a market's leverage (a whole number from 1)."""
        if isinstance(leverage, bool) or not isinstance(leverage, int) or leverage < 1:
            raise VenueRejectedError(
                f"leverage: expected a whole number >= 1, received {leverage!r}", code="bad_request"
            )
        spec = await self._spec(trading_pair)
        exchange = self._exchange
        await self._call(
            f"set leverage {leverage} on {spec.symbol}",
            lambda: exchange.set_leverage(
                leverage, spec.symbol, dict(self._profile.leverage_params)
            ),
            write=True,
        )

    async def _mode(self) -> PositionMode:
        """The account's position mode: as set or given, else read once from the exchange."""
        if self._position_mode is None:
            exchange = self._exchange
            if self._profile.market_type != "swap" or not exchange.has.get("fetchPositionMode"):
                self._position_mode = "ONEWAY"
            else:
                answer = await self._call(
                    "read the position mode", exchange.fetch_position_mode, write=False
                )
                self._position_mode = "HEDGE" if answer.get("hedged") else "ONEWAY"
        return self._position_mode

    async def set_position_mode(self, mode: PositionMode) -> None:
        """Set one-way or hedge mode for the account (nothing is sent when it is already so)."""
        if mode not in ("ONEWAY", "HEDGE"):
            raise VenueRejectedError(
                f"mode: expected ONEWAY or HEDGE, received {mode!r}", code="bad_request"
            )
        exchange = self._exchange
        hedged = mode == "HEDGE"
        if exchange.has.get("fetchPositionMode"):
            current = await self._call(
                "read the position mode", exchange.fetch_position_mode, write=False
            )
            if current.get("hedged") is hedged:
                self._position_mode = mode
                return
        await self._call(
            f"set the position mode to {mode}",
            lambda: exchange.set_position_mode(hedged),
            write=True,
        )
        self._position_mode = mode

    async def funding_payments(self, trading_pair: str, since: dt.datetime) -> list[FundingPayment]:
        """Funding paid (negative) or received on a market at or after ``since``, oldest first."""
        spec = await self._spec(trading_pair)
        exchange = self._exchange
        entries = await self._call(
            f"read funding on {spec.symbol}",
            lambda: exchange.fetch_funding_history(spec.symbol, to_ms(since)),
            write=False,
        )
        payments = [funding_from(e, spec, default_ts=self._clock.now()) for e in entries]
        return sorted(payments, key=lambda payment: payment.ts)


def _base_of(trades: Sequence[Mapping[str, Any]], spec: MarketSpec) -> Decimal:
    amounts = (trade.get("amount") for trade in trades)
    return sum((spec.to_base_amount(Decimal(str(a))) for a in amounts if a not in (None, "")), ZERO)


def _market_type(exchange: Any) -> MarketType | None:
    default = (getattr(exchange, "options", None) or {}).get("defaultType")
    return default if default in ("spot", "swap") else None
