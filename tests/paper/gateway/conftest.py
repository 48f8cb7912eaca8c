"""Fixtures for paper Gateway tests: demo gateways on a manual clock, clients, schema checks."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import AsyncIterator, Callable
from typing import Any
from urllib.parse import quote

import httpx
import jsonschema
import pytest
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

from lpexec.core.clock import SimulatedClock
from lpexec.paper.gateway import PaperGateway, build_paper_gateway, load_spec, operation_schemas

START = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
SPEC_URI = "urn:gateway-2.13.0"


def make(mode: str = "clean", **options: Any) -> PaperGateway:
    options.setdefault("clock", SimulatedClock(START))
    return build_paper_gateway(seed=options.pop("seed", 5), mode=mode, **options)


@pytest.fixture(scope="session")
def make_gateway() -> Callable[..., PaperGateway]:
    """Build a demo paper gateway on a manual clock (keyword options as build_paper_gateway)."""
    return make


@pytest.fixture
def gateway() -> PaperGateway:
    return make()


def client_for(gateway: PaperGateway) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=gateway.app, client=("127.0.0.1", 40000)),
        base_url="http://paper-gateway",
    )


@pytest.fixture(scope="session")
def open_client() -> Callable[[PaperGateway], httpx.AsyncClient]:
    return client_for


@pytest.fixture
async def client(gateway: PaperGateway) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(gateway) as http:
        yield http


@pytest.fixture(scope="session")
def spec() -> dict[str, Any]:
    return load_spec()


@pytest.fixture(scope="session")
def response_validator(spec: dict[str, Any]) -> Callable[[str, str, Any], None]:
    """Return ``check(method, path, body)``: validate a 200 body against the route's schema."""
    registry = Registry().with_resource(SPEC_URI, Resource(contents=spec, specification=DRAFT7))

    def check(method: str, path: str, body: Any) -> None:
        assert operation_schemas(spec, method, path).response is not None, (
            f"{method} {path} declares no 200 JSON schema"
        )
        pointer = "/".join(
            part.replace("~", "~0").replace("/", "~1")
            for part in (
                "paths",
                path,
                method.lower(),
                "responses",
                "200",
                "content",
                "application/json",
                "schema",
            )
        )
        reference = f"{SPEC_URI}#/{quote(pointer, safe='/~')}"
        validator = jsonschema.Draft7Validator({"$ref": reference}, registry=registry)
        errors = sorted(validator.iter_errors(json.loads(json.dumps(body))), key=str)
        assert not errors, f"{method} {path}: {errors[0].message} at {list(errors[0].path)}"

    return check
