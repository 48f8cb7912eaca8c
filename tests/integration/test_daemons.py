"""Three ``lpexec daemon`` processes of one config on one PostgreSQL database and one paper
Gateway process (a real socket) share six rebalance policies (controllers) and their executors:

- two daemons split the policies; each policy opens its position on the daemon holding it;
- kill -9 one: its policies and their executors move to the other within lease TTL + a heartbeat;
- a third daemon joins: the policies are shared again;
- SIGSTOP one past its lease, then SIGCONT: the other holds everything meanwhile, and the woken
  one acts for nothing it lost (no second position for any policy);
- SIGTERM them one by one: the last closes every ``close_on_stop`` position.

At the end every policy opened exactly one position and closed it, and the chain's ledger equals
the store's accounting (``chain_audit``).
"""

from __future__ import annotations

import json
import signal
import time
from pathlib import Path

import httpx
import pytest

from fixtures.paper_runtime import (
    free_port,
    start_paper_exchange_process,
    start_paper_gateway_process,
)
from lpexec.app.paper_market import PaperMarkets
from lpexec.core import Database, SqlStore
from lpexec.core.clock import LiveClock
from lpexec.paper.gateway import build_paper_gateway
from tests.integration.exchange_audit import ExchangeLedger, audit_exchange, load_cex_executors
from tests.integration.processes import (
    HEARTBEAT,
    POOL,
    TTL,
    chain_opens_and_audit,
    daemon,
    journal_gaps,
    policy_owners,
    query,
    shared_database,
    stop,
    stop_servers,
    wait_until,
)

POLICIES = [f"p{index}" for index in range(6)]
POLICY = """
[[policy]]
policy_id = "{policy_id}"
pool_address = "{pool}"
trading_pair = "SOL-USDC"
width = "{width}"
bin_step = 10
out_of_range_seconds = 600
base_amount = "0.02"
quote_amount = "3.6"
native_reserve = "0"
swap_provider = "meteora/swap"
close_on_stop = true
"""


def write_config(path: Path, policy_ids: list[str], controllers: str = "") -> None:
    """A daemon config of ``policy_ids`` (widths 0.02, 0.03, ...) and the ``controllers`` tables."""
    policies = "".join(
        POLICY.format(policy_id=policy_id, pool=POOL, width=f"0.0{index + 2}")
        for index, policy_id in enumerate(policy_ids)
    )
    path.write_text(f"[daemon]\ninterval_seconds = 0.3\n{policies}{controllers}", encoding="utf-8")


def executors_with_their_policy(database: Database) -> bool:
    """Every unfinished executor is leased to the daemon holding its policy."""
    rows = query(
        database,
        "SELECT e.executor_id FROM executors e JOIN controller_leases c "
        "ON c.controller_id = e.controller_id WHERE e.status != 'TERMINATED' AND ("
        "e.lease_owner IS DISTINCT FROM c.owner OR e.lease_expires_at <= clock_timestamp() "
        "OR c.expires_at <= clock_timestamp())",
    )
    return rows == []


