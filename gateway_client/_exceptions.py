"""Exceptions raised by the Gateway client, and the functions that map failures to them.

Classes are grouped by what the caller should do about them::

    GatewayError                       root of everything this package raises
    ├── InvalidRequestError            a request failed local validation; nothing was sent
    ├── GatewayClientStateError        the client is closed (or opened twice)
    ├── GatewayUnavailableError             transient: retry later (reads are retried automatically)
    │   ├── GatewayConnectionError     could not connect; the request was not sent
    │   ├── GatewayTimeoutError             a read got no answer in time
    │   ├── GatewayServerError         HTTP 5xx to a read (also a GatewayStatusError)
    │   └── UpstreamUnavailableError   a 4xx caused by Gateway's RPC node or upstream API being
    │                                  unreachable (also a GatewayStatusError); nothing was sent
    ├── GatewayStatusError             Gateway answered with an error status
    │   ├── RateLimitedError                HTTP 429, carries ``retry_after``
    │   ├── AuthenticationError        HTTP 401/403 (bearer token or mTLS refused)
    │   ├── BadRequestError                 HTTP 400 that is not a schema violation
    │   │   ├── QuoteNotFoundError          a router ``quoteId`` is unknown or expired
    │   │   └── SimulationFailedError       the transaction simulation failed; nothing was sent
    │   │       ├── SlippageExceededError   price moved past the slippage tolerance
    │   │       ├── PositionTooWideError    DLMM position wider than the bin limit
    │   │       └── InsufficientFundsError  the wallet cannot pay amounts, rent or fees
    │   ├── GatewayValidationError     HTTP 400 with ``validation[]`` (schema violation)
    │   └── NotFoundError                   HTTP 404
    │       ├── PositionClosedError         the position existed and was closed
    │       └── PositionNotFoundError       no position ever existed at that address
    ├── UnexpectedResponseError             a 2xx answer did not match the expected shape
    ├── TransactionFailedError              the transaction landed and failed (status -1)
    ├── TransactionOutcomeUnknownError      sent, outcome unknown: reconcile, never resend blindly
    └── SolanaRpcError                 the optional Solana RPC cross-check failed

HTTP error bodies are mapped in exactly one function, :func:`error_from_response`, keyed on the HTTP
status and Gateway's ``code``. A 5xx answer to a write (a route that sends a transaction) is
:class:`TransactionOutcomeUnknownError`: the transaction may have been sent before the failure, so
the caller reconciles instead of sending again. During an RPC outage Gateway 2.13 answers some
routes with a 4xx (Meteora: 400 "Invalid pool address: fetch failed"; Jupiter: 404 "No route
found ... ECONNREFUSED"): those messages map to :class:`UpstreamUnavailableError`, not to a final
rejection. The ambiguous 404 "Pool not found" of a pool-info read is cross-checked against the
chain's status route by the transport (see ``_transport``). Gateway's ``error`` field is never
used: it holds whatever ``error.name`` was where the error was raised. Some outcomes (simulation
failures, closed vs missing position) exist only as message text; the markers for those live in
tables in this module.
"""

from __future__ import annotations

import email.utils
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx

__all__ = [
    "AuthenticationError",
    "BadRequestError",
    "GatewayClientStateError",
    "GatewayConnectionError",
    "GatewayError",
    "GatewayServerError",
    "GatewayStatusError",
    "GatewayTimeoutError",
    "GatewayUnavailableError",
    "GatewayValidationError",
    "InsufficientFundsError",
    "InvalidRequestError",
    "NotFoundError",
    "PositionClosedError",
    "PositionNotFoundError",
    "PositionTooWideError",
    "QuoteNotFoundError",
    "RateLimitedError",
    "SimulationFailedError",
    "SlippageExceededError",
    "SolanaRpcError",
    "TransactionFailedError",
    "TransactionOutcomeUnknownError",
    "UnexpectedResponseError",
    "UpstreamUnavailableError",
    "ValidationIssue",
    "error_from_response",
    "error_from_transport",
    "is_outage_message",
]

TRANSACTION_TIMEOUT_CODE = "TRANSACTION_TIMEOUT"
_MAX_TEXT_IN_MESSAGE = 300


