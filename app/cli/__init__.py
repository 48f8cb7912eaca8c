"""The ``lpexec`` command line (typer + rich).

User errors (bad input, refused creates, unreachable services) print one clear line (never
wrapped to the terminal's width) and exit with status 2; they never show a traceback.

Subcommands are registered by name (:class:`LazyCommand`): a command's module, and what it
imports, loads only when that command runs, so ``lpexec --help`` starts in a fraction of a
second. Register new ones the same way; an ``import`` here makes every call pay for it.
"""

from __future__ import annotations

import logging
import os
import sys

import typer

from lpexec.app.cli.lazy import LazyCommand, lazy_group

__all__ = ["app", "main"]

COMMANDS = (
    LazyCommand(
        "demo", "lpexec.app.cli.demo:demo_command", "Run the end-to-end demo on the paper venues."
    ),
    LazyCommand(
        "backtest",
        "lpexec.app.cli.backtest:backtest_command",
        "Backtest a range-rebalancing policy over a price series.",
    ),
    LazyCommand(
        "paper-gateway",
        "lpexec.app.cli.paper:paper_gateway_command",
        "Serve the paper Gateway over HTTP.",
    ),
    LazyCommand(
        "serve",
        "lpexec.app.cli.serve:serve_command",
        "Serve the executors REST API (hummingbot-api compatible) and WebSocket, running the "
        "executors.",
    ),
    LazyCommand(
        "mcp",
        "lpexec.app.cli.mcp:mcp_command",
        "Serve the MCP tools manage_executors and get_portfolio_overview (stdio or HTTP).",
    ),
    LazyCommand(
        "tokens", "lpexec.app.cli.tokens:tokens_app", "Create, list and revoke API tokens."
    ),
    LazyCommand(
        "executors",
        "lpexec.app.cli.executors:executors_app",
        "Search, show, stop and read the logs and performance of executors of every type.",
    ),
    LazyCommand(
        "positions",
        "lpexec.app.cli.positions:positions_app",
        "List, show and clear the positions executors stopped with --keep-position hold.",
    ),
    LazyCommand("lp", "lpexec.app.cli.lp:lp_app", "Open, watch, close and list LP positions."),
    LazyCommand(
        "daemon",
        "lpexec.app.cli.daemon:daemon_app",
        "Run range-rebalancing policies on a schedule.",
    ),
    LazyCommand("pools", "lpexec.app.cli.lp:pools_app", "Read pools."),
    LazyCommand(
        "swap", "lpexec.app.cli.swap:swap_app", "Quote swaps across providers and execute the best."
    ),
    LazyCommand(
        "order",
        "lpexec.app.cli.order:order_app",
        "Place, watch and cancel orders on the paper exchange or a real one (--exchange).",
    ),
    LazyCommand(
        "position",
        "lpexec.app.cli.position:position_app",
        "Open positions with take profit, stop loss, trailing stop and time limit; close them.",
    ),
    LazyCommand(
        "grid",
        "lpexec.app.cli.grid:grid_app",
        "Run grids of limit orders between two prices, with take profit per level.",
    ),
)

app = typer.Typer(
    name="lpexec",
    help="Run trading executors: LP positions and swaps through Hummingbot Gateway, orders on "
    "exchanges through ccxt, or all of them on paper venues that speak the same API.",
    cls=lazy_group(COMMANDS),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _print_version(value: bool) -> None:
    if value:
        import importlib.metadata

        typer.echo(f"lpexec {importlib.metadata.version('lpexec')}")
        raise typer.Exit()


@app.callback()
def _main_options(
    version: bool = typer.Option(
        False,
        "--version",
        callback=_print_version,
        is_eager=True,
        help="Print the version and exit.",
    ),
) -> None:
    """Run trading executors: LP positions and swaps through Hummingbot Gateway, orders on
    exchanges through ccxt, or all of them on paper venues that speak the same API."""


def _is_user_error(error: Exception) -> bool:
    if isinstance(error, ValueError):
        return True
    # An ExecutorError was raised only if its module is loaded: no import for the check.
    errors = sys.modules.get("lpexec.core.errors")
    return errors is not None and isinstance(error, errors.ExecutorError)


def _print_error(error: Exception) -> None:
    from rich.console import Console
    from rich.markup import escape

    # The message is text, not markup: "policy[0].pool_address" must print as written.
    message = f"[red]error:[/red] {escape(str(error))}"
    Console(stderr=True).print(message, markup=True, highlight=False, soft_wrap=True)


def main() -> None:
    """Entry point of the ``lpexec`` console script."""
    logging.basicConfig(
        level=os.environ.get("LPEXEC_LOG_LEVEL", "WARNING").upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        app()
    except Exception as e:
        if not _is_user_error(e):
            raise
        _print_error(e)
        sys.exit(2)
