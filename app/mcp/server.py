"""The MCP server: ``build_mcp_server(tools)`` registers the tools of :class:`ExecutorTools`.

The server is the official SDK's :class:`mcp.server.mcpserver.MCPServer`; run it on stdio
(``await server.run_stdio_async()``) or on streamable HTTP
(``await server.run_streamable_http_async(host="127.0.0.1", port=...)``). Whoever runs it also
drives the runtimes (``lpexec mcp`` does: :mod:`lpexec.app.cli.mcp`).
"""

from __future__ import annotations

from typing import Any

from mcp.server.mcpserver import MCPServer

from lpexec.app.mcp.tools import ExecutorTools

__all__ = ["SERVER_NAME", "build_mcp_server"]

SERVER_NAME = "lpexec"

_INSTRUCTIONS = """\
lpexec runs executors: LP positions on DEX pools, swaps, exchange orders, positions and grids.
Use manage_executors: no action lists the executor types; executor_type alone gives its config
schema and a guide; action=create starts one (its executor_id comes back); action=search lists
them (or details one with executor_id); action=stop ends one (keep_position=true leaves what it
holds open); get_logs, positions_summary and performance_report report. Every create passes a
risk check: a refusal names the limit (e.g. max_open_executors: 3 would exceed 2), so adjust and
retry. get_portfolio_overview shows balances and open LP positions."""


def build_mcp_server(tools: ExecutorTools, **settings: Any) -> MCPServer[Any]:
    """An MCP server with ``manage_executors`` and ``get_portfolio_overview`` over ``tools``.

    Args:
        tools: the tools over the executor service, acting as their caller.
        settings: more :class:`MCPServer` options (``log_level``...).
    """
    scope = (
        "the operator"
        if tools.caller.is_operator
        else f"the agent of controller {tools.caller.controller_id!r}"
    )
    server: MCPServer[Any] = MCPServer(
        SERVER_NAME,
        instructions=f"{_INSTRUCTIONS}\nThis server acts as {scope}.",
        **settings,
    )
    server.add_tool(tools.manage_executors, name="manage_executors")
    server.add_tool(tools.get_portfolio_overview, name="get_portfolio_overview")
    return server
