"""Chain resources: ``/chains/solana/*`` and ``/chains/ethereum/*``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from gateway_client._confirmation import ConfirmationResult, wait_for_confirmation
from gateway_client._models.chain import (
    AllowancesRequest,
    ApproveRequest,
    ApproveResult,
    Balances,
    BalancesRequest,
    ChainStatus,
    EthereumPollRequest,
    EthereumPollResult,
    GasEstimate,
    NetworkQuery,
    SolanaPollRequest,
    SolanaPollResult,
    TokenAllowances,
    UnwrapRequest,
    WrapRequest,
    WrapResult,
)
from gateway_client._resources.base import Resource, build_request
from gateway_client._transport import Route
from gateway_client._types import Chain

__all__ = ["EthereumChain", "SolanaChain"]


def _chain_routes(chain: str) -> dict[str, Route]:
    base = f"/chains/{chain}"
    return {
        "status": Route("GET", f"{base}/status"),
        "estimate_gas": Route("GET", f"{base}/estimate-gas"),
        "balances": Route("POST", f"{base}/balances"),
        "poll": Route("POST", f"{base}/poll"),
        "wrap": Route("POST", f"{base}/wrap", is_write=True),
        "unwrap": Route("POST", f"{base}/unwrap", is_write=True),
        "allowances": Route("POST", f"{base}/allowances"),
        "approve": Route("POST", f"{base}/approve", is_write=True),
    }


class _ChainResource(Resource):
    _routes: dict[str, Route]

    async def status(self, *, network: str | None = None) -> ChainStatus:
        """Return the chain's status (RPC, current block/slot, default swap provider)."""
        return await self._on_network(
            self._routes["status"], NetworkQuery, ChainStatus, network=network
        )

    async def estimate_gas(self, *, network: str | None = None) -> GasEstimate:
        """Return the current fee estimate (Solana: priority fee per compute unit)."""
        return await self._on_network(
            self._routes["estimate_gas"], NetworkQuery, GasEstimate, network=network
        )

    async def balances(
        self,
        wallet_address: str,
        *,
        tokens: Sequence[str] | None = None,
        network: str | None = None,
    ) -> Balances:
        """Return balances by symbol (human units).

        Args:
            wallet_address: The wallet.
            tokens: Symbols or addresses; omitted means the native token plus non-zero tokens.
            network: Network; defaults to the client's network for this chain.

        Gateway 2.13 returns zeros, not an error, when its RPC fails.
        """
        return await self._on_network(
            self._routes["balances"],
            BalancesRequest,
            Balances,
            network=network,
            address=wallet_address,
            tokens=list(tokens) if tokens is not None else None,
        )

    async def wrap(
        self, amount: Decimal, *, wallet_address: str, network: str | None = None
    ) -> WrapResult:
        """Wrap ``amount`` of the native token (SOL -> WSOL, ETH -> WETH).

        A write: sent once, never retried.
        """
        return await self._wrapping(
            self._routes["wrap"], WrapRequest, amount, wallet_address, network
        )

    async def _wrapping(
        self,
        route: Route,
        request_model: type[WrapRequest | UnwrapRequest],
        amount: Decimal | None,
        wallet_address: str,
        network: str | None,
    ) -> WrapResult:
        return await self._on_network(
            route, request_model, WrapResult, network=network, address=wallet_address, amount=amount
        )


