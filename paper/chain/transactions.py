"""Transactions on the paper chain: status codes, fates, the record kept per signature, and the
index of landed transactions by account."""

from __future__ import annotations

import bisect
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from enum import Enum, IntEnum
from typing import Any

__all__ = [
    "TokenBalance",
    "Transaction",
    "TransactionIndex",
    "TxFate",
    "TxStatus",
]


class TxStatus(IntEnum):
    """Gateway's ``TransactionStatus``: 1 confirmed, 0 pending (or never landed), -1 failed."""

    FAILED = -1
    PENDING = 0
    CONFIRMED = 1


class TxFate(Enum):
    """What happens to a sent transaction (chosen by fault injection)."""

    LAND = "land"
    """It lands and succeeds."""
    DROP = "drop"
    """It never lands: nothing changes, no fee, status 0 forever."""
    FAIL = "fail"
    """It lands and fails: the fee is charged, nothing else changes, status -1."""


@dataclass(frozen=True, slots=True)
class TokenBalance:
    """An SPL balance of one account before or after a transaction (``getTransaction`` shape)."""

    account_index: int
    mint: str
    owner: str
    amount: int
    decimals: int

    def to_rpc(self) -> dict[str, Any]:
        """Return the JSON-RPC ``preTokenBalances``/``postTokenBalances`` item."""
        ui = _ui(self.amount, self.decimals)
        return {
            "accountIndex": self.account_index,
            "mint": self.mint,
            "owner": self.owner,
            "programId": "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA",
            "uiTokenAmount": {
                "amount": str(self.amount),
                "decimals": self.decimals,
                "uiAmount": Decimal(ui) if self.amount else None,
                "uiAmountString": ui,
            },
        }


def _ui(amount: int, decimals: int) -> str:
    text = f"{amount:0{decimals + 1}d}" if decimals else str(amount)
    if not decimals:
        return text
    whole, frac = text[:-decimals], text[-decimals:].rstrip("0")
    return f"{whole}.{frac}" if frac else whole


@dataclass(slots=True)
class Transaction:
    """Everything the paper chain keeps about one sent transaction."""

    signature: str
    operation: str
    """Operation name (open, add, remove, collect, close, swap, route, wrap, unwrap)."""
    payer: str
    slot: int
    """Slot it landed in (for a dropped transaction: the slot it was sent in)."""
    block_time: int
    """Unix seconds of that slot."""
    confirmation_slot: int
    """First slot at which it reads as confirmed (or failed)."""
    fate: TxFate
    fee: int
    """Lamports charged (0 when dropped)."""
    signatures: int
    compute_units: int
    compute_unit_limit: int
    compute_unit_price: int
    error: dict[str, Any] | None = None
    """``meta.err`` of a failed transaction, e.g. ``{"InstructionError": [2, {"Custom": 1}]}``."""
    account_keys: list[str] = field(default_factory=list)
    pre_balances: list[int] = field(default_factory=list)
    post_balances: list[int] = field(default_factory=list)
    pre_token_balances: list[TokenBalance] = field(default_factory=list)
    post_token_balances: list[TokenBalance] = field(default_factory=list)
    logs: list[str] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)
    """Operation results in base units (JSON-safe), e.g. the new position address."""

    @property
    def landed(self) -> bool:
        """True when the transaction is on chain (succeeded or failed)."""
        return self.fate is not TxFate.DROP

    def status(self, current_slot: int) -> TxStatus:
        """Return the status seen at ``current_slot`` (commitment "confirmed")."""
        if not self.landed or current_slot < self.confirmation_slot:
            return TxStatus.PENDING
        return TxStatus.FAILED if self.error is not None else TxStatus.CONFIRMED

    def to_dict(self) -> dict[str, Any]:
        """Return the record as JSON-safe data."""
        return {
            "signature": self.signature,
            "operation": self.operation,
            "payer": self.payer,
            "slot": self.slot,
            "block_time": self.block_time,
            "confirmation_slot": self.confirmation_slot,
            "fate": self.fate.value,
            "fee": self.fee,
            "signatures": self.signatures,
            "compute_units": self.compute_units,
            "compute_unit_limit": self.compute_unit_limit,
            "compute_unit_price": self.compute_unit_price,
            "error": self.error,
            "account_keys": self.account_keys,
            "pre_balances": self.pre_balances,
            "post_balances": self.post_balances,
            "pre_token_balances": [_token_to_list(t) for t in self.pre_token_balances],
            "post_token_balances": [_token_to_list(t) for t in self.post_token_balances],
            "logs": self.logs,
            "details": self.details,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Transaction:
        """Rebuild a record saved by :meth:`to_dict`."""
        values = dict(data)
        values["fate"] = TxFate(values["fate"])
        values["pre_token_balances"] = [TokenBalance(*t) for t in data["pre_token_balances"]]
        values["post_token_balances"] = [TokenBalance(*t) for t in data["post_token_balances"]]
        return cls(**values)


def _token_to_list(balance: TokenBalance) -> list[Any]:
    return [
        balance.account_index,
        balance.mint,
        balance.owner,
        balance.amount,
        balance.decimals,
    ]


class TransactionIndex:
    """Landed transactions in landing order, and which of them each account key appears in.

    Built as transactions land and rebuilt from the saved transactions on load (it is derived
    data, never saved). Dropped transactions are never added. A lookup costs a binary search plus
    the transactions returned, so listing the newest signatures of a busy wallet stays cheap.
    """

    def __init__(self) -> None:
        self._landed: list[Transaction] = []
        self._position: dict[str, int] = {}
        self._by_account: dict[str, list[int]] = {}

    def __len__(self) -> int:
        return len(self._landed)

    def add(self, tx: Transaction) -> None:
        """Append a landed transaction (its ``account_keys`` already filled in)."""
        if not tx.landed or tx.signature in self._position:
            return
        position = len(self._landed)
        self._landed.append(tx)
        self._position[tx.signature] = position
        by_account = self._by_account
        for key in dict.fromkeys(tx.account_keys):
            positions = by_account.get(key)
            if positions is None:
                by_account[key] = [position]
            else:
                positions.append(position)

    def contains(self, signature: str) -> bool:
        """True when ``signature`` is a landed transaction of this index."""
        return signature in self._position

    def newest_first(
        self, account: str, *, before: str | None = None, until: str | None = None
    ) -> Iterator[Transaction]:
        """Yield the landed transactions whose account keys include ``account``, newest first.

        Args:
            account: The account address.
            before: Start below this landed signature (exclusive); None: from the newest.
            until: Stop at this landed signature (exclusive); None: down to the oldest.

        Raises:
            KeyError: when ``before`` or ``until`` is not a landed signature.
        """
        positions = self._by_account.get(account, ())
        high = len(positions)
        low = 0
        if before is not None:
            high = bisect.bisect_left(positions, self._position[before])
        if until is not None:
            low = bisect.bisect_right(positions, self._position[until])
        landed = self._landed
        return (landed[positions[index]] for index in range(high - 1, low - 1, -1))
