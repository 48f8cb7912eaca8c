"""Serving the paper exchange's ASGI app with uvicorn on a loopback port.

:func:`make_exchange_server` returns an unstarted server that stops on SIGINT/SIGTERM and then
returns normally (:class:`~lpexec.paper.gateway.server.GracefulServer`), so that its caller can
save the exchange on the way out; tests run it in a thread.
"""

from __future__ import annotations

import uvicorn
from starlette.applications import Starlette

from lpexec.paper.gateway.server import GracefulServer

__all__ = ["LOOPBACK", "make_exchange_server"]

LOOPBACK = "127.0.0.1"
"""The only interface the paper exchange listens on (it has no authentication)."""


def make_exchange_server(
    app: Starlette, *, port: int, log_level: str = "warning"
) -> GracefulServer:
    """An unstarted uvicorn server for ``app`` on ``127.0.0.1:port`` (keep-alive on)."""
    config = uvicorn.Config(
        app,
        host=LOOPBACK,
        port=port,
        log_level=log_level,
        access_log=False,
        lifespan="off",
        timeout_keep_alive=30,
    )
    return GracefulServer(config)
