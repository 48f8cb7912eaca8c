"""LP operations on the paper chain: open, add, remove, collect, close (DLMM and CLMM pools).

Each operation simulates first (bad input or missing funds raise before anything is sent),
then sends a transaction whose fate may be forced by fault injection: a dropped transaction
changes nothing, a failed one only pays its fee.
"""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

from lpexec.paper.chain.costs import (
    BIN_ARRAY_RENT_LAMPORTS,
    CLMM_POSITION_RENT_LAMPORTS,
    MAX_POSITION_BINS,
    TOKEN_ACCOUNT_RENT_LAMPORTS,
    bin_array_indexes,
    position_rent,
)
from lpexec.paper.chain.errors import InvalidChainRequestError, NotOwnerError
from lpexec.paper.chain.ledger import LAMPORTS, AccountKind, Cause, Posting, make_posting
from lpexec.paper.chain.positions import PositionRecord
from lpexec.paper.chain.receipts import (
    CloseReceipt,
    CollectReceipt,
    LiquidityReceipt,
    OpenReceipt,
)
from lpexec.paper.chain.sending import TransactionSender, pool_call
from lpexec.paper.chain.state import ChainState, Pool, PoolEntry
from lpexec.paper.chain.transactions import Transaction, TxFate
from lpexec.paper.pools import ClmmPool, DepositResult, DlmmPool, FeeAmounts, Strategy

__all__ = ["LiquidityService"]


