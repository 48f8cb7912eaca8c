"""Custom hooks the handler tests name as ``module:function``."""

from __future__ import annotations

from typing import Any

import numpy as np


def stop_sells(report: Any, market: Any, config: Any) -> str | None:
    """Stop every sell level."""
    del market, config
    return "sells stopped by the hook" if report.side == "SELL" else None


def follow_series(mids: np.ndarray) -> np.ndarray:
    """1 above 100, -1 below 99, else 0 (row by row: causal)."""
    signal = np.zeros(len(mids), dtype=np.int8)
    signal[mids > 100] = 1
    signal[mids < 99] = -1
    return signal
