"""Save/load: a paper run survives a restart and continues exactly as if it never stopped."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from lpexec.core.clock import SimulatedClock
from lpexec.paper.chain import STATE_VERSION, PaperChain, TxFate, TxStatus


def _script_before(world: Any) -> str:
    chain = world.chain
    lower = world.dlmm.active_bin_id - 3
    opened = chain.open_position(
        world.wallet,
        world.dlmm.address,
        lower=lower,
        upper=lower + 8,
        base_amount=2 * 10**9,
        quote_amount=300 * 10**6,
    )
    chain.swap(world.wallet, world.dlmm.address, token_in="SOL", amount=3 * 10**9)
    chain.swap(world.wallet, world.clmm.address, token_in="USDC", amount=200 * 10**6)
    chain.wrap(world.wallet, 10**9)
    world.clock.advance(0.4)
    return opened.position_address


def _script_after(chain: PaperChain, wallet: str, dlmm: str, position: str) -> list[Any]:
    seen: list[Any] = []
    seen.append(chain.swap(wallet, dlmm, token_in="USDC", amount=500 * 10**6).signature)
    seen.append(chain.collect_fees(wallet, position))
    seen.append(chain.close_position(wallet, position).signature)
    seen.append(chain.create_wallet("late"))
    seen.append(chain.faults.decide("open").effect)
    seen.append(chain.balances(wallet))
    return seen


def test_round_trip_restores_everything(world: Any, tmp_path: Path) -> None:
    position = _script_before(world)
    path = tmp_path / "state" / "paper.json"
    world.chain.save(path)
    loaded = PaperChain.load(path, clock=world.clock)
    assert loaded.to_dict() == world.chain.to_dict()
    assert loaded.balances(world.wallet) == world.chain.balances(world.wallet)
    assert loaded.wrapped_sol(world.wallet) == 10**9
    assert loaded.position_record(position).owner == world.wallet
    for tx in world.chain.transactions():
        assert loaded.status(tx.signature) is world.chain.status(tx.signature)
    assert loaded.audit() == []
    assert json.loads(path.read_text())["version"] == STATE_VERSION


def test_loaded_chain_continues_like_the_original(make_world: Any, tmp_path: Path) -> None:
    original = make_world(seed=3, faults="open:504@0.5")
    position = _script_before(original)
    original.chain.save(tmp_path / "s.json")
    clock_copy = SimulatedClock(original.clock.now())
    loaded = PaperChain.load(tmp_path / "s.json", clock=clock_copy)
    expected = _script_after(original.chain, original.wallet, original.dlmm.address, position)
    again = _script_after(loaded, original.wallet, original.dlmm.address, position)
    assert again == expected


def test_time_keeps_running_after_a_restart(world: Any, tmp_path: Path) -> None:
    receipt = world.chain.swap(
        world.wallet, world.dlmm.address, token_in="SOL", amount=10**8, fate=TxFate.LAND
    )
    world.chain.save(tmp_path / "s.json")
    later = SimulatedClock(world.clock.now())
    later.advance(60)
    loaded = PaperChain.load(tmp_path / "s.json", clock=later)
    assert loaded.slot == world.chain.slot + 150
    assert loaded.status(receipt.signature) is TxStatus.CONFIRMED


def test_refuses_another_state_version(world: Any, tmp_path: Path) -> None:
    data = world.chain.to_dict()
    data["version"] = 99
    with pytest.raises(ValueError, match="received 99"):
        PaperChain.from_dict(data, clock=world.clock)


def test_decimal_free_state_is_plain_json(world: Any, tmp_path: Path) -> None:
    _script_before(world)
    world.chain.move_pool_to_price(world.dlmm.address, Decimal(152), volume=10**9)
    world.chain.save(tmp_path / "s.json")
    text = (tmp_path / "s.json").read_text()
    assert json.loads(text)["pools"][0]["connector"] == "meteora"
    assert not list(tmp_path.glob("*.tmp"))
