"""Shared fixtures for the gateway_client tests: a fake clock and clients wired to respx."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
import respx
from gateway_fakes import BASE_URL, FakeClock

from gateway_client import GatewayClient, RetryPolicy


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def gateway() -> respx.MockRouter:
    """A respx router for the fake Gateway; unmatched requests fail the test."""
    with respx.mock(base_url=BASE_URL, assert_all_called=False) as router:
        yield router


@pytest.fixture
def make_client(clock: FakeClock) -> Callable[..., GatewayClient]:
    """Build clients on the fake clock, with zero backoff and no rate limit unless asked."""

    def build(**overrides: Any) -> GatewayClient:
        options: dict[str, Any] = {
            "clock": clock,
            "retry_policy": RetryPolicy(initial_wait=0, max_wait=0),
            "rate_limit_per_minute": None,
            "ethereum_network": "base",
        }
        options.update(overrides)
        return GatewayClient(BASE_URL, **options)

    return build


@pytest.fixture
async def client(make_client: Callable[..., GatewayClient]) -> AsyncIterator[GatewayClient]:
    async with make_client() as opened:
        yield opened
