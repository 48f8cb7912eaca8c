"""Configuration from the environment (``LPEXEC_*``) with sensible defaults.

Secrets (client key passphrase, bearer token) are ``SecretStr`` so they never print.
"""

from __future__ import annotations

from pathlib import Path

import platformdirs
from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from lpexec.core import ConfigError, RiskEngine, RiskLimits

__all__ = [
    "PAPER_EXCHANGE_STATE",
    "PAPER_GATEWAY_STATE",
    "Settings",
    "data_file",
    "default_database_url",
]

PAPER_GATEWAY_STATE = "paper-gateway.json"
"""The paper chain's state file name in the user data directory."""
PAPER_EXCHANGE_STATE = "paper-exchange.json"
"""The paper exchange's state file name in the user data directory."""


def data_file(name: str) -> Path:
    """A file in the user's data directory (the directory is created on first use)."""
    folder = Path(platformdirs.user_data_dir("lpexec", appauthor=False))
    folder.mkdir(parents=True, exist_ok=True)
    return folder / name


def default_database_url() -> str:
    """SQLite file in the user's data directory (created on first use)."""
    return f"sqlite:///{data_file('lpexec.db')}"


class Settings(BaseSettings):
    """Everything the CLI and the daemon read from the environment.

    Attributes:
        database_url: the store (``LPEXEC_DATABASE_URL``); SQLite in the user data dir by default,
            ``postgresql+psycopg://...`` for several workers.
        gateway_url: a real Hummingbot Gateway (``LPEXEC_GATEWAY_URL``); unset means the in-process
            paper Gateway.
        gateway_client_cert, gateway_client_key, gateway_ca_cert: mutual TLS files.
        gateway_token: bearer token for Gateway >= 2.15.
        wallet_address: the wallet to act for on a real Gateway.
        solana_rpc_url: a Solana JSON-RPC endpoint (``LPEXEC_SOLANA_RPC_URL``), read for the
            signature history of a position or wallet when a write's answer was lost; without it
            such outcomes are settled from positions and balances only (costs flagged estimated)
            or stay unknown until their budget ends.
        unknown_budget_seconds: how long an outcome may stay unknown before its executor is
            stranded with the reason (``LPEXEC_UNKNOWN_BUDGET_SECONDS``).
        gateway_rate_limit_per_minute: requests per minute a process sends to a real Gateway
            (``LPEXEC_GATEWAY_RATE_LIMIT_PER_MINUTE``; Gateway allows 100); 0: no limit (a paper
            Gateway served over HTTP).
        risk_limits: the risk engine's limits for the CLI's creates, as JSON
            (``LPEXEC_RISK_LIMITS='{"max_open_executors": 5, "max_single_order_quote": "1000"}'``);
            checked against every executor open in the store. Unset: no limits.
    """

    model_config = SettingsConfigDict(env_prefix="LPEXEC_", extra="ignore")

    database_url: str | None = None
    gateway_url: str | None = None
    gateway_client_cert: Path | None = None
    gateway_client_key: Path | None = None
    gateway_ca_cert: Path | None = None
    gateway_token: SecretStr | None = None
    wallet_address: str | None = None
    solana_rpc_url: str | None = None
    unknown_budget_seconds: float = 900.0
    gateway_rate_limit_per_minute: int = Field(default=100, ge=0)
    risk_limits: dict[str, str | int] | None = None
    log_level: str = "WARNING"

    def risk_engine(self) -> RiskEngine | None:
        """The risk engine of :attr:`risk_limits` (None without limits).

        Raises:
            ConfigError: an unknown limit name or a bad value (named in the message).
        """
        if not self.risk_limits:
            return None
        try:
            return RiskEngine(RiskLimits.from_mapping(self.risk_limits))
        except ConfigError as error:
            raise ConfigError(f"LPEXEC_RISK_LIMITS: {error}") from None

    def resolved_database_url(self) -> str:
        """The configured database URL, or the default SQLite file."""
        return self.database_url or default_database_url()
