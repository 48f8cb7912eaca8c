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
import contextlib
import logging
import signal
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import platformdirs
import typer
import uvicorn

from lpexec.app.api import ApiAuth, RuntimeDriver, TokenStore, create_app
from lpexec.app.api.ws import HEARTBEAT_SECONDS
from lpexec.app.cex_runtime import CexRuntime, open_cex_runtime
from lpexec.app.registry import CEX_TYPES, GATEWAY_TYPES
from lpexec.app.runtime import LPRuntime, open_lp_runtime
from lpexec.app.service import ExecutorService, risk_engine_from
from lpexec.app.settings import Settings
from lpexec.core import ConfigError, RiskEngine
from lpexec.core.clock import LiveClock

__all__ = ["ServeOptions", "serve", "serve_command"]

logger = logging.getLogger(__name__)

_SIGNALS = (signal.SIGINT, signal.SIGTERM)


@dataclass(frozen=True, kw_only=True)
class ServeOptions:
    """Everything ``lpexec serve`` takes."""

    host: str = "127.0.0.1"
    port: int = 8000
    database: str | None = None
    gateway: str | None = None
    paper_state: Path | None = None
    exchange: str | None = None
    exchange_state: Path | None = None
    cex: bool = True
    seed: int = 0
    interval_seconds: float = 1.0
    risk: tuple[str, ...] = ()
    log_level: str = "warning"
    heartbeat_seconds: float = HEARTBEAT_SECONDS


def _data_file(name: str) -> Path:
    folder = Path(platformdirs.user_data_dir("lpexec", appauthor=False))
    folder.mkdir(parents=True, exist_ok=True)
    return folder / name


def risk_engine_of(pairs: tuple[str, ...]) -> RiskEngine | None:
    """The risk engine for ``--risk NAME=VALUE`` options (None when there are none).

    Raises:
        ConfigError: a pair without ``=``, an unknown limit or a bad value.
    """
    if not pairs:
        return None
    limits: dict[str, object] = {}
    for pair in pairs:
        name, equals, value = pair.partition("=")
        if not equals or not name.strip():
            raise ConfigError(f"--risk: expected NAME=VALUE, received {pair!r}")
        limits[name.strip()] = value.strip()
    return risk_engine_from(limits)


def build_service(
    *, lp: LPRuntime, cex: CexRuntime | None, risk: RiskEngine | None
) -> ExecutorService:
    """The executor service over the runtimes: the LP runtime's engine runs the Gateway types,
    the CEX runtime's the exchange types; both write the one store."""
    engines = dict.fromkeys(GATEWAY_TYPES, lp.engine)
    if cex is not None:
        engines.update(dict.fromkeys(CEX_TYPES, cex.engine))
    return ExecutorService(engines, lp.engine.store, risk=risk)


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
    settings = Settings()
    if options.gateway:
        settings = settings.model_copy(update={"gateway_url": options.gateway})
    database_url = options.database or settings.resolved_database_url()
    risk = risk_engine_of(options.risk)
    lp_state = None
    if not settings.gateway_url:
        lp_state = str(options.paper_state or _data_file("paper-gateway.json"))
    lp = await open_lp_runtime(
        database_url=database_url,
        settings=settings,
        clock=LiveClock(),
        seed=options.seed,
        paper_state_file=lp_state,
    )
    cex = None
    try:
        if options.cex:
            cex_state = None
            if options.exchange is None:
                cex_state = options.exchange_state or _data_file("paper-exchange.json")
            cex = await open_cex_runtime(
                database_url=database_url,
                exchange=options.exchange,
                paper_state_file=cex_state,
                seed=options.seed,
                unknown_budget_seconds=settings.unknown_budget_seconds,
            )
        service = build_service(lp=lp, cex=cex, risk=risk)
        auth = ApiAuth.from_settings(TokenStore(lp.database))
        await _serve_until_stopped(
            options, service=service, auth=auth, lp=lp, cex=cex, ready=ready, stop=stop
        )
    finally:
        if cex is not None:
            await cex.aclose()
        await lp.aclose()


async def _serve_until_stopped(
    options: ServeOptions,
    *,
    service: Any,
    auth: ApiAuth,
    lp: Any,
    cex: Any | None,
    ready: asyncio.Event | None,
    stop: asyncio.Event | None,
) -> None:
    app = create_app(service, auth, heartbeat_seconds=options.heartbeat_seconds)
    config = uvicorn.Config(
        app, host=options.host, port=options.port, log_level=options.log_level, lifespan="off"
    )
    server = uvicorn.Server(config)
    driver = RuntimeDriver(lp=lp, cex=cex, interval_seconds=options.interval_seconds)
    stop = stop or asyncio.Event()
    driver_stop = asyncio.Event()
    driving = asyncio.create_task(driver.run(driver_stop))
    watching = asyncio.create_task(_watch(server, ready, stop))
    try:
        with _signals_set(stop):
            await server.serve()
    finally:
        driver_stop.set()
        watching.cancel()
        await asyncio.gather(driving, watching, return_exceptions=True)


@contextlib.contextmanager
def _signals_set(stop: asyncio.Event) -> Iterator[None]:
    """SIGINT/SIGTERM set ``stop`` while the block runs (main thread only).

    uvicorn puts its own handlers in while it serves and, once it has shut down, raises the
    signal it caught again under the handler it found: ours, so the runtimes are closed (and the
    paper venues saved) instead of the process dying with the signal.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    loop = asyncio.get_running_loop()

    def handle(_number: int, _frame: object) -> None:
        loop.call_soon_threadsafe(stop.set)

    originals = {number: signal.signal(number, handle) for number in _SIGNALS}
    try:
        yield
    finally:
        for number, original in originals.items():
            signal.signal(number, original)


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
    database: str | None = typer.Option(None, help="Store URL (default LPEXEC_DATABASE_URL)."),
    gateway: str | None = typer.Option(
        None, "--gateway", help="Gateway URL (default LPEXEC_GATEWAY_URL; unset: paper Gateway)."
    ),
    paper_state: Path | None = typer.Option(
        None, help="Paper chain state file (default: in the user data directory)."
    ),
    exchange: str | None = typer.Option(
        None, "--exchange", help="A ccxt exchange id; unset: the paper exchange."
    ),
    exchange_state: Path | None = typer.Option(
        None, help="Paper exchange state file (default: in the user data directory)."
    ),
    cex: bool = typer.Option(True, "--cex/--no-cex", help="Run the CEX runtime too."),
    seed: int = typer.Option(0, help="Seed of new paper venues."),
    interval: float = typer.Option(1.0, min=0.05, help="Seconds between driver steps."),
    risk: list[str] = typer.Option(
        [], "--risk", help="A risk limit NAME=VALUE (max_open_executors, ...); repeatable."
    ),
    log_level: str = typer.Option("warning", help="uvicorn's log level."),
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
        log_level=log_level,
    )
    asyncio.run(serve(options))


if __name__ == "__main__":  # pragma: no cover - `python -m lpexec.app.cli.serve` for tests
    typer.run(serve_command)
