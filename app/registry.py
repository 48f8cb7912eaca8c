"""The executor types this build of lpexec can create and resume (one list for every surface)."""

from __future__ import annotations

from typing import Any

from lpexec.core import Executor
from lpexec.lp import LPExecutor
from lpexec.swap import SwapExecutor

__all__ = ["EXECUTOR_TYPES"]

EXECUTOR_TYPES: list[type[Executor[Any, Any]]] = [LPExecutor, SwapExecutor]
