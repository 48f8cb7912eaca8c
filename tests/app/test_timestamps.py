"""Every output writes a time one way: ISO 8601, UTC, ``Z``."""

from __future__ import annotations

import datetime as dt

import pydantic

from lpexec.app.timestamps import utc_text


def test_a_time_is_written_in_utc_with_a_z_as_pydantic_writes_it():
    aware = dt.datetime(2026, 12, 2, 23, 6, 51, 250000, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    whole = dt.datetime(2026, 12, 2, 21, 6, 51, tzinfo=dt.UTC)
    adapter = pydantic.TypeAdapter(dt.datetime)
    assert utc_text(aware) == "2026-12-02T21:06:51.250000Z"
    assert utc_text(whole) == "2026-12-02T21:06:51Z"
    assert utc_text(whole.replace(tzinfo=None)) == "2026-12-02T21:06:51Z"  # naive: UTC
    assert utc_text(aware, timespec="seconds") == "2026-12-02T21:06:51Z"
    for value in (aware, whole):
        assert adapter.dump_python(value.astimezone(dt.UTC), mode="json") == utc_text(value)
