"""Every route needs credentials; no default ones; a scoped token sees and changes only its own
controller's executors (REST and WebSocket), and gets 403/404 with nothing changed otherwise."""

from __future__ import annotations

import base64
import json
from typing import Any

import aiohttp
import httpx
import pytest
from hummingbot_api_client import HummingbotAPIClient

from .api_server import OPERATOR_PASSWORD, OPERATOR_USER, Server, order_config, running_server
from .test_client import eventually

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:hummingbot_api_client")

PLACEHOLDER = "EXECUTOR_ID"
ROUTES: list[tuple[str, str, dict[str, Any] | None]] = [
    ("POST", "/executors/", {"executor_config": order_config()}),
    ("POST", "/executors/search", {}),
    ("GET", "/executors/summary", None),
    ("GET", "/executors/performance", None),
    ("GET", "/executors/types/available", None),
    ("GET", "/executors/types/lp_executor/config", None),
    ("GET", "/executors/positions/summary", None),
    ("GET", "/executors/positions/paper/SOL-USDT", None),
    ("DELETE", "/executors/positions/paper/SOL-USDT", None),
    ("GET", f"/executors/{PLACEHOLDER}", None),
    ("GET", f"/executors/{PLACEHOLDER}/logs", None),
    ("POST", f"/executors/{PLACEHOLDER}/stop", {"keep_position": False}),
]


def basic(username: str, password: str) -> dict[str, str]:
    encoded = base64.b64encode(f"{username}:{password}".encode()).decode()
    return {"Authorization": f"Basic {encoded}"}


