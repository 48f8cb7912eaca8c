"""The paper chain's token list: symbols, real mainnet mints and decimals.

Amounts on the chain are integers in base units (lamports, raw SPL units); a :class:`Token`
converts between them and human ``Decimal`` amounts.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

__all__ = [
    "DEFAULT_TOKENS",
    "SOL_MINT",
    "Token",
    "TokenList",
    "UnknownTokenError",
]

SOL_MINT = "So11111111111111111111111111111111111111112"
"""The wrapped-SOL mint; the ``SOL`` entry of the list (native SOL is held in lamports)."""


class UnknownTokenError(KeyError):
    """Raised when a symbol or mint is not in the token list."""

    def __init__(self, token: str) -> None:
        self.token = token
        super().__init__(token)

    def __str__(self) -> str:
        return f"Token not found: {self.token}"


@dataclass(frozen=True, slots=True)
class Token:
    """One SPL token (or SOL) known to the paper chain."""

    symbol: str
    """Ticker, e.g. ``USDC``."""
    name: str
    """Full name, e.g. ``USD Coin``."""
    address: str
    """Mint address (base58)."""
    decimals: int
    """Number of decimals of the base unit."""
    chain_id: int = 101
    """Solana mainnet-beta chain id as used in token lists."""

    @property
    def is_sol(self) -> bool:
        """True for SOL (wrapped mint; native balance in lamports)."""
        return self.address == SOL_MINT

    def to_raw(self, amount: Decimal) -> int:
        """Return ``amount`` in base units, rounded down (what a program would transfer)."""
        scaled = (amount * (Decimal(10) ** self.decimals)).to_integral_value(rounding=ROUND_DOWN)
        return int(scaled)

    def to_ui(self, raw: int) -> Decimal:
        """Return the human amount of ``raw`` base units (exact)."""
        return Decimal(raw).scaleb(-self.decimals)


DEFAULT_TOKENS: tuple[Token, ...] = (
    Token("SOL", "Wrapped SOL", SOL_MINT, 9),
    Token("USDC", "USD Coin", "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v", 6),
    Token("USDT", "USDT", "Es9vMFrzaCERmJfrF4H2FYD4KCoNkY11McCe8BenwNYB", 6),
    Token("JUP", "Jupiter", "JUPyiwrYJFskUPiHa7hkeR8VUtAeFoSYbKedZNsDvCN", 6),
    Token("BONK", "Bonk", "DezXAZ8z7PnrnRJjz3wXBoRgixCa6xjnB7YaB1pPB263", 5),
    Token("mSOL", "Marinade staked SOL", "mSoLzYCxHdYgdzU16g5QSh3i5K3z3KZK7ytfqcJm7So", 9),
    Token("JitoSOL", "Jito Staked SOL", "J1toso1uCk3RLmjorhTtrVwY9HJ7X8V9yYac6Y7kGCPn", 9),
    Token("WIF", "dogwifhat", "EKpQGSJtjMFqKZ9KQanSqYXRcF8fBopzLHYxdM65zcjm", 6),
    Token("RAY", "Raydium", "4k3Dyjzvzp8eMZWUXbBCjEvwSkkk59S5iCNLY3QrkX6R", 6),
)


class TokenList:
    """Tokens by symbol (case-insensitive) and by mint address.

    Example:
        >>> tokens = TokenList()
        >>> tokens.get("usdc").decimals
        6
    """

    __slots__ = ("_by_address", "_by_symbol", "_tokens")

    def __init__(self, tokens: Iterable[Token] = DEFAULT_TOKENS) -> None:
        self._tokens: list[Token] = []
        self._by_symbol: dict[str, Token] = {}
        self._by_address: dict[str, Token] = {}
        for token in tokens:
            self.add(token)

    def add(self, token: Token) -> None:
        """Add ``token``; refuse a symbol or mint already listed.

        Raises:
            ValueError: naming the duplicate symbol or address.
        """
        if token.symbol.upper() in self._by_symbol:
            raise ValueError(f"Expected a new token symbol, received duplicate {token.symbol!r}")
        if token.address in self._by_address:
            raise ValueError(f"Expected a new mint address, received duplicate {token.address!r}")
        self._tokens.append(token)
        self._by_symbol[token.symbol.upper()] = token
        self._by_address[token.address] = token

    def get(self, symbol_or_address: str) -> Token:
        """Return the token with this symbol (any case) or mint address.

        Raises:
            UnknownTokenError: when neither matches.
        """
        token = self.find(symbol_or_address)
        if token is None:
            raise UnknownTokenError(symbol_or_address)
        return token

    def find(self, symbol_or_address: str) -> Token | None:
        """Return the token with this symbol or mint address, or None."""
        return self._by_address.get(symbol_or_address) or self._by_symbol.get(
            symbol_or_address.upper()
        )

    @property
    def sol(self) -> Token:
        """The SOL entry."""
        return self._by_address[SOL_MINT]

    def __iter__(self) -> Iterator[Token]:
        return iter(self._tokens)

    def __len__(self) -> int:
        return len(self._tokens)

    def __contains__(self, symbol_or_address: object) -> bool:
        return isinstance(symbol_or_address, str) and self.find(symbol_or_address) is not None
