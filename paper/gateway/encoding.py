"""JSON in and out without floats: ``Decimal`` amounts are written as exact JSON numbers.

Gateway's wire type for amounts is a JSON number. The paper Gateway computes amounts exactly
(raw units scaled by the token's decimals) and writes them as number literals, so a client that
parses numbers as ``Decimal`` reads exactly what the chain holds.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from starlette.responses import Response

__all__ = ["DecimalJSONResponse", "dumps", "format_decimal", "loads"]


def format_decimal(value: Decimal) -> str:
    """Return ``value`` as a JSON number literal (plain notation, no trailing zeros).

    Raises:
        ValueError: for NaN or infinities, which JSON cannot carry.
    """
    if not value.is_finite():
        raise ValueError(f"Expected a finite Decimal for JSON, received {value}")
    if value == value.to_integral_value():
        return str(int(value))
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


_dump_string = json.JSONEncoder(ensure_ascii=False).encode


def _scalar(value: Any) -> str | None:
    if isinstance(value, str):
        return _dump_string(value)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        return format_decimal(value)
    if isinstance(value, float):
        return json.dumps(value)
    return None


def _write(value: Any, out: list[str]) -> None:
    text = _scalar(value)
    if text is not None:
        out.append(text)
    elif isinstance(value, dict):
        out.append("{")
        for index, (key, item) in enumerate(value.items()):
            if index:
                out.append(",")
            out.append(_dump_string(str(key)))
            out.append(":")
            _write(item, out)
        out.append("}")
    elif isinstance(value, list | tuple):
        out.append("[")
        for index, item in enumerate(value):
            if index:
                out.append(",")
            _write(item, out)
        out.append("]")
    else:
        raise TypeError(f"Expected JSON-serializable data, received {type(value).__name__}")


def dumps(value: Any) -> bytes:
    """Serialize ``value`` (dict, list, str, int, Decimal, bool, None) to compact JSON bytes."""
    out: list[str] = []
    _write(value, out)
    return "".join(out).encode("utf-8")


def loads(data: bytes | str) -> Any:
    """Parse JSON with every non-integer number as ``Decimal``."""
    return json.loads(data, parse_float=Decimal)


class DecimalJSONResponse(Response):
    """A JSON response that writes ``Decimal`` values as exact numbers."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        """Serialize ``content`` with :func:`dumps`."""
        return dumps(content)
