"""Group options accepted after the subcommand too: ``lpexec lp list --gateway URL`` is
``lpexec lp --gateway URL list``.

The connection options (``--gateway``, ``--wallet``, ``--database``, ``--paper-state``...) belong
to the ``lp``, ``pools``, ``swap`` and exchange groups; users write them where they think of
them. A subcommand's own option of the same name keeps its place.
"""

from __future__ import annotations

from typing import Any

from typer.core import TyperGroup

__all__ = ["OptionsAnywhereGroup", "hoist_group_options"]


def _option_names(params: list[Any]) -> dict[str, bool]:
    """Each option name of ``params`` and whether it takes a value."""
    names: dict[str, bool] = {}
    for param in params:
        if getattr(param, "param_type_name", "") != "option":
            continue
        for name in [*param.opts, *param.secondary_opts]:
            names[name] = not (param.is_flag or param.count)
    return names


def _command_index(args: list[str], group: dict[str, bool]) -> int | None:
    """Where the subcommand is: the first word that is no option of the group nor its value."""
    index = 0
    while index < len(args):
        arg = args[index]
        if arg == "--":
            return None
        if not arg.startswith("-"):
            return index
        index += 2 if group.get(arg.split("=", 1)[0]) and "=" not in arg else 1
    return None


def hoist_group_options(
    args: list[str], group: dict[str, bool], own: dict[str, bool] | None = None
) -> list[str]:
    """``args`` with the group's options found after the subcommand moved before it.

    Args:
        args: the group's arguments (its options, the subcommand's name, the subcommand's
            arguments).
        group: the group's option names, each with whether it takes a value.
        own: the subcommand's option names, each with whether it takes a value (kept in place).
    """
    index = _command_index(args, group)
    if index is None:
        return args
    head, command, tail = args[:index], args[index], args[index + 1 :]
    own = own or {}
    moved: list[str] = []
    kept: list[str] = []
    position = 0
    while position < len(tail):
        arg = tail[position]
        if arg == "--":
            kept.extend(tail[position:])
            break
        name = arg.split("=", 1)[0]
        width = 2 if "=" not in arg and position + 1 < len(tail) else 1
        if name in group and name not in own:
            width = width if group[name] else 1
            moved.extend(tail[position : position + width])
        else:  # the subcommand's own (with its value, even one that looks like an option)
            width = width if own.get(name) else 1
            kept.extend(tail[position : position + width])
        position += width
    return [*head, *moved, command, *kept]


class OptionsAnywhereGroup(TyperGroup):
    """A typer group whose own options may also follow its subcommand
    (``typer.Typer(cls=OptionsAnywhereGroup)``)."""

    default_command: str | None = None
    """The subcommand run when none is named (a subclass sets it), e.g. ``lpexec health``."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        group = _option_names(self.params)
        args = list(args)
        index = _command_index(args, group)
        if index is None and self.default_command and "--help" not in args:
            args = _with_command(args, group, self.default_command)
            index = _command_index(args, group)
        own: dict[str, bool] = {}
        if index is not None:
            command = self.get_command(ctx, args[index])
            if command is not None:
                own = _option_names(command.params)
        return super().parse_args(ctx, hoist_group_options(list(args), group, own))


def _with_command(args: list[str], group: dict[str, bool], command: str) -> list[str]:
    """``args`` with ``command`` after the group's own leading options."""
    index = 0
    while index < len(args) and args[index] != "--":
        name = args[index].split("=", 1)[0]
        if name not in group:
            break
        index += 2 if group[name] and "=" not in args[index] else 1
    return [*args[:index], command, *args[index:]]
