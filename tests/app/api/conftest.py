"""Fixtures of the API tests: Basic credentials configured or not, a running server."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from .api_server import OPERATOR_PASSWORD, OPERATOR_USER, Server, running_server


@pytest.fixture
def operator_env(monkeypatch):
    """HTTP Basic credentials configured for the operator."""
    monkeypatch.setenv("LPEXEC_API_USERNAME", OPERATOR_USER)
    monkeypatch.setenv("LPEXEC_API_PASSWORD", OPERATOR_PASSWORD)


@pytest.fixture
def no_basic_env(monkeypatch):
    """No HTTP Basic credentials configured (the default)."""
    monkeypatch.delenv("LPEXEC_API_USERNAME", raising=False)
    monkeypatch.delenv("LPEXEC_API_PASSWORD", raising=False)


@pytest.fixture
async def server(tmp_path, operator_env) -> AsyncIterator[Server]:
    async with running_server(tmp_path) as running:
        yield running
