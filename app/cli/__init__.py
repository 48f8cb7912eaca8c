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

from lpexec.app.cli.errors import is_usage_error, is_user_error, print_error
from lpexec.app.cli.lazy import LazyCommand, lazy_group

__all__ = ["app", "main"]

COMMANDS = (
    LazyCommand(
        "demo", "lpexec.app.cli.demo:demo_command", "Run the end-to-end demo on the paper venues."
    ),
    LazyCommand(
        "health",
        "lpexec.app.cli.health:health_app",
        "Check that the Gateway (paper or real) answers and the store can be read (--json).",
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
        "paper-exchange",
        "lpexec.app.cli.paper_exchange:paper_exchange_command",
        "Serve the paper exchange over HTTP on a loopback port (workers share it).",
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
    LazyCommand(
        "worker",
        "lpexec.app.cli.worker:worker_command",
        "Run a share of the store's executors as one of several workers (PostgreSQL).",
    ),
    LazyCommand(
        "pools", "lpexec.app.cli.pools:pools_app", "Read pools: info, and find the pools of a pair."
    ),
    LazyCommand(
        "wallet", "lpexec.app.cli.wallet:wallet_app", "The wallet's balances on the Gateway."
    ),
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
    LazyCommand(
        "dca",
        "lpexec.app.cli.dca:dca_app",
        "Average into positions over price levels, with exits on the average entry.",
    ),
    LazyCommand(
        "twap",
        "lpexec.app.cli.twap:twap_app",
        "Buy or sell a total in time slices; report the average price and the slippage.",
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


def main() -> None:
    """Entry point of the ``lpexec`` console script.

    A user error is one line on stderr, or with ``--json`` one JSON object on stdout (see
    :mod:`lpexec.app.cli.errors`), and exit status 2; never a traceback.
    """
    logging.basicConfig(
        level=os.environ.get("LPEXEC_LOG_LEVEL", "WARNING").upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    as_json = "--json" in sys.argv[1:]
    try:
        if not as_json:
            app()
            return
        # Usage errors reach us too, to be printed as JSON: click does not print them.
        code = app(standalone_mode=False)
    except typer.Abort:
        sys.exit(1)
    except Exception as e:
        if not (is_usage_error(e) or is_user_error(e)):
            raise
        print_error(e, as_json=as_json)
        sys.exit(getattr(e, "exit_code", 2) if is_usage_error(e) else 2)
    sys.exit(code if isinstance(code, int) else 0)
