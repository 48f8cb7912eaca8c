"""Structured logs: one JSON object per line, with the ids a record carries.

``lpexec worker --log-format json`` (and ``lpexec daemon --log-format json``) installs
:class:`JsonLogFormatter` on the root logger's handlers. A record's ``extra`` ids
(``worker_id``, ``executor_id``, ``executor_ids``, ``controller_id``, ``controller_ids``,
``intent_id``) become fields of their own, so logs filter by executor, policy or worker without
parsing messages. Nothing secret is logged: URLs are redacted where they are formatted
(``core.store.redact_url``) and tokens never reach a log call.
"""

from __future__ import annotations

import datetime as dt
import json
import logging

from lpexec.app.timestamps import utc_text

__all__ = ["ID_FIELDS", "JsonLogFormatter", "use_json_logs"]

ID_FIELDS = (
    "worker_id",
    "executor_id",
    "executor_ids",
    "controller_id",
    "controller_ids",
    "intent_id",
)
"""The ``extra`` fields a JSON log line carries when a record has them."""


class JsonLogFormatter(logging.Formatter):
    """Format a record as one JSON line: time (UTC), level, logger, message, ids, exception."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "ts": utc_text(
                dt.datetime.fromtimestamp(record.created, dt.UTC), timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in ID_FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                line[name] = sorted(value) if isinstance(value, set | frozenset) else value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str)


def use_json_logs() -> None:
    """Format every handler of the root logger as :class:`JsonLogFormatter`."""
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig()
    for handler in root.handlers:
        handler.setFormatter(JsonLogFormatter())
