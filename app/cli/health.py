"""``lpexec health``: is the Gateway (paper or real) reachable and the store readable?

Exit status 0 when every check passed, 1 otherwise; each check says what it tried and what
went wrong, so a script can run it before the commands that act.
"""

from __future__ import annotations

import asyncio
from dataclasses import asdict, dataclass, replace

import typer
from rich.console import Console
from rich.table import Table

from lpexec.app.cli.hoist import OptionsAnywhereGroup
from lpexec.app.cli.options import JSON_OPTION, Connection, connection_options
from lpexec.app.cli.output import print_json
from lpexec.app.cli.tables import add_row
from lpexec.app.cli.venue import venue_of

__all__ = ["Check", "health_app"]


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
        return Check("store", False, str(e))  # the store's errors name the (redacted) URL
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


class _HealthGroup(OptionsAnywhereGroup):
    default_command = "check"


health_app = typer.Typer(callback=connection_options, cls=_HealthGroup)


@health_app.command("check", hidden=True)
def health_command(ctx: typer.Context, as_json: bool = JSON_OPTION) -> None:
    """Check that the Gateway (paper or real) answers and the store can be read."""
    connection: Connection = ctx.obj
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
