"""The ExchangeVenue port (and PerpetualVenue) over HTTP, on a paper exchange another process
serves (``lpexec paper-exchange``, :mod:`lpexec.paper.exchange_server`).

What ``lpexec worker`` processes use to share one paper exchange: each venue key (``paper``,
``paper_perpetual``) is one :class:`RemoteExchangeVenue`. The adapter keeps nothing in memory
that decides an outcome; the server's records are the evidence, looked up by client order id.

Errors (translated here once, from httpx and the server's status codes):

- a write (place, cancel, leverage, position mode) that timed out, lost its connection after
  sending, or was answered 5xx raises ``OutcomeUnknownError``: it may have been carried out, and
  the engine reconciles it by its client order id (never sends it blind);
- a 429 raises ``VenueUnavailableError`` with ``retry_after``; so does a connection that was
  never made (nothing was sent);
- any other 4xx raises ``VenueRejectedError`` with the server's ``code`` (nothing happened);
- a read that fails in any other way raises ``VenueUnavailableError`` (ask again later).

:class:`RemoteExchangeFeed` is the market feed of the same server: it publishes
:class:`~lpexec.cex.chaser.TopOfBookUpdated` (best bid, best ask, their mid as the price) for
the pairs asked of it that the exchange lists.

Example:
    >>> spot = RemoteExchangeVenue("http://127.0.0.1:8711", venue="paper", clock=LiveClock())
    >>> engine = Engine(database=db, clock=clock, executor_types=EXECUTOR_TYPES,
    ...                 venues={"paper": spot})
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any, TypeVar

import httpx

from lpexec.cex.chaser import TopOfBookUpdated
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
from lpexec.core.serialization import encode_message
from lpexec.paper.exchange_server.wire import (
    Touch,
    WireFormatError,
    decode_events,
    decode_value,
)

__all__ = ["DEFAULT_TIMEOUT_SECONDS", "RemoteExchangeFeed", "RemoteExchangeVenue"]

logger = logging.getLogger(__name__)

_T = TypeVar("_T")

DEFAULT_TIMEOUT_SECONDS = 10.0
"""How long a call waits for its answer (a write past it is an unknown outcome)."""
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
"""Transport failures that leave the request certainly unsent."""


class RemoteExchangeVenue:
    """One venue key of a served paper exchange (see the module docstring).

    Args:
        base_url: the server (``http://127.0.0.1:PORT``).
        venue: the venue key on the server (``paper`` or ``paper_perpetual``).
        clock: stamps nothing itself (events carry the server's times); kept for symmetry with
            the other exchange adapters and for callers that read it.
        http_client: the client to send with (tests pass one on a mock or ASGI transport);
            None builds one (closed by :meth:`aclose`).
        timeout_seconds: how long a call waits for its answer.
        leverage_of: the leverage a perpetual executor's orders open with, by executor id
            (None: none); a place that opens a position carries it, and the server sets the
            market's leverage before placing, in one step.
    """

    def __init__(
        self,
        base_url: str,
        *,
        venue: str,
        clock: Clock,
        http_client: httpx.AsyncClient | None = None,
        timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS,
        leverage_of: Callable[[str], int | None] | None = None,
    ) -> None:
        self.venue = venue
        self.clock = clock
        self._owns_client = http_client is None
        self._http = http_client or httpx.AsyncClient(
            base_url=base_url, timeout=httpx.Timeout(timeout_seconds)
        )
        self._prefix = f"{base_url.rstrip('/')}/venues/{venue}"
        self.leverage_of = leverage_of

    # --- writes ------------------------------------------------------------------------------

    async def place_order(self, command: PlaceOrder, evidence: Evidence) -> list[OutcomeEvent]:
        """Place an order by its client order id; answer OrderCreated, the fills made on
        arrival and OrderCanceled for the unfilled rest of a market order.

        Raises:
            VenueRejectedError: the exchange refused it (or the leverage it carries).
            VenueUnavailableError: rate limited, or the server could not be reached.
            OutcomeUnknownError: the answer was lost; the order may exist (reconcile).
        """
        evidence.record(client_order_id=command.client_order_id)
        leverage = None
        if command.position_action == "OPEN" and self.leverage_of is not None:
            leverage = self.leverage_of(command.executor_id)
        what = f"place {command.order_type} {command.side} {command.client_order_id}"
        body = {"command": encode_message(command), "leverage": leverage}
        answer = await self._send("POST", "/orders", what=what, write=True, json=body)
        return self._events(answer.get("events"), what, write=True)

    async def cancel_order(self, command: CancelOrder, evidence: Evidence) -> list[OutcomeEvent]:
        """Cancel an order by its client order id; answer what its record then implies (its
        fills first, then OrderCanceled; or its fills alone when it filled first).

        Raises:
            VenueRejectedError: the exchange holds no such order on the pair.
            VenueUnavailableError: rate limited, or the server could not be reached.
            OutcomeUnknownError: the answer was lost; the order may be canceled (reconcile).
        """
        del evidence  # the server's record of the order is the evidence
        what = f"cancel {command.client_order_id}"
        body = {"command": encode_message(command)}
        answer = await self._send("POST", "/cancels", what=what, write=True, json=body)
        return self._events(answer.get("events"), what, write=True)

    async def reconcile(self, command: Command, evidence: Evidence) -> list[OutcomeEvent] | None:
        """Find out what became of a place or cancel whose answer was lost, by its client
        order id: the order's record as events if it landed, None if it certainly did not.

        Raises:
            VenueUnavailableError: the server cannot answer now (try again later).
            OutcomeUnknownError: the command is not one this venue writes.
        """
        del evidence
        if not isinstance(command, PlaceOrder | CancelOrder):
            raise OutcomeUnknownError(
                f"reconcile: expected a PlaceOrder or CancelOrder, received "
                f"{type(command).__name__} {command.command_id}"
            )
        what = f"reconcile {command.client_order_id}"
        body = {"command": encode_message(command)}
        answer = await self._send("POST", "/reconcile", what=what, write=False, json=body)
        events = answer.get("events")
        return None if events is None else self._events(events, what)

    async def set_leverage(self, trading_pair: str, leverage: int) -> None:
        """Set the leverage new positions on a perpetual market open with.

        Raises:
            VenueRejectedError: no such market, a spot market, a leverage out of range, or a
                position open on the market at another leverage.
            VenueUnavailableError, OutcomeUnknownError: as for every write.
        """
        body = {"trading_pair": trading_pair, "leverage": leverage}
        what = f"set leverage {leverage} on {trading_pair}"
        await self._send("POST", "/leverage", what=what, write=True, json=body)

    async def set_position_mode(self, mode: PositionMode) -> None:
        """Set one-way or hedge mode for the account.

        Raises:
            VenueRejectedError: an unknown mode, or a perpetual position or order is open.
            VenueUnavailableError, OutcomeUnknownError: as for every write.
        """
        what = f"set position mode {mode}"
        await self._send("POST", "/position-mode", what=what, write=True, json={"mode": mode})

    # --- reads -------------------------------------------------------------------------------

    async def trading_rules(self, trading_pair: str) -> TradingRules:
        """The market's price tick, amount step, minimums and order types.

        Raises:
            VenueRejectedError: no market for the pair (``code="market_not_found"``).
            VenueUnavailableError: the server cannot answer now.
        """
        what = f"trading rules of {trading_pair}"
        answer = await self._read("/rules", what, trading_pair=trading_pair)
        return self._decode(TradingRules, answer, what)

    async def order_status(self, trading_pair: str, client_order_id: str) -> OrderReport | None:
        """The exchange's record of an order with its fills, or None when it holds none.

        Raises:
            VenueUnavailableError: the server cannot answer now.
        """
        what = f"status of {client_order_id}"
        answer = await self._read(f"/orders/{client_order_id}", what, trading_pair=trading_pair)
        report = answer.get("report")
        return None if report is None else self._decode(OrderReport, report, what)

    async def fills_since(self, trading_pair: str, since: dt.datetime) -> list[OrderFilled]:
        """Our fills on a market at or after ``since``, oldest first.

        Raises:
            VenueRejectedError: no market for the pair.
            VenueUnavailableError: the server cannot answer now.
        """
        what = f"fills of {trading_pair}"
        answer = await self._read(
            "/fills", what, trading_pair=trading_pair, since=since.isoformat()
        )
        events = self._events(answer.get("fills"), what)
        fills = [event for event in events if isinstance(event, OrderFilled)]
        if len(fills) != len(events):
            logger.warning(
                "%s: ignored %d events that are not fills", what, len(events) - len(fills)
            )
        return fills

    async def balances(self) -> dict[str, Balance]:
        """Every asset's balance by asset symbol.

        Raises:
            VenueUnavailableError: the server cannot answer now.
        """
        answer = await self._read("/balances", "balances")
        return self._decode(dict[str, Balance], answer.get("balances"), "balances")

    async def positions(self) -> list[PerpPosition]:
        """The open perpetual positions.

        Raises:
            VenueUnavailableError: the server cannot answer now.
        """
        answer = await self._read("/positions", "positions")
        return self._decode(list[PerpPosition], answer.get("positions"), "positions")

    async def funding_payments(self, trading_pair: str, since: dt.datetime) -> list[FundingPayment]:
        """Funding paid (negative) or received (positive) on a market at or after ``since``.

        Raises:
            VenueRejectedError: no market for the pair.
            VenueUnavailableError: the server cannot answer now.
        """
        what = f"funding of {trading_pair}"
        answer = await self._read(
            "/funding", what, trading_pair=trading_pair, since=since.isoformat()
        )
        return self._decode(list[FundingPayment], answer.get("payments"), what)

    async def touches(self) -> list[Touch]:
        """Every listed market's best bid and ask (markets not quoted yet are left out).

        Raises:
            VenueUnavailableError: the server cannot answer now.
        """
        answer = await self._read("/books", "books")
        return self._decode(list[Touch], answer.get("books"), "books")

    async def aclose(self) -> None:
        """Close the HTTP client this venue built (one passed in is the caller's to close)."""
        if self._owns_client:
            await self._http.aclose()

    # --- the one translation of transport and status errors ----------------------------------

    async def _read(self, path: str, what: str, **params: str) -> dict[str, Any]:
        return await self._send("GET", path, what=what, write=False, params=params)

    async def _send(
        self, method: str, path: str, *, what: str, write: bool, **request: Any
    ) -> dict[str, Any]:
        try:
            response = await self._http.request(method, f"{self._prefix}{path}", **request)
        except _NOT_SENT as e:
            raise VenueUnavailableError(
                f"{what}: the paper exchange could not be reached ({type(e).__name__}); "
                f"nothing was sent",
                code="unreachable",
            ) from e
        except httpx.TransportError as e:
            if write:
                raise OutcomeUnknownError(
                    f"{what}: no answer from the paper exchange ({type(e).__name__}); it may "
                    f"have been carried out",
                    code="timeout",
                ) from e
            raise VenueUnavailableError(
                f"{what}: no answer from the paper exchange ({type(e).__name__})",
                code="timeout",
            ) from e
        return _answer_of(response, what=what, write=write)

    def _events(self, data: Any, what: str, *, write: bool = False) -> list[OutcomeEvent]:
        try:
            return decode_events(data, what=what)
        except WireFormatError as e:
            raise _unreadable(what, e, write=write) from e

    def _decode(self, kind: type[_T], data: Any, what: str) -> _T:
        try:
            return decode_value(kind, data, what=what)
        except WireFormatError as e:
            raise _unreadable(what, e, write=False) from e


def _answer_of(response: httpx.Response, *, what: str, write: bool) -> dict[str, Any]:
    """The body of a 200, or the error its status code stands for (see the module docstring)."""
    status = response.status_code
    try:
        body = response.json()
    except ValueError:
        body = None
    if status == 200 and isinstance(body, dict):
        return body
    error = body.get("error") if isinstance(body, dict) else None
    error = error if isinstance(error, dict) else {}
    code = str(error.get("code") or f"http_{status}")
    message = str(error.get("message") or response.text[:200])
    if status == 429:
        retry_after = _seconds(response.headers.get("Retry-After"))
        raise VenueUnavailableError(
            f"{what}: rate limited by the paper exchange (HTTP 429): {message}",
            retry_after=retry_after,
            code=code,
        )
    if 400 <= status < 500:
        raise VenueRejectedError(f"{what}: {message}", code=code)
    if write:
        raise OutcomeUnknownError(
            f"{what}: the paper exchange answered HTTP {status} ({message}); it may have been "
            f"carried out",
            code=code,
        )
    raise VenueUnavailableError(
        f"{what}: the paper exchange answered HTTP {status}: {message}", code=code
    )


def _unreadable(what: str, error: WireFormatError, *, write: bool) -> Exception:
    if write:
        return OutcomeUnknownError(f"{what}: unreadable answer: {error}", code="bad_answer")
    return VenueUnavailableError(f"{what}: unreadable answer: {error}", code="bad_answer")


def _seconds(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


class RemoteExchangeFeed:
    """The MarketFeed of a served paper exchange: the touch of each asked pair it lists.

    Args:
        venue: the venue whose books are read (spot and perpetual share their prices).
        clock: stamps the events (the time they were read).
    """

    def __init__(self, venue: RemoteExchangeVenue, *, clock: Clock) -> None:
        self._venue = venue
        self._clock = clock

    async def snapshot(self, keys: Iterable[str]) -> list[TopOfBookUpdated]:
        """Return a :class:`TopOfBookUpdated` for each of ``keys`` the exchange lists (no
        request when ``keys`` is empty).

        Raises:
            VenueUnavailableError: the server cannot answer now.
        """
        wanted = set(keys)
        if not wanted:
            return []
        now = self._clock.now()
        return [
            TopOfBookUpdated(
                ts_event=now,
                trading_pair=touch.trading_pair,
                price=(touch.bid + touch.ask) / Decimal(2),
                best_bid=touch.bid,
                best_ask=touch.ask,
            )
            for touch in await self._venue.touches()
            if touch.trading_pair in wanted
        ]
