"""Helpers of the multi-process integration tests: ``lpexec worker`` and ``lpexec daemon``
processes on one database and one paper Gateway process, started, waited for and stopped; the
database read with SQL; executors created the API's way (handed off to the workers); the chain
read back for ``chain_audit``.

- ``shared_database(request, postgres_url)``: the PostgreSQL URL the processes share and the
  database open on it.
- ``worker(...)``, ``daemon(...)``, ``start_lpexec(...)``: the processes; ``stop(...)`` ends
  them and returns their output, ``stop_servers(...)`` the paper servers.
- ``wait_until(...)``: poll a condition, fail with what held instead.
- ``query``, ``owners``, ``policy_owners``, ``terminated``, ``journal_length``,
  ``journal_gaps``: the database.
- ``lp_config(index)``, ``create_handed_off(url, configs)``: the executors the workers run.
- ``push_price_up(url, wallet)``: a swap of the test's own that lifts the pool's price.
- ``chain_opens_and_audit(...)``: the chain's opens by position and ``chain_audit``'s findings.

pytest does not rewrite this module's asserts: the helpers return what the tests check, and the
few checks made here say what they found.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import text

from gateway_client import GatewayClient
from lpexec.app.registry import EXECUTOR_TYPES
from lpexec.core import Database, Engine, ExecutorConfig, SqlStore
from lpexec.core.clock import LiveClock
from lpexec.lp import LPExecutorConfig
from lpexec.paper.chain import PaperChain, Transaction
from lpexec.paper.gateway.demo import demo_pool_address
from tests.integration.chain_audit import ChainBook, audit, load_executors

__all__ = [
    "HEARTBEAT",
    "POOL",
    "ROOT",
    "SHARED_SETTINGS",
    "TTL",
    "chain_opens_and_audit",
    "create_handed_off",
    "daemon",
    "journal_gaps",
    "journal_length",
    "lp_config",
    "owners",
    "policy_owners",
    "push_price_up",
    "query",
    "shared_database",
    "start_lpexec",
    "stop",
    "stop_servers",
    "terminated",
    "wait_until",
    "worker",
]

ROOT = Path(__file__).resolve().parents[2]
POOL = demo_pool_address("meteora", "SOL", "USDC", 10)
TTL, HEARTBEAT = 3.0, 0.5
"""The lease TTL and heartbeat (seconds) of the workers and daemons sharing a database."""
SHARED_SETTINGS = {"LPEXEC_LOG_LEVEL": "WARNING", "LPEXEC_GATEWAY_RATE_LIMIT_PER_MINUTE": "0"}
"""The environment added for processes sharing one paper Gateway: warnings only, no rate limit."""


def shared_database(request: pytest.FixtureRequest, postgres_url: str) -> tuple[str, Database]:
    """The test's PostgreSQL URL for the processes, and the database open on it (closed after the
    test).

    The shared test server's disk is busy with every other test: commits on this URL do not wait
    for its flush (what is tested is the processes' leases, not PostgreSQL's durability).
    """
    url = postgres_url.replace("options=", "options=-csynchronous_commit%3Doff%20")
    database = Database.open(url)
    request.addfinalizer(database.close)
    return url, database


def start_lpexec(
    arguments: Sequence[str],
    *,
    url: str,
    wallet: str,
    database_url: str,
    settings: Mapping[str, str] = SHARED_SETTINGS,
    log: Path | None = None,
    mode: str = "w",
) -> subprocess.Popen[str]:
    """``python -m lpexec *arguments`` from the repository root, on the paper Gateway at ``url``,
    ``wallet`` and ``database_url``, with ``settings`` added to its environment.

    Its output goes to ``<log>.out`` and ``<log>.err`` (opened with ``mode``: ``"a"`` appends),
    or to pipes when ``log`` is None.
    """
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "LPEXEC_GATEWAY_URL": url,
        "LPEXEC_WALLET_ADDRESS": wallet,
        "LPEXEC_DATABASE_URL": database_url,
        **settings,
    }
    command = [sys.executable, "-m", "lpexec", *arguments]
    if log is None:
        return subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
    out_path, err_path = Path(f"{log}.out"), Path(f"{log}.err")
    with out_path.open(mode) as out, err_path.open(mode) as err:
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=err, text=True)


def worker(
    url: str, wallet: str, database_url: str, name: str, logs: Path
) -> subprocess.Popen[str]:
    """An ``lpexec worker`` named ``name`` (TTL, HEARTBEAT), its output in ``logs/<name>.*``."""
    arguments = ["worker", "--worker-id", name, "--ttl", str(TTL), "--heartbeat", str(HEARTBEAT)]
    arguments += ["--interval", "0.5", "--max-calls", "32"]
    return start_lpexec(
        arguments, url=url, wallet=wallet, database_url=database_url, log=logs / name
    )


def daemon(
    config: Path,
    url: str,
    wallet: str,
    database_url: str,
    name: str,
    logs: Path,
    metrics_port: int | None = None,
) -> subprocess.Popen[str]:
    """An ``lpexec daemon`` on ``config`` named ``name`` (TTL, HEARTBEAT), sharing its database with
    others, its output appended to ``logs/<name>.*`` (a restarted one keeps the first's); with
    ``metrics_port``, it serves its metrics there and logs JSON."""
    arguments = ["daemon", "--config", str(config), "--daemon-id", name]
    arguments += ["--ttl", str(TTL), "--heartbeat", str(HEARTBEAT)]
    if metrics_port is not None:  # and JSON logs
        arguments += ["--metrics-port", str(metrics_port), "--log-format", "json"]
    return start_lpexec(
        arguments, url=url, wallet=wallet, database_url=database_url, log=logs / name, mode="a"
    )


def stop(
    processes: Mapping[str, subprocess.Popen[str]], logs: Path, *, gently: bool = True
) -> dict[str, tuple[str, str]]:
    """Stop each process still running (a stopped one woken first) and return each one's output
    ``(stdout, stderr)`` read from ``logs/<name>.*``.

    Gently: SIGTERM, then up to 30 s for it to end (SIGKILL and 10 s more past that); otherwise
    SIGKILL and up to 10 s.
    """
    for process in processes.values():
        if process.poll() is None:
            process.send_signal(signal.SIGCONT)
            process.send_signal(signal.SIGTERM if gently else signal.SIGKILL)
    for process in processes.values():
        if not gently:
            process.wait(timeout=10)
            continue
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
    return {
        name: ((logs / f"{name}.out").read_text(), (logs / f"{name}.err").read_text())
        for name in processes
    }


def stop_servers(*servers: subprocess.Popen[str]) -> None:
    """SIGTERM each paper server (it saves its state file) and wait up to 30 s for it."""
    for server in servers:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)


def wait_until(
    condition: Callable[[], bool],
    *,
    timeout: float,
    what: str,
    details: Callable[[], object],
) -> float:
    """Seconds until ``condition()`` held (polled every 0.1 s)."""
    clock = LiveClock()
    started = clock.monotonic()
    while not condition():
        if clock.monotonic() - started > timeout:
            raise AssertionError(f"{what}: not within {timeout} s; held {details()}")
        time.sleep(0.1)
    return clock.monotonic() - started


def query(database: Database, sql: str) -> list[tuple]:
    with database.engine.connect() as connection:
        return [tuple(row) for row in connection.execute(text(sql)).all()]


def owners(database: Database) -> dict[str, int]:
    """How many unfinished executors each worker or daemon holds (live leases)."""
    return _by_owner(
        database,
        "SELECT lease_owner, count(*) FROM executors WHERE status != 'TERMINATED' "
        "AND lease_expires_at > clock_timestamp() GROUP BY lease_owner",
    )


def policy_owners(database: Database) -> dict[str, int]:
    """How many policies and controllers each daemon holds (live leases)."""
    return _by_owner(
        database,
        "SELECT owner, count(*) FROM controller_leases WHERE expires_at > clock_timestamp() "
        "GROUP BY owner",
    )


def _by_owner(database: Database, sql: str) -> dict[str, int]:
    """``sql``'s rows of (owner, count) as a dict, rows without an owner left out."""
    return {owner: count for owner, count in query(database, sql) if owner is not None}


def terminated(database: Database) -> int:
    return query(database, "SELECT count(*) FROM executors WHERE status = 'TERMINATED'")[0][0]


def journal_length(database: Database) -> int:
    """Entries in the journal, all executors together."""
    return query(database, "SELECT count(*) FROM journal")[0][0]


def journal_gaps(database: Database) -> list[tuple]:
    """Executors whose journal is not seq 1..n (a stale write would break or double one)."""
    return query(
        database,
        "SELECT executor_id FROM journal GROUP BY executor_id HAVING max(seq) != count(*)",
    )


def lp_config(index: int, **changes: object) -> LPExecutorConfig:
    """LP executor ``lp-<index>`` in POOL: 176 to 184 shifted up by index/200, 0.01 SOL and
    1.8 USDC."""
    return LPExecutorConfig(
        id=f"lp-{index:03d}",
        pool_address=POOL,
        trading_pair="SOL-USDC",
        lower_price=Decimal(176) + Decimal(index) / 200,
        upper_price=Decimal(184) + Decimal(index) / 200,
        base_amount=Decimal("0.01"),
        quote_amount=Decimal("1.8"),
        swap_provider="meteora/swap",
        **changes,
    )


async def create_handed_off(database_url: str, configs: Iterable[ExecutorConfig]) -> None:
    """The API's way: executors stored with their first intents, left for the workers."""
    database = Database.open(database_url)
    engine = Engine(
        store=SqlStore(database),
        clock=LiveClock(),
        executor_types=EXECUTOR_TYPES,
        venues={},
        hand_off=True,
    )
    for config in configs:
        await engine.create(config)
    assert engine.active_count == 0, engine.active_count
    database.close()


async def push_price_up(url: str, wallet: str) -> str:
    """Buy SOL in the pool (from the same wallet); return the swap's signature."""
    async with GatewayClient(url, rate_limit_per_minute=None) as client:
        result = await client.meteora.execute_swap(
            base_token="SOL",
            quote_token="USDC",
            amount=Decimal(60),
            side="BUY",
            wallet_address=wallet,
            pool_address=POOL,
            slippage=Decimal("0.5"),
        )
    return str(result.signature)


def chain_opens_and_audit(
    state: Path, wallet: str, database: Database, *, leave_out: Collection[str] = ()
) -> tuple[dict[str, list[Transaction]], list[str]]:
    """The wallet's opens on the chain saved in ``state``, by position, and ``chain_audit``'s
    findings (exclusive: every transaction is an executor's) against the stored executors.

    ``leave_out``: signatures of the test's own transactions (no executor's), left out of the
    wallet's book.
    """
    chain = PaperChain.load(state, clock=LiveClock())
    book = ChainBook.read(chain, wallet)
    book.transactions = [tx for tx in book.transactions if tx.signature not in leave_out]
    for signature in leave_out:
        book.fee.pop(signature, None)
    opens = book.opens_by_position()
    return opens, audit(book, load_executors(SqlStore(database)), exclusive=True)
