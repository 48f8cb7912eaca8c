"""The ``lpexec`` command line (typer + rich).

User errors (bad input, refused creates, unreachable services) print one clear line (never
wrapped to the terminal's width) and exit with status 2; they never show a traceback.
"""

from __future__ import annotations

import importlib.metadata
import logging
import os
import sys

import typer
from rich.console import Console
from rich.markup import escape

from lpexec.app.cli.backtest import backtest_command
from lpexec.app.cli.daemon import daemon_app
from lpexec.app.cli.demo import demo_command
from lpexec.app.cli.executors import executors_app
from lpexec.app.cli.grid import grid_app
from lpexec.app.cli.lp import lp_app, pools_app
from lpexec.app.cli.mcp import mcp_command
from lpexec.app.cli.order import order_app
from lpexec.app.cli.paper import paper_gateway_command
from lpexec.app.cli.position import position_app
from lpexec.app.cli.serve import serve_command
from lpexec.app.cli.swap import swap_app
from lpexec.app.cli.tokens import tokens_app
from lpexec.core import ExecutorError

__all__ = ["app", "main"]

app = typer.Typer(
    name="lpexec",
    help="Run trading executors: LP positions and swaps through Hummingbot Gateway, orders on "
    "exchanges through ccxt, or all of them on paper venues that speak the same API.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.command("demo", help="Run the end-to-end demo on the paper venues.")(demo_command)
app.command("backtest", help="Backtest a range-rebalancing policy over a price series.")(
    backtest_command
)
app.command("paper-gateway", help="Serve the paper Gateway over HTTP.")(paper_gateway_command)
app.command(
    "serve",
    help="Serve the executors REST API (hummingbot-api compatible) and WebSocket, running the "
    "executors.",
)(serve_command)
app.command(
    "mcp", help="Serve the MCP tools manage_executors and get_portfolio_overview (stdio or HTTP)."
)(mcp_command)
app.add_typer(tokens_app, name="tokens", help="Create, list and revoke API tokens.")
app.add_typer(executors_app, name="executors", help="List and inspect executors in the store.")
app.add_typer(lp_app, name="lp", help="Open, watch, close and list LP positions.")
app.add_typer(daemon_app, name="daemon", help="Run range-rebalancing policies on a schedule.")
app.add_typer(pools_app, name="pools", help="Read pools.")
app.add_typer(swap_app, name="swap", help="Quote swaps across providers and execute the best.")
app.add_typer(
    order_app,
    name="order",
    help="Place, watch and cancel orders on the paper exchange or a real one (--exchange).",
)
app.add_typer(
    position_app,
    name="position",
    help="Open positions with take profit, stop loss, trailing stop and time limit; close them.",
)
app.add_typer(
    grid_app,
    name="grid",
    help="Run grids of limit orders between two prices, with take profit per level.",
)

error_console = Console(stderr=True)


def _print_version(value: bool) -> None:
    if value:
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


def _print_error(error: Exception) -> None:
    # The message is text, not markup: "policy[0].pool_address" must print as written.
    message = f"[red]error:[/red] {escape(str(error))}"
    error_console.print(message, markup=True, highlight=False, soft_wrap=True)


def main() -> None:
    """Entry point of the ``lpexec`` console script."""
    logging.basicConfig(
        level=os.environ.get("LPEXEC_LOG_LEVEL", "WARNING").upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        app()
    except ExecutorError as e:
        _print_error(e)
        sys.exit(2)
    except ValueError as e:
        _print_error(e)
        sys.exit(2)
