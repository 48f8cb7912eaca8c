"""``lpexec demo``: the end-to-end demo on the paper venues (no Gateway, no exchange)."""

from __future__ import annotations

import asyncio
import json
import tempfile
from decimal import Decimal
from pathlib import Path

import typer
from rich.console import Console

from app.cli.executors import info_table
from core import Database, Engine, ExecutorInfo, LiveClock

__all__ = ["demo_command"]

console = Console()


def demo_command(
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
) -> None:
    """Run the best end-to-end job available on the paper default and print its report."""
    infos = asyncio.run(_core_demo())
    if as_json:
        typer.echo(json.dumps([info.model_dump(mode="json") for info in infos], indent=2))
        return
    console.print(
        "[bold]lpexec demo[/bold]: the core engine runs one order executor and one liquidity "
        "executor against a durable test venue, through intents, outcomes and the store. "
        "The LP lifecycle demo on the paper Gateway replaces this once the LP executor lands."
    )
    console.print(info_table(infos, title="executor reports"))


async def _core_demo() -> list[ExecutorInfo]:
    from fixtures.executors import (
        BarrierOrderConfig,
        BarrierOrderExecutor,
        RangeLiquidityConfig,
        RangeLiquidityExecutor,
    )
    from fixtures.venues import LedgerVenue

    clock = LiveClock()
    with tempfile.TemporaryDirectory() as folder:
        database = Database.open(f"sqlite:///{Path(folder) / 'demo.db'}")
        venue = LedgerVenue(Path(folder) / "venue.db", clock=clock)
        engine = Engine(
            database=database,
            clock=clock,
            executor_types=[BarrierOrderExecutor, RangeLiquidityExecutor],
            venues={"exchange": venue, "dex": venue},
        )
        await engine.start()
        order = BarrierOrderConfig(amount=Decimal(2), take_profit=Decimal("0.02"))
        liquidity = RangeLiquidityConfig(
            lower_price=Decimal(95),
            upper_price=Decimal(105),
            base_amount=Decimal(1),
            quote_amount=Decimal(100),
        )
        await engine.create(order)
        await engine.create(liquidity)
        await engine.drain()
        for price in ("101", "102.5", "106"):
            venue.price = Decimal(price)
            engine.publish_price("SOL-USDC", Decimal(price))
            await engine.drain()
        infos = [engine.info(order.id), engine.info(liquidity.id)]
        database.close()
        venue.close()
    return infos
