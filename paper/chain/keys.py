"""Base58 addresses and signatures for the paper chain.

Solana shows 32-byte public keys and 64-byte signatures in base58 (Bitcoin alphabet). The paper
chain draws their bytes from a seeded generator, so a run with the same seed produces the same
addresses and signatures.
"""

from __future__ import annotations

import functools
import hashlib
import random

__all__ = [
    "ADDRESS_BYTES",
    "SIGNATURE_BYTES",
    "KeyFactory",
    "b58decode",
    "b58encode",
    "derive_address",
    "is_address",
    "is_signature",
]

ADDRESS_BYTES = 32
SIGNATURE_BYTES = 64

_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_INDEX = {character: position for position, character in enumerate(_ALPHABET)}
_PAIRS = [high + low for high in _ALPHABET for low in _ALPHABET]
"""The 58**2 two-digit strings: the text of 0..3363 in base58, zero-padded."""
_PAIR_BASE = 58**2
_CHUNK_BASE = 58**4
"""Four digits per division of the big number: below 2**30, so one CPython digit (the fast path
of big-int division), then two table lookups."""


def b58encode(data: bytes) -> str:
    """Encode bytes as base58 (leading zero bytes become leading ``1``)."""
    number = int.from_bytes(data, "big")
    chunks: list[str] = []
    while number:
        number, chunk = divmod(number, _CHUNK_BASE)
        # two small-int operators: cheaper than a second divmod and its tuple
        chunks.append(_PAIRS[chunk // _PAIR_BASE] + _PAIRS[chunk % _PAIR_BASE])
    chunks.reverse()
    # the top chunk is zero-padded: those '1's are not digits of the number
    digits = "".join(chunks).lstrip("1")
    zeros = len(data) - len(data.lstrip(b"\0"))
    return "1" * zeros + digits


def b58decode(text: str) -> bytes:
    """Decode a base58 string.

    Raises:
        ValueError: naming the first character outside the base58 alphabet.
    """
    number = 0
    for position, character in enumerate(text):
        digit = _INDEX.get(character)
        if digit is None:
            raise ValueError(
                f"Expected a base58 string, received {text!r} "
                f"(character {character!r} at position {position})"
            )
        number = number * 58 + digit
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    zeros = len(text) - len(text.lstrip("1"))
    return b"\0" * zeros + body


def is_address(text: object) -> bool:
    """Return True when ``text`` is a base58 string of 32 bytes (a Solana public key)."""
    return _has_length(text, ADDRESS_BYTES)


def is_signature(text: object) -> bool:
    """Return True when ``text`` is a base58 string of 64 bytes (a Solana signature)."""
    return _has_length(text, SIGNATURE_BYTES)


def _has_length(text: object, size: int) -> bool:
    if not isinstance(text, str) or not 32 <= len(text) <= 90:
        return False
    try:
        return len(b58decode(text)) == size
    except ValueError:
        return False


@functools.lru_cache(maxsize=65_536)
def derive_address(*parts: str) -> str:
    """Return a deterministic 32-byte address derived from ``parts`` (like a PDA, not on curve).

    Pure, so it is cached: accounts of busy pools are derived on every market trade.
    """
    digest = hashlib.sha256("\x1f".join(("paper-pda", *parts)).encode()).digest()
    return b58encode(digest)


class KeyFactory:
    """Draws fresh addresses and signatures from a seeded generator.

    Example:
        >>> keys = KeyFactory(seed=7)
        >>> address = keys.new_address()
        >>> signature = keys.new_signature()
    """

    __slots__ = ("_random",)

    def __init__(self, seed: int | str = 0) -> None:
        self._random = random.Random(f"paper-keys:{seed}")

    def new_address(self) -> str:
        """Return a fresh base58 address (32 random bytes)."""
        return b58encode(self._draw(ADDRESS_BYTES))

    def new_signature(self) -> str:
        """Return a fresh base58 signature (64 random bytes)."""
        return b58encode(self._draw(SIGNATURE_BYTES))

    def _draw(self, size: int) -> bytes:
        data = self._random.randbytes(size)
        # a leading zero byte would shorten the text; real keys have them too, but rarely
        return data if data[0] else bytes([1]) + data[1:]

    def get_state(self) -> list[object]:
        """Return the generator state as JSON-friendly data (for save/load)."""
        version, internal, gauss = self._random.getstate()
        return [version, list(internal), gauss]

    def set_state(self, state: list[object]) -> None:
        """Restore a state returned by :meth:`get_state`."""
        version, internal, gauss = state
        self._random.setstate((version, tuple(internal), gauss))  # type: ignore[arg-type]
