"""The REST API and WebSocket over the executor service (hummingbot-api's executor routes).

``create_app(service, auth)`` builds the FastAPI application; :class:`ApiAuth` checks
credentials (API tokens from :class:`TokenStore`, HTTP Basic only when configured);
:class:`RuntimeDriver` drives the runtimes while it serves (``lpexec serve``).
"""

from lpexec.app.api.app import create_app
from lpexec.app.api.auth import ApiAuth, ApiSettings, AuthError
from lpexec.app.api.driver import RuntimeDriver
from lpexec.app.api.tokens import TokenInfo, TokenStore

__all__ = [
    "ApiAuth",
    "ApiSettings",
    "AuthError",
    "RuntimeDriver",
    "TokenInfo",
    "TokenStore",
    "create_app",
]
