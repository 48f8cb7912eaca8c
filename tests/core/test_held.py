from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal, localcontext

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lpexec.core.errors import ConfigError
from lpexec.core.held import (
    HeldFill,
    HeldPosition,
    HeldPositionKey,
    HeldPositionsLedger,
    TradeSide,
)

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
KEY = HeldPositionKey(controller_id="bot-a", connector="binance", trading_pair="SOL-USDC")


def make_fill(
    side: TradeSide,
    base: str,
    price: str,
    *,
    fill_id: str | None = None,
    executor_id: str = "ex-1",
    fee: str = "0",
    minutes: int = 0,
) -> HeldFill:
    base_amount = Decimal(base)
    return HeldFill(
        fill_id=fill_id if fill_id is not None else f"{side}-{base}@{price}-{minutes}",
        executor_id=executor_id,
        side=side,
        base_amount=base_amount,
        quote_amount=base_amount * Decimal(price),
        fee_quote=Decimal(fee),
        ts=T0 + timedelta(minutes=minutes),
    )


def position_from(*fills: HeldFill) -> HeldPosition:
    position = HeldPosition(KEY)
    for fill in fills:
        assert position.apply(fill)
    return position


# --- netting -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fills", "net_base", "average_price", "realized"),
    [
        # long: 1 @ 100 and 3 @ 120 -> 4 at (100 + 360) / 4 = 115
        ([("BUY", "1", "100"), ("BUY", "3", "120")], "4", "115", "0"),
        # short: 2 @ 50 and 2 @ 40 -> -4 at 45
        ([("SELL", "2", "50"), ("SELL", "2", "40")], "-4", "45", "0"),
        # partial close of a long: sell 1 @ 130 of 4 @ 115 -> realized 15, average unchanged
        ([("BUY", "1", "100"), ("BUY", "3", "120"), ("SELL", "1", "130")], "3", "115", "15"),
        # partial close of a short: buy 1 @ 35 of -4 @ 45 -> realized 10
        ([("SELL", "2", "50"), ("SELL", "2", "40"), ("BUY", "1", "35")], "-3", "45", "10"),
        # exact close of a long at a loss: 2 @ 150 sold @ 140 -> -20, flat with average 0
        ([("BUY", "2", "150"), ("SELL", "2", "140")], "0", "0", "-20"),
        # exact close of a short at a profit: -2 @ 150 bought @ 140 -> +20
        ([("SELL", "2", "150"), ("BUY", "2", "140")], "0", "0", "20"),
        # long flips short: 2 @ 150, sell 3 @ 160 -> realized 20 on 2, then -1 @ 160
        ([("BUY", "2", "150"), ("SELL", "3", "160")], "-1", "160", "20"),
        # short flips long: -2 @ 160, buy 3 @ 150 -> realized 20 on 2, then +1 @ 150
        ([("SELL", "2", "160"), ("BUY", "3", "150")], "1", "150", "20"),
        # reopening after an exact close starts a fresh average
        ([("BUY", "1", "10"), ("SELL", "1", "12"), ("BUY", "1", "20")], "1", "20", "2"),
    ],
    ids=[
        "long",
        "short",
        "partial-close-long",
        "partial-close-short",
        "exact-close-long",
        "exact-close-short",
        "flip-long-to-short",
        "flip-short-to-long",
        "reopen-after-close",
    ],
)
def test_average_cost_netting(
    fills: list[tuple[TradeSide, str, str]], net_base: str, average_price: str, realized: str
) -> None:
    # Arrange
    made = [make_fill(side, base, price, minutes=n) for n, (side, base, price) in enumerate(fills)]

    # Act
    position = position_from(*made)

    # Assert
    assert position.net_base == Decimal(net_base)
    assert position.average_price == Decimal(average_price)
    assert position.realized_pnl_quote == Decimal(realized)


def test_totals_volume_and_executor_ids() -> None:
    # Arrange
    fills = [
        make_fill("BUY", "2", "150", executor_id="ex-1", fee="0.3"),
        make_fill("SELL", "1", "160", executor_id="ex-2", fee="0.16", minutes=1),
        make_fill("BUY", "1", "155", executor_id="ex-1", fee="0.15", minutes=2),
    ]

    # Act
    position = position_from(*fills)

    # Assert
    assert position.buy_base == Decimal("3")
    assert position.buy_quote == Decimal("455")
    assert position.sell_base == Decimal("1")
    assert position.sell_quote == Decimal("160")
    assert position.volume_quote == Decimal("615")
    assert position.fees_quote == Decimal("0.61")
    assert position.executor_ids == ("ex-1", "ex-2")
    assert position.last_fill_at == T0 + timedelta(minutes=2)


