"""``lpexec daemon``: run the range-rebalancing policies of a config file; ``status`` shows them."""

from __future__ import annotations

import asyncio
import json
import signal
from collections.abc import Callable
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from lpexec.app.daemon import Daemon, DaemonConfig, load_daemon_config
from lpexec.app.daemon_leases import DaemonLeaseSettings
from lpexec.app.runtime import LPRuntime, open_lp_runtime
from lpexec.app.settings import Settings
from lpexec.app.worker_runtime import WorkerRuntime, open_worker_runtime, paper_exchange_url
from lpexec.controllers.rebalancer import PolicyRunner, swap_config_for, swap_deltas_of
from lpexec.core import ConfigError
from lpexec.core.clock import LiveClock

__all__ = ["daemon_app"]

console = Console()
daemon_app = typer.Typer(invoke_without_command=True, no_args_is_help=False)
CONFIG_OPTION = typer.Option(None, "--config", help="The daemon's TOML file (see fixtures/).")


async def _runtime(config: DaemonConfig, *, start_engine: bool = True) -> LPRuntime:
    settings = Settings()
    return await open_lp_runtime(
        database_url=config.database_url or settings.resolved_database_url(),
        settings=settings,
        clock=LiveClock(),
        seed=config.seed,
        paper_state_file=config.paper_state_file,
        risk=config.risk_engine(),
        start_engine=start_engine,
    )


def _lease_settings(
    config: DaemonConfig, leases: bool | None, ttl: float, heartbeat: float
) -> DaemonLeaseSettings | None:
    """The leases of a daemon sharing its store (default: on PostgreSQL), or None."""
    if leases is None:
        url = config.database_url or Settings().resolved_database_url()
        leases = url.startswith("postgresql")
    if not leases:
        return None
    if heartbeat * 2 > ttl:
        raise ConfigError(
            f"--heartbeat: expected at most half of --ttl ({ttl}), received {heartbeat}"
        )
    return DaemonLeaseSettings(ttl_seconds=ttl, heartbeat_seconds=heartbeat)


