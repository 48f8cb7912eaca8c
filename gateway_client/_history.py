"""Read an account's transaction history straight from a Solana JSON-RPC endpoint.

Gateway has no route that lists a wallet's or a position's transactions, yet reconciling a write
whose answer was lost needs exactly that: the newest signatures of the wallet (or of the position
account, whose first signature is its open and newest its close) and the transactions behind them.
:class:`ChainHistory` asks the RPC node for them with two methods, ``getSignaturesForAddress`` and
``getTransaction``, over an injected ``httpx.AsyncClient``, so the same code reads a real node, the
paper Gateway's ``/rpc`` in process (``httpx.ASGITransport``) or a respx mock.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import httpx

from ._constants import DEFAULT_READ_TIMEOUT
from ._exceptions import GatewayClientStateError, InvalidRequestError, SolanaRpcError
from ._validation import is_solana_address, is_solana_signature

__all__ = ["ChainHistory", "SignatureRecord"]

logger = logging.getLogger(__name__)

_MAX_SIGNATURES = 1000  # Solana's cap per getSignaturesForAddress call

_TRANSACTION_CONFIG = {
    "encoding": "json",
    "maxSupportedTransactionVersion": 0,
    "commitment": "confirmed",
}


@dataclass(frozen=True, slots=True)
class SignatureRecord:
    """One transaction that touched an account, as ``getSignaturesForAddress`` lists it."""

    signature: str
    slot: int
    """The slot it landed in."""
    block_time: int | None
    """Unix seconds of that slot, when the node knows it."""
    failed: bool
    """True when it landed and failed on chain (its fee was still charged)."""
    error: str | None
    """The on-chain error of a failed transaction as compact JSON, e.g.
    ``{"InstructionError":[2,{"Custom":6001}]}``; None when it succeeded."""


class ChainHistory:
    """Reads an account's signatures and their transactions from a Solana JSON-RPC endpoint.

    Args:
        http_client: The client to send with; it stays the caller's to close. Inject one with
            ``httpx.ASGITransport`` to read the paper Gateway in process.
        url: The JSON-RPC endpoint, e.g. ``https://api.mainnet-beta.solana.com`` or
            ``http://127.0.0.1:15888/rpc`` (the paper Gateway).
        timeout: Seconds allowed per RPC call, enforced even on transports that have no timeout
            of their own.

    Example:
        ```python
        async with ChainHistory.from_url("http://127.0.0.1:15888/rpc") as history:
            records = await history.signatures_for_address(position_address, limit=10)
            close = await history.transaction(records[0].signature)
        ```
    """

    def __init__(
        self, http_client: httpx.AsyncClient, url: str, *, timeout: float = DEFAULT_READ_TIMEOUT
    ) -> None:
        _check_settings(url, timeout)
        self.url = url
        self.timeout = timeout
        self._http = http_client
        self._owns_http = False
        self._closed = False
        self._ids = itertools.count(1)

    @classmethod
    def from_url(cls, url: str, *, timeout: float = DEFAULT_READ_TIMEOUT) -> ChainHistory:
        """Build a reader with an HTTP client of its own (closed by :meth:`aclose`).

        Args:
            url: The JSON-RPC endpoint.
            timeout: Seconds allowed per RPC call.

        Returns:
            The reader.

        Raises:
            InvalidRequestError: If ``url`` is not an http(s) URL or ``timeout`` is not positive.
        """
        _check_settings(url, timeout)
        history = cls(httpx.AsyncClient(timeout=timeout), url, timeout=timeout)
        history._owns_http = True
        return history

    def __repr__(self) -> str:
        return f"ChainHistory(url={self.url!r})"

    async def __aenter__(self) -> ChainHistory:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the HTTP client if this reader created it; an injected one stays open."""
        if self._closed:
            return
        self._closed = True
        if self._owns_http:
            await self._http.aclose()

    async def signatures_for_address(
        self, address: str, *, limit: int = _MAX_SIGNATURES
    ) -> list[SignatureRecord]:
        """List the confirmed transactions whose account keys include ``address``.

        Args:
            address: A base58 account: a wallet, a token account, a pool or a position.
            limit: How many to return, 1 to 1000 (the newest ones).

        Returns:
            Newest first; failed transactions included, dropped ones never (they never landed).

        Raises:
            InvalidRequestError: If ``address`` is not a Solana address or ``limit`` is outside
                1..1000.
            SolanaRpcError: If the endpoint could not be reached, answered with an error, or
                answered something that is not a signature list.
        """
        if not is_solana_address(address):
            raise InvalidRequestError(
                f"Expected a base58 Solana address, received {address!r}", fields=("address",)
            )
        if isinstance(limit, bool) or not 1 <= limit <= _MAX_SIGNATURES:
            raise InvalidRequestError(
                f"Expected limit in 1..{_MAX_SIGNATURES}, received limit={limit!r}",
                fields=("limit",),
            )
        method = "getSignaturesForAddress"
        result = await self._call(method, [address, {"limit": limit, "commitment": "confirmed"}])
        if not isinstance(result, list):
            raise _unexpected(method, result)
        return [_signature_record(method, item) for item in result]

    async def transaction(self, signature: str) -> dict[str, Any] | None:
        """Return ``getTransaction`` for ``signature`` as the node sent it.

        Asks for ``json`` encoding, ``maxSupportedTransactionVersion`` 0 and commitment
        ``confirmed``.

        Args:
            signature: A base58 transaction signature.

        Returns:
            The raw transaction object (``slot``, ``blockTime``, ``meta``, ``transaction``), or
            None when the node does not know the signature or it is not confirmed yet.

        Raises:
            InvalidRequestError: If ``signature`` is not a Solana signature.
            SolanaRpcError: If the endpoint could not be reached, answered with an error, or
                answered something that is not a transaction.
        """
        if not is_solana_signature(signature):
            raise InvalidRequestError(
                f"Expected a base58 Solana transaction signature, received {signature!r}",
                fields=("signature",),
            )
        method = "getTransaction"
        result = await self._call(method, [signature, _TRANSACTION_CONFIG])
        if result is not None and not isinstance(result, dict):
            raise _unexpected(method, result)
        return result

    async def _call(self, method: str, params: list[Any]) -> Any:
        if self._closed:
            raise GatewayClientStateError(f"Cannot call {method}: the ChainHistory is closed")
        request = {"jsonrpc": "2.0", "id": next(self._ids), "method": method, "params": params}
        scope = asyncio.timeout(self.timeout)
        try:
            async with scope:
                response = await self._http.post(
                    self.url,
                    content=json.dumps(request).encode(),
                    headers={"content-type": "application/json"},
                    timeout=self.timeout,
                )
        except (httpx.TransportError, OSError) as e:
            reason = f"no answer within {self.timeout:g} s" if scope.expired() else type(e).__name__
            raise SolanaRpcError(f"Solana RPC {method} failed: {reason} from {self.url}") from e
        logger.debug("Solana RPC %s -> %i", method, response.status_code)
        try:
            body = response.json()
        except ValueError:
            body = None
        error = body.get("error") if isinstance(body, dict) else None
        status = response.status_code
        if error is not None or status >= 400:
            reasons = [f"HTTP {status}"] if status >= 400 else []
            if error is not None:
                reasons.append(_describe(error))
            raise SolanaRpcError(f"Solana RPC {method} failed: {', '.join(reasons)}")
        if not isinstance(body, dict) or "result" not in body:
            raise _unexpected(method, body)
        return body["result"]


