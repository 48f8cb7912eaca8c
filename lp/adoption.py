"""Adopting a position opened elsewhere: the command that reads it and the event that hands it to
an LP executor.

An executor whose config names ``adopt_position_address`` starts with :class:`AdoptPosition`
instead of :class:`~lpexec.lp.messages.OpenPosition`. Nothing is sent on chain: the venue reads the
position (range, amounts, unclaimed fees) and, when the chain's history is there, the transaction
that opened it. The command still goes through the outbox as a write so that it has an intent: a
process that stops before the answer takes the read up again when it resumes (reconciling an
adoption reads the position again; it never sends anything).

Accounting choice: the executor did not open the position, so the open's transaction fee and its
non-refundable BinArray rent are reported apart (``adopted_open_tx_fee_native``,
``adopted_rent_sunk_native``), never in the executor's costs or P&L; fees the position had earned
before the adoption are reported apart too (``base_fee_before``/``quote_fee_before``) and are not
the executor's earnings. The refundable position rent is capital locked either way: it counts as
the position's rent (``position_rent``) so that its refund at the close balances it, and
``adopted_position_rent_native`` says it was paid before the adoption. P&L runs from the adoption:
the deposit is what the position held then, valued at the pool price then.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar

from lpexec.core.messages import Command, register_message
from lpexec.lp.messages import PositionOpened

__all__ = ["AdoptPosition", "PositionAdopted"]


@register_message
@dataclass(frozen=True, slots=True, kw_only=True)
class AdoptPosition(Command):
    """Read an existing position of the wallet (opened elsewhere) to take it over."""

    port_method: ClassVar[str] = "adopt_position"

    position_address: str
    pool_address: str


@register_message
@dataclass(frozen=True, slots=True, kw_only=True)
class PositionAdopted(PositionOpened):
    """An existing position, as the chain shows it at the adoption.

    ``base_amount``/``quote_amount`` are what it holds now (the executor's deposit), ``tx_fee`` and
    ``rent_sunk`` are 0 (this executor paid neither), ``position_rent`` is the rent it holds.
    """

    open_tx_fee: Decimal = Decimal(0)
    """The fee of the transaction that opened it (paid before the adoption)."""
    open_rent_sunk: Decimal = Decimal(0)
    """The BinArray rent its open sank (paid before the adoption)."""
    base_fee_before: Decimal = Decimal(0)
    """Unclaimed base fees it had earned before the adoption."""
    quote_fee_before: Decimal = Decimal(0)
    """Unclaimed quote fees it had earned before the adoption."""
