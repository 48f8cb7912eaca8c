"""Tables of executor reports for the ``lp``, ``swap`` and exchange commands."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from rich.markup import escape
from rich.table import Table

if TYPE_CHECKING:
    from lpexec.core import ExecutorInfo

__all__ = ["add_row", "details_table", "info_table"]


def add_row(table: Table, *cells: str) -> None:
    """Add a row of text, not markup: a reason like ``expected [a-z0-9-]`` prints as written."""
    table.add_row(*(escape(cell) for cell in cells))


def info_table(infos: list[ExecutorInfo], *, title: str) -> Table:
    """Render executor reports as a table; the id (the next command's argument) is never cut."""
    table = Table(title=title)
    table.add_column(
        "id", no_wrap=True, min_width=max((len(i.executor_id) for i in infos), default=2)
    )
    table.add_column("controller")
    table.add_column("type")
    table.add_column("status", no_wrap=True, min_width=10)  # TERMINATED is the longest
    for column in ("close type", "net P&L", "fees paid", "volume", "stranded"):
        table.add_column(column)
    for info in infos:
        add_row(
            table,
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


def details_table(info: ExecutorInfo) -> Table:
    """Render the per-type part of a report (every field of its details) as a two-column table."""
    table = Table(show_header=False, title=f"{info.type} details")
    details = info.details
    if details is not None:
        for name, value in details.model_dump(mode="json").items():
            add_row(table, name, value if isinstance(value, str) else json.dumps(value))
    return table