class GatewayError(Exception):
    """Root of every exception raised by ``gateway_client``."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidRequestError(GatewayError, ValueError):
    """Raised before sending when arguments fail validation (e.g. a malformed address)."""

    def __init__(self, message: str, *, fields: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.fields = fields


class GatewayClientStateError(GatewayError, RuntimeError):
    """Raised when a closed client is used, or a client is opened twice."""


class GatewayUnavailableError(GatewayError):
    """Transient failure: Gateway unreachable, too slow, or failing with 5xx."""


class GatewayConnectionError(GatewayUnavailableError):
    """Raised when no connection could be made; the request was not sent."""


class GatewayTimeoutError(GatewayUnavailableError):
    """Raised when a read got no response within its timeout."""


@dataclass(frozen=True, slots=True)
class ValidationIssue:
    """One entry of Gateway's ``validation[]`` (an Ajv schema error)."""

    instance_path: str
    """JSON pointer to the offending value, e.g. ``/lowerPrice``."""
    keyword: str
    """The schema keyword that failed (``type``, ``enum``, ``required``, ``maximum``, ...)."""
    message: str
    """Ajv's message, e.g. ``must be number``."""
    schema_path: str = ""
    """Pointer into the route schema."""
    params: Mapping[str, Any] = field(default_factory=dict)
    """Keyword parameters, e.g. ``{"missingProperty": "poolAddress"}``."""


class GatewayStatusError(GatewayError):
    """Gateway answered with an HTTP error status; carries the evidence."""

    def __init__(
        self,
        message: str,
        *,
        status_code: int,
        method: str,
        path: str,
        code: str | None = None,
        body: Mapping[str, Any] | None = None,
        response: httpx.Response | None = None,
    ) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.method = method
        self.path = path
        self.code = code
        self.body: Mapping[str, Any] = body if body is not None else {}
        self.response = response

    def __str__(self) -> str:
        code = f", code {self.code}" if self.code else ""
        return f"{self.message} (HTTP {self.status_code} on {self.method} {self.path}{code})"


class GatewayServerError(GatewayStatusError, GatewayUnavailableError):
    """Raised on HTTP 5xx to a read (a write's 5xx is an unknown outcome). Often means the RPC
    is down."""


class UpstreamUnavailableError(GatewayStatusError, GatewayUnavailableError):
    """Raised on a 4xx whose cause is Gateway's RPC node (or an upstream API) being unreachable.

    Gateway 2.13 reports some outages as client errors: Meteora's 400 "Invalid pool address:
    fetch failed" on quotes and writes, Jupiter's 404 "No route found ... ECONNREFUSED", and a
    pool-info 404 "Pool not found" while the chain's status route fails too. Nothing was sent;
    retry later (reads are retried automatically).
    """


