"""The range-rebalancing policy: pure decisions, no I/O.

One policy manages one position at a time in one pool. Its LP executors carry the triggers
themselves (an out-of-range dwell timer and/or limit prices a threshold beyond the bounds) and
are created with ``keep_position=True``: the policy keeps the inventory. When an executor has
ended, the policy takes what the position returned into its inventory and, once the minimum
interval has passed and the day's budget allows, places the next range:

- ``single_sided``: on the token now held (only quote: a range just below the price; only base:
  just above); with both tokens, two-sided around the price;
- ``centered``: a range centred on the price, after swapping the inventory to the ratio the new
  range needs.

Ranges are clamped to the venue's width limit (``max_bins`` at the pool's bin step) and to the
price zone; the native token keeps a reserve for rent and fees. :meth:`RebalancePolicy.decide`
returns the actions to take; the runner carries them out through the engine (and its risk engine).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal, InvalidOperation
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from lpexec.core import ExecutorStatus
from lpexec.core.config import TradingPairTokens
from lpexec.core.money import ZERO
from lpexec.lp.config import LP_PROVIDERS, LPExecutorConfig, LPSide, StrategyType
from lpexec.lp.math.dlmm_distribution import Strategy

__all__ = [
    "POOL_SWAP_VENUES",
    "SWAP_CONNECTOR_PATTERN",
    "ExecutorView",
    "OpenPosition",
    "PolicyState",
    "RebalanceConfig",
    "RebalancePolicy",
    "SwapInventory",
    "Wait",
]

DUST = Decimal("0.000001")
SWAP_TOLERANCE = Decimal("0.01")
"""Centered re-entry skips swaps smaller than this share of the inventory's value."""
_GAP = Decimal("0.0001")
"""A single-sided range starts this ratio away from the price (exact factors below)."""
_BELOW, _ABOVE = 1 - _GAP, 1 + _GAP
_PRICE_STEP = Decimal("0.000001")
_AMOUNT_STEP = Decimal("0.000000001")

SWAP_CONNECTOR_PATTERN = r"^[a-z0-9-]+/(router|clmm|amm)$"
"""A Gateway swap connector as ``name/type`` (``swap.SWAP_PROVIDER_PATTERN``; lp does not
import swap): what the swap executor of a centered re-entry accepts."""
POOL_SWAP_VENUES = {"meteora/swap": "meteora/clmm"}
"""Swap venues that swap in the position's own pool, and the Gateway connector of each (which is
also the LP provider the policy's pool must have)."""


