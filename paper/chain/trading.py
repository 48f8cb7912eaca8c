"""Swaps on the paper chain: one pool, a routed path over pools, SOL wrapping, market moves.

Every swap posts the trader's input split into the net amount (``swap``) and the pool fee
(``pool_fee``); the pool side credits its reserve with the net amount, its LP-fee account with
the LP part (``lp_fee``) and its protocol account with the rest (``protocol_fee``), so fees
paid by swappers equal fees credited to LPs plus protocol, to the unit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import partial

from lpexec.paper.chain.costs import TOKEN_ACCOUNT_RENT_LAMPORTS
from lpexec.paper.chain.errors import (
    InvalidChainRequestError,
    RouteNotFoundError,
    SwapRejectedError,
)
from lpexec.paper.chain.ledger import LAMPORTS, Cause, Posting
from lpexec.paper.chain.receipts import SwapReceipt, WrapReceipt
from lpexec.paper.chain.sending import TransactionSender, pool_call
from lpexec.paper.chain.state import MARKET, ChainState, Pool
from lpexec.paper.chain.tokens import SOL_MINT
from lpexec.paper.chain.transactions import TxFate
from lpexec.paper.pools import DlmmPool, MoveResult, PoolError, SwapResult
from lpexec.paper.router import NoRouteFoundError, RoutePlan, Router

__all__ = ["Hop", "TradingService"]

_LABELS = {"meteora": "Meteora DLMM", "raydium": "Raydium CLMM", "orca": "Whirlpool"}


@dataclass(frozen=True, slots=True)
class Hop:
    """One leg of a routed swap: pay ``token_in`` (a mint) into the pool at ``pool_address``."""

    pool_address: str
    token_in: str


class TradingService:
    """Swaps, routed swaps, wrap/unwrap and market moves over a :class:`ChainState`."""

    __slots__ = ("_sender", "_state")

    def __init__(self, state: ChainState, sender: TransactionSender) -> None:
        self._state = state
        self._sender = sender

    def quote_swap(
        self,
        pool_address: str,
        *,
        token_in: str,
        amount: int,
        exact_out: bool = False,
    ) -> SwapResult:
        """Return what :meth:`swap` would fill now, without changing anything.

        Raises:
            PoolNotFoundError: unknown pool.
            InvalidChainRequestError: the token is not one of the pool's, or the amount is not
                positive.
        """
        return self.quote_route(
            [Hop(pool_address, self._mint(token_in))], amount=amount, exact_out=exact_out
        )[0]

    def quote_route(
        self,
        hops: Sequence[Hop],
        *,
        amount: int,
        exact_out: bool = False,
    ) -> list[SwapResult]:
        """Quote every leg of a route (``amount`` in the first token, or out of the last).

        A leg that cannot be filled comes back with ``complete=False``.
        """
        if amount <= 0:
            raise InvalidChainRequestError(f"Expected amount > 0, received amount={amount}")
        if not hops:
            raise InvalidChainRequestError("Expected at least one hop, received none")
        pools = [self._hop_pool(hop) for hop in hops]
        now = self._state.unix_time
        fills: list[SwapResult] = []
        if not exact_out:
            carry = amount
            for hop, pool in zip(hops, pools, strict=True):
                fill = pool.quote(hop.token_in, carry, timestamp=now)
                fills.append(fill)
                carry = fill.amount_out
            return fills
        carry = amount
        for hop, pool in zip(reversed(hops), reversed(pools), strict=True):
            fill = pool.quote(hop.token_in, carry, exact_out=True, timestamp=now)
            fills.append(fill)
            carry = fill.amount_in
        return list(reversed(fills))

    def best_route(
        self,
        token_in: str,
        token_out: str,
        amount: int,
        *,
        exact_out: bool = False,
        max_hops: int = 2,
    ) -> RoutePlan:
        """Return the best route over the chain's pools (Jupiter-like, at most two hops).

        Raises:
            RouteNotFoundError: no pool or pair of pools can fill the amount.
            InvalidChainRequestError: unknown tokens, same token twice, amount not positive.
        """
        mint_in, mint_out = self._mint(token_in), self._mint(token_out)
        router = Router()
        for entry in self._state.pool_entries.values():
            router.add_pool(entry.pool, _LABELS.get(entry.connector, entry.connector))
        try:
            return router.quote(
                mint_in,
                mint_out,
                amount,
                exact_out=exact_out,
                max_hops=max_hops,
                timestamp=self._state.unix_time,
            )
        except NoRouteFoundError as e:
            raise RouteNotFoundError(str(e)) from e
        except PoolError as e:
            raise InvalidChainRequestError(str(e)) from e

    def swap(
        self,
        owner: str,
        pool_address: str,
        *,
        token_in: str,
        amount: int,
        exact_out: bool = False,
        min_amount_out: int | None = None,
        max_amount_in: int | None = None,
        fate: TxFate = TxFate.LAND,
    ) -> SwapReceipt:
        """Swap on one pool (``amount`` in, or out with ``exact_out``).

        Raises:
            SwapRejectedError: the fill is short or outside the limits (nothing sent).
            InvalidChainRequestError: bad token or amount, or the wallet cannot pay
                (InsufficientFundsError).
        """
        hops = [Hop(pool_address, self._mint(token_in))]
        return self._swap(
            "swap", owner, hops, amount, exact_out, min_amount_out, max_amount_in, fate
        )

    def route_swap(
        self,
        owner: str,
        hops: Sequence[Hop],
        *,
        amount: int,
        exact_out: bool = False,
        min_amount_out: int | None = None,
        max_amount_in: int | None = None,
        fate: TxFate = TxFate.LAND,
    ) -> SwapReceipt:
        """Swap along ``hops`` in one transaction (a Jupiter-style routed swap).

        Raises:
            SwapRejectedError, InvalidChainRequestError: as :meth:`swap`.
        """
        return self._swap(
            "route", owner, list(hops), amount, exact_out, min_amount_out, max_amount_in, fate
        )

    def _swap(
        self,
        operation: str,
        owner: str,
        hops: list[Hop],
        amount: int,
        exact_out: bool,
        min_amount_out: int | None,
        max_amount_in: int | None,
        fate: TxFate,
    ) -> SwapReceipt:
        quotes = self.quote_route(hops, amount=amount, exact_out=exact_out)
        if not all(q.complete for q in quotes):
            raise SwapRejectedError(
                f"Insufficient liquidity: the pools cannot fill {amount} base units "
                f"({'exact out' if exact_out else 'exact in'})"
            )
        token_in, token_out = quotes[0].token_in, quotes[-1].token_out
        amount_in, amount_out = quotes[0].amount_in, quotes[-1].amount_out
        _check_limits(amount_in, amount_out, min_amount_out, max_amount_in)
        tx = self._sender.begin(operation, owner, fate)
        needs_account = self._state.needs_token_account(owner, token_out)
        holding_in = self._state.wallet_holding(owner, token_in)
        lamports_needed = tx.fee + (TOKEN_ACCOUNT_RENT_LAMPORTS if needs_account else 0)
        needs = {(owner, LAMPORTS): lamports_needed}
        needs[holding_in] = needs.get(holding_in, 0) + amount_in
        self._state.require_funds(owner, needs)
        if tx.fate is not TxFate.LAND:  # it names the route's pools and the wallet's accounts
            group = self._sender.finish_unsuccessful(
                tx,
                [hop.pool_address for hop in hops],
                [
                    (self._state.token_account(owner, mint), mint)
                    for mint in (token_in, token_out)
                    if mint != SOL_MINT
                ],
            )
            return SwapReceipt(
                **self._sender.receipt_fields(tx, group),
                token_in=token_in,
                token_out=token_out,
                amount_in=0,
                amount_out=0,
                pool_fee=0,
            )
        fills = self._execute_hops(hops, quotes, amount, exact_out)
        postings: list[Posting] = []
        new_accounts: list[str] = []
        account_in, asset_in = holding_in
        first = fills[0]
        postings.append(
            Posting(account_in, asset_in, -(first.amount_in - first.fee_total), Cause.SWAP)
        )
        postings.append(Posting(account_in, asset_in, -first.fee_total, Cause.POOL_FEE))
        for fill in fills:
            postings += self._pool_side(fill, counterparty=None)
        rent = self._sender.receive(
            owner, token_out, fills[-1].amount_out, Cause.SWAP, postings, new_accounts
        )
        tx.details = {
            "pools": [f.pool_address for f in fills],
            "token_in": token_in,
            "token_out": token_out,
            "amount_in": first.amount_in,
            "amount_out": fills[-1].amount_out,
            "pool_fee": first.fee_total,
        }
        group = self._sender.commit(tx, postings, new_accounts)
        return SwapReceipt(
            **self._sender.receipt_fields(tx, group),
            token_in=token_in,
            token_out=token_out,
            amount_in=first.amount_in,
            amount_out=fills[-1].amount_out,
            pool_fee=first.fee_total,
            fills=tuple(fills),
            token_account_rent=rent,
        )

    def _execute_hops(
        self, hops: list[Hop], quotes: list[SwapResult], amount: int, exact_out: bool
    ) -> list[SwapResult]:
        now = self._state.unix_time
        fills: list[SwapResult] = []
        carry = amount
        for hop, quote in zip(hops, quotes, strict=True):
            pool = self._hop_pool(hop)
            if exact_out:
                call = partial(
                    pool.swap,
                    hop.token_in,
                    quote.amount_out,
                    exact_out=True,
                    max_amount_in=quote.amount_in,
                    timestamp=now,
                )
            else:
                call = partial(pool.swap, hop.token_in, carry, timestamp=now)
            fill = pool_call(call)
            fills.append(fill)
            carry = fill.amount_out
        for before, after in zip(fills, fills[1:], strict=False):
            if before.amount_out != after.amount_in:
                raise SwapRejectedError(
                    f"Expected hop output {before.amount_out} to equal the next hop's input, "
                    f"received {after.amount_in}"
                )
        return fills

    def _pool_side(self, fill: SwapResult, *, counterparty: str | None) -> list[Posting]:
        """Postings of one fill on the pool's side (and the counterparty's, if given).

        Intermediate hops of a route have no wallet side: the previous pool's output is the
        next pool's input, so the previous ``-amount_out`` and this ``+amount_in`` meet.
        """
        pool = fill.pool_address
        net = fill.amount_in - fill.fee_total
        postings = [
            Posting(pool, fill.token_in, net, Cause.SWAP),
            Posting(self._state.lp_fee_account(pool), fill.token_in, fill.lp_fee, Cause.LP_FEE),
            Posting(
                self._state.protocol_fee_account(pool),
                fill.token_in,
                fill.protocol_fee,
                Cause.PROTOCOL_FEE,
            ),
            Posting(pool, fill.token_out, -fill.amount_out, Cause.SWAP),
        ]
        if counterparty is not None:
            postings += [
                Posting(counterparty, fill.token_in, -net, Cause.MARKET),
                Posting(counterparty, fill.token_in, -fill.fee_total, Cause.POOL_FEE),
                Posting(counterparty, fill.token_out, fill.amount_out, Cause.MARKET),
            ]
        return postings

    # -- SOL wrapping -------------------------------------------------------------------------

    def wrap(self, owner: str, amount: int, *, fate: TxFate = TxFate.LAND) -> WrapReceipt:
        """Move ``amount`` lamports into the owner's wrapped-SOL token account.

        Opens the account first (0.00203928 SOL of refundable rent) when it is not open.

        Raises:
            InvalidChainRequestError: amount not positive, or not enough SOL
                (InsufficientFundsError).
        """
        if amount <= 0:
            raise InvalidChainRequestError(f"Expected amount > 0, received amount={amount}")
        tx = self._sender.begin("wrap", owner, fate)
        account = self._state.token_account(owner, SOL_MINT)
        rent = TOKEN_ACCOUNT_RENT_LAMPORTS if account not in self._state.token_accounts else 0
        self._state.require_funds(owner, {(owner, LAMPORTS): amount + rent + tx.fee})
        if tx.fate is not TxFate.LAND:
            group = self._sender.finish_unsuccessful(tx)
            return WrapReceipt(
                **self._sender.receipt_fields(tx, group), amount=0, wrapped_address=account
            )
        self._state.open_token_account(owner, SOL_MINT)
        postings = [
            Posting(owner, LAMPORTS, -amount, Cause.WRAP),
            Posting(account, SOL_MINT, amount, Cause.WRAP),
        ]
        if rent:
            postings += [
                Posting(owner, LAMPORTS, -rent, Cause.RENT_LOCKED),
                Posting(account, LAMPORTS, rent, Cause.RENT_LOCKED),
            ]
        tx.details = {"amount": amount, "wrapped_address": account, "rent": rent}
        group = self._sender.commit(tx, postings, [account])
        return WrapReceipt(
            **self._sender.receipt_fields(tx, group),
            amount=amount,
            wrapped_address=account,
            token_account_rent=rent,
        )

    def unwrap(self, owner: str, *, fate: TxFate = TxFate.LAND) -> WrapReceipt:
        """Close the owner's wrapped-SOL account: all of it and its rent return as native SOL.

        Raises:
            InvalidChainRequestError: the account is not open, or the fee cannot be paid.
        """
        account = self._state.token_account(owner, SOL_MINT)
        self._state.require_wallet(owner)
        if account not in self._state.token_accounts:
            raise InvalidChainRequestError(
                f"Expected an open wrapped-SOL account for {owner}, found none"
            )
        tx = self._sender.begin("unwrap", owner, fate)
        if tx.fate is not TxFate.LAND:
            group = self._sender.finish_unsuccessful(tx)
            return WrapReceipt(
                **self._sender.receipt_fields(tx, group), amount=0, wrapped_address=account
            )
        amount = self._state.ledger.balance(account, SOL_MINT)
        rent = self._state.ledger.balance(account, LAMPORTS)
        postings = [
            Posting(account, SOL_MINT, -amount, Cause.UNWRAP),
            Posting(owner, LAMPORTS, amount, Cause.UNWRAP),
            Posting(account, LAMPORTS, -rent, Cause.RENT_REFUNDED),
            Posting(owner, LAMPORTS, rent, Cause.RENT_REFUNDED),
        ]
        tx.details = {"amount": amount, "wrapped_address": account, "rent_refunded": rent}
        group = self._sender.commit(tx, postings)
        self._state.token_accounts.discard(account)
        return WrapReceipt(
            **self._sender.receipt_fields(tx, group),
            amount=amount,
            wrapped_address=account,
            token_account_rent=rent,
        )

    # -- the outside market -------------------------------------------------------------------

    def move_pool_to_price(
        self,
        pool_address: str,
        price: Decimal,
        volume: int = 0,
    ) -> MoveResult:
        """Let the outside market swap a pool to ``price`` and trade ``volume`` quote units.

        This is how price paths drive paper pools; fees the market pays accrue to LPs.
        """
        pool = self._state.pool(pool_address)
        moved = pool_call(
            lambda: pool.move_to_price(price, volume, timestamp=self._state.unix_time)
        )
        postings: list[Posting] = []
        for fill in moved.swaps:
            postings += self._pool_side(fill, counterparty=MARKET)
        self._state.ledger.post(postings, slot=self._state.slot)
        return moved

    def replay_bars(
        self,
        pool_address: str,
        target_bin_ids: Sequence[int],
        volumes: Sequence[int],
        timestamps: Sequence[int],
    ) -> MoveResult:
        """Let the outside market replay price bars on a DLMM pool (the backtest market).

        The market's net flows of the bars (principal at bin prices, and the quote fees split
        between the LPs' fee account and the protocol's) join one ledger group with those of
        the replays that follow, posted when the ledger is next used (see :attr:`ledger`).
        """
        pool = self._state.pool(pool_address)
        if not isinstance(pool, DlmmPool):
            raise InvalidChainRequestError(
                f"Expected a DLMM pool for bar replay, received {pool_address}"
            )
        moved = pool.replay_bars(target_bin_ids, volumes, timestamps)
        protocol = moved.protocol_fee or 0
        base, quote = pool.base_mint, pool.quote_mint
        principal_quote = moved.quote_in - moved.quote_fee - moved.quote_out
        principal_base = moved.base_in - moved.base_out
        lp_fee = moved.quote_fee - protocol
        flows = (
            (pool_address, base, principal_base, Cause.SWAP),
            (pool_address, quote, principal_quote, Cause.SWAP),
            (self._state.lp_fee_account(pool_address), quote, lp_fee, Cause.LP_FEE),
            (self._state.protocol_fee_account(pool_address), quote, protocol, Cause.PROTOCOL_FEE),
            (MARKET, base, -principal_base, Cause.MARKET),
            (MARKET, quote, -principal_quote, Cause.MARKET),
            (MARKET, quote, -moved.quote_fee, Cause.POOL_FEE),
        )
        pending = self._state.market_flows
        for account, asset, delta, cause in flows:
            if delta:
                key = (account, asset, cause)
                pending[key] = pending.get(key, 0) + delta
        return moved

    # -- helpers ------------------------------------------------------------------------------

    def _mint(self, token: str) -> str:
        return self._state.tokens.get(token).address

    def _hop_pool(self, hop: Hop) -> Pool:
        pool = self._state.pool(hop.pool_address)
        if hop.token_in not in (pool.base_mint, pool.quote_mint):
            raise InvalidChainRequestError(
                f"Expected token_in to be {pool.base_mint} or {pool.quote_mint} for pool "
                f"{pool.address}, received {hop.token_in}"
            )
        return pool


def _check_limits(
    amount_in: int, amount_out: int, min_amount_out: int | None, max_amount_in: int | None
) -> None:
    if min_amount_out is not None and amount_out < min_amount_out:
        raise SwapRejectedError(
            f"Slippage tolerance exceeded: output {amount_out} is below the minimum "
            f"{min_amount_out} (base units)"
        )
    if max_amount_in is not None and amount_in > max_amount_in:
        raise SwapRejectedError(
            f"Slippage tolerance exceeded: input {amount_in} is above the maximum "
            f"{max_amount_in} (base units)"
        )