class RateLimitedError(GatewayStatusError):
    """Raised on HTTP 429; ``retry_after`` is the server's hint in seconds, if any."""

    def __init__(self, message: str, *, retry_after: float | None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class AuthenticationError(GatewayStatusError):
    """Raised on HTTP 401/403: the bearer token or client certificate was refused."""


class BadRequestError(GatewayStatusError):
    """Raised on HTTP 400 that is not a schema violation (bad address, unknown token, ...)."""


class QuoteNotFoundError(BadRequestError):
    """Raised when a router ``quoteId`` is unknown or expired (e.g. after a Gateway restart)."""


class SimulationFailedError(BadRequestError):
    """Raised when Gateway's pre-send simulation failed; the transaction was not sent."""


class SlippageExceededError(SimulationFailedError):
    """Raised when the simulated price moved beyond the slippage tolerance."""


class PositionTooWideError(SimulationFailedError):
    """Raised when a DLMM position spans more bins than the program allows (69 in 2.13)."""


class InsufficientFundsError(SimulationFailedError):
    """Raised when the wallet cannot cover the amounts, rent or fees."""


class GatewayValidationError(GatewayStatusError):
    """Raised on HTTP 400 with ``validation[]``: the request broke the route's schema."""

    def __init__(
        self, message: str, *, validation: tuple[ValidationIssue, ...], **kwargs: Any
    ) -> None:
        super().__init__(message, **kwargs)
        self.validation = validation


class NotFoundError(GatewayStatusError):
    """Raised on HTTP 404 (pool, token, route or position not found; Jupiter: no route)."""


class PositionClosedError(NotFoundError):
    """Raised when the position existed and has been closed."""


class PositionNotFoundError(NotFoundError):
    """Raised when no position ever existed at the address."""


class UnexpectedResponseError(GatewayError):
    """Raised when a 2xx answer cannot be parsed into the route's response model."""


class TransactionFailedError(GatewayError):
    """Raised when a transaction landed and failed on chain (status -1)."""

    def __init__(self, message: str, *, signature: str, error: object = None) -> None:
        super().__init__(message)
        self.signature = signature
        self.error = error


class TransactionOutcomeUnknownError(GatewayError):
    """Raised when a write was sent but its outcome is unknown.

    Causes: HTTP 504 ``TRANSACTION_TIMEOUT`` (no signature in the body), a write whose response
    never arrived, or ``status 0`` still pending at the caller's deadline. The transaction may
    still land: reconcile (poll the signature, list positions, read balances) before acting.
    """

    def __init__(
        self,
        message: str,
        *,
        signature: str | None = None,
        status_code: int | None = None,
        code: str | None = None,
        body: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.signature = signature
        self.status_code = status_code
        self.code = code
        self.body: Mapping[str, Any] = body if body is not None else {}


class SolanaRpcError(GatewayError):
    """Raised when the optional Solana RPC cross-check could not read the chain."""


# (HTTP status, lower-case marker found in Gateway's message, class). First match wins.
_MESSAGE_MARKERS: tuple[tuple[int, str, type[GatewayStatusError]], ...] = (
    (400, "quote not found", QuoteNotFoundError),
    (400, "slippage tolerance exceeded", SlippageExceededError),
    (400, "toolittleoutputreceived", SlippageExceededError),
    (400, "toomuchinputpaid", SlippageExceededError),
    (400, "priceslippagecheck", SlippageExceededError),
    (400, "0x1785", SlippageExceededError),
    (400, "0x1786", SlippageExceededError),
    (400, "0x1787", SlippageExceededError),
    (400, "invalidpositionwidth", PositionTooWideError),
    (400, "invalid position width", PositionTooWideError),
    (400, "insufficient funds", InsufficientFundsError),
    (400, "insufficient balance", InsufficientFundsError),
    (400, "insufficient lamports", InsufficientFundsError),
    (400, "simulation failed", SimulationFailedError),
    (400, "sqrtpricelimitoverflow", SimulationFailedError),
    (404, "position closed", PositionClosedError),
    (404, "position not found", PositionNotFoundError),
)


def _decode_body(content: bytes) -> tuple[dict[str, Any], str]:
    try:
        decoded = json.loads(content) if content else {}
    except ValueError:
        decoded = None
    if isinstance(decoded, dict):
        return decoded, ""
    text = content.decode("utf-8", errors="replace").strip()
    return {}, text[:_MAX_TEXT_IN_MESSAGE]


def _parse_retry_after(value: str | None, *, now: datetime) -> float | None:
    if value is None or not value.strip():
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, (when - now).total_seconds())


def _validation_issues(raw: object) -> tuple[ValidationIssue, ...]:
    if not isinstance(raw, list):
        return ()
    issues = []
    for item in raw:
        if not isinstance(item, dict):
            continue
        params = item.get("params")
        issues.append(
            ValidationIssue(
                instance_path=str(item.get("instancePath", "")),
                keyword=str(item.get("keyword", "")),
                message=str(item.get("message", "")),
                schema_path=str(item.get("schemaPath", "")),
                params=params if isinstance(params, dict) else {},
            )
        )
    return tuple(issues)


# Lower-case markers of a network failure between Gateway and its RPC node or upstream API
# (Node's fetch and socket errors), found in the message of a 4xx: the request was fine.
_OUTAGE_MARKERS: tuple[str, ...] = (
    "fetch failed",
    "econnrefused",
    "econnreset",
    "etimedout",
    "enotfound",
    "eai_again",
    "socket hang up",
    "network request failed",
)


def is_outage_message(message: str) -> bool:
    """Return whether a Gateway error message names a network failure behind Gateway."""
    lowered = message.lower()
    return any(marker in lowered for marker in _OUTAGE_MARKERS)


def _class_for(status_code: int, message: str) -> type[GatewayStatusError]:
    lowered = message.lower()
    if status_code in (400, 404) and is_outage_message(lowered):
        return UpstreamUnavailableError
    for marker_status, marker, cls in _MESSAGE_MARKERS:
        if marker_status == status_code and marker in lowered:
            return cls
    if status_code == 400:
        return BadRequestError
    if status_code in (401, 403):
        return AuthenticationError
    if status_code == 404:
        return NotFoundError
    if status_code >= 500:
        return GatewayServerError
    return GatewayStatusError


def error_from_response(
    *,
    status_code: int,
    content: bytes,
    headers: Mapping[str, str],
    method: str,
    path: str,
    now: datetime,
    response: httpx.Response | None = None,
    is_write: bool = False,
) -> GatewayError:
    """Map a Gateway error response to the exception the caller should handle.

    Args:
        status_code: The HTTP status of the response (>= 400).
        content: The raw response body.
        headers: Response headers (``retry-after`` is read on 429).
        method: HTTP method of the request, for the message.
        path: Route path of the request (no query string), for the message.
        now: Current time, to turn an HTTP-date ``retry-after`` into seconds.
        response: The response itself, kept on the exception as evidence.
        is_write: Whether the route sends a transaction (a 5xx is then an unknown outcome).

    Returns:
        The exception to raise; never raises itself.
    """
    body, text = _decode_body(content)
    raw_message = body.get("message")
    message = str(raw_message) if raw_message is not None else (text or f"HTTP {status_code}")
    raw_code = body.get("code")
    code = str(raw_code) if raw_code is not None else None
    if status_code == 504 and code == TRANSACTION_TIMEOUT_CODE:
        return TransactionOutcomeUnknownError(
            f"{message} (HTTP 504 {code} on {method} {path}; the transaction may still land: "
            "reconcile before retrying)",
            status_code=status_code,
            code=code,
            body=body,
        )
    if is_write and status_code >= 500:
        return TransactionOutcomeUnknownError(
            f"{message} (HTTP {status_code} on {method} {path}; the transaction may have been "
            "sent before the failure: reconcile before sending again)",
            status_code=status_code,
            code=code,
            body=body,
        )
    common: dict[str, Any] = {
        "status_code": status_code,
        "method": method,
        "path": path,
        "code": code,
        "body": body,
        "response": response,
    }
    if status_code == 429:
        retry_after = _parse_retry_after(headers.get("retry-after"), now=now)
        return RateLimitedError(message, retry_after=retry_after, **common)
    validation = _validation_issues(body.get("validation"))
    if status_code == 400 and validation:
        return GatewayValidationError(message, validation=validation, **common)
    return _class_for(status_code, message)(message, **common)


_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.UnsupportedProtocol)


