"""The CEX executors' base: what the order, position and grid executors share."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from lpexec.cex import GridExecutor, OrderExecutor, PositionExecutor
from lpexec.cex.base import CexExecutor
from lpexec.core import ExecutorConfig


class _NoMarketConfig(ExecutorConfig):
    type = "no_market_test"

    trading_pair: str = "SOL-USDT"


@dataclass
class _State:
    pass


def test_every_cex_executor_shares_the_base() -> None:
    for executor_type in (OrderExecutor, PositionExecutor, GridExecutor):
        assert issubclass(executor_type, CexExecutor)


def test_a_config_without_its_venue_is_refused_when_the_class_is_made() -> None:
    with pytest.raises(TypeError, match="expected a config with connector_name") as raised:

        class _Broken(CexExecutor[_NoMarketConfig, _State]):
            config_class = _NoMarketConfig
            state_class = _State

    assert "received _NoMarketConfig" in str(raised.value)
