"""Reading a Hummingbot executor config dict, the same way for every CEX executor.

A Hummingbot config (``OrderExecutorConfig``, ``PositionExecutorConfig``, ``GridExecutorConfig``
as JSON data) validates unchanged against ours: :func:`normalize` drops what is Hummingbot's own
bookkeeping and maps its codes to our names, before the field validators run.

- ``type``: must be the Hummingbot name (``order_executor``) or ours (``order``); any other is
  refused, naming both.
- ``timestamp`` (Hummingbot's creation time) is dropped: ours is the executor's ``created_at``.
- ``id: None`` is dropped, so an id is generated.
- ``side`` as Hummingbot's ``TradeType`` number (1 BUY, 2 SELL) becomes its name.

Every other unknown field is still refused by the config (a typo must not pass silently).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator

__all__ = [
    "HUMMINGBOT_SIDES",
    "ActivationBounds",
    "is_perpetual_market",
    "normalize",
    "upper_name",
]

HUMMINGBOT_SIDES = {1: "BUY", 2: "SELL"}
"""Hummingbot's ``TradeType`` numbers."""


def normalize(data: Any, *, ours: str, theirs: str) -> Any:
    """Return ``data`` (a config mapping) with Hummingbot's bookkeeping dropped and its codes
    mapped; anything that is not a mapping is returned as it is (pydantic reports it).

    Raises:
        ValueError: ``type`` names another executor type.
    """
    if not isinstance(data, Mapping):
        return data
    values = dict(data)
    kind = values.pop("type", None)
    if kind is not None and kind not in (theirs, ours):
        raise ValueError(f"type: expected {theirs!r} (Hummingbot) or {ours!r}, received {kind!r}")
    values.pop("timestamp", None)
    if "id" in values and values["id"] is None:
        del values["id"]
    side = values.get("side")
    if type(side) is int and side in HUMMINGBOT_SIDES:
        values["side"] = HUMMINGBOT_SIDES[side]
    return values


def is_perpetual_market(connector_name: object, flag: object = None) -> bool:
    """Whether orders on ``connector_name`` are on a perpetual market: ``flag`` when it is a
    bool (a config's ``is_perpetual``), else Hummingbot's rule: the name says ``perpetual``."""
    if isinstance(flag, bool):
        return flag
    return isinstance(connector_name, str) and "perpetual" in connector_name.lower()


def upper_name(value: object) -> object:
    """An enum-like name as Hummingbot writes it (``buy`` and `` Buy`` are ``BUY``); anything
    that is not text is returned as it is (pydantic reports it)."""
    return value.strip().upper() if isinstance(value, str) else value


def _two_bounds(value: object) -> object:
    if value is not None and (not isinstance(value, list | tuple) or len(value) != 2):
        raise ValueError(f"expected two ratios [near, far], received {value!r}")
    return value


def _finite_bounds(value: tuple[Decimal, Decimal] | None) -> tuple[Decimal, Decimal] | None:
    if value is not None and any(not bound.is_finite() or bound < 0 for bound in value):
        raise ValueError(
            "activation_bounds: expected two finite ratios >= 0, received "
            f"{[str(bound) for bound in value]}"
        )
    return value


ActivationBounds = Annotated[
    tuple[Decimal, Decimal] | None,
    BeforeValidator(_two_bounds),
    AfterValidator(_finite_bounds),
]
"""Hummingbot's ``activation_bounds``: two ratios ``[near, far]`` around the price, finite and
>= 0, or None."""
