"""Deterministic fault injection for the paper chain and the paper Gateway.

A fault plan is parsed from a compact spec string, for example::

    open:504@0.3,poll:429=5@0.1,swap:drop#2,read:slow=250ms@0.5,close:lost#1,write:hang=5s#3

Grammar (whitespace around rules is ignored)::

    spec        = rule *( "," rule )
    rule        = target ":" effect [ "=" value ] [ "@" probability | "#" nth [ "+" ] ]
    target      = operation | "write" | "read" | "*"
    operation   = "open" | "add" | "remove" | "collect" | "close" | "swap" | "route"
                | "wrap" | "unwrap"                                       ; writes
                | "poll" | "balances" | "status" | "quote" | "pool" | "position"
                | "config" | "rpc"                                        ; reads
    effect      = "drop" | "504" | "fail" | "pending" | "lost" | "hang"   ; writes only
                | "429" | "500" | "rpc" | "slow"                          ; any operation
    value       = seconds for "429" (the retry-after header, integer, default 2)
                | duration for "slow" ("250ms", "2s", "1.5"; default 2s)
                | duration for "hang" (how long the answer is held back; default 600s)
                | "fail" for "lost" (the transaction failed on chain, its answer lost)
    probability = decimal in [0, 1] (default 1)
    nth         = the n-th matching call only (1-based); "nth+" = that call and every later one

Effects:

* ``drop`` - the transaction is sent but never lands: nothing changes, its signature polls
  ``status 0`` forever (a Meteora write answers 504 ``TRANSACTION_TIMEOUT`` after its wait).
* ``504`` - the transaction lands (and confirms later) but the write answers 504
  ``TRANSACTION_TIMEOUT`` without a signature.
* ``pending`` - the transaction lands but the write answers at once with ``status 0``.
* ``fail`` - the transaction lands and fails on chain: the fee is charged, nothing else changes,
  it polls ``status -1``.
* ``lost`` - the write runs as usual (its transaction lands and confirms) but its answer,
  whatever it was, is replaced by Gateway's generic HTTP 500: the client cannot tell it landed.
  ``lost=fail``: the transaction lands and fails on chain (its fee charged), answer lost alike.
* ``hang`` - the write runs as usual (its transaction lands and confirms) but its answer is held
  back until the client gives up (disconnects or cancels) or the duration passes, whichever comes
  first: the client sees its own timeout. Keep the duration above the client's write timeout.
* ``429`` - the request is refused with HTTP 429 and a ``retry-after`` header.
* ``500`` - the request is refused with Gateway's generic HTTP 500; nothing is sent.
* ``rpc`` - the RPC node is unreachable for this request; each route answers the way Gateway
  2.13 does when its RPC is down (see the paper Gateway's modes).
* ``slow`` - the answer is delayed by the duration (combines with any other effect).

Decisions are deterministic: each rule has its own generator seeded by (seed, rule position,
rule text), and every call to an operation a rule targets advances that rule's generator and
call counter, whether or not an earlier rule fired. The first firing non-``slow`` rule wins.
The grammar, the triggers and the seeding are the shared machinery of :mod:`lpexec.paper.faults`;
this module holds the chain's operations and effects.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from lpexec.paper.chain.errors import FaultSpecError
from lpexec.paper.faults import (
    Bad,
    FaultGrammar,
    RulesPlan,
    parse_retry_after,
    split_rule,
)

__all__ = [
    "ALL_OPERATIONS",
    "READ_OPERATIONS",
    "WRITE_OPERATIONS",
    "Fault",
    "FaultDecision",
    "FaultEffect",
    "FaultPlan",
    "FaultRule",
]

WRITE_OPERATIONS = frozenset(
    {"open", "add", "remove", "collect", "close", "swap", "route", "wrap", "unwrap"}
)
READ_OPERATIONS = frozenset(
    {"poll", "balances", "status", "quote", "pool", "position", "config", "rpc"}
)
ALL_OPERATIONS = WRITE_OPERATIONS | READ_OPERATIONS
_GRAMMAR = FaultGrammar(
    operations=ALL_OPERATIONS,
    groups={"write": WRITE_OPERATIONS, "read": READ_OPERATIONS, "*": ALL_OPERATIONS},
    writes=WRITE_OPERATIONS,
    error=FaultSpecError,
    rule_noun="fault rule",
    writes_noun="write operations",
    example="open:504@0.3",
    seed_prefix="paper-faults",
)


class FaultEffect(StrEnum):
    """What an injected fault does."""

    DROP = "drop"
    TIMEOUT = "504"
    PENDING = "pending"
    FAIL = "fail"
    LOST = "lost"
    HANG = "hang"
    RATE_LIMIT = "429"
    SERVER_ERROR = "500"
    RPC_DOWN = "rpc"
    SLOW = "slow"

    @property
    def writes_only(self) -> bool:
        """True for effects that only make sense on a transaction."""
        return self in _WRITE_ONLY


_WRITE_ONLY = frozenset(
    {
        FaultEffect.DROP,
        FaultEffect.TIMEOUT,
        FaultEffect.PENDING,
        FaultEffect.FAIL,
        FaultEffect.LOST,
        FaultEffect.HANG,
    }
)
DEFAULT_RETRY_AFTER_SECONDS = 2
DEFAULT_SLOW_SECONDS = 2.0
DEFAULT_HANG_SECONDS = 600.0


@dataclass(frozen=True, slots=True)
class Fault:
    """A fault chosen for one call."""

    effect: FaultEffect
    retry_after: int | None = None
    """Seconds for the ``retry-after`` header (429 only)."""
    hold_seconds: float | None = None
    """Longest time the answer is held back (hang only)."""
    fails: bool = False
    """The transaction lands and fails on chain (``lost=fail`` only)."""
    rule: str = ""
    """The rule text that fired."""


@dataclass(frozen=True, slots=True)
class FaultDecision:
    """What the plan decided for one call: an optional fault and an optional delay."""

    fault: Fault | None = None
    delay_seconds: float = 0.0

    @property
    def effect(self) -> FaultEffect | None:
        """The fault's effect, or None."""
        return None if self.fault is None else self.fault.effect


