"""``lpexec paper-exchange``: the paper markets served over HTTP on a loopback port, for workers
that share one paper exchange.

:class:`PaperExchangeHost` holds the :class:`~lpexec.app.paper_market.PaperMarkets` (the spot
exchange under the venue key ``paper``, the perpetual one under ``paper_perpetual``, the same
keys as the CEX runtime) and serves them through :func:`~lpexec.paper.exchange_server.
create_exchange_app`. Paper time follows the wall clock: before answering any request the host
plays one step (one minute of paper time: every market moves along its seeded path and resting
orders fill) per whole minute of wall time since the last step, at most a day of them.

Durability: the state file is written after every write request (landed or not) before its
answer leaves, and after any step that made a fill before anyone can read it; SIGTERM (or
SIGINT) saves it once more. A restarted server on the same file holds every order it ever
answered and every fill it ever reported, and plays the steps missed while it was down.
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

from starlette.applications import Starlette

from lpexec.app.cex_runtime import PAPER_EXCHANGE, PAPER_PERPETUAL
from lpexec.app.paper_market import MAX_CATCH_UP, STEP_SECONDS, PaperMarkets
from lpexec.core.clock import Clock, LiveClock, SimulatedClock
from lpexec.paper.exchange_server import LOOPBACK, create_exchange_app, make_exchange_server
from lpexec.paper.venues.exchange import PaperExchangeVenue

__all__ = ["PaperExchangeHost", "serve_paper_exchange"]

logger = logging.getLogger(__name__)

_STEP = dt.timedelta(seconds=STEP_SECONDS)
_MAX_STEPS = int(MAX_CATCH_UP / _STEP)


class PaperExchangeHost:
    """The paper markets of ``lpexec paper-exchange`` (see the module docstring).

    Args:
        markets: the paper markets (new, or loaded from the state file).
        wall: the wall clock (tests pass a simulated one).
        state_file: where the markets are saved (None: in memory only).
        faults: a fault spec for both venues (see
            :mod:`lpexec.paper.venues.exchange_faults`), seeded by ``seed``.
        seed: the seed of the fault decisions.
    """

    def __init__(
        self,
        markets: PaperMarkets,
        *,
        wall: Clock,
        state_file: Path | None = None,
        faults: str | None = None,
        seed: int = 0,
    ) -> None:
        self.markets = markets
        self.state_file = state_file
        self._wall = wall
        self.paper_clock = SimulatedClock(markets.paper_time)
        """Paper time: the time of the last step (stamps the venues' answers)."""
        self.venues = {
            key: PaperExchangeVenue(exchange, clock=self.paper_clock, faults=faults, seed=seed)
            for key, exchange in (
                (PAPER_EXCHANGE, markets.exchange),
                (PAPER_PERPETUAL, markets.perpetual),
            )
        }
        self._saved_fills = markets.fill_count
        self.app: Starlette = create_exchange_app(
            self.venues,
            pairs=[spec.trading_pair for spec in markets.specs],
            on_request=self.catch_up,
            after_write=self.save,
        )

    @classmethod
    def open(
        cls,
        *,
        seed: int = 0,
        state_file: str | Path | None = None,
        faults: str | None = None,
        wall: Clock | None = None,
    ) -> PaperExchangeHost:
        """Load the state file (or start new markets seeded ``seed``) and catch them up.

        Raises:
            ValueError: the state file is not one (named, with what is wrong).
        """
        wall = wall or LiveClock()
        now = wall.now()
        path = Path(state_file) if state_file is not None else None
        if path is None:
            markets = PaperMarkets.new(seed=seed, now=now)
        else:
            markets = PaperMarkets.load_or_new(path, seed=seed, now=now)
        host = cls(markets, wall=wall, state_file=path, faults=faults, seed=seed)
        host.catch_up()
        return host

    def catch_up(self) -> int:
        """Play the steps due by the wall clock (one per whole minute since the last step, at
        most a day of them); save when they made fills. Return how many were played.

        ``markets.wall_time`` is the wall time of the last step, so a restart plays the steps
        missed while the server was down."""
        markets = self.markets
        now = self._wall.now()
        due = int((now - markets.wall_time) / _STEP) if now > markets.wall_time else 0
        if due > _MAX_STEPS:  # a long sleep: replay the last day only
            markets.wall_time += (due - _MAX_STEPS) * _STEP
            due = _MAX_STEPS
        for _ in range(due):
            for _pair in markets.advance():
                pass
            markets.wall_time += _STEP
        if due:
            self.paper_clock.set(markets.paper_time)
            if markets.fill_count != self._saved_fills:
                self.save()  # the fills are durable before anyone reads them
        return due

    def save(self) -> None:
        """Write the state file (when there is one)."""
        if self.state_file is not None:
            self.markets.save(self.state_file)
            self._saved_fills = self.markets.fill_count


def serve_paper_exchange(
    *,
    port: int,
    seed: int = 0,
    state_file: str | Path | None = None,
    faults: str | None = None,
    log_level: str = "warning",
) -> PaperExchangeHost:
    """Serve the paper exchange on ``127.0.0.1:port`` until SIGINT/SIGTERM, then save it.

    Returns:
        The host that was served (after the server stopped and the state was saved).
    """
    host = PaperExchangeHost.open(seed=seed, state_file=state_file, faults=faults)
    server = make_exchange_server(host.app, port=port, log_level=log_level)
    logger.info("paper exchange on http://%s:%d (state file %s)", LOOPBACK, port, state_file)
    try:
        server.run()
    finally:
        host.save()
    return host
