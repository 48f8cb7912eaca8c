"""The base of the CEX executors: what the order, position and grid executors do alike.

Every CEX executor trades one pair on one venue (its config's ``connector_name`` and
``trading_pair``). :class:`CexExecutor` turns its order intents into commands addressed there
(:meth:`~CexExecutor._place_order`, :meth:`~CexExecutor._cancel`, each with the executor's next
command id), names the held-positions ledger's key for what it holds
(:meth:`~CexExecutor._held_key`) and reports itself stranded while a place's outcome is unknown
(:meth:`~CexExecutor._stranded_reason`). The price paths stay in each executor: nothing here runs
per price.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Protocol, TypeVar, cast

from lpexec.cex.tracking import TrackedOrder, cancel, place
from lpexec.core import (
    CancelOrder,
    Executor,
    ExecutorConfig,
    ExecutorInfo,
    HeldPositionKey,
    PlaceOrder,
    PositionAction,
)
from lpexec.core.trade import OrderType, Side

__all__ = ["CexExecutor", "MarketConfig"]


class MarketConfig(Protocol):
    """What a CEX executor's config names: where its orders go and who owns what it holds."""

    @property
    def connector_name(self) -> str: ...
    @property
    def trading_pair(self) -> str: ...
    @property
    def controller_id(self) -> str: ...


_MARKET_FIELDS = ("connector_name", "trading_pair")
ConfigT = TypeVar("ConfigT", bound=ExecutorConfig)
StateT = TypeVar("StateT")


class CexExecutor(Executor[ConfigT, StateT]):
    """An executor whose orders go to one pair on one venue (see module docstring).

    A subclass's ``config_class`` must have ``connector_name`` and ``trading_pair`` fields
    (checked when the class is made).
    """

    __slots__ = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        config_class = cls.__dict__.get("config_class")
        if config_class is not None:
            missing = [name for name in _MARKET_FIELDS if name not in config_class.model_fields]
            if missing:
                raise TypeError(
                    f"{cls.__name__}.config_class: expected a config with {', '.join(missing)}, "
                    f"received {config_class.__name__}"
                )

    @property
    def _market(self) -> MarketConfig:
        """The config's market fields (every subclass's config has them: checked above)."""
        return cast(MarketConfig, self.config)

    def _place_order(
        self,
        side: Side,
        order_type: OrderType,
        amount: Decimal,
        price: Decimal | None,
        position_action: PositionAction | None,
    ) -> tuple[TrackedOrder, PlaceOrder]:
        """A new tracked order and the command that places it, under the next command id."""
        market = self._market
        return place(
            command_id=self._next_command_id(),
            executor_id=self.id,
            venue=market.connector_name,
            trading_pair=market.trading_pair,
            side=side,
            order_type=order_type,
            amount=amount,
            price=price,
            position_action=position_action,
        )

    def _cancel(self, order: TrackedOrder) -> CancelOrder:
        """Mark ``order`` CANCELING and return the command that cancels it."""
        market = self._market
        return cancel(
            order,
            command_id=self._next_command_id(),
            executor_id=self.id,
            venue=market.connector_name,
            trading_pair=market.trading_pair,
        )

    def _held_key(self, side: Side | None = None) -> HeldPositionKey:
        """The held-positions ledger's key for what this executor holds (``side`` in HEDGE)."""
        market = self._market
        return HeldPositionKey(
            controller_id=market.controller_id,
            connector=market.connector_name,
            trading_pair=market.trading_pair,
            side=side,
        )

    def _stranded_reason(self) -> str | None:
        """Why the executor may have an order the venue has not told about yet (None: it has
        none)."""
        return None

    def info(self, now: dt.datetime, *, stranded_reason: str | None = None) -> ExecutorInfo:
        if stranded_reason is None:
            stranded_reason = self._stranded_reason()
        return super().info(now, stranded_reason=stranded_reason)
