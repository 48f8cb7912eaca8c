"""Builders for paper pool tests: SOL-USDC shaped DLMM and CLMM pools."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest

from lpexec.paper.pools import ClmmPool, DlmmFeeParameters, DlmmPool

SOL = "So11111111111111111111111111111111111111112"
USDC = "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v"


def build_dlmm(
    *,
    bin_step: int = 10,
    price: Decimal = Decimal(150),
    fee_parameters: DlmmFeeParameters | None = None,
    max_position_width: int = 69,
) -> DlmmPool:
    return DlmmPool.at_price(
        "dlmm-pool",
        price=price,
        base_mint=SOL,
        quote_mint=USDC,
        base_decimals=9,
        quote_decimals=6,
        bin_step=bin_step,
        fee_parameters=fee_parameters,
        max_position_width=max_position_width,
    )


def build_clmm(
    *, fee_rate: int = 3_000, protocol_fee_share: int = 0, tick_spacing: int = 10
) -> ClmmPool:
    return ClmmPool.at_price(
        "clmm-pool",
        price=Decimal(150),
        base_mint=SOL,
        quote_mint=USDC,
        base_decimals=9,
        quote_decimals=6,
        tick_spacing=tick_spacing,
        fee_rate=fee_rate,
        protocol_fee_share=protocol_fee_share,
    )


@pytest.fixture
def make_dlmm() -> Callable[..., DlmmPool]:
    return build_dlmm


@pytest.fixture
def make_clmm() -> Callable[..., ClmmPool]:
    return build_clmm
