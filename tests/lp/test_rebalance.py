"""The rebalance policy with a simulated clock: triggers, anti-thrash, re-entry, clamps, zones."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from lpexec.core import UTC, ConfigError, ExecutorStatus, parse_config
from lpexec.lp import LPSide
from lpexec.lp.rebalance import (
    ExecutorView,
    OpenPosition,
    RebalanceConfig,
    RebalancePolicy,
    SwapInventory,
    Wait,
)

T0 = dt.datetime(2026, 3, 1, tzinfo=UTC)


def at(seconds: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds)


def policy(**overrides) -> RebalancePolicy:
    values = {
        "policy_id": "p",
        "pool_address": "Pool",
        "trading_pair": "SOL-USDC",
        "width": Decimal("0.05"),
        "bin_step": 10,
        "out_of_range_seconds": 600,
        "min_interval_seconds": 900,
        "base_amount": Decimal(10),
        "quote_amount": Decimal(1500),
        "native_reserve": Decimal("0.5"),
    }
    values.update(overrides)
    return RebalancePolicy(RebalanceConfig(**values))


def open_first(p: RebalancePolicy, price=Decimal(150), now=T0) -> OpenPosition:
    (action,) = p.decide(now=now, price=price, current=None)
    assert isinstance(action, OpenPosition)
    p.opened(
        action.config.id, base=action.config.base_amount, quote=action.config.quote_amount, now=now
    )
    return action


def view(
    p: RebalancePolicy,
    status: ExecutorStatus,
    *,
    opened: bool = True,
    base: str = "0",
    quote: str = "0",
) -> ExecutorView:
    """The view of the policy's current executor in ``status``, having returned base/quote."""
    return ExecutorView(
        executor_id=p.state.executor_id,
        status=status,
        opened=opened,
        returned_base=Decimal(base),
        returned_quote=Decimal(quote),
    )


def ended(p: RebalancePolicy, *, base: str, quote: str) -> ExecutorView:
    return view(p, ExecutorStatus.TERMINATED, base=base, quote=quote)


def test_first_position_is_two_sided_with_the_reserve_kept_back():
    p = policy()
    action = open_first(p)
    config = action.config
    assert config.side is LPSide.BOTH
    assert (config.base_amount, config.quote_amount) == (Decimal("9.5"), Decimal(1500))
    assert config.lower_price < Decimal(150) < config.upper_price
    assert config.keep_position is True and config.controller_id == "p"
    assert config.auto_close_above_range_seconds == config.auto_close_below_range_seconds == 600
    assert (p.state.base, p.state.quote) == (Decimal("0.5"), Decimal(0))


def test_the_executors_carry_the_dwell_timer_and_limit_prices():
    p = policy(limit_pct=Decimal("0.01"))
    config = open_first(p).config
    assert config.upper_limit_price == (config.upper_price * Decimal("1.01")).quantize(
        Decimal("0.000001"), rounding="ROUND_FLOOR"
    )
    assert config.lower_limit_price < config.lower_price


def test_no_new_position_while_the_current_one_is_open():
    p = policy()
    open_first(p)
    live = view(p, ExecutorStatus.ACTIVE)
    (action,) = p.decide(now=at(5000), price=Decimal(170), current=live)
    assert isinstance(action, Wait) and "is ACTIVE" in action.reason
    (action,) = p.decide(now=at(5000), price=Decimal(170), current=None)
    assert isinstance(action, Wait) and action.reason.startswith("waiting for executor p-1")


def test_anti_thrash_interval_boundary():
    p = policy(min_interval_seconds=900)
    open_first(p)
    view = ended(p, base="0", quote="3000")
    (action,) = p.decide(now=at(899), price=Decimal(160), current=view)
    assert isinstance(action, Wait) and action.reason.startswith("anti-thrash: 899 s")
    (action,) = p.decide(now=at(900), price=Decimal(160), current=None)
    assert isinstance(action, OpenPosition)


