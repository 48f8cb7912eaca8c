"""Backtests: the same executor and controller code replayed over price bars on the paper chain,
with a simulated clock, skipping the bars inside an executor's quiet window.

- :mod:`.run`: ``run_backtest`` and its result (accounting from the paper chain's ledger);
- :mod:`.replay`: the bar loop; :mod:`.quiet_window` and :mod:`.quiet_search`: which bars may
  be skipped; :mod:`.plots`: charts (needs the ``plot`` extra).
"""
