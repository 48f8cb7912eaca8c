"""The engine: owns all I/O around pure executors.

It feeds executors events, records every write as an **intent** before sending it, carries commands
out through ports, turns outcomes into events, and persists each change (state snapshot, journal
entry, intents) in one transaction before the next I/O. A crash at any point is recovered on
:meth:`Engine.start`: PENDING intents are sent, SENT/UNKNOWN intents are reconciled through the
port (never re-sent blindly), and executors that cannot be rebuilt are listed as stranded.

Each write gets an :class:`~core.evidence.Evidence` kept on its intent: what the adapter learns
while sending (a pending signature, balances before) is durable before the outcome is known, and
``reconcile(command, evidence)`` decides an unknown outcome from it in whichever process runs
next. An outcome still unknown ``unknown_budget_seconds`` after it became unknown is EXPIRED: the
executor gets ``CommandFailed(code="outcome_unknown")`` (and strands, listed and actionable);
:meth:`Engine.retry` reopens it.

Modules, each one concern, composed by the facade:

- ``engine``: :class:`Engine`, the facade: start and resume, create and stop, publish and tick,
  drain, reads; :class:`ResumeReport`.
- ``dispatch``: apply events and persist each change in one transaction; :class:`StateChanged`.
- ``outbox``: carry commands out: intents, evidence, unknown outcomes and their budget,
  reconciliation, re-sends under one intent, failures.
- ``scheduler``: run the queues (in order per executor, executors in parallel) and the tasks a
  bounded drain leaves in flight.
- ``routing``: subscriptions by price key, executors with timers, the last price of each pair.
- ``registry``: executor types, executors by id, restoring and reading stored ones.
"""

from lpexec.core.engine.dispatch import StateChanged
from lpexec.core.engine.engine import Engine, ResumeReport

__all__ = ["Engine", "ResumeReport", "StateChanged"]
