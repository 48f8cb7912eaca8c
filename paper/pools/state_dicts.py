"""The plain-dict (JSON-safe) form of the pool state objects (``to_dict``/``from_dict``).

Raw amounts, shares, liquidity and Q64.64 values are written as decimal strings so any JSON
reader keeps them exact; ids, ticks and timestamps are plain integers.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from lpexec.lp.math.dlmm import bin_price_q64
from lpexec.paper.pools.clmm_state import ClmmPosition, ClmmState, TickState
from lpexec.paper.pools.dlmm_parameters import DlmmFeeParameters
from lpexec.paper.pools.dlmm_state import DlmmBin, DlmmPosition, DlmmState
from lpexec.paper.pools.errors import InvalidPoolRequestError
from lpexec.paper.pools.pool_state import PoolIdentity

__all__ = [
    "clmm_state_from_dict",
    "clmm_state_to_dict",
    "dlmm_state_from_dict",
    "dlmm_state_to_dict",
]


def dlmm_state_to_dict(state: DlmmState) -> dict[str, Any]:
    """Return ``state`` as plain data."""
    return {
        "kind": "dlmm",
        **_identity(state),
        "bin_step": state.bin_step,
        "fee_parameters": state.params.to_dict(),
        "max_position_width": state.max_width,
        "active_bin_id": state.active,
        "last_timestamp": state.last_timestamp,
        "volatility_accumulator": state.volatility_accumulator,
        "volatility_reference": state.volatility_reference,
        "index_reference": state.index_reference,
        "protocol_fee": _texts(state.protocol_x, state.protocol_y),
        "initialized_bin_arrays": sorted(state.bin_arrays),
        "closed_positions": sorted(state.closed),
        "bins": [[b, str(state.bins[b].x), str(state.bins[b].y)] for b in state.liquid_ids],
        "positions": [
            {
                "position_id": p.position_id,
                "lower": p.lower,
                "upper": p.upper,
                "fee": _texts(p.fee_x, p.fee_y),
                "shares": [[b, str(s)] for b, s in sorted(p.shares.items())],
            }
            for p in state.positions.values()
        ],
    }


def dlmm_state_from_dict(data: dict[str, Any]) -> DlmmState:
    """Rebuild a pool from :func:`dlmm_state_to_dict` output."""
    state = DlmmState(
        _identity_from(data, "dlmm"),
        bin_step=int(data["bin_step"]),
        active_bin_id=int(data["active_bin_id"]),
        fee_parameters=DlmmFeeParameters.from_dict(data["fee_parameters"]),
        max_position_width=int(data["max_position_width"]),
        timestamp=int(data["last_timestamp"]),
    )
    state.volatility_accumulator = int(data["volatility_accumulator"])
    state.volatility_reference = int(data["volatility_reference"])
    state.index_reference = int(data["index_reference"])
    state.protocol_x, state.protocol_y = _numbers(data["protocol_fee"])
    state.bin_arrays = {int(i) for i in data["initialized_bin_arrays"]}
    state.closed = set(data["closed_positions"])
    for bin_id, x, y in data["bins"]:
        bin_ = DlmmBin(int(bin_id), bin_price_q64(int(bin_id), state.bin_step))
        bin_.x, bin_.y = int(x), int(y)
        state.bins[bin_.bin_id] = bin_
    state.liquid_ids = sorted(state.bins)
    for entry in data["positions"]:
        position = DlmmPosition(
            entry["position_id"], int(entry["lower"]), int(entry["upper"]), state.next_seq
        )
        state.next_seq += 1
        position.fee_x, position.fee_y = _numbers(entry["fee"])
        for bin_id, shares in entry["shares"]:
            amount = int(shares)
            position.shares[int(bin_id)] = amount
            bin_ = state.bins[int(bin_id)]
            bin_.holders[position] = amount
            bin_.supply += amount
        state.positions[position.position_id] = position
    return state


def clmm_state_to_dict(state: ClmmState) -> dict[str, Any]:
    """Return ``state`` as plain data."""
    return {
        "kind": "clmm",
        **_identity(state),
        "tick_spacing": state.tick_spacing,
        "fee_rate": state.fee_rate,
        "protocol_fee_share": state.protocol_share,
        "sqrt_price_x64": str(state.sqrt_price),
        "liquidity": str(state.liquidity),
        "fee_growth": _texts(state.fee_growth0, state.fee_growth1),
        "protocol_fee": _texts(state.protocol0, state.protocol1),
        "balances": _texts(state.balance0, state.balance1),
        "last_timestamp": state.last_timestamp,
        "closed_positions": sorted(state.closed),
        "ticks": [
            [t, *_texts(tick.liquidity_gross, tick.liquidity_net, tick.outside0, tick.outside1)]
            for t, tick in ((t, state.ticks[t]) for t in state.tick_ids)
        ],
        "positions": [
            {
                "position_id": p.position_id,
                "lower": p.lower,
                "upper": p.upper,
                "liquidity": str(p.liquidity),
                "inside_last": _texts(p.inside0_last, p.inside1_last),
                "owed": _texts(p.owed0, p.owed1),
            }
            for p in state.positions.values()
        ],
    }


def clmm_state_from_dict(data: dict[str, Any]) -> ClmmState:
    """Rebuild a pool from :func:`clmm_state_to_dict` output."""
    state = ClmmState(
        _identity_from(data, "clmm"),
        tick_spacing=int(data["tick_spacing"]),
        sqrt_price_x64=int(data["sqrt_price_x64"]),
        fee_rate=int(data["fee_rate"]),
        protocol_fee_share=int(data["protocol_fee_share"]),
        timestamp=int(data["last_timestamp"]),
    )
    state.liquidity = int(data["liquidity"])
    state.fee_growth0, state.fee_growth1 = _numbers(data["fee_growth"])
    state.protocol0, state.protocol1 = _numbers(data["protocol_fee"])
    state.balance0, state.balance1 = _numbers(data["balances"])
    state.closed = set(data["closed_positions"])
    for tick_id, gross, net, outside0, outside1 in data["ticks"]:
        tick = TickState(int(outside0), int(outside1))
        tick.liquidity_gross, tick.liquidity_net = int(gross), int(net)
        state.ticks[int(tick_id)] = tick
    state.tick_ids = sorted(state.ticks)
    for entry in data["positions"]:
        position = ClmmPosition(entry["position_id"], int(entry["lower"]), int(entry["upper"]))
        position.liquidity = int(entry["liquidity"])
        position.inside0_last, position.inside1_last = _numbers(entry["inside_last"])
        position.owed0, position.owed1 = _numbers(entry["owed"])
        state.positions[position.position_id] = position
    return state


def _identity(state: DlmmState | ClmmState) -> dict[str, Any]:
    return {
        "address": state.address,
        "base_mint": state.base_mint,
        "quote_mint": state.quote_mint,
        "base_decimals": state.base_decimals,
        "quote_decimals": state.quote_decimals,
    }


def _identity_from(data: dict[str, Any], kind: str) -> PoolIdentity:
    if data.get("kind") != kind:
        raise InvalidPoolRequestError(f"Expected kind {kind!r}, received kind={data.get('kind')!r}")
    return PoolIdentity(
        data["address"],
        data["base_mint"],
        data["quote_mint"],
        int(data["base_decimals"]),
        int(data["quote_decimals"]),
    )


def _texts(*values: int) -> list[str]:
    """Big integers as decimal strings (exact in any JSON reader)."""
    return [str(value) for value in values]


def _numbers(texts: Iterable[str | int]) -> list[int]:
    return [int(text) for text in texts]
