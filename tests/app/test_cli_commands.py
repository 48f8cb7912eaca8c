"""``lpexec health``, the venue in every output, read-only commands without a wallet, and the
connection options accepted after the subcommand too."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from fixtures.cli import flat, invoke
from fixtures.paper_runtime import free_port, serve_in_thread
from lpexec.app.cli.hoist import hoist_group_options
from lpexec.paper.gateway import build_paper_gateway
from lpexec.paper.gateway.demo import demo_pool_address

POOL = demo_pool_address("meteora", "SOL", "USDC", 10)
GROUP = {"--gateway": True, "--wallet": True, "--seed": True, "--database": True}


@pytest.mark.parametrize(
    ("args", "own", "expected"),
    [
        (["list", "--gateway", "U"], {}, ["--gateway", "U", "list"]),
        (["list", "--gateway=U", "--json"], {}, ["--gateway=U", "list", "--json"]),
        (
            ["--seed", "1", "status", "x", "--wallet", "W"],
            {},
            ["--seed", "1", "--wallet", "W", "status", "x"],
        ),
        (["list", "--database", "D"], {"--database": True}, ["list", "--database", "D"]),
        (["open", "--pair", "--gateway"], {"--pair": True}, ["open", "--pair", "--gateway"]),
        (["close", "x", "--", "--gateway"], {}, ["close", "x", "--", "--gateway"]),
        (["--gateway", "U"], {}, ["--gateway", "U"]),
    ],
)  # fmt: skip
def test_group_options_after_the_subcommand_move_before_it(args, own, expected):
    assert hoist_group_options(args, GROUP, own) == expected


def test_connection_options_work_after_the_subcommand(tmp_path):
    store = tmp_path / "after.db"
    env = {"LPEXEC_DATABASE_URL": f"sqlite:///{tmp_path / 'default.db'}"}
    result = invoke("lp", "list", "--database", f"sqlite:///{store}", "--json", env=env)
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == []
    assert store.exists() and not (tmp_path / "default.db").exists()


def test_health_on_paper_checks_the_store_and_the_gateway(paper_cli, tmp_path):
    result = paper_cli("health", "--json")
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["ok"] is True
    assert report["venue"]["gateway"] == "paper"
    assert report["venue"]["paper_state"] == str(tmp_path / "paper.json")
    assert [(c["name"], c["ok"]) for c in report["checks"]] == [("store", True), ("gateway", True)]


def test_health_says_which_check_failed_and_exits_1(tmp_path):
    env = {"LPEXEC_DATABASE_URL": f"sqlite:///{tmp_path / 'missing' / 'x.db'}"}
    url = f"http://127.0.0.1:{free_port()}"
    result = invoke("health", "--gateway", url, "--json", env=env)
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["ok"] is False
    assert report["venue"]["gateway"] == "real" and report["venue"]["gateway_url"] == url
    store, gateway = report["checks"]
    assert not store["ok"] and "missing" in store["detail"]
    assert not gateway["ok"] and "Could not send GET / to Gateway" in gateway["detail"]


def test_a_real_gateway_reads_pools_without_a_wallet_and_names_it_for_writes(tmp_path):
    gateway = build_paper_gateway(seed=3)
    env = {
        "LPEXEC_DATABASE_URL": f"sqlite:///{tmp_path / 'real.db'}",
        "LPEXEC_WALLET_ADDRESS": None,
    }
    with serve_in_thread(gateway) as base_url:
        pool = invoke("pools", "info", POOL, "--gateway", base_url, "--json", env=env)
        status = invoke("lp", "--gateway", base_url, "status", "x", env=env)
    assert pool.exit_code == 0, pool.stderr
    info = json.loads(pool.stdout)
    assert info["address"] == POOL
    assert info["venue"]["gateway"] == "real" and info["venue"]["gateway_url"] == base_url
    assert status.exit_code == 2
    assert (
        f"--wallet: expected the wallet address to act for on the real Gateway {base_url} "
        "(--wallet ADDRESS or LPEXEC_WALLET_ADDRESS), received none"
    ) in flat(status.stderr)


def test_reports_say_which_venue_they_come_from(paper_cli, tmp_path):
    opened = paper_cli(
        "lp", "open", "--pool", POOL, "--pair", "SOL-USDC", "--lower", "176", "--upper", "184",
        "--base", "1", "--quote", "180", "--json",
    )  # fmt: skip
    assert opened.exit_code == 0, opened.stderr
    venue = json.loads(opened.stdout)["venue"]
    assert venue["gateway"] == "paper" and venue["paper_state"] == str(tmp_path / "paper.json")
    assert venue["wallet"]
    shown = paper_cli("lp", "status", json.loads(opened.stdout)["executor_id"])
    assert f"paper Gateway, state {tmp_path / 'paper.json'}" in flat(shown.stdout)


def test_pools_find_lists_a_pair_s_pools_in_either_token_order(paper_cli):
    result = paper_cli("pools", "find", "--pair", "usdc-sol", "--json")
    assert result.exit_code == 0, result.stderr
    found = json.loads(result.stdout)
    assert found["trading_pair"] == "USDC-SOL"
    assert POOL in [row["address"] for row in found["pools"]]
    assert {row["trading_pair"] for row in found["pools"]} == {"SOL-USDC"}
    assert {row["connector"] for row in found["pools"]} == {"meteora/clmm", "raydium/clmm"}
    assert found["venue"]["gateway"] == "paper"


def test_pools_find_refuses_a_pair_without_a_dash(paper_cli):
    result = paper_cli("pools", "find", "--pair", "SOLUSDC")
    assert result.exit_code == 2
    assert "--pair: expected BASE-QUOTE like SOL-USDC, received 'SOLUSDC'" in result.stderr


def test_wallet_balances_move_with_a_swap(paper_cli):
    before = paper_cli("wallet", "balances", "--tokens", "SOL,USDC", "--json")
    swapped = paper_cli(
        "swap", "execute", "--pair", "SOL-USDC", "--side", "SELL", "--amount", "1", "--json"
    )
    after = paper_cli("wallet", "balances", "--tokens", "SOL,USDC", "--json")
    assert before.exit_code == 0 and after.exit_code == 0, before.stderr + after.stderr
    assert swapped.exit_code == 0, swapped.stderr
    first, second = json.loads(before.stdout), json.loads(after.stdout)
    assert set(first["balances"]) == {"SOL", "USDC"}
    assert first["wallet"] == second["wallet"] == first["venue"]["wallet"]
    received = Decimal(json.loads(swapped.stdout)["details"]["quote_amount"])
    assert Decimal(second["balances"]["USDC"]) - Decimal(first["balances"]["USDC"]) == received
    assert Decimal(second["balances"]["SOL"]) < Decimal(first["balances"]["SOL"]) - 1 + Decimal(
        "0.01"
    )


def test_pools_info_summarizes_and_shows_bins_only_when_asked(paper_cli):
    summary = paper_cli("pools", "info", POOL, "--json")
    with_bins = paper_cli("pools", "info", POOL, "--bins", "--json")
    table = paper_cli("pools", "info", POOL)
    assert summary.exit_code == with_bins.exit_code == table.exit_code == 0, summary.stderr
    data = json.loads(summary.stdout)
    assert (data["trading_pair"], data["fee"], data["bin_step"]) == ("SOL-USDC", "0.0004", 10)
    assert "raw_bins" not in data and "bins" not in data
    assert json.loads(with_bins.stdout)["raw_bins"]
    text = flat(table.stdout)
    assert "pair │ SOL-USDC" in text and "active bin │" in text and "binId" not in text
    assert len(table.stdout.splitlines()) < 30


def test_writes_on_a_real_gateway_need_yes_without_a_terminal(tmp_path):
    gateway = build_paper_gateway(seed=5)
    env = {"LPEXEC_DATABASE_URL": f"sqlite:///{tmp_path / 'real.db'}"}
    swap = ("swap", "execute", "--pair", "SOL-USDC", "--side", "SELL", "--amount", "0.5")
    with serve_in_thread(gateway) as base_url:
        before = len(gateway.chain.transactions())
        refused = invoke(*swap, "--gateway", base_url, "--wallet", gateway.wallet, env=env)
        close = invoke(
            "lp", "close", "x", "--gateway", base_url, "--wallet", gateway.wallet, env=env
        )
        after = len(gateway.chain.transactions())
    assert refused.exit_code == close.exit_code == 2
    assert (
        f"--yes: expected --yes to swap SELL 0.5 SOL-USDC on the real Gateway {base_url} "
        f"(wallet {gateway.wallet}): there is no terminal to ask"
    ) in flat(refused.stderr)
    assert "--yes: expected --yes to close x on the real Gateway" in flat(close.stderr)
    assert after == before
    assert not (tmp_path / "real.db").exists()
