"""What a CEX executor that holds its position hands on: Hummingbot's held order records (its
``held_position_orders`` keys) and the held-positions ledger's fills, one per order that filled.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from lpexec.cex.tracking import TrackedOrder
from lpexec.core import HeldFill, HeldPositionKey
from lpexec.core.trade import Side

__all__ = ["held_fills_of", "held_order_records"]


def held_order_records(filled: Sequence[tuple[TrackedOrder, Side]]) -> list[dict[str, Any]]:
    """Hummingbot's held order record of each ``(order, side)`` (its keys)."""
    return [
        {
            "client_order_id": order.client_order_id,
            "trade_type": side,
            "executed_amount_base": order.filled_base,
            "executed_amount_quote": order.filled_quote,
            "cumulative_fee_paid_quote": order.fees_quote,
            "position": order.position_action,
            "order_type": order.order_type,
        }
        for order, side in filled
    ]


def held_fills_of(
    key: HeldPositionKey,
    executor_id: str,
    ts: dt.datetime,
    filled: Sequence[tuple[TrackedOrder, Side]],
) -> list[tuple[HeldPositionKey, HeldFill]]:
    """One ledger fill per ``(order, side)`` under ``key`` (the order's client id is the fill
    id, so handing the same orders over twice counts them once)."""
    return [
        (
            key,
            HeldFill(
                fill_id=order.client_order_id,
                executor_id=executor_id,
                side=side,
                base_amount=order.filled_base,
                quote_amount=order.filled_quote,
                fee_quote=order.fees_quote,
                ts=ts,
            ),
        )
        for order, side in filled
    ]
