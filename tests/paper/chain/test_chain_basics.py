"""Clocks, keys, tokens, rent and fee figures of the paper chain."""

from __future__ import annotations

import asyncio
import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lpexec.core.clock import LiveClock, SimulatedClock
from lpexec.paper.chain import (
    BIN_ARRAY_RENT_LAMPORTS,
    DEFAULT_TOKENS,
    LAMPORTS_PER_SOL,
    POSITION_RENT_LAMPORTS,
    POSITION_RENT_PER_EXTRA_BIN_LAMPORTS,
    TOKEN_ACCOUNT_RENT_LAMPORTS,
    FeeSchedule,
    KeyFactory,
    OperationBudget,
    PaperChain,
    TokenList,
    UnknownTokenError,
    b58decode,
    b58encode,
    is_address,
    is_signature,
    position_rent,
    priority_fee,
    transaction_fee,
)

# -- clocks ------------------------------------------------------------------------------------


def test_manual_clock_moves_only_when_told() -> None:
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    clock = SimulatedClock(start)
    assert clock.now() == start
    clock.advance(0.4)
    assert clock.now() == start + dt.timedelta(milliseconds=400)
    asyncio.run(clock.sleep(2))
    assert clock.now() == start + dt.timedelta(milliseconds=2_400)
    with pytest.raises(ValueError, match="received -1"):
        clock.advance(-1)
    with pytest.raises(ValueError, match="at or after"):
        clock.set(start)


def test_manual_clock_refuses_naive_datetimes() -> None:
    with pytest.raises(ValueError, match="naive"):
        SimulatedClock(dt.datetime(2026, 1, 1))


def test_wall_clock_is_aware_utc() -> None:
    now = LiveClock().now()
    assert now.tzinfo is not None and now.utcoffset() == dt.timedelta(0)


@pytest.mark.parametrize(
    "zone",
    [dt.UTC, dt.timezone(-dt.timedelta(hours=7)), ZoneInfo("Europe/Paris")],
    ids=["utc", "fixed-offset", "daylight-saving"],
)
def test_block_time_is_the_unix_second_of_the_slot_start(zone: dt.tzinfo) -> None:
    # Arrange: genesis a day before Paris moves its clocks forward (29 March 2026)
    genesis = dt.datetime(2026, 3, 28, 12, 0, 0, 300_000, tzinfo=zone)
    clock = SimulatedClock(genesis)
    chain = PaperChain(clock=clock, genesis_time=genesis)
    wallet = chain.create_wallet("w")
    chain.airdrop(wallet, "SOL", 10**9)

    # Act
    block_times = []
    for seconds in (0, 0.4, 0.5, 1.1, 2 * 86_400):
        clock.advance(seconds)
        signature = chain.wrap(wallet, 1_000).signature
        block_times.append(chain.transaction(signature).block_time)  # type: ignore[union-attr]

    # Assert
    slots = [tx.slot for tx in chain.transactions()]
    assert block_times == [int(chain.slot_time(slot).timestamp()) for slot in slots]


# -- keys --------------------------------------------------------------------------------------


@given(st.binary(min_size=0, max_size=80))
@settings(max_examples=200, derandomize=True)
def test_base58_round_trips(data: bytes) -> None:
    assert b58decode(b58encode(data)) == data


def _b58encode_digit_by_digit(data: bytes) -> str:
    alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
    number, digits = int.from_bytes(data, "big"), ""
    while number:
        number, remainder = divmod(number, 58)
        digits = alphabet[remainder] + digits
    return "1" * (len(data) - len(data.lstrip(b"\0"))) + digits


@given(st.binary(min_size=0, max_size=100))
@settings(max_examples=400, derandomize=True)
def test_base58_encoding_matches_one_digit_at_a_time(data: bytes) -> None:
    assert b58encode(data) == _b58encode_digit_by_digit(data)
    padded = b"\0\0" + data
    assert b58encode(padded) == _b58encode_digit_by_digit(padded)


def test_base58_known_vectors() -> None:
    assert b58encode(b"") == ""
    assert b58encode(bytes(3)) == "111"
    assert b58encode(b"\x00\x00\x01") == "112"
    assert b58encode(b"\x39") == "z"
    assert b58encode(b"\x3a") == "21"
    assert b58encode(b"hello world") == "StV1DL6CwTryKyV"
    assert b58encode(b"\xff" * 64) == (
        "67rpwLCuS5DGA8KGZXKsVQ7dnPb9goRLoKfgGbLfQg9WoLUgNY77E2jT11fem3coV9nAkguBACzrU1iyZM4B8roQ"
    )
    assert b58decode("11111111111111111111111111111111") == bytes(32)
    with pytest.raises(ValueError, match="'0' at position 2"):
        b58decode("ab0c")


def test_real_mints_are_32_byte_addresses() -> None:
    for token in DEFAULT_TOKENS:
        assert is_address(token.address), token.symbol


