"""User errors of the command line: one line for a person, one JSON object for a script.

Every user error reads ``FIELD: expected WHAT, received VALUE``. With ``--json`` anywhere on the
command line it is printed on stdout as ``{"error": {"field", "value", "expected", "message"}}``
(the first three null where the message does not name them), with the same non-zero exit.
"""

from __future__ import annotations

import json
import re
import sys
from typing import Any

__all__ = ["UserError", "error_fields", "is_usage_error", "is_user_error", "print_error"]

_SHAPE = re.compile(
    r"^(?P<field>[^:\n]+?): (?:expected )?(?P<expected>.+?),? received (?P<value>'[^']*'|\S+)",
    re.DOTALL,
)


class UserError(ValueError):
    """Bad input found by the command line itself, with its parts.

    Attributes:
        field: the option, argument or setting (``--pair``, ``executor id``).
        value: what was received.
        expected: what would have been accepted.
    """

    def __init__(
        self, field: str, value: object, expected: str, *, hint: str = "", message: str = ""
    ) -> None:
        self.field, self.value, self.expected = field, value, expected
        message = message or f"{field}: expected {expected}, received {value!r}"
        super().__init__(f"{message}; {hint}" if hint else message)


def is_user_error(error: BaseException) -> bool:
    """Whether ``error`` is the user's (bad input, a refused request) rather than a bug."""
    if isinstance(error, ValueError):
        return True
    if isinstance(error, OSError) and error.filename is not None:
        return True  # a file or folder the user named could not be used
    # An ExecutorError was raised only if its module is loaded: no import for the check.
    errors = sys.modules.get("lpexec.core.errors")
    return errors is not None and isinstance(error, errors.ExecutorError)


def is_usage_error(error: BaseException) -> bool:
    """Whether ``error`` is one of click's (a bad option, a missing argument...), which carry
    their exit status."""
    return callable(getattr(error, "format_message", None)) and isinstance(
        getattr(error, "exit_code", None), int
    )


def error_fields(error: BaseException) -> dict[str, Any]:
    """The stable JSON shape of an error: field, value, expected (or None) and the message."""
    message = _message(error)
    if isinstance(error, UserError):
        value = error.value if isinstance(error.value, str | int | float | None) else str(error)
        return {
            "field": error.field,
            "value": value,
            "expected": error.expected,
            "message": message,
        }
    if isinstance(error, OSError) and error.filename is not None:
        return {
            "field": None,
            "value": str(error.filename),
            "expected": "a file or folder lpexec can use",
            "message": message,
        }
    param = getattr(error, "param", None)
    if param is not None:  # a click parameter error: the option is known, the value is not
        opts = getattr(param, "opts", None) or [getattr(param, "name", None)]
        return {"field": opts[0], "value": None, "expected": None, "message": message}
    match = _SHAPE.match(message)
    if match is None:
        return {"field": None, "value": None, "expected": None, "message": message}
    value = match["value"]
    if len(value) >= 2 and value[0] == value[-1] == "'":
        value = value[1:-1]
    return {
        "field": match["field"],
        "value": value,
        "expected": match["expected"],
        "message": message,
    }


def _message(error: BaseException) -> str:
    format_message = getattr(error, "format_message", None)  # click's usage errors
    if callable(format_message):
        return str(format_message())
    if isinstance(error, OSError) and error.filename is not None:
        return f"{error.filename}: expected a file or folder lpexec can use: {error.strerror}"
    return str(error)


def print_error(error: BaseException, *, as_json: bool) -> None:
    """Print a user error: JSON on stdout, or one red line on stderr (text, not markup)."""
    if as_json:
        sys.stdout.write(json.dumps({"error": error_fields(error)}) + "\n")
        sys.stdout.flush()
        return
    from rich.console import Console
    from rich.markup import escape

    message = f"[red]error:[/red] {escape(_message(error))}"
    Console(stderr=True).print(message, markup=True, highlight=False, soft_wrap=True)
