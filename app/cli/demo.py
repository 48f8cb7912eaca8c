"""``lpexec demo``: a real LP lifecycle on the paper venues (no Gateway, no exchange)."""

from __future__ import annotations

import asyncio
import json
from decimal import Decimal
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from lpexec.app.lp_demo import DemoBar, DemoResult, run_lp_demo

__all__ = ["demo_command", "render_report"]

console = Console()

LEDGER_CHECKS = (
    ("position rent (SOL)", "position_rent_native", "position_rent_sol"),
    ("rent refunded (SOL)", "position_rent_refunded_native", "rent_refunded_sol"),
    ("BinArray rent sunk (SOL)", "rent_sunk_native", "rent_sunk_sol"),
    ("tx fees (SOL)", "tx_fee_native", "tx_fees_sol"),
    ("fees earned (SOL)", "base_fee", "fees_earned_sol"),
    ("fees earned (USDC)", "quote_fee", "fees_earned_usdc"),
)


def demo_command(
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
    seed: int = typer.Option(7, help="Seed of the paper chain."),
) -> None:
    """Open a SOL-USDC DLMM position on the paper Gateway, replay a price path that leaves the
    range, let the out-of-range timer close it, and print every accounting field."""
    if as_json:
        result = asyncio.run(run_lp_demo(seed=seed))
        typer.echo(json.dumps(_as_json(result), indent=2))
        return
    console.print(
        "[bold]lpexec demo[/bold]: SOL-USDC Meteora DLMM on the paper Gateway, range 176..184 "
        "USDC, 1 SOL + 180 USDC, close after 300 s out of range, swap the base back."
    )

    def show(bar: DemoBar) -> None:
        console.print(
            f"  min {bar.minute:>2}  {bar.price:>7} USDC  {bar.state:<12}"
            f"  out {bar.out_of_range_seconds:>3.0f} s  fees {bar.fees_earned_quote:.4f}"
        )

    result = asyncio.run(run_lp_demo(seed=seed, on_bar=show))
    render_report(result)


def render_report(result: DemoResult) -> None:
    """Print the report tables of a demo run."""
    info = result.info
    details: Any = info.details
    summary = Table(title=f"executor {info.executor_id} ({info.type})", show_header=False)
    rows = [
        ("status / close type", f"{info.status.value} / {info.close_type.value}"),
        ("LP state", details.state),
        ("position", details.position_address),
        ("on-chain range", f"{_q(details.lower_price)} .. {_q(details.upper_price)} USDC"),
        ("deposited", f"{details.initial_base} SOL + {details.initial_quote} USDC"),
        ("price at open / last", f"{_q(details.add_price)} / {_q(details.price)}"),
        ("fees earned", f"{_q(details.fees_earned_quote)} USDC"),
        ("impermanent loss (V_LP - V_HODL)", f"{_q(details.impermanent_loss_quote)} USDC"),
        ("price move (V_HODL - V_0)", f"{_q(details.price_move_quote)} USDC"),
        ("tx fees", f"{details.tx_fee_native} SOL = {_q(details.tx_fees_quote)} USDC"),
        ("swap back", f"{details.swap_side} {details.swap_base} SOL for {details.swap_quote} USDC"),
        ("swap costs", f"{_q(details.swap_costs_quote)} USDC"),
        ("rent locked then refunded", f"{details.position_rent_native} SOL (not a cost)"),
        ("BinArray rent sunk", f"{details.rent_sunk_native} SOL"),
        ("net P&L", f"{_q(info.net_pnl_quote)} USDC ({_q(info.net_pnl_pct * 100)} %)"),
        ("fees paid / earned", f"{_q(info.fees_paid_quote)} / {_q(info.fees_earned_quote)} USDC"),
        ("value / volume", f"{_q(info.value_quote)} / {_q(info.volume_quote)} USDC"),
        ("duration", f"{info.duration_seconds:.0f} s"),
    ]
    for name, value in rows:
        summary.add_row(name, value)
    console.print(summary)
    check = Table(title="accounting vs the paper chain's ledger")
    for column in ("figure", "executor", "ledger", "match"):
        check.add_column(column)
    for name, ours, theirs in LEDGER_CHECKS:
        mine, ledger = getattr(details, ours), result.ledger[theirs]
        check.add_row(name, str(mine), str(ledger), "yes" if mine == ledger else "NO")
    console.print(check)


def _q(value: Decimal | None) -> str:
    return "-" if value is None else f"{value:.4f}"


def _as_json(result: DemoResult) -> dict[str, Any]:
    return {
        "report": result.info.model_dump(mode="json"),
        "ledger": {key: str(value) for key, value in result.ledger.items()},
        "bars": [
            {
                "minute": bar.minute,
                "price": str(bar.price),
                "state": bar.state,
                "out_of_range_seconds": bar.out_of_range_seconds,
                "fees_earned_quote": str(bar.fees_earned_quote),
            }
            for bar in result.bars
        ],
    }