def error_from_transport(
    exc: httpx.TransportError | OSError, *, method: str, path: str, is_write: bool
) -> GatewayError:
    """Map an httpx transport failure to our exception.

    A write whose request may have reached Gateway (read timeout, dropped connection) becomes
    :class:`TransactionOutcomeUnknownError`; failures before sending are
    :class:`GatewayUnavailableError`.

    Args:
        exc: The httpx exception, or an ``OSError`` (TLS alert) raised through httpx.
        method: HTTP method of the request.
        path: Route path of the request.
        is_write: Whether the route sends a transaction.

    Returns:
        The exception to raise (chain it with ``from exc``).
    """
    detail = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    if isinstance(exc, _NOT_SENT):
        cls: type[GatewayUnavailableError] = (
            GatewayTimeoutError
            if isinstance(exc, httpx.TimeoutException)
            else GatewayConnectionError
        )
        return cls(f"Could not send {method} {path} to Gateway ({detail}); nothing was sent")
    if is_write:
        return TransactionOutcomeUnknownError(
            f"No response to {method} {path} ({detail}); the transaction may have been sent: "
            "reconcile before retrying"
        )
    if isinstance(exc, httpx.TimeoutException):
        return GatewayTimeoutError(f"Gateway did not answer {method} {path} in time ({detail})")
    return GatewayConnectionError(f"Connection to Gateway failed during {method} {path} ({detail})")
