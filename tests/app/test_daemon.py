"""The daemon in process on the paper Gateway: config errors, a rebalance, status and stop, and
the ``daemon`` command refusing a config the venue cannot run."""

from __future__ import annotations

import asyncio
import logging
from decimal import Decimal

import pytest
from sqlalchemy import text

from fixtures.cli import ROOT, invoke
from fixtures.paper_runtime import open_paper_runtime
from lpexec.app.daemon import Daemon, load_daemon_config
from lpexec.core import ConfigError, ExecutorStatus
from lpexec.paper.gateway.demo import demo_pool_address

POOL = demo_pool_address("meteora", "SOL", "USDC", 10)
POLICY = f"""
[[policy]]
policy_id = "rb"
pool_address = "{POOL}"
trading_pair = "SOL-USDC"
width = "0.01"
bin_step = 10
out_of_range_seconds = 30
min_interval_seconds = 60
base_amount = "1"
quote_amount = "180"
native_reserve = "0"
swap_provider = "meteora/swap"
"""


def write(tmp_path, text: str):
    path = tmp_path / "rebalance.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_example_config_loads():
    config = load_daemon_config(ROOT / "fixtures/rebalance.toml")
    assert config.policies[0].policy_id == "sol-usdc-dlmm"
    assert config.risk_engine() is not None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[deamon]\ninterval_seconds = 1\n" + POLICY, "unknown table(s) ['deamon']"),
        ("[daemon]\ninterval_seconds = 1\n", "expected at least one [[policy]] or [[controller]]"),
        (POLICY.replace('width = "0.01"', 'width = "-1"'), "policy.0.width: Input should be"),
        (
            POLICY.replace('width = "0.01"', 'width_pct = "0.01"'),
            "policy.0: width_pct is no longer accepted: write width, a ratio of the price "
            "(0.05 = 5 %), instead of width_pct='0.01': it was read as a ratio too, so "
            "width = 0.01 keeps its 1 % range",
        ),
        (
            POLICY.replace('swap_provider = "meteora/swap"', 'swap_provider = "swap"')
            + 'reentry = "centered"\n',
            "policy.0: reentry 'centered' swaps the inventory through swap_provider: expected a "
            "Gateway swap connector",
        ),
        ("[risk]\nmax_leverage = 3\n" + POLICY, "received unknown 'max_leverage'"),
        ("[daemon\n", "not valid TOML"),
    ],
)
def test_config_errors_name_the_place(tmp_path, text, message):
    with pytest.raises(ConfigError) as raised:
        load_daemon_config(write(tmp_path, text))
    assert message in str(raised.value)


async def test_a_rebalance_in_process_then_status_and_a_clean_stop(tmp_path, clock):
    config = load_daemon_config(write(tmp_path, "[daemon]\ninterval_seconds = 10\n" + POLICY))
    runtime = await open_paper_runtime(tmp_path, database="d.db", clock=clock)
    lines: list[str] = []
    daemon = Daemon(runtime, config, out=lines.append)
    chain = runtime.gateway.chain
    (first,) = await daemon.tick()
    assert first.startswith("rb: opened rb-1 BOTH ")
    assert first.endswith("with 1.000000000 base + 180.000000000 quote")
    chain.move_pool_to_price(POOL, Decimal(183), 10**9)
    for _ in range(12):  # 30 s out of range, then the 60 s anti-thrash interval
        clock.advance(10)
        await daemon.tick()
    rb1, rb2 = runtime.engine.info("rb-1"), runtime.engine.info("rb-2")
    assert rb1.status is ExecutorStatus.TERMINATED and rb1.close_type.value == "POSITION_HOLD"
    assert rb2.status is ExecutorStatus.ACTIVE and rb2.details.initial_base == 0
    owned = [p for p in chain.positions_owned(runtime.wallet) if p.pool_address == POOL]
    assert len(owned) == 1
    (row,) = daemon.runner.status()
    assert (row["executor_id"], row["rebalances"]) == ("rb-2", 1)
    stop = asyncio.Event()
    stop.set()
    await daemon.run(stop)
    assert lines[-2:] == [
        "daemon started: rb; every 10.0 s",
        "daemon stopped; state saved; positions left as they are",
    ]
    assert runtime.engine.info("rb-2").status is ExecutorStatus.ACTIVE
    await runtime.aclose()


