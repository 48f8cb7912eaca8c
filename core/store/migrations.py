"""Schema migrations: from each older schema version, the steps that bring a database one version
up (:data:`MIGRATIONS`). :meth:`~core.store.database.Database.open` runs them in order.

The tables of the current schema are created (``create_all``) before the steps run, so a step
adds what ``create_all`` cannot: columns and indexes of tables that existed, and data rewrites.
Steps are idempotent (a column or index already there is left alone).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection

__all__ = ["MIGRATIONS", "Step", "catalog_fields"]

Step = str | Callable[[Connection], None]


def catalog_fields(config: Mapping[str, Any] | Any) -> tuple[str, str, str]:
    """``(connector_name, trading_pair, side)`` of an executor config (a model or its JSON).

    The connector is the config's ``connector_name`` (exchange executors) or ``connector`` (the
    Gateway network of LP and swap executors); a side that is an enum is stored by its name.
    """

    def read(name: str) -> Any:
        if isinstance(config, Mapping):
            return config.get(name)
        return getattr(config, name, None)

    connector = read("connector_name") or read("connector") or ""
    pair = read("trading_pair") or ""
    side = read("side")
    side_name = getattr(side, "name", None)
    if side_name is None:
        side_name = "" if side is None else str(side)
    return str(connector), str(pair), str(side_name)


def _intent_evidence(connection: Connection) -> None:
    """Schema 2: intents keep the evidence the adapter gathered while sending."""
    if "evidence_json" not in _columns(connection, "intents"):
        connection.exec_driver_sql("ALTER TABLE intents ADD COLUMN evidence_json TEXT")


def _pool_prices_of_their_own(connection: Connection) -> None:
    """Schema 3: a pool's price is its own event (``PoolPriceUpdated``, in the LP family); a
    journaled ``PriceUpdated`` keeps only the pair and the price."""
    rows = connection.execute(
        text("SELECT id, payload_json FROM journal WHERE kind = 'PriceUpdated'")
    ).all()
    for row_id, payload_json in rows:
        payload = json.loads(payload_json)
        data = payload["data"]
        pool_address = data.pop("pool_address", None)
        active_bin_id = data.pop("active_bin_id", None)
        if pool_address is not None:
            payload["kind"] = "PoolPriceUpdated"
            data.update(pool_address=pool_address, active_bin_id=active_bin_id)
        connection.execute(
            text("UPDATE journal SET kind = :kind, payload_json = :payload WHERE id = :id"),
            {
                "kind": payload["kind"],
                "payload": json.dumps(payload, separators=(",", ":"), sort_keys=True),
                "id": row_id,
            },
        )


_SEARCH_COLUMNS = (
    ("connector_name", "VARCHAR(128) NOT NULL DEFAULT ''"),
    ("trading_pair", "VARCHAR(64) NOT NULL DEFAULT ''"),
    ("side", "VARCHAR(16) NOT NULL DEFAULT ''"),
    ("account_name", "VARCHAR(64) NOT NULL DEFAULT 'master_account'"),
    ("error_count", "INTEGER NOT NULL DEFAULT 0"),
    ("last_error", "TEXT"),
)
_SEARCH_INDEXES = (
    ("ix_executors_connector_name", "connector_name"),
    ("ix_executors_trading_pair", "trading_pair"),
    ("ix_executors_account_name", "account_name"),
    (
        "ix_executors_search",
        "created_at, executor_id, controller_id, connector_name, trading_pair, type, "
        "account_name, status",
    ),
)


def _searchable_executors(connection: Connection) -> None:
    """Schema 4: the columns searches filter on (connector, pair, side, account) and the error
    counters, filled from each executor's config; the executor log table is new (created)."""
    present = _columns(connection, "executors")
    for name, definition in _SEARCH_COLUMNS:
        if name not in present:
            connection.exec_driver_sql(f"ALTER TABLE executors ADD COLUMN {name} {definition}")
    indexes = {index["name"] for index in inspect(connection).get_indexes("executors")}
    for name, columns in _SEARCH_INDEXES:
        if name not in indexes:
            connection.exec_driver_sql(f"CREATE INDEX {name} ON executors ({columns})")
    rows = connection.execute(
        text("SELECT executor_id, config_json FROM executors WHERE connector_name = ''")
    ).all()
    for executor_id, config_json in rows:
        connector, pair, side = catalog_fields(json.loads(config_json))
        connection.execute(
            text(
                "UPDATE executors SET connector_name = :connector, trading_pair = :pair, "
                "side = :side WHERE executor_id = :id"
            ),
            {"connector": connector, "pair": pair, "side": side, "id": executor_id},
        )


def _lease_tokens(connection: Connection) -> None:
    """Schema 5: executors carry a fencing token beside their lease; the workers table is new
    (created)."""
    if "lease_token" not in _columns(connection, "executors"):
        connection.exec_driver_sql(
            "ALTER TABLE executors ADD COLUMN lease_token INTEGER NOT NULL DEFAULT 0"
        )


def _columns(connection: Connection, table: str) -> set[str]:
    return {column["name"] for column in inspect(connection).get_columns(table)}


MIGRATIONS: dict[str, tuple[str, tuple[Step, ...]]] = {
    "1": ("2", (_intent_evidence,)),
    "2": ("3", (_pool_prices_of_their_own,)),
    "3": ("4", (_searchable_executors,)),
    "4": ("5", (_lease_tokens,)),
    "5": ("6", ()),  # the stop_requests table is new (created)
}
"""From schema version: (to version, the statements or steps that get there)."""
