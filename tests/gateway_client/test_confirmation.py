"""wait_for_confirmation: polling with a fake clock, and the optional Solana RPC cross-check."""

from __future__ import annotations

import copy
import json
import logging
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
import respx
from gateway_cases import SIGNATURE, WALLET
from gateway_fakes import FakeClock
from gateway_loopback import serve, url_of

from fixtures.gateway import response
from gateway_client import (
    ConfirmationResult,
    GatewayClient,
    InvalidRequestError,
    SolanaRpcCheck,
    SolanaRpcError,
    TransactionFailedError,
    TransactionOutcomeUnknownError,
    TransactionStatus,
)

POLL = "/chains/solana/poll"


def _poll(case: str) -> httpx.Response:
    body = copy.deepcopy(response("chains-solana-poll", case))
    body["signature"] = SIGNATURE
    return httpx.Response(200, json=body)


# ------------------------------------------------------------ polling Gateway


async def test_polls_until_confirmed(
    client: GatewayClient, clock: FakeClock, gateway: respx.MockRouter
) -> None:
    # Arrange
    route = gateway.post(POLL).mock(
        side_effect=[_poll("pending"), _poll("pending"), _poll("default")]
    )
    deadline = clock.now() + timedelta(seconds=90)

    # Act
    result = await client.solana.wait_for_confirmation(
        SIGNATURE, wallet_address=WALLET, deadline=deadline
    )

    # Assert
    assert result.status is TransactionStatus.CONFIRMED and result.is_confirmed
    assert result.polls == 3 and route.call_count == 3
    assert clock.sleeps == [3.0, 3.0]
    assert result.fee == Decimal("0.000025")
    assert result.chain is None and result.disagreements == ()
    for call in route.calls:
        body = json.loads(call.request.content)
        assert body["walletAddress"] == WALLET and body["network"] == "mainnet-beta"
    result.raise_for_status()


async def test_failed_transaction_is_returned_and_can_raise(
    client: GatewayClient, clock: FakeClock, gateway: respx.MockRouter
) -> None:
    gateway.post(POLL).mock(side_effect=[_poll("pending"), _poll("failed")])

    result = await client.solana.wait_for_confirmation(
        SIGNATURE, wallet_address=WALLET, deadline=clock.now() + timedelta(seconds=30)
    )

    assert result.status is TransactionStatus.FAILED
    with pytest.raises(TransactionFailedError) as raised:
        result.raise_for_status()
    assert raised.value.signature == SIGNATURE


async def test_outcome_is_unknown_at_the_deadline(
    client: GatewayClient, clock: FakeClock, gateway: respx.MockRouter
) -> None:
    # Arrange: a dropped transaction stays pending forever
    route = gateway.post(POLL).mock(return_value=_poll("pending"))
    start = clock.now()

    # Act
    with pytest.raises(TransactionOutcomeUnknownError) as raised:
        await client.solana.wait_for_confirmation(
            SIGNATURE,
            wallet_address=WALLET,
            deadline=start + timedelta(seconds=10),
            poll_interval=3,
        )

    # Assert: polls at t=0, 3, 6, 9 and a last one at the deadline
    assert route.call_count == 5
    assert clock.sleeps == [3.0, 3.0, 3.0, 1.0]
    assert clock.now() - start == timedelta(seconds=10)
    assert raised.value.signature == SIGNATURE
    assert "reconcile" in str(raised.value)


async def test_transient_gateway_failures_do_not_end_the_wait(
    make_client: Callable[..., GatewayClient], clock: FakeClock, gateway: respx.MockRouter
) -> None:
    down = httpx.Response(503, json={"statusCode": 503, "message": "RPC unavailable"})
    route = gateway.post(POLL).mock(
        side_effect=[down, httpx.ConnectError("refused"), _poll("default")]
    )

    async with make_client(max_retries=0, retry_policy=None) as client:
        result = await client.solana.wait_for_confirmation(
            SIGNATURE, wallet_address=WALLET, deadline=clock.now() + timedelta(seconds=60)
        )

    assert result.is_confirmed and route.call_count == 3


