"""``lpexec executors``: search, show, stop, logs and performance of executors of every type.

Every command is a use case of :class:`~lpexec.app.service.ExecutorService`, the one the REST API
and MCP call, so the JSON here is theirs (``--json`` prints the same models). Reads need only the
store; ``stop`` opens the runtime that runs the executor's type (the Gateway for LP and swap, the
exchange for the CEX types) and lets it finish the stop.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import typer
from pydantic import BaseModel
from rich.console import Console
from rich.table import Table

from lpexec.app.registry import CEX_TYPES
from lpexec.app.service import Caller, ExecutorService, SearchFilters
from lpexec.app.service.models import ExecutorRecord, ExecutorReport
from lpexec.app.settings import Settings
from lpexec.app.timestamps import utc_text
from lpexec.core import Database, ExecutorStatus, SqlStore
from lpexec.core.store.database import redact_url

__all__ = ["executors_app", "open_service", "print_model", "record_table"]

executors_app = typer.Typer(no_args_is_help=True)
console = Console()

OPERATOR = Caller()
"""The CLI acts as the operator: it sees every controller's executors."""

DATABASE_OPTION = typer.Option(None, "--database", help="Store URL (default: LPEXEC_DATABASE_URL).")
JSON_OPTION = typer.Option(False, "--json", help="Print JSON (the REST API's models).")


@contextlib.contextmanager
def open_service(database: str | None) -> Iterator[tuple[ExecutorService, str]]:
    """The executor service over the store alone (reads, held positions), and the store URL."""
    url = database or Settings().resolved_database_url()
    db = Database.open(url)
    try:
        yield ExecutorService({}, SqlStore(db)), url
    finally:
        db.close()


def print_model(model: BaseModel | list[Any]) -> None:
    """Print a service model (or a list of them) as the REST API would answer it."""
    if isinstance(model, list):
        data: Any = [item.model_dump(mode="json") for item in model]
    else:
        data = model.model_dump(mode="json")
    typer.echo(json.dumps(data, indent=2))


def record_table(records: list[ExecutorRecord], *, title: str) -> Table:
    """Render executor records as a table; the id (the next command's argument) is never cut."""
    table = Table(title=title)
    table.add_column(
        "id", no_wrap=True, min_width=max((len(r.executor_id) for r in records), default=2)
    )
    table.add_column("controller")
    table.add_column("type")
    table.add_column("status", no_wrap=True, min_width=10)  # TERMINATED is the longest
    for column in ("close type", "net P&L", "fees paid", "volume", "stranded"):
        table.add_column(column)
    for record in records:
        table.add_row(
            record.executor_id,
            record.controller_id,
            record.executor_type,
            record.lifecycle_status,
            record.close_type or "",
            f"{record.net_pnl_quote:f}",
            f"{record.cum_fees_quote:f}",
            f"{record.filled_amount_quote:f}",
            record.stranded_reason or "",
        )
    return table


def details_table(report: ExecutorReport) -> Table:
    """Render a report's type-specific figures (``custom_info``) as a two-column table."""
    table = Table(show_header=False, title=f"{report.executor_type} details")
    for name, value in report.custom_info.items():
        table.add_row(name, value if isinstance(value, str) else json.dumps(value))
    return table


def _filters(
    controller_id: list[str] | None,
    executor_type: list[str] | None,
    connector: list[str] | None,
    pair: list[str] | None,
    status: list[ExecutorStatus] | None,
    stranded: bool,
) -> SearchFilters:
    return SearchFilters(
        controller_ids=controller_id or None,
        executor_types=executor_type or None,
        connector_names=connector or None,
        trading_pairs=pair or None,
        statuses=[value.value for value in status] if status else None,
        stranded=True if stranded else None,
    )


