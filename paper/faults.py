"""The machinery shared by the paper fault plans: the rule grammar, the triggers and the seeding.

A fault plan (the paper chain's :class:`~lpexec.paper.chain.faults.FaultPlan`, the paper
exchange's :class:`~lpexec.paper.venues.exchange_faults.ExchangeFaultPlan`) is a list of rules
parsed from a spec string ``rule *( "," rule )``, each rule written::

    target ":" effect [ "=" value ] [ "@" probability | "#" nth [ "+" ] ]

What differs from plan to plan is data, a :class:`FaultGrammar`: the operation names and their
groups (``write``, ``read``, ``*``), which effects apply to writes only, the wording of errors
and the seed's prefix. The effects, what their ``=`` values mean and how a plan picks among the
rules that fired stay with each plan; this module parses the rest (:func:`split_rule`), keeps
the per-rule call counters and generators (:class:`SeededRules`) and gives each plan its spec
parsing and reading (:class:`RulesPlan`).

Decisions are deterministic: each rule has its own generator seeded by (the grammar's prefix,
seed, rule position, rule text), and every call of an operation a rule targets advances that
rule's generator and call counter, whether or not an earlier rule fired.
"""

from __future__ import annotations

import random
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any, ClassVar, Generic, Protocol, Self, TypeVar

__all__ = [
    "FaultGrammar",
    "PlanRule",
    "RuleParts",
    "RulesPlan",
    "SeededRules",
    "parse_retry_after",
    "parse_spec",
    "split_rule",
]

E = TypeVar("E", bound=StrEnum)
Bad = Callable[[str], Exception]
"""Builds the error that names a bad rule and its position (handed to the value parsers)."""


class PlanRule(Protocol):
    """What :class:`SeededRules` reads of a parsed rule."""

    @property
    def text(self) -> str: ...
    @property
    def operations(self) -> frozenset[str]: ...
    @property
    def probability(self) -> Decimal: ...
    @property
    def nth(self) -> int | None: ...
    @property
    def and_after(self) -> bool: ...


R = TypeVar("R", bound=PlanRule)


@dataclass(frozen=True, slots=True)
class FaultGrammar:
    """What one kind of fault plan knows: its operations, groups, write-only effects and wording.

    Attributes:
        operations: every operation name a call can be decided for.
        groups: target names standing for several operations (``write``, ``read``, ``*``).
        writes: the operations a write-only effect may target.
        error: the exception raised for a bad rule (called with the whole message).
        rule_noun: how an error names a rule, e.g. ``"fault rule"``.
        writes_noun: how an error names the writes, e.g. ``"write operations"``.
        example: a well-formed rule quoted when the ``target:effect`` shape is missing.
        seed_prefix: the first part of each rule generator's seed.
    """

    operations: frozenset[str]
    groups: Mapping[str, frozenset[str]]
    writes: frozenset[str]
    error: Callable[[str], Exception]
    rule_noun: str
    writes_noun: str
    example: str
    seed_prefix: str

    def check_operation(self, operation: str) -> None:
        """Raise ValueError unless ``operation`` is one of the grammar's operations."""
        if operation not in self.operations:
            raise ValueError(
                f"Expected an operation in {sorted(self.operations)}, received {operation!r}"
            )


@dataclass(frozen=True, slots=True)
class RuleParts(Generic[E]):
    """One rule split into what every plan reads alike; ``value`` is left to the plan."""

    text: str
    operations: frozenset[str]
    effect: E
    value: str | None
    """The text after ``=`` (None without ``=``)."""
    probability: Decimal
    nth: int | None
    and_after: bool
    bad: Bad
    """Builds the error naming this rule, for the plan's own checks of ``value``."""


def split_rule(
    text: str,
    *,
    position: int,
    grammar: FaultGrammar,
    effects: type[E],
    writes_only: frozenset[E],
) -> RuleParts[E]:
    """Parse the target, the trigger and the effect of one rule (its value is left as text).

    Raises:
        The grammar's error: naming the rule, its position and the part that is wrong.
    """
    rule = text.strip()

    def bad(reason: str) -> Exception:
        return grammar.error(f"Bad {grammar.rule_noun} {rule!r} (rule {position}): {reason}")

    target, colon, rest = rule.partition(":")
    target = target.strip()
    if not colon or not target or not rest.strip():
        raise bad(f"expected target:effect, e.g. {grammar.example!r}")
    operations = _parse_target(target, grammar, bad)
    rest, probability, nth, and_after = _parse_trigger(rest, bad)
    effect_text, equals, value = rest.partition("=")
    effect_text = effect_text.strip()
    try:
        effect = effects(effect_text)
    except ValueError:
        allowed = ", ".join(e.value for e in effects)
        raise bad(f"unknown effect {effect_text!r}; expected one of {allowed}") from None
    if effect in writes_only and not operations <= grammar.writes:
        reads = ", ".join(sorted(operations - grammar.writes))
        raise bad(f"effect {effect.value!r} applies to {grammar.writes_noun} only, not {reads}")
    return RuleParts(
        text=rule,
        operations=operations,
        effect=effect,
        value=value if equals else None,
        probability=probability,
        nth=nth,
        and_after=and_after,
        bad=bad,
    )