async def test_arguments_are_checked_before_polling(
    client: GatewayClient, clock: FakeClock, gateway: respx.MockRouter
) -> None:
    route = gateway.post(POLL).mock(return_value=_poll("default"))
    naive = clock.now().replace(tzinfo=None) + timedelta(seconds=5)

    with pytest.raises(InvalidRequestError, match="aware UTC deadline"):
        await client.solana.wait_for_confirmation(SIGNATURE, wallet_address=WALLET, deadline=naive)
    with pytest.raises(InvalidRequestError, match="signature"):
        await client.solana.wait_for_confirmation(
            "bad", wallet_address=WALLET, deadline=clock.now()
        )
    with pytest.raises(InvalidRequestError, match="poll_interval"):
        await client.solana.wait_for_confirmation(
            SIGNATURE, wallet_address=WALLET, deadline=clock.now(), poll_interval=0
        )
    assert route.call_count == 0


# ------------------------------------------------------------ the chain, over real JSON-RPC


@dataclass
class FakeChain:
    """Answers getSignatureStatuses / getTransaction for one signature."""

    confirmation: str | None = "finalized"
    error: Any = None
    fee: int = 25_000
    compute_units: int = 200_000
    methods: list[str] = field(default_factory=list)
    fail: bool = False

    def __call__(self, method: str, path: str, body: bytes) -> tuple[int, Any]:
        request = json.loads(body)
        self.methods.append(request["method"])
        if self.fail:
            return 500, {"error": "down"}
        if request["method"] == "getSignatureStatuses":
            return 200, self._rpc(
                request, {"context": {"slot": 380_000_000}, "value": [self._status()]}
            )
        if request["method"] == "getTransaction":
            return 200, self._rpc(request, self._transaction())
        return 200, {
            "jsonrpc": "2.0",
            "id": request["id"],
            "error": {"code": -32601, "message": "no"},
        }

    @staticmethod
    def _rpc(request: dict[str, Any], result: Any) -> dict[str, Any]:
        return {"jsonrpc": "2.0", "id": request["id"], "result": result}

    def _status(self) -> dict[str, Any] | None:
        if self.confirmation is None:
            return None
        status = {"Ok": None} if self.error is None else {"Err": self.error}
        return {
            "slot": 379_999_995,
            "confirmations": None,
            "err": self.error,
            "status": status,
            "confirmationStatus": self.confirmation,
        }

    def _transaction(self) -> dict[str, Any]:
        transaction = copy.deepcopy(response("chains-solana-poll")["txData"])
        transaction["transaction"]["message"].pop("indexToProgramIds", None)
        transaction["transaction"]["signatures"] = [SIGNATURE]
        meta = transaction["meta"]
        meta.update(fee=self.fee, computeUnitsConsumed=self.compute_units, err=self.error)
        meta["status"] = {"Ok": None} if self.error is None else {"Err": self.error}
        return transaction


@pytest.fixture
def chain() -> Iterator[tuple[FakeChain, str]]:
    fake = FakeChain()
    with serve(fake) as server:
        yield fake, url_of(server) + "/rpc"


@pytest.fixture
def confirm_on_chain(
    make_client: Callable[..., GatewayClient], clock: FakeClock, chain: tuple[FakeChain, str]
) -> Callable[[], Awaitable[ConfirmationResult]]:
    """Wait (60 s) for SIGNATURE with a client that cross-checks the fake chain."""
    _, rpc_url = chain

    async def confirm() -> ConfirmationResult:
        async with make_client(rpc_url=rpc_url) as client:
            return await client.solana.wait_for_confirmation(
                SIGNATURE, wallet_address=WALLET, deadline=clock.now() + timedelta(seconds=60)
            )

    return confirm


