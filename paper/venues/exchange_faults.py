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
counter, whether or not an earlier rule fired. The first rule that fires wins. The grammar, the
triggers and the seeding are the shared machinery of :mod:`lpexec.paper.faults`.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from lpexec.paper.chain.errors import FaultSpecError
from lpexec.paper.faults import FaultGrammar, RulesPlan, parse_retry_after, split_rule

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
_GRAMMAR = FaultGrammar(
    operations=EXCHANGE_OPERATIONS,
    groups={"write": EXCHANGE_WRITES, "read": EXCHANGE_READS, "*": EXCHANGE_OPERATIONS},
    writes=EXCHANGE_WRITES,
    error=FaultSpecError,
    rule_noun="exchange fault rule",
    writes_noun="writes",
    example="place:504@0.3",
    seed_prefix="paper-exchange-faults",
)
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
        parts = split_rule(
            text,
            position=position,
            grammar=_GRAMMAR,
            effects=ExchangeFaultEffect,
            writes_only=_WRITE_ONLY,
        )
        effect, value = parts.effect, parts.value
        retry_after = DEFAULT_RETRY_AFTER_SECONDS
        if value is not None and effect is not ExchangeFaultEffect.RATE_LIMIT:
            raise parts.bad(f"effect {effect.value!r} takes no '=' value, received {value!r}")
        if value is not None:
            retry_after = parse_retry_after(value, parts.bad)
        return cls(
            text=parts.text,
            operations=parts.operations,
            effect=effect,
            probability=parts.probability,
            nth=parts.nth,
            and_after=parts.and_after,
            retry_after=retry_after,
        )


@dataclass
class ExchangeFaultPlan(RulesPlan[ExchangeFaultRule]):
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

    grammar = _GRAMMAR
    fired: Counter[str] = field(default_factory=Counter)

    @classmethod
    def _parse_rule(cls, text: str, *, position: int) -> ExchangeFaultRule:
        return ExchangeFaultRule.parse(text, position=position)

    def decide(self, operation: str) -> ExchangeFault | None:
        """Decide the fault for one call of ``operation`` (advances the matching rules).

        Raises:
            ValueError: when ``operation`` is not a known operation name.
        """
        fired = self._firing(operation)
        if not fired:
            return None
        rule = fired[0]
        retry_after = rule.retry_after if rule.effect is ExchangeFaultEffect.RATE_LIMIT else None
        chosen = ExchangeFault(rule.effect, retry_after=retry_after, rule=rule.text)
        self.fired[chosen.effect.value] += 1
        return chosen
