"""``lpexec serve``: the REST API and WebSocket, with the runtimes driven in the background.

It opens the LP runtime (paper Gateway, or a real one) and the CEX runtime (paper exchange, or a
real one through ccxt) on one database, resumes every executor they had, builds the service,
serves the API on ``--host``/``--port`` (loopback by default) and drives the runtimes every
``--interval`` seconds (:class:`lpexec.app.api.RuntimeDriver`). SIGINT/SIGTERM stop serving,
then the driver; executors are left running in the store (the next start resumes them) and the
paper venues are saved.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from pathlib import Path

import typer
import uvicorn

from lpexec.app.api import ApiAuth, TokenStore, create_app
from lpexec.app.api.ws import HEARTBEAT_SECONDS
from lpexec.app.cli.hosting import (
    CEX_OPTION,
    DATABASE_OPTION,
    EXCHANGE_OPTION,
    EXCHANGE_STATE_OPTION,
    EXECUTORS_OPTION,
    GATEWAY_OPTION,
    INTERVAL_OPTION,
    PAPER_STATE_OPTION,
    RISK_OPTION,
    SEED_OPTION,
    Hosted,
    HostOptions,
    build_service,
    hosted,
    risk_engine_of,
    runs_executors,
    signals_set,
)

__all__ = ["ServeOptions", "build_service", "risk_engine_of", "serve", "serve_command"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True, kw_only=True)
class ServeOptions(HostOptions):
    """Everything ``lpexec serve`` takes: the runtimes (:class:`HostOptions`) and where to
    listen."""

    host: str = "127.0.0.1"
    port: int = 8000
    log_level: str = "warning"
    heartbeat_seconds: float = HEARTBEAT_SECONDS


async def serve(
    options: ServeOptions,
    *,
    ready: asyncio.Event | None = None,
    stop: asyncio.Event | None = None,
) -> None:
    """Open the runtimes, serve the API and drive the runtimes until SIGINT/SIGTERM (or
    ``stop``).

    Args:
        options: what to open and where to listen.
        ready: set once the server listens (for tests running it in process).
        stop: set it to stop serving, as a signal does.
    """
    async with hosted(options) as host:
        auth = ApiAuth.from_settings(TokenStore(host.lp.database))
        await _serve_until_stopped(options, host, auth=auth, ready=ready, stop=stop)


async def _serve_until_stopped(
    options: ServeOptions,
    host: Hosted,
    *,
    auth: ApiAuth,
    ready: asyncio.Event | None,
    stop: asyncio.Event | None,
) -> None:
    app = create_app(host.service, auth, heartbeat_seconds=options.heartbeat_seconds)
    config = uvicorn.Config(
        app, host=options.host, port=options.port, log_level=options.log_level, lifespan="off"
    )
    server = uvicorn.Server(config)
    driver = host.driver
    stop = stop or asyncio.Event()
    driver_stop = asyncio.Event()
    driving = asyncio.create_task(driver.run(driver_stop))
    watching = asyncio.create_task(_watch(server, ready, stop))
    try:
        with signals_set(stop):
            await server.serve()
    finally:
        driver_stop.set()
        watching.cancel()
        await asyncio.gather(driving, watching, return_exceptions=True)


async def _watch(server: uvicorn.Server, ready: asyncio.Event | None, stop: asyncio.Event) -> None:
    """Say where the server listens once it does; stop it when ``stop`` is set."""
    while not server.started:  # noqa: ASYNC110 - uvicorn sets a flag, not an event
        await asyncio.sleep(0.05)
    for listener in server.servers:
        for sock in listener.sockets:
            host, port = sock.getsockname()[:2]
            print(f"lpexec API serving on http://{host}:{port}", flush=True)
    if ready is not None:
        ready.set()
    await stop.wait()
    server.should_exit = True


def serve_command(
    host: str = typer.Option("127.0.0.1", help="Address to listen on (loopback by default)."),
    port: int = typer.Option(8000, min=0, max=65535, help="Port to listen on."),
    database: str | None = DATABASE_OPTION,
    gateway: str | None = GATEWAY_OPTION,
    paper_state: Path | None = PAPER_STATE_OPTION,
    exchange: str | None = EXCHANGE_OPTION,
    exchange_state: Path | None = EXCHANGE_STATE_OPTION,
    cex: bool = CEX_OPTION,
    seed: int = SEED_OPTION,
    interval: float = INTERVAL_OPTION,
    risk: list[str] = RISK_OPTION,
    log_level: str = typer.Option("warning", help="uvicorn's log level."),
    executors: str = EXECUTORS_OPTION,
) -> None:
    """Serve the REST API and WebSocket; credentials: `lpexec tokens create`, or HTTP Basic
    from LPEXEC_API_USERNAME / LPEXEC_API_PASSWORD (none by default)."""
    options = ServeOptions(
        host=host,
        port=port,
        database=database,
        gateway=gateway,
        paper_state=paper_state,
        exchange=exchange,
        exchange_state=exchange_state,
        cex=cex,
        seed=seed,
        interval_seconds=interval,
        risk=tuple(risk),
        run_executors=runs_executors(executors),
        log_level=log_level,
    )
    asyncio.run(serve(options))


if __name__ == "__main__":  # pragma: no cover - `python -m lpexec.app.cli.serve` for tests
    typer.run(serve_command)
