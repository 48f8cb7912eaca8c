"""``GatewayClient``: the async entry point, grouping one resource object per Gateway area."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from types import TracebackType
from typing import Self

import httpx
from solana.rpc.async_api import AsyncClient as SolanaAsyncClient

from ._connectors import ratio_to_percent
from ._constants import (
    DEFAULT_BASE_URL,
    DEFAULT_ETHEREUM_NETWORK,
    DEFAULT_MAX_RETRIES,
    DEFAULT_POLL_INTERVAL,
    DEFAULT_RATE_LIMIT_PER_MINUTE,
    DEFAULT_SLIPPAGE,
    DEFAULT_SOLANA_NETWORK,
)
from ._exceptions import InvalidRequestError
from ._models.server import HealthStatus
from ._rate_limit import RateLimiter
from ._resources.amm import RaydiumAmm, UniswapAmm
from ._resources.base import Resource
from ._resources.chain import EthereumChain, SolanaChain
from ._resources.clmm import MeteoraClmm, RaydiumClmm, UniswapClmm
from ._resources.router import JupiterRouter, UniswapRouter
from ._resources.server import ConfigResource, PoolsResource, TokensResource, WalletsResource
from ._resources.trading import TradingClmm, TradingSwap
from ._retry import RetryPolicy
from ._rpc import SolanaRpcCheck
from ._transport import ClientState, Route, Timeouts, Transport, build_ssl_context
from ._types import Chain, Clock, SystemClock

__all__ = ["GatewayClient"]

HEALTH = Route("GET", "/", rate_limited=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class _Options:
    retry: RetryPolicy
    timeouts: Timeouts
    default_slippage: Decimal
    solana_network: str
    ethereum_network: str
    poll_interval: float


class _Health(Resource):
    async def check(self) -> HealthStatus:
        return await self._call(HEALTH, None, HealthStatus)


class GatewayClient:
    """Typed async client for Hummingbot Gateway 2.13's HTTP API.

    Use it as an async context manager; resources mirror the API (``client.meteora``,
    ``client.solana``, ...). Amounts are Decimals in human units; ``slippage`` and ``fraction``
    arguments are ratios (0.01 = 1 %) converted to Gateway's percentages at the boundary.
    ``network`` and ``walletAddress`` are always sent explicitly. Reads are retried on
    transient failures; writes (anything that sends a transaction) are sent exactly once.

    Example:
        ```python
        async with GatewayClient("http://localhost:15888") as client:
            pool = await client.meteora.pool_info("5rCf1DM8LjKTw4YqhnoLcngyZYeNnQqztScTogYHAS6")
            print(pool.price)
        ```

    Args:
        base_url: Gateway's address (``https://`` for mutual TLS).
        http_client: An ``httpx.AsyncClient`` to use instead of creating one (its pool and
            transport are used; it is not closed by :meth:`aclose`).
        max_retries: Retries of a failed read (2 -> 3 attempts; 0 disables retries).
        retry_policy: Full retry settings; overrides ``max_retries`` when given.
        timeout: Read/write/connect timeouts (reads 10 s, writes 90 s by default).
        rate_limit_per_minute: Client-side limit (Gateway allows 100/min); ``None`` disables it.
        client_cert: Client certificate (PEM) for Gateway's mutual TLS.
        client_key: Private key (PEM) of the client certificate.
        client_key_password: Passphrase of an encrypted key. Never logged or shown.
        ca_bundle: CA certificate (PEM) that signed Gateway's server certificate.
        bearer_token: API token for Gateway >= 2.15 (``Authorization: Bearer``). Never logged.
        rpc_url: Solana JSON-RPC URL for the confirmation cross-check (optional).
        rpc_client: A ready ``solana.rpc.async_api.AsyncClient`` instead of ``rpc_url``.
        clock: Time source (tests inject a fake one).
        default_slippage: Slippage ratio used when a call gives none (0.01 = 1 %).
        solana_network: Network sent to Solana routes by default.
        ethereum_network: Network sent to EVM routes by default.
        poll_interval: Seconds between polls in ``wait_for_confirmation``.
    """

    def __init__(
        self,
        base_url: str = DEFAULT_BASE_URL,
        *,
        http_client: httpx.AsyncClient | None = None,
        max_retries: int = DEFAULT_MAX_RETRIES,
        retry_policy: RetryPolicy | None = None,
        timeout: Timeouts | None = None,
        rate_limit_per_minute: int | None = DEFAULT_RATE_LIMIT_PER_MINUTE,
        client_cert: str | Path | None = None,
        client_key: str | Path | None = None,
        client_key_password: str | None = None,
        ca_bundle: str | Path | None = None,
        bearer_token: str | None = None,
        rpc_url: str | None = None,
        rpc_client: SolanaAsyncClient | None = None,
        clock: Clock | None = None,
        default_slippage: Decimal = DEFAULT_SLIPPAGE,
        solana_network: str = DEFAULT_SOLANA_NETWORK,
        ethereum_network: str = DEFAULT_ETHEREUM_NETWORK,
        poll_interval: float = DEFAULT_POLL_INTERVAL,
    ) -> None:
        if not base_url.startswith(("http://", "https://")):
            raise InvalidRequestError(
                f"Expected base_url to start with http:// or https://, received {base_url!r}",
                fields=("base_url",),
            )
        tls_given = any(v is not None for v in (client_cert, client_key, ca_bundle))
        if tls_given and not base_url.startswith("https://"):
            raise InvalidRequestError(
                "Expected an https:// base_url with client_cert/client_key/ca_bundle, "
                f"received {base_url!r}",
                fields=("base_url",),
            )
        if tls_given and http_client is not None:
            raise InvalidRequestError(
                "Expected TLS files only when the client builds its own pool: configure the "
                "injected http_client's verify/cert instead",
                fields=("client_cert", "client_key", "ca_bundle"),
            )
        if rpc_url is not None and rpc_client is not None:
            raise InvalidRequestError(
                "Expected rpc_url or rpc_client, received both", fields=("rpc_url", "rpc_client")
            )
        ratio_to_percent(default_slippage, field="default_slippage")
        clock = clock if clock is not None else SystemClock()
        ssl_context = (
            build_ssl_context(
                client_cert=client_cert,
                client_key=client_key,
                client_key_password=client_key_password,
                ca_bundle=ca_bundle,
            )
            if base_url.startswith("https://") and http_client is None
            else None
        )
        limiter = (
            RateLimiter(rate_limit_per_minute, clock=clock)
            if rate_limit_per_minute is not None
            else None
        )
        transport = Transport(
            base_url=base_url,
            http_client=http_client,
            ssl_context=ssl_context,
            bearer_token=bearer_token,
            rate_limiter=limiter,
            clock=clock,
        )
        if rpc_url is not None:
            rpc: SolanaRpcCheck | None = SolanaRpcCheck.from_url(rpc_url)
        elif rpc_client is not None:
            rpc = SolanaRpcCheck(rpc_client)
        else:
            rpc = None
        options = _Options(
            retry=retry_policy
            if retry_policy is not None
            else RetryPolicy(max_retries=max_retries),
            timeouts=timeout if timeout is not None else Timeouts(),
            default_slippage=default_slippage,
            solana_network=solana_network,
            ethereum_network=ethereum_network,
            poll_interval=poll_interval,
        )
        self._bind(transport, options, rpc)

    def _bind(self, transport: Transport, options: _Options, rpc: SolanaRpcCheck | None) -> None:
        self._transport = transport
        self._options = options
        self.rpc = rpc
        self._health = _Health(self)
        self.config = ConfigResource(self)
        self.wallets = WalletsResource(self)
        self.tokens = TokensResource(self)
        self.pools = PoolsResource(self)
        self.solana = SolanaChain(self)
        self.ethereum = EthereumChain(self)
        self.jupiter = JupiterRouter(self)
        self.meteora = MeteoraClmm(self)
        self.raydium_clmm = RaydiumClmm(self)
        self.raydium_amm = RaydiumAmm(self)
        self.uniswap_router = UniswapRouter(self)
        self.uniswap_amm = UniswapAmm(self)
        self.uniswap_clmm = UniswapClmm(self)
        self.trading_swap = TradingSwap(self)
        self.trading_clmm = TradingClmm(self)

    def __repr__(self) -> str:
        return f"GatewayClient(base_url={self._transport.base_url!r}, state={self.state.value})"

    @property
    def base_url(self) -> str:
        """Gateway's address."""
        return self._transport.base_url

    @property
    def state(self) -> ClientState:
        """UNOPENED, OPEN or CLOSED (a closed client refuses every request)."""
        return self._transport.state

    def with_options(
        self,
        *,
        max_retries: int | None = None,
        retry_policy: RetryPolicy | None = None,
        timeout: Timeouts | None = None,
        default_slippage: Decimal | None = None,
        poll_interval: float | None = None,
    ) -> GatewayClient:
        """Return a client sharing this one's pool, rate limiter and lifecycle, with new options.

        Example:
            ``await client.with_options(max_retries=0).meteora.pool_info(address)``
        """
        retry = self._options.retry
        if retry_policy is not None:
            retry = retry_policy
        elif max_retries is not None:
            retry = dataclasses.replace(retry, max_retries=max_retries)
        if default_slippage is not None:
            ratio_to_percent(default_slippage, field="default_slippage")
        options = dataclasses.replace(
            self._options,
            retry=retry,
            timeouts=timeout if timeout is not None else self._options.timeouts,
            default_slippage=(
                default_slippage if default_slippage is not None else self._options.default_slippage
            ),
            poll_interval=poll_interval
            if poll_interval is not None
            else self._options.poll_interval,
        )
        clone = object.__new__(GatewayClient)
        clone._bind(self._transport, options, self.rpc)
        return clone

    def _default_network(self, chain: Chain | None, network: str | None) -> str:
        if network is not None:
            return network
        if chain == "ethereum":
            return self._options.ethereum_network
        return self._options.solana_network

    async def health(self) -> HealthStatus:
        """Return ``GET /`` (not rate-limited by Gateway)."""
        return await self._health.check()

    async def __aenter__(self) -> Self:
        self._transport.open()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connection pool (if the client created it) and the RPC client."""
        if self._transport.state is ClientState.CLOSED:
            return
        await self._transport.close()
        if self.rpc is not None:
            await self.rpc.close()
