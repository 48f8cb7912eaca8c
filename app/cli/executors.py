"""``lpexec executors``: list, show and stop executors of every type."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from lpexec.app.registry import CEX_TYPES, EXECUTOR_TYPES
from lpexec.app.settings import Settings
from lpexec.core import (
    Database,
    Engine,
    ExecutorInfo,
    ExecutorStatus,
    LiveClock,
    UnknownExecutorError,
)
from lpexec.core.store.database import redact_url

__all__ = ["details_table", "executors_app", "info_table"]

executors_app = typer.Typer(no_args_is_help=True)
console = Console()

DATABASE_OPTION = typer.Option(None, "--database", help="Store URL (default: LPEXEC_DATABASE_URL).")


def info_table(infos: list[ExecutorInfo], *, title: str) -> Table:
    """Render executor reports as a table."""
    table = Table(title=title)
    # The id is the one argument the next command needs: never truncated.
    table.add_column(
        "id", no_wrap=True, min_width=max((len(i.executor_id) for i in infos), default=2)
    )
    table.add_column("controller")
    table.add_column("type")
    # The status is what one looks for: never truncated either (TERMINATED is the longest).
    table.add_column("status", no_wrap=True, min_width=10)
    for column in ("close type", "net P&L", "fees paid", "volume", "stranded"):
        table.add_column(column)
    for info in infos:
        table.add_row(
            info.executor_id,
            info.controller_id,
            info.type,
            info.status.value,
            info.close_type.value if info.close_type else "",
            f"{info.net_pnl_quote:.6f}",
            f"{info.fees_paid_quote:.6f}",
            f"{info.volume_quote:.6f}",
            info.stranded_reason or "",
        )
    return table


@executors_app.command("list")
def list_command(
    database: str | None = DATABASE_OPTION,
    controller_id: str | None = typer.Option(None, help="Only this controller's executors."),
    status: list[ExecutorStatus] | None = typer.Option(None, help="Only these statuses."),
    stranded: bool = typer.Option(False, "--stranded", help="Only executors that are stranded."),
    limit: int = typer.Option(100, min=1, max=10_000),
    offset: int = typer.Option(0, min=0),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
) -> None:
    """List executors, newest first."""
    url = database or Settings().resolved_database_url()
    db = Database.open(url)
    engine = Engine(database=db, clock=LiveClock(), executor_types=EXECUTOR_TYPES, venues={})
    infos = engine.infos(
        controller_id=controller_id,
        status=[value.value for value in status] if status else None,
        stranded=True if stranded else None,
        limit=limit,
        offset=offset,
    )
    db.close()
    if as_json:
        typer.echo(json.dumps([info.model_dump(mode="json") for info in infos], indent=2))
        return
    console.print(info_table(infos, title=f"executors in {redact_url(url)}"))


def details_table(info: ExecutorInfo) -> Table:
    """Render the per-type part of a report (every field of its details) as a two-column table."""
    table = Table(show_header=False, title=f"{info.type} details")
    details = info.details
    if details is not None:
        for name, value in details.model_dump(mode="json").items():
            table.add_row(name, value if isinstance(value, str) else json.dumps(value))
    return table


@executors_app.command("show")
def show_command(
    executor_id: str = typer.Argument(..., help="The executor id."),
    database: str | None = DATABASE_OPTION,
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of tables."),
) -> None:
    """Show one executor's report (any type) from the store."""
    url = database or Settings().resolved_database_url()
    db = Database.open(url)
    try:
        engine = Engine(database=db, clock=LiveClock(), executor_types=EXECUTOR_TYPES, venues={})
        if not engine.has_executor(executor_id):
            raise UnknownExecutorError(executor_id)
        info = engine.info(executor_id)
    finally:
        db.close()
    if as_json:
        typer.echo(json.dumps(info.model_dump(mode="json"), indent=2))
        return
    console.print(info_table([info], title=f"executor {executor_id}"))
    console.print(details_table(info))


@executors_app.command("stop")
def stop_command(
    executor_id: str = typer.Argument(..., help="The executor id."),
    database: str | None = DATABASE_OPTION,
    keep_position: bool | None = typer.Option(
        None,
        "--keep-position/--close-position",
        help="Hold the inventory, or flatten it (default: the executor's own setting).",
    ),
    gateway: str | None = typer.Option(
        None, "--gateway", help="LP and swap executors: the Gateway URL (unset: paper Gateway)."
    ),
    exchange: str | None = typer.Option(
        None, "--exchange", help="Order executors: the ccxt exchange (unset: paper exchange)."
    ),
    paper_state: Path | None = typer.Option(
        None, help="The paper venue's state file (default: in the user data directory)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of tables."),
) -> None:
    """Stop any executor, on the venue its type runs on (LP and swap executors through the
    Gateway, order executors through the exchange)."""
    from lpexec.app.cli.cex_options import CexConnection
    from lpexec.app.cli.options import Connection

    url = database or Settings().resolved_database_url()
    db = Database.open(url)
    try:
        engine = Engine(database=db, clock=LiveClock(), executor_types=EXECUTOR_TYPES, venues={})
        if not engine.has_executor(executor_id):
            raise UnknownExecutorError(executor_id)
        executor_type = engine.info(executor_id).type
    finally:
        db.close()

    async def stop(runtime: Any) -> ExecutorInfo:
        if runtime.engine.info(executor_id).is_done:
            return runtime.engine.info(executor_id)  # already ended: its report, nothing changed
        await runtime.engine.stop(executor_id, keep_position=keep_position)
        await runtime.settle()
        info: ExecutorInfo = runtime.engine.info(executor_id)
        return info

    async def main() -> ExecutorInfo:
        runtime: Any
        if executor_type in CEX_TYPES:
            runtime = await CexConnection(exchange, url, paper_state, 0, 0.0).open()
        else:
            connection = Connection(gateway, None, None, None, None, url, paper_state, 0)
            runtime = await connection.open()
        try:
            return await stop(runtime)
        finally:
            await runtime.aclose()

    info = asyncio.run(main())
    if as_json:
        typer.echo(json.dumps(info.model_dump(mode="json"), indent=2))
        return
    console.print(info_table([info], title=f"executor {executor_id}"))
    console.print(details_table(info))
