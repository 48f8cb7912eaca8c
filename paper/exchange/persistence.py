"""Saving the paper exchange: its whole state as plain JSON data, and atomic files.

:meth:`PaperExchange.to_dict` builds the document from the codecs here and
:meth:`PaperExchange.from_dict` reads it back; ``from_dict(to_dict(x))`` behaves exactly like
``x`` from then on (same orders, fills, balances, positions, funding, counters and what the
current step can still fill), so a process killed at any point and restarted from its last
:meth:`PaperExchange.save` sees the venue's own ledger.

Encoding: every ``Decimal`` is its exact string (``str``), every time an ISO-8601 string with its
offset, enums by value; lists keep their order. The document carries ``format`` (:data:`FORMAT`);
another value is refused.

Files: :func:`write_json_atomic` writes a temporary file beside the target, flushes and fsyncs it,
renames it over the target (atomic on POSIX) and fsyncs the folder, so a crash leaves either the
old file or the new one, never a torn one.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import tempfile
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, TypeVar, cast

from lpexec.core.exchange import FundingPayment, TradingRules
from lpexec.paper.exchange.errors import ExchangeError, StateFormatError
from lpexec.paper.exchange.market import Market, Quote
from lpexec.paper.exchange.orders import (
    ClientOrderId,
    Fill,
    Liquidity,
    Order,
    OrderSide,
    OrderStatus,
    OrderType,
)
from lpexec.paper.exchange.perpetual import Liquidation, PerpetualSpec, Position

__all__ = [
    "FORMAT",
    "Document",
    "decode",
    "decode_funding",
    "decode_liquidation",
    "decode_market",
    "decode_order",
    "decode_position",
    "encode_funding",
    "encode_liquidation",
    "encode_market",
    "encode_order",
    "encode_position",
    "read_json",
    "write_json_atomic",
]

FORMAT = "lpexec.paper.exchange/1"
"""The document format this module writes and reads."""

Document = dict[str, Any]
_T = TypeVar("_T")


# -- scalars -----------------------------------------------------------------------------------


def _dec(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _to_dec(value: object, field: str) -> Decimal:
    if not isinstance(value, str):
        raise StateFormatError(f"{field}: expected a decimal string, received {value!r}")
    try:
        return Decimal(value)
    except InvalidOperation:
        raise StateFormatError(f"{field}: expected a decimal string, received {value!r}") from None


def _to_opt_dec(value: object, field: str) -> Decimal | None:
    return None if value is None else _to_dec(value, field)


def _ts(value: _dt.datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _to_ts(value: object, field: str) -> _dt.datetime | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise StateFormatError(f"{field}: expected an ISO-8601 string or null, received {value!r}")
    try:
        return _dt.datetime.fromisoformat(value)
    except ValueError:
        raise StateFormatError(f"{field}: expected an ISO-8601 time, received {value!r}") from None


def decode(field: str, read: Callable[[], _T]) -> _T:
    """Run ``read`` and turn a missing key or a bad value into :class:`StateFormatError`."""
    try:
        return read()
    except StateFormatError:
        raise
    except (KeyError, TypeError, ValueError, ArithmeticError, ExchangeError) as error:
        raise StateFormatError(
            f"{field}: expected a valid saved value, received {error!r}"
        ) from error


# -- markets -----------------------------------------------------------------------------------


def encode_market(market: Market) -> Document:
    """Return a market's rules, terms, quote and what this step can still fill, as data."""
    rules, spec, quote = market.rules, market.perpetual, market.quote
    return {
        "trading_pair": market.trading_pair,
        "rules": {
            "price_tick": str(rules.price_tick),
            "amount_step": str(rules.amount_step),
            "min_amount": str(rules.min_amount),
            "min_notional": str(rules.min_notional),
            "order_types": sorted(rules.order_types),
        },
        "fill_cap": _dec(market.fill_cap),
        "perpetual": None
        if spec is None
        else {
            "max_leverage": spec.max_leverage,
            "maintenance_margin_ratio": str(spec.maintenance_margin_ratio),
            "funding_rate": str(spec.funding_rate),
            "funding_interval_seconds": spec.funding_interval_seconds,
        },
        "quote": None
        if quote is None
        else {
            "bid": str(quote.bid),
            "ask": str(quote.ask),
            "last": str(quote.last),
            "ts_event": _ts(quote.ts_event),
        },
        "capacity_left": {
            "BUY": _dec(market.capacity_left(OrderSide.BUY)),
            "SELL": _dec(market.capacity_left(OrderSide.SELL)),
        },
    }