def test_duplicate_fill_is_ignored() -> None:
    # Arrange
    fill = make_fill("BUY", "2", "150", fill_id="f-1", fee="0.3")
    position = position_from(fill)
    before = position.to_record()

    # Act
    applied = position.apply(fill)
    applied_again = position.apply(make_fill("SELL", "1", "999", fill_id="f-1"))

    # Assert
    assert applied is False
    assert applied_again is False
    assert position.to_record() == before


def test_fee_only_record_adds_fees_and_nothing_else() -> None:
    # Arrange
    position = position_from(make_fill("BUY", "2", "150", fee="0.3"))
    fee_only = HeldFill(
        fill_id="rent-1",
        executor_id="ex-lp",
        side="SELL",
        base_amount=Decimal("0"),
        quote_amount=Decimal("0"),
        fee_quote=Decimal("1.2"),
        ts=T0 + timedelta(minutes=5),
    )

    # Act
    applied = position.apply(fee_only)

    # Assert
    assert applied
    assert fee_only.is_fee_only
    assert position.net_base == Decimal("2")
    assert position.average_price == Decimal("150")
    assert position.volume_quote == Decimal("300")
    assert position.sell_base == Decimal("0")
    assert position.fees_quote == Decimal("1.5")
    assert position.executor_ids == ("ex-1", "ex-lp")


# --- valuation ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fills", "mid", "side", "unrealized"),
    [
        ([("BUY", "2", "150")], "160", "BUY", "20"),
        ([("BUY", "2", "150")], "140", "BUY", "-20"),
        ([("SELL", "2", "150")], "140", "SELL", "20"),
        ([("SELL", "2", "150")], "160", "SELL", "-20"),
        ([("BUY", "2", "150"), ("SELL", "2", "150")], "999", "BUY", "0"),
    ],
    ids=["long-up", "long-down", "short-down", "short-up", "flat"],
)
def test_unrealized_pnl_at_mid(
    fills: list[tuple[TradeSide, str, str]], mid: str, side: str, unrealized: str
) -> None:
    # Arrange
    position = position_from(*(make_fill(s, b, p, minutes=n) for n, (s, b, p) in enumerate(fills)))

    # Act
    result = position.unrealized_pnl(Decimal(mid))

    # Assert
    assert result == Decimal(unrealized)
    assert position.side == side


def test_summary_subtracts_fees_from_net_pnl() -> None:
    # Arrange: long 3 @ 100 with 0.6 fees, sell 1 @ 110 with 0.2 fees; mid 120.
    position = position_from(
        make_fill("BUY", "3", "100", fee="0.6"),
        make_fill("SELL", "1", "110", fee="0.2", minutes=1),
    )

    # Act
    summary = position.summary(Decimal("120"))

    # Assert
    assert summary.side == "BUY"
    assert summary.base_amount == Decimal("2")
    assert summary.breakeven_price == Decimal("100")
    assert summary.cost_basis_quote == Decimal("200")
    assert summary.value_quote == Decimal("240")
    assert summary.realized_pnl_quote == Decimal("10")
    assert summary.unrealized_pnl_quote == Decimal("40")
    assert summary.fees_quote == Decimal("0.8")
    assert summary.net_pnl_quote == Decimal("49.2")
    assert summary.volume_quote == Decimal("410")
    assert summary.key == KEY


@pytest.mark.parametrize("mid", [Decimal("NaN"), Decimal("-1"), Decimal("Infinity"), 150.0])
def test_unusable_mid_is_refused(mid: object) -> None:
    # Arrange
    position = position_from(make_fill("BUY", "1", "150"))

    # Act / Assert
    with pytest.raises(ConfigError, match="mid"):
        position.summary(mid)  # type: ignore[arg-type]


# --- ledger ------------------------------------------------------------------------------


def test_ledger_records_per_key_and_filters_by_controller() -> None:
    # Arrange
    ledger = HeldPositionsLedger()
    other_pair = HeldPositionKey("bot-a", "binance", "JUP-USDC")
    other_bot = HeldPositionKey("bot-b", "binance", "SOL-USDC")
    hedge_long = HeldPositionKey("bot-a", "binance", "SOL-USDC", side="BUY")

    # Act
    ledger.record(KEY, make_fill("BUY", "1", "150", fill_id="f-1"))
    ledger.record(other_pair, make_fill("BUY", "100", "0.5", fill_id="f-2"))
    ledger.record(other_bot, make_fill("SELL", "1", "150", fill_id="f-3"))
    ledger.record(hedge_long, make_fill("BUY", "2", "140", fill_id="f-4"))

    # Assert
    assert len(ledger) == 4
    assert [p.key for p in ledger.positions("bot-b")] == [other_bot]
    assert {p.key for p in ledger.positions("bot-a")} == {KEY, other_pair, hedge_long}
    assert len(ledger.positions()) == 4
    position = ledger.get(KEY)
    assert position is not None
    assert position.net_base == Decimal("1")
    assert ledger.get(HeldPositionKey("nobody", "binance", "SOL-USDC")) is None


