"""Paper venues: the core ports implemented directly on a :class:`PaperChain` (no HTTP), and on
the paper exchange (:class:`PaperExchangeVenue`, with seeded faults).

The paper Gateway serves the same chain over Gateway's API for the CLI, the daemon and tests of
the client; these adapters skip that layer so backtests run at full speed through the same
executors and engine. Amounts come from the chain's receipts, in human units.
"""

from __future__ import annotations

from lpexec.paper.venues.exchange import PaperExchangeVenue, order_report
from lpexec.paper.venues.exchange_faults import ExchangeFaultPlan
from lpexec.paper.venues.liquidity import PaperLiquidityVenue
from lpexec.paper.venues.market_feed import PaperMarketFeed
from lpexec.paper.venues.swap import PaperSwapVenue

__all__ = [
    "ExchangeFaultPlan",
    "PaperExchangeVenue",
    "PaperLiquidityVenue",
    "PaperMarketFeed",
    "PaperSwapVenue",
    "order_report",
]
