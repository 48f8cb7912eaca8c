"""The service's errors as HTTP answers, mapped in one place.

A route wraps each service call in :func:`service_errors`, which turns the errors below into an
:class:`ApiError` carrying the status; anything else is a bug and answers 500.

==========================  ======  ==================================================
error                       status  body
==========================  ======  ==================================================
AuthError                   401     ``{"detail"}`` and ``WWW-Authenticate``
ScopeError                  403     ``{"detail"}``
UnknownExecutorError        404     ``{"detail"}``
LookupError                 404     ``{"detail"}``
RiskRejectedError           409     ``{"detail"}``: the risk engine's reason
StoreError                  503     ``{"detail"}``
ConfigError, ValueError     422     ``{"detail": [{"loc", "msg", "type"}]}`` as FastAPI's
                                    own validation errors, the message naming the field
other ExecutorError         409     ``{"detail"}``
==========================  ======  ==================================================
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from lpexec.app.api.auth import WWW_AUTHENTICATE, AuthError
from lpexec.app.api.schemas import ErrorResponse
from lpexec.app.service.contract import ScopeError
from lpexec.core import ExecutorError, RiskRejectedError, StoreError, UnknownExecutorError

__all__ = [
    "ERROR_RESPONSES",
    "ApiError",
    "error_message",
    "http_status_of",
    "install_error_handlers",
    "service_errors",
]

logger = logging.getLogger(__name__)

ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorResponse, "description": "No or invalid credentials."},
    403: {"model": ErrorResponse, "description": "Outside the caller's controller."},
    409: {"model": ErrorResponse, "description": "Refused in the executor's present state."},
    503: {"model": ErrorResponse, "description": "The store does not answer."},
}
"""The error answers every protected route may give (documented in the OpenAPI document)."""


class ApiError(Exception):
    """Raised by a route to answer ``status`` with ``message`` as the detail."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def http_status_of(error: BaseException) -> int | None:
    """The status for a service error; None for one this module does not map."""
    if isinstance(error, AuthError):
        return 401
    if isinstance(error, ScopeError):
        return 403
    if isinstance(error, UnknownExecutorError | LookupError):
        return 404
    if isinstance(error, RiskRejectedError):
        return 409
    if isinstance(error, StoreError):
        return 503
    if isinstance(error, ValueError):  # ConfigError is one
        return 422
    if isinstance(error, ExecutorError):
        return 409
    return None


def error_message(error: BaseException) -> str:
    """The error's message (a KeyError's without the quotes ``str`` adds)."""
    if isinstance(error, KeyError) and not isinstance(error, UnknownExecutorError):
        return str(error.args[0]) if error.args else type(error).__name__
    return str(error) or type(error).__name__


@contextmanager
def service_errors() -> Iterator[None]:
    """Turn the errors of the service call inside the block into :class:`ApiError`."""
    try:
        yield
    except (AuthError, ExecutorError, LookupError, ValueError) as e:
        status = http_status_of(e)
        assert status is not None
        raise ApiError(status, error_message(e)) from e


_FIELD_PATH = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*(?:[.\[][A-Za-z0-9_\]]+)*): ")


def _location(message: str) -> list[str | int]:
    """Where a service message says the problem is (``executor_config.type: ...`` is
    ``["body", "executor_config", "type"]``); ``["body"]`` when it names no field."""
    match = _FIELD_PATH.match(message)
    if match is None:
        return ["body"]
    parts = match.group(1).replace("[", ".").replace("]", "").split(".")
    return ["body", *(int(part) if part.isdigit() else part for part in parts)]


def install_error_handlers(app: FastAPI) -> None:
    """Answer :class:`ApiError` with its status (see the module docstring)."""

    async def handle(_request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, ApiError)
        if error.status == 422:
            detail: Any = [
                {"loc": _location(error.message), "msg": error.message, "type": "value_error"}
            ]
            return JSONResponse({"detail": detail}, status_code=422)
        headers = {"WWW-Authenticate": WWW_AUTHENTICATE} if error.status == 401 else None
        return JSONResponse({"detail": error.message}, status_code=error.status, headers=headers)

    app.add_exception_handler(ApiError, handle)