@dataclass(frozen=True, slots=True)
class FaultRule:
    """One parsed rule of a fault spec."""

    text: str
    operations: frozenset[str]
    effect: FaultEffect
    probability: Decimal = Decimal(1)
    nth: int | None = None
    and_after: bool = False
    """With ``nth``: also fire on every later call."""
    retry_after: int = DEFAULT_RETRY_AFTER_SECONDS
    delay_seconds: float = 0.0
    """``slow``: the delay before answering; ``hang``: the longest hold of the answer."""
    fails: bool = False
    """``lost=fail``: the transaction whose answer is lost failed on chain."""

    @classmethod
    def parse(cls, text: str, *, position: int = 1) -> FaultRule:
        """Parse one rule.

        Raises:
            FaultSpecError: naming the rule, its position and the part that is wrong.
        """
        parts = split_rule(
            text,
            position=position,
            grammar=_GRAMMAR,
            effects=FaultEffect,
            writes_only=_WRITE_ONLY,
        )
        effect, value = parts.effect, parts.value
        retry_after, delay, fails = DEFAULT_RETRY_AFTER_SECONDS, 0.0, False
        if effect is FaultEffect.LOST and value is not None:
            if value.strip().lower() != "fail":
                raise parts.bad(f"effect 'lost' takes only '=fail', received {value!r}")
            fails = True
        elif effect is FaultEffect.SLOW:
            delay = DEFAULT_SLOW_SECONDS if value is None else _parse_duration(value, parts.bad)
        elif effect is FaultEffect.HANG:
            delay = DEFAULT_HANG_SECONDS if value is None else _parse_duration(value, parts.bad)
        elif effect is FaultEffect.RATE_LIMIT and value is not None:
            retry_after = parse_retry_after(value, parts.bad)
        elif value is not None:
            raise parts.bad(f"effect {effect.value!r} takes no '=' value, received {value!r}")
        return cls(
            text=parts.text,
            operations=parts.operations,
            effect=effect,
            probability=parts.probability,
            nth=parts.nth,
            and_after=parts.and_after,
            retry_after=retry_after,
            delay_seconds=delay,
            fails=fails,
        )


def _parse_duration(text: str, bad: Bad) -> float:
    raw = text.strip().lower()
    scale = 1.0
    if raw.endswith("ms"):
        raw, scale = raw[:-2], 0.001
    elif raw.endswith("s"):
        raw = raw[:-1]
    try:
        seconds = Decimal(raw) * Decimal(str(scale))
    except InvalidOperation:
        raise bad(f"expected a duration like 250ms, 2s or 1.5, received {text!r}") from None
    if not seconds.is_finite() or seconds < 0:
        raise bad(f"expected a duration >= 0, received {text!r}")
    return float(seconds)


@dataclass
class FaultPlan(RulesPlan[FaultRule]):
    """A parsed fault spec with its per-rule generators and call counters.

    Example:
        >>> plan = FaultPlan.parse("open:504#1", seed=3)
        >>> plan.decide("open").effect
        <FaultEffect.TIMEOUT: '504'>
        >>> plan.decide("open").effect is None
        True
    """

    grammar = _GRAMMAR

    @classmethod
    def _parse_rule(cls, text: str, *, position: int) -> FaultRule:
        return FaultRule.parse(text, position=position)

    def decide(self, operation: str) -> FaultDecision:
        """Decide the fault for one call of ``operation`` (advances the matching rules).

        Raises:
            ValueError: when ``operation`` is not a known operation name.
        """
        fault: Fault | None = None
        delay = 0.0
        for rule in self._firing(operation):
            if rule.effect is FaultEffect.SLOW:
                delay = max(delay, rule.delay_seconds)
            elif fault is None:
                retry = rule.retry_after if rule.effect is FaultEffect.RATE_LIMIT else None
                hold = rule.delay_seconds if rule.effect is FaultEffect.HANG else None
                fault = Fault(
                    rule.effect,
                    retry_after=retry,
                    hold_seconds=hold,
                    fails=rule.fails,
                    rule=rule.text,
                )
        return FaultDecision(fault, delay)

    def get_state(self) -> dict[str, Any]:
        """Return the spec, seed, call counters and generator states as JSON-safe data."""
        return {"spec": self.spec, "seed": self.seed, "rules": self._rules.get_state()}

    @classmethod
    def from_state(cls, data: dict[str, Any]) -> FaultPlan:
        """Rebuild a plan saved by :meth:`get_state`, counters and generators included."""
        plan = cls.parse(data["spec"], seed=data["seed"])
        plan._rules.set_state(data["rules"])
        return plan
