"""The controller contract: market data, a config and executors' reports in; actions out.

A controller is pure, like an executor: :meth:`Controller.decide` reads a :class:`MarketData`
snapshot of its pair, the reports of its own executors (:class:`ExecutorReport`) and its config,
and returns actions (:class:`CreateExecutor`, :class:`StopExecutor`), each with the reason it was
taken. It does no I/O and keeps no clock: a host
(:class:`~lpexec.controllers.host.ControllerRunner`) reads the market and the engine, calls
:meth:`~Controller.decide`, and carries the actions out through the engine, whose risk engine
checks every create. The same controller code runs in the daemon (on the paper exchange) and in
backtests (``lpexec backtest``).

What a controller must remember across restarts lives in :attr:`Controller.state` (JSON-safe
data the host saves in the store's ``controllers`` table after every step). Everything derived
from its executors (which levels are working, cooldowns after a close, counts per side) is read
back from their reports, which the store keeps: a restart loses nothing and repeats nothing.

Executor ids are deterministic (``<controller_id>-<seq>``): the host names each create with the
next sequence number and skips numbers the store already holds, so a create committed just before
a crash is found at restart instead of being sent twice.
"""

from __future__ import annotations

import datetime as dt
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, Decimal
from typing import Any, ClassVar, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from lpexec.core import CloseType, ExecutorConfig, ExecutorStatus

__all__ = [
    "Action",
    "Controller",
    "ControllerConfig",
    "CreateExecutor",
    "ExecutorReport",
    "MarketData",
    "Quiet",
    "StopExecutor",
    "VenueSetup",
    "floor_to",
]


@dataclass(frozen=True, slots=True)
class MarketData:
    """One pair's market as a controller sees it at one time.

    Attributes:
        trading_pair: ``BASE-QUOTE``.
        timestamp: when it was read (the engine's clock).
        bid, ask: the touch.
        price_tick, amount_step: the venue's steps (None: not known; no rounding).
        history: the mid prices up to and including this one, oldest first (floats, for signal
            functions; may be empty when no controller asked for history).
        signal: a precomputed signal for this time (backtests compute a whole series at once);
            None: the controller computes it from ``history``.
    """

    trading_pair: str
    timestamp: dt.datetime
    bid: Decimal
    ask: Decimal
    price_tick: Decimal | None = None
    amount_step: Decimal | None = None
    history: np.ndarray = field(default_factory=lambda: np.empty(0))
    signal: int | None = None

    @property
    def mid(self) -> Decimal:
        """``(bid + ask) / 2``."""
        return (self.bid + self.ask) / 2

    @property
    def spread(self) -> Decimal:
        """The touch's width as a ratio of the mid."""
        return (self.ask - self.bid) / self.mid


@dataclass(frozen=True, slots=True)
class ExecutorReport:
    """What a controller knows of one of its executors.

    Attributes:
        executor_id, type: identity.
        level_id: the config's ``level_id`` (None when it has none).
        side: BUY or SELL ("" for executor types without a side).
        status: the lifecycle status.
        close_type: why it ended (None while it runs).
        created_at, closed_at: its life.
        is_trading: something filled (an entry, an order).
        entry_price: the config's entry (limit) price, if any.
        pnl: reads its net P&L when asked (:attr:`net_pnl_quote`; computing it costs, and most
            decisions never read it).
    """

    executor_id: str
    type: str
    level_id: str | None
    side: str
    status: ExecutorStatus
    close_type: CloseType | None
    created_at: dt.datetime
    closed_at: dt.datetime | None
    is_trading: bool
    entry_price: Decimal | None = None
    pnl: Callable[[], Decimal] | None = field(default=None, repr=False, compare=False)

    @property
    def net_pnl_quote(self) -> Decimal:
        """Its net P&L so far (quote)."""
        return self.pnl() if self.pnl is not None else Decimal(0)

    @property
    def is_active(self) -> bool:
        """Not terminated (an executor still unwinding counts: it may hold a position)."""
        return self.status is not ExecutorStatus.TERMINATED


@dataclass(frozen=True, slots=True)
class CreateExecutor:
    """Create an executor from ``config`` (the host sets its id and ``controller_id``)."""

    config: ExecutorConfig
    reason: str


@dataclass(frozen=True, slots=True)
class StopExecutor:
    """Stop an executor; ``keep_position`` None uses its config's default."""

    executor_id: str
    reason: str
    keep_position: bool | None = None


Action = CreateExecutor | StopExecutor


