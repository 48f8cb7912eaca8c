"""Registry of message classes (events and commands) by stable name, for the journal and intents."""

from __future__ import annotations

from typing import TypeVar

__all__ = ["message_class", "message_name", "register_message"]

M = TypeVar("M", bound=type)

_BY_NAME: dict[str, type] = {}


def register_message(cls: M) -> M:
    """Register ``cls`` under its class name; names are stored, so they must stay stable."""
    name = cls.__name__
    existing = _BY_NAME.get(name)
    if existing is not None and existing is not cls:
        raise ValueError(f"Expected a unique message name, received a second class named {name!r}")
    _BY_NAME[name] = cls
    return cls


def message_name(message: object) -> str:
    """Return the stable name a message is stored under."""
    return type(message).__name__


def message_class(name: str) -> type:
    """Return the class registered under ``name``."""
    try:
        return _BY_NAME[name]
    except KeyError:
        raise KeyError(f"Expected a registered message name, received {name!r}") from None
