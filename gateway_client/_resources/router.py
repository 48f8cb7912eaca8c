"""Router resources: Jupiter (Solana) and Uniswap Universal Router (EVM)."""

from __future__ import annotations

from decimal import Decimal

from gateway_client._connectors import ConnectorQuirks, quirks_for
from gateway_client._models.swap import (
    JupiterExecuteQuoteRequest,
    JupiterExecuteSwapRequest,
    JupiterQuoteQuery,
    PriorityLevel,
    RouterQuote,
    SwapResult,
    UniswapExecuteQuoteRequest,
    UniswapExecuteSwapRequest,
    UniswapQuoteQuery,
)
from gateway_client._resources.swap import ConnectorRoutes, SwapResource
from gateway_client._types import Chain, Side

__all__ = ["JupiterRouter", "UniswapRouter"]


class _RouterResource(SwapResource):
    quirks: ConnectorQuirks
    routes: ConnectorRoutes


class JupiterRouter(_RouterResource):
    """``/connectors/jupiter/router``: quote, execute a quote, or quote-and-execute."""

    chain: Chain = "solana"
    quirks = quirks_for("jupiter/router")
    routes = ConnectorRoutes("jupiter/router")

    async def quote_swap(
        self,
        *,
        base_token: str,
        quote_token: str,
        amount: Decimal,
        side: Side,
        slippage: Decimal | None = None,
        restrict_intermediate_tokens: bool | None = None,
        only_direct_routes: bool | None = None,
        network: str | None = None,
    ) -> RouterQuote:
        """Quote a swap; the answer's ``quote_id`` can be executed with :meth:`execute_quote`.

        Args:
            base_token: Symbol or mint of the base token.
            quote_token: Symbol or mint of the quote token.
            amount: Base amount to sell (SELL) or to buy (BUY, ExactOut).
            side: ``SELL`` or ``BUY``.
            slippage: Ratio (0.01 = 1 %); sent as ``slippagePct``. Default: the client's.
            restrict_intermediate_tokens: Jupiter routing option.
            only_direct_routes: Jupiter routing option.
            network: Network; defaults to the client's Solana network.

        Raises:
            NotFoundError: No route (also what Gateway answers when Jupiter's API is unreachable).
        """
        return await self._quote_swap(
            self.routes.quote_swap,
            JupiterQuoteQuery,
            RouterQuote,
            quirks=self.quirks,
            side=side,
            slippage=slippage,
            network=self._network(network),
            base_token=base_token,
            quote_token=quote_token,
            amount=amount,
            restrict_intermediate_tokens=restrict_intermediate_tokens,
            only_direct_routes=only_direct_routes,
        )

    async def execute_quote(
        self,
        quote_id: str,
        *,
        side: Side,
        wallet_address: str,
        priority_level: PriorityLevel | None = None,
        max_lamports: int | None = None,
        network: str | None = None,
    ) -> SwapResult:
        """Execute a cached quote. A write: sent once, never retried.

        Gateway keeps a quote until a *confirmed* execution, so a pending or failed one can be
        executed again: reconcile before calling this twice for one intent.

        Args:
            quote_id: ``RouterQuote.quote_id``.
            side: Side of the quote (needed to normalize the balance changes).
            wallet_address: The signer.
            priority_level: Jupiter priority level (``veryHigh`` when omitted).
            max_lamports: Cap of the priority fee in lamports (1 000 000 when omitted).
            network: Network; defaults to the client's Solana network.

        Raises:
            QuoteNotFoundError: Unknown or expired quote id (e.g. after a Gateway restart).
        """
        return await self._execute_quote(
            self.routes.execute_quote,
            JupiterExecuteQuoteRequest,
            quirks=self.quirks,
            side=side,
            network=self._network(network),
            wallet_address=wallet_address,
            quote_id=quote_id,
            priority_level=priority_level,
            max_lamports=max_lamports,
        )

    async def execute_swap(
        self,
        *,
        base_token: str,
        quote_token: str,
        amount: Decimal,
        side: Side,
        wallet_address: str,
        slippage: Decimal | None = None,
        restrict_intermediate_tokens: bool | None = None,
        only_direct_routes: bool | None = None,
        priority_level: PriorityLevel | None = None,
        max_lamports: int | None = None,
        network: str | None = None,
    ) -> SwapResult:
        """Quote and execute in one call. A write: sent once, never retried.

        ``status 0`` comes back both for "not confirmed in time" and for "landed but failed":
        follow it with ``client.solana.wait_for_confirmation``.
        """
        return await self._execute_swap(
            self.routes.execute_swap,
            JupiterExecuteSwapRequest,
            quirks=self.quirks,
            side=side,
            slippage=slippage,
            network=self._network(network),
            wallet_address=wallet_address,
            base_token=base_token,
            quote_token=quote_token,
            amount=amount,
            restrict_intermediate_tokens=restrict_intermediate_tokens,
            only_direct_routes=only_direct_routes,
            priority_level=priority_level,
            max_lamports=max_lamports,
        )


class UniswapRouter(_RouterResource):
    """``/connectors/uniswap/router`` (EVM): Universal Router quotes and swaps."""

    chain: Chain = "ethereum"
    quirks = quirks_for("uniswap/router")
    routes = ConnectorRoutes("uniswap/router")

    async def quote_swap(
        self,
        *,
        base_token: str,
        quote_token: str,
        amount: Decimal,
        side: Side,
        wallet_address: str,
        slippage: Decimal | None = None,
        network: str | None = None,
    ) -> RouterQuote:
        """Quote a swap for ``wallet_address`` (the router quote needs the sender)."""
        return await self._quote_swap(
            self.routes.quote_swap,
            UniswapQuoteQuery,
            RouterQuote,
            quirks=self.quirks,
            side=side,
            slippage=slippage,
            network=self._network(network),
            base_token=base_token,
            quote_token=quote_token,
            amount=amount,
            wallet_address=wallet_address,
        )

    async def execute_quote(
        self, quote_id: str, *, side: Side, wallet_address: str, network: str | None = None
    ) -> SwapResult:
        """Execute a cached quote. A write: sent once, never retried."""
        return await self._execute_quote(
            self.routes.execute_quote,
            UniswapExecuteQuoteRequest,
            quirks=self.quirks,
            side=side,
            network=self._network(network),
            wallet_address=wallet_address,
            quote_id=quote_id,
        )

    async def execute_swap(
        self,
        *,
        base_token: str,
        quote_token: str,
        amount: Decimal,
        side: Side,
        wallet_address: str,
        slippage: Decimal | None = None,
        network: str | None = None,
    ) -> SwapResult:
        """Quote and execute in one call. A write: sent once, never retried."""
        return await self._execute_swap(
            self.routes.execute_swap,
            UniswapExecuteSwapRequest,
            quirks=self.quirks,
            side=side,
            slippage=slippage,
            network=self._network(network),
            wallet_address=wallet_address,
            base_token=base_token,
            quote_token=quote_token,
            amount=amount,
        )
