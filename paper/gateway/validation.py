"""Request validation the way Gateway's Fastify + Ajv does it.

Fastify's Ajv runs with ``coerceTypes: "array"``, ``useDefaults: true`` and stops at the first
error. This module does the same for the keywords Gateway's request schemas use (``type``,
``enum``, ``minimum``, ``maximum``, ``required``, ``properties``, ``items``, ``anyOf``,
``default``) and reports the first error as an Ajv error object::

    {"instancePath": "/side", "schemaPath": "#/properties/side/enum", "keyword": "enum",
     "params": {"allowedValues": ["BUY", "SELL"]},
     "message": "must be equal to one of the allowed values"}

Fastify's message is ``"<dataVar><instancePath> <message>"``, e.g.
``"body/liquidityPct must be <= 100"``. Numbers are kept as ``Decimal`` (never ``float``).
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

__all__ = ["AjvError", "RequestInvalidError", "validate"]

_MISSING = object()

_BOUNDS: tuple[tuple[str, str, Callable[[Any, Decimal], bool]], ...] = (
    ("maximum", "<=", operator.gt),
    ("minimum", ">=", operator.lt),
)
"""Ajv's numeric bounds in the order it checks them: keyword, the comparison it requires, and
the test that the value breaks it."""


@dataclass(frozen=True, slots=True)
class AjvError:
    """One Ajv-shaped validation error."""

    instance_path: str
    schema_path: str
    keyword: str
    params: dict[str, Any]
    message: str

    def to_dict(self) -> dict[str, Any]:
        """Return the error as Gateway sends it in ``validation[]``."""
        return {
            "instancePath": self.instance_path,
            "schemaPath": self.schema_path,
            "keyword": self.keyword,
            "params": self.params,
            "message": self.message,
        }


class RequestInvalidError(ValueError):
    """Raised when a request part does not match its schema; carries the Ajv error."""

    def __init__(self, data_var: str, error: AjvError) -> None:
        self.data_var = data_var
        self.error = error
        super().__init__(f"{data_var}{error.instance_path} {error.message}")


DefaultHook = Callable[[str, Any], Any]


def validate(
    schema: dict[str, Any],
    value: Any,
    *,
    data_var: str,
    default_hook: DefaultHook | None = None,
) -> Any:
    """Coerce, fill defaults and validate ``value``; return the coerced value.

    Args:
        schema: The JSON schema.
        value: Parsed request data (query values as strings, body numbers as ``Decimal``).
        data_var: ``body``, ``querystring`` or ``params`` (prefix of the message).
        default_hook: Called as ``hook(property_name, default)`` when a default is applied;
            returns the value to use (lets the server substitute its configured wallet).

    Raises:
        RequestInvalidError: at the first violation, like Ajv with ``allErrors: false``.
    """
    checker = _Checker(data_var, default_hook)
    return checker.check(schema, value, "", "#")


class _Checker:
    def __init__(self, data_var: str, default_hook: DefaultHook | None) -> None:
        self.data_var = data_var
        self.default_hook = default_hook

    def fail(
        self, path: str, schema_path: str, keyword: str, params: dict[str, Any], message: str
    ) -> RequestInvalidError:
        return RequestInvalidError(
            self.data_var, AjvError(path, schema_path, keyword, params, message)
        )

    def check(self, schema: dict[str, Any], value: Any, path: str, schema_path: str) -> Any:
        if "anyOf" in schema:
            value = self._any_of(schema, value, path, schema_path)
        expected = schema.get("type")
        if isinstance(expected, str):
            coerced = _coerce(expected, value)
            if coerced is _MISSING:
                raise self.fail(
                    path, f"{schema_path}/type", "type", {"type": expected}, f"must be {expected}"
                )
            value = coerced
        if "enum" in schema and not any(_same(value, option) for option in schema["enum"]):
            raise self.fail(
                path,
                f"{schema_path}/enum",
                "enum",
                {"allowedValues": schema["enum"]},
                "must be equal to one of the allowed values",
            )
        if _is_number(value):
            self._bounds(schema, value, path, schema_path)
        if isinstance(value, dict) and (expected == "object" or "properties" in schema):
            value = self._object(schema, value, path, schema_path)
        if isinstance(value, list) and "items" in schema:
            value = [
                self.check(schema["items"], item, f"{path}/{index}", f"{schema_path}/items")
                for index, item in enumerate(value)
            ]
        return value

    def _any_of(self, schema: dict[str, Any], value: Any, path: str, schema_path: str) -> Any:
        for index, option in enumerate(schema["anyOf"]):
            try:
                return self.check(option, value, path, f"{schema_path}/anyOf/{index}")
            except RequestInvalidError:
                continue
        raise self.fail(path, f"{schema_path}/anyOf", "anyOf", {}, "must match a schema in anyOf")

    def _bounds(
        self, schema: dict[str, Any], value: Decimal | int, path: str, schema_path: str
    ) -> None:
        for keyword, comparison, exceeds in _BOUNDS:
            if keyword in schema and exceeds(value, Decimal(str(schema[keyword]))):
                limit = schema[keyword]
                raise self.fail(
                    path,
                    f"{schema_path}/{keyword}",
                    keyword,
                    {"comparison": comparison, "limit": limit},
                    f"must be {comparison} {limit}",
                )

    def _object(
        self, schema: dict[str, Any], value: dict[str, Any], path: str, schema_path: str
    ) -> dict[str, Any]:
        result = dict(value)
        properties: dict[str, Any] = schema.get("properties", {})
        for name, sub in properties.items():
            if name not in result and "default" in sub:
                default = sub["default"]
                if self.default_hook is not None:
                    default = self.default_hook(name, default)
                result[name] = _decimalize(default)
        for name in schema.get("required", []):
            if name not in result:
                raise self.fail(
                    path,
                    f"{schema_path}/required",
                    "required",
                    {"missingProperty": name},
                    f"must have required property '{name}'",
                )
        for name, sub in properties.items():
            if name in result:
                result[name] = self.check(
                    sub, result[name], f"{path}/{name}", f"{schema_path}/properties/{name}"
                )
        return result


def _decimalize(value: Any) -> Any:
    if isinstance(value, float):
        return Decimal(str(value))
    if isinstance(value, list):
        return [_decimalize(v) for v in value]
    return value


def _is_number(value: Any) -> bool:
    return isinstance(value, Decimal | int) and not isinstance(value, bool)


def _same(value: Any, option: Any) -> bool:
    if _is_number(value) and _is_number(option):
        return Decimal(value) == Decimal(option)
    return type(value) is type(option) and value == option


def _coerce(expected: str, value: Any) -> Any:
    """Return ``value`` as ``expected`` (Ajv coerceTypes "array"), or _MISSING."""
    if expected == "array":
        return value if isinstance(value, list) else [value]
    if isinstance(value, list):
        # coerceTypes "array" also unwraps a one-item array into a scalar
        return _coerce(expected, value[0]) if len(value) == 1 else _MISSING
    coerce = _COERCIONS.get(expected)
    return _MISSING if coerce is None else coerce(value)


def _to_number(value: Any) -> Any:
    if _is_number(value):
        return Decimal(value)
    if isinstance(value, bool):
        return Decimal(int(value))
    if value is None:
        return Decimal(0)
    if isinstance(value, str) and value.strip():
        try:
            number = Decimal(value.strip())
        except InvalidOperation:
            return _MISSING
        return number if number.is_finite() else _MISSING
    return _MISSING


def _to_integer(value: Any) -> Any:
    number = _to_number(value)
    if number is _MISSING or number != int(number):
        return _MISSING
    return int(number)


def _to_string(value: Any) -> Any:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if _is_number(value):
        return str(value)
    if value is None:
        return ""
    return _MISSING


def _to_boolean(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if value in ("true", 1) and not isinstance(value, Decimal):
        return True
    if value in ("false", 0) and not isinstance(value, Decimal):
        return False
    if isinstance(value, Decimal) and value in (0, 1):
        return value == 1
    if value is None:
        return False
    return _MISSING


def _to_object(value: Any) -> Any:
    return value if isinstance(value, dict) else _MISSING


def _to_null(value: Any) -> Any:
    if value is None or value == "" or (_is_number(value) and value == 0) or value is False:
        return None
    return _MISSING


_COERCIONS: dict[str, Callable[[Any], Any]] = {
    "number": _to_number,
    "integer": _to_integer,
    "string": _to_string,
    "boolean": _to_boolean,
    "object": _to_object,
    "null": _to_null,
}
