"""Did a swap land? Decide from the wallet's balances before and after, when no signature exists.

Gateway's Meteora routes answer HTTP 504 ``TRANSACTION_TIMEOUT`` without the signature, so the
transaction cannot be polled. The only safe evidence left is the wallet itself. This module
compares two balance reads (pure) and answers one of three things:

* ``LANDED`` - the changes are the swap's fingerprint: the base side moved by exactly ``amount``
  (SELL and BUY are exact-in and exact-out on the base), the quote side moved the other way and
  inside the swap's limit, and the native token paid at most ``max_fee`` on top. The amounts and
  the fee are then read from the changes.
* ``UNTOUCHED`` - neither token moved (a native side may have paid at most ``max_fee``: a
  transaction that landed and failed). The swap did not happen *yet*; only once its transaction
  can no longer land (its blockhash expired) is it safe to send again.
* ``AMBIGUOUS`` - anything else (another transaction of the same wallet moved these tokens, a
  balance read failed and came back as zeros, ...). Never guessed: a human looks.

Balances travel as JSON numbers and may carry float noise, so equality allows a tolerance of
``1e-9`` or ``1e-12`` of the balance, whichever is larger.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from lpexec.core.money import ZERO
from lpexec.swap.quotes import Side

__all__ = ["BalanceMatch", "SwapFingerprint", "match_balances"]

_ABSOLUTE = Decimal("1e-9")
_RELATIVE = Decimal("1e-12")


class SwapFingerprint(StrEnum):
    """What two balance reads say about a swap."""

    LANDED = "LANDED"
    UNTOUCHED = "UNTOUCHED"
    AMBIGUOUS = "AMBIGUOUS"


@dataclass(frozen=True, slots=True, kw_only=True)
class BalanceMatch:
    """The verdict, and for LANDED what moved (fee apart) and the fee.

    ``fee_known`` is False when the fee cannot be told apart: the native token is the quote
    token (the fee then stays inside ``quote_amount``) or its balance was not read; ``tx_fee``
    is then 0.
    """

    verdict: SwapFingerprint
    base_amount: Decimal = ZERO
    quote_amount: Decimal = ZERO
    tx_fee: Decimal = ZERO
    fee_known: bool = True
    explanation: str = ""


def _close(a: Decimal, b: Decimal, scale: Decimal) -> bool:
    return abs(a - b) <= max(_ABSOLUTE, abs(scale) * _RELATIVE)


def match_balances(
    *,
    side: Side,
    base_token: str,
    quote_token: str,
    native_token: str,
    amount: Decimal,
    limit: Decimal,
    before: Mapping[str, Decimal],
    after: Mapping[str, Decimal],
    max_fee: Decimal,
) -> BalanceMatch:
    """Compare two balance reads of the wallet against one swap.

    Args:
        side: SELL (base out, quote in) or BUY (quote out, base in).
        base_token, quote_token, native_token: the keys of the balances.
        amount: the base amount sold or bought.
        limit: minimum quote received (SELL) or maximum quote paid (BUY).
        before, after: balances read before sending and now.
        max_fee: the most the network fee (and any account rent) can cost, in native.
    """
    tokens = {base_token, quote_token, native_token}
    if any(token not in before or token not in after for token in (base_token, quote_token)):
        return _ambiguous("a balance of the pair is missing from a read")
    if not any(after.get(token, ZERO) for token in tokens):
        return _ambiguous("the balances read as zeros (Gateway's answer when its RPC is down)")
    if _untouched(base_token, quote_token, native_token, before, after, max_fee):
        return BalanceMatch(
            verdict=SwapFingerprint.UNTOUCHED, explanation="neither token of the swap moved"
        )
    sign = -1 if side == "SELL" else 1
    base_delta = after[base_token] - before[base_token]
    quote_delta = after[quote_token] - before[quote_token]
    fee: Decimal | None = None
    if native_token == base_token:
        # SELL moves the native base by -(amount + fee), BUY by amount - fee.
        fee = sign * amount - base_delta
    else:
        if not _close(base_delta, sign * amount, before[base_token]):
            return _ambiguous(
                f"expected {base_token} to change by {sign * amount}, received a change of "
                f"{base_delta}"
            )
        if native_token != quote_token and native_token in before and native_token in after:
            fee = before[native_token] - after[native_token]
    if fee is not None:
        if not -_ABSOLUTE <= fee <= max_fee:
            return _ambiguous(
                f"expected the network fee between 0 and {max_fee} {native_token}, received "
                f"{fee} (another transaction may have moved {native_token})"
            )
        fee = max(fee, ZERO)
    fee_in_quote = native_token == quote_token
    slack = max_fee if fee_in_quote else ZERO
    if side == "SELL":
        quote_amount = quote_delta
        inside = quote_amount > 0 and quote_amount + slack >= limit
        expected = f"grow by at least {limit}"
    else:
        quote_amount = -quote_delta
        inside = quote_amount > 0 and quote_amount - slack <= limit
        expected = f"drop by at most {limit}"
    if not inside:
        return _ambiguous(
            f"expected {quote_token} to {expected}, received a change of {quote_delta}"
        )
    return BalanceMatch(
        verdict=SwapFingerprint.LANDED,
        base_amount=amount,
        quote_amount=quote_amount,
        tx_fee=fee if fee is not None else ZERO,
        fee_known=fee is not None,
        explanation="the balance changes match the swap",
    )


def _untouched(
    base_token: str,
    quote_token: str,
    native_token: str,
    before: Mapping[str, Decimal],
    after: Mapping[str, Decimal],
    max_fee: Decimal,
) -> bool:
    for token in (base_token, quote_token):
        delta = after[token] - before[token]
        if token == native_token:
            if not -max_fee <= delta <= _ABSOLUTE:
                return False
        elif not _close(delta, ZERO, before[token]):
            return False
    return True


def _ambiguous(explanation: str) -> BalanceMatch:
    return BalanceMatch(verdict=SwapFingerprint.AMBIGUOUS, explanation=explanation)