def test_ledger_ignores_duplicates_and_refuses_a_fill_under_two_keys() -> None:
    # Arrange
    ledger = HeldPositionsLedger()
    fill = make_fill("BUY", "1", "150", fill_id="f-1")
    ledger.record(KEY, fill)
    other = HeldPositionKey("bot-a", "kraken", "SOL-USDC")

    # Act
    again = ledger.record(KEY, fill)
    with pytest.raises(ConfigError) as caught:
        ledger.record(other, fill)

    # Assert
    assert again is False
    assert "'f-1'" in str(caught.value)
    assert ledger.get(other) is None


def test_record_into_returns_the_position_the_fill_went_into() -> None:
    # Arrange
    ledger = HeldPositionsLedger()
    fill = make_fill("BUY", "1", "150", fill_id="f-1")

    # Act
    first = ledger.record_into(KEY, fill)
    second = ledger.record_into(KEY, make_fill("BUY", "1", "152", fill_id="f-2"))
    again = ledger.record_into(KEY, fill)

    # Assert
    assert first is second is ledger.get(KEY)
    assert first is not None and first.net_base == Decimal(2)
    assert again is None


def test_pick_up_part_moves_it_at_average_cost_without_realizing() -> None:
    # Arrange: long 4 @ 115 with 5 realized.
    ledger = HeldPositionsLedger()
    for n, (side, base, price) in enumerate(
        [("BUY", "1", "100"), ("BUY", "4", "120"), ("SELL", "1", "120")]
    ):
        ledger.record(KEY, make_fill(side, base, price, minutes=n))  # type: ignore[arg-type]
    position = ledger.get(KEY)
    assert position is not None
    realized_before = position.realized_pnl_quote
    average_before = position.average_price

    # Act
    transfer = ledger.pick_up(KEY, executor_id="ex-new", base_amount=Decimal("1.5"))

    # Assert
    assert transfer.side == "BUY"
    assert transfer.executor_id == "ex-new"
    assert transfer.base_amount == Decimal("1.5")
    assert transfer.quote_amount == Decimal("1.5") * average_before
    assert transfer.fee_quote == 0
    assert transfer.ts == T0 + timedelta(minutes=2)
    assert position.net_base == Decimal("2.5")
    assert position.average_price == average_before
    assert position.realized_pnl_quote == realized_before


def test_pick_up_all_of_a_short_leaves_it_flat() -> None:
    # Arrange
    ledger = HeldPositionsLedger()
    ledger.record(KEY, make_fill("SELL", "2", "150", fee="0.3"))
    when = T0 + timedelta(hours=1)

    # Act
    transfer = ledger.pick_up(KEY, executor_id="ex-new", ts=when)

    # Assert
    position = ledger.get(KEY)
    assert position is not None
    assert (transfer.side, transfer.base_amount, transfer.quote_amount) == (
        "SELL",
        Decimal("2"),
        Decimal("300"),
    )
    assert transfer.ts == when
    assert position.is_flat
    assert position.average_price == 0
    assert position.realized_pnl_quote == 0
    assert position.fees_quote == Decimal("0.3")


def test_returning_a_picked_up_transfer_restores_the_position() -> None:
    # Arrange
    ledger = HeldPositionsLedger()
    ledger.record(KEY, make_fill("BUY", "3", "100"))
    first = ledger.pick_up(KEY, executor_id="ex-new", base_amount=Decimal("1"))
    second = ledger.pick_up(KEY, executor_id="ex-new", base_amount=Decimal("1"))

    # Act
    recorded = [ledger.record(KEY, first), ledger.record(KEY, second)]

    # Assert
    position = ledger.get(KEY)
    assert position is not None
    assert first.fill_id != second.fill_id
    assert recorded == [True, True]
    assert position.net_base == Decimal("3")
    assert position.average_price == Decimal("100")


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        (Decimal("2.5"), ["2", "2.5"]),
        (Decimal("0"), ["base_amount=0"]),
        (Decimal("-1"), ["base_amount=-1"]),
    ],
)
def test_pick_up_outside_what_is_held_is_refused(amount: Decimal, expected: list[str]) -> None:
    # Arrange
    ledger = HeldPositionsLedger()
    ledger.record(KEY, make_fill("BUY", "2", "150"))
    before = ledger.to_records()

    # Act
    with pytest.raises(ConfigError) as caught:
        ledger.pick_up(KEY, executor_id="ex-new", base_amount=amount)

    # Assert
    for text in expected:
        assert text in str(caught.value)
    assert ledger.to_records() == before