CONTROLLER_OPTION = typer.Option(
    None, "--controller-id", help="Only this controller's executors (repeatable: any of them)."
)
TYPE_OPTION = typer.Option(
    None, "--type", help="Only this type, e.g. lp or lp_executor (repeatable: any of them)."
)
CONNECTOR_OPTION = typer.Option(None, "--connector", help="Only this connector (repeatable).")
PAIR_OPTION = typer.Option(None, "--pair", help="Only this trading pair (repeatable).")
STATUS_OPTION = typer.Option(None, "--status", help="Only these statuses (repeatable).")
STRANDED_OPTION = typer.Option(False, "--stranded", help="Only executors that are stranded.")
LIMIT_OPTION = typer.Option(100, min=1, max=1000, help="Executors per page.")
CURSOR_OPTION = typer.Option(None, "--cursor", help="The next_cursor a previous page printed.")


@executors_app.command("list")
def list_command(
    database: str | None = DATABASE_OPTION,
    controller_id: list[str] | None = CONTROLLER_OPTION,
    executor_type: list[str] | None = TYPE_OPTION,
    connector: list[str] | None = CONNECTOR_OPTION,
    pair: list[str] | None = PAIR_OPTION,
    status: list[ExecutorStatus] | None = STATUS_OPTION,
    stranded: bool = STRANDED_OPTION,
    limit: int = LIMIT_OPTION,
    cursor: str | None = CURSOR_OPTION,
    as_json: bool = typer.Option(False, "--json", help="Print the page's records as JSON."),
) -> None:
    """List executors, running or finished, newest first (a page; see ``search`` for its
    cursor in JSON)."""
    filters = _filters(controller_id, executor_type, connector, pair, status, stranded)
    _search(database, filters, cursor, limit, as_json=as_json, whole_page=False)