@pytest.mark.slow
def test_three_daemons_share_policies_fail_over_and_fence(request, tmp_path, postgres_url):
    # Arrange: the paper Gateway, a config of six policies, two daemons
    postgres_url, database = shared_database(request, postgres_url)
    port, state = free_port(), tmp_path / "chain.json"
    server = start_paper_gateway_process(
        port=port, arguments=["--seed", "3", "--state-file", str(state)]
    )
    url, wallet = f"http://127.0.0.1:{port}", build_paper_gateway(seed=3).wallet
    config = tmp_path / "daemon.toml"
    write_config(config, POLICIES)
    metrics = free_port()
    daemons = {
        "d1": daemon(config, url, wallet, postgres_url, "d1", tmp_path),
        "d2": daemon(config, url, wallet, postgres_url, "d2", tmp_path, metrics_port=metrics),
    }

    def positions() -> dict[str, int]:
        """How many executors of each policy hold (or held) a position."""
        counts: dict[str, int] = {}
        for record in SqlStore(database).list_executors():
            if record.load_snapshot()["state"].get("position_address"):
                counts[record.controller_id] = counts.get(record.controller_id, 0) + 1
        return counts

    try:
        wait_until(
            lambda: (
                policy_owners(database) == {"d1": 3, "d2": 3} and sorted(positions()) == POLICIES
            ),
            timeout=90,
            what="two daemons share the policies and each policy opened",
            details=lambda: (policy_owners(database), positions()),
        )
        scraped = httpx.get(f"http://127.0.0.1:{metrics}/metrics", timeout=10).text
        ready = httpx.get(f"http://127.0.0.1:{metrics}/readyz", timeout=10).status_code
        # Act 1: kill -9 d1
        daemons["d1"].send_signal(signal.SIGKILL)
        daemons["d1"].wait(timeout=10)
        failover = wait_until(
            lambda: policy_owners(database) == {"d2": 6} and executors_with_their_policy(database),
            timeout=20,
            what="d1's policies and executors held by d2",
            details=lambda: policy_owners(database),
        )
        # Act 2: d3 joins; the policies are shared again
        daemons["d3"] = daemon(config, url, wallet, postgres_url, "d3", tmp_path)
        wait_until(
            lambda: (
                policy_owners(database) == {"d2": 3, "d3": 3}
                and executors_with_their_policy(database)
            ),
            timeout=30,
            what="policies shared by d2 and d3",
            details=lambda: policy_owners(database),
        )
        # Act 3: SIGSTOP d2 past its lease: d3 holds everything; SIGCONT d2
        daemons["d2"].send_signal(signal.SIGSTOP)
        wait_until(
            lambda: policy_owners(database) == {"d3": 6} and executors_with_their_policy(database),
            timeout=20,
            what="d3 holds every policy while d2 is stopped",
            details=lambda: policy_owners(database),
        )
        daemons["d2"].send_signal(signal.SIGCONT)
        wait_until(
            lambda: (
                policy_owners(database) == {"d2": 3, "d3": 3}
                and executors_with_their_policy(database)
            ),
            timeout=30,
            what="policies shared again once d2 is back",
            details=lambda: policy_owners(database),
        )
        shared = positions()
        # Act 4: SIGTERM d3 (its policies move to d2), then d2, the last: it closes them all
        daemons["d3"].send_signal(signal.SIGTERM)
        daemons["d3"].wait(timeout=30)
        wait_until(
            lambda: policy_owners(database) == {"d2": 6} and executors_with_their_policy(database),
            timeout=20,
            what="d2 holds every policy after d3 stopped",
            details=lambda: policy_owners(database),
        )
        daemons["d2"].send_signal(signal.SIGTERM)
        daemons["d2"].wait(timeout=120)  # it waits for its closes (up to a minute)
    finally:
        outputs = stop(daemons, tmp_path, gently=False)
        stop_servers(server)
    # Assert: failover within TTL + one heartbeat (+ the test's polling and a tick's slack)
    assert failover <= TTL + HEARTBEAT + 1.5, failover
    assert ready == 200
    assert "lpexec_controllers_held 3.0" in scraped and "lpexec_leases_held 3.0" in scraped
    assert shared == {policy_id: 1 for policy_id in POLICIES}  # one position each, never two
    for name in ("d2", "d3"):
        assert daemons[name].returncode == 0, outputs[name][1][-2000:]
    assert "close_on_stop positions closed" in outputs["d2"][0]
    # d2 learned what it lost (its JSON log names the policies and executors)
    lines = [json.loads(line) for line in outputs["d2"][1].splitlines() if line.startswith("{")]
    lost = [line for line in lines if "lost" in line["message"] and "controller_ids" in line]
    assert lost and lost[0]["worker_id"] == "d2", outputs["d2"][1][-2000:]
    assert set(lost[0]["controller_ids"]) <= set(POLICIES) and lost[0]["executor_ids"]
    assert journal_gaps(database) == []
    unfinished = query(
        database,
        "SELECT executor_id, type, status, controller_id, lease_owner FROM executors "
        "WHERE status != 'TERMINATED'",
    )
    assert unfinished == [], (unfinished, outputs["d2"][0][-3000:], outputs["d2"][1][-3000:])
    assert query(database, "SELECT count(*) FROM controller_leases WHERE owner IS NOT NULL") == [
        (0,)
    ]
    opens, discrepancies = chain_opens_and_audit(state, wallet, database)
    assert len(opens) == len(POLICIES)
    assert all(len(txs) == 1 for txs in opens.values()), "a position opened twice"
    assert discrepancies == []


CONTROLLER = """
[[controller]]
controller_type = "market_making"
id = "{controller_id}"
connector_name = "paper"
trading_pair = "{pair}"
total_amount_quote = "200"
buy_spreads = ["0.01"]
sell_spreads = ["0.01"]
executor_type = "position"
open_order_type = "LIMIT"
executor_refresh_time = 3600
cooldown_time = 60
stop_loss = "0.05"
take_profit = "0.05"
time_limit = 7200
"""
CONTROLLERS = {"mm-sol": "SOL-USDT", "mm-eth": "ETH-USDT"}


