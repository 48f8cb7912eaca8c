"""The paper exchange over HTTP: the exchange port's calls as JSON routes, so that several
processes (``lpexec worker``s, an API beside them) share one paper exchange.

The routes answer with the same port adapter the in-process runtimes use
(:class:`~lpexec.paper.venues.exchange.PaperExchangeVenue`, with its seeded fault plan), one per
venue key, so a place sent twice under one client order id makes one order, a cancel answers the
order's record, and a reconcile looks the client order id up. The client is
:class:`~lpexec.paper.venues.remote_exchange.RemoteExchangeVenue`.

Routes, under ``/venues/{venue}`` (a venue key such as ``paper`` or ``paper_perpetual``)::

    POST /orders         {"command": PlaceOrder, "leverage": int|null}  {"events": [...]}
    POST /cancels        {"command": CancelOrder}                       {"events": [...]}
    POST /reconcile      {"command": PlaceOrder|CancelOrder}            {"events": [...]|null}
    GET  /rules?trading_pair=P                                          TradingRules
    GET  /orders/{client_order_id}?trading_pair=P                       {"report": ...|null}
    GET  /fills?trading_pair=P&since=ISO                                {"fills": [...]}
    GET  /balances                                                      {"balances": {...}}
    GET  /positions                                                     {"positions": [...]}
    POST /leverage       {"trading_pair": P, "leverage": n}             {}
    POST /position-mode  {"mode": "ONEWAY"|"HEDGE"}                     {}
    GET  /funding?trading_pair=P&since=ISO                              {"payments": [...]}
    GET  /books                                                         {"books": [Touch]}

and ``GET /`` lists the venue keys. Values are encoded by :mod:`.wire`. A place that carries a
``leverage`` (the first open of a perpetual executor) sets the market's leverage and places the
order in one step: nothing runs between the two, and a leverage the exchange refuses places
nothing.

Status codes: 200; 400 a malformed request (the message names the field); 404 an unknown venue
key or route; 422 the exchange refused and nothing happened (``code`` says why:
``market_not_found``, ``order_rejected``, ``order_not_found``...); 429 rate limited
(``Retry-After``) and 503 not carried out; 504 a write whose answer was lost: it may have been
carried out (reconcile it by its client order id).

Every request first calls ``on_request`` (the host catches the markets up to the wall clock);
every write, landed or not, calls ``after_write`` before its answer leaves (the host saves the
exchange, so an answered write survives a restart).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from lpexec.core import (
    CancelOrder,
    Evidence,
    OutcomeUnknownError,
    PlaceOrder,
    VenueRejectedError,
    VenueUnavailableError,
)
from lpexec.paper.exchange_server.wire import (
    Touch,
    WireFormatError,
    decode_message_or_fail,
    encode_events,
    encode_value,
    error_body,
)
from lpexec.paper.venues.exchange import PaperExchangeVenue

__all__ = ["create_exchange_app"]

logger = logging.getLogger(__name__)

_Work = Callable[[PaperExchangeVenue, Request], Awaitable[Any]]


class _NotFoundError(Exception):
    """An unknown venue key."""


def create_exchange_app(
    venues: Mapping[str, PaperExchangeVenue],
    *,
    pairs: Sequence[str],
    on_request: Callable[[], object] | None = None,
    after_write: Callable[[], object] | None = None,
) -> Starlette:
    """The ASGI app serving ``venues`` (see the module docstring).

    Args:
        venues: the port adapter of each venue key.
        pairs: the pairs every venue lists (what ``/books`` answers).
        on_request: called before every request is answered (catch the markets up).
        after_write: called after every write, landed or not, before its answer (save).
    """
    handlers = _Handlers(venues, pairs=tuple(pairs), on_request=on_request, after_write=after_write)
    base = "/venues/{venue}"
    routes = [
        Route("/", handlers.index, methods=["GET"]),
        Route(f"{base}/orders", handlers.place, methods=["POST"]),
        Route(f"{base}/cancels", handlers.cancel, methods=["POST"]),
        Route(f"{base}/reconcile", handlers.reconcile, methods=["POST"]),
        Route(f"{base}/rules", handlers.rules, methods=["GET"]),
        Route(f"{base}/orders/{{client_order_id}}", handlers.order_status, methods=["GET"]),
        Route(f"{base}/fills", handlers.fills, methods=["GET"]),
        Route(f"{base}/balances", handlers.balances, methods=["GET"]),
        Route(f"{base}/positions", handlers.positions, methods=["GET"]),
        Route(f"{base}/leverage", handlers.leverage, methods=["POST"]),
        Route(f"{base}/position-mode", handlers.position_mode, methods=["POST"]),
        Route(f"{base}/funding", handlers.funding, methods=["GET"]),
        Route(f"{base}/books", handlers.books, methods=["GET"]),
    ]
    return Starlette(routes=routes, exception_handlers={HTTPException: _http_error})


async def _http_error(_request: Request, error: Exception) -> Response:
    assert isinstance(error, HTTPException)
    code = "not_found" if error.status_code == 404 else "bad_request"
    return JSONResponse(error_body(code, str(error.detail)), status_code=error.status_code)


class _Handlers:
    """One method per route; :meth:`_answer` maps the port's errors to status codes once."""

    def __init__(
        self,
        venues: Mapping[str, PaperExchangeVenue],
        *,
        pairs: tuple[str, ...],
        on_request: Callable[[], object] | None,
        after_write: Callable[[], object] | None,
    ) -> None:
        self._venues = dict(venues)
        self._pairs = pairs
        self._on_request = on_request or (lambda: None)
        self._after_write = after_write or (lambda: None)

    async def index(self, _request: Request) -> Response:
        return JSONResponse({"venues": sorted(self._venues), "pairs": list(self._pairs)})

    # --- writes ------------------------------------------------------------------------------

    async def place(self, request: Request) -> Response:
        return await self._answer(request, self._place, write=True)

    async def _place(self, venue: PaperExchangeVenue, request: Request) -> Any:
        body = await _body(request)
        command = _command(body, PlaceOrder)
        leverage = body.get("leverage")
        if leverage is not None:
            if isinstance(leverage, bool) or not isinstance(leverage, int):
                raise WireFormatError(
                    f"leverage: expected a whole number or null, received {leverage!r}"
                )
            await venue.set_leverage(command.trading_pair, leverage)
        events = await venue.place_order(command, Evidence())
        return {"events": encode_events(events)}

    async def cancel(self, request: Request) -> Response:
        return await self._answer(request, self._cancel, write=True)

    async def _cancel(self, venue: PaperExchangeVenue, request: Request) -> Any:
        command = _command(await _body(request), CancelOrder)
        return {"events": encode_events(await venue.cancel_order(command, Evidence()))}

    async def leverage(self, request: Request) -> Response:
        return await self._answer(request, self._leverage, write=True)

    async def _leverage(self, venue: PaperExchangeVenue, request: Request) -> Any:
        body = await _body(request)
        pair = _text(body.get("trading_pair"), "trading_pair")
        leverage = body.get("leverage")
        if isinstance(leverage, bool) or not isinstance(leverage, int):
            raise WireFormatError(f"leverage: expected a whole number, received {leverage!r}")
        await venue.set_leverage(pair, leverage)
        return {}

    async def position_mode(self, request: Request) -> Response:
        return await self._answer(request, self._position_mode, write=True)

    async def _position_mode(self, venue: PaperExchangeVenue, request: Request) -> Any:
        mode = (await _body(request)).get("mode")
        if mode not in ("ONEWAY", "HEDGE"):
            raise WireFormatError(f"mode: expected ONEWAY or HEDGE, received {mode!r}")
        await venue.set_position_mode(mode)
        return {}

    # --- reads -------------------------------------------------------------------------------

    async def reconcile(self, request: Request) -> Response:
        return await self._answer(request, self._reconcile, write=False)

    async def _reconcile(self, venue: PaperExchangeVenue, request: Request) -> Any:
        body = await _body(request)
        command = decode_message_or_fail(body.get("command"), what="command")
        if not isinstance(command, PlaceOrder | CancelOrder):
            raise WireFormatError(
                f"command: expected a PlaceOrder or a CancelOrder, received "
                f"{type(command).__name__}"
            )
        events = await venue.reconcile(command, Evidence())
        return {"events": None if events is None else encode_events(events)}

    async def rules(self, request: Request) -> Response:
        return await self._answer(request, self._rules, write=False)

    async def _rules(self, venue: PaperExchangeVenue, request: Request) -> Any:
        return encode_value(await venue.trading_rules(_pair(request)))

    async def order_status(self, request: Request) -> Response:
        return await self._answer(request, self._order_status, write=False)

    async def _order_status(self, venue: PaperExchangeVenue, request: Request) -> Any:
        client_order_id = request.path_params["client_order_id"]
        report = await venue.order_status(_pair(request), client_order_id)
        return {"report": None if report is None else encode_value(report)}

    async def fills(self, request: Request) -> Response:
        return await self._answer(request, self._fills, write=False)

    async def _fills(self, venue: PaperExchangeVenue, request: Request) -> Any:
        fills = await venue.fills_since(_pair(request), _since(request))
        return {"fills": encode_events(fills)}

    async def balances(self, request: Request) -> Response:
        return await self._answer(request, self._balances, write=False)

    async def _balances(self, venue: PaperExchangeVenue, _request: Request) -> Any:
        balances = await venue.balances()
        return {"balances": {asset: encode_value(value) for asset, value in balances.items()}}

    async def positions(self, request: Request) -> Response:
        return await self._answer(request, self._positions, write=False)

    async def _positions(self, venue: PaperExchangeVenue, _request: Request) -> Any:
        return {"positions": [encode_value(position) for position in await venue.positions()]}

    async def funding(self, request: Request) -> Response:
        return await self._answer(request, self._funding, write=False)

    async def _funding(self, venue: PaperExchangeVenue, request: Request) -> Any:
        payments = await venue.funding_payments(_pair(request), _since(request))
        return {"payments": [encode_value(payment) for payment in payments]}

    async def books(self, request: Request) -> Response:
        return await self._answer(request, self._books, write=False)

    async def _books(self, venue: PaperExchangeVenue, _request: Request) -> Any:
        books = []
        for pair in self._pairs:
            quote = venue.exchange.market(pair).quote
            if quote is not None:
                touch = Touch(
                    trading_pair=pair,
                    bid=quote.bid,
                    ask=quote.ask,
                    last=quote.last,
                    ts_event=quote.ts_event,
                )
                books.append(encode_value(touch))
        return {"books": books}

    # --- the one mapping of outcomes to answers ---------------------------------------------

    async def _answer(self, request: Request, work: _Work, *, write: bool) -> Response:
        key = request.path_params["venue"]
        venue = self._venues.get(key)
        if venue is None:
            message = f"venue: expected one of {sorted(self._venues)}, received {key!r}"
            return JSONResponse(error_body("venue_not_found", message), status_code=404)
        try:
            self._on_request()
            try:
                return JSONResponse(await work(venue, request))
            finally:
                if write:
                    self._after_write()
        except WireFormatError as e:
            return JSONResponse(error_body("bad_request", str(e)), status_code=400)
        except VenueRejectedError as e:
            return JSONResponse(error_body(e.code or "rejected", str(e)), status_code=422)
        except VenueUnavailableError as e:
            body = error_body(e.code or "unavailable", str(e))
            if e.retry_after is not None:
                headers = {"Retry-After": str(int(e.retry_after))}
                return JSONResponse(body, status_code=429, headers=headers)
            return JSONResponse(body, status_code=503)
        except OutcomeUnknownError as e:
            logger.info("%s %s: answer lost (%s)", request.method, request.url.path, e)
            return JSONResponse(error_body(e.code or "timeout", str(e)), status_code=504)


