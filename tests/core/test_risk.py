from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

import pytest

from lpexec.core.errors import ConfigError, RiskRejectedError
from lpexec.core.risk import (
    CreateRequest,
    Exposure,
    PriceLookup,
    RiskDecision,
    RiskEngine,
    RiskLimits,
)

PAIR = "SOL-USDC"
CALLER = "bot-a"


def make_request(
    executor_id: str = "ex-1",
    *,
    base: str = "0",
    quote: str = "0",
    pair: str = PAIR,
    controller_id: str = CALLER,
) -> CreateRequest:
    return CreateRequest(
        executor_id=executor_id,
        controller_id=controller_id,
        executor_type="lp",
        exposure=Exposure(pair, base_amount=Decimal(base), quote_amount=Decimal(quote)),
    )


def quote_exposure(amount: str, pair: str = PAIR) -> Exposure:
    return Exposure(pair, quote_amount=Decimal(amount))


def fixed_price(value: Decimal | None) -> PriceLookup:
    return lambda trading_pair: value


def run_check(
    limits: RiskLimits,
    requests: Sequence[CreateRequest],
    *,
    open_exposures: Sequence[Exposure] = (),
    price: PriceLookup | None = None,
) -> list[RiskDecision]:
    engine = RiskEngine(limits)
    return engine.check(
        requests,
        caller_controller_id=CALLER,
        open_exposures=open_exposures,
        price=price if price is not None else fixed_price(Decimal("150")),
    )


# --- each limit alone ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("limits", "open_exposures", "request_quote", "limit", "message"),
    [
        (
            RiskLimits(max_open_executors=5),
            [quote_exposure("1")] * 5,
            "1",
            "max_open_executors",
            "max_open_executors: 6 would exceed 5",
        ),
        (
            RiskLimits(max_single_order_quote=Decimal("100")),
            [],
            "150",
            "max_single_order_quote",
            "max_single_order_quote: 150.00 would exceed 100.00",
        ),
        (
            RiskLimits(max_position_size_quote=Decimal("500")),
            [quote_exposure("300"), quote_exposure("170")],
            "150",
            "max_position_size_quote",
            "max_position_size_quote: 620.00 would exceed 500.00",
        ),
    ],
    ids=["open-executors", "single-order", "position-size"],
)
def test_each_limit_alone_rejects_with_exact_message(
    limits: RiskLimits,
    open_exposures: list[Exposure],
    request_quote: str,
    limit: str,
    message: str,
) -> None:
    # Arrange
    request = make_request(quote=request_quote)

    # Act
    [decision] = run_check(limits, [request], open_exposures=open_exposures)

    # Assert
    assert not decision.approved
    assert decision.limit == limit
    assert decision.reason == message
    assert decision.executor_id == "ex-1"


@pytest.mark.parametrize(
    ("limits", "open_exposures", "request_quote"),
    [
        (RiskLimits(max_open_executors=5), [quote_exposure("1")] * 4, "1"),
        (RiskLimits(max_single_order_quote=Decimal("100")), [], "100"),
        (
            RiskLimits(max_position_size_quote=Decimal("500")),
            [quote_exposure("300"), quote_exposure("50")],
            "150",
        ),
        (RiskLimits(), [], "1000000"),
    ],
    ids=["open-executors-at-limit", "single-order-at-limit", "position-size-at-limit", "all-off"],
)
def test_each_limit_approves_up_to_its_value(
    limits: RiskLimits, open_exposures: list[Exposure], request_quote: str
) -> None:
    # Arrange
    request = make_request(quote=request_quote)

    # Act
    [decision] = run_check(limits, [request], open_exposures=open_exposures)

    # Assert
    assert decision.approved
    assert decision.limit is None
    assert decision.reason is None


def test_zero_open_executors_limit_refuses_every_create() -> None:
    # Arrange
    limits = RiskLimits(max_open_executors=0)

    # Act
    [decision] = run_check(limits, [make_request(quote="1")])

    # Assert
    assert decision.reason == "max_open_executors: 1 would exceed 0"