async def call(
    http: httpx.AsyncClient,
    route: tuple[str, str, dict[str, Any] | None],
    executor_id: str,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    method, path, body = route
    return await http.request(
        method, path.replace(PLACEHOLDER, executor_id), json=body, headers=headers
    )


async def total_executors(server: Server, token: str) -> int:
    async with server.http(token) as http:
        found = (await http.post("/executors/search", json={})).json()
    return int(found["pagination"]["total_count"])


async def test_without_configured_basic_every_route_refuses_anything_but_a_token(
    tmp_path, no_basic_env
):
    async with running_server(tmp_path) as server:
        operator = server.token(None)
        async with server.http(operator) as http:
            created = await http.post("/executors/", json={"executor_config": order_config()})
        executor_id = created.json()["executor_id"]
        revoked_store_token = server.token("agent-a")
        _revoke_all_but(server, keep=operator)
        refused_headers = [
            None,
            {"Authorization": "Bearer not-a-token"},
            {"Authorization": f"Bearer {revoked_store_token}"},
            basic("admin", "admin"),
            basic("", ""),
            {"Authorization": "Digest abc"},
        ]

        async with httpx.AsyncClient(base_url=server.base_url) as http:
            for route in ROUTES:
                for headers in refused_headers:
                    # Act
                    response = await call(http, route, executor_id, headers)

                    # Assert: 401, the challenge, a detail; nothing done
                    assert response.status_code == 401, (route, headers, response.text)
                    assert "Bearer" in response.headers["WWW-Authenticate"]
                    assert "Basic" in response.headers["WWW-Authenticate"]
                    assert response.json()["detail"]
            # openapi.json is public
            assert (await http.get("/openapi.json")).status_code == 200

        assert await total_executors(server, operator) == 1
        async with server.http(operator) as http:
            still = (await http.get(f"/executors/{executor_id}")).json()
        assert still["status"] == "RUNNING"

        # The stock client's default admin:admin is refused too
        client = HummingbotAPIClient(server.base_url, username="admin", password="admin")
        await client.init()
        try:
            with pytest.raises(aiohttp.ClientResponseError) as refused:
                await client.executors.search_executors()
            with pytest.raises(RuntimeError, match="auth failed"):
                async with client.ws.executors():
                    pass
        finally:
            await client.close()
        assert refused.value.status == 401


def _revoke_all_but(server: Server, *, keep: str) -> None:
    from lpexec.app.api import TokenStore
    from lpexec.core import Database

    database = Database.open(server.database_url)
    try:
        store = TokenStore(database)
        kept = store.verify(keep)
        for info in store.all_tokens():
            if kept is None or info.token_id != kept.token_id:
                store.revoke(info.token_id)
    finally:
        database.close()


async def test_configured_basic_needs_both_parts_right(server):
    wrong = [
        basic(OPERATOR_USER, "wrong"),
        basic("admin", OPERATOR_PASSWORD),
        basic("admin", "admin"),
    ]
    async with httpx.AsyncClient(base_url=server.base_url) as http:
        for route in ROUTES:
            for headers in wrong:
                response = await call(http, route, "some-id", headers)
                assert response.status_code == 401, (route, headers)
        answer = await http.post(
            "/executors/search", json={}, headers=basic(OPERATOR_USER, OPERATOR_PASSWORD)
        )
    assert answer.status_code == 200


async def test_a_scoped_token_sees_and_changes_only_its_controller(server):
    operator = server.token(None)
    token_a = server.token("agent-a")
    async with server.http(operator) as http:
        other = (
            await http.post(
                "/executors/", json={"executor_config": order_config(), "controller_id": "b"}
            )
        ).json()
        bought = (
            await http.post(
                "/executors/",
                json={
                    "executor_config": order_config(execution_strategy="MARKET", price=None),
                    "controller_id": "b",
                },
            )
        ).json()
    await eventually(lambda: _held(server, operator, "b"), lambda found: found["total_positions"])

    async with server.http(token_a) as http:
        # Creates: for another controller refused, else its own controller
        for body in (
            {"executor_config": order_config(), "controller_id": "b"},
            {"executor_config": order_config(controller_id="b")},
        ):
            refused = await http.post("/executors/", json=body)
            assert refused.status_code == 403, refused.text
        own = await http.post("/executors/", json={"executor_config": order_config()})
        assert own.status_code == 201 and own.json()["controller_id"] == "agent-a"

        # Another's executor: 403 or 404 on every route naming it, nothing changed
        for route in ROUTES[-3:]:
            response = await call(http, route, other["executor_id"])
            assert response.status_code in (403, 404), (route, response.text)
        for query in ("", "?controller_id=b&account_name=master_account"):
            for method in ("GET", "DELETE"):
                response = await http.request(method, f"/executors/positions/paper/SOL-USDT{query}")
                assert response.status_code in (403, 404), (method, query, response.text)

        # Lists: only its own, or 403 when it asks for another's
        search = (await http.post("/executors/search", json={})).json()
        assert [row["controller_id"] for row in search["data"]] == ["agent-a"]
        for_b = await http.post("/executors/search", json={"controller_ids": ["b"]})
        assert for_b.status_code == 403 or for_b.json()["data"] == []
        summary = (await http.get("/executors/summary")).json()
        assert summary["total_active"] == 1
        performance = (await http.get("/executors/performance")).json()
        assert performance["total_executors"] == 1
        for path in ("/executors/performance", "/executors/positions/summary"):
            response = await http.get(path, params={"controller_id": "b"})
            assert response.status_code == 403 or _empty(response.json()), (path, response.text)
        positions = (await http.get("/executors/positions/summary")).json()
        assert positions["total_positions"] == 0

    async with server.http(server.token("b")) as http:
        # Its own held position, found without naming its controller
        own_hold = await http.get("/executors/positions/paper/SOL-USDT")
    assert own_hold.status_code == 200, own_hold.text
    assert own_hold.json()["controller_id"] == "b"
    async with server.http(operator) as http:
        still = (await http.get(f"/executors/{other['executor_id']}")).json()
        held = (await http.get("/executors/positions/summary?controller_id=b")).json()
    assert still["status"] == "RUNNING"
    assert (
        held["total_positions"] == 1
        and bought["executor_id"] in (held["positions"][0]["executor_ids"])
    )


async def _held(server: Server, token: str, controller_id: str) -> dict[str, Any]:
    async with server.http(token) as http:
        response = await http.get(
            "/executors/positions/summary", params={"controller_id": controller_id}
        )
    return response.json()


def _empty(report: dict[str, Any]) -> bool:
    return report.get("total_executors", 0) == 0 and report.get("total_positions", 0) == 0


async def test_the_stock_client_runs_scoped_with_basic_controller_and_token(server):
    token_a = server.token("agent-a")
    async with server.http(server.token(None)) as http:
        await http.post(
            "/executors/", json={"executor_config": order_config(), "controller_id": "b"}
        )

    client = HummingbotAPIClient(server.base_url, username="agent-a", password=token_a)
    await client.init()
    try:
        created = await client.executors.create_executor(order_config())
        found = await client.executors.search_executors()
        async with client.ws.executors() as socket:
            await socket.subscribe_executors(update_interval=0.5)
            pushed = await socket.receive()
            with pytest.raises(RuntimeError):
                await socket.subscribe_executor_detail("not-mine-or-anyones")
    finally:
        await client.close()
    assert created["controller_id"] == "agent-a"
    assert [row["controller_id"] for row in found["data"]] == ["agent-a"]
    assert [row["controller_id"] for row in pushed["data"]] == ["agent-a"]

    impostor = HummingbotAPIClient(server.base_url, username="b", password=token_a)
    await impostor.init()
    try:
        with pytest.raises(aiohttp.ClientResponseError) as refused:
            await impostor.executors.search_executors()
    finally:
        await impostor.close()
    assert refused.value.status == 401


async def test_the_websocket_refuses_bad_tokens_with_4001_and_scopes_pushes(server):
    import websockets

    token_a = server.token("agent-a")
    operator = server.token(None)
    async with server.http(operator) as http:
        other = (
            await http.post(
                "/executors/", json={"executor_config": order_config(), "controller_id": "b"}
            )
        ).json()
    url = server.base_url.replace("http://", "ws://") + "/ws/executors"

    for query in ("", "?token=nope", "?token=" + base64.b64encode(b"admin:admin").decode()):
        async with websockets.connect(url + query) as socket:
            message = json.loads(await socket.recv())
            with pytest.raises(websockets.ConnectionClosed) as closed:
                await socket.recv()
        assert message["type"] == "error" and message["message"]
        assert closed.value.rcvd.code == 4001

    async with websockets.connect(f"{url}?token={token_a}") as socket:
        connected = json.loads(await socket.recv())
        assert connected["type"] == "connected" and connected["controller_id"] == "agent-a"
        await socket.send(
            json.dumps(
                {
                    "action": "subscribe",
                    "type": "executor_detail",
                    "executor_id": other["executor_id"],
                    "update_interval": 1,
                }
            )
        )
        refused = json.loads(await socket.recv())
        await socket.send(json.dumps({"action": "subscribe", "type": "executor_summary"}))
        assert json.loads(await socket.recv())["type"] == "subscribed"
        summary = json.loads(await socket.recv())
        await socket.send("not json")
        garbled = json.loads(await socket.recv())
        await socket.send(b'{"action": "ping"}')  # a binary frame is read as text
        assert json.loads(await socket.recv()) == {"type": "pong"}
    assert refused["type"] == "error" and other["executor_id"] in refused["message"]
    assert summary["type"] == "executor_summary" and summary["data"]["total_active"] == 0
    assert garbled["type"] == "error"
