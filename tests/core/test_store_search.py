"""The store's searches, report rows, executor logs and the schema-4 migration, on SQLite and
the real PostgreSQL: filters OR within a field and AND across fields in the query, a stable
newest-first order with an id tiebreak, keyset pages that neither skip nor repeat."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import pytest
from sqlalchemy import text

from lpexec.cex import OrderExecutor
from lpexec.cex.order import OrderExecutorConfig
from lpexec.core import (
    CommandFailed,
    Database,
    HeldFill,
    HeldPositionKey,
    HeldPositionsLedger,
    StoreError,
)
from lpexec.core.messages import ExecutorStarted, StopRequested
from lpexec.core.store import (
    SCHEMA_VERSION,
    ExecutorQuery,
    LogLevel,
    SearchAnchor,
    SqlStore,
)
from lpexec.core.store.migrations import catalog_fields

T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def save_order(
    store: SqlStore,
    *,
    created_at: dt.datetime,
    controller_id: str = "a",
    connector_name: str = "paper",
    trading_pair: str = "SOL-USDC",
    status: str = "ACTIVE",
    executor_id: str | None = None,
) -> OrderExecutor:
    """An order executor saved in the store as the engine saves it, in ``status``
    (CREATED, ACTIVE, CLOSING or TERMINATED)."""
    values = {
        "trading_pair": trading_pair,
        "connector_name": connector_name,
        "side": "BUY",
        "amount": Decimal(1),
        "execution_strategy": "LIMIT",
        "price": Decimal(100),
        "controller_id": controller_id,
    }
    if executor_id is not None:
        values["id"] = executor_id
    executor = OrderExecutor(OrderExecutorConfig(**values), created_at=created_at)
    if status in ("ACTIVE", "CLOSING"):
        executor.apply(ExecutorStarted(ts_event=created_at))
    if status in ("CLOSING", "TERMINATED"):
        executor.apply(StopRequested(ts_event=created_at))
    assert executor.status.value == status
    with store.transaction() as unit:
        unit.save_executor(executor, now=created_at)
    return executor


@pytest.fixture
def sql_store(database_url):
    database = Database.open(database_url)
    yield SqlStore(database)
    database.close()


def ids(records) -> list[str]:
    return [record.executor_id for record in records]


def test_filters_are_or_within_a_field_and_and_across_fields_over_every_status(sql_store):
    # Arrange: 3 controllers x 2 connectors x 2 pairs x 2 statuses, one a second apart
    combos = itertools.product(
        ("a", "b", "c"), ("paper", "binance"), ("SOL-USDC", "ETH-USDC"), ("ACTIVE", "TERMINATED")
    )
    saved = {}
    for n, (controller, connector, pair, status) in enumerate(combos):
        executor = save_order(
            sql_store,
            created_at=T0 + dt.timedelta(seconds=n),
            controller_id=controller,
            connector_name=connector,
            trading_pair=pair,
            status=status,
        )
        saved[executor.id] = (controller, connector, pair, status)
    query = ExecutorQuery(
        controller_ids=("a", "c"), connector_names=("binance",), statuses=("TERMINATED",)
    )
    # Act
    found, total = sql_store.search_executors(query, limit=100)
    # Assert: every match and nothing else, newest first
    expected = [
        executor_id
        for executor_id, (controller, connector, _, status) in saved.items()
        if controller in ("a", "c") and connector == "binance" and status == "TERMINATED"
    ]
    assert total == len(expected) == 4
    assert ids(found) == list(reversed(expected))
    assert {(r.controller_id, r.connector_name, r.status.value) for r in found} == {
        ("a", "binance", "TERMINATED"),
        ("c", "binance", "TERMINATED"),
    }


def test_pages_follow_a_stable_order_with_an_id_tiebreak_and_ignore_newer_rows(sql_store):
    # Arrange: 7 executors created in the same microsecond, 5 a second later
    same = [save_order(sql_store, created_at=T0, executor_id=f"same-{n}") for n in range(7)]
    later = [
        save_order(sql_store, created_at=T0 + dt.timedelta(seconds=1), executor_id=f"late-{n}")
        for n in range(5)
    ]
    query = ExecutorQuery(controller_ids=("a",))
    pages, after = [], None
    # Act: pages of 4; a new executor arrives after the first page
    while True:
        page, total = sql_store.search_executors(query, after=after, limit=4)
        pages.append(ids(page))
        if len(pages) == 1:
            save_order(sql_store, created_at=T0 + dt.timedelta(seconds=9), executor_id="newest")
        if len(page) < 4:
            break
        last = page[-1]
        after = SearchAnchor(last.created_at, last.executor_id)
    # Assert: every executor of the first query once, newest first, ties by id descending
    flat = [executor_id for page in pages for executor_id in page]
    expected = sorted((e.id for e in later), reverse=True) + sorted(
        (e.id for e in same), reverse=True
    )
    assert flat == expected
    assert total == 13  # the count follows the store: the newest is counted, not paged


def test_report_rows_carry_the_figures_without_the_config(sql_store):
    save_order(sql_store, created_at=T0, controller_id="a", status="ACTIVE")
    save_order(sql_store, created_at=T0, controller_id="b", status="TERMINATED")
    rows = sql_store.report_rows(ExecutorQuery(statuses=("TERMINATED",)))
    assert [(row.controller_id, row.type, row.close_type) for row in rows] == [
        ("b", "order", "EARLY_STOP")
    ]


def test_status_changes_stranding_and_failures_are_logged_and_kept(sql_store):
    # Arrange: an executor that starts, has a command fail (retryable, then not) and strands
    executor = save_order(sql_store, created_at=T0, status="ACTIVE")
    executor.apply(StopRequested(ts_event=T0 + dt.timedelta(seconds=1)))
    with sql_store.transaction() as unit:
        unit.save_executor(executor, now=T0 + dt.timedelta(seconds=1))
        for seq, retryable in enumerate((True, False), start=1):
            unit.append_journal(
                executor.id,
                seq=seq,
                event=CommandFailed(
                    ts_event=T0 + dt.timedelta(seconds=2),
                    command_id=f"{executor.id}-9",
                    reason="venue said no",
                    code="rejected",
                    retryable=retryable,
                ),
            )
    with sql_store.transaction() as unit:
        unit.mark_stranded(executor.id, "state could not be restored", now=T0)
    # Act
    entries, total = sql_store.executor_logs(executor.id)
    errors, error_total = sql_store.executor_logs(executor.id, level=LogLevel.ERROR)
    # Assert
    assert total == 5
    assert [(e.level, e.message) for e in entries] == [
        ("INFO", "started: status ACTIVE"),
        ("INFO", "status ACTIVE -> CLOSING"),
        ("WARNING", f"{executor.id}-9 failed [rejected]: venue said no, will retry"),
        ("ERROR", f"{executor.id}-9 failed [rejected]: venue said no"),
        ("ERROR", "stranded: state could not be restored"),
    ]
    assert error_total == 2 and [e.level for e in errors] == ["ERROR", "ERROR"]
    record = sql_store.get_executor(executor.id)
    assert record is not None
    assert (record.error_count, record.last_error) == (2, "stranded: state could not be restored")


def test_the_latest_log_entries_come_oldest_first(sql_store):
    executor = save_order(sql_store, created_at=T0, status="CREATED")
    for second, status in ((1, "ACTIVE"), (2, "CLOSING")):
        executor.apply(
            ExecutorStarted(ts_event=T0) if status == "ACTIVE" else StopRequested(ts_event=T0)
        )
        with sql_store.transaction() as unit:
            unit.save_executor(executor, now=T0 + dt.timedelta(seconds=second))
    entries, total = sql_store.executor_logs(executor.id, limit=2)
    assert total == 3
    assert [e.message for e in entries] == ["status CREATED -> ACTIVE", "status ACTIVE -> CLOSING"]


def test_a_held_position_can_be_deleted_once(sql_store):
    key = HeldPositionKey("a", "paper", "SOL-USDC")
    ledger = HeldPositionsLedger()
    fill = HeldFill(
        fill_id="f1",
        executor_id="x",
        side="BUY",
        base_amount=Decimal(1),
        quote_amount=Decimal(100),
        fee_quote=Decimal("0.1"),
        ts=T0,
    )
    position = ledger.record_into(key, fill)
    with sql_store.transaction() as unit:
        unit.save_held_position(position, now=T0)
    assert sql_store.delete_held_position(key) is True
    assert sql_store.delete_held_position(key) is False
    assert sql_store.held_positions() == []


def test_the_secret_is_made_once_and_shared_by_every_store_of_the_database(database_url):
    first, second = Database.open(database_url), Database.open(database_url)
    try:
        made = SqlStore(first).secret("search_cursor")
        assert len(made) == 32
        assert SqlStore(second).secret("search_cursor") == made
        assert SqlStore(second).secret("other") != made
    finally:
        first.close()
        second.close()


def test_a_version_3_database_gets_the_search_columns_filled_from_each_config(database_url):
    # Arrange: a database as schema 3 wrote it: no search columns, no logs, one executor
    database = Database.open(database_url)
    store = SqlStore(database)
    executor = save_order(store, created_at=T0, connector_name="binance", trading_pair="ETH-USDT")
    with database.engine.begin() as connection:
        for index in (
            "ix_executors_connector_name",
            "ix_executors_trading_pair",
            "ix_executors_search",
        ):
            connection.execute(text(f"DROP INDEX {index}"))
        for column in ("connector_name", "trading_pair", "side", "error_count", "last_error"):
            connection.execute(text(f"ALTER TABLE executors DROP COLUMN {column}"))
        connection.execute(text("UPDATE lpexec_meta SET value = '3' WHERE key = 'schema_version'"))
    database.close()
    # Act
    database = Database.open(database_url)
    store = SqlStore(database)
    # Assert
    found, total = store.search_executors(ExecutorQuery(connector_names=("binance",)))
    assert total == 1 and ids(found) == [executor.id]
    assert (found[0].trading_pair, found[0].side) == ("ETH-USDT", "BUY")
    with database.connect() as connection:
        version = connection.execute(
            text("SELECT value FROM lpexec_meta WHERE key = 'schema_version'")
        ).scalar_one()
    assert version == str(SCHEMA_VERSION) == "6"
    database.close()


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        (
            {"connector_name": "binance", "trading_pair": "SOL-USDT", "side": "SELL"},
            ("binance", "SOL-USDT", "SELL"),
        ),
        (
            {"connector": "solana-mainnet-beta", "trading_pair": "SOL-USDC", "side": 1},
            ("solana-mainnet-beta", "SOL-USDC", "1"),
        ),
        ({}, ("", "", "")),
    ],
)
def test_catalog_fields_read_a_config_of_any_type(config, expected):
    assert catalog_fields(config) == expected


def test_a_search_row_leaves_config_and_state_to_get_executor(sql_store):
    executor = save_order(sql_store, created_at=T0)
    (row,), _ = sql_store.search_executors(ExecutorQuery())
    with pytest.raises(StoreError) as raised:
        row.load_config()
    assert f"get_executor({executor.id!r})" in str(raised.value)
    assert sql_store.get_executor(executor.id).load_config()["connector_name"] == "paper"
