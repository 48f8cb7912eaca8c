"""Deciding from balances alone whether a swap without a signature landed."""

from __future__ import annotations

from decimal import Decimal

import pytest

from lpexec.swap import SwapFingerprint, match_balances

D = Decimal
BEFORE = {"SOL": D("100"), "USDC": D("20000"), "JUP": D("10000")}

# a sale of 1000 JUP for USDC (no native token in the pair) with 780 USDC at least
JUP_SALE = {"pair": ("JUP", "USDC"), "amount": "1000", "limit": "780"}


def check(after, *, side="SELL", pair=("SOL", "USDC"), amount="2", limit="356.4", before=BEFORE):
    return match_balances(
        side=side,
        base_token=pair[0],
        quote_token=pair[1],
        native_token="SOL",
        amount=D(amount),
        limit=D(limit),
        before=before,
        after=after,
        max_fee=D("0.01"),
    )


def test_a_sell_of_the_native_token_is_read_with_its_fee_apart():
    match = check({"SOL": D("97.999975"), "USDC": D("20358.7"), "JUP": D("10000")})

    assert match.verdict is SwapFingerprint.LANDED
    assert (match.base_amount, match.quote_amount, match.tx_fee) == (
        D(2),
        D("358.7"),
        D("0.000025"),
    )
    assert match.fee_known


def test_a_buy_of_the_native_token_pays_quote_within_the_limit():
    match = check(
        {"SOL": D("101.999975"), "USDC": D("19639.5"), "JUP": D("10000")},
        side="BUY",
        limit="363.6",
    )

    assert match.verdict is SwapFingerprint.LANDED
    assert (match.quote_amount, match.tx_fee) == (D("360.5"), D("0.000025"))


def test_a_pair_without_the_native_token_reads_the_fee_from_the_native_balance():
    match = check(
        {"SOL": D("99.99995"), "USDC": D("20790"), "JUP": D("9000")},
        **JUP_SALE,
    )

    assert match.verdict is SwapFingerprint.LANDED
    assert (match.base_amount, match.quote_amount, match.tx_fee) == (D(1000), D(790), D("0.00005"))


def test_with_the_native_token_as_quote_the_fee_stays_inside_the_quote_amount():
    before = {"JUP": D("10000"), "SOL": D("100")}
    match = check(
        {"JUP": D("9000"), "SOL": D("104.39995")},
        pair=("JUP", "SOL"),
        amount="1000",
        limit="4.39",
        before=before,
    )

    assert match.verdict is SwapFingerprint.LANDED
    assert (match.quote_amount, match.tx_fee, match.fee_known) == (D("4.39995"), 0, False)


@pytest.mark.parametrize(
    "after",
    [
        {"SOL": D("100"), "USDC": D("20000"), "JUP": D("10000")},  # dropped: nothing moved
        {"SOL": D("99.999975"), "USDC": D("20000"), "JUP": D("10000")},  # landed and failed
        {"SOL": D("100.0000000000001"), "USDC": D("20000.00000000001"), "JUP": D("10000")},
    ],
    ids=["nothing", "only-a-failed-fee", "float-noise"],
)
def test_untouched_balances_mean_the_swap_did_not_happen_yet(after):
    assert check(after).verdict is SwapFingerprint.UNTOUCHED


@pytest.mark.parametrize(
    ("after", "explanation"),
    [
        (
            {"SOL": D("96.999975"), "USDC": D("20537"), "JUP": D("10000")},
            "expected the network fee between 0 and 0.01 SOL, received 1.000025",
        ),
        (
            {"SOL": D("97.999975"), "USDC": D("20300"), "JUP": D("10000")},
            "expected USDC to grow by at least 356.4, received a change of 300",
        ),
        (
            {"SOL": D("97.999975"), "USDC": D("19000"), "JUP": D("10000")},
            "expected USDC to grow by at least 356.4, received a change of -1000",
        ),
        ({"SOL": D("0"), "USDC": D("0"), "JUP": D("0")}, "the balances read as zeros"),
        ({"SOL": D("98"), "JUP": D("10000")}, "a balance of the pair is missing"),
    ],
    ids=["base-moved-too-much", "too-little-received", "quote-went-down", "zeros", "missing"],
)
def test_anything_else_is_ambiguous_and_says_why(after, explanation):
    match = check(after)

    assert match.verdict is SwapFingerprint.AMBIGUOUS
    assert explanation in match.explanation


def test_a_non_native_base_must_move_by_exactly_the_amount():
    match = check(
        {"SOL": D("99.99995"), "USDC": D("20790"), "JUP": D("8999")},
        **JUP_SALE,
    )

    assert match.verdict is SwapFingerprint.AMBIGUOUS
    assert "expected JUP to change by -1000, received a change of -1001" in match.explanation
