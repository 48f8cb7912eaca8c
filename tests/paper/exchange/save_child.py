"""A child process for the save crash test: plays a seeded script on a paper exchange, saving the
whole state after every operation and printing the operation's index once the save returned.

Run: ``python save_child.py STATE_PATH SEED``. The parent kills it with SIGKILL mid-run.
"""

from __future__ import annotations

import datetime as dt
import random
import sys
from decimal import Decimal

from lpexec.paper.exchange import (
    Market,
    OrderSide,
    OrderType,
    PaperExchange,
    PerpetualSpec,
    TradingRules,
)

OPERATIONS = 2_000
T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
RULES = TradingRules(price_tick=Decimal("0.01"), amount_step=Decimal("0.01"))


def new_exchange() -> PaperExchange:
    spec = PerpetualSpec(
        max_leverage=5, funding_rate=Decimal("0.0002"), funding_interval_seconds=600
    )
    exchange = PaperExchange(
        [
            Market(trading_pair="SOL-USDC", rules=RULES, fill_cap=Decimal(2)),
            Market(trading_pair="ETH-USDC", rules=RULES, fill_cap=Decimal(2), perpetual=spec),
        ],
        balances={"USDC": Decimal(10_000), "SOL": Decimal(50)},
        maker_fee=Decimal("0.0002"),
        taker_fee=Decimal("0.0005"),
    )
    exchange.set_leverage("ETH-USDC", 3)
    return exchange


def apply(exchange: PaperExchange, rng: random.Random, index: int) -> None:
    """Apply operation ``index``; ``rng`` is drawn the same way on every run of one seed."""
    pair = rng.choice(["SOL-USDC", "ETH-USDC"])
    base = Decimal(100) if pair == "SOL-USDC" else Decimal(2_000)
    price = base * Decimal(rng.randint(9_500, 10_500)) / Decimal(10_000)
    price = RULES.floor_price(price)
    kind = rng.random()
    if kind < 0.4:
        moment = T0 + dt.timedelta(minutes=index)
        exchange.step(pair, bid=price, ask=price + Decimal("0.5"), last=price, now=moment)
    elif kind < 0.9:
        action = rng.choice([None, "OPEN", "CLOSE"]) if pair == "ETH-USDC" else None
        exchange.place(
            f"o-{index}",
            pair,
            rng.choice(list(OrderSide)),
            rng.choice(list(OrderType)),
            Decimal(rng.randint(1, 300)) / 100,
            price,
            action,
        )
    elif exchange.open_orders():
        orders = exchange.open_orders()
        exchange.cancel(orders[rng.randrange(len(orders))].client_order_id)


def main(path: str, seed: int) -> None:
    exchange, rng = new_exchange(), random.Random(seed)
    for index in range(OPERATIONS):
        apply(exchange, rng, index)
        exchange.save(path)
        print(index, flush=True)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
