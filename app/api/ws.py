"""The WebSocket ``/ws/executors``: subscriptions pushed when their data changes.

Auth: ``?token=`` (an API token, or ``base64(user:password)`` as the stock client sends) or an
``Authorization`` header. On failure the server sends ``{"type": "error", "message"}`` and closes
with code 4001; on success ``{"type": "connected", "connection_id"}``.

Client messages: ``{"action": "subscribe", "type", "update_interval" (0.5 to 60 s), ...}``,
``{"action": "unsubscribe", "subscription_id"}``, ``{"action": "ping"}``. Server messages:
``subscribed``, ``unsubscribed``, ``pong``, ``heartbeat`` (every 30 s), ``error``, and the pushes
``{"type": T, "subscription_id", "data"}`` (``executors`` adds ``total_count``).

Each subscription reads its data from the service every ``update_interval`` seconds, as the
connection's caller (so a scoped token sees only its controller), and pushes it when it differs
from the last push. Its first push follows its ``subscribed`` answer at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from fastapi import WebSocket, WebSocketDisconnect
from pydantic import BaseModel

from lpexec.app.api.auth import ApiAuth, AuthError
from lpexec.app.api.errors import error_message, http_status_of
from lpexec.app.api.routes import search_response
from lpexec.app.service.contract import Caller, ExecutorServicePort, SearchFilters

__all__ = ["AUTH_FAILED_CLOSE_CODE", "HEARTBEAT_SECONDS", "SUBSCRIPTION_TYPES", "executors_socket"]

logger = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 30.0
AUTH_FAILED_CLOSE_CODE = 4001
MAX_SUBSCRIPTIONS = 32
MIN_INTERVAL, MAX_INTERVAL = 0.5, 60.0

SUBSCRIPTION_TYPES = (
    "executors",
    "executor_detail",
    "executor_summary",
    "performance",
    "positions",
    "executor_logs",
)
"""What can be subscribed to (``all_bots_status`` is answered with an error: no bots here)."""

_FILTER_FIELDS = {
    "status": "statuses",
    "controller_id": "controller_ids",
    "connector_name": "connector_names",
    "trading_pair": "trading_pairs",
    "executor_type": "executor_types",
    "account_name": "account_names",
}


class SubscribeError(ValueError):
    """Raised when a subscribe message cannot be served; its message is sent back."""


Reader = Callable[[], Awaitable[dict[str, Any]]]
"""Reads one subscription's push (``data`` and any extra keys) from the service."""


def reader_for(service: ExecutorServicePort, caller: Caller, message: Mapping[str, Any]) -> Reader:
    """The reader of a subscribe message's data.

    Raises:
        SubscribeError: unknown type, missing or malformed field.
    """
    kind = message.get("type")
    if kind == "all_bots_status":
        raise SubscribeError("type: all_bots_status is not available: lpexec runs no bots")
    builder = _READERS.get(kind) if isinstance(kind, str) else None
    if builder is None:
        raise SubscribeError(
            f"type: expected one of {', '.join(SUBSCRIPTION_TYPES)}, received {kind!r}"
        )
    return builder(service, caller, message)


def _detail_reader(
    service: ExecutorServicePort, caller: Caller, message: Mapping[str, Any]
) -> Reader:
    executor_id = _executor_id_of(message)

    async def detail() -> dict[str, Any]:
        report = await service.get(executor_id, caller=caller)
        return {"data": _dump(report)}

    return detail


def _summary_reader(
    service: ExecutorServicePort, caller: Caller, _message: Mapping[str, Any]
) -> Reader:
    async def summary() -> dict[str, Any]:
        found = await service.summary(caller=caller)
        return {"data": _dump(found)}

    return summary


def _performance_reader(
    service: ExecutorServicePort, caller: Caller, message: Mapping[str, Any]
) -> Reader:
    controller_id = _optional_str(message, "controller_id")

    async def performance() -> dict[str, Any]:
        report = await service.performance(caller=caller, controller_id=controller_id)
        return {"data": _dump(report)}

    return performance


def _positions_reader(
    service: ExecutorServicePort, caller: Caller, message: Mapping[str, Any]
) -> Reader:
    controller_id = _optional_str(message, "controller_id")

    async def positions() -> dict[str, Any]:
        found = await service.positions_summary(caller=caller, controller_id=controller_id)
        return {"data": _dump(found)}

    return positions


def _executor_id_of(message: Mapping[str, Any]) -> str:
    executor_id = message.get("executor_id")
    if not isinstance(executor_id, str) or not executor_id:
        raise SubscribeError(f"executor_id: expected an executor id, received {executor_id!r}")
    return executor_id


