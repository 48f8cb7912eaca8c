"""Accounts on the paper chain: wallets, airdrops from outside the simulation, and pools
registered with what their vaults already hold (genesis postings)."""

from __future__ import annotations

from lpexec.paper.chain.costs import TOKEN_ACCOUNT_RENT_LAMPORTS
from lpexec.paper.chain.errors import InvalidChainRequestError
from lpexec.paper.chain.ledger import LAMPORTS, AccountKind, Cause, Posting
from lpexec.paper.chain.state import ChainState, PoolEntry
from lpexec.paper.chain.tokens import SOL_MINT
from lpexec.paper.pools import ClmmPool, DlmmPool

__all__ = ["AccountService"]


class AccountService:
    """Creates wallets, airdrops tokens and registers pools on a :class:`ChainState`."""

    __slots__ = ("_state",)

    def __init__(self, state: ChainState) -> None:
        self._state = state

    def create_wallet(self, label: str = "") -> str:
        """Create an empty wallet and return its address."""
        state = self._state
        address = state.keys.new_address()
        state.wallet_labels[address] = label
        state.ledger.open_account(address, AccountKind.WALLET, owner=address)
        return address

    def airdrop(self, owner: str, token: str, amount: int) -> None:
        """Credit ``amount`` base units of ``token`` to ``owner`` from outside the simulation.

        SOL is credited as native lamports; any other token lands in the owner's token account,
        opened (with its rent, also airdropped) when needed.

        Raises:
            InvalidChainRequestError: when ``amount`` is negative.
            UnknownTokenError: when ``token`` is not listed.
        """
        state = self._state
        if amount < 0:
            raise InvalidChainRequestError(f"Expected amount >= 0, received amount={amount}")
        mint = state.tokens.get(token).address
        if not state.ledger.has_account(owner):
            state.ledger.open_account(owner, AccountKind.WALLET, owner=owner)
        postings: list[Posting] = []
        if mint == SOL_MINT:
            postings.append(Posting(owner, LAMPORTS, amount, Cause.AIRDROP))
        else:
            account = state.open_token_account(owner, mint)
            if account not in state.token_accounts:
                rent = TOKEN_ACCOUNT_RENT_LAMPORTS
                postings.append(Posting(account, LAMPORTS, rent, Cause.AIRDROP))
            postings.append(Posting(account, mint, amount, Cause.AIRDROP))
        state.ledger.post(postings, slot=state.slot)
        if mint != SOL_MINT:
            state.token_accounts.add(state.token_account(owner, mint))

    def add_pool(self, pool: DlmmPool | ClmmPool, *, connector: str | None = None) -> PoolEntry:
        """Register ``pool`` and record what its vaults already hold as genesis supply.

        Args:
            pool: The pool; it may already hold liquidity (seeded through its own API).
            connector: Gateway connector serving it (default ``meteora`` for DLMM pools,
                ``raydium`` for CLMM pools).

        Raises:
            ValueError: when a pool with that address is already registered.
        """
        state = self._state
        if pool.address in state.pool_entries:
            raise ValueError(f"Expected a new pool address, received duplicate {pool.address}")
        name = connector or ("meteora" if isinstance(pool, DlmmPool) else "raydium")
        entry = PoolEntry(pool, name)
        self._register_pool_accounts(pool.address)
        protocol = pool.protocol_fees()
        lp_base = lp_quote = 0
        for position_id in pool.position_ids():
            fees = pool.claimable_fees(position_id)
            lp_base += fees.base_amount
            lp_quote += fees.quote_amount
        vault_base, vault_quote = pool.vault_balances()
        lp, protocol_account = (
            state.lp_fee_account(pool.address),
            state.protocol_fee_account(pool.address),
        )
        postings = [
            Posting(
                pool.address,
                pool.base_mint,
                vault_base - lp_base - protocol.base_amount,
                Cause.GENESIS,
            ),
            Posting(
                pool.address,
                pool.quote_mint,
                vault_quote - lp_quote - protocol.quote_amount,
                Cause.GENESIS,
            ),
            Posting(lp, pool.base_mint, lp_base, Cause.GENESIS),
            Posting(lp, pool.quote_mint, lp_quote, Cause.GENESIS),
            Posting(protocol_account, pool.base_mint, protocol.base_amount, Cause.GENESIS),
            Posting(protocol_account, pool.quote_mint, protocol.quote_amount, Cause.GENESIS),
        ]
        state.ledger.post(postings, slot=state.slot)
        state.pool_entries[pool.address] = entry
        return entry

    def _register_pool_accounts(self, address: str) -> None:
        state = self._state
        state.ledger.open_account(address, AccountKind.POOL_RESERVE, owner=address)
        state.ledger.open_account(
            state.lp_fee_account(address), AccountKind.POOL_LP_FEES, owner=address
        )
        state.ledger.open_account(
            state.protocol_fee_account(address), AccountKind.POOL_PROTOCOL_FEES, owner=address
        )
