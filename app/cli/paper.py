"""``lpexec paper-gateway``: serve the paper Gateway over HTTP."""

from __future__ import annotations

from pathlib import Path

import typer

__all__ = ["paper_gateway_command"]


def paper_gateway_command(
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(15888, min=1, max=65535, help="Port (Gateway's default is 15888)."),
    seed: int = typer.Option(0, help="Seed for the simulated chain and its faults."),
    faults: str = typer.Option("", help="Fault spec, e.g. 'open:504@0.3,poll:429@0.1'."),
    mode: str = typer.Option("clean", help="'clean' or 'upstream' (Gateway 2.13's quirks)."),
    state_file: Path | None = typer.Option(None, help="Save the chain here on exit; load it."),
) -> None:
    """Serve the same HTTP API as Hummingbot Gateway 2.13 on a simulated Solana chain."""
    from lpexec.paper.gateway import serve

    serve(host=host, port=port, seed=seed, faults=faults, mode=mode, state_file=state_file)
