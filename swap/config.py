"""``SwapExecutorConfig``: one token swap, strictly validated.

Percentages are ratios (``slippage_pct=0.01`` is 1 %); the Gateway client converts at the
boundary. ``keep_position`` is always true: the swapped tokens stay in the wallet.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Literal

from pydantic import AliasChoices, Field, field_validator, model_validator

from lpexec.core import ExecutorConfig, Exposure
from lpexec.core.config import TradingPairTokens
from lpexec.swap.quotes import DEFAULT_SLIPPAGE

__all__ = ["SWAP_PROVIDER_PATTERN", "SwapExecutorConfig"]

SWAP_PROVIDER_PATTERN = r"^[a-z0-9-]+/(router|clmm|amm)$"
"""A Gateway connector as ``name/type``: ``jupiter/router``, ``meteora/clmm``, ``raydium/amm``."""


class SwapExecutorConfig(TradingPairTokens, ExecutorConfig):
    """One swap of ``amount`` base, quoted on every provider and executed through the best.

    Attributes:
        connector: the network, e.g. ``solana-mainnet-beta``.
        swap_provider: the configured provider (also accepted as ``connector_name``); it wins
            ties.
        swap_providers: more providers to compare, e.g. ``("meteora/clmm", "raydium/clmm")``.
        trading_pair: ``BASE-QUOTE`` in symbols or mints.
        side: SELL (pay base, receive quote) or BUY (receive base, pay quote).
        amount: the base amount sold or bought.
        slippage_pct: a ratio (0.01 = 1 %); None means 1 %. It sets the minimum quote received
            (SELL) or the maximum quote paid (BUY) from the chosen quote.
        pool_address: the pool a single-pool provider (``meteora/clmm``) swaps in; None lets
            Gateway pick the pool listed for the pair.
        max_quote_age_seconds: a quote older than this when the swap is sent is renewed first.
        max_attempts: quote rounds and sends that certainly did not go out, before FAILED.
        native_token: the token network fees are paid in.
        keep_position: always True (the tokens stay in the wallet); False is refused.
    """

    type = "swap"

    connector: str = Field(default="solana-mainnet-beta", min_length=1)
    swap_provider: str = Field(
        default="jupiter/router",
        pattern=SWAP_PROVIDER_PATTERN,
        validation_alias=AliasChoices("swap_provider", "connector_name"),
    )
    swap_providers: tuple[str, ...] = ()
    trading_pair: str = Field(pattern=r"^[^-\s]+-[^-\s]+$")
    side: Literal["BUY", "SELL"]
    amount: Decimal = Field(gt=0, allow_inf_nan=False)
    slippage_pct: Decimal | None = Field(default=None, ge=0, le=Decimal("0.5"))
    pool_address: str | None = Field(default=None, min_length=1)
    max_quote_age_seconds: float = Field(default=10.0, ge=0)
    max_attempts: int = Field(default=3, ge=1)
    native_token: str = Field(default="SOL", min_length=1)
    keep_position: bool = True

    @field_validator("side", mode="before")
    @classmethod
    def _side_upper(cls, value: object) -> object:
        return value.strip().upper() if isinstance(value, str) else value

    @field_validator("swap_providers", mode="before")
    @classmethod
    def _providers_list(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @field_validator("swap_providers")
    @classmethod
    def _providers_named(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for provider in value:
            if not re.fullmatch(SWAP_PROVIDER_PATTERN, provider):
                raise ValueError(
                    "expected providers as name/type (e.g. meteora/clmm), received "
                    f"swap_providers={list(value)}"
                )
        return value

    @model_validator(mode="after")
    def _consistent(self) -> SwapExecutorConfig:
        if not self.keep_position:
            raise ValueError(
                "keep_position: a swap always keeps its tokens in the wallet, expected True, "
                "received False"
            )
        base, quote = self.trading_pair.split("-", 1)
        if base == quote:
            raise ValueError(
                f"trading_pair: expected two different tokens, received {self.trading_pair!r}"
            )
        return self

    @property
    def providers(self) -> tuple[str, ...]:
        """Every provider to compare, the configured one first, without repeats."""
        return tuple(dict.fromkeys((self.swap_provider, *self.swap_providers)))

    @property
    def slippage(self) -> Decimal:
        """The slippage ratio in force (the default when none is set)."""
        return DEFAULT_SLIPPAGE if self.slippage_pct is None else self.slippage_pct

    def exposure(self) -> Exposure:
        """What the swap moves: ``amount`` base, valued at the pair's price."""
        return Exposure(trading_pair=self.trading_pair, base_amount=self.amount)

    def price_keys(self) -> frozenset[str]:
        """The pair, and the native token's pair when fees need pricing."""
        native = self.native_token
        if native in (self.base_token, self.quote_token):
            return frozenset({self.trading_pair})
        return frozenset({self.trading_pair, f"{native}-{self.quote_token}"})
