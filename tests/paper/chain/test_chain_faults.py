"""Fault specs: the grammar, errors naming the bad part, and determinism by seed."""

from __future__ import annotations

import pytest

from lpexec.paper.chain import FaultEffect, FaultPlan, FaultSpecError


def _sequence(plan: FaultPlan, operation: str, calls: int) -> list[str | None]:
    return [None if (e := plan.decide(operation).effect) is None else e.value for _ in range(calls)]


def test_parses_the_documented_examples() -> None:
    plan = FaultPlan.parse("open:504@0.3, poll:429=5@0.1,swap:drop#2,read:slow=250ms@0.5")
    texts = [rule.text for rule in plan.rules]
    assert texts == ["open:504@0.3", "poll:429=5@0.1", "swap:drop#2", "read:slow=250ms@0.5"]
    poll = plan.rules[1]
    assert (poll.effect, poll.retry_after, str(poll.probability)) == (
        FaultEffect.RATE_LIMIT,
        5,
        "0.1",
    )
    assert plan.rules[3].delay_seconds == 0.25
    assert "poll" in plan.rules[3].operations and "open" not in plan.rules[3].operations


@pytest.mark.parametrize(
    ("spec", "fragment"),
    [
        ("open", "'open' (rule 1): expected target:effect"),
        ("opn:504", "unknown target 'opn'"),
        ("open:505", "unknown effect '505'"),
        ("poll:drop", "'drop' applies to write operations only, not poll"),
        ("open:504@1.5", "probability in [0, 1] after '@', received '1.5'"),
        ("open:504@x", "received 'x'"),
        ("open:504#0", "call number >= 1 after '#', received '0'"),
        ("open:504@0.1#2", "either '@probability' or '#nth'"),
        ("open:429=soon", "whole seconds after '429=', received 'soon'"),
        ("open:slow=fast", "duration like 250ms"),
        ("open:fail=3", "takes no '=' value"),
        ("open:504,poll:bad", "'poll:bad' (rule 2): unknown effect 'bad'"),
    ],
)
def test_parse_errors_name_the_bad_part(spec: str, fragment: str) -> None:
    with pytest.raises(FaultSpecError) as raised:
        FaultPlan.parse(spec)
    assert fragment in str(raised.value)


def test_same_seed_same_faults_other_seed_other_faults() -> None:
    spec = "open:504@0.3,open:fail@0.3"
    first = _sequence(FaultPlan.parse(spec, seed=11), "open", 200)
    again = _sequence(FaultPlan.parse(spec, seed=11), "open", 200)
    other = _sequence(FaultPlan.parse(spec, seed=12), "open", 200)
    assert first == again
    assert first != other
    fired = [x for x in first if x is not None]
    assert 60 < len(fired) < 160  # about 1 - 0.7 x 0.7 = 51 % of 200
    assert {"504", "fail"} == set(fired)


def test_faults_on_one_operation_do_not_shift_another() -> None:
    spec = "open:504@0.5,poll:429@0.5"
    alone = _sequence(FaultPlan.parse(spec, seed=5), "open", 50)
    mixed_plan = FaultPlan.parse(spec, seed=5)
    mixed = []
    for _ in range(50):
        mixed_plan.decide("poll")
        mixed.append(mixed_plan.decide("open").effect)
    assert [None if e is None else e.value for e in mixed] == alone


def test_nth_and_nth_plus_triggers() -> None:
    plan = FaultPlan.parse("close:drop#2,swap:500#3+")
    assert _sequence(plan, "close", 4) == [None, "drop", None, None]
    assert _sequence(plan, "swap", 5) == [None, None, "500", "500", "500"]


def test_slow_combines_with_another_fault() -> None:
    plan = FaultPlan.parse("*:slow=1.5,open:504")
    decision = plan.decide("open")
    assert decision.effect is FaultEffect.TIMEOUT and decision.delay_seconds == 1.5
    assert plan.decide("poll").effect is None and plan.decide("poll").delay_seconds == 1.5


def test_first_firing_rule_wins_and_unknown_operation_is_refused() -> None:
    plan = FaultPlan.parse("write:500,open:504")
    assert plan.decide("open").effect is FaultEffect.SERVER_ERROR
    with pytest.raises(ValueError, match="received 'teleport'"):
        plan.decide("teleport")


def test_state_round_trip_continues_the_same_sequence() -> None:
    plan = FaultPlan.parse("swap:fail@0.5", seed=2)
    _sequence(plan, "swap", 17)
    restored = FaultPlan.from_state(plan.get_state())
    assert _sequence(restored, "swap", 30) == _sequence(plan, "swap", 30)


def test_empty_spec_means_no_faults() -> None:
    plan = FaultPlan.parse("  ")
    assert not plan
    assert plan.decide("open").fault is None


def test_lost_and_hang_are_write_faults_and_hang_holds_for_its_duration() -> None:
    plan = FaultPlan.parse("close:lost#1,open:hang=1.5s#1,swap:hang#1", seed=4)
    lost, short, default = (plan.decide(op).fault for op in ("close", "open", "swap"))
    assert lost is not None and lost.effect is FaultEffect.LOST and lost.hold_seconds is None
    assert short is not None and short.effect is FaultEffect.HANG and short.hold_seconds == 1.5
    assert default is not None and default.hold_seconds == 600.0  # above any client timeout
    assert plan.decide("open").fault is None  # #1 fired once
    assert not lost.fails
    failing = FaultPlan.parse("close:lost=fail#1").decide("close").fault
    assert failing is not None and failing.effect is FaultEffect.LOST and failing.fails


@pytest.mark.parametrize(
    ("spec", "fragment"),
    [
        ("poll:lost", "'lost' applies to write operations only, not poll"),
        ("read:hang", "'hang' applies to write operations only"),
        ("open:lost=2", "effect 'lost' takes only '=fail', received '2'"),
        ("open:hang=forever", "duration like 250ms"),
    ],
)
def test_lost_and_hang_parse_errors(spec: str, fragment: str) -> None:
    with pytest.raises(FaultSpecError, match=fragment):
        FaultPlan.parse(spec)


def test_hang_survives_a_saved_plan() -> None:
    plan = FaultPlan.parse("write:hang=250ms@0.5", seed=9)
    for _ in range(7):
        plan.decide("add")
    again = FaultPlan.from_state(plan.get_state())
    assert [plan.decide("add").fault for _ in range(20)] == [
        again.decide("add").fault for _ in range(20)
    ]
    assert again.rules[0].delay_seconds == 0.25
