"""HTTP plumbing shared by all resources: lifecycle, TLS, rate limit, retries, error mapping.

Everything that touches httpx lives here; resources only build request models and parse
responses. httpx exceptions never leave this module: they are mapped once, chained with
``raise ... from``.

Besides httpx's own timeouts, each request has a deadline of connect + read (or write) seconds on
the whole exchange, enforced with ``asyncio.timeout``: transports that enforce no timeout of their
own (``httpx.ASGITransport`` serving an app in process) still end. On a network transport httpx's
timeouts fire first. An expired deadline is mapped exactly like httpx's read timeout: a read
raises ``GatewayTimeoutError``, a write ``TransactionOutcomeUnknownError``.

A Solana pool-info read answered 404 "Pool not found" is ambiguous in Gateway 2.13: Meteora
swallows an unreachable RPC node into that same answer. The transport then asks
``GET /chains/solana/status`` (which fails with a 5xx when the RPC is down): if that fails too,
the 404 becomes :class:`UpstreamUnavailableError` (retry later); otherwise the pool really is
not there.
"""

from __future__ import annotations

import asyncio
import enum
import functools
import logging
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import httpx

from ._constants import DEFAULT_CONNECT_TIMEOUT, DEFAULT_READ_TIMEOUT, DEFAULT_WRITE_TIMEOUT
from ._exceptions import (
    GatewayClientStateError,
    GatewayUnavailableError,
    InvalidRequestError,
    NotFoundError,
    UpstreamUnavailableError,
    error_from_response,
    error_from_transport,
)
from ._rate_limit import RateLimiter
from ._retry import RetryPolicy, call_with_retries
from ._types import Clock

__all__ = ["ClientState", "Route", "Timeouts", "Transport", "build_ssl_context"]

logger = logging.getLogger(__name__)

SOLANA_STATUS = "/chains/solana/status"
_POOL_NOT_FOUND = "pool not found"


def _status_probe(route: Route, params: Mapping[str, str] | None) -> dict[str, str] | None:
    """Return the status-route query that can tell an outage from a missing pool, or None.

    Only Solana pool-info reads (connector routes and ``/trading/clmm/pool-info``) need it.
    """
    if route.method != "GET" or not route.path.endswith("/pool-info"):
        return None
    values = dict(params or {})
    chain_network = values.get("chainNetwork")
    if chain_network is not None:
        chain, _, network = chain_network.partition("-")
        return {"network": network} if chain == "solana" and network else None
    if route.path.startswith("/connectors/uniswap") or route.path.startswith(
        "/connectors/pancakeswap/"
    ):
        return None
    return {"network": values["network"]} if "network" in values else {}


class ClientState(enum.Enum):
    """Lifecycle of a client: used before ``async with``, inside it, then closed for good."""

    UNOPENED = "unopened"
    OPEN = "open"
    CLOSED = "closed"


@dataclass(frozen=True, slots=True, kw_only=True)
class Timeouts:
    """Per-request timeouts in seconds. Writes block until Gateway saw the tx confirm."""

    read: float = DEFAULT_READ_TIMEOUT
    """Reads: GET routes and POST reads (balances, poll, allowances)."""
    write: float = DEFAULT_WRITE_TIMEOUT
    """Writes: routes that send a transaction."""
    connect: float = DEFAULT_CONNECT_TIMEOUT
    """Opening a connection, for both."""

    def __post_init__(self) -> None:
        for name in ("read", "write", "connect"):
            value = getattr(self, name)
            if not value > 0:
                raise InvalidRequestError(
                    f"Expected timeout {name} > 0 seconds, received {name}={value!r}",
                    fields=(name,),
                )


@dataclass(frozen=True, slots=True)
class Route:
    """A Gateway route: method, path template, and whether it sends a transaction."""

    method: Literal["GET", "POST"]
    path: str
    is_write: bool = False
    """Writes get the write timeout and are never retried."""
    rate_limited: bool = True
    """Gateway exempts only ``GET /`` from its rate limit."""