def _executors_reader(
    service: ExecutorServicePort, caller: Caller, message: Mapping[str, Any]
) -> Reader:
    filters_given = message.get("filters") or {}
    if not isinstance(filters_given, Mapping):
        raise SubscribeError(f"filters: expected an object, received {filters_given!r}")
    unknown = sorted(set(filters_given) - set(_FILTER_FIELDS))
    if unknown:
        raise SubscribeError(
            f"filters: unknown key(s) {unknown}; expected some of {sorted(_FILTER_FIELDS)}"
        )
    values: dict[str, list[str] | None] = {}
    for key, field in _FILTER_FIELDS.items():
        given = filters_given.get(key)
        if given is None:
            values[field] = None
        elif isinstance(given, str):
            values[field] = [given]
        elif isinstance(given, list) and all(isinstance(item, str) for item in given):
            values[field] = list(given)
        else:
            raise SubscribeError(
                f"filters.{key}: expected a string or a list of strings, received {given!r}"
            )
    filters = SearchFilters(**values)
    limit = _int_in(message, "limit", default=100, low=1, high=1000)

    async def executors() -> dict[str, Any]:
        page = await service.search(filters, caller=caller, cursor=None, limit=limit)
        response = search_response(page)
        return {
            "data": [_dump(row) for row in response.data],
            "total_count": response.pagination.total_count,
        }

    return executors


def _logs_reader(
    service: ExecutorServicePort, caller: Caller, message: Mapping[str, Any]
) -> Reader:
    executor_id = _executor_id_of(message)
    level = _optional_str(message, "level")
    limit = _int_in(message, "limit", default=100, low=1, high=1000)

    async def logs() -> dict[str, Any]:
        page = await service.logs(executor_id, caller=caller, level=level, limit=limit)
        return {"data": _dump(page)}

    return logs


_READERS: dict[str, Callable[[ExecutorServicePort, Caller, Mapping[str, Any]], Reader]] = {
    "executors": _executors_reader,
    "executor_detail": _detail_reader,
    "executor_summary": _summary_reader,
    "performance": _performance_reader,
    "positions": _positions_reader,
    "executor_logs": _logs_reader,
}


def _optional_str(message: Mapping[str, Any], key: str) -> str | None:
    value = message.get(key)
    if value is not None and not isinstance(value, str):
        raise SubscribeError(f"{key}: expected a string, received {value!r}")
    return value


def _int_in(message: Mapping[str, Any], key: str, *, default: int, low: int, high: int) -> int:
    value = message.get(key, default)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise SubscribeError(f"{key}: expected an integer from {low} to {high}, received {value!r}")
    return value


def _interval_of(message: Mapping[str, Any]) -> float:
    value = message.get("update_interval", 2.0)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise SubscribeError(f"update_interval: expected seconds, received {value!r}")
    if not MIN_INTERVAL <= value <= MAX_INTERVAL:
        raise SubscribeError(
            f"update_interval: expected {MIN_INTERVAL} to {MAX_INTERVAL} seconds, received {value}"
        )
    return float(value)


def _dump(model: BaseModel) -> dict[str, Any]:
    return model.model_dump(mode="json")


@dataclass
class _Subscription:
    subscription_id: str
    kind: str
    task: asyncio.Task[None]


