"""JSON for scripts: decimals as plain numbers in text (no ``0E-12``, no 32-digit ratios)."""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal, InvalidOperation
from typing import Any

import typer

from lpexec.app.timestamps import utc_text

__all__ = ["SIGNIFICANT_DIGITS", "plain", "print_json", "text_of", "tidy"]

SIGNIFICANT_DIGITS = 15
"""Digits a decimal keeps in JSON output; amounts on chain need at most 9 (SOL) or 6 (USDC)."""
_NUMBER = re.compile(r"^-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?$")


def plain(value: Decimal) -> str:
    """``value`` as plain digits: no exponent, no trailing zeros, at most
    :data:`SIGNIFICANT_DIGITS` significant digits but every whole unit (``0E-12`` is ``0``)."""
    if not value.is_finite():
        return str(value)
    if value.is_zero():
        return "0"
    if len(value.as_tuple().digits) > SIGNIFICANT_DIGITS:  # never rounds whole units
        exponent = min(value.adjusted() - SIGNIFICANT_DIGITS + 1, 0)
        value = value.quantize(Decimal(1).scaleb(exponent))
    return format(value.normalize(), "f")


def tidy(data: Any) -> Any:
    """``data`` (JSON-ready) with every decimal written in text with an exponent or more than
    :data:`SIGNIFICANT_DIGITS` digits made :func:`plain`; other strings (ids, addresses, integers,
    short decimals) are left as they are."""
    if isinstance(data, dict):
        return {key: tidy(value) for key, value in data.items()}
    if isinstance(data, list):
        return [tidy(value) for value in data]
    if isinstance(data, str) and _NUMBER.match(data) and _untidy(data):
        try:
            return plain(Decimal(data))
        except InvalidOperation:
            return data
    return data


def _untidy(text: str) -> bool:
    if "e" in text or "E" in text:
        return True
    return "." in text and sum(char.isdigit() for char in text) > SIGNIFICANT_DIGITS


def print_json(data: Any) -> None:
    """Print ``data`` as indented JSON with its decimals :func:`tidy`."""
    typer.echo(json.dumps(tidy(data), indent=2))


def text_of(value: object) -> str:
    """A value for a table cell: decimals :func:`plain`, times :func:`utc_text`, anything else
    as ``str``."""
    if isinstance(value, Decimal):
        return plain(value)
    if isinstance(value, dt.datetime):
        return utc_text(value)
    return str(value)
