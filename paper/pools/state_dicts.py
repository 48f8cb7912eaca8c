"""Plain-dict (JSON-safe) state of the paper pools (private; use ``to_dict``/``from_dict``).

Raw amounts, shares, liquidity and Q64.64 values are written as decimal strings so any JSON
reader keeps them exact; ids, ticks and timestamps are plain integers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lpexec.lp.math.dlmm import bin_price_q64
from lpexec.paper.pools._clmm_state import ClmmPosition, Tick
from lpexec.paper.pools._dlmm_state import Bin, Position
from lpexec.paper.pools.dlmm_parameters import DlmmFeeParameters
from lpexec.paper.pools.errors import InvalidPoolRequestError

if TYPE_CHECKING:
    from lpexec.paper.pools.clmm import ClmmPool
    from lpexec.paper.pools.dlmm import DlmmPool


def dlmm_to_dict(pool: DlmmPool) -> dict[str, Any]:
    """Return ``pool``'s state as plain data."""
    return {
        "kind": "dlmm",
        "address": pool._address,
        "base_mint": pool._base_mint,
        "quote_mint": pool._quote_mint,
        "base_decimals": pool._base_decimals,
        "quote_decimals": pool._quote_decimals,
        "bin_step": pool._bin_step,
        "fee_parameters": pool._params.to_dict(),
        "max_position_width": pool._max_width,
        "active_bin_id": pool._active,
        "last_timestamp": pool._last_timestamp,
        "volatility_accumulator": pool._volatility_accumulator,
        "volatility_reference": pool._volatility_reference,
        "index_reference": pool._index_reference,
        "protocol_fee": [str(pool._protocol_x), str(pool._protocol_y)],
        "initialized_bin_arrays": sorted(pool._arrays),
        "closed_positions": sorted(pool._closed),
        "bins": [[b, str(pool._bins[b].x), str(pool._bins[b].y)] for b in pool._liquid_ids],
        "positions": [
            {
                "position_id": p.position_id,
                "lower": p.lower,
                "upper": p.upper,
                "fee": [str(p.fee_x), str(p.fee_y)],
                "shares": [[b, str(s)] for b, s in sorted(p.shares.items())],
            }
            for p in pool._positions.values()
        ],
    }


def dlmm_from_dict(data: dict[str, Any]) -> DlmmPool:
    """Rebuild a pool from :func:`dlmm_to_dict` output."""
    from lpexec.paper.pools.dlmm import DlmmPool

    if data.get("kind") != "dlmm":
        raise InvalidPoolRequestError(f"Expected kind 'dlmm', received kind={data.get('kind')!r}")
    pool = DlmmPool(
        data["address"],
        base_mint=data["base_mint"],
        quote_mint=data["quote_mint"],
        base_decimals=int(data["base_decimals"]),
        quote_decimals=int(data["quote_decimals"]),
        bin_step=int(data["bin_step"]),
        active_bin_id=int(data["active_bin_id"]),
        fee_parameters=DlmmFeeParameters.from_dict(data["fee_parameters"]),
        max_position_width=int(data["max_position_width"]),
        timestamp=int(data["last_timestamp"]),
    )
    pool._volatility_accumulator = int(data["volatility_accumulator"])
    pool._volatility_reference = int(data["volatility_reference"])
    pool._index_reference = int(data["index_reference"])
    pool._protocol_x, pool._protocol_y = (int(v) for v in data["protocol_fee"])
    pool._arrays = {int(i) for i in data["initialized_bin_arrays"]}
    pool._closed = set(data["closed_positions"])
    for bin_id, x, y in data["bins"]:
        bin_ = Bin(int(bin_id), bin_price_q64(int(bin_id), pool._bin_step))
        bin_.x, bin_.y = int(x), int(y)
        pool._bins[bin_.bin_id] = bin_
    pool._liquid_ids = sorted(pool._bins)
    for entry in data["positions"]:
        position = Position(
            entry["position_id"], int(entry["lower"]), int(entry["upper"]), pool._next_seq
        )
        pool._next_seq += 1
        position.fee_x, position.fee_y = (int(v) for v in entry["fee"])
        for bin_id, shares in entry["shares"]:
            amount = int(shares)
            position.shares[int(bin_id)] = amount
            bin_ = pool._bins[int(bin_id)]
            bin_.holders[position] = amount
            bin_.supply += amount
        pool._positions[position.position_id] = position
    return pool