def test_single_sided_reentry_on_the_token_now_held():
    # price left upwards: everything came back as quote -> quote-only range below the price
    p = policy(min_interval_seconds=0)
    open_first(p)
    (up,) = p.decide(now=at(60), price=Decimal(160), current=ended(p, base="0", quote="3020"))
    assert up.config.side is LPSide.BUY and up.config.base_amount == 0
    assert up.config.upper_price < Decimal(160)
    assert up.config.quote_amount == Decimal(3020)
    p.opened(up.config.id, base=Decimal(0), quote=up.config.quote_amount, now=at(60))
    # then it left downwards: everything is base -> base-only range above the price
    (down,) = p.decide(now=at(120), price=Decimal(140), current=ended(p, base="21", quote="0"))
    assert down.config.side is LPSide.SELL and down.config.quote_amount == 0
    assert down.config.lower_price > Decimal(140)
    assert down.config.base_amount == Decimal("21")  # the 0.5 SOL reserve was already held back


def test_centered_reentry_swaps_to_the_ratio_first():
    p = policy(min_interval_seconds=0, reentry="centered")
    open_first(p)
    (swap,) = p.decide(now=at(60), price=Decimal(160), current=ended(p, base="0", quote="3020"))
    assert isinstance(swap, SwapInventory) and swap.side == "BUY"
    # about half the value moves to base at 160
    assert Decimal("9") < swap.amount < Decimal("10")
    (waiting,) = p.decide(now=at(61), price=Decimal(160), current=None)
    assert isinstance(waiting, Wait) and waiting.reason.startswith("waiting for swap")
    p.swap_done(base_delta=swap.amount, quote_delta=-swap.amount * 160, now=at(62))
    (action,) = p.decide(now=at(63), price=Decimal(160), current=None)
    assert isinstance(action, OpenPosition) and action.config.side is LPSide.BOTH


def test_width_is_clamped_to_the_venue_bin_limit():
    wide = policy(width=Decimal("0.5"), bin_step=10, max_bins=69)
    config = open_first(wide).config
    bins = (config.upper_price / config.lower_price).ln() / Decimal("1.001").ln()
    assert bins <= 68
    narrow = policy(width=Decimal("0.02"), bin_step=10)
    config = open_first(narrow).config
    assert (config.upper_price / config.lower_price - 1).quantize(Decimal("0.0001")) == (
        Decimal("0.0200")
    )


def test_zones_clamp_the_range_and_hold_when_the_price_is_outside():
    p = policy(zone_min_price=Decimal(148), zone_max_price=Decimal(200))
    config = open_first(p, price=Decimal(150)).config
    assert config.lower_price == Decimal(148)
    q = policy(zone_max_price=Decimal(140))
    (action,) = q.decide(now=T0, price=Decimal(150), current=None)
    assert isinstance(action, Wait) and action.reason == "price 150 above the zone (140)"


def test_daily_budget_of_rebalances():
    p = policy(min_interval_seconds=0, max_rebalances_per_day=1)
    open_first(p)
    (second,) = p.decide(now=at(10), price=Decimal(160), current=ended(p, base="0", quote="3000"))
    p.opened(second.config.id, base=Decimal(0), quote=second.config.quote_amount, now=at(10))
    (third,) = p.decide(now=at(20), price=Decimal(170), current=ended(p, base="0", quote="3000"))
    assert isinstance(third, Wait) and third.reason == "daily budget spent: 1 rebalances today"
    next_day = at(86_400)
    (fourth,) = p.decide(now=next_day, price=Decimal(170), current=None)
    assert isinstance(fourth, OpenPosition)


def test_an_executor_that_never_opened_gives_its_budget_back():
    p = policy()
    open_first(p)
    failed = view(p, ExecutorStatus.TERMINATED, opened=False)
    p.decide(now=at(10), price=Decimal(150), current=failed)
    assert (p.state.base, p.state.quote) == (Decimal(10), Decimal(1500))


def test_executor_ids_are_deterministic():
    p = policy()
    assert p.next_executor_id() == "p-1"
    open_first(p)
    assert p.next_executor_id() == "p-2"


# the fewest fields a policy config takes (as a file gives them: strings and numbers)
MINIMAL = {
    "policy_id": "p",
    "pool_address": "Pool",
    "trading_pair": "SOL-USDC",
    "width": "0.05",
    "out_of_range_seconds": 60,
    "quote_amount": "100",
}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"width_bins": 20}, "expected exactly one of width (a ratio of the price, 0.05 = 5 %)"),
        ({"out_of_range_seconds": None}, "expected a trigger: out_of_range_seconds and/or"),
        ({"zone_min_price": "200", "zone_max_price": "100"}, "expected zone_min_price <"),
        ({"reentry": "sideways"}, "reentry: Input should be 'single_sided' or 'centered'"),
    ],
)
def test_config_errors_are_clear(data, message):
    values = {**MINIMAL, **data}
    with pytest.raises(ConfigError) as raised:
        parse_config(RebalanceConfig, values)
    assert message in str(raised.value)


