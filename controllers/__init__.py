"""Controllers: they read executors' reports and market data and decide actions (create or stop
executors, with reasons); the engine and the risk engine carry them out.

- :mod:`.rebalancer`: the range-rebalancing policy runner behind ``lpexec daemon`` and backtests.
"""
