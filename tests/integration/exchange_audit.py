"""Compare what CEX executors report (read back from the store) with the paper exchange's own
ledger (its saved state: every order it ever took, every fill it made).

:func:`audit_exchange` returns every discrepancy as a sentence naming the executor, the order and
what each side holds:

- every order on the exchange was asked for by a place intent of the store (no order the store
  does not know), and each place intent made at most one order (its client order id);
- no order is left open on the exchange for an executor that ended;
- each order's fills on the exchange are the fills its executor counted, each once (same fill
  ids, same base amount, same fees).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from lpexec.app.paper_market import PaperMarkets
from lpexec.app.registry import CEX_TYPES, EXECUTOR_TYPES
from lpexec.core import PlaceOrder
from lpexec.core.store.port import Store, StoredExecutor
from lpexec.paper.exchange import Fill, Order

__all__ = ["CexView", "ExchangeLedger", "audit_exchange", "load_cex_executors"]

_CLASSES = {cls.config_class.type: cls for cls in EXECUTOR_TYPES}


@dataclass
class ExchangeLedger:
    """Every order and fill of the paper exchange (spot and perpetual), by client order id."""

    orders: dict[str, Order]
    fills: dict[str, list[Fill]]

    @classmethod
    def read(cls, markets: PaperMarkets) -> ExchangeLedger:
        orders: dict[str, Order] = {}
        fills: dict[str, list[Fill]] = defaultdict(list)
        for exchange in (markets.exchange, markets.perpetual):
            for order in exchange.all_orders():
                assert order.client_order_id not in orders, order.client_order_id
                orders[order.client_order_id] = order
            for fill in exchange.fills_since(0):
                fills[fill.client_order_id].append(fill)
        return cls(orders=orders, fills=dict(fills))

    @property
    def open_orders(self) -> list[Order]:
        return [order for order in self.orders.values() if order.is_open]


@dataclass
class CexView:
    """One CEX executor as the store has it: its record, its tracked orders, its place intents'
    client order ids."""

    record: StoredExecutor
    tracked: list[Any]
    placed: list[str]

    @property
    def id(self) -> str:
        return self.record.executor_id

    @property
    def ended(self) -> bool:
        return self.record.status.value == "TERMINATED"


def load_cex_executors(store: Store) -> list[CexView]:
    """Every CEX executor in the store, rebuilt from its stored config and snapshot."""
    records: list[StoredExecutor] = []
    while True:
        page = store.list_executors(limit=200, offset=len(records))
        records += page
        if len(page) < 200:
            break
    views = []
    for record in records:
        if record.type not in CEX_TYPES:
            continue
        cls = _CLASSES[record.type]
        executor = cls.restore(
            cls.config_class.model_validate(record.load_config()), record.load_snapshot()
        )
        state = executor.state
        tracked = [
            *getattr(state, "orders", []),
            *getattr(state, "open_orders", []),
            *getattr(state, "close_orders", []),
        ]
        placed = [
            intent.command.client_order_id
            for intent in store.intents_for(record.executor_id)
            if isinstance(intent.command, PlaceOrder)
        ]
        views.append(CexView(record=record, tracked=tracked, placed=placed))
    return sorted(views, key=lambda view: view.id)


def audit_exchange(ledger: ExchangeLedger, executors: list[CexView]) -> list[str]:
    """Every discrepancy between the CEX executors and the exchange's ledger (empty when they
    agree; see the module docstring)."""
    problems: list[str] = []
    owner: dict[str, str] = {}
    for view in executors:
        for client_order_id in view.placed:
            if client_order_id in owner:
                problems.append(
                    f"client order id {client_order_id} placed by {owner[client_order_id]} "
                    f"and {view.id}"
                )
            owner[client_order_id] = view.id
    for client_order_id, order in ledger.orders.items():
        if client_order_id not in owner:
            problems.append(
                f"exchange order {client_order_id} ({order.status.value}) is no intent's"
            )
    for view in executors:
        problems += _audit_one(ledger, view)
    return problems


def _audit_one(ledger: ExchangeLedger, view: CexView) -> list[str]:
    problems = []
    tracked = {order.client_order_id: order for order in view.tracked}
    for client_order_id in view.placed:
        order = ledger.orders.get(client_order_id)
        if order is not None and order.is_open and view.ended:
            problems.append(f"{view.id} ended with its order {client_order_id} open")
        mine = tracked.get(client_order_id)
        fills = ledger.fills.get(client_order_id, [])
        if mine is None:
            if fills:
                problems.append(
                    f"{view.id}: order {client_order_id} filled {len(fills)} time(s) on the "
                    f"exchange but the executor does not track it"
                )
            continue
        exchange_ids = sorted(str(fill.fill_id) for fill in fills)
        if sorted(mine.fill_ids) != exchange_ids or len(set(mine.fill_ids)) != len(mine.fill_ids):
            problems.append(
                f"{view.id}: order {client_order_id} counted fills {mine.fill_ids}, the exchange "
                f"made {exchange_ids}"
            )
        base = sum((fill.amount for fill in fills), Decimal(0))
        fees = sum((fill.fee for fill in fills), Decimal(0))
        if (mine.filled_base, mine.fees_quote) != (base, fees):
            problems.append(
                f"{view.id}: order {client_order_id} counted {mine.filled_base} base and "
                f"{mine.fees_quote} fees, the exchange filled {base} and charged {fees}"
            )
    return problems
