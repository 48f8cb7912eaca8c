"""``lpexec swap`` as real processes on the paper Gateway (state on disk)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from lpexec.paper.chain.ledger import Cause
from lpexec.paper.gateway import build_paper_gateway, make_server

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def lpexec(tmp_path):
    env = {**os.environ, "LPEXEC_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"}
    env.pop("LPEXEC_GATEWAY_URL", None)
    state = str(tmp_path / "paper.json")

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "lpexec", "swap", "--paper-state", state, *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    return run


def test_quote_lists_every_provider_best_first_then_execute_goes_through_the_best(lpexec):
    # Act
    quoted = lpexec("quote", "--pair", "SOL-USDC", "--side", "SELL", "--amount", "2", "--json")
    executed = lpexec("execute", "--pair", "SOL-USDC", "--side", "SELL", "--amount", "2", "--json")
    # Assert: the quote table
    assert quoted.returncode == 0, quoted.stderr
    table = json.loads(quoted.stdout)
    rows = table["quotes"]
    assert {row["provider"] for row in rows} == {"jupiter/router", "meteora/clmm", "raydium/clmm"}
    received = [Decimal(row["quote_amount"]) for row in rows]
    assert received == sorted(received, reverse=True)
    assert [row["best"] for row in rows] == [True, False, False]
    assert table["best_provider"] == rows[0]["provider"]
    assert Decimal(table["limit"]) == received[0] * Decimal("0.99")
    # Assert: the executed swap
    assert executed.returncode == 0, executed.stderr
    info = json.loads(executed.stdout)
    details = info["details"]
    assert (info["type"], info["status"], info["close_type"]) == ("swap", "TERMINATED", "COMPLETED")
    assert details["provider"] == table["best_provider"]
    assert Decimal(details["base_amount"]) == 2
    assert Decimal(details["quote_amount"]) >= Decimal(details["limit"])
    assert len(details["quotes"]) == 3
    assert details["signature"]
    status = lpexec("status", info["executor_id"], "--json")
    assert json.loads(status.stdout)["details"]["signature"] == details["signature"]


def test_bad_input_is_a_one_line_error_and_a_failed_swap_exits_1(lpexec):
    bad_side = lpexec("quote", "--pair", "SOL-USDC", "--side", "HOLD", "--amount", "1")
    bad_provider = lpexec(
        "execute", "--pair", "SOL-USDC", "--side", "SELL", "--amount", "1", "--compare", "raydium"
    )
    no_route = lpexec(
        "execute",
        "--pair",
        "JUP-USDT",
        "--side",
        "SELL",
        "--amount",
        "10",
        "--provider",
        "meteora/clmm",
        "--compare",
        "",
        "--json",
    )
    unknown = lpexec("status", "nope")

    assert bad_side.returncode == 2 and "Traceback" not in bad_side.stderr
    assert "side: Input should be 'BUY' or 'SELL', received 'HOLD'" in bad_side.stderr
    assert bad_provider.returncode == 2
    assert "received swap_providers=['raydium']" in " ".join(bad_provider.stderr.split())
    assert no_route.returncode == 1, no_route.stderr
    failed = json.loads(no_route.stdout)
    assert failed["close_type"] == "FAILED"
    assert failed["details"]["failure_code"] == "no_route"
    assert unknown.returncode == 2
    assert "Expected a known executor id, received 'nope'" in unknown.stderr


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def served_gateway():
    """A paper Gateway served over HTTP on 127.0.0.1 (uvicorn in a thread), stopped after."""
    gateway = build_paper_gateway(seed=4)
    port = _free_port()
    server = make_server(gateway, host="127.0.0.1", port=port)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base_url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base_url}/", timeout=1.0).status_code == 200:
                break
        except httpx.TransportError:
            time.sleep(0.05)
    try:
        yield base_url, gateway
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def test_execute_on_a_gateway_over_http_moves_what_it_reports(tmp_path, served_gateway):
    # Arrange
    base_url, gateway = served_gateway
    env = {**os.environ, "LPEXEC_DATABASE_URL": f"sqlite:///{tmp_path / 'live.db'}"}
    # Act
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "lpexec",
            "swap",
            "--gateway",
            base_url,
            "--wallet",
            gateway.wallet,
            "execute",
            "--pair",
            "SOL-USDC",
            "--side",
            "BUY",
            "--amount",
            "0.75",
            "--json",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    # Assert: one swap on the chain, and the report's amounts are the wallet's ledger changes
    assert result.returncode == 0, result.stderr
    details = json.loads(result.stdout)["details"]
    chain = gateway.chain
    (tx,) = [t for t in chain.transactions() if t.operation in ("swap", "route")]
    assert tx.signature == details["signature"]
    usdc = chain.tokens.get("USDC").address
    paid = -sum(
        entry.delta
        for entry in chain.ledger.entries(signature=tx.signature, owner=gateway.wallet)
        if entry.asset == usdc and entry.cause in (Cause.SWAP, Cause.POOL_FEE)
    )
    fee = -sum(
        entry.delta
        for entry in chain.ledger.entries(
            signature=tx.signature, owner=gateway.wallet, cause=Cause.TX_FEE
        )
    )
    assert Decimal(details["quote_amount"]) * 10**6 == paid
    assert Decimal(details["tx_fee_native"]) * 10**9 == fee
    assert Decimal(details["base_amount"]) == Decimal("0.75")
