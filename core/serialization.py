"""JSON-safe encoding of events and commands for the journal and the intents table."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from pydantic import TypeAdapter

from lpexec.core.messages import message_class, message_name

__all__ = ["decode_message", "dumps", "encode_message", "encode_outcome", "loads"]


_ADAPTERS: dict[type, TypeAdapter[Any]] = {}


def _adapter(cls: type) -> TypeAdapter[Any]:
    adapter = _ADAPTERS.get(cls)
    if adapter is None:
        adapter = _ADAPTERS[cls] = TypeAdapter(cls)
    return adapter


def encode_message(message: object) -> dict[str, Any]:
    """Return ``{"kind": name, "data": {...}}`` with Decimals as strings and datetimes as ISO."""
    # The serializer TypeAdapter.dump_python calls, without its wrapper (the engine encodes
    # every outcome it records).
    data = _adapter(type(message)).serializer.to_python(message, mode="json")
    return {"kind": message_name(message), "data": data}


def encode_outcome(events: Iterable[object]) -> dict[str, Any]:
    """The stored outcome of an intent: ``{"events": [...]}``, each event encoded."""
    return {"events": [encode_message(event) for event in events]}


def decode_message(payload: dict[str, Any]) -> Any:
    """Rebuild a message from :func:`encode_message` output."""
    cls = message_class(payload["kind"])
    return _adapter(cls).validate_python(payload["data"])


def dumps(value: Any) -> str:
    """Serialize JSON-safe data compactly and deterministically."""
    return json.dumps(value, separators=(",", ":"), sort_keys=True)


def loads(text: str) -> Any:
    """Parse JSON text."""
    return json.loads(text)
