"""ChainHistory against a respx Solana RPC: requests sent, answers parsed, every failure mapped to
SolanaRpcError naming the method, bad input refused before sending, and the client's lifecycle."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
import respx

from gateway_client import (
    ChainHistory,
    GatewayClientStateError,
    InvalidRequestError,
    SignatureRecord,
    SolanaRpcError,
)

RPC_URL = "http://rpc.test/rpc"
ADDRESS = "AovmqTpMFPY2MXx3RrC7KqDiPF7dVQxoYxpJSScmVw7o"
SIGNATURE = (
    "5z2iRjKtYmqV2tXphGRdBRh23W3PC3AQhF5RN7kmoiBQXHJwQHxZMcnUvhxEqq9yNyjfAe5b6TuhP8nrQQNik5xW"
)
OLDER = "5wwEbCi2ZjTDNZVSTWVhqa23qRoXA8XczEWeK4pxzzS68sAKLNXAmNjhy24ACUZtnHEtLm92QmdrvZ3YidKW83mE"


def _answer(result: Any, *, status: int = 200) -> httpx.Response:
    return httpx.Response(status, json={"jsonrpc": "2.0", "result": result, "id": 1})


def _sent(route: respx.Route) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(route.calls.last.request.content)
    return body


@pytest.fixture
def rpc() -> Iterator[respx.Route]:
    with respx.mock(assert_all_called=False) as router:
        yield router.post(RPC_URL)


@pytest.fixture
async def history() -> AsyncIterator[ChainHistory]:
    async with httpx.AsyncClient() as http:
        yield ChainHistory(http, RPC_URL, timeout=2)


async def test_signatures_are_parsed_newest_first(rpc: respx.Route, history: ChainHistory) -> None:
    # Arrange
    rpc.mock(
        return_value=_answer(
            [
                {
                    "signature": SIGNATURE,
                    "slot": 12,
                    "err": {"InstructionError": [2, {"Custom": 6001}]},
                    "memo": None,
                    "blockTime": 1_772_323_200,
                    "confirmationStatus": "confirmed",
                },
                {"signature": OLDER, "slot": 11, "err": None, "memo": None, "blockTime": None},
            ]
        )
    )

    # Act
    records = await history.signatures_for_address(ADDRESS, limit=2)

    # Assert
    assert records == [
        SignatureRecord(
            signature=SIGNATURE,
            slot=12,
            block_time=1_772_323_200,
            failed=True,
            error='{"InstructionError":[2,{"Custom":6001}]}',
        ),
        SignatureRecord(signature=OLDER, slot=11, block_time=None, failed=False, error=None),
    ]
    sent = _sent(rpc)
    assert sent["method"] == "getSignaturesForAddress"
    assert sent["params"] == [ADDRESS, {"limit": 2, "commitment": "confirmed"}]
    assert rpc.calls.last.request.headers["content-type"] == "application/json"


async def test_default_limit_is_the_rpc_maximum(rpc: respx.Route, history: ChainHistory) -> None:
    rpc.mock(return_value=_answer([]))
    assert await history.signatures_for_address(ADDRESS) == []
    assert _sent(rpc)["params"][1]["limit"] == 1000


async def test_transaction_asks_for_json_v0_confirmed(
    rpc: respx.Route, history: ChainHistory
) -> None:
    raw = {"slot": 12, "blockTime": 1, "meta": {"err": None, "fee": 5000}, "transaction": {}}
    rpc.mock(return_value=_answer(raw))
    assert await history.transaction(SIGNATURE) == raw
    assert _sent(rpc)["params"] == [
        SIGNATURE,
        {"encoding": "json", "maxSupportedTransactionVersion": 0, "commitment": "confirmed"},
    ]


async def test_unknown_transaction_is_none(rpc: respx.Route, history: ChainHistory) -> None:
    rpc.mock(return_value=_answer(None))
    assert await history.transaction(SIGNATURE) is None


async def test_request_ids_are_fresh(rpc: respx.Route, history: ChainHistory) -> None:
    rpc.mock(return_value=_answer(None))
    await history.transaction(SIGNATURE)
    first = _sent(rpc)["id"]
    await history.transaction(SIGNATURE)
    assert _sent(rpc)["id"] != first


FAILURES: dict[str, tuple[Any, str]] = {
    "json-rpc-error": (
        httpx.Response(
            200,
            json={
                "jsonrpc": "2.0",
                "error": {"code": -32602, "message": "Invalid params: limit"},
                "id": 1,
            },
        ),
        "error -32602: Invalid params: limit",
    ),
    "http-500-text": (httpx.Response(500, text="upstream exploded"), "HTTP 500"),
    "http-429-json-rpc": (
        httpx.Response(
            429,
            json={"jsonrpc": "2.0", "error": {"code": 429, "message": "Too many"}, "id": None},
        ),
        "HTTP 429, error 429: Too many",
    ),
    "connect": (httpx.ConnectError("refused"), "ConnectError from http://rpc.test/rpc"),
    "read-timeout": (httpx.ReadTimeout("slow"), "ReadTimeout"),
    "not-json": (httpx.Response(200, text="<html>"), "unexpected result"),
    "no-result": (httpx.Response(200, json={"jsonrpc": "2.0", "id": 1}), "unexpected result"),
}


@pytest.mark.parametrize("kind", sorted(FAILURES))
@pytest.mark.parametrize("method", ["getSignaturesForAddress", "getTransaction"])
async def test_failures_raise_solana_rpc_error_naming_the_method(
    rpc: respx.Route, history: ChainHistory, kind: str, method: str
) -> None:
    # Arrange
    outcome, fragment = FAILURES[kind]
    rpc.mock(side_effect=[outcome])

    # Act
    with pytest.raises(SolanaRpcError) as raised:
        if method == "getTransaction":
            await history.transaction(SIGNATURE)
        else:
            await history.signatures_for_address(ADDRESS)

    # Assert
    assert f"Solana RPC {method} " in str(raised.value)
    assert fragment in str(raised.value)
    assert rpc.call_count == 1  # a read of history is never retried behind the caller's back
    if isinstance(outcome, Exception):
        assert raised.value.__cause__ is outcome


@pytest.mark.parametrize(
    "result",
    [
        {"signature": SIGNATURE},
        [{"signature": SIGNATURE, "blockTime": 1}],
        [{"signature": SIGNATURE, "slot": "12", "blockTime": 1}],
        [{"signature": 5, "slot": 12, "blockTime": 1}],
        [{"signature": SIGNATURE, "slot": 12, "blockTime": "noon"}],
        ["not an object"],
    ],
)
async def test_malformed_signature_lists_are_refused(
    rpc: respx.Route, history: ChainHistory, result: Any
) -> None:
    rpc.mock(return_value=_answer(result))
    with pytest.raises(SolanaRpcError, match="getSignaturesForAddress answered an unexpected"):
        await history.signatures_for_address(ADDRESS)


async def test_a_transaction_that_is_not_an_object_is_refused(
    rpc: respx.Route, history: ChainHistory
) -> None:
    rpc.mock(return_value=_answer(["x"]))
    with pytest.raises(SolanaRpcError, match="getTransaction answered an unexpected"):
        await history.transaction(SIGNATURE)


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda h: h.signatures_for_address("not-an-address"), "address"),
        (lambda h: h.signatures_for_address(SIGNATURE), "address"),
        (lambda h: h.signatures_for_address(ADDRESS, limit=0), "limit"),
        (lambda h: h.signatures_for_address(ADDRESS, limit=1001), "limit"),
        (lambda h: h.signatures_for_address(ADDRESS, limit=True), "limit"),
        (lambda h: h.transaction(ADDRESS), "signature"),
        (lambda h: h.transaction(""), "signature"),
    ],
)
async def test_bad_input_is_refused_before_sending(
    rpc: respx.Route, history: ChainHistory, call: Any, field: str
) -> None:
    with pytest.raises(InvalidRequestError) as raised:
        await call(history)
    assert raised.value.fields == (field,)
    assert rpc.call_count == 0


async def test_the_timeout_holds_on_a_transport_without_one() -> None:
    # Arrange: a transport that never answers and enforces no timeout of its own
    async def never(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(30)
        return httpx.Response(200)

    async with httpx.AsyncClient(transport=httpx.MockTransport(never)) as http:
        history = ChainHistory(http, RPC_URL, timeout=0.05)

        # Act / Assert
        with pytest.raises(SolanaRpcError, match="getTransaction failed: no answer within 0.05 s"):
            await history.transaction(SIGNATURE)


async def test_from_url_owns_its_client_and_aclose_closes_it(rpc: respx.Route) -> None:
    rpc.mock(return_value=_answer([]))
    async with ChainHistory.from_url(RPC_URL, timeout=3) as history:
        assert await history.signatures_for_address(ADDRESS) == []
        assert history.timeout == 3
    with pytest.raises(GatewayClientStateError, match="the ChainHistory is closed"):
        await history.signatures_for_address(ADDRESS)
    await history.aclose()  # closing twice is harmless


async def test_an_injected_client_stays_open_after_aclose(rpc: respx.Route) -> None:
    rpc.mock(return_value=_answer(None))
    async with httpx.AsyncClient() as http:
        history = ChainHistory(http, RPC_URL)
        await history.aclose()
        assert not http.is_closed
        assert (await http.post(RPC_URL, json={})).status_code == 200


@pytest.mark.parametrize(
    ("url", "timeout", "field"),
    [("rpc.test", 1.0, "url"), ("ws://rpc.test", 1.0, "url"), (RPC_URL, 0.0, "timeout")],
)
def test_bad_settings_are_refused(url: str, timeout: float, field: str) -> None:
    with pytest.raises(InvalidRequestError) as raised:
        ChainHistory.from_url(url, timeout=timeout)
    assert raised.value.fields == (field,)
