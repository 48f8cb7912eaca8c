"""Options shared by the ``lpexec lp`` commands that create an LP executor (``open``, ``adopt``):
what closes it and who owns it."""

from __future__ import annotations

import typer

__all__ = [
    "ABOVE_SECONDS_OPTION",
    "BELOW_SECONDS_OPTION",
    "CONTROLLER_ID_OPTION",
    "KEEP_POSITION_OPTION",
    "LOWER_LIMIT_OPTION",
    "UPPER_LIMIT_OPTION",
]

ABOVE_SECONDS_OPTION = typer.Option(None, help="Close after this long above range.")
BELOW_SECONDS_OPTION = typer.Option(None, help="Close after this long below range.")
UPPER_LIMIT_OPTION = typer.Option(None, help="Close at once at or above this price.")
LOWER_LIMIT_OPTION = typer.Option(None, help="Close at once at or below this price.")
KEEP_POSITION_OPTION = typer.Option(False, help="Hold the net change instead of swapping.")
CONTROLLER_ID_OPTION = typer.Option("main", help="Who owns the executor.")
