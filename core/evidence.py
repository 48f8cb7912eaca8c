"""Evidence: what an adapter learns about one venue write, kept on the write's intent.

An adapter records facts while it sends (the signature of a pending transaction, the wallet's
balances before, the slot it sent at, a client order id) and while it reconciles (when it first
looked). Each :meth:`Evidence.record` is written to the store at once, before the outcome is
known, so whichever process restarts can decide the outcome from the same facts: adapters keep no
memory between calls.

Facts are JSON-safe values (str, int, bool, None, lists and dicts of them); amounts are stored as
strings and read back with :meth:`Evidence.decimal`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping
from decimal import Decimal
from typing import Any

__all__ = ["Evidence"]


class Evidence(Mapping[str, Any]):
    """The facts gathered about one write (read like a mapping, added to with ``record``).

    Args:
        facts: what earlier calls recorded (loaded from the intent).
        on_record: called with every fact recorded (the engine writes them to the intent).
    """

    __slots__ = ("_facts", "_on_record")

    def __init__(
        self,
        facts: Mapping[str, Any] | None = None,
        *,
        on_record: Callable[[dict[str, Any]], None] | None = None,
    ) -> None:
        self._facts: dict[str, Any] = dict(facts or {})
        self._on_record = on_record

    def record(self, **facts: Any) -> None:
        """Add facts (``None`` values are skipped) and make them durable before returning."""
        new = {key: _plain(value) for key, value in facts.items() if value is not None}
        if not new:
            return
        self._facts.update(new)
        if self._on_record is not None:
            self._on_record(new)

    def decimal(self, key: str) -> Decimal | None:
        """Return a recorded amount as a Decimal (None when absent)."""
        value = self._facts.get(key)
        return None if value is None else Decimal(str(value))

    def time(self, key: str) -> dt.datetime | None:
        """Return a recorded time (None when absent)."""
        value = self._facts.get(key)
        return None if value is None else dt.datetime.fromisoformat(value)

    def as_dict(self) -> dict[str, Any]:
        """A JSON-safe copy of every fact."""
        return dict(self._facts)

    def __getitem__(self, key: str) -> Any:
        return self._facts[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._facts)

    def __len__(self) -> int:
        return len(self._facts)

    def __repr__(self) -> str:
        return f"Evidence({self._facts!r})"


def _plain(value: Any) -> Any:
    """A JSON-safe form of ``value`` (Decimal as text, datetimes as ISO 8601)."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value
