"""The chain's self-check: the ledger against the pools' own books, to the base unit."""

from __future__ import annotations

from lpexec.paper.chain.ledger import LAMPORTS
from lpexec.paper.chain.state import ChainState, PoolEntry
from lpexec.paper.pools import DlmmPool

__all__ = ["audit_chain"]


def audit_chain(state: ChainState) -> list[str]:
    """Compare the ledger with the pools' own books; return every discrepancy found.

    Checks, to the base unit: each token's total equals the supply created; each pool's
    reserve + LP-fee + protocol-fee accounts equal its vaults; the protocol-fee account
    equals the pool's protocol fees; the LP-fee account equals the fees its positions can
    claim (DLMM) or covers them with rounding dust (CLMM); a DLMM reserve equals its bins;
    each open position account holds its rent.
    """
    problems: list[str] = []
    for token in sorted(state.ledger.tokens()):
        total, created = state.ledger.total(token), state.ledger.created(token)
        if total != created:
            problems.append(f"token {token}: ledger total {total} != created {created}")
    for entry in state.pool_entries.values():
        problems += _audit_pool(state, entry)
    for record in state.position_records.values():
        held = state.ledger.balance(record.address, LAMPORTS)
        expected = 0 if record.is_closed else record.rent
        if held != expected:
            problems.append(f"position {record.address}: holds {held} != rent {expected}")
    return problems


def _audit_pool(state: ChainState, entry: PoolEntry) -> list[str]:
    pool, problems = entry.pool, []
    address = pool.address
    mints = (pool.base_mint, pool.quote_mint)
    reserve, lp, protocol = (
        tuple(state.ledger.balance(account, mint) for mint in mints)
        for account in (
            address,
            state.lp_fee_account(address),
            state.protocol_fee_account(address),
        )
    )
    vault = pool.vault_balances()
    held = tuple(r + f + p for r, f, p in zip(reserve, lp, protocol, strict=True))
    if held != vault:
        problems.append(f"pool {address}: ledger holds {held} != vaults {vault}")
    fees = pool.protocol_fees()
    if protocol != (fees.base_amount, fees.quote_amount):
        problems.append(f"pool {address}: protocol fees {protocol} != pool {fees}")
    claimable = [pool.claimable_fees(p) for p in pool.position_ids()]
    owed = (sum(f.base_amount for f in claimable), sum(f.quote_amount for f in claimable))
    if isinstance(pool, DlmmPool):
        # DLMM splits every fee exactly among the bin's shares: no dust
        if lp != owed:
            problems.append(f"pool {address}: LP fees {lp} != owed to positions {owed}")
        if reserve != pool.reserves():
            problems.append(f"pool {address}: reserve {reserve} != bins {pool.reserves()}")
    elif any(held_fee < owed_fee for held_fee, owed_fee in zip(lp, owed, strict=True)):
        # CLMM fee growth rounds down per position: the dust stays in the LP-fee account
        problems.append(f"pool {address}: LP fees {lp} < owed to positions {owed}")
    return problems
