"""The one way every output of lpexec writes a time: ISO 8601 in UTC with a ``Z``, as the REST
API's JSON does (``2026-12-02T23:06:51Z``)."""

from __future__ import annotations

import datetime as dt

__all__ = ["utc_text"]


def utc_text(value: dt.datetime, *, timespec: str = "auto") -> str:
    """``value`` in UTC as ISO 8601 ending in ``Z``; a naive time is taken as UTC (the store
    and the clocks keep UTC). ``timespec`` as :meth:`datetime.isoformat` (``auto``: sub-second
    digits only when there are some)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    text = value.astimezone(dt.UTC).replace(tzinfo=None).isoformat(timespec=timespec)
    return f"{text}Z"