@pytest.mark.parametrize("flat", [True, False], ids=["closed-position", "unknown-key"])
def test_pick_up_with_nothing_held_is_refused(flat: bool) -> None:
    # Arrange
    ledger = HeldPositionsLedger()
    if flat:
        ledger.record(KEY, make_fill("BUY", "1", "150"))
        ledger.record(KEY, make_fill("SELL", "1", "150", minutes=1))

    # Act / Assert
    with pytest.raises(ConfigError, match="none held"):
        ledger.pick_up(KEY, executor_id="ex-new")


# --- persistence -------------------------------------------------------------------------


def test_record_round_trip_through_json() -> None:
    # Arrange
    hedge_key = HeldPositionKey("bot-a", "binance_perpetual", "SOL-USDT", side="SELL")
    ledger = HeldPositionsLedger()
    ledger.record(KEY, make_fill("BUY", "2", "150.123", fee="0.31"))
    ledger.record(KEY, make_fill("SELL", "3", "160.5", executor_id="ex-2", minutes=1))
    ledger.record(hedge_key, make_fill("SELL", "1", "151", fill_id="h-1"))
    ledger.pick_up(KEY, executor_id="ex-3", base_amount=Decimal("0.25"))

    # Act
    text = json.dumps(ledger.to_records())
    restored = HeldPositionsLedger(HeldPosition.from_record(r) for r in json.loads(text))

    # Assert
    assert restored.to_records() == ledger.to_records()
    original = ledger.get(KEY)
    copy = restored.get(KEY)
    assert original is not None and copy is not None
    assert copy.summary(Decimal("155")) == original.summary(Decimal("155"))
    assert copy.last_fill_at == original.last_fill_at
    assert restored.record(KEY, make_fill("BUY", "2", "150.123", fee="0.31")) is False
    with pytest.raises(ConfigError, match="'h-1'"):
        restored.record(KEY, make_fill("SELL", "1", "151", fill_id="h-1"))


def test_records_are_plain_strings_for_decimals() -> None:
    # Arrange
    position = position_from(make_fill("BUY", "2", "150", fee="0.3"))

    # Act
    record = position.to_record()

    # Assert
    assert record["net_base"] == "2"
    assert record["average_price"] == "150"
    assert record["fees_quote"] == "0.3"
    assert record["side"] is None


@pytest.mark.parametrize(
    ("change", "match"),
    [
        ({"net_base": "NaN"}, "net_base"),
        ({"net_base": 2}, "net_base"),
        ({"fees_quote": "abc"}, "fees_quote"),
        ({"side": "LONG"}, "side"),
        ({"last_fill_at": "2026-03-01T12:00:00"}, "last_fill_at"),
        ({"record_version": 99}, "record_version"),
        ({"pick_up_count": -1}, "pick_up_count"),
    ],
)
def test_from_record_refuses_bad_fields(change: dict[str, object], match: str) -> None:
    # Arrange
    record = position_from(make_fill("BUY", "2", "150")).to_record() | change

    # Act / Assert
    with pytest.raises(ConfigError, match=match):
        HeldPosition.from_record(record)


def test_from_record_names_a_missing_field() -> None:
    # Arrange
    record = position_from(make_fill("BUY", "2", "150")).to_record()
    del record["realized_pnl_quote"]

    # Act / Assert
    with pytest.raises(ConfigError, match="'realized_pnl_quote'"):
        HeldPosition.from_record(record)


def test_ledger_refuses_two_positions_with_one_key() -> None:
    # Arrange
    position = position_from(make_fill("BUY", "2", "150"))
    ledger = HeldPositionsLedger([position])

    # Act / Assert
    with pytest.raises(ConfigError, match="bot-a:binance:SOL-USDC"):
        ledger.add(HeldPosition(KEY))