class _DisarmOnTickFailure(logging.Handler):
    """Clears the database fault once the daemon has logged the tick it failed."""

    def __init__(self, database) -> None:
        super().__init__()
        self.database, self.failures = database, 0

    def emit(self, record: logging.LogRecord) -> None:
        if "a tick failed on the database" in record.getMessage():
            self.failures += 1
            with self.database.engine.begin() as connection:
                connection.execute(text("DELETE FROM fault"))


async def test_a_tick_that_fails_on_the_database_is_logged_and_the_next_one_goes_on(
    tmp_path, clock
):
    # Arrange: the database refuses the policy's first state write (a fault table arms it)
    config = load_daemon_config(write(tmp_path, "[daemon]\ninterval_seconds = 10\n" + POLICY))
    runtime = await open_paper_runtime(tmp_path, database="d.db", clock=clock)
    with runtime.database.engine.begin() as connection:
        connection.execute(text("CREATE TABLE fault (armed INTEGER)"))
        connection.execute(text("INSERT INTO fault VALUES (1)"))
        connection.execute(
            text(
                "CREATE TRIGGER refuse BEFORE INSERT ON controllers "
                "WHEN EXISTS (SELECT 1 FROM fault) BEGIN SELECT RAISE(ABORT, 'disk I/O'); END"
            )
        )
    lines: list[str] = []
    daemon = Daemon(runtime, config, out=lines.append)
    handler = _DisarmOnTickFailure(runtime.database)
    logging.getLogger("lpexec.app.daemon").addHandler(handler)
    # Act: the first tick opens rb-1, then its state write fails; the daemon goes on
    try:
        await daemon.run(asyncio.Event(), max_ticks=2)
    finally:
        logging.getLogger("lpexec.app.daemon").removeHandler(handler)
    # Assert: one failed tick, two more; one position, never a second; the state names it
    assert handler.failures == 1
    assert (
        daemon.ticks == 2 and lines[-1] == "daemon stopped; state saved; positions left as they are"
    )
    owned = [
        p for p in runtime.gateway.chain.positions_owned(runtime.wallet) if p.pool_address == POOL
    ]
    assert len(owned) == 1 and not runtime.engine.has_executor("rb-2")
    assert runtime.engine.store.controller_state("rb")["executor_id"] == "rb-1"
    await runtime.aclose()


async def test_centered_reentry_swaps_through_a_swap_executor_then_opens_two_sided(tmp_path, clock):
    text = "[daemon]\ninterval_seconds = 10\n" + POLICY.replace(
        'swap_provider = "meteora/swap"', 'reentry = "centered"'
    )
    config = load_daemon_config(write(tmp_path, text))
    runtime = await open_paper_runtime(tmp_path, database="d.db", clock=clock)
    daemon = Daemon(runtime, config, out=lambda line: None)
    chain = runtime.gateway.chain
    await daemon.tick()
    chain.move_pool_to_price(POOL, Decimal(183), 10**9)
    for other in ("raydium",):  # keep the router's pools at one price
        chain.move_pool_to_price(demo_pool_address(other, "SOL", "USDC", 10), Decimal(183), 0)
    lines = []
    for _ in range(14):
        clock.advance(10)
        lines += await daemon.tick()
    swap = runtime.engine.info("rb-swap-2")
    assert (swap.status, swap.close_type.value) == (ExecutorStatus.TERMINATED, "COMPLETED")
    assert swap.details.side == "BUY"  # the closed position came back as quote
    second = runtime.engine.info("rb-2")
    assert second.status is ExecutorStatus.ACTIVE
    assert second.details.initial_base > 0 and second.details.initial_quote > 0
    policy = daemon.runner.policies["rb"]
    assert policy.state.swap_id == "" and policy.state.rebalances == 1
    assert any(line.startswith("rb: swapping: BUY") for line in lines)
    await runtime.aclose()


async def test_centered_reentry_through_meteora_swap_swaps_in_the_policy_s_own_pool(
    tmp_path, clock
):
    # Arrange: the combination that used to kill the daemon at its first centered re-entry
    text = "[daemon]\ninterval_seconds = 10\n" + POLICY + 'reentry = "centered"\n'
    config = load_daemon_config(write(tmp_path, text))
    runtime = await open_paper_runtime(tmp_path, database="d.db", clock=clock)
    daemon = Daemon(runtime, config, out=lambda line: None)
    await daemon.check_venue()
    await daemon.tick()
    runtime.gateway.chain.move_pool_to_price(POOL, Decimal(183), 10**9)
    # Act
    for _ in range(14):
        clock.advance(10)
        await daemon.tick()
    # Assert
    swap = runtime.engine.info("rb-swap-2")
    assert (swap.status, swap.close_type.value) == (ExecutorStatus.TERMINATED, "COMPLETED")
    assert (swap.details.provider, swap.details.route) == ("meteora/clmm", POOL)
    second = runtime.engine.info("rb-2")
    assert second.status is ExecutorStatus.ACTIVE
    assert second.details.initial_base > 0 and second.details.initial_quote > 0
    await runtime.aclose()


