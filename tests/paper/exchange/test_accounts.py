from __future__ import annotations

from decimal import Decimal

import pytest

from lpexec.paper.exchange import Balance, BalanceError, Balances


def test_reserve_release_and_spend():
    balances = Balances({"USDC": Decimal(100)})
    balances.reserve("USDC", Decimal(40))
    assert balances.get("USDC") == Balance(Decimal(100), Decimal(40))
    assert balances.get("USDC").available == 60
    balances.spend_reserved("USDC", Decimal(30))
    balances.release("USDC", Decimal(10))
    assert balances.get("USDC") == Balance(Decimal(70), Decimal(0))


def test_reserving_more_than_available_raises_and_changes_nothing():
    balances = Balances({"USDC": Decimal(100)})
    with pytest.raises(BalanceError, match="available 100 USDC"):
        balances.reserve("USDC", Decimal("100.01"))
    assert balances.get("USDC") == Balance(Decimal(100))


def test_releasing_more_than_reserved_raises():
    balances = Balances({"USDC": Decimal(100)})
    with pytest.raises(BalanceError, match="reserved"):
        balances.release("USDC", Decimal(1))


def test_negative_postings_raise():
    balances = Balances()
    with pytest.raises(BalanceError, match="non-negative deposit"):
        balances.deposit("SOL", Decimal(-1))


def test_unknown_asset_is_zero_and_snapshot_is_sorted():
    balances = Balances({"USDC": Decimal(1), "SOL": Decimal(2)})
    assert balances.get("BTC") == Balance(Decimal(0))
    assert list(balances.snapshot()) == ["SOL", "USDC"]
