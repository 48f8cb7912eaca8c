"""The store on SQLite and on the real PostgreSQL: round trips, exact money, schema version."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import text

from fixtures.executors import BarrierOrderConfig, BarrierOrderExecutor
from lpexec.core import UTC, Database, ExecutorStatus, PriceUpdated, SqlStore, StoreError
from lpexec.core.errors import SchemaVersionMismatchError
from lpexec.core.serialization import decode_message, loads
from lpexec.core.store import SCHEMA_VERSION, IntentStatus
from lpexec.core.store import repository as repo
from lpexec.lp.messages import ClosePosition, OpenPosition, PoolPriceUpdated

NOW = dt.datetime(2026, 3, 1, 12, 30, 15, 123456, tzinfo=UTC)


def test_executor_round_trip_keeps_exact_money_and_aware_times(database_url):
    # Arrange
    db = Database.open(database_url)
    executor = BarrierOrderExecutor(
        BarrierOrderConfig(amount=Decimal("1.000000000000000001"), controller_id="bot-a"),
        created_at=NOW,
    )
    executor.state.open_base = Decimal("1.000000000000000001")
    executor.state.open_quote = Decimal("123456789.123456789012345678")
    # Act
    with db.connect() as connection:
        repo.save_executor(
            connection,
            info=executor.info(NOW),
            config_json=executor.config.model_dump_json(),
            snapshot=executor.snapshot(),
            now=NOW,
        )
        connection.commit()
    with db.connect() as connection:
        row = repo.get_executor(connection, executor.id)
    # Assert
    assert row is not None
    assert row.value_quote == Decimal("123456789.123456789012345678")
    assert row.created_at == NOW and row.created_at.tzinfo is not None
    assert row.status == ExecutorStatus.CREATED.value and row.controller_id == "bot-a"
    restored = BarrierOrderExecutor.restore(
        BarrierOrderConfig.model_validate_json(row.config_json), loads(row.state_json)
    )
    assert restored.state == executor.state
    db.close()


def test_journal_and_intents_round_trip(database_url):
    db = Database.open(database_url)
    command = OpenPosition(
        command_id="e1-1",
        executor_id="e1",
        venue="meteora/clmm",
        pool_address="P",
        trading_pair="SOL-USDC",
        lower_price=Decimal("140.5"),
        upper_price=Decimal(160),
        base_amount=Decimal("0.1"),
        quote_amount=Decimal(15),
        slippage=Decimal("0.01"),
    )
    event = PriceUpdated(ts_event=NOW, trading_pair="SOL-USDC", price=Decimal("150.25"))
    with db.connect() as connection:
        repo.insert_intent(connection, command, now=NOW)
        repo.append_journal(connection, executor_id="e1", seq=1, event=event)
        connection.commit()
    with db.connect() as connection:
        repo.set_intent_status(connection, "e1-1", IntentStatus.SENT, now=NOW, count_attempt=True)
        connection.commit()
        (intent,) = repo.open_intents(connection)
        (entry,) = repo.journal_for(connection, "e1")
        seqs = repo.last_journal_seq(connection)
    assert decode_message(loads(intent.payload_json)) == command
    assert (intent.status, intent.attempts) == (IntentStatus.SENT, 1)
    assert decode_message(loads(entry.payload_json)) == event
    assert seqs == {"e1": 1}
    db.close()


def test_list_filters_in_sql_with_pages(database_url):
    db = Database.open(database_url)
    with db.connect() as connection:
        for index in range(5):
            executor = BarrierOrderExecutor(
                BarrierOrderConfig(
                    amount=Decimal(1), controller_id="a" if index % 2 else "b", id=f"x{index}"
                ),
                created_at=NOW + dt.timedelta(seconds=index),
            )
            repo.save_executor(
                connection,
                info=executor.info(NOW),
                config_json="{}",
                snapshot=executor.snapshot(),
                now=NOW,
            )
        connection.commit()
        page = repo.list_executors(connection, controller_id="b", limit=2)
        rest = repo.list_executors(connection, controller_id="b", limit=2, offset=2)
    assert [row.executor_id for row in page] == ["x4", "x2"]
    assert [row.executor_id for row in rest] == ["x0"]
    db.close()


def test_a_database_of_another_schema_version_is_refused(database_url):
    db = Database.open(database_url)
    with db.engine.begin() as connection:
        connection.execute(text("UPDATE lpexec_meta SET value = '99' WHERE key = 'schema_version'"))
    db.close()
    with pytest.raises(SchemaVersionMismatchError) as raised:
        Database.open(database_url)
    assert str(raised.value) == (
        f"database schema version is 99, this lpexec expects {SCHEMA_VERSION}; "
        "use a database written by the same version or a new one"
    )


def test_a_version_1_database_is_migrated_and_its_intents_keep_their_place(database_url):
    # Arrange: a database as version 1 wrote it (no evidence column), with an open intent
    db = Database.open(database_url)
    store = SqlStore(db)
    command = ClosePosition(
        command_id="x-1", executor_id="x", venue="v", position_address="p", pool_address="q"
    )
    with store.transaction() as unit:
        unit.insert_intent(command, now=NOW)
    with db.engine.begin() as connection:
        connection.execute(text("ALTER TABLE intents DROP COLUMN evidence_json"))
        connection.execute(text("UPDATE lpexec_meta SET value = '1' WHERE key = 'schema_version'"))
    db.close()
    # Act
    db = Database.open(database_url)
    store = SqlStore(db)
    with store.transaction() as unit:
        unit.add_intent_evidence("x-1", {"signature": "s"}, now=NOW)
    # Assert
    (intent,) = store.open_intents()
    assert (intent.intent_id, intent.evidence) == ("x-1", {"signature": "s"})
    with db.connect() as connection:
        version = connection.execute(
            text("SELECT value FROM lpexec_meta WHERE key = 'schema_version'")
        ).scalar_one()
    assert version == str(SCHEMA_VERSION)
    db.close()


def test_a_bad_url_is_a_clear_error():
    with pytest.raises(StoreError) as raised:
        Database.open("not a url")
    assert "expected a SQLAlchemy URL" in str(raised.value)
    assert "received 'not a url'" in str(raised.value)


def test_an_unreachable_database_error_hides_the_password():
    with pytest.raises(StoreError) as raised:
        Database.open("postgresql+psycopg://u:s3cret@127.0.0.1:1/x?connect_timeout=1")
    assert "s3cret" not in str(raised.value)
    assert "did not answer" in str(raised.value)


def test_sqlite_uses_wal(sqlite_url):
    db = Database.open(sqlite_url)
    with db.engine.connect() as connection:
        mode = connection.execute(text("PRAGMA journal_mode")).scalar()
    assert mode == "wal"
    db.close()


def test_a_version_2_journal_keeps_its_pool_prices_as_the_lp_familys_event(database_url):
    # Arrange: a version-2 journal, where a price carried the pool and its bin
    db = Database.open(database_url)
    old = '{"data":{"active_bin_id":%s,"pool_address":%s,"price":"101","trading_pair":"SOL-USDC","ts_event":"2026-01-01T00:00:00Z"},"kind":"PriceUpdated"}'  # noqa: E501
    with db.engine.begin() as connection:
        for seq, (bin_id, pool) in enumerate([("7", '"pool-1"'), ("null", "null")], start=1):
            connection.execute(
                text(
                    "INSERT INTO journal (executor_id, seq, kind, ts_event, payload_json) "
                    "VALUES ('x', :seq, 'PriceUpdated', :ts, :payload)"
                ),
                {"seq": seq, "ts": NOW, "payload": old % (bin_id, pool)},
            )
        connection.execute(text("UPDATE lpexec_meta SET value = '2' WHERE key = 'schema_version'"))
    db.close()
    # Act
    db = Database.open(database_url)
    with db.connect() as connection:
        rows = connection.execute(text("SELECT kind, payload_json FROM journal ORDER BY seq")).all()
    db.close()
    # Assert
    pool_price, pair_price = (decode_message(loads(payload)) for _, payload in rows)
    assert [kind for kind, _ in rows] == ["PoolPriceUpdated", "PriceUpdated"]
    assert isinstance(pool_price, PoolPriceUpdated)
    assert (pool_price.pool_address, pool_price.active_bin_id) == ("pool-1", 7)
    assert pool_price.keys() == ("SOL-USDC", "pool-1")
    assert type(pair_price) is PriceUpdated and pair_price.price == Decimal(101)
