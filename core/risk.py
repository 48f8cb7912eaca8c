"""Pre-trade risk checks: every executor create passes through :class:`RiskEngine` first.

The engine answers one question per create: may this executor open, given the executors that are
already open and the creates approved earlier in the same batch? It checks, in this order:

1. ``controller_id`` - the request must belong to the caller's controller;
2. valuation - every amount the enabled money limits need must be finite and, where a base amount
   is involved, valued with a finite reference price > 0 (the engine fails closed);
3. ``max_open_executors`` - open executors after this create;
4. ``max_single_order_quote`` - the quote value of this create alone;
5. ``max_position_size_quote`` - the quote value of everything open after this create.

Exposures keep base and quote amounts apart (:class:`Exposure`), so a base amount is always valued
with a price before it is compared with a quote limit.

Example::

    engine = RiskEngine(RiskLimits.from_mapping({"max_open_executors": 5}))
    decisions = engine.check(
        [request],
        caller_controller_id="bot-a",
        open_exposures=[],
        price=lambda trading_pair: Decimal("150"),
    )
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal, localcontext
from typing import Protocol, TypeAlias

from lpexec.core.errors import ConfigError, RiskRejectedError

__all__ = [
    "CreateRequest",
    "Exposure",
    "PriceLookup",
    "RiskDecision",
    "RiskEngine",
    "RiskLimits",
    "SupportsExposure",
]

PriceLookup: TypeAlias = Callable[[str], Decimal | None]
"""Reference price of a trading pair in quote per base, or None when there is none."""

CONTROLLER_ID = "controller_id"
VALUATION = "valuation"
MAX_OPEN_EXECUTORS = "max_open_executors"
MAX_SINGLE_ORDER_QUOTE = "max_single_order_quote"
MAX_POSITION_SIZE_QUOTE = "max_position_size_quote"


def _to_decimal(name: str, value: object) -> Decimal:
    # Decimals and ints only: floats never enter a money path unnoticed.
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise ConfigError(f"Expected {name} to be a Decimal, received {value!r}")
    return Decimal(value)


def _require_text(name: str, value: object) -> None:
    if not isinstance(value, str) or not value:
        raise ConfigError(f"Expected a non-empty {name}, received {value!r}")


@dataclass(frozen=True, slots=True)
class Exposure:
    """What a create would put at risk, split into its base and quote parts.

    Amounts are magnitudes (>= 0): a sell of 2 SOL exposes ``base_amount=2``. Non-finite amounts
    are accepted here so that the risk engine can reject them with a reason.

    Attributes:
        trading_pair: The pair the base amount is priced in, e.g. ``"SOL-USDC"``.
        base_amount: Amount in the base token; valued with the pair's reference price.
        quote_amount: Amount already in the quote token.
    """

    trading_pair: str
    base_amount: Decimal = Decimal(0)
    quote_amount: Decimal = Decimal(0)

    def __post_init__(self) -> None:
        _require_text("trading_pair", self.trading_pair)
        for name in ("base_amount", "quote_amount"):
            amount = _to_decimal(name, getattr(self, name))
            if amount.is_finite() and amount < 0:
                raise ConfigError(
                    f"Expected {name} >= 0 for {self.trading_pair}, received {name}={amount}"
                )
            object.__setattr__(self, name, amount)


class SupportsExposure(Protocol):
    """Anything that can say what it would put at risk (every executor config does)."""

    def exposure(self) -> Exposure:
        """Return the exposure this config would open."""
        ...


@dataclass(frozen=True, slots=True)
class RiskLimits:
    """The limits a :class:`RiskEngine` enforces; ``None`` turns a limit off.

    Attributes:
        max_open_executors: Most executors open at once, counting the one being created.
        max_single_order_quote: Largest quote value of one create.
        max_position_size_quote: Largest quote value of all open exposures together (all pairs),
            counting the one being created.
    """

    max_open_executors: int | None = None
    max_single_order_quote: Decimal | None = None
    max_position_size_quote: Decimal | None = None

    def __post_init__(self) -> None:
        count = self.max_open_executors
        if count is not None:
            if isinstance(count, bool) or not isinstance(count, int) or count < 0:
                raise ConfigError(
                    f"Expected {MAX_OPEN_EXECUTORS} to be an integer >= 0 or None, "
                    f"received {count!r}"
                )
        for name in (MAX_SINGLE_ORDER_QUOTE, MAX_POSITION_SIZE_QUOTE):
            raw = getattr(self, name)
            if raw is None:
                continue
            limit = _to_decimal(name, raw)
            if not limit.is_finite() or limit < 0:
                raise ConfigError(
                    f"Expected {name} to be a finite amount >= 0 or None, received {raw!r}"
                )
            object.__setattr__(self, name, limit)

    @classmethod
    def known_names(cls) -> tuple[str, ...]:
        """Return the limit names, in declaration order."""
        return tuple(f.name for f in fields(cls))

    @classmethod
    def from_mapping(cls, mapping: Mapping[str, object]) -> RiskLimits:
        """Build limits from a plain mapping (a parsed config file or request body).

        Integers and numeric strings are accepted for every limit; a float is accepted for the
        quote limits and converted through its shortest string form. Missing keys and ``None``
        turn a limit off.

        Args:
            mapping: Limit names to values.

        Returns:
            The validated limits.

        Raises:
            ConfigError: A key is not a known limit name, or a value is not a number >= 0.
        """
        known = cls.known_names()
        unknown = sorted(str(key) for key in mapping if key not in known)
        if unknown:
            raise ConfigError(
                f"Expected risk limit names among {', '.join(known)}, "
                f"received unknown {', '.join(repr(k) for k in unknown)}"
            )
        count = mapping.get(MAX_OPEN_EXECUTORS)
        return cls(
            max_open_executors=_parse_count(MAX_OPEN_EXECUTORS, count),
            max_single_order_quote=_parse_amount(
                MAX_SINGLE_ORDER_QUOTE, mapping.get(MAX_SINGLE_ORDER_QUOTE)
            ),
            max_position_size_quote=_parse_amount(
                MAX_POSITION_SIZE_QUOTE, mapping.get(MAX_POSITION_SIZE_QUOTE)
            ),
        )


def _parse_count(name: str, value: object) -> int | None:
    if value is None:
        return None
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            raise ConfigError(f"Expected {name} to be an integer, received {value!r}") from None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise ConfigError(f"Expected {name} to be an integer, received {value!r}")


def _parse_amount(name: str, value: object) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, bool):
        raise ConfigError(f"Expected {name} to be an amount, received {value!r}")
    if isinstance(value, Decimal | int):
        return Decimal(value)
    if isinstance(value, float | str):
        try:
            return Decimal(str(value).strip())
        except ArithmeticError:
            raise ConfigError(f"Expected {name} to be an amount, received {value!r}") from None
    raise ConfigError(f"Expected {name} to be an amount, received {value!r}")


@dataclass(frozen=True, slots=True)
class CreateRequest:
    """One executor create, as the risk engine sees it.

    Attributes:
        executor_id: Id of the executor to be created.
        controller_id: Controller the executor is created for.
        executor_type: Executor type name (e.g. ``"lp"``), for reporting.
        exposure: What the executor would put at risk.
    """

    executor_id: str
    controller_id: str
    executor_type: str
    exposure: Exposure

    def __post_init__(self) -> None:
        _require_text("executor_id", self.executor_id)
        _require_text("executor_type", self.executor_type)
        if not isinstance(self.controller_id, str):
            raise ConfigError(
                f"Expected controller_id to be a str, received {self.controller_id!r}"
            )
        if not isinstance(self.exposure, Exposure):
            raise ConfigError(f"Expected exposure to be an Exposure, received {self.exposure!r}")


@dataclass(frozen=True, slots=True)
class RiskDecision:
    """The engine's answer for one create.

    Attributes:
        executor_id: The request's executor id.
        approved: Whether the create may go ahead.
        limit: Name of the check that refused (``None`` when approved).
        reason: Why it was refused, naming the limit and both numbers (``None`` when approved).
        exposure_quote: Quote value of the request, when a money limit needed it.
    """

    executor_id: str
    approved: bool
    limit: str | None = None
    reason: str | None = None
    exposure_quote: Decimal | None = field(default=None)


@dataclass(frozen=True, slots=True)
class _Valued:
    value: Decimal | None = None
    error: str | None = None


class RiskEngine:
    """Check executor creates against :class:`RiskLimits`.

    The engine is stateless between calls: the caller passes the open exposures each time, which
    should cover the scope the limits are meant for (usually one controller's open executors).
    """

    def __init__(self, limits: RiskLimits) -> None:
        if not isinstance(limits, RiskLimits):
            raise ConfigError(f"Expected limits to be RiskLimits, received {limits!r}")
        self._limits = limits

    @property
    def limits(self) -> RiskLimits:
        """The limits this engine enforces."""
        return self._limits

    def check(
        self,
        requests: Iterable[CreateRequest],
        *,
        caller_controller_id: str,
        open_exposures: Sequence[Exposure],
        price: PriceLookup,
    ) -> list[RiskDecision]:
        """Decide every create of a batch, in order, with running totals.

        An approved create counts as one more open executor, with its exposure, for the creates
        after it; a rejected one adds nothing. Each trading pair is priced at most once per call.

        Args:
            requests: The creates, in the order they would be carried out.
            caller_controller_id: The controller making the call; every request must carry it.
            open_exposures: Exposures of the executors open now (their count is the open count).
            price: Reference price lookup, quote per base, for a trading pair.

        Returns:
            One decision per request, in the same order.

        Raises:
            ConfigError: ``caller_controller_id`` is empty.
        """
        _require_text("caller_controller_id", caller_controller_id)
        prices = _PriceCache(price)
        limits = self._limits
        open_count = len(open_exposures)
        open_value: _Valued = _Valued(Decimal(0))
        if limits.max_position_size_quote is not None:
            open_value = _value_all(open_exposures, prices)
        decisions: list[RiskDecision] = []
        for request in requests:
            decision = self._decide(
                request,
                caller_controller_id=caller_controller_id,
                open_count=open_count,
                open_value=open_value,
                prices=prices,
            )
            decisions.append(decision)
            if decision.approved:
                open_count += 1
                if open_value.value is not None and decision.exposure_quote is not None:
                    open_value = _Valued(open_value.value + decision.exposure_quote)
        return decisions

    def require(
        self,
        requests: Iterable[CreateRequest],
        *,
        caller_controller_id: str,
        open_exposures: Sequence[Exposure],
        price: PriceLookup,
    ) -> list[RiskDecision]:
        """Check a batch like :meth:`check` and raise for the first rejection.

        Returns:
            The decisions, all approved.

        Raises:
            RiskRejectedError: A create was refused; ``limit`` names the check that refused it.
            ConfigError: ``caller_controller_id`` is empty.
        """
        decisions = self.check(
            requests,
            caller_controller_id=caller_controller_id,
            open_exposures=open_exposures,
            price=price,
        )
        for decision in decisions:
            if not decision.approved:
                raise RiskRejectedError(str(decision.reason), limit=str(decision.limit))
        return decisions

    def _decide(
        self,
        request: CreateRequest,
        *,
        caller_controller_id: str,
        open_count: int,
        open_value: _Valued,
        prices: _PriceCache,
    ) -> RiskDecision:
        limits = self._limits

        def reject(limit: str, reason: str, value: Decimal | None = None) -> RiskDecision:
            return RiskDecision(request.executor_id, False, limit, reason, value)

        if request.controller_id != caller_controller_id:
            return reject(
                CONTROLLER_ID,
                f"{CONTROLLER_ID}: request has {request.controller_id!r} "
                f"but the caller is {caller_controller_id!r}",
            )
        value: Decimal | None = None
        if limits.max_single_order_quote is not None or limits.max_position_size_quote is not None:
            valued = _value_one(request.exposure, prices)
            if valued.value is None:
                return reject(
                    VALUATION,
                    f"{VALUATION}: cannot value executor {request.executor_id!r} in quote: "
                    f"{valued.error}",
                )
            value = valued.value
        if limits.max_position_size_quote is not None and open_value.value is None:
            return reject(
                VALUATION, f"{VALUATION}: cannot value the open exposures: {open_value.error}"
            )
        if limits.max_open_executors is not None and open_count + 1 > limits.max_open_executors:
            return reject(
                MAX_OPEN_EXECUTORS,
                f"{MAX_OPEN_EXECUTORS}: {open_count + 1} would exceed {limits.max_open_executors}",
                value,
            )
        if (
            limits.max_single_order_quote is not None
            and value is not None
            and value > limits.max_single_order_quote
        ):
            return reject(
                MAX_SINGLE_ORDER_QUOTE,
                _exceeds(MAX_SINGLE_ORDER_QUOTE, value, limits.max_single_order_quote),
                value,
            )
        if (
            limits.max_position_size_quote is not None
            and value is not None
            and open_value.value is not None
            and open_value.value + value > limits.max_position_size_quote
        ):
            return reject(
                MAX_POSITION_SIZE_QUOTE,
                _exceeds(
                    MAX_POSITION_SIZE_QUOTE,
                    open_value.value + value,
                    limits.max_position_size_quote,
                ),
                value,
            )
        return RiskDecision(request.executor_id, True, exposure_quote=value)


class _PriceCache:
    """Look each pair up once per check and keep either a usable price or why there is none."""

    def __init__(self, lookup: PriceLookup) -> None:
        self._lookup = lookup
        self._seen: dict[str, _Valued] = {}

    def get(self, trading_pair: str) -> _Valued:
        if trading_pair not in self._seen:
            self._seen[trading_pair] = self._fetch(trading_pair)
        return self._seen[trading_pair]

    def _fetch(self, trading_pair: str) -> _Valued:
        expected = f"expected a finite reference price > 0 for {trading_pair}"
        try:
            found = self._lookup(trading_pair)
        except Exception as e:  # fail closed: a broken lookup refuses, it does not approve
            return _Valued(error=f"{expected}, the lookup raised {type(e).__name__}: {e}")
        if not isinstance(found, Decimal):
            return _Valued(error=f"{expected}, received {found!r}")
        if not found.is_finite() or found <= 0:
            return _Valued(error=f"{expected}, received {found}")
        return _Valued(found)


def _value_one(exposure: Exposure, prices: _PriceCache) -> _Valued:
    for name, amount in (
        ("base_amount", exposure.base_amount),
        ("quote_amount", exposure.quote_amount),
    ):
        if not amount.is_finite():
            return _Valued(
                error=f"expected a finite {name} on {exposure.trading_pair}, received {amount}"
            )
    if exposure.base_amount == 0:
        return _Valued(exposure.quote_amount)
    price = prices.get(exposure.trading_pair)
    if price.value is None:
        return _Valued(error=f"base_amount {exposure.base_amount} needs a price: {price.error}")
    return _Valued(exposure.quote_amount + exposure.base_amount * price.value)


def _value_all(exposures: Iterable[Exposure], prices: _PriceCache) -> _Valued:
    total = Decimal(0)
    for exposure in exposures:
        valued = _value_one(exposure, prices)
        if valued.value is None:
            return valued
        total += valued.value
    return _Valued(total)


def _exceeds(limit: str, value: Decimal, maximum: Decimal) -> str:
    # The attempted value rounds up and the limit down, so the message never shows two equal
    # numbers for a value that exceeds its limit by less than a cent.
    return f"{limit}: {_money(value, ROUND_CEILING)} would exceed {_money(maximum, ROUND_FLOOR)}"


def _money(amount: Decimal, rounding: str) -> str:
    with localcontext() as context:
        context.prec = max(28, amount.adjusted() + 4)
        return format(amount.quantize(Decimal("0.01"), rounding=rounding), "f")
