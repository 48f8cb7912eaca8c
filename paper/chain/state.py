"""The paper chain's state: the ledger, time in slots, wallets, token accounts, pools,
positions and sent transactions, with the reads over them.

:class:`ChainState` holds every piece of the chain as public fields; the services
(:mod:`~paper.chain.accounts`, :mod:`~paper.chain.sending`, :mod:`~paper.chain.liquidity`,
:mod:`~paper.chain.trading`) take it and change it, and :class:`~paper.chain.PaperChain`
composes them behind one facade.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterator
from dataclasses import dataclass

from lpexec.core.clock import Clock
from lpexec.paper.chain.costs import (
    FeeSchedule,
)
from lpexec.paper.chain.errors import (
    InsufficientFundsError,
    InvalidChainRequestError,
    PoolNotFoundError,
    PositionClosedError,
    PositionNotFoundError,
    WalletNotFoundError,
)
from lpexec.paper.chain.faults import FaultPlan
from lpexec.paper.chain.keys import KeyFactory, derive_address
from lpexec.paper.chain.ledger import LAMPORTS, AccountKind, Cause, Ledger, make_posting
from lpexec.paper.chain.positions import PositionRecord
from lpexec.paper.chain.tokens import SOL_MINT, Token, TokenList
from lpexec.paper.chain.transactions import (
    Transaction,
    TransactionIndex,
    TxStatus,
)
from lpexec.paper.pools import (
    ClmmPool,
    DlmmPool,
)

__all__ = [
    "DEFAULT_GENESIS_SLOT",
    "FEE_SINK",
    "MARKET",
    "SLOT_SECONDS",
    "ChainState",
    "Pool",
    "PoolEntry",
]

SLOT_SECONDS = 0.4
_SLOT_MICROSECONDS = 400_000
_SLOT_DURATION = _dt.timedelta(microseconds=_SLOT_MICROSECONDS)
_UNIX_EPOCH = _dt.datetime(1970, 1, 1, tzinfo=_dt.UTC)
_ONE_MICROSECOND = _dt.timedelta(microseconds=1)
DEFAULT_GENESIS_SLOT = 380_000_000
FEE_SINK = "sink:network-fees"
"""Ledger account collecting every network fee (validators and burn)."""
MARKET = "market:external"
"""Ledger account of the outside market that trades with pools during price-path replay."""


Pool = DlmmPool | ClmmPool


@dataclass(frozen=True, slots=True)
class PoolEntry:
    """A pool registered on the chain with the connector that serves it."""

    pool: Pool
    connector: str
    """``meteora`` for DLMM pools; ``raydium`` or ``orca`` for CLMM pools."""

    @property
    def kind(self) -> str:
        """``dlmm`` or ``clmm``."""
        return "dlmm" if isinstance(self.pool, DlmmPool) else "clmm"


class ChainState:
    """Everything the paper chain holds, and the reads over it (see :class:`PaperChain`)."""

    def __init__(
        self,
        *,
        clock: Clock,
        tokens: TokenList | None = None,
        seed: int = 0,
        confirmation_slots: int = 1,
        fee_schedule: FeeSchedule | None = None,
        faults: FaultPlan | str | None = None,
        genesis_slot: int = DEFAULT_GENESIS_SLOT,
        genesis_time: _dt.datetime | None = None,
    ) -> None:
        if confirmation_slots < 0:
            raise InvalidChainRequestError(
                "Expected confirmation_slots >= 0, received "
                f"confirmation_slots={confirmation_slots}"
            )
        self.clock = clock
        self.tokens = tokens or TokenList()
        self.seed = seed
        self.confirmation_slots = confirmation_slots
        self.fee_schedule = fee_schedule or FeeSchedule()
        self.faults = (
            faults if isinstance(faults, FaultPlan) else FaultPlan.parse(faults, seed=seed)
        )
        self._ledger = Ledger()
        self.market_flows: dict[tuple[str, str, Cause], int] = {}
        self.keys = KeyFactory(seed)
        self.genesis_slot = genesis_slot
        self.genesis_time = genesis_time or clock.now()
        self.genesis_micros = _unix_micros(self.genesis_time)
        self.last_slot = genesis_slot
        self.wallet_labels: dict[str, str] = {}
        self.token_accounts: set[str] = set()
        self.pool_entries: dict[str, PoolEntry] = {}
        self.position_records: dict[str, PositionRecord] = {}
        self.sent_transactions: dict[str, Transaction] = {}
        self.landed = TransactionIndex()
        self.ledger.open_account(FEE_SINK, AccountKind.FEE_SINK, owner=FEE_SINK)
        self.ledger.open_account(MARKET, AccountKind.MARKET, owner=MARKET)

    # -- the ledger ---------------------------------------------------------------------------

    @property
    def ledger(self) -> Ledger:
        """The chain's double-entry ledger.

        The bar market's flows (:meth:`replay_bars`) are summed as they come and posted as one
        group here, before anything reads or posts, so the ledger is always complete when used.
        """
        if self.market_flows:
            flows, self.market_flows = self.market_flows, {}
            postings = [
                make_posting(account, asset, delta, cause)
                for (account, asset, cause), delta in flows.items()
                if delta
            ]
            self._ledger.post(postings, slot=self.slot)
        return self._ledger

    @ledger.setter
    def ledger(self, ledger: Ledger) -> None:
        self.market_flows.clear()
        self._ledger = ledger

    # -- time ---------------------------------------------------------------------------------

    @property
    def slot(self) -> int:
        """The current slot: genesis slot + elapsed clock time / 400 ms (never decreases)."""
        elapsed = self.clock.now() - self.genesis_time
        slot = self.genesis_slot + elapsed // _SLOT_DURATION
        if slot > self.last_slot:
            self.last_slot = slot
        return self.last_slot

    def slot_time(self, slot: int) -> _dt.datetime:
        """Return the clock time at which ``slot`` starts."""
        offset = _dt.timedelta(microseconds=(slot - self.genesis_slot) * _SLOT_MICROSECONDS)
        return self.genesis_time + offset

    def block_time(self, slot: int) -> int:
        """Unix seconds of ``slot``'s start: ``int(self.slot_time(slot).timestamp())``."""
        if self.genesis_micros is None:
            return int(self.slot_time(slot).timestamp())
        offset = (slot - self.genesis_slot) * _SLOT_MICROSECONDS
        return int((self.genesis_micros + offset) / 1_000_000)  # as timestamp() divides

    @property
    def unix_time(self) -> int:
        """Unix seconds of the clock now (pools use it for their volatility fee)."""
        return int(self.clock.now().timestamp())

    # -- wallets and balances -----------------------------------------------------------------

    def wallets(self) -> list[str]:
        """Return the addresses of wallets created on this chain."""
        return list(self.wallet_labels)

    def has_wallet(self, address: str) -> bool:
        """Return True when ``address`` is a wallet of this chain (one that can sign)."""
        return address in self.wallet_labels

    def require_wallet(self, address: str) -> None:
        """Raise :class:`WalletNotFoundError` unless ``address`` is a wallet of this chain."""
        if address not in self.wallet_labels:
            raise WalletNotFoundError(address)

    def token_account(self, owner: str, mint: str) -> str:
        """Return the address of ``owner``'s token account for ``mint`` (derived)."""
        return derive_address("ata", owner, mint)

    def has_token_account(self, owner: str, mint: str) -> bool:
        """Return True when ``owner``'s token account for ``mint`` is open."""
        return self.token_account(owner, mint) in self.token_accounts

    def balance(self, owner: str, token: str) -> int:
        """Return ``owner``'s balance of ``token`` in base units (SOL: native lamports).

        Raises:
            UnknownTokenError: when ``token`` is not in the token list.
        """
        mint = self.tokens.get(token).address
        if mint == SOL_MINT:
            return self.ledger.balance(owner, LAMPORTS)
        return self.ledger.balance(self.token_account(owner, mint), mint)

    def wrapped_sol(self, owner: str) -> int:
        """Return ``owner``'s wrapped-SOL token balance in lamports."""
        return self.ledger.balance(self.token_account(owner, SOL_MINT), SOL_MINT)

    def balances(self, owner: str) -> dict[str, int]:
        """Return ``owner``'s balance of every listed token by symbol (zeros included)."""
        return {token.symbol: self.balance(owner, token.symbol) for token in self.tokens}

    def open_token_account(self, owner: str, mint: str) -> str:
        account = self.token_account(owner, mint)
        self.ledger.open_account(account, AccountKind.TOKEN_ACCOUNT, owner=owner)
        return account

    def wallet_holding(self, owner: str, mint: str) -> tuple[str, str]:
        """Return the (account, asset) a wallet pays a pool token from (SOL: native)."""
        if mint == SOL_MINT:
            return owner, LAMPORTS
        return self.token_account(owner, mint), mint

    def require_funds(self, owner: str, needs: dict[tuple[str, str], int]) -> None:
        """Raise :class:`InsufficientFundsError` unless every (account, asset) holds its need."""
        for (account, asset), amount in needs.items():
            available = self.ledger.balance(account, asset)
            if amount > available:
                raise InsufficientFundsError(
                    account=owner,
                    asset=self.asset_name(asset),
                    required=amount,
                    available=available,
                )

    def asset_name(self, asset: str) -> str:
        if asset == LAMPORTS:
            return "SOL"
        token = self.tokens.find(asset)
        return token.symbol if token else asset

    def token_for_mint(self, mint: str) -> Token:
        token = self.tokens.find(mint)
        if token is None:
            return Token(mint[:6], mint, mint, 0)
        return token

    def needs_token_account(self, owner: str, mint: str) -> bool:
        return mint != SOL_MINT and not self.has_token_account(owner, mint)

    # -- pools and positions ------------------------------------------------------------------

    def pool_entry(self, address: str) -> PoolEntry:
        """Return the registered pool at ``address``.

        Raises:
            PoolNotFoundError: when no pool has that address.
        """
        entry = self.pool_entries.get(address)
        if entry is None:
            raise PoolNotFoundError(address)
        return entry

    def pool(self, address: str) -> Pool:
        """Return the pool at ``address`` (raises :class:`PoolNotFoundError`)."""
        return self.pool_entry(address).pool

    def pools(self, connector: str | None = None) -> list[PoolEntry]:
        """Return registered pools, optionally only those served by ``connector``."""
        entries = self.pool_entries.values()
        return [e for e in entries if connector is None or e.connector == connector]

    def lp_fee_account(self, pool_address: str) -> str:
        """Return the ledger account holding a pool's unclaimed LP fees."""
        return derive_address("lp-fees", pool_address)

    def protocol_fee_account(self, pool_address: str) -> str:
        """Return the ledger account holding a pool's protocol fees."""
        return derive_address("protocol-fees", pool_address)

    def bin_array_account(self, pool_address: str, index: int) -> str:
        """Return the address of a pool's BinArray ``index``."""
        return derive_address("bin-array", pool_address, str(index))

    def position_record(self, address: str) -> PositionRecord:
        """Return the record of an open position.

        Raises:
            PositionClosedError: when the position existed and was closed.
            PositionNotFoundError: when no position ever had that address.
        """
        record = self.position_records.get(address)
        if record is None:
            raise PositionNotFoundError(address)
        if record.is_closed:
            raise PositionClosedError(address)
        return record

    def position_history(self, address: str) -> PositionRecord | None:
        """Return the record of a position, open or closed, or None."""
        return self.position_records.get(address)

    def positions_owned(self, owner: str, connector: str | None = None) -> list[PositionRecord]:
        """Return ``owner``'s open positions (optionally on pools of one connector)."""
        return [
            r
            for r in self.position_records.values()
            if r.owner == owner
            and not r.is_closed
            and (connector is None or self.pool_entries[r.pool_address].connector == connector)
        ]

    # -- transactions -------------------------------------------------------------------------

    def transaction(self, signature: str) -> Transaction | None:
        """Return the record of a sent transaction, or None."""
        return self.sent_transactions.get(signature)

    def transactions(self) -> list[Transaction]:
        """Return every sent transaction in sending order."""
        return list(self.sent_transactions.values())

    def transactions_for_address(
        self, address: str, *, before: str | None = None, until: str | None = None
    ) -> Iterator[Transaction]:
        """Yield the landed transactions whose account keys include ``address``, newest first.

        Succeeded and failed transactions are included, confirmed or not; dropped ones never
        are. A position's address is among the keys of its open and of its close (both move its
        rent); a failed transaction's only key is its payer.

        Args:
            address: Any account: a wallet, token account, pool or position.
            before: Start below this landed signature (exclusive).
            until: Stop at this landed signature (exclusive).

        Raises:
            InvalidChainRequestError: when ``before`` or ``until`` is not a landed signature.
        """
        for name, signature in (("before", before), ("until", until)):
            if signature is not None and not self.landed.contains(signature):
                raise InvalidChainRequestError(
                    f"Expected {name} to be a landed transaction signature, received {signature!r}"
                )
        return self.landed.newest_first(address, before=before, until=until)

    def record_transaction(self, tx: Transaction) -> None:
        # every sent transaction is kept; the index takes only the landed ones
        self.sent_transactions[tx.signature] = tx
        self.landed.add(tx)

    def status(self, signature: str) -> TxStatus:
        """Return a signature's status now (unknown signatures read as pending, like Solana)."""
        tx = self.sent_transactions.get(signature)
        return TxStatus.PENDING if tx is None else tx.status(self.slot)

    def poll(self, signature: str) -> TxStatus:
        """Return a signature's status now: 1 confirmed, 0 pending or never landed, -1 failed.

        A dropped transaction stays 0 forever; the caller decides when to give up.
        """
        return self.status(signature)


def _unix_micros(when: _dt.datetime) -> int | None:
    """Unix microseconds of ``when`` when its offset is fixed (UTC), else None: adding time to
    a datetime of a zone with daylight saving moves its wall clock, not a fixed offset."""
    if not isinstance(when.tzinfo, _dt.timezone):
        return None
    return (when - _UNIX_EPOCH) // _ONE_MICROSECOND
