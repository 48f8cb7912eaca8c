"""Compare what LP executors report (read back from the store) with what the paper chain did.

The chain side is read from the chain's own records: every transaction the wallet paid for
(``chain.transactions()``) and the ledger's postings by cause (TX_FEE, RENT_LOCKED, RENT_SUNK,
RENT_REFUNDED), to the lamport. The executor side is the stored state of each executor (never the
live object) and its intents. :func:`audit` returns every discrepancy as a sentence naming the
executor, its state and evidence and the chain's transactions, so a failure says what went wrong.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from lpexec.core import Swap
from lpexec.core.store.port import Store, StoredExecutor, StoredIntent
from lpexec.lp import LPExecutor, LPExecutorConfig, LPExecutorState, LPState
from lpexec.paper.chain import PaperChain, Transaction
from lpexec.paper.chain.ledger import AccountKind, Cause

__all__ = ["ChainBook", "ExecutorView", "audit", "lamports", "load_executors"]

LAMPORTS_PER_SOL = Decimal(1_000_000_000)
SWAP_OPERATIONS = frozenset({"swap", "route"})
_TERMINAL = (LPState.COMPLETE, LPState.FAILED)
_SIGNATURE_IN_TEXT = re.compile(r"\b[1-9A-HJ-NP-Za-km-z]{80,90}\b")


def lamports(sol: Decimal) -> int:
    """An amount of SOL in lamports; it must be a whole number of them."""
    value = sol * LAMPORTS_PER_SOL
    if value != value.to_integral_value():
        raise AssertionError(f"{sol} SOL is not a whole number of lamports")
    return int(value)


def _short(tx: Transaction) -> str:
    state = "failed" if tx.error is not None else ("landed" if tx.landed else "dropped")
    return f"{tx.operation} {tx.signature[:12]} {state} fee={tx.fee} {tx.details}"


@dataclass
class ChainBook:
    """One wallet's transactions on the chain, indexed for the audit."""

    wallet: str
    transactions: list[Transaction]
    """Every transaction the wallet paid for, in sending order (dropped ones included)."""
    fee: dict[str, int] = field(default_factory=dict)
    """Lamports the ledger charged the wallet (TX_FEE), by signature."""
    rent_locked: dict[str, int] = field(default_factory=dict)
    """Lamports moved into position accounts (RENT_LOCKED), by signature."""
    rent_sunk: dict[str, int] = field(default_factory=dict)
    """Lamports the wallet sank into BinArrays (RENT_SUNK), by signature."""
    rent_refunded: dict[str, int] = field(default_factory=dict)
    """Lamports position accounts gave back (RENT_REFUNDED), by signature."""
    base_mint: str = ""

    @classmethod
    def read(cls, chain: PaperChain, wallet: str, *, base: str = "SOL") -> ChainBook:
        book = cls(
            wallet=wallet,
            transactions=[tx for tx in chain.transactions() if tx.payer == wallet],
            base_mint=chain.tokens.get(base).address,
        )
        mine = {tx.signature for tx in book.transactions}
        for entry in chain.ledger:
            signature = entry.signature
            if signature is None or signature not in mine:
                continue
            in_wallet = entry.kind is AccountKind.WALLET and entry.owner == wallet
            if entry.cause is Cause.TX_FEE and in_wallet:
                book.fee[signature] = book.fee.get(signature, 0) - entry.delta
            elif entry.cause is Cause.RENT_SUNK and in_wallet:
                book.rent_sunk[signature] = book.rent_sunk.get(signature, 0) - entry.delta
            elif entry.cause is Cause.RENT_LOCKED and entry.kind is AccountKind.POSITION:
                book.rent_locked[signature] = book.rent_locked.get(signature, 0) + entry.delta
            elif entry.cause is Cause.RENT_REFUNDED and entry.kind is AccountKind.POSITION:
                book.rent_refunded[signature] = book.rent_refunded.get(signature, 0) - entry.delta
        return book

    def succeeded(self, *operations: str) -> list[Transaction]:
        """Landed and succeeded transactions of these operations."""
        return [
            tx
            for tx in self.transactions
            if tx.operation in operations and tx.landed and tx.error is None
        ]

    def opens_by_position(self) -> dict[str, list[Transaction]]:
        found: dict[str, list[Transaction]] = defaultdict(list)
        for tx in self.succeeded("open"):
            found[tx.details["position"]].append(tx)
        return found

    def closes_by_position(self) -> dict[str, list[Transaction]]:
        found: dict[str, list[Transaction]] = defaultdict(list)
        for tx in self.succeeded("close"):
            found[tx.details["position"]].append(tx)
        return found

    def swap_leg(self, tx: Transaction) -> tuple[str, int]:
        """(side, base units) of a swap: SELL when base went in, BUY when it came out."""
        details = tx.details
        if details["token_in"] == self.base_mint:
            return "SELL", int(details["amount_in"])
        return "BUY", int(details["amount_out"])

    @property
    def fees_charged(self) -> int:
        """Every lamport of TX_FEE the wallet paid."""
        return sum(self.fee.values())