def _check_settings(url: str, timeout: float) -> None:
    if not url.startswith(("http://", "https://")):
        raise InvalidRequestError(
            f"Expected a Solana RPC url starting with http:// or https://, received {url!r}",
            fields=("url",),
        )
    if not timeout > 0:
        raise InvalidRequestError(
            f"Expected timeout > 0 seconds, received timeout={timeout!r}", fields=("timeout",)
        )


def _describe(error: object) -> str:
    if isinstance(error, dict):
        return f"error {error.get('code')}: {error.get('message')}"
    return f"error {error!r}"


def _unexpected(method: str, value: object) -> SolanaRpcError:
    text = repr(value)
    shown = text if len(text) <= 200 else text[:200] + "..."
    return SolanaRpcError(f"Solana RPC {method} answered an unexpected result: {shown}")


def _signature_record(method: str, item: object) -> SignatureRecord:
    if not isinstance(item, dict):
        raise _unexpected(method, item)
    signature, slot, block_time = item.get("signature"), item.get("slot"), item.get("blockTime")
    if (
        not isinstance(signature, str)
        or not isinstance(slot, int)
        or not (block_time is None or isinstance(block_time, int))
    ):
        raise _unexpected(method, item)
    error = item.get("err")
    return SignatureRecord(
        signature=signature,
        slot=slot,
        block_time=block_time,
        failed=error is not None,
        error=None if error is None else json.dumps(error, separators=(",", ":")),
    )
