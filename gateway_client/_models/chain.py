"""Chain models (``/chains/solana/*``, ``/chains/ethereum/*``): status, gas, balances, poll."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pydantic import Field

from gateway_client._models.base import GatewayModel, GatewayRequest, TransactionResult
from gateway_client._types import TransactionStatus
from gateway_client._validation import Address, DecimalString, NonEmptyStr, TxSignature

__all__ = [
    "AllowancesRequest",
    "ApproveData",
    "ApproveRequest",
    "ApproveResult",
    "Balances",
    "BalancesRequest",
    "ChainStatus",
    "EthereumPollRequest",
    "EthereumPollResult",
    "GasEstimate",
    "NetworkQuery",
    "PollResult",
    "SolanaPollRequest",
    "SolanaPollResult",
    "TokenAllowances",
    "UnwrapRequest",
    "WrapData",
    "WrapRequest",
    "WrapResult",
]


class ChainStatus(GatewayModel):
    """Answer of ``GET /chains/<chain>/status``."""

    chain: str
    network: str
    rpc_url: str
    rpc_provider: str
    current_block_number: int
    """Solana: current slot ("processed"). EVM: block number (0 may mean the RPC is down)."""
    native_currency: str
    swap_provider: str
    """Default connector of the unified swap routes, e.g. ``jupiter/router``."""


class GasEstimate(GatewayModel):
    """Answer of ``GET /chains/<chain>/estimate-gas``."""

    fee_per_compute_unit: Decimal
    """Solana: priority fee in lamports per compute unit. EVM: gas price in gwei."""
    denomination: str
    """``lamports`` or ``gwei``."""
    compute_units: int
    """Compute-unit (gas) limit used for ``fee``; 200 000 on Solana by default."""
    fee_asset: str
    fee: Decimal
    """Estimated total fee in ``fee_asset``: (fee per unit x units + 5000 lamports) on Solana."""
    timestamp: int
    """Milliseconds since the epoch."""
    gas_type: str | None = None
    max_fee_per_gas: Decimal | None = None
    max_priority_fee_per_gas: Decimal | None = None
    priority_fee_level: str | None = None
    priority_fee_per_cu_estimate: Decimal | None = Field(
        default=None, alias="priorityFeePerCUEstimate"
    )
    """Raw Helius estimate (only with a Helius API key)."""


class Balances(GatewayModel):
    """Token balances by symbol, in human units.

    Gateway 2.13 answers 200 with zeros when its RPC fails: zeros are not proof of an empty wallet.
    """

    balances: dict[str, Decimal]


class PollResult(GatewayModel):
    """Answer of ``POST /chains/<chain>/poll``."""

    current_block: int
    signature: str
    tx_block: int | None = None
    tx_status: int
    """Raw status code; its meaning differs between Solana and EVM."""
    fee: Decimal | None = None
    """Network fee (``meta.fee`` in SOL on Solana, includes the priority fee)."""
    token_balance_changes: dict[str, Decimal] = Field(default_factory=dict)
    """Wallet deltas keyed by the token strings sent; the SOL delta includes the fee."""
    tx_data: dict[str, Any] | None = None
    """The raw transaction JSON (large, not modelled)."""
    error: str | None = None


class SolanaPollResult(PollResult):
    """Solana poll: ``tx_status`` is 1 confirmed, 0 pending/unknown, -1 failed."""

    @property
    def status(self) -> TransactionStatus:
        """``tx_status`` as a :class:`TransactionStatus`."""
        return TransactionStatus(self.tx_status)

    @property
    def compute_units_consumed(self) -> int | None:
        """Compute units consumed, read from ``txData.meta`` when present."""
        meta = (self.tx_data or {}).get("meta")
        value = meta.get("computeUnitsConsumed") if isinstance(meta, dict) else None
        return value if isinstance(value, int) else None


class EthereumPollResult(PollResult):
    """EVM poll: -1 not found, 0 in mempool, 1 mined (reverted too), 2 likely mined, 3 stuck."""


class WrapData(GatewayModel):
    """Data of a confirmed wrap/unwrap (Gateway sends these amounts as strings)."""

    fee: Decimal | None = None
    amount: Decimal
    wrapped_address: str
    native_token: str
    wrapped_token: str
    nonce: int | None = None
    """EVM only."""


class WrapResult(TransactionResult):
    """Answer of wrap/unwrap."""

    data: WrapData | None = None


class ApproveData(GatewayModel):
    """Data of a confirmed ERC-20 approval."""

    token_address: str
    spender: str
    amount: str
    """Approved amount as Gateway reports it (may be the max uint256)."""
    nonce: int
    fee: Decimal | None = None


class ApproveResult(TransactionResult):
    """Answer of ``POST /chains/ethereum/approve``."""

    data: ApproveData | None = None


class TokenAllowances(GatewayModel):
    """Answer of ``POST /chains/ethereum/allowances``."""

    spender: str
    approvals: dict[str, Decimal]
    """Allowance by token symbol, in human units."""


class NetworkQuery(GatewayRequest):
    network: NonEmptyStr


class BalancesRequest(GatewayRequest):
    network: NonEmptyStr
    address: Address
    tokens: list[NonEmptyStr] | None = None


class SolanaPollRequest(GatewayRequest):
    network: NonEmptyStr
    signature: TxSignature
    wallet_address: Address
    tokens: list[NonEmptyStr] | None = None


class EthereumPollRequest(GatewayRequest):
    network: NonEmptyStr
    signature: TxSignature


class WrapRequest(GatewayRequest):
    network: NonEmptyStr
    address: Address
    amount: DecimalString


class UnwrapRequest(GatewayRequest):
    network: NonEmptyStr
    address: Address
    amount: DecimalString | None = None


class AllowancesRequest(GatewayRequest):
    network: NonEmptyStr
    address: Address
    spender: NonEmptyStr
    tokens: list[NonEmptyStr] = Field(min_length=1)


class ApproveRequest(GatewayRequest):
    network: NonEmptyStr
    address: Address
    spender: NonEmptyStr
    token: NonEmptyStr
    amount: DecimalString | None = None
