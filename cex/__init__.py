"""Order-book (CEX) executors, pure: order, position (triple barrier), grid, DCA and TWAP, with
their configs; and the cross-venue ones, XEMM and arbitrage, over two markets (an order book and
another order book or a DEX swap venue).

The exchange adapters (ccxt, the paper exchange) are not part of this package: the executors
talk to an :class:`~lpexec.core.ports.ExchangeVenue` through commands, and hear about their
orders through outcome events and the order poller (:class:`~lpexec.core.OrderPoller`).

Example:
    ```python
    from decimal import Decimal
    from lpexec.cex import OrderExecutorConfig, PositionExecutorConfig

    order = OrderExecutorConfig(
        trading_pair="SOL-USDT", connector_name="binance", side="BUY",
        amount=Decimal("2"), execution_strategy="LIMIT", price=Decimal("150"),
    )
    grid = GridExecutorConfig(
        trading_pair="SOL-USDT", connector_name="binance", start_price=Decimal("140"),
        end_price=Decimal("160"), limit_price=Decimal("130"), total_amount_quote=Decimal("1000"),
        triple_barrier_config={"take_profit": "0.005"},
    )
    position = PositionExecutorConfig(
        trading_pair="SOL-USDT", connector_name="binance", side="BUY", amount=Decimal("1"),
        triple_barrier_config={"take_profit": "0.02", "stop_loss": "0.01", "time_limit": 3600},
    )
    info = await engine.create(order)  # an engine with these types and an ExchangeVenue
    ```
"""

from __future__ import annotations

from lpexec.cex.arbitrage import (
    ARBITRAGE_STATUS,
    ARBITRAGE_TRANSITIONS,
    ArbitrageDetails,
    ArbitrageExecutor,
    ArbitrageExecutorConfig,
    ArbitrageExecutorState,
    ArbitrageState,
    ArbitrageTrigger,
)
from lpexec.cex.chaser import LimitChaserConfig, TopOfBookUpdated
from lpexec.cex.cross_market import ConnectorPair, LegQuoteUpdated
from lpexec.cex.dca import (
    DCA_STATUS,
    DCA_TRANSITIONS,
    DCADetails,
    DCAExecutor,
    DCAExecutorConfig,
    DCAExecutorState,
    DCAState,
    DCATrigger,
)
from lpexec.cex.grid import (
    GRID_STATUS,
    GRID_TRANSITIONS,
    GridExecutor,
    GridExecutorState,
    GridState,
    GridTrigger,
)
from lpexec.cex.grid_config import (
    GridDetails,
    GridExecutorConfig,
    GridTrailingStop,
    GridTripleBarrierConfig,
)
from lpexec.cex.grid_levels import GridLevel, GridPlan, LevelState, generate_levels
from lpexec.cex.messages import FundingPaid
from lpexec.cex.order import (
    ORDER_STATUS,
    ORDER_TRANSITIONS,
    OrderExecutor,
    OrderExecutorState,
    OrderFill,
    OrderState,
    OrderTrigger,
)
from lpexec.cex.order_config import (
    HUMMINGBOT_IGNORED_FIELDS,
    ExecutionStrategy,
    OrderDetails,
    OrderExecutorConfig,
)
from lpexec.cex.position import (
    POSITION_STATUS,
    POSITION_TRANSITIONS,
    PositionExecutor,
    PositionExecutorState,
    PositionState,
    PositionTrigger,
)
from lpexec.cex.position_config import (
    PositionDetails,
    PositionExecutorConfig,
    TrailingStop,
    TripleBarrierConfig,
)
from lpexec.cex.tracking import OrderPhase, TrackedOrder, client_order_id_for
from lpexec.cex.twap import (
    TWAP_STATUS,
    TWAP_TRANSITIONS,
    TWAPDetails,
    TWAPExecutor,
    TWAPExecutorConfig,
    TWAPExecutorState,
    TWAPState,
    TWAPTrigger,
)
from lpexec.cex.xemm import (
    XEMM_STATUS,
    XEMM_TRANSITIONS,
    XEMMDetails,
    XEMMExecutor,
    XEMMExecutorConfig,
    XEMMExecutorState,
    XEMMState,
    XEMMTrigger,
)

__all__ = [
    "ARBITRAGE_STATUS",
    "ARBITRAGE_TRANSITIONS",
    "DCA_STATUS",
    "DCA_TRANSITIONS",
    "GRID_STATUS",
    "GRID_TRANSITIONS",
    "HUMMINGBOT_IGNORED_FIELDS",
    "ORDER_STATUS",
    "ORDER_TRANSITIONS",
    "POSITION_STATUS",
    "POSITION_TRANSITIONS",
    "TWAP_STATUS",
    "TWAP_TRANSITIONS",
    "XEMM_STATUS",
    "XEMM_TRANSITIONS",
    "ArbitrageDetails",
    "ArbitrageExecutor",
    "ArbitrageExecutorConfig",
    "ArbitrageExecutorState",
    "ArbitrageState",
    "ArbitrageTrigger",
    "ConnectorPair",
    "DCADetails",
    "DCAExecutor",
    "DCAExecutorConfig",
    "DCAExecutorState",
    "DCAState",
    "DCATrigger",
    "ExecutionStrategy",
    "FundingPaid",
    "GridDetails",
    "GridExecutor",
    "GridExecutorConfig",
    "GridExecutorState",
    "GridLevel",
    "GridPlan",
    "GridState",
    "GridTrailingStop",
    "GridTrigger",
    "GridTripleBarrierConfig",
    "LegQuoteUpdated",
    "LevelState",
    "LimitChaserConfig",
    "OrderDetails",
    "OrderExecutor",
    "OrderExecutorConfig",
    "OrderExecutorState",
    "OrderFill",
    "OrderPhase",
    "OrderState",
    "OrderTrigger",
    "PositionDetails",
    "PositionExecutor",
    "PositionExecutorConfig",
    "PositionExecutorState",
    "PositionState",
    "PositionTrigger",
    "TWAPDetails",
    "TWAPExecutor",
    "TWAPExecutorConfig",
    "TWAPExecutorState",
    "TWAPState",
    "TWAPTrigger",
    "TopOfBookUpdated",
    "TrackedOrder",
    "TrailingStop",
    "TripleBarrierConfig",
    "XEMMDetails",
    "XEMMExecutor",
    "XEMMExecutorConfig",
    "XEMMExecutorState",
    "XEMMState",
    "XEMMTrigger",
    "client_order_id_for",
    "generate_levels",
]
