"""Puts this folder's helper module (``swap_builders``) on the import path.

pyproject's ``pythonpath`` lists the helper folders of other packages; until ``tests/swap`` is
listed there, this does the same for the swap tests.
"""

from __future__ import annotations

import sys
from pathlib import Path

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)
