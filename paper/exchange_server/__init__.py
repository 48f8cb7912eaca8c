"""The paper exchange served over HTTP, for processes that share one paper exchange.

:func:`create_exchange_app` is the ASGI app (the exchange port's calls as JSON routes, answered
by :class:`~lpexec.paper.venues.exchange.PaperExchangeVenue`), :func:`make_exchange_server` its
uvicorn server on a loopback port, and :mod:`.wire` the encoding both sides share. The markets
it serves, stepped with the wall clock and saved after writes, are wired by
``lpexec paper-exchange`` (:mod:`lpexec.app.paper_exchange`); the client is
:class:`~lpexec.paper.venues.remote_exchange.RemoteExchangeVenue`.
"""

from __future__ import annotations

from lpexec.paper.exchange_server.app import create_exchange_app
from lpexec.paper.exchange_server.server import LOOPBACK, make_exchange_server
from lpexec.paper.exchange_server.wire import (
    Touch,
    WireFormatError,
    decode_events,
    decode_message_or_fail,
    decode_value,
    encode_events,
    encode_value,
    error_body,
)

__all__ = [
    "LOOPBACK",
    "Touch",
    "WireFormatError",
    "create_exchange_app",
    "decode_events",
    "decode_message_or_fail",
    "decode_value",
    "encode_events",
    "encode_value",
    "error_body",
    "make_exchange_server",
]
