"""What a worker (:mod:`lpexec.app.worker`) and a daemon sharing its policies
(:mod:`lpexec.app.daemon_leases`) share as holders of executor leases: the check of their TTL
and heartbeat settings, and the clock, TTL and count of leases their health checks and metrics
read (:mod:`lpexec.app.metrics`).
"""

from __future__ import annotations

from lpexec.core import ConfigError
from lpexec.core.clock import Clock
from lpexec.core.store import Fence

__all__ = ["LeaseHolder", "check_lease_timing"]


def check_lease_timing(ttl_seconds: float, heartbeat_seconds: float, **seconds: float) -> None:
    """Check a TTL, a heartbeat and any other durations (``seconds``, by field name): each a
    positive number of seconds, in that order, then the heartbeat at most half the TTL (a lease
    is lost when two heartbeats in a row are late).

    Raises:
        ConfigError: naming the first field that is wrong, its value and what was expected.
    """
    every = {"ttl_seconds": ttl_seconds, "heartbeat_seconds": heartbeat_seconds, **seconds}
    for name, value in every.items():
        if not value > 0:
            raise ConfigError(f"{name}: expected a positive number of seconds, received {value}")
    if heartbeat_seconds * 2 > ttl_seconds:
        raise ConfigError(
            f"heartbeat_seconds: expected at most half of ttl_seconds ({ttl_seconds}), "
            f"received {heartbeat_seconds}"
        )


class LeaseHolder:
    """A process holding executor leases through :attr:`fence` (its engine store's fence)."""

    fence: Fence

    @property
    def held(self) -> int:
        """How many executors this process holds now."""
        return len(self.fence.tokens)

    @property
    def clock(self) -> Clock:
        """The live clock the leases measure."""
        return self.fence.clock

    @property
    def ttl_seconds(self) -> float:
        """How long a lease lasts without renewal."""
        return self.fence.ttl_seconds
