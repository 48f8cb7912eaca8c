"""Field types for request models: addresses, signatures, amounts and percentages.

Address checks depend on the chain of the route. Resources validate with a pydantic context
``{"chain": "solana" | "ethereum"}``; without a context either kind of address is accepted.
Solana values are checked with solders (base58, 32-byte keys, 64-byte signatures) and EVM values
with web3 (20-byte hex; mixed case must be a valid EIP-55 checksum).
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated, Any

from pydantic import AfterValidator, Field, PlainSerializer, ValidationInfo
from solders.pubkey import Pubkey
from solders.signature import Signature
from web3 import Web3

from ._encoding import decimal_text

__all__ = [
    "Address",
    "Amount",
    "DecimalString",
    "NonEmptyStr",
    "Percent",
    "PositionId",
    "Price",
    "TxSignature",
    "chain_of",
    "is_evm_address",
    "is_evm_tx_hash",
    "is_solana_address",
    "is_solana_signature",
]

_EVM_TX_HASH = re.compile(r"^0x[0-9a-fA-F]{64}$")
_TOKEN_ID = re.compile(r"^[0-9]{1,78}$")


def is_solana_address(value: str) -> bool:
    """Return whether ``value`` is a base58-encoded 32-byte Solana public key."""
    try:
        Pubkey.from_string(value)
    except ValueError:
        return False
    return True


def is_solana_signature(value: str) -> bool:
    """Return whether ``value`` is a base58-encoded 64-byte Solana transaction signature."""
    if not 43 <= len(value) <= 88:
        return False
    try:
        Signature.from_string(value)
    except ValueError:
        return False
    return True


def is_evm_address(value: str) -> bool:
    """Return whether ``value`` is a 0x-prefixed 20-byte EVM address.

    Mixed-case addresses must carry a valid EIP-55 checksum.
    """
    if not value.startswith("0x") or not Web3.is_address(value):
        return False
    digits = value[2:]
    if digits.islower() or digits.isupper() or digits.isdigit():
        return True
    return bool(Web3.is_checksum_address(value))


def is_evm_tx_hash(value: str) -> bool:
    """Return whether ``value`` is a 0x-prefixed 32-byte transaction hash."""
    return bool(_EVM_TX_HASH.match(value))


def chain_of(info: ValidationInfo) -> str | None:
    """Return the chain given in the validation context, if any."""
    context: Any = info.context
    if isinstance(context, dict):
        chain = context.get("chain")
        return chain if isinstance(chain, str) else None
    return None


def _check_address(value: str, info: ValidationInfo) -> str:
    chain = chain_of(info)
    if chain == "solana":
        if not is_solana_address(value):
            raise ValueError(f"Expected a base58 Solana address (32 bytes), received {value!r}")
    elif chain == "ethereum":
        if not is_evm_address(value):
            raise ValueError(
                "Expected a 0x-prefixed 20-byte EVM address (lower case, upper case or EIP-55 "
                f"checksum), received {value!r}"
            )
    elif not (is_solana_address(value) or is_evm_address(value)):
        raise ValueError(f"Expected a Solana or EVM address, received {value!r}")
    return value


def _check_position_id(value: str, info: ValidationInfo) -> str:
    chain = chain_of(info)
    if chain == "ethereum":
        if not (_TOKEN_ID.match(value) or is_evm_address(value)):
            raise ValueError(
                f"Expected an EVM position NFT token id (decimal digits), received {value!r}"
            )
        return value
    return _check_address(value, info)


def _check_signature(value: str, info: ValidationInfo) -> str:
    chain = chain_of(info)
    if chain == "solana":
        if not is_solana_signature(value):
            raise ValueError(
                f"Expected a base58 Solana transaction signature (64 bytes), received {value!r}"
            )
    elif chain == "ethereum":
        if not is_evm_tx_hash(value):
            raise ValueError(
                f"Expected a 0x-prefixed 32-byte EVM transaction hash, received {value!r}"
            )
    elif not (is_solana_signature(value) or is_evm_tx_hash(value)):
        raise ValueError(f"Expected a Solana signature or EVM transaction hash, received {value!r}")
    return value


def _check_amount(value: Decimal) -> Decimal:
    if not value.is_finite() or value < 0:
        raise ValueError(f"Expected a finite amount >= 0, received {value}")
    return value


def _check_price(value: Decimal) -> Decimal:
    if not value.is_finite() or value <= 0:
        raise ValueError(f"Expected a finite price > 0, received {value}")
    return value


def _check_percent(value: Decimal) -> Decimal:
    if not value.is_finite() or not 0 <= value <= 100:
        raise ValueError(f"Expected a percentage between 0 and 100, received {value}")
    return value


Address = Annotated[str, AfterValidator(_check_address)]
"""Wallet, pool, token-account or spender address of the route's chain."""

PositionId = Annotated[str, AfterValidator(_check_position_id)]
"""Position address (Solana) or position NFT token id (EVM CLMM)."""

TxSignature = Annotated[str, AfterValidator(_check_signature)]
"""Solana transaction signature or EVM transaction hash."""

NonEmptyStr = Annotated[str, Field(min_length=1)]
"""Token symbol or mint, connector name, quote id, ..."""

Amount = Annotated[Decimal, AfterValidator(_check_amount)]
"""A token amount in human units (SOL, USDC), >= 0."""

Price = Annotated[Decimal, AfterValidator(_check_price)]
"""A price in quote per base, > 0."""

Percent = Annotated[Decimal, AfterValidator(_check_percent)]
"""A Gateway-side percentage 0-100 (``slippagePct``, ``liquidityPct``)."""

DecimalString = Annotated[
    Decimal,
    AfterValidator(_check_amount),
    PlainSerializer(decimal_text, return_type=str),
]
"""An amount that Gateway wants as a JSON string (wrap/unwrap/approve amounts)."""