@executors_app.command("search")
def search_command(
    database: str | None = DATABASE_OPTION,
    controller_id: list[str] | None = CONTROLLER_OPTION,
    executor_type: list[str] | None = TYPE_OPTION,
    connector: list[str] | None = CONNECTOR_OPTION,
    pair: list[str] | None = PAIR_OPTION,
    status: list[ExecutorStatus] | None = STATUS_OPTION,
    stranded: bool = STRANDED_OPTION,
    limit: int = LIMIT_OPTION,
    cursor: str | None = CURSOR_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Search executors (values of one option are alternatives, options all apply); JSON is
    the page with ``next_cursor`` and ``total_count``."""
    filters = _filters(controller_id, executor_type, connector, pair, status, stranded)
    _search(database, filters, cursor, limit, as_json=as_json, whole_page=True)


def _search(
    database: str | None,
    filters: SearchFilters,
    cursor: str | None,
    limit: int,
    *,
    as_json: bool,
    whole_page: bool,
) -> None:
    """Run one search page and print it: JSON (the whole page, or its records only), or a
    table with the cursor of the next page."""
    with open_service(database) as (service, url):
        page = asyncio.run(service.search(filters, caller=OPERATOR, cursor=cursor, limit=limit))
    if as_json:
        print_model(page if whole_page else page.items)
        return
    console.print(record_table(page.items, title=f"executors in {redact_url(url)}"))
    if page.next_cursor is not None:
        shown = f"{len(page.items)} of {page.total_count}"
        console.print(f"{shown}; next page: --cursor {page.next_cursor}", highlight=False)


@executors_app.command("show")
def show_command(
    executor_id: str = typer.Argument(..., help="The executor id."),
    database: str | None = DATABASE_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Show one executor's report (any type): its record, config and type figures."""
    with open_service(database) as (service, _):
        report = asyncio.run(service.get(executor_id, caller=OPERATOR))
    _print_report(report, as_json=as_json)


def _print_report(report: ExecutorReport, *, as_json: bool) -> None:
    if as_json:
        print_model(report)
        return
    console.print(record_table([report], title=f"executor {report.executor_id}"))
    console.print(details_table(report))


@executors_app.command("logs")
def logs_command(
    executor_id: str = typer.Argument(..., help="The executor id."),
    database: str | None = DATABASE_OPTION,
    level: str | None = typer.Option(None, help="Only this level (DEBUG, INFO, WARNING, ERROR)."),
    limit: int = typer.Option(100, min=1, max=1000, help="The latest this many entries."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Show an executor's latest log entries, oldest first (kept after it ends)."""
    with open_service(database) as (service, _):
        page = asyncio.run(service.logs(executor_id, caller=OPERATOR, level=level, limit=limit))
    if as_json:
        print_model(page)
        return
    for entry in page.logs:
        console.print(
            f"{utc_text(entry.time)} {entry.level} {entry.message}",
            markup=False,
            highlight=False,
        )


@executors_app.command("summary")
def summary_command(database: str | None = DATABASE_OPTION, as_json: bool = JSON_OPTION) -> None:
    """Totals over the active executors: count, P&L, volume, by type, connector and status."""
    with open_service(database) as (service, _):
        summary = asyncio.run(service.summary(caller=OPERATOR))
    if as_json:
        print_model(summary)
        return
    _print_fields(summary, title="active executors")


@executors_app.command("performance")
def performance_command(
    database: str | None = DATABASE_OPTION,
    controller_id: str | None = typer.Option(None, "--controller-id", help="One controller."),
    as_json: bool = JSON_OPTION,
) -> None:
    """P&L, fees, volume and held positions of one controller (or of all)."""
    with open_service(database) as (service, _):
        report = asyncio.run(service.performance(caller=OPERATOR, controller_id=controller_id))
    if as_json:
        print_model(report)
        return
    _print_fields(report, title=f"performance of {controller_id or 'every controller'}")


def _print_fields(model: BaseModel, *, title: str) -> None:
    table = Table(show_header=False, title=title)
    for name, value in model.model_dump(mode="json").items():
        table.add_row(name, value if isinstance(value, str) else json.dumps(value))
    console.print(table)


@executors_app.command("stop")
def stop_command(
    executor_id: str = typer.Argument(..., help="The executor id."),
    database: str | None = DATABASE_OPTION,
    keep_position: bool | None = typer.Option(
        None,
        "--keep-position/--close-position",
        help="Hold the inventory, or flatten it (default: the executor's own keep_position).",
    ),
    gateway: str | None = typer.Option(
        None, "--gateway", help="LP and swap executors: the Gateway URL (unset: paper Gateway)."
    ),
    exchange: str | None = typer.Option(
        None, "--exchange", help="CEX executors: the ccxt exchange (unset: paper exchange)."
    ),
    paper_state: Path | None = typer.Option(
        None, help="The paper venue's state file (default: in the user data directory)."
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Stop any executor on the venue its type runs on and wait for it to end. A finished one
    is shown as it is, nothing changed."""
    with open_service(database) as (service, url):
        report = asyncio.run(service.get(executor_id, caller=OPERATOR))
    if report.is_active:
        keep = keep_position
        if keep is None:
            keep = bool(report.config.get("keep_position", False))
        report = asyncio.run(_stop(report, keep, url, gateway, exchange, paper_state))
    _print_report(report, as_json=as_json)


async def _stop(
    report: ExecutorReport,
    keep_position: bool,
    url: str,
    gateway: str | None,
    exchange: str | None,
    paper_state: Path | None,
) -> ExecutorReport:
    type_name = report.executor_type.removesuffix("_executor")  # lpexec's name: lp, order...
    async with _runtime_for(type_name, url, gateway, exchange, paper_state) as runtime:
        engines = {type_name: runtime.engine}
        service = ExecutorService(engines, runtime.engine.store)
        await service.stop(report.executor_id, caller=OPERATOR, keep_position=keep_position)
        await runtime.settle()
        return await service.get(report.executor_id, caller=OPERATOR)


@contextlib.asynccontextmanager
async def _runtime_for(
    executor_type: str,
    url: str,
    gateway: str | None,
    exchange: str | None,
    paper_state: Path | None,
) -> AsyncIterator[Any]:
    """The runtime that runs ``executor_type`` (our name), opened on ``url``, closed after."""
    from lpexec.app.cli.cex_options import CexConnection
    from lpexec.app.cli.options import Connection

    runtime: Any
    if executor_type in CEX_TYPES:
        runtime = await CexConnection(exchange, url, paper_state, 0, 0.0).open()
    else:
        runtime = await Connection(gateway, None, None, None, None, url, paper_state, 0).open()
    try:
        yield runtime
    finally:
        await runtime.aclose()