def policy_text(policy_id: str, **fields: str) -> str:
    text = POLICY.replace('policy_id = "rb"', f'policy_id = "{policy_id}"')
    for name, value in fields.items():
        line = next(line for line in text.splitlines() if line.startswith(f"{name} = "))
        text = text.replace(line, f"{name} = {value}")
    return text


async def test_the_daemon_refuses_to_start_listing_every_problem_per_policy(tmp_path, clock):
    # Arrange: a good policy, then one problem each
    text = "[daemon]\ninterval_seconds = 10\n" + "".join(
        [
            policy_text("good"),
            policy_text("nopool", pool_address='"NoSuchPooL1111111111111111111111111111111111"'),
            policy_text("inverted", trading_pair='"USDC-SOL"'),
            policy_text("greedy", quote_amount='"50000"'),
            policy_text("step", bin_step="20"),
            policy_text("amm", swap_provider='"orca/amm"') + 'reentry = "centered"\n',
        ]
    )
    config = load_daemon_config(write(tmp_path, text))
    runtime = await open_paper_runtime(tmp_path, database="d.db", clock=clock)
    lines: list[str] = []
    daemon = Daemon(runtime, config, out=lines.append)
    # Act
    with pytest.raises(ConfigError) as raised:
        await daemon.run(asyncio.Event(), max_ticks=1)
    # Assert
    message = str(raised.value)
    problems = message.removeprefix("the daemon's policies do not fit the venue: ").split("; ")
    assert [problem.split(":")[0] for problem in problems] == [
        "policy[1].pool_address",
        "policy[2].trading_pair",
        "policy[3].quote_amount",
        "policy[4].bin_step",
        "policy[5].swap_provider",
    ]
    assert problems[0].startswith(
        "policy[1].pool_address: could not read pool NoSuchPooL1111111111111111111111111111111111"
    )
    assert problems[1] == (
        "policy[2].trading_pair: expected the pool's pair SOL-USDC (its base-quote), received "
        "USDC-SOL (inverted: did you mean SOL-USDC?)"
    )
    assert problems[2] == "policy[3].quote_amount: wallet holds 20000 USDC, expected at least 50000"
    assert problems[3] == "policy[4].bin_step: expected the pool's bin step 10, received 20"
    assert problems[4].startswith(
        "policy[5].swap_provider: reentry 'centered' swaps the inventory, so expected a swap "
        "connector Gateway has ("
    )
    listed = problems[4].partition("Gateway has (")[2].partition(")")[0].split(", ")
    assert {"jupiter/router", "meteora/clmm", "raydium/clmm"} <= set(listed)
    assert "orca/amm" not in listed
    assert problems[4].endswith("received 'orca/amm'")
    assert lines == [] and runtime.engine.infos() == []  # nothing was started or opened
    await runtime.aclose()


async def test_a_policy_with_an_open_position_has_its_budget_on_chain(tmp_path, clock):
    # Arrange: rb opens a position; then its budget is raised beyond the wallet
    runtime = await open_paper_runtime(tmp_path, database="d.db", clock=clock)
    first = load_daemon_config(write(tmp_path, POLICY))
    await Daemon(runtime, first, out=lambda line: None).tick()
    greedy = load_daemon_config(write(tmp_path, policy_text("rb", quote_amount='"50000"')))
    newcomer = load_daemon_config(write(tmp_path, policy_text("new", quote_amount='"50000"')))
    # Act / Assert: rb's state holds its open position, so its budget is not asked of the wallet
    await Daemon(runtime, greedy, out=lambda line: None).check_venue()
    with pytest.raises(ConfigError) as raised:
        await Daemon(runtime, newcomer, out=lambda line: None).check_venue()
    assert str(raised.value) == (
        "the daemon's policies do not fit the venue: policy[0].quote_amount: wallet holds "
        f"{20_000 - 180} USDC, expected at least 50000"
    )
    await runtime.aclose()


