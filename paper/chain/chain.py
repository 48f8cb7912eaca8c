"""``PaperChain``: a simulated Solana chain with wallets, pools, positions, fees, rent and faults.

Example:
    >>> from paper.chain import SimulatedClock, PaperChain
    >>> chain = PaperChain(clock=SimulatedClock(), seed=1)
    >>> wallet = chain.create_wallet("demo")
    >>> chain.airdrop(wallet, "SOL", 10 * 10**9)
    >>> chain.balance(wallet, "SOL")
    10000000000
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from lpexec.core.clock import Clock
from lpexec.paper.chain.core import PoolEntry
from lpexec.paper.chain.costs import FeeSchedule, OperationBudget
from lpexec.paper.chain.faults import FaultPlan
from lpexec.paper.chain.ledger import LAMPORTS, AccountKind, Cause, Ledger, Posting
from lpexec.paper.chain.liquidity import LiquidityOperations
from lpexec.paper.chain.positions import PositionRecord
from lpexec.paper.chain.tokens import Token, TokenList
from lpexec.paper.chain.trading import TradingOperations
from lpexec.paper.chain.transactions import Transaction
from lpexec.paper.pools import ClmmPool, DlmmPool, pool_from_dict

__all__ = ["STATE_VERSION", "PaperChain"]

STATE_VERSION = 1


class PaperChain(LiquidityOperations, TradingOperations):
    """A simulated Solana chain.

    Args:
        clock: Source of time (``now() -> datetime``); slots are 400 ms of it.
        tokens: The token list (default: SOL, USDC, USDT, JUP, BONK, mSOL, JitoSOL, WIF, RAY).
        seed: Seed of addresses, signatures and fault decisions.
        confirmation_slots: Slots between landing and reading as confirmed.
        fee_schedule: Compute-unit price and per-operation budgets.
        faults: A :class:`FaultPlan` or a fault spec string (see :mod:`paper.chain.faults`).
        genesis_slot: Slot number at the clock's time of creation.
        genesis_time: Clock time of ``genesis_slot`` (default: ``clock.now()``).
    """

    # -- pools --------------------------------------------------------------------------------

    def add_pool(self, pool: DlmmPool | ClmmPool, *, connector: str | None = None) -> PoolEntry:
        """Register ``pool`` and record what its vaults already hold as genesis supply.

        Args:
            pool: The pool; it may already hold liquidity (seeded through its own API).
            connector: Gateway connector serving it (default ``meteora`` for DLMM pools,
                ``raydium`` for CLMM pools).

        Raises:
            ValueError: when a pool with that address is already registered.
        """
        if pool.address in self._pools:
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
            self.lp_fee_account(pool.address),
            self.protocol_fee_account(pool.address),
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
        self.ledger.post(postings, slot=self.slot)
        self._pools[pool.address] = entry
        return entry

    def _register_pool_accounts(self, address: str) -> None:
        self.ledger.open_account(address, AccountKind.POOL_RESERVE, owner=address)
        self.ledger.open_account(
            self.lp_fee_account(address), AccountKind.POOL_LP_FEES, owner=address
        )
        self.ledger.open_account(
            self.protocol_fee_account(address), AccountKind.POOL_PROTOCOL_FEES, owner=address
        )

    # -- audit --------------------------------------------------------------------------------

    def audit(self) -> list[str]:
        """Compare the ledger with the pools' own books; return every discrepancy found.

        Checks, to the base unit: each token's total equals the supply created; each pool's
        reserve + LP-fee + protocol-fee accounts equal its vaults; the protocol-fee account
        equals the pool's protocol fees; the LP-fee account equals the fees its positions can
        claim (DLMM) or covers them with rounding dust (CLMM); a DLMM reserve equals its bins;
        each open position account holds its rent.
        """
        problems: list[str] = []
        for token in sorted(self.ledger.tokens()):
            total, created = self.ledger.total(token), self.ledger.created(token)
            if total != created:
                problems.append(f"token {token}: ledger total {total} != created {created}")
        for entry in self._pools.values():
            problems += self._audit_pool(entry)
        for record in self._positions.values():
            held = self.ledger.balance(record.address, LAMPORTS)
            expected = 0 if record.is_closed else record.rent
            if held != expected:
                problems.append(f"position {record.address}: holds {held} != rent {expected}")
        return problems

    def _audit_pool(self, entry: PoolEntry) -> list[str]:
        pool, problems = entry.pool, []
        address = pool.address
        mints = (pool.base_mint, pool.quote_mint)
        reserve, lp, protocol = (
            tuple(self.ledger.balance(account, mint) for mint in mints)
            for account in (
                address,
                self.lp_fee_account(address),
                self.protocol_fee_account(address),
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

    # -- persistence --------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """Return the whole chain state as JSON-safe data."""
        return {
            "version": STATE_VERSION,
            "seed": self.seed,
            "confirmation_slots": self.confirmation_slots,
            "genesis_slot": self._genesis_slot,
            "genesis_time": self._genesis_time.isoformat(),
            "last_slot": self._last_slot,
            "fee_schedule": {
                "compute_unit_price": self.fee_schedule.compute_unit_price,
                "budgets": {
                    name: [b.signatures, b.compute_units]
                    for name, b in self.fee_schedule.budgets.items()
                },
            },
            "tokens": [[t.symbol, t.name, t.address, t.decimals, t.chain_id] for t in self.tokens],
            "wallets": dict(self._wallets),
            "token_accounts": sorted(self._token_accounts),
            "pools": [
                {"connector": e.connector, "state": e.pool.to_dict()} for e in self._pools.values()
            ],
            "positions": [r.to_dict() for r in self._positions.values()],
            "transactions": [t.to_dict() for t in self._transactions.values()],
            "ledger": self.ledger.to_dict(),
            "keys": self.keys.get_state(),
            "faults": self.faults.get_state(),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any], *, clock: Clock) -> PaperChain:
        """Rebuild a chain saved by :meth:`to_dict`, running on ``clock``.

        Raises:
            ValueError: when the state was written by another state version.
        """
        if data.get("version") != STATE_VERSION:
            raise ValueError(
                f"Expected paper chain state version {STATE_VERSION}, "
                f"received {data.get('version')!r}"
            )
        schedule = data["fee_schedule"]
        chain = cls(
            clock=clock,
            tokens=TokenList(Token(*t) for t in data["tokens"]),
            seed=data["seed"],
            confirmation_slots=data["confirmation_slots"],
            fee_schedule=FeeSchedule(
                compute_unit_price=schedule["compute_unit_price"],
                budgets={n: OperationBudget(*b) for n, b in schedule["budgets"].items()},
            ),
            faults=FaultPlan.from_state(data["faults"]),
            genesis_slot=data["genesis_slot"],
            genesis_time=_dt.datetime.fromisoformat(data["genesis_time"]),
        )
        chain._last_slot = data["last_slot"]
        chain.ledger = Ledger.from_dict(data["ledger"])
        chain._wallets = dict(data["wallets"])
        chain._token_accounts = set(data["token_accounts"])
        for saved in data["pools"]:
            pool = pool_from_dict(saved["state"])
            chain._pools[pool.address] = PoolEntry(pool, saved["connector"])
        for raw in data["positions"]:
            record = PositionRecord.from_dict(raw)
            chain._positions[record.address] = record
        for raw in data["transactions"]:
            chain._record(Transaction.from_dict(raw))
        chain.keys.set_state(data["keys"])
        return chain

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the chain state to ``path`` as JSON (atomically: temp file then rename)."""
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        payload = json.dumps(self.to_dict(), separators=(",", ":"))
        fd, temp = tempfile.mkstemp(prefix=target.name, suffix=".tmp", dir=target.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(payload)
            os.replace(temp, target)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise

    @classmethod
    def load(cls, path: str | os.PathLike[str], *, clock: Clock) -> PaperChain:
        """Read a chain saved by :meth:`save`.

        Raises:
            FileNotFoundError: when ``path`` does not exist.
            ValueError: when the file is not a paper chain state of this version.
        """
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
        return cls.from_dict(data, clock=clock)
