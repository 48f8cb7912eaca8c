"""``lpexec health``: is the Gateway (paper or real) reachable and the store readable?

Exit status 0 when every check passed, 1 otherwise; each check says what it tried and what
went wrong, so a script can run it before the commands that act.
"""

from __future__ import annotations

import asyncio
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from lpexec.app.cli.options import (
    CA_CERT_OPTION,
    CLIENT_CERT_OPTION,
    CLIENT_KEY_OPTION,
    DATABASE_OPTION,
    GATEWAY_OPTION,
    JSON_OPTION,
    PAPER_STATE_OPTION,
    SEED_OPTION,
    WALLET_OPTION,
    Connection,
)
from lpexec.app.cli.output import print_json
from lpexec.app.cli.tables import add_row
from lpexec.app.cli.venue import venue_of

__all__ = ["Check", "health_command"]


@dataclass(frozen=True)
class Check:
    """One check: what was checked, whether it passed, and what was seen."""

    name: str
    ok: bool
    detail: str


def _check_store(connection: Connection) -> Check:
    from lpexec.core import Database, SqlStore
    from lpexec.core.store.database import redact_url

    url = connection.database_url()
    try:
        database = Database.open(url)
        try:
            count = len(SqlStore(database).list_executors(limit=1_000_000))
        finally:
            database.close()
    except Exception as e:  # every failure is the check's answer, not a crash
        return Check("store", False, f"{redact_url(url)}: {e}")
    return Check("store", True, f"{redact_url(url)}: readable, {count} executors")


async def _check_gateway(connection: Connection) -> Check:
    # Over a store in memory: the Gateway's answer does not depend on the store's.
    try:
        runtime = await replace(connection, database="sqlite://").open(read_only=True)
    except Exception as e:
        return Check("gateway", False, str(e))
    try:
        status = await runtime.client.health()
    except Exception as e:
        return Check("gateway", False, f"{type(e).__name__}: {e}")
    finally:
        await runtime.aclose()
    return Check("gateway", status.status == "ok", f"answered status {status.status!r}")


def health_command(
    gateway: str | None = GATEWAY_OPTION,
    client_cert: Path | None = CLIENT_CERT_OPTION,
    client_key: Path | None = CLIENT_KEY_OPTION,
    ca_cert: Path | None = CA_CERT_OPTION,
    wallet: str | None = WALLET_OPTION,
    database: str | None = DATABASE_OPTION,
    paper_state: Path | None = PAPER_STATE_OPTION,
    seed: int = SEED_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Check that the Gateway (paper or real) answers and the store can be read."""
    connection = Connection(
        gateway, client_cert, client_key, ca_cert, wallet, database, paper_state, seed
    )
    venue = venue_of(connection)
    checks = [_check_store(connection), asyncio.run(_check_gateway(connection))]
    healthy = all(check.ok for check in checks)
    if as_json:
        print_json({"ok": healthy, "venue": venue, "checks": [asdict(c) for c in checks]})
    else:
        table = Table(title=f"lpexec health: {venue['label']}")
        for column in ("check", "ok", "detail"):
            table.add_column(column)
        for check in checks:
            add_row(table, check.name, "yes" if check.ok else "NO", check.detail)
        Console().print(table)
    if not healthy:
        raise typer.Exit(1)