async def test_chain_settles_what_gateways_poll_gets_wrong(
    gateway: respx.MockRouter,
    chain: tuple[FakeChain, str],
    confirm_on_chain: Callable[[], Awaitable[ConfirmationResult]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Arrange: the default-wallet trap makes Gateway report a confirmed tx as pending
    fake, _ = chain
    route = gateway.post(POLL).mock(return_value=_poll("confirmed_but_no_valid_wallet"))

    # Act
    result = await confirm_on_chain()

    # Assert
    assert result.status is TransactionStatus.CONFIRMED and route.call_count == 1
    assert result.chain is not None and result.chain.confirmation == "finalized"
    assert result.fee == Decimal("0.000025") and result.chain.compute_units_consumed == 200_000
    assert result.disagreements == (
        f"Gateway poll reports PENDING for {SIGNATURE}, the chain reports CONFIRMED",
    )
    assert any("disagreement" in record.getMessage() for record in caplog.records)
    assert fake.methods == ["getSignatureStatuses", "getTransaction"]


async def test_fee_disagreement_is_reported_and_the_chain_fee_used(
    gateway: respx.MockRouter,
    chain: tuple[FakeChain, str],
    confirm_on_chain: Callable[[], Awaitable[ConfirmationResult]],
) -> None:
    fake, _ = chain
    fake.fee = 20_000
    gateway.post(POLL).mock(return_value=_poll("default"))

    result = await confirm_on_chain()

    assert result.fee == Decimal("0.00002")
    assert result.disagreements == (
        f"Gateway poll reports fee 0.000025 SOL for {SIGNATURE}, the chain charged 0.00002 SOL",
    )


async def test_chain_failure_wins(
    gateway: respx.MockRouter,
    chain: tuple[FakeChain, str],
    confirm_on_chain: Callable[[], Awaitable[ConfirmationResult]],
) -> None:
    fake, _ = chain
    fake.error = {"InstructionError": [2, {"Custom": 6001}]}
    fake.confirmation = "confirmed"
    gateway.post(POLL).mock(return_value=_poll("pending"))

    result = await confirm_on_chain()

    assert result.status is TransactionStatus.FAILED
    assert result.chain is not None and "6001" in (result.chain.error or "")
    with pytest.raises(TransactionFailedError, match="6001"):
        result.raise_for_status()


async def test_processed_only_or_unknown_on_chain_keeps_polling(
    gateway: respx.MockRouter,
    chain: tuple[FakeChain, str],
    confirm_on_chain: Callable[[], Awaitable[ConfirmationResult]],
) -> None:
    fake, _ = chain
    fake.confirmation = "processed"
    route = gateway.post(POLL).mock(side_effect=[_poll("pending"), _poll("default")])

    result = await confirm_on_chain()

    assert route.call_count == 2 and result.is_confirmed
    assert fake.methods == ["getSignatureStatuses", "getSignatureStatuses"]


async def test_rpc_down_falls_back_to_gateway(
    gateway: respx.MockRouter,
    chain: tuple[FakeChain, str],
    confirm_on_chain: Callable[[], Awaitable[ConfirmationResult]],
) -> None:
    fake, _ = chain
    fake.fail = True
    gateway.post(POLL).mock(return_value=_poll("default"))

    result = await confirm_on_chain()

    assert result.is_confirmed and result.chain is None and result.fee == Decimal("0.000025")


async def test_rpc_check_reads_status_and_fee(chain: tuple[FakeChain, str]) -> None:
    fake, rpc_url = chain
    check = SolanaRpcCheck.from_url(rpc_url)
    try:
        confirmed = await check.transaction(SIGNATURE)
        fake.confirmation = None
        unknown = await check.transaction(SIGNATURE)
        fake.fail = True
        with pytest.raises(SolanaRpcError, match=SIGNATURE):
            await check.transaction(SIGNATURE)
        with pytest.raises(InvalidRequestError):
            await check.transaction("bad")
    finally:
        await check.close()

    assert (confirmed.status, confirmed.fee_lamports, confirmed.fee) == (
        TransactionStatus.CONFIRMED,
        25_000,
        Decimal("0.000025"),
    )
    assert unknown.status is TransactionStatus.PENDING and unknown.confirmation is None


def test_rpc_url_and_client_are_exclusive() -> None:
    with pytest.raises(InvalidRequestError, match="rpc_url or rpc_client"):
        GatewayClient("http://gateway.test", rpc_url="http://127.0.0.1:1", rpc_client=object())  # type: ignore[arg-type]
    with pytest.raises(InvalidRequestError, match="rpc_url"):
        SolanaRpcCheck.from_url("127.0.0.1:8899")


def test_logging_is_left_to_the_application() -> None:
    assert logging.getLogger("gateway_client").handlers == []