def test_the_daemon_command_refuses_a_policy_the_venue_cannot_run_in_one_line(tmp_path):
    # Arrange
    env = {"LPEXEC_DATABASE_URL": f"sqlite:///{tmp_path / 'd.db'}", "LPEXEC_GATEWAY_URL": None}
    bad = write(
        tmp_path,
        "[daemon]\ninterval_seconds = 0.1\n"
        + policy_text("rb", pool_address='"NoSuchPooL1111111111111111111111111111111111"')
        + policy_text("inverted", trading_pair='"USDC-SOL"'),
    )

    def daemon(config):
        return invoke("daemon", "--config", str(config), "--max-ticks", "1", env=env)

    # Act
    refused = daemon(bad)
    # Assert
    assert refused.exit_code == 2, refused.stderr
    assert "Traceback" not in refused.stderr and "daemon started" not in refused.stdout
    (line,) = refused.stderr.strip().splitlines()
    assert line.startswith(
        "error: the daemon's policies do not fit the venue: policy[0].pool_address: could not "
        "read pool NoSuchPooL1111111111111111111111111111111111"
    )
    assert "; policy[1].trading_pair: expected the pool's pair SOL-USDC" in line
    good = tmp_path / "good.toml"
    good.write_text("[daemon]\ninterval_seconds = 0.1\n" + POLICY, encoding="utf-8")
    ran = daemon(good)
    assert ran.exit_code == 0, ran.stderr
    assert ran.stdout.splitlines()[0] == "daemon started: rb; every 0.1 s"
    assert "rb: opened rb-1 BOTH" in ran.stdout


async def test_a_restart_on_a_chain_without_the_position_strands_it_with_the_reason(
    tmp_path, clock
):
    # Arrange: rb-1 opened on one paper chain; the daemon restarts on a chain that never had it
    config = load_daemon_config(write(tmp_path, "[daemon]\ninterval_seconds = 10\n" + POLICY))
    first = await open_paper_runtime(
        tmp_path, database="d.db", clock=clock, paper_state_file=str(tmp_path / "a.json")
    )
    await Daemon(first, config, out=lambda line: None).tick()
    await first.aclose()
    second = await open_paper_runtime(
        tmp_path, database="d.db", clock=clock, paper_state_file=str(tmp_path / "b.json")
    )
    daemon = Daemon(second, config, out=lambda line: None)
    # Act: the first ticks after the restart (the position read is due at once)
    clock.advance(120)
    await daemon.tick()
    lines = await daemon.tick()
    # Assert: stranded with the reason everywhere it is shown, never ACTIVE-and-quiet
    (row,) = daemon.runner.status()
    assert row["executor_status"] == "STRANDED"
    assert "is not on chain" in row["stranded_reason"]
    assert lines == [
        f"rb: executor rb-1 is stranded: {row['stranded_reason']} "
        "(lpexec lp close rb-1 reconciles and closes it)"
    ]
    (listed,) = second.engine.infos(stranded=True)
    assert listed.executor_id == "rb-1"
    await second.aclose()


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (
            ("--no-leases", "--metrics-port", "9464"),
            "error: --metrics-port: expected a daemon sharing its store",
        ),
        (
            ("--leases", "--ttl", "2", "--heartbeat", "1.5"),
            "error: --heartbeat: expected at most half of --ttl (2.0), received 1.5",
        ),
    ],
)
def test_the_daemon_command_refuses_bad_lease_options_in_one_line(tmp_path, options, message):
    env = {"LPEXEC_DATABASE_URL": f"sqlite:///{tmp_path / 'd.db'}", "LPEXEC_GATEWAY_URL": None}
    config = write(tmp_path, "[daemon]\ninterval_seconds = 0.1\n" + POLICY)
    result = invoke("daemon", "--config", str(config), "--max-ticks", "1", *options, env=env)
    assert result.exit_code == 2, result.stderr
    assert message in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "d.db").exists()  # nothing was opened


async def test_a_daemon_sharing_its_store_refuses_controller_tables(tmp_path, clock):
    from lpexec.app.daemon_leases import DaemonLeaseSettings

    config = load_daemon_config(
        write(
            tmp_path,
            "[daemon]\ninterval_seconds = 10\n"
            + POLICY
            + '[[controller]]\ncontroller_type = "directional"\nid = "dir"\n'
            + 'connector_name = "paper"\ntrading_pair = "SOL-USDC"\n'
            + 'total_amount_quote = "100"\nsignal = "sma_cross:fast=5,slow=20"\n',
        )
    )
    runtime = await open_paper_runtime(tmp_path, database="d.db", clock=clock)
    with pytest.raises(
        ConfigError, match=r"controller: expected a shared paper exchange .* or --no-leases"
    ):
        Daemon(runtime, config, out=lambda line: None, leases=DaemonLeaseSettings())
    await runtime.aclose()
