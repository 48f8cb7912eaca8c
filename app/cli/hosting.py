"""What ``lpexec serve`` and ``lpexec mcp`` share: hosting the runtimes behind the service.

Both open the LP runtime (paper Gateway, or a real one) and the CEX runtime (paper exchange, or a
real one through ccxt) on one database, build the executor service over them (the risk gate from
``--risk NAME=VALUE``), drive them in the background (:class:`lpexec.app.api.RuntimeDriver`) and
close them when done: executors stay in the store and the next start resumes them; the paper
venues are saved. SIGINT/SIGTERM end the block cleanly (:func:`signals_set`).
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import threading
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import typer

from lpexec.app.api import RuntimeDriver
from lpexec.app.cex_runtime import CexRuntime, open_cex_runtime
from lpexec.app.registry import CEX_TYPES, GATEWAY_TYPES
from lpexec.app.runtime import LPRuntime, open_lp_runtime
from lpexec.app.service import ExecutorService, risk_engine_from
from lpexec.app.settings import PAPER_EXCHANGE_STATE, PAPER_GATEWAY_STATE, Settings, data_file
from lpexec.app.worker_runtime import paper_exchange_url
from lpexec.core import ConfigError, RiskEngine
from lpexec.core.clock import LiveClock
from lpexec.core.store import StopRequests

__all__ = [
    "CEX_OPTION",
    "DATABASE_OPTION",
    "EXCHANGE_OPTION",
    "EXCHANGE_STATE_OPTION",
    "GATEWAY_OPTION",
    "INTERVAL_OPTION",
    "PAPER_STATE_OPTION",
    "RISK_OPTION",
    "SEED_OPTION",
    "HostOptions",
    "Hosted",
    "build_service",
    "hosted",
    "risk_engine_of",
    "signals_set",
]

DATABASE_OPTION = typer.Option(None, help="Store URL (default LPEXEC_DATABASE_URL).")
GATEWAY_OPTION = typer.Option(
    None, "--gateway", help="Gateway URL (default LPEXEC_GATEWAY_URL; unset: paper Gateway)."
)
PAPER_STATE_OPTION = typer.Option(
    None, help="Paper chain state file (default: in the user data directory)."
)
EXCHANGE_OPTION = typer.Option(
    None, "--exchange", help="A ccxt exchange id; unset: the paper exchange."
)
EXCHANGE_STATE_OPTION = typer.Option(
    None, help="Paper exchange state file (default: in the user data directory)."
)
CEX_OPTION = typer.Option(True, "--cex/--no-cex", help="Run the CEX runtime too.")
SEED_OPTION = typer.Option(0, help="Seed of new paper venues.")
INTERVAL_OPTION = typer.Option(1.0, min=0.05, help="Seconds between driver steps.")
EXECUTORS_OPTION = typer.Option(
    "here",
    "--executors",
    help="here: this process runs the executors; workers: it runs none (lpexec worker "
    "processes on the same PostgreSQL database do): creates are stored for a worker to claim "
    "within a heartbeat, stops are recorded for the worker holding the executor; CEX creates "
    "are accepted when LPEXEC_PAPER_EXCHANGE_URL names the workers' paper exchange.",
)
RISK_OPTION = typer.Option(
    [], "--risk", help="A risk limit NAME=VALUE (max_open_executors, ...); repeatable."
)

_SIGNALS = (signal.SIGINT, signal.SIGTERM)


@dataclass(frozen=True, kw_only=True)
class HostOptions:
    """Which runtimes to open and how to drive them."""

    database: str | None = None
    gateway: str | None = None
    paper_state: Path | None = None
    exchange: str | None = None
    exchange_state: Path | None = None
    cex: bool = True
    seed: int = 0
    interval_seconds: float = 1.0
    risk: tuple[str, ...] = ()
    run_executors: bool = True
    """False: run none here; the workers sharing the database run them (``--executors
    workers``)."""


@dataclass(frozen=True)
class Hosted:
    """The open runtimes, the service over them and the driver that steps them."""

    lp: LPRuntime
    cex: CexRuntime | None
    service: ExecutorService
    driver: RuntimeDriver


def runs_executors(executors: str) -> bool:
    """``--executors``: True for ``here``, False for ``workers``.

    Raises:
        typer.BadParameter: anything else.
    """
    if executors not in ("here", "workers"):
        raise typer.BadParameter(
            f"expected here or workers, received {executors!r}", param_hint="--executors"
        )
    return executors == "here"


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


def handing_off_service(
    *, lp: LPRuntime, risk: RiskEngine | None, exchange_url: str | None = None
) -> ExecutorService:
    """The executor service of a process that runs no executors: the LP runtime's engine (not
    started, handing off) admits the types ``lpexec worker`` runs; each create is stored with
    its first commands for a worker to claim, and a stop is recorded for the worker that holds
    the executor.

    The workers run the Gateway types, and the exchange types too when they share a paper
    exchange server: with ``exchange_url`` (``LPEXEC_PAPER_EXCHANGE_URL``) exchange types are
    admitted, without it they are refused (no worker runs them)."""
    types = GATEWAY_TYPES | CEX_TYPES if exchange_url else GATEWAY_TYPES
    engines = dict.fromkeys(types, lp.engine)
    return ExecutorService(
        engines, lp.engine.store, risk=risk, stop_requests=StopRequests(lp.database)
    )


@contextlib.asynccontextmanager
async def hosted(options: HostOptions) -> AsyncIterator[Hosted]:
    """Open the runtimes and the service (see the module docstring); close them on exit."""
    settings = Settings()
    if options.gateway:
        settings = settings.model_copy(update={"gateway_url": options.gateway})
    database_url = options.database or settings.resolved_database_url()
    risk = risk_engine_of(options.risk)
    lp_state = None
    if not settings.gateway_url:
        lp_state = str(options.paper_state or data_file(PAPER_GATEWAY_STATE))
    lp = await open_lp_runtime(
        database_url=database_url,
        settings=settings,
        clock=LiveClock(),
        seed=options.seed,
        paper_state_file=lp_state,
        hand_off=not options.run_executors,
    )
    cex: CexRuntime | None = None
    try:
        if not options.run_executors:
            yield Hosted(
                lp=lp,
                cex=None,
                service=handing_off_service(lp=lp, risk=risk, exchange_url=paper_exchange_url()),
                driver=RuntimeDriver(lp=None, cex=None, interval_seconds=options.interval_seconds),
            )
            return
        if options.cex:
            cex_state = None
            if options.exchange is None:
                cex_state = options.exchange_state or data_file(PAPER_EXCHANGE_STATE)
            cex = await open_cex_runtime(
                database_url=database_url,
                exchange=options.exchange,
                paper_state_file=cex_state,
                seed=options.seed,
                unknown_budget_seconds=settings.unknown_budget_seconds,
            )
        yield Hosted(
            lp=lp,
            cex=cex,
            service=build_service(lp=lp, cex=cex, risk=risk),
            driver=RuntimeDriver(lp=lp, cex=cex, interval_seconds=options.interval_seconds),
        )
    finally:
        if cex is not None:
            await cex.aclose()
        await lp.aclose()


@contextlib.contextmanager
def signals_set(stop: asyncio.Event) -> Iterator[None]:
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
