"""``lpexec worker``: run a share of the store's LP and swap executors beside other workers, and
its CEX executors (order, position, grid, DCA, TWAP) when they share a paper exchange server.

Start N of them on one PostgreSQL database (``--database-url`` or ``LPEXEC_DATABASE_URL``) and one
Gateway (``LPEXEC_GATEWAY_URL``; unset: a paper Gateway in the process, for a single worker). With
``--exchange-url`` (or ``LPEXEC_PAPER_EXCHANGE_URL``) naming a ``lpexec paper-exchange`` server
they run the CEX executors on it too (:mod:`lpexec.app.worker_runtime`); without it, none.
Each claims a fair share of the executors, picks up new ones within a heartbeat, takes over
those of a worker that stops or dies once their leases expire, and hands some over when a worker
joins (:mod:`lpexec.app.worker`). On SQLite only one worker may run. SIGINT/SIGTERM: writes in
flight are answered, every lease is released, the process exits 0.
"""

from __future__ import annotations

import asyncio
import logging

import typer

from lpexec.app.cli.hosting import DATABASE_OPTION, PAPER_STATE_OPTION, SEED_OPTION, signals_set

__all__ = ["worker_command"]

logger = logging.getLogger(__name__)


def worker_command(
    database_url: str | None = DATABASE_OPTION,
    ttl: float = typer.Option(10.0, min=0.5, help="Seconds a lease lasts without renewal."),
    heartbeat: float = typer.Option(
        3.0, min=0.1, help="Seconds between heartbeats (at most half the TTL)."
    ),
    interval: float = typer.Option(
        1.0, min=0.05, help="Seconds between ticks (market data, timers, sends)."
    ),
    max_calls: int = typer.Option(
        16, min=1, help="Venue calls this worker makes at once (a takeover does not flood it)."
    ),
    metrics_port: int | None = typer.Option(
        None, min=1, max=65535, help="Serve /metrics, /healthz, /readyz on 127.0.0.1:PORT."
    ),
    worker_id: str | None = typer.Option(None, help="This worker's id (default host:pid:random)."),
    log_format: str = typer.Option(
        "text", help="text, or json: one JSON object per line with the executor and worker ids."
    ),
    seed: int = SEED_OPTION,
    paper_state_file: str | None = PAPER_STATE_OPTION,
    exchange_url: str | None = typer.Option(
        None,
        "--exchange-url",
        help="A lpexec paper-exchange server to run CEX executors on (default "
        "LPEXEC_PAPER_EXCHANGE_URL; unset: LP and swap executors only).",
    ),
) -> None:
    """Run executors of a shared store as one of several workers (leases, fencing, failover)."""
    from lpexec.app.worker import WorkerSettings
    from lpexec.app.worker_runtime import paper_exchange_url

    if log_format not in ("text", "json"):
        raise typer.BadParameter(
            f"expected text or json, received {log_format!r}", param_hint="--log-format"
        )
    if log_format == "json":
        from lpexec.app.logs import use_json_logs

        use_json_logs()
    url = paper_exchange_url(exchange_url)
    if url is not None and not url.startswith(("http://", "https://")):
        raise typer.BadParameter(
            f"expected the http:// URL of a lpexec paper-exchange server, received {url!r}",
            param_hint="--exchange-url",
        )
    settings = WorkerSettings(
        ttl_seconds=ttl,
        heartbeat_seconds=heartbeat,
        interval_seconds=interval,
        max_concurrent_calls=max_calls,
    )
    asyncio.run(
        _run(
            settings,
            database_url=database_url,
            metrics_port=metrics_port,
            worker_id=worker_id,
            seed=seed,
            paper_state_file=paper_state_file,
            exchange_url=url,
        )
    )


async def _run(
    settings: object,
    *,
    database_url: str | None,
    metrics_port: int | None,
    worker_id: str | None,
    seed: int,
    paper_state_file: str | None,
    exchange_url: str | None,
) -> None:
    from lpexec.app.metrics import WorkerMetrics
    from lpexec.app.settings import Settings
    from lpexec.app.worker import Worker, WorkerSettings, single_process
    from lpexec.app.worker_runtime import open_worker_runtime

    assert isinstance(settings, WorkerSettings)
    app_settings = Settings()
    url = exchange_url
    runtime = await open_worker_runtime(
        database_url=database_url or app_settings.resolved_database_url(),
        settings=app_settings,
        exchange_url=url,
        seed=seed,
        paper_state_file=paper_state_file,
    )
    metrics = None
    try:
        with single_process(runtime.database):
            worker = Worker(
                runtime.engine,
                poll=runtime.poll,
                settings=settings,
                worker_id=worker_id,
                types=runtime.types,
            )
            if metrics_port is not None:
                metrics = WorkerMetrics(worker)
                metrics.serve(port=metrics_port)
            stop = asyncio.Event()
            with signals_set(stop):
                exchange = f", paper exchange {url}" if url is not None else ""
                print(
                    f"worker {worker.worker_id} started: lease {settings.ttl_seconds} s, "
                    f"heartbeat {settings.heartbeat_seconds} s{exchange}",
                    flush=True,
                )
                await worker.run(stop)
            print(f"worker {worker.worker_id} stopped; leases released", flush=True)
    finally:
        if metrics is not None:
            metrics.close()
        await runtime.aclose()