def parse_spec(spec: str | None, parse_rule: Callable[..., R]) -> tuple[R, ...]:
    """Parse each comma-separated rule of ``spec`` with ``parse_rule(text, position=n)``.

    An empty spec or None has no rules.
    """
    if spec is None or not spec.strip():
        return ()
    return tuple(parse_rule(part, position=i + 1) for i, part in enumerate(spec.split(",")))


def parse_retry_after(value: str, bad: Bad) -> int:
    """The whole seconds of a ``429=`` value."""
    if not value.strip().isdigit():
        raise bad(f"expected whole seconds after '429=', received {value!r}")
    return int(value)


def _parse_target(target: str, grammar: FaultGrammar, bad: Bad) -> frozenset[str]:
    if target in grammar.groups:
        return grammar.groups[target]
    if target in grammar.operations:
        return frozenset({target})
    allowed = ", ".join(sorted(grammar.operations | set(grammar.groups)))
    raise bad(f"unknown target {target!r}; expected one of {allowed}")


def _parse_trigger(rest: str, bad: Bad) -> tuple[str, Decimal, int | None, bool]:
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


def _parse_probability(text: str, bad: Bad) -> Decimal:
    try:
        probability = Decimal(text.strip())
    except InvalidOperation:
        raise bad(f"expected a probability in [0, 1] after '@', received {text!r}") from None
    if not probability.is_finite() or not 0 <= probability <= 1:
        raise bad(f"expected a probability in [0, 1] after '@', received {text!r}")
    return probability


def _parse_nth(text: str, bad: Bad) -> tuple[int, bool]:
    text = text.strip()
    digits = text.removesuffix("+")
    if not digits.isdigit() or int(digits) < 1:
        raise bad(f"expected a call number >= 1 after '#', received {text!r}")
    return int(digits), text.endswith("+")


@dataclass
class _RuleState(Generic[R]):
    rule: R
    generator: random.Random
    calls: int = 0

    def fires(self) -> bool:
        self.calls += 1
        rule = self.rule
        if rule.nth is not None:
            return self.calls == rule.nth or (rule.and_after and self.calls > rule.nth)
        return self.generator.random() < float(rule.probability)


class SeededRules(Generic[R]):
    """The rules of a plan with their call counters and seeded generators.

    Example:
        >>> rules = SeededRules(plan.rules, seed=3, grammar=GRAMMAR)
        >>> [rule.text for rule in rules.firing("open")]  # every rule that fired, in order
    """

    __slots__ = ("_grammar", "_states")

    def __init__(self, rules: Sequence[R], *, seed: int, grammar: FaultGrammar) -> None:
        self._grammar = grammar
        self._states = [
            _RuleState(rule, random.Random(f"{grammar.seed_prefix}:{seed}:{i}:{rule.text}"))
            for i, rule in enumerate(rules)
        ]

    def firing(self, operation: str) -> list[R]:
        """Advance every rule targeting ``operation``; return those that fire, in spec order.

        Raises:
            ValueError: when ``operation`` is not one of the grammar's operations.
        """
        self._grammar.check_operation(operation)
        return [
            state.rule
            for state in self._states
            if operation in state.rule.operations and state.fires()
        ]

    def get_state(self) -> list[dict[str, Any]]:
        """Each rule's call counter and generator state, as JSON-safe data."""
        saved = []
        for state in self._states:
            version, internal, gauss = state.generator.getstate()
            saved.append({"calls": state.calls, "random": [version, list(internal), gauss]})
        return saved

    def set_state(self, saved: Sequence[dict[str, Any]]) -> None:
        """Restore what :meth:`get_state` returned (one entry per rule, in order)."""
        for state, entry in zip(self._states, saved, strict=True):
            version, internal, gauss = entry["random"]
            state.generator.setstate((version, tuple(internal), gauss))
            state.calls = entry["calls"]


@dataclass
class RulesPlan(ABC, Generic[R]):
    """The base of a fault plan: its rules, its seed and their counters and generators.

    A plan subclasses it with its ``grammar``, its rule parser (``_parse_rule``) and its own
    ``decide(operation)``, which reads :meth:`_firing`.
    """

    grammar: ClassVar[FaultGrammar]

    rules: Sequence[R] = ()
    seed: int = 0
    _rules: SeededRules[R] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._rules = SeededRules(self.rules, seed=self.seed, grammar=self.grammar)

    @classmethod
    @abstractmethod
    def _parse_rule(cls, text: str, *, position: int) -> R:
        """Parse one rule of the spec (``position`` is 1-based, for the error)."""

    @classmethod
    def parse(cls, spec: str | None, *, seed: int = 0) -> Self:
        """Parse a spec string (empty or None = no faults).

        Raises:
            FaultSpecError: naming the first bad rule and what is wrong with it.
        """
        return cls(parse_spec(spec, cls._parse_rule), seed=seed)

    @property
    def spec(self) -> str:
        """The spec text the plan was parsed from (canonical spacing)."""
        return ",".join(rule.text for rule in self.rules)

    def __bool__(self) -> bool:
        return bool(self.rules)

    def _firing(self, operation: str) -> list[R]:
        """The rules that fire for one call of ``operation`` (every matching rule advances).

        Raises:
            ValueError: when ``operation`` is not a known operation name.
        """
        return self._rules.firing(operation)
