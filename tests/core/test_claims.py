"""The claim both leases share, on SQLite and on the real PostgreSQL: only free rows that meet
the filter, in order, up to the limit, each at a token raised by one; held rows are left."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from sqlalchemy import text

from lpexec.core import Database
from lpexec.core.clock import LiveClock
from lpexec.core.store.claims import CONTROLLER_LEASE, claim_free, drop_lost, renew_held

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
        connection.execute(
            TABLE.update()
            .where(TABLE.c.controller_id == "b")
            .values(expires_at=dt.datetime(2000, 1, 1, tzinfo=dt.UTC))
        )
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
