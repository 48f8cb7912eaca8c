"""The ledger: every balance on the paper chain and every change to it, with its cause.

An *account* is a string (a wallet address, a token account, a pool reserve, a position, a
BinArray, a sink) and an *asset* is either :data:`LAMPORTS` (native SOL) or a mint address. A
balance is ``int`` base units of one asset in one account. Balances change only through
:meth:`Ledger.post`, which applies a group of postings atomically and refuses any group that
would overdraw an account or that does not balance: within one group the deltas of every token
sum to zero (native lamports and wrapped-SOL units count as the same token, SOL). Only genesis
and airdrop groups create value, and the external market (the rest of the world, which trades
with pools during price-path replay) is the only account allowed below zero.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from lpexec.paper.chain.errors import InsufficientFundsError, LedgerImbalanceError
from lpexec.paper.chain.records import record_builder
from lpexec.paper.chain.tokens import SOL_MINT

__all__ = [
    "LAMPORTS",
    "AccountKind",
    "Cause",
    "Ledger",
    "LedgerEntry",
    "Posting",
    "make_posting",
    "token_of",
]

LAMPORTS = "lamports"
"""Asset key of native SOL (lamports)."""


class Cause(StrEnum):
    """Why a balance changed."""

    GENESIS = "genesis"
    """Initial supply (pool seed liquidity, demo wallets)."""
    AIRDROP = "airdrop"
    """Funds added to a wallet from outside the simulation."""
    TX_FEE = "tx_fee"
    """Network fee of a transaction (base + priority), paid to the fee sink."""
    RENT_LOCKED = "rent_locked"
    """Refundable rent moved into a new account (position, token account)."""
    RENT_REFUNDED = "rent_refunded"
    """Rent returned when an account closes."""
    RENT_SUNK = "rent_sunk"
    """Rent paid for an account never returned to the payer (a Meteora BinArray)."""
    SWAP = "swap"
    """Net swap amounts moving between a trader and a pool reserve."""
    POOL_FEE = "pool_fee"
    """The swap fee a trader pays (LP fee + protocol fee)."""
    LP_FEE = "lp_fee"
    """The part of a swap fee credited to a pool's liquidity providers."""
    PROTOCOL_FEE = "protocol_fee"
    """The part of a swap fee kept by the protocol."""
    DEPOSIT = "deposit"
    """Liquidity deposited into a position."""
    WITHDRAW = "withdraw"
    """Liquidity withdrawn from a position."""
    FEE_CLAIM = "fee_claim"
    """LP fees paid out to a position's owner."""
    WRAP = "wrap"
    """Native SOL moved into the wrapped-SOL token account."""
    UNWRAP = "unwrap"
    """Wrapped SOL moved back to native SOL."""
    MARKET = "market"
    """Trades of the external market (price-path replay) against a pool."""


class AccountKind(StrEnum):
    """What an account on the ledger is."""

    WALLET = "wallet"
    TOKEN_ACCOUNT = "token_account"
    POOL_RESERVE = "pool_reserve"
    POOL_LP_FEES = "pool_lp_fees"
    POOL_PROTOCOL_FEES = "pool_protocol_fees"
    POSITION = "position"
    BIN_ARRAY = "bin_array"
    FEE_SINK = "fee_sink"
    GENESIS = "genesis"
    MARKET = "market"


_CREATING = frozenset({Cause.GENESIS, Cause.AIRDROP})


def token_of(asset: str) -> str:
    """Return the token an asset counts as: lamports and wrapped SOL are both ``SOL_MINT``."""
    return SOL_MINT if asset == LAMPORTS else asset


@dataclass(frozen=True, slots=True)
class Posting:
    """One balance change requested of the ledger."""

    account: str
    asset: str
    """:data:`LAMPORTS` or a mint address."""
    delta: int
    cause: Cause


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    """One applied balance change."""

    sequence: int
    """Position in the ledger (0, 1, 2, ...)."""
    slot: int
    signature: str | None
    """Transaction that caused it, or None for genesis, airdrops and market trades."""
    account: str
    owner: str
    """Wallet or pool the account belongs to."""
    kind: AccountKind
    asset: str
    delta: int
    cause: Cause

    def to_dict(self) -> dict[str, Any]:
        """Return the entry as JSON-safe data."""
        return {
            "sequence": self.sequence,
            "slot": self.slot,
            "signature": self.signature,
            "account": self.account,
            "owner": self.owner,
            "kind": self.kind.value,
            "asset": self.asset,
            "delta": self.delta,
            "cause": self.cause.value,
        }


