"""Held positions: what executors leave behind when they end with ``keep_position=True``.

Fills are netted per :class:`HeldPositionKey` with average-cost accounting:

- a fill in the direction of the position (or on a flat one) grows it, and the average entry
  price becomes the size-weighted average of the old average and the fill price;
- a fill against the position closes ``matched = min(fill size, position size)`` and realizes
  ``(fill price - average) x matched`` for a long, ``(average - fill price) x matched`` for a short;
  the average is unchanged, any remainder opens the other side at the fill price, and an exact
  close leaves size 0 and average 0.

Fees are kept apart from realized P&L and subtracted in ``net_pnl_quote``. Arithmetic runs in a
fixed decimal context (:data:`LEDGER_PRECISION` significant digits, half-even), so rounding is the
same wherever the ledger runs.

A new executor can take over a held position with :meth:`HeldPositionsLedger.pick_up`: the amount
leaves the ledger at its average cost, without realizing P&L, as a fill record the executor starts
from.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_EVEN, Context, Decimal, localcontext
from typing import Any, Literal, TypeAlias

from lpexec.core.errors import ConfigError
from lpexec.core.money import ZERO

__all__ = [
    "LEDGER_PRECISION",
    "HeldFill",
    "HeldPosition",
    "HeldPositionKey",
    "HeldPositionSummary",
    "HeldPositionsLedger",
    "TradeSide",
]

TradeSide: TypeAlias = Literal["BUY", "SELL"]

LEDGER_PRECISION = 40
"""Significant digits of the decimal context the ledger computes in."""

_CONTEXT = Context(prec=LEDGER_PRECISION, rounding=ROUND_HALF_EVEN)
_SIDES: tuple[str, ...] = ("BUY", "SELL")
_RECORD_VERSION = 1


def _decimal(name: str, value: object) -> Decimal:
    if type(value) is Decimal:
        amount = value  # what Decimal(value) returns for an exact Decimal
    elif isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise ConfigError(f"Expected {name} to be a Decimal, received {value!r}")
    else:
        amount = Decimal(value)
    if not amount.is_finite():
        raise ConfigError(f"Expected a finite {name}, received {name}={amount}")
    return amount


def _text(name: str, value: object) -> str:
    if not isinstance(value, str) or not value:
        raise ConfigError(f"Expected a non-empty {name}, received {value!r}")
    return value


def _side(name: str, value: object) -> TradeSide:
    if value == "BUY":
        return "BUY"
    if value == "SELL":
        return "SELL"
    raise ConfigError(f"Expected {name} to be 'BUY' or 'SELL', received {value!r}")


@dataclass(frozen=True, slots=True)
class HeldPositionKey:
    """Where a held position is bucketed.

    Attributes:
        controller_id: Controller that owns the position.
        connector: Venue connector name, e.g. ``"meteora/clmm"`` or ``"binance"``.
        trading_pair: Pair the position is in, e.g. ``"SOL-USDC"``.
        side: Only for hedge-mode perpetuals, which hold a long and a short apart; ``None`` keeps
            one net position per pair.
    """

    controller_id: str
    connector: str
    trading_pair: str
    side: TradeSide | None = None

    def __post_init__(self) -> None:
        _text("controller_id", self.controller_id)
        _text("connector", self.connector)
        _text("trading_pair", self.trading_pair)
        if self.side is not None:
            _side("side", self.side)

    def sort_key(self) -> tuple[str, str, str, str]:
        """Return a tuple that orders keys (controller, connector, pair, side)."""
        return (self.controller_id, self.connector, self.trading_pair, self.side or "")

    def __str__(self) -> str:
        side = "" if self.side is None else f"/{self.side}"
        return f"{self.controller_id}:{self.connector}:{self.trading_pair}{side}"


@dataclass(frozen=True, slots=True)
class HeldFill:
    """One fill handed to the ledger by an executor that kept its position.

    Attributes:
        fill_id: Unique id of the fill; a fill id already recorded is ignored.
        executor_id: Executor the fill belongs to.
        side: ``"BUY"`` or ``"SELL"`` of the base token.
        base_amount: Base filled, > 0; or 0 for a fee-only record (then ``quote_amount`` is 0).
        quote_amount: Quote paid (buy) or received (sell), >= 0, before fees.
        fee_quote: Fees in quote (may be negative for a rebate).
        ts: When the fill happened (timezone-aware).
    """

    fill_id: str
    executor_id: str
    side: TradeSide
    base_amount: Decimal
    quote_amount: Decimal
    fee_quote: Decimal
    ts: datetime

    def __post_init__(self) -> None:
        _text("fill_id", self.fill_id)
        _text("executor_id", self.executor_id)
        _side("side", self.side)
        for name in ("base_amount", "quote_amount", "fee_quote"):
            value = getattr(self, name)
            amount = _decimal(name, value)
            if amount is not value:
                object.__setattr__(self, name, amount)
        if self.base_amount < 0 or self.quote_amount < 0:
            raise ConfigError(
                f"Expected base_amount >= 0 and quote_amount >= 0 in fill {self.fill_id!r}, "
                f"received base_amount={self.base_amount} quote_amount={self.quote_amount}"
            )
        if self.base_amount == 0 and self.quote_amount != 0:
            raise ConfigError(
                f"Expected quote_amount=0 in fee-only fill {self.fill_id!r} (base_amount=0), "
                f"received quote_amount={self.quote_amount}"
            )
        if not isinstance(self.ts, datetime) or self.ts.utcoffset() is None:
            raise ConfigError(
                f"Expected a timezone-aware ts in fill {self.fill_id!r}, received {self.ts!r}"
            )

    @property
    def is_fee_only(self) -> bool:
        """Whether this record carries fees but no trade."""
        return self.base_amount == 0

    @property
    def price(self) -> Decimal:
        """Fill price in quote per base (0 for a fee-only record)."""
        if self.base_amount == 0:
            return ZERO
        return _CONTEXT.divide(self.quote_amount, self.base_amount)


@dataclass(frozen=True, slots=True)
class HeldPositionSummary:
    """A held position valued at a mid price.

    Attributes:
        key: The position's key.
        side: ``"BUY"`` for a long or flat position, ``"SELL"`` for a short.
        base_amount: Size of the position, >= 0.
        breakeven_price: Average entry price (0 when flat).
        mid_price: Price the position was valued at.
        cost_basis_quote: ``base_amount x breakeven_price``.
        value_quote: ``base_amount x mid_price``.
        realized_pnl_quote: P&L realized by closing fills, before fees.
        unrealized_pnl_quote: P&L of the open size at ``mid_price``, before fees.
        fees_quote: All fees recorded.
        net_pnl_quote: ``realized + unrealized - fees``.
        volume_quote: Quote traded by the recorded fills.
        executor_ids: Executors that contributed, in first-seen order.
    """

    key: HeldPositionKey
    side: TradeSide
    base_amount: Decimal
    breakeven_price: Decimal
    mid_price: Decimal
    cost_basis_quote: Decimal
    value_quote: Decimal
    realized_pnl_quote: Decimal
    unrealized_pnl_quote: Decimal
    fees_quote: Decimal
    net_pnl_quote: Decimal
    volume_quote: Decimal
    executor_ids: tuple[str, ...]


class HeldPosition:
    """One net held position with average-cost accounting.

    ``net_base`` is signed: > 0 long, < 0 short, 0 flat. Change it only through :meth:`apply`
    (fills) and :meth:`HeldPositionsLedger.pick_up` (transfers out).
    """

    def __init__(self, key: HeldPositionKey) -> None:
        if not isinstance(key, HeldPositionKey):
            raise ConfigError(f"Expected a HeldPositionKey, received {key!r}")
        self.key = key
        self.net_base = ZERO
        self.average_price = ZERO
        self.realized_pnl_quote = ZERO
        self.fees_quote = ZERO
        self.volume_quote = ZERO
        self.buy_base = ZERO
        self.buy_quote = ZERO
        self.sell_base = ZERO
        self.sell_quote = ZERO
        self.picked_up_base = ZERO
        self.picked_up_quote = ZERO
        self.pick_up_count = 0
        self.last_fill_at: datetime | None = None
        self._executor_ids: dict[str, None] = {}  # ordered set: first-seen order
        self._fill_ids: set[str] = set()

    def __repr__(self) -> str:
        return (
            f"HeldPosition(key={self.key}, net_base={self.net_base}, "
            f"average_price={self.average_price}, realized_pnl_quote={self.realized_pnl_quote})"
        )

    @property
    def executor_ids(self) -> tuple[str, ...]:
        """Executors whose fills were recorded, in first-seen order."""
        return tuple(self._executor_ids)

    @property
    def fill_ids(self) -> frozenset[str]:
        """Ids of every fill recorded."""
        return frozenset(self._fill_ids)

    @property
    def is_flat(self) -> bool:
        """Whether the position holds nothing."""
        return self.net_base == 0

    @property
    def side(self) -> TradeSide:
        """``"BUY"`` for a long or flat position, ``"SELL"`` for a short."""
        return "SELL" if self.net_base < 0 else "BUY"

    def has_fill(self, fill_id: str) -> bool:
        """Return whether a fill id was already recorded here."""
        return fill_id in self._fill_ids

    def apply(self, fill: HeldFill) -> bool:
        """Net one fill into the position.

        Args:
            fill: The fill to record.

        Returns:
            True if recorded; False, with nothing changed, if its ``fill_id`` was seen before.
        """
        if not isinstance(fill, HeldFill):
            raise ConfigError(f"Expected a HeldFill, received {fill!r}")
        if fill.fill_id in self._fill_ids:
            return False
        with localcontext(_CONTEXT):
            self._net(fill)
            self.fees_quote += fill.fee_quote
            self.volume_quote += fill.quote_amount
            if fill.side == "BUY":
                self.buy_base += fill.base_amount
                self.buy_quote += fill.quote_amount
            else:
                self.sell_base += fill.base_amount
                self.sell_quote += fill.quote_amount
        self._fill_ids.add(fill.fill_id)
        self._executor_ids.setdefault(fill.executor_id)
        if self.last_fill_at is None or fill.ts > self.last_fill_at:
            self.last_fill_at = fill.ts
        return True

    def _net(self, fill: HeldFill) -> None:
        base, quote = fill.base_amount, fill.quote_amount
        if base == 0:
            return
        direction = 1 if fill.side == "BUY" else -1
        size = abs(self.net_base)
        if self.net_base == 0 or (self.net_base > 0) == (direction > 0):
            self.average_price = (self.average_price * size + quote) / (size + base)
            self.net_base += direction * base
            return
        matched = min(base, size)
        # Quote of the matched part; the whole quote when the fill closes without flipping, so
        # a plain close realizes exactly quote - average x size.
        matched_quote = quote if matched == base else quote * matched / base
        cost = self.average_price * matched
        self.realized_pnl_quote += (
            matched_quote - cost if self.net_base > 0 else cost - matched_quote
        )
        remainder = base - matched
        if remainder > 0:
            self.net_base = direction * remainder
            self.average_price = quote / base
        else:
            self.net_base += direction * matched
            if self.net_base == 0:
                self.average_price = ZERO

    def unrealized_pnl(self, mid: Decimal) -> Decimal:
        """Return the P&L of the open size at ``mid`` (before fees).

        Raises:
            ConfigError: ``mid`` is not a finite price >= 0.
        """
        price = _mid(mid)
        with localcontext(_CONTEXT):
            return (price - self.average_price) * self.net_base

    def summary(self, mid: Decimal) -> HeldPositionSummary:
        """Return the position valued at ``mid``.

        Raises:
            ConfigError: ``mid`` is not a finite price >= 0.
        """
        price = _mid(mid)
        unrealized = self.unrealized_pnl(price)
        with localcontext(_CONTEXT):
            size = abs(self.net_base)
            return HeldPositionSummary(
                key=self.key,
                side=self.side,
                base_amount=size,
                breakeven_price=self.average_price,
                mid_price=price,
                cost_basis_quote=size * self.average_price,
                value_quote=size * price,
                realized_pnl_quote=self.realized_pnl_quote,
                unrealized_pnl_quote=unrealized,
                fees_quote=self.fees_quote,
                net_pnl_quote=self.realized_pnl_quote + unrealized - self.fees_quote,
                volume_quote=self.volume_quote,
                executor_ids=self.executor_ids,
            )

    def _take(self, base_amount: Decimal) -> Decimal:
        # Move base_amount out at the average cost; returns its cost. Realized P&L is untouched.
        with localcontext(_CONTEXT):
            cost = base_amount * self.average_price
            self.net_base -= base_amount if self.net_base > 0 else -base_amount
            self.picked_up_base += base_amount
            self.picked_up_quote += cost
            self.pick_up_count += 1
            if self.net_base == 0:
                self.average_price = ZERO
        return cost

    def to_record(self) -> dict[str, Any]:
        """Return a plain, JSON-ready dict (Decimals as strings) for persistence."""
        decimals = {name: str(getattr(self, name)) for name in _DECIMAL_FIELDS}
        return {
            "record_version": _RECORD_VERSION,
            "controller_id": self.key.controller_id,
            "connector": self.key.connector,
            "trading_pair": self.key.trading_pair,
            "side": self.key.side,
            **decimals,
            "pick_up_count": self.pick_up_count,
            "last_fill_at": None if self.last_fill_at is None else self.last_fill_at.isoformat(),
            "executor_ids": list(self._executor_ids),
            "fill_ids": sorted(self._fill_ids),
        }

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> HeldPosition:
        """Rebuild a position from :meth:`to_record` output.

        Raises:
            ConfigError: A field is missing or holds an unusable value.
        """
        try:
            version = record["record_version"]
            if version != _RECORD_VERSION:
                raise ConfigError(
                    f"Expected record_version {_RECORD_VERSION}, received {version!r}"
                )
            side = record["side"]
            key = HeldPositionKey(
                controller_id=record["controller_id"],
                connector=record["connector"],
                trading_pair=record["trading_pair"],
                side=None if side is None else _side("side", side),
            )
            position = cls(key)
            for name in _DECIMAL_FIELDS:
                setattr(position, name, _decimal_text(name, record[name]))
            count = record["pick_up_count"]
            if isinstance(count, bool) or not isinstance(count, int) or count < 0:
                raise ConfigError(f"Expected pick_up_count >= 0, received {count!r}")
            position.pick_up_count = count
            last = record["last_fill_at"]
            position.last_fill_at = None if last is None else _aware(last)
            position._executor_ids = dict.fromkeys(
                _text("executor_ids[]", e) for e in record["executor_ids"]
            )
            position._fill_ids = {_text("fill_ids[]", f) for f in record["fill_ids"]}
        except KeyError as e:
            raise ConfigError(f"Expected field {e.args[0]!r} in a held position record") from None
        return position


_DECIMAL_FIELDS: tuple[str, ...] = (
    "net_base",
    "average_price",
    "realized_pnl_quote",
    "fees_quote",
    "volume_quote",
    "buy_base",
    "buy_quote",
    "sell_base",
    "sell_quote",
    "picked_up_base",
    "picked_up_quote",
)


def _decimal_text(name: str, value: object) -> Decimal:
    if not isinstance(value, str):
        raise ConfigError(f"Expected {name} as a decimal string, received {value!r}")
    try:
        amount = Decimal(value)
    except ArithmeticError:
        raise ConfigError(f"Expected {name} as a decimal string, received {value!r}") from None
    return _decimal(name, amount)


def _aware(value: object) -> datetime:
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        raise ConfigError(f"Expected last_fill_at as an ISO time, received {value!r}") from None
    if moment.utcoffset() is None:
        raise ConfigError(f"Expected a timezone-aware last_fill_at, received {value!r}")
    return moment


def _mid(mid: object) -> Decimal:
    price = _decimal("mid", mid)
    if price < 0:
        raise ConfigError(f"Expected mid >= 0, received mid={price}")
    return price


class HeldPositionsLedger:
    """In-memory store of held positions, keyed by :class:`HeldPositionKey`.

    A fill id belongs to one position: recording it under a second key is refused.

    Example::

        ledger = HeldPositionsLedger()
        ledger.record(key, fill)
        summary = ledger.get(key).summary(Decimal("151"))
    """

    def __init__(self, positions: Iterable[HeldPosition] = ()) -> None:
        self._positions: dict[HeldPositionKey, HeldPosition] = {}
        self._fill_keys: dict[str, HeldPositionKey] = {}
        for position in positions:
            self.add(position)

    def __len__(self) -> int:
        return len(self._positions)

    def add(self, position: HeldPosition) -> None:
        """Add a position (e.g. one loaded with :meth:`HeldPosition.from_record`).

        Raises:
            ConfigError: The key is already held, or one of its fill ids is held elsewhere.
        """
        if position.key in self._positions:
            raise ConfigError(f"Expected a new held position key, received {position.key} again")
        for fill_id in position.fill_ids:
            other = self._fill_keys.get(fill_id)
            if other is not None:
                raise ConfigError(
                    f"Expected fill {fill_id!r} in one held position, "
                    f"received it in {other} and {position.key}"
                )
        self._positions[position.key] = position
        self._fill_keys.update(dict.fromkeys(position.fill_ids, position.key))

    def record(self, key: HeldPositionKey, fill: HeldFill) -> bool:
        """Net a fill into the position at ``key``, creating the position if needed.

        Returns:
            True if recorded; False if the fill id was already recorded under ``key``.

        Raises:
            ConfigError: The fill id was already recorded under another key.
        """
        return self.record_into(key, fill) is not None

    def record_into(self, key: HeldPositionKey, fill: HeldFill) -> HeldPosition | None:
        """:meth:`record`, returning the position the fill went into (None: already recorded).

        Raises:
            ConfigError: The fill id was already recorded under another key.
        """
        owner = self._fill_keys.get(fill.fill_id)
        if owner is not None and owner != key:
            raise ConfigError(
                f"Expected fill {fill.fill_id!r} for {key}, but it is already recorded in {owner}"
            )
        position = self._positions.get(key)
        if position is None:
            if owner is not None:
                return None  # a fill of a position that was cleared: never counted again
            position = self._positions[key] = HeldPosition(key)
        if not position.apply(fill):
            return None
        self._fill_keys[fill.fill_id] = key
        return position

    def remove(self, key: HeldPositionKey) -> HeldPosition | None:
        """Forget the position at ``key`` (an operator cleared it) and return it, or None.

        Its fills stay known: one delivered again is not counted into a new position. Fills
        recorded later under the key start a new position.
        """
        return self._positions.pop(key, None)

    def get(self, key: HeldPositionKey) -> HeldPosition | None:
        """Return the position at ``key``, or None if nothing was ever recorded there."""
        return self._positions.get(key)

    def positions(self, controller_id: str | None = None) -> list[HeldPosition]:
        """Return the positions, flat ones included, sorted by key; optionally of one controller."""
        return [
            position
            for key, position in sorted(self._positions.items(), key=lambda kv: kv[0].sort_key())
            if controller_id is None or key.controller_id == controller_id
        ]

    def to_records(self) -> list[dict[str, Any]]:
        """Return every position as :meth:`HeldPosition.to_record` dicts, sorted by key."""
        return [position.to_record() for position in self.positions()]

    def pick_up(
        self,
        key: HeldPositionKey,
        *,
        executor_id: str,
        base_amount: Decimal | None = None,
        ts: datetime | None = None,
    ) -> HeldFill:
        """Hand (part of) a held position over to a new executor.

        The amount leaves the position at its average cost; realized P&L, fees, volume and the
        buy/sell totals are unchanged. The returned record is a fill in the position's direction
        (BUY for a long, SELL for a short) of ``base_amount`` at the average price, with no fee;
        the new executor starts from it. Its id is ``"<executor_id>:pick-up:<key>:<n>"``.

        Args:
            key: The position to take from.
            executor_id: The executor taking it over.
            base_amount: How much base to take; None takes all of it.
            ts: Time of the transfer; defaults to the position's last fill time.

        Returns:
            The transfer record.

        Raises:
            ConfigError: Nothing is held at ``key``, or ``base_amount`` is <= 0 or more than held.
        """
        _text("executor_id", executor_id)
        position = self._positions.get(key)
        held = ZERO if position is None else abs(position.net_base)
        if position is None or held == 0:
            raise ConfigError(f"Expected a held position at {key} to pick up, received none held")
        amount = held if base_amount is None else _decimal("base_amount", base_amount)
        if amount <= 0 or amount > held:
            raise ConfigError(
                f"Expected 0 < base_amount <= {held} held at {key}, received base_amount={amount}"
            )
        when = ts if ts is not None else position.last_fill_at
        if when is None:
            raise ConfigError(f"Expected ts for the pick-up from {key}, received None")
        side = position.side
        price = position.average_price
        fill_id = f"{executor_id}:pick-up:{key}:{position.pick_up_count + 1}"
        record = HeldFill(
            fill_id=fill_id,
            executor_id=executor_id,
            side=side,
            base_amount=amount,
            quote_amount=_CONTEXT.multiply(amount, price),
            fee_quote=ZERO,
            ts=when,
        )
        position._take(amount)
        return record
