"""Retry policy: pure functions, attempt counts for reads, and writes sent exactly once."""

from __future__ import annotations

import ssl
from collections.abc import Callable
from decimal import Decimal

import httpx
import pytest
import respx
from gateway_cases import CASES, Case, concrete_path, served_body
from gateway_fakes import FakeClock
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway_client import (
    BadRequestError,
    GatewayClient,
    GatewayConnectionError,
    GatewayError,
    GatewayServerError,
    GatewayTimeoutError,
    GatewayValidationError,
    InvalidRequestError,
    NotFoundError,
    RateLimitedError,
    RetryPolicy,
    TransactionFailedError,
    TransactionOutcomeUnknownError,
    retry_wait,
    should_retry,
)

WRITE_METHODS = {
    "execute_swap",
    "execute_quote",
    "execute",
    "open_position",
    "open",
    "add_liquidity",
    "add",
    "remove_liquidity",
    "remove",
    "collect_fees",
    "close_position",
    "close",
    "wrap",
    "unwrap",
    "approve",
}
WRITES = [case for case in CASES if case.method in WRITE_METHODS and case.response == "default"]
READS = [case for case in CASES if case.method not in WRITE_METHODS and case.response == "default"]


def _failure(kind: str) -> httpx.Response | Exception:
    return {
        "500": httpx.Response(
            500, json={"statusCode": 500, "message": "An unexpected error occurred"}
        ),
        "503": httpx.Response(503, json={"statusCode": 503, "message": "RPC unavailable"}),
        "429": httpx.Response(
            429,
            json={"statusCode": 429, "message": "Rate limit exceeded, retry in 1 minute"},
            headers={"retry-after": "13"},
        ),
        "504-timeout": httpx.Response(
            504,
            json={
                "statusCode": 504,
                "message": "Transaction failed to confirm after 10 attempts",
                "code": "TRANSACTION_TIMEOUT",
            },
        ),
        "connect": httpx.ConnectError("Connection refused"),
        "read-timeout": httpx.ReadTimeout("timed out"),
        "dropped": httpx.RemoteProtocolError("Server disconnected without sending a response."),
        # TLS 1.3 reports a refused client certificate on the first read, unwrapped by httpx
        "tls-alert": ssl.SSLError(1, "[SSL: TLSV13_ALERT_CERTIFICATE_REQUIRED] alert"),
    }[kind]


def _route(gateway: respx.MockRouter, case: Case) -> respx.Route:
    return gateway.route(method=case.spec["_meta"]["method"], path=concrete_path(case))


def _ok(case: Case) -> httpx.Response:
    return httpx.Response(200, content=served_body(case))


# ---------------------------------------------------------------- pure functions


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (GatewayConnectionError("x"), True),
        (GatewayTimeoutError("x"), True),
        (GatewayServerError("x", status_code=500, method="GET", path="/"), True),
        (RateLimitedError("x", retry_after=1.0, status_code=429, method="GET", path="/"), True),
        (BadRequestError("x", status_code=400, method="GET", path="/"), False),
        (NotFoundError("x", status_code=404, method="GET", path="/"), False),
        (
            GatewayValidationError("x", validation=(), status_code=400, method="GET", path="/"),
            False,
        ),
        (TransactionOutcomeUnknownError("x"), False),
        (TransactionFailedError("x", signature="s"), False),
        (InvalidRequestError("x"), False),
        (ValueError("x"), False),
    ],
)
def test_should_retry_keys_on_the_class(error: BaseException, expected: bool) -> None:
    assert should_retry(error) is expected


def test_retry_wait_honours_retry_after() -> None:
    policy = RetryPolicy(initial_wait=0.5, max_wait=8)
    assert retry_wait(1, 13.0, policy=policy, jitter=0.9) == 13.0
    assert retry_wait(3, 0.0, policy=policy, jitter=0.5) == 0.0


def test_retry_wait_backs_off_exponentially_up_to_the_cap() -> None:
    policy = RetryPolicy(initial_wait=0.5, max_wait=8)
    waits = [retry_wait(attempt, None, policy=policy, jitter=0.0) for attempt in range(1, 8)]
    assert waits == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0, 8.0]


