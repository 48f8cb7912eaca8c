"""Order-book (CEX) executors, pure: the order executor, its states and config.

The exchange adapters (ccxt, the paper exchange) are not part of this package.

Example:
    ```python
    from decimal import Decimal
    from lpexec.cex import OrderExecutorConfig

    config = OrderExecutorConfig(
        trading_pair="SOL-USDT", connector_name="binance", side="BUY",
        amount=Decimal("2"), execution_strategy="LIMIT", price=Decimal("150"),
    )
    info = await engine.create(config)  # an engine with OrderExecutor and an ExchangeVenue
    ```
"""

from __future__ import annotations

from lpexec.cex.order import (
    ORDER_STATUS,
    ORDER_TRANSITIONS,
    ExecutionStrategy,
    OrderDetails,
    OrderExecutor,
    OrderExecutorConfig,
    OrderExecutorState,
    OrderFill,
    OrderState,
    OrderTrigger,
    client_order_id_for,
)

__all__ = [
    "ORDER_STATUS",
    "ORDER_TRANSITIONS",
    "ExecutionStrategy",
    "OrderDetails",
    "OrderExecutor",
    "OrderExecutorConfig",
    "OrderExecutorState",
    "OrderFill",
    "OrderState",
    "OrderTrigger",
    "client_order_id_for",
]
