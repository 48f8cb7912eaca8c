"""Optional Solana RPC cross-check: read a signature's status and real fee from the chain itself.

Gateway's poll has traps (a confirmed transaction reads as pending when the default wallet is
invalid; Meteora write results overstate the fee). When an RPC URL is configured, the client asks
the chain directly with the ``solana`` package's ``AsyncClient`` and reports disagreements.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from decimal import Decimal

from solana.exceptions import SolanaRpcException
from solana.rpc.async_api import AsyncClient
from solana.rpc.commitment import Confirmed
from solana.rpc.core import RPCException, RPCNoResultException
from solders.signature import Signature
from solders.transaction_status import TransactionConfirmationStatus

from ._constants import LAMPORTS_PER_SOL
from ._exceptions import InvalidRequestError, SolanaRpcError
from ._types import TransactionStatus

__all__ = ["ChainTransaction", "SolanaRpcCheck", "compare_with_gateway"]

logger = logging.getLogger(__name__)

_RPC_FAILURES = (SolanaRpcException, RPCException, RPCNoResultException, ValueError, TypeError)


@dataclass(frozen=True, slots=True, kw_only=True)
class ChainTransaction:
    """What the chain says about a signature (commitment ``confirmed``)."""

    signature: str
    status: TransactionStatus
    """CONFIRMED / FAILED once confirmed on chain; PENDING when unknown or only processed."""
    slot: int | None = None
    confirmation: str | None = None
    """``processed``, ``confirmed`` or ``finalized``; ``None`` when the signature is unknown."""
    fee_lamports: int | None = None
    """``meta.fee``: base fee plus priority fee, as charged."""
    compute_units_consumed: int | None = None
    error: str | None = None
    """The on-chain error of a failed transaction, as text."""

    @property
    def fee(self) -> Decimal | None:
        """The fee actually charged, in SOL."""
        if self.fee_lamports is None:
            return None
        return Decimal(self.fee_lamports) / LAMPORTS_PER_SOL


_CONFIRMATION_NAMES = (
    (TransactionConfirmationStatus.Processed, "processed"),
    (TransactionConfirmationStatus.Confirmed, "confirmed"),
    (TransactionConfirmationStatus.Finalized, "finalized"),
)


def _confirmation_name(value: object) -> str | None:
    # solders' enum is not hashable, so this is a scan rather than a dict lookup.
    for member, name in _CONFIRMATION_NAMES:
        if value == member:
            return name
    return None


class SolanaRpcCheck:
    """Reads signatures from a Solana JSON-RPC endpoint.

    Args:
        rpc: A ``solana.rpc.async_api.AsyncClient`` (inject one to control its transport).
        owns_client: Close ``rpc`` in :meth:`close` (True when built by :meth:`from_url`).
    """

    def __init__(self, rpc: AsyncClient, *, owns_client: bool = False) -> None:
        self._rpc = rpc
        self._owns_client = owns_client

    @classmethod
    def from_url(cls, url: str, *, timeout: float = 10.0) -> SolanaRpcCheck:
        """Build a checker with its own ``AsyncClient`` for ``url``.

        Args:
            url: JSON-RPC endpoint, e.g. ``http://127.0.0.1:8899`` or a paper gateway's ``/rpc``.
            timeout: Seconds per RPC request.

        Returns:
            The checker (close it with :meth:`close`).
        """
        if not url.startswith(("http://", "https://")):
            raise InvalidRequestError(
                f"Expected rpc_url to start with http:// or https://, received {url!r}",
                fields=("rpc_url",),
            )
        return cls(AsyncClient(url, timeout=timeout, max_transport_retries=0), owns_client=True)

    async def close(self) -> None:
        """Close the RPC client if this checker created it."""
        if self._owns_client:
            await self._rpc.close()

    async def transaction(self, signature: str) -> ChainTransaction:
        """Return the chain's view of ``signature``.

        Args:
            signature: Base58 transaction signature.

        Returns:
            Its status, slot, fee and compute units (PENDING when the chain does not know it).

        Raises:
            InvalidRequestError: If ``signature`` is not a Solana signature.
            SolanaRpcError: If the RPC endpoint failed or answered with an error.
        """
        try:
            parsed = Signature.from_string(signature)
        except ValueError:
            raise InvalidRequestError(
                f"Expected a base58 Solana transaction signature, received {signature!r}",
                fields=("signature",),
            ) from None
        try:
            statuses = await self._rpc.get_signature_statuses(
                [parsed], search_transaction_history=True
            )
            status = statuses.value[0] if statuses.value else None
            if status is None:
                return ChainTransaction(signature=signature, status=TransactionStatus.PENDING)
            confirmation = _confirmation_name(status.confirmation_status)
            if confirmation in (None, "processed"):
                return ChainTransaction(
                    signature=signature,
                    status=TransactionStatus.PENDING,
                    slot=status.slot,
                    confirmation=confirmation,
                )
            response = await self._rpc.get_transaction(
                parsed, commitment=Confirmed, max_supported_transaction_version=0
            )
        except _RPC_FAILURES as exc:
            raise SolanaRpcError(
                f"Solana RPC could not read signature {signature}: {type(exc).__name__}"
            ) from exc
        meta = response.value.transaction.meta if response.value is not None else None
        error = meta.err if meta is not None and meta.err is not None else status.err
        return ChainTransaction(
            signature=signature,
            status=TransactionStatus.FAILED if error is not None else TransactionStatus.CONFIRMED,
            slot=status.slot,
            confirmation=confirmation,
            fee_lamports=meta.fee if meta is not None else None,
            compute_units_consumed=meta.compute_units_consumed if meta is not None else None,
            error=str(error) if error is not None else None,
        )


def compare_with_gateway(
    *, gateway_status: TransactionStatus, gateway_fee: Decimal | None, chain: ChainTransaction
) -> tuple[str, ...]:
    """List the ways Gateway's poll and the chain disagree about one signature.

    Args:
        gateway_status: Status from Gateway's poll.
        gateway_fee: Fee from Gateway's poll (SOL), if any.
        chain: The chain's view.

    Returns:
        Human-readable disagreements; empty when they agree.
    """
    found: list[str] = []
    if gateway_status != chain.status:
        found.append(
            f"Gateway poll reports {gateway_status.name} for {chain.signature}, "
            f"the chain reports {chain.status.name}"
        )
    chain_fee = chain.fee
    if gateway_fee is not None and chain_fee is not None and gateway_fee != chain_fee:
        found.append(
            f"Gateway poll reports fee {gateway_fee} SOL for {chain.signature}, "
            f"the chain charged {chain_fee} SOL"
        )
    return tuple(found)
