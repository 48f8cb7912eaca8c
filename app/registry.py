"""The executor types this build of lpexec can create and resume."""

from __future__ import annotations

from typing import Any

from core import Executor

__all__ = ["EXECUTOR_TYPES"]

EXECUTOR_TYPES: list[type[Executor[Any, Any]]] = []
