"""Reading a create request: the controller id it is for, and its config in lpexec's shape.

``controller_id`` is resolved once, the same way on every surface: the request's top-level value,
else the config's own ``controller_id``, else the caller's controller (a scoped token), else
``main``; a top-level value and a config value that disagree are refused, and a scoped caller
creates only for its own controller.

A Hummingbot ``executor_config`` is accepted as it is: ``type`` may be Hummingbot's name
(``lp_executor``), ``timestamp`` (set by Hummingbot's clients) is dropped, and the network of an
LP executor may come as ``connector_name`` (lpexec calls it ``connector``; a swap executor's
config reads its own ``connector_name``: the swap provider), and its DLMM strategy as
``extra_params: {"strategyType": 0}`` (lpexec's ``strategy_type``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lpexec.app.service.catalog import TypeCatalog
from lpexec.app.service.contract import Caller, ScopeError
from lpexec.core import ConfigError, ExecutorConfig
from lpexec.core.config import parse_config

__all__ = ["DEFAULT_CONTROLLER", "parse_create", "resolve_controller_id"]

DEFAULT_CONTROLLER = "main"

_NETWORK_TYPES = frozenset(("lp",))
"""Types whose Hummingbot ``connector_name`` is lpexec's ``connector`` (the Gateway network)."""


def _controller_text(field: str, value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip() or len(value) > 64:
        raise ConfigError(
            f"{field}: expected a controller id of 1 to 64 characters, received {value!r}"
        )
    return value


def _strategy_from_extra_params(data: dict[str, Any]) -> None:
    """Hummingbot's ``extra_params.strategyType`` as lpexec's ``strategy_type``, in place."""
    extra = data.pop("extra_params")
    if extra is None:
        return
    if not isinstance(extra, Mapping):
        raise ConfigError(
            f"executor_config.extra_params: expected an object such as {{'strategyType': 0}}, "
            f"received {extra!r}"
        )
    unknown = sorted(str(key) for key in extra if key != "strategyType")
    if unknown:
        raise ConfigError(
            f"executor_config.extra_params: expected strategyType only, received "
            f"{', '.join(map(repr, unknown))}"
        )
    if "strategyType" in extra:
        strategy = extra["strategyType"]
        if "strategy_type" in data and data["strategy_type"] != strategy:
            raise ConfigError(
                f"executor_config.extra_params.strategyType: received {strategy!r} and "
                f"strategy_type {data['strategy_type']!r}; expected one strategy"
            )
        data["strategy_type"] = strategy


def resolve_controller_id(top_level: object, in_config: object, *, caller: Caller) -> str:
    """The controller a create is for (see the module docstring).

    Raises:
        ConfigError: a value is not a controller id, or the two values disagree.
        ScopeError: a scoped caller asks for another controller.
    """
    request = _controller_text("controller_id", top_level)
    config = _controller_text("executor_config.controller_id", in_config)
    if request is not None and config is not None and request != config:
        raise ConfigError(
            f"controller_id: the request says {request!r} but executor_config.controller_id "
            f"says {config!r}; expected one value (or the same in both)"
        )
    chosen = request or config or caller.controller_id or DEFAULT_CONTROLLER
    if not caller.is_operator and chosen != caller.controller_id:
        raise ScopeError(
            f"controller_id: this caller acts for {caller.controller_id!r} only, "
            f"received {chosen!r}"
        )
    return chosen


def parse_create(
    executor_config: object,
    *,
    catalog: TypeCatalog,
    caller: Caller,
    controller_id: str | None,
) -> ExecutorConfig:
    """Validate a create's config into its type's config model, controller id resolved.

    Raises:
        ConfigError: no ``type``, an unknown type, a bad field (each named), disagreeing
            controller ids.
        ScopeError: a scoped caller creates for another controller.
    """
    if not isinstance(executor_config, Mapping):
        raise ConfigError(
            f"executor_config: expected an object with a type, received {executor_config!r}"
        )
    data: dict[str, Any] = {str(key): value for key, value in executor_config.items()}
    if "type" not in data:
        raise ConfigError("executor_config.type: required field is missing")
    type_name = catalog.resolve(data.pop("type"), field="executor_config.type")
    data.pop("timestamp", None)
    if type_name in _NETWORK_TYPES and "connector_name" in data:
        network = data.pop("connector_name")
        if "connector" in data and data["connector"] != network:
            raise ConfigError(
                f"executor_config.connector_name: received {network!r} and connector "
                f"{data['connector']!r}; expected one network"
            )
        data["connector"] = network
    if type_name in _NETWORK_TYPES and "extra_params" in data:
        _strategy_from_extra_params(data)
    data["controller_id"] = resolve_controller_id(
        controller_id, data.get("controller_id"), caller=caller
    )
    config: ExecutorConfig = parse_config(catalog.config_classes[type_name], data)
    return config