@daemon_app.callback()
def daemon_command(
    ctx: typer.Context,
    config: Path | None = CONFIG_OPTION,
    max_ticks: int | None = typer.Option(None, min=1, help="Stop after this many ticks."),
    leases: bool | None = typer.Option(
        None,
        "--leases/--no-leases",
        help="Share the policies with the other daemons of the store (default: on PostgreSQL).",
    ),
    ttl: float = typer.Option(10.0, min=0.5, help="Seconds a lease lasts without renewal."),
    heartbeat: float = typer.Option(
        3.0, min=0.1, help="Seconds between heartbeats (at most half the TTL)."
    ),
    daemon_id: str | None = typer.Option(None, help="This daemon's id (default host:pid:random)."),
    log_format: str = typer.Option(
        "text", help="text, or json: one JSON object per line with the daemon and policy ids."
    ),
    metrics_port: int | None = typer.Option(
        None,
        min=1,
        max=65535,
        help="Serve /metrics, /healthz, /readyz on 127.0.0.1:PORT (a daemon sharing its store).",
    ),
    exchange_url: str | None = typer.Option(
        None,
        "--exchange-url",
        help="A lpexec paper-exchange server the daemons share, for [[controller]] tables "
        "beside other daemons (default LPEXEC_PAPER_EXCHANGE_URL).",
    ),
) -> None:
    """Check the policies against the venue, then run them on a schedule until SIGTERM/SIGINT
    (or use ``status``). On PostgreSQL several daemons of one config share its policies: each
    runs a fair share, with their executors, and takes over those of a daemon that stops."""
    ctx.obj = config
    if ctx.invoked_subcommand is not None:
        return
    if config is None:
        raise typer.BadParameter("expected --config FILE", param_hint="--config")
    if log_format not in ("text", "json"):
        raise ConfigError(f"--log-format: expected text or json, received {log_format!r}")
    daemon_config = load_daemon_config(config)
    if log_format == "json":
        from lpexec.app.logs import use_json_logs

        use_json_logs()
    lease_settings = _lease_settings(daemon_config, leases, ttl, heartbeat)
    if metrics_port is not None and lease_settings is None:
        raise ConfigError(
            "--metrics-port: expected a daemon sharing its store (--leases, on PostgreSQL)"
        )

    shared = paper_exchange_url(exchange_url) if lease_settings is not None else None
    if shared is not None and not shared.startswith(("http://", "https://")):
        raise ConfigError(
            f"--exchange-url: expected the http:// URL of a lpexec paper-exchange server, "
            f"received {shared!r}"
        )

    async def main() -> None:
        combined: WorkerRuntime | None = None
        if shared is not None and daemon_config.controllers:
            settings = Settings()
            combined = await open_worker_runtime(
                database_url=daemon_config.database_url or settings.resolved_database_url(),
                settings=settings,
                exchange_url=shared,
                seed=daemon_config.seed,
                paper_state_file=daemon_config.paper_state_file,
                risk=daemon_config.risk_engine(),
            )
            runtime = combined.lp
        else:
            runtime = await _runtime(daemon_config, start_engine=lease_settings is None)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for number in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(number, stop.set)
        closers: list[Callable[[], None]] = []
        try:
            # run() checks the policies against the venue first: a problem is one ConfigError,
            # printed as one line by the entry point, before anything is opened.
            daemon = Daemon(
                runtime,
                daemon_config,
                out=lambda line: print(line, flush=True),
                leases=lease_settings,
                daemon_id=daemon_id,
                engine=combined.engine if combined is not None else None,
                exchange=combined.exchange_venues if combined is not None else None,
            )
            if metrics_port is not None and daemon.leases is not None:
                from lpexec.app.metrics import WorkerMetrics

                metrics = WorkerMetrics(daemon.leases)
                metrics.serve(port=metrics_port)
                closers.append(metrics.close)
            await daemon.run(stop, max_ticks=max_ticks)
        finally:
            for close in closers:
                close()
            await (combined.aclose() if combined is not None else runtime.aclose())

    asyncio.run(main())


@daemon_app.command("status")
def status_command(
    ctx: typer.Context,
    config: Path | None = CONFIG_OPTION,
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Show each policy: its current position, last action and next check."""
    path = config or ctx.obj
    if path is None:
        raise typer.BadParameter("expected --config FILE", param_hint="--config")
    daemon_config = load_daemon_config(path)

    async def main() -> list[dict[str, object]]:
        runtime = await _runtime(daemon_config)
        try:
            runner = PolicyRunner(
                engine=runtime.engine,
                database=runtime.database,
                configs=daemon_config.policies,
                swap_handler=swap_config_for,
                swap_deltas=swap_deltas_of,
            )
            runner.load()
            rows = runner.status()
        finally:
            await runtime.aclose()
        for row in rows:
            checked = row.get("last_check_at")
            row["next_check_at"] = (
                checked + _interval(daemon_config) if checked is not None else None
            )
        return rows

    rows = asyncio.run(main())
    if as_json:
        typer.echo(json.dumps(rows, indent=2, default=str))
        return
    table = Table(title=f"daemon policies ({path})")
    for column in ("policy", "executor", "status", "rebalances", "last action", "next check"):
        table.add_column(column)
    for row in rows:
        table.add_row(
            str(row["policy_id"]),
            str(row["executor_id"] or "-"),
            str(row["executor_status"] or "-"),
            str(row["rebalances"]),
            str(row["last_action"] or "-"),
            str(row["next_check_at"] or "-"),
        )
    console.print(table)


def _interval(config: DaemonConfig):  # noqa: ANN202 - a timedelta
    import datetime as dt

    return dt.timedelta(seconds=config.interval_seconds)
