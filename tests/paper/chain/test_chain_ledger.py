"""The ledger: atomic groups, no overdraft, no value created outside genesis/airdrop."""

from __future__ import annotations

import pytest

from lpexec.paper.chain import (
    LAMPORTS,
    SOL_MINT,
    AccountKind,
    Cause,
    InsufficientFundsError,
    Ledger,
    LedgerImbalanceError,
    Posting,
)

USDC = "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v"


@pytest.fixture
def ledger() -> Ledger:
    ledger = Ledger()
    ledger.open_account("W", AccountKind.WALLET, owner="W")
    ledger.open_account("P", AccountKind.POOL_RESERVE, owner="P")
    ledger.open_account("M", AccountKind.MARKET, owner="M")
    ledger.post([Posting("W", LAMPORTS, 1_000, Cause.AIRDROP)], slot=1)
    return ledger


def test_balanced_group_moves_value_and_records_causes(ledger: Ledger) -> None:
    ledger.post(
        [
            Posting("W", LAMPORTS, -400, Cause.DEPOSIT),
            Posting("P", SOL_MINT, 400, Cause.DEPOSIT),  # wrapped SOL counts as SOL
        ],
        slot=2,
        signature="sig",
    )
    assert ledger.balance("W", LAMPORTS) == 600
    assert ledger.balance("P", SOL_MINT) == 400
    assert ledger.total(SOL_MINT) == ledger.created(SOL_MINT) == 1_000
    entries = ledger.entries(signature="sig")
    assert [(e.account, e.delta, e.cause) for e in entries] == [
        ("W", -400, Cause.DEPOSIT),
        ("P", 400, Cause.DEPOSIT),
    ]
    assert entries[0].kind is AccountKind.WALLET and entries[0].slot == 2


def test_group_that_creates_value_is_refused(ledger: Ledger) -> None:
    with pytest.raises(LedgerImbalanceError, match="net to zero"):
        ledger.post([Posting("P", USDC, 5, Cause.SWAP)], slot=2)
    assert ledger.balance("P", USDC) == 0


def test_overdraft_is_refused_and_nothing_is_applied(ledger: Ledger) -> None:
    with pytest.raises(InsufficientFundsError) as raised:
        ledger.post(
            [
                Posting("P", SOL_MINT, 1_500, Cause.DEPOSIT),
                Posting("W", LAMPORTS, -1_500, Cause.DEPOSIT),
            ],
            slot=2,
        )
    assert (raised.value.required, raised.value.available) == (1_500, 1_000)
    assert ledger.balance("W", LAMPORTS) == 1_000
    assert ledger.balance("P", SOL_MINT) == 0
    assert len(ledger) == 1


def test_only_the_market_may_go_negative(ledger: Ledger) -> None:
    ledger.post(
        [Posting("M", USDC, -10, Cause.MARKET), Posting("P", USDC, 10, Cause.MARKET)], slot=3
    )
    assert ledger.balance("M", USDC) == -10
    assert ledger.total(USDC) == 0 == ledger.created(USDC)


def test_unknown_account_and_conflicting_registration_are_refused(ledger: Ledger) -> None:
    with pytest.raises(KeyError, match="received X"):
        ledger.post([Posting("X", LAMPORTS, 1, Cause.AIRDROP)], slot=1)
    with pytest.raises(ValueError, match="wallet of W"):
        ledger.open_account("W", AccountKind.POSITION, owner="W")


def test_round_trip_replays_balances(ledger: Ledger) -> None:
    ledger.post(
        [Posting("W", LAMPORTS, -1, Cause.TX_FEE), Posting("P", LAMPORTS, 1, Cause.TX_FEE)],
        slot=4,
        signature="s",
    )
    copy = Ledger.from_dict(ledger.to_dict())
    assert copy.balance("W", LAMPORTS) == 999
    assert copy.created(SOL_MINT) == 1_000
    assert [e.to_dict() for e in copy] == [e.to_dict() for e in ledger]
