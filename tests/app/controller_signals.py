"""A signal the controller host tests name as ``module:function``: long for the first rows of a
window, short after (causal in the rows it reads)."""

from __future__ import annotations

import numpy as np


def long_then_short(mids: np.ndarray) -> np.ndarray:
    """1 while the mid is at or above the window's first mid, else -1."""
    signal = np.where(mids >= mids[0], 1, -1).astype(np.int8)
    return signal