@settings(max_examples=200, derandomize=True, deadline=None)
@given(
    attempt=st.integers(min_value=1, max_value=30),
    jitter=st.floats(min_value=0, max_value=1, exclude_max=True),
    initial=st.floats(min_value=0, max_value=5),
    cap=st.floats(min_value=0, max_value=30),
)
def test_retry_wait_stays_within_jittered_bounds(
    attempt: int, jitter: float, initial: float, cap: float
) -> None:
    policy = RetryPolicy(initial_wait=initial, max_wait=cap)
    full = min(cap, initial * 2 ** (attempt - 1))
    wait = retry_wait(attempt, None, policy=policy, jitter=jitter)
    assert 0.75 * full - 1e-9 <= wait <= full + 1e-9


def test_negative_policy_values_are_refused() -> None:
    with pytest.raises(InvalidRequestError, match="max_retries"):
        RetryPolicy(max_retries=-1)


# ---------------------------------------------------------------- reads are retried

READ_FAILURES = ["500", "503", "429", "connect", "read-timeout", "dropped", "tls-alert"]


@pytest.mark.parametrize("kind", READ_FAILURES)
@pytest.mark.parametrize("failures", [0, 1, 2])
async def test_read_succeeds_after_transient_failures(
    kind: str, failures: int, client: GatewayClient, gateway: respx.MockRouter
) -> None:
    # Arrange
    case = next(c for c in READS if c.method == "pool_info" and c.resource == "meteora")
    route = _route(gateway, case).mock(side_effect=[_failure(kind)] * failures + [_ok(case)])

    # Act
    result = await case.call(client)

    # Assert
    assert route.call_count == failures + 1
    assert result.address == case.spec["responses"]["default"]["address"]


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("500", GatewayServerError),
        ("503", GatewayServerError),
        ("429", RateLimitedError),
        ("connect", GatewayConnectionError),
        ("read-timeout", GatewayTimeoutError),
        ("dropped", GatewayConnectionError),
        ("tls-alert", GatewayConnectionError),
    ],
)
async def test_read_gives_up_after_three_attempts(
    kind: str, expected: type[GatewayError], client: GatewayClient, gateway: respx.MockRouter
) -> None:
    case = next(c for c in READS if c.method == "status" and c.resource == "solana")
    route = _route(gateway, case).mock(side_effect=[_failure(kind)] * 5)

    with pytest.raises(expected) as raised:
        await case.call(client)

    assert route.call_count == 3
    assert raised.value.__cause__ is not None or isinstance(
        raised.value, GatewayServerError | RateLimitedError
    )


async def test_retry_after_is_waited_for(
    clock: FakeClock, client: GatewayClient, gateway: respx.MockRouter
) -> None:
    case = next(c for c in READS if c.method == "balances" and c.resource == "solana")
    route = _route(gateway, case).mock(side_effect=[_failure("429"), _failure("429"), _ok(case)])

    balances = await case.call(client)

    assert route.call_count == 3
    assert clock.sleeps == [13.0, 13.0]
    assert balances.balances["SOL"] == Decimal("1.5")


async def test_retry_after_beyond_the_cap_is_not_waited_for(
    make_client: Callable[..., GatewayClient], clock: FakeClock, gateway: respx.MockRouter
) -> None:
    case = next(c for c in READS if c.method == "status" and c.resource == "solana")
    long_wait = httpx.Response(
        429, json={"statusCode": 429, "message": "later"}, headers={"retry-after": "600"}
    )
    route = _route(gateway, case).mock(side_effect=[long_wait, _ok(case)])

    async with make_client() as client:
        with pytest.raises(RateLimitedError) as raised:
            await case.call(client)

    assert route.call_count == 1
    assert raised.value.retry_after == 600
    assert clock.sleeps == []


async def test_backoff_waits_are_taken_from_the_policy(
    make_client: Callable[..., GatewayClient], clock: FakeClock, gateway: respx.MockRouter
) -> None:
    case = next(c for c in READS if c.method == "status" and c.resource == "solana")
    _route(gateway, case).mock(side_effect=[_failure("500")] * 3)

    async with make_client(
        retry_policy=RetryPolicy(max_retries=2, initial_wait=2, max_wait=3)
    ) as client:
        with pytest.raises(GatewayServerError):
            await case.call(client)

    assert len(clock.sleeps) == 2
    assert 1.5 <= clock.sleeps[0] <= 2.0 and 2.25 <= clock.sleeps[1] <= 3.0


