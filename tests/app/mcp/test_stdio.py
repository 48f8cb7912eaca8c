"""An MCP client session over stdio against ``lpexec mcp`` started by the test (paper venues on
a SQLite file in a temporary folder): the tools are listed, and create, search, stop and a risk
refusal go through the protocol; the controller from the environment scopes a session; the
streamable HTTP transport answers on loopback and ends on SIGINT."""

from __future__ import annotations

import asyncio
import json
import signal
import socket
import sys
from pathlib import Path
from typing import Any

import pytest
from mcp import Client
from mcp.client.stdio import StdioServerParameters

from .conftest import order_config

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[3]


def _server(
    tmp_path: Path, *extra: str, env: dict[str, str] | None = None
) -> StdioServerParameters:
    return StdioServerParameters(
        command=sys.executable,
        args=[
            "-m",
            "lpexec",
            "mcp",
            "--database",
            f"sqlite:///{tmp_path / 'mcp.db'}",
            "--paper-state",
            str(tmp_path / "paper-gateway.json"),
            "--exchange-state",
            str(tmp_path / "paper-exchange.json"),
            "--interval",
            "0.2",
            *extra,
        ],
        cwd=ROOT,
        env=env,
    )


def _data(result: Any) -> dict[str, Any]:
    data = json.loads(result.content[0].text)
    assert data == result.structured_content
    return data


async def test_a_client_session_over_stdio(tmp_path):
    async with Client(_server(tmp_path, "--risk", "max_open_executors=1")) as client:
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
        types = await client.call_tool("manage_executors", {})
        created = await client.call_tool(
            "manage_executors",
            {
                "action": "create",
                "executor_type": "order_executor",
                "executor_config": order_config(),
            },
        )
        refused = await client.call_tool(
            "manage_executors",
            {
                "action": "create",
                "executor_type": "order_executor",
                "executor_config": order_config(),
            },
        )
        executor_id = _data(created)["executor_id"]
        detail = await client.call_tool(
            "manage_executors", {"action": "search", "executor_id": executor_id}
        )
        stopped = await client.call_tool(
            "manage_executors", {"action": "stop", "executor_id": executor_id}
        )
        portfolio = await client.call_tool("get_portfolio_overview", {})

    assert set(tools) == {"manage_executors", "get_portfolio_overview"}
    assert "action" in tools["manage_executors"].input_schema["properties"]
    assert "order_executor" in {t["type"] for t in _data(types)["executor_types"]}
    assert not created.is_error and _data(detail)["executor"]["connector_name"] == "paper"
    assert refused.is_error
    assert _data(refused)["error"]["message"] == "max_open_executors: 2 would exceed 1"
    assert not stopped.is_error and _data(stopped)["status"] == "stopping"
    assert "paper" in _data(portfolio)["balances"]


async def test_the_controller_from_the_environment_scopes_the_session(tmp_path):
    async with Client(_server(tmp_path, env={"LPEXEC_MCP_CONTROLLER_ID": "bot-b"})) as client:
        own = await client.call_tool(
            "manage_executors",
            {"action": "create", "executor_type": "order", "executor_config": order_config()},
        )
        other = await client.call_tool(
            "manage_executors",
            {
                "action": "create",
                "executor_type": "order",
                "executor_config": order_config(),
                "controller_id": "bot-a",
            },
        )
    assert _data(own)["executor"]["controller_id"] == "bot-b"
    assert other.is_error and _data(other)["error"]["type"] == "scope_error"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_streamable_http_on_loopback_until_sigint(tmp_path):
    port = _free_port()
    params = _server(tmp_path, "--transport", "http", "--port", str(port))
    process = await asyncio.create_subprocess_exec(
        params.command, *params.args, cwd=ROOT, stderr=asyncio.subprocess.PIPE
    )
    try:
        assert process.stderr is not None
        banner = await process.stderr.readline()  # printed once the runtimes are open
        assert banner.decode().strip() == f"lpexec MCP serving on http://127.0.0.1:{port}/mcp"
        for _ in range(100):  # uvicorn binds just after the banner
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            await asyncio.sleep(0.1)
        async with Client(f"http://127.0.0.1:{port}/mcp") as client:
            types = await client.call_tool("manage_executors", {"executor_type": "lp"})
        assert _data(types)["config_schema"]["executor_type"] == "lp_executor"
    finally:
        process.send_signal(signal.SIGINT)
        returncode = await asyncio.wait_for(process.wait(), timeout=30)
    assert returncode == 0


async def test_sigterm_on_stdio_closes_the_runtimes_and_exits(tmp_path):
    params = _server(tmp_path)
    process = await asyncio.create_subprocess_exec(
        params.command,
        *params.args,
        cwd=ROOT,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    assert process.stdin is not None and process.stdout is not None
    hello = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "initialize",
        "params": {
            "protocolVersion": "2025-06-18",
            "capabilities": {},
            "clientInfo": {"name": "test", "version": "1"},
        },
    }
    process.stdin.write((json.dumps(hello) + "\n").encode())
    await process.stdin.drain()
    answer = json.loads(await process.stdout.readline())  # serving: the runtimes are open

    process.send_signal(signal.SIGTERM)
    returncode = await asyncio.wait_for(process.wait(), timeout=30)

    assert answer["result"]["serverInfo"]["name"] == "lpexec"
    assert returncode == 0
    assert (tmp_path / "paper-exchange.json").exists()
    assert (tmp_path / "paper-gateway.json").exists()