async def _body(request: Request) -> dict[str, Any]:
    try:
        body = json.loads(await request.body())
    except ValueError:
        raise WireFormatError("body: expected a JSON object, received invalid JSON") from None
    if not isinstance(body, dict):
        raise WireFormatError(f"body: expected a JSON object, received {body!r}")
    return body


def _command(body: Mapping[str, Any], kind: type[Any]) -> Any:
    command = decode_message_or_fail(body.get("command"), what="command")
    if not isinstance(command, kind):
        raise WireFormatError(
            f"command: expected a {kind.__name__}, received {type(command).__name__}"
        )
    return command


def _text(value: Any, name: str) -> str:
    if not isinstance(value, str) or not value:
        raise WireFormatError(f"{name}: expected a non-empty string, received {value!r}")
    return value


def _pair(request: Request) -> str:
    return _text(request.query_params.get("trading_pair"), "trading_pair")


def _since(request: Request) -> dt.datetime:
    raw = request.query_params.get("since")
    try:
        since = dt.datetime.fromisoformat(raw or "")
    except ValueError:
        raise WireFormatError(
            f"since: expected an ISO 8601 time with its offset, received {raw!r}"
        ) from None
    if since.tzinfo is None:
        raise WireFormatError(f"since: expected a time with its UTC offset, received {raw!r}")
    return since