def decode_market(data: Mapping[str, Any]) -> Market:
    """Rebuild a market saved by :func:`encode_market`."""
    pair = data.get("trading_pair", "?")
    where = f"markets[{pair}]"

    def read() -> Market:
        rules_data = data["rules"]
        rules = TradingRules(
            price_tick=_to_dec(rules_data["price_tick"], f"{where}.rules.price_tick"),
            amount_step=_to_dec(rules_data["amount_step"], f"{where}.rules.amount_step"),
            min_amount=_to_dec(rules_data["min_amount"], f"{where}.rules.min_amount"),
            min_notional=_to_dec(rules_data["min_notional"], f"{where}.rules.min_notional"),
            order_types=frozenset(str(kind) for kind in rules_data["order_types"]),
        )
        spec_data = data["perpetual"]
        spec = None
        if spec_data is not None:
            spec = PerpetualSpec(
                max_leverage=int(spec_data["max_leverage"]),
                maintenance_margin_ratio=_to_dec(
                    spec_data["maintenance_margin_ratio"], f"{where}.maintenance_margin_ratio"
                ),
                funding_rate=_to_dec(spec_data["funding_rate"], f"{where}.funding_rate"),
                funding_interval_seconds=int(spec_data["funding_interval_seconds"]),
            )
        market = Market(
            trading_pair=str(data["trading_pair"]),
            rules=rules,
            fill_cap=_to_opt_dec(data["fill_cap"], f"{where}.fill_cap"),
            perpetual=spec,
        )
        quote_data, left = data["quote"], data["capacity_left"]
        quote = None
        if quote_data is not None:
            quote = Quote(
                bid=_to_dec(quote_data["bid"], f"{where}.quote.bid"),
                ask=_to_dec(quote_data["ask"], f"{where}.quote.ask"),
                last=_to_dec(quote_data["last"], f"{where}.quote.last"),
                ts_event=_to_ts(quote_data["ts_event"], f"{where}.quote.ts_event"),
            )
        market.restore_step(
            quote,
            buy_left=_to_opt_dec(left["BUY"], f"{where}.capacity_left.BUY"),
            sell_left=_to_opt_dec(left["SELL"], f"{where}.capacity_left.SELL"),
        )
        return market

    return decode(where, read)


# -- orders and fills --------------------------------------------------------------------------


def encode_order(order: Order) -> Document:
    """Return an order snapshot as data."""
    return {
        "client_order_id": order.client_order_id,
        "trading_pair": order.trading_pair,
        "side": order.side.value,
        "order_type": order.order_type.value,
        "amount": str(order.amount),
        "price": _dec(order.price),
        "status": order.status.value,
        "filled_amount": str(order.filled_amount),
        "filled_quote": str(order.filled_quote),
        "fees_quote": str(order.fees_quote),
        "reason": order.reason,
        "created_at": _ts(order.created_at),
        "position_action": order.position_action,
    }


def decode_order(data: Mapping[str, Any]) -> Order:
    """Rebuild an order saved by :func:`encode_order`."""
    where = f"orders[{data.get('client_order_id', '?')}]"

    def read() -> Order:
        action = data["position_action"]
        if action not in (None, "OPEN", "CLOSE"):
            raise StateFormatError(
                f"{where}.position_action: expected OPEN, CLOSE or null, received {action!r}"
            )
        return Order(
            client_order_id=ClientOrderId(str(data["client_order_id"])),
            trading_pair=str(data["trading_pair"]),
            side=OrderSide(data["side"]),
            order_type=OrderType(data["order_type"]),
            amount=_to_dec(data["amount"], f"{where}.amount"),
            price=_to_opt_dec(data["price"], f"{where}.price"),
            status=OrderStatus(data["status"]),
            filled_amount=_to_dec(data["filled_amount"], f"{where}.filled_amount"),
            filled_quote=_to_dec(data["filled_quote"], f"{where}.filled_quote"),
            fees_quote=_to_dec(data["fees_quote"], f"{where}.fees_quote"),
            reason=None if data["reason"] is None else str(data["reason"]),
            created_at=_to_ts(data["created_at"], f"{where}.created_at"),
            position_action=action,
        )

    return decode(where, read)


def encode_fill(fill: Fill) -> Document:
    """Return a fill as data."""
    return {
        "fill_id": fill.fill_id,
        "client_order_id": fill.client_order_id,
        "trading_pair": fill.trading_pair,
        "side": fill.side.value,
        "amount": str(fill.amount),
        "price": str(fill.price),
        "fee": str(fill.fee),
        "fee_asset": fill.fee_asset,
        "liquidity": fill.liquidity.value,
        "filled_at": _ts(fill.filled_at),
    }


def decode_fill(data: Mapping[str, Any]) -> Fill:
    """Rebuild a fill saved by :func:`encode_fill`."""
    where = f"fills[{data.get('fill_id', '?')}]"
    return decode(
        where,
        lambda: Fill(
            fill_id=int(data["fill_id"]),
            client_order_id=ClientOrderId(str(data["client_order_id"])),
            trading_pair=str(data["trading_pair"]),
            side=OrderSide(data["side"]),
            amount=_to_dec(data["amount"], f"{where}.amount"),
            price=_to_dec(data["price"], f"{where}.price"),
            fee=_to_dec(data["fee"], f"{where}.fee"),
            fee_asset=str(data["fee_asset"]),
            liquidity=Liquidity(data["liquidity"]),
            filled_at=_to_ts(data["filled_at"], f"{where}.filled_at"),
        ),
    )


