"""API credentials, read from the environment by name, and the redaction that keeps them secret.

Keys are read from ``LPEXEC_<EXCHANGE>_API_KEY``, ``LPEXEC_<EXCHANGE>_SECRET`` and
``LPEXEC_<EXCHANGE>_PASSWORD`` (the passphrase some exchanges such as OKX ask for), where
``<EXCHANGE>`` is the ccxt exchange id in upper case (``LPEXEC_BINANCEUSDM_API_KEY``).

A secret never appears in a repr, a log record or an error: :class:`Credentials` prints masked,
and :class:`Redactor` masks the secrets (and request signatures, which are derived from them) in
any text before it leaves the adapter: ccxt's own request log and its exception messages go
through it.

Example:
    >>> creds = Credentials(api_key="k3y", secret="s3cret")
    >>> repr(creds)
    "Credentials(api_key='***', secret='***', password=None)"
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping, MutableMapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["MASK", "Credentials", "RedactingLogger", "Redactor", "env_names"]

MASK = "***"

# Values that are derived from the secret: a request signature in a query string or a body, and
# the signature / key headers (their values are also masked as secrets when they are one).
_SIGNED = re.compile(
    r"(?i)(signature|sign|ok-access-sign|ok-access-key|ok-access-passphrase|x-mbx-apikey|"
    r"x-bapi-api-key|x-bapi-sign)(['\"]?\s*[:=]\s*['\"]?)([^&'\",\s}]+)"
)


def env_names(exchange_id: str) -> tuple[str, str, str]:
    """The environment variable names holding an exchange's key, secret and password."""
    prefix = f"LPEXEC_{exchange_id.upper()}"
    return f"{prefix}_API_KEY", f"{prefix}_SECRET", f"{prefix}_PASSWORD"


@dataclass(frozen=True, slots=True)
class Credentials:
    """An exchange API key, its secret and (some exchanges) a password; printed masked."""

    api_key: str = field(repr=False)
    secret: str = field(repr=False)
    password: str | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        for name in ("api_key", "secret"):
            value = getattr(self, name)
            if not isinstance(value, str) or not value.strip():
                raise ValueError(f"{name}: expected a non-empty string, received an empty value")

    @classmethod
    def from_env(cls, exchange_id: str, environ: Mapping[str, str]) -> Credentials:
        """Read an exchange's credentials from ``environ`` (see the module docstring).

        Raises:
            ValueError: naming the variable that is missing (never its value).
        """
        key_name, secret_name, password_name = env_names(exchange_id)
        missing = [name for name in (key_name, secret_name) if not environ.get(name, "").strip()]
        if missing:
            raise ValueError(
                f"credentials for {exchange_id}: expected the environment variables "
                f"{' and '.join(missing)} to be set, received none"
            )
        return cls(
            api_key=environ[key_name].strip(),
            secret=environ[secret_name].strip(),
            password=environ.get(password_name, "").strip() or None,
        )

    def secrets(self) -> tuple[str, ...]:
        """Every secret value held (for redaction)."""
        return tuple(value for value in (self.api_key, self.secret, self.password) if value)

    def __repr__(self) -> str:
        password = None if self.password is None else MASK
        return f"Credentials(api_key={MASK!r}, secret={MASK!r}, password={password!r})"

    __str__ = __repr__


class Redactor:
    """Masks secrets, and request signatures derived from them, in text."""

    __slots__ = ("_secrets",)

    def __init__(self, secrets: Iterable[str]) -> None:
        # Longest first, so a secret containing another is masked whole.
        self._secrets = tuple(sorted({s for s in secrets if s}, key=len, reverse=True))

    def __call__(self, text: str) -> str:
        """Return ``text`` with every secret and signature masked."""
        for secret in self._secrets:
            text = text.replace(secret, MASK)
        return _SIGNED.sub(lambda match: f"{match[1]}{match[2]}{MASK}", text)

    def __repr__(self) -> str:
        return f"Redactor({len(self._secrets)} secrets)"


class RedactingLogger(logging.LoggerAdapter):  # type: ignore[type-arg]
    """A logger for ccxt's request and response records that masks secrets first.

    ccxt logs every request's headers at DEBUG (the API key header among them); this adapter
    formats each record and passes it on redacted to ``lpexec.venues.ccxt.http``.
    """

    def __init__(self, logger: logging.Logger, redactor: Redactor) -> None:
        super().__init__(logger, {})
        self._redact = redactor

    def log(self, level: int, msg: object, *args: Any, **kwargs: Any) -> None:
        """Log ``msg % args`` with every secret masked."""
        if not self.logger.isEnabledFor(level):
            return
        text = str(msg) % args if args else str(msg)
        kwargs.pop("exc_info", None)  # a traceback could carry the request; never attach it
        self.logger.log(level, "%s", self._redact(text), **kwargs)

    def process(self, msg: Any, kwargs: MutableMapping[str, Any]) -> tuple[Any, Any]:
        """Pass the message on unchanged (redaction happens in :meth:`log`)."""
        return msg, kwargs
