"""Default values for the client: timeouts, retries, backoff and rate limit."""

from __future__ import annotations

from decimal import Decimal
from typing import Final

DEFAULT_BASE_URL: Final = "http://localhost:15888"
"""Gateway's default address (``server.port`` 15888, dev mode is plain HTTP)."""

DEFAULT_READ_TIMEOUT: Final = 10.0
"""Seconds allowed for a read (GET routes and POST reads such as balances or poll)."""

DEFAULT_WRITE_TIMEOUT: Final = 90.0
"""Seconds allowed for a write: Gateway blocks until the transaction is confirmed."""

DEFAULT_CONNECT_TIMEOUT: Final = 5.0
"""Seconds allowed to open a connection, for reads and writes alike."""

DEFAULT_MAX_RETRIES: Final = 2
"""Retries after the first attempt of a read (so 3 attempts). Writes are never retried."""

DEFAULT_INITIAL_RETRY_WAIT: Final = 0.5
"""Seconds before the first retry; doubles on each further retry."""

DEFAULT_MAX_RETRY_WAIT: Final = 8.0
"""Cap in seconds of the exponential backoff."""

DEFAULT_MAX_RETRY_AFTER: Final = 60.0
"""Longest ``retry-after`` (seconds) honoured before giving up on a read."""

DEFAULT_RATE_LIMIT_PER_MINUTE: Final = 100
"""Gateway's global limit: 100 requests per minute per client IP (all routes except ``/``)."""

DEFAULT_POLL_INTERVAL: Final = 3.0
"""Seconds between two polls in ``wait_for_confirmation`` (stays far below the rate limit)."""

DEFAULT_SLIPPAGE: Final = Decimal("0.01")
"""Slippage ratio sent when a call does not give one (0.01 = 1 %, sent as ``slippagePct=1``)."""

DEFAULT_SOLANA_NETWORK: Final = "mainnet-beta"
DEFAULT_ETHEREUM_NETWORK: Final = "mainnet"

LAMPORTS_PER_SOL: Final = Decimal(1_000_000_000)
MICRO_LAMPORTS_PER_LAMPORT: Final = Decimal(1_000_000)
