"""Deterministic fault injection for the paper exchange venue.

The same kind of plan as the paper chain's (:mod:`lpexec.paper.chain.faults`), for the calls an
exchange port makes. A plan is parsed from a compact spec string, for example::

    place:504@0.2,place:drop#2,cancel:500@0.1,read:429=3@0.05,place:reject#4+

Grammar (whitespace around rules is ignored)::

    spec        = rule *( "," rule )
    rule        = target ":" effect [ "=" seconds ] [ "@" probability | "#" nth [ "+" ] ]
    target      = "place" | "cancel"                                ; writes
                | "status" | "fills" | "balances" | "rules"
                | "positions" | "funding"                           ; reads
                | "settings"                                        ; leverage, position mode
                | "write" | "read" | "*"
    effect      = "504" | "drop" | "reject"                         ; writes only
                | "500" | "429"                                     ; any call
    seconds     = whole seconds of the 429's retry-after (default 2)
    probability = decimal in [0, 1] (default 1)
    nth         = the n-th matching call only (1-based); "nth+" = that call and every later one

Effects (what the port raises, and whether the exchange carried the write out):

* ``504`` - the write is carried out, then its answer is lost: ``OutcomeUnknownError``.
* ``drop`` - the write never reaches the exchange, and the caller times out:
  ``OutcomeUnknownError`` with nothing carried out.
* ``reject`` - the exchange refuses the write: ``VenueRejectedError``, nothing carried out.
* ``500`` - a server error: ``VenueUnavailableError``, nothing carried out.
* ``429`` - rate limited: ``VenueUnavailableError`` with ``retry_after``, nothing carried out.

Reads are ``status`` (an order's record: ``order_status`` and the look-up of ``reconcile``),
``fills``, ``balances``, ``rules``, and on perpetuals ``positions`` and ``funding``; ``settings``
is setting the leverage or the position mode (idempotent: a 500 or a 429 only).

Decisions are deterministic: each rule has its own generator seeded by (seed, rule position, rule
text), and every call of an operation a rule targets advances that rule's generator and call
counter, whether or not an earlier rule fired. The first rule that fires wins.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from lpexec.paper.chain.errors import FaultSpecError

__all__ = [
    "EXCHANGE_OPERATIONS",
    "EXCHANGE_READS",
    "EXCHANGE_SETTINGS",
    "EXCHANGE_WRITES",
    "ExchangeFault",
    "ExchangeFaultEffect",
    "ExchangeFaultPlan",
    "ExchangeFaultRule",
]

EXCHANGE_WRITES = frozenset({"place", "cancel"})
EXCHANGE_READS = frozenset({"status", "fills", "balances", "rules", "positions", "funding"})
EXCHANGE_SETTINGS = frozenset({"settings"})
EXCHANGE_OPERATIONS = EXCHANGE_WRITES | EXCHANGE_READS | EXCHANGE_SETTINGS
_Bad = Callable[[str], FaultSpecError]
"""Builds the error that names a bad rule (``ExchangeFaultRule.parse`` hands it to helpers)."""
_GROUPS = {"write": EXCHANGE_WRITES, "read": EXCHANGE_READS, "*": EXCHANGE_OPERATIONS}
DEFAULT_RETRY_AFTER_SECONDS = 2


class ExchangeFaultEffect(StrEnum):
    """What an injected fault does (see the module docstring)."""

    TIMEOUT_LANDED = "504"
    DROP = "drop"
    REJECT = "reject"
    SERVER_ERROR = "500"
    RATE_LIMIT = "429"

    @property
    def writes_only(self) -> bool:
        """True for effects that only make sense on a write."""
        return self in _WRITE_ONLY


_WRITE_ONLY = frozenset(
    {ExchangeFaultEffect.TIMEOUT_LANDED, ExchangeFaultEffect.DROP, ExchangeFaultEffect.REJECT}
)


@dataclass(frozen=True, slots=True)
class ExchangeFault:
    """A fault chosen for one call."""

    effect: ExchangeFaultEffect
    retry_after: int | None = None
    """Seconds the caller should wait (429 only)."""
    rule: str = ""
    """The rule text that fired."""


@dataclass(frozen=True, slots=True)
class ExchangeFaultRule:
    """One parsed rule of a fault spec."""

    text: str
    operations: frozenset[str]
    effect: ExchangeFaultEffect
    probability: Decimal = Decimal(1)
    nth: int | None = None
    and_after: bool = False
    """With ``nth``: also fire on every later call."""
    retry_after: int = DEFAULT_RETRY_AFTER_SECONDS

    @classmethod
    def parse(cls, text: str, *, position: int = 1) -> ExchangeFaultRule:
        """Parse one rule.

        Raises:
            FaultSpecError: naming the rule, its position and the part that is wrong.
        """
        rule = text.strip()

        def bad(reason: str) -> FaultSpecError:
            return FaultSpecError(f"Bad exchange fault rule {rule!r} (rule {position}): {reason}")

        target, colon, rest = rule.partition(":")
        target = target.strip()
        if not colon or not target or not rest.strip():
            raise bad("expected target:effect, e.g. 'place:504@0.3'")
        operations = _parse_target(target, bad)
        rest, probability, nth, and_after = _parse_trigger(rest, bad)
        effect_text, equals, value = rest.partition("=")
        try:
            effect = ExchangeFaultEffect(effect_text.strip())
        except ValueError:
            allowed = ", ".join(e.value for e in ExchangeFaultEffect)
            raise bad(
                f"unknown effect {effect_text.strip()!r}; expected one of {allowed}"
            ) from None
        if effect.writes_only and not operations <= EXCHANGE_WRITES:
            reads = ", ".join(sorted(operations - EXCHANGE_WRITES))
            raise bad(f"effect {effect.value!r} applies to writes only, not {reads}")
        retry_after = DEFAULT_RETRY_AFTER_SECONDS
        if equals and effect is not ExchangeFaultEffect.RATE_LIMIT:
            raise bad(f"effect {effect.value!r} takes no '=' value, received {value!r}")
        if equals:
            if not value.strip().isdigit():
                raise bad(f"expected whole seconds after '429=', received {value!r}")
            retry_after = int(value)
        return cls(
            text=rule,
            operations=operations,
            effect=effect,
            probability=probability,
            nth=nth,
            and_after=and_after,
            retry_after=retry_after,
        )


def _parse_target(target: str, bad: _Bad) -> frozenset[str]:
    if target in _GROUPS:
        return _GROUPS[target]
    if target in EXCHANGE_OPERATIONS:
        return frozenset({target})
    allowed = ", ".join(sorted(EXCHANGE_OPERATIONS | set(_GROUPS)))
    raise bad(f"unknown target {target!r}; expected one of {allowed}")


def _parse_trigger(rest: str, bad: _Bad) -> tuple[str, Decimal, int | None, bool]:
    """Split ``effect[=value]@p`` or ``effect[=value]#n[+]``: (the rest, p, n, and after)."""
    if "@" in rest and "#" in rest:
        raise bad("use either '@probability' or '#nth', not both")
    if "@" in rest:
        rest, _, trigger = rest.partition("@")
        return rest, _parse_probability(trigger, bad), None, False
    if "#" in rest:
        rest, _, trigger = rest.partition("#")
        nth, and_after = _parse_nth(trigger, bad)
        return rest, Decimal(1), nth, and_after
    return rest, Decimal(1), None, False


