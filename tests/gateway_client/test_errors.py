"""Error mapping: every observed Gateway error body becomes the exception the caller handles."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import httpx
import pytest
import respx
from gateway_cases import CASES, Case, concrete_path

from fixtures.gateway import error_body, load
from gateway_client import (
    BadRequestError,
    GatewayClient,
    GatewayError,
    GatewayServerError,
    GatewayStatusError,
    GatewayUnavailableError,
    GatewayValidationError,
    InsufficientFundsError,
    NotFoundError,
    PositionClosedError,
    PositionNotFoundError,
    PositionTooWideError,
    QuoteNotFoundError,
    RateLimitedError,
    SlippageExceededError,
    TransactionOutcomeUnknownError,
    UnexpectedResponseError,
    UpstreamUnavailableError,
)
from gateway_client._exceptions import error_from_response

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)

# errors.json case -> (HTTP status, expected exception type)
GENERIC_ERRORS = {
    "validation_400": (400, GatewayValidationError),
    "sensible_404": (404, NotFoundError),
    "sensible_400": (400, BadRequestError),
    "sensible_503": (503, GatewayServerError),
    # "Invalid pool address: fetch failed" / "No route ... ECONNREFUSED": RPC down, not a refusal
    "gateway_httperror_400": (400, UpstreamUnavailableError),
    "gateway_httperror_404": (404, UpstreamUnavailableError),
    "transaction_timeout_504": (504, TransactionOutcomeUnknownError),
    "wrapped_500": (500, GatewayServerError),
    "unhandled_500": (500, GatewayServerError),
    "rate_limited_429": (429, RateLimitedError),
    "unknown_route_404": (404, NotFoundError),
}

# (route fixture, error case) -> expected exception type
ROUTE_ERRORS = {
    ("meteora-clmm-position-info", "closed"): PositionClosedError,
    ("meteora-clmm-position-info", "never_existed"): PositionNotFoundError,
    ("meteora-clmm-position-info", "rpc_unreachable"): GatewayServerError,
    ("meteora-clmm-add-liquidity", "insufficient_balance"): InsufficientFundsError,
    ("meteora-clmm-add-liquidity", "position_missing"): PositionNotFoundError,
    ("meteora-clmm-open-position", "too_wide"): PositionTooWideError,
    ("meteora-clmm-open-position", "no_amounts"): BadRequestError,
    ("meteora-clmm-open-position", "range_above_price_needs_base_only"): BadRequestError,
    ("meteora-clmm-open-position", "bad_pool"): BadRequestError,
    # a 5xx to a write: the transaction may have been sent
    ("meteora-clmm-open-position", "unknown_wallet"): TransactionOutcomeUnknownError,
    ("meteora-clmm-open-position", "not_confirmed_in_time"): TransactionOutcomeUnknownError,
    ("meteora-clmm-execute-swap", "slippage_in_simulation"): SlippageExceededError,
    ("meteora-clmm-execute-swap", "not_confirmed_in_time"): TransactionOutcomeUnknownError,
    ("meteora-clmm-close-position", "not_confirmed_in_time"): TransactionOutcomeUnknownError,
    ("meteora-clmm-close-position", "position_missing"): PositionNotFoundError,
    ("meteora-clmm-quote-swap", "bad_side"): GatewayValidationError,
    ("meteora-clmm-quote-swap", "no_pool_for_pair"): NotFoundError,
    ("meteora-clmm-positions-owned", "sdk_or_rpc_failure"): GatewayServerError,
    ("meteora-clmm-pool-info", "missing_poolAddress"): GatewayValidationError,
    # the status route fails too in these tests (an outage): see test_outage.py for a real 404
    ("meteora-clmm-pool-info", "rpc_unreachable_or_not_a_dlmm_pool"): UpstreamUnavailableError,
    ("meteora-clmm-remove-liquidity", "pct_out_of_range"): BadRequestError,
    ("jupiter-router-execute-quote", "quote_missing"): QuoteNotFoundError,
    ("jupiter-router-execute-quote", "simulation_failed"): SlippageExceededError,
    ("jupiter-router-quote-swap", "unknown_token"): BadRequestError,
    ("jupiter-router-quote-swap", "no_route_or_api_unreachable"): UpstreamUnavailableError,
    ("meteora-clmm-close-position", "unknown_wallet_or_rpc_down"): TransactionOutcomeUnknownError,
    ("meteora-clmm-positions-owned", "bad_wallet"): BadRequestError,
    ("meteora-clmm-quote-swap", "rpc_unreachable"): UpstreamUnavailableError,  # 400 "RPC down"
    ("trading-clmm-position-info", "closed"): PositionClosedError,
    ("trading-clmm-position-info", "never_existed"): PositionNotFoundError,
    ("trading-clmm-position-info", "rpc_unreachable"): GatewayServerError,
    ("chains-solana-poll", "rpc_unreachable"): GatewayServerError,
    ("chains-solana-status", "rpc_unreachable"): GatewayServerError,
}


def _map(
    status: int, body: dict[str, object], headers: dict[str, str] | None = None
) -> GatewayError:
    import json

    return error_from_response(
        status_code=status,
        content=json.dumps(body).encode(),
        headers=headers or {},
        method="POST",
        path="/some/route",
        now=NOW,
    )


def _case_for(fixture: str) -> Case:
    return next(case for case in CASES if case.fixture == fixture and case.response == "default")


@pytest.mark.parametrize("name", sorted(GENERIC_ERRORS))
def test_observed_error_bodies_map_to_their_class(name: str) -> None:
    # Arrange
    status, expected = GENERIC_ERRORS[name]
    headers = load("errors")[name].get("_headers", {})

    # Act
    error = _map(status, error_body(name), headers)

    # Assert
    assert type(error) is expected
    assert error.message.startswith(str(error_body(name)["message"]))


def test_every_generic_error_case_is_tested() -> None:
    cases = {name for name in load("errors") if not name.startswith("_")}
    assert cases == set(GENERIC_ERRORS)


def test_route_error_table_covers_every_fixture_error() -> None:
    from fixtures.gateway import route_names

    listed = {
        (name, case)
        for name in route_names()
        for case in load(name).get("errors", {})
        if name.startswith(("meteora-", "jupiter-", "chains-solana-", "trading-clmm-position"))
    }
    assert listed == set(ROUTE_ERRORS)


@pytest.mark.parametrize(("fixture", "case"), sorted(ROUTE_ERRORS), ids=lambda value: str(value))
async def test_route_errors_raise_through_the_client(
    fixture: str,
    case: str,
    make_client: Callable[..., GatewayClient],
    gateway: respx.MockRouter,
) -> None:
    # Arrange
    error = load(fixture)["errors"][case]
    call = _case_for(fixture)
    gateway.route(method=load(fixture)["_meta"]["method"], path=concrete_path(call)).mock(
        return_value=httpx.Response(error["status"], json=error["body"])
    )
    outage = load("chains-solana-status")["errors"]["rpc_unreachable"]
    gateway.get("/chains/solana/status").mock(
        return_value=httpx.Response(outage["status"], json=outage["body"])
    )

    # Act
    async with make_client(max_retries=0) as client:
        with pytest.raises(GatewayError) as raised:
            await call.call(client)

    # Assert
    assert type(raised.value) is ROUTE_ERRORS[(fixture, case)]
    assert error["body"]["message"] in str(raised.value)


@pytest.mark.parametrize(
    "error_name",
    [
        "HttpError",
        "Error",
        "BadRequestError",
        "NotFoundError",
        "Validation Error",
        None,
        "Nonsense",
    ],
)
def test_the_error_field_is_never_used(error_name: str | None) -> None:
    # Same status, code and message, any ``error`` value: same class.
    bodies = {
        "Position closed: abc": (404, PositionClosedError),
        "Swap failed: Slippage tolerance exceeded. Output would be less": (
            400,
            SlippageExceededError,
        ),
        "Internal server error": (500, GatewayServerError),
    }
    for message, (status, expected) in bodies.items():
        body: dict[str, object] = {"statusCode": status, "message": message}
        if error_name is not None:
            body["error"] = error_name
        assert type(_map(status, body)) is expected


def test_validation_issues_are_parsed() -> None:
    error = _map(400, error_body("validation_400"))
    assert isinstance(error, GatewayValidationError)
    [issue] = error.validation
    assert (issue.instance_path, issue.keyword, issue.message) == (
        "/lowerPrice",
        "type",
        "must be number",
    )
    assert issue.params == {"type": "number"}


def test_transaction_timeout_needs_the_code() -> None:
    timeout = _map(504, error_body("transaction_timeout_504"))
    plain_504 = _map(504, {"statusCode": 504, "message": "Gateway Timeout"})
    assert isinstance(timeout, TransactionOutcomeUnknownError)
    assert timeout.code == "TRANSACTION_TIMEOUT" and timeout.signature is None
    assert isinstance(plain_504, GatewayServerError) and isinstance(
        plain_504, GatewayUnavailableError
    )


def test_rate_limit_reads_retry_after_seconds_or_http_date() -> None:
    seconds = _map(429, {"statusCode": 429, "message": "slow down"}, {"retry-after": "13"})
    date = _map(
        429,
        {"statusCode": 429, "message": "slow down"},
        {"retry-after": "Mon, 02 Mar 2026 12:00:30 GMT"},
    )
    absent = _map(429, {"statusCode": 429, "message": "slow down"})
    assert isinstance(seconds, RateLimitedError) and seconds.retry_after == 13
    assert isinstance(date, RateLimitedError) and date.retry_after == 30
    assert isinstance(absent, RateLimitedError) and absent.retry_after is None


def test_non_json_error_body_keeps_its_text() -> None:
    error = error_from_response(
        status_code=502,
        content=b"<html>Bad Gateway</html>",
        headers={},
        method="GET",
        path="/chains/solana/status",
        now=NOW,
    )
    assert isinstance(error, GatewayServerError)
    assert "Bad Gateway" in error.message
    assert str(error) == "<html>Bad Gateway</html> (HTTP 502 on GET /chains/solana/status)"


def test_status_error_carries_the_evidence() -> None:
    error = _map(404, {"statusCode": 404, "error": "HttpError", "message": "Pool not found: x"})
    assert isinstance(error, GatewayStatusError)
    assert (error.status_code, error.method, error.path) == (404, "POST", "/some/route")
    assert error.body["message"] == "Pool not found: x"


async def test_unparseable_success_body_is_an_unexpected_response(
    client: GatewayClient, gateway: respx.MockRouter
) -> None:
    gateway.get("/chains/solana/status").mock(return_value=httpx.Response(200, json={"chain": 1}))
    with pytest.raises(UnexpectedResponseError, match="GET /chains/solana/status"):
        await client.solana.status()
