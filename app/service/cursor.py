"""Opaque search cursors: where the next page starts, bound to the search that made it.

A cursor carries the last row of a page (its creation time and id, a keyset) and a fingerprint
of the search (its filters and the caller's scope), signed with a key the store keeps
(HMAC-SHA256), so a cursor that was altered, made up, or made by another search is refused
instead of silently starting again at page 1.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json

from lpexec.core import ConfigError
from lpexec.core.store import ExecutorQuery, SearchAnchor

__all__ = ["CursorCodec", "fingerprint"]

_TAG_BYTES = 16


def fingerprint(query: ExecutorQuery) -> str:
    """A short digest of a search's filters (values sorted: their order does not matter)."""
    canonical = json.dumps(
        {name: _canonical(getattr(query, name)) for name in query.__dataclass_fields__},
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def _canonical(value: object) -> object:
    """A filter's value in a form whose order does not matter (tuples as sorted lists)."""
    if isinstance(value, tuple):
        return sorted(set(value))
    return value


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class CursorCodec:
    """Makes and reads cursors with one signing key."""

    def __init__(self, key: bytes) -> None:
        if len(key) < 16:
            raise ConfigError(f"cursor key: expected at least 16 bytes, received {len(key)}")
        self._key = key

    def encode(self, anchor: SearchAnchor, search: str) -> str:
        """The cursor of the page after ``anchor`` in the search ``search`` (a fingerprint)."""
        payload = json.dumps(
            [anchor.created_at.isoformat(), anchor.executor_id, search], separators=(",", ":")
        ).encode()
        return f"{_b64(payload)}.{_b64(self._tag(payload))}"

    def decode(self, cursor: str, search: str) -> SearchAnchor:
        """The anchor ``cursor`` carries.

        Raises:
            ConfigError: the cursor is malformed, altered, or from another search.
        """
        refused = ConfigError(
            f"cursor: unknown cursor {cursor[:80]!r}; expected the next_cursor of the previous "
            "page of the same search (same filters), or no cursor for the first page"
        )
        try:
            body, tag = cursor.split(".")
            payload = _unb64(body)
            if not hmac.compare_digest(_unb64(tag), self._tag(payload)):
                raise refused
            created_at, executor_id, made_by = json.loads(payload)
            anchor = SearchAnchor(dt.datetime.fromisoformat(created_at), str(executor_id))
        except (ValueError, TypeError):
            raise refused from None
        if made_by != search:
            raise ConfigError(
                "cursor: this cursor belongs to a search with other filters; expected the "
                "next_cursor of the previous page of this search"
            )
        return anchor

    def _tag(self, payload: bytes) -> bytes:
        return hmac.new(self._key, payload, hashlib.sha256).digest()[:_TAG_BYTES]