def build_ssl_context(
    *,
    client_cert: str | Path | None,
    client_key: str | Path | None,
    client_key_password: str | None,
    ca_bundle: str | Path | None,
) -> ssl.SSLContext:
    """Build the TLS context for Gateway's mutual TLS.

    Args:
        client_cert: PEM client certificate (Gateway's ``client_cert.pem``).
        client_key: PEM private key of the certificate (``client_key.pem``).
        client_key_password: Passphrase of an encrypted key. Never logged.
        ca_bundle: PEM CA that signed Gateway's server certificate (``ca_cert.pem``).

    Returns:
        A client-side SSL context.

    Raises:
        InvalidRequestError: If only one of cert/key is given, or a file cannot be loaded.
    """
    if (client_cert is None) != (client_key is None):
        raise InvalidRequestError(
            "Expected client_cert and client_key together for mutual TLS, received only "
            f"{'client_cert' if client_cert is not None else 'client_key'}",
            fields=("client_cert", "client_key"),
        )
    try:
        context = ssl.create_default_context(
            cafile=str(ca_bundle) if ca_bundle is not None else None
        )
        if client_cert is not None and client_key is not None:
            context.load_cert_chain(str(client_cert), str(client_key), password=client_key_password)
    except (OSError, ssl.SSLError) as exc:
        # The error text names files and OpenSSL reasons, never the passphrase.
        raise InvalidRequestError(
            f"Could not load the TLS files (client_cert={client_cert}, client_key={client_key}, "
            f"ca_bundle={ca_bundle}): {type(exc).__name__}: {exc.strerror or exc}",
            fields=("client_cert", "client_key", "ca_bundle"),
        ) from None
    return context


@functools.lru_cache(maxsize=64)
def _http_timeout(timeouts: Timeouts, is_write: bool) -> httpx.Timeout:
    return httpx.Timeout(timeouts.write if is_write else timeouts.read, connect=timeouts.connect)


def _deadline(timeouts: Timeouts, is_write: bool) -> float:
    return timeouts.connect + (timeouts.write if is_write else timeouts.read)


