"""Base classes: strict request models, tolerant response models, the write-result shape."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, model_validator
from pydantic.alias_generators import to_camel

from gateway_client._types import TransactionStatus

__all__ = [
    "FeeCorrection",
    "GatewayModel",
    "GatewayRequest",
    "LooseText",
    "TransactionResult",
]


class GatewayRequest(BaseModel):
    """Strict request model: unknown fields are rejected, snake_case in, camelCase on the wire."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        alias_generator=to_camel,
        populate_by_name=True,
        use_enum_values=True,
        str_strip_whitespace=True,
    )

    @model_validator(mode="before")
    @classmethod
    def _reject_floats(cls, data: Any) -> Any:
        if isinstance(data, dict):
            for name, value in data.items():
                if isinstance(value, float):
                    raise ValueError(
                        f"Expected a Decimal, int or decimal string for {name}, received float "
                        f"{value!r} (floats are not accepted on money paths)"
                    )
        return data

    def to_wire(self) -> dict[str, Any]:
        """Return the payload as sent: camelCase keys, ``None`` fields left out."""
        return self.model_dump(by_alias=True, exclude_none=True)


class GatewayModel(BaseModel):
    """Tolerant response model: unknown fields are ignored, amounts accept numbers or strings."""

    model_config = ConfigDict(
        extra="ignore",
        frozen=True,
        alias_generator=to_camel,
        populate_by_name=True,
    )


def _to_text(value: Any) -> Any:
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int | float | Decimal):
        return str(value)
    return value


LooseText = Annotated[str | None, BeforeValidator(_to_text)]
"""A value Gateway types as ``any`` (e.g. ``liquidity``): numbers are kept as their text."""


class TransactionResult(GatewayModel):
    """Common shape of every write response: ``{signature, status, data?}``.

    ``data`` is kept only when ``status`` is CONFIRMED (Gateway documents it that way; a FAILED
    result may carry zeroed data, which is dropped).
    """

    signature: str
    """Solana signature (base58) or EVM transaction hash of the last transaction sent."""
    status: TransactionStatus
    """CONFIRMED (1), PENDING (0) or FAILED (-1)."""

    @model_validator(mode="before")
    @classmethod
    def _data_only_when_confirmed(cls, data: Any) -> Any:
        if isinstance(data, dict) and "data" in data:
            status = data.get("status")
            confirmed = status == TransactionStatus.CONFIRMED or status == "1"
            if not confirmed:
                data = {key: value for key, value in data.items() if key != "data"}
        return data

    @property
    def is_confirmed(self) -> bool:
        """Whether the transaction is confirmed."""
        return self.status == TransactionStatus.CONFIRMED

    @property
    def is_pending(self) -> bool:
        """Whether the outcome is still open: poll with ``wait_for_confirmation``."""
        return self.status == TransactionStatus.PENDING


class FeeCorrection(GatewayModel):
    """Mixin for write data that reports a network ``fee`` (SOL or native gas token).

    Meteora (and the unified routes when they use Meteora) compute ``fee`` as ``meta.fee`` plus
    the priority fee again, so the priority fee is counted twice. ``fee`` is always the raw value;
    :meth:`corrected_fee` removes the double count when the client marked the data as affected.
    """

    fee: Decimal | None = None
    """Network fee as reported by Gateway (raw; see ``fee_double_counts_priority_fee``)."""
    fee_double_counts_priority_fee: bool = False
    """Set by the client from the connector quirk table (not a wire field)."""

    def corrected_fee(self, *, priority_fee: Decimal) -> Decimal | None:
        """Return the fee actually paid.

        Args:
            priority_fee: The priority fee of the transaction in the fee token: compute-unit price
                times compute units consumed (see ``estimate_priority_fee``). Ignored when the
                fee is not double counted.

        Returns:
            ``fee - priority_fee`` (never below 0) for affected connectors, else ``fee``.
        """
        if self.fee is None or not self.fee_double_counts_priority_fee:
            return self.fee
        return max(Decimal(0), self.fee - priority_fee)
