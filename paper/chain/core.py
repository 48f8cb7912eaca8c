"""The paper chain's state and primitives: time in slots, wallets, pools, positions, sending.

Operations (swaps, liquidity) live in their own modules and use the primitives here: check
that the payer can afford everything, change the pool, then post every balance change in one
ledger group together with the network fee.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

from lpexec.core.clock import Clock
from lpexec.paper.chain.costs import (
    TOKEN_ACCOUNT_RENT_LAMPORTS,
    FeeSchedule,
    priority_fee,
)
from lpexec.paper.chain.errors import (
    InsufficientFundsError,
    InvalidChainRequestError,
    PoolNotFoundError,
    PositionClosedError,
    PositionNotFoundError,
    SwapRejectedError,
    WalletNotFoundError,
)
from lpexec.paper.chain.faults import FaultPlan
from lpexec.paper.chain.keys import KeyFactory, derive_address
from lpexec.paper.chain.ledger import LAMPORTS, AccountKind, Cause, Ledger, Posting, make_posting
from lpexec.paper.chain.positions import PositionRecord
from lpexec.paper.chain.records import record_builder
from lpexec.paper.chain.tokens import SOL_MINT, Token, TokenList
from lpexec.paper.chain.transactions import (
    TokenBalance,
    Transaction,
    TransactionIndex,
    TxFate,
    TxStatus,
)
from lpexec.paper.pools import (
    ClmmPool,
    DlmmPool,
    InsufficientLiquidityError,
    PoolError,
    SlippageExceededError,
)

__all__ = [
    "DEFAULT_GENESIS_SLOT",
    "FEE_SINK",
    "MARKET",
    "SLOT_SECONDS",
    "ChainCore",
    "PoolEntry",
    "pool_call",
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

_FAILED_ERROR = {"InstructionError": [2, {"Custom": 6001}]}

Pool = DlmmPool | ClmmPool
_T = TypeVar("_T")
_make_token_balance = record_builder(TokenBalance)


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


class ChainCore:
    """State and primitives shared by the chain's operations (see :class:`PaperChain`)."""

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
        self._market_flows: dict[tuple[str, str, Cause], int] = {}
        self.keys = KeyFactory(seed)
        self._genesis_slot = genesis_slot
        self._genesis_time = genesis_time or clock.now()
        self._genesis_micros = _unix_micros(self._genesis_time)
        self._last_slot = genesis_slot
        self._wallets: dict[str, str] = {}
        self._token_accounts: set[str] = set()
        self._pools: dict[str, PoolEntry] = {}
        self._positions: dict[str, PositionRecord] = {}
        self._transactions: dict[str, Transaction] = {}
        self._index = TransactionIndex()
        self.ledger.open_account(FEE_SINK, AccountKind.FEE_SINK, owner=FEE_SINK)
        self.ledger.open_account(MARKET, AccountKind.MARKET, owner=MARKET)

    # -- the ledger ---------------------------------------------------------------------------

    @property
    def ledger(self) -> Ledger:
        """The chain's double-entry ledger.

        The bar market's flows (:meth:`replay_bars`) are summed as they come and posted as one
        group here, before anything reads or posts, so the ledger is always complete when used.
        """
        if self._market_flows:
            flows, self._market_flows = self._market_flows, {}
            postings = [
                make_posting(account, asset, delta, cause)
                for (account, asset, cause), delta in flows.items()
                if delta
            ]
            self._ledger.post(postings, slot=self.slot)
        return self._ledger

    @ledger.setter
    def ledger(self, ledger: Ledger) -> None:
        self._market_flows.clear()
        self._ledger = ledger

    # -- time ---------------------------------------------------------------------------------

    @property
    def slot(self) -> int:
        """The current slot: genesis slot + elapsed clock time / 400 ms (never decreases)."""
        elapsed = self.clock.now() - self._genesis_time
        slot = self._genesis_slot + elapsed // _SLOT_DURATION
        if slot > self._last_slot:
            self._last_slot = slot
        return self._last_slot

    def slot_time(self, slot: int) -> _dt.datetime:
        """Return the clock time at which ``slot`` starts."""
        offset = _dt.timedelta(microseconds=(slot - self._genesis_slot) * _SLOT_MICROSECONDS)
        return self._genesis_time + offset

    def _block_time(self, slot: int) -> int:
        """Unix seconds of ``slot``'s start: ``int(self.slot_time(slot).timestamp())``."""
        if self._genesis_micros is None:
            return int(self.slot_time(slot).timestamp())
        offset = (slot - self._genesis_slot) * _SLOT_MICROSECONDS
        return int((self._genesis_micros + offset) / 1_000_000)  # as timestamp() divides

    @property
    def unix_time(self) -> int:
        """Unix seconds of the clock now (pools use it for their volatility fee)."""
        return int(self.clock.now().timestamp())

    # -- wallets and balances -----------------------------------------------------------------

    def create_wallet(self, label: str = "") -> str:
        """Create an empty wallet and return its address."""
        address = self.keys.new_address()
        self._wallets[address] = label
        self.ledger.open_account(address, AccountKind.WALLET, owner=address)
        return address

    def wallets(self) -> list[str]:
        """Return the addresses of wallets created on this chain."""
        return list(self._wallets)

    def has_wallet(self, address: str) -> bool:
        """Return True when ``address`` is a wallet of this chain (one that can sign)."""
        return address in self._wallets

    def require_wallet(self, address: str) -> None:
        """Raise :class:`WalletNotFoundError` unless ``address`` is a wallet of this chain."""
        if address not in self._wallets:
            raise WalletNotFoundError(address)

    def token_account(self, owner: str, mint: str) -> str:
        """Return the address of ``owner``'s token account for ``mint`` (derived)."""
        return derive_address("ata", owner, mint)

    def has_token_account(self, owner: str, mint: str) -> bool:
        """Return True when ``owner``'s token account for ``mint`` is open."""
        return self.token_account(owner, mint) in self._token_accounts

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

    def airdrop(self, owner: str, token: str, amount: int) -> None:
        """Credit ``amount`` base units of ``token`` to ``owner`` from outside the simulation.

        SOL is credited as native lamports; any other token lands in the owner's token account,
        opened (with its rent, also airdropped) when needed.

        Raises:
            InvalidChainRequestError: when ``amount`` is negative.
            UnknownTokenError: when ``token`` is not listed.
        """
        if amount < 0:
            raise InvalidChainRequestError(f"Expected amount >= 0, received amount={amount}")
        mint = self.tokens.get(token).address
        if not self.ledger.has_account(owner):
            self.ledger.open_account(owner, AccountKind.WALLET, owner=owner)
        postings: list[Posting] = []
        if mint == SOL_MINT:
            postings.append(Posting(owner, LAMPORTS, amount, Cause.AIRDROP))
        else:
            account = self._open_token_account(owner, mint)
            if account not in self._token_accounts:
                rent = TOKEN_ACCOUNT_RENT_LAMPORTS
                postings.append(Posting(account, LAMPORTS, rent, Cause.AIRDROP))
            postings.append(Posting(account, mint, amount, Cause.AIRDROP))
        self.ledger.post(postings, slot=self.slot)
        if mint != SOL_MINT:
            self._token_accounts.add(self.token_account(owner, mint))

    def _open_token_account(self, owner: str, mint: str) -> str:
        account = self.token_account(owner, mint)
        self.ledger.open_account(account, AccountKind.TOKEN_ACCOUNT, owner=owner)
        return account

    def _wallet_holding(self, owner: str, mint: str) -> tuple[str, str]:
        """Return the (account, asset) a wallet pays a pool token from (SOL: native)."""
        if mint == SOL_MINT:
            return owner, LAMPORTS
        return self.token_account(owner, mint), mint

    def _require(self, owner: str, needs: dict[tuple[str, str], int]) -> None:
        for (account, asset), amount in needs.items():
            available = self.ledger.balance(account, asset)
            if amount > available:
                raise InsufficientFundsError(
                    account=owner,
                    asset=self._asset_name(asset),
                    required=amount,
                    available=available,
                )

    def _asset_name(self, asset: str) -> str:
        if asset == LAMPORTS:
            return "SOL"
        token = self.tokens.find(asset)
        return token.symbol if token else asset

    def _token(self, mint: str) -> Token:
        token = self.tokens.find(mint)
        if token is None:
            return Token(mint[:6], mint, mint, 0)
        return token

    def _receive(
        self,
        owner: str,
        mint: str,
        amount: int,
        cause: Cause,
        postings: list[Posting],
        new_accounts: list[str],
    ) -> int:
        """Append postings paying ``amount`` of ``mint`` to ``owner``; return rent locked."""
        account, asset = self._wallet_holding(owner, mint)
        rent = 0
        if (
            asset != LAMPORTS
            and account not in self._token_accounts
            and account not in new_accounts
        ):
            self._open_token_account(owner, mint)
            rent = TOKEN_ACCOUNT_RENT_LAMPORTS
            postings.append(make_posting(owner, LAMPORTS, -rent, Cause.RENT_LOCKED))
            postings.append(make_posting(account, LAMPORTS, rent, Cause.RENT_LOCKED))
            new_accounts.append(account)
        postings.append(make_posting(account, asset, amount, cause))
        return rent

    def _needs_token_account(self, owner: str, mint: str) -> bool:
        return mint != SOL_MINT and not self.has_token_account(owner, mint)

    # -- pools and positions ------------------------------------------------------------------

    def pool_entry(self, address: str) -> PoolEntry:
        """Return the registered pool at ``address``.

        Raises:
            PoolNotFoundError: when no pool has that address.
        """
        entry = self._pools.get(address)
        if entry is None:
            raise PoolNotFoundError(address)
        return entry

    def pool(self, address: str) -> Pool:
        """Return the pool at ``address`` (raises :class:`PoolNotFoundError`)."""
        return self.pool_entry(address).pool

    def pools(self, connector: str | None = None) -> list[PoolEntry]:
        """Return registered pools, optionally only those served by ``connector``."""
        return [e for e in self._pools.values() if connector is None or e.connector == connector]

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
        record = self._positions.get(address)
        if record is None:
            raise PositionNotFoundError(address)
        if record.is_closed:
            raise PositionClosedError(address)
        return record

    def position_history(self, address: str) -> PositionRecord | None:
        """Return the record of a position, open or closed, or None."""
        return self._positions.get(address)

    def positions_owned(self, owner: str, connector: str | None = None) -> list[PositionRecord]:
        """Return ``owner``'s open positions (optionally on pools of one connector)."""
        return [
            r
            for r in self._positions.values()
            if r.owner == owner
            and not r.is_closed
            and (connector is None or self._pools[r.pool_address].connector == connector)
        ]

    # -- transactions -------------------------------------------------------------------------

    def transaction(self, signature: str) -> Transaction | None:
        """Return the record of a sent transaction, or None."""
        return self._transactions.get(signature)

    def transactions(self) -> list[Transaction]:
        """Return every sent transaction in sending order."""
        return list(self._transactions.values())

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
            if signature is not None and not self._index.contains(signature):
                raise InvalidChainRequestError(
                    f"Expected {name} to be a landed transaction signature, received {signature!r}"
                )
        return self._index.newest_first(address, before=before, until=until)

    def _record(self, tx: Transaction) -> None:
        # every sent transaction is kept; the index takes only the landed ones
        self._transactions[tx.signature] = tx
        self._index.add(tx)

    def status(self, signature: str) -> TxStatus:
        """Return a signature's status now (unknown signatures read as pending, like Solana)."""
        tx = self._transactions.get(signature)
        return TxStatus.PENDING if tx is None else tx.status(self.slot)

    def poll(self, signature: str) -> TxStatus:
        """Return a signature's status now: 1 confirmed, 0 pending or never landed, -1 failed.

        A dropped transaction stays 0 forever; the caller decides when to give up.
        """
        return self.status(signature)

    def _begin(self, operation: str, payer: str, fate: TxFate) -> Transaction:
        self.require_wallet(payer)
        schedule = self.fee_schedule
        budget = schedule.budget(operation)
        slot = self.slot
        fee = schedule.fee(operation)
        self._require(payer, {(payer, LAMPORTS): fee})
        return Transaction(
            signature=self.keys.new_signature(),
            operation=operation,
            payer=payer,
            slot=slot,
            block_time=self._block_time(slot),
            confirmation_slot=slot + self.confirmation_slots,
            fate=fate,
            fee=0 if fate is TxFate.DROP else fee,
            signatures=budget.signatures,
            compute_units=budget.compute_units,
            compute_unit_limit=budget.compute_unit_limit,
            compute_unit_price=schedule.compute_unit_price,
        )

    def _finish_unsuccessful(self, tx: Transaction) -> list[Posting]:
        """Record a dropped or failed transaction (a failed one pays its fee)."""
        if tx.fate is TxFate.DROP:
            tx.logs = ["Transaction dropped before landing (paper fault)"]
            self._record(tx)
            return []
        tx.error = _FAILED_ERROR
        tx.logs = [f"Program log: {tx.operation} failed on chain (paper fault)"]
        return self._commit(tx, [])

    def _commit(
        self,
        tx: Transaction,
        postings: list[Posting],
        new_token_accounts: Iterable[str] = (),
    ) -> list[Posting]:
        """Post the fee and ``postings`` as one group; capture pre/post balances on ``tx``."""
        group = [
            make_posting(tx.payer, LAMPORTS, -tx.fee, Cause.TX_FEE),
            make_posting(FEE_SINK, LAMPORTS, tx.fee, Cause.TX_FEE),
            *postings,
        ]
        ledger = self.ledger
        before = ledger.snapshot([(posting.account, posting.asset) for posting in group])
        ledger.post(group, slot=tx.slot, signature=tx.signature)
        self._token_accounts.update(new_token_accounts)
        self._fill_balances(tx, before, ledger.snapshot(before))
        if not tx.logs:
            tx.logs = [f"Program log: {tx.operation}"]
        self._record(tx)
        return group

    def _fill_balances(
        self,
        tx: Transaction,
        before: dict[tuple[str, str], int],
        after: dict[tuple[str, str], int],
    ) -> None:
        """Fill ``tx``'s account keys and balances from the touched (account, asset) pairs
        (``before``'s keys, in first-posted order) and their balances around the posting."""
        ledger = self.ledger
        keys: list[str] = []
        index_of: dict[str, int] = {}
        pre_balances: list[int] = []
        post_balances: list[int] = []
        pre_tokens, post_tokens = tx.pre_token_balances, tx.post_token_balances
        decimals_of: dict[str, int] = {}
        for account, asset in ((tx.payer, LAMPORTS), *before):
            if account == FEE_SINK:
                continue
            index = index_of.get(account)
            if index is None:  # a new key, with its lamports (untouched: the same after)
                index = index_of[account] = len(keys)
                keys.append(account)
                pair = (account, LAMPORTS)
                lamports = before.get(pair)
                if lamports is None:
                    lamports = ledger.balance(account, LAMPORTS)
                    pre_balances.append(lamports)
                    post_balances.append(lamports)
                else:
                    pre_balances.append(lamports)
                    post_balances.append(after[pair])
            if asset == LAMPORTS:
                continue
            pair = (account, asset)
            owner = ledger.owner(account)
            decimals = decimals_of.get(asset)
            if decimals is None:
                decimals = decimals_of[asset] = self._token(asset).decimals
            pre_tokens.append(_make_token_balance(index, asset, owner, before[pair], decimals))
            post_tokens.append(_make_token_balance(index, asset, owner, after[pair], decimals))
        tx.account_keys = keys
        tx.pre_balances = pre_balances
        tx.post_balances = post_balances

    def _receipt_fields(self, tx: Transaction, group: list[Posting]) -> dict[str, Any]:
        payer = tx.payer
        kind, owner = self.ledger.kind, self.ledger.owner
        changes: dict[str, int] = {}
        for posting in group:
            asset = posting.asset
            if asset == LAMPORTS:
                if posting.account == payer:
                    changes[LAMPORTS] = changes.get(LAMPORTS, 0) + posting.delta
            elif (
                kind(posting.account) is AccountKind.TOKEN_ACCOUNT
                and owner(posting.account) == payer
            ):
                changes[asset] = changes.get(asset, 0) + posting.delta
        return {
            "signature": tx.signature,
            "operation": tx.operation,
            "payer": payer,
            "fate": tx.fate,
            "fee": tx.fee,
            # the schedule's priority fee of tx.operation, from the figures _begin copied
            "priority_fee": (
                priority_fee(tx.compute_unit_price, tx.compute_unit_limit) if tx.fee else 0
            ),
            "compute_units": tx.compute_units,
            "wallet_changes": changes,
        }


def _unix_micros(when: _dt.datetime) -> int | None:
    """Unix microseconds of ``when`` when its offset is fixed (UTC), else None: adding time to
    a datetime of a zone with daylight saving moves its wall clock, not a fixed offset."""
    if not isinstance(when.tzinfo, _dt.timezone):
        return None
    return (when - _UNIX_EPOCH) // _ONE_MICROSECOND


def pool_call(call: Callable[[], _T]) -> _T:
    """Run a pool method, translating pool errors into chain errors (pool state unchanged).

    Raises:
        SwapRejectedError: slippage or liquidity made the pool refuse.
        InvalidChainRequestError: any other pool refusal (bad range, amounts, ...).
    """
    try:
        return call()
    except (SlippageExceededError, InsufficientLiquidityError) as e:
        raise SwapRejectedError(str(e)) from e
    except PoolError as e:
        raise InvalidChainRequestError(str(e)) from e