# -- perpetuals --------------------------------------------------------------------------------


def _side(value: object, field: str) -> Any:
    if value not in ("LONG", "SHORT"):
        raise StateFormatError(f"{field}: expected LONG or SHORT, received {value!r}")
    return value


def encode_position(position: Position) -> Document:
    """Return an open position as data."""
    return {
        "trading_pair": position.trading_pair,
        "side": position.side,
        "amount": str(position.amount),
        "entry_price": str(position.entry_price),
        "leverage": position.leverage,
        "margin": str(position.margin),
    }


def decode_position(data: Mapping[str, Any]) -> Position:
    """Rebuild a position saved by :func:`encode_position`."""
    where = f"positions[{data.get('trading_pair', '?')} {data.get('side', '?')}]"
    return decode(
        where,
        lambda: Position(
            trading_pair=str(data["trading_pair"]),
            side=_side(data["side"], f"{where}.side"),
            amount=_to_dec(data["amount"], f"{where}.amount"),
            entry_price=_to_dec(data["entry_price"], f"{where}.entry_price"),
            leverage=int(data["leverage"]),
            margin=_to_dec(data["margin"], f"{where}.margin"),
        ),
    )


def encode_funding(payment: FundingPayment) -> Document:
    """Return a funding payment as data."""
    return {
        "trading_pair": payment.trading_pair,
        "payment_id": payment.payment_id,
        "amount": str(payment.amount),
        "rate": str(payment.rate),
        "ts": payment.ts.isoformat(),
        "position_side": payment.position_side,
        "position_amount": None
        if payment.position_amount is None
        else str(payment.position_amount),
    }


def decode_funding(data: Mapping[str, Any]) -> FundingPayment:
    """Rebuild a funding payment saved by :func:`encode_funding`."""
    where = f"funding_payments[{data.get('payment_id', '?')}]"

    def read() -> FundingPayment:
        ts = _to_ts(data["ts"], f"{where}.ts")
        if ts is None:
            raise StateFormatError(f"{where}.ts: expected an ISO-8601 time, received null")
        side = data["position_side"]
        return FundingPayment(
            trading_pair=str(data["trading_pair"]),
            payment_id=str(data["payment_id"]),
            amount=_to_dec(data["amount"], f"{where}.amount"),
            rate=_to_dec(data["rate"], f"{where}.rate"),
            ts=ts,
            position_side=None if side is None else _side(side, f"{where}.position_side"),
            position_amount=(
                None  # saved before the field existed
                if data.get("position_amount") is None
                else _to_dec(data["position_amount"], f"{where}.position_amount")
            ),
        )

    return decode(where, read)


def encode_liquidation(liquidation: Liquidation) -> Document:
    """Return a liquidation record as data."""
    return {
        "liquidation_id": liquidation.liquidation_id,
        "trading_pair": liquidation.trading_pair,
        "side": liquidation.side,
        "amount": str(liquidation.amount),
        "entry_price": str(liquidation.entry_price),
        "mark_price": str(liquidation.mark_price),
        "margin_lost": str(liquidation.margin_lost),
        "liquidated_at": _ts(liquidation.liquidated_at),
    }


def decode_liquidation(data: Mapping[str, Any]) -> Liquidation:
    """Rebuild a liquidation record saved by :func:`encode_liquidation`."""
    where = f"liquidations[{data.get('liquidation_id', '?')}]"
    return decode(
        where,
        lambda: Liquidation(
            liquidation_id=int(data["liquidation_id"]),
            trading_pair=str(data["trading_pair"]),
            side=_side(data["side"], f"{where}.side"),
            amount=_to_dec(data["amount"], f"{where}.amount"),
            entry_price=_to_dec(data["entry_price"], f"{where}.entry_price"),
            mark_price=_to_dec(data["mark_price"], f"{where}.mark_price"),
            margin_lost=_to_dec(data["margin_lost"], f"{where}.margin_lost"),
            liquidated_at=_to_ts(data["liquidated_at"], f"{where}.liquidated_at"),
        ),
    )


# -- files -------------------------------------------------------------------------------------


def write_json_atomic(path: str | os.PathLike[str], document: Document) -> None:
    """Write ``document`` as JSON to ``path`` atomically (temp file, fsync, rename, fsync dir)."""
    target = Path(path)
    folder = target.parent
    text = json.dumps(document, separators=(",", ":"))
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    directory = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def read_json(path: str | os.PathLike[str]) -> Document:
    """Read a document written by :func:`write_json_atomic`.

    Raises:
        StateFormatError: the file is not a JSON object.
        OSError: the file cannot be read.
    """
    text = Path(path).read_text(encoding="utf-8")
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise StateFormatError(f"{path}: expected a JSON object, received {error}") from error
    if not isinstance(document, dict):
        raise StateFormatError(
            f"{path}: expected a JSON object, received {type(document).__name__}"
        )
    return cast(Document, document)
