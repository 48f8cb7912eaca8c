"""Client-side rate limiter (fake clock: nothing really sleeps)."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
import respx
from gateway_fakes import FakeClock

from fixtures.gateway import response
from gateway_client import GatewayClient, InvalidRequestError
from gateway_client._rate_limit import RateLimiter


async def test_requests_under_the_limit_do_not_wait(clock: FakeClock) -> None:
    limiter = RateLimiter(100, clock=clock)

    waits = [await limiter.acquire() for _ in range(100)]

    assert waits == [0.0] * 100
    assert clock.sleeps == []


async def test_the_request_over_the_limit_waits_for_the_window(clock: FakeClock) -> None:
    limiter = RateLimiter(100, clock=clock)
    for _ in range(100):
        await limiter.acquire()

    waited = await limiter.acquire()

    assert waited == 60.0
    assert clock.sleeps == [60.0]


async def test_the_window_slides(clock: FakeClock) -> None:
    # Arrange: two requests per minute, made at t=0 and t=10
    limiter = RateLimiter(2, clock=clock)
    await limiter.acquire()
    clock.advance(10)
    await limiter.acquire()

    # Act: the third can start when the first leaves the window (t=60)
    first = await limiter.acquire()
    clock.advance(5)
    second = await limiter.acquire()

    # Assert
    assert first == 50.0
    assert second == 5.0


@pytest.mark.parametrize(("limit", "period"), [(0, 60.0), (5, 0.0)])
def test_invalid_settings_are_refused(clock: FakeClock, limit: int, period: float) -> None:
    with pytest.raises(InvalidRequestError):
        RateLimiter(limit, period=period, clock=clock)


async def test_client_spaces_requests_to_the_configured_rate(
    make_client: Callable[..., GatewayClient], clock: FakeClock, gateway: respx.MockRouter
) -> None:
    # Arrange
    route = gateway.get("/chains/solana/status").mock(
        return_value=httpx.Response(200, json=response("chains-solana-status"))
    )
    start = clock.monotonic()

    # Act: 7 requests at 3 per minute
    async with make_client(rate_limit_per_minute=3) as client:
        for _ in range(7):
            await client.solana.status()

    # Assert: requests 4-6 wait for minute 1, request 7 for minute 2
    assert route.call_count == 7
    assert clock.monotonic() - start == 120.0


async def test_health_is_not_rate_limited(
    make_client: Callable[..., GatewayClient], clock: FakeClock, gateway: respx.MockRouter
) -> None:
    gateway.get("/").mock(return_value=httpx.Response(200, json={"status": "ok"}))

    async with make_client(rate_limit_per_minute=1) as client:
        for _ in range(5):
            assert (await client.health()).status == "ok"

    assert clock.sleeps == []


async def test_the_limit_is_shared_by_with_options_views(
    make_client: Callable[..., GatewayClient], clock: FakeClock, gateway: respx.MockRouter
) -> None:
    gateway.get("/chains/solana/status").mock(
        return_value=httpx.Response(200, json=response("chains-solana-status"))
    )

    async with make_client(rate_limit_per_minute=2) as client:
        await client.solana.status()
        await client.with_options(max_retries=0).solana.status()
        await client.solana.status()

    assert clock.sleeps == [60.0]


def test_default_limit_is_gateways_100_per_minute() -> None:
    client = GatewayClient("http://gateway.test")
    limiter = client._transport.rate_limiter
    assert limiter is not None and (limiter.max_requests, limiter.period) == (100, 60.0)
    assert (
        GatewayClient("http://gateway.test", rate_limit_per_minute=None)._transport.rate_limiter
        is None
    )