@dataclass(frozen=True, slots=True)
class _AccountInfo:
    kind: AccountKind
    owner: str


make_posting = record_builder(Posting)
"""Build a :class:`Posting` from its four fields, faster (see :mod:`paper.chain.records`)."""
_make_entry = record_builder(LedgerEntry)


class Ledger:
    """Balances per (account, asset) and the append-only list of their changes.

    Example:
        >>> ledger = Ledger()
        >>> ledger.open_account("W", AccountKind.WALLET, owner="W")
        >>> ledger.post([Posting("W", LAMPORTS, 10, Cause.AIRDROP)], slot=0)
        >>> ledger.balance("W", LAMPORTS)
        10
    """

    def __init__(self) -> None:
        self._balances: dict[tuple[str, str], int] = defaultdict(int)
        self._accounts: dict[str, _AccountInfo] = {}
        self._entries: list[LedgerEntry] = []
        self._created: dict[str, int] = defaultdict(int)
        self.keep_unsigned = True
        """Keep the entries of changes without a transaction (market trades, genesis); long
        backtests turn this off: balances still move, only the history of the outside market's
        trades is not kept."""

    # -- accounts -----------------------------------------------------------------------------

    def open_account(self, account: str, kind: AccountKind, *, owner: str) -> None:
        """Register ``account`` (idempotent when kind and owner agree).

        Raises:
            ValueError: when the account exists with another kind or owner.
        """
        known = self._accounts.get(account)
        if known is None:
            self._accounts[account] = _AccountInfo(kind, owner)
        elif known != _AccountInfo(kind, owner):
            raise ValueError(
                f"Expected account {account} to be a {known.kind.value} of {known.owner}, "
                f"received kind={kind.value} owner={owner}"
            )

    def has_account(self, account: str) -> bool:
        """Return True when ``account`` is registered."""
        return account in self._accounts

    def kind(self, account: str) -> AccountKind:
        """Return the kind of a registered account."""
        return self._accounts[account].kind

    def owner(self, account: str) -> str:
        """Return the owner of a registered account."""
        return self._accounts[account].owner

    def accounts(self, kind: AccountKind | None = None) -> list[str]:
        """Return registered accounts, optionally only those of ``kind``."""
        return [a for a, info in self._accounts.items() if kind is None or info.kind is kind]

    # -- balances -----------------------------------------------------------------------------

    def balance(self, account: str, asset: str) -> int:
        """Return the balance of ``asset`` in ``account`` (0 when never touched)."""
        return self._balances.get((account, asset), 0)

    def snapshot(self, pairs: Iterable[tuple[str, str]]) -> dict[tuple[str, str], int]:
        """Return the balance of every (account, asset) in ``pairs``, in first-seen order."""
        balance = self._balances.get
        return {pair: balance(pair, 0) for pair in pairs}

    def assets_of(self, account: str) -> dict[str, int]:
        """Return every non-zero balance of ``account`` by asset."""
        return {asset: v for (a, asset), v in self._balances.items() if a == account and v}

    def total(self, token: str) -> int:
        """Return the sum over all accounts of ``token`` (lamports count as SOL_MINT)."""
        return sum(v for (_, asset), v in self._balances.items() if token_of(asset) == token)

    def total_by_kind(self, token: str) -> dict[AccountKind, int]:
        """Return the holdings of ``token`` grouped by account kind."""
        out: dict[AccountKind, int] = defaultdict(int)
        for (account, asset), value in self._balances.items():
            if token_of(asset) == token:
                out[self._accounts[account].kind] += value
        return dict(out)

    def created(self, token: str) -> int:
        """Return the supply of ``token`` created by genesis and airdrop postings."""
        return self._created.get(token, 0)

    def tokens(self) -> set[str]:
        """Return every token that ever had a balance."""
        return {token_of(asset) for (_, asset) in self._balances}

    # -- postings -----------------------------------------------------------------------------

    def post(
        self,
        postings: Iterable[Posting],
        *,
        slot: int,
        signature: str | None = None,
    ) -> list[LedgerEntry]:
        """Apply ``postings`` atomically and return the entries written.

        Raises:
            KeyError: when a posting names an unregistered account.
            InsufficientFundsError: when an account (other than the market) would go below zero.
            LedgerImbalanceError: when a group that creates no value does not sum to zero per token.
        """
        group = [p for p in postings if p.delta]
        pending, creates = self._check_group(group)
        balances = self._balances
        for pair, delta in pending.items():
            balances[pair] += delta
        if creates:
            for posting in group:
                if posting.cause in _CREATING:
                    self._created[token_of(posting.asset)] += posting.delta
        if signature is None and not self.keep_unsigned:
            return []
        accounts = self._accounts
        sequence = len(self._entries)
        written = [
            _make_entry(  # the field order of LedgerEntry
                sequence + index,
                slot,
                signature,
                posting.account,
                (info := accounts[posting.account]).owner,
                info.kind,
                posting.asset,
                posting.delta,
                posting.cause,
            )
            for index, posting in enumerate(group)
        ]
        self._entries += written
        return written

    def _check_group(self, group: list[Posting]) -> tuple[dict[tuple[str, str], int], bool]:
        """Return the net delta per (account, asset) in first-posted order, and whether the
        group creates value; raise when the group may not be posted (see :meth:`post`)."""
        accounts = self._accounts
        pending: dict[tuple[str, str], int] = {}
        creates = False
        for posting in group:
            account = posting.account
            if account not in accounts:
                raise KeyError(f"Expected a registered ledger account, received {account}")
            pair = (account, posting.asset)
            pending[pair] = pending.get(pair, 0) + posting.delta
            if posting.cause in _CREATING:
                creates = True
        balance = self._balances.get
        for pair, delta in pending.items():
            available = balance(pair, 0)
            if available + delta < 0 and accounts[pair[0]].kind is not AccountKind.MARKET:
                raise InsufficientFundsError(
                    account=pair[0],
                    asset=pair[1],
                    required=-delta,
                    available=available,
                )
        if not creates:
            # nothing is created: every posting counts, and the pairs hold the same sums
            net: dict[str, int] = defaultdict(int)
            for (_, asset), delta in pending.items():
                net[token_of(asset)] += delta
            if any(net.values()):
                raise LedgerImbalanceError(
                    f"Expected postings to net to zero per token, received {net}"
                )
        return pending, creates

    # -- history ------------------------------------------------------------------------------

    def entries(
        self,
        *,
        signature: str | None = None,
        account: str | None = None,
        owner: str | None = None,
        cause: Cause | None = None,
    ) -> list[LedgerEntry]:
        """Return entries matching every filter given."""
        return [
            e
            for e in self._entries
            if (signature is None or e.signature == signature)
            and (account is None or e.account == account)
            and (owner is None or e.owner == owner)
            and (cause is None or e.cause is cause)
        ]

    def __iter__(self) -> Iterator[LedgerEntry]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    # -- persistence --------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """Return accounts and entries as JSON-safe data (balances are replayed on load)."""
        return {
            "accounts": {a: [i.kind.value, i.owner] for a, i in self._accounts.items()},
            "entries": [e.to_dict() for e in self._entries],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Ledger:
        """Rebuild a ledger saved by :meth:`to_dict` by replaying its entries."""
        ledger = cls()
        for account, (kind, owner) in data["accounts"].items():
            ledger.open_account(account, AccountKind(kind), owner=owner)
        for raw in data["entries"]:
            entry = LedgerEntry(
                sequence=raw["sequence"],
                slot=raw["slot"],
                signature=raw["signature"],
                account=raw["account"],
                owner=raw["owner"],
                kind=AccountKind(raw["kind"]),
                asset=raw["asset"],
                delta=raw["delta"],
                cause=Cause(raw["cause"]),
            )
            ledger._balances[(entry.account, entry.asset)] += entry.delta
            if entry.cause in _CREATING:
                ledger._created[token_of(entry.asset)] += entry.delta
            ledger._entries.append(entry)
        return ledger