# --- valuation of base amounts -----------------------------------------------------------


def test_base_amount_is_valued_with_the_reference_price() -> None:
    # Arrange: 2 SOL at 150 USDC is 300 USDC, above a 299 limit.
    limits = RiskLimits(max_single_order_quote=Decimal("299"))
    request = make_request(base="2")

    # Act
    [decision] = run_check(limits, [request], price=fixed_price(Decimal("150")))

    # Assert
    assert decision.reason == "max_single_order_quote: 300.00 would exceed 299.00"
    assert decision.exposure_quote == Decimal("300")


@pytest.mark.parametrize(
    ("base", "quote", "price", "expected"),
    [
        ("2", "0", "150", Decimal("300")),
        ("1", "100", "150", Decimal("250")),
        ("0", "42.5", "150", Decimal("42.5")),
        ("0.5", "0", "0.2", Decimal("0.1")),
    ],
)
def test_approved_decision_reports_quote_value(
    base: str, quote: str, price: str, expected: Decimal
) -> None:
    # Arrange
    limits = RiskLimits(max_single_order_quote=Decimal("1000"))

    # Act
    [decision] = run_check(
        limits, [make_request(base=base, quote=quote)], price=fixed_price(Decimal(price))
    )

    # Assert
    assert decision.approved
    assert decision.exposure_quote == expected


def test_open_base_exposures_are_valued_for_the_position_limit() -> None:
    # Arrange: 3 SOL open at 150 = 450, plus a 100 USDC create = 550 > 500.
    limits = RiskLimits(max_position_size_quote=Decimal("500"))
    open_exposures = [Exposure(PAIR, base_amount=Decimal("3"))]

    # Act
    [decision] = run_check(limits, [make_request(quote="100")], open_exposures=open_exposures)

    # Assert
    assert decision.reason == "max_position_size_quote: 550.00 would exceed 500.00"


def test_each_pair_is_priced_with_its_own_price_and_looked_up_once() -> None:
    # Arrange
    prices = {"SOL-USDC": Decimal("150"), "JUP-USDC": Decimal("0.5")}
    calls: list[str] = []

    def lookup(trading_pair: str) -> Decimal | None:
        calls.append(trading_pair)
        return prices[trading_pair]

    limits = RiskLimits(max_position_size_quote=Decimal("10000"))
    requests = [
        make_request("a", base="1", pair="SOL-USDC"),
        make_request("b", base="100", pair="JUP-USDC"),
        make_request("c", base="1", pair="SOL-USDC"),
    ]

    # Act
    decisions = run_check(
        limits, requests, open_exposures=[Exposure("SOL-USDC", Decimal("1"))], price=lookup
    )

    # Assert
    assert [d.exposure_quote for d in decisions] == [Decimal("150"), Decimal("50"), Decimal("150")]
    assert sorted(calls) == ["JUP-USDC", "SOL-USDC"]


def test_money_messages_never_show_equal_numbers_for_a_breach_under_a_cent() -> None:
    # Arrange
    limits = RiskLimits(max_single_order_quote=Decimal("100"))

    # Act
    [decision] = run_check(limits, [make_request(quote="100.001")])

    # Assert
    assert decision.reason == "max_single_order_quote: 100.01 would exceed 100.00"


# --- running totals within a batch -------------------------------------------------------


@pytest.mark.parametrize(
    ("limits", "message"),
    [
        (RiskLimits(max_open_executors=3), "max_open_executors: 4 would exceed 3"),
        (
            RiskLimits(max_position_size_quote=Decimal("500")),
            "max_position_size_quote: 600.00 would exceed 500.00",
        ),
    ],
    ids=["open-executors", "position-size"],
)
def test_third_create_of_a_batch_sees_the_first_two(limits: RiskLimits, message: str) -> None:
    # Arrange: one executor open with 0 quote, three creates of 200 quote each.
    open_exposures = [quote_exposure("0")]
    requests = [make_request(f"ex-{n}", quote="200") for n in (1, 2, 3)]

    # Act
    decisions = run_check(limits, requests, open_exposures=open_exposures)

    # Assert
    assert [d.approved for d in decisions] == [True, True, False]
    assert decisions[2].reason == message
    assert [d.executor_id for d in decisions] == ["ex-1", "ex-2", "ex-3"]


