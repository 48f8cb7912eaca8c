"""``lpexec mcp``: the MCP server (``manage_executors``, ``get_portfolio_overview``) over the
executor service, on stdio or streamable HTTP (loopback), with the runtimes driven meanwhile.

As ``lpexec serve`` does, it opens the LP runtime (paper Gateway, or a real one) and the CEX
runtime (paper exchange, or a real one through ccxt) on one database, builds the service over
them (:func:`lpexec.app.cli.serve.build_service`) and drives them every ``--interval`` seconds
(:class:`lpexec.app.api.RuntimeDriver`). ``--controller ID`` (or ``LPEXEC_MCP_CONTROLLER_ID``)
makes it that controller's agent: it sees and creates only that controller's executors; without
it the server acts as the operator. On stdio it ends when the client closes its input; the
runtimes are then closed (executors stay in the store, the next start resumes them) and the
paper venues saved. Logs go to stderr: stdout carries the protocol.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import platformdirs
import typer
import uvicorn

from lpexec.app.api import RuntimeDriver
from lpexec.app.cex_runtime import CexRuntime, open_cex_runtime
from lpexec.app.cli.serve import build_service, risk_engine_of
from lpexec.app.runtime import open_lp_runtime
from lpexec.app.service import Caller
from lpexec.app.settings import Settings
from lpexec.core import ConfigError
from lpexec.core.clock import LiveClock

__all__ = ["McpOptions", "mcp_command", "run_mcp"]

Transport = Literal["stdio", "http"]

_SIGNALS = (signal.SIGINT, signal.SIGTERM)


@dataclass(frozen=True, kw_only=True)
class McpOptions:
    """Everything ``lpexec mcp`` takes."""

    transport: Transport = "stdio"
    host: str = "127.0.0.1"
    port: int = 8001
    controller_id: str | None = None
    database: str | None = None
    gateway: str | None = None
    paper_state: Path | None = None
    exchange: str | None = None
    exchange_state: Path | None = None
    cex: bool = True
    seed: int = 0
    interval_seconds: float = 1.0
    risk: tuple[str, ...] = ()


def _data_file(name: str) -> Path:
    folder = Path(platformdirs.user_data_dir("lpexec", appauthor=False))
    folder.mkdir(parents=True, exist_ok=True)
    return folder / name


def _caller(controller_id: str | None) -> Caller:
    if controller_id is None:
        return Caller()
    if not controller_id.strip():
        raise ConfigError(f"--controller: expected a controller id, received {controller_id!r}")
    return Caller(controller_id.strip())


async def run_mcp(options: McpOptions) -> bool:
    """Open the runtimes, serve MCP on the chosen transport and drive the runtimes until the
    transport ends (stdio: the client closed its input) or SIGINT/SIGTERM; return True when a
    signal ended it."""
    caller = _caller(options.controller_id)
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
    cex: CexRuntime | None = None
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
        # The MCP SDK is the optional extra ``lpexec[mcp]``: imported when the command runs.
        try:
            from lpexec.app.mcp import ExecutorTools, balance_readers, build_mcp_server
        except ImportError as error:
            raise ValueError(
                "lpexec mcp: expected the mcp extra to be installed (pip install 'lpexec[mcp]'), "
                f"could not import it: {error}"
            ) from None

        service = build_service(lp=lp, cex=cex, risk=risk)
        tools = ExecutorTools(service, caller=caller, balances=balance_readers(lp=lp, cex=cex))
        server = build_mcp_server(tools, log_level="WARNING")
        driver = RuntimeDriver(lp=lp, cex=cex, interval_seconds=options.interval_seconds)
        stop = asyncio.Event()
        driving = asyncio.create_task(driver.run(stop))
        try:
            with _signals_set(stop):
                await _serve(server, options, stop)
            return stop.is_set()
        finally:
            stop.set()
            await asyncio.gather(driving, return_exceptions=True)
    finally:
        if cex is not None:
            await cex.aclose()
        await lp.aclose()


async def _serve(server: Any, options: McpOptions, stop: asyncio.Event) -> None:
    """Serve on the chosen transport until it ends or ``stop`` is set."""
    if options.transport == "stdio":
        serving = asyncio.create_task(server.run_stdio_async())
        stopping = asyncio.create_task(stop.wait())
        try:
            await asyncio.wait({serving, stopping}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopping.cancel()
            if serving.done():
                serving.result()  # its error, if it failed
            else:
                # A signal: the SDK's stdin reader waits in a worker thread that no cancel
                # reaches, so the task is left to the process exit (see mcp_command).
                serving.cancel()
        return
    app = server.streamable_http_app(host=options.host)
    http = uvicorn.Server(
        uvicorn.Config(app, host=options.host, port=options.port, log_level="warning")
    )
    watching = asyncio.create_task(_exit_when_set(http, stop))
    print(
        f"lpexec MCP serving on http://{options.host}:{options.port}/mcp",
        file=sys.stderr,
        flush=True,
    )
    try:
        await http.serve()
    finally:
        watching.cancel()
        await asyncio.gather(watching, return_exceptions=True)


async def _exit_when_set(http: uvicorn.Server, stop: asyncio.Event) -> None:
    await stop.wait()
    http.should_exit = True


@contextlib.contextmanager
def _signals_set(stop: asyncio.Event) -> Iterator[None]:
    """SIGINT/SIGTERM set ``stop`` while the block runs (main thread only), so the runtimes are
    closed and the paper venues saved; uvicorn, once shut down, raises the signal it caught
    again under this handler instead of the default one."""
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


def mcp_command(
    transport: str = typer.Option(
        "stdio", "--transport", help="stdio, or http (streamable HTTP on --host/--port)."
    ),
    host: str = typer.Option("127.0.0.1", help="HTTP: address to listen on (loopback)."),
    port: int = typer.Option(8001, min=0, max=65535, help="HTTP: port to listen on."),
    controller: str | None = typer.Option(
        None,
        "--controller",
        envvar="LPEXEC_MCP_CONTROLLER_ID",
        help="Act as this controller's agent (only its executors); unset: the operator.",
    ),
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
) -> None:
    """Serve the MCP tools manage_executors and get_portfolio_overview (stdio by default)."""
    if transport not in ("stdio", "http"):
        raise typer.BadParameter(
            f"expected stdio or http, received {transport!r}", param_hint="--transport"
        )
    logging.basicConfig(stream=sys.stderr, level=logging.WARNING)
    options = McpOptions(
        transport="stdio" if transport == "stdio" else "http",
        host=host,
        port=port,
        controller_id=controller,
        database=database,
        gateway=gateway,
        paper_state=paper_state,
        exchange=exchange,
        exchange_state=exchange_state,
        cex=cex,
        seed=seed,
        interval_seconds=interval,
        risk=tuple(risk),
    )
    try:
        asyncio.run(_run_then_exit(options))
    except ConfigError as e:
        typer.echo(f"Error: {e}", err=True)
        raise typer.Exit(2) from e


async def _run_then_exit(options: McpOptions) -> None:
    """:func:`run_mcp`; on stdio ended by a signal, exit the process once the runtimes are
    closed: the SDK's stdin reader waits in a worker thread that would keep it alive."""
    interrupted = await run_mcp(options)
    if interrupted and options.transport == "stdio":
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)
