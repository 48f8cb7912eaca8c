"""Builders for paper pool tests: SOL-USDC shaped DLMM and CLMM pools."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from fixtures.paper_pools import SOL, USDC, make_clmm, make_dlmm
from lpexec.paper.pools import ClmmPool, DlmmPool

__all__ = ["SOL", "USDC", "build_clmm", "build_dlmm"]

build_dlmm = make_dlmm
build_clmm = make_clmm


@pytest.fixture(name="make_dlmm")
def make_dlmm_fixture() -> Callable[..., DlmmPool]:
    return make_dlmm


@pytest.fixture(name="make_clmm")
def make_clmm_fixture() -> Callable[..., ClmmPool]:
    return make_clmm
