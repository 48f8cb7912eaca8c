"""The controller types by name, and building one from its config data (a TOML table, JSON)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from lpexec.controllers.base import Controller
from lpexec.controllers.directional import DirectionalTradingExecutorHandler
from lpexec.controllers.market_making import MarketMakingExecutorHandler
from lpexec.core import ConfigError, format_validation_error

__all__ = ["CONTROLLER_TYPES", "build_controller"]

CONTROLLER_TYPES: dict[str, type[Controller]] = {
    MarketMakingExecutorHandler.kind: MarketMakingExecutorHandler,
    DirectionalTradingExecutorHandler.kind: DirectionalTradingExecutorHandler,
}
"""``controller_type`` -> the handler class."""


def build_controller(data: Mapping[str, Any], *, where: str = "controller") -> Controller:
    """A controller from its config data; ``controller_type`` names its kind.

    Raises:
        ConfigError: an unknown type or a bad field, named with ``where``.
    """
    values = dict(data)
    kind = values.pop("controller_type", None)
    cls = CONTROLLER_TYPES.get(str(kind))
    if cls is None:
        raise ConfigError(
            f"{where}.controller_type: expected one of {sorted(CONTROLLER_TYPES)}, "
            f"received {kind!r}"
        )
    try:
        config = cls.config_class.model_validate(values)
    except ValidationError as e:
        raise ConfigError(f"{where}: {format_validation_error(e, model=kind)}") from None
    return cls(config)
