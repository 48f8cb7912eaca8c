"""The balances of the paper exchange's account, per asset.

Rules:

- Each asset has a ``total`` and a ``reserved`` part; ``available = total - reserved``.
- Placing an order reserves what it may spend; a fill spends from the reservation; a cancel or the
  end of an order releases what is left. On perpetual markets the quote asset is collateral:
  positions keep their margin reserved, and a realized loss is withdrawn from what is available
  (see :mod:`lpexec.paper.exchange.positions`).
- No posting may make a total, a reserved or an available amount negative: such a posting raises
  :class:`~lpexec.paper.exchange.errors.BalanceError` (a bug) and changes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from lpexec.core.money import ZERO
from lpexec.paper.exchange.errors import BalanceError

__all__ = ["Balance", "Balances"]


@dataclass(frozen=True, slots=True)
class Balance:
    """One asset's balance: ``total`` owned, of which ``reserved`` is held by open orders."""

    total: Decimal
    reserved: Decimal = ZERO

    @property
    def available(self) -> Decimal:
        """Return what new orders can still reserve."""
        return self.total - self.reserved


class Balances:
    """Balances per asset with reservations; never negative.

    Example:
        >>> balances = Balances({"USDC": Decimal("100")})
        >>> balances.reserve("USDC", Decimal("40"))
        >>> balances.get("USDC").available
        Decimal('60')
    """

    def __init__(self, initial: Mapping[str, Decimal] | None = None) -> None:
        self._balances: dict[str, Balance] = {}
        for asset, amount in (initial or {}).items():
            self.deposit(asset, amount)

    def get(self, asset: str) -> Balance:
        """Return the balance of ``asset`` (zero when never seen)."""
        balance = self._balances.get(asset)
        return Balance(ZERO) if balance is None else balance

    def snapshot(self) -> dict[str, Balance]:
        """Return every asset's balance, sorted by asset."""
        return dict(sorted(self._balances.items()))

    def deposit(self, asset: str, amount: Decimal) -> None:
        """Add ``amount`` (not negative) to the total of ``asset``."""
        self._require_non_negative(amount, asset=asset, field="deposit")
        balance = self.get(asset)
        self._balances[asset] = Balance(balance.total + amount, balance.reserved)

    def reserve(self, asset: str, amount: Decimal) -> None:
        """Hold ``amount`` of ``asset`` for an order; it must be available."""
        self._require_non_negative(amount, asset=asset, field="reservation")
        balance = self.get(asset)
        if amount > balance.available:
            raise BalanceError(
                f"Expected a reservation of at most the available {balance.available} {asset}, "
                f"received {amount}"
            )
        self._balances[asset] = Balance(balance.total, balance.reserved + amount)

    def release(self, asset: str, amount: Decimal) -> None:
        """Return ``amount`` of the reservation of ``asset`` to available."""
        self._require_non_negative(amount, asset=asset, field="release")
        balance = self.get(asset)
        if amount > balance.reserved:
            raise BalanceError(
                f"Expected a release of at most the reserved {balance.reserved} {asset}, "
                f"received {amount}"
            )
        self._balances[asset] = Balance(balance.total, balance.reserved - amount)

    def spend_reserved(self, asset: str, amount: Decimal) -> None:
        """Pay ``amount`` of ``asset`` out of its reservation (total and reserved both drop)."""
        self._require_non_negative(amount, asset=asset, field="release")
        balance = self.get(asset)
        if amount > balance.reserved:
            raise BalanceError(
                f"Expected a release of at most the reserved {balance.reserved} {asset}, "
                f"received {amount}"
            )
        # release, then pay out of the total: one new balance
        self._balances[asset] = Balance(balance.total - amount, balance.reserved - amount)

    def withdraw(self, asset: str, amount: Decimal) -> None:
        """Pay ``amount`` of ``asset`` out of what is available (not reserved)."""
        self._require_non_negative(amount, asset=asset, field="withdrawal")
        balance = self.get(asset)
        if amount > balance.available:
            raise BalanceError(
                f"Expected a withdrawal of at most the available {balance.available} {asset}, "
                f"received {amount}"
            )
        self._balances[asset] = Balance(balance.total - amount, balance.reserved)

    def restore(self, asset: str, balance: Balance) -> None:
        """Put back a saved balance of ``asset`` (persistence); it must not be negative."""
        if balance.total < ZERO or not ZERO <= balance.reserved <= balance.total:
            raise BalanceError(
                f"Expected 0 <= reserved <= total for {asset}, received total {balance.total} "
                f"reserved {balance.reserved}"
            )
        self._balances[asset] = balance

    def _require_non_negative(self, amount: Decimal, *, asset: str, field: str) -> None:
        if amount < ZERO:
            raise BalanceError(f"Expected a non-negative {field} of {asset}, received {amount}")
