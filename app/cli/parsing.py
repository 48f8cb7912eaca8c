"""Command-line options into executor configs, with errors that name the option a user typed.

The configs validate by their own field names (``trading_pair``, ``slippage_pct``); a user typed
``--pair`` and ``--slippage``. :func:`parse_options` validates and, on bad input, raises one
:class:`~lpexec.app.cli.errors.UserError` naming the option, the value and what was expected in
words (``BASE-QUOTE like SOL-USDC``, not a regular expression).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, TypeVar

from lpexec.app.cli.errors import UserError, error_fields

__all__ = ["EXPECTED", "parse_options", "same_options", "split_pair"]

M = TypeVar("M")

EXPECTED: dict[str, str] = {
    "trading_pair": "BASE-QUOTE like SOL-USDC",
    "slippage_pct": "a ratio (0.01 = 1 %)",
    "slippage": "a ratio (0.01 = 1 %)",
}
"""What a field takes, in words, where the validator's own words are a pattern or a bare bound."""

_BOUNDS = {
    "less_than_equal": ("le", "at most"),
    "less_than": ("lt", "below"),
    "greater_than_equal": ("ge", "at least"),
    "greater_than": ("gt", "above"),
}
_NAMES = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
"""A config field's name (snake_case with at least one underscore) inside a message."""
_NUMBERS = {"decimal_parsing", "decimal_type", "float_parsing", "int_parsing", "finite_number"}


def same_options(*fields: str) -> dict[str, str]:
    """The option of each field named like it (``total_amount_quote``: ``--total-amount-quote``;
    a nested ``triple_barrier_config.take_profit``: ``--take-profit``), by path and by name."""
    options: dict[str, str] = {}
    for path in fields:
        name = path.rsplit(".", 1)[-1]
        options[path] = options[name] = "--" + name.replace("_", "-")
    return options


def parse_options(
    config_class: type[M], values: Mapping[str, Any], options: Mapping[str, str]
) -> M:
    """Validate ``values`` (by config field) into ``config_class``.

    Args:
        options: the command-line option of each field (``{"trading_pair": "--pair"}``), nested
            fields by their dotted path (``"triple_barrier_config.take_profit"``).

    Raises:
        UserError: the first bad option; the others follow in the message.
    """
    from pydantic import ValidationError

    try:
        return config_class.model_validate(dict(values))  # type: ignore[attr-defined, no-any-return]
    except ValidationError as e:
        problems = [_problem(item, options) for item in e.errors(include_url=False)]
    first = problems[0]
    rest = "; ".join(str(problem) for problem in problems[1:])
    raise UserError(
        first.field, first.value, first.expected, hint=rest, message=str(first)
    ) from None


def _problem(item: Any, options: Mapping[str, str]) -> UserError:
    loc = [str(part) for part in item["loc"]]
    path = ".".join(loc)
    field = options.get(path) or options.get(loc[0] if loc else "") or path or "options"
    value = item.get("input")
    kind, ctx = item["type"], item.get("ctx") or {}
    words = EXPECTED.get(loc[-1] if loc else "")
    if kind == "missing":
        return UserError(field, None, f"a value ({words or 'required'})")
    if kind == "extra_forbidden":
        return UserError(field, value, "no such option")
    if kind in _BOUNDS:
        key, relation = _BOUNDS[kind]
        bound = f"{relation} {ctx.get(key)}"
        return UserError(field, value, f"{words}, {bound}" if words else bound)
    if kind in ("literal_error", "enum"):
        return UserError(field, value, str(ctx.get("expected")))
    if kind in _NUMBERS:
        if value is None:  # one of two options given together (--trailing-...) left out
            return UserError(field, None, f"{words or 'a number'} (given with the others)")
        return UserError(field, value, words or "a number")
    if kind == "value_error":
        return _own_words(str(ctx.get("error", item["msg"])), loc, field, value, options)
    if words:
        return UserError(field, value, words)
    message = str(item["msg"])
    return UserError(field, value, message[:1].lower() + message[1:])


def _own_words(
    message: str, loc: list[str], field: str, value: Any, options: Mapping[str, str]
) -> UserError:
    """Our validators' own words ("expected ..., received ...") with the options' names."""
    named: list[str] = []

    def option_of(match: re.Match[str]) -> str:
        option = options.get(match[0], match[0])
        if option != match[0] and option not in named:
            named.append(option)
        return option

    message = _NAMES.sub(option_of, message)
    if not loc:  # a check across fields: its message names them
        parts = error_fields(ValueError(message))
        if parts["field"]:  # the message starts with the field it is about
            name = parts["field"]
            option = options.get(name, name)
            message = option + message.removeprefix(name)
            return UserError(option, parts["value"], parts["expected"], message=message)
        expected = parts["expected"] or message.removeprefix("expected ").split(", received")[0]
        fields = "/".join(named) or "options"
        return UserError(fields, None, expected, message=f"{fields}: {message}")
    if message.startswith("expected "):
        message = message.removeprefix("expected ").split(", received")[0]
    return UserError(field, value, message)


def split_pair(pair: str, *, option: str = "--pair") -> tuple[str, str]:
    """``("SOL", "USDC")`` from ``SOL-USDC`` (symbols upper-cased).

    Raises:
        UserError: not two non-empty parts around one dash.
    """
    base, dash, quote = pair.strip().partition("-")
    if not dash or not base or not quote or "-" in quote or " " in pair.strip():
        raise UserError(option, pair, EXPECTED["trading_pair"])
    return base.upper(), quote.upper()
