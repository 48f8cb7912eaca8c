"""lpexec core: executor lifecycle, events and commands, engine, store, risk and held positions.

Everything here is free of venue code; ports (``core.ports``) are what venues implement.
"""

from __future__ import annotations

from lpexec.core.clock import (
    UTC,
    Clock,
    LiveClock,
    SimulatedClock,
)
from lpexec.core.config import (
    ExecutorConfig,
    format_validation_error,
    parse_config,
)
from lpexec.core.engine import (
    Engine,
    ResumeReport,
    StateChanged,
)
from lpexec.core.errors import (
    ConfigError,
    ExecutorError,
    ExecutorStrandedError,
    InvalidTransitionError,
    OutcomeUnknownError,
    RiskRejectedError,
    SchemaVersionMismatchError,
    StoreError,
    UnknownExecutorError,
    VenueError,
    VenueRejectedError,
    VenueUnavailableError,
)
from lpexec.core.evidence import Evidence
from lpexec.core.exchange import (
    Balance,
    FundingPayment,
    OrderRef,
    OrderReport,
    PerpPosition,
    PositionAction,
    PositionMode,
    PositionSide,
    TradingRules,
    floor_to_step,
)
from lpexec.core.executor import (
    Executor,
    on,
)
from lpexec.core.fsm import (
    StateMachine,
    TransitionTable,
)
from lpexec.core.held import (
    LEDGER_PRECISION,
    HeldFill,
    HeldPosition,
    HeldPositionKey,
    HeldPositionsLedger,
    HeldPositionSummary,
    TradeSide,
)
from lpexec.core.info import (
    ExecutorDetails,
    ExecutorInfo,
    ExecutorMetrics,
)
from lpexec.core.lifecycle import (
    EXECUTOR_TRANSITIONS,
    CloseType,
    ExecutorStatus,
    LifecycleTrigger,
)
from lpexec.core.market import MarketPoller
from lpexec.core.messages import (
    Command,
    CommandFailed,
    Event,
    ExecutorStarted,
    OutcomeEvent,
    PriceUpdated,
    StopRequested,
    Tick,
)
from lpexec.core.order_poller import OrderHolder, OrderPoller
from lpexec.core.ports import (
    ExchangeVenue,
    MarketFeed,
    PerpetualVenue,
    Reconciler,
    SwapVenue,
)
from lpexec.core.risk import (
    CreateRequest,
    Exposure,
    PriceLookup,
    RiskDecision,
    RiskEngine,
    RiskLimits,
    SupportsExposure,
)
from lpexec.core.store import Database, MemoryStore, SqlStore, Store, UnitOfWork
from lpexec.core.trade import (
    CancelOrder,
    OrderCanceled,
    OrderCreated,
    OrderFailed,
    OrderFilled,
    PlaceOrder,
    Swap,
    SwapExecuted,
)

__all__ = [
    "EXECUTOR_TRANSITIONS",
    "LEDGER_PRECISION",
    "UTC",
    "Balance",
    "CancelOrder",
    "Clock",
    "CloseType",
    "Command",
    "CommandFailed",
    "ConfigError",
    "CreateRequest",
    "Database",
    "Engine",
    "Event",
    "Evidence",
    "ExchangeVenue",
    "Executor",
    "ExecutorConfig",
    "ExecutorDetails",
    "ExecutorError",
    "ExecutorInfo",
    "ExecutorMetrics",
    "ExecutorStarted",
    "ExecutorStatus",
    "ExecutorStrandedError",
    "Exposure",
    "FundingPayment",
    "HeldFill",
    "HeldPosition",
    "HeldPositionKey",
    "HeldPositionSummary",
    "HeldPositionsLedger",
    "InvalidTransitionError",
    "LifecycleTrigger",
    "LiveClock",
    "MarketFeed",
    "MarketPoller",
    "MemoryStore",
    "OrderCanceled",
    "OrderCreated",
    "OrderFailed",
    "OrderFilled",
    "OrderHolder",
    "OrderPoller",
    "OrderRef",
    "OrderReport",
    "OutcomeEvent",
    "OutcomeUnknownError",
    "PerpPosition",
    "PerpetualVenue",
    "PlaceOrder",
    "PositionAction",
    "PositionMode",
    "PositionSide",
    "PriceLookup",
    "PriceUpdated",
    "Reconciler",
    "ResumeReport",
    "RiskDecision",
    "RiskEngine",
    "RiskLimits",
    "RiskRejectedError",
    "SchemaVersionMismatchError",
    "SimulatedClock",
    "SqlStore",
    "StateChanged",
    "StateMachine",
    "StopRequested",
    "Store",
    "StoreError",
    "SupportsExposure",
    "Swap",
    "SwapExecuted",
    "SwapVenue",
    "Tick",
    "TradeSide",
    "TradingRules",
    "TransitionTable",
    "UnitOfWork",
    "UnknownExecutorError",
    "VenueError",
    "VenueRejectedError",
    "VenueUnavailableError",
    "floor_to_step",
    "format_validation_error",
    "on",
    "parse_config",
]
