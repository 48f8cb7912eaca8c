"""The API application: ``create_app(service, auth)``.

Routes: ``/executors...`` (:mod:`lpexec.app.api.routes`), the WebSocket ``/ws/executors``
(:mod:`lpexec.app.api.ws`), ``/health`` and the public ``/openapi.json`` and ``/docs``.
"""

from __future__ import annotations

from fastapi import FastAPI
from pydantic import BaseModel

from lpexec.app.api.auth import ApiAuth
from lpexec.app.api.errors import install_error_handlers
from lpexec.app.api.routes import executors_router
from lpexec.app.api.ws import HEARTBEAT_SECONDS, executors_socket
from lpexec.app.service.contract import ExecutorServicePort

__all__ = ["create_app"]


class Health(BaseModel):
    """The service answers."""

    status: str


def create_app(
    service: ExecutorServicePort,
    auth: ApiAuth,
    *,
    heartbeat_seconds: float = HEARTBEAT_SECONDS,
) -> FastAPI:
    """The REST API and WebSocket over ``service``, with ``auth`` checking every call.

    Args:
        service: every executor use case (``lpexec.app.service.ExecutorService``).
        auth: who may call (tokens, configured Basic credentials).
        heartbeat_seconds: how often the WebSocket sends ``{"type": "heartbeat"}``.

    Example:
        >>> app = create_app(service, ApiAuth(TokenStore(database)))
        >>> uvicorn.run(app, host="127.0.0.1", port=8000)
    """
    app = FastAPI(
        title="lpexec",
        summary="Executors (LP, swap, order, position, grid) with hummingbot-api's routes.",
        version="1",
    )
    app.state.service = service
    app.state.auth = auth
    app.state.heartbeat_seconds = heartbeat_seconds
    install_error_handlers(app)
    app.include_router(executors_router)
    app.add_api_websocket_route("/ws/executors", executors_socket)

    @app.get("/health", response_model=Health, tags=["health"])
    async def health() -> Health:
        """Always ``ok`` while the process serves (no credentials needed)."""
        return Health(status="ok")

    return app
