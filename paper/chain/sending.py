"""Sending transactions on the paper chain: begin (fee and fate), post the balance changes
with the network fee in one ledger group, record the transaction and build receipts.

Every operation (:mod:`~paper.chain.liquidity`, :mod:`~paper.chain.trading`) checks that the
payer can afford everything, changes the pool, then commits through :class:`TransactionSender`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from lpexec.paper.chain.costs import TOKEN_ACCOUNT_RENT_LAMPORTS, priority_fee
from lpexec.paper.chain.errors import InvalidChainRequestError, SwapRejectedError
from lpexec.paper.chain.ledger import LAMPORTS, AccountKind, Cause, Posting, make_posting
from lpexec.paper.chain.records import record_builder
from lpexec.paper.chain.state import FEE_SINK, ChainState
from lpexec.paper.chain.transactions import TokenBalance, Transaction, TxFate
from lpexec.paper.pools import InsufficientLiquidityError, PoolError, SlippageExceededError

__all__ = ["TransactionSender", "pool_call"]

_FAILED_ERROR = {"InstructionError": [2, {"Custom": 6001}]}
_make_token_balance = record_builder(TokenBalance)
_T = TypeVar("_T")


class TransactionSender:
    """Begins, commits and records the chain's transactions over a :class:`ChainState`."""

    __slots__ = ("_state",)

    def __init__(self, state: ChainState) -> None:
        self._state = state

    def receive(
        self,
        owner: str,
        mint: str,
        amount: int,
        cause: Cause,
        postings: list[Posting],
        new_accounts: list[str],
    ) -> int:
        """Append postings paying ``amount`` of ``mint`` to ``owner``; return rent locked."""
        account, asset = self._state.wallet_holding(owner, mint)
        rent = 0
        if (
            asset != LAMPORTS
            and account not in self._state.token_accounts
            and account not in new_accounts
        ):
            self._state.open_token_account(owner, mint)
            rent = TOKEN_ACCOUNT_RENT_LAMPORTS
            postings.append(make_posting(owner, LAMPORTS, -rent, Cause.RENT_LOCKED))
            postings.append(make_posting(account, LAMPORTS, rent, Cause.RENT_LOCKED))
            new_accounts.append(account)
        postings.append(make_posting(account, asset, amount, cause))
        return rent

    def begin(self, operation: str, payer: str, fate: TxFate) -> Transaction:
        self._state.require_wallet(payer)
        schedule = self._state.fee_schedule
        budget = schedule.budget(operation)
        slot = self._state.slot
        fee = schedule.fee(operation)
        self._state.require_funds(payer, {(payer, LAMPORTS): fee})
        return Transaction(
            signature=self._state.keys.new_signature(),
            operation=operation,
            payer=payer,
            slot=slot,
            block_time=self._state.block_time(slot),
            confirmation_slot=slot + self._state.confirmation_slots,
            fate=fate,
            fee=0 if fate is TxFate.DROP else fee,
            signatures=budget.signatures,
            compute_units=budget.compute_units,
            compute_unit_limit=budget.compute_unit_limit,
            compute_unit_price=schedule.compute_unit_price,
        )

    def finish_unsuccessful(
        self,
        tx: Transaction,
        accounts: Iterable[str] = (),
        token_accounts: Iterable[tuple[str, str]] = (),
    ) -> list[Posting]:
        """Record a dropped or failed transaction (a failed one pays its fee). A failed one lists
        ``accounts`` (those its instructions named: a new position, which also signed an open,
        then the pool) among its account keys, as the chain does, although nothing in them
        changed; and ``token_accounts`` (account, mint) too, with their unchanged balances in
        its token balances."""
        if tx.fate is TxFate.DROP:
            tx.logs = ["Transaction dropped before landing (paper fault)"]
            self._state.record_transaction(tx)
            return []
        tx.error = _FAILED_ERROR
        tx.logs = [f"Program log: {tx.operation} failed on chain (paper fault)"]
        return self.commit(tx, [], named=accounts, named_tokens=token_accounts)

    def commit(
        self,
        tx: Transaction,
        postings: list[Posting],
        new_token_accounts: Iterable[str] = (),
        *,
        named: Iterable[str] = (),
        named_tokens: Iterable[tuple[str, str]] = (),
    ) -> list[Posting]:
        """Post the fee and ``postings`` as one group; capture pre/post balances on ``tx``
        (``named`` accounts are listed right after the payer, ``named_tokens`` (account, mint)
        last with their token balances, all unchanged)."""
        group = [
            make_posting(tx.payer, LAMPORTS, -tx.fee, Cause.TX_FEE),
            make_posting(FEE_SINK, LAMPORTS, tx.fee, Cause.TX_FEE),
            *postings,
        ]
        ledger = self._state.ledger
        before = ledger.snapshot([(posting.account, posting.asset) for posting in group])
        ledger.post(group, slot=tx.slot, signature=tx.signature)
        self._state.token_accounts.update(new_token_accounts)
        self.fill_balances(tx, before, ledger.snapshot(before))
        self._name_accounts(tx, named)
        self._name_token_accounts(tx, named_tokens)
        if not tx.logs:
            tx.logs = [f"Program log: {tx.operation}"]
        self._state.record_transaction(tx)
        return group

    def _name_token_accounts(
        self, tx: Transaction, token_accounts: Iterable[tuple[str, str]]
    ) -> None:
        """List open token accounts (account, mint) a failed transaction named, unchanged."""
        ledger = self._state.ledger
        for account, mint in token_accounts:
            if account not in self._state.token_accounts:
                continue  # never opened: a failed transaction does not open it either
            if account not in tx.account_keys:
                lamports = ledger.balance(account, LAMPORTS)
                tx.account_keys.append(account)
                tx.pre_balances.append(lamports)
                tx.post_balances.append(lamports)
            balance = TokenBalance(
                account_index=tx.account_keys.index(account),
                mint=mint,
                owner=ledger.owner(account) or tx.payer,
                amount=ledger.balance(account, mint),
                decimals=self._state.token_for_mint(mint).decimals,
            )
            tx.pre_token_balances.append(balance)
            tx.post_token_balances.append(balance)

    def _name_accounts(self, tx: Transaction, accounts: Iterable[str]) -> None:
        extra = [a for a in dict.fromkeys(accounts) if a not in tx.account_keys]
        if not extra:
            return
        lamports = [self._state.ledger.balance(account, LAMPORTS) for account in extra]
        tx.account_keys[1:1] = extra
        tx.pre_balances[1:1] = lamports
        tx.post_balances[1:1] = lamports
        shift = len(extra)
        for balances in (tx.pre_token_balances, tx.post_token_balances):
            balances[:] = [
                dataclasses.replace(b, account_index=b.account_index + shift) for b in balances
            ]

    def fill_balances(
        self,
        tx: Transaction,
        before: dict[tuple[str, str], int],
        after: dict[tuple[str, str], int],
    ) -> None:
        """Fill ``tx``'s account keys and balances from the touched (account, asset) pairs
        (``before``'s keys, in first-posted order) and their balances around the posting."""
        ledger = self._state.ledger
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
                decimals = decimals_of[asset] = self._state.token_for_mint(asset).decimals
            pre_tokens.append(_make_token_balance(index, asset, owner, before[pair], decimals))
            post_tokens.append(_make_token_balance(index, asset, owner, after[pair], decimals))
        tx.account_keys = keys
        tx.pre_balances = pre_balances
        tx.post_balances = post_balances

    def receipt_fields(self, tx: Transaction, group: list[Posting]) -> dict[str, Any]:
        payer = tx.payer
        kind, owner = self._state.ledger.kind, self._state.ledger.owner
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
