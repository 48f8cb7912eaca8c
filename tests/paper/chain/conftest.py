"""Fixtures for paper chain tests: a chain on a manual clock with a funded wallet and pools."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from fixtures.paper_pools import START, USDC, World, build_world

__all__ = ["START", "USDC", "World", "build_world"]


@pytest.fixture
def world() -> World:
    return build_world()


@pytest.fixture(scope="session")
def make_world() -> Callable[..., World]:
    """The world builder itself (for hypothesis tests that need a fresh world per example)."""
    return build_world