@dataclass(frozen=True, slots=True)
class VenueSetup:
    """What a controller needs set on a perpetual venue before its first create."""

    connector_name: str
    trading_pair: str
    leverage: int
    position_mode: Literal["ONEWAY", "HEDGE"]


@dataclass(frozen=True, slots=True)
class Quiet:
    """A controller's promise to a backtest: while the time stays before ``until`` and the
    mid stays strictly inside (``low``, ``high``) and the signal stays in ``signals`` (None:
    any), :meth:`Controller.decide` returns no action (given the same reports)."""

    until: dt.datetime | None = None
    low: Decimal | None = None
    high: Decimal | None = None
    signals: frozenset[int] | None = None


class ControllerConfig(BaseModel):
    """Fields every controller config has (Hummingbot's ``ControllerConfigBase`` names).

    Attributes:
        id: the controller id; every executor it creates carries it as ``controller_id``.
        controller_type: which controller runs the config.
        connector_name: the venue key its executors trade on.
        trading_pair: ``BASE-QUOTE``.
        total_amount_quote: the quote budget its executors share.
        manual_kill_switch: True stops every executor of the controller and creates none.
        leverage, position_mode: set on a perpetual venue at start.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    controller_type: ClassVar[str] = "controller"

    id: str = Field(min_length=1, max_length=48, pattern=r"^[A-Za-z0-9_.:-]+$")
    connector_name: str = Field(min_length=1)
    trading_pair: str = Field(pattern=r"^[^-\s]+-[^-\s]+$")
    total_amount_quote: Decimal = Field(gt=0, allow_inf_nan=False)
    manual_kill_switch: bool = False
    leverage: int = Field(default=1, ge=1)
    position_mode: Literal["ONEWAY", "HEDGE"] = "ONEWAY"
    is_perpetual: bool | None = None

    @property
    def perpetual(self) -> bool:
        """True on a perpetual market (``is_perpetual``, else "perpetual" in the connector)."""
        if self.is_perpetual is not None:
            return self.is_perpetual
        return "perpetual" in self.connector_name.lower()


class Controller(ABC):
    """A pure controller (see the module docstring).

    Args:
        config: its config.
        state: its saved state (None: a fresh start).
    """

    kind: ClassVar[str]
    config_class: ClassVar[type[ControllerConfig]]
    history_length: int = 0
    """How many past mids the controller wants in :attr:`MarketData.history` (0: none)."""

    def __init__(self, config: ControllerConfig, state: dict[str, Any] | None = None) -> None:
        self.config = config
        self.state: dict[str, Any] = dict(state or {})

    @property
    def controller_id(self) -> str:
        """The id every executor of this controller carries."""
        return self.config.id

    def setup(self) -> VenueSetup | None:
        """What to set on the venue before the first create (perpetuals: leverage and mode)."""
        config = self.config
        if not config.perpetual:
            return None
        return VenueSetup(
            connector_name=config.connector_name,
            trading_pair=config.trading_pair,
            leverage=config.leverage,
            position_mode=config.position_mode,
        )

    def decide(
        self, now: dt.datetime, market: MarketData, reports: Sequence[ExecutorReport]
    ) -> list[Action]:
        """The actions for now: with the kill switch on, stop every active executor; else
        :meth:`decide_actions`."""
        if self.config.manual_kill_switch:
            return [
                StopExecutor(report.executor_id, reason="manual kill switch")
                for report in reports
                if report.is_active
            ]
        return self.decide_actions(now, market, reports)

    @abstractmethod
    def decide_actions(
        self, now: dt.datetime, market: MarketData, reports: Sequence[ExecutorReport]
    ) -> list[Action]:
        """The actions for ``now`` (pure: reads its arguments, config and state only)."""

    def quiet(
        self, now: dt.datetime, market: MarketData, reports: Sequence[ExecutorReport]
    ) -> Quiet | None:
        """How long :meth:`decide` would return nothing (None: no promise; backtests then
        call it at every row). Called right after :meth:`decide` returned no action."""
        del now, market, reports  # the default makes no promise
        return None

    def signals(self, mids: np.ndarray) -> np.ndarray | None:  # noqa: ARG002 - none by default
        """The controller's signal at every row of ``mids`` at once (None: it uses none)."""
        return None


def floor_to(value: Decimal, step: Decimal | None) -> Decimal:
    """``value`` floored to a multiple of ``step`` (unchanged when ``step`` is None)."""
    if step is None or step <= 0:
        return value
    return (value / step).to_integral_value(ROUND_FLOOR) * step  # (rounding, positional: cheaper)