@pytest.mark.slow
def test_the_last_daemon_s_closes_keep_their_leases_however_long_they_take(
    request, tmp_path, postgres_url
):
    # Arrange: one daemon of two close_on_stop policies on a paper Gateway whose closes take
    # longer than the lease TTL; both positions open
    postgres_url, database = shared_database(request, postgres_url)
    port, state = free_port(), tmp_path / "chain.json"
    slow = f"close:slow={int((TTL + 1) * 1000)}ms"
    server = start_paper_gateway_process(
        port=port, arguments=["--seed", "3", "--state-file", str(state), "--faults", slow]
    )
    url, wallet = f"http://127.0.0.1:{port}", build_paper_gateway(seed=3).wallet
    config = tmp_path / "daemon.toml"
    write_config(config, POLICIES[:2])
    daemons = {"d1": daemon(config, url, wallet, postgres_url, "d1", tmp_path)}
    try:
        wait_until(
            lambda: (
                query(
                    database,
                    "SELECT count(*) FROM executors WHERE type = 'lp' AND status = 'ACTIVE'",
                )
                == [(2,)]
            ),
            timeout=60,
            what="both positions open",
            details=lambda: query(database, "SELECT executor_id, type, status FROM executors"),
        )
        # Act: stop it; each close outlasts the TTL
        daemons["d1"].send_signal(signal.SIGTERM)
        daemons["d1"].wait(timeout=120)
    finally:
        outputs = stop(daemons, tmp_path, gently=False)
        stop_servers(server)
    # Assert: its leases were renewed through the closes: both ended, nothing left held
    unfinished = query(
        database,
        "SELECT executor_id, type, status, lease_owner FROM executors WHERE status != 'TERMINATED'",
    )
    assert daemons["d1"].returncode == 0, outputs["d1"][1][-2000:]
    assert "close_on_stop positions closed" in outputs["d1"][0], outputs["d1"]
    assert unfinished == [], (unfinished, outputs["d1"][1][-3000:])
    assert query(database, "SELECT count(*) FROM controller_leases WHERE owner IS NOT NULL") == [
        (0,)
    ]
    opens, discrepancies = chain_opens_and_audit(state, wallet, database)
    assert len(opens) == 2 and discrepancies == []


@pytest.mark.slow
def test_daemons_share_controllers_on_a_shared_paper_exchange(
    request, tmp_path, postgres_url, monkeypatch
):
    # Arrange: the paper Gateway, the paper exchange, two policies and two market makers
    postgres_url, database = shared_database(request, postgres_url)
    port, exchange_port = free_port(), free_port()
    server = start_paper_gateway_process(port=port, arguments=["--seed", "3"])
    exchange_state = tmp_path / "exchange.json"
    exchange = start_paper_exchange_process(
        port=exchange_port, arguments=["--seed", "5", "--state-file", str(exchange_state)]
    )
    monkeypatch.setenv("LPEXEC_PAPER_EXCHANGE_URL", f"http://127.0.0.1:{exchange_port}")
    url, wallet = f"http://127.0.0.1:{port}", build_paper_gateway(seed=3).wallet
    config = tmp_path / "daemon.toml"
    controllers = "".join(
        CONTROLLER.format(controller_id=cid, pair=pair) for cid, pair in CONTROLLERS.items()
    )
    write_config(config, POLICIES[:2], controllers)
    daemons = {
        name: daemon(config, url, wallet, postgres_url, name, tmp_path) for name in ("d1", "d2")
    }

    def live_per_controller() -> dict[str, int]:
        rows = query(
            database,
            "SELECT controller_id, count(*) FROM executors WHERE status != 'TERMINATED' "
            "AND controller_id LIKE 'mm-%' GROUP BY controller_id",
        )
        return dict(rows)

    try:
        wait_until(
            lambda: (
                policy_owners(database) == {"d1": 2, "d2": 2}
                and live_per_controller() == {"mm-sol": 2, "mm-eth": 2}
                and executors_with_their_policy(database)
            ),
            timeout=90,
            what="two daemons share policies and controllers, each market maker quoting",
            details=lambda: (policy_owners(database), live_per_controller()),
        )
        holder = dict(query(database, "SELECT controller_id, owner FROM controller_leases"))
        # Act: kill -9 the daemon holding mm-sol; the other takes it over with its executors
        victim = holder["mm-sol"]
        daemons[victim].send_signal(signal.SIGKILL)
        daemons[victim].wait(timeout=10)
        survivor = "d2" if victim == "d1" else "d1"
        wait_until(
            lambda: (
                policy_owners(database) == {survivor: 4} and executors_with_their_policy(database)
            ),
            timeout=20,
            what=f"{victim}'s policies, controllers and executors held by {survivor}",
            details=lambda: policy_owners(database),
        )
        time.sleep(2.0)  # ticks on the survivor: nothing may be created twice
        after = live_per_controller()
        daemons[survivor].send_signal(signal.SIGTERM)
        daemons[survivor].wait(timeout=60)
    finally:
        outputs = stop(daemons, tmp_path, gently=False)
        stop_servers(server, exchange)
    # Assert: each level quoted by one executor, before and after the takeover
    assert after == {"mm-sol": 2, "mm-eth": 2}
    assert daemons[survivor].returncode == 0, outputs[survivor][1][-2000:]
    ids = [row[0] for row in query(database, "SELECT executor_id FROM executors")]
    for cid in CONTROLLERS:  # executor ids in sequence, none skipped or reused
        mine = sorted(int(i.rsplit("-", 1)[1]) for i in ids if i.startswith(f"{cid}-"))
        assert mine == list(range(len(mine))), (cid, mine)
    markets = PaperMarkets.load_or_new(exchange_state, seed=5, now=LiveClock().now())
    assert (
        audit_exchange(ExchangeLedger.read(markets), load_cex_executors(SqlStore(database))) == []
    )
