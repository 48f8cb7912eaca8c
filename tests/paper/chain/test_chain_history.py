"""Transactions by address: newest first, landed only, positions on their open and close, and the
index rebuilt on load."""

from __future__ import annotations

from typing import Any

import pytest

from lpexec.paper.chain import InvalidChainRequestError, KeyFactory, PaperChain, TxFate

World = Any  # the ``world`` fixture (see conftest)


def _open(world: World, *, fate: TxFate = TxFate.LAND) -> str:
    lower = world.dlmm.active_bin_id - 3
    receipt = world.chain.open_position(
        world.wallet,
        world.dlmm.address,
        lower=lower,
        upper=lower + 6,
        base_amount=10**9,
        quote_amount=150 * 10**6,
        fate=fate,
    )
    return receipt.position_address


def _swap(world: World, *, fate: TxFate = TxFate.LAND) -> str:
    receipt = world.chain.swap(
        world.wallet, world.dlmm.address, token_in="SOL", amount=10**7, fate=fate
    )
    return receipt.signature


def _signatures(chain: PaperChain, address: str, **bounds: str) -> list[str]:
    return [tx.signature for tx in chain.transactions_for_address(address, **bounds)]


def test_a_position_address_lists_its_close_then_its_open(world: World) -> None:
    # Arrange
    chain = world.chain
    position = _open(world)
    _swap(world)
    closed = chain.close_position(world.wallet, position).signature

    # Act
    listed = _signatures(chain, position)

    # Assert
    opened = chain.position_history(position)
    assert opened is not None
    assert listed == [closed, opened.opened_signature]
    assert all(position in chain.transaction(s).account_keys for s in listed)


def test_the_wallet_lists_landed_transactions_newest_first_failed_included(world: World) -> None:
    # Arrange
    first = _swap(world)
    world.clock.advance(0.4)
    failed = _swap(world, fate=TxFate.FAIL)
    dropped = _swap(world, fate=TxFate.DROP)
    world.clock.advance(0.4)
    last = _swap(world)

    # Act
    listed = _signatures(world.chain, world.wallet)

    # Assert
    assert listed == [last, failed, first]
    assert dropped not in listed
    assert world.chain.transaction(failed).error is not None


def test_before_and_until_bound_the_listing(world: World) -> None:
    # Arrange
    sent = [_swap(world) for _ in range(5)]

    # Act
    below = _signatures(world.chain, world.wallet, before=sent[3])
    above = _signatures(world.chain, world.wallet, until=sent[1])
    between = _signatures(world.chain, world.wallet, before=sent[4], until=sent[0])

    # Assert
    assert below == [sent[2], sent[1], sent[0]]
    assert above == [sent[4], sent[3], sent[2]]
    assert between == [sent[3], sent[2], sent[1]]


def test_bounds_work_across_addresses(world: World) -> None:
    # Arrange: the pool's own transaction bounds the wallet's listing
    position = _open(world)
    after = _swap(world)

    # Act
    listed = _signatures(world.chain, position, until=after)
    before_swap = _signatures(world.chain, world.wallet, before=after)

    # Assert
    assert listed == []
    opened = world.chain.position_history(position)
    assert opened is not None
    assert before_swap == [opened.opened_signature]


@pytest.mark.parametrize("bound", ["before", "until"])
def test_a_bound_that_never_landed_is_refused(world: World, bound: str) -> None:
    dropped = _swap(world, fate=TxFate.DROP)
    unknown = KeyFactory(99).new_signature()
    for signature in (dropped, unknown):
        with pytest.raises(
            InvalidChainRequestError, match=f"Expected {bound} to be a landed transaction"
        ):
            world.chain.transactions_for_address(world.wallet, **{bound: signature})


def test_an_address_without_transactions_lists_nothing(world: World) -> None:
    assert _signatures(world.chain, KeyFactory(5).new_address()) == []


def test_the_index_is_rebuilt_on_load(world: World) -> None:
    # Arrange
    position = _open(world)
    _swap(world, fate=TxFate.DROP)
    _swap(world, fate=TxFate.FAIL)
    world.chain.close_position(world.wallet, position)
    saved = world.chain.to_dict()

    # Act
    loaded = PaperChain.from_dict(saved, clock=world.clock)
    _swap(world)
    later = loaded.swap(world.wallet, world.dlmm.address, token_in="SOL", amount=10**7)

    # Assert
    original = _signatures(world.chain, world.wallet)[1:]
    assert _signatures(loaded, world.wallet) == [later.signature, *original]
    assert _signatures(loaded, position) == _signatures(world.chain, position)
    assert loaded.to_dict()["transactions"][: len(saved["transactions"])] == saved["transactions"]