def test_rejected_create_adds_nothing_to_the_running_totals() -> None:
    # Arrange: 200 fits, 400 would make 600 and is refused, 300 then makes exactly 500.
    limits = RiskLimits(max_open_executors=2, max_position_size_quote=Decimal("500"))
    requests = [
        make_request("a", quote="200"),
        make_request("b", quote="400"),
        make_request("c", quote="300"),
    ]

    # Act
    decisions = run_check(limits, requests)

    # Assert
    assert [d.approved for d in decisions] == [True, False, True]
    assert decisions[1].reason == "max_position_size_quote: 600.00 would exceed 500.00"


def test_running_totals_do_not_leak_between_calls() -> None:
    # Arrange
    engine = RiskEngine(RiskLimits(max_open_executors=1))
    request = make_request(quote="1")

    # Act
    first = engine.check(
        [request], caller_controller_id=CALLER, open_exposures=[], price=fixed_price(None)
    )
    second = engine.check(
        [request], caller_controller_id=CALLER, open_exposures=[], price=fixed_price(None)
    )

    # Assert
    assert first[0].approved
    assert second[0].approved


# --- controller ownership ----------------------------------------------------------------


def test_request_for_another_controller_is_rejected() -> None:
    # Arrange
    request = make_request(controller_id="bot-b", quote="1")

    # Act
    [decision] = run_check(RiskLimits(), [request])

    # Assert
    assert decision.limit == "controller_id"
    assert decision.reason == "controller_id: request has 'bot-b' but the caller is 'bot-a'"


def test_empty_caller_controller_id_is_a_config_error() -> None:
    # Arrange
    engine = RiskEngine(RiskLimits())

    # Act / Assert
    with pytest.raises(ConfigError, match="caller_controller_id"):
        engine.check(
            [make_request()], caller_controller_id="", open_exposures=[], price=fixed_price(None)
        )


# --- fail closed -------------------------------------------------------------------------


def _raising_lookup(trading_pair: str) -> Decimal | None:
    raise LookupError(f"no market for {trading_pair}")


@pytest.mark.parametrize(
    ("price", "received"),
    [
        (fixed_price(None), "received None"),
        (fixed_price(Decimal("NaN")), "received NaN"),
        (fixed_price(Decimal("Infinity")), "received Infinity"),
        (fixed_price(Decimal("0")), "received 0"),
        (fixed_price(Decimal("-150")), "received -150"),
        (lambda trading_pair: 150.0, "received 150.0"),
        (_raising_lookup, "LookupError: no market for SOL-USDC"),
    ],
    ids=["none", "nan", "infinity", "zero", "negative", "float", "lookup-raises"],
)
@pytest.mark.parametrize(
    "limits",
    [
        RiskLimits(max_single_order_quote=Decimal("1000")),
        RiskLimits(max_position_size_quote=Decimal("1000")),
    ],
    ids=["single-order", "position-size"],
)
def test_unusable_price_for_a_base_amount_rejects(
    limits: RiskLimits, price: PriceLookup, received: str
) -> None:
    # Arrange
    request = make_request(base="2")

    # Act
    [decision] = run_check(limits, [request], price=price)

    # Assert
    assert not decision.approved
    assert decision.limit == "valuation"
    assert decision.reason is not None
    assert decision.reason.startswith("valuation: cannot value executor 'ex-1' in quote")
    assert "reference price > 0 for SOL-USDC" in decision.reason
    assert received in decision.reason


