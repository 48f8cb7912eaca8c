"""A worker's (or a daemon's) Prometheus metrics, liveness and readiness, on a loopback port.

``GET /metrics``: the Prometheus text format (``prometheus-client``):

- ``lpexec_executors{type,status}``: the executors this worker runs, by type and status;
- ``lpexec_intents{status}``: its commands waiting to be sent (``queued``) and its unknown
  outcomes being reconciled (``unknown``);
- ``lpexec_leases_held``, ``lpexec_lease_claims_total``, ``lpexec_lease_releases_total``,
  ``lpexec_lease_losses_total``: what this worker holds, claimed, handed over and lost;
- ``lpexec_tick_seconds``, ``lpexec_heartbeat_seconds``: histograms of one tick (market data,
  timers, sends) and one heartbeat (leases);
- ``lpexec_venue_seconds{venue,command}``: histogram of each venue call;
- ``lpexec_reconciliations_total{result}``: reconciliations of unknown outcomes by result
  (``landed``, ``not_landed``, ``unknown``, ``error``);
- ``lpexec_risk_rejections_total``: creates the risk engine refused;
- ``lpexec_heartbeat_age_seconds``: since the last heartbeat;
- a daemon sharing its policies also: ``lpexec_controllers_held``,
  ``lpexec_controller_claims_total``, ``lpexec_controller_releases_total``,
  ``lpexec_controller_losses_total``.

``GET /healthz`` (liveness): 200 while heartbeats are on time (within the lease TTL), else 503.
``GET /readyz`` (readiness): 200 once the first heartbeat has claimed and resumed its share.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any, Protocol

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from lpexec.core import Engine
from lpexec.core.clock import Clock

if TYPE_CHECKING:
    from lpexec.app.worker import Worker

__all__ = ["LeaseHolder", "WorkerMetrics"]


class LeaseHolder(Protocol):
    """What the metrics read: a worker (:class:`~lpexec.app.worker.Worker`) or a daemon
    sharing its policies (:class:`~lpexec.app.daemon_leases.DaemonLeases`)."""

    engine: Engine
    claimed: int
    released: int
    heartbeats: int
    last_heartbeat: float
    ready: bool
    observe: Callable[[str, float], None]

    @property
    def held(self) -> int: ...

    @property
    def clock(self) -> Clock: ...

    @property
    def ttl_seconds(self) -> float: ...


class WorkerMetrics:
    """The metrics of one worker; :meth:`serve` exposes them with the health endpoints.

    Example:
        >>> metrics = WorkerMetrics(worker)
        >>> server = metrics.serve(port=9464)   # http://127.0.0.1:9464/metrics
    """

    def __init__(self, worker: LeaseHolder | Worker) -> None:
        self.worker: LeaseHolder = worker
        self.registry = CollectorRegistry()
        self.tick_seconds = Histogram(
            "lpexec_tick_seconds",
            "Seconds one tick took (market data, timers, the sends that follow).",
            registry=self.registry,
        )
        self.heartbeat_seconds = Histogram(
            "lpexec_heartbeat_seconds",
            "Seconds one heartbeat took (renew, release, claim, resume).",
            registry=self.registry,
        )
        self.venue_seconds = Histogram(
            "lpexec_venue_seconds",
            "Seconds one venue call took, by venue and command.",
            labelnames=["venue", "command"],
            registry=self.registry,
        )
        worker.engine.observe_venue_calls(
            lambda venue, command, seconds: self.venue_seconds.labels(venue, command).observe(
                seconds
            )
        )
        self.registry.register(_WorkerCollector(worker))
        self._server: ThreadingHTTPServer | None = None
        worker.observe = self.observe

    def observe(self, what: str, seconds: float) -> None:
        """Record how long one ``tick`` or ``heartbeat`` took."""
        histogram = self.tick_seconds if what == "tick" else self.heartbeat_seconds
        histogram.observe(seconds)

    def healthy(self) -> bool:
        """Heartbeats on time: the last one less than a lease TTL ago."""
        worker = self.worker
        if not worker.heartbeats:
            return True  # starting
        age = worker.clock.monotonic() - worker.last_heartbeat
        return age < worker.ttl_seconds

    def ready(self) -> bool:
        """The first heartbeat claimed and resumed this worker's share, and it is healthy."""
        return self.worker.ready and self.healthy()

    def serve(self, *, port: int, host: str = "127.0.0.1") -> ThreadingHTTPServer:
        """Serve ``/metrics``, ``/healthz`` and ``/readyz`` in a thread (loopback only)."""
        if host not in ("127.0.0.1", "::1", "localhost"):
            raise ValueError(f"metrics host: expected a loopback address, received {host!r}")
        metrics = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
                if self.path == "/metrics":
                    body, status = generate_latest(metrics.registry), 200
                    kind = CONTENT_TYPE_LATEST
                elif self.path in ("/healthz", "/readyz"):
                    good = metrics.healthy() if self.path == "/healthz" else metrics.ready()
                    body, status = (b"ok\n", 200) if good else (b"not ok\n", 503)
                    kind = "text/plain; charset=utf-8"
                else:
                    body, status, kind = b"not found\n", 404, "text/plain; charset=utf-8"
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_args: Any) -> None:  # scrapes are not logged
                return

        server = ThreadingHTTPServer((host, port), Handler)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, name="metrics", daemon=True).start()
        self._server = server
        return server

    def close(self) -> None:
        """Stop serving."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None


class _WorkerCollector(Collector):
    """Reads the worker's counts at each scrape (nothing is kept in step by hand)."""

    def __init__(self, worker: LeaseHolder) -> None:
        self._worker = worker

    def collect(self) -> Iterator[Any]:
        worker = self._worker
        engine = worker.engine
        executors = GaugeMetricFamily(
            "lpexec_executors",
            "Executors this worker runs, by type and status.",
            labels=["type", "status"],
        )
        counts = Counter(
            (executor.type, executor.status.value) for executor in engine.live_executors()
        )
        for (kind, status), count in sorted(counts.items()):
            executors.add_metric([kind, status], count)
        yield executors
        intents = GaugeMetricFamily(
            "lpexec_intents", "This worker's open intents, by status.", labels=["status"]
        )
        queued, unknown = engine.intent_counts()
        intents.add_metric(["queued"], queued)
        intents.add_metric(["unknown"], unknown)
        yield intents
        yield GaugeMetricFamily(
            "lpexec_leases_held", "Executors leased to this worker.", value=worker.held
        )
        for name, value, text in (
            ("lpexec_lease_claims", worker.claimed, "Executors claimed by this worker."),
            ("lpexec_lease_releases", worker.released, "Executors handed over to rebalance."),
            ("lpexec_lease_losses", engine.leases_lost, "Leases lost (taken over or expired)."),
            ("lpexec_risk_rejections", engine.risk_rejections, "Creates the risk engine refused."),
        ):
            yield CounterMetricFamily(name, text, value=value)
        reconciliations = CounterMetricFamily(
            "lpexec_reconciliations",
            "Reconciliations of unknown outcomes, by result.",
            labels=["result"],
        )
        for result in ("landed", "not_landed", "unknown", "error"):
            reconciliations.add_metric([result], engine.reconciliations.get(result, 0))
        yield reconciliations
        age = worker.clock.monotonic() - worker.last_heartbeat if worker.heartbeats else 0
        yield GaugeMetricFamily(
            "lpexec_heartbeat_age_seconds", "Seconds since the last heartbeat.", value=age
        )
        policies = getattr(worker, "policy_counts", None)
        if policies is not None:  # a daemon sharing its policies
            held, claims, releases, losses = policies()
            yield GaugeMetricFamily(
                "lpexec_controllers_held", "Controllers (policies) leased here.", value=held
            )
            for name, value, text in (
                ("lpexec_controller_claims", claims, "Controllers claimed here."),
                ("lpexec_controller_releases", releases, "Controllers handed over."),
                ("lpexec_controller_losses", losses, "Controller leases lost."),
            ):
                yield CounterMetricFamily(name, text, value=value)