def test_the_old_width_pct_key_is_refused_with_what_to_write_instead():
    # Arrange
    values = {
        "policy_id": "p",
        "pool_address": "Pool",
        "trading_pair": "SOL-USDC",
        "width_pct": "0.04",
        "out_of_range_seconds": 60,
        "quote_amount": "100",
    }
    # Act
    with pytest.raises(ConfigError) as raised:
        parse_config(RebalanceConfig, values)
    # Assert
    assert str(raised.value) == (
        "width_pct is no longer accepted: write width, a ratio of the price (0.05 = 5 %), "
        "instead of width_pct='0.04': it was read as a ratio too, so width = 0.04 keeps its "
        "4 % range"
    )


def test_width_is_a_ratio_of_the_price():
    config = open_first(policy(width=Decimal("0.04"), bin_step=None)).config
    assert (config.upper_price / config.lower_price - 1).quantize(Decimal("0.0001")) == (
        Decimal("0.0400")
    )


CENTERED = {**MINIMAL, "reentry": "centered"}


@pytest.mark.parametrize(
    ("swap_provider", "lp_provider", "expected"),
    [
        ("meteora/swap", "meteora/clmm", ("meteora/clmm", "Pool")),
        ("jupiter/router", "meteora/clmm", ("jupiter/router", None)),
        ("raydium/amm", "raydium/clmm", ("raydium/amm", None)),
    ],
)
def test_a_centered_policy_swaps_through_a_gateway_connector(swap_provider, lp_provider, expected):
    config = parse_config(
        RebalanceConfig,
        {**CENTERED, "swap_provider": swap_provider, "lp_provider": lp_provider},
    )
    assert config.inventory_swap == expected


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"swap_provider": "meteora/swap", "lp_provider": "raydium/clmm"},
            "reentry 'centered' with swap_provider 'meteora/swap' swaps in the policy's own "
            "pool, so expected lp_provider 'meteora/clmm', received 'raydium/clmm'",
        ),
        (
            {"swap_provider": "swap"},
            "reentry 'centered' swaps the inventory through swap_provider: expected a Gateway "
            "swap connector as name/type (jupiter/router, meteora/clmm, raydium/amm, ...) or "
            "meteora/swap, received 'swap'",
        ),
    ],
)
def test_a_centered_policy_refuses_a_swap_provider_it_cannot_use(data, message):
    with pytest.raises(ConfigError) as raised:
        parse_config(RebalanceConfig, {**CENTERED, **data})
    assert str(raised.value) == message
    # single-sided re-entry never swaps: the same provider is not its concern
    parse_config(RebalanceConfig, {**CENTERED, **data, "reentry": "single_sided"})


def test_the_swap_connector_pattern_is_the_swap_executors():
    from lpexec.lp.rebalance import SWAP_CONNECTOR_PATTERN
    from lpexec.swap import SWAP_PROVIDER_PATTERN

    assert SWAP_CONNECTOR_PATTERN == SWAP_PROVIDER_PATTERN


def test_the_planned_position_ignores_timing_and_changes_nothing():
    # Arrange: a policy inside its anti-thrash interval after a first position
    p = policy()
    open_first(p)
    p.decide(now=at(10), price=Decimal(160), current=ended(p, base="0", quote="3000"))
    before = (p.state.last_side, p.state.generation, p.state.base, p.state.quote)
    # Act
    planned = p.planned_position(Decimal(160))
    # Assert
    assert planned is not None and planned.side is LPSide.BUY
    assert planned.quote_amount == Decimal(3000) and planned.upper_price < Decimal(160)
    assert (p.state.last_side, p.state.generation, p.state.base, p.state.quote) == before
    zoned = policy(zone_min_price=Decimal(200), zone_max_price=Decimal(300))
    assert zoned.planned_position(Decimal(150)) is None