# --- value objects -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "match"),
    [
        ({"base_amount": Decimal("-1")}, "base_amount"),
        ({"quote_amount": Decimal("-1")}, "quote_amount"),
        ({"base_amount": Decimal("0")}, "fee-only"),
        ({"fee_quote": Decimal("NaN")}, "fee_quote"),
        ({"base_amount": 1.5}, "base_amount"),
        ({"side": "LONG"}, "side"),
        ({"fill_id": ""}, "fill_id"),
        ({"ts": datetime(2026, 3, 1, 12, 0)}, "timezone-aware"),
    ],
)
def test_held_fill_refuses_bad_values(change: dict[str, object], match: str) -> None:
    # Arrange
    fields: dict[str, object] = {
        "fill_id": "f-1",
        "executor_id": "ex-1",
        "side": "BUY",
        "base_amount": Decimal("1"),
        "quote_amount": Decimal("150"),
        "fee_quote": Decimal("0"),
        "ts": T0,
    }

    # Act / Assert
    with pytest.raises(ConfigError, match=match):
        HeldFill(**(fields | change))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"controller_id": "", "connector": "binance", "trading_pair": "SOL-USDC"},
        {"controller_id": "bot-a", "connector": "", "trading_pair": "SOL-USDC"},
        {"controller_id": "bot-a", "connector": "binance", "trading_pair": "SOL-USDC", "side": "X"},
    ],
)
def test_key_refuses_bad_values(kwargs: dict[str, str]) -> None:
    # Act / Assert
    with pytest.raises(ConfigError):
        HeldPositionKey(**kwargs)  # type: ignore[arg-type]


# --- property: P&L equals cash flow ------------------------------------------------------

_amounts = st.integers(min_value=0, max_value=10**6).map(lambda n: Decimal(n) / 10**4)
_prices = st.integers(min_value=1, max_value=10**7).map(lambda n: Decimal(n) / 10**4)
_fills = st.lists(
    st.tuples(st.sampled_from(["BUY", "SELL"]), _amounts, _prices, _amounts),
    max_size=30,
)
# Ledger arithmetic runs with 40 significant digits; with amounts <= 100, prices <= 1000 and
# 30 fills the rounding stays many orders of magnitude below this bound.
TOLERANCE = Decimal("1e-24")


@settings(max_examples=300, derandomize=True, deadline=None)
@given(fills=_fills, mid=_prices)
def test_realized_plus_unrealized_equals_cash_flow(
    fills: list[tuple[TradeSide, Decimal, Decimal, Decimal]], mid: Decimal
) -> None:
    # Arrange
    position = HeldPosition(KEY)
    made = [
        HeldFill(
            fill_id=f"f-{n}",
            executor_id="ex-1",
            side=side,
            base_amount=base,
            quote_amount=base * price,
            fee_quote=fee,
            ts=T0,
        )
        for n, (side, base, price, fee) in enumerate(fills)
    ]

    # Act
    for fill in made:
        position.apply(fill)
    pnl = position.realized_pnl_quote + position.unrealized_pnl(mid)

    # Assert: cash flows computed exactly, independently of the ledger's totals.
    with localcontext() as context:
        context.prec = 80
        sold = sum((f.quote_amount for f in made if f.side == "SELL"), Decimal(0))
        bought = sum((f.quote_amount for f in made if f.side == "BUY"), Decimal(0))
        net = sum((f.base_amount if f.side == "BUY" else -f.base_amount for f in made), Decimal(0))
        fees = sum((f.fee_quote for f in made), Decimal(0))
        cash_flow = sold - bought + net * mid
        assert position.net_base == net
        assert abs(pnl - cash_flow) <= TOLERANCE
        assert abs(position.summary(mid).net_pnl_quote - (cash_flow - fees)) <= TOLERANCE


def test_a_cleared_position_is_forgotten_and_its_fills_never_count_again():
    # Arrange
    D = Decimal
    ledger = HeldPositionsLedger()
    key = HeldPositionKey(controller_id="c", connector="paper", trading_pair="SOL-USDT")
    first = HeldFill(
        fill_id="f-1",
        executor_id="e-1",
        side="BUY",
        base_amount=D(1),
        quote_amount=D(100),
        fee_quote=D(0),
        ts=T0,
    )
    ledger.record(key, first)
    # Act
    removed = ledger.remove(key)
    again = ledger.record(key, first)
    later = HeldFill(
        fill_id="f-2",
        executor_id="e-2",
        side="SELL",
        base_amount=D(1),
        quote_amount=D(101),
        fee_quote=D(0),
        ts=T0,
    )
    fresh = ledger.record(key, later)
    # Assert: gone; the old fill is refused; a new fill starts a new position
    assert removed is not None and removed.key == key
    assert again is False
    assert fresh is True
    position = ledger.get(key)
    assert position is not None and position.fill_ids == frozenset({"f-2"})
    assert (
        ledger.remove(HeldPositionKey(controller_id="x", connector="y", trading_pair="A-B")) is None
    )
