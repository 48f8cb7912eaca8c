"""The MCP surface of the executor service: ``manage_executors`` and ``get_portfolio_overview``.

:class:`ExecutorTools` adapts the service contract to hummingbot-mcp's tool parameters and
actions; :func:`build_mcp_server` serves them with the official ``mcp`` SDK; ``lpexec mcp``
(:mod:`lpexec.app.cli.mcp`) opens the runtimes, drives them and serves on stdio or HTTP.
"""

from lpexec.app.mcp.guides import guide_for
from lpexec.app.mcp.portfolio import BalanceReader, Balances, balance_readers
from lpexec.app.mcp.server import SERVER_NAME, build_mcp_server
from lpexec.app.mcp.tools import ACTIONS, ExecutorTools

__all__ = [
    "ACTIONS",
    "SERVER_NAME",
    "BalanceReader",
    "Balances",
    "ExecutorTools",
    "balance_readers",
    "build_mcp_server",
    "guide_for",
]