def test_key_factory_is_deterministic_by_seed_and_sizes_are_real() -> None:
    first, again, other = KeyFactory(3), KeyFactory(3), KeyFactory(4)
    drawn = [first.new_address(), first.new_signature()]
    assert drawn == [again.new_address(), again.new_signature()]
    assert drawn[0] != other.new_address()
    assert is_address(drawn[0]) and not is_signature(drawn[0])
    assert is_signature(drawn[1]) and len(b58decode(drawn[1])) == 64
    assert 43 <= len(drawn[1]) <= 88


def test_key_factory_sequence_is_pinned() -> None:
    keys = KeyFactory(7)
    assert keys.new_address() == "Dy4LN7KVuP6zYC63Zes8jMFTW4dRxcYCRwZMyQ4BYSK1"
    assert keys.new_signature() == (
        "4eBLwFNb31wYwixYceEzfywDbYxfUKsSPszzfvpd86FqaUrrHu8rBFBUYQLGA3qW2xPGvLrikuJ359RUT9df5exG"
    )


def test_key_factory_state_round_trip_continues_the_sequence() -> None:
    keys = KeyFactory(9)
    keys.new_address()
    state = keys.get_state()
    expected = keys.new_signature()
    restored = KeyFactory(0)
    restored.set_state(state)
    assert restored.new_signature() == expected


# -- tokens ------------------------------------------------------------------------------------


def test_token_list_finds_by_symbol_any_case_and_by_mint() -> None:
    tokens = TokenList()
    usdc = tokens.get("usdc")
    assert usdc.decimals == 6
    assert tokens.get("EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v") is usdc
    assert tokens.sol.decimals == 9 and tokens.sol.is_sol
    with pytest.raises(UnknownTokenError, match="Token not found: NOPE"):
        tokens.get("NOPE")


def test_token_conversions_are_exact_and_round_down() -> None:
    usdc = TokenList().get("USDC")
    assert usdc.to_raw(Decimal("1.2345679")) == 1_234_567
    assert usdc.to_ui(1_234_567) == Decimal("1.234567")
    assert TokenList().get("SOL").to_raw(Decimal("0.05740608")) == 57_406_080


def test_token_list_refuses_duplicates() -> None:
    tokens = TokenList()
    with pytest.raises(ValueError, match="duplicate 'USDC'"):
        tokens.add(DEFAULT_TOKENS[1])


# -- rent and fees -----------------------------------------------------------------------------

SOL = TokenList().get("SOL")


def test_rent_figures_match_the_meteora_sdk() -> None:
    assert SOL.to_ui(POSITION_RENT_LAMPORTS) == Decimal("0.05740608")
    assert SOL.to_ui(POSITION_RENT_PER_EXTRA_BIN_LAMPORTS) == Decimal("0.00077952")
    assert SOL.to_ui(BIN_ARRAY_RENT_LAMPORTS) == Decimal("0.07143744")
    assert SOL.to_ui(TOKEN_ACCOUNT_RENT_LAMPORTS) == Decimal("0.00203928")


@pytest.mark.parametrize(
    ("bins", "sol"),
    [
        (1, "0.05740608"),
        (70, "0.05740608"),
        (71, "0.0581856"),
        (100, "0.08079168"),  # 0.05740608 + 30 x 0.00077952
        (1_400, "1.09416768"),  # 0.05740608 + 1,330 x 0.00077952
    ],
)
def test_position_rent_grows_per_bin_beyond_seventy(bins: int, sol: str) -> None:
    assert Decimal(position_rent(bins)) / LAMPORTS_PER_SOL == Decimal(sol)


@pytest.mark.parametrize("bins", [0, 1_401])
def test_position_rent_refuses_impossible_widths(bins: int) -> None:
    with pytest.raises(ValueError, match=f"received width_bins={bins}"):
        position_rent(bins)


@pytest.mark.parametrize(
    ("signatures", "price", "limit", "expected"),
    [
        (1, 0, 200_000, 5_000),
        (1, 100_000, 200_000, 25_000),  # Gateway's floor: 0.1 lamport/CU -> 0.000025 SOL
        (2, 100_000, 200_000, 30_000),
        (1, 1, 1, 5_001),  # the priority fee rounds up
        (1, 333_333, 3, 5_001),
    ],
)
def test_transaction_fee_is_per_signature_plus_priority(
    signatures: int, price: int, limit: int, expected: int
) -> None:
    assert transaction_fee(signatures, price, limit) == expected
    assert priority_fee(price, limit) == expected - 5_000 * signatures


def test_fee_schedule_uses_the_cu_limit_gateway_sets() -> None:
    schedule = FeeSchedule(
        compute_unit_price=200_000, budgets={"swap": OperationBudget(1, 100_000)}
    )
    # limit = ceil(100,000 x 1.1) = 110,000; priority = 200,000 x 110,000 / 10^6 = 22,000
    assert schedule.fee("swap") == 27_000
    assert schedule.priority_fee("swap") == 22_000
    with pytest.raises(KeyError, match="received 'open'"):
        schedule.fee("open")
