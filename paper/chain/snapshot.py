"""The chain state's plain-dict (JSON-safe) form, versioned (:data:`STATE_VERSION`)."""

from __future__ import annotations

import datetime as _dt
from typing import Any

from lpexec.core.clock import Clock
from lpexec.paper.chain.costs import FeeSchedule, OperationBudget
from lpexec.paper.chain.faults import FaultPlan
from lpexec.paper.chain.ledger import Ledger
from lpexec.paper.chain.positions import PositionRecord
from lpexec.paper.chain.state import ChainState, PoolEntry
from lpexec.paper.chain.tokens import Token, TokenList
from lpexec.paper.chain.transactions import Transaction
from lpexec.paper.pools import pool_from_dict

__all__ = ["STATE_VERSION", "chain_state_from_dict", "chain_state_to_dict"]

STATE_VERSION = 1


def chain_state_to_dict(state: ChainState) -> dict[str, Any]:
    """Return the whole chain state as JSON-safe data."""
    return {
        "version": STATE_VERSION,
        "seed": state.seed,
        "confirmation_slots": state.confirmation_slots,
        "genesis_slot": state.genesis_slot,
        "genesis_time": state.genesis_time.isoformat(),
        "last_slot": state.last_slot,
        "fee_schedule": {
            "compute_unit_price": state.fee_schedule.compute_unit_price,
            "budgets": {
                name: [b.signatures, b.compute_units]
                for name, b in state.fee_schedule.budgets.items()
            },
        },
        "tokens": [[t.symbol, t.name, t.address, t.decimals, t.chain_id] for t in state.tokens],
        "wallets": dict(state.wallet_labels),
        "token_accounts": sorted(state.token_accounts),
        "pools": [
            {"connector": e.connector, "state": e.pool.to_dict()}
            for e in state.pool_entries.values()
        ],
        "positions": [r.to_dict() for r in state.position_records.values()],
        "transactions": [t.to_dict() for t in state.sent_transactions.values()],
        "ledger": state.ledger.to_dict(),
        "keys": state.keys.get_state(),
        "faults": state.faults.get_state(),
    }


def chain_state_from_dict(data: dict[str, Any], *, clock: Clock) -> ChainState:
    """Rebuild a chain state saved by :func:`chain_state_to_dict`, running on ``clock``.

    Raises:
        ValueError: when the state was written by another state version.
    """
    if data.get("version") != STATE_VERSION:
        raise ValueError(
            f"Expected paper chain state version {STATE_VERSION}, received {data.get('version')!r}"
        )
    schedule = data["fee_schedule"]
    state = ChainState(
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
    state.last_slot = data["last_slot"]
    state.ledger = Ledger.from_dict(data["ledger"])
    state.wallet_labels = dict(data["wallets"])
    state.token_accounts = set(data["token_accounts"])
    for saved in data["pools"]:
        pool = pool_from_dict(saved["state"])
        state.pool_entries[pool.address] = PoolEntry(pool, saved["connector"])
    for raw in data["positions"]:
        record = PositionRecord.from_dict(raw)
        state.position_records[record.address] = record
    for raw in data["transactions"]:
        state.record_transaction(Transaction.from_dict(raw))
    state.keys.set_state(data["keys"])
    return state
