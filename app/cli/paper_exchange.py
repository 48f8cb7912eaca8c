"""``lpexec paper-exchange``: serve the paper exchange (spot and perpetual) over HTTP on a
loopback port, so that ``lpexec worker`` processes share it (``LPEXEC_PAPER_EXCHANGE_URL``)."""

from __future__ import annotations

from pathlib import Path

import typer

__all__ = ["paper_exchange_command"]


def paper_exchange_command(
    port: int = typer.Option(8711, min=1, max=65535, help="Port on 127.0.0.1."),
    seed: int = typer.Option(0, help="Seed of new markets' price paths and of the faults."),
    state_file: Path | None = typer.Option(
        None, help="Load the exchange from this file; save it after every write and on exit."
    ),
    faults: str = typer.Option("", help="Fault spec, e.g. 'place:504@0.1,read:429@0.05'."),
) -> None:
    """Serve the paper exchange: markets stepped with the wall clock, one step a minute."""
    from lpexec.app.paper_exchange import serve_paper_exchange

    try:
        serve_paper_exchange(port=port, seed=seed, state_file=state_file, faults=faults or None)
    except ValueError as e:  # a state file that is not one, a bad fault spec
        raise typer.BadParameter(str(e)) from None
