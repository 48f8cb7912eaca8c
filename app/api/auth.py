"""Who is calling: bearer tokens, HTTP Basic only with configured credentials, no defaults.

Accepted credentials, in an ``Authorization`` header (or, on the WebSocket, ``?token=``):

- ``Bearer <token>``: an API token (:mod:`lpexec.app.api.tokens`), operator or scoped to one
  controller.
- ``Basic`` with the username and password configured in ``LPEXEC_API_USERNAME`` /
  ``LPEXEC_API_PASSWORD`` (both or neither): the operator. Nothing is configured by default, so
  ``admin:admin`` is refused unless someone set exactly that.
- ``Basic`` with ``username=<controller_id>`` and ``password=<token>`` of a token scoped to that
  controller (so the stock hummingbot-api-client, which always sends Basic, can run scoped); an
  operator token is accepted with any username.

Secrets are compared in constant time. Anything else is an :class:`AuthError` (401).
"""

from __future__ import annotations

import base64
import binascii
import hmac

from pydantic import SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from lpexec.app.api.tokens import TOKEN_PREFIX, TokenStore
from lpexec.app.service.contract import Caller

__all__ = ["WWW_AUTHENTICATE", "ApiAuth", "ApiSettings", "AuthError"]

WWW_AUTHENTICATE = 'Bearer realm="lpexec", Basic realm="lpexec"'
"""The challenge sent with every 401."""


class AuthError(Exception):
    """Raised when a request carries no credentials or credentials that are not valid."""


class ApiSettings(BaseSettings):
    """The API's own settings, from the environment (``LPEXEC_API_*``).

    Attributes:
        username, password: HTTP Basic credentials of the operator; both or neither, none by
            default.
    """

    model_config = SettingsConfigDict(env_prefix="LPEXEC_API_", extra="ignore")

    username: str | None = None
    password: SecretStr | None = None

    @model_validator(mode="after")
    def _both_or_neither(self) -> ApiSettings:
        if (self.username is None) != (self.password is None):
            given, missing = (
                ("LPEXEC_API_USERNAME", "LPEXEC_API_PASSWORD")
                if self.username is not None
                else ("LPEXEC_API_PASSWORD", "LPEXEC_API_USERNAME")
            )
            raise ValueError(f"{missing}: expected it to be set too, since {given} is set")
        if self.password is not None and not self.password.get_secret_value():
            raise ValueError("LPEXEC_API_PASSWORD: expected a non-empty password, received ''")
        return self


class ApiAuth:
    """Turns credentials into a :class:`Caller`.

    Args:
        tokens: the token store.
        username, password: the configured Basic credentials (None: Basic only with tokens).
    """

    def __init__(
        self,
        tokens: TokenStore,
        *,
        username: str | None = None,
        password: SecretStr | None = None,
    ) -> None:
        if (username is None) != (password is None):
            raise ValueError("ApiAuth: expected both username and password, or neither")
        self.tokens = tokens
        self._username = username.encode() if username is not None else None
        self._password = password.get_secret_value().encode() if password is not None else None

    @classmethod
    def from_settings(cls, tokens: TokenStore, settings: ApiSettings | None = None) -> ApiAuth:
        """Auth with the Basic credentials of ``settings`` (read from the environment if None)."""
        settings = settings or ApiSettings()
        return cls(tokens, username=settings.username, password=settings.password)

    def caller_from_header(self, authorization: str | None) -> Caller:
        """The caller of an ``Authorization`` header value.

        Raises:
            AuthError: missing, malformed or invalid credentials.
        """
        if not authorization:
            raise AuthError("credentials required: send a Bearer token or HTTP Basic")
        scheme, _, value = authorization.strip().partition(" ")
        scheme = scheme.lower()
        if scheme == "bearer":
            return self._caller_from_token(value.strip())
        if scheme == "basic":
            return self._caller_from_basic(value.strip())
        raise AuthError(f"Authorization: expected the Bearer or Basic scheme, received {scheme!r}")

    def caller_from_query_token(self, token: str) -> Caller:
        """The caller of a WebSocket ``?token=``: an API token or ``base64(user:password)``.

        Raises:
            AuthError: invalid credentials.
        """
        if token.startswith(TOKEN_PREFIX):
            return self._caller_from_token(token)
        return self._caller_from_basic(token)

    def _caller_from_token(self, token: str) -> Caller:
        info = self.tokens.verify(token)
        if info is None:
            raise AuthError("invalid or revoked token")
        return Caller(controller_id=info.controller_id)

    def _caller_from_basic(self, encoded: str) -> Caller:
        try:
            decoded = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            raise AuthError("Basic credentials: expected base64 of username:password") from None
        username, colon, password = decoded.partition(b":")
        if not colon:
            raise AuthError("Basic credentials: expected base64 of username:password")
        if self._matches_configured(username, password):
            return Caller()
        try:
            token = password.decode("ascii")
        except UnicodeDecodeError:
            raise AuthError("invalid username or password") from None
        info = self.tokens.verify(token)
        if info is None:
            raise AuthError("invalid username or password")
        if info.controller_id is not None and not hmac.compare_digest(
            username, info.controller_id.encode()
        ):
            raise AuthError("invalid username or password")
        return Caller(controller_id=info.controller_id)

    def _matches_configured(self, username: bytes, password: bytes) -> bool:
        if self._username is None or self._password is None:
            return False
        # Both compared every time, so the answer's timing says nothing about which one failed.
        user_ok = hmac.compare_digest(username, self._username)
        password_ok = hmac.compare_digest(password, self._password)
        return user_ok and password_ok
