"""The claim both leases share, on SQLite and on the real PostgreSQL: only free rows that meet
the filter, in order, up to the limit, each at a token raised by one; held rows are left."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from sqlalchemy import event, text

from lpexec.core import Database
from lpexec.core.clock import LiveClock
from lpexec.core.store.claims import (
    CONTROLLER_LEASE,
    claim_free,
    drop_lost,
    release_held,
    renew_held,
)

TTL = dt.timedelta(seconds=30)
TABLE = CONTROLLER_LEASE.table


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    opened = Database.open(database_url)
    yield opened
    opened.close()


def claim(database: Database, owner: str, ids: list[str], limit: int | None) -> dict[str, int]:
    with database.engine.begin() as connection:
        return claim_free(
            connection,
            CONTROLLER_LEASE,
            where=[TABLE.c.controller_id.in_(ids)],
            order_by=[TABLE.c.controller_id.desc()],
            limit=limit,
            owner=owner,
            clock=LiveClock(),
            ttl=TTL,
        )


def register(database: Database, ids: list[str]) -> None:
    with database.engine.begin() as connection:
        connection.execute(TABLE.insert(), [{"controller_id": cid, "token": 0} for cid in ids])


def expire(database: Database, controller_id: str) -> None:
    """The row's lease ran out."""
    with database.engine.begin() as connection:
        connection.execute(
            TABLE.update()
            .where(TABLE.c.controller_id == controller_id)
            .values(expires_at=dt.datetime(2000, 1, 1, tzinfo=dt.UTC))
        )


def test_a_claim_takes_the_first_free_rows_of_the_filter_up_to_the_limit(database):
    # Arrange
    register(database, ["a", "b", "c", "d"])
    # Act
    first = claim(database, "d1", ["a", "b", "c"], limit=2)
    second = claim(database, "d2", ["a", "b", "c"], limit=None)
    third = claim(database, "d3", ["a", "b", "c", "d"], limit=None)
    # Assert: in order (c, b), a held row is left, the filter keeps d out until asked
    assert first == {"c": 1, "b": 1}
    assert second == {"a": 1}
    assert third == {"d": 1}
    assert all(isinstance(token, int) for token in first.values())
    with database.engine.connect() as connection:
        owners = dict(
            connection.execute(text("SELECT controller_id, owner FROM controller_leases")).all()
        )
    assert owners == {"a": "d2", "b": "d1", "c": "d1", "d": "d3"}


def test_a_released_or_expired_row_is_claimed_again_at_the_next_token(database):
    # Arrange
    register(database, ["a", "b", "c"])
    claim(database, "d1", ["a", "b", "c"], limit=None)
    with database.engine.begin() as connection:
        connection.execute(
            TABLE.update().where(TABLE.c.controller_id == "a").values(owner=None, expires_at=None)
        )
    expire(database, "b")
    # Act
    again = claim(database, "d2", ["a", "b", "c"], limit=None)
    # Assert
    assert again == {"b": 2, "a": 2}


def test_a_lease_claimed_while_the_renewal_read_the_rows_is_not_taken_for_lost(database):
    # Arrange: this process holds "a"; the renewal copies what it holds and reads the rows, then
    # a claim on another thread commits "b" and adds it, after the read
    with database.engine.begin() as connection:
        connection.execute(TABLE.insert(), [{"controller_id": cid} for cid in ("a", "b")])
    held = claim(database, "me", ["a"], limit=None)
    before = dict(held)
    with database.engine.begin() as connection:
        still = renew_held(
            connection, CONTROLLER_LEASE, before, owner="me", clock=LiveClock(), ttl=TTL
        )
    held.update(claim(database, "me", ["b"], limit=None))
    # Act
    lost = drop_lost(held, still, before=before)
    # Assert: nothing lost; both held at their tokens (the next renewal finds "b")
    assert lost == set() and sorted(held) == ["a", "b"]
    with database.engine.begin() as connection:
        again = renew_held(
            connection, CONTROLLER_LEASE, held, owner="me", clock=LiveClock(), ttl=TTL
        )
    assert drop_lost(held, again, before=dict(held)) == set() and again == held


def test_a_lease_another_process_claimed_is_lost_unless_claimed_again_since():
    held = {"a": 3, "b": 5, "c": 7}
    before = dict(held)
    still = {"c": 7}  # "a" and "b" are someone else's now (or expired)
    held["b"] = 6  # "b" claimed again by this process after the renewal read the rows
    lost = drop_lost(held, still, before=before, keep={"c"})
    assert lost == {"a"} and held == {"b": 6, "c": 7}


def test_a_release_gives_up_only_the_rows_held_at_the_tokens_named(database):
    # Arrange: "me" holds a, b and c; c was claimed again since at a higher token (b by
    # another process after its lease ran out)
    register(database, ["a", "b", "c", "d"])
    held = claim(database, "me", ["a", "b", "c"], limit=None)
    expire(database, "b")
    taken = claim(database, "other", ["b"], limit=None)
    expire(database, "c")
    again = claim(database, "me", ["c"], limit=None)
    # Act: release a, b and c at the tokens of the first claim
    with database.engine.begin() as connection:
        release_held(connection, CONTROLLER_LEASE, held.items(), owner="me")
    # Assert: a is free; b stays the other's, c stays mine at its new token; d was never held
    assert held == {"a": 1, "b": 1, "c": 1} and taken == {"b": 2} and again == {"c": 2}
    with database.engine.connect() as connection:
        rows = connection.execute(
            text("SELECT controller_id, owner, token FROM controller_leases ORDER BY 1")
        ).all()
    assert [tuple(row) for row in rows] == [
        ("a", None, 1),
        ("b", "other", 2),
        ("c", "me", 2),
        ("d", None, 0),
    ]


def test_a_release_of_thousands_of_rows_is_one_statement_on_postgresql(postgres_url):
    # Arrange: 3,000 rows held
    database = Database.open(postgres_url)
    ids = [f"x{index:05d}" for index in range(3000)]
    register(database, ids)
    held = claim(database, "me", ids, limit=None)
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    event.listen(database.engine, "before_cursor_execute", count)
    # Act
    with database.engine.begin() as connection:
        release_held(connection, CONTROLLER_LEASE, held.items(), owner="me")
    event.remove(database.engine, "before_cursor_execute", count)
    # Assert: every row free, in one UPDATE
    with database.engine.connect() as connection:
        owned = connection.execute(
            text("SELECT count(*) FROM controller_leases WHERE owner IS NOT NULL")
        ).scalar_one()
    database.close()
    assert owned == 0 and len(held) == 3000
    assert [s.split()[0] for s in statements] == ["UPDATE"]
