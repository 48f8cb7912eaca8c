"""The paper chain's two speed devices against the plain way, per call.

- ``record_builder`` (``paper/chain/records.py``) builds the chain's frozen records (postings,
  ledger entries, token balances: about twenty per transaction) without the frozen ``__init__``;
- ``b58encode`` (``paper/chain/keys.py``) divides by 58**4 (one CPython digit) instead of 58, for
  the signature and the addresses of every transaction.

Equal results are tested in tests/paper/chain (test_chain_records.py, test_chain_basics.py). Their
end-to-end share shows in ``bench/compare.py`` (backtest rows/s). Last line:
``paper_devices: records xA, base58 xB faster than the plain way``.
"""

from __future__ import annotations

import sys
import timeit
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout

from lpexec.paper.chain.keys import b58encode  # noqa: E402
from lpexec.paper.chain.ledger import LAMPORTS, Cause, Posting  # noqa: E402
from lpexec.paper.chain.records import record_builder  # noqa: E402

ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def b58_digit_by_digit(data: bytes) -> str:
    number = int.from_bytes(data, "big")
    digits: list[str] = []
    while number:
        number, digit = divmod(number, 58)
        digits.append(ALPHABET[digit])
    digits.reverse()
    return "1" * (len(data) - len(data.lstrip(b"\0"))) + "".join(digits)


def best(statement, number: int) -> float:
    """Best per-call time in microseconds over five repeats."""
    return min(timeit.repeat(statement, number=number, repeat=5)) / number * 1e6


def main() -> None:
    make_posting = record_builder(Posting)
    plain_record = best(lambda: Posting("W", LAMPORTS, 10, Cause.TX_FEE), 200_000)
    fast_record = best(lambda: make_posting("W", LAMPORTS, 10, Cause.TX_FEE), 200_000)
    raw = bytes(range(64))
    assert b58encode(raw) == b58_digit_by_digit(raw)
    plain_b58 = best(lambda: b58_digit_by_digit(raw), 50_000)
    fast_b58 = best(lambda: b58encode(raw), 50_000)
    print(f"posting: {plain_record:.3f} us built by its class, {fast_record:.3f} us by the builder")
    print(f"base58 (64 bytes): {plain_b58:.2f} us digit by digit, {fast_b58:.2f} us tuned")
    print(
        f"paper_devices: records x{plain_record / fast_record:.1f}, "
        f"base58 x{plain_b58 / fast_b58:.1f} faster than the plain way"
    )


if __name__ == "__main__":
    main()
