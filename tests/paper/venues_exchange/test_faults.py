"""The exchange fault plan: its spec grammar, its errors, and deterministic decisions."""

from __future__ import annotations

import pytest

from lpexec.paper.chain.errors import FaultSpecError
from lpexec.paper.venues.exchange_faults import (
    EXCHANGE_READS,
    EXCHANGE_WRITES,
    ExchangeFaultEffect,
    ExchangeFaultPlan,
)

E = ExchangeFaultEffect


def decisions(plan: ExchangeFaultPlan, operation: str, calls: int) -> list[str | None]:
    return [
        None if (fault := plan.decide(operation)) is None else fault.effect.value
        for _ in range(calls)
    ]


def test_a_spec_parses_targets_effects_values_and_triggers():
    plan = ExchangeFaultPlan.parse(" place:504@0.25 , write:drop#2+, read:429=9#1,cancel:reject")

    first, second, third, fourth = plan.rules
    assert (first.operations, first.effect, str(first.probability)) == (
        frozenset({"place"}),
        E.TIMEOUT_LANDED,
        "0.25",
    )
    assert (second.operations, second.nth, second.and_after) == (EXCHANGE_WRITES, 2, True)
    assert (third.operations, third.retry_after) == (EXCHANGE_READS, 9)
    assert fourth.effect is E.REJECT
    assert plan.spec == "place:504@0.25,write:drop#2+,read:429=9#1,cancel:reject"


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("place", "expected target:effect"),
        ("open:504", "unknown target 'open'"),
        ("place:boom", "unknown effect 'boom'"),
        ("status:504", "applies to writes only, not status"),
        ("read:drop", "applies to writes only"),
        ("place:500@1.5", "probability in [0, 1]"),
        ("place:500@x", "probability in [0, 1]"),
        ("place:500#0", "call number >= 1"),
        ("place:500@0.5#2", "either '@probability' or '#nth'"),
        ("place:429=soon", "whole seconds after '429='"),
        ("place:500=3", "takes no '=' value"),
    ],
)
def test_a_bad_rule_is_refused_naming_the_rule_and_what_is_wrong(spec, message):
    with pytest.raises(FaultSpecError) as caught:
        ExchangeFaultPlan.parse(f"cancel:500,{spec}")

    assert message in str(caught.value)
    assert "(rule 2)" in str(caught.value)
    assert repr(spec) in str(caught.value)


def test_an_unknown_operation_is_refused():
    with pytest.raises(ValueError, match="received 'swap'"):
        ExchangeFaultPlan.parse("place:500").decide("swap")


def test_an_empty_spec_injects_nothing():
    plan = ExchangeFaultPlan.parse("  ")

    assert not plan
    assert decisions(plan, "place", 5) == [None] * 5


def test_nth_fires_once_and_nth_plus_from_then_on():
    once = ExchangeFaultPlan.parse("place:500#2")
    onwards = ExchangeFaultPlan.parse("cancel:drop#2+")

    assert decisions(once, "place", 4) == [None, "500", None, None]
    assert decisions(onwards, "cancel", 4) == [None, "drop", "drop", "drop"]


def test_the_first_rule_that_fires_wins_and_every_matching_rule_counts_the_call():
    plan = ExchangeFaultPlan.parse("place:500#1+,write:429#2,place:reject#3")

    assert decisions(plan, "place", 3) == ["500", "500", "500"]
    plan = ExchangeFaultPlan.parse("place:500#1,write:429#2,place:reject#3")
    assert decisions(plan, "place", 4) == ["500", "429", "reject", None]
    assert plan.fired == {"500": 1, "429": 1, "reject": 1}


def test_a_rule_only_counts_the_calls_it_targets():
    plan = ExchangeFaultPlan.parse("cancel:504#2")

    assert decisions(plan, "place", 3) == [None, None, None]
    assert decisions(plan, "cancel", 2) == [None, "504"]


def test_decisions_are_the_same_under_one_seed_and_differ_between_seeds():
    spec = "place:504@0.3,place:drop@0.3,*:500@0.2"

    first = decisions(ExchangeFaultPlan.parse(spec, seed=7), "place", 200)
    again = decisions(ExchangeFaultPlan.parse(spec, seed=7), "place", 200)
    other = decisions(ExchangeFaultPlan.parse(spec, seed=8), "place", 200)

    assert first == again
    assert first != other
    assert set(first) == {None, "504", "drop", "500"}


def test_probability_zero_never_fires_and_one_always_does():
    never = ExchangeFaultPlan.parse("status:429@0")
    always = ExchangeFaultPlan.parse("status:429@1")

    assert decisions(never, "status", 50) == [None] * 50
    assert decisions(always, "status", 50) == ["429"] * 50
    assert always.decide("status").retry_after == 2  # the default retry-after