def clmm_to_dict(pool: ClmmPool) -> dict[str, Any]:
    """Return ``pool``'s state as plain data."""
    return {
        "kind": "clmm",
        "address": pool._address,
        "base_mint": pool._base_mint,
        "quote_mint": pool._quote_mint,
        "base_decimals": pool._base_decimals,
        "quote_decimals": pool._quote_decimals,
        "tick_spacing": pool._tick_spacing,
        "fee_rate": pool._fee_rate,
        "protocol_fee_share": pool._protocol_share,
        "sqrt_price_x64": str(pool._sqrt_price),
        "liquidity": str(pool._liquidity),
        "fee_growth": [str(pool._fee_growth0), str(pool._fee_growth1)],
        "protocol_fee": [str(pool._protocol0), str(pool._protocol1)],
        "balances": [str(pool._balance0), str(pool._balance1)],
        "last_timestamp": pool._last_timestamp,
        "closed_positions": sorted(pool._closed),
        "ticks": [
            [
                t,
                str(pool._ticks[t].liquidity_gross),
                str(pool._ticks[t].liquidity_net),
                str(pool._ticks[t].outside0),
                str(pool._ticks[t].outside1),
            ]
            for t in pool._tick_ids
        ],
        "positions": [
            {
                "position_id": p.position_id,
                "lower": p.lower,
                "upper": p.upper,
                "liquidity": str(p.liquidity),
                "inside_last": [str(p.inside0_last), str(p.inside1_last)],
                "owed": [str(p.owed0), str(p.owed1)],
            }
            for p in pool._positions.values()
        ],
    }


def clmm_from_dict(data: dict[str, Any]) -> ClmmPool:
    """Rebuild a pool from :func:`clmm_to_dict` output."""
    from lpexec.paper.pools.clmm import ClmmPool

    if data.get("kind") != "clmm":
        raise InvalidPoolRequestError(f"Expected kind 'clmm', received kind={data.get('kind')!r}")
    pool = ClmmPool(
        data["address"],
        base_mint=data["base_mint"],
        quote_mint=data["quote_mint"],
        base_decimals=int(data["base_decimals"]),
        quote_decimals=int(data["quote_decimals"]),
        tick_spacing=int(data["tick_spacing"]),
        sqrt_price_x64=int(data["sqrt_price_x64"]),
        fee_rate=int(data["fee_rate"]),
        protocol_fee_share=int(data["protocol_fee_share"]),
        timestamp=int(data["last_timestamp"]),
    )
    pool._liquidity = int(data["liquidity"])
    pool._fee_growth0, pool._fee_growth1 = (int(v) for v in data["fee_growth"])
    pool._protocol0, pool._protocol1 = (int(v) for v in data["protocol_fee"])
    pool._balance0, pool._balance1 = (int(v) for v in data["balances"])
    pool._closed = set(data["closed_positions"])
    for tick_id, gross, net, outside0, outside1 in data["ticks"]:
        tick = Tick(int(outside0), int(outside1))
        tick.liquidity_gross, tick.liquidity_net = int(gross), int(net)
        pool._ticks[int(tick_id)] = tick
    pool._tick_ids = sorted(pool._ticks)
    for entry in data["positions"]:
        position = ClmmPosition(entry["position_id"], int(entry["lower"]), int(entry["upper"]))
        position.liquidity = int(entry["liquidity"])
        position.inside0_last, position.inside1_last = (int(v) for v in entry["inside_last"])
        position.owed0, position.owed1 = (int(v) for v in entry["owed"])
        pool._positions[position.position_id] = position
    return pool
