"""Gateway-shaped error answers: ``{statusCode, error, message}`` plus ``code``/``validation``.

Gateway copies the thrown error's name into ``error``, so the same status comes with different
``error`` strings depending on where it was raised (``HttpError``, ``BadRequestError``,
``NotFoundError``, ``Error``, ``Validation Error``, ``Internal Server Error`` ...). Clients key on
``statusCode`` (and ``code``); the paper Gateway reproduces the strings Gateway 2.13 uses per
route so that tests see the real variety.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = [
    "GENERIC_500_MESSAGE",
    "RATE_LIMIT_MESSAGE",
    "TIMEOUT_MESSAGE",
    "GatewayError",
    "bad_request",
    "internal_error",
    "not_found",
    "service_unavailable",
    "transaction_timeout",
    "unexpected_error",
]

GENERIC_500_MESSAGE = "An unexpected error occurred"
TIMEOUT_MESSAGE = "Transaction failed to confirm after 10 attempts"
RATE_LIMIT_MESSAGE = "Rate limit exceeded, retry in 1 minute"
RPC_DOWN_MESSAGE = "RPC service temporarily unavailable"


class GatewayError(Exception):
    """An error answer of the paper Gateway; rendered as Gateway renders its errors."""

    def __init__(
        self,
        status_code: int,
        message: str,
        *,
        error: str | None = "HttpError",
        code: str | None = None,
        validation: list[dict[str, Any]] | None = None,
        headers: Mapping[str, str] | None = None,
        message_only: bool = False,
    ) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.message = message
        self.error = error
        self.code = code
        self.validation = validation
        self.headers = dict(headers or {})
        self.message_only = message_only
        """The route declares this status's body as ``{message}``: Fastify's serializer drops
        the other keys (2.13: ``GET /pools/{tradingPair}`` 404)."""

    def body(self) -> dict[str, Any]:
        """Return the JSON body Gateway sends."""
        if self.message_only:
            return {"message": self.message}
        body: dict[str, Any] = {"statusCode": self.status_code}
        if self.error is not None:
            body["error"] = self.error
        body["message"] = self.message
        if self.code is not None:
            body["code"] = self.code
        if self.validation is not None:
            body["validation"] = self.validation
        return body


def bad_request(message: str, *, error: str = "HttpError") -> GatewayError:
    """Return a 400 error."""
    return GatewayError(400, message, error=error)


def not_found(message: str, *, error: str = "HttpError") -> GatewayError:
    """Return a 404 error."""
    return GatewayError(404, message, error=error)


def internal_error(
    message: str = "Internal server error", *, error: str = "InternalServerError"
) -> GatewayError:
    """Return a 500 error carrying a wrapped message."""
    return GatewayError(500, message, error=error)


def unexpected_error() -> GatewayError:
    """Return Gateway's generic 500 (an unhandled exception)."""
    return GatewayError(500, GENERIC_500_MESSAGE, error="Internal Server Error")


def service_unavailable(
    message: str = RPC_DOWN_MESSAGE, *, error: str = "ServiceUnavailableError"
) -> GatewayError:
    """Return a 503 error."""
    return GatewayError(503, message, error=error)


def transaction_timeout() -> GatewayError:
    """Return the 504 ``TRANSACTION_TIMEOUT`` answer (no signature in the body)."""
    return GatewayError(504, TIMEOUT_MESSAGE, error="HttpError", code="TRANSACTION_TIMEOUT")
