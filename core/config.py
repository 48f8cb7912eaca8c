"""The base of every executor config, and readable errors for bad configs.

Configs are strict: frozen, keyword-only, unknown fields rejected. Every executor type documents one
``keep_position`` default as its field default; the library, the CLI and the API all use it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from lpexec.core.errors import ConfigError
from lpexec.core.ids import new_executor_id

if TYPE_CHECKING:
    from lpexec.core.risk import Exposure

__all__ = ["ExecutorConfig", "TradingPairTokens", "format_validation_error", "parse_config"]

M = TypeVar("M", bound=BaseModel)


class _HasTradingPair(Protocol):
    trading_pair: str


class TradingPairTokens:
    """``base_token`` and ``quote_token`` of a model's ``trading_pair`` (``BASE-QUOTE``: symbols
    or mints)."""

    __slots__ = ()

    @property
    def base_token(self: _HasTradingPair) -> str:
        """The base symbol (or mint) of ``trading_pair``."""
        return self.trading_pair.split("-", 1)[0]

    @property
    def quote_token(self: _HasTradingPair) -> str:
        """The quote symbol (or mint) of ``trading_pair``."""
        return self.trading_pair.split("-", 1)[1]


class ExecutorConfig(BaseModel):
    """Fields every executor config has.

    Attributes:
        id: the executor id; generated when not given.
        controller_id: the bot or agent that owns the executor.
        keep_position: when the executor ends on its own or is stopped without an explicit
            choice, keep the exposure (True, close type POSITION_HOLD) or flatten it (False).
    """

    model_config = ConfigDict(frozen=True, extra="forbid", validate_default=True)

    type: ClassVar[str] = "executor"

    id: str = Field(default_factory=new_executor_id, min_length=1, max_length=64)
    controller_id: str = Field(default="main", min_length=1, max_length=64)
    keep_position: bool = False

    def exposure(self) -> Exposure:
        """Return what this executor would put at risk, for the risk engine.

        Executor types override this; one that does not is refused by a risk-checked engine
        (the engine fails closed rather than guess an exposure).
        """
        raise ConfigError(
            f"type: executor type {self.type!r} does not say what it puts at risk "
            "(its config has no exposure()), so the risk engine cannot check it"
        )

    def price_keys(self) -> frozenset[str]:
        """Return the price streams this executor needs: trading pairs, or pool addresses.

        The engine delivers a price published for a pool to the pool's subscribers and to the
        subscribers of its trading pair; the default subscribes to ``trading_pair``.
        """
        pair = getattr(self, "trading_pair", None)
        return frozenset({pair}) if isinstance(pair, str) else frozenset()


def format_validation_error(error: ValidationError, *, model: str) -> str:
    """Turn a pydantic error into one line per problem: field, value received, what was expected."""
    lines = []
    for item in error.errors(include_url=False):
        field = ".".join(str(part) for part in item["loc"]) or "(config)"
        if item["type"] == "extra_forbidden":
            lines.append(f"{field}: unknown field for {model} (received {item['input']!r})")
            continue
        if item["type"] == "missing":
            lines.append(f"{field}: required field for {model} is missing")
            continue
        if item["type"] == "value_error":
            # Our own validators already say what was expected and what was received.
            message = str(item.get("ctx", {}).get("error", item["msg"]))
            lines.append(message if not item["loc"] else f"{field}: {message}")
            continue
        lines.append(f"{field}: {item['msg']}, received {item['input']!r}")
    return "; ".join(lines)


def parse_config(config_class: type[M], data: Mapping[str, Any]) -> M:
    """Validate ``data`` into a strict model; raise ConfigError naming each bad field."""
    try:
        return config_class.model_validate(dict(data))
    except ValidationError as e:
        model = getattr(config_class, "type", config_class.__name__)
        raise ConfigError(format_validation_error(e, model=str(model))) from None