@pytest.mark.parametrize("kind", ["400", "404"])
async def test_non_transient_read_errors_are_not_retried(
    kind: str, client: GatewayClient, gateway: respx.MockRouter
) -> None:
    case = next(c for c in READS if c.method == "position_info" and c.resource == "meteora")
    body = {"statusCode": int(kind), "message": "Position not found: x"}
    route = _route(gateway, case).mock(return_value=httpx.Response(int(kind), json=body))

    with pytest.raises(GatewayError):
        await case.call(client)

    assert route.call_count == 1


async def test_max_retries_zero_means_one_attempt(
    make_client: Callable[..., GatewayClient], gateway: respx.MockRouter
) -> None:
    case = next(c for c in READS if c.method == "status" and c.resource == "solana")
    route = _route(gateway, case).mock(side_effect=[_failure("503"), _ok(case)])

    async with make_client(max_retries=0, retry_policy=None) as client:
        with pytest.raises(GatewayServerError):
            await case.call(client)

    assert route.call_count == 1


async def test_with_options_overrides_retries_per_call(
    client: GatewayClient, gateway: respx.MockRouter
) -> None:
    case = next(c for c in READS if c.method == "status" and c.resource == "solana")
    route = _route(gateway, case).mock(side_effect=[_failure("503")] * 10)

    with pytest.raises(GatewayServerError):
        await case.call(client.with_options(max_retries=4))

    assert route.call_count == 5


# ---------------------------------------------------------------- writes are sent once

WRITE_FAILURES = {
    # a 5xx to a write may come after the transaction was sent: reconcile, never "retry later"
    "500": TransactionOutcomeUnknownError,
    "503": TransactionOutcomeUnknownError,
    "429": RateLimitedError,
    "504-timeout": TransactionOutcomeUnknownError,
    "connect": GatewayConnectionError,
    "read-timeout": TransactionOutcomeUnknownError,
    "dropped": TransactionOutcomeUnknownError,
    "tls-alert": TransactionOutcomeUnknownError,
}


def test_every_write_method_is_listed() -> None:
    assert {(case.resource, case.method) for case in WRITES} >= {
        ("meteora", "open_position"),
        ("jupiter", "execute_quote"),
        ("trading_clmm", "close"),
        ("ethereum", "approve"),
    }
    assert len(WRITES) == 39  # 5 chain + 4 router + 18 CLMM + 6 AMM + 6 unified


@pytest.mark.parametrize("kind", sorted(WRITE_FAILURES))
@pytest.mark.parametrize("case", WRITES, ids=lambda case: case.id)
async def test_write_is_sent_exactly_once_whatever_the_error(
    case: Case, kind: str, clock: FakeClock, client: GatewayClient, gateway: respx.MockRouter
) -> None:
    # Arrange
    route = _route(gateway, case).mock(side_effect=[_failure(kind), _ok(case)])

    # Act
    with pytest.raises(WRITE_FAILURES[kind]):
        await case.call(client)

    # Assert
    assert route.call_count == 1
    assert clock.sleeps == []


async def test_reads_and_writes_get_their_own_timeouts(
    client: GatewayClient, gateway: respx.MockRouter
) -> None:
    read = next(c for c in READS if c.method == "pool_info" and c.resource == "meteora")
    write = next(c for c in WRITES if c.method == "open_position" and c.resource == "meteora")
    read_route = _route(gateway, read).mock(return_value=_ok(read))
    write_route = _route(gateway, write).mock(return_value=_ok(write))

    await read.call(client)
    await write.call(client)

    read_timeout = read_route.calls.last.request.extensions["timeout"]
    write_timeout = write_route.calls.last.request.extensions["timeout"]
    assert (read_timeout["read"], read_timeout["connect"]) == (10.0, 5.0)
    assert (write_timeout["read"], write_timeout["connect"]) == (90.0, 5.0)