@dataclass
class ExecutorView:
    """One LP executor as the store has it."""

    record: StoredExecutor
    state: LPExecutorState
    intents: list[StoredIntent]

    @property
    def id(self) -> str:
        return self.record.executor_id

    @property
    def ended_reason(self) -> str:
        """Why it is stranded (engine or executor), or its failure reason."""
        return self.record.stranded_reason or self.state.failure_reason

    @property
    def stranded(self) -> bool:
        return bool(self.record.stranded_reason) or self.state.lp_state is LPState.STRANDED

    @property
    def terminal(self) -> bool:
        return not self.record.stranded_reason and self.state.lp_state in _TERMINAL

    def swap_legs(self) -> set[tuple[str, int]]:
        """(side, base units) of every swap-back it asked for."""
        legs = set()
        for intent in self.intents:
            command = intent.command
            if isinstance(command, Swap):
                legs.add((command.side, lamports(command.amount)))
        return legs

    def signatures(self) -> set[str]:
        """Every signature its state, its intents' evidence and outcomes and their errors name."""
        found = {self.state.open_signature, self.state.close_signature}
        for intent in self.intents:
            found.update(_SIGNATURE_IN_TEXT.findall(intent.error or ""))
            signature = intent.evidence.get("signature")
            if isinstance(signature, str):
                found.add(signature)
            for event in (intent.outcome or {}).get("events", ()) or ():
                data = event.get("data") if isinstance(event, dict) else None
                if isinstance(data, dict) and isinstance(data.get("signature"), str):
                    found.add(data["signature"])
        found.discard("")
        return found

    def describe(self) -> str:
        state = self.state
        intents = "; ".join(
            f"{type(i.command).__name__} {i.intent_id} {i.status} x{i.attempts} "
            f"error={i.error!r} evidence={i.evidence}"
            for i in self.intents
        )
        return (
            f"executor {self.id} ({state.lp_state.value}, stranded_from={state.stranded_from!r}, "
            f"reason={self.ended_reason!r}, position={state.position_address!r}, "
            f"open={state.open_signature[:12]!r}, close={state.close_signature[:12]!r}, "
            f"tx_fee={state.tx_fee}, rent={state.position_rent}, sunk={state.rent_sunk}, "
            f"refund={state.position_rent_refunded}, swap={state.swap_side} "
            f"{state.swap_base}) intents: {intents}"
        )


def load_executors(store: Store) -> list[ExecutorView]:
    """Every LP executor in the store, rebuilt from its stored config and snapshot."""
    records: list[StoredExecutor] = []
    while True:
        page = store.list_executors(executor_type="lp", limit=100, offset=len(records))
        records += page
        if len(page) < 100:
            break
    views = []
    for record in records:
        config = LPExecutorConfig.model_validate(record.load_config())
        executor = LPExecutor.restore(config, record.load_snapshot())
        views.append(ExecutorView(record, executor.state, store.intents_for(record.executor_id)))
    return sorted(views, key=lambda view: view.id)


def audit(book: ChainBook, executors: Iterable[ExecutorView], *, exclusive: bool) -> list[str]:
    """Every discrepancy between the executors and the chain (empty when they agree).

    Args:
        book: the wallet's transactions.
        executors: every executor that used the wallet.
        exclusive: True when the wallet's transactions are those executors' alone, so each
            executor's reported fees are compared with every fee the wallet paid (one executor)
            or their sum is (several).
    """
    views = list(executors)
    problems = [
        f"ledger charged {book.fee.get(tx.signature, 0)} for {_short(tx)}"
        for tx in book.transactions
        if book.fee.get(tx.signature, 0) != tx.fee
    ]
    for view in views:
        if not (view.terminal or view.stranded):
            problems.append(f"not ended: {view.describe()}")
        elif not view.terminal and not view.ended_reason:
            problems.append(f"stranded without a reason: {view.describe()}")
    problems += _audit_positions(book, views)
    problems += _audit_swaps(book, views)
    for view in views:
        if view.terminal:
            problems += _audit_costs(book, view)
    if exclusive:
        reported = sum(lamports(view.state.tx_fee) for view in views)
        if reported != book.fees_charged:
            problems.append(
                f"tx fees: executors report {reported} lamports, the chain charged "
                f"{book.fees_charged}; {_fee_diagnosis(book, views)}"
            )
    return problems


