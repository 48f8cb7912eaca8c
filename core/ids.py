"""Typed identifiers."""

from __future__ import annotations

import secrets
from typing import NewType

__all__ = ["CommandId", "ControllerId", "ExecutorId", "new_executor_id"]

ExecutorId = NewType("ExecutorId", str)
ControllerId = NewType("ControllerId", str)
CommandId = NewType("CommandId", str)

_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def new_executor_id() -> ExecutorId:
    """Return a fresh random executor id (16 base58 characters, ~94 bits)."""
    return ExecutorId("".join(secrets.choice(_ALPHABET) for _ in range(16)))
