"""The per-request deadline on transports that enforce no timeout (an in-process ASGI app): a
write that gets no answer is outcome-unknown, a read times out and is retried, as with httpx's
own read timeout."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from decimal import Decimal

import httpx
import pytest
from gateway_fakes import BASE_URL, FakeClock

from gateway_client import (
    GatewayClient,
    GatewayTimeoutError,
    Timeouts,
    TransactionOutcomeUnknownError,
)

WALLET = "AabEVCB1sWgCPxbn6hFYM4Ukj7UubpBRbbYqRnqRXnZD"
SHORT = Timeouts(read=0.05, write=0.1, connect=0.05)


class SilentApp:
    """An ASGI app that reads the request and never answers (it counts the calls it got)."""

    def __init__(self) -> None:
        self.calls = 0
        self.cancelled = 0

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        del scope, send
        self.calls += 1
        await receive()
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            self.cancelled += 1
            raise


def _client(app: SilentApp, make_client: Callable[..., GatewayClient]) -> GatewayClient:
    http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE_URL)
    return make_client(http_client=http, timeout=SHORT)


async def test_a_write_without_an_answer_is_outcome_unknown(
    make_client: Callable[..., GatewayClient],
) -> None:
    # Arrange
    app = SilentApp()
    started = time.monotonic()

    # Act
    async with _client(app, make_client) as client:
        with pytest.raises(TransactionOutcomeUnknownError) as raised:
            await client.solana.wrap(Decimal("0.1"), wallet_address=WALLET)

    # Assert
    assert time.monotonic() - started < 1.5
    assert (app.calls, app.cancelled) == (1, 1)  # sent once; the app was not left running
    assert "POST /chains/solana/wrap" in str(raised.value)
    assert "ReadTimeout" in str(raised.value) and "0.15 s deadline" in str(raised.value)
    assert isinstance(raised.value.__cause__, TimeoutError)


async def test_a_read_without_an_answer_times_out_and_is_retried(
    make_client: Callable[..., GatewayClient], clock: FakeClock
) -> None:
    # Arrange
    app = SilentApp()

    # Act
    async with _client(app, make_client) as client:
        with pytest.raises(GatewayTimeoutError, match="GET /chains/solana/status"):
            await client.solana.status()

    # Assert
    assert app.calls == 3  # the first attempt and two retries
    assert len(clock.sleeps) == 2


async def test_an_answer_within_the_deadline_is_unaffected(
    make_client: Callable[..., GatewayClient],
) -> None:
    async def slow_ok(request: httpx.Request) -> httpx.Response:
        del request
        await asyncio.sleep(0.01)
        return httpx.Response(200, json={"status": "ok"})

    http = httpx.AsyncClient(transport=httpx.MockTransport(slow_ok), base_url=BASE_URL)
    async with make_client(http_client=http, timeout=Timeouts(read=1, write=1)) as client:
        assert (await client.health()).status == "ok"
