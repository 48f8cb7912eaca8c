"""Subcommands registered by name, imported only when they run (``lpexec --help`` stays fast).

The top-level group lists every subcommand from its name and help text alone; the module behind
one (and everything it imports: the store, the Gateway SDK, FastAPI...) loads when that
subcommand is resolved, so a call pays only for the command it makes.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import typer
import typer.main
from typer.core import TyperCommand, TyperGroup

__all__ = ["LazyCommand", "lazy_group"]


@dataclass(frozen=True)
class LazyCommand:
    """One subcommand: its name, its help, and where it lives (``"module:attribute"``).

    The attribute is a ``typer.Typer`` (a group of commands) or a command function.
    """

    name: str
    target: str
    help: str

    def load(self) -> Any:
        """Import the module and return the click command the target stands for."""
        module, _, attribute = self.target.partition(":")
        target = getattr(importlib.import_module(module), attribute)
        # Built as the root app would build it had it been added there (no completion options).
        holder = typer.Typer(add_completion=False)
        if isinstance(target, typer.Typer):
            holder.add_typer(target, name=self.name, help=self.help)
            return typer.main.get_group(holder).commands[self.name]
        holder.command(self.name, help=self.help)(target)
        return typer.main.get_command(holder)


class _Placeholder(TyperCommand):
    """What the help listing shows for a subcommand not imported yet."""

    def __init__(self, entry: LazyCommand) -> None:
        super().__init__(name=entry.name, help=entry.help, short_help=entry.help)
        self.entry = entry


def lazy_group(entries: Iterable[LazyCommand]) -> type[TyperGroup]:
    """A typer group class (``typer.Typer(cls=...)``) that holds ``entries`` besides the
    commands registered on the app, each imported when it is resolved."""
    lazy = tuple(entries)

    class LazyGroup(TyperGroup):
        def __init__(self, **attrs: Any) -> None:
            super().__init__(**attrs)
            for entry in lazy:
                self.commands.setdefault(entry.name, _Placeholder(entry))

        def resolve_command(self, ctx: Any, args: list[str]) -> tuple[str | None, Any, list[str]]:
            name, command, rest = super().resolve_command(ctx, args)
            if isinstance(command, _Placeholder) and name is not None:
                command = command.entry.load()
                self.commands[name] = command
            return name, command, rest

    return LazyGroup