class LiquidityService:
    """Position operations (open, add, remove, collect, close) over a :class:`ChainState`."""

    __slots__ = ("_sender", "_state")

    def __init__(self, state: ChainState, sender: TransactionSender) -> None:
        self._state = state
        self._sender = sender

    def open_position(
        self,
        owner: str,
        pool_address: str,
        *,
        lower: int,
        upper: int,
        base_amount: int = 0,
        quote_amount: int = 0,
        strategy: Strategy = Strategy.SPOT,
        fate: TxFate = TxFate.LAND,
    ) -> OpenReceipt:
        """Open a position over ``[lower, upper]`` and deposit raw amounts.

        DLMM: bin ids, both inclusive, at most 1,400 bins; pays the position rent
        (0.05740608 SOL up to 70 bins + 0.00077952 SOL per extra bin, refundable) and the rent
        of every BinArray the range initializes (0.07143744 SOL each, sunk). CLMM: ticks
        ``[lower, upper)``; pays 0.0100572 SOL of refundable rent.

        Raises:
            PoolNotFoundError, WalletNotFoundError: unknown addresses.
            InvalidChainRequestError: bad range or amounts (also InsufficientFundsError).
        """
        entry = self._state.pool_entry(pool_address)
        _check_amounts(base_amount=base_amount, quote_amount=quote_amount)
        tx = self._sender.begin("open", owner, fate)
        rent, arrays = self._open_costs(entry, lower, upper)
        array_rent = len(arrays) * BIN_ARRAY_RENT_LAMPORTS
        pool = entry.pool
        needs = self._deposit_needs(owner, pool, base_amount, quote_amount)
        needs[(owner, LAMPORTS)] = needs.get((owner, LAMPORTS), 0) + tx.fee + rent + array_rent
        self._state.require_funds(owner, needs)
        address = self._state.keys.new_address()

        def deposit(target: Pool) -> DepositResult:
            return _deposit(target, address, lower, upper, base_amount, quote_amount, strategy)

        if tx.fate is not TxFate.LAND:
            pool_call(lambda: deposit(copy.deepcopy(pool)))
            group = self._sender.finish_unsuccessful(tx, (address, pool_address))
            return OpenReceipt(
                **self._sender.receipt_fields(tx, group),
                position_address=address,
                pool_address=pool_address,
                lower=lower,
                upper=upper,
                position_rent=0,
                bin_array_rent=0,
            )
        result = pool_call(lambda: deposit(pool))
        initialized = tuple(result.bin_arrays_initialized) if entry.kind == "dlmm" else ()
        self._state.ledger.open_account(address, AccountKind.POSITION, owner=owner)
        postings = self._deposit_postings(owner, pool, result.base_amount, result.quote_amount)
        postings += [
            make_posting(owner, LAMPORTS, -rent, Cause.RENT_LOCKED),
            make_posting(address, LAMPORTS, rent, Cause.RENT_LOCKED),
        ]
        for index in initialized:
            account = self._state.bin_array_account(pool_address, index)
            self._state.ledger.open_account(account, AccountKind.BIN_ARRAY, owner=pool_address)
            postings.append(
                make_posting(owner, LAMPORTS, -BIN_ARRAY_RENT_LAMPORTS, Cause.RENT_SUNK)
            )
            postings.append(
                make_posting(account, LAMPORTS, BIN_ARRAY_RENT_LAMPORTS, Cause.RENT_SUNK)
            )
        tx.details = {
            "position": address,
            "pool": pool_address,
            "lower": lower,
            "upper": upper,
            "base_amount": result.base_amount,
            "quote_amount": result.quote_amount,
            "position_rent": rent,
            "bin_arrays": list(initialized),
        }
        group = self._sender.commit(tx, postings)
        self._state.position_records[address] = PositionRecord(
            address=address,
            owner=owner,
            pool_address=pool_address,
            kind=entry.kind,
            lower=lower,
            upper=upper,
            rent=rent,
            opened_signature=tx.signature,
            opened_slot=tx.slot,
        )
        return OpenReceipt(
            **self._sender.receipt_fields(tx, group),
            position_address=address,
            pool_address=pool_address,
            lower=lower,
            upper=upper,
            position_rent=rent,
            bin_array_rent=len(initialized) * BIN_ARRAY_RENT_LAMPORTS,
            bin_arrays_initialized=initialized,
            base_amount=result.base_amount,
            quote_amount=result.quote_amount,
            deposit=result,
        )

    def add_liquidity(
        self,
        owner: str,
        position_address: str,
        *,
        base_amount: int = 0,
        quote_amount: int = 0,
        strategy: Strategy = Strategy.SPOT,
        fate: TxFate = TxFate.LAND,
    ) -> LiquidityReceipt:
        """Deposit more raw amounts into an open position (same range).

        Raises:
            PositionClosedError, PositionNotFoundError: the position is not open.
            NotOwnerError: ``owner`` does not own it.
            InvalidChainRequestError: bad amounts (also InsufficientFundsError).
        """
        record = self._owned(owner, position_address)
        _check_amounts(base_amount=base_amount, quote_amount=quote_amount)
        if base_amount == 0 and quote_amount == 0:
            raise InvalidChainRequestError(
                "Expected base_amount > 0 or quote_amount > 0, received both 0"
            )
        tx = self._sender.begin("add", owner, fate)
        pool = self._state.pool(record.pool_address)
        needs = self._deposit_needs(owner, pool, base_amount, quote_amount)
        needs[(owner, LAMPORTS)] = needs.get((owner, LAMPORTS), 0) + tx.fee
        self._state.require_funds(owner, needs)

        def deposit(target: Pool) -> DepositResult:
            return _deposit(
                target,
                record.address,
                record.lower,
                record.upper,
                base_amount,
                quote_amount,
                strategy,
            )

        if tx.fate is not TxFate.LAND:
            pool_call(lambda: deposit(copy.deepcopy(pool)))
            return self._liquidity_receipt(tx, self._failed(tx, record), record, 0, 0)
        result = pool_call(lambda: deposit(pool))
        postings = self._deposit_postings(owner, pool, result.base_amount, result.quote_amount)
        tx.details = {
            "position": record.address,
            "base_amount": result.base_amount,
            "quote_amount": result.quote_amount,
        }
        group = self._sender.commit(tx, postings, named=(record.address, record.pool_address))
        return self._liquidity_receipt(tx, group, record, result.base_amount, result.quote_amount)

    def remove_liquidity(
        self,
        owner: str,
        position_address: str,
        *,
        fraction: Decimal = Decimal(1),
        fate: TxFate = TxFate.LAND,
    ) -> LiquidityReceipt:
        """Withdraw ``fraction`` (0 < fraction <= 1) of a position's liquidity; fees stay.

        The position stays open (and keeps its rent) even when 100 % is removed.

        Raises:
            PositionClosedError, PositionNotFoundError, NotOwnerError, InvalidChainRequestError.
        """
        record = self._owned(owner, position_address)
        if not Decimal(0) < fraction <= Decimal(1):
            raise InvalidChainRequestError(
                f"Expected 0 < fraction <= 1, received fraction={fraction}"
            )
        tx, pool = self._begin_payout("remove", owner, record, fate)
        if tx.fate is not TxFate.LAND:
            pool_call(lambda: copy.deepcopy(pool).remove_liquidity(record.address, fraction))
            return self._liquidity_receipt(tx, self._failed(tx, record), record, 0, 0)
        result = pool_call(lambda: pool.remove_liquidity(record.address, fraction))
        postings, new_accounts = self._payout_postings(
            owner,
            pool,
            result.base_amount,
            result.quote_amount,
            Cause.WITHDRAW,
            source=pool.address,
        )
        tx.details = {
            "position": record.address,
            "fraction": str(fraction),
            "base_amount": result.base_amount,
            "quote_amount": result.quote_amount,
        }
        group = self._sender.commit(
            tx, postings, new_accounts, named=(record.address, record.pool_address)
        )
        return self._liquidity_receipt(tx, group, record, result.base_amount, result.quote_amount)

    def collect_fees(
        self,
        owner: str,
        position_address: str,
        *,
        fate: TxFate = TxFate.LAND,
    ) -> CollectReceipt:
        """Claim a position's unclaimed fees to its owner.

        Raises:
            PositionClosedError, PositionNotFoundError, NotOwnerError, InsufficientFundsError.
        """
        record = self._owned(owner, position_address)
        tx, pool = self._begin_payout("collect", owner, record, fate)
        if tx.fate is not TxFate.LAND:
            group = self._failed(tx, record)
            return CollectReceipt(
                **self._receipt_fields(tx, group, record),
                base_fee=0,
                quote_fee=0,
            )
        fees = pool_call(lambda: pool.claim_fees(record.address))
        postings, new_accounts = self._fee_postings(owner, pool, fees, [])
        tx.details = {
            "position": record.address,
            "base_fee": fees.base_amount,
            "quote_fee": fees.quote_amount,
        }
        group = self._sender.commit(
            tx, postings, new_accounts, named=(record.address, record.pool_address)
        )
        return CollectReceipt(
            **self._receipt_fields(tx, group, record),
            base_fee=fees.base_amount,
            quote_fee=fees.quote_amount,
        )

    def close_position(
        self,
        owner: str,
        position_address: str,
        *,
        fate: TxFate = TxFate.LAND,
    ) -> CloseReceipt:
        """Withdraw everything, claim the fees, close the account and refund its rent.

        Raises:
            PositionClosedError, PositionNotFoundError, NotOwnerError, InsufficientFundsError.
        """
        record = self._owned(owner, position_address)
        tx, pool = self._begin_payout("close", owner, record, fate)
        if tx.fate is not TxFate.LAND:
            group = self._failed(tx, record)
            return CloseReceipt(
                **self._receipt_fields(tx, group, record),
                base_amount=0,
                quote_amount=0,
                base_fee=0,
                quote_fee=0,
                rent_refunded=0,
            )
        closed = pool_call(lambda: pool.close_position(record.address))
        withdrawn, fees = closed.withdrawn, closed.fees
        postings, new_accounts = self._payout_postings(
            owner,
            pool,
            withdrawn.base_amount,
            withdrawn.quote_amount,
            Cause.WITHDRAW,
            source=pool.address,
        )
        more, _ = self._fee_postings(owner, pool, fees, new_accounts)
        postings += more
        rent = self._state.ledger.balance(record.address, LAMPORTS)
        postings += [
            make_posting(record.address, LAMPORTS, -rent, Cause.RENT_REFUNDED),
            make_posting(owner, LAMPORTS, rent, Cause.RENT_REFUNDED),
        ]
        tx.details = {
            "position": record.address,
            "base_amount": withdrawn.base_amount,
            "quote_amount": withdrawn.quote_amount,
            "base_fee": fees.base_amount,
            "quote_fee": fees.quote_amount,
            "rent_refunded": rent,
        }
        group = self._sender.commit(tx, postings, new_accounts)
        record.closed_signature = tx.signature
        record.closed_slot = tx.slot
        return CloseReceipt(
            **self._receipt_fields(tx, group, record),
            base_amount=withdrawn.base_amount,
            quote_amount=withdrawn.quote_amount,
            base_fee=fees.base_amount,
            quote_fee=fees.quote_amount,
            rent_refunded=rent,
        )

    # -- helpers ------------------------------------------------------------------------------

    def _failed(self, tx: Transaction, record: PositionRecord) -> list[Posting]:
        """Record a failed (or dropped) write on ``record``'s position and pool."""
        return self._sender.finish_unsuccessful(tx, (record.address, record.pool_address))

    def _owned(self, owner: str, position_address: str) -> PositionRecord:
        self._state.require_wallet(owner)
        record = self._state.position_record(position_address)
        if record.owner != owner:
            raise NotOwnerError(
                f"Expected position {position_address} to be owned by {owner}, "
                f"received owner {record.owner}"
            )
        return record

    def _begin_payout(
        self, operation: str, owner: str, record: PositionRecord, fate: TxFate
    ) -> tuple[Transaction, Pool]:
        # A write that pays the owner out: the fee and the rent of any token account it opens.
        tx = self._sender.begin(operation, owner, fate)
        pool = self._state.pool(record.pool_address)
        self._state.require_funds(
            owner, {(owner, LAMPORTS): tx.fee + self._rent_to_receive(owner, pool)}
        )
        return tx, pool

    def _open_costs(self, entry: PoolEntry, lower: int, upper: int) -> tuple[int, tuple[int, ...]]:
        if lower > upper:
            raise InvalidChainRequestError(
                f"Expected lower <= upper, received lower={lower} upper={upper}"
            )
        if entry.kind == "clmm":
            return CLMM_POSITION_RENT_LAMPORTS, ()
        width = upper - lower + 1
        if width > MAX_POSITION_BINS:
            raise InvalidChainRequestError(
                f"Expected a position of at most {MAX_POSITION_BINS} bins, received {width} bins "
                f"(lower={lower} upper={upper})"
            )
        pool = entry.pool
        assert isinstance(pool, DlmmPool)
        initialized = pool.initialized_bin_arrays
        arrays = tuple(
            index for index in bin_array_indexes(lower, upper) if index not in initialized
        )
        return position_rent(width), arrays

    def _deposit_needs(
        self, owner: str, pool: Pool, base_amount: int, quote_amount: int
    ) -> dict[tuple[str, str], int]:
        needs: dict[tuple[str, str], int] = {}
        for mint, amount in ((pool.base_mint, base_amount), (pool.quote_mint, quote_amount)):
            if amount:
                holding = self._state.wallet_holding(owner, mint)
                needs[holding] = needs.get(holding, 0) + amount
        return needs

    def _deposit_postings(
        self, owner: str, pool: Pool, base_amount: int, quote_amount: int
    ) -> list[Posting]:
        postings = []
        for mint, amount in ((pool.base_mint, base_amount), (pool.quote_mint, quote_amount)):
            if amount:
                account, asset = self._state.wallet_holding(owner, mint)
                postings.append(make_posting(account, asset, -amount, Cause.DEPOSIT))
                postings.append(make_posting(pool.address, mint, amount, Cause.DEPOSIT))
        return postings

    def _rent_to_receive(self, owner: str, pool: Pool) -> int:
        missing = sum(
            self._state.needs_token_account(owner, mint)
            for mint in (pool.base_mint, pool.quote_mint)
        )
        return missing * TOKEN_ACCOUNT_RENT_LAMPORTS

    def _payout_postings(
        self,
        owner: str,
        pool: Pool,
        base_amount: int,
        quote_amount: int,
        cause: Cause,
        *,
        source: str,
        new_accounts: list[str] | None = None,
    ) -> tuple[list[Posting], list[str]]:
        postings: list[Posting] = []
        opened = new_accounts if new_accounts is not None else []
        for mint, amount in ((pool.base_mint, base_amount), (pool.quote_mint, quote_amount)):
            if amount:
                postings.append(make_posting(source, mint, -amount, cause))
                self._sender.receive(owner, mint, amount, cause, postings, opened)
        return postings, opened

    def _fee_postings(
        self, owner: str, pool: Pool, fees: FeeAmounts, new_accounts: list[str]
    ) -> tuple[list[Posting], list[str]]:
        return self._payout_postings(
            owner,
            pool,
            fees.base_amount,
            fees.quote_amount,
            Cause.FEE_CLAIM,
            source=self._state.lp_fee_account(pool.address),
            new_accounts=new_accounts,
        )

    def _receipt_fields(
        self, tx: Transaction, group: list[Posting], record: PositionRecord
    ) -> dict[str, Any]:
        # The fields every receipt of a write to an existing position carries.
        return {**self._sender.receipt_fields(tx, group), "position_address": record.address}

    def _liquidity_receipt(
        self,
        tx: Transaction,
        group: list[Posting],
        record: PositionRecord,
        base_amount: int,
        quote_amount: int,
    ) -> LiquidityReceipt:
        return LiquidityReceipt(
            **self._receipt_fields(tx, group, record),
            base_amount=base_amount,
            quote_amount=quote_amount,
        )


def _check_amounts(*, base_amount: int, quote_amount: int) -> None:
    if base_amount < 0 or quote_amount < 0:
        raise InvalidChainRequestError(
            "Expected base_amount >= 0 and quote_amount >= 0, received "
            f"base_amount={base_amount} quote_amount={quote_amount}"
        )


def _deposit(
    pool: Pool,
    position_id: str,
    lower: int,
    upper: int,
    base_amount: int,
    quote_amount: int,
    strategy: Strategy,
) -> DepositResult:
    if isinstance(pool, ClmmPool):
        return pool.add_liquidity(position_id, lower, upper, base_amount, quote_amount)
    if base_amount == 0 and quote_amount == 0:
        opened = pool.open_position(position_id, lower, upper)
        return DepositResult(
            position_id, 0, 0, 0, bin_arrays_initialized=opened.bin_arrays_initialized
        )
    return pool.add_liquidity(position_id, lower, upper, base_amount, quote_amount, strategy)
