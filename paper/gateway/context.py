"""What every paper-Gateway route shares: the chain, the mode, faults, confirmation waits.

Modes:

* ``clean`` - correct numbers: ``fee`` is the fee paid, amounts are the amounts moved, a
  transaction that failed on chain answers ``status -1``, an RPC outage answers 503, and no
  request answers a 5xx for bad input (an unknown wallet or a malformed address is a 400).
* ``upstream`` - Gateway 2.13's documented quirks: Meteora ``fee`` counts the priority fee twice
  and the SOL amounts derived from it inherit the error (rent of new BinArrays leaks into
  ``baseTokenAmountAdded``), collect-fees reports the raw SOL delta, a Meteora BUY quote's price
  is base per quote, positions-owned reports zero fees, balances read 0 when the RPC is down, other
  RPC failures surface as generic 500s / 404 "Pool not found" / 400 "fetch failed" / 503 "known
  SDK bug", a failed Meteora transaction answers 504 and a failed router swap ``status 0``, and
  requests are rate limited to 100 per minute per client. Status codes and bodies follow 2.13 on
  the same request: an unknown wallet is a 500, balances of a malformed address a 500, a Meteora
  quote with an unknown token and a pool a 404, a malformed or unknown pool on a Meteora quote a
  400 "Invalid pool address: ..." (pool-info: 404 "Pool not found"), ``/pools/{pair}``'s 404 body
  only ``{message}``; during an RPC outage the unified routes answer what Meteora's own do.
"""

from __future__ import annotations

import asyncio
import datetime as _dt
import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from decimal import Decimal
from enum import Enum, StrEnum
from typing import Any

from lpexec.core.clock import Clock
from lpexec.paper.chain import (
    FaultDecision,
    FaultEffect,
    InsufficientFundsError,
    PaperChain,
    Receipt,
    TxFate,
    TxStatus,
)
from lpexec.paper.chain.costs import priority_fee
from lpexec.paper.chain.keys import b58decode, is_address
from lpexec.paper.chain.tokens import Token
from lpexec.paper.gateway.errors import (
    RATE_LIMIT_MESSAGE,
    GatewayError,
    bad_request,
    internal_error,
    service_unavailable,
    transaction_timeout,
)

__all__ = [
    "WALLET_PLACEHOLDER",
    "Call",
    "ConfirmStyle",
    "GatewayContext",
    "Mode",
    "RateLimiter",
    "check_wallet_address",
]

logger = logging.getLogger(__name__)

WALLET_PLACEHOLDER = "<solana-wallet-address>"


def check_wallet_address(value: str) -> str:
    """Return ``value`` when it is a base58 address, else raise Gateway's 400."""
    if not is_address(value):
        raise bad_request(f"Invalid wallet address: {value}", error="BadRequestError")
    return value


class Mode(StrEnum):
    """How faithfully the paper Gateway reproduces Gateway 2.13's quirks."""

    CLEAN = "clean"
    UPSTREAM = "upstream"


class ConfirmStyle(Enum):
    """How a write route reports a transaction that is not confirmed in time."""

    SEND_AND_CONFIRM = "send_and_confirm"
    """Meteora: HTTP 504 ``TRANSACTION_TIMEOUT`` without the signature."""
    RAW = "raw"
    """Jupiter, Raydium, wrap/unwrap: HTTP 200 with ``status 0`` and the signature."""


@dataclass(slots=True)
class Call:
    """One validated request as a route handler sees it."""

    query: dict[str, Any] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)
    body: dict[str, Any] = field(default_factory=dict)
    decision: FaultDecision = field(default_factory=FaultDecision)
    client: str = "127.0.0.1"

    @property
    def data(self) -> dict[str, Any]:
        """Query, path and body values merged (routes use one or the other)."""
        return {**self.query, **self.params, **self.body}

    @property
    def effect(self) -> FaultEffect | None:
        """The injected fault's effect for this call, if any."""
        return self.decision.effect

    @property
    def fate(self) -> TxFate:
        """The fate the injected fault gives this call's transaction."""
        if self.effect is FaultEffect.DROP:
            return TxFate.DROP
        if self.effect is FaultEffect.FAIL:
            return TxFate.FAIL
        fault = self.decision.fault
        if fault is not None and fault.fails:
            return TxFate.FAIL
        return TxFate.LAND

    @property
    def rpc_down(self) -> bool:
        """True when the injected fault says the RPC node is unreachable for this call."""
        return self.effect is FaultEffect.RPC_DOWN


class RateLimiter:
    """Fixed one-minute windows per client, like ``@fastify/rate-limit`` (100 per minute)."""

    def __init__(
        self, limit: int, *, clock_now: Callable[[], _dt.datetime], window_seconds: int = 60
    ) -> None:
        self.limit = limit
        self.window_seconds = window_seconds
        self._now = clock_now
        self._windows: dict[str, tuple[_dt.datetime, int]] = {}

    def hit(self, client: str) -> dict[str, str]:
        """Count one request; return the rate-limit headers.

        Raises:
            GatewayError: 429 with ``retry-after`` when the client is over the limit.
        """
        now = self._now()
        start, count = self._windows.get(client, (now, 0))
        if (now - start).total_seconds() >= self.window_seconds:
            start, count = now, 0
        count += 1
        self._windows[client] = (start, count)
        elapsed = (now - start).total_seconds()
        reset = max(1, int(self.window_seconds - elapsed + 0.999))
        headers = {
            "x-ratelimit-limit": str(self.limit),
            "x-ratelimit-remaining": str(max(0, self.limit - count)),
            "x-ratelimit-reset": str(reset),
        }
        if count > self.limit:
            raise GatewayError(
                429, RATE_LIMIT_MESSAGE, error=None, headers={**headers, "retry-after": str(reset)}
            )
        return headers


