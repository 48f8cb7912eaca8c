"""Retry policy: which failures are retried, how long to wait, and the tenacity wiring.

Only reads are retried. Writes (anything that sends a transaction) get exactly one attempt
whatever the failure, because Gateway has no idempotency key: after a failed write the caller
must re-query state (poll, positions, balances) before acting again.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt

from ._constants import (
    DEFAULT_INITIAL_RETRY_WAIT,
    DEFAULT_MAX_RETRIES,
    DEFAULT_MAX_RETRY_AFTER,
    DEFAULT_MAX_RETRY_WAIT,
)
from ._exceptions import GatewayUnavailableError, InvalidRequestError, RateLimitedError

__all__ = ["RetryPolicy", "build_retrying", "call_with_retries", "retry_wait", "should_retry"]

T = TypeVar("T")

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True, kw_only=True)
class RetryPolicy:
    """How reads are retried. ``max_retries=0`` turns retries off."""

    max_retries: int = DEFAULT_MAX_RETRIES
    """Retries after the first attempt (2 -> 3 attempts in all)."""
    initial_wait: float = DEFAULT_INITIAL_RETRY_WAIT
    """Seconds before the first retry; doubled for each later retry."""
    max_wait: float = DEFAULT_MAX_RETRY_WAIT
    """Cap of the exponential backoff, in seconds."""
    max_retry_after: float = DEFAULT_MAX_RETRY_AFTER
    """A ``retry-after`` longer than this is not waited for: the error is raised instead."""

    def __post_init__(self) -> None:
        checks = (
            ("max_retries", self.max_retries, "an integer >= 0"),
            ("initial_wait", self.initial_wait, "a number of seconds >= 0"),
            ("max_wait", self.max_wait, "a number of seconds >= 0"),
            ("max_retry_after", self.max_retry_after, "a number of seconds >= 0"),
        )
        for name, value, expected in checks:
            if value < 0:
                raise InvalidRequestError(
                    f"Expected {name} to be {expected}, received {name}={value!r}", fields=(name,)
                )


def should_retry(error: BaseException) -> bool:
    """Return whether a failed read may be retried.

    Args:
        error: The exception raised by the attempt (already mapped to our classes).

    Returns:
        True for transient failures (connection errors, timeouts, 5xx, 429), else False.
    """
    return isinstance(error, GatewayUnavailableError | RateLimitedError)


def retry_wait(
    attempt: int,
    retry_after: float | None,
    *,
    policy: RetryPolicy,
    jitter: float,
) -> float:
    """Return the seconds to wait before retry number ``attempt``.

    Args:
        attempt: 1 for the wait after the first failed attempt, 2 after the second, ...
        retry_after: The server's ``retry-after`` hint in seconds, if any; honoured as is.
        policy: Backoff settings.
        jitter: A number in [0, 1); the backoff is shortened by up to 25 % of itself.

    Returns:
        The wait in seconds (never negative).
    """
    if retry_after is not None:
        return max(0.0, retry_after)
    backoff = min(policy.max_wait, policy.initial_wait * 2.0 ** max(0, attempt - 1))
    return max(0.0, backoff * (1.0 - 0.25 * jitter))


def _retry_after_of(error: BaseException | None) -> float | None:
    return error.retry_after if isinstance(error, RateLimitedError) else None


def _is_retryable(policy: RetryPolicy) -> Callable[[BaseException], bool]:
    def check(error: BaseException) -> bool:
        if not should_retry(error):
            return False
        retry_after = _retry_after_of(error)
        return retry_after is None or retry_after <= policy.max_retry_after

    return check


def _log_retry(error: BaseException | None, attempt: int, attempts: int, seconds: float) -> None:
    logger.info(
        "Retrying Gateway read after %s (attempt %i of %i, waiting %.2f s)",
        type(error).__name__,
        attempt,
        attempts,
        seconds,
    )


def build_retrying(
    policy: RetryPolicy,
    *,
    attempts: int,
    sleep: Callable[[float], Awaitable[None]],
    random_fraction: Callable[[], float] = random.random,
    attempts_before: int = 0,
) -> AsyncRetrying:
    """Build the tenacity controller for (the rest of) one request.

    Args:
        policy: Retry settings of the client.
        attempts: Attempts this controller may make.
        sleep: Awaitable sleep (the client's clock), so tests never really wait.
        random_fraction: Source of jitter in [0, 1).
        attempts_before: Attempts already made outside the controller (numbering and waits
            continue from there).

    Returns:
        An ``AsyncRetrying`` that re-raises the last error when it gives up.
    """
    total = attempts + attempts_before

    def wait(state: RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome is not None else None
        return retry_wait(
            state.attempt_number + attempts_before,
            _retry_after_of(error),
            policy=policy,
            jitter=random_fraction(),
        )

    def log_retry(state: RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome is not None else None
        seconds = state.next_action.sleep if state.next_action is not None else 0.0
        _log_retry(error, state.attempt_number + attempts_before, total, seconds)

    return AsyncRetrying(
        stop=stop_after_attempt(attempts),
        retry=retry_if_exception(_is_retryable(policy)),
        wait=wait,
        sleep=sleep,
        before_sleep=log_retry,
        reraise=True,
    )


async def call_with_retries(
    send: Callable[[], Awaitable[T]],
    *,
    policy: RetryPolicy,
    is_write: bool,
    sleep: Callable[[float], Awaitable[None]],
    random_fraction: Callable[[], float] = random.random,
) -> T:
    """Run ``send`` under the retry policy and return its result.

    The first attempt runs bare, so a request that succeeds (the usual case) pays nothing for
    the retry machinery; when it fails with a retryable error, tenacity drives the remaining
    attempts with the same waits and numbering.

    Args:
        send: Makes one attempt; raises our mapped exceptions.
        policy: Retry settings (reads only).
        is_write: Writes get exactly one attempt, whatever the error.
        sleep: Awaitable sleep of the client's clock.
        random_fraction: Source of jitter in [0, 1).

    Returns:
        What ``send`` returned.

    Raises:
        GatewayError: The last attempt's error when retries are exhausted or not allowed.
    """
    attempts = 1 if is_write else policy.max_retries + 1
    try:
        return await send()
    except Exception as error:
        if attempts == 1 or not _is_retryable(policy)(error):
            raise
        seconds = retry_wait(1, _retry_after_of(error), policy=policy, jitter=random_fraction())
        _log_retry(error, 1, attempts, seconds)
    await sleep(seconds)
    retrying = build_retrying(
        policy,
        attempts=attempts - 1,
        sleep=sleep,
        random_fraction=random_fraction,
        attempts_before=1,
    )
    async for attempt in retrying:
        with attempt:
            return await send()
    raise AssertionError("unreachable: tenacity re-raises the last error")  # pragma: no cover