class RebalanceConfig(TradingPairTokens, BaseModel):
    """One managed position (strict; percentages are ratios, 0.05 = 5 %).

    Attributes:
        policy_id: names the policy; its executors are tagged with it as ``controller_id``.
        width: total width of a range as a ratio of the price (0.05 = 5 %); or ``width_bins``.
            (``width_pct`` is refused: the old name was read as a percent by some and as a
            ratio by others.)
        out_of_range_seconds: close after the price has been out of range this long.
        limit_pct: close at once when the price is this ratio beyond a bound.
        min_interval_seconds: at least this long between two opens (anti-thrash).
        reentry: ``single_sided`` or ``centered`` (see the module docstring).
        swap_provider: what a centered re-entry swaps the inventory through: a Gateway swap
            connector (``jupiter/router``, ``meteora/clmm``, ``raydium/amm``, ...) or
            ``meteora/swap``, the policy's own Meteora pool. Unused by ``single_sided``.
        max_bins: the venue's bins-per-position limit; ranges are narrowed to fit.
        zone_min_price, zone_max_price: never place liquidity beyond these prices.
        native_reserve: native token (SOL) never deployed, kept for rent and fees.
        max_rebalances_per_day: opens after the first, per UTC day.
        base_amount, quote_amount: the budget the policy starts with.
        close_on_stop: close the position when the daemon stops (default: leave it).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    policy_id: str = Field(min_length=1, max_length=48, pattern=r"^[A-Za-z0-9_.:-]+$")
    connector: str = "solana-mainnet-beta"
    lp_provider: Literal["meteora/clmm", "raydium/clmm", "orca/clmm", "uniswap/clmm"] = (
        "meteora/clmm"
    )
    swap_provider: str = "jupiter/router"
    pool_address: str = Field(min_length=1)
    trading_pair: str = Field(pattern=r"^[^-\s]+-[^-\s]+$")
    width: Decimal | None = Field(default=None, gt=0, lt=2)
    width_bins: int | None = Field(default=None, ge=2)
    bin_step: int | None = Field(default=None, ge=1, le=400)
    out_of_range_seconds: int | None = Field(default=None, ge=0)
    limit_pct: Decimal | None = Field(default=None, ge=0, lt=1)
    min_interval_seconds: int = Field(default=300, ge=0)
    reentry: Literal["single_sided", "centered"] = "single_sided"
    max_bins: int = Field(default=69, ge=2)
    zone_min_price: Decimal | None = Field(default=None, gt=0)
    zone_max_price: Decimal | None = Field(default=None, gt=0)
    native_token: str = "SOL"
    native_reserve: Decimal = Field(default=Decimal("0.1"), ge=0)
    max_rebalances_per_day: int = Field(default=24, ge=0)
    base_amount: Decimal = Field(default=ZERO, ge=0)
    quote_amount: Decimal = Field(default=ZERO, ge=0)
    strategy_type: StrategyType = Strategy.SPOT
    slippage_pct: Decimal = Field(default=Decimal("0.01"), ge=0, le=Decimal("0.5"))
    refresh_interval_seconds: int = Field(default=10, ge=1)
    close_on_stop: bool = False

    @model_validator(mode="before")
    @classmethod
    def _old_names(cls, data: Any) -> Any:
        if isinstance(data, Mapping) and "width_pct" in data:
            raise ValueError(_width_pct_refused(data["width_pct"]))
        return data

    @model_validator(mode="after")
    def _consistent(self) -> RebalanceConfig:
        if (self.width is None) == (self.width_bins is None):
            raise ValueError(
                "expected exactly one of width (a ratio of the price, 0.05 = 5 %) and "
                f"width_bins, received width={self.width} width_bins={self.width_bins}"
            )
        if self.width_bins is not None and self.bin_step is None:
            raise ValueError("width_bins needs bin_step (the pool's bin step), received none")
        if self.out_of_range_seconds is None and self.limit_pct is None:
            raise ValueError(
                "expected a trigger: out_of_range_seconds and/or limit_pct, received neither"
            )
        if self.base_amount == 0 and self.quote_amount == 0:
            raise ValueError("expected base_amount or quote_amount > 0, received both 0")
        low, high = self.zone_min_price, self.zone_max_price
        if low is not None and high is not None and low >= high:
            raise ValueError(f"expected zone_min_price < zone_max_price, received {low} and {high}")
        if self.lp_provider not in LP_PROVIDERS:
            raise ValueError(f"expected lp_provider in {LP_PROVIDERS}")
        if self.reentry == "centered":
            self._check_inventory_swap()
        return self

    def _check_inventory_swap(self) -> None:
        provider = self.swap_provider
        pool_provider = POOL_SWAP_VENUES.get(provider)
        if pool_provider is not None:
            if self.lp_provider != pool_provider:
                raise ValueError(
                    f"reentry 'centered' with swap_provider {provider!r} swaps in the policy's "
                    f"own pool, so expected lp_provider {pool_provider!r}, received "
                    f"{self.lp_provider!r}"
                )
            return
        if re.fullmatch(SWAP_CONNECTOR_PATTERN, provider) is None:
            raise ValueError(
                "reentry 'centered' swaps the inventory through swap_provider: expected a "
                "Gateway swap connector as name/type (jupiter/router, meteora/clmm, raydium/amm, "
                f"...) or {' or '.join(POOL_SWAP_VENUES)}, received {provider!r}"
            )

    @property
    def inventory_swap(self) -> tuple[str, str | None]:
        """The Gateway connector a centered re-entry swaps through, and the pool it swaps in
        (None: the connector routes, or picks the pool Gateway lists for the pair)."""
        connector = POOL_SWAP_VENUES.get(self.swap_provider)
        if connector is not None:
            return connector, self.pool_address
        return self.swap_provider, None


@dataclass(slots=True)
class PolicyState:
    """What a policy remembers between decisions; persisted by the runner."""

    executor_id: str = ""
    """The current LP executor: while set, no new position is opened (the persisted guard)."""
    generation: int = 0
    last_open_at: dt.datetime | None = None
    day: str = ""
    opens_today: int = 0
    base: Decimal = ZERO
    quote: Decimal = ZERO
    """Inventory the policy holds outside its position (in the wallet)."""
    deployed_base: Decimal = ZERO
    deployed_quote: Decimal = ZERO
    """What the current executor was given (restored if it never opened)."""
    funded: bool = False
    swap_id: str = ""
    swapped_for: int = 0
    """The generation whose inventory swap is done (one swap per re-entry)."""
    last_side: str = ""
    last_action: str = ""
    last_action_at: dt.datetime | None = None
    rebalances: int = 0
    last_check_at: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class ExecutorView:
    """What the policy needs to know of its current executor (from its report)."""

    executor_id: str
    status: ExecutorStatus
    opened: bool
    """A position landed on chain at some point."""
    returned_base: Decimal
    """Base the closed position returned, fees included (0 while it is open)."""
    returned_quote: Decimal
    lower_price: Decimal | None = None
    upper_price: Decimal | None = None
    stranded_reason: str | None = None
    """Why the executor is stranded (it waits for an operator's retry), or None."""


@dataclass(frozen=True, slots=True)
class OpenPosition:
    """Create this LP executor."""

    config: LPExecutorConfig


@dataclass(frozen=True, slots=True)
class SwapInventory:
    """Swap ``amount`` of base (SELL gives base for quote) before the next open."""

    swap_id: str
    side: Literal["BUY", "SELL"]
    amount: Decimal


@dataclass(frozen=True, slots=True)
class Wait:
    """Nothing to do now, and why."""

    reason: str


Action = OpenPosition | SwapInventory | Wait


class RebalancePolicy:
    """Decides, from the state, the price and the current executor, what to do next."""

    def __init__(self, config: RebalanceConfig, state: PolicyState | None = None) -> None:
        self.config = config
        self.state = state or PolicyState()
        if not self.state.funded:
            self.state.base, self.state.quote = config.base_amount, config.quote_amount
            self.state.funded = True

    # --- the decision ----------------------------------------------------------------------------

    def decide(
        self, *, now: dt.datetime, price: Decimal, current: ExecutorView | None
    ) -> list[Action]:
        """Return the actions to take now (at most one open or one swap)."""
        state = self.state
        if state.executor_id:
            if current is None or current.executor_id != state.executor_id:
                return [Wait(f"waiting for executor {state.executor_id} to report")]
            if current.stranded_reason:
                return [
                    Wait(
                        f"executor {current.executor_id} is stranded: {current.stranded_reason} "
                        f"(lpexec lp close {current.executor_id} reconciles and closes it)"
                    )
                ]
            if current.status is not ExecutorStatus.TERMINATED:
                return [Wait(f"executor {current.executor_id} is {current.status.value}")]
            self._absorb(current, now)
        if state.swap_id:
            return [Wait(f"waiting for swap {state.swap_id}")]
        return self._next(now, price)

    def next_executor_id(self) -> str:
        """The id the next LP executor gets (ids are deterministic, so a create is never
        repeated after a crash: the engine refuses an id it holds)."""
        return f"{self.config.policy_id}-{self.state.generation + 1}"

    def _absorb(self, ended: ExecutorView, now: dt.datetime) -> None:
        state = self.state
        if ended.opened:
            state.base += ended.returned_base
            state.quote += ended.returned_quote
        else:
            state.base += state.deployed_base
            state.quote += state.deployed_quote
        state.deployed_base = state.deployed_quote = ZERO
        state.executor_id = ""
        self._note(
            now,
            f"executor {ended.executor_id} ended; holding {state.base} base, {state.quote} quote",
        )

    def swap_done(self, *, base_delta: Decimal, quote_delta: Decimal, now: dt.datetime) -> None:
        """Record a finished inventory swap (deltas as the wallet saw them)."""
        state = self.state
        state.base += base_delta
        state.quote += quote_delta
        state.swap_id = ""
        state.swapped_for = state.generation + 1
        self._note(now, f"swap done: base {base_delta:+}, quote {quote_delta:+}")

    def swap_failed(self, *, now: dt.datetime, reason: str) -> None:
        """Forget a failed swap (the next decision tries again)."""
        self.state.swap_id = ""
        self._note(now, f"swap failed: {reason}")

    def absorb(self, ended: ExecutorView, *, now: dt.datetime) -> None:
        """Take back what a terminated executor returned (or was given, if it never opened)."""
        if self.state.executor_id == ended.executor_id:
            self._absorb(ended, now)

    def opened(self, executor_id: str, *, base: Decimal, quote: Decimal, now: dt.datetime) -> None:
        """Record that ``executor_id`` was created with ``base``/``quote`` (the guard until it
        ends)."""
        state = self.state
        state.base -= base
        state.quote -= quote
        state.deployed_base, state.deployed_quote = base, quote
        if state.generation > 0:
            state.rebalances += 1
            day = now.date().isoformat()
            state.opens_today = state.opens_today + 1 if state.day == day else 1
            state.day = day
        state.executor_id = executor_id
        state.generation += 1
        state.last_open_at = now
        self._note(now, f"opened executor {executor_id}")

    def _note(self, now: dt.datetime, text: str) -> None:
        self.state.last_action, self.state.last_action_at = text, now

    # --- where to go next -----------------------------------------------------------------------

    def _next(self, now: dt.datetime, price: Decimal) -> list[Action]:
        state, config = self.state, self.config
        if state.generation > 0:
            if state.last_open_at is not None:
                since = (now - state.last_open_at).total_seconds()
                if since < config.min_interval_seconds:
                    return [
                        Wait(
                            f"anti-thrash: {since:.0f} s since the last open, "
                            f"{config.min_interval_seconds} s required"
                        )
                    ]
            day = now.date().isoformat()
            if state.day == day and state.opens_today >= config.max_rebalances_per_day:
                return [Wait(f"daily budget spent: {state.opens_today} rebalances today")]
        if config.zone_min_price is not None and price < config.zone_min_price:
            return [Wait(f"price {price} below the zone ({config.zone_min_price})")]
        if config.zone_max_price is not None and price > config.zone_max_price:
            return [Wait(f"price {price} above the zone ({config.zone_max_price})")]
        base, quote = self._deployable()
        if base * price + quote <= 0:
            return [Wait("nothing to deploy after the native reserve")]
        if config.reentry == "centered" and state.generation > 0:
            swap = self._rebalancing_swap(price, base, quote)
            if swap is not None:
                state.swap_id = swap.swap_id
                self._note(now, f"swapping {swap.side} {swap.amount} base")
                return [swap]
        return self._open(price, base, quote)

    def _deployable(self) -> tuple[Decimal, Decimal]:
        config, state = self.config, self.state
        base, quote = state.base, state.quote
        if config.base_token == config.native_token:
            base = max(ZERO, base - config.native_reserve)
        if config.quote_token == config.native_token:
            quote = max(ZERO, quote - config.native_reserve)
        return base, quote

    def width_ratio(self) -> Decimal:
        """The range width as a ratio of the lower bound, clamped to ``max_bins``."""
        config = self.config
        if config.width_bins is not None:
            step = 1 + Decimal(config.bin_step or 1) / 10_000
            wanted = step ** (config.width_bins - 1) - 1
        else:
            wanted = config.width or ZERO
        if config.bin_step is not None and config.lp_provider == "meteora/clmm":
            # Bounds round outwards to bins: keep a bin of margin at each end.
            widest = (1 + Decimal(config.bin_step) / 10_000) ** (config.max_bins - 3) - 1
            return min(wanted, widest)
        return wanted

    def bounds(self, price: Decimal, side: LPSide) -> tuple[Decimal, Decimal]:
        """The next range for ``side`` around ``price``, clamped to the zone."""
        width = self.width_ratio()
        if side is LPSide.BUY:
            upper = price * _BELOW
            lower = upper / (1 + width)
        elif side is LPSide.SELL:
            lower = price * _ABOVE
            upper = lower * (1 + width)
        else:
            half = (1 + width).sqrt()
            lower, upper = price / half, price * half
        if self.config.zone_min_price is not None:
            lower = max(lower, self.config.zone_min_price)
        if self.config.zone_max_price is not None:
            upper = min(upper, self.config.zone_max_price)
        return _round(lower), _round(upper)

    def _side(self, price: Decimal, base: Decimal, quote: Decimal) -> LPSide:
        has_base, has_quote = base > DUST, quote > DUST
        if has_base and has_quote:
            if self.state.generation == 0 or self.config.reentry == "centered":
                return LPSide.BOTH
            # Single-sided re-entry: the token now held (by value; the other is fee dust).
            return LPSide.SELL if base * price >= quote else LPSide.BUY
        return LPSide.SELL if has_base else LPSide.BUY

    def planned_position(self, price: Decimal) -> LPExecutorConfig | None:
        """The position the policy would open at ``price`` with what it holds now, whatever the
        timing rules say (anti-thrash interval, daily budget); None when it would open none.

        The state is not changed. The daemon checks this position against the venue at start.
        """
        base, quote = self._deployable()
        plan = self._plan(price, base, quote)
        return plan if isinstance(plan, LPExecutorConfig) else None

    def _open(self, price: Decimal, base: Decimal, quote: Decimal) -> list[Action]:
        plan = self._plan(price, base, quote)
        if isinstance(plan, str):
            return [Wait(plan)]
        self.state.last_side = plan.side.name
        return [OpenPosition(plan)]

    def _plan(self, price: Decimal, base: Decimal, quote: Decimal) -> LPExecutorConfig | str:
        """The next executor's config, or why there is none."""
        config = self.config
        side = self._side(price, base, quote)
        lower, upper = self.bounds(price, side)
        if lower >= upper:
            return f"the zone leaves no room for a range at {price}"
        base_amount = ZERO if side is LPSide.BUY else _amount(base)
        quote_amount = ZERO if side is LPSide.SELL else _amount(quote)
        if base_amount == 0 and quote_amount == 0:
            return "nothing to deploy"
        limit = config.limit_pct
        return LPExecutorConfig(
            id=self.next_executor_id(),
            controller_id=config.policy_id,
            connector=config.connector,
            lp_provider=config.lp_provider,
            swap_provider=config.swap_provider,
            pool_address=config.pool_address,
            trading_pair=config.trading_pair,
            lower_price=lower,
            upper_price=upper,
            base_amount=base_amount,
            quote_amount=quote_amount,
            side=side,
            strategy_type=config.strategy_type,
            slippage_pct=config.slippage_pct,
            auto_close_above_range_seconds=config.out_of_range_seconds,
            auto_close_below_range_seconds=config.out_of_range_seconds,
            upper_limit_price=None if limit is None else _round(upper * (1 + limit)),
            lower_limit_price=None if limit is None else _round(lower * (1 - limit)),
            keep_position=True,
            refresh_interval_seconds=config.refresh_interval_seconds,
            native_token=config.native_token,
        )

    def _rebalancing_swap(
        self, price: Decimal, base: Decimal, quote: Decimal
    ) -> SwapInventory | None:
        """The swap that brings the inventory to a centred range's token ratio."""
        if self.state.swapped_for == self.state.generation + 1:
            return None  # one swap per re-entry: open with what it brought
        value = base * price + quote
        lower, upper = self.bounds(price, LPSide.BOTH)
        quote_share = (price - lower) / (upper - lower)
        target_quote = value * quote_share
        difference = target_quote - quote
        amount = _amount(abs(difference) / price)
        if amount <= DUST * 10 or abs(difference) < value * SWAP_TOLERANCE:
            return None
        side: Literal["BUY", "SELL"] = "SELL" if difference > 0 else "BUY"
        swap_id = f"{self.config.policy_id}-swap-{self.state.generation + 1}"
        return SwapInventory(swap_id=swap_id, side=side, amount=amount)


def _width_pct_refused(value: object) -> str:
    message = "width_pct is no longer accepted: write width, a ratio of the price (0.05 = 5 %)"
    try:
        ratio = Decimal(str(value))
    except InvalidOperation:
        ratio = Decimal("NaN")
    if not ratio.is_finite() or ratio <= 0:
        return f"{message}, instead; received width_pct={value!r}"
    percent = (ratio * 100).normalize()
    return (
        f"{message}, instead of width_pct={value!r}: it was read as a ratio too, so "
        f"width = {value} keeps its {percent:f} % range"
    )


def _round(price: Decimal) -> Decimal:
    return price.quantize(_PRICE_STEP, rounding=ROUND_FLOOR)


def _amount(value: Decimal) -> Decimal:
    return value.quantize(_AMOUNT_STEP, rounding=ROUND_FLOOR)