def _audit_positions(book: ChainBook, views: list[ExecutorView]) -> list[str]:
    problems: list[str] = []
    opens, closes = book.opens_by_position(), book.closes_by_position()
    owners: dict[str, list[str]] = defaultdict(list)
    for view in views:
        if view.state.position_address:
            owners[view.state.position_address].append(view.id)
    for position, ids in owners.items():
        if len(ids) > 1:
            problems.append(f"position {position} claimed by {ids}")
        if len(opens.get(position, ())) != 1:
            found = [_short(tx) for tx in opens.get(position, ())]
            problems.append(f"position {position} of {ids}: landed opens {found}")
    for position, txs in opens.items():
        if len(txs) > 1:
            problems.append(f"position {position} opened {len(txs)} times")
    for position, txs in closes.items():
        if len(txs) > 1:
            problems.append(f"position {position} closed {len(txs)} times: {txs}")
    orphans = sorted(set(opens) - set(owners))
    unsettled = [
        view
        for view in views
        if view.stranded and not view.state.position_address and view.state.open_command_id
    ]
    if len(orphans) > len(unsettled):
        details = [_short(opens[p][0]) for p in orphans]
        problems.append(
            f"{len(orphans)} landed opens belong to no executor (double open), only "
            f"{len(unsettled)} executors stranded before knowing their open: {details}; "
            + " | ".join(view.describe() for view in unsettled)
        )
    return problems


def _audit_swaps(book: ChainBook, views: list[ExecutorView]) -> list[str]:
    problems: list[str] = []
    by_leg: dict[tuple[str, int], list[ExecutorView]] = defaultdict(list)
    for view in views:
        for leg in view.swap_legs():
            by_leg[leg].append(view)
    landed: dict[tuple[str, int], list[Transaction]] = defaultdict(list)
    for tx in book.succeeded(*SWAP_OPERATIONS):
        leg = book.swap_leg(tx)
        landed[leg].append(tx)
        if leg not in by_leg:
            problems.append(f"swap {_short(tx)} matches no swap intent")
    for leg, txs in landed.items():
        askers = by_leg.get(leg, [])
        if askers and len(txs) > len(askers):
            problems.append(
                f"swap {leg} landed {len(txs)} times for {len(askers)} executor(s): "
                f"{[_short(tx) for tx in txs]}; " + " | ".join(v.describe() for v in askers)
            )
    for view in views:
        state = view.state
        if not view.terminal or state.lp_state is not LPState.COMPLETE or not state.swap_side:
            continue
        leg = (state.swap_side, lamports(state.swap_base))
        if leg not in landed:
            problems.append(f"swap-back {leg} is not on chain: {view.describe()}")
    return problems


def _audit_costs(book: ChainBook, view: ExecutorView) -> list[str]:
    """Rent, BinArray rent, refund and signatures of a terminal executor, to the lamport."""
    state = view.state
    problems: list[str] = []
    opens, closes = book.opens_by_position(), book.closes_by_position()
    position = state.position_address
    open_txs, close_txs = opens.get(position, []), closes.get(position, [])
    expected: dict[str, Any] = {
        "open_signature": open_txs[0].signature if open_txs else "",
        "close_signature": close_txs[0].signature if close_txs else "",
        "position_rent": sum(book.rent_locked.get(tx.signature, 0) for tx in open_txs),
        "rent_sunk": sum(book.rent_sunk.get(tx.signature, 0) for tx in open_txs),
        "position_rent_refunded": sum(book.rent_refunded.get(tx.signature, 0) for tx in close_txs),
    }
    reported: dict[str, Any] = {
        "open_signature": state.open_signature,
        "close_signature": state.close_signature,
        "position_rent": lamports(state.position_rent),
        "rent_sunk": lamports(state.rent_sunk),
        "position_rent_refunded": lamports(state.position_rent_refunded),
    }
    for name, value in expected.items():
        if reported[name] != value:
            problems.append(
                f"{name}: reported {reported[name]!r}, chain {value!r}: {view.describe()}; "
                f"chain: {[_short(tx) for tx in open_txs + close_txs]}"
            )
    return problems


def _fee_diagnosis(book: ChainBook, views: list[ExecutorView]) -> str:
    """Which executors' fees differ from those of the transactions their intents name, and
    which paid transactions no executor names."""
    named: dict[str, str] = {}
    notes = []
    for view in views:
        mine = view.signatures()
        for signature in mine:
            named[signature] = view.id
        charged = sum(book.fee.get(signature, 0) for signature in mine)
        reported = lamports(view.state.tx_fee)
        if charged != reported:
            txs = [_short(tx) for tx in book.transactions if tx.signature in mine]
            notes.append(
                f"{view.id} reports {reported}, its named transactions cost {charged}: "
                f"{view.describe()}; chain: {txs}"
            )
    unnamed = [
        _short(tx)
        for tx in book.transactions
        if book.fee.get(tx.signature) and tx.signature not in named
    ]
    return f"paid transactions named by no executor: {unnamed}; " + " | ".join(notes)
