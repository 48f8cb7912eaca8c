"""Schemathesis over ``/openapi.json`` of a running ``lpexec serve``, with an operator token and
with a scoped one: no 5xx, and every answer conforms to the document (status, content type, body,
headers), for valid requests, invalid ones, and requests naming a real executor and a real held
position.

The server runs in a thread (its own event loop) for the module; examples are bounded per
operation (``max_examples``) and derandomized, never bounded by time.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode, checks

from fixtures.paper_runtime import free_port
from lpexec.app.cli.serve import serve

from .api_server import Server, order_config, serve_options

OWNER = "schemathesis"
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
    checks.response_headers_conformance,
]


@pytest.fixture(scope="module")
def served(tmp_path_factory) -> Iterator[tuple[Server, str]]:
    """``lpexec serve`` in a thread for this module, an operator token and one executor."""
    folder = tmp_path_factory.mktemp("schemathesis")
    port = free_port()
    options = serve_options(folder, port)
    started = threading.Event()
    control: dict[str, Any] = {}

    async def main() -> None:
        ready, stop = asyncio.Event(), asyncio.Event()
        control.update(loop=asyncio.get_running_loop(), stop=stop)
        waiter = asyncio.create_task(_set_when(ready, started))
        try:
            await serve(options, ready=ready, stop=stop)
        finally:
            waiter.cancel()
            started.set()

    thread = threading.Thread(target=asyncio.run, args=(main(),), daemon=True)
    thread.start()
    assert started.wait(60), "expected the server to listen within 60 s"
    server = Server(f"http://127.0.0.1:{port}", str(options.database), folder)
    token = server.token(None)
    try:
        yield server, token
    finally:
        control["loop"].call_soon_threadsafe(control["stop"].set)
        thread.join(60)


def _has_inputs(operation: Any) -> bool:
    return bool(list(operation.iter_parameters())) or bool(operation.body)


async def _set_when(ready: asyncio.Event, started: threading.Event) -> None:
    await ready.wait()
    started.set()


@pytest.fixture(scope="module")
def known(served) -> dict[str, str]:
    """A running executor and a held position of controller ``schemathesis``, so that the routes
    naming them answer with real bodies too."""
    server, token = served
    headers = {"Authorization": f"Bearer {token}"}
    created = httpx.post(
        f"{server.base_url}/executors/",
        json={"executor_config": order_config(), "controller_id": OWNER},
        headers=headers,
        timeout=30,
    )
    created.raise_for_status()
    httpx.post(
        f"{server.base_url}/executors/",
        json={
            "executor_config": order_config(execution_strategy="MARKET", price=None),
            "controller_id": OWNER,
        },
        headers=headers,
        timeout=30,
    ).raise_for_status()
    return {"executor_id": created.json()["executor_id"], "scoped_token": server.token(OWNER)}


@pytest.fixture(scope="module")
def api_schema(served):
    server, _ = served
    return schemathesis.openapi.from_url(f"{server.base_url}/openapi.json")


def strategies(operation: Any, known: dict[str, str]) -> list[tuple[str, Any]]:
    """Made-up requests, valid and invalid; and, for the routes naming an executor or a held
    position, valid ones naming the real ones."""
    found = [(mode.value, operation.as_strategy(mode)) for mode in GenerationMode]
    names = {parameter.name for parameter in operation.iter_parameters()}
    if "executor_id" in names:
        real = {"executor_id": known["executor_id"]}
        found.append(("known executor", operation.as_strategy(path_parameters=real)))
    if {"connector_name", "trading_pair"} <= names:
        real = {"connector_name": "paper", "trading_pair": "SOL-USDT"}
        query = {"controller_id": OWNER, "account_name": "master_account"}
        found.append(("known position", operation.as_strategy(path_parameters=real, query=query)))
    return found


@pytest.mark.parametrize("who", ["operator", "scoped"])
def test_every_operation_answers_within_its_documented_schema(api_schema, served, known, who):
    _, operator_token = served
    token = operator_token if who == "operator" else known["scoped_token"]
    headers = {"Authorization": f"Bearer {token}"}
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 12  # every route of the reference is in the document

    for operation in operations:
        for kind, strategy in strategies(operation, known):

            @given(case=strategy)
            @settings(
                max_examples=8,
                deadline=None,
                derandomize=True,
                database=None,
                suppress_health_check=list(HealthCheck),
            )
            def answers_conform(case: Any) -> None:
                case.call_and_validate(headers=headers, checks=CHECKS)

            try:
                answers_conform()
            except Unsatisfiable:
                # An operation with no parameter and no body has no invalid request to make.
                assert kind == "negative" and not _has_inputs(operation), operation
