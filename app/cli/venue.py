"""Which venue a command acts on, said in every output: the paper Gateway (and its state file)
or a real Gateway (its URL and the wallet)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import typer
    from rich.console import Console

    from lpexec.app.cli.options import Connection

__all__ = ["WALLET_KEY", "print_venue", "session_venue", "venue_of"]

WALLET_KEY = "lpexec.wallet"
"""Where a session records, in the click context's ``meta``, the wallet its runtime acted for."""


def session_venue(ctx: typer.Context) -> dict[str, Any]:
    """The venue of the command's session (its connection options and the wallet it used)."""
    return venue_of(ctx.obj, wallet=ctx.meta.get(WALLET_KEY))


def venue_of(connection: Connection, *, wallet: str | None = None) -> dict[str, Any]:
    """The venue of ``connection`` for JSON (``gateway`` is ``"paper"`` or ``"real"``) with a
    ``label`` for tables; ``wallet``: the one a session used, when known."""
    from lpexec.app.settings import PAPER_GATEWAY_STATE, data_file

    settings = connection.settings()
    if settings.gateway_url:
        wallet = wallet or settings.wallet_address or None
        return {
            "gateway": "real",
            "gateway_url": settings.gateway_url,
            "wallet": wallet,
            "paper_state": None,
            "label": f"real Gateway {settings.gateway_url}, wallet {wallet or '(none)'}",
        }
    state = str(connection.paper_state or data_file(PAPER_GATEWAY_STATE))
    return {
        "gateway": "paper",
        "gateway_url": None,
        "wallet": wallet,
        "paper_state": state,
        "label": f"paper Gateway, state {state}" + (f", wallet {wallet}" if wallet else ""),
    }


def print_venue(console: Console, venue: dict[str, Any]) -> None:
    """One line under a command's tables: where it acted."""
    from rich.text import Text

    console.print(Text(f"on the {venue['label']}", style="dim"), soft_wrap=True)