def _parse_probability(text: str, bad: _Bad) -> Decimal:
    try:
        probability = Decimal(text.strip())
    except InvalidOperation:
        raise bad(f"expected a probability in [0, 1] after '@', received {text!r}") from None
    if not probability.is_finite() or not 0 <= probability <= 1:
        raise bad(f"expected a probability in [0, 1] after '@', received {text!r}")
    return probability


def _parse_nth(text: str, bad: _Bad) -> tuple[int, bool]:
    text = text.strip()
    digits = text.removesuffix("+")
    if not digits.isdigit() or int(digits) < 1:
        raise bad(f"expected a call number >= 1 after '#', received {text!r}")
    return int(digits), text.endswith("+")


@dataclass
class _RuleState:
    rule: ExchangeFaultRule
    generator: random.Random
    calls: int = 0

    def fires(self) -> bool:
        self.calls += 1
        rule = self.rule
        if rule.nth is not None:
            return self.calls == rule.nth or (rule.and_after and self.calls > rule.nth)
        return self.generator.random() < float(rule.probability)


@dataclass
class ExchangeFaultPlan:
    """A parsed exchange fault spec with its per-rule generators and call counters.

    Attributes:
        fired: how many times each effect was chosen, by effect value (a run can show that
            every kind of fault it asked for really happened).

    Example:
        >>> plan = ExchangeFaultPlan.parse("place:504#1", seed=3)
        >>> plan.decide("place").effect
        <ExchangeFaultEffect.TIMEOUT_LANDED: '504'>
        >>> plan.decide("place") is None
        True
    """

    rules: Sequence[ExchangeFaultRule] = ()
    seed: int = 0
    fired: Counter[str] = field(default_factory=Counter)
    _states: list[_RuleState] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._states = [
            _RuleState(rule, random.Random(f"paper-exchange-faults:{self.seed}:{i}:{rule.text}"))
            for i, rule in enumerate(self.rules)
        ]

    @classmethod
    def parse(cls, spec: str | None, *, seed: int = 0) -> ExchangeFaultPlan:
        """Parse a spec string (empty or None = no faults).

        Raises:
            FaultSpecError: naming the first bad rule and what is wrong with it.
        """
        if spec is None or not spec.strip():
            return cls((), seed=seed)
        rules = [
            ExchangeFaultRule.parse(part, position=i + 1) for i, part in enumerate(spec.split(","))
        ]
        return cls(tuple(rules), seed=seed)

    @property
    def spec(self) -> str:
        """The spec text the plan was parsed from (canonical spacing)."""
        return ",".join(rule.text for rule in self.rules)

    def __bool__(self) -> bool:
        return bool(self.rules)

    def decide(self, operation: str) -> ExchangeFault | None:
        """Decide the fault for one call of ``operation`` (advances the matching rules).

        Raises:
            ValueError: when ``operation`` is not a known operation name.
        """
        if operation not in EXCHANGE_OPERATIONS:
            raise ValueError(
                f"Expected an operation in {sorted(EXCHANGE_OPERATIONS)}, received {operation!r}"
            )
        chosen: ExchangeFault | None = None
        for state in self._states:
            rule = state.rule
            if operation not in rule.operations or not state.fires() or chosen is not None:
                continue
            retry_after = (
                rule.retry_after if rule.effect is ExchangeFaultEffect.RATE_LIMIT else None
            )
            chosen = ExchangeFault(rule.effect, retry_after=retry_after, rule=rule.text)
        if chosen is not None:
            self.fired[chosen.effect.value] += 1
        return chosen
