"""Run the paper Gateway as a real HTTP server (uvicorn), saving its state on exit.

``serve()`` blocks until SIGINT or SIGTERM (uvicorn's handlers), then writes the chain state
to ``state_file`` so that the next ``serve()`` with the same file resumes the run.
:func:`make_server` returns an unstarted server for callers that run it in a thread (tests,
benchmarks).
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

import uvicorn

from lpexec.paper.gateway.context import Mode
from lpexec.paper.gateway.demo import PaperGateway, build_paper_gateway

__all__ = ["GracefulServer", "make_server", "serve"]

logger = logging.getLogger(__name__)


class GracefulServer(uvicorn.Server):
    """A uvicorn server that stops on SIGINT/SIGTERM and then returns normally.

    uvicorn re-raises the captured signal after its graceful shutdown (so a SIGTERM ends the
    process at once); this server does not, so that :func:`serve` can save the chain state.
    """

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        """Route SIGINT and SIGTERM to uvicorn's graceful exit while serving (main thread)."""
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        handled = (signal.SIGINT, signal.SIGTERM)
        previous = {sig: signal.signal(sig, self.handle_exit) for sig in handled}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)


def make_server(
    gateway: PaperGateway,
    *,
    host: str = "127.0.0.1",
    port: int = 15888,
    log_level: str = "warning",
) -> GracefulServer:
    """Return an unstarted uvicorn server for ``gateway.app`` (one worker, keep-alive on)."""
    config = uvicorn.Config(
        gateway.app,
        host=host,
        port=port,
        log_level=log_level,
        access_log=False,
        lifespan="off",
        timeout_keep_alive=30,
    )
    return GracefulServer(config)


def serve(
    host: str = "127.0.0.1",
    port: int = 15888,
    *,
    seed: int = 0,
    faults: str | None = None,
    state_file: str | os.PathLike[str] | None = None,
    mode: Mode | Literal["clean", "upstream"] = "clean",
    log_level: str = "info",
    **options: Any,
) -> PaperGateway:
    """Serve the paper Gateway until SIGINT/SIGTERM; save the state on the way out.

    Args:
        host: Interface to bind (loopback by default; the paper Gateway has no auth).
        port: TCP port (Gateway's default 15888).
        seed: Seed of the demo chain and of fault decisions.
        faults: Fault spec, e.g. ``"open:504@0.3,poll:429@0.1"``.
        state_file: JSON file to resume from (if it exists) and to save to on exit.
        mode: ``clean`` or ``upstream``.
        log_level: uvicorn log level.
        **options: Passed to :func:`build_paper_gateway` / :func:`create_app`.

    Returns:
        The gateway that was served (after the server stopped and the state was saved).
    """
    gateway = build_paper_gateway(
        seed=seed, faults=faults, state_file=state_file, mode=mode, **options
    )
    server = make_server(gateway, host=host, port=port, log_level=log_level)
    logger.info(
        "Paper Gateway (%s mode) on http://%s:%d, demo wallet %s", mode, host, port, gateway.wallet
    )
    try:
        server.run()
    finally:
        if gateway.state_file is not None:
            gateway.save()
            logger.info("Paper chain state saved to %s", Path(gateway.state_file))
    return gateway
