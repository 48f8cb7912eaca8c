"""Controllers: they read executors' reports and market data and decide actions (create or stop
executors, with reasons); the engine and the risk engine carry them out.

- :mod:`.base`: the contract (market data, reports, actions, :class:`~.base.Controller`).
- :mod:`.host`: :class:`~.host.ControllerRunner`, which carries the actions out (daemon, backtests).
- :mod:`.market_making`: levels of position or order executors around the mid.
- :mod:`.directional`: position executors on a pluggable signal.
- :mod:`.catalog`: the controller types by name.
- :mod:`.rebalancer`: the range-rebalancing policy runner behind ``lpexec daemon`` and backtests.
"""
