"""The network boundary for the ccxt adapter tests: a loopback HTTP server replaying recorded
exchange payloads (``payloads/<venue>/*.json``), and venues pointed at it.

ccxt's async client speaks aiohttp, so the fake sits where the exchange would: a real HTTP
server on 127.0.0.1 (a random port) that answers each ``METHOD /path`` with a recorded payload and
keeps every request it received (query and form fields, headers) for the tests to assert on.
Nothing of ours and nothing of ccxt is patched; only the exchange's API base URLs are moved.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from lpexec.core import SimulatedClock
from lpexec.venues.ccxt import CcxtExchangeVenue, Credentials, create_exchange

PAYLOADS = Path(__file__).parent / "payloads"

API_KEY = "tEsTkEyA1b2C3d4E5f6G7h8I9j0"
API_SECRET = "tEsTsEcReTz9Y8x7W6v5U4t3S2r1"
API_PASSWORD = "tEsTpAsSpHrAsE42"
CREDENTIALS = Credentials(api_key=API_KEY, secret=API_SECRET, password=API_PASSWORD)
SECRETS = (API_KEY, API_SECRET, API_PASSWORD)


def payload(venue: str, name: str) -> Any:
    """A recorded payload, ``payloads/<venue>/<name>.json``."""
    return json.loads((PAYLOADS / venue / f"{name}.json").read_text())


@dataclass
class Received:
    """One request the server received."""

    method: str
    path: str
    query: dict[str, str]
    form: dict[str, str]
    headers: dict[str, str]
    body: Any = None
    """A JSON body, parsed (OKX sends JSON; Binance sends a form)."""

    @property
    def fields(self) -> dict[str, str]:
        """Query and form fields together (Binance signs either)."""
        return {**self.query, **self.form}


Answer = tuple[int, Any]
"""(HTTP status, JSON body); a ``str`` body is sent as an HTML page."""


Reply = Answer | str | Callable[[Received], Answer]
"""An answer; the string ``"hang"`` (never answers); or a function of the request (an echo)."""


@dataclass
class Route:
    answers: list[Reply]
    """Answered in turn; the last one repeats."""
    calls: int = 0


@dataclass
class ReplayServer:
    """Answers ``METHOD /path`` with recorded payloads; keeps what it received."""

    routes: dict[tuple[str, str], Route] = field(default_factory=dict)
    received: list[Received] = field(default_factory=list)
    base_url: str = ""
    _released: asyncio.Event = field(default_factory=asyncio.Event)

    def answer(self, method: str, path: str, *answers: Reply) -> None:
        """Answer ``method path`` with ``answers`` in turn (the last one repeats)."""
        self.routes[(method, path)] = Route(list(answers))

    def json(self, method: str, path: str, venue: str, name: str, status: int = 200) -> None:
        """Answer ``method path`` with the recorded payload ``venue/name``."""
        self.answer(method, path, (status, payload(venue, name)))

    @staticmethod
    def payload(venue: str, name: str) -> Any:
        """A recorded payload, ``payloads/<venue>/<name>.json``."""
        return payload(venue, name)

    def requests(self, method: str, path: str) -> list[Received]:
        """The requests received for ``method path``, oldest first."""
        return [r for r in self.received if r.method == method and r.path == path]

    def release(self) -> None:
        """Let hanging handlers return (at teardown)."""
        self._released.set()

    async def handle(self, request: web.Request) -> web.StreamResponse:
        form: dict[str, Any] = {}
        body = None
        if request.can_read_body:
            if request.content_type == "application/json":
                body = json.loads(await request.text())
            else:
                form = dict(await request.post())
        self.received.append(
            Received(
                method=request.method,
                path=request.path,
                query=dict(request.query),
                form={key: str(value) for key, value in form.items()},
                headers=dict(request.headers),
                body=body,
            )
        )
        route = self.routes.get((request.method, request.path))
        if route is None:
            body = {"code": -1, "msg": f"no recorded answer for {request.method} {request.path}"}
            return web.json_response(body, status=599)
        answer = route.answers[min(route.calls, len(route.answers) - 1)]
        route.calls += 1
        if answer == "hang":
            await self._released.wait()
            return web.json_response({}, status=599)
        status, body = answer(self.received[-1]) if callable(answer) else answer
        if isinstance(body, str):  # a proxy's or load balancer's page, not the exchange's JSON
            return web.Response(text=body, status=status, content_type="text/html")
        return web.json_response(body, status=status)


def point_at(exchange: Any, base_url: str) -> None:
    """Move every API base URL of a ccxt exchange to ``base_url``, keeping the paths."""
    target = urlsplit(base_url)

    def move(value: Any) -> Any:
        if isinstance(value, dict):
            return {key: move(item) for key, item in value.items()}
        if isinstance(value, str) and value.startswith("http"):
            parts = urlsplit(value)
            return urlunsplit((target.scheme, target.netloc, parts.path, parts.query, ""))
        return value

    exchange.urls["api"] = move(exchange.urls["api"])


@pytest.fixture
async def server() -> AsyncIterator[ReplayServer]:
    replay = ReplayServer()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", replay.handle)
    # no access log: it is the fake exchange's log (with the signed URLs it received), not ours
    test_server = TestServer(app, host="127.0.0.1")
    await test_server.start_server(access_log=None)
    replay.base_url = f"http://127.0.0.1:{test_server.port}"
    yield replay
    replay.release()
    await test_server.close()


@pytest.fixture(name="point_at")
def point_at_fixture() -> Callable[[Any, str], None]:
    """:func:`point_at`, for tests that move a venue's exchange elsewhere."""
    return point_at


@pytest.fixture
def clock() -> SimulatedClock:
    return SimulatedClock()


VenueFactory = Callable[..., Any]


@pytest.fixture
async def make_venue(
    server: ReplayServer, clock: SimulatedClock
) -> AsyncIterator[Callable[..., CcxtExchangeVenue]]:
    """Build a venue on ``exchange_id`` whose API is the replay server (closed afterwards)."""
    venues: list[CcxtExchangeVenue] = []

    def build(
        exchange_id: str,
        *,
        key: str = "binance",
        timeout_ms: int = 2_000,
        market_type: str | None = None,
        **kwargs: Any,
    ) -> CcxtExchangeVenue:
        # rateLimit 1 ms keeps ccxt's limiter on without slowing the tests; no wait on close
        config = {"rateLimit": 1, "timeout_on_exit": 0}
        exchange = create_exchange(
            exchange_id, CREDENTIALS, market_type=market_type, timeout_ms=timeout_ms, config=config
        )
        point_at(exchange, server.base_url)
        venue = CcxtExchangeVenue(exchange, venue=key, clock=clock, **kwargs)
        venues.append(venue)
        return venue

    yield build
    for venue in venues:
        await venue.close()