class SolanaChain(_ChainResource):
    """``/chains/solana``: status, fees, balances, poll, wrap/unwrap, confirmation."""

    chain: Chain = "solana"
    _routes = _chain_routes("solana")

    async def poll(
        self,
        signature: str,
        *,
        wallet_address: str,
        tokens: Sequence[str] | None = None,
        network: str | None = None,
    ) -> SolanaPollResult:
        """Return Gateway's view of a signature.

        Args:
            signature: Base58 transaction signature.
            wallet_address: The signer; always sent (without it a confirmed transaction can read
                as pending when Gateway's default wallet is invalid).
            tokens: Tokens whose balance changes to report.
            network: Network; defaults to the client's Solana network.
        """
        return await self._on_network(
            self._routes["poll"],
            SolanaPollRequest,
            SolanaPollResult,
            network=network,
            signature=signature,
            wallet_address=wallet_address,
            tokens=list(tokens) if tokens is not None else None,
        )

    async def unwrap(
        self,
        *,
        wallet_address: str,
        amount: Decimal | None = None,
        network: str | None = None,
    ) -> WrapResult:
        """Unwrap WSOL to SOL. Gateway closes the whole WSOL account whatever ``amount`` says."""
        return await self._wrapping(
            self._routes["unwrap"], UnwrapRequest, amount, wallet_address, network
        )

    async def wait_for_confirmation(
        self,
        signature: str,
        *,
        wallet_address: str,
        deadline: datetime,
        tokens: Sequence[str] | None = None,
        poll_interval: float | None = None,
        network: str | None = None,
    ) -> ConfirmationResult:
        """Poll a signature until it is confirmed or failed.

        Each poll is one request against the rate limit; the default interval (3 s) keeps a
        single watcher at 20 requests per minute. With an RPC URL configured, the chain is read
        too: it decides the status when it has an answer, and disagreements are reported.

        Args:
            signature: Base58 transaction signature (e.g. from a ``status 0`` write result).
            wallet_address: The signer, sent with every poll.
            deadline: Aware UTC time; when passed the outcome is declared unknown (use e.g.
                send time + 90 s, or the time ``lastValidBlockHeight`` passes).
            tokens: Tokens whose balance changes the polls report.
            poll_interval: Seconds between polls (default: the client's).
            network: Network; defaults to the client's Solana network.

        Returns:
            CONFIRMED or FAILED outcome (call ``raise_for_status()`` to raise on FAILED).

        Raises:
            TransactionOutcomeUnknownError: Still pending at the deadline: reconcile, never resend.
            InvalidRequestError: On a malformed signature or wallet address.
        """
        resolved_network = self._network(network)
        build_request(
            SolanaPollRequest,
            self._routes["poll"],
            for_chain="solana",
            network=resolved_network,
            signature=signature,
            wallet_address=wallet_address,
        )

        async def poll_once() -> SolanaPollResult:
            return await self.poll(
                signature, wallet_address=wallet_address, tokens=tokens, network=resolved_network
            )

        return await wait_for_confirmation(
            signature=signature,
            poll=poll_once,
            rpc=self._client.rpc,
            clock=self._client._transport.clock,
            deadline=deadline,
            poll_interval=(
                poll_interval if poll_interval is not None else self._client._options.poll_interval
            ),
        )


class EthereumChain(_ChainResource):
    """``/chains/ethereum`` (all EVM networks): status, gas, balances, poll, allowances."""

    chain: Chain = "ethereum"
    _routes = _chain_routes("ethereum")

    async def poll(self, signature: str, *, network: str | None = None) -> EthereumPollResult:
        """Return Gateway's view of an EVM transaction hash (EVM status codes, see the model)."""
        return await self._on_network(
            self._routes["poll"],
            EthereumPollRequest,
            EthereumPollResult,
            network=network,
            signature=signature,
        )

    async def allowances(
        self,
        wallet_address: str,
        *,
        spender: str,
        tokens: Sequence[str],
        network: str | None = None,
    ) -> TokenAllowances:
        """Return ERC-20 allowances granted to ``spender`` (e.g. ``uniswap/router``)."""
        return await self._on_network(
            self._routes["allowances"],
            AllowancesRequest,
            TokenAllowances,
            network=network,
            address=wallet_address,
            spender=spender,
            tokens=list(tokens),
        )

    async def approve(
        self,
        *,
        wallet_address: str,
        spender: str,
        token: str,
        amount: Decimal | None = None,
        network: str | None = None,
    ) -> ApproveResult:
        """Approve ``spender`` for ``token`` (``amount`` omitted: unlimited). A write."""
        return await self._on_network(
            self._routes["approve"],
            ApproveRequest,
            ApproveResult,
            network=network,
            address=wallet_address,
            spender=spender,
            token=token,
            amount=amount,
        )

    async def unwrap(
        self, amount: Decimal, *, wallet_address: str, network: str | None = None
    ) -> WrapResult:
        """Unwrap ``amount`` of the wrapped native token (WETH -> ETH). A write."""
        return await self._wrapping(
            self._routes["unwrap"], WrapRequest, amount, wallet_address, network
        )
