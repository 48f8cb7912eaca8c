"""Short guides an agent reads before creating an executor: what each type is for, the fields a
create needs, and an example ``manage_executors`` call.

The guide is built from the type's config schema (:class:`~lpexec.app.service.ConfigSchema`),
so a new executor type gets one without changes here; the few examples below only add a
concrete call for the common types.
"""

from __future__ import annotations

from typing import Any

from lpexec.app.service import ConfigSchema

__all__ = ["guide_for"]

_EXAMPLES: dict[str, dict[str, Any]] = {
    "lp_executor": {
        "connector_name": "solana-mainnet-beta",
        "pool_address": "<the pool's address>",
        "trading_pair": "SOL-USDC",
        "lower_price": "176",
        "upper_price": "184",
        "base_amount": "0",
        "quote_amount": "20",
        "side": 1,
    },
    "order_executor": {
        "connector_name": "paper",
        "trading_pair": "SOL-USDT",
        "side": "BUY",
        "amount": "0.1",
        "execution_strategy": "LIMIT",
        "price": "150",
    },
}

_NOTES: dict[str, str] = {
    "lp_executor": "Amounts are in token units (quote_amount in the quote token); prices are "
    "quote per base. stop with keep_position=false closes the position and swaps back; "
    "keep_position=true leaves the position open and records it as held.",
    "order_executor": "On the paper exchange connector_name is 'paper' (spot) or "
    "'paper_perpetual'. A LIMIT order needs a price; MARKET does not.",
}


def guide_for(schema: ConfigSchema) -> dict[str, Any]:
    """A short guide to creating an executor of ``schema``'s type: its required and optional
    fields, an example ``manage_executors`` call, and the type's notes."""
    required = [field.name for field in schema.fields if field.required and field.name != "type"]
    optional = [field.name for field in schema.fields if not field.required]
    example_config = _EXAMPLES.get(schema.executor_type) or {name: "<value>" for name in required}
    guide: dict[str, Any] = {
        "summary": schema.description,
        "required_fields": required,
        "optional_fields": optional,
        "example": {
            "action": "create",
            "executor_type": schema.executor_type,
            "executor_config": example_config,
            "controller_id": "<your controller id (optional)>",
        },
        "next_steps": (
            "create returns the executor_id; follow it with action='search' and that "
            "executor_id, read its log with action='get_logs', end it with action='stop'."
        ),
    }
    note = _NOTES.get(schema.executor_type)
    if note is not None:
        guide["notes"] = note
    return guide
