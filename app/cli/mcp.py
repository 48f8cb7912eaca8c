"""``lpexec mcp``: the MCP server (``manage_executors``, ``get_portfolio_overview``) over the
executor service, on stdio or streamable HTTP (loopback), with the runtimes driven meanwhile.

As ``lpexec serve`` does, it opens the LP runtime (paper Gateway, or a real one) and the CEX
runtime (paper exchange, or a real one through ccxt) on one database, builds the service over
them (:mod:`lpexec.app.cli.hosting`) and drives them every ``--interval`` seconds
(:class:`lpexec.app.api.RuntimeDriver`). ``--controller ID`` (or ``LPEXEC_MCP_CONTROLLER_ID``)
makes it that controller's agent: it sees and creates only that controller's executors; without
it the server acts as the operator. On stdio it ends when the client closes its input; the
runtimes are then closed (executors stay in the store, the next start resumes them) and the
paper venues saved. Logs go to stderr: stdout carries the protocol.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import typer
import uvicorn

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
    HostOptions,
    hosted,
    runs_executors,
    signals_set,
)
from lpexec.app.service import Caller
from lpexec.core import ConfigError

__all__ = ["McpOptions", "mcp_command", "run_mcp"]

Transport = Literal["stdio", "http"]


@dataclass(frozen=True, kw_only=True)
class McpOptions(HostOptions):
    """Everything ``lpexec mcp`` takes: the runtimes (:class:`HostOptions`), the transport and
    who the server acts for."""

    transport: Transport = "stdio"
    host: str = "127.0.0.1"
    port: int = 8001
    controller_id: str | None = None


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
    async with hosted(options) as host:
        # The MCP SDK is the optional extra ``lpexec[mcp]``: imported when the command runs.
        try:
            from lpexec.app.mcp import ExecutorTools, balance_readers, build_mcp_server
        except ImportError as error:
            raise ValueError(
                "lpexec mcp: expected the mcp extra to be installed (pip install 'lpexec[mcp]'), "
                f"could not import it: {error}"
            ) from None
        balances = balance_readers(lp=host.lp, cex=host.cex)
        tools = ExecutorTools(host.service, caller=caller, balances=balances)
        server = build_mcp_server(tools, log_level="WARNING")
        stop = asyncio.Event()
        driving = asyncio.create_task(host.driver.run(stop))
        try:
            with signals_set(stop):
                await _serve(server, options, stop)
            return stop.is_set()
        finally:
            stop.set()
            await asyncio.gather(driving, return_exceptions=True)


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
    database: str | None = DATABASE_OPTION,
    gateway: str | None = GATEWAY_OPTION,
    paper_state: Path | None = PAPER_STATE_OPTION,
    exchange: str | None = EXCHANGE_OPTION,
    exchange_state: Path | None = EXCHANGE_STATE_OPTION,
    cex: bool = CEX_OPTION,
    seed: int = SEED_OPTION,
    interval: float = INTERVAL_OPTION,
    risk: list[str] = RISK_OPTION,
    executors: str = EXECUTORS_OPTION,
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
        run_executors=runs_executors(executors),
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
