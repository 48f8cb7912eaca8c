"""Wire encoding of request payloads: Decimals go out as exact JSON numbers, never via float."""

from __future__ import annotations

import enum
import json
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

__all__ = ["decimal_text", "encode_json", "encode_query"]

_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def decimal_text(value: Decimal) -> str:
    """Return ``value`` as plain positional digits (``Decimal("1E+2")`` -> ``"100"``).

    Args:
        value: A finite Decimal.

    Returns:
        The decimal text, valid as a JSON number and as a query value.

    Raises:
        ValueError: If ``value`` is NaN or infinite.
    """
    if not value.is_finite():
        raise ValueError(f"Expected a finite decimal, received {value}")
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "0", "") else text


def _encode(value: object, out: list[str]) -> None:
    if isinstance(value, Mapping):
        out.append("{")
        for index, (key, item) in enumerate(value.items()):
            if index:
                out.append(",")
            out.append(_dumps(str(key)))
            out.append(":")
            _encode(item, out)
        out.append("}")
    elif isinstance(value, list | tuple):
        out.append("[")
        for index, item in enumerate(value):
            if index:
                out.append(",")
            _encode(item, out)
        out.append("]")
    elif isinstance(value, Decimal):
        out.append(decimal_text(value))
    elif isinstance(value, enum.Enum):
        _encode(value.value, out)
    else:
        out.append(_dumps(value))


def encode_json(payload: Mapping[str, Any]) -> bytes:
    """Encode a request body as compact UTF-8 JSON with Decimals written as JSON numbers.

    Args:
        payload: The body (from ``model_dump(by_alias=True, exclude_none=True)``).

    Returns:
        The JSON bytes.
    """
    out: list[str] = []
    _encode(payload, out)
    return "".join(out).encode()


def _query_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return decimal_text(value)
    if isinstance(value, enum.Enum):
        return _query_value(value.value)
    return str(value)


def encode_query(params: Mapping[str, Any]) -> dict[str, str]:
    """Turn dumped query fields into strings the way Gateway's Ajv coercion reads them.

    Args:
        params: Query fields (``None`` values already excluded).

    Returns:
        A mapping of name to string value.
    """
    return {name: _query_value(value) for name, value in params.items()}