class _Connection:
    """One authenticated WebSocket: its subscriptions, its heartbeat, one writer at a time."""

    def __init__(
        self,
        websocket: WebSocket,
        *,
        service: ExecutorServicePort,
        caller: Caller,
        heartbeat_seconds: float,
    ) -> None:
        self.websocket = websocket
        self.service = service
        self.caller = caller
        self.heartbeat_seconds = heartbeat_seconds
        self.subscriptions: dict[str, _Subscription] = {}
        self._send_lock = asyncio.Lock()

    async def send(self, message: dict[str, Any]) -> None:
        async with self._send_lock:
            await self.websocket.send_text(json.dumps(message, separators=(",", ":")))

    async def serve(self) -> None:
        heartbeat = asyncio.create_task(self._heartbeat())
        try:
            while True:
                message = await self.websocket.receive()
                if message["type"] == "websocket.disconnect":
                    break
                text = message.get("text")
                if text is None:  # a binary frame: read as UTF-8 JSON too
                    text = (message.get("bytes") or b"").decode("utf-8", errors="replace")
                await self._handle(text)
        except WebSocketDisconnect:
            pass
        finally:
            heartbeat.cancel()
            for subscription in self.subscriptions.values():
                subscription.task.cancel()
            tasks = [heartbeat, *(s.task for s in self.subscriptions.values())]
            await asyncio.gather(*tasks, return_exceptions=True)

    async def _handle(self, text: str) -> None:
        try:
            message = json.loads(text)
        except ValueError:
            await self.send({"type": "error", "message": "expected a JSON object"})
            return
        if not isinstance(message, dict):
            await self.send({"type": "error", "message": "expected a JSON object"})
            return
        action = message.get("action")
        if action == "ping":
            await self.send({"type": "pong"})
        elif action == "subscribe":
            await self._subscribe(message)
        elif action == "unsubscribe":
            await self._unsubscribe(message.get("subscription_id"))
        else:
            await self.send(
                {
                    "type": "error",
                    "message": "action: expected subscribe, unsubscribe or ping, "
                    f"received {action!r}",
                }
            )

    async def _subscribe(self, message: dict[str, Any]) -> None:
        try:
            if len(self.subscriptions) >= MAX_SUBSCRIPTIONS:
                raise SubscribeError(f"at most {MAX_SUBSCRIPTIONS} subscriptions per connection")
            interval = _interval_of(message)
            reader = reader_for(self.service, self.caller, message)
            first = await reader()
        except SubscribeError as e:
            await self.send({"type": "error", "message": str(e)})
            return
        except Exception as e:
            if http_status_of(e) is None:
                raise
            await self.send({"type": "error", "message": error_message(e)})
            return
        kind = str(message["type"])
        subscription_id = secrets.token_hex(8)
        await self.send({"type": "subscribed", "subscription_id": subscription_id})
        task = asyncio.create_task(self._push_loop(subscription_id, kind, reader, first, interval))
        self.subscriptions[subscription_id] = _Subscription(subscription_id, kind, task)

    async def _unsubscribe(self, subscription_id: object) -> None:
        subscription = (
            self.subscriptions.pop(subscription_id, None)
            if isinstance(subscription_id, str)
            else None
        )
        if subscription is None:
            await self.send(
                {
                    "type": "error",
                    "message": f"subscription_id: expected one of this connection's "
                    f"subscriptions, received {subscription_id!r}",
                }
            )
            return
        subscription.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await subscription.task
        await self.send({"type": "unsubscribed", "subscription_id": subscription_id})

    async def _push_loop(
        self,
        subscription_id: str,
        kind: str,
        reader: Reader,
        first: dict[str, Any],
        interval: float,
    ) -> None:
        pushed: str | None = None
        failed: str | None = None
        payload: dict[str, Any] | None = first
        while True:
            if payload is not None:
                text = json.dumps(payload, sort_keys=True, default=str)
                if text != pushed:
                    await self.send({"type": kind, "subscription_id": subscription_id, **payload})
                    pushed = text
            await asyncio.sleep(interval)
            try:
                payload = await reader()
                failed = None
            except Exception as e:
                if http_status_of(e) is None:
                    logger.exception("subscription %s (%s) failed to read", subscription_id, kind)
                payload = None
                message = error_message(e)
                if message != failed:  # said once, not at every interval
                    failed = message
                    await self.send(
                        {"type": "error", "subscription_id": subscription_id, "message": message}
                    )

    async def _heartbeat(self) -> None:
        while True:
            await asyncio.sleep(self.heartbeat_seconds)
            await self.send({"type": "heartbeat"})


async def executors_socket(websocket: WebSocket) -> None:
    """Serve one ``/ws/executors`` connection (see the module docstring)."""
    auth: ApiAuth = websocket.app.state.auth
    await websocket.accept()
    try:
        caller = _caller_of(websocket, auth)
    except AuthError as e:
        await websocket.send_text(json.dumps({"type": "error", "message": str(e)}))
        await websocket.close(code=AUTH_FAILED_CLOSE_CODE)
        return
    connection = _Connection(
        websocket,
        service=websocket.app.state.service,
        caller=caller,
        heartbeat_seconds=websocket.app.state.heartbeat_seconds,
    )
    await connection.send(
        {
            "type": "connected",
            "connection_id": secrets.token_hex(8),
            "controller_id": caller.controller_id,
            "subscription_types": list(SUBSCRIPTION_TYPES),
        }
    )
    await connection.serve()


def _caller_of(websocket: WebSocket, auth: ApiAuth) -> Caller:
    token = websocket.query_params.get("token")
    if token:
        return auth.caller_from_query_token(token)
    return auth.caller_from_header(websocket.headers.get("authorization"))
