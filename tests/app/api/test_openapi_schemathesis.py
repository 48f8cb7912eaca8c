"""Schemathesis over ``/openapi.json`` of a running ``lpexec serve``, with an operator token:
no 5xx, and every answer conforms to the document (status, content type, body, headers), for
valid requests and for invalid ones.

The server runs in a thread (its own event loop) for the module; examples are bounded per
operation (``max_examples``) and derandomized, never bounded by time.
"""

from __future__ import annotations

import asyncio
import itertools
import threading
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode, checks

from fixtures.paper_runtime import free_port
from lpexec.app.cli.serve import serve

from .api_server import Server, order_config, serve_options

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
def api_schema(served):
    server, token = served
    import httpx

    # One executor, so the routes naming an id have one to find besides the made-up ones.
    httpx.post(
        f"{server.base_url}/executors/",
        json={"executor_config": order_config(), "controller_id": "schemathesis"},
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    ).raise_for_status()
    return schemathesis.openapi.from_url(f"{server.base_url}/openapi.json")


def test_every_operation_answers_within_its_documented_schema(api_schema, served):
    _, token = served
    headers = {"Authorization": f"Bearer {token}"}
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 12  # every route of the reference is in the document

    for operation, mode in itertools.product(operations, GenerationMode):

        @given(case=operation.as_strategy(mode))
        @settings(
            max_examples=12,
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
            assert mode is GenerationMode.NEGATIVE and not _has_inputs(operation), operation