@pytest.mark.parametrize(
    ("base", "quote", "detail"),
    [
        ("NaN", "0", "expected a finite base_amount on SOL-USDC, received NaN"),
        ("Infinity", "0", "expected a finite base_amount on SOL-USDC, received Infinity"),
        ("0", "NaN", "expected a finite quote_amount on SOL-USDC, received NaN"),
        ("0", "Infinity", "expected a finite quote_amount on SOL-USDC, received Infinity"),
    ],
)
def test_non_finite_amount_rejects(base: str, quote: str, detail: str) -> None:
    # Arrange
    limits = RiskLimits(max_single_order_quote=Decimal("1000"))

    # Act
    [decision] = run_check(limits, [make_request(base=base, quote=quote)])

    # Assert
    assert decision.limit == "valuation"
    assert decision.reason == f"valuation: cannot value executor 'ex-1' in quote: {detail}"


def test_open_exposure_without_a_price_rejects_under_the_position_limit() -> None:
    # Arrange: the create itself is in quote, but an open SOL exposure cannot be valued.
    limits = RiskLimits(max_position_size_quote=Decimal("1000"))
    open_exposures = [Exposure(PAIR, base_amount=Decimal("1"))]

    # Act
    [decision] = run_check(
        limits, [make_request(quote="1")], open_exposures=open_exposures, price=fixed_price(None)
    )

    # Assert
    assert decision.limit == "valuation"
    assert decision.reason is not None
    assert decision.reason.startswith("valuation: cannot value the open exposures")
    assert "received None" in decision.reason


def test_quote_only_create_needs_no_price() -> None:
    # Arrange
    limits = RiskLimits(max_single_order_quote=Decimal("100"))

    # Act
    [decision] = run_check(limits, [make_request(quote="99")], price=_raising_lookup)

    # Assert
    assert decision.approved


def test_count_limit_alone_does_not_value_anything() -> None:
    # Arrange
    limits = RiskLimits(max_open_executors=3)

    # Act
    [decision] = run_check(limits, [make_request(base="NaN")], price=_raising_lookup)

    # Assert
    assert decision.approved
    assert decision.exposure_quote is None


# --- order of checks ---------------------------------------------------------------------


ALL_LIMITS = RiskLimits(
    max_open_executors=1,
    max_single_order_quote=Decimal("100"),
    max_position_size_quote=Decimal("99"),
)


@pytest.mark.parametrize(
    ("request_", "open_count", "price", "limit"),
    [
        (make_request(base="9", controller_id="bot-b"), 1, None, "controller_id"),
        (make_request(base="9"), 1, None, "valuation"),
        (make_request(base="9"), 1, Decimal("150"), "max_open_executors"),
        (make_request(base="9"), 0, Decimal("150"), "max_single_order_quote"),
        (make_request(quote="100"), 0, Decimal("150"), "max_position_size_quote"),
    ],
    ids=["controller", "valuation", "open-count", "single-order", "position-size"],
)
def test_checks_run_in_order(
    request_: CreateRequest, open_count: int, price: Decimal | None, limit: str
) -> None:
    # Arrange: each row breaks its own check and every later one, but none of the earlier ones.
    open_exposures = [quote_exposure("0")] * open_count

    # Act
    [decision] = run_check(
        ALL_LIMITS, [request_], open_exposures=open_exposures, price=fixed_price(price)
    )

    # Assert
    assert decision.limit == limit


# --- require -----------------------------------------------------------------------------


def test_require_raises_for_the_first_rejection() -> None:
    # Arrange
    engine = RiskEngine(RiskLimits(max_single_order_quote=Decimal("100")))
    requests = [
        make_request("a", quote="50"),
        make_request("b", quote="150"),
        make_request("c", quote="200"),
    ]

    # Act
    with pytest.raises(RiskRejectedError) as caught:
        engine.require(
            requests, caller_controller_id=CALLER, open_exposures=[], price=fixed_price(None)
        )

    # Assert
    assert caught.value.limit == "max_single_order_quote"
    assert str(caught.value) == "max_single_order_quote: 150.00 would exceed 100.00"


