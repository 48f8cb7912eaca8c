"""Lifecycle, injected transport, bearer token, mutual TLS, and secrets kept out of text."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx
from gateway_fakes import BASE_URL
from gateway_loopback import (
    make_tls_material,
    openssl_available,
    serve,
    server_tls_context,
    url_of,
)

from fixtures.gateway import response
from gateway_client import (
    ClientState,
    GatewayClient,
    GatewayClientStateError,
    GatewayConnectionError,
    GatewayError,
    GatewayServerError,
    InvalidRequestError,
)

TOKEN = "tok-5f2e9c1d-very-secret"
KEY_PASSWORD = "key-passphrase-do-not-print"


def _status_route(gateway: respx.MockRouter) -> respx.Route:
    return gateway.get("/chains/solana/status").mock(
        return_value=httpx.Response(200, json=response("chains-solana-status"))
    )


# ------------------------------------------------------------ lifecycle


async def test_lifecycle_moves_from_unopened_to_open_to_closed(
    make_client: Callable[..., GatewayClient], gateway: respx.MockRouter
) -> None:
    route = _status_route(gateway)
    client = make_client()
    assert client.state is ClientState.UNOPENED

    async with client as opened:
        assert opened is client and client.state is ClientState.OPEN
        await client.solana.status()

    assert client.state is ClientState.CLOSED
    with pytest.raises(GatewayClientStateError, match="closed"):
        await client.solana.status()
    assert route.call_count == 1


async def test_a_closed_client_cannot_be_reopened(
    make_client: Callable[..., GatewayClient],
) -> None:
    client = make_client()
    async with client:
        pass

    with pytest.raises(GatewayClientStateError, match="create a new client"):
        async with client:
            pass


async def test_a_client_cannot_be_opened_twice(make_client: Callable[..., GatewayClient]) -> None:
    async with make_client() as client:
        with pytest.raises(GatewayClientStateError, match="already open"):
            await client.__aenter__()


async def test_an_unopened_client_can_be_used_and_closed(
    make_client: Callable[..., GatewayClient], gateway: respx.MockRouter
) -> None:
    _status_route(gateway)
    client = make_client()

    status = await client.solana.status()
    await client.aclose()
    await client.aclose()

    assert status.chain == "solana"
    assert client.state is ClientState.CLOSED
    assert client._transport.http.is_closed


async def test_an_injected_http_client_is_used_and_left_open(gateway: respx.MockRouter) -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.path)
        return httpx.Response(200, json={"status": "ok"})

    gateway.stop()  # the injected MockTransport answers instead of respx
    injected = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    async with GatewayClient("http://injected.test", http_client=injected) as client:
        assert (await client.health()).status == "ok"

    assert seen == ["/"]
    assert not injected.is_closed
    await injected.aclose()


async def test_with_options_shares_the_pool_and_lifecycle(
    make_client: Callable[..., GatewayClient],
) -> None:
    client = make_client()
    view = client.with_options(max_retries=0)

    await client.aclose()

    assert view._transport is client._transport
    assert view.state is ClientState.CLOSED
    with pytest.raises(GatewayClientStateError):
        await view.solana.status()


def test_repr_shows_no_secrets() -> None:
    client = GatewayClient("http://gateway.test", bearer_token=TOKEN)
    assert repr(client) == "GatewayClient(base_url='http://gateway.test', state=unopened)"
    assert TOKEN not in repr(client._transport)


# ------------------------------------------------------------ bearer token


async def test_bearer_token_is_sent(
    make_client: Callable[..., GatewayClient], gateway: respx.MockRouter
) -> None:
    route = _status_route(gateway)
    post = gateway.post("/chains/solana/balances").mock(
        return_value=httpx.Response(200, json=response("chains-solana-balances"))
    )

    async with make_client(bearer_token=TOKEN) as client:
        await client.solana.status()
        await client.solana.balances("AabEVCB1sWgCPxbn6hFYM4Ukj7UubpBRbbYqRnqRXnZD")

    assert route.calls.last.request.headers["authorization"] == f"Bearer {TOKEN}"
    assert post.calls.last.request.headers["authorization"] == f"Bearer {TOKEN}"


async def test_no_token_no_authorization_header(
    client: GatewayClient, gateway: respx.MockRouter
) -> None:
    route = _status_route(gateway)
    await client.solana.status()
    assert "authorization" not in route.calls.last.request.headers


async def test_token_never_appears_in_logs_or_errors(
    make_client: Callable[..., GatewayClient],
    gateway: respx.MockRouter,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Arrange: a failing read (retried, then raised) and a connection failure
    gateway.get("/chains/solana/status").mock(
        return_value=httpx.Response(500, json={"statusCode": 500, "message": "boom"})
    )
    gateway.get("/chains/solana/estimate-gas").mock(side_effect=httpx.ConnectError("refused"))
    caplog.set_level(logging.DEBUG)
    errors: list[GatewayError] = []

    # Act
    async with make_client(bearer_token=TOKEN) as client:
        for call in (client.solana.status, client.solana.estimate_gas):
            with pytest.raises(GatewayError) as raised:
                await call()
            errors.append(raised.value)

    # Assert
    assert isinstance(errors[0], GatewayServerError)
    assert isinstance(errors[1], GatewayConnectionError)
    assert any(record.name.startswith("gateway_client") for record in caplog.records)
    for record in caplog.records:
        assert TOKEN not in record.getMessage()
    for error in errors:
        assert TOKEN not in str(error) and TOKEN not in repr(error)


# ------------------------------------------------------------ mutual TLS

# These start openssl (a process) to make the TLS files: slow, like every subprocess test.
_HAS_OPENSSL = pytest.mark.skipif(not openssl_available(), reason="openssl CLI not installed")


def needs_openssl(test):
    return pytest.mark.slow(_HAS_OPENSSL(test))


@pytest.fixture(scope="module")
def tls_material(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return make_tls_material(tmp_path_factory.mktemp("tls"), key_password=KEY_PASSWORD)


def _health(method: str, path: str, body: bytes) -> tuple[int, Any]:
    return (200, {"status": "ok"}) if path == "/" else (404, {"statusCode": 404, "message": path})


@needs_openssl
async def test_mutual_tls_with_an_encrypted_client_key(tls_material: dict[str, Path]) -> None:
    with serve(_health, tls=server_tls_context(tls_material)) as server:
        async with GatewayClient(
            url_of(server, scheme="https"),
            client_cert=tls_material["client.pem"],
            client_key=tls_material["client.key"],
            client_key_password=KEY_PASSWORD,
            ca_bundle=tls_material["ca.pem"],
            bearer_token=TOKEN,
        ) as client:
            health = await client.health()

    assert health.status == "ok"
    assert server.seen[0]["headers"]["authorization"] == f"Bearer {TOKEN}"


@needs_openssl
async def test_server_refuses_a_client_without_certificate(tls_material: dict[str, Path]) -> None:
    with serve(_health, tls=server_tls_context(tls_material)) as server:
        async with GatewayClient(
            url_of(server, scheme="https"), ca_bundle=tls_material["ca.pem"], max_retries=0
        ) as client:
            with pytest.raises(GatewayError) as raised:
                await client.health()

    assert isinstance(raised.value, GatewayConnectionError)
    assert server.seen == []


@needs_openssl
async def test_client_refuses_a_server_from_another_ca(
    tls_material: dict[str, Path], tmp_path: Path
) -> None:
    other = make_tls_material(tmp_path, key_password="other")
    with serve(_health, tls=server_tls_context(tls_material)) as server:
        async with GatewayClient(
            url_of(server, scheme="https"),
            client_cert=other["client.pem"],
            client_key=other["client.key"],
            client_key_password="other",
            ca_bundle=other["ca.pem"],
            max_retries=0,
        ) as client:
            with pytest.raises(GatewayConnectionError):
                await client.health()


@needs_openssl
def test_wrong_key_password_is_reported_without_the_password(
    tls_material: dict[str, Path],
) -> None:
    wrong = "wrong-passphrase-123"
    with pytest.raises(InvalidRequestError) as raised:
        GatewayClient(
            "https://127.0.0.1:1",
            client_cert=tls_material["client.pem"],
            client_key=tls_material["client.key"],
            client_key_password=wrong,
            ca_bundle=tls_material["ca.pem"],
        )
    assert "client_key" in str(raised.value)
    assert wrong not in str(raised.value) and KEY_PASSWORD not in str(raised.value)


def test_cert_without_key_is_refused() -> None:
    with pytest.raises(InvalidRequestError, match="client_cert and client_key together"):
        GatewayClient("https://127.0.0.1:1", client_cert="/nonexistent/client.pem")


async def test_tls_files_with_an_injected_client_are_refused() -> None:
    async with httpx.AsyncClient() as injected:
        with pytest.raises(InvalidRequestError, match="injected http_client"):
            GatewayClient("https://127.0.0.1:1", ca_bundle="/x/ca.pem", http_client=injected)


def test_base_url_is_kept() -> None:
    assert GatewayClient(BASE_URL + "/").base_url == BASE_URL
