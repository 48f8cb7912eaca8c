"""Shared fixtures: databases (SQLite and the real PostgreSQL), a simulated clock and a paper
Gateway server process."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator

import pytest

from fixtures.paper_runtime import free_port, simulated_clock, start_paper_gateway_process
from lpexec.core import SimulatedClock

DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def postgres_base_url() -> str:
    return os.environ.get("LPEXEC_TEST_DATABASE_URL", DEFAULT_PG_URL)


def _connect_or_reason(url: str) -> tuple[object | None, str]:
    import psycopg

    try:
        return psycopg.connect(url.replace("+psycopg", ""), autocommit=True, connect_timeout=3), ""
    except psycopg.OperationalError as e:
        return None, f"PostgreSQL at {url} does not answer ({e.__class__.__name__})"


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A PostgreSQL URL whose search_path is a fresh schema, dropped afterwards.

    Skips with a reason when PostgreSQL does not answer, except under CI=true where it fails.
    """
    base = postgres_base_url()
    connection, reason = _connect_or_reason(base)
    if connection is None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}; CI=true requires PostgreSQL")
        pytest.skip(reason)
    schema = f"lpexec_test_{secrets.token_hex(6)}"
    connection.execute(f'CREATE SCHEMA "{schema}"')  # type: ignore[attr-defined]
    separator = "&" if "?" in base else "?"
    try:
        yield f"{base}{separator}options=-csearch_path%3D{schema}"
    finally:
        connection.execute(f'DROP SCHEMA "{schema}" CASCADE')  # type: ignore[attr-defined]
        connection.close()  # type: ignore[attr-defined]


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'lpexec.db'}"


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest) -> str:
    """Each test using this runs on SQLite and on the real PostgreSQL."""
    name = "sqlite_url" if request.param == "sqlite" else "postgres_url"
    return request.getfixturevalue(name)


@pytest.fixture
def clock() -> SimulatedClock:
    return simulated_clock()


@pytest.fixture
def paper_server(tmp_path):
    """A real ``lpexec paper-gateway`` process on a free loopback port (seed 3, slow writes).

    Yields ``(process, url, state_file)``; SIGTERM makes it save the chain to ``state_file``.
    A test using it starts a process: mark it ``slow``.
    """
    port, state = free_port(), tmp_path / "chain.json"
    arguments = ["--seed", "3", "--state-file", str(state)]
    server = start_paper_gateway_process(
        port=port, arguments=[*arguments, "--faults", "open:slow=400ms,close:slow=400ms"]
    )
    yield server, f"http://127.0.0.1:{port}", state
    if server.poll() is None:
        server.kill()
        server.wait(timeout=30)