class Transport:
    """One HTTP connection pool, its lifecycle, and the request loop."""

    def __init__(
        self,
        *,
        base_url: str,
        http_client: httpx.AsyncClient | None,
        ssl_context: ssl.SSLContext | None,
        bearer_token: str | None,
        rate_limiter: RateLimiter | None,
        clock: Clock,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.clock = clock
        self.rate_limiter = rate_limiter
        self.state = ClientState.UNOPENED
        self._owns_http = http_client is None
        if http_client is None:
            http_client = httpx.AsyncClient(
                verify=ssl_context if ssl_context is not None else True,
                limits=httpx.Limits(max_connections=100, max_keepalive_connections=20),
            )
        self.http = http_client
        headers: dict[str, str] = {}
        if bearer_token:
            headers["authorization"] = f"Bearer {bearer_token}"
        self._get_headers: Mapping[str, str] | None = headers or None
        self._post_headers: Mapping[str, str] = {**headers, "content-type": "application/json"}

    def __repr__(self) -> str:
        return f"Transport(base_url={self.base_url!r}, state={self.state.value})"

    def open(self) -> None:
        """Enter the OPEN state (``async with``)."""
        if self.state is ClientState.CLOSED:
            raise GatewayClientStateError(
                "Cannot open a GatewayClient that was closed; create a new client"
            )
        if self.state is ClientState.OPEN:
            raise GatewayClientStateError("Cannot open a GatewayClient twice; it is already open")
        self.state = ClientState.OPEN

    async def close(self) -> None:
        """Close the pool if we created it; an injected ``http_client`` stays the caller's."""
        if self.state is ClientState.CLOSED:
            return
        self.state = ClientState.CLOSED
        if self._owns_http:
            await self.http.aclose()

    async def request(
        self,
        route: Route,
        *,
        path: str,
        params: Mapping[str, str] | None,
        content: bytes | None,
        retry: RetryPolicy,
        timeouts: Timeouts,
    ) -> bytes:
        """Send a request with rate limiting, retries (reads only) and error mapping.

        Args:
            route: The route (decides retry policy and timeout).
            path: The concrete path (template filled in).
            params: Query parameters for GET routes.
            content: JSON body for POST routes.
            retry: Retry policy for reads.
            timeouts: Timeouts to apply.

        Returns:
            The body of a 2xx response.

        Raises:
            GatewayError: Mapped from the transport failure or the error response.
        """
        if self.state is ClientState.CLOSED:
            raise GatewayClientStateError(
                f"Cannot send {route.method} {path}: the GatewayClient is closed"
            )
        timeout = _http_timeout(timeouts, route.is_write)
        deadline = _deadline(timeouts, route.is_write)
        return await call_with_retries(
            lambda: self._send_checked(
                route, path, params, content, http_timeout=timeout, deadline=deadline
            ),
            policy=retry,
            is_write=route.is_write,
            sleep=self.clock.sleep,
        )

    async def _send_checked(
        self,
        route: Route,
        path: str,
        params: Mapping[str, str] | None,
        content: bytes | None,
        *,
        http_timeout: httpx.Timeout,
        deadline: float,
    ) -> bytes:
        # One attempt; a pool-info 404 "Pool not found" is cross-checked with the status route.
        try:
            return await self._send_once(
                route, path, params, content, http_timeout=http_timeout, deadline=deadline
            )
        except NotFoundError as error:
            probe = _status_probe(route, params)
            if probe is None or _POOL_NOT_FOUND not in error.message.lower():
                raise
            try:
                await self._send_once(
                    Route("GET", SOLANA_STATUS),
                    SOLANA_STATUS,
                    probe,
                    None,
                    http_timeout=http_timeout,
                    deadline=deadline,
                )
            except GatewayUnavailableError as outage:
                raise UpstreamUnavailableError(
                    f"{error.message}, while GET {SOLANA_STATUS} fails too ({outage}): "
                    "Gateway's RPC node looks unreachable; retry later",
                    status_code=error.status_code,
                    method=error.method,
                    path=error.path,
                    code=error.code,
                    body=error.body,
                    response=error.response,
                ) from error
            raise

    async def _send_once(
        self,
        route: Route,
        path: str,
        params: Mapping[str, str] | None,
        content: bytes | None,
        *,
        http_timeout: httpx.Timeout,
        deadline: float,
    ) -> bytes:
        if self.rate_limiter is not None and route.rate_limited:
            await self.rate_limiter.acquire()
        url = self.base_url + path
        scope = asyncio.timeout(deadline)
        try:
            async with scope:
                if route.method == "GET":
                    response = await self.http.get(
                        url, params=params, headers=self._get_headers, timeout=http_timeout
                    )
                else:
                    response = await self.http.post(
                        url, content=content, headers=self._post_headers, timeout=http_timeout
                    )
        except (httpx.TransportError, OSError) as exc:
            # OSError: an ssl.SSLError (e.g. a TLS 1.3 "certificate required" alert read after
            # the handshake) can escape httpx unwrapped; so does the deadline's TimeoutError.
            failure: httpx.TransportError | OSError = exc
            if scope.expired():
                failure = httpx.ReadTimeout(f"no response within the {deadline:g} s deadline")
            logger.debug("Gateway %s %s failed: %s", route.method, path, type(failure).__name__)
            raise error_from_transport(
                failure, method=route.method, path=path, is_write=route.is_write
            ) from exc
        status = response.status_code
        logger.debug("Gateway %s %s -> %i", route.method, path, status)
        if status >= 400:
            raise error_from_response(
                status_code=status,
                content=response.content,
                headers=response.headers,
                method=route.method,
                path=path,
                now=self.clock.now(),
                response=response,
                is_write=route.is_write,
            )
        return response.content