def test_require_returns_the_approved_decisions() -> None:
    # Arrange
    engine = RiskEngine(RiskLimits(max_open_executors=2))
    requests = [make_request("a"), make_request("b")]

    # Act
    decisions = engine.require(
        requests, caller_controller_id=CALLER, open_exposures=[], price=fixed_price(None)
    )

    # Assert
    assert [(d.executor_id, d.approved) for d in decisions] == [("a", True), ("b", True)]


# --- limits from a mapping ---------------------------------------------------------------


def test_from_mapping_rejects_unknown_limit_names() -> None:
    # Arrange
    mapping = {"max_open_executors": 5, "max_leverage": 3}

    # Act
    with pytest.raises(ConfigError) as caught:
        RiskLimits.from_mapping(mapping)

    # Assert
    message = str(caught.value)
    assert "'max_leverage'" in message
    for known in ("max_open_executors", "max_single_order_quote", "max_position_size_quote"):
        assert known in message


@pytest.mark.parametrize(
    ("mapping", "expected"),
    [
        ({}, RiskLimits()),
        ({"max_open_executors": None}, RiskLimits()),
        ({"max_open_executors": 5}, RiskLimits(max_open_executors=5)),
        ({"max_open_executors": "5"}, RiskLimits(max_open_executors=5)),
        ({"max_single_order_quote": "100.5"}, RiskLimits(max_single_order_quote=Decimal("100.5"))),
        ({"max_single_order_quote": 100}, RiskLimits(max_single_order_quote=Decimal("100"))),
        ({"max_position_size_quote": 0.1}, RiskLimits(max_position_size_quote=Decimal("0.1"))),
        (
            {"max_position_size_quote": Decimal("500"), "max_open_executors": 0},
            RiskLimits(max_open_executors=0, max_position_size_quote=Decimal("500")),
        ),
    ],
)
def test_from_mapping_parses_known_limits(mapping: dict[str, object], expected: RiskLimits) -> None:
    # Act
    limits = RiskLimits.from_mapping(mapping)

    # Assert
    assert limits == expected


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("max_open_executors", -1),
        ("max_open_executors", "-1"),
        ("max_open_executors", 2.5),
        ("max_open_executors", True),
        ("max_open_executors", "five"),
        ("max_single_order_quote", "-0.01"),
        ("max_single_order_quote", Decimal("NaN")),
        ("max_single_order_quote", "Infinity"),
        ("max_single_order_quote", "lots"),
        ("max_position_size_quote", -500),
        ("max_position_size_quote", False),
        ("max_position_size_quote", [500]),
    ],
)
def test_from_mapping_rejects_bad_values(name: str, value: object) -> None:
    # Act / Assert
    with pytest.raises(ConfigError, match=name):
        RiskLimits.from_mapping({name: value})


# --- value objects -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"trading_pair": ""}, "trading_pair"),
        ({"trading_pair": PAIR, "base_amount": Decimal("-1")}, "base_amount"),
        ({"trading_pair": PAIR, "quote_amount": Decimal("-0.01")}, "quote_amount"),
        ({"trading_pair": PAIR, "base_amount": 1.5}, "base_amount"),
    ],
)
def test_exposure_rejects_bad_input(kwargs: dict[str, object], match: str) -> None:
    # Act / Assert
    with pytest.raises(ConfigError, match=match):
        Exposure(**kwargs)  # type: ignore[arg-type]


def test_exposure_defaults_to_zero_and_accepts_ints() -> None:
    # Act
    exposure = Exposure(PAIR, base_amount=2)  # type: ignore[arg-type]

    # Assert
    assert exposure.base_amount == Decimal("2")
    assert isinstance(exposure.base_amount, Decimal)
    assert exposure.quote_amount == Decimal("0")