@dataclass(slots=True)
class GatewayContext:
    """The chain and settings every route of one paper-Gateway app uses."""

    chain: PaperChain
    mode: Mode = Mode.CLEAN
    default_wallet: str | None = None
    confirm_timeout: float = 10.0
    """Clock seconds a write waits for confirmation (Gateway: 10 attempts x 1 s)."""
    max_position_width: int = 69
    rpc_url: str = "http://127.0.0.1:15888/rpc"
    limiter: RateLimiter | None = None
    spec: dict[str, Any] = field(default_factory=dict)
    """The OpenAPI document served at ``/docs/json``."""
    quotes: dict[str, Any] = field(default_factory=dict)
    """Jupiter quotes by id (in memory only, like Gateway's cache)."""

    @property
    def upstream(self) -> bool:
        """True in ``upstream`` mode."""
        return self.mode is Mode.UPSTREAM

    def wallet_default(self, name: str, default: Any) -> Any:
        """Substitute the configured wallet for the spec's wallet placeholder default."""
        if default == WALLET_PLACEHOLDER and self.default_wallet:
            return self.default_wallet
        del name
        return default

    def signer(self, address: str) -> str:
        """Return a wallet of the chain that can sign.

        Raises:
            GatewayError: 400 for a malformed address, 500 "Wallet not found" for an unknown one.
        """
        check_wallet_address(address)
        if not self.chain.has_wallet(address):
            message = f"Wallet not found for address: {address}"
            if self.upstream:  # 2.13 wraps it into a 500 although nothing was sent
                raise internal_error(message, error="HttpError")
            raise bad_request(message, error="BadRequestError")
        return address

    def new_quote_id(self) -> str:
        """Return a fresh UUID v4 drawn from the chain's seeded generator."""
        raw = bytearray(b58decode(self.chain.keys.new_address())[:16].ljust(16, b"\0"))
        raw[6] = (raw[6] & 0x0F) | 0x40
        raw[8] = (raw[8] & 0x3F) | 0x80
        return str(uuid.UUID(bytes=bytes(raw)))

    def quirky(self, connector: str) -> bool:
        """True when Meteora's upstream quirks apply (upstream mode, Meteora connector)."""
        return self.upstream and connector == "meteora"

    def reported_fee(self, receipt: Receipt, connector: str = "meteora") -> int:
        """Return the fee Gateway reports for a write, in lamports.

        Upstream (2.13) Meteora adds the priority fee again (CU price x CU consumed) on top of
        ``meta.fee``, which already contains it; clean mode and other connectors report the
        fee paid.
        """
        if not self.quirky(connector) or not receipt.fee:
            return receipt.fee
        price = self.chain.fee_schedule.compute_unit_price
        return receipt.fee + priority_fee(price, receipt.compute_units)

    def token(self, symbol_or_address: str, *, status: int = 400) -> Token:
        """Return a listed token or raise Gateway's "Token not found" (400, or ``status``)."""
        token = self.chain.tokens.find(symbol_or_address)
        if token is None:
            raise GatewayError(status, f"Token not found: {symbol_or_address}")
        return token

    def check_rpc(self, call: Call, upstream_error: GatewayError | None = None) -> None:
        """Raise the route's RPC-outage answer when the call's fault says the RPC is down."""
        if not call.rpc_down:
            return
        if self.upstream and upstream_error is not None:
            raise upstream_error
        raise service_unavailable()

    def insufficient(self, error: InsufficientFundsError) -> GatewayError:
        """Translate a chain ``InsufficientFundsError`` into Gateway's 400 message."""
        token = self.chain.tokens.find(error.asset)
        if token is None:
            required, available = Decimal(error.required), Decimal(error.available)
        else:
            required, available = token.to_ui(error.required), token.to_ui(error.available)
        return bad_request(
            f"Insufficient balance for {error.asset}. Required: {required}, Available: {available}"
        )

    async def settle(self, receipt: Receipt, call: Call, style: ConfirmStyle) -> int:
        """Wait for a sent transaction as the route's Gateway helper does; return its status.

        Raises:
            GatewayError: 504 ``TRANSACTION_TIMEOUT`` where Gateway answers that way.
        """
        if call.effect is FaultEffect.TIMEOUT:
            raise transaction_timeout()
        if call.effect is FaultEffect.PENDING:
            return int(TxStatus.PENDING)
        status = await self.wait_for(receipt.signature)
        if status is TxStatus.CONFIRMED:
            return int(status)
        if status is TxStatus.PENDING or self.upstream:
            if style is ConfirmStyle.SEND_AND_CONFIRM:
                raise transaction_timeout()
            return int(TxStatus.PENDING)
        return int(TxStatus.FAILED)

    async def wait_for(self, signature: str) -> TxStatus:
        """Wait (on the chain's clock) until the transaction is confirmed or failed, or time out."""
        chain = self.chain
        clock = chain.clock
        sleep: Callable[[float], Awaitable[None]] | None = (
            clock.sleep if isinstance(clock, Clock) else None
        )
        waited = 0.0
        while True:
            status = chain.status(signature)
            if status is not TxStatus.PENDING:
                return status
            remaining = self.confirm_timeout - waited
            if sleep is None or remaining <= 0:
                return status
            tx = chain.transaction(signature)
            step = 1.0
            if tx is not None and tx.landed:
                due = (chain.slot_time(tx.confirmation_slot) - clock.now()).total_seconds()
                step = max(0.001, min(step, due))
            step = min(step, remaining)
            await sleep(step)
            waited += step
            await asyncio.sleep(0)
