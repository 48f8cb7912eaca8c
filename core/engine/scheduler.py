"""Running the outbox's queues: one executor's commands in order, executors in parallel.

An unbounded run waits for every command. A bounded run (``max_wait`` real seconds) runs each
executor's queue as a task and stops waiting at the deadline: a venue call still unanswered goes
on **in flight**, holding only its own executor, and its outcome is applied when it arrives; the
next run starts the other executors' new commands, so one slow or hung write never stalls the rest.
"""

from __future__ import annotations

import asyncio
import logging
from functools import partial

from lpexec.core.engine.outbox import Outbox

__all__ = ["Scheduler"]

logger = logging.getLogger(__name__)


class Scheduler:
    """Runs queued commands and keeps the tasks a bounded run leaves in flight.

    Attributes:
        inflight: the task running each executor's commands in the background, by executor id.
    """

    def __init__(self, outbox: Outbox) -> None:
        self._outbox = outbox
        self.inflight: dict[str, asyncio.Task[None]] = {}

    async def run_ready(self, max_wait: float | None = None) -> None:
        """Send every queued command; wait at most ``max_wait`` seconds when it is given."""
        if max_wait is not None:
            await self._run_in_background(max_wait)
            return
        if self.inflight:  # left running by a bounded run: this one waits for everything
            await asyncio.gather(*self.inflight.values())
        outbox = self._outbox
        while ready := outbox.ready():
            if len(ready) == 1:  # the common case: no tasks to schedule
                await outbox.send_queued(ready[0])
            else:
                await asyncio.gather(*(outbox.send_queued(executor_id) for executor_id in ready))

    async def _run_in_background(self, max_wait: float) -> None:
        """Run every ready queue as a task (one per executor) and wait at most ``max_wait``."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + max_wait
        while True:
            for executor_id in self._outbox.ready():
                if executor_id not in self.inflight:
                    task = loop.create_task(self._outbox.send_queued(executor_id))
                    self.inflight[executor_id] = task
                    task.add_done_callback(partial(self._task_done, executor_id))
            remaining = deadline - loop.time()
            if not self.inflight or remaining <= 0:
                return
            await asyncio.wait(
                list(self.inflight.values()),
                timeout=remaining,
                return_when=asyncio.FIRST_COMPLETED,
            )

    def _task_done(self, executor_id: str, task: asyncio.Task[None]) -> None:
        if self.inflight.get(executor_id) is task:
            del self.inflight[executor_id]
        if not task.cancelled() and task.exception() is not None:
            logger.error("commands of %s raised", executor_id, exc_info=task.exception())

    async def wait_inflight(self) -> None:
        """Wait for the tasks in flight to finish."""
        while self.inflight:
            await asyncio.gather(*self.inflight.values(), return_exceptions=True)

    def cancel(self, executor_id: str) -> None:
        """Stop waiting for one executor's venue call (its executor was dropped); its intent
        stays SENT for the next holder to reconcile."""
        task = self.inflight.pop(executor_id, None)
        if task is not None:
            task.cancel()

    async def cancel_inflight(self) -> None:
        """Cancel the tasks in flight and wait for them to end."""
        tasks = list(self.inflight.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
